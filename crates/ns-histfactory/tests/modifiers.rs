//! Each modifier type on tiny inline workspaces, against values computed by
//! hand in the test (the arithmetic is written out), plus parameter naming,
//! ordering and measurement configuration.

mod common;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings};

const RTOL: f64 = 1e-12;

/// ½ ln(2π), the Gaussian normalisation per constraint.
fn half_ln_2pi() -> f64 {
    0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// ln n! = Σ_{k=2}^{n} ln k, the Poisson normalisation (n integer here).
fn ln_factorial(n: u32) -> f64 {
    (2..=n).map(|k| f64::from(k).ln()).sum()
}

/// −ln Poisson(n | ν) = ν − n ln ν + ln n!.
fn pois(n: u32, nu: f64) -> f64 {
    let n_ln_nu = if n == 0 { 0.0 } else { f64::from(n) * nu.ln() };
    nu - n_ln_nu + ln_factorial(n)
}

/// −ln Normal(aux | θ, σ) = ½((aux − θ)/σ)² + ln σ + ½ ln 2π.
fn gauss(aux: f64, theta: f64, sigma: f64) -> f64 {
    let z = (aux - theta) / sigma;
    0.5 * z * z + sigma.ln() + half_ln_2pi()
}

/// One channel `SR` with the given samples (JSON array body), observations
/// and measurement parameter configs.
fn ws(samples: &str, obs: &str, poi: &str, params: &str) -> String {
    format!(
        r#"{{
  "channels": [{{"name": "SR", "samples": [{samples}]}}],
  "observations": [{{"name": "SR", "data": {obs}}}],
  "measurements": [{{"name": "meas", "config": {{"poi": "{poi}", "parameters": [{params}]}}}}],
  "version": "1.0.0"
}}"#
    )
}

fn build(json: &str, interp: InterpSettings) -> HistFactoryModel {
    let opts = BuildOptions {
        interp,
        source_name: "inline".into(),
        ..Default::default()
    };
    HistFactoryModel::from_json_str(json, &opts).unwrap_or_else(|e| panic!("{e}"))
}

fn codes(normsys: InterpCode, histosys: InterpCode) -> InterpSettings {
    InterpSettings { normsys, histosys }
}

/// Parameter vector from (name, value) pairs, starting at the suggested init.
fn at(model: &HistFactoryModel, values: &[(&str, f64)]) -> Vec<f64> {
    let mut x = model.suggested_init().to_vec();
    for &(name, v) in values {
        let i = model
            .param_index(name)
            .unwrap_or_else(|| panic!("no parameter {name} in {:?}", model.param_names()));
        x[i] = v;
    }
    x
}

fn assert_vec_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            common::rel_close(*g, *w, RTOL) || (g - w).abs() < 1e-13,
            "{what}: element {i}: got {g}, want {w} (all: {got:?} vs {want:?})"
        );
    }
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        common::rel_close(got, want, RTOL),
        "{what}: got {got}, want {want}"
    );
}

fn nll_observed(model: &HistFactoryModel, x: &[f64]) -> f64 {
    let v = model.nll(model.observed(), x, &mut model.new_scratch());
    let mut g = vec![0.0; x.len()];
    let vg = model.nll_grad(model.observed(), x, &mut g, &mut model.new_scratch());
    assert_eq!(v.to_bits(), vg.to_bits(), "nll vs nll_grad value");
    v
}

// ---------------------------------------------------------------------------

