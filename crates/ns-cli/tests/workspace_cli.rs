//! `nextstat combine | prune | rename | sort | digest` against pyhf's
//! outputs on the same inputs (goldens from
//! scripts/make_workspace_ops_goldens.py, the ones the library tests use).

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

fn doc(args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(args)).expect("a JSON document on stdout")
}

fn golden() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(fixture("goldens/hepwf/workspace_ops.json")).unwrap(),
    )
    .unwrap()
}

fn expect_error(args: &[&str], needles: &[&str]) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: output on error");
    assert_eq!(err.trim_end().lines().count(), 1, "one-line error: {err}");
    for n in needles {
        assert!(err.contains(n), "error should mention {n:?}: {err}");
    }
}

#[test]
fn prune_rename_sort_match_pyhf() {
    let ws = fixture("complex_workspace.json");
    let g = golden();
    let pruned = doc(&[
        "prune",
        &ws,
        "--sample",
        "signal",
        "-t",
        "histosys",
        "--modifier",
        "lumi",
    ]);
    assert_eq!(pruned, g["prune"]);
    assert_eq!(doc(&["prune", &ws, "-c", "CR"]), g["prune_channel"]);
    let rename = [
        "rename",
        &ws,
        "--channel",
        "SR",
        "SR2",
        "--channel",
        "CR",
        "CR2",
        "--modifier",
        "bkg_shape",
        "bkg_shape2",
        "--sample",
        "signal",
        "sig",
        "--measurement",
        "measurement",
        "meas2",
    ];
    assert_eq!(doc(&rename), g["rename"]);
    // Through a file, then sorted, as a pipeline would.
    let dir = std::env::temp_dir().join(format!("ns-ws-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let renamed = dir.join("renamed.json");
    let renamed = renamed.to_str().unwrap();
    let mut args = rename.to_vec();
    args.extend(["--output-file", renamed]);
    assert!(stdout_of(&args).is_empty());
    assert_eq!(doc(&["sort", renamed]), g["sorted"]);
    // pyhf's layout: four-space indent, sorted keys.
    let text = stdout_of(&["sort", renamed]);
    assert!(
        text.starts_with("{\n    \"channels\": ["),
        "{}",
        &text[..40]
    );
    // combine, each join.
    assert_eq!(doc(&["combine", &ws, renamed]), g["combine_none"]);
    assert_eq!(
        doc(&["combine", &ws, &ws, "--join", "outer"]),
        g["combine_outer_self"]
    );
    let nosig = dir.join("nosig.json");
    let nosig = nosig.to_str().unwrap();
    stdout_of(&["prune", &ws, "-s", "signal", "-o", nosig]);
    assert_eq!(
        doc(&["combine", &ws, nosig, "-j", "left outer"]),
        g["combine_left_outer"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn digest_matches_pyhf() {
    let ws = fixture("complex_workspace.json");
    let g = golden();
    let sha = g["digest_sha256"].as_str().unwrap();
    let md5 = g["digest_md5"].as_str().unwrap();
    assert_eq!(stdout_of(&["digest", &ws]), format!("sha256:{sha}\n"));
    assert_eq!(
        stdout_of(&["digest", &ws, "-a", "md5", "-a", "sha256"]),
        format!("md5:{md5}\nsha256:{sha}\n")
    );
    let j = doc(&[
        "digest",
        &ws,
        "--algorithm",
        "sha256",
        "-a",
        "md5",
        "--json",
    ]);
    assert_eq!(j, serde_json::json!({"sha256": sha, "md5": md5}));
    // The digest recorded by pyhf in its example patchset.
    assert_eq!(
        stdout_of(&["digest", &fixture("patchset/example_bkgonly.json")]),
        "sha256:7c32ca3b8db75cbafcf5cd7ed4672fa2b1fa69e391c9b89068dd947a521866ec\n"
    );
}

#[test]
fn bad_operations_are_named() {
    let ws = fixture("complex_workspace.json");
    expect_error(&["combine", &ws, &ws], &["channels in common", "SR"]);
    expect_error(&["combine", &ws, &ws, "-j", "inner"], &["--join", "inner"]);
    expect_error(&["prune", &ws, "-s", "nope"], &["'nope'", "samples"]);
    expect_error(&["rename", &ws, "-c", "XX", "YY"], &["XX"]);
    expect_error(&["digest", &ws, "-a", "sha1"], &["sha1"]);
    expect_error(&["sort", "/nonexistent/ws.json"], &["/nonexistent/ws.json"]);
    // Not a workspace: named by file and place.
    expect_error(
        &["digest", &fixture("patchset/example_patchset.json")],
        &["example_patchset.json"],
    );
}
