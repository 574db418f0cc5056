//! NB2 with α estimated by maximum likelihood, as statsmodels'
//! `discrete.NegativeBinomial(y, X, loglike_method="nb2")`: the joint MLE of
//! (β, α) under the log link, standard errors from the inverse of the
//! analytic joint Hessian.
//!
//! Start: Poisson IRLS, α by 1-D Newton on the profile, one IRLS at that α,
//! then Newton on the joint log-likelihood (quadratic convergence).

use crate::data::GlmData;
use crate::error::GlmError;
use crate::family::Family;
use crate::irls::{Core, Stop, irls, linear_predictor};
use crate::linalg::spd_inverse;
use crate::link::Link;
use crate::options::GlmOptions;
use crate::results::{GlmResults, NbExtra, assemble};
use crate::special::{digamma, ln_gamma, trigamma};

/// Per-observation NB2 log-likelihood and derivatives in (η, α).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NbTerms {
    pub ll: f64,
    pub d_eta: f64,
    pub d_alpha: f64,
    pub d_eta_eta: f64,
    pub d_eta_alpha: f64,
    pub d_alpha_alpha: f64,
}

/// NB2 terms of one observation with mean `m = exp(η)`.
pub(crate) fn nb_terms(y: f64, m: f64, a: f64) -> NbTerms {
    let am1 = 1.0 + a * m;
    let inv_a = 1.0 / a;
    let l1 = (a * m).ln_1p();
    let ll = y * (a * m).ln() - (y + inv_a) * l1 + ln_gamma(y + inv_a)
        - ln_gamma(inv_a)
        - ln_gamma(y + 1.0);
    let big_l = l1 - digamma(y + inv_a) + digamma(inv_a);
    let r = y - m;
    NbTerms {
        ll,
        d_eta: r / am1,
        d_alpha: r / (a * am1) + big_l / (a * a),
        d_eta_eta: -m * (1.0 + a * y) / (am1 * am1),
        d_eta_alpha: -r * m / (am1 * am1),
        d_alpha_alpha: -r * (1.0 + 2.0 * a * m) / (a * a * am1 * am1) - 2.0 * big_l / (a * a * a)
            + (m / am1 + (trigamma(y + inv_a) - trigamma(inv_a)) / (a * a)) / (a * a),
    }
}

/// Joint log-likelihood, gradient and Hessian in (β, α) (row-major (p+1)²).
fn joint(data: &GlmData, eta: &[f64], a: f64, g: &mut [f64], h: &mut [f64]) -> f64 {
    let (n, p) = (data.n, data.p);
    let k = p + 1;
    g.iter_mut().for_each(|v| *v = 0.0);
    h.iter_mut().for_each(|v| *v = 0.0);
    let mut ll = 0.0;
    for (i, &e) in eta.iter().enumerate().take(n) {
        let f = data.freq_w[i];
        let t = nb_terms(data.y[i], e.exp(), a);
        ll += f * t.ll;
        for r in 0..p {
            let xr = data.x(i, r);
            g[r] += f * t.d_eta * xr;
            h[r * k + p] += f * t.d_eta_alpha * xr;
            for c in 0..=r {
                h[r * k + c] += f * t.d_eta_eta * xr * data.x(i, c);
            }
        }
        g[p] += f * t.d_alpha;
        h[p * k + p] += f * t.d_alpha_alpha;
    }
    for r in 0..k {
        for c in 0..r {
            h[c * k + r] = h[r * k + c];
        }
        if r < p {
            h[p * k + r] = h[r * k + p];
        }
    }
    ll
}

fn profile_alpha(data: &GlmData, eta: &[f64], mut a: f64) -> f64 {
    // Newton on ln α with β fixed.
    for _ in 0..50 {
        let (mut g, mut h) = (0.0, 0.0);
        for (i, &e) in eta.iter().enumerate().take(data.n) {
            let t = nb_terms(data.y[i], e.exp(), a);
            g += data.freq_w[i] * t.d_alpha;
            h += data.freq_w[i] * t.d_alpha_alpha;
        }
        // d/dlnα = α g; d²/dlnα² = α² h + α g
        let (gl, hl) = (a * g, a * a * h + a * g);
        let step = if hl < 0.0 { -gl / hl } else { gl.signum() };
        let step = step.clamp(-2.0, 2.0);
        a *= step.exp();
        if step.abs() < 1e-10 {
            break;
        }
    }
    a
}

