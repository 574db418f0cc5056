//! Bracketing 1-D root finders for upper limits (CLs(mu) = alpha):
//! Brent's method as scipy's `brentq`, and Alefeld–Potra–Shi algorithm 748
//! as scipy's `toms748`.
//!
//! Both stop when the bracket width falls below `xtol + rtol * |x|`; scipy's
//! defaults are `xtol = 2e-12`, `rtol = 4 * f64::EPSILON`. Hitting the
//! evaluation limit is not an error: the result says `converged: false`.

use thiserror::Error;

/// A root found by [`brent_root`] or [`toms748`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RootResult {
    /// The root estimate.
    pub x: f64,
    /// `f(x)` for Brent; for TOMS748 (which returns the bracket midpoint, as
    /// scipy does, without a further evaluation) the value at the bracket
    /// end with the smaller `|f|`.
    pub fx: f64,
    /// Number of function evaluations.
    pub n_eval: usize,
    /// Whether the tolerance was met (or an exact zero found) within
    /// `max_eval` evaluations.
    pub converged: bool,
}

/// Why a root search could not start or continue.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
#[non_exhaustive]
pub enum RootError {
    /// `f(a)` and `f(b)` have the same sign.
    #[error("f(a) = {fa} and f(b) = {fb} have the same sign: [{a}, {b}] does not bracket a root")]
    NotBracketed {
        /// Left end.
        a: f64,
        /// Right end.
        b: f64,
        /// `f(a)`.
        fa: f64,
        /// `f(b)`.
        fb: f64,
    },
    /// The bracket ends are not finite (or NaN).
    #[error("invalid bracket [{a}, {b}]")]
    InvalidBracket {
        /// Left end.
        a: f64,
        /// Right end.
        b: f64,
    },
    /// The function returned a non-finite value.
    #[error("f({x}) = {fx} is not finite")]
    NonFinite {
        /// Where.
        x: f64,
        /// The value.
        fx: f64,
    },
    /// Negative or NaN tolerances.
    #[error("invalid tolerances xtol = {xtol}, rtol = {rtol}")]
    InvalidTolerance {
        /// Absolute tolerance.
        xtol: f64,
        /// Relative tolerance.
        rtol: f64,
    },
}

fn check_inputs(a: f64, b: f64, xtol: f64, rtol: f64) -> Result<(), RootError> {
    if !a.is_finite() || !b.is_finite() {
        return Err(RootError::InvalidBracket { a, b });
    }
    let bad = |t: f64| t.is_nan() || t < 0.0;
    if bad(xtol) || bad(rtol) || (xtol == 0.0 && rtol == 0.0) {
        return Err(RootError::InvalidTolerance { xtol, rtol });
    }
    Ok(())
}

fn call<F: FnMut(f64) -> f64>(f: &mut F, x: f64, n_eval: &mut usize) -> Result<f64, RootError> {
    let fx = f(x);
    *n_eval += 1;
    if fx.is_finite() {
        Ok(fx)
    } else {
        Err(RootError::NonFinite { x, fx })
    }
}

