"""End-to-end speed of `nextstat fit` (issue 13 item 8): the whole process
(start, parse, build, fit, HESSE uncertainties, JSON output) against pyhf's
in-process `pyhf.infer.mle.fit` (numpy backend, scipy SLSQP,
OPENBLAS_NUM_THREADS=1, workspace already parsed and the model built), in one
run on the same machine, interleaved so that machine load hits both alike.

Usage:
  .venv/bin/python scripts/bench_cli.py [--reps N] [--binary PATH] [--write-docs]

Reports medians and the ratio pyhf / nextstat per workspace; writes
tmp/bench_cli.json and with --write-docs replaces the "CLI end to end"
section of docs/benchmarks.md.
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

import pyhf  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIX = ROOT / "tests" / "fixtures"
CASES = [("godrun", "godrun_workspace.json", 30), ("tHu", "workspace_tHu.json", 3)]
BEGIN, END = "<!-- bench_cli:begin -->", "<!-- bench_cli:end -->"


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_cli(binary, args):
    t0 = time.perf_counter()
    out = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"nextstat {' '.join(args)} failed: {out.stderr.decode()}")
    return dt, out.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=0, help="pyhf repetitions (default per case)")
    ap.add_argument("--binary", default=str(ROOT / "target" / "release" / "nextstat"))
    ap.add_argument("--write-docs", action="store_true")
    a = ap.parse_args()
    if not pathlib.Path(a.binary).exists():
        raise SystemExit(f"{a.binary}: build it first (cargo build --release -p ns-cli)")
    pyhf.set_backend("numpy")
    rows = []
    for label, fname, reps in CASES:
        reps = a.reps or reps
        path = FIX / fname
        spec = json.loads(path.read_text())
        ws = pyhf.Workspace(spec)
        model = ws.model()
        data = ws.data(model)
        cli_modes = {
            "fit --json": ["fit", "--input", str(path), "--json"],
            "fit --json --covariance": ["fit", "--input", str(path), "--json", "--covariance"],
        }
        t_py, t_cli = [], {k: [] for k in cli_modes}
        # The floor of any process on this machine (fork/exec/exit of a
        # trivial binary), for reading the CLI times.
        t_true = []
        # warm-up of both
        pyhf.infer.mle.fit(data, model)
        for args in cli_modes.values():
            run_cli(a.binary, args)
        for _ in range(reps):
            t0 = time.perf_counter()
            pyhf.infer.mle.fit(data, model)
            t_py.append(time.perf_counter() - t0)
            for k, args in cli_modes.items():
                # several CLI runs per pyhf fit: they are short and noisy
                for _ in range(5):
                    t_cli[k].append(run_cli(a.binary, args)[0])
            for _ in range(5):
                t_true.append(run_cli("true", [])[0])
        _, out = run_cli(a.binary, cli_modes["fit --json"])
        v = json.loads(out)
        py = statistics.median(t_py)
        row = {
            "workspace": label,
            "n_params": len(v["parameters"]),
            "pyhf_fit_s": py,
            "pyhf_reps": reps,
            "nextstat_converged": v["converged"],
            "spawn_floor_s": statistics.median(t_true),
        }
        for k, ts in t_cli.items():
            med = statistics.median(ts)
            row[f"nextstat {k}_s"] = med
            row[f"ratio {k}"] = py / med
        rows.append(row)
        print(json.dumps(row))
    meta = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "pyhf": pyhf.__version__,
        "command": "scripts/bench_cli.py" + (f" --reps {a.reps}" if a.reps else ""),
    }
    (ROOT / "tmp").mkdir(exist_ok=True)
    (ROOT / "tmp" / "bench_cli.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1))
    md = [
        BEGIN,
        f"Measured {meta['date']} on {meta['cpu']} ({meta['cores']} cores), pyhf {meta['pyhf']} "
        f"(numpy, SLSQP, OPENBLAS_NUM_THREADS=1), command `{meta['command']}`. Medians; "
        "the nextstat time is the whole process (start, parse, build, fit, HESSE, JSON).",
        "",
        "| workspace | params | pyhf `mle.fit` (in process) | `nextstat fit --json` | ratio | "
        "`... --covariance` | ratio | `true` (spawn floor) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        md.append(
            f"| {r['workspace']} | {r['n_params']} | {r['pyhf_fit_s'] * 1e3:.1f} ms | "
            f"{r['nextstat fit --json_s'] * 1e3:.2f} ms | {r['ratio fit --json']:.0f}× | "
            f"{r['nextstat fit --json --covariance_s'] * 1e3:.2f} ms | "
            f"{r['ratio fit --json --covariance']:.0f}× | {r['spawn_floor_s'] * 1e3:.2f} ms |"
        )
    md.append(END)
    text = "\n".join(md)
    print(text)
    if a.write_docs:
        doc = ROOT / "docs" / "benchmarks.md"
        s = doc.read_text()
        if BEGIN in s:
            s = s[: s.index(BEGIN)] + text + s[s.index(END) + len(END):]
        else:
            s += "\n## CLI end to end (issue 13)\n\n" + text + "\n"
        doc.write_text(s)


if __name__ == "__main__":
    main()