/// Fit NB2 with α estimated (log link only; no var_weights).
pub fn fit_nb_mle(data: &GlmData, opts: &GlmOptions) -> Result<GlmResults, GlmError> {
    if let Some(l) = opts.link
        && l != Link::Log
    {
        return Err(GlmError::InvalidLink {
            family: "negative_binomial (alpha=\"mle\")",
            link: l.name(),
            allowed: "log".into(),
        });
    }
    if data.has_var_w {
        return Err(GlmError::InvalidArgument {
            arg: "var_weights",
            message: "not supported with alpha=\"mle\" (statsmodels' discrete NegativeBinomial has no variance weights)".into(),
        });
    }
    for (i, &y) in data.y.iter().enumerate() {
        if y < 0.0 {
            return Err(GlmError::OutOfSupport {
                family: "negative_binomial",
                index: i,
                value: y,
                support: "non-negative counts",
            });
        }
    }
    let mut o = opts.clone();
    o.link = Some(Link::Log);
    o.validate()?;
    let (n, p) = (data.n, data.p);
    let k = p + 1;
    let pois = irls(data, Family::Poisson, Link::Log, &Stop::of(opts), None)?;
    // Moment start for α.
    let mut a0 = 0.0;
    for i in 0..n {
        let m = pois.mu[i];
        a0 += ((data.y[i] - m).powi(2) - m) / (m * m);
    }
    let a0 = (a0 / n as f64).clamp(1e-2, 10.0);
    let mut alpha = profile_alpha(data, &pois.eta, a0);
    let nbf = irls(
        data,
        Family::NegativeBinomial { alpha },
        Link::Log,
        &Stop::of(opts),
        Some(&pois.beta),
    )?;
    let mut beta = nbf.beta;
    let mut eta = vec![0.0; n];
    linear_predictor(data, &beta, &mut eta);
    let mut g = vec![0.0; k];
    let mut h = vec![0.0; k * k];
    let mut ll = joint(data, &eta, alpha, &mut g, &mut h);
    let mut converged = false;
    let mut n_iter = 0;
    let mut trial = vec![0.0; n];
    for it in 0..opts.maxiter {
        let neg: Vec<f64> = h.iter().map(|v| -v).collect();
        let Some(inv) = spd_inverse(&neg, k) else {
            // Not concave here: re-profile α and continue.
            alpha = profile_alpha(data, &eta, alpha);
            ll = joint(data, &eta, alpha, &mut g, &mut h);
            continue;
        };
        let step: Vec<f64> = (0..k)
            .map(|r| (0..k).map(|c| inv[r * k + c] * g[c]).sum())
            .collect();
        let mut t = 1.0;
        let (b0, a_old) = (beta.clone(), alpha);
        loop {
            let a_new = a_old + t * step[p];
            if a_new > 0.0 {
                for j in 0..p {
                    beta[j] = b0[j] + t * step[j];
                }
                linear_predictor(data, &beta, &mut trial);
                let mut gg = vec![0.0; k];
                let mut hh = vec![0.0; k * k];
                let ll_new = joint(data, &trial, a_new, &mut gg, &mut hh);
                if ll_new.is_finite() && ll_new >= ll - 1e-10 * ll.abs().max(1.0) {
                    alpha = a_new;
                    eta.copy_from_slice(&trial);
                    ll = ll_new;
                    g = gg;
                    h = hh;
                    break;
                }
            }
            t *= 0.5;
            if t < 1e-14 {
                return Err(GlmError::Numerical(
                    "NB2 alpha MLE: no Newton step increases the log-likelihood".into(),
                ));
            }
        }
        n_iter = it + 1;
        let moved = (0..p).all(|j| (t * step[j]).abs() <= 1e-12 * (1.0 + b0[j].abs()))
            && (t * step[p]).abs() <= 1e-12 * (1.0 + a_old);
        if moved {
            converged = true;
            break;
        }
    }
    let neg: Vec<f64> = h.iter().map(|v| -v).collect();
    let cov = spd_inverse(&neg, k).ok_or_else(|| {
        GlmError::Numerical("NB2 alpha MLE: the Hessian is not negative definite at the fit".into())
    })?;
    let mu: Vec<f64> = eta.iter().map(|e| e.exp()).collect();
    let core = Core {
        beta,
        eta,
        mu,
        n_iter,
        converged,
        norm_cov: cov.clone(),
    };
    let extra = NbExtra {
        alpha,
        cov,
        n_iter,
        converged,
    };
    o.family = Family::NegativeBinomial { alpha };
    assemble(data, o.family, Link::Log, &o, core, Some(extra))
}

#[cfg(test)]
mod tests {
    use super::nb_terms;

    #[test]
    fn derivatives_match_finite_differences() {
        for &(y, eta, a) in &[(0.0, 0.3, 0.7), (4.0, 1.1, 0.25), (17.0, 2.0, 1.9)] {
            let t = nb_terms(y, f64::exp(eta), a);
            let h = 1e-6;
            let f = |e: f64, al: f64| nb_terms(y, e.exp(), al);
            let de = (f(eta + h, a).ll - f(eta - h, a).ll) / (2.0 * h);
            let da = (f(eta, a + h).ll - f(eta, a - h).ll) / (2.0 * h);
            let dee = (f(eta + h, a).d_eta - f(eta - h, a).d_eta) / (2.0 * h);
            let dea = (f(eta, a + h).d_eta - f(eta, a - h).d_eta) / (2.0 * h);
            let daa = (f(eta, a + h).d_alpha - f(eta, a - h).d_alpha) / (2.0 * h);
            for (an, fd) in [
                (t.d_eta, de),
                (t.d_alpha, da),
                (t.d_eta_eta, dee),
                (t.d_eta_alpha, dea),
                (t.d_alpha_alpha, daa),
            ] {
                assert!((an - fd).abs() < 1e-6 * an.abs().max(1.0), "{an} vs {fd}");
            }
        }
    }
}
