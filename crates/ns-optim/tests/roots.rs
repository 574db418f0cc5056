//! Brent and TOMS748 root finding.

use ns_optim::{RootError, brent_root, toms748};

const XTOL: f64 = 2e-12;
const RTOL: f64 = 4.0 * f64::EPSILON;

type Case = (&'static str, fn(f64) -> f64, f64, f64, f64);

/// (name, f, a, b, root): scipy documentation examples and classic tests
/// from Alefeld, Potra & Shi (1995).
fn cases() -> Vec<Case> {
    vec![
        (
            "x^2 - 1 on [-2, 0] (scipy brentq doc)",
            |x| x * x - 1.0,
            -2.0,
            0.0,
            -1.0,
        ),
        (
            "x^2 - 1 on [0, 2] (scipy brentq doc)",
            |x| x * x - 1.0,
            0.0,
            2.0,
            1.0,
        ),
        (
            "x^3 - 1 on [0, 2] (scipy toms748 doc)",
            |x| x.powi(3) - 1.0,
            0.0,
            2.0,
            1.0,
        ),
        (
            "cos x - x",
            |x| x.cos() - x,
            0.0,
            1.0,
            0.739_085_133_215_160_6,
        ),
        (
            "x^3 - 2x - 5 (Newton's example)",
            |x| x.powi(3) - 2.0 * x - 5.0,
            2.0,
            3.0,
            2.094_551_481_542_326_5,
        ),
        (
            "sin x - x/2 (APS #1)",
            |x| x.sin() - 0.5 * x,
            std::f64::consts::FRAC_PI_2,
            std::f64::consts::PI,
            1.895_494_267_033_981,
        ),
        (
            "exp x - 2",
            |x| x.exp() - 2.0,
            -1.0,
            3.0,
            std::f64::consts::LN_2,
        ),
        (
            "x^20 - 1 (flat then steep)",
            |x| x.powi(20) - 1.0,
            0.0,
            5.0,
            1.0,
        ),
        (
            "x e^-x^2 shifted",
            |x| (x - 0.3) * (-(x * x)).exp(),
            -5.0,
            10.0,
            0.3,
        ),
        (
            "1e-6 (x - 0.7) tiny scale",
            |x| 1e-6 * (x - 0.7),
            0.0,
            1e3,
            0.7,
        ),
        (
            "(x - 1)^3 multiple root",
            |x| (x - 1.0).powi(3),
            0.0,
            3.5,
            1.0,
        ),
        ("log x reversed bracket", |x| x.ln(), 5.0, 0.1, 1.0),
    ]
}

#[test]
fn brent_finds_roots_to_tolerance() {
    for (name, f, a, b, root) in cases() {
        let r = brent_root(f, a, b, XTOL, RTOL, 300).unwrap();
        assert!(r.converged, "{name}: {r:?}");
        let tol = 2.0 * (XTOL + RTOL * root.abs());
        // A multiple root is only determined to the cube root of the noise.
        let tol = if name.contains("multiple") { 1e-5 } else { tol };
        assert!(
            (r.x - root).abs() <= tol,
            "{name}: {} vs {root} ({r:?})",
            r.x
        );
        assert_eq!(r.fx, f(r.x), "{name}");
        // The triple root is flat: Brent falls back to many small steps.
        let budget = if name.contains("multiple") { 200 } else { 100 };
        assert!(r.n_eval <= budget, "{name}: {r:?}");
    }
}

#[test]
fn toms748_finds_roots_to_tolerance() {
    for (name, f, a, b, root) in cases() {
        let r = toms748(f, a, b, XTOL, RTOL, 200).unwrap();
        assert!(r.converged, "{name}: {r:?}");
        let tol = 2.0 * (XTOL + RTOL * root.abs());
        let tol = if name.contains("multiple") { 1e-5 } else { tol };
        assert!(
            (r.x - root).abs() <= tol,
            "{name}: {} vs {root} ({r:?})",
            r.x
        );
        assert!(r.n_eval <= 100, "{name}: {r:?}");
    }
}

#[test]
fn toms748_is_frugal_on_smooth_functions() {
    // scipy: toms748(lambda x: x**3 - 1, 0, 2) converges in ~11 calls.
    let r = toms748(|x| x.powi(3) - 1.0, 0.0, 2.0, XTOL, RTOL, 100).unwrap();
    assert!(r.n_eval <= 15, "{r:?}");
    let r = brent_root(|x| x.powi(3) - 1.0, 0.0, 2.0, XTOL, RTOL, 100).unwrap();
    assert!(r.n_eval <= 15, "{r:?}");
}

#[test]
fn exact_zero_at_an_end() {
    let r = brent_root(|x| x - 2.0, 2.0, 5.0, XTOL, RTOL, 10).unwrap();
    assert_eq!((r.x, r.n_eval, r.converged), (2.0, 1, true));
    let r = toms748(|x| x - 5.0, 2.0, 5.0, XTOL, RTOL, 10).unwrap();
    assert_eq!((r.x, r.converged), (5.0, true));
}

#[test]
fn errors_when_not_bracketed_or_invalid() {
    for solver in [brent_root::<fn(f64) -> f64>, toms748::<fn(f64) -> f64>] {
        let e = solver(|x| x * x + 1.0, -1.0, 1.0, XTOL, RTOL, 100).unwrap_err();
        assert!(matches!(e, RootError::NotBracketed { .. }), "{e:?}");
        assert!(e.to_string().contains("same sign"));
        let e = solver(|x| x * x - 4.0, -1.0, 1.0, XTOL, RTOL, 100).unwrap_err();
        assert!(matches!(e, RootError::NotBracketed { .. }));
        let e = solver(|x| x, f64::NAN, 1.0, XTOL, RTOL, 100).unwrap_err();
        assert!(matches!(e, RootError::InvalidBracket { .. }));
        let e = solver(|x| x, -1.0, 1.0, -1.0, RTOL, 100).unwrap_err();
        assert!(matches!(e, RootError::InvalidTolerance { .. }));
        let e = solver(
            |x| if x > 0.5 { f64::NAN } else { x - 0.7 },
            0.0,
            1.0,
            XTOL,
            RTOL,
            100,
        )
        .unwrap_err();
        assert!(matches!(e, RootError::NonFinite { .. }));
    }
}

#[test]
fn evaluation_limit_is_reported_not_an_error() {
    let r = brent_root(|x| x.cos() - x, 0.0, 1.0, 0.0, RTOL, 4).unwrap();
    assert!(!r.converged);
    assert!(r.n_eval <= 4);
    let r = toms748(|x| x.cos() - x, 0.0, 1.0, 0.0, RTOL, 4).unwrap();
    assert!(!r.converged);
    assert!(r.n_eval <= 4);
}
