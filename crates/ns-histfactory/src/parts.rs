//! The compiled layout of a workspace: what [`crate::build`] produces and
//! both the model (metadata) and the kernel (dense evaluation arrays) read.
//! It sits below both so that the kernel never imports the model.

use std::ops::Range;

use crate::interp::{InterpSettings, NormsysCoeffs};

/// One channel's place in the concatenated main-bin vector.
#[derive(Debug, Clone)]
pub struct ChannelInfo {
    /// Channel name.
    pub name: String,
    /// First global bin.
    pub start: usize,
    /// Number of bins.
    pub nbins: usize,
}

/// A parameter set (one modifier name): where its parameters sit.
#[derive(Debug, Clone)]
pub struct ParamSetInfo {
    /// Name (as in the JSON).
    pub name: String,
    /// Modifier type that created it (first one, if shared by name).
    pub modifier_type: &'static str,
    /// Index of its first parameter.
    pub start: usize,
    /// Number of parameters.
    pub n: usize,
    /// `unconstrained`, `gaussian` or `poisson`.
    pub constraint: &'static str,
    /// Index of its first auxiliary datum, if constrained.
    pub aux_start: Option<usize>,
}

/// A constraint term on one parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Constraint {
    /// Normal(aux | θ, σ).
    Gaussian {
        param: usize,
        aux: usize,
        sigma: f64,
    },
    /// Poisson(aux | γ τ) (shapesys).
    Poisson { param: usize, aux: usize, tau: f64 },
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ScalarKind {
    /// normfactor, lumi: factor = θ.
    Linear,
    /// normsys: factor = interp(α).
    Normsys(NormsysCoeffs),
}

/// A factor common to all bins of a block.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScalarMod {
    pub param: usize,
    pub kind: ScalarKind,
}

/// A per-bin factor (staterror, shapesys, shapefactor); parameter indices
/// for the block's bins live in `perbin_index[index_start..index_start+nbins]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PerBinMod {
    pub index_start: usize,
}

/// An additive shape modifier; its two coefficient rows
/// ([`crate::interp::additive_rows`]) live in `histo_coef[coef_start..coef_start+2*nbins]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HistoMod {
    pub param: usize,
    pub coef_start: usize,
}

/// One sample in one channel.
#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub bin_start: usize,
    pub nbins: usize,
    pub nom_start: usize,
    pub scalars: Range<usize>,
    pub perbins: Range<usize>,
    pub histos: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub channels: Vec<ChannelInfo>,
    pub sample_names: Vec<String>,
    pub measurement: String,
    pub poi_name: String,
    pub poi_index: usize,
    pub names: Vec<String>,
    pub init: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    pub fixed: Vec<bool>,
    pub param_sets: Vec<ParamSetInfo>,
    pub constraints: Vec<Constraint>,
    pub observed_main: Vec<f64>,
    pub observed_aux: Vec<f64>,
    pub blocks: Vec<Block>,
    pub nominal: Vec<f64>,
    pub scalar_mods: Vec<ScalarMod>,
    pub perbin_mods: Vec<PerBinMod>,
    pub perbin_index: Vec<usize>,
    pub histo_mods: Vec<HistoMod>,
    pub histo_coef: Vec<f64>,
    pub interp: InterpSettings,
}
