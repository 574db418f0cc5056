//! Initial state distribution: known, stationary (discrete Lyapunov
//! equation), approximate diffuse (large variance) and exact diffuse
//! (Koopman 1997), resolved once when the model is built.

use crate::error::{Result, TsError};
use crate::matrix::{Matrix, check_finite, check_psd, solve_dense, symmetrize};

/// statsmodels' default variance for approximate diffuse initialisation.
pub const APPROX_DIFFUSE_VARIANCE: f64 = 1e6;

/// How the first state `α_1 ~ N(a_1, P_1)` is specified (statsmodels'
/// `initialization=` names).
#[derive(Debug, Clone, PartialEq)]
pub enum Initialization {
    /// Known mean `a0` (length m) and covariance `p0` (m x m).
    Known {
        /// Mean of `α_1`.
        a0: Vec<f64>,
        /// Covariance of `α_1`.
        p0: Matrix,
    },
    /// The stationary distribution of the transition: mean `(I - T)⁻¹ c`,
    /// covariance solving `P = T P T' + R Q R'`. Needs every eigenvalue of
    /// `T` inside the unit circle.
    Stationary,
    /// Mean zero, covariance `variance · I` (statsmodels: `1e6`).
    ApproximateDiffuse {
        /// The large variance κ.
        variance: f64,
    },
    /// Exact diffuse: mean zero, `P_1 = κ I` with `κ → ∞`, handled by the
    /// exact initial Kalman filter of Koopman (1997) with the diffuse
    /// log-likelihood (statsmodels' `initialization="diffuse"`).
    Diffuse,
    /// Partly diffuse: `P_1 = p_star + κ p_inf`, `κ → ∞` (e.g. a
    /// non-stationary trend with a stationary AR part).
    Mixed {
        /// Mean of `α_1`.
        a0: Vec<f64>,
        /// Finite part of the covariance.
        p_star: Matrix,
        /// Diffuse part (usually a 0/1 diagonal selecting diffuse states).
        p_inf: Matrix,
    },
}

/// The initial moments in the form the filter consumes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResolvedInit {
    pub a: Vec<f64>,
    pub p_star: Vec<f64>,
    /// `None` when nothing is diffuse.
    pub p_inf: Option<Vec<f64>>,
}

/// Model pieces the initialisation needs.
pub(crate) struct InitInputs<'a> {
    pub m: usize,
    pub t: &'a [f64],
    pub c: &'a [f64],
    pub rqr: &'a [f64],
}

impl Initialization {
    pub(crate) fn resolve(&self, x: &InitInputs<'_>) -> Result<ResolvedInit> {
        let m = x.m;
        match self {
            Initialization::Known { a0, p0 } => {
                check_vec("a0", a0, m)?;
                p0.check("P0", m, m)?;
                check_psd("P0", p0.as_slice(), m)?;
                Ok(ResolvedInit {
                    a: a0.clone(),
                    p_star: p0.as_slice().to_vec(),
                    p_inf: None,
                })
            }
            Initialization::ApproximateDiffuse { variance } => {
                if !(variance.is_finite() && *variance > 0.0) {
                    return Err(TsError::InvalidArgument(format!(
                        "approximate diffuse variance must be positive and finite, got {variance}"
                    )));
                }
                let mut p = Matrix::identity(m).into_vec();
                p.iter_mut().for_each(|v| *v *= variance);
                Ok(ResolvedInit {
                    a: vec![0.0; m],
                    p_star: p,
                    p_inf: None,
                })
            }
            Initialization::Diffuse => Ok(ResolvedInit {
                a: vec![0.0; m],
                p_star: vec![0.0; m * m],
                p_inf: Some(Matrix::identity(m).into_vec()),
            }),
            Initialization::Mixed { a0, p_star, p_inf } => {
                check_vec("a0", a0, m)?;
                p_star.check("P_star", m, m)?;
                p_inf.check("P_inf", m, m)?;
                check_psd("P_star", p_star.as_slice(), m)?;
                check_psd("P_inf", p_inf.as_slice(), m)?;
                Ok(ResolvedInit {
                    a: a0.clone(),
                    p_star: p_star.as_slice().to_vec(),
                    p_inf: Some(p_inf.as_slice().to_vec()),
                })
            }
            Initialization::Stationary => stationary(x),
        }
    }
}

