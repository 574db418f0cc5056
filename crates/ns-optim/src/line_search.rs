//! Strong-Wolfe line search along a feasible segment, for [`crate::Lbfgsb`].
//!
//! Bracketing and zoom with safeguarded cubic interpolation (Nocedal &
//! Wright, *Numerical Optimization*, 2nd ed., algorithms 3.5 and 3.6). Two
//! additions for likelihoods:
//!
//! * a trial with a non-finite value or gradient (the objective is `+inf`
//!   outside its domain) is treated as "too far" and the step is bisected
//!   back towards the last good point;
//! * the sufficient-decrease test also accepts the *approximate Armijo*
//!   condition of Hager & Zhang (SIAM J. Optim. 16 (2005) 170): a value no
//!   higher than `f0 + eps_noise` together with a directional derivative
//!   `phi'(a) <= (2 c1 - 1) phi'(0)`. Close to a minimum the function
//!   differences drown in rounding while the analytic gradient is still
//!   accurate; this lets the minimiser keep converging on the gradient.
//!
//! Every trial point is clamped into the box, so the caller only has to pass
//! a direction whose segment `[x, x + alpha_max d]` is feasible.

use ns_core::Objective;

/// Sufficient-decrease constant.
const C1: f64 = 1e-4;
/// Curvature constant (the usual quasi-Newton choice).
const C2: f64 = 0.9;
/// Maximum number of expansion steps in the bracketing phase.
const MAX_BRACKET: usize = 20;
/// Maximum number of evaluations in the zoom phase.
const MAX_ZOOM: usize = 40;

/// The inputs of one line search.
pub(crate) struct LineProblem<'a> {
    pub x: &'a [f64],
    pub d: &'a [f64],
    pub lower: &'a [f64],
    pub upper: &'a [f64],
    /// Variables that may move (not fixed by the caller).
    pub free: &'a [bool],
    pub f0: f64,
    /// Directional derivative at `alpha = 0`; must be negative.
    pub dphi0: f64,
    /// Largest feasible step (may be infinite).
    pub alpha_max: f64,
    /// Smallest step worth trying (below it the segment has collapsed).
    pub alpha_min: f64,
    /// Increase of the value tolerated as rounding noise.
    pub eps_noise: f64,
    /// Evaluations still allowed.
    pub eval_budget: usize,
}

/// Where the accepted point lives after a successful search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// In the trial buffers (`xt`, `gt`).
    Trial,
    /// In the best-so-far buffers (`x_lo`, `g_lo`).
    Lo,
}

/// Outcome of a line search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum LineOutcome {
    /// A point with sufficient decrease was found.
    Accepted { f: f64, at: Accepted },
    /// No acceptable step.
    Failed,
    /// The evaluation budget ran out before any acceptable step.
    OutOfEvals,
}

/// Scratch buffers the search writes into (owned by the minimiser).
pub(crate) struct LineBuffers<'a> {
    pub xt: &'a mut [f64],
    pub gt: &'a mut [f64],
    pub x_lo: &'a mut [f64],
    pub g_lo: &'a mut [f64],
}

struct Point {
    a: f64,
    f: f64,
    df: f64,
}

/// Evaluate `phi(a) = f(clamp(x + a d))` and its derivative along `d`.
fn eval<O: Objective + ?Sized>(
    obj: &mut O,
    p: &LineProblem<'_>,
    a: f64,
    xt: &mut [f64],
    gt: &mut [f64],
    n_eval: &mut usize,
) -> (f64, f64) {
    for (i, xi) in xt.iter_mut().enumerate() {
        *xi = if p.free[i] {
            (p.x[i] + a * p.d[i]).clamp(p.lower[i], p.upper[i])
        } else {
            p.x[i]
        };
    }
    let f = obj.value_grad(xt, gt);
    *n_eval += 1;
    let mut df = 0.0;
    for ((gi, di), free) in gt.iter().zip(p.d).zip(p.free) {
        if *free {
            df += gi * di;
        }
    }
    if f.is_finite() && df.is_finite() {
        (f, df)
    } else {
        (f64::INFINITY, f64::NAN)
    }
}

fn sufficient(p: &LineProblem<'_>, a: f64, f: f64, df: f64) -> bool {
    if !f.is_finite() {
        return false;
    }
    f <= p.f0 + C1 * a * p.dphi0 || (f <= p.f0 + p.eps_noise && df <= (2.0 * C1 - 1.0) * p.dphi0)
}

fn curvature(p: &LineProblem<'_>, df: f64) -> bool {
    df.abs() <= -C2 * p.dphi0
}

