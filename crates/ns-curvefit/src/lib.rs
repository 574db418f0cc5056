//! Nonlinear least-squares curve fitting: `scipy.optimize.curve_fit` with
//! exact Jacobians.
//!
//! Models are string expressions compiled once into a tape
//! ([`Expression`]) whose Jacobian comes from forward-mode dual numbers (or
//! a reverse sweep), or any [`Model`] (e.g. a Python callable) with finite
//! differences or its own Jacobian. Solvers: Trust Region Reflective with
//! bounds ([`trf`]) and MINPACK-style Levenberg–Marquardt ([`lm`]), scipy's
//! termination tests, status codes and robust losses; `pcov` as scipy's.
//!
//! Not for: general minimisation (see `ns-optim`) or likelihood fits.
#![warn(missing_docs)]

mod batch;
mod error;
pub mod expr;
mod fit;
pub mod linalg;
mod lm;
mod loss;
mod model;
mod polish;
mod problem;
mod solver;
mod trf;
pub mod trust_region;

pub use batch::fit_many;
pub use error::{CurveFitError, Result};
pub use expr::{Expression, TapeScratch};
pub use fit::{CurveFitResult, FitOptions, covariance, curve_fit};
pub use lm::lm;
pub use loss::Loss;
pub use model::{ExprModel, JacMode, Model};
pub use problem::Sigma;
pub use solver::{Method, Residuals, SolverOptions, SolverOutput, XScale, status_message};
pub use trf::trf;
