//! Numerical optimisation for NextStat: a bounded limited-memory quasi-Newton
//! minimiser ([`Lbfgsb`]), Hessian and covariance helpers
//! ([`hessian_from_gradient`], [`covariance_from_hessian`]) and 1-D root
//! finding ([`brent_root`], [`toms748`]) for upper limits.
//!
//! Not for: anything model specific. Everything here works on
//! [`ns_core::Objective`] or plain closures; the inference crate decides what
//! to minimise and how to read the result.
//!
//! # Why our own minimiser
//!
//! `argmin` has no bounded quasi-Newton method, `ganesh` matched scipy on
//! bounded problems but has frequent breaking releases and heavy
//! dependencies, and the Rust Minuit port is LGPL. The toy loop runs
//! thousands of fits per thread and wants a fitter that owns reusable state
//! and does not allocate per iteration. So [`Lbfgsb`] is written here: a
//! projected L-BFGS with active-set identification (see its module docs),
//! tuned to converge tightly on HistFactory likelihoods.
#![warn(missing_docs)]

mod covariance;
mod hessian;
mod hessian_sparse;
mod lbfgsb;
mod line_search;
mod precondition;
mod root;

pub use covariance::covariance_from_hessian;
pub use hessian::hessian_from_gradient;
pub use hessian_sparse::hessian_structured;
pub use lbfgsb::{Lbfgsb, LbfgsbOptions, MinimizeResult, STALL_ITERATIONS};
pub use precondition::{diagonal_scales, minimize_scaled};
pub use root::{RootError, RootResult, brent_root, toms748};
