//! The least-squares problem the solvers see, their options and their output.

use crate::error::Result;
use crate::loss::Loss;

/// Residual vector `f(x)` (length m) and its Jacobian (row-major `m × n`).
pub trait Residuals {
    /// Number of residuals m.
    fn m(&self) -> usize;
    /// Number of parameters n.
    fn n(&self) -> usize;
    /// Residuals at x.
    fn fun(&mut self, x: &[f64], f: &mut [f64]) -> Result<()>;
    /// Jacobian at x, given f = fun(x).
    fn jac(&mut self, x: &[f64], f: &[f64], jac: &mut [f64]) -> Result<()>;
}

/// The solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Trust Region Reflective (bounds allowed).
    #[default]
    Trf,
    /// Levenberg–Marquardt, MINPACK-style (no bounds, linear loss only).
    Lm,
}

impl std::str::FromStr for Method {
    type Err = crate::error::CurveFitError;
    fn from_str(s: &str) -> Result<Method> {
        match s {
            "trf" => Ok(Method::Trf),
            "lm" => Ok(Method::Lm),
            _ => Err(crate::error::CurveFitError::InvalidOption {
                name: "method".into(),
                message: format!("unknown method '{s}' (trf, lm)"),
            }),
        }
    }
}

/// Variable scaling of the trust region.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum XScale {
    /// Inverse Jacobian column norms, updated as the maximum seen (scipy's `x_scale="jac"`).
    #[default]
    Jac,
    /// Fixed characteristic scales, one per parameter.
    Fixed(Vec<f64>),
}

/// Solver settings; defaults as scipy's `least_squares`.
#[derive(Debug, Clone)]
pub struct SolverOptions {
    /// Relative reduction of the cost.
    pub ftol: f64,
    /// Relative step size.
    pub xtol: f64,
    /// Scaled gradient norm.
    pub gtol: f64,
    /// Maximum residual evaluations (None: 1000·n for TRF, 1000·(n+1) for
    /// LM — ten times scipy's, since exact Jacobians make evaluations cheap
    /// and valley crawls such as NIST MGH17 and Bennett5 need ~1000).
    pub max_nfev: Option<usize>,
    /// Robust loss.
    pub loss: Loss,
    /// Soft margin between inlier and outlier residuals.
    pub f_scale: f64,
    /// Variable scaling.
    pub x_scale: XScale,
    /// After convergence, take Gauss–Newton steps while they lower the cost
    /// (see `polish`); `false` stops exactly where scipy's tests stop.
    pub polish: bool,
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            ftol: 1e-8,
            xtol: 1e-8,
            gtol: 1e-8,
            max_nfev: None,
            loss: Loss::Linear,
            f_scale: 1.0,
            x_scale: XScale::Jac,
            polish: true,
        }
    }
}

/// What a solver returns.
#[derive(Debug, Clone)]
pub struct SolverOutput {
    /// Solution.
    pub x: Vec<f64>,
    /// Cost at the solution (½ Σ ρ).
    pub cost: f64,
    /// Residuals at the solution (not loss-scaled).
    pub fun: Vec<f64>,
    /// Jacobian at the solution (loss-scaled for a robust loss), row-major.
    pub jac: Vec<f64>,
    /// Gradient of the cost.
    pub grad: Vec<f64>,
    /// First-order optimality (∞-norm of the scaled gradient).
    pub optimality: f64,
    /// Residual evaluations (Jacobian finite differences not counted, as scipy).
    pub nfev: usize,
    /// Jacobian evaluations.
    pub njev: usize,
    /// Status code as scipy's `least_squares`: 0 max_nfev, 1 gtol, 2 ftol, 3 xtol, 4 ftol and xtol.
    pub status: i32,
    /// -1 at a lower bound, 1 at an upper bound, 0 free.
    pub active_mask: Vec<i8>,
}

impl SolverOutput {
    /// scipy's message for the status.
    pub fn message(&self) -> &'static str {
        status_message(self.status)
    }
    /// Whether a convergence criterion was met (status > 0).
    pub fn success(&self) -> bool {
        self.status > 0
    }
}

/// The message of a status code (scipy's wording).
pub fn status_message(status: i32) -> &'static str {
    match status {
        -1 => "Improper input parameters status returned from MINPACK.",
        0 => "The maximum number of function evaluations is exceeded.",
        1 => "`gtol` termination condition is satisfied.",
        2 => "`ftol` termination condition is satisfied.",
        3 => "`xtol` termination condition is satisfied.",
        4 => "Both `ftol` and `xtol` termination conditions are satisfied.",
        _ => "Unknown status.",
    }
}

/// Which bounds x sits on, to relative tolerance `rtol` (scipy's `find_active_constraints`).
pub fn active_constraints(x: &[f64], lb: &[f64], ub: &[f64], rtol: f64) -> Vec<i8> {
    (0..x.len())
        .map(|i| {
            let (ld, ud) = (x[i] - lb[i], ub[i] - x[i]);
            if lb[i].is_finite() && ld <= ud.min(rtol * lb[i].abs().max(1.0)) {
                -1
            } else if ub[i].is_finite() && ud <= ld.min(rtol * ub[i].abs().max(1.0)) {
                1
            } else {
                0
            }
        })
        .collect()
}
