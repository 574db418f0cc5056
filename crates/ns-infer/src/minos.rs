//! MINOS: asymmetric intervals from the profile likelihood, as Minuit's
//! MINOS (F. James, MINUIT Reference Manual, CERN D506, §7.3): for a
//! parameter θ_i the end points are where the profile
//! `2 NLL(θ_i = v, θ̂̂) − 2 NLL(θ̂)` crosses 1.
//!
//! Each side is a 1-D root search (Brent, `ns_optim::brent_root`) whose
//! function value is a conditional fit with θ_i fixed at v, warm-started
//! from the previous conditional best fit. The bracket grows outwards from
//! the best fit in steps of the Hesse error; a side whose profile stays
//! below 1 up to the parameter's bound is reported as hitting that bound
//! (the end point is the bound), not as an error.

use ns_core::{FitResult, Model};
use ns_optim::brent_root;

use crate::error::{InferError, Result};
use crate::mle::{FitOptions, Fitter};

/// One side of a MINOS interval.
#[derive(Debug, Clone, PartialEq)]
pub struct MinosEdge {
    /// End point as a parameter value (the bound if `at_bound`).
    pub value: f64,
    /// The profile stays below the crossing up to the parameter's bound.
    pub at_bound: bool,
    /// The root search and all its conditional fits converged.
    pub valid: bool,
    /// Conditional fits run for this side.
    pub n_fits: usize,
}

/// The MINOS interval of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct MinosInterval {
    /// Parameter name.
    pub name: String,
    /// Best-fit value.
    pub bestfit: f64,
    /// Lower end.
    pub lower: MinosEdge,
    /// Upper end.
    pub upper: MinosEdge,
}

impl MinosInterval {
    /// `(lower, upper)` as parameter values.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lower.value, self.upper.value)
    }
}

/// Root-search settings.
const XTOL_REL: f64 = 1e-7;
const MAX_EVAL: usize = 60;
const MAX_STEPS: usize = 30;

/// MINOS intervals of the parameters `names` around the global fit
/// `global` (which must come from `fit(model, data, opts)`), at
/// `Δ(2NLL) = up` (1 for 68.3 % one-dimensional intervals). Parameters are
/// handled in parallel, each side sequentially: results do not depend on
/// the number of threads.
pub fn minos<M: Model>(
    model: &M,
    data: &M::Data,
    global: &FitResult,
    names: &[String],
    opts: &FitOptions,
    up: f64,
) -> Result<Vec<MinosInterval>> {
    use rayon::prelude::*;
    if !(up > 0.0 && up.is_finite()) {
        return Err(InferError::InvalidArgument(format!(
            "minos: up = {up} must be positive"
        )));
    }
    let mut idx = Vec::with_capacity(names.len());
    for name in names {
        let i = model
            .param_index(name)
            .ok_or_else(|| InferError::UnknownParameter(name.clone()))?;
        if model.suggested_fixed()[i] || opts.fixed.iter().any(|(j, _)| *j == i) {
            return Err(InferError::InvalidArgument(format!(
                "minos: parameter '{name}' is fixed in this fit"
            )));
        }
        idx.push(i);
    }
    if global.bestfit.len() != model.n_params() {
        return Err(InferError::LengthMismatch {
            what: "global fit",
            expected: model.n_params(),
            got: global.bestfit.len(),
        });
    }
    let bounds = opts.bounds.as_deref().unwrap_or(model.suggested_bounds());
    Ok(idx
        .par_iter()
        .map(|&i| {
            let (lower, upper) = rayon::join(
                || edge(model, data, global, i, bounds[i].0, opts, up),
                || edge(model, data, global, i, bounds[i].1, opts, up),
            );
            MinosInterval {
                name: model.param_names()[i].clone(),
                bestfit: global.bestfit[i],
                lower,
                upper,
            }
        })
        .collect())
}

/// One side: search from the best fit towards `limit` (a bound).
fn edge<M: Model>(
    model: &M,
    data: &M::Data,
    global: &FitResult,
    i: usize,
    limit: f64,
    opts: &FitOptions,
    up: f64,
) -> MinosEdge {
    let x_hat = global.bestfit[i];
    let dir = if limit >= x_hat { 1.0 } else { -1.0 };
    let sigma = match global.uncertainties.get(i) {
        Some(&s) if s.is_finite() && s > 0.0 => s,
        _ => 0.1 * x_hat.abs().max(1.0),
    };
    let twice_min = 2.0 * global.nll;
    let mut fitter = Fitter::new(opts.optimizer.clone());
    let mut warm = global.bestfit.clone();
    let mut n_fits = 0;
    let mut all_converged = true;
    // f(v) = 2 NLL(θ_i = v) − 2 NLL_min − up, warm-started.
    let mut f = |v: f64, warm: &mut Vec<f64>, n_fits: &mut usize, ok: &mut bool| -> f64 {
        let mut o = opts.clone();
        o.uncertainties = false;
        o.fixed.retain(|(j, _)| *j != i);
        o.fixed.push((i, v));
        let mut init = warm.clone();
        init[i] = v;
        o.init = Some(init);
        *n_fits += 1;
        match fitter.fit(model, data, &o) {
            Ok(r) => {
                *ok &= r.converged();
                *warm = r.bestfit;
                2.0 * r.nll - twice_min - up
            }
            Err(_) => {
                *ok = false;
                f64::NAN
            }
        }
    };
    // Bracket: step out by the Hesse error (×1.5 each time) until the
    // profile crosses, or the bound is reached.
    let mut inner = x_hat;
    let mut step = sigma * up.sqrt();
    let mut outer = None;
    for _ in 0..MAX_STEPS {
        let mut v = x_hat + dir * step;
        let hit = (v - limit) * dir >= 0.0;
        if hit {
            v = limit;
        }
        if !v.is_finite() {
            break;
        }
        let fv = f(v, &mut warm, &mut n_fits, &mut all_converged);
        if fv.is_nan() {
            break;
        }
        if fv > 0.0 {
            outer = Some(v);
            break;
        }
        inner = v;
        if hit {
            return MinosEdge {
                value: limit,
                at_bound: true,
                valid: all_converged,
                n_fits,
            };
        }
        step *= 1.5;
    }
    let Some(outer) = outer else {
        return MinosEdge {
            value: f64::NAN,
            at_bound: false,
            valid: false,
            n_fits,
        };
    };
    // Warm start from the inner end (nearest the crossing from below).
    let xtol = XTOL_REL * sigma;
    let root = brent_root(
        |v| f(v, &mut warm, &mut n_fits, &mut all_converged),
        inner,
        outer,
        xtol,
        4.0 * f64::EPSILON,
        MAX_EVAL,
    );
    match root {
        Ok(r) => MinosEdge {
            value: r.x,
            at_bound: false,
            valid: r.converged && all_converged,
            n_fits,
        },
        Err(_) => MinosEdge {
            value: f64::NAN,
            at_bound: false,
            valid: false,
            n_fits,
        },
    }
}
