//! NLL precision against 50-digit values (issue 13.5), from the goldens of
//! `scripts/make_precision_goldens.py` (tests/fixtures/goldens/precision):
//! twice_nll computed with mpmath from the spec, and pyhf's double value.
//!
//! The Poisson terms ν − n ln ν + lnΓ(n+1) cancel at large n (shapesys
//! constraints with τ up to 10¹², main bins with 10¹² counts): in pyhf's
//! form `xlogy(n, ν) − ν − gammaln(n+1)` a double keeps only
//! ~ε·(ν + n ln ν + lnΓ(n+1)) ≈ 10⁻³ of them. Ours (n·(d − ln(1+d)) +
//! S(n), `ns_histfactory` module `poisson`) keeps them to a few ulps of the
//! *result*. Where pyhf differs from the exact value by more than 10⁻⁹,
//! these tests show that the difference is pyhf's rounding: it lies within
//! the rounding bound of pyhf's form (16 ε × the sum of its parts'
//! magnitudes, recorded by the script), and ours is within 10⁻⁹.

use std::path::PathBuf;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, Workspace, reference};
use serde_json::Value;

const EPS: f64 = f64::EPSILON;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn goldens() -> Vec<(String, Value)> {
    let dir = fixtures().join("goldens/precision");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 9, "precision goldens: found {}", out.len());
    out
}