fn check_vec(name: &'static str, v: &[f64], m: usize) -> Result<()> {
    if v.len() != m {
        return Err(TsError::Shape {
            matrix: name,
            expected_rows: m,
            expected_cols: 1,
            rows: v.len(),
            cols: 1,
        });
    }
    check_finite(name, v, 1)
}

/// Largest eigenvalue modulus of the `m x m` row-major `t`.
pub(crate) fn spectral_radius(t: &[f64], m: usize) -> f64 {
    if m == 0 {
        return 0.0;
    }
    let a = faer::Mat::from_fn(m, m, |i, j| t[i * m + j]);
    match a.eigenvalues() {
        Ok(ev) => ev.iter().map(|z| z.re.hypot(z.im)).fold(0.0, f64::max),
        Err(_) => f64::INFINITY,
    }
}

fn stationary(x: &InitInputs<'_>) -> Result<ResolvedInit> {
    let m = x.m;
    let rho = spectral_radius(x.t, m);
    if rho.is_nan() || rho >= 1.0 {
        return Err(TsError::NotStationary {
            spectral_radius: rho,
        });
    }
    // Mean: (I - T) a = c.
    let mut a_mat = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            a_mat[i * m + j] = f64::from(u8::from(i == j)) - x.t[i * m + j];
        }
    }
    let mut a = x.c.to_vec();
    if !solve_dense(&mut a_mat, &mut a, m) {
        return Err(TsError::NotStationary {
            spectral_radius: rho,
        });
    }
    let p = solve_discrete_lyapunov(x.t, x.rqr, m).ok_or(TsError::NotStationary {
        spectral_radius: rho,
    })?;
    Ok(ResolvedInit {
        a,
        p_star: p,
        p_inf: None,
    })
}

/// Solve `P = T P T' + G` directly: `(I - T ⊗ T) vec(P) = vec(G)`
/// (`m² x m²` dense system; state dimensions here are small).
pub(crate) fn solve_discrete_lyapunov(t: &[f64], g: &[f64], m: usize) -> Option<Vec<f64>> {
    let n = m * m;
    let mut a = vec![0.0; n * n];
    for i in 0..m {
        for j in 0..m {
            let row = i * m + j;
            for k in 0..m {
                let tik = t[i * m + k];
                if tik == 0.0 {
                    continue;
                }
                for l in 0..m {
                    a[row * n + k * m + l] -= tik * t[j * m + l];
                }
            }
            a[row * n + row] += 1.0;
        }
    }
    let mut p = g.to_vec();
    if !solve_dense(&mut a, &mut p, n) {
        return None;
    }
    symmetrize(&mut p, m);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lyapunov_ar1() {
        // AR(1) with phi = 0.5, sigma2 = 2: variance 2 / (1 - 0.25).
        let p = solve_discrete_lyapunov(&[0.5], &[2.0], 1).unwrap();
        assert!((p[0] - 2.0 / 0.75).abs() < 1e-14);
    }

    #[test]
    fn lyapunov_residual_is_zero() {
        let t = [0.5, 0.2, -0.3, 0.4];
        let g = [1.0, 0.3, 0.3, 2.0];
        let p = solve_discrete_lyapunov(&t, &g, 2).unwrap();
        for i in 0..2 {
            for j in 0..2 {
                let mut tpt = 0.0;
                for k in 0..2 {
                    for l in 0..2 {
                        tpt += t[i * 2 + k] * p[k * 2 + l] * t[j * 2 + l];
                    }
                }
                assert!((p[i * 2 + j] - tpt - g[i * 2 + j]).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn unit_root_is_not_stationary() {
        let x = InitInputs {
            m: 1,
            t: &[1.0],
            c: &[0.0],
            rqr: &[1.0],
        };
        let e = Initialization::Stationary.resolve(&x).unwrap_err();
        assert!(matches!(e, TsError::NotStationary { .. }));
    }
}
