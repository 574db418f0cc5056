//! Lowest minimum on NLLs with kinks (code0 histosys, code1 normsys): on our
//! own coupled-histosys workspaces (tests/fixtures/kinks, modelled on pyhf's
//! "2bin_2channel_coupledhistosys" validation case), the free and the
//! conditional (mu = 1) fits must be at least as low as the lowest minimum
//! pyhf's scipy (tol 1e-12) and minuit optimizers found from a grid of
//! starts on both sides of every kink (goldens by
//! scripts/make_kink_goldens.py), and q~ built from them is never negative.

use std::path::PathBuf;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings};
use ns_infer::mle::Fitter;
use ns_infer::test_statistics::{WarmStart, evaluate};
use ns_infer::{FitOptions, TestStatistic, fit, fit_fixed_poi};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

fn load(case: &str) -> (HistFactoryModel, Value) {
    let path = fixtures().join(format!("goldens/kinks/{case}.json"));
    let g: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let opts = BuildOptions {
        interp: InterpSettings {
            normsys: InterpCode::parse("code1").unwrap(),
            histosys: InterpCode::parse("code0").unwrap(),
        },
        ..Default::default()
    };
    let ws = fixtures().join(g["workspace"].as_str().unwrap());
    (HistFactoryModel::from_path(&ws, &opts).unwrap(), g)
}

fn check(case: &str) {
    let (m, g) = load(case);
    let free_ref = g["free"]["twice_nll"].as_f64().unwrap();
    let fixed_ref = g["fixed_poi_mu1"]["twice_nll"].as_f64().unwrap();
    let r = fit(&m, m.observed(), &FitOptions::default()).unwrap();
    assert!(r.converged(), "{case}: free fit status {}", r.status);
    assert!(
        r.twice_nll() <= free_ref + 1e-6,
        "{case}: free twice_nll {} above the lowest reference minimum {free_ref} (at {:?})",
        r.twice_nll(),
        r.bestfit
    );
    let c = fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
    assert!(c.converged(), "{case}: conditional fit status {}", c.status);
    assert!(
        c.twice_nll() <= fixed_ref + 1e-6,
        "{case}: conditional twice_nll {} above {fixed_ref}",
        c.twice_nll()
    );
    let mut fitter = Fitter::default();
    let q = evaluate(
        &mut fitter,
        TestStatistic::Qtilde,
        &m,
        m.observed(),
        1.0,
        &FitOptions::default(),
        WarmStart::default(),
        None,
    )
    .unwrap();
    assert!(
        q.value >= 0.0 && q.free.nll <= q.fixed.nll,
        "{case}: q~ {}",
        q.value
    );
    assert!(q.free.twice_nll() <= free_ref + 1e-6);
}

#[test]
fn coupled_histosys_ridge() {
    check("coupled_histosys_ridge");
}

/// Fails on main since the cancellation-free Poisson terms (item 5) were
/// merged beside the kink crossing: the free fit ends 4.5e-6 above the
/// lowest minimum in 2·NLL, with the code1 normsys `bkg2_norm` at −0.00196
/// where the minimum has +0.0029 (passed with the old constraint form).
/// Open in issue 13 item 3.
#[test]
#[ignore = "issue 13 item 3: free fit 4.5e-6 above the lowest minimum (bkg2_norm on the wrong side of its code1 kink)"]
fn coupled_histosys_normsys() {
    check("coupled_histosys_normsys");
}

#[test]
fn coupled_histosys_valley() {
    check("coupled_histosys_valley");
}

/// A free fit handed in that is worse than the conditional one (here: held
/// on the wrong side of the ridge) is refitted from the conditional minimum,
/// so the statistic is built from the lower free minimum, never negative.
#[test]
fn free_fit_refitted_from_the_conditional_minimum() {
    let (m, g) = load("coupled_histosys_ridge");
    let free_ref = g["free"]["twice_nll"].as_f64().unwrap();
    let alpha = m.param_index("coupled_histosys").unwrap();
    let stuck = FitOptions {
        fixed: vec![(alpha, -3.0)],
        ..FitOptions::default()
    };
    let bad_free = fit(&m, m.observed(), &stuck).unwrap();
    let mut fitter = Fitter::default();
    let cond = fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
    assert!(
        cond.nll < bad_free.nll,
        "the setup needs a handed-in free fit above the conditional one"
    );
    let q = evaluate(
        &mut fitter,
        TestStatistic::Q,
        &m,
        m.observed(),
        1.0,
        &FitOptions::default(),
        WarmStart::default(),
        Some(&bad_free),
    )
    .unwrap();
    assert!(q.free.nll <= q.fixed.nll);
    assert!(
        q.free.twice_nll() <= free_ref + 1e-6,
        "{}",
        q.free.twice_nll()
    );
    assert!(q.value >= 0.0);
}
