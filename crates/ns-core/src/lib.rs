//! NextStat's core vocabulary: the traits every statistical model implements,
//! the objective the optimiser sees, and the named result structs shared by
//! the inference crates.
//!
//! Not for: anything specific to HistFactory (see `ns-histfactory`) or to one
//! optimiser (see `ns-optim`). This crate stays tiny so every other crate can
//! depend on it.
#![warn(missing_docs)]

mod error;
mod fit;
mod model;
pub mod normal;
mod saturated;

pub use error::{CoreError, Result};
pub use fit::{FitResult, FitStatus};
pub use model::{BoundObjective, Model, Objective, PseudoData};
pub use saturated::SaturatedModel;
