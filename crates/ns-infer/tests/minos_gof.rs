//! MINOS against iminuit's `minos` and goodness of fit against cabinetry's
//! `_goodness_of_fit`, on the bundled workspaces (goldens made by
//! scripts/make_hepwf_goldens.py).

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::{FitOptions, fit, gof_from_fit, minos};
use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn minos_and_gof_match_iminuit_and_cabinetry() {
    let goldens: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/goldens/hepwf/minos_gof.json"))
            .unwrap(),
    )
    .unwrap();
    for case in goldens["cases"].as_array().unwrap() {
        let ws = case["workspace"].as_str().unwrap();
        let model = HistFactoryModel::from_path(
            &root().join("tests/fixtures").join(ws),
            &BuildOptions::default(),
        )
        .unwrap();
        let opts = FitOptions::with_uncertainties();
        let r = fit(&model, model.observed(), &opts).unwrap();
        let names: Vec<String> = case["minos"].as_object().unwrap().keys().cloned().collect();
        let ivs = minos(&model, model.observed(), &r, &names, &opts, 1.0).unwrap();
        for iv in &ivs {
            let g = &case["minos"][&iv.name];
            // iminuit (tol 1e-6, strategy 2) locates the crossing to ~1e-5 of
            // the interval; ours is a Brent root to 1e-7 σ.
            for (edge, key, flag) in [
                (&iv.lower, "lower", "at_lower_limit"),
                (&iv.upper, "upper", "at_upper_limit"),
            ] {
                let want = g[key].as_f64().unwrap();
                assert!(edge.valid, "{ws} {} {key}: invalid", iv.name);
                assert_eq!(
                    edge.at_bound,
                    g[flag].as_bool().unwrap(),
                    "{ws} {} {key}",
                    iv.name
                );
                assert!(
                    (edge.value - want).abs() < 2e-4 * (1.0 + want.abs()),
                    "{ws} {} {key}: {} vs iminuit {want}",
                    iv.name,
                    edge.value
                );
            }
        }
        let g = gof_from_fit(&model, model.observed(), r, &opts);
        assert_eq!(g.ndof, case["gof"]["ndof"].as_i64().unwrap(), "{ws}");
        let want = case["gof"]["p_value"].as_f64().unwrap();
        assert!(
            ((g.p_value - want) / want).abs() < 1e-4,
            "{ws}: p = {} vs cabinetry {want}",
            g.p_value
        );
    }
}

#[test]
fn minos_unknown_or_fixed_parameter_is_an_error() {
    let model = HistFactoryModel::from_path(
        &root().join("tests/fixtures/simple_workspace.json"),
        &BuildOptions::default(),
    )
    .unwrap();
    let opts = FitOptions::with_uncertainties();
    let r = fit(&model, model.observed(), &opts).unwrap();
    let e = minos(&model, model.observed(), &r, &["nope".into()], &opts, 1.0).unwrap_err();
    assert!(e.to_string().contains("nope"), "{e}");
    let mut fixed = opts.clone();
    fixed.fixed.push((model.poi_index().unwrap(), 1.0));
    let e = minos(&model, model.observed(), &r, &["mu".into()], &fixed, 1.0).unwrap_err();
    assert!(e.to_string().contains("fixed"), "{e}");
}
