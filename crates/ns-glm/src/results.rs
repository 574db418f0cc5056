//! Fit results with statsmodels' `GLMResults` names and formulas.

use crate::data::GlmData;
use crate::error::GlmError;
use crate::family::Family;
use crate::irls::{Core, Stop, deviance, irls};
use crate::link::Link;
use crate::options::{CovType, GlmOptions, Method, ScaleSpec};
use crate::robust::robust_cov;
use crate::special::{norm_ppf, norm_sf};

/// Results of a GLM fit (statsmodels' `GLMResults` attributes).
#[derive(Debug, Clone)]
pub struct GlmResults {
    /// Family (for NB with α estimated: NB at the estimate).
    pub family: Family,
    /// Link.
    pub link: Link,
    /// Algorithm used.
    pub method: Method,
    /// Parameter names (α last when estimated).
    pub names: Vec<String>,
    /// Estimates (α last when estimated, statsmodels' layout).
    pub params: Vec<f64>,
    /// Standard errors.
    pub bse: Vec<f64>,
    /// params / bse (z statistics).
    pub tvalues: Vec<f64>,
    /// Two-sided normal p-values.
    pub pvalues: Vec<f64>,
    /// Covariance of the estimates, row-major.
    pub cov_params: Vec<f64>,
    /// Non-robust covariance at unit scale (statsmodels' `normalized_cov_params`).
    pub normalized_cov_params: Vec<f64>,
    /// Covariance type name.
    pub cov_type: String,
    /// Dispersion φ.
    pub scale: f64,
    /// Deviance.
    pub deviance: f64,
    /// Deviance of the intercept-only model.
    pub null_deviance: f64,
    /// Log-likelihood (Gaussian identity: concentrated, as statsmodels).
    pub llf: f64,
    /// Log-likelihood of the intercept-only model.
    pub llnull: f64,
    /// −2 llf + 2 (df_model + 1).
    pub aic: f64,
    /// −2 llf + (df_model + 1) ln(nobs) (statsmodels' `bic`).
    pub bic_llf: f64,
    /// deviance − df_resid ln(nobs) (statsmodels' `bic_deviance`).
    pub bic_deviance: f64,
    /// Pearson χ².
    pub pearson_chi2: f64,
    /// Residual degrees of freedom.
    pub df_resid: f64,
    /// Model degrees of freedom (rank − 1).
    pub df_model: f64,
    /// Rows.
    pub nobs: usize,
    /// Σ freq_weights.
    pub wnobs: f64,
    /// Fitted means μ.
    pub fittedvalues: Vec<f64>,
    /// Linear predictor η (offset included).
    pub linear_predictor: Vec<f64>,
    /// n·(y − μ).
    pub resid_response: Vec<f64>,
    /// Pearson residuals.
    pub resid_pearson: Vec<f64>,
    /// Deviance residuals.
    pub resid_deviance: Vec<f64>,
    /// Working residuals (statsmodels' definition).
    pub resid_working: Vec<f64>,
    /// Whether the convergence rule was met within `maxiter`.
    pub converged: bool,
    /// Iterations used.
    pub n_iter: usize,
    /// α of an NB2 fit with α estimated.
    pub alpha: Option<f64>,
    /// Rows whose fitted probability is 0 or 1 to 1e-10 (binomial):
    /// quasi-separation; empty otherwise.
    pub perfect_prediction: Vec<usize>,
    /// Columns of the design (excludes α).
    pub k_exog: usize,
}

/// Extra pieces of an NB2 fit with α estimated.
pub(crate) struct NbExtra {
    pub alpha: f64,
    /// Joint (β, α) covariance, row-major (p+1)².
    pub cov: Vec<f64>,
    pub n_iter: usize,
    pub converged: bool,
}

fn estimate_scale(
    data: &GlmData,
    family: Family,
    spec: ScaleSpec,
    mu: &[f64],
    df_resid: f64,
) -> f64 {
    let x2 = || {
        (0..data.n)
            .map(|i| (data.y[i] - mu[i]).powi(2) * data.iweight(i) / family.variance(mu[i]))
            .sum::<f64>()
            / df_resid
    };
    match spec {
        ScaleSpec::Default if family.free_scale() => x2(),
        ScaleSpec::Default => 1.0,
        ScaleSpec::X2 => x2(),
        ScaleSpec::Dev => deviance(data, family, mu) / df_resid,
        ScaleSpec::Fixed(s) => s,
    }
}

