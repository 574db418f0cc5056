//! The compiled HistFactory model: structure, metadata and data. The
//! evaluation itself lives in [`crate::kernel`].

pub use crate::data::Data;
use crate::interp::{InterpCode, InterpSettings};
use crate::kernel::Kernel;
pub use crate::kernel::Scratch;
pub use crate::parts::{ChannelInfo, ParamSetInfo};
use crate::parts::{Constraint, Parts, ScalarKind};

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
