//! Bounded limited-memory quasi-Newton minimisation (L-BFGS-B class).
//!
//! # Algorithm
//!
//! A projected L-BFGS with active-set identification, in the family of
//! Bertsekas' projected Newton method (SIAM J. Control Optim. 20 (1982) 221)
//! and the projected quasi-Newton methods of Kim, Sra & Dhillon (2010). Each
//! iteration:
//!
//! 1. **Active set.** A free variable sitting on a bound whose gradient pushes
//!    it outwards is *held* for this iteration; variables fixed by the caller
//!    (or with `lower == upper`) never move.
//! 2. **Direction.** The L-BFGS two-loop recursion (Nocedal & Wright,
//!    algorithm 7.4) on the non-held variables only: every inner product is
//!    restricted to them, and stored pairs whose restricted curvature
//!    `s·y <= eps |y|^2` are skipped, so the restricted inverse Hessian stays
//!    positive definite. Initial scaling `gamma = s·y / y·y` of the newest
//!    usable pair. Without memory: steepest descent, unit length on the
//!    first iteration (as scipy's L-BFGS-B), `gamma`-scaled afterwards.
//! 3. **Projection.** The quasi-Newton point `x + d` is projected onto the
//!    box, `x̄ = P(x + d)`, and the search runs along the feasible segment
//!    `x + a (x̄ - x)`, allowed to extend past `a = 1` up to the first bound
//!    when no variable was clipped. If the projection destroyed descent, the
//!    unprojected direction truncated at its first breakpoint is used
//!    (Morales & Nocedal, ACM TOMS 38 (2011) 7); failing that, the memory is
//!    reset and the projected steepest-descent direction is used.
//! 4. **Line search.** Strong Wolfe along the segment (see `line_search`),
//!    which backtracks out of regions where the objective is `+inf` and
//!    accepts Hager–Zhang approximate-Armijo steps in the rounding-noise
//!    regime near the minimum.
//! 5. **Memory update.** The pair `(s, y)` is stored only when
//!    `s·y > eps |y|^2`. On a line-search failure the memory is reset and the
//!    iteration retried once with steepest descent before giving up.
//!
//! # Stopping
//!
//! * [`FitStatus::ConvergedGradient`]: the projected gradient
//!   `‖P(x − g) − x‖_∞ <= pgtol` (absolute, as scipy's `pgtol`).
//! * [`FitStatus::ConvergedFunction`]: the relative decrease
//!   `(f_prev − f) / max(|f_prev|, |f|, 1) <= ftol` on
//!   [`STALL_ITERATIONS`] consecutive iterations, or a final line-search
//!   failure where the predicted decrease is below the function's rounding
//!   noise (nothing measurable is left to gain).
//! * [`FitStatus::MaxIterations`], [`FitStatus::MaxEvaluations`],
//!   [`FitStatus::LineSearchFailed`], [`FitStatus::NonFiniteStart`],
//!   [`FitStatus::Cancelled`] otherwise.
//!
//! The final point is returned, or an earlier one if it is lower by more
//! than `ftol` relative. All buffers live in [`Lbfgsb`] and are
//! resized at the start of a call, so the iteration loop does not allocate;
//! the computation is sequential and therefore bit-for-bit deterministic.

use std::sync::atomic::{AtomicBool, Ordering};

use ns_core::{FitStatus, Objective};

use crate::line_search::{self, Accepted, LineBuffers, LineOutcome, LineProblem};

/// Consecutive iterations with a relative decrease below `ftol` before
/// stopping with [`FitStatus::ConvergedFunction`].
pub const STALL_ITERATIONS: usize = 3;

/// Relative size of the rounding noise tolerated by the line search's
/// approximate-Armijo test (see `line_search`).
const NOISE_REL: f64 = 1e-11;

