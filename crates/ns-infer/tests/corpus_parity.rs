//! The parity corpus (issue 13 items 3, 6, 7): our own workspaces with the
//! structure of every pyhf validation case (tests/fixtures/corpus, written
//! by scripts/make_corpus.py), against goldens from
//! scripts/make_corpus_goldens.py (tests/fixtures/goldens/corpus).
//!
//! Per case and interpolation setting (the codes of the pyhf test it
//! mirrors, and the other pair):
//!
//! * the free and the conditional (POI = the tested mu) fit must reach a
//!   twice_nll at most 1e-6 above the lowest minimum any reference found
//!   (pyhf with scipy at tolerance 1e-12, pyhf's MIGRAD, and multi-start
//!   scipy from random and kink-flipped starts): a profile likelihood is
//!   defined by the lowest minimum of each fit;
//! * the asymptotic hypotest of the pyhf validation test (mu, test
//!   statistic) must give CLs observed and the expected set within 1e-6
//!   relative of pyhf's formulas on those lowest minima (`best`). Where
//!   pyhf's own tight fits reach the lowest minima (every case but the
//!   coupled-histosys ones under code0) that is pyhf-tight itself.
//!
//! The published-like likelihoods (`big_*`) are checked on the fits only.

mod common;

use common::*;
use ns_core::Model;
use ns_infer::{FitOptions, TestStatistic, fit, fit_fixed_poi, hypotest};
use serde_json::Value;

/// A fit may end at most this far (in twice_nll) above the lowest reference minimum.
const NLL_ABS: f64 = 1e-6;

fn golden(case: &str) -> Value {
    read_json(&fixtures().join(format!("goldens/corpus/{case}.json"))).unwrap_or_else(|| {
        panic!("goldens/corpus/{case}.json missing: run scripts/make_corpus_goldens.py")
    })
}

fn check_fits(
    ctx: &str,
    blk: &Value,
    m: &ns_histfactory::HistFactoryModel,
    mu: f64,
) -> Vec<String> {
    let mut errs = Vec::new();
    let opts = FitOptions::default();
    let free = fit(m, m.observed(), &opts).unwrap();
    let cond = fit_fixed_poi(m, m.observed(), mu, &opts).unwrap();
    for (name, r, key) in [
        ("free", &free, "min_twice_nll_free"),
        ("conditional", &cond, "min_twice_nll_conditional"),
    ] {
        let want = f(&blk[key]);
        let got = r.twice_nll();
        eprintln!(
            "{ctx}: {name} twice_nll {got:.9} vs lowest reference {want:.9} ({:+.2e}), status {}",
            got - want,
            r.status
        );
        if !r.status.converged() {
            errs.push(format!("{ctx}: {name} fit status {}", r.status));
        }
        if got > want + NLL_ABS {
            errs.push(format!(
                "{ctx}: {name} twice_nll {got:.9} above the lowest reference {want:.9} by {:.3e}",
                got - want
            ));
        }
    }
    errs
}

fn check_hypotest(
    ctx: &str,
    g: &Value,
    m: &ns_histfactory::HistFactoryModel,
    mu: f64,
    ts: TestStatistic,
) -> Vec<String> {
    let mut errs = Vec::new();
    let r = match hypotest(m, m.observed(), mu, &FitOptions::default(), ts) {
        Ok(r) => r,
        Err(e) => return vec![format!("{ctx}: hypotest error {e}")],
    };
    eprintln!(
        "{ctx}: cls_obs {} vs {} (rel {:.2e}); q_obs {}, q_A {}",
        r.cls_obs,
        f(&g["cls_obs"]),
        (r.cls_obs / f(&g["cls_obs"]) - 1.0).abs(),
        r.q_obs,
        r.q_asimov
    );
    if !r.failed_fits.is_empty() {
        errs.push(format!("{ctx}: failed fits {:?}", r.failed_fits));
    }
    let mut pairs = vec![("cls_obs".to_string(), r.cls_obs, f(&g["cls_obs"]))];
    for (k, (a, b)) in r.cls_exp.iter().zip(fvec(&g["cls_exp"])).enumerate() {
        pairs.push((format!("cls_exp[{k}]"), *a, b));
    }
    if ts != TestStatistic::Q0 {
        pairs.push(("clsb_obs".into(), r.clsb_obs, f(&g["clsb_obs"])));
        pairs.push(("clb_obs".into(), r.clb_obs, f(&g["clb_obs"])));
    }
    for (k, a, b) in pairs {
        if !rel_close(a, b, CLS_REL) {
            errs.push(format!(
                "{ctx}: {k} {a} vs {b} (rel {:.2e})",
                (a / b - 1.0).abs()
            ));
        }
    }
    errs
}

