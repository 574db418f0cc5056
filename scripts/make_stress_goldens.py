#!/usr/bin/env python
"""Lowest minima of the optimiser stress workspaces (issue 13, item 4).

For each tests/fixtures/stress/stress_<k>.json (scripts/make_stress_workspaces.py)
and, with --big, the repository's tests/fixtures/workspace_tHu.json and
tttt-prod_workspace.json, fits the pyhf model (pyhf 0.7 default interpolation)
with
  * pyhf's scipy optimizer (SLSQP, tolerance 1e-12) and
  * iminuit's MIGRAD on pyhf's twice_nll (strategy 2, tol 1e-4, i.e. EDM
    target 2e-7; called directly so that an invalid minimum, EDM above
    goal, still gives its value: "valid" records Minuit's verdict),
the minuit fit started again from the best point found (a second MIGRAD
call, as Minuit users do), free and with mu = 1 fixed, and writes the lowest
twice_nll per fit with who found it and every run's value and time to
tests/fixtures/goldens/stress/<stem>.json. The Rust test
crates/ns-infer/tests/stress_convergence.rs checks ours converges at least
as low.

Usage: .venv/bin/python scripts/make_stress_goldens.py [--big] [--only STEM]
(minutes: the minuit fits use numerical gradients).
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import glob  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
import logging  # noqa: E402

import iminuit  # noqa: E402
import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(FIX, "goldens", "stress")


def run(model, data, opt_name, init, fixed):
    """One fit; scipy through pyhf, MIGRAD directly on pyhf's twice_nll so
    that an invalid minimum (EDM above goal) still reports its value."""
    t = time.time()
    bounds = model.config.suggested_bounds()
    if opt_name == "scipy":
        pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-12))
        try:
            x, twice = pyhf.infer.mle.fit(data, model, init_pars=list(init), fixed_params=fixed,
                                          par_bounds=bounds, return_fitted_val=True)
            return {"optimizer": opt_name, "twice_nll": float(twice), "bestfit": [float(v) for v in x],
                    "valid": True, "seconds": time.time() - t}
        except Exception as e:  # pyhf raises when SLSQP reports failure
            return {"optimizer": opt_name, "failed": repr(e)[:300], "seconds": time.time() - t}
    pyhf.set_backend("numpy")
    d = np.asarray(data, dtype=float)

    def twice_nll(x):
        return float(-2.0 * model.logpdf(x, d)[0])

    m = iminuit.Minuit(twice_nll, np.asarray(init, dtype=float))
    m.errordef = 1.0
    m.strategy = 2
    m.tol = 1e-4
    m.limits = bounds
    m.fixed = fixed
    m.print_level = 0
    m.migrad(ncall=200000)
    return {"optimizer": opt_name, "twice_nll": float(m.fval), "bestfit": [float(v) for v in m.values],
            "valid": bool(m.valid), "edm": float(m.fmin.edm), "nfcn": int(m.nfcn),
            "seconds": time.time() - t}


def constraint_rounding(model, data):
    """Size of pyhf's own rounding in twice_nll from the Poisson constraint
    terms: each lgamma(a+1) + rate - a ln(rate) has parts ~tau ln tau that
    cancel to O(1) (issue 13, item 5), so twice_nll carries an absolute
    rounding error of order 2 * eps * sum(tau (1 + ln tau))."""
    aux = np.asarray(model.config.auxdata, dtype=float)
    big = aux[aux > 1.0]
    return float(2.0 * np.finfo(float).eps * np.sum(big * (1.0 + np.log(big))))


def lowest(model, data, mu):
    init = list(model.config.suggested_init())
    fixed = list(model.config.suggested_fixed())
    if mu is not None:
        poi = model.config.poi_index
        init[poi] = mu
        fixed[poi] = True
    runs = [run(model, data, "scipy", init, fixed), run(model, data, "minuit", init, fixed)]
    ok = [r for r in runs if "twice_nll" in r]
    if ok:
        best = min(ok, key=lambda r: r["twice_nll"])
        again = run(model, data, "minuit", best["bestfit"], fixed)
        again["optimizer"] = "minuit_from_best"
        runs.append(again)
        ok = [r for r in runs if "twice_nll" in r]
    best = min(ok, key=lambda r: r["twice_nll"]) if ok else None
    return {
        "twice_nll": best["twice_nll"] if best else None,
        "found_by": best["optimizer"] if best else None,
        "runs": [{k: v for k, v in r.items() if k != "bestfit"} for r in runs],
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--only", action="append")
    a = ap.parse_args()
    logging.getLogger("pyhf").setLevel(logging.ERROR)
    paths = sorted(glob.glob(os.path.join(FIX, "stress", "stress_*.json")))
    if a.big:
        paths += [os.path.join(FIX, "workspace_tHu.json"), os.path.join(FIX, "tttt-prod_workspace.json")]
    os.makedirs(OUT, exist_ok=True)
    for p in paths:
        stem = os.path.splitext(os.path.basename(p))[0]
        if a.only and stem not in a.only:
            continue
        ws = pyhf.Workspace(json.load(open(p)))
        model = ws.model()
        data = ws.data(model)
        gold = {
            "workspace": os.path.relpath(p, FIX),
            "pyhf_version": pyhf.__version__,
            "n_params": model.config.npars,
            "constraint_rounding": constraint_rounding(model, data),
            "free": lowest(model, data, None),
            "fixed_poi_mu1": lowest(model, data, 1.0),
        }
        with open(os.path.join(OUT, f"{stem}.json"), "w") as f:
            json.dump(gold, f, indent=1)
        print(stem, gold["n_params"], gold["free"]["twice_nll"], gold["free"]["found_by"],
              gold["fixed_poi_mu1"]["twice_nll"], flush=True)


if __name__ == "__main__":
    main()
