#!/usr/bin/env python
"""Time pyhf 0.7.6 and nextstat side by side from Python on the fixtures.

Measures, per fixture: one logpdf/nll call including Python overhead (at the
suggested init, on the observed data), an MLE fit, an asymptotic hypotest
at mu=1, an upper limit (linear grid scan of 11 points on [0, 5]; TOMS748 for
nextstat too) and a toy hypotest with a small number of toys. pyhf runs with
the numpy backend, its default scipy (SLSQP) optimizer and
OPENBLAS_NUM_THREADS=1; nextstat uses all cores for toys/scans.

For the two big workspaces (tHu, tttt) pyhf runs only the logpdf call and
one fit (hypotests take 5-8 minutes each there); the other pyhf cells say
"skipped".

Writes tmp/bench_python.json and prints a markdown table (paste into
docs/benchmarks.md).

Usage: .venv/bin/python scripts/bench_python.py [--only STEM ...] [--no-big-pyhf-fit]
"""

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402
import pyhf  # noqa: E402

import nextstat  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
SMALL = ["simple_workspace", "two_channel_workspace", "complex_workspace", "godrun_workspace"]
BIG = ["workspace_tHu", "tttt-prod_workspace"]
TOYS = {"simple_workspace": 200, "two_channel_workspace": 200, "complex_workspace": 100, "godrun_workspace": 20}
SCAN = np.linspace(0, 5, 11)


def per_call(fn, min_time=0.5):
    """Best-of-5 mean time per call (s), timeit-style autoranging."""
    t = timeit.Timer(fn)
    n, _ = t.autorange()
    n = max(1, int(n * min_time / 0.2))
    return min(t.repeat(repeat=5, number=n)) / n


class Failed:
    """Stands in for a result when a step raised: attributes are NaN."""

    def __init__(self, err):
        self.error = f"{type(err).__name__}: {err}"

    def __getattr__(self, name):
        return float("nan")


