//! Reference posteriors of posteriordb (Stan's NUTS, 10 chains x 1000
//! draws; summarised to means and sds by
//! scripts/make_bayes_posteriordb_fixtures.py): our posterior means within 3
//! MCSE (from our ESS) of the reference means, sds within 10%, R-hat < 1.01.

use ns_bayes::models::{EightSchools, LinearRegression, Prior, ScalePrior};
use ns_bayes::{ModelPosterior, NutsConfig, diagnostics, sample};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/../../tests/fixtures/bayes/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Compare pooled draws of one quantity with the reference summary.
fn compare(name: &str, chains: &[Vec<f64>], reference: &Value) {
    let refs: Vec<&[f64]> = chains.iter().map(Vec::as_slice).collect();
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    let n = flat.len() as f64;
    let mean = flat.iter().sum::<f64>() / n;
    let sd = (flat.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let mcse = diagnostics::mcse_mean(&refs);
    let rhat = diagnostics::rhat(&refs);
    let (rm, rs) = (
        reference[name]["mean"].as_f64().unwrap(),
        reference[name]["sd"].as_f64().unwrap(),
    );
    assert!(
        (mean - rm).abs() < 3.0 * mcse,
        "{name}: mean {mean} vs reference {rm} (mcse {mcse})"
    );
    assert!(
        (sd / rs - 1.0).abs() < 0.10,
        "{name}: sd {sd} vs reference {rs}"
    );
    assert!(rhat < 1.01, "{name}: r_hat {rhat}");
}

#[test]
fn eight_schools_noncentered() {
    let data = fixture("eight_schools.data.json");
    let reference = fixture("eight_schools-eight_schools_noncentered.reference.json");
    let reference = &reference["summary"];
    let model = EightSchools::new(&floats(&data["y"]), &floats(&data["sigma"]), false).unwrap();
    let post = ModelPosterior::new(&model, &()).unwrap();
    // posteriordb's reference was sampled at adapt_delta 0.95.
    let cfg = NutsConfig {
        target_accept: 0.95,
        seed: 2026,
        ..NutsConfig::default()
    };
    let s = sample(&post, &cfg).unwrap();
    assert_eq!(s.n_divergent(), 0, "divergences on the non-centred model");
    let j = model.n_schools();
    let mu = s.param(j);
    let tau = s.param(j + 1);
    compare("mu", &mu, reference);
    compare("tau", &tau, reference);
    for k in 0..j {
        // theta = mu + tau * theta_trans, draw by draw (Stan's transformed parameter).
        let tt = s.param(k);
        let theta: Vec<Vec<f64>> = (0..tt.len())
            .map(|c| {
                (0..tt[c].len())
                    .map(|d| mu[c][d] + tau[c][d] * tt[c][d])
                    .collect()
            })
            .collect();
        compare(&format!("theta[{}]", k + 1), &theta, reference);
    }
}

#[test]
fn sblrc_blr() {
    let data = fixture("sblrc.data.json");
    let reference = fixture("sblrc-blr.reference.json");
    let reference = &reference["summary"];
    let (n, d) = (
        data["N"].as_u64().unwrap() as usize,
        data["D"].as_u64().unwrap() as usize,
    );
    let x: Vec<f64> = data["X"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(floats)
        .collect();
    let model = LinearRegression::new(&x, n, d, &floats(&data["y"]))
        .unwrap()
        .beta_prior(Prior::Normal {
            mean: 0.0,
            sd: 10.0,
        })
        .unwrap()
        .sigma_prior(ScalePrior::HalfNormal(10.0))
        .unwrap();
    let post = ModelPosterior::new(&model, &()).unwrap();
    let cfg = NutsConfig {
        seed: 7,
        ..NutsConfig::default()
    };
    let s = sample(&post, &cfg).unwrap();
    assert_eq!(s.n_divergent(), 0);
    for (j, name) in s.param_names.iter().enumerate() {
        compare(name, &s.param(j), reference);
    }
}

#[test]
fn centred_eight_schools_reports_its_divergences() {
    // The centred parameterisation has a funnel that NUTS cannot integrate at
    // adapt_delta 0.8 (Stan reports divergences too): they must be counted,
    // not hidden, and the chains stay usable.
    let data = fixture("eight_schools.data.json");
    let model = EightSchools::new(&floats(&data["y"]), &floats(&data["sigma"]), true).unwrap();
    let post = ModelPosterior::new(&model, &()).unwrap();
    let s = sample(
        &post,
        &NutsConfig {
            seed: 2026,
            ..NutsConfig::default()
        },
    )
    .unwrap();
    assert!(s.n_divergent() > 0);
    let flagged = s
        .chains
        .iter()
        .flat_map(|c| &c.stats)
        .filter(|d| d.transition.divergent);
    assert!(flagged.count() == s.n_divergent());
}
