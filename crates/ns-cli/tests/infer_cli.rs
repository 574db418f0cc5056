//! CLI tests of the inference commands: JSON schemas, values against the
//! pyhf goldens, reproducibility across --threads, and one-line errors.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::fixture;
use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_nextstat"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn json(args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let (code, out, err) = run(&a);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

fn golden(stem: &str) -> Value {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../tests/fixtures/goldens/infer/{stem}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn close(a: &Value, b: &Value, rel: f64) -> bool {
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    (a - b).abs() <= rel * b.abs()
}

#[test]
fn hypotest_json() {
    let simple = fixture("simple_workspace.json");
    let v = json(&["hypotest", "--input", &simple, "--mu", "1"]);
    assert_eq!(v["schema"], "nextstat.hypotest/1");
    assert_eq!(v["test_stat"], "qtilde");
    let g = &golden("simple_workspace")["settings"]["default"]["hypotest_mu1"];
    assert!(close(&v["cls_obs"], &g["cls_obs"], 1e-6));
    assert_eq!(v["cls_exp"].as_array().unwrap().len(), 5);
    for k in 0..5 {
        assert!(close(&v["cls_exp"][k], &g["cls_exp"][k], 1e-6));
    }
    assert!(close(&v["clsb_obs"], &g["clsb_obs"], 1e-6));
    assert!(close(&v["clb_obs"], &g["clb_obs"], 1e-6));
    assert!(v["qmu_obs"].as_f64().unwrap() > 0.0);
}

#[test]
fn significance_json() {
    let v = json(&["significance", "--input", &fixture("simple_workspace.json")]);
    assert_eq!(v["schema"], "nextstat.significance/1");
    let g = &golden("simple_workspace")["settings"]["default"]["significance"];
    for k in ["p0_obs", "z_obs", "p0_exp", "z_exp"] {
        assert!(close(&v[k], &g[k], 1e-6), "{k}");
    }
}

#[test]
fn scan_json() {
    let v = json(&[
        "scan",
        "--input",
        &fixture("simple_workspace.json"),
        "--start",
        "0",
        "--stop",
        "5",
        "--points",
        "11",
    ]);
    assert_eq!(v["schema"], "nextstat.scan/1");
    let g = &golden("simple_workspace")["settings"]["default"]["scan"];
    let pts = v["points"].as_array().unwrap();
    assert_eq!(pts.len(), 11);
    for (p, w) in pts.iter().zip(g["twice_delta_nll"].as_array().unwrap()) {
        assert!((p["twice_delta_nll"].as_f64().unwrap() - w.as_f64().unwrap()).abs() < 1e-6);
        assert_eq!(p["status"], "converged_gradient");
    }
    assert!(v["bestfit_mu"].as_f64().unwrap() > 0.5);
}

#[test]
fn upper_limit_json() {
    let simple = fixture("simple_workspace.json");
    let v = json(&["upper-limit", "--input", &simple]);
    assert_eq!(v["schema"], "nextstat.upper-limit/1");
    assert_eq!(v["method"], "toms748");
    // pyhf 0.7.6 toms748_scan (goldens/simple_workspace.json)
    assert!((v["obs_limit"].as_f64().unwrap() / 2.132479262688296 - 1.0).abs() < 1e-4);
    assert!((v["exp_limits"][2].as_f64().unwrap() / 1.7382402633254588 - 1.0).abs() < 1e-4);
    assert!(v["brazil_band"].as_array().unwrap().len() > 10);
    let v = json(&[
        "upper-limit",
        "--input",
        &simple,
        "--scan-start",
        "0",
        "--scan-stop",
        "5",
        "--scan-points",
        "21",
    ]);
    assert_eq!(v["method"], "grid_scan");
    assert_eq!(v["brazil_band"].as_array().unwrap().len(), 21);
    assert!((v["obs_limit"].as_f64().unwrap() / 2.1477270 - 1.0).abs() < 1e-4);
}

#[test]
fn toys_reproducible_across_threads() {
    let simple = fixture("simple_workspace.json");
    let dir = std::env::temp_dir().join(format!("ns-cli-toys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let dist = dir.join(format!("dist{threads}.json"));
        let v = json(&[
            "hypotest-toys",
            "--input",
            &simple,
            "--mu",
            "1",
            "--n-toys",
            "200",
            "--seed",
            "9",
            "--threads",
            threads,
            "--output-distributions",
            dist.to_str().unwrap(),
        ]);
        assert_eq!(v["schema"], "nextstat.hypotest/1");
        assert_eq!(v["n_toys"], 200);
        assert_eq!(v["n_failed_sb"], 0);
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&dist).unwrap()).unwrap();
        assert_eq!(d["signal_plus_background"].as_array().unwrap().len(), 200);
        assert_eq!(d["background_only"].as_array().unwrap().len(), 200);
        outs.push((v, d));
    }
    assert_eq!(outs[0].0["cls_obs"], outs[1].0["cls_obs"]);
    assert_eq!(outs[0].0["cls_exp"], outs[1].0["cls_exp"]);
    assert_eq!(outs[0].1, outs[1].1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ranking_json() {
    let v = json(&["ranking", "--input", &fixture("complex_workspace.json")]);
    assert_eq!(v["schema"], "nextstat.ranking/1");
    let imps = v["impacts"].as_array().unwrap();
    assert_eq!(imps.len(), 7);
    let key = |i: &Value| {
        i["impact_up"].as_f64().unwrap().abs() + i["impact_down"].as_f64().unwrap().abs()
    };
    assert!(imps.windows(2).all(|w| key(&w[0]) >= key(&w[1])));
    for i in imps {
        for k in [
            "name",
            "pull",
            "constraint",
            "impact_up",
            "impact_down",
            "prefit_impact_up",
            "prefit_impact_down",
        ] {
            assert!(i.get(k).is_some(), "{k}");
        }
    }
}

#[test]
fn errors_are_one_line_and_nonzero() {
    let simple = fixture("simple_workspace.json");
    for (args, needle) in [
        (
            vec!["hypotest", "--input", &simple, "--mu", "11"],
            "outside its bounds",
        ),
        (
            vec!["hypotest", "--input", &simple, "--mu", "1", "--fix", "mu=1"],
            "is fixed",
        ),
        (
            vec![
                "hypotest",
                "--input",
                &simple,
                "--mu",
                "1",
                "--test-stat",
                "t",
            ],
            "unknown test statistic",
        ),
        (
            vec!["scan", "--input", &simple, "--start=-1", "--stop", "1"],
            "outside its bounds",
        ),
        (
            vec!["upper-limit", "--input", &simple, "--cl", "1.5"],
            "(0, 1)",
        ),
        (
            vec![
                "hypotest-toys",
                "--input",
                &simple,
                "--mu",
                "1",
                "--n-toys",
                "0",
            ],
            "at least 1",
        ),
        (
            vec![
                "hypotest-toys",
                "--input",
                &simple,
                "--mu",
                "1",
                "--n-toys",
                "5",
                "--threads",
                "0",
            ],
            "at least 1",
        ),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
}

/// q0 as pyhf: `cls_obs`/`cls_exp` hold p0 = CLs+b and its band (issue 13
/// item 2; pyhf's `hypotest(0, test_stat="q0", return_expected_set=True)`).
#[test]
fn hypotest_q0_reports_p0_as_pyhf() {
    let ws = fixture("corpus/1bin_shapesys_q0.json");
    let v = json(&[
        "hypotest",
        "--input",
        &ws,
        "--mu",
        "0",
        "--test-stat",
        "q0",
        "--expected-set",
    ]);
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/goldens/teststat/1bin_shapesys_q0.json");
    let g: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    let g = &g["tests"][0];
    assert_eq!(g["test_stat"], "q0");
    assert_eq!(g["poi_bounds"][0].as_f64(), Some(0.0));
    assert_eq!(v["test_stat"], "q0");
    assert!(close(&v["cls_obs"], &g["cls_obs"], 1e-6), "{v}");
    assert_eq!(v["cls_obs"], v["clsb_obs"]);
    assert!(close(&v["clb_obs"], &g["clb_obs"], 1e-6));
    for k in 0..5 {
        assert!(close(&v["cls_exp"][k], &g["cls_exp"][k], 1e-6), "{k}: {v}");
    }
    let (code, table, _) = run(&["hypotest", "--input", &ws, "--mu", "0", "--test-stat", "q0"]);
    assert_eq!(code, 0);
    assert!(
        table.contains("p0       = ") && table.contains("expected p0"),
        "{table}"
    );
}