def once(fn, repeat=1):
    """Best wall time of ``repeat`` calls and the last result. A step that
    raises is recorded as its error message instead of a time."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            out = fn()
        except Exception as e:  # noqa: BLE001 - record and go on
            return f"error: {type(e).__name__}: {e}", Failed(e)
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench(stem, big_pyhf_fit=True):
    with open(os.path.join(FIX, stem + ".json")) as f:
        spec = json.load(f)
    big = stem in BIG
    pyhf.set_backend("numpy", "scipy")
    ws = pyhf.Workspace(spec)
    pm = ws.model()
    data = np.asarray(ws.data(pm), dtype=float)
    m = nextstat.from_pyhf(spec)
    x = np.asarray(pm.config.suggested_init(), dtype=float)
    r = {"n_params": m.n_params, "n_main": m.n_main}

    r["nll_call_s"] = {
        "pyhf": per_call(lambda: pm.logpdf(x, data)),
        "nextstat": per_call(lambda: m.nll(x, data)),
        "nextstat_default_data": per_call(lambda: m.nll(x)),
    }
    rep = 1 if big else 3
    ns_fit_t, ns_fit = once(lambda: nextstat.fit(m, data, uncertainties=False), repeat=rep)
    ns_fitu_t, _ = once(lambda: nextstat.fit(m, data), repeat=rep)
    r["fit_s"] = {"nextstat": ns_fit_t, "nextstat_with_hessian": ns_fitu_t, "nextstat_twice_nll": ns_fit.twice_nll}
    if not big or big_pyhf_fit:
        t, out = once(lambda: pyhf.infer.mle.fit(data, pm, return_fitted_val=True), repeat=rep)
        r["fit_s"].update(pyhf=t, pyhf_twice_nll=float(out[1]) if not isinstance(out, Failed) else out.error)
    else:
        r["fit_s"]["pyhf"] = "skipped"

    t, h = once(lambda: nextstat.hypotest(1.0, m, data), repeat=rep)
    r["hypotest_s"] = {"nextstat": t, "nextstat_cls": h.cls_obs}
    t, ul = once(lambda: nextstat.upper_limit(m, data, scan=SCAN), repeat=rep)
    r["upper_limit_scan_s"] = {"nextstat": t, "nextstat_obs": ul.obs_limit}
    t, ul2 = once(lambda: nextstat.upper_limit(m, data, bracket=(0.0, 5.0)), repeat=rep)
    r["upper_limit_toms748_s"] = {"nextstat": t, "nextstat_obs": ul2.obs_limit}
    ntoys = TOYS.get(stem, 20)
    t, th = once(lambda: nextstat.hypotest(1.0, m, data, calctype="toybased", ntoys=ntoys, seed=1))
    r["toys_s"] = {"ntoys": ntoys, "nextstat": t, "nextstat_cls": th.cls_obs}
    if big:
        for k in ("hypotest_s", "upper_limit_scan_s", "upper_limit_toms748_s", "toys_s"):
            r[k]["pyhf"] = "skipped"
        return r
    t, c = once(lambda: pyhf.infer.hypotest(1.0, data, pm, return_expected_set=True), repeat=rep)
    r["hypotest_s"].update(pyhf=t, pyhf_cls=float(c[0]) if not isinstance(c, Failed) else c.error)
    t, out = once(lambda: pyhf.infer.intervals.upper_limits.upper_limit(data, pm, scan=SCAN))
    r["upper_limit_scan_s"].update(pyhf=t, pyhf_obs=float(out[0]) if not isinstance(out, Failed) else out.error)
    r["upper_limit_toms748_s"]["pyhf"] = "not run (pyhf's toms748_scan: see goldens' timings)"

    def pyhf_toys():
        return pyhf.infer.hypotest(1.0, data, pm, calctype="toybased", ntoys=ntoys, track_progress=False)

    np.random.seed(1)
    t, c = once(pyhf_toys)
    r["toys_s"].update(pyhf=t, pyhf_cls=float(c) if not isinstance(c, Failed) else c.error)
    return r


def fmt_t(v):
    if isinstance(v, str):
        return "error" if v.startswith("error") else "—"
    if v < 1e-3:
        return f"{v * 1e6:.1f} µs"
    if v < 1:
        return f"{v * 1e3:.1f} ms"
    return f"{v:.2f} s"


def ratio(a, b):
    if isinstance(a, str) or isinstance(b, str):
        return "—"
    return f"{a / b:.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


def table(results):
    rows = [
        "| workspace | params | measure | pyhf | nextstat | speed-up |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for stem, r in results.items():
        cells = [
            ("logpdf/nll call", r["nll_call_s"]["pyhf"], r["nll_call_s"]["nextstat"]),
            ("fit (MLE)", r["fit_s"]["pyhf"], r["fit_s"]["nextstat"]),
            ("hypotest μ=1 (asymptotic)", r["hypotest_s"]["pyhf"], r["hypotest_s"]["nextstat"]),
            ("upper limit, 11-point scan", r["upper_limit_scan_s"]["pyhf"], r["upper_limit_scan_s"]["nextstat"]),
            (f"toys ({r['toys_s']['ntoys']} per hypothesis)", r["toys_s"]["pyhf"], r["toys_s"]["nextstat"]),
        ]
        for i, (name, a, b) in enumerate(cells):
            ws = stem.replace("_workspace", "") if i == 0 else ""
            npar = str(r["n_params"]) if i == 0 else ""
            rows.append(f"| {ws} | {npar} | {name} | {fmt_t(a)} | {fmt_t(b)} | {ratio(a, b)} |")
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", action="append")
    ap.add_argument("--no-big-pyhf-fit", action="store_true")
    ap.add_argument("--out", default=os.path.join(ROOT, "tmp", "bench_python.json"))
    ap.add_argument("--merge", action="store_true", help="update the fixtures of an existing --out file")
    a = ap.parse_args()
    stems = a.only or SMALL + BIG
    results = {}
    if a.merge and os.path.exists(a.out):
        with open(a.out) as f:
            results = json.load(f)["results"]
    for stem in stems:
        t0 = time.perf_counter()
        results[stem] = bench(stem, big_pyhf_fit=not a.no_big_pyhf_fit)
        print(f"{stem}: {time.perf_counter() - t0:.1f} s", flush=True)
        os.makedirs(os.path.dirname(a.out), exist_ok=True)
        with open(a.out + ".partial", "w") as f:
            json.dump(results, f, indent=1)
    meta = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cores".strip(),
        "python": platform.python_version(),
        "pyhf": pyhf.__version__,
        "numpy": np.__version__,
        "nextstat": nextstat.__version__,
        "env": {"OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"]},
        "command": "scripts/bench_python.py " + " ".join(f"--only {s}" for s in (a.only or [])),
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump({"meta": meta, "results": results}, f, indent=1)
    print(json.dumps(meta, indent=1))
    print(table(results))


if __name__ == "__main__":
    main()
