"""nextstat.PatchSet and the Workspace operations against pyhf (live, on
pyhf's own patchset fixtures and the bundled signal grid) and the goldens
the Rust tests use."""

import json
import os

import numpy as np
import pyhf
import pytest

import nextstat
from conftest import FIXTURES, GOLDENS

PS = os.path.join(FIXTURES, "patchset")


def load(path):
    with open(path) as f:
        return json.load(f)


def test_patchset_matches_pyhf_on_the_grid():
    bkg_path = os.path.join(PS, "grid_bkgonly.json")
    set_path = os.path.join(PS, "grid_patchset.json")
    ps = nextstat.PatchSet(set_path)
    ref = pyhf.PatchSet(load(set_path))
    assert [p.name for p in ps.patches] == [p.name for p in ref.patches]
    assert [p.values for p in ps.patches] == [p.values for p in ref.patches]
    assert ps.labels == ref.labels and ps.digests == ref.digests
    assert ps.version == ref.version and ps.description == ref.description
    assert len(ps) == len(ref)
    bkg = load(bkg_path)
    g = load(os.path.join(GOLDENS, "hepwf", "patchset_grid.json"))
    for p in ref.patches:
        want = json.loads(json.dumps(ref.apply(pyhf.Workspace(bkg), p.name)))
        # By name, by values, from a dict, a path or a nextstat.Workspace.
        assert ps.apply(bkg, p.name).spec == want
        assert ps.apply(bkg_path, p.values).spec == want
        assert nextstat.Workspace(bkg).patch(ps, p.name).spec == want
        assert ps[p.name].apply(bkg).spec == want
        assert ps[tuple(p.values)].name == p.name
        # The patched model gives pyhf's CLs (golden: SLSQP at tol 1e-14).
        h = nextstat.hypotest(1.0, ps.apply(bkg, p.name).model())
        gh = g["patches"][p.name]["hypotest_mu1"]
        assert h.cls_obs == pytest.approx(gh["cls_obs"], rel=1e-6)
        np.testing.assert_allclose(h.cls_exp, gh["cls_exp"], rtol=1e-6)
    ps.verify(bkg)


@pytest.mark.parametrize(
    "name", ["patchset_good.json", "patchset_good_2_patches.json", "patchset_good_stringvalues.json"]
)
def test_good_patchsets_read_like_pyhf(name):
    spec = load(os.path.join(PS, name))
    ps, ref = nextstat.PatchSet(spec), pyhf.PatchSet(spec)
    assert [(p.name, p.values, p.patch) for p in ps] == [(p.name, p.values, p.patch) for p in ref]


@pytest.mark.parametrize(
    "name",
    [
        "patchset_bad_duplicate_patch_name.json",
        "patchset_bad_duplicate_patch_values.json",
        "patchset_bad_wrong_values_multiplicity.json",
        "patchset_bad_empty_patches.json",
        "patchset_bad_no_version.json",
        "patchset_bad_wrong_valuetype.json",
    ],
)
def test_bad_patchsets_rejected_like_pyhf(name):
    spec = load(os.path.join(PS, name))
    with pytest.raises((pyhf.exceptions.InvalidPatchSet, pyhf.exceptions.InvalidSpecification)):
        pyhf.PatchSet(spec)
    with pytest.raises(nextstat.InvalidPatchSet, match=name.replace(".", r"\.")):
        nextstat.PatchSet(os.path.join(PS, name))


def test_patch_errors_are_typed_and_named():
    bkg = load(os.path.join(PS, "grid_bkgonly.json"))
    ps = nextstat.PatchSet(os.path.join(PS, "grid_patchset.json"))
    with pytest.raises(nextstat.InvalidPatchLookup, match="nope"):
        ps.apply(bkg, "nope")
    with pytest.raises(nextstat.InvalidPatchLookup, match="available"):
        ps["nope"]
    with pytest.raises(nextstat.PatchSetVerificationError, match="sha256"):
        ps.apply(load(os.path.join(PS, "example_bkgonly.json")), "sig_300_50")
    with pytest.raises(nextstat.InvalidPatch, match=r"operation 0.*/channels/9/name"):
        nextstat.Workspace(bkg).patch([{"op": "replace", "path": "/channels/9/name", "value": "x"}])
    with pytest.raises(nextstat.InvalidPatchLookup, match="sig_300_50"):
        nextstat.Workspace(bkg).patch(ps)


def test_workspace_operations_match_pyhf():
    path = os.path.join(FIXTURES, "complex_workspace.json")
    g = load(os.path.join(GOLDENS, "hepwf", "workspace_ops.json"))
    ws = nextstat.Workspace(path)
    assert ws.prune(samples=["signal"], modifier_types=["histosys"], modifiers=["lumi"]).spec == g["prune"]
    assert ws.prune(channels=["CR"]).spec == g["prune_channel"]
    renamed = ws.rename(
        channels={"SR": "SR2", "CR": "CR2"},
        modifiers={"bkg_shape": "bkg_shape2"},
        samples={"signal": "sig"},
        measurements={"measurement": "meas2"},
    )
    assert renamed.spec == g["rename"]
    assert nextstat.Workspace.combine(ws, renamed).spec == g["combine_none"]
    assert nextstat.Workspace.combine(ws, path, join="outer").spec == g["combine_outer_self"]
    nosig = ws.prune(samples=["signal"])
    assert nextstat.Workspace.combine(ws, nosig, join="left outer").spec == g["combine_left_outer"]
    assert renamed.sorted().spec == g["sorted"]
    assert ws.digest() == g["digest_sha256"] == pyhf.utils.digest(load(path))
    assert ws.digest("md5") == g["digest_md5"]
    # The results are workspaces pyhf accepts and nextstat builds.
    pyhf.Workspace(renamed.spec)
    assert renamed.model().poi_name == "mu"
    with pytest.raises(nextstat.InvalidWorkspaceOperation, match="channels in common"):
        nextstat.Workspace.combine(ws, ws)
    with pytest.raises(nextstat.InvalidWorkspaceOperation, match="'nope'"):
        ws.prune(samples=["nope"])
    with pytest.raises(nextstat.InvalidArgument, match="sha1"):
        ws.digest("sha1")
