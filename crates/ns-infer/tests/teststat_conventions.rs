//! pyhf's conventions for every test statistic (issue 13 item 2), against
//! pyhf with converged fits (tests/fixtures/goldens/teststat, written by
//! scripts/make_teststat_goldens.py):
//!
//! * q0 at mu = 0: pyhf's `hypotest` returns p0 = CLs+b in the CLs
//!   position, CLb as the tail probability and the band of CLs+b as the
//!   expected set — with the POI bounded at 0 and unbounded;
//! * q and q~ at mu = 0.5, 1, 2 with the POI bounded [0, 10] and
//!   unbounded [-10, 10]: CLs, CLs+b, CLb and the expected CLs;
//! * toys, q0: the same convention, p0 within the binomial error of pyhf's.

mod common;

use common::*;
use ns_core::Model;
use ns_histfactory::InterpSettings;
use ns_infer::{FitOptions, TestStatistic, ToyOptions, hypotest, hypotest_toys};
use serde_json::Value;

fn golden(stem: &str) -> Value {
    read_json(&fixtures().join(format!("goldens/teststat/{stem}.json"))).unwrap_or_else(|| {
        panic!("goldens/teststat/{stem}.json missing: run scripts/make_teststat_goldens.py")
    })
}

fn opts_with_poi_bounds(m: &ns_histfactory::HistFactoryModel, pb: &Value) -> FitOptions {
    let mut bounds = m.suggested_bounds().to_vec();
    let pb = fvec(pb);
    bounds[m.poi_index().expect("workspace has a POI")] = (pb[0], pb[1]);
    FitOptions {
        bounds: Some(bounds),
        ..FitOptions::default()
    }
}

fn check(stem: &str) {
    let g = golden(stem);
    let m = load(g["workspace"].as_str().unwrap(), InterpSettings::default());
    let mut errs = Vec::new();
    let mut n = 0;
    for t in g["tests"].as_array().unwrap() {
        let ts = TestStatistic::parse(t["test_stat"].as_str().unwrap()).unwrap();
        let mu = f(&t["mu"]);
        let opts = opts_with_poi_bounds(&m, &t["poi_bounds"]);
        let ctx = format!("{stem} {ts} mu={mu} poi_bounds={}", t["poi_bounds"]);
        let r = hypotest(&m, m.observed(), mu, &opts, ts).unwrap();
        let mut pairs = vec![("cls_obs", r.cls_obs, f(&t["cls_obs"]))];
        pairs.push(("clb_obs", r.clb_obs, f(&t["clb_obs"])));
        if ts == TestStatistic::Q0 {
            // pyhf's headline for q0 is CLs+b itself.
            assert_eq!(r.cls_obs.to_bits(), r.clsb_obs.to_bits(), "{ctx}");
            assert_eq!(r.cls_exp, r.clsb_exp, "{ctx}");
        } else {
            pairs.push(("clsb_obs", r.clsb_obs, f(&t["clsb_obs"])));
        }
        for (k, (a, b)) in r.cls_exp.iter().zip(fvec(&t["cls_exp"])).enumerate() {
            pairs.push((
                [
                    "cls_exp[-2]",
                    "cls_exp[-1]",
                    "cls_exp[0]",
                    "cls_exp[1]",
                    "cls_exp[2]",
                ][k],
                *a,
                b,
            ));
        }
        for (k, a, b) in pairs {
            n += 1;
            if !rel_close(a, b, CLS_REL) {
                errs.push(format!("{ctx}: {k} {a:e} vs pyhf {b:e}"));
            }
        }
    }
    assert!(n >= 14 * 5, "{stem}: only {n} comparisons");
    assert!(errs.is_empty(), "{stem}:\n  {}", errs.join("\n  "));
}

#[test]
fn simple_workspace() {
    check("simple_workspace");
}

/// The POI at 0 leaves bins with data and no expected events: the NLL of
/// the conditional fits is infinite, q0 = inf for pyhf and for us, and the
/// p-values are NaN (inf − inf) in both.
#[test]
fn two_channel_workspace() {
    check("two_channel_workspace");
}

#[test]
fn complex_workspace() {
    check("complex_workspace");
}

#[test]
fn one_bin_shapesys_q0() {
    check("1bin_shapesys_q0");
}

#[test]
fn two_bin_two_channel() {
    check("2bin_2channel");
}

/// Toys: s+b toys at mu = 0 and b-only toys at mu = 1 for q0, p0 = the
/// fraction of s+b toys with q0 >= the observed one. Ours and pyhf's are
/// different random toys: p0 must agree within 4 binomial standard errors
/// of the two toy counts combined.
#[test]
fn q0_toys_follow_pyhf() {
    let g = golden("simple_workspace");
    let t = &g["toys"];
    let m = load(g["workspace"].as_str().unwrap(), InterpSettings::default());
    let n = t["ntoys"].as_u64().unwrap() as usize;
    let toy = ToyOptions {
        n_toys: n,
        seed: 7,
        test_stat: TestStatistic::Q0,
        toy_optimizer: None,
        cancel: None,
        progress: None,
    };
    let r = hypotest_toys(&m, m.observed(), 0.0, &FitOptions::default(), &toy).unwrap();
    assert_eq!(r.cls_obs.to_bits(), r.clsb_obs.to_bits());
    assert_eq!(r.cls_exp, r.clsb_exp);
    let want = f(&t["cls_obs"]);
    let p = 0.5 * (want + r.cls_obs);
    let se = (2.0 * p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (r.cls_obs - want).abs() <= 4.0 * se,
        "toy p0 {} vs pyhf {want} (4 se = {})",
        r.cls_obs,
        4.0 * se
    );
    let clb = f(&t["clb_obs"]);
    let q = 0.5 * (clb + r.clb_obs);
    let se_b = (2.0 * q * (1.0 - q) / n as f64).sqrt();
    assert!(
        (r.clb_obs - clb).abs() <= 4.0 * se_b,
        "toy CLb {} vs pyhf {clb} (4 se = {})",
        r.clb_obs,
        4.0 * se_b
    );
}
