//! Robust losses ρ(z) of z = (f / f_scale)², as in scipy's `least_squares`:
//! the cost is `½ Σ f_scale² ρ(zᵢ)`, and the Jacobian and residuals are
//! rescaled so that the Gauss–Newton model matches ρ's second-order
//! expansion (Triggs et al., "Bundle adjustment — a modern synthesis").

use crate::error::{CurveFitError, Result};

/// The loss function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loss {
    /// ρ(z) = z: ordinary least squares.
    #[default]
    Linear,
    /// ρ(z) = 2(√(1+z) − 1).
    SoftL1,
    /// ρ(z) = z if z ≤ 1 else 2√z − 1.
    Huber,
    /// ρ(z) = ln(1 + z).
    Cauchy,
    /// ρ(z) = arctan(z).
    Arctan,
}

impl std::str::FromStr for Loss {
    type Err = CurveFitError;
    fn from_str(s: &str) -> Result<Loss> {
        Ok(match s {
            "linear" => Loss::Linear,
            "soft_l1" => Loss::SoftL1,
            "huber" => Loss::Huber,
            "cauchy" => Loss::Cauchy,
            "arctan" => Loss::Arctan,
            _ => {
                return Err(CurveFitError::InvalidOption {
                    name: "loss".into(),
                    message: format!("unknown loss '{s}' (linear, soft_l1, huber, cauchy, arctan)"),
                });
            }
        })
    }
}

impl Loss {
    /// (ρ, ρ', ρ'') at z.
    pub fn rho(self, z: f64) -> (f64, f64, f64) {
        match self {
            Loss::Linear => (z, 1.0, 0.0),
            Loss::SoftL1 => {
                let t = 1.0 + z;
                (2.0 * (t.sqrt() - 1.0), 1.0 / t.sqrt(), -0.5 * t.powf(-1.5))
            }
            Loss::Huber => {
                if z <= 1.0 {
                    (z, 1.0, 0.0)
                } else {
                    let r = z.sqrt();
                    (2.0 * r - 1.0, 1.0 / r, -0.5 / (z * r))
                }
            }
            Loss::Cauchy => {
                let t = 1.0 + z;
                (z.ln_1p(), 1.0 / t, -1.0 / (t * t))
            }
            Loss::Arctan => {
                let t = 1.0 + z * z;
                (z.atan(), 1.0 / t, -2.0 * z / (t * t))
            }
        }
    }

    /// The cost `½ Σ f_scale² ρ((fᵢ/f_scale)²)`.
    pub fn cost(self, f: &[f64], f_scale: f64) -> f64 {
        if self == Loss::Linear {
            return 0.5 * f.iter().map(|v| v * v).sum::<f64>();
        }
        let c2 = f_scale * f_scale;
        0.5 * c2 * f.iter().map(|v| self.rho(v * v / c2).0).sum::<f64>()
    }

    /// Rescale residuals `f` and row-major Jacobian rows in place for the loss.
    pub fn scale(self, f: &mut [f64], jac: &mut [f64], n: usize, f_scale: f64) {
        if self == Loss::Linear {
            return;
        }
        let c2 = f_scale * f_scale;
        for (i, fi) in f.iter_mut().enumerate() {
            let (_, r1, r2) = self.rho(*fi * *fi / c2);
            let r2 = r2 / c2;
            let js = (r1 + 2.0 * r2 * *fi * *fi).max(f64::EPSILON).sqrt();
            *fi *= r1 / js;
            for v in &mut jac[i * n..(i + 1) * n] {
                *v *= js;
            }
        }
    }
}