#[test]
fn normfactor() {
    let json = ws(
        r#"{"name": "sig", "data": [10.0, 20.0, 4.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[15, 30, 0]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu"]);
    assert_eq!(m.suggested_init(), [1.0]);
    assert_eq!(m.suggested_bounds(), [(0.0, 10.0)]);
    assert_eq!(m.suggested_fixed(), [false]);
    assert_eq!(m.poi_index(), Some(0));
    assert_eq!((m.n_main(), m.n_aux()), (3, 0));
    let x = [1.7];
    assert_vec_close(&m.expected_data(&x, true), &[17.0, 34.0, 6.8], "ν");
    // No constraint: NLL is the Poisson part only; the n = 0 bin adds ν.
    let want = (17.0 - 15.0 * 17f64.ln() + ln_factorial(15))
        + (34.0 - 30.0 * 34f64.ln() + ln_factorial(30))
        + 6.8;
    assert_close(nll_observed(&m, &x), want, "NLL");
}

/// A sample with normfactor `mu` and normsys `sys` (hi 1.2, lo 0.9).
fn normsys_model(code: InterpCode) -> HistFactoryModel {
    let json = ws(
        r#"{"name": "sig", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "sys", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}}]}"#,
        "[11, 19]",
        "mu",
        "",
    );
    build(&json, codes(code, InterpCode::Code4p))
}

fn normsys_factor(code: InterpCode, alpha: f64) -> f64 {
    let m = normsys_model(code);
    let x = at(&m, &[("sys", alpha)]);
    let nu = m.expected_data(&x, false);
    // Both bins scale by the same factor.
    assert_close(nu[1] / nu[0], 2.0, "bin ratio");
    nu[0] / 10.0
}

#[test]
fn normsys_parameter_and_constraint() {
    let m = normsys_model(InterpCode::Code1);
    // pyhf order: normfactor before normsys.
    assert_eq!(m.param_names(), ["mu", "sys"]);
    assert_eq!(m.suggested_init(), [1.0, 0.0]);
    assert_eq!(m.suggested_bounds(), [(0.0, 10.0), (-5.0, 5.0)]);
    assert_eq!(m.observed().aux(), [0.0]);
    assert_eq!(m.constraint_width(1), Some(("gaussian", 1.0)));
    // NLL at mu = 1, α = 0.5, code1: ν = nom × 1.2^0.5.
    let x = [1.0, 0.5];
    let f = 1.2f64.sqrt();
    let want = pois(11, 10.0 * f) + pois(19, 20.0 * f) + gauss(0.0, 0.5, 1.0);
    assert_close(nll_observed(&m, &x), want, "NLL");
}

#[test]
fn normsys_code1() {
    use InterpCode::Code1;
    assert_close(normsys_factor(Code1, 0.5), 1.2f64.powf(0.5), "α=0.5");
    assert_close(normsys_factor(Code1, -0.5), 0.9f64.powf(0.5), "α=-0.5");
    assert_close(normsys_factor(Code1, 2.0), 1.2 * 1.2, "α=2");
    assert_close(normsys_factor(Code1, -2.0), 0.9 * 0.9, "α=-2");
    assert_close(normsys_factor(Code1, 0.0), 1.0, "α=0");
}

#[test]
fn normsys_code0() {
    use InterpCode::Code0;
    // 1 + α(hi − 1) above, 1 + α(1 − lo) below.
    assert_close(normsys_factor(Code0, 0.5), 1.0 + 0.5 * 0.2, "α=0.5");
    assert_close(normsys_factor(Code0, -0.5), 1.0 - 0.5 * 0.1, "α=-0.5");
    assert_close(normsys_factor(Code0, 2.0), 1.0 + 2.0 * 0.2, "α=2");
    assert_close(normsys_factor(Code0, -2.0), 1.0 - 2.0 * 0.1, "α=-2");
}

#[test]
fn normsys_code2() {
    use InterpCode::Code2;
    // a = ½(1.2 + 0.9) − 1 = 0.05, b = ½(1.2 − 0.9) = 0.15.
    let (a, b) = (0.05, 0.15);
    assert_close(
        normsys_factor(Code2, 0.5),
        1.0 + a * 0.25 + b * 0.5,
        "α=0.5",
    );
    assert_close(
        normsys_factor(Code2, -0.5),
        1.0 + a * 0.25 - b * 0.5,
        "α=-0.5",
    );
    assert_close(normsys_factor(Code2, 1.0), 1.2, "α=1");
    // pyhf's extrapolation: (b ± 2a)(α ∓ 1), without the offset.
    assert_close(
        normsys_factor(Code2, 2.0),
        1.0 + (b + 2.0 * a) * (2.0 - 1.0),
        "α=2",
    );
    assert_close(
        normsys_factor(Code2, -2.0),
        1.0 + (b - 2.0 * a) * (-2.0 + 1.0),
        "α=-2",
    );
}

#[test]
fn normsys_code4() {
    use InterpCode::Code4;
    // Outside [-1, 1]: exponential, as code1.
    assert_close(normsys_factor(Code4, 2.0), 1.44, "α=2");
    assert_close(normsys_factor(Code4, -2.0), 0.81, "α=-2");
    assert_close(normsys_factor(Code4, 1.0), 1.2, "α=1");
    assert_close(normsys_factor(Code4, -1.0), 0.9, "α=-1");
    assert_close(normsys_factor(Code4, 0.0), 1.0, "α=0");
    // Inside: 1 + Σ a_i α^i with a = A⁻¹ b, A⁻¹ from pyhf's code4 docstring
    // (α0 = 1) and b = [hi−1, lo−1, hi ln hi, −lo ln lo, hi ln²hi, lo ln²lo].
    let (hi, lo) = (1.2f64, 0.9f64);
    let (lh, ll) = (hi.ln(), lo.ln());
    let b = [
        hi - 1.0,
        lo - 1.0,
        hi * lh,
        -lo * ll,
        hi * lh * lh,
        lo * ll * ll,
    ];
    let a_inv: [[f64; 6]; 6] = [
        [
            15.0 / 16.0,
            -15.0 / 16.0,
            -7.0 / 16.0,
            -7.0 / 16.0,
            1.0 / 16.0,
            -1.0 / 16.0,
        ],
        [
            3.0 / 2.0,
            3.0 / 2.0,
            -9.0 / 16.0,
            9.0 / 16.0,
            1.0 / 16.0,
            1.0 / 16.0,
        ],
        [
            -5.0 / 8.0,
            5.0 / 8.0,
            5.0 / 8.0,
            5.0 / 8.0,
            -1.0 / 8.0,
            1.0 / 8.0,
        ],
        [
            3.0 / -2.0,
            3.0 / -2.0,
            7.0 / 8.0,
            -7.0 / 8.0,
            -1.0 / 8.0,
            -1.0 / 8.0,
        ],
        [
            3.0 / 16.0,
            -3.0 / 16.0,
            -3.0 / 16.0,
            -3.0 / 16.0,
            1.0 / 16.0,
            -1.0 / 16.0,
        ],
        [
            1.0 / 2.0,
            1.0 / 2.0,
            -5.0 / 16.0,
            5.0 / 16.0,
            1.0 / 16.0,
            1.0 / 16.0,
        ],
    ];
    let coef: Vec<f64> = a_inv
        .iter()
        .map(|row| row.iter().zip(&b).map(|(r, b)| r * b).sum())
        .collect();
    let poly = |alpha: f64| {
        1.0 + coef
            .iter()
            .enumerate()
            .map(|(i, c)| c * alpha.powi(i as i32 + 1))
            .sum::<f64>()
    };
    // The transcription is right: the polynomial meets the knots.
    assert!((poly(1.0) - hi).abs() < 1e-12 && (poly(-1.0) - lo).abs() < 1e-12);
    for alpha in [0.5, -0.3, 0.99] {
        assert_close(
            normsys_factor(Code4, alpha),
            poly(alpha),
            &format!("α={alpha}"),
        );
    }
}

#[test]
fn normsys_code4p() {
    use InterpCode::Code4p;
    // δ+ = 0.2, δ− = 0.1, S = ½(δ+ + δ−) = 0.15, A = (δ+ − δ−)/16 = 0.00625;
    // inside: 1 + α(S + αA(15 + α²(−10 + 3α²))); outside: 1 + δ±·α.
    let (s, a) = (0.15, 0.00625);
    let inside = |al: f64| 1.0 + al * (s + al * a * (15.0 + al * al * (-10.0 + 3.0 * al * al)));
    assert_close(normsys_factor(Code4p, 0.5), inside(0.5), "α=0.5");
    assert_close(normsys_factor(Code4p, -0.5), inside(-0.5), "α=-0.5");
    assert_close(normsys_factor(Code4p, 1.0), 1.2, "α=1");
    assert_close(normsys_factor(Code4p, 2.0), 1.0 + 0.2 * 2.0, "α=2");
    assert_close(normsys_factor(Code4p, -2.0), 1.0 - 0.1 * 2.0, "α=-2");
}

/// nominal [10, 20], hi [12, 25], lo [9, 16].
fn histosys_nu(code: InterpCode, alpha: f64) -> Vec<f64> {
    let json = ws(
        r#"{"name": "bkg", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "shape", "type": "histosys",
                           "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}}]}"#,
        "[10, 20]",
        "mu",
        "",
    );
    let m = build(&json, codes(InterpCode::Code4, code));
    assert_eq!(m.param_names(), ["shape", "mu"]);
    let x = at(&m, &[("shape", alpha), ("mu", 2.0)]);
    // Remove the normfactor 2 again.
    m.expected_data(&x, false).iter().map(|v| v / 2.0).collect()
}

#[test]
fn histosys_code0() {
    use InterpCode::Code0;
    // up shifts [2, 5], down shifts [1, 4].
    assert_vec_close(
        &histosys_nu(Code0, 0.5),
        &[10.0 + 0.5 * 2.0, 20.0 + 0.5 * 5.0],
        "α=0.5",
    );
    assert_vec_close(
        &histosys_nu(Code0, -0.5),
        &[10.0 - 0.5 * 1.0, 20.0 - 0.5 * 4.0],
        "α=-0.5",
    );
    assert_vec_close(
        &histosys_nu(Code0, 1.5),
        &[10.0 + 1.5 * 2.0, 20.0 + 1.5 * 5.0],
        "α=1.5",
    );
    assert_vec_close(&histosys_nu(Code0, -2.0), &[10.0 - 2.0, 20.0 - 8.0], "α=-2");
}

#[test]
fn histosys_code2() {
    use InterpCode::Code2;
    // a = ½(hi + lo) − nom = [0.5, 0.5], b = ½(hi − lo) = [1.5, 4.5].
    let (a, b) = ([0.5, 0.5], [1.5, 4.5]);
    let nom = [10.0, 20.0];
    let inside = |al: f64| [0, 1].map(|i| nom[i] + a[i] * al * al + b[i] * al);
    assert_vec_close(&histosys_nu(Code2, 0.5), &inside(0.5), "α=0.5");
    assert_vec_close(&histosys_nu(Code2, -0.7), &inside(-0.7), "α=-0.7");
    assert_vec_close(&histosys_nu(Code2, 1.0), &[12.0, 25.0], "α=1");
    assert_vec_close(&histosys_nu(Code2, -1.0), &[9.0, 16.0], "α=-1");
    // pyhf: (b + 2a)(α − 1) above 1, (b − 2a)(α + 1) below −1.
    let out_hi = [0, 1].map(|i| nom[i] + (b[i] + 2.0 * a[i]) * (2.0 - 1.0));
    let out_lo = [0, 1].map(|i| nom[i] + (b[i] - 2.0 * a[i]) * (-2.0 + 1.0));
    assert_vec_close(&histosys_nu(Code2, 2.0), &out_hi, "α=2");
    assert_vec_close(&histosys_nu(Code2, -2.0), &out_lo, "α=-2");
}

#[test]
fn histosys_code4p() {
    use InterpCode::Code4p;
    // δ+ = [2, 5], δ− = [1, 4]; S = [1.5, 4.5], A = (δ+ − δ−)/16 = [1/16, 1/16].
    let (s, a) = ([1.5, 4.5], [0.0625, 0.0625]);
    let nom = [10.0, 20.0];
    let inside = |al: f64| {
        [0, 1]
            .map(|i| nom[i] + al * (s[i] + al * a[i] * (15.0 + al * al * (-10.0 + 3.0 * al * al))))
    };
    assert_vec_close(&histosys_nu(Code4p, 0.5), &inside(0.5), "α=0.5");
    assert_vec_close(&histosys_nu(Code4p, -0.3), &inside(-0.3), "α=-0.3");
    assert_vec_close(&histosys_nu(Code4p, 1.0), &[12.0, 25.0], "α=1");
    assert_vec_close(&histosys_nu(Code4p, -1.0), &[9.0, 16.0], "α=-1");
    assert_vec_close(
        &histosys_nu(Code4p, 2.0),
        &[10.0 + 2.0 * 2.0, 20.0 + 2.0 * 5.0],
        "α=2",
    );
    assert_vec_close(
        &histosys_nu(Code4p, -3.0),
        &[10.0 - 3.0, 20.0 - 3.0 * 4.0],
        "α=-3",
    );
}

#[test]
fn histosys_rejects_multiplicative_codes() {
    for code in [InterpCode::Code1, InterpCode::Code4] {
        let json = ws(
            r#"{"name": "bkg", "data": [10.0],
                "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
            "[10]",
            "mu",
            "",
        );
        let opts = BuildOptions {
            interp: codes(InterpCode::Code4, code),
            ..Default::default()
        };
        let err = HistFactoryModel::from_json_str(&json, &opts).unwrap_err();
        assert!(err.to_string().contains("histosys"), "{err}");
    }
}

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

#[test]
fn same_name_on_normsys_and_histosys_is_one_parameter() {
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "jes", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
                          {"name": "jes", "type": "histosys",
                           "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}}]}"#,
        "[11, 23]",
        "mu",
        "",
    );
    let m = build(&json, codes(InterpCode::Code1, InterpCode::Code0));
    // histosys names come first in pyhf's order.
    assert_eq!(m.param_names(), ["jes", "mu"]);
    assert_eq!(m.n_aux(), 1);
    let x = [0.5, 1.0];
    // (nom + ½ δ+) × 1.2^½.
    let f = 1.2f64.sqrt();
    let nu = [11.0 * f, 22.5 * f];
    assert_vec_close(&m.expected_data(&x, false), &nu, "ν");
    let want = pois(11, nu[0]) + pois(23, nu[1]) + gauss(0.0, 0.5, 1.0);
    assert_close(nll_observed(&m, &x), want, "NLL (one constraint)");
}

#[test]
fn parameter_order_is_pyhfs() {
    // Checked against pyhf 0.7.6: par_names of this workspace.
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0], "modifiers": [
            {"name": "a_norm", "type": "normfactor", "data": null},
            {"name": "z_shape", "type": "histosys", "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}},
            {"name": "b_sys", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
            {"name": "stat", "type": "staterror", "data": [1.0, 2.0]},
            {"name": "ss", "type": "shapesys", "data": [1.0, 2.0]},
            {"name": "sf", "type": "shapefactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]}"#,
        "[10, 20]",
        "a_norm",
        r#"{"name": "lumi", "auxdata": [1.0], "sigmas": [0.05], "bounds": [[0.5, 1.5]], "inits": [1.0]}"#,
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(
        m.param_names(),
        [
            "z_shape", "lumi", "a_norm", "b_sys", "sf[0]", "sf[1]", "ss[0]", "ss[1]", "stat[0]",
            "stat[1]"
        ]
    );
    assert_eq!(m.poi_index(), Some(2));
    // Auxdata in parameter order: z_shape, lumi, b_sys, ss τ = (10/1)², (20/2)², stat.
    assert_eq!(m.observed().aux(), [0.0, 1.0, 0.0, 100.0, 100.0, 1.0, 1.0]);

    // Within a type: first appearance over sorted channels, then sorted
    // samples (pyhf: ['mu', 'mm', 'zz', 'aa', 'sf[0]'], channels ['a_ch', 'b_ch']).
    let json = r#"{
      "channels": [
        {"name": "b_ch", "samples": [{"name": "sig", "data": [1.0, 2.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null},
            {"name": "aa", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]},
        {"name": "a_ch", "samples": [
            {"name": "zbkg", "data": [3.0], "modifiers": [
                {"name": "zz", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
                {"name": "sf", "type": "shapefactor", "data": null}]},
            {"name": "abkg", "data": [4.0], "modifiers": [
                {"name": "mm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]}
      ],
      "observations": [{"name": "b_ch", "data": [1, 2]}, {"name": "a_ch", "data": [3]}],
      "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
      "version": "1.0.0"
    }"#;
    let m = build(json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "mm", "zz", "aa", "sf[0]"]);
    let chs: Vec<&str> = m.channels().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(chs, ["a_ch", "b_ch"]);
    assert_eq!(m.expected_data(m.suggested_init(), false), [7.0, 1.0, 2.0]);
    let sets: Vec<&str> = m.param_sets().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(sets, ["mu", "mm", "zz", "aa", "sf"]);
}

#[test]
fn measurement_config_overrides() {
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "sys", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}}]}"#,
        "[21, 44]",
        "mu",
        r#"{"name": "sys", "inits": [0.5], "bounds": [[-3.0, 3.0]], "fixed": true,
            "auxdata": [0.2], "sigmas": [0.5]},
           {"name": "mu", "inits": [2.0], "bounds": [[0.0, 5.0]]}"#,
    );
    let m = build(&json, codes(InterpCode::Code1, InterpCode::Code4p));
    assert_eq!(m.param_names(), ["mu", "sys"]);
    assert_eq!(m.suggested_init(), [2.0, 0.5]);
    assert_eq!(m.suggested_bounds(), [(0.0, 5.0), (-3.0, 3.0)]);
    assert_eq!(m.suggested_fixed(), [false, true]);
    assert_eq!(m.observed().aux(), [0.2]);
    assert_eq!(m.constraint_width(1), Some(("gaussian", 0.5)));
    let x = m.suggested_init().to_vec();
    // ν = nom · 2 · 1.2^0.5; constraint N(0.2 | 0.5, σ = 0.5).
    let f = 2.0 * 1.2f64.sqrt();
    let want = pois(21, 10.0 * f) + pois(44, 20.0 * f) + gauss(0.2, 0.5, 0.5);
    assert_close(nll_observed(&m, &x), want, "NLL");
}

#[test]
fn measurement_chosen_by_name() {
    let json = r#"{
      "channels": [{"name": "SR", "samples": [
        {"name": "s1", "data": [10.0], "modifiers": [
            {"name": "mu", "type": "normfactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]},
        {"name": "s2", "data": [20.0], "modifiers": [
            {"name": "mu2", "type": "normfactor", "data": null},
            {"name": "lumi", "type": "lumi", "data": null}]}]}],
      "observations": [{"name": "SR", "data": [30]}],
      "measurements": [
        {"name": "first", "config": {"poi": "mu", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}]}},
        {"name": "second", "config": {"poi": "mu2", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.1], "bounds": [[0.0, 2.0]], "inits": [0.9]}]}}
      ],
      "version": "1.0.0"
    }"#;
    let first = build(json, InterpSettings::default());
    assert_eq!(first.measurement(), "first");
    assert_eq!(first.poi_name(), "mu");
    assert_eq!(first.param_names(), ["lumi", "mu", "mu2"]);
    assert_eq!(first.poi_index(), Some(1));
    assert_eq!(first.constraint_width(0), Some(("gaussian", 0.02)));
    let opts = BuildOptions {
        measurement: Some("second".into()),
        ..Default::default()
    };
    let second = HistFactoryModel::from_json_str(json, &opts).unwrap();
    assert_eq!(second.measurement(), "second");
    assert_eq!(second.poi_name(), "mu2");
    assert_eq!(second.poi_index(), Some(2));
    assert_eq!(second.suggested_init(), [0.9, 1.0, 1.0]);
    assert_eq!(second.suggested_bounds()[0], (0.0, 2.0));
    assert_eq!(second.constraint_width(0), Some(("gaussian", 0.1)));
    // NLL at the init: ν = 0.9·(10 + 20) = 27.
    let want = pois(30, 27.0) + gauss(1.0, 0.9, 0.1);
    assert_close(nll_observed(&second, second.suggested_init()), want, "NLL");
}

#[test]
fn modifier_settings() {
    // pyhf: modifier_settings = {"normsys": {"interpcode": "code1"},
    //                            "histosys": {"interpcode": "code0"}}.
    let json = ws(
        r#"{"name": "s", "data": [10.0, 20.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
                          {"name": "n", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}},
                          {"name": "h", "type": "histosys",
                           "data": {"hi_data": [12.0, 25.0], "lo_data": [9.0, 16.0]}}]}"#,
        "[10, 20]",
        "mu",
        "",
    );
    let settings = InterpSettings::parse("normsys=code1,histosys=code0").unwrap();
    assert_eq!(settings, codes(InterpCode::Code1, InterpCode::Code0));
    let m = build(&json, settings);
    assert_eq!(m.interp(), settings);
    assert_eq!(m.param_names(), ["h", "mu", "n"]);
    let x = [-0.5, 1.0, -0.5];
    // (nom − ½ δ−) × 0.9^½.
    let f = 0.9f64.sqrt();
    assert_vec_close(
        &m.expected_data(&x, false),
        &[9.5 * f, 18.0 * f],
        "code1/code0",
    );
    // Only one part given: the other keeps pyhf 0.7's default.
    let s = InterpSettings::parse("histosys=code2").unwrap();
    assert_eq!(s, codes(InterpCode::Code4, InterpCode::Code2));
    let d = build(&json, InterpSettings::default());
    assert_eq!(d.interp(), codes(InterpCode::Code4, InterpCode::Code4p));
    let nu = d.expected_data(&x, false);
    assert!(
        (nu[0] - 9.5 * f).abs() > 1e-6,
        "the default codes must differ here: {nu:?}"
    );
}

