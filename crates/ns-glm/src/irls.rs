//! The fitting loops: IRLS as statsmodels' `GLM._fit_irls` (same start,
//! same working response and weights, same convergence rule on the
//! deviance) plus step-halving when the deviance rises; Newton on the
//! log-likelihood after three IRLS steps, as statsmodels' `method="newton"`.

use crate::data::GlmData;
use crate::error::GlmError;
use crate::family::Family;
use crate::linalg::{Wls, spd_inverse, spd_solve};
use crate::link::Link;
use crate::options::{GlmOptions, Method, TolCriterion};
use crate::results::{GlmResults, assemble};

/// Most step-halvings per iteration before giving up on a rising deviance.
const MAX_HALVINGS: usize = 40;

/// What a fitting loop leaves for the results.
pub(crate) struct Core {
    pub beta: Vec<f64>,
    pub eta: Vec<f64>,
    pub mu: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
    /// (XᵀWX)⁻¹ (IRLS) or the inverse observed information (Newton), at unit scale.
    pub norm_cov: Vec<f64>,
}

/// Fit a GLM.
pub fn fit(data: &GlmData, opts: &GlmOptions) -> Result<GlmResults, GlmError> {
    let link = opts.validate()?;
    if let crate::options::CovType::Cluster { groups } = &opts.cov_type
        && groups.len() != data.n
    {
        return Err(GlmError::LengthMismatch {
            arg: "groups",
            got: groups.len(),
            expected: data.n,
        });
    }
    let family = opts.family;
    let core = match opts.method {
        Method::Irls => irls(data, family, link, &Stop::of(opts), None)?,
        Method::Newton => {
            let stop = Stop {
                maxiter: opts.maxiter.min(3),
                ..Stop::of(opts)
            };
            let start = irls(data, family, link, &stop, None)?;
            newton(data, family, link, opts.maxiter, opts.tol, start.beta)?
        }
    };
    assemble(data, family, link, opts, core, None)
}

/// η = Xβ + offset.
pub(crate) fn linear_predictor(data: &GlmData, beta: &[f64], eta: &mut [f64]) {
    let n = data.n;
    eta.copy_from_slice(&data.offset);
    for (j, &b) in beta.iter().enumerate() {
        let col = &data.x[j * n..(j + 1) * n];
        for (e, &x) in eta.iter_mut().zip(col) {
            *e += b * x;
        }
    }
}

/// Deviance Σ fᵢ vᵢ d(yᵢ, μᵢ) at unit scale.
pub(crate) fn deviance(data: &GlmData, family: Family, mu: &[f64]) -> f64 {
    (0..data.n)
        .map(|i| data.iweight(i) * family.unit_deviance(data.y[i], mu[i], data.n_trials[i]))
        .sum()
}

fn update_mu(data: &GlmData, link: Link, beta: &[f64], eta: &mut [f64], mu: &mut [f64]) {
    linear_predictor(data, beta, eta);
    for (m, &e) in mu.iter_mut().zip(eta.iter()) {
        *m = link.inverse(e);
    }
}

/// statsmodels' warning condition, made an error: every fitted value
/// equals its response (`np.allclose(mu - y, 0)`).
fn perfect_prediction(data: &GlmData, family: Family, mu: &[f64]) -> bool {
    matches!(family, Family::Binomial | Family::Poisson)
        && mu.iter().zip(&data.y).all(|(m, y)| (m - y).abs() <= 1e-8)
}

/// Stopping rule of IRLS.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    pub maxiter: usize,
    pub tol: f64,
    pub rtol: f64,
    pub criterion: TolCriterion,
}

impl Stop {
    pub(crate) fn of(opts: &GlmOptions) -> Self {
        Stop {
            maxiter: opts.maxiter,
            tol: opts.tol,
            rtol: opts.rtol,
            criterion: opts.tol_criterion,
        }
    }
}

