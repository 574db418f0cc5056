//! `--patch FILE[:NAME]` and `nextstat patchset ...` against pyhf on a
//! signal-grid patchset (fixtures and goldens from
//! scripts/make_patchset_grid.py) and pyhf's own patchset fixtures.

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

fn expect_error(args: &[&str], needles: &[&str]) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: output on error");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one-line error: {err}");
    for n in needles {
        assert!(err.contains(n), "error should mention {n:?}: {err}");
    }
}

fn ps(name: &str) -> String {
    fixture(&format!("patchset/{name}"))
}

fn golden() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture("goldens/hepwf/patchset_grid.json")).unwrap(),
    )
    .unwrap()
}

fn close(a: &Value, b: &Value, rel: f64) -> bool {
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    (a - b).abs() <= rel * b.abs()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("ns-patch-cli-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn patch_option_selects_like_pyhf() {
    let bkg = ps("grid_bkgonly.json");
    let set = ps("grid_patchset.json");
    let g = golden();
    for (name, want) in g["patches"].as_object().unwrap() {
        let values: Vec<String> = want["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.to_string())
            .collect();
        let by_name = json(&[
            "hypotest",
            "-i",
            &bkg,
            "--patch",
            &format!("{set}:{name}"),
            "--mu",
            "1",
            "--json",
        ]);
        let by_flag = json(&[
            "hypotest",
            "-i",
            &bkg,
            "--patch",
            &set,
            "--patch-name",
            name,
            "--mu",
            "1",
            "--json",
        ]);
        let by_values = json(&[
            "hypotest",
            "-i",
            &bkg,
            "--patch",
            &set,
            "--patch-values",
            &values.join(","),
            "--mu",
            "1",
            "--json",
        ]);
        // The same patch whichever way it is chosen...
        assert_eq!(by_name["cls_obs"], by_flag["cls_obs"]);
        assert_eq!(by_name["cls_obs"], by_values["cls_obs"]);
        // ...and pyhf's CLs on the patched workspace (SLSQP at tol 1e-14;
        // as the unpatched hypotest tests).
        let h = &want["hypotest_mu1"];
        assert!(
            close(&by_name["cls_obs"], &h["cls_obs"], 1e-6),
            "{name}: {by_name}"
        );
        for k in 0..5 {
            assert!(
                close(&by_name["cls_exp"][k], &h["cls_exp"][k], 1e-6),
                "{name} exp {k}"
            );
        }
    }
    // A plain JSON Patch file: pyhf's patched workspace minus the
    // background-only one is what `patchset extract` prints.
    let name = "sig_500_150";
    let ops = tmp("ops.json");
    std::fs::write(
        &ops,
        stdout_of(&["patchset", "extract", &set, "--name", name]),
    )
    .unwrap();
    let plain = json(&[
        "fit",
        "-i",
        &bkg,
        "--patch",
        ops.to_str().unwrap(),
        "--json",
    ]);
    let via_set = json(&[
        "fit",
        "-i",
        &bkg,
        "--patch",
        &format!("{set}:{name}"),
        "--json",
    ]);
    let patched = tmp("patched.json");
    std::fs::write(
        &patched,
        g["patches"][name]["patched_workspace"].to_string(),
    )
    .unwrap();
    let pyhf_ws = json(&["fit", "-i", patched.to_str().unwrap(), "--json"]);
    assert_eq!(plain["nll"], pyhf_ws["nll"]);
    assert_eq!(via_set["nll"], pyhf_ws["nll"]);
    assert_eq!(plain["parameters"], pyhf_ws["parameters"]);
}

#[test]
fn patchset_subcommands_match_pyhf() {
    let bkg = ps("grid_bkgonly.json");
    let set = ps("grid_patchset.json");
    let g = golden();
    // apply: pyhf's patched workspace.
    for name in ["sig_300_50", "sig_600_150"] {
        let out = json(&["patchset", "apply", &bkg, &set, "--name", name]);
        assert_eq!(out, g["patches"][name]["patched_workspace"], "{name}");
    }
    let by_values = json(&["patchset", "apply", &bkg, &set, "--values", "600,150"]);
    assert_eq!(by_values, g["patches"]["sig_600_150"]["patched_workspace"]);
    // extract: the patch's operations, or with the merged metadata.
    let raw: Value = serde_json::from_str(&std::fs::read_to_string(&set).unwrap()).unwrap();
    let ops = json(&["patchset", "extract", &set, "--name", "sig_400_50"]);
    assert_eq!(ops, raw["patches"][1]["patch"]);
    let with = json(&[
        "patchset",
        "extract",
        &set,
        "--name",
        "sig_400_50",
        "--with-metadata",
    ]);
    assert_eq!(with["patch"], raw["patches"][1]["patch"]);
    assert_eq!(with["metadata"]["name"], "sig_400_50");
    assert_eq!(with["metadata"]["labels"], raw["metadata"]["labels"]);
    // verify / inspect.
    assert_eq!(
        stdout_of(&["patchset", "verify", &bkg, &set]),
        "All good.\n"
    );
    assert_eq!(
        stdout_of(&[
            "patchset",
            "verify",
            &ps("example_bkgonly.json"),
            &ps("example_patchset.json")
        ]),
        "All good.\n"
    );
    let text = stdout_of(&["patchset", "inspect", &set]);
    assert!(text.contains("6 patches found in Patchset"), "{text}");
    let j = json(&["patchset", "inspect", &set, "--json"]);
    assert_eq!(j["schema"], "nextstat.patchset-inspect/1");
    assert_eq!(j["labels"], serde_json::json!(["m1", "m2"]));
    assert_eq!(j["patches"].as_array().unwrap().len(), 6);
    assert_eq!(j["patches"][3]["values"], serde_json::json!([400, 150]));
}

#[test]
fn batch_hypotest_and_upper_limit_match_pyhf_per_patch() {
    let bkg = ps("grid_bkgonly.json");
    let set = ps("grid_patchset.json");
    let g = golden();
    let h = json(&[
        "patchset",
        "hypotest",
        "-i",
        &bkg,
        "--patchset",
        &set,
        "--json",
    ]);
    assert_eq!(h["schema"], "nextstat.patchset-hypotest/1");
    assert_eq!(h["n_failed"], 0);
    let rows = h["results"].as_array().unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "results in patch-name order");
    assert_eq!(names.len(), 6);
    for r in rows {
        let w = &g["patches"][r["name"].as_str().unwrap()];
        assert_eq!(r["values"], w["values"]);
        assert!(
            close(&r["cls_obs"], &w["hypotest_mu1"]["cls_obs"], 1e-6),
            "{r}"
        );
        for k in 0..5 {
            assert!(
                close(&r["cls_exp"][k], &w["hypotest_mu1"]["cls_exp"][k], 1e-6),
                "{r}"
            );
        }
    }
    // One thread gives the same document (seeded / deterministic order).
    let h1 = json(&[
        "patchset",
        "hypotest",
        "-i",
        &bkg,
        "--patchset",
        &set,
        "--json",
        "--threads",
        "1",
    ]);
    assert_eq!(h1, h);
    let u = json(&[
        "patchset",
        "upper-limit",
        "-i",
        &bkg,
        "--patchset",
        &set,
        "--json",
    ]);
    assert_eq!(u["schema"], "nextstat.patchset-upper-limit/1");
    for r in u["results"].as_array().unwrap() {
        let w = &g["patches"][r["name"].as_str().unwrap()]["upper_limit"];
        // Both are TOMS748 roots at rtol 1e-4 (pyhf's default).
        assert!(close(&r["obs_limit"], &w["obs"], 2e-4), "{r}");
        for k in 0..5 {
            assert!(close(&r["exp_limits"][k], &w["exp"][k], 2e-4), "{r}");
        }
    }
}

#[test]
fn failed_patch_is_reported_not_dropped() {
    let bkg = ps("grid_bkgonly.json");
    let mut set: Value =
        serde_json::from_str(&std::fs::read_to_string(ps("grid_patchset.json")).unwrap()).unwrap();
    set["patches"][2]["patch"][1]["path"] = Value::String("/channels/5/samples/0".into());
    let bad = tmp("bad_patchset.json");
    std::fs::write(&bad, set.to_string()).unwrap();
    let out = run(&[
        "patchset",
        "hypotest",
        "-i",
        &bkg,
        "--patchset",
        bad.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 of 6 patches failed") && err.contains("sig_500_50"),
        "{err}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["n_failed"], 1);
    let rows = doc["results"].as_array().unwrap();
    assert_eq!(rows.len(), 6);
    let failed: Vec<&Value> = rows.iter().filter(|r| r.get("error").is_some()).collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["name"], "sig_500_50");
    let e = failed[0]["error"].as_str().unwrap();
    assert!(
        e.contains("operation 1") && e.contains("/channels/5/samples/0"),
        "{e}"
    );
    assert!(rows.iter().filter(|r| r.get("cls_obs").is_some()).count() == 5);
}

#[test]
fn bad_patch_input_is_named() {
    let bkg = ps("grid_bkgonly.json");
    let set = ps("grid_patchset.json");
    expect_error(
        &["fit", "-i", &bkg, "--patch", &set],
        &[
            "is a patchset",
            "--patch-name",
            "sig_300_50 [300,50]",
            "sig_600_150",
        ],
    );
    expect_error(
        &["fit", "-i", &bkg, "--patch", &format!("{set}:nope")],
        &["grid_patchset.json", "name 'nope'", "available patches"],
    );
    expect_error(
        &["fit", "-i", &bkg, "--patch", &set, "--patch-values", "1,2"],
        &["values [1.0,2.0]"],
    );
    expect_error(&["fit", "--patch-name", "x"], &["--patch FILE"]);
    expect_error(
        &["fit", "-i", &bkg, "--patch", "/nonexistent/p.json"],
        &["/nonexistent/p.json", "cannot read"],
    );
    let ops = tmp("bad_ops.json");
    std::fs::write(
        &ops,
        r#"[{"op": "add", "path": "/channels/0/samples/-", "value": {}},
            {"op": "replace", "path": "/channels/9/name", "value": "x"}]"#,
    )
    .unwrap();
    let ops = ops.to_str().unwrap();
    expect_error(
        &["fit", "-i", &bkg, "--patch", ops],
        &[ops, "operation 1", "/channels/9/name"],
    );
    expect_error(
        &["fit", "-i", &bkg, "--patch", &format!("{ops}:x")],
        &["not a patchset"],
    );
    // The digest of another workspace.
    expect_error(
        &[
            "fit",
            "-i",
            &ps("example_bkgonly.json"),
            "--patch",
            &format!("{set}:sig_300_50"),
        ],
        &["digest verification failed"],
    );
    expect_error(
        &[
            "patchset",
            "inspect",
            &ps("patchset_bad_duplicate_patch_name.json"),
        ],
        &["patchset_bad_duplicate_patch_name.json", "by name"],
    );
    expect_error(
        &["patchset", "apply", &bkg, &set, "--name", "nope"],
        &["nope", "available patches"],
    );
    expect_error(
        &["patchset", "verify", &ps("example_bkgonly.json"), &set],
        &["digest verification failed", "sha256"],
    );
}
