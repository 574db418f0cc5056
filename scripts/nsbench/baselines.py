"""Recorded baselines under tmp/baselines/ and their manifest.

A baseline is a validation report reduced to what a later run is compared
with: the fingerprint, the command, the mode, the timings keyed
``<fixture>/<op>/<engine>`` and the parity summary. The file is named
``<hostname>_<UTC date and time>.json``; ``latest_manifest.json`` lists every
baseline and names the latest overall and per host.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

from . import report as R
from .compare import timings_from_report
from .runners import ROOT

BASELINE_DIR = ROOT / "tmp" / "baselines"
MANIFEST = "latest_manifest.json"


def baseline_from_report(rep: dict) -> dict:
    return {
        "schema": "nextstat.baseline/1",
        "fingerprint": rep["fingerprint"],
        "mode": rep.get("mode"),
        "command": rep.get("command"),
        "nextstat_paths": rep.get("nextstat_paths"),
        "timing_method": rep.get("timing_method"),
        "timings": timings_from_report(rep),
        "speed": rep.get("speed", []),
        "criterion": rep.get("criterion", []),
        "parity_summary": {k: v for k, v in rep.get("summary", {}).items()},
        "exit_code": rep.get("exit_code"),
    }


def _safe(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", s or "unknown-host")


def write_baseline(base: dict, directory: Path = BASELINE_DIR) -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ts = base["fingerprint"].get("timestamp_utc") or datetime.datetime.now(datetime.timezone.utc).isoformat()
    stamp = ts.replace("-", "").replace(":", "").replace("+0000", "Z")[:15] + "Z"
    host = _safe(base["fingerprint"].get("hostname"))
    path = directory / f"{host}_{stamp}.json"
    R.write_json(path, base)
    man_path = directory / MANIFEST
    man = json.loads(man_path.read_text()) if man_path.exists() else {"baselines": []}
    entry = {"file": path.name, "hostname": base["fingerprint"].get("hostname"), "timestamp_utc": ts,
             "git_commit": base["fingerprint"].get("git_commit"), "git_dirty": base["fingerprint"].get("git_dirty"),
             "mode": base.get("mode")}
    man["baselines"] = [b for b in man.get("baselines", []) if b["file"] != path.name] + [entry]
    man["latest"] = path.name
    man.setdefault("latest_by_host", {})[entry["hostname"]] = path.name
    R.write_json(man_path, man)
    return path


def load_baseline(spec: str = "latest", directory: Path = BASELINE_DIR, hostname: str | None = None):
    """``latest`` (the manifest's latest; the latest of ``hostname`` when
    given), a file name in the baseline directory, or a path."""
    directory = Path(directory)
    if spec == "latest":
        man_path = directory / MANIFEST
        if not man_path.exists():
            raise FileNotFoundError(f"no baseline recorded yet ({man_path} missing); run scripts/record_baseline.py")
        man = json.loads(man_path.read_text())
        name = man.get("latest_by_host", {}).get(hostname) if hostname else None
        path = directory / (name or man["latest"])
    else:
        p = Path(spec)
        cands = [p, directory / spec, directory / f"{spec}.json"]
        path = next((c for c in cands if c.exists()), None)
        if path is None:
            raise FileNotFoundError(f"baseline {spec!r} not found (tried {', '.join(map(str, cands))})")
    return json.loads(Path(path).read_text()), path
