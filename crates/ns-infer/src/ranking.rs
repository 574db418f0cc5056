//! Ranking of nuisance parameters by their impact on the POI, with pulls
//! and constraints (the "impact plot" of cabinetry / TRExFitter).
//!
//! For every free nuisance parameter θ (not the POI, not fixed):
//!
//! * the global fit gives `θ̂ ± σ̂` (Hessian) and `μ̂`;
//! * `impact_up/down = μ̂(θ fixed at θ̂ ± σ̂) − μ̂` (post-fit), and
//!   `prefit_impact_up/down = μ̂(θ fixed at θ̂ ± σ_prefit) − μ̂`, each a
//!   refit of all other parameters (shifted values are clipped to the
//!   parameter bounds);
//! * `pull = (θ̂ − θ₀) / σ_prefit` and `constraint = σ̂ / σ_prefit`, with
//!   `θ₀` the initial value (the constraint's centre).
//!
//! `σ_prefit` comes from the caller (it is model knowledge: the width of
//! the constraint term; `None` for unconstrained parameters, which then
//! have no pull, constraint or pre-fit impacts). The refits run in
//! parallel; each is deterministic, so results do not depend on threads.
//! Sorted by `|impact_up| + |impact_down|`, largest first (cabinetry).

use ns_core::{FitStatus, Model};
use rayon::prelude::*;

use crate::error::{InferError, Result};
use crate::mle::{FitOptions, Fitter, Problem};
use crate::test_statistics::free_poi;

/// The impact of one nuisance parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    /// Parameter index.
    pub index: usize,
    /// Parameter name.
    pub name: String,
    /// Best-fit value θ̂.
    pub bestfit: f64,
    /// Post-fit uncertainty σ̂.
    pub uncertainty: f64,
    /// `(θ̂ − θ₀) / σ_prefit`.
    pub pull: Option<f64>,
    /// `σ̂ / σ_prefit`.
    pub constraint: Option<f64>,
    /// POI shift with θ fixed at `θ̂ + σ̂`.
    pub impact_up: f64,
    /// POI shift with θ fixed at `θ̂ − σ̂`.
    pub impact_down: f64,
    /// POI shift with θ fixed at `θ̂ + σ_prefit`.
    pub prefit_impact_up: Option<f64>,
    /// POI shift with θ fixed at `θ̂ − σ_prefit`.
    pub prefit_impact_down: Option<f64>,
    /// Non-converged refits: (which, status), `which` one of `post_up`,
    /// `post_down`, `pre_up`, `pre_down`.
    pub failed_fits: Vec<(&'static str, FitStatus)>,
}

/// The ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingResult {
    /// Best-fit POI.
    pub muhat: f64,
    /// Its Hessian uncertainty.
    pub muhat_uncertainty: f64,
    /// Status of the global fit.
    pub global_status: FitStatus,
    /// Impacts, largest first.
    pub impacts: Vec<Impact>,
}

/// Rank the nuisance parameters of `model` on `data`; `prefit_sigma[i]`
/// is the pre-fit width of parameter `i` (`None`: unconstrained).
/// `progress` is called once per finished refit.
pub fn ranking<M: Model>(
    model: &M,
    data: &M::Data,
    opts: &FitOptions,
    prefit_sigma: &[Option<f64>],
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<RankingResult> {
    let poi = free_poi(model, opts)?;
    let n = model.n_params();
    if prefit_sigma.len() != n {
        return Err(InferError::LengthMismatch {
            what: "prefit_sigma",
            expected: n,
            got: prefit_sigma.len(),
        });
    }
    let mut gopts = opts.clone();
    gopts.uncertainties = true;
    let problem = Problem::new(model, &gopts)?;
    let global = Fitter::new(opts.optimizer.clone()).fit(model, data, &gopts)?;
    let muhat = global.bestfit[poi];
    let nps: Vec<usize> = (0..n).filter(|&i| i != poi && !problem.fixed[i]).collect();
    // Tasks: (parameter, variant); variants 0..4 = post up/down, pre up/down.
    let tasks: Vec<(usize, usize)> = nps
        .iter()
        .flat_map(|&i| {
            let k = if prefit_sigma[i].is_some() { 4 } else { 2 };
            (0..k).map(move |v| (i, v))
        })
        .collect();
    let mut ropts = opts.clone();
    ropts.uncertainties = false;
    let results: Vec<(usize, usize, f64, FitStatus)> = tasks
        .par_iter()
        .map_init(
            || Fitter::new(opts.optimizer.clone()),
            |fitter, &(i, v)| {
                let shift = match v {
                    0 => global.uncertainties[i],
                    1 => -global.uncertainties[i],
                    2 => prefit_sigma[i].unwrap_or(0.0),
                    _ => -prefit_sigma[i].unwrap_or(0.0),
                };
                let value = (global.bestfit[i] + shift).clamp(problem.lower[i], problem.upper[i]);
                let mut o = ropts.clone();
                o.init = Some(global.bestfit.clone());
                o.fixed.retain(|(j, _)| *j != i);
                o.fixed.push((i, value));
                let r = fitter.fit(model, data, &o);
                if let Some(p) = progress {
                    p();
                }
                match r {
                    Ok(r) => (i, v, r.bestfit[poi] - muhat, r.status),
                    Err(_) => (i, v, f64::NAN, FitStatus::NonFiniteStart),
                }
            },
        )
        .collect();
    let names = model.param_names();
    let center = opts.init.as_deref().unwrap_or(model.suggested_init());
    let mut impacts: Vec<Impact> = nps
        .iter()
        .map(|&i| {
            let mut imp = [None; 4];
            let mut failed_fits = Vec::new();
            for &(j, v, d, st) in results.iter().filter(|r| r.0 == i) {
                debug_assert_eq!(j, i);
                imp[v] = Some(d);
                if !st.converged() {
                    failed_fits.push((["post_up", "post_down", "pre_up", "pre_down"][v], st));
                }
            }
            let sig = prefit_sigma[i];
            Impact {
                index: i,
                name: names[i].clone(),
                bestfit: global.bestfit[i],
                uncertainty: global.uncertainties[i],
                pull: sig.map(|s| (global.bestfit[i] - center[i]) / s),
                constraint: sig.map(|s| global.uncertainties[i] / s),
                impact_up: imp[0].unwrap_or(f64::NAN),
                impact_down: imp[1].unwrap_or(f64::NAN),
                prefit_impact_up: imp[2],
                prefit_impact_down: imp[3],
                failed_fits,
            }
        })
        .collect();
    let key = |x: &Impact| {
        let k = x.impact_up.abs() + x.impact_down.abs();
        if k.is_nan() { f64::INFINITY } else { k }
    };
    impacts.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.index.cmp(&b.index)));
    Ok(RankingResult {
        muhat,
        muhat_uncertainty: global.uncertainties[poi],
        global_status: global.status,
        impacts,
    })
}
