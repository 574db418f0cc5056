//! Gauss–Newton polishing of a converged point.
//!
//! scipy's ftol test (`dF < ftol·F`) stops as soon as one trust-region step
//! gains little, which on flat or slowly converging problems (ENSO, MGH09,
//! Thurber, ... of the NIST StRD set) leaves only 3–5 correct digits. After
//! the solver's own test is met, full Gauss–Newton steps (minimum-norm, on
//! column-scaled J, kept strictly inside the bounds) are taken while they
//! lower the cost by more than rounding; near a regular minimum they
//! converge quadratically (linearly on large-residual problems such as
//! ENSO, hence up to 100 steps, within `max_nfev`), so this turns
//! "ftol met" into the minimum to working precision.

use crate::error::Result;
use crate::linalg::{matvec, matvec_t, norm, thin_svd};
use crate::solver::{Residuals, SolverOptions};
use crate::trust_region::{in_bounds, make_strictly_feasible, step_to_bound};

/// The iterate a solver hands over.
pub(crate) struct Iterate {
    pub x: Vec<f64>,
    /// Loss-scaled residuals.
    pub f: Vec<f64>,
    /// Residuals as returned by the problem.
    pub f_true: Vec<f64>,
    /// Loss-scaled Jacobian, row-major.
    pub jac: Vec<f64>,
    pub g: Vec<f64>,
    pub cost: f64,
    pub nfev: usize,
    pub njev: usize,
}

const MAX_STEPS: usize = 100;

/// Polish `it` in place; stops at `max_nfev` evaluations.
pub(crate) fn polish<R: Residuals>(
    prob: &mut R,
    it: &mut Iterate,
    lb: &[f64],
    ub: &[f64],
    opts: &SolverOptions,
    max_nfev: usize,
) -> Result<()> {
    let (m, n) = (prob.m(), prob.n());
    let bounded = lb.iter().chain(ub).any(|b| b.is_finite());
    let mut scaled = vec![0.0; m * n];
    let mut col = vec![0.0; n];
    let mut p = vec![0.0; n];
    let mut jp = vec![0.0; m];
    let mut x_new = vec![0.0; n];
    let mut f_new = vec![0.0; m];
    for _ in 0..MAX_STEPS {
        if it.nfev >= max_nfev {
            break;
        }
        for (c, cc) in col.iter_mut().enumerate() {
            let s = (0..m)
                .map(|i| it.jac[i * n + c].powi(2))
                .sum::<f64>()
                .sqrt();
            *cc = if s > 0.0 { s } else { 1.0 };
        }
        for i in 0..m {
            for c in 0..n {
                scaled[i * n + c] = it.jac[i * n + c] / col[c];
            }
        }
        let Some(svd) = thin_svd(&scaled, m, n) else {
            break;
        };
        let thr = f64::EPSILON * m.max(n) as f64 * svd.s.first().copied().unwrap_or(0.0);
        p.fill(0.0);
        for j in 0..svd.k {
            if svd.s[j] <= thr {
                continue;
            }
            let uf: f64 = (0..m).map(|i| svd.u[i * svd.k + j] * it.f[i]).sum();
            for (c, pc) in p.iter_mut().enumerate() {
                *pc -= svd.v[c * svd.k + j] * uf / svd.s[j];
            }
        }
        for c in 0..n {
            p[c] /= col[c];
        }
        // Predicted reduction of the linear model; nothing left beyond rounding: done.
        matvec(&it.jac, m, n, &p, &mut jp);
        let predicted = -(0.5 * jp.iter().map(|v| v * v).sum::<f64>()
            + p.iter().zip(&it.g).map(|(a, b)| a * b).sum::<f64>());
        if predicted.is_nan() || predicted <= 1e-15 * it.cost {
            break;
        }
        for c in 0..n {
            x_new[c] = it.x[c] + p[c];
        }
        if bounded {
            if !in_bounds(&x_new, lb, ub) {
                let t = step_to_bound(&it.x, &p, lb, ub, None);
                for c in 0..n {
                    x_new[c] = it.x[c] + 0.995 * t.min(1.0) * p[c];
                }
            }
            make_strictly_feasible(&mut x_new, lb, ub, 0.0);
        }
        if norm(&p) == 0.0 {
            break;
        }
        prob.fun(&x_new, &mut f_new)?;
        it.nfev += 1;
        if f_new.iter().any(|v| !v.is_finite()) {
            break;
        }
        let cost_new = opts.loss.cost(&f_new, opts.f_scale);
        if cost_new.is_nan() || cost_new >= it.cost {
            break;
        }
        it.x.copy_from_slice(&x_new);
        it.f.copy_from_slice(&f_new);
        it.f_true.copy_from_slice(&f_new);
        it.cost = cost_new;
        prob.jac(&it.x, &it.f_true, &mut it.jac)?;
        it.njev += 1;
        opts.loss.scale(&mut it.f, &mut it.jac, n, opts.f_scale);
        matvec_t(&it.jac, m, n, &it.f, &mut it.g);
    }
    Ok(())
}