/// IRLS from statsmodels' starting mean (or from `start`).
pub(crate) fn irls(
    data: &GlmData,
    family: Family,
    link: Link,
    stop: &Stop,
    start: Option<&[f64]>,
) -> Result<Core, GlmError> {
    let (maxiter, tol, rtol) = (stop.maxiter, stop.tol, stop.rtol);
    let (n, p) = (data.n, data.p);
    let mut eta = vec![0.0; n];
    let mut mu = vec![0.0; n];
    let mut beta = vec![0.0; p];
    match start {
        Some(b) => {
            beta.copy_from_slice(b);
            update_mu(data, link, &beta, &mut eta, &mut mu);
        }
        None => {
            let ymean = data.y.iter().sum::<f64>() / n as f64;
            for i in 0..n {
                mu[i] = family.starting_mu(data.y[i], ymean);
                eta[i] = link.link(mu[i]);
            }
        }
    }
    let mut dev = deviance(data, family, &mu);
    if !dev.is_finite() {
        return Err(GlmError::Numerical(format!(
            "the deviance at the starting values is {dev} (the {} link cannot represent this response)",
            link.name()
        )));
    }
    let mut wls = Wls::new(n, p);
    let mut w = vec![0.0; n];
    let mut z = vec![0.0; n];
    let mut beta_old: Option<Vec<f64>> = start.map(|b| b.to_vec());
    let mut converged = false;
    let mut n_iter = 0;
    let mut halved_last = false;
    for it in 0..maxiter {
        for i in 0..n {
            let d = link.deriv(mu[i]);
            w[i] = data.iweight(i) * data.n_trials[i] / (d * d * family.variance(mu[i]));
            z[i] = eta[i] + d * (data.y[i] - mu[i]) - data.offset[i];
        }
        wls.solve(&data.x, &w, &z, &mut beta)?;
        update_mu(data, link, &beta, &mut eta, &mut mu);
        let mut dev_new = deviance(data, family, &mu);
        halved_last = false;
        if let Some(old) = &beta_old {
            let mut k = 0;
            while !(dev_new.is_finite() && dev_new <= dev * (1.0 + 1e-12) + 1e-12)
                && k < MAX_HALVINGS
            {
                for (b, &o) in beta.iter_mut().zip(old) {
                    *b = 0.5 * (*b + o);
                }
                update_mu(data, link, &beta, &mut eta, &mut mu);
                dev_new = deviance(data, family, &mu);
                halved_last = true;
                k += 1;
            }
        }
        if !dev_new.is_finite() {
            return Err(GlmError::Numerical(format!(
                "the deviance became {dev_new} at iteration {} (fitted means outside the {} family's domain)",
                it + 1,
                family.name()
            )));
        }
        n_iter = it + 1;
        if perfect_prediction(data, family, &mu) {
            return Err(GlmError::PerfectSeparation { iteration: n_iter });
        }
        let done = match stop.criterion {
            TolCriterion::Deviance => (dev_new - dev).abs() <= tol + rtol * dev_new.abs(),
            TolCriterion::Params => beta_old.as_ref().is_some_and(|old| {
                beta.iter()
                    .zip(old)
                    .all(|(b, o)| (b - o).abs() <= tol + rtol * o.abs())
            }),
        };
        dev = dev_new;
        beta_old = Some(beta.clone());
        if done {
            converged = true;
            break;
        }
    }
    // statsmodels' covariance is that of the last WLS problem (weights at
    // the mean before the last update); after a halving, use the final mean.
    if halved_last {
        for i in 0..n {
            let d = link.deriv(mu[i]);
            w[i] = data.iweight(i) * data.n_trials[i] / (d * d * family.variance(mu[i]));
        }
        let g = wls.gram(&data.x, &w);
        let a: Vec<f64> = (0..p * p).map(|k| g[(k / p, k % p)]).collect();
        let norm_cov = spd_inverse(&a, p)
            .ok_or_else(|| GlmError::Numerical("XᵀWX is singular at the fit".into()))?;
        return Ok(Core {
            beta,
            eta,
            mu,
            n_iter,
            converged,
            norm_cov,
        });
    }
    let norm_cov = wls.inverse();
    Ok(Core {
        beta,
        eta,
        mu,
        n_iter,
        converged,
        norm_cov,
    })
}

/// Per-observation score factor sᵢ and observed-information factor oᵢ at
/// unit scale: score = Xᵀs, −Hessian = Xᵀ diag(o) X (statsmodels'
/// `score_factor` and `hessian_factor(observed=True)`).
pub(crate) fn score_oim(
    data: &GlmData,
    family: Family,
    link: Link,
    mu: &[f64],
    s: &mut [f64],
    o: &mut [f64],
) {
    for i in 0..data.n {
        let (m, y) = (mu[i], data.y[i]);
        let d = link.deriv(m);
        let v = family.variance(m);
        let wn = data.iweight(i) * data.n_trials[i];
        let r = (y - m) / (d * v);
        s[i] = r * wn;
        let eim = wn / (d * d * v);
        let tmp = r * (v * link.deriv2(m) + family.variance_deriv(m) * d);
        o[i] = eim * (1.0 + tmp);
    }
}

