//! `nextstat fit --minos` against iminuit's `minos` and `nextstat gof`
//! against cabinetry's saturated-model goodness of fit, on the bundled
//! workspaces (goldens from scripts/make_hepwf_goldens.py, the ones the
//! ns-infer minos_gof test uses).

mod common;

use std::process::{Command, Output};

use common::fixture;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nextstat"))
        .args(args)
        .output()
        .expect("spawn nextstat")
}

fn stdout_of(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("JSON on stdout")
}

fn goldens() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("goldens/hepwf/minos_gof.json")).unwrap())
        .unwrap()
}

#[test]
fn fit_minos_matches_iminuit() {
    for case in goldens()["cases"].as_array().unwrap() {
        let ws = fixture(case["workspace"].as_str().unwrap());
        let names: Vec<&str> = case["minos"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let v = json(&["fit", "-i", &ws, "--minos", &names.join(","), "--json"]);
        assert_eq!(v["minos"].as_object().unwrap().len(), names.len());
        for name in &names {
            let m = &v["minos"][name];
            let g = &case["minos"][name];
            for (key, flag) in [("lower", "at_lower_limit"), ("upper", "at_upper_limit")] {
                let want = g[key].as_f64().unwrap();
                let got = m[key].as_f64().unwrap();
                // iminuit (tol 1e-6, strategy 2) locates the crossing to
                // ~1e-5 of the interval (as the library test).
                assert!(
                    (got - want).abs() < 2e-4 * (1.0 + want.abs()),
                    "{ws} {name} {key}: {got} vs iminuit {want}"
                );
                let status = if g[flag].as_bool().unwrap() {
                    "at_limit"
                } else {
                    "ok"
                };
                assert_eq!(m[format!("{key}_status")], status, "{ws} {name}");
            }
            assert_eq!(m["valid"], true);
            let best = m["bestfit"].as_f64().unwrap();
            assert!(
                (m["upper_error"].as_f64().unwrap() - (m["upper"].as_f64().unwrap() - best)).abs()
                    < 1e-12
            );
        }
    }
    // Space-separated names, and the table.
    let simple = fixture("simple_workspace.json");
    let t = stdout_of(&["fit", "-i", &simple, "--minos", "mu", "uncorr_bkguncrt[1]"]);
    assert!(t.contains("MINOS"), "{t}");
    assert!(t.contains("lower at_limit, upper ok"), "{t}");
    // `--minos` alone: the POI.
    let v = json(&["fit", "-i", &simple, "--minos", "--json"]);
    assert_eq!(
        v["minos"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["mu"]
    );
    // Without `--minos`, no key.
    assert!(
        json(&["fit", "-i", &simple, "--json"])
            .get("minos")
            .is_none()
    );
}

#[test]
fn minos_bad_parameters_are_named() {
    let simple = fixture("simple_workspace.json");
    for (args, needle) in [
        (vec!["--minos", "nope"], "nope"),
        (vec!["--minos", "mu", "--fix", "mu=1"], "fixed"),
    ] {
        let mut a = vec!["fit", "-i", simple.as_str()];
        a.extend(args);
        let out = run(&a);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("--minos") && err.contains(needle), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1);
    }
}

#[test]
fn gof_matches_cabinetry() {
    for case in goldens()["cases"].as_array().unwrap() {
        let ws = fixture(case["workspace"].as_str().unwrap());
        let v = json(&["gof", "-i", &ws, "--json"]);
        assert_eq!(v["schema"], "nextstat.gof/1");
        assert_eq!(v["ndof"], case["gof"]["ndof"]);
        let want = case["gof"]["p_value"].as_f64().unwrap();
        let got = v["p_value"].as_f64().unwrap();
        assert!(
            ((got - want) / want).abs() < 1e-4,
            "{ws}: {got} vs cabinetry {want}"
        );
        let stat = v["statistic"].as_f64().unwrap();
        let diff = 2.0 * (v["nll"].as_f64().unwrap() - v["saturated_nll"].as_f64().unwrap());
        assert!((stat - diff).abs() < 1e-9);
    }
}

#[test]
fn gof_toys_agree_with_chi2_and_are_reproducible() {
    // simple_workspace: ~50 events per bin, where the χ² approximation of
    // the saturated statistic is good. 4000 toys: binomial σ ≈ 0.003 on
    // p ≈ 0.96; allow 4σ plus 0.01 for the asymptotic approximation.
    let simple = fixture("simple_workspace.json");
    let args = [
        "gof", "-i", &simple, "--toys", "4000", "--seed", "7", "--json",
    ];
    let v = json(&args);
    let p_chi2 = v["p_value"].as_f64().unwrap();
    let p_toys = v["toys"]["p_value"].as_f64().unwrap();
    let sigma = (p_chi2 * (1.0 - p_chi2) / 4000.0).sqrt();
    assert!(
        (p_toys - p_chi2).abs() < 4.0 * sigma + 0.01,
        "toys {p_toys} vs χ² {p_chi2}"
    );
    assert_eq!(v["toys"]["n_toys"], 4000);
    assert_eq!(v["toys"]["n_failed"], 0);
    // Seeded per toy: identical on one thread, different for another seed.
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    assert_eq!(json(&one), v);
    let other = json(&[
        "gof", "-i", &simple, "--toys", "4000", "--seed", "8", "--json",
    ]);
    assert_ne!(other["toys"]["p_value"], v["toys"]["p_value"]);
    // two_channel: χ² p ≈ 2e-20, so no toy reaches the observed statistic.
    let two = fixture("two_channel_workspace.json");
    let v = json(&["gof", "-i", &two, "--toys", "500", "--json"]);
    assert_eq!(v["toys"]["p_value"].as_f64(), Some(0.0));
    // --toys 0 is an error naming the option.
    let out = run(&["gof", "-i", &simple, "--toys", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("n_toys"));
}
