//! Running chains: initialisation, warm-up with adaptation, sampling, and
//! the parallel driver. Chain `c` draws from the ChaCha8 stream `c` of the
//! seed, so the draws do not depend on the number of threads.

use crate::adapt::{DualAveraging, MetricAdaptation, Windows};
use crate::error::{BayesError, Result};
use crate::hamiltonian::{Hamiltonian, Metric, PhasePoint};
use crate::nuts::{NutsSettings, Transition, TreeBuilder, init_stepsize};
use crate::posterior::LogDensity;
use crate::tree::Workspace;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

/// Sampler settings; defaults are Stan's.
#[derive(Debug, Clone)]
pub struct NutsConfig {
    /// Number of chains (default 4).
    pub n_chains: usize,
    /// Warm-up iterations per chain (default 1000).
    pub n_warmup: usize,
    /// Kept draws per chain (default 1000).
    pub n_samples: usize,
    /// Seed of all chains' random streams (default 0).
    pub seed: u64,
    /// Target acceptance of the step-size adaptation (Stan's `adapt_delta`, 0.8).
    pub target_accept: f64,
    /// Maximum tree depth (10).
    pub max_treedepth: usize,
    /// Energy error that flags a divergence (1000).
    pub max_energy_error: f64,
    /// Adapt a dense mass matrix instead of a diagonal one (false).
    pub dense_mass: bool,
    /// Initial step size before the heuristic search (1).
    pub init_step_size: f64,
    /// Initial points uniform in `(-r, r)` on the unconstrained space (2).
    pub init_radius: f64,
    /// Initial points on the constrained space, one per chain (default: random).
    pub init: Option<Vec<Vec<f64>>>,
    /// Stan's window sizes: initial fast, first slow, terminal fast (75, 25, 50).
    pub windows: (usize, usize, usize),
    /// Which tree builder to run (the reference one is for tests).
    pub tree_builder: TreeBuilder,
}

impl Default for NutsConfig {
    fn default() -> Self {
        Self {
            n_chains: 4,
            n_warmup: 1000,
            n_samples: 1000,
            seed: 0,
            target_accept: 0.8,
            max_treedepth: 10,
            max_energy_error: 1000.0,
            dense_mass: false,
            init_step_size: 1.0,
            init_radius: 2.0,
            init: None,
            windows: (75, 25, 50),
            tree_builder: TreeBuilder::Fast,
        }
    }
}

impl NutsConfig {
    fn validate(&self, dim: usize) -> Result<()> {
        let bad = |name, reason: &str| {
            Err(BayesError::InvalidArgument {
                name,
                reason: reason.to_string(),
            })
        };
        if self.n_chains < 1 {
            return bad("n_chains", "must be at least 1");
        }
        if self.n_samples < 1 {
            return bad("n_samples", "must be at least 1");
        }
        if !(self.target_accept > 0.0 && self.target_accept < 1.0) {
            return bad("target_accept", "must be in (0, 1)");
        }
        if self.max_treedepth < 1 || self.max_treedepth > 30 {
            return bad("max_treedepth", "must be in 1..=30");
        }
        if !(self.init_step_size > 0.0 && self.init_step_size.is_finite()) {
            return bad("init_step_size", "must be positive and finite");
        }
        if !(self.init_radius >= 0.0 && self.init_radius.is_finite()) {
            return bad("init_radius", "must be non-negative and finite");
        }
        if self.max_energy_error.is_nan() || self.max_energy_error <= 0.0 {
            return bad("max_energy_error", "must be positive");
        }
        if dim == 0 {
            return bad("model", "has no parameters");
        }
        if let Some(init) = &self.init
            && init.len() != self.n_chains
        {
            return Err(BayesError::DimensionMismatch {
                name: "init",
                expected: self.n_chains,
                got: init.len(),
            });
        }
        Ok(())
    }
}

/// Per-draw sampler statistics (Stan's `*__` columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawStats {
    /// The transition's report.
    pub transition: Transition,
    /// Step size used.
    pub step_size: f64,
    /// `log p` (Jacobian included) at the draw (`lp__`).
    pub logp: f64,
}

/// One chain's output.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Unconstrained draws, row-major `n_samples × dim`.
    pub draws_unconstrained: Vec<f64>,
    /// Constrained draws, row-major `n_samples × n_constrained`.
    pub draws: Vec<f64>,
    /// Statistics of each kept draw.
    pub stats: Vec<DrawStats>,
    /// Step size after adaptation.
    pub step_size: f64,
    /// Inverse mass matrix after adaptation.
    pub metric: Metric,
}

/// All chains of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    /// Names of the constrained parameters.
    pub param_names: Vec<String>,
    /// Unconstrained dimension.
    pub dim: usize,
    /// Kept draws per chain.
    pub n_samples: usize,
    /// The chains, in index order.
    pub chains: Vec<Chain>,
}

impl Samples {
    /// Draws of constrained parameter `j`, one vector per chain.
    pub fn param(&self, j: usize) -> Vec<Vec<f64>> {
        let k = self.param_names.len();
        self.chains
            .iter()
            .map(|c| c.draws.chunks(k).map(|row| row[j]).collect())
            .collect()
    }

    /// Draws of the parameter called `name`.
    pub fn param_by_name(&self, name: &str) -> Option<Vec<Vec<f64>>> {
        self.param_names
            .iter()
            .position(|n| n == name)
            .map(|j| self.param(j))
    }