/// Options of [`Lbfgsb`].
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsbOptions {
    /// Number of stored correction pairs (`m`). Default 10.
    pub memory: usize,
    /// Maximum number of iterations (accepted steps). Default 1000.
    pub max_iter: usize,
    /// Maximum number of objective evaluations (calls to `value` or
    /// `value_grad`). Default 5000.
    pub max_eval: usize,
    /// Absolute tolerance on the infinity norm of the projected gradient
    /// `P(x − g) − x`. Default `1e-7` (scipy: `1e-5`): a gradient of that
    /// size leaves `g²/(2λ)` above the minimum, below `1e-9` for any
    /// curvature `λ >= 1e-5`.
    pub pgtol: f64,
    /// Relative function-decrease tolerance, applied over
    /// [`STALL_ITERATIONS`] consecutive iterations. Default `1e-14`
    /// (scipy's `factr * eps` is `2.2e-9`). NLLs are often large (`|f| ~ 1e4`
    /// or more) and L-BFGS converges linearly on ill-conditioned ones, so a
    /// looser value stops with twice the NLL up to ~1e-7 above the minimum;
    /// `1e-14` is still well above the relative rounding noise of such sums
    /// (~1e-16 to 1e-15), which the line search handles separately.
    pub ftol: f64,
}

impl Default for LbfgsbOptions {
    fn default() -> Self {
        Self {
            memory: 10,
            max_iter: 1000,
            max_eval: 5000,
            pgtol: 1e-7,
            ftol: 1e-14,
        }
    }
}

/// The outcome of [`Lbfgsb::minimize`].
#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeResult {
    /// The lowest point found.
    pub x: Vec<f64>,
    /// Objective value at `x`.
    pub fval: f64,
    /// Full gradient at `x` (fixed components included).
    pub grad: Vec<f64>,
    /// Why the minimiser stopped.
    pub status: FitStatus,
    /// Iterations (accepted steps).
    pub n_iter: usize,
    /// Objective evaluations (calls to `value` or `value_grad`).
    pub n_eval: usize,
}

/// Reusable bounded quasi-Newton minimiser: owns all its buffers so a loop
/// of thousands of fits (toys) does not allocate per iteration; the buffers
/// are resized on demand at the start of each call.
#[derive(Debug, Clone)]
pub struct Lbfgsb {
    options: LbfgsbOptions,
    n: usize,
    m: usize,
    x: Vec<f64>,
    g: Vec<f64>,
    /// May move at all (not fixed, `lower < upper`).
    free: Vec<bool>,
    /// Held at a bound this iteration (or not free).
    held: Vec<bool>,
    d: Vec<f64>,
    dp: Vec<f64>,
    xt: Vec<f64>,
    gt: Vec<f64>,
    x_lo: Vec<f64>,
    g_lo: Vec<f64>,
    x_best: Vec<f64>,
    g_best: Vec<f64>,
    s_mem: Vec<f64>,
    y_mem: Vec<f64>,
    alpha: Vec<f64>,
    rho: Vec<f64>,
    valid: Vec<bool>,
    mem_len: usize,
    mem_head: usize,
}

impl Default for Lbfgsb {
    fn default() -> Self {
        Self::new(LbfgsbOptions::default())
    }
}

impl Lbfgsb {
    /// A minimiser with the given options (buffers are allocated lazily).
    pub fn new(options: LbfgsbOptions) -> Self {
        Self {
            options,
            n: 0,
            m: 0,
            x: Vec::new(),
            g: Vec::new(),
            free: Vec::new(),
            held: Vec::new(),
            d: Vec::new(),
            dp: Vec::new(),
            xt: Vec::new(),
            gt: Vec::new(),
            x_lo: Vec::new(),
            g_lo: Vec::new(),
            x_best: Vec::new(),
            g_best: Vec::new(),
            s_mem: Vec::new(),
            y_mem: Vec::new(),
            alpha: Vec::new(),
            rho: Vec::new(),
            valid: Vec::new(),
            mem_len: 0,
            mem_head: 0,
        }
    }

    /// The options in use.
    pub fn options(&self) -> &LbfgsbOptions {
        &self.options
    }

