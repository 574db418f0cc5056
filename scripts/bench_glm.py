#!/usr/bin/env python
"""GLM fit times, side by side in one run: nextstat.glm vs statsmodels,
scikit-learn and glum (issue 17 item 9).

Seeded synthetic data, p = 20 (a constant and 19 standard-normal columns),
n = 200, 2k, 20k, 200k; per (family, n) each tool fits the same model:

  linear    statsmodels GLM Gaussian; sklearn LinearRegression; glum normal
  logistic  statsmodels GLM Binomial; sklearn LogisticRegression(C=inf)
            lbfgs and newton-cholesky; glum binomial
  poisson   statsmodels GLM Poisson; sklearn PoissonRegressor(alpha=0)
            lbfgs and newton-cholesky; glum poisson
  gamma     log link everywhere (sklearn's and glum's link): statsmodels GLM
            Gamma(log); sklearn GammaRegressor(alpha=0) lbfgs and
            newton-cholesky; glum gamma
  nb        NB2 with fixed alpha = 1: statsmodels GLM NegativeBinomial(1);
            glum negative.binomial (theta = 1)
  nb_mle    NB2 with alpha by maximum likelihood: statsmodels discrete
            NegativeBinomial(nb2).fit(method="newton") (the default bfgs with
            maxiter=35 does not converge at 200k); nextstat alpha="mle"

statsmodels and nextstat give standard errors; sklearn and glum only
coefficients (sklearn/glum fit the intercept themselves from the 19 columns).
Times are wall-clock medians of repeated fits including the Python call
(argument conversion, result objects); `ratio` = statsmodels / nextstat.
The script also checks that nextstat's params agree with statsmodels'
(max relative difference, printed) so the timings compare equal answers.

BLAS threads are left at their defaults (what a user gets); nextstat uses
rayon's default pool (all cores).

Writes tmp/bench_glm.json and prints a markdown table for docs/benchmarks.md.

Usage: .venv/bin/python scripts/bench_glm.py [--sizes 200,2000,20000,200000]
       [--families linear,logistic,...] [--min-time 1.0]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import time
import warnings

import numpy as np

import nextstat.glm as nglm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ["linear", "logistic", "poisson", "gamma", "nb", "nb_mle"]


def make_data(family: str, n: int, p: int = 20, seed: int = 17):
    """Seeded design (const + standard normals) and a response of `family`."""
    rng = np.random.default_rng([seed, n, FAMILIES.index(family)])
    Z = rng.standard_normal((n, p - 1))
    beta = np.linspace(-0.3, 0.3, p - 1) / np.sqrt(p)
    eta = Z @ beta
    if family == "linear":
        y = 1.0 + eta + rng.standard_normal(n)
    elif family == "logistic":
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(0.2 + eta)))).astype(float)
    elif family == "poisson":
        y = rng.poisson(np.exp(0.5 + eta)).astype(float)
    elif family == "gamma":
        mu = np.exp(0.5 + eta)
        y = rng.gamma(2.0, mu / 2.0)
    else:  # NB2, alpha = 1: Poisson-gamma mixture
        mu = np.exp(0.5 + eta)
        y = rng.poisson(mu * rng.gamma(1.0, 1.0, n)).astype(float)
    X = np.column_stack([np.ones(n), Z])
    return np.ascontiguousarray(X), Z, y


def median_time(fn, min_time: float, max_reps: int = 25, min_reps: int = 3):
    """Median wall time of repeated calls (one warm-up call first)."""
    out = fn()
    times = []
    t_start = time.perf_counter()
    while len(times) < max_reps and (len(times) < min_reps or time.perf_counter() - t_start < min_time):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times), out


def tools(family: str, X, Z, y):
    """(name, callable returning params or None) for each tool that fits `family`."""
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial

    F, L = sm.families, sm.families.links
    out = []
    ns_kw = {
        "linear": dict(family="gaussian"),
        "logistic": dict(family="binomial"),
        "poisson": dict(family="poisson"),
        "gamma": dict(family="gamma", link="log"),
        "nb": dict(family="negative_binomial", alpha=1.0),
        "nb_mle": dict(family="negative_binomial", alpha="mle"),
    }[family]
    out.append(("nextstat", lambda: nglm.fit(y, X, **ns_kw).params))
    sm_fam = {
        "linear": lambda: F.Gaussian(),
        "logistic": lambda: F.Binomial(),
        "poisson": lambda: F.Poisson(),
        "gamma": lambda: F.Gamma(L.Log()),
        "nb": lambda: F.NegativeBinomial(alpha=1.0),
    }
    if family == "nb_mle":
        out.append((
            "statsmodels",
            lambda: NegativeBinomial(y, X, loglike_method="nb2").fit(method="newton", disp=0).params,
        ))
    else:
        out.append(("statsmodels", lambda: sm.GLM(y, X, family=sm_fam[family]()).fit().params))
    try:
        from sklearn import linear_model as lm
    except ImportError:
        lm = None
    if lm is not None:
        if family == "linear":
            out.append(("sklearn", lambda: _sk(lm.LinearRegression(), Z, y)))
        elif family == "logistic":
            for solver in ("lbfgs", "newton-cholesky"):
                out.append((
                    f"sklearn {solver}",
                    lambda s=solver: _sk(lm.LogisticRegression(C=np.inf, solver=s, max_iter=1000), Z, y),
                ))
        elif family in ("poisson", "gamma"):
            cls = lm.PoissonRegressor if family == "poisson" else lm.GammaRegressor
            for solver in ("lbfgs", "newton-cholesky"):
                out.append((
                    f"sklearn {solver}",
                    lambda s=solver, c=cls: _sk(c(alpha=0.0, solver=s, max_iter=1000), Z, y),
                ))
    try:
        from glum import GeneralizedLinearRegressor as G
    except ImportError:
        G = None
    if G is not None and family != "nb_mle":
        gfam = {"linear": "normal", "logistic": "binomial", "poisson": "poisson",
                "gamma": "gamma", "nb": "negative.binomial"}[family]
        out.append(("glum", lambda: _sk(G(family=gfam, alpha=0.0), Z, y)))
    return out


def _sk(est, Z, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(Z, y)
    coef = np.ravel(est.coef_)
    return np.concatenate([[float(np.ravel(est.intercept_)[0])], coef])


def max_rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = np.maximum(np.abs(b), 1e-3 * np.max(np.abs(b)))
    return float(np.max(np.abs(a - b) / scale))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200,2000,20000,200000")
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--min-time", type=float, default=1.0, help="seconds of repeats per cell (default 1)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    fams = args.families.split(",")
    import sklearn
    import statsmodels
    try:
        import glum
        glum_v = glum.__version__
    except ImportError:
        glum_v = "not installed"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs",
        "load": os.getloadavg()[0],
        "commit": commit,
        "versions": {"statsmodels": statsmodels.__version__, "sklearn": sklearn.__version__,
                     "glum": glum_v, "numpy": np.__version__},
    }
    rows = []
    for fam in fams:
        for n in sizes:
            X, Z, y = make_data(fam, n)
            cells = {}
            ref = None
            for name, fn in tools(fam, X, Z, y):
                try:
                    t, reps, params = median_time(fn, args.min_time)
                except Exception as e:  # a tool failing is reported, not hidden
                    cells[name] = {"error": f"{type(e).__name__}: {e}"}
                    continue
                cells[name] = {"median_s": t, "reps": reps}
                if name == "nextstat":
                    ref = np.asarray(params)
                elif name == "statsmodels" and ref is not None:
                    cells[name]["max_rel_params_vs_nextstat"] = max_rel(ref, params)
            row = {"family": fam, "n": n, "p": X.shape[1], "cells": cells}
            rows.append(row)
            print(_line(row), flush=True)
    os.makedirs(os.path.join(ROOT, "tmp"), exist_ok=True)
    with open(os.path.join(ROOT, "tmp", "bench_glm.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    print()
    print(markdown(meta, rows))


def _fmt(t):
    return f"{t * 1e3:.1f} ms" if t >= 1e-3 else f"{t * 1e6:.0f} µs"


def _line(row):
    parts = [f"{row['family']:>8} n={row['n']:>6}"]
    for name, c in row["cells"].items():
        parts.append(f"{name}: {_fmt(c['median_s']) if 'median_s' in c else c['error']}")
    return " | ".join(parts)


def markdown(meta, rows):
    peers = ["statsmodels", "sklearn", "sklearn lbfgs", "sklearn newton-cholesky", "glum"]
    head = ("| family | n | nextstat | statsmodels | ratio sm/ns | fastest sklearn | ratio | glum | ratio "
            "| params vs sm |")
    lines = [
        f"Machine: {meta['machine']}, load {meta['load']:.1f}; {meta['date']}; commit {meta['commit']}; "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()),
        "",
        head,
        "|---" * (head.count("|") - 1) + "|",
    ]
    for r in rows:
        c = r["cells"]
        ns = c.get("nextstat", {}).get("median_s")

        def cell(name):
            v = c.get(name, {}).get("median_s")
            if v is None or ns is None:
                return ("—", "—")
            return (_fmt(v), f"{v / ns:.1f}×")

        sk = [(c[k]["median_s"], k) for k in peers[1:4] if "median_s" in c.get(k, {})]
        if sk and ns:
            t, k = min(sk)
            skc = (f"{_fmt(t)} ({k.replace('sklearn', '').strip() or 'lstsq'})", f"{t / ns:.1f}×")
        else:
            skc = ("—", "—")
        sm_c = cell("statsmodels")
        gl = cell("glum")
        agree = c.get("statsmodels", {}).get("max_rel_params_vs_nextstat")
        lines.append(
            f"| {r['family']} | {r['n']:,} | {_fmt(ns) if ns else '—'} | {sm_c[0]} | **{sm_c[1]}** | {skc[0]} | "
            f"{skc[1]} | {gl[0]} | {gl[1]} | {'—' if agree is None else f'{agree:.0e}'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
