//! The compiled HistFactory model: structure, metadata and data. The
//! evaluation itself lives in [`crate::kernel`].

use std::ops::Range;

use crate::interp::{InterpCode, InterpSettings, NormsysCoeffs};
use crate::kernel::Kernel;
pub use crate::kernel::Scratch;
use crate::poisson::Prepared;

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

/// A dataset: main-bin counts and auxiliary data, with the data-only
/// constants of the NLL cached so evaluation never recomputes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    main: Vec<f64>,
    aux: Vec<f64>,
    /// 1/n, [n = 0] and S(n) per main bin ([`crate::poisson`]).
    main_prep: Prepared,
    /// Σ S(n) over main bins.
    stirling_main: f64,
    /// The same per auxiliary datum (used by Poisson constraints).
    aux_prep: Prepared,
}

impl Data {
    /// Build from main counts and auxiliary data (pyhf's `data` is their
    /// concatenation).
    pub fn new(main: Vec<f64>, aux: Vec<f64>) -> Self {
        let main_prep = Prepared::new(&main);
        let aux_prep = Prepared::new(&aux);
        Self {
            stirling_main: main_prep.stirling_sum(),
            main,
            aux,
            main_prep,
            aux_prep,
        }
    }

    /// Main-bin counts.
    pub fn main(&self) -> &[f64] {
        &self.main
    }

    /// Auxiliary data.
    pub fn aux(&self) -> &[f64] {
        &self.aux
    }

    /// Per-bin constants of the main Poisson terms.
    pub(crate) fn main_prep(&self) -> &Prepared {
        &self.main_prep
    }

    /// Σ S(n) over the main bins.
    pub(crate) fn stirling_main(&self) -> f64 {
        self.stirling_main
    }

    /// Per-datum constants of the auxiliary data.
    pub(crate) fn aux_prep(&self) -> &Prepared {
        &self.aux_prep
    }

    /// main followed by aux, as pyhf lays out `data`.
    pub fn to_vec(&self) -> Vec<f64> {
        let mut v = self.main.clone();
        v.extend_from_slice(&self.aux);
        v
    }

    /// Overwrite in place (toys) and refresh the cached constants.
    pub(crate) fn set_main(&mut self, mut f: impl FnMut(usize, &mut f64)) {
        for (i, v) in self.main.iter_mut().enumerate() {
            f(i, v);
        }
        self.main_prep.refresh(&self.main);
        self.stirling_main = self.main_prep.stirling_sum();
    }

    /// Overwrite the auxiliary data in place (toys) and refresh the cache.
    pub(crate) fn set_aux(&mut self, mut f: impl FnMut(usize, &mut f64)) {
        for (i, v) in self.aux.iter_mut().enumerate() {
            f(i, v);
        }
        self.aux_prep.refresh(&self.aux);
    }
}

/// A compiled HistFactory model: immutable, `Send + Sync`, shared by all
/// threads; data and scratch are passed to each evaluation.
#[derive(Debug, Clone)]
pub struct HistFactoryModel {
    pub(crate) p: Parts,
    /// Parameters with a kink at 0 (normsys/histosys under code0/code1).
    kinks: Vec<usize>,
    observed: Data,
    pub(crate) kernel: Kernel,
    /// Hessian sparsity, computed on first use (only HESSE needs it).
    pattern: std::sync::OnceLock<Vec<Vec<usize>>>,
}

impl HistFactoryModel {
    pub(crate) fn assemble(p: Parts) -> Self {
        let observed = Data::new(p.observed_main.clone(), p.observed_aux.clone());
        let kernel = Kernel::new(&p);
        let mut kinks: Vec<usize> = Vec::new();
        let kinked = |c: InterpCode| matches!(c, InterpCode::Code0 | InterpCode::Code1);
        if kinked(p.interp.normsys) {
            kinks.extend(
                p.scalar_mods
                    .iter()
                    .filter(|m| matches!(m.kind, ScalarKind::Normsys(_)))
                    .map(|m| m.param),
            );
        }
        if kinked(p.interp.histosys) {
            kinks.extend(p.histo_mods.iter().map(|h| h.param));
        }
        kinks.sort_unstable();
        kinks.dedup();
        Self {
            p,
            kinks,
            observed,
            kernel,
            pattern: std::sync::OnceLock::new(),
        }
    }

    /// Channels in model (sorted) order with their bin ranges.
    pub fn channels(&self) -> &[ChannelInfo] {
        &self.p.channels
    }

    /// Sample names (sorted, over all channels).
    pub fn sample_names(&self) -> &[String] {
        &self.p.sample_names
    }

    /// Parameter sets in model order (pyhf's `par_order`).
    pub fn param_sets(&self) -> &[ParamSetInfo] {
        &self.p.param_sets
    }

    /// Name of the measurement the model was built from.
    pub fn measurement(&self) -> &str {
        &self.p.measurement
    }

    /// Name of the POI.
    pub fn poi_name(&self) -> &str {
        &self.p.poi_name
    }

    /// Interpolation codes in use.
    pub fn interp(&self) -> InterpSettings {
        self.p.interp
    }

    /// Number of main bins.
    pub fn n_main(&self) -> usize {
        self.p.observed_main.len()
    }

    /// Number of auxiliary data.
    pub fn n_aux(&self) -> usize {
        self.p.observed_aux.len()
    }

    /// Counts of modifiers per type, over all samples.
    pub fn modifier_counts(&self) -> Vec<(&'static str, usize)> {
        let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
        for ps in &self.p.param_sets {
            *counts.entry(ps.modifier_type).or_default() += 1;
        }
        counts.into_iter().collect()
    }