    /// Minimise `obj` from `x0` within `[lower, upper]`; parameters with
    /// `fixed[i] == true` stay at `x0[i]`. Free starting values outside the
    /// box are projected onto it.
    ///
    /// # Panics
    ///
    /// When the slice lengths differ from `obj.dim()`, or when a free
    /// parameter has `lower > upper` or a NaN bound.
    pub fn minimize<O: Objective + ?Sized>(
        &mut self,
        obj: &mut O,
        x0: &[f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
    ) -> MinimizeResult {
        self.minimize_with_cancel(obj, x0, lower, upper, fixed, None)
    }

    /// Same as [`Lbfgsb::minimize`], with a cancellation flag polled once per
    /// iteration (the result then has status [`FitStatus::Cancelled`] and
    /// the best point so far).
    ///
    /// # Panics
    ///
    /// As [`Lbfgsb::minimize`].
    pub fn minimize_with_cancel<O: Objective + ?Sized>(
        &mut self,
        obj: &mut O,
        x0: &[f64],
        lower: &[f64],
        upper: &[f64],
        fixed: &[bool],
        cancel: Option<&AtomicBool>,
    ) -> MinimizeResult {
        let n = x0.len();
        assert_eq!(
            obj.dim(),
            n,
            "x0 length differs from the objective dimension"
        );
        assert_eq!(lower.len(), n, "lower bounds length differs from x0");
        assert_eq!(upper.len(), n, "upper bounds length differs from x0");
        assert_eq!(fixed.len(), n, "fixed mask length differs from x0");
        self.resize(n);

        for i in 0..n {
            if fixed[i] {
                self.free[i] = false;
                self.x[i] = x0[i];
            } else {
                assert!(
                    lower[i] <= upper[i],
                    "parameter {i}: lower bound {} above upper bound {} (or NaN)",
                    lower[i],
                    upper[i]
                );
                self.free[i] = lower[i] < upper[i];
                self.x[i] = x0[i].clamp(lower[i], upper[i]);
            }
        }

        let mut n_eval = 1usize;
        let mut f = obj.value_grad(&self.x, &mut self.g);
        let start_ok = f.is_finite() && (0..n).all(|i| !self.free[i] || self.g[i].is_finite());
        if !start_ok {
            return MinimizeResult {
                x: self.x.clone(),
                fval: f,
                grad: self.g.clone(),
                status: FitStatus::NonFiniteStart,
                n_iter: 0,
                n_eval,
            };
        }
        self.x_best.copy_from_slice(&self.x);
        self.g_best.copy_from_slice(&self.g);
        let mut f_best = f;

        let opts = self.options.clone();
        let mut n_iter = 0usize;
        let mut stall = 0usize;
        let mut gamma_last: Option<f64> = None;
        let mut failed_once = false;

        let status = loop {
            let pg = projected_gradient_norm(&self.x, &self.g, lower, upper, &self.free);
            if pg <= opts.pgtol {
                break FitStatus::ConvergedGradient;
            }
            if stall >= STALL_ITERATIONS {
                break FitStatus::ConvergedFunction;
            }
            if n_iter >= opts.max_iter {
                break FitStatus::MaxIterations;
            }
            if n_eval >= opts.max_eval {
                break FitStatus::MaxEvaluations;
            }
            if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                break FitStatus::Cancelled;
            }

            // 1. Active set.
            for i in 0..n {
                self.held[i] = !self.free[i]
                    || (self.x[i] <= lower[i] && self.g[i] >= 0.0)
                    || (self.x[i] >= upper[i] && self.g[i] <= 0.0);
            }

            // 2. Direction.
            let use_qn = self.mem_len > 0 && self.two_loop();
            let sd_scale = gamma_last.unwrap_or_else(|| {
                let norm = masked_dot(&self.g, &self.g, &self.held).sqrt();
                if norm > 0.0 { 1.0 / norm } else { 1.0 }
            });
            if !use_qn {
                for i in 0..n {
                    self.d[i] = if self.held[i] {
                        0.0
                    } else {
                        -sd_scale * self.g[i]
                    };
                }
            }

            // 3. Projection onto the box.
            let mut gd = 0.0;
            for i in 0..n {
                self.dp[i] = if self.held[i] {
                    0.0
                } else {
                    (self.x[i] + self.d[i]).clamp(lower[i], upper[i]) - self.x[i]
                };
                gd += self.g[i] * self.dp[i];
            }
            if !is_descent(gd) && use_qn {
                // Truncate the unprojected direction at its first breakpoint.
                let ab = max_step(&self.x, &self.d, lower, upper, &self.held).min(1.0);
                let gd_qn = masked_dot(&self.g, &self.d, &self.held);
                if ab > 0.0 && gd_qn < 0.0 {
                    for i in 0..n {
                        self.dp[i] = ab * self.d[i];
                    }
                    gd = ab * gd_qn;
                }
            }
            if !is_descent(gd) {
                // Projected steepest descent from scratch.
                self.mem_len = 0;
                gd = 0.0;
                for i in 0..n {
                    self.dp[i] = if self.held[i] {
                        0.0
                    } else {
                        (self.x[i] - sd_scale * self.g[i]).clamp(lower[i], upper[i]) - self.x[i]
                    };
                    gd += self.g[i] * self.dp[i];
                }
                if !is_descent(gd) {
                    break FitStatus::LineSearchFailed;
                }
            }

            // 4. Line search along the feasible segment.
            let alpha_max = max_step(&self.x, &self.dp, lower, upper, &self.held).max(1.0);
            let xnorm = inf_norm(&self.x);
            let dnorm = inf_norm(&self.dp);
            let problem = LineProblem {
                x: &self.x,
                d: &self.dp,
                lower,
                upper,
                free: &self.free,
                f0: f,
                dphi0: gd,
                alpha_max,
                alpha_min: f64::EPSILON * xnorm.max(1.0) / dnorm,
                eps_noise: NOISE_REL * f.abs().max(1.0),
                eval_budget: opts.max_eval.saturating_sub(n_eval),
            };
            let outcome = line_search::search(
                obj,
                &problem,
                LineBuffers {
                    xt: &mut self.xt,
                    gt: &mut self.gt,
                    x_lo: &mut self.x_lo,
                    g_lo: &mut self.g_lo,
                },
                &mut n_eval,
            );
            let (f_new, at) = match outcome {
                LineOutcome::Accepted { f, at } => (f, at),
                LineOutcome::OutOfEvals => break FitStatus::MaxEvaluations,
                LineOutcome::Failed => {
                    if self.mem_len > 0 && !failed_once {
                        self.mem_len = 0;
                        failed_once = true;
                        continue;
                    }
                    // Predicted decrease of a full step below the rounding
                    // noise: nothing measurable is left to gain.
                    break if -0.5 * gd <= NOISE_REL * f.abs().max(1.0) {
                        FitStatus::ConvergedFunction
                    } else {
                        FitStatus::LineSearchFailed
                    };
                }
            };
            failed_once = false;

            // 5. Memory update and move.
            let (x_new, g_new) = match at {
                Accepted::Trial => (&self.xt, &self.gt),
                Accepted::Lo => (&self.x_lo, &self.g_lo),
            };
            let m = self.m;
            if m > 0 {
                let slot = self.mem_head;
                let s = &mut self.s_mem[slot * n..(slot + 1) * n];
                let y = &mut self.y_mem[slot * n..(slot + 1) * n];
                let (mut sy, mut yy) = (0.0, 0.0);
                for i in 0..n {
                    if self.free[i] {
                        s[i] = x_new[i] - self.x[i];
                        y[i] = g_new[i] - self.g[i];
                        sy += s[i] * y[i];
                        yy += y[i] * y[i];
                    } else {
                        s[i] = 0.0;
                        y[i] = 0.0;
                    }
                }
                if sy > f64::EPSILON * yy && yy > 0.0 {
                    self.mem_head = (slot + 1) % m;
                    self.mem_len = (self.mem_len + 1).min(m);
                    gamma_last = Some(sy / yy);
                }
            }
            self.x.copy_from_slice(x_new);
            self.g.copy_from_slice(g_new);
            let f_prev = f;
            f = f_new;
            n_iter += 1;
            if f < f_best {
                f_best = f;
                self.x_best.copy_from_slice(&self.x);
                self.g_best.copy_from_slice(&self.g);
            }
            let scale = f_prev.abs().max(f.abs()).max(1.0);
            if (f_prev - f) <= opts.ftol * scale {
                stall += 1;
            } else {
                stall = 0;
            }
        };

        // Prefer the final point (its projected gradient is the one tested)
        // unless an earlier one is lower by more than `ftol` relative:
        // approximate-Armijo steps may raise f by rounding noise.
        let (x, fval, grad) = if f_best < f - opts.ftol * f.abs().max(1.0) {
            (self.x_best.clone(), f_best, self.g_best.clone())
        } else {
            (self.x.clone(), f, self.g.clone())
        };
        MinimizeResult {
            x,
            fval,
            grad,
            status,
            n_iter,
            n_eval,
        }
    }

