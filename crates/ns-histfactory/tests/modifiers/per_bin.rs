//! Per-bin modifiers (shapesys, shapefactor, staterror) and lumi.

use super::*;

#[test]
fn shapesys_with_zero_nominal_bin() {
    let json = ws(
        r#"{"name": "bkg", "data": [50.0, 0.0],
            "modifiers": [{"name": "ss", "type": "shapesys", "data": [5.0, 1.0]}]},
           {"name": "sig", "data": [5.0, 10.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[60, 12]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "ss[0]", "ss[1]"]);
    assert_eq!(m.suggested_init(), [1.0, 1.0, 1.0]);
    assert_eq!(
        m.suggested_bounds(),
        [(0.0, 10.0), (1e-10, 10.0), (1e-10, 10.0)]
    );
    // Bin 1 has no yield: γ fixed, τ = 1.
    assert_eq!(m.suggested_fixed(), [false, false, true]);
    // τ = (50/5)² = 100 is both the auxdatum and the factor.
    assert_eq!(m.observed().aux(), [100.0, 1.0]);
    let (kind, w) = m.constraint_width(1).unwrap();
    assert_eq!(kind, "poisson");
    assert_close(w, 0.1, "1/sqrt(τ)");
    let x = [1.5, 1.1, 0.7];
    // ν = [5·1.5 + 50·1.1, 10·1.5 + 0·0.7]; expected aux = γτ.
    assert_vec_close(
        &m.expected_data(&x, true),
        &[7.5 + 55.0, 15.0, 1.1 * 100.0, 0.7 * 1.0],
        "expected data",
    );
    let want = pois(60, 62.5) + pois(12, 15.0) + pois(100, 110.0) + pois(1, 0.7);
    assert_close(nll_observed(&m, &x), want, "NLL");
}

#[test]
fn shapefactor() {
    let json = ws(
        r#"{"name": "sig", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "sf", "type": "shapefactor", "data": null}]}"#,
        "[6, 38]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "sf[0]", "sf[1]"]);
    assert_eq!(m.suggested_bounds(), [(0.0, 10.0); 3]);
    assert_eq!(m.n_aux(), 0);
    assert_eq!(m.constraint_width(1), None);
    let x = [1.5, 0.5, 2.0];
    assert_vec_close(&m.expected_data(&x, true), &[7.5, 60.0], "ν");
    assert_close(nll_observed(&m, &x), pois(6, 7.5) + pois(38, 60.0), "NLL");
}

#[test]
fn staterror_shared_by_two_samples_with_zero_nominal_bin() {
    let json = ws(
        r#"{"name": "a", "data": [10.0, 0.0, 5.0],
            "modifiers": [{"name": "stat", "type": "staterror", "data": [1.0, 0.0, 2.0]}]},
           {"name": "b", "data": [30.0, 0.0, 0.0],
            "modifiers": [{"name": "stat", "type": "staterror", "data": [2.0, 0.0, 0.0]}]},
           {"name": "c", "data": [100.0, 100.0, 100.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[150, 95, 110]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "stat[0]", "stat[1]", "stat[2]"]);
    // σ_b = sqrt(Σ unc²)/Σ nom over the samples carrying it:
    // bin 0: sqrt(1² + 2²)/(10 + 30); bin 1: no yield → σ 0 → fixed, width 1;
    // bin 2: sqrt(2² + 0²)/(5 + 0) = 0.4.
    let sigma = [5f64.sqrt() / 40.0, 1.0, 0.4];
    assert_eq!(m.suggested_fixed(), [false, false, true, false]);
    assert_eq!(m.observed().aux(), [1.0, 1.0, 1.0]);
    for (k, s) in sigma.iter().enumerate() {
        let (kind, w) = m.constraint_width(1 + k).unwrap();
        assert_eq!(kind, "gaussian");
        assert_close(w, *s, &format!("σ[{k}]"));
    }
    let g = [1.05, 1.3, 0.9];
    let x = [1.2, g[0], g[1], g[2]];
    // ν = (a + b)·γ + c·μ.
    let nu = [40.0 * 1.05 + 120.0, 0.0 * 1.3 + 120.0, 5.0 * 0.9 + 120.0];
    assert_vec_close(&m.expected_data(&x, false), &nu, "ν");
    assert_vec_close(&m.expected_data(&x, true)[3..], &g, "expected aux = γ");
    let want = pois(150, nu[0])
        + pois(95, nu[1])
        + pois(110, nu[2])
        + (0..3).map(|k| gauss(1.0, g[k], sigma[k])).sum::<f64>();
    assert_close(nll_observed(&m, &x), want, "NLL");
}

#[test]
fn staterror_across_channels_counts_bins_in_sorted_channel_order() {
    // Channels given as "SR", "CR": parameters count CR's bins first.
    let json = r#"{
      "channels": [
        {"name": "SR", "samples": [{"name": "s", "data": [10.0, 20.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null},
            {"name": "stat", "type": "staterror", "data": [1.0, 4.0]}]}]},
        {"name": "CR", "samples": [{"name": "s", "data": [50.0], "modifiers": [
            {"name": "stat", "type": "staterror", "data": [5.0]}]}]}
      ],
      "observations": [{"name": "SR", "data": [10, 20]}, {"name": "CR", "data": [50]}],
      "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
      "version": "1.0.0"
    }"#;
    let m = build(json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "stat[0]", "stat[1]", "stat[2]"]);
    assert_eq!(m.channels()[0].name, "CR");
    // stat[0] ↔ CR bin 0 (σ 5/50), stat[1..3] ↔ SR (σ 1/10, 4/20).
    for (k, s) in [0.1, 0.1, 0.2].iter().enumerate() {
        assert_close(m.constraint_width(1 + k).unwrap().1, *s, "σ");
    }
    let x = [1.0, 2.0, 3.0, 4.0];
    assert_vec_close(&m.expected_data(&x, false), &[100.0, 30.0, 80.0], "ν");
}

#[test]
fn lumi_with_measurement_config() {
    let json = ws(
        r#"{"name": "b", "data": [5.0, 5.0], "modifiers": []},
           {"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "lumi", "type": "lumi", "data": null},
                          {"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[25, 50]",
        "mu",
        r#"{"name": "lumi", "auxdata": [1.0], "sigmas": [0.05], "bounds": [[0.5, 1.5]], "inits": [1.0]}"#,
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["lumi", "mu"]);
    assert_eq!(m.suggested_init(), [1.0, 1.0]);
    assert_eq!(m.suggested_bounds(), [(0.5, 1.5), (0.0, 10.0)]);
    assert_eq!(m.observed().aux(), [1.0]);
    assert_eq!(m.constraint_width(0), Some(("gaussian", 0.05)));
    let x = [1.1, 2.0];
    // ν = s·lumi·μ + b.
    assert_vec_close(
        &m.expected_data(&x, true),
        &[10.0 * 1.1 * 2.0 + 5.0, 20.0 * 1.1 * 2.0 + 5.0, 1.1],
        "expected data",
    );
    let want = pois(25, 27.0) + pois(50, 49.0) + gauss(1.0, 1.1, 0.05);
    assert_close(nll_observed(&m, &x), want, "NLL");
}
