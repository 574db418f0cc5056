"""Criterion results (target/criterion/**/new/estimates.json) as timing records,
so that `cargo bench` medians can be recorded in a baseline and gated like the
validation timings (key ``criterion/<id>/nextstat``).

Criterion writes the results of the last run of each benchmark; run the benches
first (`cargo bench -p <crate> --bench <name>`), and mind that a `--quick` run
overwrites them with fewer samples. Each record carries the file's mtime.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path

from .runners import ROOT

CRITERION_HOME = Path(os.environ.get("CRITERION_HOME", ROOT / "target" / "criterion"))


def collect(groups=None, home: Path = CRITERION_HOME) -> list:
    """[{"id", "median_s", "n_calls", "repeats", "inner", "code_path", "mtime_utc"}] for every
    benchmark under ``home`` (only the ids starting with one of ``groups`` when given)."""
    out = []
    home = Path(home)
    if not home.exists():
        return out
    for est in sorted(home.glob("**/new/estimates.json")):
        bid = str(est.parent.parent.relative_to(home))
        first = bid.split("/", 1)[0]
        # Grouped ids are <group>/<function>; ungrouped ones (c.bench_function("nll/simple"))
        # are stored as nll_simple.
        if groups and not any(first == g or ("/" not in bid and bid.startswith(g + "_")) for g in groups):
            continue
        median = json.loads(est.read_text())["median"]["point_estimate"] * 1e-9
        iters = []
        sample = est.parent / "sample.json"
        if sample.exists():
            iters = json.loads(sample.read_text()).get("iters", [])
        n_calls = int(sum(iters)) if iters else 0
        mtime = datetime.datetime.fromtimestamp(est.stat().st_mtime, datetime.timezone.utc)
        out.append({"id": bid, "median_s": median, "n_calls": n_calls, "repeats": len(iters),
                    "inner": round(n_calls / len(iters)) if iters else 0,
                    "code_path": "criterion (cargo bench, bench profile = release)", "threads": 1,
                    "mtime_utc": mtime.isoformat(timespec="seconds")})
    return out


def timings(records) -> dict:
    return {f"criterion/{r['id']}/nextstat": r for r in records}


def markdown(records) -> str:
    from .report import fmt_s

    lines = ["| benchmark | median | samples × iterations | measured (UTC) |", "|---|---|---|---|"]
    for r in records:
        lines.append(f"| {r['id']} | {fmt_s(r['median_s'])} | {r['repeats']} samples, {r['n_calls']} iterations | "
                     f"{r['mtime_utc']} |")
    return "\n".join(lines)
