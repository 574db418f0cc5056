//! `curve_fit`: validate the inputs, run TRF or LM on the weighted
//! residuals, and form `pcov` as scipy's `curve_fit` does.

use crate::error::{CurveFitError, Result};
use crate::linalg::pinv_normal;
use crate::lm::lm;
use crate::loss::Loss;
use crate::model::{JacMode, Model};
use crate::problem::{FitProblem, Sigma, Transform, check_len};
use crate::solver::{Method, SolverOptions};
use crate::trf::trf;
use crate::trust_region::make_strictly_feasible;

/// Options of a curve fit; defaults as scipy's `curve_fit`.
#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    /// Solver.
    pub method: Method,
    /// Jacobian mode.
    pub jac: JacMode,
    /// Solver tolerances, loss, scaling.
    pub solver: SolverOptions,
    /// `sigma` are absolute uncertainties (pcov not rescaled by χ²/dof).
    pub absolute_sigma: bool,
    /// Lower bounds (empty: −∞).
    pub lower: Vec<f64>,
    /// Upper bounds (empty: +∞).
    pub upper: Vec<f64>,
}

/// The result of a curve fit.
#[derive(Debug, Clone)]
pub struct CurveFitResult {
    /// Best-fit parameters.
    pub popt: Vec<f64>,
    /// Row-major `p × p` covariance (inf-filled when it cannot be estimated).
    pub pcov: Vec<f64>,
    /// Whether pcov could not be estimated (scipy's `OptimizeWarning`).
    pub pcov_warning: bool,
    /// ½ Σ ρ(rᵢ²) at the optimum (scipy's `least_squares` cost).
    pub cost: f64,
    /// Weighted residuals at the optimum.
    pub fun: Vec<f64>,
    /// Jacobian of the weighted residuals, row-major `n × p`.
    pub jac: Vec<f64>,
    /// Residual evaluations.
    pub nfev: usize,
    /// Jacobian evaluations.
    pub njev: usize,
    /// scipy's status code (0 = max_nfev reached, 1..4 converged).
    pub status: i32,
    /// scipy's message.
    pub message: String,
    /// The Jacobian mode used.
    pub jac_mode: JacMode,
    /// First-order optimality.
    pub optimality: f64,
    /// -1/0/1 per parameter: at lower bound, free, at upper bound.
    pub active_mask: Vec<i8>,
}

impl CurveFitResult {
    /// Whether a convergence criterion was met.
    pub fn success(&self) -> bool {
        self.status > 0
    }
    /// Standard errors √diag(pcov).
    pub fn perr(&self) -> Vec<f64> {
        let p = self.popt.len();
        (0..p).map(|i| self.pcov[i * p + i].sqrt()).collect()
    }
}

/// scipy's feasible default start: 1, the midpoint of finite bounds, or one inside a single bound.
fn initial_point(lb: &[f64], ub: &[f64]) -> Vec<f64> {
    lb.iter()
        .zip(ub)
        .map(|(&l, &u)| match (l.is_finite(), u.is_finite()) {
            (true, true) => 0.5 * (l + u),
            (true, false) => l + 1.0,
            (false, true) => u - 1.0,
            _ => 1.0,
        })
        .collect()
}

fn expand_bounds(b: &[f64], p: usize, default: f64, what: &str) -> Result<Vec<f64>> {
    match b.len() {
        0 => Ok(vec![default; p]),
        1 => Ok(vec![b[0]; p]),
        l if l == p => Ok(b.to_vec()),
        l => Err(CurveFitError::LengthMismatch {
            what: what.into(),
            expected: p,
            got: l,
        }),
    }
}

