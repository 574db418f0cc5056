//! Maximum-likelihood fits: free, with fixed parameters, and with the POI
//! fixed (conditional fits), plus Hessian-based uncertainties.

use ns_core::{BoundObjective, FitResult, Model};
use ns_optim::{
    Lbfgsb, LbfgsbOptions, covariance_from_hessian, diagonal_scales, hessian_structured,
    minimize_scaled,
};

use crate::error::{InferError, Result};
use crate::kinks::{better, cross_kinks, restartable};

/// Restarts scaled by the Hessian diagonal (recomputed at each restart's
/// start) after the plain restart fails.
const PRECONDITIONED_RESTARTS: usize = 3;

/// Options of one fit. Everything defaults to the model's suggestions.
#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    /// Starting point (default: the model's suggested init; see
    /// [`Fitter::fit_fixed_poi`] for the conditional fit's second start).
    pub init: Option<Vec<f64>>,
    /// Bounds (default: the model's suggested bounds).
    pub bounds: Option<Vec<(f64, f64)>>,
    /// Parameters held fixed at a value, on top of the model's suggested
    /// fixed parameters (which stay at their init).
    pub fixed: Vec<(usize, f64)>,
    /// Compute the Hessian, uncertainties and covariance at the minimum.
    pub uncertainties: bool,
    /// Minimiser settings.
    pub optimizer: LbfgsbOptions,
}

impl FitOptions {
    /// Default options with uncertainties on.
    pub fn with_uncertainties() -> Self {
        Self {
            uncertainties: true,
            ..Self::default()
        }
    }
}

/// The starting point, bounds and fixed mask of one fit, validated.
pub(crate) struct Problem {
    pub x0: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    pub fixed: Vec<bool>,
}

impl Problem {
    pub(crate) fn new<M: Model>(model: &M, opts: &FitOptions) -> Result<Self> {
        let n = model.n_params();
        let x0 = opts
            .init
            .clone()
            .unwrap_or_else(|| model.suggested_init().to_vec());
        if x0.len() != n {
            return Err(InferError::LengthMismatch {
                what: "init",
                expected: n,
                got: x0.len(),
            });
        }
        let bounds = opts.bounds.as_deref().unwrap_or(model.suggested_bounds());
        if bounds.len() != n {
            return Err(InferError::LengthMismatch {
                what: "bounds",
                expected: n,
                got: bounds.len(),
            });
        }
        let mut p = Problem {
            x0,
            lower: bounds.iter().map(|b| b.0).collect(),
            upper: bounds.iter().map(|b| b.1).collect(),
            fixed: model.suggested_fixed().to_vec(),
        };
        for &(i, v) in &opts.fixed {
            if i >= n {
                return Err(InferError::InvalidArgument(format!(
                    "parameter index {i} out of range"
                )));
            }
            p.x0[i] = v;
            p.fixed[i] = true;
        }
        for i in 0..n {
            if p.lower[i]
                .partial_cmp(&p.upper[i])
                .is_none_or(|o| o.is_gt())
            {
                return Err(InferError::InvalidArgument(format!(
                    "{}: lower bound {} above upper bound {}",
                    model.param_names()[i],
                    p.lower[i],
                    p.upper[i]
                )));
            }
            if !p.fixed[i] {
                p.x0[i] = p.x0[i].clamp(p.lower[i], p.upper[i]);
            } else if !p.x0[i].is_finite() {
                return Err(InferError::InvalidArgument(format!(
                    "{} fixed at a non-finite value",
                    model.param_names()[i]
                )));
            }
        }
        Ok(p)
    }
}

/// A reusable fitter: owns the minimiser's buffers so loops of fits (toys,
/// scans) do not reallocate them.
#[derive(Debug, Clone, Default)]
pub struct Fitter {
    minimizer: Lbfgsb,
}

impl Fitter {
    /// A fitter with the given minimiser settings.
    pub fn new(optimizer: LbfgsbOptions) -> Self {
        Self {
            minimizer: Lbfgsb::new(optimizer),
        }
    }

    /// Fit `model` to `data`.
    pub fn fit<M: Model>(
        &mut self,
        model: &M,
        data: &M::Data,
        opts: &FitOptions,
    ) -> Result<FitResult> {
        let p = Problem::new(model, opts)?;
        Ok(self.fit_problem(model, data, &p, opts.uncertainties))
    }