fn loglike(data: &GlmData, family: Family, mu: &[f64], scale: f64) -> f64 {
    (0..data.n)
        .map(|i| {
            data.freq_w[i]
                * family.loglike_obs(data.y[i], mu[i], data.n_trials[i], data.var_w[i], scale)
        })
        .sum()
}

/// Fitted values of the intercept-only model (statsmodels' `null`).
fn null_fitted(data: &GlmData, family: Family, link: Link, opts: &GlmOptions) -> Vec<f64> {
    let n = data.n;
    if !data.has_offset {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..n {
            let w = data.iweight(i) * data.n_trials[i];
            num += w * data.y[i];
            den += w;
        }
        return vec![num / den; n];
    }
    let ymean = data.y.iter().sum::<f64>() / n as f64;
    let ones = data.with_design(vec![1.0; n], 1, vec!["const".into()]);
    match irls(
        &ones,
        family,
        link,
        &Stop::of(opts),
        Some(&[link.link(ymean)]),
    ) {
        Ok(c) => c.mu,
        Err(_) => vec![f64::NAN; n],
    }
}

/// Build the results from a fitted core.
pub(crate) fn assemble(
    data: &GlmData,
    family: Family,
    link: Link,
    opts: &GlmOptions,
    core: Core,
    nb: Option<NbExtra>,
) -> Result<GlmResults, GlmError> {
    let (n, p) = (data.n, data.p);
    let mu = &core.mu;
    let df_model = (p - 1) as f64;
    let df_resid = data.wnobs - p as f64;
    let scale = if nb.is_some() {
        1.0
    } else {
        estimate_scale(data, family, opts.scale, mu, df_resid)
    };
    let dev = deviance(data, family, mu);
    let llf_scale = if family == Family::Gaussian && link == Link::Identity {
        (0..n)
            .map(|i| (data.y[i] - mu[i]).powi(2) * data.iweight(i))
            .sum::<f64>()
            / data.wnobs
    } else {
        scale
    };
    let llf = loglike(data, family, mu, llf_scale);
    let null = null_fitted(data, family, link, opts);
    let null_deviance = deviance(data, family, &null);
    let llnull = loglike(data, family, &null, scale);
    let pearson_chi2: f64 = (0..n)
        .map(|i| {
            (data.y[i] - mu[i]).powi(2) / family.variance(mu[i])
                * data.iweight(i)
                * data.n_trials[i]
        })
        .sum();
    let mut resid_response = vec![0.0; n];
    let mut resid_pearson = vec![0.0; n];
    let mut resid_deviance = vec![0.0; n];
    let mut resid_working = vec![0.0; n];
    for i in 0..n {
        let (y, m, t) = (data.y[i], mu[i], data.n_trials[i]);
        resid_response[i] = t * (y - m);
        resid_pearson[i] = t.sqrt() * (y - m) * data.var_w[i].sqrt() / family.variance(m).sqrt();
        let d = family.unit_deviance(y, m, t) * data.var_w[i];
        resid_deviance[i] = (y - m).signum() * d.max(0.0).sqrt() * f64::from(y != m);
        resid_working[i] = resid_response[i] * link.deriv(m) * t;
    }
    let perfect_prediction = if family == Family::Binomial {
        (0..n)
            .filter(|&i| mu[i] < 1e-10 || mu[i] > 1.0 - 1e-10)
            .collect()
    } else {
        Vec::new()
    };

    let mut names = data.names.clone();
    let mut params = core.beta.clone();
    let normalized_cov_params = core.norm_cov.clone();
    let (cov, k, n_iter, converged, alpha);
    let (mut aic, mut bic_llf) = (
        -2.0 * llf + 2.0 * (df_model + 1.0),
        -2.0 * llf + (df_model + 1.0) * data.wnobs.ln(),
    );
    if let Some(nb) = nb {
        if opts.cov_type != CovType::NonRobust {
            return Err(GlmError::InvalidArgument {
                arg: "cov_type",
                message: "robust covariances are not implemented with alpha=\"mle\"".into(),
            });
        }
        names.push("alpha".into());
        params.push(nb.alpha);
        cov = nb.cov;
        k = p + 1;
        n_iter = nb.n_iter;
        converged = nb.converged;
        alpha = Some(nb.alpha);
        aic = -2.0 * llf + 2.0 * (p as f64 + 1.0);
        bic_llf = -2.0 * llf + (p as f64 + 1.0) * data.wnobs.ln();
    } else {
        cov = match &opts.cov_type {
            CovType::NonRobust => core.norm_cov.iter().map(|v| v * scale).collect(),
            other => robust_cov(data, family, link, mu, other)?,
        };
        k = p;
        n_iter = core.n_iter;
        converged = core.converged;
        alpha = None;
    }
    let bse: Vec<f64> = (0..k).map(|j| cov[j * k + j].sqrt()).collect();
    let tvalues: Vec<f64> = params.iter().zip(&bse).map(|(b, s)| b / s).collect();
    let pvalues: Vec<f64> = tvalues.iter().map(|t| 2.0 * norm_sf(t.abs())).collect();
    Ok(GlmResults {
        family,
        link,
        method: opts.method,
        names,
        params,
        bse,
        tvalues,
        pvalues,
        cov_params: cov,
        normalized_cov_params,
        cov_type: opts.cov_type.name().to_string(),
        scale,
        deviance: dev,
        null_deviance,
        llf,
        llnull,
        aic,
        bic_llf,
        bic_deviance: dev - df_resid * data.wnobs.ln(),
        pearson_chi2,
        df_resid,
        df_model,
        nobs: n,
        wnobs: data.wnobs,
        fittedvalues: core.mu,
        linear_predictor: core.eta,
        resid_response,
        resid_pearson,
        resid_deviance,
        resid_working,
        converged,
        n_iter,
        alpha,
        perfect_prediction,
        k_exog: p,
    })
}

