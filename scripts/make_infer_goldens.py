#!/usr/bin/env python
"""pyhf goldens for the ns-infer parity tests, with converged fits.

scripts/make_goldens.py records pyhf with its default scipy/SLSQP settings.
SLSQP stops early (ftol 1e-6 on 2NLL-scale changes), which leaves the
conditional and free fits up to ~1e-5 in 2NLL above their minima; the
asymptotic CLs then carry relative errors of 1e-7..1e-5 that have nothing to
do with the formulas. To test NextStat's CLs at 1e-6 relative we need pyhf's
formulas on converged fits: this script runs the same pyhf calls with
pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000).

Per fixture and interpolation setting it writes
tests/fixtures/goldens/infer/<stem>.json with:
  hypotest_mu1 / hypotest_q_mu1: CLs obs, expected set, CLs+b, CLb (mu = 1)
  significance: p0 obs/exp, Z obs/exp (q0)
  scan: 2dNLL on the grid of the main goldens (no warm starts)
and, for the default setting of the small fixtures, a toy-based hypotest
(qtilde, mu = 1) with pyhf's *default* optimizer (toys are statistical; the
tests compare within the binomial error of the toy count).

Usage: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python scripts/make_infer_goldens.py [--only STEM ...]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pyhf  # noqa: E402
import scipy.stats  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(FIX, "goldens", "infer")
STEMS = ["simple_workspace", "two_channel_workspace", "complex_workspace", "godrun_workspace"]
SETTINGS = {
    "default": {"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}},
    "code1_code0": {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}},
}
TOYS = {"simple_workspace": 2000, "complex_workspace": 500, "two_channel_workspace": 1000}
TOY_SEED = 20240101


def fl(x):
    x = float(x)
    return x if np.isfinite(x) else str(x)


def tight():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000))


def hypotest(m, d, ts):
    cls, (clsb, clb), exp = pyhf.infer.hypotest(
        1.0, d, m, test_stat=ts, return_expected_set=True, return_tail_probs=True
    )
    return {"poi_value": 1.0, "test_stat": ts, "cls_obs": fl(cls), "clsb_obs": fl(clsb),
            "clb_obs": fl(clb), "cls_exp": [fl(e) for e in exp]}


def significance(m, d):
    p0, p0e = pyhf.infer.hypotest(0.0, d, m, test_stat="q0", return_expected=True)
    return {"p0_obs": fl(p0), "p0_exp": fl(p0e), "z_obs": fl(scipy.stats.norm.isf(float(p0))),
            "z_exp": fl(scipy.stats.norm.isf(float(p0e)))}


def scan(m, d, mus):
    _, g = pyhf.infer.mle.fit(d, m, return_fitted_val=True)
    out = []
    for mu in mus:
        _, v = pyhf.infer.mle.fixed_poi_fit(float(mu), d, m, return_fitted_val=True)
        out.append(fl(v - g))
    return {"mus": [float(x) for x in mus], "twice_delta_nll": out, "twice_nll_global": fl(g)}


def toys(m, d, n):
    pyhf.set_backend("numpy", "scipy")
    np.random.seed(TOY_SEED)
    t = time.time()
    cls, (clsb, clb), exp = pyhf.infer.hypotest(
        1.0, d, m, calctype="toybased", ntoys=n, track_progress=False,
        return_expected_set=True, return_tail_probs=True)
    took = time.time() - t
    tight()
    return {"poi_value": 1.0, "test_stat": "qtilde", "ntoys": n, "seed": TOY_SEED,
            "optimizer": "pyhf default scipy (SLSQP)", "cls_obs": fl(cls), "clsb_obs": fl(clsb),
            "clb_obs": fl(clb), "cls_exp": [fl(e) for e in exp], "wall_s": took}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for stem in args.only or STEMS:
        ws = pyhf.Workspace(json.load(open(os.path.join(FIX, stem + ".json"))))
        main_g = json.load(open(os.path.join(FIX, "goldens", stem + ".json")))
        res = {"generator": "scripts/make_infer_goldens.py", "pyhf_version": pyhf.__version__,
               "numpy_version": np.__version__, "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "workspace": stem + ".json",
               "optimizer": "pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000) (SLSQP)",
               "settings": {}}
        for name, ms in SETTINGS.items():
            tight()
            m = ws.model(modifier_settings=ms)
            d = ws.data(m)
            t0 = time.time()
            b = {"modifier_settings": ms}
            b["hypotest_mu1"] = hypotest(m, d, "qtilde")
            b["hypotest_q_mu1"] = hypotest(m, d, "q")
            b["significance"] = significance(m, d)
            mus = main_g["settings"][name].get("scan", {}).get("mus")
            if mus:
                b["scan"] = scan(m, d, mus)
            if name == "default" and stem in TOYS:
                b["toys_mu1"] = toys(m, d, TOYS[stem])
            b["wall_s"] = time.time() - t0
            res["settings"][name] = b
            print(stem, name, f"{b['wall_s']:.1f}s", flush=True)
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
