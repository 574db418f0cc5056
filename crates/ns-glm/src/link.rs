//! Link functions g(μ) = η, with statsmodels' clipping so fits and their
//! numbers agree with `statsmodels.genmod.families.links`.

use crate::error::GlmError;
use crate::special::{norm_cdf, norm_pdf, norm_ppf};

const EPS: f64 = f64::EPSILON;

/// A link function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Link {
    /// η = μ.
    Identity,
    /// η = ln μ.
    Log,
    /// η = ln(μ/(1−μ)).
    Logit,
    /// η = Φ⁻¹(μ).
    Probit,
    /// η = ln(−ln(1−μ)).
    CLogLog,
    /// η = √μ.
    Sqrt,
    /// η = 1/μ.
    Inverse,
    /// η = 1/μ².
    InverseSquared,
}

impl Link {
    /// Every link, for messages.
    pub const NAMES: &'static str =
        "identity, log, logit, probit, cloglog, sqrt, inverse, inverse_squared";

    /// Parse the Python/CLI name.
    pub fn parse(name: &str) -> Result<Self, GlmError> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "identity" => Link::Identity,
            "log" => Link::Log,
            "logit" => Link::Logit,
            "probit" => Link::Probit,
            "cloglog" => Link::CLogLog,
            "sqrt" => Link::Sqrt,
            "inverse" | "inverse_power" => Link::Inverse,
            "inverse_squared" => Link::InverseSquared,
            _ => {
                return Err(GlmError::UnknownName {
                    arg: "link",
                    name: name.to_string(),
                    allowed: Self::NAMES,
                });
            }
        })
    }

    /// The name [`Link::parse`] accepts.
    pub fn name(self) -> &'static str {
        match self {
            Link::Identity => "identity",
            Link::Log => "log",
            Link::Logit => "logit",
            Link::Probit => "probit",
            Link::CLogLog => "cloglog",
            Link::Sqrt => "sqrt",
            Link::Inverse => "inverse",
            Link::InverseSquared => "inverse_squared",
        }
    }

    /// statsmodels' class name (for the summary table).
    pub fn display_name(self) -> &'static str {
        match self {
            Link::Identity => "Identity",
            Link::Log => "Log",
            Link::Logit => "Logit",
            Link::Probit => "Probit",
            Link::CLogLog => "CLogLog",
            Link::Sqrt => "Sqrt",
            Link::Inverse => "InversePower",
            Link::InverseSquared => "InverseSquared",
        }
    }

    /// The power of a power link (identity, sqrt, inverse, inverse squared).
    fn power(self) -> Option<f64> {
        match self {
            Link::Identity => Some(1.0),
            Link::Sqrt => Some(0.5),
            Link::Inverse => Some(-1.0),
            Link::InverseSquared => Some(-2.0),
            _ => None,
        }
    }

    /// η = g(μ).
    #[inline]
    pub fn link(self, mu: f64) -> f64 {
        match self {
            Link::Identity => mu,
            Link::Log => mu.max(EPS).ln(),
            Link::Logit => {
                let p = clip01(mu);
                (p / (1.0 - p)).ln()
            }
            Link::Probit => norm_ppf(clip01(mu)),
            Link::CLogLog => (-(1.0 - clip01(mu)).ln()).ln(),
            Link::Sqrt => mu.sqrt(),
            Link::Inverse => 1.0 / mu,
            Link::InverseSquared => 1.0 / (mu * mu),
        }
    }

    /// μ = g⁻¹(η).
    #[inline]
    pub fn inverse(self, eta: f64) -> f64 {
        match self {
            Link::Identity => eta,
            Link::Log => eta.exp(),
            Link::Logit => 1.0 / (1.0 + (-eta).exp()),
            Link::Probit => norm_cdf(eta),
            Link::CLogLog => 1.0 - (-eta.exp()).exp(),
            Link::Sqrt => eta * eta,
            Link::Inverse => 1.0 / eta,
            Link::InverseSquared => eta.powf(-0.5),
        }
    }

    /// g'(μ) = dη/dμ.
    #[inline]
    pub fn deriv(self, mu: f64) -> f64 {
        match self {
            Link::Identity => 1.0,
            Link::Log => 1.0 / mu.max(EPS),
            Link::Logit => {
                let p = clip01(mu);
                1.0 / (p * (1.0 - p))
            }
            Link::Probit => 1.0 / norm_pdf(norm_ppf(clip01(mu))),
            Link::CLogLog => {
                let p = clip01(mu);
                1.0 / ((p - 1.0) * (1.0 - p).ln())
            }
            _ => {
                let k = self.power().unwrap_or(1.0);
                k * mu.powf(k - 1.0)
            }
        }
    }

    /// g''(μ) (for the observed information).
    #[inline]
    pub fn deriv2(self, mu: f64) -> f64 {
        match self {
            Link::Identity => 0.0,
            Link::Log => {
                let p = mu.max(EPS);
                -1.0 / (p * p)
            }
            Link::Logit => {
                let v = mu * (1.0 - mu);
                (2.0 * mu - 1.0) / (v * v)
            }
            Link::Probit => {
                let z = norm_ppf(clip01(mu));
                let d = norm_pdf(z);
                z / (d * d)
            }
            Link::CLogLog => {
                let p = clip01(mu);
                let fl = (1.0 - p).ln();
                -1.0 / ((1.0 - p) * (1.0 - p) * fl) * (1.0 + 1.0 / fl)
            }
            _ => {
                let k = self.power().unwrap_or(1.0);
                k * (k - 1.0) * mu.powf(k - 2.0)
            }
        }
    }
}

#[inline]
fn clip01(p: f64) -> f64 {
    p.clamp(EPS, 1.0 - EPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_and_derivatives_are_consistent() {
        let links = [
            Link::Identity,
            Link::Log,
            Link::Logit,
            Link::Probit,
            Link::CLogLog,
            Link::Sqrt,
            Link::Inverse,
            Link::InverseSquared,
        ];
        for l in links {
            for &mu in &[0.2, 0.45, 0.8] {
                let eta = l.link(mu);
                assert!((l.inverse(eta) - mu).abs() < 1e-14, "{l:?}");
                let h = 1e-6;
                let fd = (l.link(mu + h) - l.link(mu - h)) / (2.0 * h);
                assert!(
                    (fd - l.deriv(mu)).abs() < 1e-6 * l.deriv(mu).abs().max(1.0),
                    "{l:?}"
                );
                let fd2 = (l.deriv(mu + h) - l.deriv(mu - h)) / (2.0 * h);
                assert!(
                    (fd2 - l.deriv2(mu)).abs() < 1e-5 * l.deriv2(mu).abs().max(1.0),
                    "{l:?}"
                );
            }
        }
    }
}