    pub(crate) fn fit_problem<M: Model>(
        &mut self,
        model: &M,
        data: &M::Data,
        p: &Problem,
        uncertainties: bool,
    ) -> FitResult {
        let mut obj = BoundObjective::new(model, data);
        let mut r = self
            .minimizer
            .minimize(&mut obj, &p.x0, &p.lower, &p.upper, &p.fixed);
        let (mut n_iter, mut n_eval) = (r.n_iter, r.n_eval);
        // One restart from the best point with fresh curvature memory: the
        // cheap insurance Minuit users know as "call MIGRAD again". Then,
        // while the fit still fails, restarts in coordinates scaled by the
        // Hessian diagonal at the best point (curvatures spanning 1e-6..1e12
        // on published likelihoods make the unscaled line search fail).
        // Smooth, well-scaled fits converge at once and pay nothing.
        for attempt in 0..1 + PRECONDITIONED_RESTARTS {
            if r.status.converged() || !restartable(r.status) || !r.fval.is_finite() {
                break;
            }
            let again = if attempt == 0 {
                self.minimizer
                    .minimize(&mut obj, &r.x, &p.lower, &p.upper, &p.fixed)
            } else {
                let (scale, evals) = diagonal_scales(&mut obj, &r.x, &p.lower, &p.upper, &p.fixed);
                n_eval += evals;
                minimize_scaled(
                    &mut self.minimizer,
                    &mut obj,
                    &r.x,
                    &p.lower,
                    &p.upper,
                    &p.fixed,
                    &scale,
                )
            };
            n_iter += again.n_iter;
            n_eval += again.n_eval;
            if again.fval <= r.fval || better(&again, &r) {
                r = again;
            }
        }
        // Kinks: the lowest minimum may sit across one (see `kinks`).
        if r.fval.is_finite() && restartable(r.status) && !model.kink_params().is_empty() {
            r = cross_kinks(
                &mut self.minimizer,
                &mut obj,
                model.kink_params(),
                p,
                r,
                &mut n_iter,
                &mut n_eval,
            );
        }
        let n = r.x.len();
        let mut result = FitResult {
            bestfit: r.x,
            uncertainties: vec![0.0; n],
            covariance: None,
            hessian_pos_def: false,
            nll: r.fval,
            status: r.status,
            n_iter,
            n_eval,
        };
        if uncertainties && r.fval.is_finite() {
            let (h, evals) =
                hessian_structured(&mut obj, &result.bestfit, &p.lower, &p.upper, &p.fixed);
            result.n_eval += evals;
            match covariance_from_hessian(&h, n, &p.fixed) {
                Some(cov) => {
                    for i in 0..n {
                        result.uncertainties[i] = cov[i * n + i].max(0.0).sqrt();
                    }
                    result.covariance = Some(cov);
                    result.hessian_pos_def = true;
                }
                None => {
                    // Fallback, flagged by hessian_pos_def = false: the
                    // diagonal curvature alone (NaN where it is not positive).
                    for i in 0..n {
                        let hii = h[i * n + i];
                        result.uncertainties[i] = if p.fixed[i] {
                            0.0
                        } else if hii > 0.0 {
                            1.0 / hii.sqrt()
                        } else {
                            f64::NAN
                        };
                    }
                }
            }
        }
        result
    }

    /// Conditional fit with the POI fixed at `mu`.
    ///
    /// Without a caller's start (`opts.init` is `None`) the fit also starts
    /// from the free fit's minimum (POI set to `mu`) and keeps the lower
    /// minimum: the conditional space is a slice of the free one, and on
    /// non-convex NLLs the suggested init can lead to a higher basin than
    /// the free minimum's (pyhf's coupled-histosys validation case under
    /// code4/code4p: 33.9927 from the init, 33.1164 from the free minimum).
    /// A caller's start (warm starts of scans, toys, hypotests) is a choice
    /// and costs nothing extra.
    pub fn fit_fixed_poi<M: Model>(
        &mut self,
        model: &M,
        data: &M::Data,
        mu: f64,
        opts: &FitOptions,
    ) -> Result<FitResult> {
        let poi = model.poi_index().ok_or(InferError::NoPoi)?;
        let mut cond = opts.clone();
        cond.fixed.retain(|(i, _)| *i != poi);
        cond.fixed.push((poi, mu));
        let r = self.fit(model, data, &cond)?;
        let poi_free = !model.suggested_fixed()[poi] && !opts.fixed.iter().any(|(i, _)| *i == poi);
        if opts.init.is_some() || !poi_free {
            return Ok(r);
        }
        let free = {
            let mut o = opts.clone();
            o.uncertainties = false;
            self.fit(model, data, &o)?
        };
        if !free.nll.is_finite() {
            return Ok(r);
        }
        cond.init = Some(free.bestfit);
        let mut again = self.fit(model, data, &cond)?;
        // Lower wins, unless it trades a converged fit for a failed one.
        let lower = (again.nll < r.nll && (again.converged() || !r.converged()))
            || (again.nll <= r.nll && again.converged() && !r.converged());
        again.n_iter += r.n_iter + free.n_iter;
        again.n_eval += r.n_eval + free.n_eval;
        if lower {
            Ok(again)
        } else {
            let mut r = r;
            r.n_iter = again.n_iter;
            r.n_eval = again.n_eval;
            Ok(r)
        }
    }
}

/// One-shot fit (see [`Fitter::fit`]).
pub fn fit<M: Model>(model: &M, data: &M::Data, opts: &FitOptions) -> Result<FitResult> {
    Fitter::new(opts.optimizer.clone()).fit(model, data, opts)
}

/// One-shot conditional fit with the POI fixed at `mu`.
pub fn fit_fixed_poi<M: Model>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
) -> Result<FitResult> {
    Fitter::new(opts.optimizer.clone()).fit_fixed_poi(model, data, mu, opts)
}

/// Resolve `NAME=VALUE` pairs to parameter indices.
pub fn resolve_fixed<M: Model>(model: &M, pairs: &[(String, f64)]) -> Result<Vec<(usize, f64)>> {
    pairs
        .iter()
        .map(|(name, v)| {
            model
                .param_index(name)
                .map(|i| (i, *v))
                .ok_or_else(|| InferError::UnknownParameter(name.clone()))
        })
        .collect()
}
