//! Bayesian inference for NextStat models: the No-U-Turn sampler as Stan
//! implements it (multinomial NUTS with the generalised no-U-turn criterion,
//! windowed adaptation of the step size and mass matrix), parameter
//! transforms with their Jacobians, and the convergence diagnostics of
//! Vehtari et al. (2021): rank-normalised split R-hat, bulk/tail ESS, MCSE.
//!
//! Any [`ns_core::Model`] can be sampled (its NLL is the negative
//! log-posterior); so can anything implementing [`LogDensity`].
//!
//! Not for: variational inference, samplers without gradients.
#![warn(missing_docs)]

mod adapt;
pub mod diagnostics;
mod error;
pub mod hamiltonian;
pub mod models;
pub mod nuts;
pub mod posterior;
mod reference;
mod sampler;
pub mod transform;
mod tree;

pub use error::{BayesError, Result};
pub use hamiltonian::Metric;
pub use nuts::{Transition, TreeBuilder};
pub use posterior::{LogDensity, ModelPosterior};
pub use sampler::{Chain, DrawStats, NutsConfig, Samples, chain_rng, sample};
pub use transform::Support;
