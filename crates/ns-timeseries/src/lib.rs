//! Linear Gaussian state-space models: the Kalman filter with missing
//! values and exact diffuse initialisation, the fixed-interval smoother,
//! maximum likelihood, and structural model builders, giving statsmodels'
//! `tsa.statespace` numbers.
//!
//! Not for: non-Gaussian or non-linear state-space models, time-varying
//! system matrices (not yet).
#![warn(missing_docs)]

mod error;
mod filter;
mod init;
mod matrix;
mod model;
mod results;
mod smoother;

pub use error::{Result, TsError};
pub use filter::FilterScratch;
pub use init::{APPROX_DIFFUSE_VARIANCE, Initialization};
pub use matrix::Matrix;
pub use model::StateSpace;
pub use results::FilterOutput;
pub use smoother::SmootherOutput;
