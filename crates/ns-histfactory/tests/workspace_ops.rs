//! Workspace operations against pyhf's outputs on the same input (goldens
//! from scripts/make_workspace_ops_goldens.py).

use std::collections::BTreeMap;

use ns_histfactory::Join;
use ns_histfactory::digest::digest;
use ns_histfactory::workspace_ops::{PruneRename, combine, prune_and_rename, sorted};
use serde_json::Value;

fn read(rel: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn operations_match_pyhf() {
    let ws = read("tests/fixtures/complex_workspace.json");
    let g = read("tests/fixtures/goldens/hepwf/workspace_ops.json");
    let pruned = prune_and_rename(
        &ws,
        &PruneRename {
            prune_samples: strings(&["signal"]),
            prune_modifier_types: strings(&["histosys"]),
            prune_modifiers: strings(&["lumi"]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(pruned, g["prune"]);
    let pc = PruneRename {
        prune_channels: strings(&["CR"]),
        ..Default::default()
    };
    assert_eq!(prune_and_rename(&ws, &pc).unwrap(), g["prune_channel"]);
    let rn = PruneRename {
        rename_channels: map(&[("SR", "SR2"), ("CR", "CR2")]),
        rename_modifiers: map(&[("bkg_shape", "bkg_shape2")]),
        rename_samples: map(&[("signal", "sig")]),
        rename_measurements: map(&[("measurement", "meas2")]),
        ..Default::default()
    };
    let renamed = prune_and_rename(&ws, &rn).unwrap();
    assert_eq!(renamed, g["rename"]);
    assert_eq!(
        combine(&ws, &renamed, Join::None, false).unwrap(),
        g["combine_none"]
    );
    assert_eq!(
        combine(&ws, &ws, Join::Outer, false).unwrap(),
        g["combine_outer_self"]
    );
    let nosig = prune_and_rename(
        &ws,
        &PruneRename {
            prune_samples: strings(&["signal"]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        combine(&ws, &nosig, Join::LeftOuter, false).unwrap(),
        g["combine_left_outer"]
    );
    assert_eq!(sorted(&renamed), g["sorted"]);
    assert_eq!(
        Some(digest(&ws, "sha256").unwrap().as_str()),
        g["digest_sha256"].as_str()
    );
    assert_eq!(
        Some(digest(&ws, "md5").unwrap().as_str()),
        g["digest_md5"].as_str()
    );
}

#[test]
fn bad_operations_are_named() {
    let ws = read("tests/fixtures/complex_workspace.json");
    // Clashing channel names with join = none.
    let e = combine(&ws, &ws, Join::None, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("channels in common") && e.contains("SR"), "{e}");
    // Incompatible parameter configs under an outer join.
    let mut other = ws.clone();
    other["channels"] = Value::Array(vec![]);
    other["observations"] = Value::Array(vec![]);
    other["measurements"][0]["config"]["parameters"] =
        serde_json::json!([{"name": "lumi", "bounds": [[0.5, 1.5]]}]);
    let e = combine(&ws, &other, Join::Outer, false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("incompatible parameter configs") && e.contains("lumi"),
        "{e}"
    );
    // Pruning a name that does not exist.
    let e = prune_and_rename(
        &ws,
        &PruneRename {
            prune_samples: strings(&["nope"]),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("'nope' is not one of the samples"), "{e}");
    assert!(Join::parse("inner").is_err());
}
