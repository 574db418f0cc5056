"""A small signal-grid patchset (BkgOnly + one patch per signal point, the
HEPData layout) and pyhf's answers on every patched workspace, for the
`--patch` and `nextstat patchset hypotest|upper-limit` CLI tests.
Run: .venv/bin/python scripts/make_patchset_grid.py
Writes tests/fixtures/patchset/grid_bkgonly.json, grid_patchset.json and
tests/fixtures/goldens/hepwf/patchset_grid.json."""
import json
import math
import pathlib

import numpy as np
import pyhf

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests/fixtures/patchset"
OUT = ROOT / "tests/fixtures/goldens/hepwf/patchset_grid.json"

bkg = {
    "channels": [
        {"name": "SR", "samples": [{"name": "bkg", "data": [50.0, 40.0, 30.0], "modifiers": [
            {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
            {"name": "staterror_SR", "type": "staterror", "data": [3.0, 3.0, 2.0]}]}]},
        {"name": "CR", "samples": [{"name": "bkg", "data": [200.0, 150.0], "modifiers": [
            {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
            {"name": "staterror_CR", "type": "staterror", "data": [6.0, 5.0]}]}]},
    ],
    "observations": [{"name": "SR", "data": [52.0, 38.0, 33.0]},
                     {"name": "CR", "data": [205.0, 148.0]}],
    "measurements": [{"name": "NormalMeasurement",
                      "config": {"poi": "mu_SIG", "parameters": []}}],
    "version": "1.0.0",
}
grid = [(300, 50), (400, 50), (500, 50), (400, 150), (500, 150), (600, 150)]


def signal(m1, m2, shape):
    scale = 120.0 * math.exp(-(m1 - 300) / 200.0) * (1.0 - m2 / 400.0)
    return [round(scale * s, 4) for s in shape]


patches = []
for m1, m2 in grid:
    mods = [{"name": "mu_SIG", "type": "normfactor", "data": None},
            {"name": "sig_syst", "type": "normsys", "data": {"hi": 1.05, "lo": 0.95}}]
    patches.append({
        "metadata": {"name": f"sig_{m1}_{m2}", "values": [m1, m2]},
        "patch": [
            {"op": "add", "path": "/channels/0/samples/0",
             "value": {"name": "signal", "data": signal(m1, m2, [0.2, 0.5, 0.3]), "modifiers": mods}},
            {"op": "add", "path": "/channels/1/samples/0",
             "value": {"name": "signal", "data": signal(m1, m2, [0.02, 0.01]), "modifiers": mods}},
        ],
    })
patchset = {
    "metadata": {
        "description": "synthetic signal grid for NextStat's CLI tests",
        "digests": {"sha256": pyhf.utils.digest(bkg, "sha256")},
        "labels": ["m1", "m2"],
        "references": {"hepdata": "ins0000000"},
    },
    "patches": patches,
    "version": "1.0.0",
}
(FIX / "grid_bkgonly.json").write_text(json.dumps(bkg, indent=1) + "\n")
(FIX / "grid_patchset.json").write_text(json.dumps(patchset, indent=1) + "\n")

pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000))
ps = pyhf.PatchSet(patchset)
ws = pyhf.Workspace(bkg)
results = {}
for p in ps.patches:
    pws = pyhf.Workspace(ps.apply(ws, p.name))
    model = pws.model()
    data = pws.data(model)
    cls_obs, cls_exp = pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde",
                                           return_expected_set=True)
    obs, exp = pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan=None, level=0.05)
    results[p.name] = {
        "values": p.values,
        "patched_workspace": pws,
        "hypotest_mu1": {"cls_obs": float(cls_obs), "cls_exp": [float(e) for e in cls_exp]},
        "upper_limit": {"obs": float(obs), "exp": [float(e) for e in np.asarray(exp)]},
    }
out = {
    "pyhf": pyhf.__version__,
    "optimizer": "pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000) (SLSQP)",
    "upper_limit": "pyhf.infer.intervals.upper_limits.upper_limit(scan=None): toms748, atol=2e-12, rtol=1e-4, level 0.05",
    "patches": results,
}
OUT.write_text(json.dumps(out, indent=1) + "\n")
print(OUT)
