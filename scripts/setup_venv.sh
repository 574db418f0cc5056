#!/usr/bin/env bash
# Create (if missing) and populate the development venv at <repo>/.venv.
# Idempotent: safe to rerun; it only (re)installs what requirements-dev.txt asks for.
# Usage: scripts/setup_venv.sh            (uses $PYTHON, default python3; want 3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    ver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    if [ "$ver" != "3.11" ]; then
        echo "warning: $PYTHON is Python $ver; the project targets 3.11" >&2
    fi
    "$PYTHON" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r "$ROOT/requirements-dev.txt"

echo "$VENV/bin/python"
