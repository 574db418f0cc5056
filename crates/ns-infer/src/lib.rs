//! Statistical inference for NextStat: maximum-likelihood fits, profile
//! scans, the test statistics of arXiv:1007.1727, asymptotic and toy-based
//! CLs, upper limits and ranking.
//!
//! Generic over the `ns_core` traits: nothing here knows HistFactory.
#![warn(missing_docs)]

mod error;
pub mod mle;

pub use error::{InferError, Result};
pub use mle::{FitOptions, Fitter, fit, fit_fixed_poi, resolve_fixed};