fn load(g: &Value) -> (Workspace, HistFactoryModel) {
    let path = fixtures().join(g["workspace"].as_str().unwrap());
    let ws = Workspace::from_path(&path).unwrap();
    let m = HistFactoryModel::from_workspace(&ws, &BuildOptions::default()).unwrap();
    let names: Vec<String> = g["par_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(m.param_names(), names.as_slice(), "par_names");
    (ws, m)
}

/// The tolerance on twice_nll: 10⁻⁹, plus a few ulps of the value (10⁹ at
/// the far random points, where 10⁻⁹ is below its ulp), plus what the
/// rounding of ν itself moves it by: ν is a product of ~6 rounded factors,
/// and a term moves by ε·|ν − n| per ulp of ν (at the far points
/// ν − n ≈ 5·10¹⁰; near the data it is ~10⁶ and adds ~10⁻⁹).
fn tol(p: &Value) -> f64 {
    let exact = p["twice_nll_exact"].as_f64().unwrap();
    let dev = p["twice_sum_abs_nu_minus_n"].as_f64().unwrap();
    1e-9 + 8.0 * EPS * (exact.abs() + dev)
}

#[test]
fn twice_nll_is_within_1e9_of_the_50_digit_value() {
    let mut pyhf_worse = 0;
    for (name, g) in goldens() {
        let (ws, m) = load(&g);
        let mut scratch = m.new_scratch();
        let data = m.observed().to_vec();
        for p in g["points"].as_array().unwrap() {
            let label = p["label"].as_str().unwrap();
            let x = floats(&p["pars"]);
            let exact = p["twice_nll_exact"].as_f64().unwrap();
            let pyhf = p["twice_nll_pyhf"].as_f64().unwrap();
            let ours = 2.0 * m.nll(m.observed(), &x, &mut scratch);
            let slow = 2.0 * reference::nll(&ws, &BuildOptions::default(), &m, &data, &x);
            for (what, v) in [("kernel", ours), ("reference", slow)] {
                assert!(
                    (v - exact).abs() <= tol(p),
                    "{name}/{label}: {what} {v} vs exact {exact} (diff {:e}; pyhf {:e})",
                    v - exact,
                    pyhf - exact
                );
            }
            // pyhf's difference is the rounding of its form, not a
            // different definition of the likelihood.
            let bound = 1e-10 * exact.abs().max(1.0)
                + 16.0 * EPS * p["twice_sum_abs_parts"].as_f64().unwrap();
            assert!(
                (pyhf - exact).abs() <= bound,
                "{name}/{label}: pyhf {pyhf} vs exact {exact} beyond its rounding bound {bound:e}"
            );
            if (pyhf - exact).abs() > tol(p) {
                pyhf_worse += 1;
                assert!((ours - exact).abs() < (pyhf - exact).abs());
            }
        }
    }
    // The synthetic workspaces are there to show it: pyhf is off by
    // 1e-4..1e-2 on most of their points.
    assert!(
        pyhf_worse >= 8,
        "pyhf beyond tolerance on {pyhf_worse} points"
    );
}

/// Per term (synthetic workspaces): the reference's and, summed, the
/// kernel's terms keep their relative precision. A term depends on ν,
/// which is itself a double (rounded to ε·ν): its share of the error is
/// ε·|ν ∂term/∂ν| = ε·|ν − n|, hence the bound 16ε(|term| + |ν − n|).
#[test]
fn every_term_keeps_its_relative_precision() {
    for (name, g) in goldens() {
        let (ws, m) = load(&g);
        let opts = BuildOptions::default();
        let data = m.observed().to_vec();
        for p in g["points"].as_array().unwrap() {
            let Some(terms) = p["terms"].as_object() else {
                continue;
            };
            let label = p["label"].as_str().unwrap();
            let x = floats(&p["pars"]);
            let nu = m.expected_data(&x, true);
            let ours = reference::nll_terms(&ws, &opts, &m, &data, &x);
            assert_eq!(ours.len(), terms.len(), "{name}/{label}: number of terms");
            let mut aux_i = m.n_main();
            for (i, (key, v)) in ours.iter().enumerate() {
                let exact = terms[key.as_str()]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{key}"));
                // Main bins and Poisson constraints: ν − n; Gaussians: 0.
                let (n, rate) = if i < m.n_main() {
                    (data[i], nu[i])
                } else {
                    let j = aux_i;
                    aux_i += 1;
                    (data[j], nu[j])
                };
                let spread = if key.starts_with("main[") || (rate - n).abs() > 0.0 {
                    (rate - n).abs()
                } else {
                    0.0
                };
                let bound = 16.0 * EPS * (exact.abs() + spread) + 1e-300;
                assert!(
                    (v - exact).abs() <= bound,
                    "{name}/{label} {key}: {v} vs exact {exact} (diff {:e}, bound {bound:e})",
                    v - exact
                );
            }
        }
    }
}

/// The gradient at τ up to 10¹² against the derivative of the 50-digit
/// NLL. ∂NLL/∂γ = τ(1 − a/γτ) is ~10⁶ at 1σ; computed as τ·d/(1+d) with
/// d from one fused multiply-add it keeps its relative precision, where
/// τ − aτ/(γτ) lost ~τε ≈ 10⁻⁴.
#[test]
fn gradient_matches_the_50_digit_derivative() {
    for (name, g) in goldens() {
        let (_, m) = load(&g);
        let mut scratch = m.new_scratch();
        let mut grad = vec![0.0; m.n_params()];
        for p in g["points"].as_array().unwrap() {
            let Some(exact) = p.get("grad_nll_exact") else {
                continue;
            };
            let label = p["label"].as_str().unwrap();
            let x = floats(&p["pars"]);
            let exact = floats(exact);
            m.nll_grad(m.observed(), &x, &mut grad, &mut scratch);
            let scale = exact.iter().fold(1.0f64, |a, v| a.max(v.abs()));
            for (k, (a, e)) in grad.iter().zip(&exact).enumerate() {
                // A component is Σ_b (ν_b − n_b)/ν_b · ∂ν_b/∂θ, and ν_b is a
                // double with a few ulps of rounding: relative to the
                // component that is ~kε·ν/|ν − n|, 10⁻¹⁰ at 10¹² counts 1σ
                // from the data. Hence 10⁻⁹ relative (of the component, and
                // 10⁻¹² of the largest one for components near 0).
                assert!(
                    (a - e).abs() <= 1e-12 * scale + 1e-9 * e.abs(),
                    "{name}/{label} ∂/∂{}: {a} vs exact {e} (diff {:e})",
                    m.param_names()[k],
                    a - e
                );
            }
        }
    }
}

/// Data outside the regular range (subnormal, ratios ν/n beyond the double
/// range) leave the vectorised pass for a scalar one; empty bins and
/// a = 0 stay in it. The kernel agrees with the reference in every case
/// and its gradient stays finite.
#[test]
fn edge_data_agree_with_the_reference() {
    let path = fixtures().join("simple_workspace.json");
    let ws = Workspace::from_path(&path).unwrap();
    let opts = BuildOptions::default();
    let m = HistFactoryModel::from_workspace(&ws, &opts).unwrap();
    let mut scratch = m.new_scratch();
    let mut grad = vec![0.0; m.n_params()];
    let x = m.suggested_init().to_vec();
    // Main bins, then the two shapesys aux (τ = 100 each).
    for flat in [
        vec![0.0, 65.0, 100.0, 0.0],
        vec![1e-307, 65.0, 1e-310, 100.0],
        vec![53.0, 1e300, 100.0, 5e-324],
        vec![1e-310, 0.0, 0.0, 1e-300],
    ] {
        let data = m.data_from_vec(&flat).unwrap();
        let ours = m.nll(&data, &x, &mut scratch);
        let with_grad = m.nll_grad(&data, &x, &mut grad, &mut scratch);
        let slow = reference::nll(&ws, &opts, &m, &flat, &x);
        assert!(
            (ours - slow).abs() <= 1e-13 * slow.abs().max(1.0),
            "{flat:?}: kernel {ours} vs reference {slow}"
        );
        assert_eq!(ours, with_grad, "{flat:?}");
        assert!(grad.iter().all(|g| g.is_finite()), "{flat:?}: {grad:?}");
    }
}
