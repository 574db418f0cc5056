//! Generalized linear models with statsmodels' answers.
//!
//! Families (Gaussian, Binomial, Poisson, Gamma, Inverse Gaussian, NB2) with
//! their links, fitted by IRLS (step-halving when the deviance rises) or
//! Newton on the log-likelihood, with statsmodels' conventions for weights,
//! offsets, dispersion, degrees of freedom, information criteria and
//! robust covariances (`statsmodels.genmod.GLM`, and
//! `statsmodels.discrete.NegativeBinomial` for NB2 with α estimated).
//!
//! Not for: penalised fits (lasso/ridge), mixed models, GEE.
//!
//! ```
//! use ns_glm::{fit, Family, GlmData, GlmOptions};
//! let x = [1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 1.0, 3.0]; // rows: (const, x)
//! let y = [1.0, 2.0, 4.0, 9.0];
//! let data = GlmData::builder(&y, &x, 4, 2).build(Family::Poisson).unwrap();
//! let r = fit(&data, &GlmOptions::new(Family::Poisson)).unwrap();
//! assert!(r.converged && r.params[1] > 0.0);
//! ```
#![warn(missing_docs)]

mod data;
mod error;
mod family;
mod irls;
mod linalg;
mod link;
mod model;
mod negbin;
mod options;
mod results;
mod robust;
pub mod special;
mod summary;

pub use data::{GlmData, GlmDataBuilder};
pub use error::GlmError;
pub use family::Family;
pub use irls::fit;
pub use link::Link;
pub use model::GlmModel;
pub use negbin::fit_nb_mle;
pub use options::{CovType, GlmOptions, Method, ScaleSpec, TolCriterion};
pub use results::GlmResults;
