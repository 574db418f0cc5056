"""The baseline comparison on synthetic reports: threshold, noise skipping,
host matching and exit codes, with a planted 2x slowdown and a planted parity
break that must be caught."""

import copy

import pytest
from nsbench import EXIT_ERROR, EXIT_FAIL, EXIT_OK
from nsbench import compare as C
from nsbench import report as R

FP = {"hostname": "hostA", "cpu_model": "CPU X", "n_cpus": 2}


def t(median_s, n_calls=11, path="cli:nextstat fit --json"):
    return R.timing(median_s, n_calls, repeats=11, inner=max(1, n_calls // 11), code_path=path)


def report(speeds, checks=None, errors=None, fp=FP):
    """A synthetic validation report: speeds = {(fixture, op): (pyhf_s, ns_s, n_calls)}."""
    sp = [R.speed(fx, op, t(p, n, "pyhf"), t(n_s, n)) for (fx, op), (p, n_s, n) in speeds.items()]
    checks = checks if checks is not None else [
        R.check_scalar_rel("simple", "twice_nll_init", 1.0, 1.0, 1e-9, reference_source="pyhf live")]
    return {"fingerprint": dict(fp), "speed": sp, "checks": checks, "errors": errors or []}


BASE_SPEEDS = {("simple", "fit"): (0.010, 0.002, 11), ("godrun", "fit"): (0.2, 0.01, 11),
               ("godrun", "twice_nll"): (1e-4, 5e-6, 20000)}


def baseline():
    return {"fingerprint": dict(FP), "timings": C.timings_from_report(report(BASE_SPEEDS))}


def test_identical_run_passes():
    r = C.compare(baseline(), report(BASE_SPEEDS))
    assert r["exit_code"] == EXIT_OK
    assert r["counts"]["regression"] == 0
    assert r["compared"] == 6


def test_planted_2x_slowdown_is_caught():
    slow = dict(BASE_SPEEDS)
    slow[("godrun", "fit")] = (0.2, 0.02, 11)  # NextStat 2x slower, pyhf unchanged
    r = C.compare(baseline(), report(slow))
    assert r["exit_code"] == EXIT_FAIL
    assert [x["key"] for x in r["regressions"]] == ["godrun/fit/nextstat"]
    assert r["regressions"][0]["ratio"] == pytest.approx(2.0)


def test_threshold_is_configurable():
    slow = dict(BASE_SPEEDS)
    slow[("godrun", "fit")] = (0.2, 0.012, 11)  # 1.2x
    assert C.compare(baseline(), report(slow))["exit_code"] == EXIT_OK  # default 1.3
    assert C.compare(baseline(), report(slow), threshold=1.1)["exit_code"] == EXIT_FAIL
    slow[("godrun", "fit")] = (0.2, 0.025, 11)  # 2.5x
    assert C.compare(baseline(), report(slow), threshold=3.0)["exit_code"] == EXIT_OK


def test_pyhf_slowdown_is_drift_not_a_regression():
    slow = dict(BASE_SPEEDS)
    slow[("godrun", "fit")] = (0.5, 0.01, 11)
    r = C.compare(baseline(), report(slow))
    assert r["exit_code"] == EXIT_OK
    assert r["counts"]["drift"] == 1


def test_submillisecond_timing_with_few_calls_is_noise():
    base = {("simple", "fit"): (0.010, 0.0005, 3)}
    slow = {("simple", "fit"): (0.010, 0.0015, 3)}  # 3x slower but 3 calls under 1 ms
    r = C.compare({"fingerprint": FP, "timings": C.timings_from_report(report(base))}, report(slow))
    row = next(x for x in r["rows"] if x["key"] == "simple/fit/nextstat")
    assert row["status"] == C.NOISE
    assert r["counts"]["regression"] == 0


def test_submillisecond_timing_repeated_enough_is_gated():
    slow = dict(BASE_SPEEDS)
    slow[("godrun", "twice_nll")] = (1e-4, 1e-5, 20000)  # 2x, 20000 calls
    r = C.compare(baseline(), report(slow))
    assert r["exit_code"] == EXIT_FAIL
    assert [x["key"] for x in r["regressions"]] == ["godrun/twice_nll/nextstat"]
    # ... but not when the noise rule asks for more calls than were made.
    r = C.compare(baseline(), report(slow), min_calls=10**6)
    assert r["exit_code"] == EXIT_OK


def test_planted_parity_break_fails_even_without_slowdown():
    broken = [R.check_scalar_rel("simple", "twice_nll_init", 1.0 + 1e-6, 1.0, 1e-9, reference_source="pyhf live")]
    assert broken[0]["status"] == R.FAIL
    r = C.compare(baseline(), report(BASE_SPEEDS, checks=broken))
    assert r["exit_code"] == EXIT_FAIL
    assert r["parity_failures"] == ["simple/twice_nll_init"]


def test_runner_error_exits_4():
    r = C.compare(baseline(), report(BASE_SPEEDS, errors=[{"where": "pyhf", "error": "ImportError"}]))
    assert r["exit_code"] == EXIT_ERROR


def test_parity_break_outranks_runner_error():
    broken = [R.check_scalar_rel("simple", "cls_obs", 0.5, 0.4, 1e-6)]
    r = C.compare(baseline(), report(BASE_SPEEDS, checks=broken, errors=[{"where": "x", "error": "y"}]))
    assert r["exit_code"] == EXIT_FAIL


def test_require_same_host():
    other = dict(FP, hostname="hostB")
    r = C.compare(baseline(), report(BASE_SPEEDS, fp=other))
    assert r["exit_code"] == EXIT_OK and r["host_match"] is False
    r = C.compare(baseline(), report(BASE_SPEEDS, fp=other), require_same_host=True)
    assert r["exit_code"] == EXIT_ERROR
    r = C.compare(baseline(), report(BASE_SPEEDS), require_same_host=True)
    assert r["exit_code"] == EXIT_OK


def test_code_path_change_is_incomparable_not_a_regression():
    cur = report({("godrun", "fit"): (0.2, 0.05, 11)})
    for sp in cur["speed"]:
        sp["nextstat"]["code_path"] = "python:nextstat.fit"
    base = {"fingerprint": FP, "timings": C.timings_from_report(report({("godrun", "fit"): (0.2, 0.01, 11)}))}
    r = C.compare(base, cur)
    row = next(x for x in r["rows"] if x["key"] == "godrun/fit/nextstat")
    assert row["status"] == C.INCOMPARABLE
    assert r["counts"]["regression"] == 0


def test_nothing_comparable_exits_4():
    base = {"fingerprint": FP, "timings": C.timings_from_report(report({("a", "fit"): (1.0, 1.0, 11)}))}
    r = C.compare(base, report({("b", "fit"): (1.0, 1.0, 11)}))
    assert r["counts"]["missing"] == 4
    assert r["exit_code"] == EXIT_ERROR


def test_baseline_accepts_a_full_report():
    """A baseline may also be a validation report (timings derived from its speed records)."""
    r = C.compare(copy.deepcopy(report(BASE_SPEEDS)), report(BASE_SPEEDS))
    assert r["exit_code"] == EXIT_OK and r["compared"] == 6
