#!/usr/bin/env bash
# Build the nextstat Python package into the project venv (release mode) and
# run its tests: API, viz (PNG rendering), doctests, and the side-by-side
# parity suite against pyhf.
# Needs the venv from scripts/setup_venv.sh (pyhf, numpy, pytest, maturin, matplotlib).
# Usage: scripts/test_python.sh [extra pytest args]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "no venv at $VENV: run scripts/setup_venv.sh first" >&2
    exit 1
fi
export VIRTUAL_ENV="$VENV"
export PATH="$VENV/bin:$PATH"
# pyhf with single-threaded BLAS: reproducible and faster at these sizes.
export OPENBLAS_NUM_THREADS=1

(cd "$ROOT/bindings/python" && "$VENV/bin/maturin" develop --release --quiet)
cd "$ROOT"
exec "$VENV/bin/python" -m pytest bindings/python/tests -q -p no:cacheprovider "$@"
