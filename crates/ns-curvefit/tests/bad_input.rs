//! Bad input gets a typed error naming the argument (issue 16 item 5), and
//! the tape's exact Jacobian agrees with central differences on every
//! function of the grammar.

use ns_curvefit::{
    CurveFitError, ExprModel, Expression, FitOptions, Sigma, TapeScratch, curve_fit,
};

fn fit(
    expr: &str,
    x: &[f64],
    y: &[f64],
    p0: Option<&[f64]>,
    opts: &FitOptions,
) -> Result<ns_curvefit::CurveFitResult, CurveFitError> {
    let e = Expression::new(expr, None)?;
    let names = e.param_names().to_vec();
    let mut m = ExprModel::new(&e, x)?;
    curve_fit(&mut m, &names, y, p0, Sigma::None, opts)
}

const X: [f64; 4] = [0.0, 1.0, 2.0, 3.0];
const Y: [f64; 4] = [2.0, 1.2, 0.7, 0.4];

#[test]
fn parse_error_shows_caret() {
    let e = Expression::new("a*exp(-b*x", None).unwrap_err();
    assert!(matches!(e, CurveFitError::Parse { pos: 5, .. }), "{e:?}");
    assert!(e.to_string().contains("a*exp(-b*x\n       ^"), "{e}");
}

#[test]
fn unknown_function() {
    let e = Expression::new("a*expp(x)", None).unwrap_err();
    assert!(
        matches!(e, CurveFitError::UnknownFunction { pos: 2, .. }),
        "{e:?}"
    );
}

#[test]
fn p0_wrong_length_and_outside_bounds() {
    let o = FitOptions::default();
    let e = fit("a*exp(-b*x)", &X, &Y, Some(&[1.0]), &o).unwrap_err();
    assert!(
        matches!(e, CurveFitError::LengthMismatch { ref what, expected: 2, got: 1 } if what == "p0"),
        "{e:?}"
    );
    let o = FitOptions {
        lower: vec![0.0, 0.0],
        upper: vec![10.0, 1.0],
        ..FitOptions::default()
    };
    let e = fit("a*exp(-b*x)", &X, &Y, Some(&[1.0, 2.0]), &o).unwrap_err();
    assert!(
        matches!(e, CurveFitError::P0OutsideBounds { ref name, .. } if name == "b"),
        "{e:?}"
    );
}

#[test]
fn lower_not_below_upper() {
    let o = FitOptions {
        lower: vec![0.0, 1.0],
        upper: vec![10.0, 1.0],
        ..FitOptions::default()
    };
    let e = fit("a*exp(-b*x)", &X, &Y, Some(&[1.0, 1.0]), &o).unwrap_err();
    assert!(
        matches!(e, CurveFitError::InvalidBounds { ref name, .. } if name == "b"),
        "{e:?}"
    );
}

#[test]
fn length_mismatch() {
    let e = fit(
        "a*exp(-b*x)",
        &X,
        &Y[..3],
        Some(&[1.0, 1.0]),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, CurveFitError::LengthMismatch { .. }), "{e:?}");
}

#[test]
fn non_finite_data() {
    let y = [2.0, f64::NAN, 0.7, 0.4];
    let e = fit(
        "a*exp(-b*x)",
        &X,
        &y,
        Some(&[1.0, 1.0]),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, CurveFitError::NonFiniteInput { ref what, index: 1, .. } if what == "ydata"),
        "{e:?}"
    );
    let x = [0.0, 1.0, f64::INFINITY, 3.0];
    let e = fit(
        "a*exp(-b*x)",
        &x,
        &Y,
        Some(&[1.0, 1.0]),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, CurveFitError::NonFiniteInput { ref what, index: 2, .. } if what == "xdata"),
        "{e:?}"
    );
}

#[test]
fn non_finite_model_at_p0() {
    let e = fit(
        "a*log(x - b)",
        &X,
        &Y,
        Some(&[1.0, 1.0]),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, CurveFitError::NonFiniteModel { index: 0, .. }),
        "{e:?}"
    );
}

#[test]
fn fewer_points_than_parameters() {
    let e = fit(
        "a + b*x + c*x^2",
        &X[..2],
        &Y[..2],
        Some(&[1.0, 1.0, 1.0]),
        &FitOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(e, CurveFitError::TooFewPoints { n: 2, p: 3 }),
        "{e:?}"
    );
}

#[test]
fn exponential_decay_converges() {
    let r = fit(
        "a*exp(-b*x)",
        &X,
        &Y,
        Some(&[1.0, 0.1]),
        &FitOptions::default(),
    )
    .unwrap();
    assert!(r.success());
    // Normal equations hold at the optimum, J^T r = 0, to the accuracy the
    // termination tests leave (gradient ~1e-10 with |J| ~ 1, |r| ~ 0.05).
    let g: Vec<f64> = (0..2)
        .map(|c| (0..4).map(|i| r.jac[i * 2 + c] * r.fun[i]).sum::<f64>())
        .collect();
    assert!(g.iter().all(|v| v.abs() < 1e-8), "{g:?}");
}

/// Forward and reverse AD against central differences, for each grammar function.
#[test]
fn ad_matches_finite_differences_on_every_function() {
    let cases = [
        "a*x + b",
        "a - b/x",
        "a*x^b",
        "x**a * b",
        "-a^2*x + b",
        "exp(a*x) + b",
        "log(a*x + b)",
        "sqrt(a*x + b)",
        "sin(a*x) * b",
        "cos(a*x + b)",
        "tan(a*x/4) + b",
        "atan(a*x) * b",
        "arctan(a + b*x)",
        "sinh(a*x) + b",
        "cosh(a*x) * b",
        "tanh(a*x + b)",
        "abs(a*x - b)",
        "pow(a, x) * b",
        "pow(x + b, a)",
        "a*pi/(b + x^2)",
        "(a + b)^(x/3)",
    ];
    let p = [0.7, 1.3];
    let mut s = TapeScratch::default();
    for src in cases {
        let e = Expression::new(src, None).unwrap();
        assert_eq!(e.n_params(), 2, "{src}");
        for &x in &[0.3, 0.9, 1.7] {
            let (mut gf, mut gr) = ([0.0; 2], [0.0; 2]);
            let vf = e.eval_forward(&[x], &p, &mut gf, &mut s);
            let vr = e.eval_reverse(&[x], &p, &mut gr, &mut s);
            let v = e.eval(&[x], &p, &mut s);
            assert_eq!(vf, v, "{src}");
            assert_eq!(vr, v, "{src}");
            for j in 0..2 {
                let h = 1e-6 * p[j].abs().max(1.0);
                let (mut pp, mut pm) = (p, p);
                pp[j] += h;
                pm[j] -= h;
                let fd = (e.eval(&[x], &pp, &mut s) - e.eval(&[x], &pm, &mut s)) / (2.0 * h);
                let tol = 1e-7 * fd.abs().max(1.0);
                assert!(
                    (gf[j] - fd).abs() < tol,
                    "{src} x={x} d/dp{j}: fwd {} fd {fd}",
                    gf[j]
                );
                assert!(
                    (gr[j] - gf[j]).abs() <= 1e-12 * gf[j].abs().max(1.0),
                    "{src}: rev {} fwd {}",
                    gr[j],
                    gf[j]
                );
            }
        }
    }
}
