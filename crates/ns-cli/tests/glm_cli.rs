//! `nextstat glm` end to end against the statsmodels goldens of
//! tests/fixtures/glm (scripts/make_glm_goldens.py): each golden's data is
//! written to a CSV, the CLI fits it with the golden's options, and the
//! `nextstat.glm/1` JSON is compared with statsmodels' numbers. Plus the
//! human table, --add-constant, default --x, and bad input named by file,
//! line and column.
//!
//! Tolerances as crates/ns-glm/tests/goldens.rs (issue 17 item 8): params
//! and bse 1e-8 relative, deviance and llf 1e-10; the CLI is run with the
//! same tight stopping rule (--tol-criterion params --tol 1e-10 --rtol
//! 1e-11) since the goldens are statsmodels fits to 1e-12. The CSV holds
//! each number in Rust's shortest round-trip form, so the data are exact.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn nextstat(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nextstat"))
        .args(args)
        .output()
        .expect("spawn nextstat")
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(common::fixture("glm"))
}

fn load(name: &str) -> Value {
    let p = fixtures_dir().join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn vec_of(v: &Value) -> Option<Vec<f64>> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
}

/// A temporary file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(tag: &str, text: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("nextstat-glm-cli-{}-{tag}.csv", std::process::id()));
        std::fs::write(&p, text).unwrap();
        TempFile(p)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// How a golden is laid out as a CSV and which flags the CLI gets.
struct Case {
    csv: String,
    args: Vec<String>,
}

/// `const_mode`: 0 = the constant column is in the CSV and named by --x;
/// 1 = dropped from the CSV and re-created by --add-constant (other
/// columns by --x); 2 = dropped, --add-constant, and no --x (every column
/// not used by another flag).
fn case_of(doc: &Value, const_mode: usize) -> Case {
    let n = doc["n"].as_u64().unwrap() as usize;
    let p = doc["p"].as_u64().unwrap() as usize;
    let x = vec_of(&doc["X"]).unwrap();
    let has_const = (0..n).all(|i| x[i * p] == 1.0);
    let const_mode = if has_const { const_mode } else { 0 };
    let names: Vec<String> = match doc["names"].as_array() {
        Some(a) => a.iter().map(|s| s.as_str().unwrap().to_string()).collect(),
        None => (0..p).map(|j| format!("c{j}")).collect(),
    };
    let first = usize::from(const_mode > 0);
    let mut cols: Vec<(String, Vec<String>)> = Vec::new();
    let num = |v: f64| format!("{v:?}");
    let y = vec_of(&doc["y"]).unwrap();
    cols.push(("resp".into(), y.iter().map(|&v| num(v)).collect()));
    let mut args: Vec<String> = vec!["--y".into()];
    if let Some(f) = vec_of(&doc["failures"]) {
        cols.push(("resp_fail".into(), f.iter().map(|&v| num(v)).collect()));
        args.push("resp,resp_fail".into());
    } else {
        args.push("resp".into());
    }
    for j in first..p {
        cols.push((
            names[j].clone(),
            (0..n).map(|i| num(x[i * p + j])).collect(),
        ));
    }
    for (key, flag) in [
        ("offset", "--offset"),
        ("exposure", "--exposure"),
        ("var_weights", "--var-weights"),
        ("freq_weights", "--freq-weights"),
    ] {
        if let Some(v) = vec_of(&doc[key]) {
            cols.push((format!("w_{key}"), v.iter().map(|&v| num(v)).collect()));
            args.extend([flag.to_string(), format!("w_{key}")]);
        }
    }
    if let Some(g) = doc["groups"].as_array() {
        // Labels as text: the CLI factorises whatever is there.
        cols.push((
            "grp".into(),
            g.iter()
                .map(|v| format!("g{}", v.as_u64().unwrap()))
                .collect(),
        ));
        args.extend(["--groups".into(), "grp".into()]);
    }
    if const_mode > 0 {
        args.push("--add-constant".into());
    }
    if const_mode < 2 {
        args.push("--x".into());
        args.push(names[first..].join(","));
    }
    args.extend(["--family".into(), doc["family"].as_str().unwrap().into()]);
    if let Some(l) = doc["link"].as_str() {
        args.extend(["--link".into(), l.into()]);
    }
    match &doc["alpha"] {
        Value::Null => {}
        Value::String(s) => args.extend(["--alpha".into(), s.clone()]),
        v => args.extend(["--alpha".into(), num(v.as_f64().unwrap())]),
    }
    match &doc["scale"] {
        Value::Null => {}
        Value::String(s) => args.extend(["--scale".into(), s.clone()]),
        v => args.extend(["--scale".into(), num(v.as_f64().unwrap())]),
    }
    args.extend([
        "--cov-type".into(),
        doc["cov_type"].as_str().unwrap().into(),
        "--method".into(),
        doc["method"].as_str().unwrap_or("irls").into(),
        "--tol-criterion".into(),
        "params".into(),
        "--tol".into(),
        "1e-10".into(),
        "--rtol".into(),
        "1e-11".into(),
        "--maxiter".into(),
        "300".into(),
        "--json".into(),
    ]);
    let mut csv = cols
        .iter()
        .map(|c| c.0.as_str())
        .collect::<Vec<_>>()
        .join(",");
    csv.push('\n');
    for i in 0..n {
        let row: Vec<&str> = cols.iter().map(|c| c.1[i].as_str()).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    Case { csv, args }
}

fn check_vec(case: &str, what: &str, got: &Value, exp: &[f64], rtol: f64) {
    let got = vec_of(got).unwrap_or_else(|| panic!("{case}: {what} missing"));
    assert_eq!(got.len(), exp.len(), "{case}: {what} length");
    // As the library test: relative to max(|expected|, 1e-3·max|vector|).
    let big = exp.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (g, e)) in got.iter().zip(exp).enumerate() {
        let d = ((g - e) / e.abs().max(1e-3 * big).max(1e-300)).abs();
        assert!(
            d <= rtol,
            "{case}: {what}[{i}] = {g:e}, statsmodels {e:e} (rel {d:e})"
        );
    }
}