/// Fit `model` to `ydata`. `names` label parameters in error messages.
/// Returns the result also when the solver ran out of evaluations
/// (`status == 0`); callers that want scipy's exception check [`CurveFitResult::success`].
pub fn curve_fit<M: Model>(
    model: &mut M,
    names: &[String],
    ydata: &[f64],
    p0: Option<&[f64]>,
    sigma: Sigma<'_>,
    opts: &FitOptions,
) -> Result<CurveFitResult> {
    let (n, p) = (model.n_points(), model.n_params());
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| format!("p{i}"));
    check_len("ydata (must match xdata's points)", n, ydata.len())?;
    if let Some((index, &value)) = ydata.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CurveFitError::NonFiniteInput {
            what: "ydata".into(),
            index,
            value,
        });
    }
    let transform = Transform::new(sigma, n)?;
    let lb = expand_bounds(&opts.lower, p, f64::NEG_INFINITY, "bounds (lower)")?;
    let ub = expand_bounds(&opts.upper, p, f64::INFINITY, "bounds (upper)")?;
    for i in 0..p {
        if lb[i].is_nan() || ub[i].is_nan() || lb[i] >= ub[i] {
            return Err(CurveFitError::InvalidBounds {
                name: name(i),
                lower: lb[i],
                upper: ub[i],
            });
        }
    }
    let mut x0 = match p0 {
        Some(p0) => {
            check_len("p0", p, p0.len())?;
            for (i, &v) in p0.iter().enumerate() {
                if !v.is_finite() {
                    return Err(CurveFitError::NonFiniteInput {
                        what: "p0".into(),
                        index: i,
                        value: v,
                    });
                }
                if v < lb[i] || v > ub[i] {
                    return Err(CurveFitError::P0OutsideBounds {
                        name: name(i),
                        value: v,
                        lower: lb[i],
                        upper: ub[i],
                    });
                }
            }
            p0.to_vec()
        }
        None => initial_point(&lb, &ub),
    };
    if n < p {
        return Err(CurveFitError::TooFewPoints { n, p });
    }
    let bounded = lb.iter().chain(&ub).any(|b| b.is_finite());
    let solver = &opts.solver;
    if opts.method == Method::Lm {
        if bounded {
            return Err(CurveFitError::InvalidOption {
                name: "method".into(),
                message: "'lm' only works for unconstrained problems; use 'trf' with bounds".into(),
            });
        }
        if solver.loss != Loss::Linear {
            return Err(CurveFitError::InvalidOption {
                name: "method".into(),
                message: "'lm' supports only the 'linear' loss".into(),
            });
        }
    }
    if !(solver.f_scale > 0.0 && solver.f_scale.is_finite()) {
        return Err(CurveFitError::InvalidOption {
            name: "f_scale".into(),
            message: format!("must be positive and finite, got {}", solver.f_scale),
        });
    }
    for (nm, t) in [
        ("ftol", solver.ftol),
        ("xtol", solver.xtol),
        ("gtol", solver.gtol),
    ] {
        if t.is_nan() || t < 0.0 {
            return Err(CurveFitError::InvalidOption {
                name: nm.into(),
                message: format!("must be non-negative, got {t}"),
            });
        }
    }
    if solver.ftol < f64::EPSILON && solver.xtol < f64::EPSILON && solver.gtol < f64::EPSILON {
        return Err(CurveFitError::InvalidOption {
            name: "ftol/xtol/gtol".into(),
            message: "at least one tolerance must be above machine epsilon".into(),
        });
    }
    if solver.max_nfev == Some(0) {
        return Err(CurveFitError::InvalidOption {
            name: "max_nfev".into(),
            message: "must be positive".into(),
        });
    }
    let mode = match opts.jac {
        JacMode::Auto => model.auto_mode(),
        m @ (JacMode::TwoPoint | JacMode::ThreePoint) => m,
        m if model.supports(m) => m,
        m => {
            return Err(CurveFitError::InvalidOption {
                name: "jac".into(),
                message: format!("'{}' is not available for this model", m.name()),
            });
        }
    };
    let mut vals = vec![0.0; n];
    model.values(&x0, &mut vals)?;
    if let Some((index, &value)) = vals.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(CurveFitError::NonFiniteModel { index, value });
    }
    let mut prob = FitProblem {
        model,
        y: ydata,
        transform: &transform,
        mode,
        lb: &lb,
        ub: &ub,
        f_plus: vec![0.0; n],
        f_minus: vec![0.0; n],
        x_tmp: Vec::new(),
    };
    let out = match opts.method {
        Method::Trf => {
            make_strictly_feasible(&mut x0, &lb, &ub, 1e-10);
            trf(&mut prob, &x0, &lb, &ub, solver)?
        }
        Method::Lm => lm(&mut prob, &x0, solver)?,
    };
    let (pcov, warn) = covariance(
        &out.jac,
        n,
        p,
        2.0 * out.cost,
        opts.method,
        opts.absolute_sigma,
    );
    Ok(CurveFitResult {
        popt: out.x.clone(),
        pcov,
        pcov_warning: warn,
        cost: out.cost,
        message: out.message().to_string(),
        fun: out.fun,
        jac: out.jac,
        nfev: out.nfev,
        njev: out.njev,
        status: out.status,
        jac_mode: mode,
        optimality: out.optimality,
        active_mask: out.active_mask,
    })
}

/// scipy's pcov: the pseudo-inverse of JᵀJ from the SVD (TRF), or inf when J
/// is rank-deficient (LM, as `leastsq`'s `cov_x is None`); times χ²/(n − p)
/// unless `absolute_sigma`; inf-filled when n ≤ p or on NaN.
pub fn covariance(
    jac: &[f64],
    n: usize,
    p: usize,
    chisq: f64,
    method: Method,
    absolute_sigma: bool,
) -> (Vec<f64>, bool) {
    let inf = vec![f64::INFINITY; p * p];
    let Some((mut cov, full_rank)) = pinv_normal(jac, n, p) else {
        return (inf, true);
    };
    if (method == Method::Lm && !full_rank) || cov.iter().any(|v| v.is_nan()) {
        return (inf, true);
    }
    if !absolute_sigma {
        if n > p {
            let s_sq = chisq / (n - p) as f64;
            for v in &mut cov {
                *v *= s_sq;
            }
        } else {
            return (inf, true);
        }
    }
    (cov, false)
}
