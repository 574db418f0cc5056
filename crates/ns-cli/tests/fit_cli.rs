//! `nextstat fit` / `inspect` end to end: JSON schema, stdin, options, and a
//! clear one-line error with non-zero exit for each kind of bad input.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::fixture;

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nextstat"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn nextstat");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn json_of(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON on stdout")
}

/// Run with bad input: must fail with exit 1, one line on stderr containing
/// every `needle`, nothing on stdout, and no panic.
fn expect_error(args: &[&str], stdin: Option<&str>, needles: &[&str]) {
    let out = run(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "args {args:?}: stderr {err}");
    assert!(out.stdout.is_empty(), "no output on error");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one-line error, got: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "error should mention {n:?}: {err}");
    }
}

const SIMPLE: &str = r#"{"channels":[{"name":"sr","samples":[
 {"name":"sig","data":[5.0,10.0],"modifiers":[{"name":"mu","type":"normfactor","data":null}]},
 {"name":"bkg","data":[50.0,60.0],"modifiers":[{"name":"u","type":"shapesys","data":[5.0,6.0]}]}]}],
 "observations":[{"name":"sr","data":[53.0,65.0]}],
 "measurements":[{"name":"m","config":{"poi":"mu","parameters":[]}}],"version":"1.0.0"}"#;

#[test]
fn bundled_example_fits_with_json_schema() {
    let v = json_of(&run(&["fit", "--json"], None));
    assert_eq!(v["schema"], "nextstat.fit/2");
    assert_eq!(v["poi"], "mu");
    assert_eq!(v["converged"], true);
    let names: Vec<&str> = v["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"staterror_SR[0]"), "{names:?}");
    assert!((v["twice_nll"].as_f64().unwrap() - 2.0 * v["nll"].as_f64().unwrap()).abs() < 1e-12);
    let n = names.len();
    // The covariance only on request (nextstat.fit/2).
    assert!(v.get("covariance").is_none());
    let c = json_of(&run(&["fit", "--json", "--covariance"], None));
    let cov = c["covariance"].as_array().unwrap();
    assert_eq!(cov.len(), n);
    for (i, p) in c["parameters"].as_array().unwrap().iter().enumerate() {
        let var = cov[i].as_array().unwrap()[i].as_f64().unwrap();
        let unc = p["uncertainty"].as_f64().unwrap();
        assert!(
            (var.sqrt() - unc).abs() <= 1e-12 * unc.max(1e-300),
            "{i}: {var} vs {unc}"
        );
    }
    for key in ["status", "n_iter", "n_eval", "measurement"] {
        assert!(!v[key].is_null(), "missing {key}");
    }
}

#[test]
fn human_table_by_default() {
    let out = run(&["fit"], None);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("parameter") && text.contains("uncertainty") && text.contains("NLL ="),
        "{text}"
    );
}

#[test]
fn stdin_fix_poi_fixed_and_output_file() {
    let v = json_of(&run(
        &["fit", "--input", "-", "--json", "--fix", "u[0]=1.1"],
        Some(SIMPLE),
    ));
    let p = &v["parameters"][1];
    assert_eq!(p["name"], "u[0]");
    assert_eq!(p["value"], 1.1);
    let v = json_of(&run(
        &["fit", "--input", "-", "--json", "--poi-fixed", "2.0"],
        Some(SIMPLE),
    ));
    assert_eq!(v["parameters"][0]["value"], 2.0);
    let dir = std::env::temp_dir().join(format!("nextstat-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("fit.json");
    let out = run(
        &[
            "fit",
            "--input",
            "-",
            "--json",
            "--output",
            file.to_str().unwrap(),
        ],
        Some(SIMPLE),
    );
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["schema"], "nextstat.fit/2");
}

#[test]
fn interp_codes_change_the_result_and_are_validated() {
    let a = json_of(&run(&["fit", "--json"], None));
    let b = json_of(&run(
        &["fit", "--json", "--interp", "normsys=code1,histosys=code0"],
        None,
    ));
    assert_ne!(a["twice_nll"], b["twice_nll"]);
    expect_error(
        &["fit", "--interp", "histosys=code4"],
        None,
        &["--interp", "histosys"],
    );
    expect_error(&["fit", "--interp", "normsys=code9"], None, &["code9"]);
}

#[test]
fn inspect_lists_parameters() {
    let v = json_of(&run(
        &[
            "inspect",
            "--input",
            &fixture("complex_workspace.json"),
            "--json",
        ],
        None,
    ));
    assert_eq!(v["schema"], "nextstat.inspect/1");
    assert_eq!(v["n_params"], 8);
    assert_eq!(v["channels"].as_array().unwrap().len(), 2);
    let out = run(
        &["inspect", "--input", &fixture("workspace_tHu.json")],
        None,
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("SigXsecOverSM"));
}

#[test]
fn version_prints() {
    let out = run(&["version"], None);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("nextstat "));
}

