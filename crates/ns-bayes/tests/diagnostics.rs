//! Diagnostics against ArviZ on fixed draws (goldens written by
//! scripts/make_bayes_diagnostics_goldens.py with arviz 0.23).

use ns_bayes::diagnostics::{ess_bulk, ess_mean, ess_tail, mcse_mean, rhat};

fn goldens() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/bayes/diagnostics_golden.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn matches_arviz_on_fixed_draws() {
    let g = goldens();
    let cases = g["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 6);
    for (name, case) in cases {
        let chains: Vec<Vec<f64>> = case["draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
        let want = |k: &str| case[k].as_f64().unwrap();
        // ArviZ's autocovariances go through an FFT, ours are direct sums:
        // agreement to rounding, far below any statistical meaning.
        let close = |got: f64, w: f64, what: &str| {
            assert!(
                (got - w).abs() <= 1e-9 * w.abs().max(1.0),
                "{name} {what}: {got} vs arviz {w}"
            );
        };
        close(rhat(&refs), want("r_hat"), "r_hat");
        close(ess_bulk(&refs), want("ess_bulk"), "ess_bulk");
        close(ess_tail(&refs), want("ess_tail"), "ess_tail");
        close(ess_mean(&refs), want("ess_mean"), "ess_mean");
        close(mcse_mean(&refs), want("mcse_mean"), "mcse_mean");
    }
}

#[test]
fn nan_and_too_short_inputs_give_nan() {
    let a = [1.0, 2.0, f64::NAN, 4.0, 5.0];
    assert!(rhat(&[&a, &a]).is_nan());
    assert!(ess_bulk(&[&[1.0, 2.0, 3.0]]).is_nan());
    let b = [1.0, 2.0, 3.0, 4.0];
    let c = [1.0, 2.0, 3.0];
    assert!(ess_tail(&[&b, &c]).is_nan(), "ragged chains");
}
