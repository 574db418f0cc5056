//! What a saturated-model goodness-of-fit test needs from a model.

use crate::model::Model;

/// A model whose observations can be matched exactly by a "saturated"
/// model (one free expectation per measurement), as a binned Poisson
/// likelihood can: the reference point of the saturated-model
/// goodness-of-fit test (Baker & Cousins, NIM 221 (1984) 437).
pub trait SaturatedModel: Model {
    /// NLL of the saturated model for `data`: every expected count equal to
    /// its observation and every constraint at its maximum for the
    /// auxiliary data, with the same constant terms as [`Model::nll`].
    fn saturated_nll(&self, data: &Self::Data) -> f64;

    /// Number of main measurements (bins), the saturated model's free
    /// expectations.
    fn n_observations(&self) -> usize;

    /// Whether parameter `i` has a constraint term (those do not count
    /// against the degrees of freedom).
    fn is_constrained(&self, i: usize) -> bool;
}
