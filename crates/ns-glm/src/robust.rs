//! Sandwich covariances. The bread is the inverse observed information and
//! the meat the outer product of the per-observation scores, as
//! statsmodels' `cov_white_simple` / `cov_cluster` for GLM (the dispersion
//! cancels, so everything is at unit scale).
//!
//! statsmodels' GLM returns its HC0 matrix for every `HC0`–`HC3` request;
//! here `HC1`–`HC3` carry their textbook corrections (MacKinnon & White
//! 1985; R's `sandwich::vcovHC` for GLMs): HC1 scales by n/(n−k), HC2 and
//! HC3 divide each squared score by (1−hᵢ) and (1−hᵢ)², hᵢ the leverage of
//! the IRLS-weighted design.

use crate::data::GlmData;
use crate::error::GlmError;
use crate::family::Family;
use crate::irls::score_oim;
use crate::linalg::spd_inverse;
use crate::link::Link;
use crate::options::CovType;

/// The robust covariance (row-major p × p) of `cov_type` at the fitted `mu`.
pub(crate) fn robust_cov(
    data: &GlmData,
    family: Family,
    link: Link,
    mu: &[f64],
    cov_type: &CovType,
) -> Result<Vec<f64>, GlmError> {
    let (n, p) = (data.n, data.p);
    let mut s = vec![0.0; n];
    let mut o = vec![0.0; n];
    score_oim(data, family, link, mu, &mut s, &mut o);
    let h = weighted_gram(data, &o);
    let bread = spd_inverse(&h, p).ok_or_else(|| {
        GlmError::Numerical("the observed information is not positive definite at the fit".into())
    })?;
    let mut meat = vec![0.0; p * p];
    match cov_type {
        CovType::Cluster { groups } => {
            let mut labels: Vec<u64> = groups.clone();
            labels.sort_unstable();
            labels.dedup();
            let g = labels.len();
            if g < 2 {
                return Err(GlmError::InvalidArgument {
                    arg: "groups",
                    message: format!("cluster-robust covariance needs at least 2 groups, got {g}"),
                });
            }
            let mut sums = vec![0.0; g * p];
            for i in 0..n {
                let k = labels.binary_search(&groups[i]).unwrap_or(0);
                for j in 0..p {
                    sums[k * p + j] += s[i] * data.x(i, j);
                }
            }
            for k in 0..g {
                let u = &sums[k * p..(k + 1) * p];
                for a in 0..p {
                    for b in 0..p {
                        meat[a * p + b] += u[a] * u[b];
                    }
                }
            }
            let mut cov = sandwich(&bread, &meat, p);
            let c = g as f64 / (g as f64 - 1.0) * ((n as f64 - 1.0) / (n as f64 - p as f64));
            cov.iter_mut().for_each(|v| *v *= c);
            Ok(cov)
        }
        _ => {
            let lev = match cov_type {
                CovType::HC2 | CovType::HC3 => Some(leverage(data, family, link, mu)?),
                _ => None,
            };
            for i in 0..n {
                let mut f = s[i] * s[i] / data.freq_w[i];
                if let Some(h) = &lev {
                    let one_minus = 1.0 - h[i];
                    f /= if matches!(cov_type, CovType::HC3) {
                        one_minus * one_minus
                    } else {
                        one_minus
                    };
                }
                for a in 0..p {
                    let xa = data.x(i, a) * f;
                    for b in 0..=a {
                        meat[a * p + b] += xa * data.x(i, b);
                    }
                }
            }
            for a in 0..p {
                for b in 0..a {
                    meat[b * p + a] = meat[a * p + b];
                }
            }
            let mut cov = sandwich(&bread, &meat, p);
            if matches!(cov_type, CovType::HC1) {
                let c = n as f64 / (n as f64 - p as f64);
                cov.iter_mut().for_each(|v| *v *= c);
            }
            Ok(cov)
        }
    }
}

/// Diagonal of the hat matrix W^½X(XᵀWX)⁻¹XᵀW^½ with the IRLS weights.
pub(crate) fn leverage(
    data: &GlmData,
    family: Family,
    link: Link,
    mu: &[f64],
) -> Result<Vec<f64>, GlmError> {
    let (n, p) = (data.n, data.p);
    let w: Vec<f64> = (0..n)
        .map(|i| {
            let d = link.deriv(mu[i]);
            data.iweight(i) * data.n_trials[i] / (d * d * family.variance(mu[i]))
        })
        .collect();
    let inv = spd_inverse(&weighted_gram(data, &w), p)
        .ok_or_else(|| GlmError::Numerical("XᵀWX is singular at the fit".into()))?;
    Ok((0..n)
        .map(|i| {
            let mut q = 0.0;
            for a in 0..p {
                let mut t = 0.0;
                for b in 0..p {
                    t += inv[a * p + b] * data.x(i, b);
                }
                q += data.x(i, a) * t;
            }
            w[i] * q
        })
        .collect())
}

/// Xᵀ diag(w) X, row-major.
fn weighted_gram(data: &GlmData, w: &[f64]) -> Vec<f64> {
    let p = data.p;
    let mut g = vec![0.0; p * p];
    let mut wls = crate::linalg::Wls::new(data.n, p);
    crate::irls::signed_gram(&mut wls, data, w, &mut g);
    g
}

/// B M B for symmetric B, M.
fn sandwich(b: &[f64], m: &[f64], p: usize) -> Vec<f64> {
    let mut bm = vec![0.0; p * p];
    for i in 0..p {
        for k in 0..p {
            let v = b[i * p + k];
            for j in 0..p {
                bm[i * p + j] += v * m[k * p + j];
            }
        }
    }
    let mut out = vec![0.0; p * p];
    for i in 0..p {
        for k in 0..p {
            let v = bm[i * p + k];
            for j in 0..p {
                out[i * p + j] += v * b[k * p + j];
            }
        }
    }
    out
}
