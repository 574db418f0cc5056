#!/usr/bin/env python
"""pyhf goldens for the test-statistic conventions (issue 13 item 2).

What pyhf 0.7.6's `hypotest` returns for each test statistic, with converged
fits (scipy_optimizer(tolerance=1e-14)), so that NextStat can be checked at
1e-6 relative on the conventions alone:

  * q0 at mu = 0 (the POI bounded at 0, and unbounded [-10, 10]):
    `hypotest(0, test_stat="q0", return_tail_probs=True,
    return_expected_set=True)` -> p0 (= CLs+b) in the CLs position, [CLb]
    as the tail probabilities, the band of CLs+b as the expected set;
  * q and q~ at mu = 0.5, 1, 2, POI bounded [0, 10] and unbounded
    [-10, 10] (pyhf warns for q with a POI bounded at 0 and for q~ with one
    not bounded at 0, and computes anyway): CLs, CLs+b, CLb, expected CLs;
  * toys, q0 at mu = 0 on the simple workspace with pyhf's default
    optimizer (statistical: the test compares within the binomial error).

Writes tests/fixtures/goldens/teststat/<stem>.json.

Usage: OPENBLAS_NUM_THREADS=1 nice .venv/bin/python scripts/make_teststat_goldens.py [--no-toys]
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402

import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
OUT = os.path.join(FIX, "goldens", "teststat")
CASES = [
    "simple_workspace.json",
    "two_channel_workspace.json",
    "complex_workspace.json",
    "corpus/1bin_shapesys_q0.json",
    "corpus/2bin_2channel.json",
]
POI_BOUNDS = {"bounded": [0.0, 10.0], "unbounded": [-10.0, 10.0]}
MUS = [0.5, 1.0, 2.0]
TOYS = {"simple_workspace.json": 1000}
TOY_SEED = 20261207


def fl(x):
    x = float(x)
    return x if np.isfinite(x) else str(x)


def tight():
    pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000))


def run(m, d, mu, ts, bounds, **kw):
    cls, tails, exp = pyhf.infer.hypotest(
        mu, d, m, par_bounds=bounds, test_stat=ts, return_tail_probs=True,
        return_expected_set=True, **kw)
    r = {"mu": mu, "test_stat": ts, "cls_obs": fl(cls), "cls_exp": [fl(e) for e in exp]}
    if ts == "q0":
        r["clb_obs"] = fl(tails[0])
    else:
        r["clsb_obs"], r["clb_obs"] = fl(tails[0]), fl(tails[1])
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-toys", action="store_true")
    a = ap.parse_args()
    logging.getLogger("pyhf").setLevel(logging.ERROR)  # the q/q~ bound warnings
    os.makedirs(OUT, exist_ok=True)
    for case in CASES:
        ws = pyhf.Workspace(json.load(open(os.path.join(FIX, case))))
        tight()
        m = ws.model()
        d = ws.data(m)
        poi = m.config.poi_index
        res = {"generator": "scripts/make_teststat_goldens.py", "pyhf_version": pyhf.__version__,
               "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(),
               "workspace": case, "poi": m.config.poi_name,
               "optimizer": "pyhf.optimize.scipy_optimizer(tolerance=1e-14, maxiter=100000) (SLSQP)",
               "tests": []}
        for label, pb in POI_BOUNDS.items():
            bounds = [list(b) for b in m.config.suggested_bounds()]
            bounds[poi] = pb
            r = run(m, d, 0.0, "q0", bounds)
            r["poi_bounds"] = pb
            res["tests"].append(r)
            for ts in ["q", "qtilde"]:
                for mu in MUS:
                    r = run(m, d, mu, ts, bounds)
                    r["poi_bounds"] = pb
                    res["tests"].append(r)
        if case in TOYS and not a.no_toys:
            pyhf.set_backend("numpy", "scipy")
            np.random.seed(TOY_SEED)
            r = run(m, d, 0.0, "q0", None, calctype="toybased", ntoys=TOYS[case],
                    track_progress=False)
            r.update({"ntoys": TOYS[case], "seed": TOY_SEED,
                      "optimizer": "pyhf default scipy (SLSQP)"})
            res["toys"] = r
        stem = os.path.splitext(os.path.basename(case))[0]
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        print(case, len(res["tests"]), "tests", "+ toys" if "toys" in res else "", flush=True)


if __name__ == "__main__":
    main()
