//! Exponential families: variance function, unit deviance, log-likelihood
//! and starting values, written as statsmodels' `families.family` computes
//! them (same clipping), so deviance and llf agree to rounding.

use crate::error::GlmError;
use crate::link::Link;
use crate::special::ln_gamma;

const EPS: f64 = f64::EPSILON;
const LN_2PI: f64 = 1.837_877_066_409_345_5;

/// A GLM family.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Family {
    /// Normal, V(μ) = 1.
    Gaussian,
    /// Binomial (proportions with trials), V(μ) = μ(1−μ).
    Binomial,
    /// Poisson, V(μ) = μ.
    Poisson,
    /// Gamma, V(μ) = μ².
    Gamma,
    /// Inverse Gaussian, V(μ) = μ³.
    InverseGaussian,
    /// Negative binomial NB2 with fixed α, V(μ) = μ + αμ².
    NegativeBinomial {
        /// The dispersion α > 0.
        alpha: f64,
    },
}

impl Family {
    /// Every family name, for messages.
    pub const NAMES: &'static str =
        "gaussian, binomial, poisson, gamma, inverse_gaussian, negative_binomial";

    /// Parse the Python/CLI name (`alpha` for the negative binomial; 1.0 if
    /// `None`, as statsmodels).
    pub fn parse(name: &str, alpha: Option<f64>) -> Result<Self, GlmError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "gaussian" | "normal" => Family::Gaussian,
            "binomial" | "logit" => Family::Binomial,
            "poisson" => Family::Poisson,
            "gamma" => Family::Gamma,
            "inverse_gaussian" | "inversegaussian" => Family::InverseGaussian,
            "negative_binomial" | "negativebinomial" | "nb2" => {
                let alpha = alpha.unwrap_or(1.0);
                if !(alpha.is_finite() && alpha > 0.0) {
                    return Err(GlmError::InvalidArgument {
                        arg: "alpha",
                        message: format!("must be a positive finite number, got {alpha}"),
                    });
                }
                Family::NegativeBinomial { alpha }
            }
            _ => {
                return Err(GlmError::UnknownName {
                    arg: "family",
                    name: name.to_string(),
                    allowed: Self::NAMES,
                });
            }
        })
    }

    /// Lower-case name.
    pub fn name(&self) -> &'static str {
        match self {
            Family::Gaussian => "gaussian",
            Family::Binomial => "binomial",
            Family::Poisson => "poisson",
            Family::Gamma => "gamma",
            Family::InverseGaussian => "inverse_gaussian",
            Family::NegativeBinomial { .. } => "negative_binomial",
        }
    }

    /// statsmodels' class name (for the summary table).
    pub fn display_name(&self) -> &'static str {
        match self {
            Family::Gaussian => "Gaussian",
            Family::Binomial => "Binomial",
            Family::Poisson => "Poisson",
            Family::Gamma => "Gamma",
            Family::InverseGaussian => "InverseGaussian",
            Family::NegativeBinomial { .. } => "NegativeBinomial",
        }
    }

    /// The canonical link (statsmodels' default).
    pub fn canonical_link(&self) -> Link {
        match self {
            Family::Gaussian => Link::Identity,
            Family::Binomial => Link::Logit,
            Family::Poisson | Family::NegativeBinomial { .. } => Link::Log,
            Family::Gamma => Link::Inverse,
            Family::InverseGaussian => Link::InverseSquared,
        }
    }

    /// The links this family accepts.
    pub fn allowed_links(&self) -> &'static [Link] {
        use Link::*;
        match self {
            Family::Gaussian => &[Identity, Log, Inverse],
            Family::Binomial => &[Logit, Probit, CLogLog, Log],
            Family::Poisson => &[Log, Identity, Sqrt],
            Family::Gamma => &[Inverse, Log, Identity],
            Family::InverseGaussian => &[InverseSquared, Inverse, Log, Identity],
            Family::NegativeBinomial { .. } => &[Log, Identity, Sqrt],
        }
    }

    /// `link` if the family allows it, else [`GlmError::InvalidLink`].
    pub fn check_link(&self, link: Link) -> Result<Link, GlmError> {
        if self.allowed_links().contains(&link) {
            Ok(link)
        } else {
            Err(GlmError::InvalidLink {
                family: self.name(),
                link: link.name(),
                allowed: self
                    .allowed_links()
                    .iter()
                    .map(|l| l.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        }
    }

    /// Whether the dispersion is estimated by default (statsmodels: Pearson
    /// χ² for Gaussian, Gamma, Inverse Gaussian; 1 otherwise).
    pub fn free_scale(&self) -> bool {
        matches!(
            self,
            Family::Gaussian | Family::Gamma | Family::InverseGaussian
        )
    }

    /// Check a (proportion) response value; `Err` describes the support.
    pub(crate) fn check_support(&self, y: f64) -> Result<(), &'static str> {
        let ok = match self {
            Family::Gaussian => true,
            Family::Binomial => (0.0..=1.0).contains(&y),
            Family::Poisson | Family::NegativeBinomial { .. } => y >= 0.0,
            Family::Gamma | Family::InverseGaussian => y > 0.0,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Family::Binomial => "proportions in [0, 1]; grouped data as (successes, failures)",
            Family::Poisson | Family::NegativeBinomial { .. } => "non-negative counts",
            _ => "strictly positive values",
        })
    }

    /// Variance function V(μ) (binomial: per trial).
    #[inline]
    pub fn variance(&self, mu: f64) -> f64 {
        match self {
            Family::Gaussian => 1.0,
            Family::Binomial => {
                let p = mu.clamp(EPS, 1.0 - EPS);
                p * (1.0 - p)
            }
            Family::Poisson => mu.abs(),
            Family::Gamma => mu * mu,
            Family::InverseGaussian => mu.abs().powi(3),
            Family::NegativeBinomial { alpha } => {
                let p = mu.max(EPS);
                p + alpha * p * p
            }
        }
    }

    /// V'(μ).
    #[inline]
    pub fn variance_deriv(&self, mu: f64) -> f64 {
        match self {
            Family::Gaussian => 0.0,
            Family::Binomial => 1.0 - 2.0 * mu.clamp(EPS, 1.0 - EPS),
            Family::Poisson => mu.signum(),
            Family::Gamma => 2.0 * mu,
            Family::InverseGaussian => 3.0 * mu * mu.abs(),
            Family::NegativeBinomial { alpha } => 1.0 + 2.0 * alpha * mu.max(EPS),
        }
    }

    /// Unit deviance d(y, μ) of one observation with `n` trials (statsmodels'
    /// `_resid_dev`; `n` is 1 except for grouped binomial data).
    #[inline]
    pub fn unit_deviance(&self, y: f64, mu: f64, n: f64) -> f64 {
        match self {
            Family::Gaussian => (y - mu) * (y - mu),
            Family::Binomial => {
                let a = (y / (mu + 1e-20)).max(EPS);
                let b = ((1.0 - y) / (1.0 - mu + 1e-20)).max(EPS);
                2.0 * n * (y * a.ln() + (1.0 - y) * b.ln())
            }
            Family::Poisson => 2.0 * (y * (y / mu).max(EPS).ln() - (y - mu)),
            Family::Gamma => 2.0 * (-(y / mu).max(EPS).ln() + (y - mu) / mu),
            Family::InverseGaussian => (y - mu) * (y - mu) / (y * mu * mu),
            Family::NegativeBinomial { alpha } => {
                let ya = y + 1.0 / alpha;
                let ma = mu + 1.0 / alpha;
                2.0 * (y * (y / mu).max(EPS).ln() - ya * (ya / ma).ln())
            }
        }
    }

    /// Log-likelihood of one observation (statsmodels' `loglike_obs`),
    /// before the frequency weight.
    #[inline]
    pub fn loglike_obs(&self, y: f64, mu: f64, n: f64, var_w: f64, scale: f64) -> f64 {
        match self {
            Family::Gaussian => {
                (-var_w * (y - mu) * (y - mu) / scale - (scale / var_w).ln() - LN_2PI) / 2.0
            }
            Family::Binomial => {
                let k = y * n;
                (ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0)
                    + k * ((mu + 1e-20) / (1.0 - mu + 1e-20)).ln()
                    + n * (1.0 - mu + 1e-20).ln())
                    * var_w
            }
            Family::Poisson => var_w / scale * (y * mu.ln() - mu - ln_gamma(y + 1.0)),
            Family::Gamma => {
                let ym = (y / mu).max(EPS);
                let ws = var_w / scale;
                ws * (ws * ym).ln() - ws * ym - (ln_gamma(ws) + y.ln())
            }
            Family::InverseGaussian => {
                (-var_w * (y - mu) * (y - mu) / (scale * y * mu * mu)
                    - (scale * y * y * y / var_w).ln()
                    - LN_2PI)
                    / 2.0
            }
            Family::NegativeBinomial { alpha } => {
                let a = *alpha;
                let ll = y * (a * mu).ln() - (y + 1.0 / a) * (a * mu).ln_1p()
                    + ln_gamma(y + 1.0 / a)
                    - ln_gamma(1.0 / a)
                    - ln_gamma(y + 1.0);
                var_w / scale * ll
            }
        }
    }

    /// Starting mean for IRLS (statsmodels' `starting_mu`); `ymean` is the
    /// unweighted mean of the response.
    #[inline]
    pub fn starting_mu(&self, y: f64, ymean: f64) -> f64 {
        match self {
            Family::Binomial => (y + 0.5) / 2.0,
            _ => (y + ymean) / 2.0,
        }
    }
}