/// Every check of one corpus case; panics with the list of failures.
fn check(case: &str) {
    let g = golden(case);
    let c = &g["case"];
    let mu = f(&c["mu"]);
    let ws = c["workspace"].as_str().unwrap();
    let big = case.starts_with("big_");
    let mut errs = Vec::new();
    for (setting, blk) in g["settings"].as_object().unwrap() {
        let m = load(ws, settings_of(blk));
        assert_eq!(
            m.n_params(),
            blk["n_pars"].as_u64().unwrap() as usize,
            "{case}/{setting}: parameter count"
        );
        let ctx = format!("{case}/{setting}");
        errs.extend(check_fits(&ctx, blk, &m, mu));
        if !big {
            let ts = TestStatistic::parse(c["test_stat"].as_str().unwrap()).unwrap();
            let best = &blk["best"]["hypotest"];
            assert!(best.is_object(), "{ctx}: no best-minima hypotest golden");
            if let Some(why) = best["pyhf_raised"].as_str() {
                // pyhf refuses this hypotest (xml_datadriven: the Asimov mu = 0 lies outside the POI
                // range [0.2, 1.5]); what NextStat should do there is issue 13 item 1's call, not
                // a parity number: shown, not compared.
                let r = hypotest(&m, m.observed(), mu, &FitOptions::default(), ts);
                eprintln!("{ctx}: pyhf raises ({why}); NextStat: {r:?}");
                continue;
            }
            errs.extend(check_hypotest(&ctx, best, &m, mu, ts));
        }
    }
    assert!(errs.is_empty(), "{case}:\n  {}", errs.join("\n  "));
}

macro_rules! corpus_case {
    ($($(#[$attr:meta])* $fn_name:ident => $case:literal,)*) => {
        $(
            #[test]
            $(#[$attr])*
            fn $fn_name() {
                check($case);
            }
        )*
    };
}

corpus_case! {
    shapesys_1bin => "1bin_shapesys",
    shapesys_1bin_q0 => "1bin_shapesys_q0",
    lumi_1bin => "1bin_lumi",
    normsys_1bin => "1bin_normsys",
    histosys_2bin => "2bin_histosys",
    two_channel_2bin => "2bin_2channel",
    two_channel_couplednorm => "2bin_2channel_couplednorm",
    /// Under code4/code4p the conditional fit (mu = 1) from the init stops at twice_nll 33.9927 (as
    /// does pyhf's scipy), the lowest minimum is 33.1164: `fit_fixed_poi` also starts from the free
    /// fit's minimum (alpha = -0.56) and reaches it.
    two_channel_coupledhistosys => "2bin_2channel_coupledhistosys",
    two_channel_coupledhistosys_b => "2bin_2channel_coupledhistosys_b",
    two_channel_coupledshapefactor => "2bin_2channel_coupledshapefactor",
    xml_example_one => "xml_example_one",
    xml_example_two => "xml_example_two",
    xml_example_three => "xml_example_three",
    xml_shared_nuispar => "xml_shared_nuispar",
    xml_example_four => "xml_example_four",
    xml_datadriven => "xml_datadriven",
    xml_datadriven_poi0 => "xml_datadriven_poi0",
    shapesys_nuisparfilter => "shapesys_nuisparfilter",
    /// Fails on main (7b9347e) and for pyhf alike: tHu (184 parameters) is not convex. From the
    /// suggested init NextStat, pyhf scipy-tight and MIGRAD all stop at free twice_nll 358.9706 and
    /// conditional (POI = 1) 400.1881; MIGRAD from seeded random starts reaches 358.8090 and 388.4325
    /// (normfactors NF_VV3lbc, NFttbarW, ... move by 0.4-0.5) — issue 13 items 3/4 (lowest minimum).
    #[ignore = "issue 13 items 3/4: tHu has lower minima than the init leads to (fails on main 7b9347e)"]
    big_workspace_thu => "big_workspace_tHu",
    statex_2bin => "2bin_statex",
    histosys_1bin => "1bin_histosys",
}

/// Every golden file has a test above (a new golden, e.g. a published-like
/// likelihood under tests/fixtures/stress, cannot be forgotten).
#[test]
fn goldens_are_covered() {
    let src = include_str!("corpus_parity.rs");
    for e in std::fs::read_dir(fixtures().join("goldens/corpus")).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_str().unwrap().to_string();
        assert!(
            src.contains(&format!("=> \"{stem}\"")),
            "golden goldens/corpus/{stem}.json has no test in corpus_parity.rs"
        );
    }
}

/// Every case of the manifest has a test above (a new case cannot be forgotten).
#[test]
fn manifest_is_covered() {
    let man = read_json(&fixtures().join("corpus/manifest.json")).unwrap();
    let src = include_str!("corpus_parity.rs");
    for c in man["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        assert!(
            src.contains(&format!("=> \"{name}\"")),
            "corpus case {name} has no test in corpus_parity.rs"
        );
    }
}