    /// Size every buffer for dimension `n` and forget the memory.
    fn resize(&mut self, n: usize) {
        let m = self.options.memory;
        if self.n != n || self.m != m {
            self.n = n;
            self.m = m;
            for v in [
                &mut self.x,
                &mut self.g,
                &mut self.d,
                &mut self.dp,
                &mut self.xt,
                &mut self.gt,
                &mut self.x_lo,
                &mut self.g_lo,
                &mut self.x_best,
                &mut self.g_best,
            ] {
                v.resize(n, 0.0);
            }
            self.free.resize(n, false);
            self.held.resize(n, false);
            self.s_mem.resize(n * m, 0.0);
            self.y_mem.resize(n * m, 0.0);
            self.alpha.resize(m, 0.0);
            self.rho.resize(m, 0.0);
            self.valid.resize(m, false);
        }
        self.mem_len = 0;
        self.mem_head = 0;
    }

    /// L-BFGS two-loop recursion restricted to the non-held variables:
    /// writes `d = -H g` and returns whether any stored pair was usable.
    fn two_loop(&mut self) -> bool {
        let (n, m) = (self.n, self.m);
        let held = &self.held;
        let d = &mut self.d;
        for i in 0..n {
            d[i] = if held[i] { 0.0 } else { self.g[i] };
        }
        let mut gamma = None;
        for k in 0..self.mem_len {
            let j = (self.mem_head + m - 1 - k) % m;
            let s = &self.s_mem[j * n..(j + 1) * n];
            let y = &self.y_mem[j * n..(j + 1) * n];
            let sy = masked_dot(s, y, held);
            let yy = masked_dot(y, y, held);
            if !(sy > f64::EPSILON * yy && yy > 0.0) {
                self.valid[j] = false;
                continue;
            }
            self.valid[j] = true;
            self.rho[j] = 1.0 / sy;
            if gamma.is_none() {
                gamma = Some(sy / yy);
            }
            let a = self.rho[j] * masked_dot(s, d, held);
            self.alpha[j] = a;
            for i in 0..n {
                if !held[i] {
                    d[i] -= a * y[i];
                }
            }
        }
        let Some(gamma) = gamma else {
            return false;
        };
        for v in d.iter_mut() {
            *v *= gamma;
        }
        for k in (0..self.mem_len).rev() {
            let j = (self.mem_head + m - 1 - k) % m;
            if !self.valid[j] {
                continue;
            }
            let s = &self.s_mem[j * n..(j + 1) * n];
            let y = &self.y_mem[j * n..(j + 1) * n];
            let b = self.rho[j] * masked_dot(y, d, held);
            let c = self.alpha[j] - b;
            for i in 0..n {
                if !held[i] {
                    d[i] += c * s[i];
                }
            }
        }
        for v in d.iter_mut() {
            *v = -*v;
        }
        true
    }
}

