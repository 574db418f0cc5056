//! Fits of published-like likelihoods (tests/fixtures/stress, written by
//! scripts/make_stress_workspaces.py: 78-237 parameters, shapesys with τ up
//! to 1e12, normsys widths 1e-6..0.5) against the lowest minima of pyhf's
//! scipy (tol 1e-12) and iminuit's MIGRAD (strategy 2) in
//! tests/fixtures/goldens/stress (scripts/make_stress_goldens.py).

use std::path::PathBuf;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::{FitOptions, fit, fit_fixed_poi};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn goldens() -> Vec<(String, Value)> {
    let dir = fixtures().join("goldens/stress");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let g = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), g)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= 4,
        "expected the stress goldens in {}",
        dir.display()
    );
    out
}

/// Tolerance on twice_nll: 1e-6, plus the golden's `constraint_rounding`,
/// pyhf's own double-precision rounding of its Poisson constraint terms
/// (parts of size τ ln τ ~ 1e13 cancelling to O(1): ~1e-3 in twice_nll at
/// τ = 1e12, issue 13 item 5). Ours are computed without cancellation
/// now, but the reference minima are pyhf's (and MIGRAD's on pyhf's NLL)
/// values, exact only to that rounding.
fn tolerance(g: &Value) -> f64 {
    1e-6 + g["constraint_rounding"].as_f64().unwrap()
}

fn model(g: &Value) -> HistFactoryModel {
    let ws = fixtures().join(g["workspace"].as_str().unwrap());
    HistFactoryModel::from_path(&ws, &BuildOptions::default()).unwrap()
}

#[test]
fn minima_not_above_pyhf_and_minuit() {
    for (stem, g) in goldens() {
        let m = model(&g);
        let tol = tolerance(&g);
        let r = fit(&m, m.observed(), &FitOptions::default()).unwrap();
        if let Some(best) = g["free"]["twice_nll"].as_f64() {
            assert!(
                r.twice_nll() <= best + tol,
                "{stem}: free twice_nll {} above the lowest reference {best} (tol {tol}; status {})",
                r.twice_nll(),
                r.status
            );
        }
        let c = fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
        if let Some(best) = g["fixed_poi_mu1"]["twice_nll"].as_f64() {
            assert!(
                c.twice_nll() <= best + tol,
                "{stem}: conditional twice_nll {} above {best} (tol {tol}; status {})",
                c.twice_nll(),
                c.status
            );
        }
        assert_eq!(m.n_params(), g["n_params"].as_u64().unwrap() as usize);
    }
}

/// Every stress fit must end converged. With the Poisson constraint terms
/// in their cancelling form the NLL carried rounding noise of ~1e-3 and the
/// line search could not resolve the last steps (all eight ended
/// `line_search_failed`); with the cancellation-free terms (item 5) and the
/// preconditioned restarts of `Fitter::fit` they converge.
#[test]
fn fits_converge() {
    for (stem, g) in goldens() {
        let m = model(&g);
        let r = fit(&m, m.observed(), &FitOptions::default()).unwrap();
        assert!(r.converged(), "{stem}: free fit status {}", r.status);
        let c = fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
        assert!(c.converged(), "{stem}: conditional fit status {}", c.status);
    }
}
