//! Fit options, with statsmodels' defaults.

use crate::error::GlmError;
use crate::family::Family;
use crate::link::Link;

/// The fitting algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Iteratively reweighted least squares (Fisher scoring) with
    /// step-halving when the deviance rises. Covariance from the expected
    /// information, as statsmodels' IRLS.
    Irls,
    /// Newton–Raphson on the log-likelihood (observed information) after a
    /// few IRLS steps, as statsmodels' `method="newton"`; covariance from the
    /// observed information.
    Newton,
}

impl Method {
    /// Parse `"irls"` / `"newton"`.
    pub fn parse(s: &str) -> Result<Self, GlmError> {
        match s.to_ascii_lowercase().as_str() {
            "irls" => Ok(Method::Irls),
            "newton" => Ok(Method::Newton),
            _ => Err(GlmError::UnknownName {
                arg: "method",
                name: s.into(),
                allowed: "irls, newton",
            }),
        }
    }
}

/// The quantity whose change stops IRLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TolCriterion {
    /// |ΔD| ≤ tol + rtol·|D| (statsmodels' default).
    Deviance,
    /// Every |Δβⱼ| ≤ tol + rtol·|βⱼ| (statsmodels' `tol_criterion="params"`).
    Params,
}

/// How the dispersion φ is obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScaleSpec {
    /// The family's default: Pearson χ²/df_resid for Gaussian, Gamma and
    /// Inverse Gaussian; 1 for Binomial, Poisson, NB.
    Default,
    /// Pearson χ² / df_resid (`"x2"`).
    X2,
    /// Deviance / df_resid (`"dev"`).
    Dev,
    /// A fixed value.
    Fixed(f64),
}

/// Covariance of the estimates.
#[derive(Debug, Clone, PartialEq)]
pub enum CovType {
    /// φ·(XᵀWX)⁻¹ (IRLS) or φ·(observed information)⁻¹ (Newton).
    NonRobust,
    /// White's sandwich, statsmodels' GLM `HC0`.
    HC0,
    /// HC0 × nobs/(nobs − k).
    HC1,
    /// Scores divided by √(1 − hᵢ) (leverage of the weighted design).
    HC2,
    /// Scores divided by (1 − hᵢ).
    HC3,
    /// Cluster-robust (CRV1 with statsmodels' small-sample correction);
    /// one group label per observation.
    Cluster {
        /// Group label of each row.
        groups: Vec<u64>,
    },
}

impl CovType {
    /// The statsmodels name.
    pub fn name(&self) -> &'static str {
        match self {
            CovType::NonRobust => "nonrobust",
            CovType::HC0 => "HC0",
            CovType::HC1 => "HC1",
            CovType::HC2 => "HC2",
            CovType::HC3 => "HC3",
            CovType::Cluster { .. } => "cluster",
        }
    }

    /// Parse a name (`groups` are required for `"cluster"`).
    pub fn parse(s: &str, groups: Option<Vec<u64>>) -> Result<Self, GlmError> {
        let c = match s.to_ascii_lowercase().as_str() {
            "nonrobust" => CovType::NonRobust,
            "hc0" => CovType::HC0,
            "hc1" => CovType::HC1,
            "hc2" => CovType::HC2,
            "hc3" => CovType::HC3,
            "cluster" => CovType::Cluster {
                groups: groups.ok_or(GlmError::InvalidArgument {
                    arg: "groups",
                    message: "cov_type=\"cluster\" needs groups (one label per observation)".into(),
                })?,
            },
            _ => {
                return Err(GlmError::UnknownName {
                    arg: "cov_type",
                    name: s.into(),
                    allowed: "nonrobust, HC0, HC1, HC2, HC3, cluster",
                });
            }
        };
        Ok(c)
    }
}

/// Options of [`crate::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct GlmOptions {
    /// The family.
    pub family: Family,
    /// The link (`None`: the family's canonical link).
    pub link: Option<Link>,
    /// Algorithm (default IRLS).
    pub method: Method,
    /// Iteration limit (default 100).
    pub maxiter: usize,
    /// Absolute tolerance on the deviance change (statsmodels' `tol`/`atol`,
    /// default 1e-8); Newton: on the largest parameter change.
    pub tol: f64,
    /// Relative tolerance on the deviance change (statsmodels' `rtol`,
    /// default 0): converged when |ΔD| ≤ tol + rtol·|D|.
    pub rtol: f64,
    /// What the IRLS tolerance applies to (statsmodels' `tol_criterion`).
    pub tol_criterion: TolCriterion,
    /// Dispersion.
    pub scale: ScaleSpec,
    /// Covariance type.
    pub cov_type: CovType,
}

impl GlmOptions {
    /// statsmodels' defaults for `family`.
    pub fn new(family: Family) -> Self {
        GlmOptions {
            family,
            link: None,
            method: Method::Irls,
            maxiter: 100,
            tol: 1e-8,
            rtol: 0.0,
            tol_criterion: TolCriterion::Deviance,
            scale: ScaleSpec::Default,
            cov_type: CovType::NonRobust,
        }
    }

    pub(crate) fn validate(&self) -> Result<Link, GlmError> {
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(GlmError::InvalidArgument {
                arg: "tol",
                message: format!("must be finite and >= 0, got {}", self.tol),
            });
        }
        if !(self.rtol >= 0.0 && self.rtol.is_finite()) {
            return Err(GlmError::InvalidArgument {
                arg: "rtol",
                message: format!("must be finite and >= 0, got {}", self.rtol),
            });
        }
        if self.maxiter == 0 {
            return Err(GlmError::InvalidArgument {
                arg: "maxiter",
                message: "must be at least 1".into(),
            });
        }
        if let ScaleSpec::Fixed(s) = self.scale
            && !(s > 0.0 && s.is_finite())
        {
            return Err(GlmError::InvalidArgument {
                arg: "scale",
                message: format!("a fixed scale must be positive and finite, got {s}"),
            });
        }
        self.family
            .check_link(self.link.unwrap_or(self.family.canonical_link()))
    }
}
