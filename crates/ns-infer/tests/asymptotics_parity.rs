//! Asymptotic CLs (qtilde and q at mu = 1), discovery significance and
//! profile scans against pyhf 0.7.6, for every fixture and both
//! interpolation-code settings (pyhf 0.7 defaults code4/code4p, and
//! code1/code0), at two levels:
//!
//! * `tests/fixtures/goldens/infer/` (scripts/make_infer_goldens.py): pyhf
//!   with converged fits (scipy SLSQP at tolerance 1e-14). CLs observed and
//!   expected, p0 and Z within 1e-6 relative, 2ΔNLL within 1e-6 absolute.
//! * `tests/fixtures/goldens/` (scripts/make_goldens.py): pyhf with its
//!   default SLSQP settings, which stop 1e-6..1e-5 (in 2NLL) above the
//!   minimum. Looser tolerance (`DEFAULT_SLSQP_*`), because that gap, not
//!   our formulas, sets the difference: e.g. simple_workspace q_A is
//!   1.3004080 with pyhf's default fits and 1.3004271 with converged ones
//!   (ours: 1.3004271), moving CLs by 3.9e-6 relative; godrun's scan point
//!   mu = 0.5 differs by 1.1e-5 (converged pyhf and ours agree to 1e-8).

mod common;

use common::*;
use ns_core::Model;
use ns_infer::{FitOptions, TestStatistic, hypotest, profile_scan, significance};
use serde_json::Value;

/// Relative CLs tolerance against pyhf with default (unconverged) SLSQP fits.
const DEFAULT_SLSQP_CLS_REL: f64 = 1e-4;
/// Absolute 2ΔNLL tolerance against pyhf with default SLSQP fits.
const DEFAULT_SLSQP_SCAN_ABS: f64 = 1e-4;

/// Fits allowed to "fail": two_channel has a single parameter (the POI), and
/// at mu = 0 it predicts zero events where events are observed, so the
/// conditional fit at mu = 0 has +inf NLL everywhere (pyhf: 2ΔNLL = inf).
fn allowed_failures(stem: &str) -> &'static [&'static str] {
    if stem.starts_with("two_channel_workspace") {
        &["asimov_pars"]
    } else {
        &[]
    }
}

fn check_hypotest(
    stem: &str,
    setting: &str,
    block: &Value,
    m: &ns_histfactory::HistFactoryModel,
    cls_rel: f64,
) {
    for (key, ts) in [
        ("hypotest_mu1", TestStatistic::Qtilde),
        ("hypotest_q_mu1", TestStatistic::Q),
    ] {
        let g = &block[key];
        if g.get("cls_obs").is_none() {
            continue;
        }
        let r = hypotest(m, m.observed(), 1.0, &FitOptions::default(), ts).unwrap();
        let ctx = format!("{stem}/{setting}/{key}");
        eprintln!(
            "{ctx}: cls_obs {} vs {} (rel {:.2e}); q_obs {}, q_A {}",
            r.cls_obs,
            f(&g["cls_obs"]),
            (r.cls_obs / f(&g["cls_obs"]) - 1.0).abs(),
            r.q_obs,
            r.q_asimov
        );
        let unexpected: Vec<_> = r
            .failed_fits
            .iter()
            .filter(|(n, _)| !allowed_failures(stem).contains(n))
            .collect();
        assert!(unexpected.is_empty(), "{ctx}: failed fits {unexpected:?}");
        assert!(
            rel_close(r.cls_obs, f(&g["cls_obs"]), cls_rel),
            "{ctx}: cls_obs {} vs {}",
            r.cls_obs,
            f(&g["cls_obs"])
        );
        assert!(
            rel_close(r.clsb_obs, f(&g["clsb_obs"]), cls_rel),
            "{ctx}: clsb_obs"
        );
        assert!(
            rel_close(r.clb_obs, f(&g["clb_obs"]), cls_rel),
            "{ctx}: clb_obs"
        );
        for (k, (a, b)) in r.cls_exp.iter().zip(fvec(&g["cls_exp"])).enumerate() {
            assert!(rel_close(*a, b, cls_rel), "{ctx}: cls_exp[{k}] {a} vs {b}");
        }
    }
}

