//! Statistical inference for NextStat: maximum-likelihood fits, profile
//! scans, the test statistics of arXiv:1007.1727, asymptotic and toy-based
//! CLs, upper limits and ranking.
//!
//! Generic over the `ns_core` traits: nothing here knows HistFactory.
//! Module names follow `pyhf.infer`: [`test_statistics`], [`asymptotics`]
//! (pyhf's `AsymptoticCalculator`), [`toys`] (`ToyCalculator`),
//! [`intervals`] (`upper_limits`), plus [`scan`] and [`ranking`].
#![warn(missing_docs)]

pub mod asymptotics;
mod error;
pub mod gof;
pub mod intervals;
mod kinks;
pub mod minos;
pub mod mle;
pub mod ranking;
pub mod scan;
pub mod test_statistics;
pub mod toys;

pub use asymptotics::{
    AsymptoticCalculator, HypotestResult, SignificanceResult, hypotest, significance,
};
pub use error::{InferError, Result};
pub use gof::{GofResult, gof, gof_from_fit, gof_toys};
pub use intervals::{
    BrazilPoint, LimitMethod, UpperLimitResult, upper_limit_scan, upper_limit_toms748,
};
pub use minos::{MinosEdge, MinosInterval, minos};
pub use mle::{FitOptions, Fitter, fit, fit_fixed_poi, resolve_fixed};
/// The standard normal distribution (lives in `ns-core`, shared with the GLM pack).
pub use ns_core::normal;
pub use ranking::{Impact, RankingResult, ranking};
pub use scan::{ProfileScan, ScanPoint, profile_scan};
pub use test_statistics::TestStatistic;
pub use toys::{ToyDistribution, ToyHypotestResult, ToyOptions, hypotest_toys};
