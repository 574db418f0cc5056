#!/usr/bin/env python
"""The God Run: a toy-based CLs hypothesis test (qtilde, mu = 1) on the God
Run workspace (tests/fixtures/godrun_workspace.json: 201 parameters, 50
channels x 4 bins with per-bin shapesys), NextStat against pyhf.

NextStat runs N toys per hypothesis (s+b and b-only) through the CLI:
  nextstat hypotest-toys --input tests/fixtures/godrun_workspace.json --mu 1
      --n-toys N --seed S --threads T --json
(or, with --engine python, through the Python package's
nextstat.hypotest(..., calctype="toybased"); the report says which). pyhf 0.7
(numpy backend, scipy optimizer, OPENBLAS_NUM_THREADS=1) runs a small number of
toys (--pyhf-toys) whose wall time is extrapolated linearly to N and labelled
"extrapolated"; its CLs from so few toys are not meaningful and are recorded
only as a receipt.

Writes tmp/god_run_report.json and tmp/god_run_snippet.md (README-ready: the
machine, versions, commit, command and the ratio).

Exit status: 0 done; 4 the NextStat path does not exist (e.g. the CLI has no
hypotest-toys command yet) or a runner crashed.

Usage:
  .venv/bin/python scripts/god_run.py --n-toys 1000 [--seed 20240101] [--threads 2] [--pyhf-toys 4]
  .venv/bin/python scripts/god_run.py --n-toys 200 --engine python
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import shlex  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nsbench import EXIT_ERROR, EXIT_OK  # noqa: E402
from nsbench import report as R  # noqa: E402
from nsbench.fingerprint import fingerprint  # noqa: E402
from nsbench.runners import ROOT, NextStatCli, NextStatPython, NotAvailable, PyhfRunner, find_cli  # noqa: E402

STEM = "godrun_workspace"
MU = 1.0


def fail(msg):
    print(f"god_run.py: {msg}", file=sys.stderr)
    return EXIT_ERROR


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--n-toys", type=int, required=True, help="toys per hypothesis for NextStat")
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--pyhf-toys", type=int, default=4, help="toys for pyhf (0: skip pyhf)")
    ap.add_argument("--engine", choices=["cli", "python"], default="cli")
    ap.add_argument("--nextstat-bin")
    ap.add_argument("--out", default=str(ROOT / "tmp" / "god_run_report.json"))
    ap.add_argument("--write-docs", action="store_true",
                    help="replace the God Run block of docs/benchmarks.md with this run's snippet")
    args = ap.parse_args(argv)
    command = " ".join([".venv/bin/python", "scripts/god_run.py", *map(shlex.quote, sys.argv[1:] if argv is None
                                                                        else argv)])

    # ---- NextStat
    try:
        if args.engine == "cli":
            eng = NextStatCli(find_cli(args.nextstat_bin))
            if "hypotest-toys" not in eng.commands:
                return fail(f"the nextstat CLI ({eng.label}, nextstat {eng.version}) has no 'hypotest-toys' "
                            f"command yet (issue 3); the God Run cannot run through the CLI. "
                            f"(`--engine python` runs it through the Python package instead.)")
        else:
            eng = NextStatPython()
    except (NotAvailable, ImportError) as e:
        return fail(f"NextStat {args.engine} path not available: {e}")
    print(f"NextStat: {args.n_toys} toys, seed {args.seed}, {args.threads} threads ({args.engine}) ...", flush=True)
    try:
        t0 = time.perf_counter()
        ns_res, ns_path = eng.hypotest_toys(STEM, MU, args.n_toys, args.seed, args.threads)
        ns_s = time.perf_counter() - t0
    except NotAvailable as e:
        return fail(f"NextStat {args.engine} path not available: {e}")
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        return fail(f"NextStat run crashed: {type(e).__name__}: {e}")
    ns_res.pop("raw", None)
    print(f"  {ns_s:.2f} s; CLs obs {ns_res['cls_obs']:.6g}, exp {ns_res['cls_exp']}", flush=True)

    # ---- pyhf (small N, extrapolated)
    pyhf_block = None
    if args.pyhf_toys > 0:
        print(f"pyhf: {args.pyhf_toys} toys (extrapolated to {args.n_toys}) ...", flush=True)
        try:
            p = PyhfRunner(STEM)
            t0 = time.perf_counter()
            p_res = p.hypotest_toys(MU, args.pyhf_toys, args.seed)
            p_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            p.toys_fixed_cost(MU)
            fixed_s = time.perf_counter() - t0
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            return fail(f"pyhf run crashed: {type(e).__name__}: {e}")
        # Fixed cost (observed-data fits) is not scaled with N; if noise makes it
        # exceed the measured total, fall back to plain linear scaling (and say so).
        if fixed_s < p_s:
            per_toy = (p_s - fixed_s) / args.pyhf_toys
            total_n = fixed_s + per_toy * args.n_toys
            how = (f"extrapolated from {args.pyhf_toys} toys: fixed cost of the observed-data fits "
                   f"({fixed_s:.2f} s, measured separately) + per-toy time x {args.n_toys}")
        else:
            per_toy = p_s / args.pyhf_toys
            total_n = per_toy * args.n_toys
            how = (f"extrapolated from {args.pyhf_toys} toys: wall time x {args.n_toys}/{args.pyhf_toys} "
                   f"(fallback: the separately measured fixed cost {fixed_s:.2f} s exceeded the total)")
        pyhf_block = {
            "code_path": p.path + "; pyhf.infer.hypotest(1.0, data, model, test_stat='qtilde', "
                                  "calctype='toybased', ntoys=n, return_expected_set=True, track_progress=False)",
            "numpy_seed": args.seed,
            "n_toys_run": args.pyhf_toys,
            "wall_s_measured": p_s,
            "fixed_cost_s": fixed_s,
            "s_per_toy": per_toy,
            "wall_s_for_n_toys": total_n,
            "wall_s_for_n_toys_naive_linear": p_s / args.pyhf_toys * args.n_toys,
            "extrapolated": True,
            "extrapolation": how,
            "threads": 1,
            "result_small_n": p_res,
            "result_note": f"CLs from {args.pyhf_toys} toys: a receipt, not a meaningful number",
        }
        print(f"  {p_s:.1f} s for {args.pyhf_toys} toys (fixed cost {fixed_s:.1f} s) -> {total_n:.0f} s "
              f"extrapolated", flush=True)

    cli = eng if isinstance(eng, NextStatCli) else None
    fp = fingerprint(ROOT, cli.bin if cli else None, getattr(eng, "version", None) if not cli else None)
    ratio = pyhf_block["wall_s_for_n_toys"] / ns_s if pyhf_block else None
    rep = {
        "schema": "nextstat.god_run_report/1",
        "command": command,
        "fingerprint": fp,
        "workspace": f"tests/fixtures/{STEM}.json",
        "test": {"mu": MU, "test_stat": "qtilde", "calctype": "toybased", "n_toys_per_hypothesis": args.n_toys,
                 "seed": args.seed},
        "nextstat": {"code_path": ns_path, "engine": args.engine, "threads": args.threads,
                     "fallback": args.engine != "cli",
                     "fallback_note": None if args.engine == "cli" else
                     "run through the Python package, not the CLI's hypotest-toys (the documented path)",
                     "wall_s": ns_s, "s_per_toy": ns_s / args.n_toys, "repeats": 1,
                     "timing": "one run, wall clock around the whole call" +
                               (" (CLI subprocess: includes process start, parse and build)" if cli else ""),
                     "result": ns_res},
        "pyhf": pyhf_block,
        "ratio_pyhf_over_nextstat": ratio,
        "ratio_label": (f"pyhf extrapolated from {args.pyhf_toys} toys, single thread; NextStat measured, "
                        f"{args.threads} threads") if ratio else None,
    }
    R.write_json(args.out, rep)

    def fmt(s):
        return R.fmt_s(s) if s < 120 else f"{s / 60:.1f} min" if s < 7200 else f"{s / 3600:.1f} h"

    md = [
        "### God Run: toy-based CLs on the God Run workspace",
        "",
        f"{args.n_toys} toys per hypothesis (qtilde, mu = 1, seed {args.seed}) on "
        f"`tests/fixtures/{STEM}.json` (201 parameters, 200 bins).",
        "",
        "| | wall time | how |",
        "|---|---|---|",
        f"| NextStat | {fmt(ns_s)} | measured; `{ns_path}`, {args.threads} threads"
        f"{' (Python package path, not the CLI)' if args.engine != 'cli' else ''} |",
    ]
    if pyhf_block:
        md.append(f"| pyhf {fp.get('pyhf_version')} | {fmt(pyhf_block['wall_s_for_n_toys'])} | "
                  f"**extrapolated from {args.pyhf_toys} toys** ({pyhf_block['s_per_toy']:.2f} s/toy + "
                  f"{pyhf_block['fixed_cost_s']:.1f} s fixed, measured), "
                  "numpy backend, scipy optimizer, 1 thread |")
        md += ["", f"**Ratio: {ratio:.0f}×** (pyhf extrapolated / NextStat measured; NextStat on {args.threads} "
                   f"threads, pyhf on 1)."]
    md += [
        "",
        f"NextStat CLs obs = {ns_res['cls_obs']:.6g}, expected = "
        f"[{', '.join(f'{v:.4g}' for v in ns_res['cls_exp'])}]"
        + (f"; failed toy fits: s+b {ns_res['n_failed_sb']}, b-only {ns_res['n_failed_b']}."
           if "n_failed_sb" in ns_res and "n_failed_b" in ns_res else "."),
        "",
        f"Machine: {fp.get('cpu_model')} ({fp.get('n_cpus')} cores), {fp.get('os')}; "
        f"{fp.get('timestamp_utc')}. nextstat {fp.get('nextstat_version')}, rustc {fp.get('rust_version')}, "
        f"Python {fp.get('python_version')}, pyhf {fp.get('pyhf_version')}, numpy {fp.get('numpy_version')}, "
        f"scipy {fp.get('scipy_version')}. Commit `{(fp.get('git_commit') or '')[:12]}`"
        f"{' (dirty)' if fp.get('git_dirty') else ''}. Command: `{command}`.",
    ]
    snippet = os.path.join(os.path.dirname(args.out), "god_run_snippet.md")
    with open(snippet, "w") as fh:
        fh.write("\n".join(md) + "\n")
    print("\n".join(md))
    print(f"\nwrote {args.out} and {snippet}")
    if args.write_docs:
        R.replace_section(ROOT / "docs" / "benchmarks.md", "<!-- god_run:begin -->", "<!-- god_run:end -->",
                          "\n".join(md))
        print("updated docs/benchmarks.md (God Run block)")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
