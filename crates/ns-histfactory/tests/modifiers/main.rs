//! Each modifier type on tiny inline workspaces, against values computed by
//! hand in the test (the arithmetic is written out), plus parameter naming,
//! ordering and measurement configuration. One test binary; the modules
//! group the cases by modifier kind.

#[path = "../common/mod.rs"]
mod common;
mod interpolation;
mod parameters;
mod per_bin;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings};

const RTOL: f64 = 1e-12;

/// ½ ln(2π), the Gaussian normalisation per constraint.
fn half_ln_2pi() -> f64 {
    0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// ln n! = Σ_{k=2}^{n} ln k, the Poisson normalisation (n integer here).
fn ln_factorial(n: u32) -> f64 {
    (2..=n).map(|k| f64::from(k).ln()).sum()
}

/// −ln Poisson(n | ν) = ν − n ln ν + ln n!.
fn pois(n: u32, nu: f64) -> f64 {
    let n_ln_nu = if n == 0 { 0.0 } else { f64::from(n) * nu.ln() };
    nu - n_ln_nu + ln_factorial(n)
}

/// −ln Normal(aux | θ, σ) = ½((aux − θ)/σ)² + ln σ + ½ ln 2π.
fn gauss(aux: f64, theta: f64, sigma: f64) -> f64 {
    let z = (aux - theta) / sigma;
    0.5 * z * z + sigma.ln() + half_ln_2pi()
}

/// One channel `SR` with the given samples (JSON array body), observations
/// and measurement parameter configs.
fn ws(samples: &str, obs: &str, poi: &str, params: &str) -> String {
    format!(
        r#"{{
  "channels": [{{"name": "SR", "samples": [{samples}]}}],
  "observations": [{{"name": "SR", "data": {obs}}}],
  "measurements": [{{"name": "meas", "config": {{"poi": "{poi}", "parameters": [{params}]}}}}],
  "version": "1.0.0"
}}"#
    )
}

fn build(json: &str, interp: InterpSettings) -> HistFactoryModel {
    let opts = BuildOptions {
        interp,
        source_name: "inline".into(),
        ..Default::default()
    };
    HistFactoryModel::from_json_str(json, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn codes(normsys: InterpCode, histosys: InterpCode) -> InterpSettings {
    InterpSettings { normsys, histosys }
}

/// Parameter vector from (name, value) pairs, starting at the suggested init.
fn at(model: &HistFactoryModel, values: &[(&str, f64)]) -> Vec<f64> {
    let mut x = model.suggested_init().to_vec();
    for &(name, v) in values {
        let i = model
            .param_index(name)
            .unwrap_or_else(|| panic!("no parameter {name} in {:?}", model.param_names()));
        x[i] = v;
    }
    x
}

fn assert_vec_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            common::rel_close(*g, *w, RTOL) || (g - w).abs() < 1e-13,
            "{what}: element {i}: got {g}, want {w} (all: {got:?} vs {want:?})"
        );
    }
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        common::rel_close(got, want, RTOL),
        "{what}: got {got}, want {want}"
    );
}

fn nll_observed(model: &HistFactoryModel, x: &[f64]) -> f64 {
    let v = model.nll(model.observed(), x, &mut model.new_scratch());
    let mut g = vec![0.0; x.len()];
    let vg = model.nll_grad(model.observed(), x, &mut g, &mut model.new_scratch());
    assert_eq!(v.to_bits(), vg.to_bits(), "nll vs nll_grad value");
    v
}
