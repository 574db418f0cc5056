//! Parameters laid out from the merged sets, with the measurement's
//! parameter configurations applied (inits, bounds, fixed, auxdata,
//! sigmas, factors) and the constraint terms listed.

use std::collections::HashMap;

use super::requirements::{ConstraintKind, Requirement};
use super::{Ctx, Loc};
use crate::error::Result;
use crate::parts::{Constraint, ParamSetInfo};
use crate::spec::{Measurement, ParameterConfig};

/// The model's parameters, flat.
pub(super) struct Params {
    pub param_sets: Vec<ParamSetInfo>,
    pub names: Vec<String>,
    pub init: Vec<f64>,
    pub bounds: Vec<(f64, f64)>,
    pub fixed: Vec<bool>,
    pub constraints: Vec<Constraint>,
    /// Observed auxiliary data, one per constrained parameter.
    pub aux_obs: Vec<f64>,
}

/// Apply the measurement's overrides to every set, in `order`.
pub(super) fn lay_out(
    ctx: &Ctx,
    measurement: &Measurement,
    user_configs: &HashMap<&str, &ParameterConfig>,
    order: &[String],
    mut merged: HashMap<String, (Requirement, Loc)>,
) -> Result<Params> {
    let mut param_sets = Vec::with_capacity(order.len());
    let mut names = Vec::new();
    let mut init = Vec::new();
    let mut bounds = Vec::new();
    let mut fixed = Vec::new();
    let mut constraints = Vec::new();
    let mut aux_obs = Vec::new();
    for name in order {
        let (mut req, _) = merged.remove(name).expect("registered");
        let cfg_loc = Loc::Config(&measurement.name, name);
        if let Some(cfg) = user_configs.get(name.as_str()) {
            let check_len = |what: &str, len: usize| -> Result<()> {
                if len != req.n {
                    return Err(ctx.spec_err(
                        cfg_loc,
                        format!(
                            "{what} has {len} values but '{name}' has {} parameters",
                            req.n
                        ),
                    ));
                }
                Ok(())
            };
            if let Some(v) = &cfg.inits {
                check_len("inits", v.len())?;
                req.inits = Some(v.clone());
            }
            if let Some(v) = &cfg.bounds {
                check_len("bounds", v.len())?;
                req.bounds = Some(v.iter().map(|b| (b[0], b[1])).collect());
            }
            if let Some(f) = cfg.fixed {
                req.fixed = vec![f; req.n];
            }
            if cfg.auxdata.is_some() || cfg.sigmas.is_some() || cfg.factors.is_some() {
                if req.constraint == ConstraintKind::None {
                    return Err(ctx.spec_err(
                        cfg_loc,
                        format!("'{name}' is unconstrained and takes no auxdata/sigmas/factors"),
                    ));
                }
                if let Some(v) = &cfg.auxdata {
                    check_len("auxdata", v.len())?;
                    req.auxdata = Some(v.clone());
                }
                if let Some(v) = &cfg.sigmas {
                    check_len("sigmas", v.len())?;
                    if req.constraint == ConstraintKind::Poisson {
                        return Err(ctx.spec_err(
                            cfg_loc,
                            format!("'{name}' has a Poisson constraint and takes no sigmas"),
                        ));
                    }
                    req.sigmas = Some(v.clone());
                }
                if let Some(v) = &cfg.factors {
                    if req.constraint != ConstraintKind::Poisson {
                        return Err(ctx.spec_err(
                            cfg_loc,
                            format!("'{name}' has a Gaussian constraint and takes no factors"),
                        ));
                    }
                    check_len("factors", v.len())?;
                    // τ ≤ 0 gives pyhf a NaN or -inf constraint term.
                    if let Some(i) = v.iter().position(|&t| !(t > 0.0 && t.is_finite())) {
                        return Err(ctx.spec_err(
                            cfg_loc,
                            format!("factors[{i}] must be positive and finite, got {}", v[i]),
                        ));
                    }
                    req.factors = Some(v.clone());
                }
            }
        }
        let missing: Vec<&str> = [
            ("inits", req.inits.is_none()),
            ("bounds", req.bounds.is_none()),
            (
                "auxdata",
                req.constraint != ConstraintKind::None && req.auxdata.is_none(),
            ),
            ("sigmas", req.type_name == "lumi" && req.sigmas.is_none()),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(w, _)| *w)
        .collect();
        if !missing.is_empty() {
            return Err(ctx.spec_err(
                cfg_loc,
                format!(
                    "{} parameter '{name}' needs {} in the measurement's parameter configuration",
                    req.type_name,
                    missing.join(", ")
                ),
            ));
        }
        let inits = req.inits.take().expect("checked");
        let bnds = req.bounds.take().expect("checked");
        // Inverted bounds are kept, as pyhf does: the model is still
        // evaluable and the fitter reports them (ns-infer rejects a lower
        // bound above the upper one). NaN cannot come from JSON.
        for (i, (&x, &(lo, hi))) in inits.iter().zip(&bnds).enumerate() {
            if lo.is_nan() || hi.is_nan() || !x.is_finite() {
                return Err(ctx.spec_err(
                    cfg_loc,
                    format!("parameter {i}: bounds [{lo}, {hi}] or init {x} invalid"),
                ));
            }
        }
        let start = names.len();
        for i in 0..req.n {
            names.push(if req.scalar {
                name.clone()
            } else {
                format!("{name}[{i}]")
            });
        }
        init.extend_from_slice(&inits);
        bounds.extend_from_slice(&bnds);
        fixed.extend_from_slice(&req.fixed);
        let aux_start = aux_obs.len();
        match req.constraint {
            ConstraintKind::None => {}
            ConstraintKind::Gaussian => {
                let aux = req.auxdata.take().expect("checked");
                let sig = req.sigmas.take().unwrap_or_else(|| vec![1.0; req.n]);
                for i in 0..req.n {
                    if sig[i].is_nan() || sig[i] <= 0.0 || !sig[i].is_finite() {
                        return Err(ctx.spec_err(
                            cfg_loc,
                            format!("sigma {i} must be positive, got {}", sig[i]),
                        ));
                    }
                    constraints.push(Constraint::Gaussian {
                        param: start + i,
                        aux: aux_obs.len(),
                        sigma: sig[i],
                    });
                    aux_obs.push(aux[i]);
                }
            }
            ConstraintKind::Poisson => {
                let aux = req.auxdata.take().expect("checked");
                let tau = req.factors.take().expect("poisson has factors");
                for i in 0..req.n {
                    constraints.push(Constraint::Poisson {
                        param: start + i,
                        aux: aux_obs.len(),
                        tau: tau[i],
                    });
                    aux_obs.push(aux[i]);
                }
            }
        }
        param_sets.push(ParamSetInfo {
            name: name.clone(),
            modifier_type: req.type_name,
            start,
            n: req.n,
            constraint: match req.constraint {
                ConstraintKind::None => "unconstrained",
                ConstraintKind::Gaussian => "gaussian",
                ConstraintKind::Poisson => "poisson",
            },
            aux_start: (req.constraint != ConstraintKind::None).then_some(aux_start),
        });
    }
    Ok(Params {
        param_sets,
        names,
        init,
        bounds,
        fixed,
        constraints,
        aux_obs,
    })
}