fn loglike(data: &GlmData, family: Family, mu: &[f64]) -> f64 {
    (0..data.n)
        .map(|i| {
            data.freq_w[i]
                * family.loglike_obs(data.y[i], mu[i], data.n_trials[i], data.var_w[i], 1.0)
        })
        .sum()
}

/// Newton–Raphson on the unit-scale log-likelihood from `beta`, stopping
/// when every parameter moves by at most `tol` (statsmodels' newton rule).
pub(crate) fn newton(
    data: &GlmData,
    family: Family,
    link: Link,
    maxiter: usize,
    tol: f64,
    mut beta: Vec<f64>,
) -> Result<Core, GlmError> {
    let (n, p) = (data.n, data.p);
    let mut eta = vec![0.0; n];
    let mut mu = vec![0.0; n];
    let mut s = vec![0.0; n];
    let mut o = vec![0.0; n];
    let mut wls = Wls::new(n, p);
    update_mu(data, link, &beta, &mut eta, &mut mu);
    let mut ll = loglike(data, family, &mu);
    let mut converged = false;
    let mut n_iter = 0;
    let mut h = vec![0.0; p * p];
    let mut step = vec![0.0; p];
    for it in 0..maxiter {
        score_oim(data, family, link, &mu, &mut s, &mut o);
        signed_gram(&mut wls, data, &o, &mut h);
        xt_vec(data, &s, &mut step);
        if spd_solve(&h, p, &mut step).is_none() {
            // Observed information not positive definite here: a Fisher step.
            let mut w = vec![0.0; n];
            for i in 0..n {
                let d = link.deriv(mu[i]);
                w[i] = data.iweight(i) * data.n_trials[i] / (d * d * family.variance(mu[i]));
            }
            signed_gram(&mut wls, data, &w, &mut h);
            xt_vec(data, &s, &mut step);
            spd_solve(&h, p, &mut step)
                .ok_or_else(|| GlmError::Numerical("the information matrix is singular".into()))?;
        }
        let old = beta.clone();
        let mut t = 1.0;
        loop {
            for j in 0..p {
                beta[j] = old[j] + t * step[j];
            }
            update_mu(data, link, &beta, &mut eta, &mut mu);
            let ll_new = loglike(data, family, &mu);
            if ll_new.is_finite() && ll_new >= ll - 1e-12 * ll.abs().max(1.0) {
                ll = ll_new;
                break;
            }
            t *= 0.5;
            if t < 1e-12 {
                return Err(GlmError::Numerical(
                    "Newton: no step increases the log-likelihood".into(),
                ));
            }
        }
        n_iter = it + 1;
        if perfect_prediction(data, family, &mu) {
            return Err(GlmError::PerfectSeparation { iteration: n_iter });
        }
        if beta.iter().zip(&old).all(|(a, b)| (a - b).abs() <= tol) {
            converged = true;
            break;
        }
    }
    score_oim(data, family, link, &mu, &mut s, &mut o);
    signed_gram(&mut wls, data, &o, &mut h);
    let norm_cov = spd_inverse(&h, p).ok_or_else(|| {
        GlmError::Numerical("the observed information is not positive definite at the fit".into())
    })?;
    Ok(Core {
        beta,
        eta,
        mu,
        n_iter,
        converged,
        norm_cov,
    })
}

/// Xᵀ diag(w) X for weights of any sign, row-major into `out`.
pub(crate) fn signed_gram(wls: &mut Wls, data: &GlmData, w: &[f64], out: &mut [f64]) {
    let g = wls.gram_signed(&data.x, w);
    let p = data.p;
    for i in 0..p {
        for j in 0..p {
            out[i * p + j] = g[(i, j)];
        }
    }
}

/// Xᵀv into `out`.
pub(crate) fn xt_vec(data: &GlmData, v: &[f64], out: &mut [f64]) {
    let n = data.n;
    for (j, o) in out.iter_mut().enumerate() {
        let col = &data.x[j * n..(j + 1) * n];
        *o = col.iter().zip(v).map(|(a, b)| a * b).sum();
    }
}