impl GlmResults {
    /// Confidence intervals (lower, upper) at level 1 − `alpha` (normal).
    pub fn conf_int(&self, alpha: f64) -> Vec<(f64, f64)> {
        let q = norm_ppf(1.0 - alpha / 2.0);
        self.params
            .iter()
            .zip(&self.bse)
            .map(|(b, s)| (b - q * s, b + q * s))
            .collect()
    }

    /// Cox–Snell pseudo R² (statsmodels' `pseudo_rsquared("cs")`).
    pub fn pseudo_rsquared_cs(&self) -> f64 {
        1.0 - ((self.llnull - self.llf) * (2.0 / self.nobs as f64)).exp()
    }

    /// Predicted means for a row-major `m × k_exog` design, with optional
    /// offset and exposure.
    pub fn predict(
        &self,
        x: &[f64],
        m: usize,
        offset: Option<&[f64]>,
        exposure: Option<&[f64]>,
    ) -> Result<Vec<f64>, GlmError> {
        let k = self.k_exog;
        if x.len() != m * k {
            return Err(GlmError::InvalidArgument {
                arg: "X",
                message: format!("{} values for {m} rows of {k} columns", x.len()),
            });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(GlmError::NonFinite {
                arg: "X",
                index: i,
                value: x[i],
            });
        }
        for (arg, v) in [("offset", offset), ("exposure", exposure)] {
            if let Some(v) = v {
                if v.len() != m {
                    return Err(GlmError::LengthMismatch {
                        arg,
                        got: v.len(),
                        expected: m,
                    });
                }
                if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                    return Err(GlmError::NonFinite {
                        arg,
                        index: i,
                        value: v[i],
                    });
                }
            }
        }
        if let Some(e) = exposure
            && let Some(i) = e.iter().position(|&v| v <= 0.0)
        {
            return Err(GlmError::InvalidArgument {
                arg: "exposure",
                message: format!("must be > 0, got {} at index {i}", e[i]),
            });
        }
        Ok((0..m)
            .map(|i| {
                let mut eta: f64 = (0..k).map(|j| x[i * k + j] * self.params[j]).sum();
                if let Some(o) = offset {
                    eta += o[i];
                }
                if let Some(e) = exposure {
                    eta += e[i].ln();
                }
                self.link.inverse(eta)
            })
            .collect())
    }
}