    /// Constraint description per parameter: `None`, or `(kind, width)`
    /// where width is σ (Gaussian) or 1/sqrt(τ) (Poisson), in the
    /// parameter's own units.
    pub fn constraint_width(&self, param: usize) -> Option<(&'static str, f64)> {
        self.p.constraints.iter().find_map(|c| match *c {
            Constraint::Gaussian {
                param: p, sigma, ..
            } if p == param => Some(("gaussian", sigma)),
            Constraint::Poisson { param: p, tau, .. } if p == param => {
                Some(("poisson", 1.0 / tau.sqrt()))
            }
            _ => None,
        })
    }

    /// Build a dataset from pyhf's flat layout (main bins then aux data);
    /// the length must be exactly `n_main + n_aux`, as in pyhf.
    pub fn data_from_vec(&self, flat: &[f64]) -> Result<Data, ns_core::CoreError> {
        let (m, a) = (self.n_main(), self.n_aux());
        if flat.len() != m + a {
            return Err(ns_core::CoreError::LengthMismatch {
                what: format!("data ({m} main bins + {a} auxdata)"),
                expected: m + a,
                got: flat.len(),
            });
        }
        Ok(Data::new(flat[..m].to_vec(), flat[m..].to_vec()))
    }

    /// Expected main-bin rates at `x`, written to `out`.
    pub fn expected_main_into(&self, x: &[f64], out: &mut [f64], scratch: &mut Scratch) {
        self.kernel.expected_main(x, scratch, out);
    }

    /// Expected auxiliary data at `x` (θ for Gaussian, γτ for Poisson).
    pub fn expected_aux_into(&self, x: &[f64], out: &mut [f64]) {
        for c in &self.p.constraints {
            match *c {
                Constraint::Gaussian { param, aux, .. } => out[aux] = x[param],
                Constraint::Poisson { param, aux, tau } => out[aux] = x[param] * tau,
            }
        }
    }

    /// pyhf's `expected_data(x, include_auxdata)`.
    pub fn expected_data(&self, x: &[f64], include_aux: bool) -> Vec<f64> {
        let mut scratch = ns_core::Model::new_scratch(self);
        let mut out = vec![0.0; self.n_main() + if include_aux { self.n_aux() } else { 0 }];
        let m = self.n_main();
        self.expected_main_into(x, &mut out[..m], &mut scratch);
        if include_aux {
            self.expected_aux_into(x, &mut out[m..]);
        }
        out
    }
}

impl ns_core::Model for HistFactoryModel {
    type Data = Data;
    type Scratch = Scratch;

    fn n_params(&self) -> usize {
        self.p.names.len()
    }
    fn param_names(&self) -> &[String] {
        &self.p.names
    }
    fn suggested_init(&self) -> &[f64] {
        &self.p.init
    }
    fn suggested_bounds(&self) -> &[(f64, f64)] {
        &self.p.bounds
    }
    fn suggested_fixed(&self) -> &[bool] {
        &self.p.fixed
    }
    fn poi_index(&self) -> Option<usize> {
        Some(self.p.poi_index)
    }
    fn kink_params(&self) -> &[usize] {
        &self.kinks
    }
    fn observed(&self) -> &Data {
        &self.observed
    }
    fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
        Some(
            self.pattern
                .get_or_init(|| crate::hessian_pattern::hessian_pattern(&self.p)),
        )
    }
    fn new_scratch(&self) -> Scratch {
        self.kernel.new_scratch()
    }
    fn nll(&self, data: &Data, x: &[f64], scratch: &mut Scratch) -> f64 {
        self.kernel.nll(data, x, scratch)
    }
    fn nll_grad(&self, data: &Data, x: &[f64], grad: &mut [f64], scratch: &mut Scratch) -> f64 {
        self.kernel.nll_grad(data, x, grad, scratch)
    }
}

impl ns_core::PseudoData for HistFactoryModel {
    fn asimov(&self, x: &[f64]) -> Data {
        let mut main = vec![0.0; self.n_main()];
        let mut aux = vec![0.0; self.n_aux()];
        let mut scratch = ns_core::Model::new_scratch(self);
        self.expected_main_into(x, &mut main, &mut scratch);
        self.expected_aux_into(x, &mut aux);
        Data::new(main, aux)
    }

    fn sample_into<R: rand::Rng + ?Sized>(&self, x: &[f64], rng: &mut R, out: &mut Data) {
        use rand_distr::{Distribution, Normal, Poisson};
        let mut scratch = ns_core::Model::new_scratch(self);
        let mut nu = vec![0.0; self.n_main()];
        self.kernel.expected_main(x, &mut scratch, &mut nu);
        let draw_poisson = |lam: f64, rng: &mut R| -> f64 {
            if lam > 0.0 {
                Poisson::new(lam).map(|d| d.sample(rng)).unwrap_or(0.0)
            } else {
                0.0
            }
        };
        out.set_main(|i, v| *v = draw_poisson(nu[i], rng));
        // Constraints are laid out in aux order, one datum each.
        let constraints = &self.p.constraints;
        out.set_aux(|i, v| {
            *v = match constraints[i] {
                Constraint::Gaussian { param, sigma, .. } => Normal::new(x[param], sigma)
                    .map(|d| d.sample(rng))
                    .unwrap_or(x[param]),
                Constraint::Poisson { param, tau, .. } => draw_poisson(x[param] * tau, rng),
            }
        });
    }
}