#[test]
fn bad_fixtures_are_rejected_with_location() {
    expect_error(
        &[
            "fit",
            "--input",
            &fixture("bad_histosys_template_length_mismatch.json"),
        ],
        None,
        &[
            "bad_histosys_template_length_mismatch.json",
            "channels['c']",
            "samples['background']",
            "shape_sys",
            "hi_data",
        ],
    );
    expect_error(
        &[
            "fit",
            "--input",
            &fixture("bad_observations_length_mismatch.json"),
        ],
        None,
        &[
            "bad_observations_length_mismatch.json",
            "observations[0]",
            "singlechannel",
        ],
    );
    expect_error(
        &[
            "fit",
            "--input",
            &fixture("bad_sample_length_mismatch.json"),
        ],
        None,
        &[
            "bad_sample_length_mismatch.json",
            "singlechannel",
            "background",
        ],
    );
}

fn with(mutate: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(SIMPLE).unwrap();
    mutate(&mut v);
    v.to_string()
}

#[test]
fn each_kind_of_bad_input_gets_a_clear_error() {
    // Malformed JSON: position reported.
    expect_error(
        &["fit", "--input", "-"],
        Some("{\"channels\": [ }"),
        &["<stdin>", "line 1"],
    );
    // Missing file.
    expect_error(
        &["fit", "--input", "/nonexistent/ws.json"],
        None,
        &["/nonexistent/ws.json"],
    );
    // Unknown modifier type: JSON path.
    let ws = with(|v| v["channels"][0]["samples"][0]["modifiers"][0]["type"] = "normfactr".into());
    expect_error(
        &["fit", "--input", "-"],
        Some(&ws),
        &["channels[0].samples[0].modifiers[0]", "normfactr"],
    );
    // Unknown POI.
    let ws = with(|v| v["measurements"][0]["config"]["poi"] = "nope".into());
    expect_error(
        &["fit", "--input", "-"],
        Some(&ws),
        &["POI 'nope'", "measurements['m']"],
    );
    // POI that is a per-bin parameter set.
    let ws = with(|v| v["measurements"][0]["config"]["poi"] = "u".into());
    expect_error(&["fit", "--input", "-"], Some(&ws), &["POI 'u'", "scalar"]);
    // Channel without observations.
    let ws = with(|v| v["observations"] = serde_json::json!([]));
    expect_error(
        &["fit", "--input", "-"],
        Some(&ws),
        &["channels['sr']", "no observations"],
    );
    // Non-finite yield (1e999 overflows f64).
    let ws = SIMPLE.replace("[5.0,10.0]", "[5.0,1e999]");
    expect_error(
        &["fit", "--input", "-"],
        Some(&ws),
        &["channels[0].samples[0].data"],
    );
    // Inconsistent shared modifier: normfactor and shapefactor with one name.
    let ws = with(|v| {
        v["channels"][0]["samples"][1]["modifiers"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"name": "mu", "type": "shapefactor", "data": null}))
    });
    expect_error(
        &["fit", "--input", "-"],
        Some(&ws),
        &["'mu'", "shapefactor", "normfactor"],
    );
    // Shapesys shared across samples.
    let ws = with(|v| {
        v["channels"][0]["samples"][0]["modifiers"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"name": "u", "type": "shapesys", "data": [1.0, 1.0]}))
    });
    expect_error(&["fit", "--input", "-"], Some(&ws), &["'u'", "shapesys"]);
    // Unknown parameter in --fix, malformed --fix.
    expect_error(
        &["fit", "--input", "-", "--fix", "nope=1"],
        Some(SIMPLE),
        &["--fix", "nope"],
    );
    expect_error(
        &["fit", "--input", "-", "--fix", "mu"],
        Some(SIMPLE),
        &["--fix", "NAME=VALUE"],
    );
    expect_error(
        &["fit", "--input", "-", "--fix", "mu=abc"],
        Some(SIMPLE),
        &["--fix", "abc"],
    );
    // Unknown measurement; POI fixed outside its bounds.
    expect_error(
        &["fit", "--input", "-", "--measurement", "x"],
        Some(SIMPLE),
        &["measurement named 'x'"],
    );
    expect_error(
        &["fit", "--input", "-", "--poi-fixed=-1"],
        Some(SIMPLE),
        &["--poi-fixed", "bounds"],
    );
}

#[test]
fn negative_yields_are_legal() {
    let ws = SIMPLE
        .replace("[50.0,60.0]", "[50.0,-1.0]")
        .replace("[53.0,65.0]", "[53.0,0.0]");
    let out = run(&["fit", "--input", "-", "--json"], Some(&ws));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // Either a converged fit or a reported failure: never a panic.
    if out.status.success() {
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["schema"], "nextstat.fit/2");
    }
}
