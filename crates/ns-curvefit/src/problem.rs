//! The weighted residuals `r = T (f(x; p) − y)` of a curve fit, with
//! `T = diag(1/σ)` for per-point uncertainties or `T = L⁻¹` for a covariance
//! `C = L Lᵀ` (scipy's `curve_fit`), and their Jacobian `T J_f`.

use crate::error::{CurveFitError, Result};
use crate::model::{JacMode, Model};
use crate::solver::Residuals;

/// Data uncertainties.
#[derive(Debug, Clone, Copy, Default)]
pub enum Sigma<'a> {
    /// Unit weights.
    #[default]
    None,
    /// One standard deviation per point.
    PerPoint(&'a [f64]),
    /// A row-major `n × n` covariance matrix.
    Covariance(&'a [f64]),
}

/// The residual transform built from [`Sigma`].
#[derive(Debug, Clone)]
pub(crate) enum Transform {
    None,
    Diag(Vec<f64>),
    /// Lower Cholesky factor, row-major.
    Chol(Vec<f64>),
}

impl Transform {
    pub(crate) fn new(sigma: Sigma<'_>, n: usize) -> Result<Transform> {
        match sigma {
            Sigma::None => Ok(Transform::None),
            Sigma::PerPoint(s) => {
                check_len("sigma", n, s.len())?;
                for (index, &value) in s.iter().enumerate() {
                    if !value.is_finite() {
                        return Err(CurveFitError::NonFiniteInput {
                            what: "sigma".into(),
                            index,
                            value,
                        });
                    }
                    if value <= 0.0 {
                        return Err(CurveFitError::InvalidOption {
                            name: "sigma".into(),
                            message: format!("sigma[{index}] = {value} is not positive"),
                        });
                    }
                }
                Ok(Transform::Diag(s.iter().map(|v| 1.0 / v).collect()))
            }
            Sigma::Covariance(c) => {
                check_len("sigma (n x n covariance)", n * n, c.len())?;
                if let Some((index, &value)) = c.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                    return Err(CurveFitError::NonFiniteInput {
                        what: "sigma".into(),
                        index,
                        value,
                    });
                }
                cholesky(c, n)
                    .map(Transform::Chol)
                    .ok_or(CurveFitError::InvalidOption {
                        name: "sigma".into(),
                        message: "the covariance matrix must be positive definite".into(),
                    })
            }
        }
    }

    /// Apply T in place to a vector of length n with stride `stride` (a Jacobian column).
    fn apply(&self, v: &mut [f64], n: usize, stride: usize, col: usize) {
        match self {
            Transform::None => {}
            Transform::Diag(w) => {
                for i in 0..n {
                    v[i * stride + col] *= w[i];
                }
            }
            Transform::Chol(l) => {
                for i in 0..n {
                    let mut s = v[i * stride + col];
                    for k in 0..i {
                        s -= l[i * n + k] * v[k * stride + col];
                    }
                    v[i * stride + col] = s / l[i * n + i];
                }
            }
        }
    }
}

fn cholesky(c: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = 0.5 * (c[i * n + j] + c[j * n + i]);
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s <= 0.0 || !s.is_finite() {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

pub(crate) fn check_len(what: &str, expected: usize, got: usize) -> Result<()> {
    if expected != got {
        return Err(CurveFitError::LengthMismatch {
            what: what.into(),
            expected,
            got,
        });
    }
    Ok(())
}

/// Residuals of a model against data, as the solvers see them.
pub(crate) struct FitProblem<'a, M: Model> {
    pub model: &'a mut M,
    pub y: &'a [f64],
    pub transform: &'a Transform,
    pub mode: JacMode,
    pub lb: &'a [f64],
    pub ub: &'a [f64],
    pub f_plus: Vec<f64>,
    pub f_minus: Vec<f64>,
    pub x_tmp: Vec<f64>,
}

impl<M: Model> FitProblem<'_, M> {
    fn weighted(&mut self, p: &[f64], out: &mut [f64]) -> Result<()> {
        self.model.values(p, out)?;
        for (o, y) in out.iter_mut().zip(self.y) {
            *o -= y;
        }
        self.transform.apply(out, out.len(), 1, 0);
        Ok(())
    }

    fn finite_differences(&mut self, x: &[f64], f0: &[f64], jac: &mut [f64]) -> Result<()> {
        let (m, n) = (self.y.len(), x.len());
        let three = self.mode == JacMode::ThreePoint;
        let rel = if three {
            f64::EPSILON.cbrt()
        } else {
            f64::EPSILON.sqrt()
        };
        let mut fp = std::mem::take(&mut self.f_plus);
        let mut fm = std::mem::take(&mut self.f_minus);
        let mut xt = std::mem::take(&mut self.x_tmp);
        xt.clear();
        xt.extend_from_slice(x);
        for j in 0..n {
            let sign = if x[j] >= 0.0 { 1.0 } else { -1.0 };
            let mut h = rel * sign * x[j].abs().max(1.0);
            let (lb, ub) = (self.lb[j], self.ub[j]);
            if three {
                let central = x[j] - h >= lb && x[j] + h <= ub && x[j] + h >= lb && x[j] - h <= ub;
                if central {
                    xt[j] = x[j] + h;
                    let hp = xt[j] - x[j];
                    self.weighted(&xt, &mut fp)?;
                    xt[j] = x[j] - hp;
                    self.weighted(&xt, &mut fm)?;
                    for i in 0..m {
                        jac[i * n + j] = (fp[i] - fm[i]) / (2.0 * hp);
                    }
                } else {
                    // one-sided three-point towards the interior
                    if x[j] + 2.0 * h > ub || x[j] + 2.0 * h < lb {
                        h = -h;
                    }
                    xt[j] = x[j] + h;
                    let h1 = xt[j] - x[j];
                    self.weighted(&xt, &mut fp)?;
                    xt[j] = x[j] + 2.0 * h1;
                    self.weighted(&xt, &mut fm)?;
                    for i in 0..m {
                        jac[i * n + j] = (-3.0 * f0[i] + 4.0 * fp[i] - fm[i]) / (2.0 * h1);
                    }
                }
            } else {
                if x[j] + h > ub || x[j] + h < lb {
                    h = -h;
                }
                xt[j] = x[j] + h;
                let dx = xt[j] - x[j];
                self.weighted(&xt, &mut fp)?;
                for i in 0..m {
                    jac[i * n + j] = (fp[i] - f0[i]) / dx;
                }
            }
            xt[j] = x[j];
        }
        self.f_plus = fp;
        self.f_minus = fm;
        self.x_tmp = xt;
        Ok(())
    }
}

impl<M: Model> Residuals for FitProblem<'_, M> {
    fn m(&self) -> usize {
        self.y.len()
    }
    fn n(&self) -> usize {
        self.model.n_params()
    }
    fn fun(&mut self, x: &[f64], f: &mut [f64]) -> Result<()> {
        self.weighted(x, f)
    }
    fn jac(&mut self, x: &[f64], f: &[f64], jac: &mut [f64]) -> Result<()> {
        match self.mode {
            JacMode::TwoPoint | JacMode::ThreePoint => self.finite_differences(x, f, jac),
            mode => {
                self.model.jacobian(x, mode, jac)?;
                let (m, n) = (self.y.len(), x.len());
                for c in 0..n {
                    self.transform.apply(jac, m, n, c);
                }
                Ok(())
            }
        }
    }
}
