"""The corpus and offline-check helpers: the test-file reader runs no code, the
signal patch touches only signal regions, MultiStart never returns a higher
minimum than a single scipy fit."""
import ast
import json
import os

import pytest

import check_published_likelihoods as P
import check_pyhf_validation as V
from make_corpus_goldens import SEED, MultiStart

# A miniature test_validation.py of our own with the structure the reader expects.
MINI = '''
import pytest

@pytest.fixture(scope="module")
def source_onebin():
    with Path("validation/data/onebin.json").open() as f:
        return json.load(f)

@pytest.fixture(scope="module")
def spec_onebin(source_onebin):
    source = source_onebin
    return {"channels": [{"name": "c", "samples": [
        {"name": "s", "data": source["bindata"]["sig"], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "b", "data": source["bindata"]["bkg"], "modifiers": []}]}]}

@pytest.fixture(scope="module")
def expected_result_onebin():
    return {"exp": [0.1, 0.2, 0.3, 0.4, 0.5], "obs": 0.25}

@pytest.fixture(params=[("onebin", {"init_pars": 1, "par_bounds": 1}, 1.0, "q", 1e-6, "asymptotics")],
                ids=["onebin_mu1"])
def setup(request):
    pass

def test_shapesys_nuisparfilter_validation():
    null = None
    reference_root_results = {"CLs_exp": [1, 2, 3, 4, 5], "CLs_obs": 3}
    spec = {"channels": [{"name": "c", "samples": [{"name": "s", "data": [1.0], "modifiers": [
        {"data": null, "name": "mu", "type": "normfactor"}]}]}], "version": "1.0.0"}
'''


def test_parse_cases_reads_literals_and_source_subscripts():
    cases, extra = V.parse_cases(MINI)
    (c,) = cases
    assert (c["id"], c["name"], c["mu"], c["test_stat"], c["tolerance"]) == ("onebin_mu1", "onebin", 1.0, "q", 1e-6)
    assert c["data_file"] == "validation/data/onebin.json"
    assert c["expected"] == {"exp": [0.1, 0.2, 0.3, 0.4, 0.5], "obs": 0.25}
    spec = V.Eval({"source": {"bindata": {"sig": [5.0], "bkg": [50.0]}}, "None": None})(V.returned(c["spec_fn"]))
    assert spec["channels"][0]["samples"][0]["data"] == [5.0]
    assert spec["channels"][0]["samples"][1]["data"] == [50.0]
    assert extra["ref"]["CLs_obs"] == 3
    assert extra["spec"]["channels"][0]["samples"][0]["modifiers"][0]["data"] is None


def test_eval_refuses_code():
    node = ast.parse("__import__('os').system('true')", mode="eval").body
    with pytest.raises(ValueError, match="unsupported syntax Call"):
        V.Eval({})(node)


def test_signal_patch_only_in_signal_regions():
    spec = {"channels": [{"name": "CR_top", "samples": [{"name": "b", "data": [10.0], "modifiers": []}]},
                         {"name": "SR_a", "samples": [{"name": "b", "data": [20.0, 5.0], "modifiers": []},
                                                      {"name": "c", "data": [0.0, 5.0], "modifiers": []}]},
                         {"name": "VR_SRlike", "samples": [{"name": "b", "data": [3.0], "modifiers": []}]}],
            "measurements": [{"name": "m", "config": {"poi": "mu_SIG", "parameters": []}}]}
    out, how = P.with_signal(json.loads(json.dumps(spec)))
    names = {c["name"]: [s["name"] for s in c["samples"]] for c in out["channels"]}
    assert names == {"CR_top": ["b"], "SR_a": ["b", "c", "ns_signal"], "VR_SRlike": ["b"]}
    sig = out["channels"][1]["samples"][2]
    assert sig["data"] == pytest.approx([2.5, 1.5])
    assert sig["modifiers"] == [{"name": "mu_SIG", "type": "normfactor", "data": None}]
    assert "1 channel" in how
    # A workspace whose POI is already a modifier is left alone.
    out2, how2 = P.with_signal(out)
    assert out2 is out and "already" in how2


def test_multistart_is_never_above_scipy():
    pyhf = pytest.importorskip("pyhf")
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "corpus",
                        "2bin_2channel_coupledhistosys.json")
    w = pyhf.Workspace(json.load(open(path)))
    m = w.model(modifier_settings={"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}})
    d = w.data(m)
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
    _, single = pyhf.infer.mle.fit(d, m, return_fitted_val=True)
    pyhf.set_backend("numpy", MultiStart(m, 2, SEED))
    try:
        _, multi = pyhf.infer.mle.fit(d, m, return_fitted_val=True)
    finally:
        pyhf.set_backend("numpy", "scipy")
    # On this case pyhf's init leads scipy into a local minimum (31.79); a kink-flipped start finds 30.32.
    assert float(multi) <= float(single) + 1e-9
    assert float(multi) < float(single) - 1.0
