#!/usr/bin/env python
"""Compare a fresh run with a recorded baseline (the latest, or a named one).

NextStat timings slower than --threshold × the baseline (default 1.3) are
regressions; timings under 1 ms are skipped as noise unless both runs timed
at least --min-calls calls; pyhf timings are compared as a machine-drift
indicator only. With --require-same-host, a baseline from another host (name,
CPU model, core count) is refused. The fresh run's parity checks count too.

Writes tmp/baseline_compare_report.json. Exit status: 0 no regression and all
parity checks pass; 2 a regression or a parity failure; 4 a runner error, a
host mismatch under --require-same-host, or nothing comparable.

Usage:
  .venv/bin/python scripts/compare_baseline.py                       # fresh full run vs latest
  .venv/bin/python scripts/compare_baseline.py --baseline vm_20261123T180000Z --threshold 1.5
  .venv/bin/python scripts/compare_baseline.py --current tmp/validation_report.json --require-same-host
  (other arguments go to validate.py, e.g. --quick --fixtures simple,godrun)
"""
import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nsbench import EXIT_ERROR  # noqa: E402
from nsbench import baselines as B  # noqa: E402
from nsbench import compare as C  # noqa: E402
from nsbench import report as R  # noqa: E402
from nsbench.runners import ROOT  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", default="latest", help="latest (default), a file name in tmp/baselines, or a path")
    ap.add_argument("--current", help="compare this validation report instead of running a fresh one")
    ap.add_argument("--threshold", type=float, default=C.DEFAULT_THRESHOLD)
    ap.add_argument("--noise-floor-ms", type=float, default=C.NOISE_FLOOR_S * 1e3)
    ap.add_argument("--min-calls", type=int, default=C.MIN_CALLS)
    ap.add_argument("--require-same-host", action="store_true")
    ap.add_argument("--dir", default=str(B.BASELINE_DIR))
    ap.add_argument("--criterion", metavar="GROUPS",
                    help="also compare the criterion results on disk for these groups ('all': every one)")
    ap.add_argument("--out", default=str(ROOT / "tmp" / "baseline_compare_report.json"))
    args, rest = ap.parse_known_args(argv)

    try:
        host = socket.gethostname() if args.require_same_host else None
        base, base_path = B.load_baseline(args.baseline, args.dir, hostname=host)
    except FileNotFoundError as e:
        print(f"compare_baseline.py: {e}", file=sys.stderr)
        return EXIT_ERROR
    if args.current:
        with open(args.current) as fh:
            cur = json.load(fh)
        cur_src = args.current
    else:
        import validate

        if base.get("mode") == "quick" and "--quick" not in rest:
            print("note: the baseline was recorded in quick mode; running quick too", flush=True)
            rest = ["--quick", *rest]
        validate.main(rest)
        cur_src = os.path.join(ROOT, "tmp", "validation_report.json")
        if not os.path.exists(cur_src):
            return EXIT_ERROR
        with open(cur_src) as fh:
            cur = json.load(fh)
    if args.criterion:
        from nsbench import criterion

        cur["criterion"] = criterion.collect(None if args.criterion == "all" else args.criterion.split(","))
    res = C.compare(base, cur, threshold=args.threshold, noise_floor_s=args.noise_floor_ms * 1e-3,
                    min_calls=args.min_calls, require_same_host=args.require_same_host)
    res.update({"schema": "nextstat.baseline_compare/1", "baseline": str(base_path), "current": cur_src,
                "baseline_fingerprint": base.get("fingerprint"), "current_fingerprint": cur.get("fingerprint")})
    R.write_json(args.out, res)
    bf, cf = base.get("fingerprint", {}), cur.get("fingerprint", {})
    print(f"baseline {base_path.name if hasattr(base_path, 'name') else base_path} "
          f"({bf.get('hostname')}, {bf.get('git_commit', '')[:12]}, {bf.get('timestamp_utc')}) vs current "
          f"({cf.get('hostname')}, {cf.get('git_commit', '')[:12]}, {cf.get('timestamp_utc')}); "
          f"same host: {res['host_match']}")
    for row in res["rows"]:
        if row["status"] != C.OK:
            print(f"  {row['status']:13s} {row['key']}: {row.get('reason', '')}")
    print(f"counts: {res['counts']}; threshold {args.threshold:g}×")
    for p in res["problems"]:
        print(f"  problem: {p}")
    for w in res["warnings"]:
        print(f"  warning: {w}")
    print(f"wrote {args.out}; exit {res['exit_code']}")
    return res["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