#[test]
fn negative_sample_yields_are_legal() {
    let json = ws(
        r#"{"name": "b", "data": [20.0, 30.0], "modifiers": []},
           {"name": "s", "data": [-2.0, 5.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[18, 36]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    let x = [1.5];
    assert_vec_close(&m.expected_data(&x, false), &[17.0, 37.5], "ν");
    assert_close(nll_observed(&m, &x), pois(18, 17.0) + pois(36, 37.5), "NLL");
    // A bin with data and ν ≤ 0 has zero likelihood: NLL +∞ (pyhf gives
    // nan or inf here; a fit must treat the point as infinitely bad).
    for mu in [10.0, 12.0] {
        let x = [mu];
        let mut g = [0.0];
        assert_eq!(m.nll(m.observed(), &x, &mut m.new_scratch()), f64::INFINITY);
        let v = m.nll_grad(m.observed(), &x, &mut g, &mut m.new_scratch());
        assert_eq!(v, f64::INFINITY, "nll_grad at mu = {mu}");
    }
}

/// Expected rates of 0 and below the normal range, where the kernel's
/// vectorised logarithm does not apply and it falls back to `f64::ln`:
/// a bin with ν = 0 and n = 0 adds 0 and ∂/∂ν = 1; a subnormal ν with data
/// gets ν − n ln ν exactly; a Poisson constraint with auxdatum 0 adds γτ.
#[test]
fn zero_and_subnormal_rates() {
    let json = ws(
        r#"{"name": "bkg", "data": [50.0, 0.0],
            "modifiers": [{"name": "ss", "type": "shapesys", "data": [5.0, 0.0]}]},
           {"name": "sig", "data": [5.0, 2.0],
            "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}"#,
        "[55, 0]",
        "mu",
        "",
    );
    let m = build(&json, InterpSettings::default());
    assert_eq!(m.param_names(), ["mu", "ss[0]", "ss[1]"]);
    // τ = (50/5)² = 100.
    let aux = m.observed().aux().to_vec();
    assert_eq!(aux[0], 100.0);
    let check = |main: [f64; 2], aux0: f64, mu: f64, want_nll: f64, want_dmu: Option<f64>| {
        let data = m.data_from_vec(&[main[0], main[1], aux0, aux[1]]).unwrap();
        let x = at(&m, &[("mu", mu), ("ss[0]", 1.1)]);
        let mut s = m.new_scratch();
        let v = m.nll(&data, &x, &mut s);
        let mut g = vec![0.0; 3];
        let vg = m.nll_grad(&data, &x, &mut g, &mut s);
        assert_eq!(v.to_bits(), vg.to_bits(), "nll vs nll_grad");
        assert_close(v, want_nll, &format!("NLL at mu = {mu:e}, n = {main:?}"));
        if let Some(d) = want_dmu {
            assert_close(g[0], d, &format!("dNLL/dmu at mu = {mu:e}"));
        }
    };
    let nu0 = |mu: f64| 5.0 * mu + 50.0 * 1.1;
    // Poisson(100 | 1.1·100), and the fixed γ of the empty bin: τ = 1,
    // auxdatum 1, rate 1.
    let constraint = pois(100, 110.0) + pois(1, 1.0);
    // ν₁ = 0, n₁ = 0: the bin adds 0; ∂NLL/∂μ = 5(1 − 55/ν₀) + 2·1.
    check(
        [55.0, 0.0],
        100.0,
        0.0,
        pois(55, nu0(0.0)) + constraint,
        Some(5.0 * (1.0 - 55.0 / nu0(0.0)) + 2.0),
    );
    // ν₁ = 2e-310 (subnormal), n₁ = 0 and n₁ = 3.
    let tiny = 1e-310;
    check(
        [55.0, 0.0],
        100.0,
        tiny,
        pois(55, nu0(tiny)) + 2.0 * tiny + constraint,
        Some(5.0 * (1.0 - 55.0 / nu0(tiny)) + 2.0),
    );
    check(
        [55.0, 3.0],
        100.0,
        tiny,
        pois(55, nu0(tiny)) + pois(3, 2.0 * tiny) + constraint,
        None,
    );
    // Auxdatum 0 (as a toy may draw): the constraint term is γτ alone and
    // its derivative τ.
    let data = m.data_from_vec(&[55.0, 0.0, 0.0, aux[1]]).unwrap();
    let x = at(&m, &[("ss[0]", 1.1)]);
    let mut g = vec![0.0; 3];
    let v = m.nll_grad(&data, &x, &mut g, &mut m.new_scratch());
    let want = pois(55, 5.0 + 55.0) + pois(0, 2.0) + pois(0, 110.0) + pois(1, 1.0);
    assert_close(v, want, "NLL with auxdatum 0");
    assert_close(
        g[1],
        50.0 * (1.0 - 55.0 / 60.0) + 100.0,
        "dNLL/dγ with auxdatum 0",
    );
}