/// Whether a directional derivative is a (finite) descent.
fn is_descent(gd: f64) -> bool {
    gd < 0.0
}

/// `sum a_i b_i` over the indices not in `held`.
/// `Σ a_i b_i` over the non-held indices. Four independent accumulators
/// (fixed order, so still deterministic): a single serial sum is bound by
/// the latency of the additions, and these dot products dominate the
/// minimiser's own cost on models with ~200 parameters.
fn masked_dot(a: &[f64], b: &[f64], held: &[bool]) -> f64 {
    let n = a.len();
    let (a, b, held) = (&a[..n], &b[..n], &held[..n]);
    let mut acc = [0.0; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        for (k, acc_k) in acc.iter_mut().enumerate() {
            let i = 4 * c + k;
            let v = a[i] * b[i];
            *acc_k += if held[i] { 0.0 } else { v };
        }
    }
    for i in 4 * chunks..n {
        let v = a[i] * b[i];
        acc[0] += if held[i] { 0.0 } else { v };
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

fn inf_norm(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |acc: f64, x| acc.max(x.abs()))
}

/// `‖P(x − g) − x‖_∞` over the free variables.
fn projected_gradient_norm(
    x: &[f64],
    g: &[f64],
    lower: &[f64],
    upper: &[f64],
    free: &[bool],
) -> f64 {
    let mut norm: f64 = 0.0;
    for i in 0..x.len() {
        if free[i] {
            let p = (x[i] - g[i]).clamp(lower[i], upper[i]) - x[i];
            norm = norm.max(p.abs());
        }
    }
    norm
}

/// Largest `a >= 0` with `x + a d` inside the box (over non-held indices);
/// `+inf` when no bound is in the way.
fn max_step(x: &[f64], d: &[f64], lower: &[f64], upper: &[f64], held: &[bool]) -> f64 {
    let mut a = f64::INFINITY;
    for i in 0..x.len() {
        if held[i] {
            continue;
        }
        if d[i] > 0.0 {
            a = a.min((upper[i] - x[i]) / d[i]);
        } else if d[i] < 0.0 {
            a = a.min((lower[i] - x[i]) / d[i]);
        }
    }
    a.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quad {
        c: Vec<f64>,
    }

    impl Objective for Quad {
        fn dim(&self) -> usize {
            self.c.len()
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            x.iter()
                .zip(&self.c)
                .map(|(x, c)| 0.5 * (x - c).powi(2))
                .sum()
        }
        fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
            for i in 0..x.len() {
                grad[i] = x[i] - self.c[i];
            }
            self.value(x)
        }
    }

    #[test]
    fn separable_quadratic_with_bounds() {
        let mut q = Quad {
            c: vec![2.0, -3.0, 0.5],
        };
        let mut opt = Lbfgsb::default();
        let r = opt.minimize(&mut q, &[0.0; 3], &[-1.0; 3], &[1.0; 3], &[false; 3]);
        assert!(r.status.converged(), "{:?}", r.status);
        assert_eq!(r.x[0], 1.0);
        assert_eq!(r.x[1], -1.0);
        assert!((r.x[2] - 0.5).abs() < 1e-9);
    }

    #[test]
    fn buffers_reused_across_dimensions() {
        let mut opt = Lbfgsb::default();
        for n in [3usize, 7, 2, 7] {
            let mut q = Quad {
                c: (0..n).map(|i| i as f64 * 0.3).collect(),
            };
            let r = opt.minimize(
                &mut q,
                &vec![5.0; n],
                &vec![-10.0; n],
                &vec![10.0; n],
                &vec![false; n],
            );
            assert!(r.status.converged());
            for i in 0..n {
                assert!((r.x[i] - q.c[i]).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn max_step_and_projected_gradient() {
        let x = [0.0, 0.5];
        let d = [1.0, -1.0];
        let held = [false, false];
        assert_eq!(max_step(&x, &d, &[-1.0, 0.0], &[2.0, 1.0], &held), 0.5);
        let pg = projected_gradient_norm(
            &[0.0, 1.0],
            &[1.0, -3.0],
            &[0.0, 0.0],
            &[1.0, 1.0],
            &[true, true],
        );
        assert_eq!(pg, 0.0);
    }
}
