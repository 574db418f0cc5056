//! Best fits against pyhf goldens (tests/fixtures/goldens): the minimum must
//! be at least as low as pyhf's scipy fit (twice_nll not above by > 1e-6),
//! and the POI uncertainty within 1% of Minuit's HESSE on pyhf's likelihood.
//!
//! Why not pyhf's own `fit(..., return_uncertainties=True)` numbers: with
//! bounded parameters Minuit computes HESSE in its sin-transformed internal
//! coordinates, which distorts the errors near a bound (simple_workspace:
//! POI error 0.8506 with limits, 0.8734 without; the exact inverse Hessian
//! gives 0.8738). The reference (`goldens/hesse/*.json`, made by
//! `scripts/make_hesse_goldens.py`) is HESSE without limits at pyhf's best fit.

use std::path::PathBuf;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings};
use ns_infer::{FitOptions, fit, fit_fixed_poi};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn settings_of(block: &Value) -> InterpSettings {
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

/// Where Minuit's HESSE itself disagrees with pyhf's profile likelihood, the
/// POI error is checked against the profile likelihood instead (below).
/// tttt (default codes): HESSE gives 0.377, but pyhf's own fixed-POI fits at
/// μ̂ ± 0.377 give 2ΔNLL of only ~0.4 and ~0.5 (PYHF_TTTT_PROFILE), while at
/// μ̂ ± 0.566 (our Hessian error) they give ~0.9 and ~1.1.
const HESSE_DISAGREES_WITH_PROFILE: &[(&str, &str)] = &[("tttt-prod_workspace", "default")];

/// The Hessian POI error must describe the profile likelihood: 2ΔNLL at
/// μ̂ ± σ averages to 1 within 15% (exactly 1 for a parabola).
fn check_profile_width(m: &HistFactoryModel, r: &ns_core::FitResult, label: &str) {
    let poi = m.poi_index().unwrap();
    let (mu, sigma) = (r.bestfit[poi], r.uncertainties[poi]);
    let (lo, hi) = m.suggested_bounds()[poi];
    let mut sum = 0.0;
    let mut n = 0;
    for target in [mu - sigma, mu + sigma] {
        if target < lo || target > hi {
            continue;
        }
        let c = fit_fixed_poi(m, m.observed(), target, &FitOptions::default()).unwrap();
        sum += c.twice_nll() - r.twice_nll();
        n += 1;
    }
    let mean = sum / n as f64;
    assert!(
        (mean - 1.0).abs() < 0.15,
        "{label}: 2ΔNLL at μ̂ ± σ averages {mean} (σ = {sigma})"
    );
}

fn check(stem: &str) {
    let path = fixtures().join(format!("goldens/{stem}.json"));
    let g: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let hesse_path = fixtures().join(format!("goldens/hesse/{stem}.json"));
    let hesse: Value =
        serde_json::from_str(&std::fs::read_to_string(&hesse_path).unwrap()).unwrap();
    for (setting, block) in g["settings"].as_object().unwrap() {
        let opts = BuildOptions {
            interp: settings_of(block),
            ..Default::default()
        };
        let m =
            HistFactoryModel::from_path(&fixtures().join(g["workspace"].as_str().unwrap()), &opts)
                .unwrap();
        let r = fit(&m, m.observed(), &FitOptions::with_uncertainties()).unwrap();
        let ours = r.twice_nll();
        if let Some(pyhf) = block["fit"]["twice_nll"].as_f64() {
            assert!(
                ours <= pyhf + 1e-6,
                "{stem}/{setting}: twice_nll {ours} above pyhf's {pyhf} (status {}, {} evals)",
                r.status,
                r.n_eval
            );
        }
        assert!(r.converged(), "{stem}/{setting}: status {}", r.status);
        let poi = m.poi_index().unwrap();
        // A Hessian is a local quantity: where a parameter with a kink at 0
        // (code0/code1 interpolation) sits within HESSE's finite-difference
        // step of its kink, HESSE averages the two branches and the number
        // depends on the step (tttt with code1/code0: POI error 0.148 from
        // HESSE, 0.584 from the curvature of the branch the minimum is on).
        // The comparison is only meaningful away from kinks.
        let near_kink = m
            .kink_params()
            .iter()
            .any(|&i| r.bestfit[i].abs() < 0.05 && !m.suggested_fixed()[i]);
        let reference = hesse["settings"][setting.as_str()]["uncertainties"].as_array();
        let hesse_unreliable = HESSE_DISAGREES_WITH_PROFILE.contains(&(stem, setting.as_str()));
        if let (Some(unc), false, false) = (reference, near_kink, hesse_unreliable) {
            let pyhf_unc = unc[poi].as_f64().unwrap();
            let rel = (r.uncertainties[poi] - pyhf_unc).abs() / pyhf_unc;
            assert!(
                rel < 0.01,
                "{stem}/{setting}: POI uncertainty {} vs HESSE on pyhf {pyhf_unc}",
                r.uncertainties[poi]
            );
        }
        if hesse_unreliable {
            check_profile_width(&m, &r, &format!("{stem}/{setting}"));
        }
        if let Some(pyhf) = block["fit_fixed_poi_mu1"]["twice_nll"].as_f64() {
            let c = fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
            assert!(
                c.twice_nll() <= pyhf + 1e-6,
                "{stem}/{setting}: conditional {} vs {pyhf}",
                c.twice_nll()
            );
        }
    }
}

#[test]
fn simple() {
    check("simple_workspace");
}
#[test]
fn two_channel() {
    check("two_channel_workspace");
}
#[test]
fn complex() {
    check("complex_workspace");
}
#[test]
fn godrun() {
    check("godrun_workspace");
}
#[test]
fn thu() {
    check("workspace_tHu");
}
#[test]
fn tttt() {
    check("tttt-prod_workspace");
}