    /// Number of divergent kept transitions over all chains.
    pub fn n_divergent(&self) -> usize {
        self.chains
            .iter()
            .flat_map(|c| &c.stats)
            .filter(|s| s.transition.divergent)
            .count()
    }

    /// Number of kept transitions that hit the maximum tree depth.
    pub fn n_max_treedepth(&self, max_treedepth: usize) -> usize {
        self.chains
            .iter()
            .flat_map(|c| &c.stats)
            .filter(|s| s.transition.depth >= max_treedepth)
            .count()
    }
}

/// The random stream of chain `chain`: ChaCha8 keyed by `seed`, stream `chain`.
pub fn chain_rng(seed: u64, chain: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chain as u64);
    rng
}

/// Sample `target` with NUTS: chains in parallel on the current rayon pool.
pub fn sample<T: LogDensity>(target: &T, config: &NutsConfig) -> Result<Samples> {
    let dim = target.dim();
    config.validate(dim)?;
    let inits: Vec<Option<Vec<f64>>> = match &config.init {
        Some(v) => v
            .iter()
            .map(|x| target.unconstrain(x).map(Some))
            .collect::<Result<_>>()?,
        None => vec![None; config.n_chains],
    };
    let chains = inits
        .into_par_iter()
        .enumerate()
        .map(|(c, init)| run_chain(target, config, c, init))
        .collect::<Result<Vec<_>>>()?;
    Ok(Samples {
        param_names: target.param_names().to_vec(),
        dim,
        n_samples: config.n_samples,
        chains,
    })
}

/// Stan's initialisation: up to 100 uniform draws until `log p` and its
/// gradient are finite.
fn initial_point<T: LogDensity>(
    ham: &mut Hamiltonian<'_, T>,
    rng: &mut ChaCha8Rng,
    radius: f64,
    chain: usize,
    init: Option<Vec<f64>>,
) -> Result<PhasePoint> {
    let d = ham.target().dim();
    let mut z = PhasePoint::zeros(d);
    let finite = |z: &PhasePoint| z.logp.is_finite() && z.grad.iter().all(|g| g.is_finite());
    if let Some(u) = init {
        z.q.copy_from_slice(&u);
        ham.update_potential(&mut z);
        if !finite(&z) {
            return Err(BayesError::InvalidInit {
                param: format!("chain {chain}"),
                value: z.logp,
                reason: "log-density or gradient not finite at the given point".into(),
            });
        }
        return Ok(z);
    }
    const TRIES: usize = 100;
    for _ in 0..TRIES {
        for q in z.q.iter_mut() {
            *q = rng.random_range(-radius..=radius);
        }
        ham.update_potential(&mut z);
        if finite(&z) {
            return Ok(z);
        }
    }
    Err(BayesError::InitFailed {
        chain,
        tries: TRIES,
    })
}

/// Warm-up and sampling of chain `c`.
fn run_chain<T: LogDensity>(
    target: &T,
    cfg: &NutsConfig,
    c: usize,
    init: Option<Vec<f64>>,
) -> Result<Chain> {
    let d = target.dim();
    let k = target.n_constrained();
    let mut rng = chain_rng(cfg.seed, c);
    let mut ham = Hamiltonian::new(target);
    let mut z = initial_point(&mut ham, &mut rng, cfg.init_radius, c, init)?;
    let settings = NutsSettings {
        max_depth: cfg.max_treedepth,
        max_energy_error: cfg.max_energy_error,
    };
    let step_err = |reason| BayesError::StepSize { chain: c, reason };
    let mut ws = Workspace::new(d, cfg.max_treedepth);
    let mut eps = init_stepsize(&mut ham, &mut rng, &z, cfg.init_step_size).map_err(step_err)?;
    let mut da = DualAveraging::new(cfg.target_accept, (10.0 * cfg.init_step_size).ln());
    let (init_buf, base, term) = cfg.windows;
    let mut ma = MetricAdaptation::new(
        d,
        cfg.dense_mass,
        Windows::new(cfg.n_warmup, init_buf, term, base),
    );
    let mut out = Chain {
        draws_unconstrained: Vec::with_capacity(cfg.n_samples * d),
        draws: vec![0.0; cfg.n_samples * k],
        stats: Vec::with_capacity(cfg.n_samples),
        step_size: eps,
        metric: ham.metric.clone(),
    };
    for it in 0..cfg.n_warmup + cfg.n_samples {
        let tr = match cfg.tree_builder {
            TreeBuilder::Fast => ws.transition(&mut ham, &mut rng, &mut z, eps, settings),
            TreeBuilder::Reference => {
                crate::reference::transition(&mut ham, &mut rng, &mut z, eps, settings)
            }
        };
        if it < cfg.n_warmup {
            da.learn(&mut eps, tr.accept_stat);
            let update = ma
                .learn(&z.q)
                .map_err(|()| BayesError::MetricOverflow { chain: c })?;
            if let Some(m) = update {
                ham.metric = m;
                eps = init_stepsize(&mut ham, &mut rng, &z, eps).map_err(step_err)?;
                da.set_mu((10.0 * eps).ln());
                da.restart();
            }
            if it + 1 == cfg.n_warmup {
                eps = da.final_stepsize();
                out.step_size = eps;
                out.metric = ham.metric.clone();
            }
        } else {
            let s = it - cfg.n_warmup;
            out.draws_unconstrained.extend_from_slice(&z.q);
            target.constrain(&z.q, &mut out.draws[s * k..(s + 1) * k]);
            out.stats.push(DrawStats {
                transition: tr,
                step_size: eps,
                logp: z.logp,
            });
        }
    }
    Ok(out)
}
