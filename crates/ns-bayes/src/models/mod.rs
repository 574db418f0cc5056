//! Built-in models with analytic gradients, each an `ns-core`
//! [`ns_core::Model`] whose NLL is the negative log-posterior (constants
//! dropped, as Stan's `~` statements do). Parameters with a restricted
//! support say so through their bounds, which [`crate::ModelPosterior::new`]
//! turns into transforms. Priors are arguments; where a posteriordb program
//! of the same name has one it is named in the constructor's doc.

mod eight_schools;
mod linear;
mod logistic;

pub use eight_schools::EightSchools;
pub use linear::LinearRegression;
pub use logistic::LogisticRegression;

use crate::error::{BayesError, Result};

/// A prior on a real coefficient.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Prior {
    /// Improper flat prior.
    Flat,
    /// `Normal(mean, sd)`.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
}

/// A prior on a positive scale parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalePrior {
    /// Improper flat prior on `(0, ∞)`.
    Flat,
    /// Half-normal with scale `s` (`normal(0, s)` on a positive parameter).
    HalfNormal(f64),
    /// Half-Cauchy with scale `s` (`cauchy(0, s)` on a positive parameter).
    HalfCauchy(f64),
}

impl Prior {
    /// `-log p(x)` up to a constant and its derivative.
    #[inline]
    pub(crate) fn nll(&self, x: f64) -> (f64, f64) {
        match *self {
            Prior::Flat => (0.0, 0.0),
            Prior::Normal { mean, sd } => {
                let z = (x - mean) / sd;
                (0.5 * z * z, z / sd)
            }
        }
    }

    fn validate(&self, name: &'static str) -> Result<()> {
        match *self {
            Prior::Normal { mean, sd } if !(mean.is_finite() && sd.is_finite() && sd > 0.0) => {
                Err(BayesError::InvalidArgument {
                    name,
                    reason: format!("{self:?}: need a finite mean and a positive sd"),
                })
            }
            _ => Ok(()),
        }
    }
}

impl ScalePrior {
    /// `-log p(s)` up to a constant and its derivative, for `s > 0`.
    #[inline]
    pub(crate) fn nll(&self, s: f64) -> (f64, f64) {
        match *self {
            ScalePrior::Flat => (0.0, 0.0),
            ScalePrior::HalfNormal(k) => (0.5 * (s / k) * (s / k), s / (k * k)),
            ScalePrior::HalfCauchy(k) => {
                ((s / k).mul_add(s / k, 1.0).ln(), 2.0 * s / (k * k + s * s))
            }
        }
    }

    fn validate(&self, name: &'static str) -> Result<()> {
        match *self {
            ScalePrior::HalfNormal(k) | ScalePrior::HalfCauchy(k)
                if !(k.is_finite() && k > 0.0) =>
            {
                Err(BayesError::InvalidArgument {
                    name,
                    reason: format!("{self:?}: need a positive finite scale"),
                })
            }
            _ => Ok(()),
        }
    }
}

/// First non-finite value of a data array, as a typed error.
pub(crate) fn check_finite(name: &'static str, v: &[f64]) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(BayesError::NonFiniteData {
            name,
            index,
            value: v[index],
        }),
        None => Ok(()),
    }
}

pub(crate) fn check_len(name: &'static str, v: &[f64], expected: usize) -> Result<()> {
    if v.len() == expected {
        Ok(())
    } else {
        Err(BayesError::DimensionMismatch {
            name,
            expected,
            got: v.len(),
        })
    }
}

/// A regression design: `X` row-major `n × p`, used as given (no intercept added).
#[derive(Debug, Clone)]
pub(crate) struct Design {
    pub x: Vec<f64>,
    pub n: usize,
    pub p: usize,
}

impl Design {
    pub(crate) fn new(x: &[f64], n: usize, p: usize) -> Result<Self> {
        if n == 0 || p == 0 {
            return Err(BayesError::InvalidArgument {
                name: "X",
                reason: format!("empty design ({n} x {p})"),
            });
        }
        check_len("X", x, n * p)?;
        check_finite("X", x)?;
        Ok(Self {
            x: x.to_vec(),
            n,
            p,
        })
    }

    #[inline]
    pub(crate) fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.p..(i + 1) * self.p]
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use ns_core::Model;

    /// Central finite differences of the NLL against the analytic gradient.
    pub(crate) fn check_gradient<M: Model>(m: &M, x: &[f64]) {
        let data = m.observed();
        let mut s = m.new_scratch();
        let mut g = vec![0.0; x.len()];
        let f = m.nll_grad(data, x, &mut g, &mut s);
        assert!((f - m.nll(data, x, &mut s)).abs() < 1e-12 * f.abs().max(1.0));
        for i in 0..x.len() {
            let h = 1e-6 * x[i].abs().max(1.0);
            let mut xp = x.to_vec();
            let mut xm = x.to_vec();
            xp[i] += h;
            xm[i] -= h;
            let fd = (m.nll(data, &xp, &mut s) - m.nll(data, &xm, &mut s)) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-5 * (1.0 + fd.abs()),
                "param {i}: fd {fd} vs {}",
                g[i]
            );
        }
    }
}
