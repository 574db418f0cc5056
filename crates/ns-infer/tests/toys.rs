//! Toy-based CLs: agreement with pyhf's ToyCalculator within the binomial
//! error of the toy counts, bit-identical results across thread counts,
//! cancellation, and the failure modes (failed fits counted, bad
//! arguments rejected).

mod common;

use std::sync::atomic::AtomicBool;

use common::*;
use ns_core::Model;
use ns_infer::{FitOptions, InferError, ToyOptions, hypotest_toys};
use ns_optim::LbfgsbOptions;

fn pool(n: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .unwrap()
}

/// Our toys (N = `n`) against pyhf's (goldens/infer/<stem>.json,
/// `toys_mu1`): CLs+b, CLb and CLs observed, and the median expected CLs,
/// within 4.5 combined standard errors (binomial for the p-values,
/// propagated for their ratio). 4.5σ: ~1 false failure in 10^5 per check.
fn check_against_pyhf(stem: &str, n: usize) {
    let g = read_json(&fixtures().join(format!("goldens/infer/{stem}.json"))).unwrap();
    let t = &g["settings"]["default"]["toys_mu1"];
    let n_py = t["ntoys"].as_u64().unwrap() as f64;
    let m = load(&format!("{stem}.json"), Default::default());
    let toy = ToyOptions {
        n_toys: n,
        seed: 7,
        ..Default::default()
    };
    let r = hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy).unwrap();
    assert_eq!(r.sb.test_stats.len(), n);
    assert_eq!(r.b.test_stats.len(), n);
    assert_eq!(r.sb.n_failed + r.b.n_failed, 0, "{stem}: failed toy fits");
    let se = |p: f64| (p * (1.0 - p) / n as f64 + p * (1.0 - p) / n_py).sqrt();
    let (sb_py, b_py, cls_py) = (f(&t["clsb_obs"]), f(&t["clb_obs"]), f(&t["cls_obs"]));
    eprintln!(
        "{stem}: CLs {} (pyhf {cls_py}), CLs+b {} ({sb_py}), CLb {} ({b_py}); exp {:?} (pyhf {:?})",
        r.cls_obs,
        r.clsb_obs,
        r.clb_obs,
        r.cls_exp,
        fvec(&t["cls_exp"])
    );
    let k = 4.5;
    assert!(
        (r.clsb_obs - sb_py).abs() <= k * se(sb_py),
        "{stem}: CLs+b {} vs {sb_py}",
        r.clsb_obs
    );
    assert!(
        (r.clb_obs - b_py).abs() <= k * se(b_py),
        "{stem}: CLb {} vs {b_py}",
        r.clb_obs
    );
    let se_cls = cls_py * ((se(sb_py) / sb_py).powi(2) + (se(b_py) / b_py).powi(2)).sqrt();
    assert!(
        (r.cls_obs - cls_py).abs() <= k * se_cls,
        "{stem}: CLs {} vs {cls_py}",
        r.cls_obs
    );
    let med_py = f(&t["cls_exp"][2]);
    let se_med = med_py * (1.0 / n as f64 + 1.0 / n_py).sqrt() * 2.0;
    assert!(
        (r.cls_exp[2] - med_py).abs() <= k * se_med.max(0.01),
        "{stem}: median expected CLs {} vs {med_py}",
        r.cls_exp[2]
    );
}

#[test]
fn simple_matches_pyhf_toys() {
    check_against_pyhf("simple_workspace", 4000);
}

#[test]
fn complex_matches_pyhf_toys() {
    check_against_pyhf("complex_workspace", 2000);
}

