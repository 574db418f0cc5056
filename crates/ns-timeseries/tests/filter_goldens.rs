//! Kalman filter against statsmodels (tests/fixtures/timeseries, from
//! scripts/make_timeseries_goldens.py): log-likelihood, per-period
//! contributions and filtered states under every initialisation, with and
//! without missing values.

mod common;

use common::*;

const CASES: &[&str] = &[
    "nile_llevel_known",
    "nile_llevel_known_missing",
    "nile_llevel_approx",
    "nile_llevel_approx_missing",
    "nile_llevel_diffuse",
    "nile_llevel_diffuse_missing",
    "nile_lltrend_diffuse_missing",
    "macro_ar2_stationary",
    "macro_ar2_stationary_missing",
    "macro_bivariate_stationary",
    "macro_bivariate_stationary_missing",
    "macro_bivariate_diffuse_missing",
];

#[test]
fn loglike_matches_statsmodels() {
    for name in CASES {
        let doc = load(name);
        let model = model(&doc);
        let y = arr(&doc["y"]);
        let llf = model.loglike(&y).unwrap();
        assert_rel(llf, doc["llf"].as_f64().unwrap(), LLF_REL, name);
    }
}

#[test]
fn filter_matches_statsmodels() {
    for name in CASES {
        let doc = load(name);
        let model = model(&doc);
        let y = arr(&doc["y"]);
        let out = model.filter(&y).unwrap();
        let want_llf = doc["llf"].as_f64().unwrap();
        assert_rel(out.llf, want_llf, LLF_REL, name);
        assert_eq!(
            out.nobs_diffuse as u64,
            doc["nobs_diffuse"].as_u64().unwrap(),
            "{name}: nobs_diffuse"
        );
        // Per-period contributions: absolute on the total's scale.
        let tol = LLF_REL * want_llf.abs();
        for (t, (g, w)) in out.llf_obs.iter().zip(arr(&doc["llf_obs"])).enumerate() {
            assert!((g - w).abs() <= tol, "{name}: llf_obs[{t}] {g} vs {w}");
        }
        assert_close(
            &out.filtered_state,
            &arr(&doc["filtered_state"]),
            STATE_TOL,
            &format!("{name}: filtered_state"),
        );
        let m = out.k_states;
        let diag: Vec<f64> = (0..out.nobs)
            .flat_map(|t| (0..m).map(move |i| (t, i)))
            .map(|(t, i)| out.filtered_state_cov[t * m * m + i * m + i])
            .collect();
        assert_close(
            &diag,
            &arr(&doc["filtered_state_cov_diag"]),
            STATE_TOL,
            &format!("{name}: filtered_state_cov diagonal"),
        );
    }
}

#[test]
fn smoother_matches_statsmodels() {
    for name in CASES {
        let doc = load(name);
        let model = model(&doc);
        let y = arr(&doc["y"]);
        let out = model.smooth(&y).unwrap();
        assert_close(
            &out.smoothed_state,
            &arr(&doc["smoothed_state"]),
            STATE_TOL,
            &format!("{name}: smoothed_state"),
        );
        assert_close(
            &out.smoothed_state_cov,
            &arr(&doc["smoothed_state_cov"]),
            STATE_TOL,
            &format!("{name}: smoothed_state_cov"),
        );
    }
}
