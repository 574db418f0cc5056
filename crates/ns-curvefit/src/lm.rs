//! Levenberg–Marquardt as MINPACK's `lmder` (Moré 1978): variables scaled
//! by the running maximum of the Jacobian column norms, the trust-region
//! radius and the Levenberg parameter updated by MINPACK's rules, and its
//! ftol/xtol/gtol tests. The subproblem is solved on an SVD of the scaled
//! Jacobian to MINPACK's 10 % accuracy on the step length. No bounds.

use crate::error::{CurveFitError, Result};
use crate::linalg::{matvec, matvec_t, norm, thin_svd};
use crate::polish::{Iterate, polish};
use crate::solver::{Residuals, SolverOptions, SolverOutput};
use crate::trust_region::solve_trust_region;

/// Minimise ½‖f(x)‖² from `x0`, unbounded.
pub fn lm<R: Residuals>(prob: &mut R, x0: &[f64], opts: &SolverOptions) -> Result<SolverOutput> {
    let (m, n) = (prob.m(), prob.n());
    let eps = f64::EPSILON;
    let max_nfev = opts.max_nfev.unwrap_or(1000 * (n + 1));
    let mut x = x0.to_vec();
    let mut f = vec![0.0; m];
    prob.fun(&x, &mut f)?;
    let mut nfev = 1;
    let mut njev = 0;
    let mut fnorm = norm(&f);
    let mut jac = vec![0.0; m * n];
    let mut diag = vec![0.0; n];
    let mut colnorm = vec![0.0; n];
    let mut scaled = vec![0.0; m * n];
    let mut g = vec![0.0; n];
    let (mut x_new, mut f_new, mut jp) = (vec![0.0; n], vec![0.0; m], vec![0.0; m]);
    let mut p_t = vec![0.0; n];
    let mut delta = 0.0;
    let mut xnorm = 0.0;
    let mut par = 0.0;
    let mut first = true;
    let mut gnorm;
    let info: i32 = 'outer: loop {
        prob.jac(&x, &f, &mut jac)?;
        njev += 1;
        if jac.iter().any(|v| !v.is_finite()) {
            return Err(CurveFitError::NotConverged {
                message: "the Jacobian has non-finite entries".into(),
                nfev,
            });
        }
        for c in 0..n {
            colnorm[c] = (0..m).map(|i| jac[i * n + c].powi(2)).sum::<f64>().sqrt();
        }
        if first {
            for c in 0..n {
                diag[c] = if colnorm[c] == 0.0 { 1.0 } else { colnorm[c] };
            }
            xnorm = norm(&(0..n).map(|c| diag[c] * x[c]).collect::<Vec<_>>());
            delta = 100.0 * xnorm;
            if delta == 0.0 {
                delta = 100.0;
            }
        }
        matvec_t(&jac, m, n, &f, &mut g);
        gnorm = 0.0f64;
        if fnorm != 0.0 {
            for c in 0..n {
                if colnorm[c] != 0.0 {
                    gnorm = gnorm.max((g[c] / fnorm).abs() / colnorm[c]);
                }
            }
        }
        if gnorm <= opts.gtol {
            break 4;
        }
        for c in 0..n {
            diag[c] = diag[c].max(colnorm[c]);
        }
        for i in 0..m {
            for c in 0..n {
                scaled[i * n + c] = jac[i * n + c] / diag[c];
            }
        }
        let svd = thin_svd(&scaled, m, n).ok_or(CurveFitError::NotConverged {
            message: "SVD of the Jacobian failed".into(),
            nfev,
        })?;
        let uf: Vec<f64> = (0..svd.k)
            .map(|j| (0..m).map(|i| svd.u[i * svd.k + j] * f[i]).sum())
            .collect();
        loop {
            par = solve_trust_region(m, n, &uf, &svd, delta, par, 0.1, &mut p_t);
            let pnorm = norm(&p_t);
            for c in 0..n {
                x_new[c] = x[c] + p_t[c] / diag[c];
            }
            if first {
                delta = delta.min(pnorm);
            }
            prob.fun(&x_new, &mut f_new)?;
            nfev += 1;
            let mut fnorm1 = norm(&f_new);
            if !fnorm1.is_finite() {
                fnorm1 = f64::INFINITY;
            }
            let actred = if 0.1 * fnorm1 < fnorm {
                1.0 - (fnorm1 / fnorm).powi(2)
            } else {
                -1.0
            };
            let step: Vec<f64> = (0..n).map(|c| p_t[c] / diag[c]).collect();
            matvec(&jac, m, n, &step, &mut jp);
            let temp1 = norm(&jp) / fnorm;
            let temp2 = par.sqrt() * pnorm / fnorm;
            let prered = temp1 * temp1 + temp2 * temp2 / 0.5;
            let dirder = -(temp1 * temp1 + temp2 * temp2);
            let ratio = if prered != 0.0 { actred / prered } else { 0.0 };
            if ratio <= 0.25 {
                let mut temp = if actred >= 0.0 {
                    0.5
                } else {
                    0.5 * dirder / (dirder + 0.5 * actred)
                };
                if 0.1 * fnorm1 >= fnorm || temp < 0.1 {
                    temp = 0.1;
                }
                delta = temp * delta.min(pnorm / 0.1);
                par /= temp;
            } else if par == 0.0 || ratio >= 0.75 {
                delta = pnorm / 0.5;
                par *= 0.5;
            }
            let accepted = ratio >= 1e-4;
            if accepted {
                x.copy_from_slice(&x_new);
                f.copy_from_slice(&f_new);
                xnorm = norm(&(0..n).map(|c| diag[c] * x[c]).collect::<Vec<_>>());
                fnorm = fnorm1;
                first = false;
            }
            let ftol_ok = actred.abs() <= opts.ftol && prered <= opts.ftol && 0.5 * ratio <= 1.0;
            let xtol_ok = delta <= opts.xtol * xnorm;
            let code = match (ftol_ok, xtol_ok) {
                (true, true) => 3,
                (true, false) => 1,
                (false, true) => 2,
                _ if nfev >= max_nfev => 5,
                _ if actred.abs() <= eps && prered <= eps && 0.5 * ratio <= 1.0 => 6,
                _ if delta <= eps * xnorm => 7,
                _ if gnorm <= eps => 8,
                _ => 0,
            };
            if code != 0 {
                break 'outer code;
            }
            if accepted {
                break;
            }
        }
    };
    // MINPACK info -> scipy least_squares status.
    let status = match info {
        1 | 6 => 2,
        2 | 7 => 3,
        3 => 4,
        4 | 8 => 1,
        _ => 0,
    };
    if info != 4 {
        // The Jacobian at the returned point (MINPACK's last one may be older).
        prob.jac(&x, &f, &mut jac)?;
        njev += 1;
        matvec_t(&jac, m, n, &f, &mut g);
    }
    let cost = 0.5 * fnorm * fnorm;
    let mut it = Iterate {
        x,
        f: f.clone(),
        f_true: f,
        jac,
        g,
        cost,
        nfev,
        njev,
    };
    if status > 0 && opts.polish {
        let inf = vec![f64::INFINITY; n];
        let ninf = vec![f64::NEG_INFINITY; n];
        polish(prob, &mut it, &ninf, &inf, opts, max_nfev)?;
    }
    let optimality = it.g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    Ok(SolverOutput {
        x: it.x,
        cost: it.cost,
        fun: it.f_true,
        jac: it.jac,
        grad: it.g,
        optimality,
        nfev: it.nfev,
        njev: it.njev,
        status,
        active_mask: vec![0; n],
    })
}