#[test]
fn bit_identical_across_thread_counts() {
    for (file, n) in [
        ("simple_workspace.json", 300),
        ("godrun_workspace.json", 100),
    ] {
        let m = load(file, Default::default());
        let toy = ToyOptions {
            n_toys: n,
            seed: 12345,
            ..Default::default()
        };
        let run = |threads| {
            pool(threads)
                .install(|| hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy))
                .unwrap()
        };
        let one = run(1);
        for threads in [2, 3] {
            let other = run(threads);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&one.sb.test_stats),
                bits(&other.sb.test_stats),
                "{file}: s+b, {threads} threads"
            );
            assert_eq!(
                bits(&one.b.test_stats),
                bits(&other.b.test_stats),
                "{file}: b, {threads} threads"
            );
            assert_eq!(one.cls_obs.to_bits(), other.cls_obs.to_bits());
            assert_eq!(one, other);
        }
        // A different seed gives different toys.
        let toy2 = ToyOptions {
            seed: 12346,
            ..toy.clone()
        };
        let r2 = hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy2).unwrap();
        assert_ne!(r2.sb.test_stats, one.sb.test_stats);
    }
}

#[test]
fn failed_fits_are_counted_not_dropped() {
    let m = load("complex_workspace.json", Default::default());
    let toy = ToyOptions {
        n_toys: 50,
        seed: 1,
        // Two iterations cannot converge an 8-parameter fit from a toy.
        toy_optimizer: Some(LbfgsbOptions {
            max_iter: 2,
            ..Default::default()
        }),
        ..Default::default()
    };
    let r = hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy).unwrap();
    assert_eq!(r.sb.test_stats.len(), 50);
    assert_eq!(r.b.test_stats.len(), 50);
    assert!(r.sb.n_failed > 0 && r.b.n_failed > 0);
    assert_eq!(r.sb.n_failed, r.sb.failed.len());
    for &(i, free, fixed) in &r.sb.failed {
        assert!(i < 50);
        assert!(!(free.converged() && fixed.converged()));
    }
}

#[test]
fn cancellation_and_bad_arguments() {
    let m = load("simple_workspace.json", Default::default());
    let cancel = AtomicBool::new(true);
    let toy = ToyOptions {
        n_toys: 20,
        cancel: Some(&cancel),
        ..Default::default()
    };
    let e = hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy).unwrap_err();
    assert!(matches!(e, InferError::Cancelled), "{e}");

    let toy = ToyOptions {
        n_toys: 5,
        ..Default::default()
    };
    // mu outside the POI bounds [0, 10].
    let e = hypotest_toys(&m, m.observed(), 11.0, &FitOptions::default(), &toy).unwrap_err();
    assert!(matches!(e, InferError::OutOfBounds { .. }), "{e}");
    assert!(e.to_string().contains("outside its bounds"), "{e}");
    // POI fixed by the user.
    let poi = m.poi_index().unwrap();
    let fixed = FitOptions {
        fixed: vec![(poi, 1.0)],
        ..Default::default()
    };
    let e = hypotest_toys(&m, m.observed(), 1.0, &fixed, &toy).unwrap_err();
    assert!(matches!(e, InferError::PoiFixed(_)), "{e}");
    let e = ns_infer::hypotest(&m, m.observed(), 1.0, &fixed, Default::default()).unwrap_err();
    assert!(matches!(e, InferError::PoiFixed(_)), "{e}");
    // Zero toys.
    let toy0 = ToyOptions::default();
    assert!(hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy0).is_err());
    // A POI without bounds cannot be scanned outside them either: unbounded
    // (infinite) bounds are accepted and the point is fitted.
    let free_bounds = FitOptions {
        bounds: Some(vec![
            (f64::NEG_INFINITY, f64::INFINITY),
            (1e-10, 10.0),
            (1e-10, 10.0),
        ]),
        ..Default::default()
    };
    let s = ns_infer::profile_scan(&m, m.observed(), &[-0.5, 0.5], &free_bounds, None).unwrap();
    assert!(s.points.iter().all(|p| p.status.converged()));
    let e = ns_infer::profile_scan(&m, m.observed(), &[-0.5], &FitOptions::default(), None)
        .unwrap_err();
    assert!(matches!(e, InferError::OutOfBounds { .. }), "{e}");
}
