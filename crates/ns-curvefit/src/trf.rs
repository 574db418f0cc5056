//! Trust Region Reflective (Branch, Coleman & Li 1999; the method of
//! scipy's `least_squares(method="trf")`): a trust region in variables
//! scaled by the Coleman–Li vector, so the region shrinks near active
//! bounds; the subproblem solved exactly on an SVD of the (augmented)
//! Jacobian; the step chosen among the bounded step, its reflection off the
//! first bound hit and the scaled steepest descent, all kept strictly
//! feasible. Without bounds it is a plain Levenberg–Marquardt trust region.

use crate::error::{CurveFitError, Result};
use crate::linalg::{matvec_t, norm, thin_svd};
use crate::polish::{Iterate, polish};
use crate::solver::{Residuals, SolverOptions, SolverOutput, XScale, active_constraints};
use crate::trust_region::*;

/// Column norms of J as scales (`1/‖J_j‖`, zero columns scale 1), never
/// decreasing the inverse scale below its previous value.
fn jac_scale(
    j: &[f64],
    m: usize,
    n: usize,
    old_inv: Option<&[f64]>,
    scale: &mut [f64],
    scale_inv: &mut [f64],
) {
    for c in 0..n {
        let mut s = 0.0;
        for i in 0..m {
            s += j[i * n + c] * j[i * n + c];
        }
        let mut s = s.sqrt();
        match old_inv {
            None if s == 0.0 => s = 1.0,
            None => {}
            Some(old) => s = s.max(old[c]),
        }
        scale_inv[c] = s;
        scale[c] = 1.0 / s;
    }
}

struct Step {
    step: Vec<f64>,
    step_h: Vec<f64>,
    predicted: f64,
}

/// Choose the step inside the bounds (scipy's `select_step`).
#[allow(clippy::too_many_arguments)]
fn select_step(
    x: &[f64],
    jh: &[f64],
    m: usize,
    diag_h: &[f64],
    g_h: &[f64],
    mut p: Vec<f64>,
    mut p_h: Vec<f64>,
    d: &[f64],
    delta: f64,
    lb: &[f64],
    ub: &[f64],
    theta: f64,
) -> Step {
    let n = x.len();
    let xp: Vec<f64> = (0..n).map(|i| x[i] + p[i]).collect();
    if in_bounds(&xp, lb, ub) {
        let value = quadratic(jh, m, n, g_h, &p_h, Some(diag_h));
        return Step {
            step: p,
            step_h: p_h,
            predicted: -value,
        };
    }
    let mut hits = vec![0i8; n];
    let p_stride = step_to_bound(x, &p, lb, ub, Some(&mut hits));
    let mut r_h = p_h.clone();
    for i in 0..n {
        if hits[i] != 0 {
            r_h[i] = -r_h[i];
        }
    }
    let mut r: Vec<f64> = (0..n).map(|i| d[i] * r_h[i]).collect();
    for i in 0..n {
        p[i] *= p_stride;
        p_h[i] *= p_stride;
    }
    let x_on_bound: Vec<f64> = (0..n).map(|i| x[i] + p[i]).collect();
    let (_, to_tr) = intersect_region(&p_h, &r_h, delta);
    let to_bound = step_to_bound(&x_on_bound, &r, lb, ub, None);
    let r_stride = to_bound.min(to_tr);
    let (r_lo, r_hi) = if r_stride > 0.0 {
        let lo = (1.0 - theta) * p_stride / r_stride;
        let hi = if r_stride == to_bound {
            theta * to_bound
        } else {
            to_tr
        };
        (lo, hi)
    } else {
        (0.0, -1.0)
    };
    let mut r_value = f64::INFINITY;
    if r_lo <= r_hi {
        let (a, b, c) = quadratic_1d(jh, m, n, g_h, &r_h, Some(diag_h), Some(&p_h));
        let (t, v) = minimize_1d(a, b, c, r_lo, r_hi);
        r_value = v;
        for i in 0..n {
            r_h[i] = r_h[i] * t + p_h[i];
            r[i] = r_h[i] * d[i];
        }
    }
    for i in 0..n {
        p[i] *= theta;
        p_h[i] *= theta;
    }
    let p_value = quadratic(jh, m, n, g_h, &p_h, Some(diag_h));
    let mut ag_h: Vec<f64> = g_h.iter().map(|v| -v).collect();
    let ag: Vec<f64> = (0..n).map(|i| d[i] * ag_h[i]).collect();
    let to_tr = delta / norm(&ag_h);
    let to_bound = step_to_bound(x, &ag, lb, ub, None);
    let ag_max = if to_bound < to_tr {
        theta * to_bound
    } else {
        to_tr
    };
    let (a, b, _) = quadratic_1d(jh, m, n, g_h, &ag_h, Some(diag_h), None);
    let (t, ag_value) = minimize_1d(a, b, 0.0, 0.0, ag_max);
    for v in &mut ag_h {
        *v *= t;
    }
    let ag: Vec<f64> = ag.iter().map(|v| v * t).collect();
    if p_value < r_value && p_value < ag_value {
        Step {
            step: p,
            step_h: p_h,
            predicted: -p_value,
        }
    } else if r_value < p_value && r_value < ag_value {
        Step {
            step: r,
            step_h: r_h,
            predicted: -r_value,
        }
    } else {
        Step {
            step: ag,
            step_h: ag_h,
            predicted: -ag_value,
        }
    }
}

