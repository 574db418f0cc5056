"""Side-by-side speed of the engine (issue 2): NLL, NLL+gradient and MLE fit,
NextStat (criterion medians) against pyhf 0.7.6 (numpy backend, scipy
optimizer, OPENBLAS_NUM_THREADS=1), measured in one run on this machine.

Usage:
  .venv/bin/python scripts/bench_core.py [--quick] [--skip-cargo] [--write-docs]

Writes tmp/bench_core.json and tmp/bench_core.md; with --write-docs replaces
the "Engine (issue 2)" section of docs/benchmarks.md.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import pyhf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
FIXTURES = [
    ("simple", "simple_workspace.json"),
    ("complex", "complex_workspace.json"),
    ("godrun", "godrun_workspace.json"),
    ("tHu", "workspace_tHu.json"),
    ("tttt", "tttt-prod_workspace.json"),
]
BEGIN, END = "<!-- bench_core:begin -->", "<!-- bench_core:end -->"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


CRITERION_HOME = ROOT / "target" / "criterion"


def criterion_median_s(group, function):
    """Median of a criterion benchmark; criterion stores `a/b` ids as `a_b`."""
    parts = [group, function.replace("/", "_")] if group else [function.replace("/", "_")]
    est = CRITERION_HOME.joinpath(*parts) / "new" / "estimates.json"
    return json.loads(est.read_text())["median"]["point_estimate"] * 1e-9


def time_median(fn, reps, warmup=1):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out), reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="criterion --quick and fewer pyhf repeats")
    ap.add_argument("--skip-cargo", action="store_true", help="reuse the last criterion results")
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()

    if not args.skip_cargo:
        extra = ["--", "--quick"] if args.quick else []
        for crate, bench in [("ns-histfactory", "nll"), ("ns-infer", "mle")]:
            env = dict(os.environ, CRITERION_HOME=str(CRITERION_HOME))
            subprocess.run(["cargo", "bench", "-p", crate, "--bench", bench, *extra], cwd=ROOT, check=True, env=env)

    pyhf.set_backend("numpy", "scipy")
    rows = []
    for name, file in FIXTURES:
        ws = pyhf.Workspace(json.loads((FIX / file).read_text()))
        model = ws.model()
        data = np.asarray(ws.data(model))
        init = np.asarray(model.config.suggested_init())
        n_calls = 200 if args.quick else 2000
        logpdf_s, _ = time_median(lambda: model.logpdf(init, data), n_calls, warmup=20)
        big = name in ("tHu", "tttt")
        fit_reps = 1 if big else (3 if args.quick else 11)
        fit_s, _ = time_median(lambda: pyhf.infer.mle.fit(data, model), fit_reps, warmup=0 if big else 1)
        ns = {
            "nll_s": criterion_median_s(None, f"nll/{name}"),
            "nll_grad_s": criterion_median_s(None, f"nll_grad/{name}"),
            "fit_s": criterion_median_s("mle", f"fit/{name}"),
            "fit_with_uncertainties_s": criterion_median_s("mle", f"fit_with_uncertainties/{name}"),
        }
        rows.append({
            "workspace": name,
            "n_params": len(init),
            "pyhf_logpdf_s": logpdf_s,
            "pyhf_logpdf_calls": n_calls,
            "pyhf_fit_s": fit_s,
            "pyhf_fit_reps": fit_reps,
            "nextstat": ns,
            "ratio_logpdf_over_nll_grad": logpdf_s / ns["nll_grad_s"],
            "ratio_fit": fit_s / ns["fit_s"],
        })
        print(name, json.dumps(rows[-1]), flush=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip())
    meta = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "cpu": cpu_model(), "n_cpus": os.cpu_count(), "python": platform.python_version(),
        "pyhf": pyhf.__version__, "numpy": np.__version__, "commit": commit, "dirty": dirty,
        "pyhf_setup": "numpy backend, scipy optimizer, OPENBLAS_NUM_THREADS=1",
        "nextstat_setup": "criterion medians (cargo bench, release profile), single thread",
        "command": "scripts/bench_core.py" + (" --quick" if args.quick else ""),
    }
    (ROOT / "tmp").mkdir(exist_ok=True)
    (ROOT / "tmp" / "bench_core.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))

    def fmt(s):
        return f"{s * 1e6:.2f} µs" if s < 1e-3 else (f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s")

    md = [BEGIN, "## Engine (issue 2): NLL, gradient, MLE fit", "",
          f"- date: {meta['date_utc']}; machine: {meta['cpu']} ({meta['n_cpus']} cores, shared and noisy: medians)",
          f"- commit {commit}{' (dirty)' if dirty else ''}; command: `.venv/bin/python {meta['command']}`",
          f"- pyhf {meta['pyhf']} ({meta['pyhf_setup']}); NextStat: {meta['nextstat_setup']}", "",
          "| workspace | pars | pyhf logpdf | NextStat NLL | NextStat NLL+grad | ratio logpdf / NLL+grad | pyhf fit | NextStat fit | ratio | NextStat fit + Hessian |",
          "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ns = r["nextstat"]
        md.append(f"| {r['workspace']} | {r['n_params']} | {fmt(r['pyhf_logpdf_s'])} | {fmt(ns['nll_s'])} | {fmt(ns['nll_grad_s'])} | "
                  f"{r['ratio_logpdf_over_nll_grad']:.0f}× | {fmt(r['pyhf_fit_s'])} ({r['pyhf_fit_reps']} reps) | {fmt(ns['fit_s'])} | "
                  f"{r['ratio_fit']:.0f}× | {fmt(ns['fit_with_uncertainties_s'])} |")
    md.append(END)
    text = "\n".join(md) + "\n"
    (ROOT / "tmp" / "bench_core.md").write_text(text)
    print(text)
    if args.write_docs:
        doc = ROOT / "docs" / "benchmarks.md"
        old = doc.read_text() if doc.exists() else "# NextStat benchmarks\n\n"
        if BEGIN in old:
            a, b = old.index(BEGIN), old.index(END) + len(END)
            new = old[:a] + text.rstrip("\n") + old[b:]
        else:
            new = old.rstrip("\n") + "\n\n" + text
        doc.parent.mkdir(exist_ok=True)
        doc.write_text(new)


if __name__ == "__main__":
    main()
