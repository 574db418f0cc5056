//! Shared helpers of the ns-infer integration tests: fixtures, goldens,
//! tolerances.
#![allow(dead_code)]

use std::path::PathBuf;

use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings};
use serde_json::Value;

/// Asymptotic CLs, observed and expected: relative tolerance vs pyhf.
pub const CLS_REL: f64 = 1e-6;
/// Upper limits: relative tolerance vs pyhf's toms748 result.
pub const LIMIT_REL: f64 = 1e-4;
/// Profile scans: absolute tolerance on 2ΔNLL.
pub const SCAN_ABS: f64 = 1e-6;

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

pub fn read_json(path: &std::path::Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

pub fn settings_of(block: &Value) -> InterpSettings {
    let ms = &block["modifier_settings"];
    let mut s = InterpSettings::default();
    if let Some(c) = ms["normsys"]["interpcode"].as_str() {
        s.normsys = InterpCode::parse(c).unwrap();
    }
    if let Some(c) = ms["histosys"]["interpcode"].as_str() {
        s.histosys = InterpCode::parse(c).unwrap();
    }
    s
}

pub fn load(file: &str, interp: InterpSettings) -> HistFactoryModel {
    let opts = BuildOptions {
        interp,
        ..Default::default()
    };
    HistFactoryModel::from_path(&fixtures().join(file), &opts).unwrap()
}

/// `(setting name, block, model)` for every settings block of a golden
/// file `tests/fixtures/goldens/<stem>.json`.
pub fn golden_blocks(stem: &str) -> Vec<(String, Value, HistFactoryModel)> {
    let g = read_json(&fixtures().join(format!("goldens/{stem}.json")))
        .unwrap_or_else(|| panic!("golden file for {stem} missing"));
    let ws = g["workspace"].as_str().unwrap().to_string();
    g["settings"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, block)| (name.clone(), block.clone(), load(&ws, settings_of(block))))
        .collect()
}

/// `|a − b| <= rel |b|` (with exact equality for zeros), or both NaN.
pub fn rel_close(a: f64, b: f64, rel: f64) -> bool {
    a == b || (a - b).abs() <= rel * b.abs() || (a.is_nan() && b.is_nan())
}

pub fn f(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        _ => v.as_f64().unwrap(),
    }
}

pub fn fvec(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}
