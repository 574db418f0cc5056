//! Hessian by finite differences of the analytic gradient (the Minuit/pyhf
//! "HESSE" uncertainties come from its inverse, in [`crate::covariance_from_hessian`]).

use ns_core::Objective;

/// Relative finite-difference step, `h_i = STEP_REL * max(|x_i|, 1)`.
///
/// Central differences of the gradient have truncation error `~h² g'''/6`
/// and rounding error `~eps G / h`, where `G` is the magnitude of the terms
/// summed into the gradient. The optimum `h ~ (3 eps G / g''')^(1/3)` is
/// `6e-6` for `G ~ g'''`; likelihood gradients sum many terms that cancel at
/// the minimum (`G` well above `|g|`), which moves the optimum up, so we use
/// `1e-5`: relative errors of about `1e-10` from each source on smooth
/// NLLs, and exact (to rounding) for quadratics.
pub(crate) const STEP_REL: f64 = 1e-5;

/// Hessian by central differences of the analytic gradient (free parameters
/// only; rows and columns of fixed parameters, and of parameters pinned by
/// `lower == upper`, are zero), symmetrised, row-major `n × n`.
///
/// The step is `h_i = 1e-5 · max(|x_i|, 1)` (see the source for why). Every
/// evaluation stays inside `[lower, upper]`: near a bound the one-sided
/// second-order formula `(−3 g(x) + 4 g(x ± h) − g(x ± 2h)) / (±2h)` is used,
/// and in a box narrower than a few steps the step is shrunk to fit. Costs
/// `2 n_free` gradient evaluations (plus one when a one-sided difference is
/// needed).
///
/// # Panics
///
/// When the slice lengths differ from `obj.dim()`.
pub fn hessian_from_gradient<O: Objective + ?Sized>(
    obj: &mut O,
    x: &[f64],
    lower: &[f64],
    upper: &[f64],
    fixed: &[bool],
) -> Vec<f64> {
    let n = x.len();
    assert_eq!(
        obj.dim(),
        n,
        "x length differs from the objective dimension"
    );
    assert_eq!(lower.len(), n, "lower bounds length differs from x");
    assert_eq!(upper.len(), n, "upper bounds length differs from x");
    assert_eq!(fixed.len(), n, "fixed mask length differs from x");

    let mut h = vec![0.0; n * n];
    // Fixed, or pinned by `lower == upper`: row and column stay zero.
    let mut pinned = fixed.to_vec();
    let mut xp = x.to_vec();
    let mut g0: Option<Vec<f64>> = None;
    let mut g1 = vec![0.0; n];
    let mut g2 = vec![0.0; n];

    for j in 0..n {
        if fixed[j] {
            continue;
        }
        let step = STEP_REL * x[j].abs().max(1.0);
        let room_up = (upper[j] - x[j]).max(0.0);
        let room_dn = (x[j] - lower[j]).max(0.0);
        // Shrink the step in boxes narrower than four steps.
        let step = step.min(0.25 * (room_up + room_dn));
        if step.is_nan() || step <= 0.0 {
            pinned[j] = true; // lower == upper: the parameter cannot move.
            continue;
        }
        let at = |xp: &mut Vec<f64>, v: f64, g: &mut Vec<f64>, obj: &mut O| {
            xp[j] = v;
            obj.value_grad(xp, g);
            xp[j] = x[j];
        };
        if room_up >= step && room_dn >= step {
            at(&mut xp, x[j] + step, &mut g1, obj);
            at(&mut xp, x[j] - step, &mut g2, obj);
            for i in 0..n {
                h[i * n + j] = (g1[i] - g2[i]) / (2.0 * step);
            }
        } else {
            // One-sided, second order, towards the roomier side.
            let sign = if room_up >= room_dn { 1.0 } else { -1.0 };
            let g0 = g0.get_or_insert_with(|| {
                let mut g = vec![0.0; n];
                obj.value_grad(x, &mut g);
                g
            });
            at(&mut xp, x[j] + sign * step, &mut g1, obj);
            at(&mut xp, x[j] + sign * 2.0 * step, &mut g2, obj);
            for i in 0..n {
                h[i * n + j] = sign * (-3.0 * g0[i] + 4.0 * g1[i] - g2[i]) / (2.0 * step);
            }
        }
    }

    // Symmetrise and zero the fixed rows/columns.
    for i in 0..n {
        for j in 0..=i {
            let v = if pinned[i] || pinned[j] {
                0.0
            } else {
                0.5 * (h[i * n + j] + h[j * n + i])
            };
            h[i * n + j] = v;
            h[j * n + i] = v;
        }
    }
    h
}
