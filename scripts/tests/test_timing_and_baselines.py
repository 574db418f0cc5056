"""Timing helper, fingerprint and baseline files."""

import json
import time

from nsbench import baselines as B
from nsbench import compare as C
from nsbench import report as R
from nsbench.fingerprint import fingerprint
from nsbench.runners import ROOT, time_call


def test_fast_calls_are_batched():
    calls = []
    _, t = time_call(lambda: calls.append(1), repeats=5, min_batch_s=0.002, budget_s=1.0)
    assert t["inner"] > 10 and t["repeats"] == 5
    assert t["n_calls"] == t["repeats"] * t["inner"]
    assert len(calls) >= t["n_calls"]  # warm-up and calibration are extra


def test_slow_first_call_counts_and_budget_caps_repeats():
    _, t = time_call(lambda: time.sleep(0.05), repeats=50, min_batch_s=0.01, budget_s=0.2)
    assert t["inner"] == 1
    assert 1 <= t["repeats"] <= 5
    assert 0.04 < t["median_s"] < 0.5


def test_fingerprint_fields():
    fp = fingerprint(ROOT)
    for k in ("hostname", "cpu_model", "n_cpus", "os", "rust_version", "python_version", "pyhf_version",
              "numpy_version", "scipy_version", "nextstat_version", "git_commit", "git_dirty", "timestamp_utc"):
        assert k in fp
    assert len(fp["git_commit"]) == 40


def test_baseline_write_manifest_and_load(tmp_path):
    fp = {"hostname": "host/1", "cpu_model": "c", "n_cpus": 2, "timestamp_utc": "2026-11-23T18:00:00+00:00",
          "git_commit": "a" * 40, "git_dirty": False}
    rep = {"fingerprint": fp, "mode": "full", "command": "x",
           "speed": [R.speed("simple", "fit", None, R.timing(0.01, 11, 11, 1, "cli:nextstat fit --json"))],
           "summary": {"pass": 1}, "checks": []}
    path = B.write_baseline(B.baseline_from_report(rep), tmp_path)
    assert path.name == "host-1_20261123T180000Z.json"
    base, p = B.load_baseline("latest", tmp_path)
    assert p == path and base["timings"]["simple/fit/nextstat"]["median_s"] == 0.01
    base2, _ = B.load_baseline(path.stem, tmp_path)
    assert base2 == base
    assert C.compare(base, rep)["exit_code"] == 0


def _crit(home, bid, median_ns, iters):
    d = home / bid / "new"
    d.mkdir(parents=True)
    (d / "estimates.json").write_text(json.dumps({"median": {"point_estimate": median_ns}}))
    (d / "sample.json").write_text(json.dumps({"iters": iters, "times": [0.0] * len(iters)}))


def test_criterion_results_are_recorded_and_gated(tmp_path):
    from nsbench import criterion

    base_home, cur_home = tmp_path / "a", tmp_path / "b"
    for home, factor in ((base_home, 1.0), (cur_home, 2.0)):
        _crit(home, "toys_batch/fit_32_toys_simple", 320e3 * factor, [100.0] * 10)
        _crit(home, "toys/sample_into_simple", 640.0, [1e5] * 10)
        _crit(home, "nll_simple", 500.0, [1e5] * 10)
    recs = criterion.collect(["toys"], base_home)
    assert [r["id"] for r in recs] == ["toys/sample_into_simple"]
    assert recs[0]["n_calls"] == 10**6 and abs(recs[0]["median_s"] - 640e-9) < 1e-15
    assert [r["id"] for r in criterion.collect(["nll"], base_home)] == ["nll_simple"]
    fp = {"hostname": "h", "cpu_model": "c", "n_cpus": 2}
    base = {"fingerprint": fp, "timings": criterion.timings(criterion.collect(None, base_home))}
    cur = {"fingerprint": fp, "speed": [], "checks": [], "criterion": criterion.collect(None, cur_home)}
    r = C.compare(base, cur)
    assert r["exit_code"] == 2
    assert [x["key"] for x in r["regressions"]] == ["criterion/toys_batch/fit_32_toys_simple/nextstat"]
