"""End to end: the scripts' exit codes on planted problems.

- compare_baseline.py on synthetic report files: a planted 2x slowdown and a
  planted parity break exit 2, a clean run 0, a missing baseline 4.
- validate.py with a fake `nextstat` binary wrapping the real one: honest -> 0;
  one that shifts -2 ln L of the fit by 1e-3 -> 2 (a parity break caught by the
  real pipeline against pyhf); one that crashes -> 4.
"""

import json
import os
import stat
import sys
import textwrap

import pytest
from nsbench import report as R
from nsbench.runners import ROOT

import compare_baseline
import validate

FP = {"hostname": "h", "cpu_model": "c", "n_cpus": 2, "timestamp_utc": "2026-11-23T18:00:00+00:00",
      "git_commit": "0" * 40, "git_dirty": False}


def rep(ns_fit_s, checks=None):
    return {"fingerprint": FP, "mode": "full", "command": "synthetic", "errors": [],
            "checks": checks or [R.check_scalar_rel("simple", "twice_nll_init", 1.0, 1.0, 1e-9)],
            "speed": [R.speed("godrun", "fit", R.timing(0.2, 11, 11, 1, "pyhf"),
                              R.timing(ns_fit_s, 11, 11, 1, "python:nextstat.fit"))]}


def run_compare(tmp_path, current):
    base_dir = tmp_path / "baselines"
    import record_baseline

    (tmp_path / "base.json").write_text(json.dumps(rep(0.01)))
    assert record_baseline.main(["--from-report", str(tmp_path / "base.json"), "--dir", str(base_dir)]) == 0
    (tmp_path / "cur.json").write_text(json.dumps(current))
    out = tmp_path / "cmp.json"
    code = compare_baseline.main(["--current", str(tmp_path / "cur.json"), "--dir", str(base_dir),
                                  "--out", str(out)])
    return code, json.loads(out.read_text()) if out.exists() else None


def test_compare_script_clean(tmp_path):
    code, res = run_compare(tmp_path, rep(0.0105))
    assert code == 0 and res["counts"]["ok"] == 2


def test_compare_script_planted_slowdown(tmp_path):
    code, res = run_compare(tmp_path, rep(0.02))
    assert code == 2 and res["regressions"][0]["key"] == "godrun/fit/nextstat"


def test_compare_script_planted_parity_break(tmp_path):
    broken = [R.check_scalar_rel("simple", "twice_nll_init", 1.001, 1.0, 1e-9)]
    code, res = run_compare(tmp_path, rep(0.01, checks=broken))
    assert code == 2 and res["parity_failures"] == ["simple/twice_nll_init"]


def test_compare_script_without_baseline(tmp_path):
    assert compare_baseline.main(["--current", "x.json", "--dir", str(tmp_path / "none")]) == 4


# ------------------------------------------------------------------ validate.py with a fake CLI
def real_cli():
    for prof in ("ci", "release"):
        p = ROOT / "target" / prof / "nextstat"
        if p.exists():
            return p
    pytest.skip("no nextstat binary built (scripts/test.sh builds target/ci/nextstat first)")


def fake_cli(tmp_path, mode):
    """A wrapper around the real binary: 'honest', 'shift' (fit twice_nll + 1e-3) or 'crash'."""
    path = tmp_path / f"nextstat_{mode}"
    path.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import json, subprocess, sys
        args = sys.argv[1:]
        if {mode!r} == "crash" and args[:1] == ["fit"]:
            sys.stderr.write("thread 'main' panicked\\n")
            sys.exit(101)
        p = subprocess.run([{str(real_cli())!r}, *args], capture_output=True, text=True)
        if {mode!r} == "shift" and args[:1] == ["fit"] and p.returncode == 0:
            out = json.loads(p.stdout)
            out["twice_nll"] += 1e-3
            sys.stdout.write(json.dumps(out))
        else:
            sys.stdout.write(p.stdout)
            sys.stderr.write(p.stderr)
        sys.exit(p.returncode)
        """))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("mode,expected", [("honest", 0), ("shift", 2), ("crash", 4)])
def test_validate_catches_planted_cli_problems(tmp_path, mode, expected):
    pytest.importorskip("pyhf")
    out = tmp_path / "report.json"
    code = validate.main(["--quick", "--fixtures", "two_channel", "--nextstat", "cli",
                          "--nextstat-bin", str(fake_cli(tmp_path, mode)), "--out", str(out)])
    report = json.loads(out.read_text())
    fit = [c for c in report["checks"] if c["quantity"].startswith("fit")]
    assert code == expected, report["summary"]
    assert len(fit) == 1
    assert fit[0]["status"] == {"honest": "pass", "shift": "fail", "crash": "error"}[mode]
    # Nothing is silently skipped: each quantity has a result or a "not available" entry.
    q = {c["quantity"] for c in report["checks"]}
    assert {"twice_nll_init", "expected_data_init"} <= q
    assert "hypotest_mu1" in q or {"cls_obs_mu1", "cls_exp_mu1"} <= q
    assert "upper_limit" in q or {"upper_limit_obs", "upper_limit_exp"} <= q
    for c in report["checks"]:
        if c["status"] == "not_available":
            assert c["note"]
    assert os.path.exists(str(out).replace(".json", ".md"))
