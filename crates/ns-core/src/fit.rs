/// Why a minimisation stopped; the vocabulary Minuit users expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FitStatus {
    /// Converged: the projected gradient is below tolerance.
    ConvergedGradient,
    /// Converged: the relative reduction of the objective is below tolerance.
    ConvergedFunction,
    /// Stopped at the iteration limit before converging.
    MaxIterations,
    /// Stopped at the evaluation limit before converging.
    MaxEvaluations,
    /// The line search could not make progress away from a minimum.
    LineSearchFailed,
    /// The objective was not finite at the starting point.
    NonFiniteStart,
    /// Cancelled by the caller (e.g. Ctrl-C).
    Cancelled,
}

impl FitStatus {
    /// Whether the status counts as a successful minimisation.
    pub fn converged(self) -> bool {
        matches!(
            self,
            FitStatus::ConvergedGradient | FitStatus::ConvergedFunction
        )
    }

    /// Stable machine-readable name (used in JSON output).
    pub fn as_str(self) -> &'static str {
        match self {
            FitStatus::ConvergedGradient => "converged_gradient",
            FitStatus::ConvergedFunction => "converged_function",
            FitStatus::MaxIterations => "max_iterations",
            FitStatus::MaxEvaluations => "max_evaluations",
            FitStatus::LineSearchFailed => "line_search_failed",
            FitStatus::NonFiniteStart => "non_finite_start",
            FitStatus::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for FitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of a maximum-likelihood fit.
#[derive(Debug, Clone)]
pub struct FitResult {
    /// Best-fit parameter values, in model order.
    pub bestfit: Vec<f64>,
    /// Symmetric (Hessian) uncertainties; 0 for fixed parameters.
    pub uncertainties: Vec<f64>,
    /// Covariance matrix (row-major, n×n) when the Hessian could be
    /// inverted; rows/columns of fixed parameters are zero.
    pub covariance: Option<Vec<f64>>,
    /// Whether the Hessian at the minimum was positive definite. When it
    /// was not, uncertainties come from the diagonal fallback
    /// `1/sqrt(H_ii)` and `covariance` is `None`.
    pub hessian_pos_def: bool,
    /// Negative log-likelihood at the minimum.
    pub nll: f64,
    /// Termination reason.
    pub status: FitStatus,
    /// Optimiser iterations.
    pub n_iter: usize,
    /// Objective (value+gradient) evaluations.
    pub n_eval: usize,
}

impl FitResult {
    /// `2 * nll`, the quantity pyhf returns with `return_fitted_val=True`.
    pub fn twice_nll(&self) -> f64 {
        2.0 * self.nll
    }

    /// Whether the fit converged.
    pub fn converged(&self) -> bool {
        self.status.converged()
    }
}
