//! normfactor, normsys and histosys under every interpolation code.

use super::*;

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
