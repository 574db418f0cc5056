#!/usr/bin/env bash
# The whole test suite, from a fresh clone: creates the project venv (pyhf
# from PyPI for the parity tests), checks formatting and lints, runs the Rust
# tests (optimised `ci` profile), builds the Python package into the venv and
# runs its tests, then the quick parity report.
# Usage: scripts/test.sh        (this is the README's test command; .ci/run calls it)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*"; }

step "Python venv (.venv) with pyhf and test tools"
scripts/setup_venv.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --profile ci -- -D warnings

step "Rust tests (profile ci)"
cargo test --workspace --profile ci

if [ -x scripts/test_python.sh ]; then
    step "Python package tests"
    scripts/test_python.sh
fi

if [ -d scripts/tests ]; then
    step "Validation-harness tests (pytest scripts/tests)"
    .venv/bin/python -m pytest -q scripts/tests
fi

if [ -f scripts/validate.py ]; then
    step "Parity report (quick)"
    .venv/bin/python scripts/validate.py --quick
fi

step "all tests passed"