fn check_significance(
    stem: &str,
    setting: &str,
    block: &Value,
    m: &ns_histfactory::HistFactoryModel,
    cls_rel: f64,
) {
    let g = &block["significance"];
    if g.get("p0_obs").is_none() {
        return;
    }
    let r = significance(m, m.observed(), &FitOptions::default()).unwrap();
    let ctx = format!("{stem}/{setting}/significance");
    eprintln!(
        "{ctx}: p0 {} vs {}, z_exp {} vs {}",
        r.p0_obs,
        f(&g["p0_obs"]),
        r.z_exp,
        f(&g["z_exp"])
    );
    for (a, key) in [
        (r.p0_obs, "p0_obs"),
        (r.p0_exp, "p0_exp"),
        (r.z_obs, "z_obs"),
        (r.z_exp, "z_exp"),
    ] {
        assert!(
            rel_close(a, f(&g[key]), cls_rel),
            "{ctx}: {key} {a} vs {}",
            f(&g[key])
        );
    }
}

fn check_scan(
    stem: &str,
    setting: &str,
    block: &Value,
    m: &ns_histfactory::HistFactoryModel,
    abs: f64,
) {
    let g = &block["scan"];
    if g.get("mus").is_none() {
        return;
    }
    let mus = fvec(&g["mus"]);
    let want = fvec(&g["twice_delta_nll"]);
    let r = profile_scan(m, m.observed(), &mus, &FitOptions::default(), None).unwrap();
    let poi = m.poi_index().unwrap();
    for (p, w) in r.points.iter().zip(&want) {
        let ctx = format!("{stem}/{setting}/scan mu={}", p.mu);
        if w.is_infinite() {
            assert!(
                p.twice_delta_nll.is_infinite(),
                "{ctx}: {} vs inf",
                p.twice_delta_nll
            );
            continue;
        }
        assert!(p.status.converged(), "{ctx}: status {}", p.status);
        assert_eq!(p.bestfit[poi], p.mu);
        assert!(
            (p.twice_delta_nll - w).abs() <= abs,
            "{ctx}: 2dNLL {} vs {w}",
            p.twice_delta_nll
        );
    }
}

fn check(stem: &str) {
    let tight =
        read_json(&fixtures().join(format!("goldens/infer/{stem}.json"))).unwrap_or_else(|| {
            panic!("goldens/infer/{stem}.json missing: run scripts/make_infer_goldens.py")
        });
    for (setting, block, m) in golden_blocks(stem) {
        let t = &tight["settings"][setting.as_str()];
        assert!(
            t.is_object(),
            "{stem}: no converged-fit goldens for {setting}"
        );
        check_hypotest(stem, &setting, t, &m, CLS_REL);
        check_significance(stem, &setting, t, &m, CLS_REL);
        check_scan(stem, &setting, t, &m, SCAN_ABS);
        let ctx = format!("{stem} (default SLSQP goldens)");
        check_hypotest(&ctx, &setting, &block, &m, DEFAULT_SLSQP_CLS_REL);
        check_significance(&ctx, &setting, &block, &m, DEFAULT_SLSQP_CLS_REL);
        check_scan(&ctx, &setting, &block, &m, DEFAULT_SLSQP_SCAN_ABS);
    }
}

#[test]
fn simple_workspace() {
    check("simple_workspace");
}

#[test]
fn two_channel_workspace() {
    check("two_channel_workspace");
}

#[test]
fn complex_workspace() {
    check("complex_workspace");
}

#[test]
fn godrun_workspace() {
    check("godrun_workspace");
}
