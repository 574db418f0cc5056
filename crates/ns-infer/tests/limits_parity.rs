//! Upper limits against pyhf 0.7.6 goldens: `toms748_scan` (pyhf defaults
//! atol = 2e-12, rtol = 1e-4) and the 21-point linear grid scan
//! (`upper_limit(..., scan=np.linspace(0, hi, 21))`), observed and the five
//! expected limits, for every small fixture and both interpolation settings.

mod common;

use common::*;
use ns_core::Model;
use ns_infer::intervals::{TOMS748_ATOL, TOMS748_RTOL};
use ns_infer::{
    AsymptoticCalculator, FitOptions, TestStatistic, upper_limit_scan, upper_limit_toms748,
};

fn check(stem: &str) {
    for (setting, block, m) in golden_blocks(stem) {
        let g = &block["upper_limit"];
        if g.get("obs").is_none() {
            continue;
        }
        let calc = AsymptoticCalculator::new(
            &m,
            m.observed(),
            &FitOptions::default(),
            TestStatistic::Qtilde,
        )
        .unwrap();
        let b = fvec(&g["bounds"]);
        let level = f(&g["level"]);
        let r = upper_limit_toms748(&calc, b[0], b[1], level, TOMS748_ATOL, TOMS748_RTOL).unwrap();
        let ctx = format!("{stem}/{setting}/toms748");
        eprintln!(
            "{ctx}: obs {} vs {}; exp {:?} vs {:?}; {} hypotests (pyhf {})",
            r.obs_limit,
            f(&g["obs"]),
            r.exp_limits,
            fvec(&g["exp"]),
            r.n_hypotests,
            g["n_hypotests"]
        );
        assert!(
            rel_close(r.obs_limit, f(&g["obs"]), LIMIT_REL),
            "{ctx}: obs {} vs {}",
            r.obs_limit,
            f(&g["obs"])
        );
        for (k, (a, w)) in r.exp_limits.iter().zip(fvec(&g["exp"])).enumerate() {
            assert!(rel_close(*a, w, LIMIT_REL), "{ctx}: exp[{k}] {a} vs {w}");
        }
        // Brazil band: sorted by mu, one point per hypotest.
        assert_eq!(r.points.len(), r.n_hypotests);
        assert!(r.points.windows(2).all(|w| w[0].mu < w[1].mu));

        let gs = &block["upper_limit_scan"];
        let scan = fvec(&gs["scan"]);
        let r = upper_limit_scan(&calc, &scan, level, None).unwrap();
        let ctx = format!("{stem}/{setting}/grid");
        assert!(
            rel_close(r.obs_limit, f(&gs["obs"]), LIMIT_REL),
            "{ctx}: obs {} vs {}",
            r.obs_limit,
            f(&gs["obs"])
        );
        for (k, (a, w)) in r.exp_limits.iter().zip(fvec(&gs["exp"])).enumerate() {
            assert!(rel_close(*a, w, LIMIT_REL), "{ctx}: exp[{k}] {a} vs {w}");
        }
        for (p, w) in r.points.iter().zip(fvec(&gs["cls_obs"])) {
            assert!(
                rel_close(p.cls_obs, w, 1e-4),
                "{ctx}: CLs({}) {} vs {w}",
                p.mu,
                p.cls_obs
            );
        }
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

#[test]
fn bracket_errors_are_reported() {
    let m = load("simple_workspace.json", Default::default());
    let calc = AsymptoticCalculator::new(
        &m,
        m.observed(),
        &FitOptions::default(),
        TestStatistic::Qtilde,
    )
    .unwrap();
    // The +2σ expected CLs at mu = 10 (the POI upper bound) is ~4e-15: above
    // a level of 1e-16, and the upper end cannot be doubled within bounds.
    let e = upper_limit_toms748(&calc, 0.0, 10.0, 1e-16, TOMS748_ATOL, TOMS748_RTOL).unwrap_err();
    assert!(e.to_string().contains("POI bounds"), "{e}");
    let e = upper_limit_toms748(&calc, 0.0, 1.0, 1.5, TOMS748_ATOL, TOMS748_RTOL).unwrap_err();
    assert!(e.to_string().contains("(0, 1)"), "{e}");
    let poi = m.poi_index().unwrap();
    assert_eq!(poi, 0);
}