/// Brent's method (a port of scipy's `brentq`, itself after Brent 1973):
/// inverse quadratic interpolation / secant steps safeguarded by bisection.
///
/// `max_eval` counts every call to `f`, the two bracket ends included.
///
/// # Errors
///
/// [`RootError::NotBracketed`] when `f(a)` and `f(b)` have the same sign,
/// [`RootError::NonFinite`] when `f` returns NaN or ±inf, and the input
/// errors [`RootError::InvalidBracket`] / [`RootError::InvalidTolerance`].
pub fn brent_root<F: FnMut(f64) -> f64>(
    mut f: F,
    a: f64,
    b: f64,
    xtol: f64,
    rtol: f64,
    max_eval: usize,
) -> Result<RootResult, RootError> {
    check_inputs(a, b, xtol, rtol)?;
    let mut n_eval = 0;
    let (mut xpre, mut xcur) = (a, b);
    let mut fpre = call(&mut f, xpre, &mut n_eval)?;
    if fpre == 0.0 {
        return Ok(RootResult {
            x: xpre,
            fx: fpre,
            n_eval,
            converged: true,
        });
    }
    let mut fcur = call(&mut f, xcur, &mut n_eval)?;
    if fcur == 0.0 {
        return Ok(RootResult {
            x: xcur,
            fx: fcur,
            n_eval,
            converged: true,
        });
    }
    if fpre.signum() == fcur.signum() {
        return Err(RootError::NotBracketed {
            a,
            b,
            fa: fpre,
            fb: fcur,
        });
    }
    let (mut xblk, mut fblk) = (0.0, 0.0);
    let (mut spre, mut scur) = (0.0, 0.0);
    loop {
        if fpre != 0.0 && fcur != 0.0 && fpre.signum() != fcur.signum() {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = 0.5 * (xtol + rtol * xcur.abs());
        let sbis = 0.5 * (xblk - xcur);
        if fcur == 0.0 || sbis.abs() < delta {
            return Ok(RootResult {
                x: xcur,
                fx: fcur,
                n_eval,
                converged: true,
            });
        }
        if n_eval >= max_eval {
            return Ok(RootResult {
                x: xcur,
                fx: fcur,
                n_eval,
                converged: false,
            });
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                // Secant (interpolation).
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                // Inverse quadratic (extrapolation form).
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        if scur.abs() > delta {
            xcur += scur;
        } else {
            xcur += if sbis > 0.0 { delta } else { -delta };
        }
        fcur = call(&mut f, xcur, &mut n_eval)?;
    }
}

/// Alefeld, Potra & Shi, "Algorithm 748: enclosing zeros of continuous
/// functions", ACM TOMS 21 (1995) 327, with `k = 2` (algorithm 4.2), as
/// scipy's `toms748`: inverse cubic interpolation / Newton-quadratic steps,
/// a double-length secant step, and bisection when the bracket does not
/// shrink by half. Returns the midpoint of the final bracket.
///
/// `max_eval` counts every call to `f`, the two bracket ends included.
/// The bracket ends may be given in either order.
///
/// # Errors
///
/// As [`brent_root`].
pub fn toms748<F: FnMut(f64) -> f64>(
    mut f: F,
    a: f64,
    b: f64,
    xtol: f64,
    rtol: f64,
    max_eval: usize,
) -> Result<RootResult, RootError> {
    check_inputs(a, b, xtol, rtol)?;
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let mut n_eval = 0;
    let exact = |x: f64, fx: f64, n_eval: usize| RootResult {
        x,
        fx,
        n_eval,
        converged: true,
    };
    let fa = call(&mut f, a, &mut n_eval)?;
    if fa == 0.0 {
        return Ok(exact(a, fa, n_eval));
    }
    let fb = call(&mut f, b, &mut n_eval)?;
    if fb == 0.0 {
        return Ok(exact(b, fb, n_eval));
    }
    if fa.signum() == fb.signum() {
        return Err(RootError::NotBracketed { a, b, fa, fb });
    }
    let mut s = Toms {
        ab: [a, b],
        fab: [fa, fb],
        xtol,
        rtol,
    };
    let unfinished = |s: &Toms, n_eval: usize| {
        let u = if s.fab[0].abs() < s.fab[1].abs() {
            0
        } else {
            1
        };
        RootResult {
            x: 0.5 * (s.ab[0] + s.ab[1]),
            fx: s.fab[u],
            n_eval,
            converged: false,
        }
    };

    // First step: secant.
    let mut c = secant(s.ab, s.fab);
    if !(s.ab[0] < c && c < s.ab[1]) {
        c = 0.5 * (s.ab[0] + s.ab[1]);
    }
    if n_eval >= max_eval {
        return Ok(unfinished(&s, n_eval));
    }
    let fc = call(&mut f, c, &mut n_eval)?;
    if fc == 0.0 {
        return Ok(exact(c, fc, n_eval));
    }
    let (mut d, mut fd) = s.update(c, fc);
    let mut e: Option<(f64, f64)> = None;

    loop {
        let width0 = s.ab[1] - s.ab[0];
        // Two interpolation steps (k = 2).
        for nsteps in 2..4 {
            if n_eval >= max_eval {
                return Ok(unfinished(&s, n_eval));
            }
            let mut c = None;
            let separated =
                e.filter(|&(_, fe)| not_close(&[s.fab[0], s.fab[1], fd, fe], 32.0 * f64::EPSILON));
            if let Some((ev, fe)) = separated {
                let c0 =
                    inverse_cubic_zero([s.ab[0], s.ab[1], d, ev], [s.fab[0], s.fab[1], fd, fe]);
                if s.ab[0] < c0 && c0 < s.ab[1] {
                    c = Some(c0);
                }
            }
            let c = c.unwrap_or_else(|| newton_quadratic(s.ab, s.fab, d, fd, nsteps));
            let fc = call(&mut f, c, &mut n_eval)?;
            if fc == 0.0 {
                return Ok(exact(c, fc, n_eval));
            }
            e = Some((d, fd));
            (d, fd) = s.update(c, fc);
        }

        // Double-length secant step from the end with the smaller |f|.
        let uix = if s.fab[0].abs() < s.fab[1].abs() {
            0
        } else {
            1
        };
        let (u, fu) = (s.ab[uix], s.fab[uix]);
        let slope = (s.fab[1] - s.fab[0]) / (s.ab[1] - s.ab[0]);
        let mut c = u - 2.0 * fu / slope;
        let step = (c - u).abs();
        if step.is_nan() || step > 0.5 * (s.ab[1] - s.ab[0]) {
            c = 0.5 * (s.ab[0] + s.ab[1]);
        } else {
            if (c - u).abs() <= f64::EPSILON * u.abs() {
                // c did not move: the f-values differ wildly in magnitude or
                // the root is very close to u.
                let (_, eu) = frexp(s.fab[uix]);
                let (_, ev) = frexp(s.fab[1 - uix]);
                if eu < ev - 50 {
                    c = (31.0 * s.ab[uix] + s.ab[1 - uix]) / 32.0;
                } else {
                    let mm = if uix == 0 { 1.0 } else { -1.0 };
                    c = u + mm * (c.abs() * s.rtol + s.xtol);
                }
            }
            if !(s.ab[0] < c && c < s.ab[1]) {
                c = 0.5 * (s.ab[0] + s.ab[1]);
            }
        }
        if n_eval >= max_eval {
            return Ok(unfinished(&s, n_eval));
        }
        let fc = call(&mut f, c, &mut n_eval)?;
        if fc == 0.0 {
            return Ok(exact(c, fc, n_eval));
        }
        e = Some((d, fd));
        (d, fd) = s.update(c, fc);

        // Bisect when the bracket did not shrink enough.
        if s.ab[1] - s.ab[0] > 0.5 * width0 {
            if n_eval >= max_eval {
                return Ok(unfinished(&s, n_eval));
            }
            e = Some((d, fd));
            let z = 0.5 * (s.ab[0] + s.ab[1]);
            let fz = call(&mut f, z, &mut n_eval)?;
            if fz == 0.0 {
                return Ok(exact(z, fz, n_eval));
            }
            (d, fd) = s.update(z, fz);
        }

        if (s.ab[0] - s.ab[1]).abs() <= s.xtol + s.rtol * s.ab[1].abs() {
            let mut r = unfinished(&s, n_eval);
            r.converged = true;
            return Ok(r);
        }
    }
}

/// The enclosing bracket of TOMS748.
struct Toms {
    ab: [f64; 2],
    fab: [f64; 2],
    xtol: f64,
    rtol: f64,
}

impl Toms {
    /// Replace the bracket end with the same sign as `fc` by `c`; return the
    /// end that was dropped.
    fn update(&mut self, c: f64, fc: f64) -> (f64, f64) {
        let idx = if self.fab[0].signum() * fc.signum() > 0.0 {
            0
        } else {
            1
        };
        let dropped = (self.ab[idx], self.fab[idx]);
        self.ab[idx] = c;
        self.fab[idx] = fc;
        dropped
    }
}

fn secant(x: [f64; 2], f: [f64; 2]) -> f64 {
    let ([x0, x1], [f0, f1]) = (x, f);
    if f0 == f1 {
        return f64::NAN;
    }
    if f1.abs() > f0.abs() {
        (-f0 / f1 * x1 + x0) / (1.0 - f0 / f1)
    } else {
        (-f1 / f0 * x0 + x1) / (1.0 - f1 / f0)
    }
}

/// All values non-zero and pairwise further apart than `atol`.
fn not_close(fs: &[f64], atol: f64) -> bool {
    if fs.iter().any(|&v| v == 0.0 || !v.is_finite()) {
        return false;
    }
    for i in 0..fs.len() {
        for j in i + 1..fs.len() {
            if (fs[i] - fs[j]).abs() <= atol {
                return false;
            }
        }
    }
    true
}

/// Zero of the cubic x(f) through four points (inverse interpolation),
/// by Neville's scheme evaluated at f = 0.
fn inverse_cubic_zero(x: [f64; 4], f: [f64; 4]) -> f64 {
    let mut p = x;
    for k in 1..4 {
        for i in 0..4 - k {
            let j = i + k;
            // p[i] holds P_{i..j-1}(0), p[i+1] holds P_{i+1..j}(0).
            p[i] = (f[j] * p[i] - f[i] * p[i + 1]) / (f[j] - f[i]);
        }
    }
    p[0]
}

/// Newton steps on the quadratic through `(a, fa)`, `(b, fb)`, `(d, fd)`,
/// kept inside `(a, b)`.
fn newton_quadratic(ab: [f64; 2], fab: [f64; 2], d: f64, fd: f64, k: usize) -> f64 {
    let ([a, b], [fa, fb]) = (ab, fab);
    let fab_dd = (fb - fa) / (b - a);
    let fbd_dd = (fd - fb) / (d - b);
    let a2 = (fbd_dd - fab_dd) / (d - a);
    let b1 = fab_dd;
    let p = |x: f64| (a2 * (x - b) + b1) * (x - a) + fa;
    if a2 == 0.0 {
        return a - fa / b1;
    }
    let mut r = if a2.signum() * fa.signum() > 0.0 {
        a
    } else {
        b
    };
    for _ in 0..k {
        let r1 = r - p(r) / (b1 + a2 * (2.0 * r - a - b));
        if !(a < r1 && r1 < b) {
            if a < r && r < b {
                return r;
            }
            r = 0.5 * (a + b);
            break;
        }
        r = r1;
    }
    r
}

/// Binary exponent of `v` as numpy's `frexp` (`v = m 2^e`, `0.5 <= |m| < 1`).
fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (v, 0);
    }
    let e = v.abs().log2().floor() as i32 + 1;
    (v / 2f64.powi(e), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_cubic_is_exact_for_cubic_inverse() {
        // x = f^3 + 2 f + 1 has x(0) = 1.
        let fs = [-1.0, -0.5, 0.3, 0.9];
        let xs = fs.map(|f: f64| f.powi(3) + 2.0 * f + 1.0);
        assert!((inverse_cubic_zero(xs, fs) - 1.0).abs() < 1e-14);
    }

    #[test]
    fn frexp_matches_numpy() {
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(1.0), (0.5, 1));
        assert_eq!(frexp(0.75), (0.75, 0));
    }

    #[test]
    fn newton_quadratic_stays_inside() {
        let r = newton_quadratic([0.0, 2.0], [-1.0, 3.0], 3.0, 8.0, 2);
        assert!(r > 0.0 && r < 2.0);
    }
}