fn non_finite_jac(nfev: usize) -> CurveFitError {
    CurveFitError::NotConverged {
        message: "the Jacobian has non-finite entries".into(),
        nfev,
    }
}

/// Minimise ½ Σ ρ(fᵢ(x)²) subject to lb ≤ x ≤ ub from `x0` (strictly inside).
pub fn trf<R: Residuals>(
    prob: &mut R,
    x0: &[f64],
    lb: &[f64],
    ub: &[f64],
    opts: &SolverOptions,
) -> Result<SolverOutput> {
    let (m, n) = (prob.m(), prob.n());
    let bounded = lb.iter().chain(ub).any(|b| b.is_finite());
    let mut x = x0.to_vec();
    let mut f = vec![0.0; m];
    prob.fun(&x, &mut f)?;
    let mut nfev = 1;
    let mut jac = vec![0.0; m * n];
    prob.jac(&x, &f, &mut jac)?;
    let mut njev = 1;
    let mut f_true = f.clone();
    let (loss, fs) = (opts.loss, opts.f_scale);
    let mut cost = loss.cost(&f, fs);
    loss.scale(&mut f, &mut jac, n, fs);
    let mut g = vec![0.0; n];
    matvec_t(&jac, m, n, &f, &mut g);

    let (mut scale, mut scale_inv) = (vec![1.0; n], vec![1.0; n]);
    let jac_scaling = matches!(opts.x_scale, XScale::Jac);
    match &opts.x_scale {
        XScale::Jac => jac_scale(&jac, m, n, None, &mut scale, &mut scale_inv),
        XScale::Fixed(s) => {
            for i in 0..n {
                scale[i] = s[i];
                scale_inv[i] = 1.0 / s[i];
            }
        }
    }
    let (mut v, mut dv) = (vec![0.0; n], vec![0.0; n]);
    cl_scaling(&x, &g, lb, ub, &mut v, &mut dv);
    let mut delta = norm(
        &(0..n)
            .map(|i| {
                x[i] * scale_inv[i]
                    / (if dv[i] != 0.0 {
                        v[i] * scale_inv[i]
                    } else {
                        v[i]
                    })
                    .sqrt()
            })
            .collect::<Vec<_>>(),
    );
    if delta == 0.0 || !delta.is_finite() {
        delta = 1.0;
    }
    let max_nfev = opts.max_nfev.unwrap_or(1000 * n);
    let mut alpha = 0.0;
    let mut status: Option<i32> = None;
    let mut g_norm;
    let (mut d, mut diag_h, mut g_h) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
    let rows = if bounded { m + n } else { m };
    let mut aug = vec![0.0; rows * n];
    let mut f_aug = vec![0.0; rows];
    let mut x_new = vec![0.0; n];
    let mut f_new = vec![0.0; m];
    loop {
        cl_scaling(&x, &g, lb, ub, &mut v, &mut dv);
        g_norm = (0..n).map(|i| (g[i] * v[i]).abs()).fold(0.0, f64::max);
        if g_norm < opts.gtol {
            status = Some(1);
        }
        if status.is_some() || nfev >= max_nfev {
            break;
        }
        for i in 0..n {
            if dv[i] != 0.0 {
                v[i] *= scale_inv[i];
            }
            d[i] = v[i].sqrt() * scale[i];
            diag_h[i] = g[i] * dv[i] * scale[i];
            g_h[i] = d[i] * g[i];
        }
        for i in 0..m {
            for c in 0..n {
                aug[i * n + c] = jac[i * n + c] * d[c];
            }
            f_aug[i] = f[i];
        }
        if bounded {
            for r in 0..n {
                for c in 0..n {
                    aug[(m + r) * n + c] = if r == c { diag_h[r].sqrt() } else { 0.0 };
                }
                f_aug[m + r] = 0.0;
            }
        }
        let svd = thin_svd(&aug, rows, n).ok_or_else(|| non_finite_jac(nfev))?;
        let uf: Vec<f64> = (0..svd.k)
            .map(|j| (0..rows).map(|i| svd.u[i * svd.k + j] * f_aug[i]).sum())
            .collect();
        let jh = &aug[..m * n];
        let theta = (1.0 - g_norm).max(0.995);
        let mut actual = -1.0;
        let mut cost_new = cost;
        while actual <= 0.0 && nfev < max_nfev {
            let mut p_h = vec![0.0; n];
            alpha = solve_trust_region(rows, n, &uf, &svd, delta, alpha, 0.01, &mut p_h);
            let p: Vec<f64> = (0..n).map(|i| d[i] * p_h[i]).collect();
            let st = if bounded {
                select_step(&x, jh, m, &diag_h, &g_h, p, p_h, &d, delta, lb, ub, theta)
            } else {
                let predicted = -quadratic(jh, m, n, &g_h, &p_h, None);
                Step {
                    step: p,
                    step_h: p_h,
                    predicted,
                }
            };
            for i in 0..n {
                x_new[i] = x[i] + st.step[i];
            }
            if bounded {
                make_strictly_feasible(&mut x_new, lb, ub, 0.0);
            }
            prob.fun(&x_new, &mut f_new)?;
            nfev += 1;
            let step_h_norm = norm(&st.step_h);
            if f_new.iter().any(|v| !v.is_finite()) {
                delta = 0.25 * step_h_norm;
                continue;
            }
            cost_new = loss.cost(&f_new, fs);
            actual = cost - cost_new;
            let (delta_new, ratio) = update_radius(
                delta,
                actual,
                st.predicted,
                step_h_norm,
                step_h_norm > 0.95 * delta,
            );
            let step_norm = norm(&st.step);
            status = check_termination(
                actual,
                cost,
                step_norm,
                norm(&x),
                ratio,
                opts.ftol,
                opts.xtol,
            );
            if status.is_some() {
                break;
            }
            alpha *= delta / delta_new;
            delta = delta_new;
        }
        if actual > 0.0 {
            x.copy_from_slice(&x_new);
            f.copy_from_slice(&f_new);
            f_true.copy_from_slice(&f_new);
            cost = cost_new;
            prob.jac(&x, &f, &mut jac)?;
            njev += 1;
            loss.scale(&mut f, &mut jac, n, fs);
            matvec_t(&jac, m, n, &f, &mut g);
            if jac_scaling {
                let old = scale_inv.clone();
                jac_scale(&jac, m, n, Some(&old), &mut scale, &mut scale_inv);
            }
        }
    }
    let status = status.unwrap_or(0);
    let mut it = Iterate {
        x,
        f,
        f_true,
        jac,
        g,
        cost,
        nfev,
        njev,
    };
    if status > 0 && opts.polish {
        polish(prob, &mut it, lb, ub, opts, max_nfev)?;
        cl_scaling(&it.x, &it.g, lb, ub, &mut v, &mut dv);
        g_norm = (0..n).map(|i| (it.g[i] * v[i]).abs()).fold(0.0, f64::max);
    }
    let active_mask = active_constraints(&it.x, lb, ub, opts.xtol);
    Ok(SolverOutput {
        x: it.x,
        cost: it.cost,
        fun: it.f_true,
        jac: it.jac,
        grad: it.g,
        optimality: g_norm,
        nfev: it.nfev,
        njev: it.njev,
        status,
        active_mask,
    })
}