/// Minimiser of the cubic through `(a, fa, da)` and `(b, fb, db)`,
/// safeguarded into the middle 80% of the interval; bisection when the
/// cubic is unusable or `b` is not finite.
fn interpolate(lo: &Point, hi: &Point) -> f64 {
    let (a, b) = (lo.a, hi.a);
    let w = b - a;
    let mid = a + 0.5 * w;
    if !hi.f.is_finite() || !hi.df.is_finite() {
        return mid;
    }
    let d1 = lo.df + hi.df - 3.0 * (lo.f - hi.f) / (a - b);
    let disc = d1 * d1 - lo.df * hi.df;
    if disc < 0.0 || !disc.is_finite() {
        return mid;
    }
    let d2 = w.signum() * disc.sqrt();
    let t = b - w * (hi.df + d2 - d1) / (hi.df - lo.df + 2.0 * d2);
    if !t.is_finite() {
        return mid;
    }
    let (left, right) = if w > 0.0 { (a, b) } else { (b, a) };
    let margin = 0.1 * w.abs();
    t.clamp(left + margin, right - margin)
}

/// Strong-Wolfe line search. `x_lo`/`g_lo` hold the best point with
/// sufficient decrease found so far (when its step is positive).
pub(crate) fn search<O: Objective + ?Sized>(
    obj: &mut O,
    p: &LineProblem<'_>,
    buf: LineBuffers<'_>,
    n_eval: &mut usize,
) -> LineOutcome {
    let LineBuffers { xt, gt, x_lo, g_lo } = buf;
    let n = p.x.len();
    let mut used = 0usize;

    let mut prev = Point {
        a: 0.0,
        f: p.f0,
        df: p.dphi0,
    };
    // Best point with sufficient decrease (`a == 0` means the start).
    let mut lo = Point {
        a: 0.0,
        f: p.f0,
        df: p.dphi0,
    };
    let mut a = p.alpha_max.min(1.0);
    let mut hi: Point;

    // Bracketing phase.
    let mut it = 0;
    loop {
        if used >= p.eval_budget {
            return out_of_evals(&lo);
        }
        let (f, df) = eval(obj, p, a, xt, gt, n_eval);
        used += 1;
        let suff = sufficient(p, a, f, df);
        if suff && curvature(p, df) {
            return LineOutcome::Accepted {
                f,
                at: Accepted::Trial,
            };
        }
        if !suff || (it > 0 && f >= prev.f) {
            hi = Point { a, f, df };
            // `lo` stays at `prev` (the last point with sufficient decrease).
            break;
        }
        // Sufficient decrease but not flat enough.
        x_lo[..n].copy_from_slice(&xt[..n]);
        g_lo[..n].copy_from_slice(&gt[..n]);
        lo = Point { a, f, df };
        if df >= 0.0 {
            hi = Point {
                a: prev.a,
                f: prev.f,
                df: prev.df,
            };
            break;
        }
        if a >= p.alpha_max || it + 1 >= MAX_BRACKET {
            // Still descending at the edge of the box (or after many
            // expansions): take the step, the bound becomes active.
            return LineOutcome::Accepted {
                f,
                at: Accepted::Lo,
            };
        }
        prev = Point { a, f, df };
        a = (4.0 * a).min(p.alpha_max);
        it += 1;
    }

    // Zoom phase: `lo` has sufficient decrease and the lowest value seen,
    // the minimiser along the line lies between `lo.a` and `hi.a`.
    for _ in 0..MAX_ZOOM {
        if used >= p.eval_budget {
            return out_of_evals(&lo);
        }
        if (hi.a - lo.a).abs() <= p.alpha_min {
            break;
        }
        let a = interpolate(&lo, &hi);
        let (f, df) = eval(obj, p, a, xt, gt, n_eval);
        used += 1;
        let suff = sufficient(p, a, f, df);
        if suff && curvature(p, df) {
            return LineOutcome::Accepted {
                f,
                at: Accepted::Trial,
            };
        }
        if !suff || f >= lo.f {
            hi = Point { a, f, df };
        } else {
            if df * (hi.a - lo.a) >= 0.0 {
                hi = Point {
                    a: lo.a,
                    f: lo.f,
                    df: lo.df,
                };
            }
            x_lo[..n].copy_from_slice(&xt[..n]);
            g_lo[..n].copy_from_slice(&gt[..n]);
            lo = Point { a, f, df };
        }
    }
    finish_lo(&lo)
}

/// Give up on the curvature condition: accept the best point with
/// sufficient decrease if there is one.
fn finish_lo(lo: &Point) -> LineOutcome {
    if lo.a > 0.0 {
        LineOutcome::Accepted {
            f: lo.f,
            at: Accepted::Lo,
        }
    } else {
        LineOutcome::Failed
    }
}

/// The evaluation budget ran out: keep a sufficient-decrease point if any.
fn out_of_evals(lo: &Point) -> LineOutcome {
    match finish_lo(lo) {
        LineOutcome::Failed => LineOutcome::OutOfEvals,
        other => other,
    }
}
