#!/usr/bin/env python
"""Workspaces whose NLL has several minima separated by kinks, and the lowest
minima pyhf and iminuit find on them (issue 13, item 3).

Writes, for each case below, our own workspace tests/fixtures/kinks/<case>.json
(modelled on the structure of pyhf's "2bin_2channel_coupledhistosys"
validation case: a signal channel and a control channel sharing one histosys,
with our own numbers; variants add normsys whose up and down factors lie on
the same side of 1) and tests/fixtures/goldens/kinks/<case>.json with, under
normsys=code1 / histosys=code0, the lowest twice_nll of

  * pyhf's scipy optimizer (SLSQP, tolerance 1e-12) and
  * pyhf's minuit optimizer (MIGRAD, strategy 2, tolerance 1e-6)

from the suggested init and from a grid of starts on both sides of every
kink, for the free fit and the conditional fit at mu = 1 (a profile
likelihood is defined by the lowest minimum). Checked by
crates/ns-infer/tests/kink_minima.rs.

Usage: .venv/bin/python scripts/make_kink_goldens.py   (a few seconds)
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import itertools  # noqa: E402
import json  # noqa: E402

import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WS_DIR = os.path.join(ROOT, "tests", "fixtures", "kinks")
GOLD_DIR = os.path.join(ROOT, "tests", "fixtures", "goldens", "kinks")
SETTINGS = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}


def histosys(lo, hi):
    return {"name": "coupled_histosys", "type": "histosys", "data": {"lo_data": lo, "hi_data": hi}}


def coupled(sig, b1, b2, ctl, dsig, dctl, norms=()):
    """sig: signal rates; b1, b2, ctl: (nominal, hi, lo) of the histosys
    samples; norms: (sample index 0..2, name, lo, hi) normsys to add."""
    samples = [
        {"name": "signal", "data": sig, "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
        {"name": "bkg1", "data": b1[0], "modifiers": [histosys(b1[2], b1[1])]},
        {"name": "bkg2", "data": b2[0], "modifiers": [histosys(b2[2], b2[1])]},
    ]
    control = {"name": "background", "data": ctl[0], "modifiers": [histosys(ctl[2], ctl[1])]}
    for idx, name, lo, hi in norms:
        target = control if idx == 3 else samples[idx]
        target["modifiers"].append({"name": name, "type": "normsys", "data": {"lo": lo, "hi": hi}})
    return {
        "version": "1.0.0",
        "channels": [
            {"name": "signal", "samples": samples},
            {"name": "control", "samples": [control]},
        ],
        "observations": [{"name": "signal", "data": dsig}, {"name": "control", "data": dctl}],
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
    }


CASES = {
    # Up and down templates both above nominal: a ridge in alpha at 0, a
    # minimum on each side; the suggested init leads to the higher one.
    "coupled_histosys_ridge": coupled(
        [12.0, 6.0],
        ([50.0, 30.0], [56.0, 34.0], [55.0, 33.0]),
        ([20.0, 15.0], [22.0, 16.0], [23.0, 17.0]),
        ([100.0, 80.0], [112.0, 90.0], [110.0, 89.0]),
        [80.0, 53.0],
        [118.0, 95.0],
    ),
    # Same with a normsys on bkg2 (both factors above 1) and one on the
    # control sample (both below 1): three kinked parameters.
    "coupled_histosys_normsys": coupled(
        [10.0, 7.0],
        ([60.0, 25.0], [66.0, 28.0], [64.0, 27.5]),
        ([15.0, 12.0], [16.5, 13.0], [16.8, 13.5]),
        ([90.0, 70.0], [101.0, 78.0], [98.0, 77.0]),
        [88.0, 47.0],
        [104.0, 83.0],
        norms=[(2, "bkg2_norm", 1.06, 1.09), (3, "ctl_norm", 0.95, 0.97)],
    ),
    # Templates on opposite sides (an ordinary, convex kink) and data below
    # the nominal: one minimum; the restarts must not make it worse.
    "coupled_histosys_valley": coupled(
        [8.0, 4.0],
        ([40.0, 20.0], [44.0, 22.0], [36.0, 18.0]),
        ([10.0, 9.0], [11.0, 9.5], [9.0, 8.5]),
        ([70.0, 60.0], [77.0, 66.0], [64.0, 55.0]),
        [52.0, 31.0],
        [66.0, 57.0],
    ),
}


def minima(model, data, fixed_mu):
    """Lowest twice_nll over optimizers and starts (and the point)."""
    init = np.array(model.config.suggested_init(), dtype=float)
    bounds = model.config.suggested_bounds()
    fixed = list(model.config.suggested_fixed())
    poi = model.config.poi_index
    if fixed_mu is not None:
        fixed[poi] = True
        init[poi] = fixed_mu
    kinked = [i for i, n in enumerate(model.config.par_names) if i != poi]
    starts = [init.copy()]
    for signs in itertools.product([-1.0, 1.0], repeat=len(kinked)):
        for mag in (0.5, 1.5):
            s = init.copy()
            for i, sg in zip(kinked, signs):
                s[i] = sg * mag
            starts.append(s)
    best = {"twice_nll": float("inf")}
    runs = []
    for name, opt in (
        ("scipy", pyhf.optimize.scipy_optimizer(tolerance=1e-12)),
        ("minuit", pyhf.optimize.minuit_optimizer(strategy=2, tolerance=1e-6)),
    ):
        pyhf.set_backend("numpy", opt)
        for k, s in enumerate(starts):
            try:
                x, twice = pyhf.infer.mle.fit(
                    data, model, init_pars=s.tolist(), par_bounds=bounds,
                    fixed_params=fixed, return_fitted_val=True,
                )
            except Exception as e:  # a failed start is recorded, not hidden
                runs.append({"optimizer": name, "start": k, "failed": repr(e)})
                continue
            twice = float(twice)
            runs.append({"optimizer": name, "start": k, "twice_nll": twice})
            if twice < best["twice_nll"]:
                best = {"twice_nll": twice, "bestfit": [float(v) for v in x],
                        "optimizer": name, "start": s.tolist()}
    best["n_runs"] = len(runs)
    best["worst_run_twice_nll"] = max(r.get("twice_nll", -np.inf) for r in runs)
    best["failed_runs"] = sum("failed" in r for r in runs)
    return best


def main():
    os.makedirs(WS_DIR, exist_ok=True)
    os.makedirs(GOLD_DIR, exist_ok=True)
    for case, spec in CASES.items():
        with open(os.path.join(WS_DIR, f"{case}.json"), "w") as f:
            json.dump(spec, f, indent=1)
        ws = pyhf.Workspace(spec)
        model = ws.model(modifier_settings=SETTINGS)
        data = ws.data(model)
        gold = {
            "workspace": f"kinks/{case}.json",
            "modifier_settings": SETTINGS,
            "pyhf_version": pyhf.__version__,
            "par_names": list(model.config.par_names),
            "free": minima(model, data, None),
            "fixed_poi_mu1": minima(model, data, 1.0),
        }
        with open(os.path.join(GOLD_DIR, f"{case}.json"), "w") as f:
            json.dump(gold, f, indent=1)
        print(case, gold["free"]["twice_nll"], gold["free"]["worst_run_twice_nll"],
              gold["fixed_poi_mu1"]["twice_nll"], gold["fixed_poi_mu1"]["worst_run_twice_nll"])


if __name__ == "__main__":
    main()
