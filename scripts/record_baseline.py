#!/usr/bin/env python
"""Record a speed baseline: run the validation report (or take an existing
one) and write tmp/baselines/<host>_<UTC date-time>.json with the environment
fingerprint (host, CPU, OS, Rust/Python/pyhf/numpy/scipy/nextstat versions,
git commit and dirty flag, timestamp), every timing and how it was measured,
and the parity summary; update tmp/baselines/latest_manifest.json.

A run with parity failures or runner errors is still recorded (so it can be
inspected) but the exit status says so (2 / 4) and the manifest marks it.

Usage:
  .venv/bin/python scripts/record_baseline.py                 # full validation run
  .venv/bin/python scripts/record_baseline.py --quick         # quick run (noisier timings)
  .venv/bin/python scripts/record_baseline.py --from-report tmp/validation_report.json
  .venv/bin/python scripts/record_baseline.py --criterion toys,toys_batch   # + criterion medians on disk
  (add --write-criterion-docs to paste the criterion table into docs/benchmarks.md)
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nsbench import EXIT_ERROR  # noqa: E402
from nsbench import baselines as B  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from-report", help="record this validation report instead of running one")
    ap.add_argument("--dir", default=str(B.BASELINE_DIR))
    ap.add_argument("--criterion", metavar="GROUPS",
                    help="also record the criterion results on disk for these comma-separated groups "
                         "(e.g. nll,mle,toys,toys_batch; 'all' for every one); run cargo bench first")
    ap.add_argument("--write-criterion-docs", action="store_true",
                    help="with --criterion: paste the criterion table into docs/benchmarks.md (its own block)")
    args, rest = ap.parse_known_args(argv)
    if args.from_report:
        with open(args.from_report) as fh:
            rep = json.load(fh)
    else:
        import validate

        code = validate.main(rest)
        path = os.path.join(validate.ROOT, "tmp", "validation_report.json")
        if code == EXIT_ERROR and not os.path.exists(path):
            return code
        with open(path) as fh:
            rep = json.load(fh)
    if args.criterion:
        from nsbench import criterion

        groups = None if args.criterion == "all" else args.criterion.split(",")
        rep["criterion"] = criterion.collect(groups)
        print(f"criterion: {len(rep['criterion'])} results")
    base = B.baseline_from_report(rep)
    out = B.write_baseline(base, args.dir)
    if args.write_criterion_docs and base["criterion"]:
        import shlex

        from nsbench import criterion
        from nsbench import report as R

        fp = base["fingerprint"]
        cmd = " ".join([".venv/bin/python", "scripts/record_baseline.py", *map(shlex.quote, sys.argv[1:])])
        text = "\n".join([
            "### Criterion medians (issue 5 benches)", "",
            f"Recorded in `tmp/baselines/{out.name}` by `{cmd}` after `cargo bench` of the groups "
            f"listed; machine {fp.get('cpu_model')} ({fp.get('n_cpus')} cores, shared), rustc "
            f"{fp.get('rust_version')}, commit `{(fp.get('git_commit') or '')[:12]}`"
            f"{' (dirty)' if fp.get('git_dirty') else ''}. Single thread. `toys_batch` = 32 seeded toys "
            "fitted in sequence (one Fitter, no Hessian); `toys/sample_into` = one toy drawn.", "",
            criterion.markdown(base["criterion"])])
        R.replace_section(B.ROOT / "docs" / "benchmarks.md", "<!-- criterion_issue5:begin -->",
                          "<!-- criterion_issue5:end -->", text)
        print("updated docs/benchmarks.md (criterion block)")
    n = len(base["timings"])
    fp = base["fingerprint"]
    print(f"recorded {n} timings -> {out}\n  host {fp.get('hostname')}, {fp.get('cpu_model')} ({fp.get('n_cpus')} "
          f"cores); commit {fp.get('git_commit', '')[:12]}{' (dirty)' if fp.get('git_dirty') else ''}; "
          f"mode {base.get('mode')}; exit code of the run {rep.get('exit_code')}")
    return rep.get("exit_code", 0)


if __name__ == "__main__":
    sys.exit(main())
