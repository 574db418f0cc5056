//! Reading the statsmodels goldens in tests/fixtures/timeseries (written by
//! scripts/make_timeseries_goldens.py).
#![allow(dead_code)]

use std::path::PathBuf;

use ns_timeseries::{Initialization, Matrix, StateSpace};
use serde_json::Value;

/// Log-likelihood: relative tolerance (issue 19).
pub const LLF_REL: f64 = 1e-9;
/// States: `|a - b| <= STATE_TOL * max(1, |b|)` (issue 19).
pub const STATE_TOL: f64 = 1e-8;

pub fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/timeseries")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("golden JSON")
}

/// A flat array with `null` as NaN.
pub fn arr(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().unwrap_or(f64::NAN))
        .collect()
}

fn mat(doc: &Value, key: &str, rows: usize, cols: usize) -> Matrix {
    Matrix::from_row_major(rows, cols, arr(&doc[key])).unwrap()
}

fn size(doc: &Value, key: &str) -> usize {
    doc[key].as_u64().unwrap() as usize
}

/// The model a filter golden describes.
pub fn model(doc: &Value) -> StateSpace {
    let (p, m, r) = (size(doc, "p"), size(doc, "m"), size(doc, "r"));
    let init = &doc["init"];
    let init = match init["kind"].as_str().unwrap() {
        "known" => Initialization::Known {
            a0: arr(&init["a0"]),
            p0: Matrix::from_row_major(m, m, arr(&init["P0"])).unwrap(),
        },
        "stationary" => Initialization::Stationary,
        "approximate_diffuse" => Initialization::ApproximateDiffuse {
            variance: init["variance"].as_f64().unwrap(),
        },
        "diffuse" => Initialization::Diffuse,
        k => panic!("unknown init {k}"),
    };
    StateSpace::new(
        mat(doc, "Z", p, m),
        mat(doc, "T", m, m),
        mat(doc, "R", m, r),
        mat(doc, "Q", r, r),
        mat(doc, "H", p, p),
        init,
    )
    .unwrap()
    .with_intercepts(arr(&doc["d"]), arr(&doc["c"]))
    .unwrap()
}

pub fn assert_rel(got: f64, want: f64, rel: f64, what: &str) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {got:.15e}, want {want:.15e} (rel {err:.2e} > {rel:.0e})"
    );
}

/// Elementwise `|a - b| <= tol * max(1, |b|)`.
pub fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        assert!(
            err <= tol * w.abs().max(1.0),
            "{what}[{i}]: got {g:.15e}, want {w:.15e} (abs err {err:.2e})"
        );
    }
}
