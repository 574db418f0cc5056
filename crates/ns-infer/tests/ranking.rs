//! Ranking: post-fit impacts agree with the linear (covariance) prediction
//! `Δμ ≈ ± cov(μ, θ) / σ_θ` where the likelihood is close to Gaussian, are
//! sorted, and pulls/constraints follow their definitions.

mod common;

use common::*;
use ns_core::Model;
use ns_infer::{FitOptions, fit, ranking};

#[test]
fn complex_workspace_impacts() {
    let m = load("complex_workspace.json", Default::default());
    let prefit: Vec<Option<f64>> = (0..m.n_params())
        .map(|i| m.constraint_width(i).map(|(_, w)| w))
        .collect();
    let r = ranking(&m, m.observed(), &FitOptions::default(), &prefit, None).unwrap();
    let g = fit(&m, m.observed(), &FitOptions::with_uncertainties()).unwrap();
    let cov = g.covariance.clone().unwrap();
    let n = m.n_params();
    let poi = m.poi_index().unwrap();
    assert_eq!(r.impacts.len(), n - 1);
    assert!((r.muhat - g.bestfit[poi]).abs() < 1e-6);
    let key = |i: &ns_infer::Impact| i.impact_up.abs() + i.impact_down.abs();
    assert!(r.impacts.windows(2).all(|w| key(&w[0]) >= key(&w[1])));
    for imp in &r.impacts {
        assert!(
            imp.failed_fits.is_empty(),
            "{}: {:?}",
            imp.name,
            imp.failed_fits
        );
        let i = imp.index;
        let linear = cov[poi * n + i] / g.uncertainties[i];
        // Away from the POI bound (mu_hat − |Δμ| > 0) the refit follows the
        // linear prediction to within 15% plus a small absolute slack.
        if r.muhat - linear.abs() > 0.05 {
            assert!(
                (imp.impact_up - linear).abs() < 0.15 * linear.abs() + 2e-3,
                "{}: up {} vs linear {linear}",
                imp.name,
                imp.impact_up
            );
            assert!(
                (imp.impact_down + linear).abs() < 0.15 * linear.abs() + 2e-3,
                "{}: down {} vs linear {}",
                imp.name,
                imp.impact_down,
                -linear
            );
        }
        match prefit[i] {
            Some(s) => {
                let pull = (g.bestfit[i] - m.suggested_init()[i]) / s;
                assert!((imp.pull.unwrap() - pull).abs() < 1e-3, "{}", imp.name);
                assert!((imp.constraint.unwrap() - g.uncertainties[i] / s).abs() < 1e-3);
                assert!(imp.prefit_impact_up.is_some() && imp.prefit_impact_down.is_some());
            }
            None => assert!(imp.pull.is_none() && imp.prefit_impact_up.is_none()),
        }
    }
    // The same ranking on one thread: identical.
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let r1 =
        one.install(|| ranking(&m, m.observed(), &FitOptions::default(), &prefit, None).unwrap());
    assert_eq!(r, r1);
}
