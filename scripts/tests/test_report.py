"""Parity checks and the report's exit code."""

import json
import math

from nsbench import EXIT_ERROR, EXIT_FAIL, EXIT_OK
from nsbench import report as R


def test_twice_nll_relative_tolerance():
    tol = R.TOL["twice_nll_init"]["rtol"]
    assert R.check_scalar_rel("f", "q", 100.0 * (1 + 0.5e-9), 100.0, tol)["status"] == R.PASS
    assert R.check_scalar_rel("f", "q", 100.0 * (1 + 2e-9), 100.0, tol)["status"] == R.FAIL


def test_cls_absolute_floor_for_tiny_values():
    tol = R.TOL["cls"]
    # 1e-13 vs 5e-13: relative difference huge, but under the 1e-12 floor.
    assert R.check_scalar_rel("f", "cls", 1e-13, 5e-13, **tol)["status"] == R.PASS
    assert R.check_scalar_rel("f", "cls", 1e-10, 5e-10, **tol)["status"] == R.FAIL
    assert R.check_scalar_rel("f", "cls", 0.4 * (1 + 2e-6), 0.4, **tol)["status"] == R.FAIL


def test_vector_check_reports_worst_element():
    c = R.check_vector_rel("f", "exp", [1.0, 2.0, 3.0 * (1 + 1e-8)], [1.0, 2.0, 3.0], 1e-10)
    assert c["status"] == R.FAIL
    assert c["diff"]["worst_index"] == 2
    assert R.check_vector_rel("f", "exp", [1.0, 2.0], [1.0, 2.0, 3.0], 1e-10)["status"] == R.FAIL
    assert R.check_vector_rel("f", "exp", [0.0, 1.0], [0.0, 1.0], 1e-10)["status"] == R.PASS


def test_non_finite_values():
    assert R.check_scalar_rel("f", "q", math.inf, math.inf, 1e-9)["status"] == R.PASS
    assert R.check_scalar_rel("f", "q", math.nan, 1.0, 1e-9)["status"] == R.FAIL
    assert R.check_scalar_rel("f", "q", math.inf, 1.0, 1e-9)["status"] == R.FAIL


def test_fit_check_is_one_sided():
    atol = R.TOL["fit_twice_nll"]["atol_above"]
    assert R.check_fit("f", "fit", 10.0 - 1e-3, 10.0, atol)["status"] == R.PASS  # lower minimum
    assert R.check_fit("f", "fit", 10.0 + 0.5e-6, 10.0, atol)["status"] == R.PASS
    assert R.check_fit("f", "fit", 10.0 + 2e-6, 10.0, atol)["status"] == R.FAIL
    assert R.check_fit("f", "fit", math.nan, 10.0, atol)["status"] == R.FAIL


def test_exit_codes():
    ok = R.check_scalar_rel("f", "q", 1.0, 1.0, 1e-9)
    bad = R.check_scalar_rel("f", "q", 2.0, 1.0, 1e-9)
    na = R.not_available("f", "q", "CLI has no 'hypotest' command")
    err = R.errored("f", "q", "crash")
    assert R.exit_code({"checks": [ok, na]}) == EXIT_OK
    assert R.exit_code({"checks": [ok, bad]}) == EXIT_FAIL
    assert R.exit_code({"checks": [ok, err]}) == EXIT_ERROR
    assert R.exit_code({"checks": [ok], "errors": [{"where": "pyhf", "error": "ImportError"}]}) == EXIT_ERROR
    assert R.exit_code({"checks": [bad, err]}) == EXIT_FAIL
    assert R.exit_code({"checks": [ok]}, regressions=1) == EXIT_FAIL


def test_summary_and_markdown_mark_fallbacks_and_not_available():
    checks = [R.check_scalar_rel("f", "q", 1.0, 1.0, 1e-9, fallback=True, note="preferred path unavailable"),
              R.not_available("f", "cls", "CLI has no 'hypotest' command")]
    s = R.summarize(checks)
    assert s["pass"] == 1 and s["not_available"] == 1 and s["fallback_numbers"] == 1
    rep = {"checks": checks, "speed": [], "summary": s, "fingerprint": {}, "exit_code": 0}
    md = R.markdown(rep)
    assert "pass (fallback)" in md and "NOT_AVAILABLE" in md and "no 'hypotest'" in md


def test_strict_json_roundtrip(tmp_path):
    p = tmp_path / "r.json"
    R.write_json(p, {"a": math.inf, "b": [math.nan, 1.5]})
    assert json.loads(p.read_text()) == {"a": "inf", "b": ["nan", 1.5]}
