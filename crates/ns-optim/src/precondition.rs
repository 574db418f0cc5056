//! Diagonal preconditioning: minimise in coordinates `y = s ⊙ x` with
//! `s_i = sqrt(H_ii)`, so every direction has unit curvature to first order.
//!
//! Why: published likelihoods mix curvatures over 20+ orders of magnitude
//! (shapesys γ with τ up to 1e12 next to normsys α of unit width); a
//! quasi-Newton method started with a scalar initial Hessian then proposes
//! steps that overshoot the stiff directions by factors of ~1e12, and the
//! line search fails within a few iterations. Rescaled by the Hessian
//! diagonal the same problem is ordinary. The projected-gradient tolerance
//! then applies to `g_i / s_i`, whose square is the NLL still to gain along
//! `i`: a meaningful test at any curvature.

use ns_core::Objective;

use crate::hessian_sparse::hessian_structured;
use crate::lbfgsb::{Lbfgsb, MinimizeResult};

/// `obj` seen in scaled coordinates `y = s ⊙ x`.
struct Scaled<'a, O: Objective + ?Sized> {
    inner: &'a mut O,
    scale: &'a [f64],
    x: Vec<f64>,
}

impl<O: Objective + ?Sized> Scaled<'_, O> {
    fn unscale(&mut self, y: &[f64]) {
        for ((x, y), s) in self.x.iter_mut().zip(y).zip(self.scale) {
            *x = y / s;
        }
    }
}

impl<O: Objective + ?Sized> Objective for Scaled<'_, O> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&mut self, y: &[f64]) -> f64 {
        self.unscale(y);
        self.inner.value(&self.x)
    }
    fn value_grad(&mut self, y: &[f64], grad: &mut [f64]) -> f64 {
        self.unscale(y);
        let f = self.inner.value_grad(&self.x, grad);
        for (g, s) in grad.iter_mut().zip(self.scale) {
            *g /= s;
        }
        f
    }
}

/// The scales `sqrt(H_ii)` at `x` from the (structured, finite-difference)
/// Hessian, 1 where the curvature is not positive and finite or the
/// parameter is fixed; and the gradient evaluations spent.
pub fn diagonal_scales<O: Objective + ?Sized>(
    obj: &mut O,
    x: &[f64],
    lower: &[f64],
    upper: &[f64],
    fixed: &[bool],
) -> (Vec<f64>, usize) {
    let n = x.len();
    let (h, evals) = hessian_structured(obj, x, lower, upper, fixed);
    let scale = (0..n)
        .map(|i| {
            let hii = h[i * n + i];
            if fixed[i] || !(hii.is_finite() && hii > 0.0) {
                1.0
            } else {
                hii.sqrt()
            }
        })
        .collect();
    (scale, evals)
}

/// Minimise `obj` from `x0` in the coordinates scaled by `scale` (positive,
/// finite); the result is in the original coordinates (its gradient too).
pub fn minimize_scaled<O: Objective + ?Sized>(
    minimizer: &mut Lbfgsb,
    obj: &mut O,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    fixed: &[bool],
    scale: &[f64],
) -> MinimizeResult {
    let y0: Vec<f64> = x0.iter().zip(scale).map(|(x, s)| x * s).collect();
    let lo: Vec<f64> = lower.iter().zip(scale).map(|(x, s)| x * s).collect();
    let hi: Vec<f64> = upper.iter().zip(scale).map(|(x, s)| x * s).collect();
    let mut scaled = Scaled {
        inner: obj,
        scale,
        x: vec![0.0; x0.len()],
    };
    let mut r = minimizer.minimize(&mut scaled, &y0, &lo, &hi, fixed);
    for (i, (y, s)) in r.x.iter_mut().zip(scale).enumerate() {
        // Fixed parameters keep their value bit for bit.
        *y = if fixed[i] { x0[i] } else { *y / s };
    }
    for (g, s) in r.grad.iter_mut().zip(scale) {
        *g *= s;
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f = Σ c_i (x_i − 1)² with c spanning 1 .. 1e12: plain L-BFGS from a
    /// scalar initial Hessian struggles, the scaled one converges at once.
    struct Stiff;
    const C: [f64; 4] = [1.0, 1e4, 1e8, 1e12];
    impl Objective for Stiff {
        fn dim(&self) -> usize {
            4
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            x.iter().zip(C).map(|(x, c)| c * (x - 1.0).powi(2)).sum()
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            for i in 0..4 {
                g[i] = 2.0 * C[i] * (x[i] - 1.0);
            }
            self.value(x)
        }
    }

    #[test]
    fn scaled_minimum_of_a_stiff_quadratic() {
        let x0 = [0.5, 0.5, 0.999, 1.000001];
        let lo = [-10.0; 4];
        let hi = [10.0; 4];
        let fixed = [false; 4];
        let (s, _) = diagonal_scales(&mut Stiff, &x0, &lo, &hi, &fixed);
        for (si, c) in s.iter().zip(C) {
            assert!((si / (2.0 * c).sqrt() - 1.0).abs() < 1e-4, "{si} vs {c}");
        }
        let r = minimize_scaled(
            &mut Lbfgsb::default(),
            &mut Stiff,
            &x0,
            &lo,
            &hi,
            &fixed,
            &s,
        );
        assert!(r.status.converged(), "{}", r.status);
        assert!(r.fval < 1e-14, "{}", r.fval);
        for x in &r.x {
            assert!((x - 1.0).abs() < 1e-7);
        }
    }
}
