"""The environment a number was measured in.

Package versions are read from installed metadata (no import of pyhf/numpy
here), so the fingerprint is cheap and does not change BLAS settings.
"""

from __future__ import annotations

import datetime
import os
import platform
import socket
import subprocess
from importlib import metadata


def _run(cmd, cwd=None) -> str | None:
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout.strip() if p.returncode == 0 else None


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def git_state(root) -> dict:
    commit = _run(["git", "rev-parse", "HEAD"], cwd=root)
    status = _run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root)
    return {"git_commit": commit, "git_dirty": bool(status) if status is not None else None,
            "git_dirty_files": status.splitlines()[:50] if status else []}


def nextstat_cli_version(binary) -> str | None:
    if not binary:
        return None
    out = _run([str(binary), "version"])
    return out.split()[-1] if out else None


def fingerprint(root, nextstat_bin=None, nextstat_py_version=None) -> dict:
    """hostname, CPU model and core count, OS, Rust and Python versions,
    pyhf/numpy/scipy versions, nextstat version (CLI and/or Python package),
    git commit and dirty flag, timestamp (UTC), load average."""
    rustc = _run(["rustc", "--version"])
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    cli_v = nextstat_cli_version(nextstat_bin)
    fp = {
        "hostname": socket.gethostname(),
        "cpu_model": cpu_model(),
        "n_cpus": os.cpu_count(),
        "os": platform.platform(),
        "rust_version": rustc.split()[1] if rustc else None,
        "rustc": rustc,
        "python_version": platform.python_version(),
        "pyhf_version": _version("pyhf"),
        "numpy_version": _version("numpy"),
        "scipy_version": _version("scipy"),
        "nextstat_version": cli_v or nextstat_py_version,
        "nextstat_cli": {"path": str(nextstat_bin) if nextstat_bin else None, "version": cli_v},
        "nextstat_python_version": nextstat_py_version,
        "timestamp_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "loadavg_1_5_15": list(load) if load else None,
        "env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS")},
    }
    fp.update(git_state(root))
    return fp
