//! Rubin's eight schools (Gelman et al., BDA3 §5.5) as posteriordb writes
//! it: `mu ~ normal(0, 5)`, `tau ~ cauchy(0, 5)` on `tau > 0`,
//! `y_j ~ normal(theta_j, sigma_j)`.

use super::{check_finite, check_len};
use crate::error::{BayesError, Result};
use ns_core::Model;

/// Eight schools, centred (`theta ~ normal(mu, tau)`) or non-centred
/// (`theta = mu + tau * theta_trans`, `theta_trans ~ normal(0, 1)`).
/// Parameters in posteriordb's order: `theta[1..J]` (or
/// `theta_trans[1..J]`), `mu`, `tau`.
#[derive(Debug, Clone)]
pub struct EightSchools {
    y: Vec<f64>,
    sigma: Vec<f64>,
    centered: bool,
    names: Vec<String>,
    init: Vec<f64>,
    bounds: Vec<(f64, f64)>,
    fixed: Vec<bool>,
}

impl EightSchools {
    /// Build from the estimates `y` and their standard errors `sigma`.
    pub fn new(y: &[f64], sigma: &[f64], centered: bool) -> Result<Self> {
        if y.is_empty() {
            return Err(BayesError::InvalidArgument {
                name: "y",
                reason: "no schools".into(),
            });
        }
        check_len("sigma", sigma, y.len())?;
        check_finite("y", y)?;
        check_finite("sigma", sigma)?;
        if let Some(i) = sigma.iter().position(|&s| s <= 0.0) {
            return Err(BayesError::InvalidArgument {
                name: "sigma",
                reason: format!("sigma[{i}] = {} is not positive", sigma[i]),
            });
        }
        let j = y.len();
        let stem = if centered { "theta" } else { "theta_trans" };
        let mut names: Vec<String> = (1..=j).map(|i| format!("{stem}[{i}]")).collect();
        names.push("mu".into());
        names.push("tau".into());
        let mut bounds = vec![(f64::NEG_INFINITY, f64::INFINITY); j + 1];
        bounds.push((0.0, f64::INFINITY));
        let mut init = vec![0.0; j + 2];
        init[j + 1] = 1.0;
        Ok(Self {
            y: y.to_vec(),
            sigma: sigma.to_vec(),
            centered,
            names,
            init,
            bounds,
            fixed: vec![false; j + 2],
        })
    }

    /// Number of schools.
    pub fn n_schools(&self) -> usize {
        self.y.len()
    }

    fn eval(&self, x: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        let j = self.y.len();
        let (mu, tau) = (x[j], x[j + 1]);
        if tau.is_nan() || tau <= 0.0 {
            return f64::INFINITY;
        }
        // Priors: mu ~ normal(0, 5), tau ~ half-cauchy(0, 5).
        let mut nll = 0.5 * (mu / 5.0) * (mu / 5.0) + (tau / 5.0).mul_add(tau / 5.0, 1.0).ln();
        let (mut g_mu, mut g_tau) = (mu / 25.0, 2.0 * tau / (25.0 + tau * tau));
        for i in 0..j {
            let (y, s, t) = (self.y[i], self.sigma[i], x[i]);
            let g_t;
            if self.centered {
                let z = (t - mu) / tau;
                let r = (y - t) / s;
                nll += 0.5 * z * z + tau.ln() + 0.5 * r * r;
                g_t = z / tau - r / s;
                g_mu -= z / tau;
                g_tau += (1.0 - z * z) / tau;
            } else {
                let r = (y - mu - tau * t) / s;
                nll += 0.5 * t * t + 0.5 * r * r;
                g_t = t - r * tau / s;
                g_mu -= r / s;
                g_tau -= r * t / s;
            }
            if let Some(g) = grad.as_deref_mut() {
                g[i] = g_t;
            }
        }
        if let Some(g) = grad {
            g[j] = g_mu;
            g[j + 1] = g_tau;
        }
        nll
    }
}

impl Model for EightSchools {
    type Data = ();
    type Scratch = ();

    fn n_params(&self) -> usize {
        self.y.len() + 2
    }
    fn param_names(&self) -> &[String] {
        &self.names
    }
    fn suggested_init(&self) -> &[f64] {
        &self.init
    }
    fn suggested_bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }
    fn suggested_fixed(&self) -> &[bool] {
        &self.fixed
    }
    fn poi_index(&self) -> Option<usize> {
        None
    }
    fn observed(&self) -> &() {
        &()
    }
    fn new_scratch(&self) {}
    fn nll(&self, _: &(), x: &[f64], _: &mut ()) -> f64 {
        self.eval(x, None)
    }
    fn nll_grad(&self, _: &(), x: &[f64], grad: &mut [f64], _: &mut ()) -> f64 {
        self.eval(x, Some(grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testing::check_gradient;

    const Y: [f64; 8] = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0];
    const S: [f64; 8] = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0];

    #[test]
    fn gradients_match_finite_differences() {
        let x = [0.3, -1.2, 0.8, 0.1, -0.4, 1.5, -0.9, 0.2, 4.0, 2.5];
        check_gradient(&EightSchools::new(&Y, &S, false).unwrap(), &x);
        check_gradient(&EightSchools::new(&Y, &S, true).unwrap(), &x);
    }

    #[test]
    fn bad_data_is_rejected() {
        assert!(matches!(
            EightSchools::new(&Y, &S[..7], false),
            Err(BayesError::DimensionMismatch { name: "sigma", .. })
        ));
        let mut y = Y;
        y[3] = f64::NAN;
        assert!(matches!(
            EightSchools::new(&y, &S, false),
            Err(BayesError::NonFiniteData {
                name: "y",
                index: 3,
                ..
            })
        ));
        let mut s = S;
        s[0] = 0.0;
        assert!(EightSchools::new(&Y, &s, true).is_err());
    }
}
