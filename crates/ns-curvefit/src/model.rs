//! The model `y = f(x; p)` evaluated at all data points, and its Jacobian
//! modes: exact by the expression tape (forward or reverse), analytic from
//! the user, or finite differences of the residuals.

use crate::error::{CurveFitError, Result};
use crate::expr::{Expression, TapeScratch};

/// How the Jacobian is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JacMode {
    /// Forward mode for expressions (reverse when there are more parameters
    /// than points); the user's Jacobian or 2-point differences for other models.
    #[default]
    Auto,
    /// Forward-mode dual numbers over the tape.
    Forward,
    /// Reverse-mode sweep over the tape, one per point.
    Reverse,
    /// Forward differences.
    TwoPoint,
    /// Central differences (one-sided three-point next to a bound).
    ThreePoint,
    /// The model's own analytic Jacobian (a user callable).
    Analytic,
}

impl JacMode {
    /// The name used in results and options ("fwd", "rev", "2-point", ...).
    pub fn name(self) -> &'static str {
        match self {
            JacMode::Auto => "auto",
            JacMode::Forward => "fwd",
            JacMode::Reverse => "rev",
            JacMode::TwoPoint => "2-point",
            JacMode::ThreePoint => "3-point",
            JacMode::Analytic => "analytic",
        }
    }
}

impl std::str::FromStr for JacMode {
    type Err = CurveFitError;
    fn from_str(s: &str) -> Result<JacMode> {
        Ok(match s {
            "auto" => JacMode::Auto,
            "fwd" => JacMode::Forward,
            "rev" => JacMode::Reverse,
            "2-point" => JacMode::TwoPoint,
            "3-point" => JacMode::ThreePoint,
            "analytic" => JacMode::Analytic,
            _ => {
                return Err(CurveFitError::InvalidOption {
                    name: "jac".into(),
                    message: format!("unknown mode '{s}' (auto, fwd, rev, 2-point, 3-point)"),
                });
            }
        })
    }
}

/// A model evaluated at the n data points.
pub trait Model {
    /// Number of parameters.
    fn n_params(&self) -> usize;
    /// Number of data points.
    fn n_points(&self) -> usize;
    /// Model values at all points.
    fn values(&mut self, p: &[f64], out: &mut [f64]) -> Result<()>;
    /// Whether the model computes its own Jacobian in `mode`
    /// (Forward/Reverse/Analytic).
    fn supports(&self, mode: JacMode) -> bool;
    /// The Jacobian (row-major `n_points × n_params`) in a supported mode.
    fn jacobian(&mut self, p: &[f64], mode: JacMode, out: &mut [f64]) -> Result<()>;
    /// What `JacMode::Auto` means for this model.
    fn auto_mode(&self) -> JacMode;
}

/// An [`Expression`] bound to its input points; `x` is variable-major
/// (`k × n`, row v holds variable `x{v+1}`).
#[derive(Debug, Clone)]
pub struct ExprModel<'a> {
    expr: &'a Expression,
    x: &'a [f64],
    n: usize,
    xi: Vec<f64>,
    scratch: TapeScratch,
}

impl<'a> ExprModel<'a> {
    /// Bind `expr` to `x` (length `k·n` for k variables). Errors when the
    /// length is not a multiple of k or a value is not finite.
    pub fn new(expr: &'a Expression, x: &'a [f64]) -> Result<ExprModel<'a>> {
        let k = expr.n_vars();
        if !x.len().is_multiple_of(k) {
            return Err(CurveFitError::InvalidOption {
                name: "xdata".into(),
                message: format!(
                    "the expression uses {k} variables (x1..x{k}) but xdata has {} values, not a multiple of {k}",
                    x.len()
                ),
            });
        }
        if let Some((index, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(CurveFitError::NonFiniteInput {
                what: "xdata".into(),
                index,
                value,
            });
        }
        Ok(ExprModel {
            expr,
            x,
            n: x.len() / k,
            xi: vec![0.0; k],
            scratch: TapeScratch::default(),
        })
    }

    fn load(&mut self, i: usize) {
        for (v, slot) in self.xi.iter_mut().enumerate() {
            *slot = self.x[v * self.n + i];
        }
    }
}

impl Model for ExprModel<'_> {
    fn n_params(&self) -> usize {
        self.expr.n_params()
    }
    fn n_points(&self) -> usize {
        self.n
    }
    fn values(&mut self, p: &[f64], out: &mut [f64]) -> Result<()> {
        for (i, o) in out.iter_mut().enumerate().take(self.n) {
            self.load(i);
            *o = self.expr.eval(&self.xi, p, &mut self.scratch);
        }
        Ok(())
    }
    fn supports(&self, mode: JacMode) -> bool {
        matches!(mode, JacMode::Forward | JacMode::Reverse)
    }
    fn jacobian(&mut self, p: &[f64], mode: JacMode, out: &mut [f64]) -> Result<()> {
        let np = self.expr.n_params();
        for i in 0..self.n {
            self.load(i);
            let row = &mut out[i * np..(i + 1) * np];
            if mode == JacMode::Reverse {
                self.expr.eval_reverse(&self.xi, p, row, &mut self.scratch);
            } else {
                self.expr.eval_forward(&self.xi, p, row, &mut self.scratch);
            }
        }
        Ok(())
    }
    fn auto_mode(&self) -> JacMode {
        if self.expr.n_params() > self.n {
            JacMode::Reverse
        } else {
            JacMode::Forward
        }
    }
}