fn check(case: &str, what: &str, got: &Value, exp: f64, rtol: f64) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{case}: {what} missing"));
    let d = ((g - exp) / exp.abs().max(1e-300)).abs();
    assert!(
        d <= rtol,
        "{case}: {what} = {g:e}, statsmodels {exp:e} (rel {d:e})"
    );
}

fn flat(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| vec_of(r).unwrap())
        .collect()
}

fn run_golden(name: &str, doc: &Value, const_mode: usize) {
    let c = case_of(doc, const_mode);
    let f = TempFile::new(&format!("{name}-{const_mode}"), &c.csv);
    let mut args: Vec<&str> = vec!["glm", "--data", f.path()];
    args.extend(c.args.iter().map(String::as_str));
    let out = nextstat(&args);
    assert!(
        out.status.success(),
        "{name}: {args:?}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let e = &doc["expected"];
    let mle = doc["alpha"].as_str() == Some("mle");
    assert_eq!(j["schema"], "nextstat.glm/1");
    assert_eq!(j["converged"], true, "{name}");
    let p = doc["p"].as_u64().unwrap() as usize;
    let names = j["exog_names"].as_array().unwrap();
    assert_eq!(names.len(), p + usize::from(mle), "{name}: exog_names");
    if const_mode > 0 {
        assert_eq!(names[0], "const", "{name}: --add-constant prepends const");
    }
    let ev = |k: &str| vec_of(&e[k]).unwrap();
    check_vec(name, "params", &j["params"], &ev("params"), 1e-8);
    check_vec(name, "bse", &j["bse"], &ev("bse"), 1e-8);
    check_vec(
        name,
        "cov_params",
        &flat(&j["cov_params"]).into(),
        &ev("cov_params"),
        1e-7,
    );
    check(
        name,
        "deviance",
        &j["deviance"],
        e["deviance"].as_f64().unwrap(),
        1e-10,
    );
    check(name, "llf", &j["llf"], e["llf"].as_f64().unwrap(), 1e-10);
    check(name, "aic", &j["aic"], e["aic"].as_f64().unwrap(), 1e-10);
    check(
        name,
        "pearson_chi2",
        &j["pearson_chi2"],
        e["pearson_chi2"].as_f64().unwrap(),
        1e-9,
    );
    check(
        name,
        "df_model",
        &j["df_model"],
        e["df_model"].as_f64().unwrap(),
        0.0,
    );
    check(
        name,
        "df_resid",
        &j["df_resid"],
        e["df_resid"].as_f64().unwrap(),
        0.0,
    );
    if mle {
        check(
            name,
            "alpha",
            &j["alpha"],
            e["alpha"].as_f64().unwrap(),
            1e-8,
        );
        check(name, "bic", &j["bic"], e["bic"].as_f64().unwrap(), 1e-10);
        return;
    }
    check(
        name,
        "bic",
        &j["bic"],
        e["bic_llf"].as_f64().unwrap(),
        1e-10,
    );
    check(
        name,
        "bic_llf",
        &j["bic_llf"],
        e["bic_llf"].as_f64().unwrap(),
        1e-10,
    );
    check(
        name,
        "bic_deviance",
        &j["bic_deviance"],
        e["bic_deviance"].as_f64().unwrap(),
        1e-9,
    );
    check(
        name,
        "scale",
        &j["scale"],
        e["scale"].as_f64().unwrap(),
        1e-9,
    );
    check(
        name,
        "null_deviance",
        &j["null_deviance"],
        e["null_deviance"].as_f64().unwrap(),
        1e-9,
    );
    check(
        name,
        "llnull",
        &j["llnull"],
        e["llnull"].as_f64().unwrap(),
        1e-9,
    );
    if let Some(pv) = vec_of(&e["pvalues"]) {
        check_vec(name, "pvalues", &j["pvalues"], &pv, 1e-7);
        let ci = flat(&j["conf_int"]);
        let eci = flat(&e["conf_int_05"]);
        let params = vec_of(&j["params"]).unwrap();
        let bse = vec_of(&j["bse"]).unwrap();
        for (k, (g, x)) in ci.iter().zip(&eci).enumerate() {
            // An endpoint b ± 1.96·se can cancel: on the scale of |b| + 2·se.
            let s = params[k / 2].abs() + 2.0 * bse[k / 2];
            assert!(
                (g - x).abs() <= 1e-8 * s,
                "{name}: conf_int[{k}] = {g:e}, statsmodels {x:e}"
            );
        }
    }
    assert!(
        j.get("fittedvalues").is_none(),
        "residuals only with --residuals"
    );
}

#[test]
fn every_golden_through_the_cli() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 40,
        "the full golden set, found {}",
        names.len()
    );
    let mut failures = Vec::new();
    for (k, name) in names.iter().enumerate() {
        let doc = load(name);
        // Rotate through the three ways of giving the design.
        if let Err(e) = std::panic::catch_unwind(|| run_golden(name, &doc, k % 3)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn residuals_and_fitted_values() {
    let doc = load("cpunish_poisson_exposure");
    let mut c = case_of(&doc, 1);
    c.args.push("--residuals".into());
    let f = TempFile::new("resid", &c.csv);
    let mut args: Vec<&str> = vec!["glm", "--data", f.path()];
    args.extend(c.args.iter().map(String::as_str));
    let out = nextstat(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &doc["expected"];
    for k in [
        "fittedvalues",
        "resid_response",
        "resid_pearson",
        "resid_deviance",
    ] {
        let tol = if k == "fittedvalues" { 1e-8 } else { 1e-7 };
        check_vec("cpunish", k, &j[k], &vec_of(&e[k]).unwrap(), tol);
    }
}

#[test]
fn human_table_is_the_summary() {
    let doc = load("spector_logit");
    let mut c = case_of(&doc, 1);
    c.args.retain(|a| a != "--json");
    let f = TempFile::new("table", &c.csv);
    let mut args: Vec<&str> = vec!["glm", "--data", f.path()];
    args.extend(c.args.iter().map(String::as_str));
    let out = nextstat(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Generalized Linear Model Regression Results"),
        "{text}"
    );
    assert!(
        text.contains("Binomial") && text.contains("Logit"),
        "{text}"
    );
    let e = vec_of(&doc["expected"]["params"]).unwrap();
    for (name, v) in ["const", "GPA", "TUCE", "PSI"].iter().zip(&e) {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("row {name} in {text}"));
        let coef: f64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert!(
            (coef - v).abs() <= 5e-5,
            "{name}: {coef} vs statsmodels {v}"
        );
    }
}

/// Bad input: exit 1, one line on stderr with every needle, nothing on stdout.
fn expect_error(csv: &str, args: &[&str], needles: &[&str]) {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let f = TempFile::new(
        &format!("bad{}", COUNT.fetch_add(1, Ordering::Relaxed)),
        csv,
    );
    let mut all = vec!["glm", "--data", f.path()];
    all.extend(args);
    let out = nextstat(&all);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{all:?}: {err}");
    assert!(out.stdout.is_empty(), "no output on error: {all:?}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "error should mention {n:?}: {err}");
    }
}

#[test]
fn bad_input_is_named() {
    let ok = "y,a,b\n1,0.5,1\n0,1.5,2\n3,2.5,1\n2,0.1,4\n";
    let fam = ["--family", "poisson", "--add-constant"];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["--y", "y"];
        v.extend(fam);
        v.extend(extra);
        v
    };
    expect_error(
        "y,a,b\n1,0.5,1\n0,x1,2\n",
        &with(&[]),
        &["line 3, column 'a'", "'x1'"],
    );
    expect_error(
        "y,a,b\n1,0.5,1\n0,,2\n",
        &with(&[]),
        &["line 3, column 'a'", "empty value"],
    );
    expect_error(
        "y,a,b\n1,0.5,1\n0,inf,2\n",
        &with(&[]),
        &["line 3, column 'a'", "non-finite"],
    );
    expect_error(
        "y,a,b\n1,0.5,1\n0,2\n",
        &with(&[]),
        &["line 3", "2 field(s)"],
    );
    expect_error(ok, &with(&["--x", "a,zz"]), &["no column 'zz' (from --x)"]);
    expect_error(
        ok,
        &["--y", "q", "--family", "poisson"],
        &["no column 'q' (from --y)"],
    );
    expect_error(
        "y,a,b\n1,0.5,1\n-2,1.5,2\n3,2.5,1\n",
        &with(&[]),
        &["line 3, column 'y'", "support"],
    );
    expect_error(
        ok,
        &["--y", "y", "--family", "poison"],
        &["--family", "poison"],
    );
    expect_error(
        ok,
        &with(&["--link", "logit"]),
        &["--link", "logit", "poisson"],
    );
    expect_error(ok, &with(&["--cov-type", "HC9"]), &["--cov-type", "HC9"]);
    expect_error(
        ok,
        &with(&["--cov-type", "cluster"]),
        &["--cov-type cluster needs --groups"],
    );
    expect_error(
        ok,
        &with(&["--alpha", "0.5"]),
        &["--alpha", "negative_binomial"],
    );
    expect_error(ok, &with(&["--scale", "big"]), &["--scale", "big"]);
    expect_error(
        "y,a,w\n1,0.5,1\n0,1.5,-1\n3,2.5,1\n2,0.1,4\n",
        &with(&["--var-weights", "w"]),
        &["line 3, column 'w'", "negative"],
    );
    expect_error(
        ok,
        &["--y", "y", "--family", "poisson", "--x", "a,a"],
        &["rank-deficient"],
    );
    expect_error(
        "y,a\n",
        &["--y", "y", "--family", "poisson"],
        &["no data rows"],
    );
    let out = nextstat(&[
        "glm",
        "--data",
        "/nonexistent/d.csv",
        "--y",
        "y",
        "--family",
        "poisson",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("/nonexistent/d.csv: cannot read"), "{err}");
}

#[test]
fn add_constant_skips_an_existing_constant() {
    // statsmodels' add_constant(has_constant="skip"): a non-zero constant
    // column already there, nothing added.
    let csv = "y,k,a\n1,2,0.5\n0,2,1.5\n3,2,2.5\n2,2,0.1\n";
    let f = TempFile::new("skip", csv);
    let out = nextstat(&[
        "glm",
        "--data",
        f.path(),
        "--y",
        "y",
        "--family",
        "poisson",
        "--add-constant",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["exog_names"], serde_json::json!(["k", "a"]));
}
