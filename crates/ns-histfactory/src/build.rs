//! Build phase: walk the spec once, validate it, and lay every modifier out
//! as dense arrays for the evaluation kernels (pyhf's `_ModelConfig` plus
//! the modifier builders, in one pass).
//!
//! Parameter order follows pyhf 0.7 exactly: modifier types in the order
//! histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror;
//! within a type, first appearance walking sorted channels, sorted samples
//! and sorted modifier names (staterror: sorted names). A name used by two
//! types (normsys + histosys, typically) is one parameter, placed where it
//! first appears, as pyhf merges parameter sets by name.

mod blocks;
mod channels;
mod parameters;
mod requirements;

use std::collections::HashMap;

use crate::error::{HistFactoryError, Result};
use crate::interp::InterpSettings;
use crate::model::HistFactoryModel;
use crate::parts::{ParamSetInfo, Parts};
use crate::spec::{Modifier, ParameterConfig, Workspace};

/// Options for building a model from a workspace.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Measurement to use (default: the first one).
    pub measurement: Option<String>,
    /// Interpolation codes.
    pub interp: InterpSettings,
    /// Name of the input, used in error messages (file path or `<stdin>`).
    pub source_name: String,
}

struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn spec_err(
        &self,
        location: impl std::fmt::Display,
        message: impl Into<String>,
    ) -> HistFactoryError {
        HistFactoryError::InvalidSpec {
            source_name: self.source.to_string(),
            location: location.to_string(),
            message: message.into(),
        }
    }
    fn model_err(&self, message: impl Into<String>) -> HistFactoryError {
        HistFactoryError::InvalidModel {
            source_name: self.source.to_string(),
            message: message.into(),
        }
    }
}

/// Where something sits in the workspace, formatted only when an error
/// needs it: formatting every sample's and modifier's path up front cost
/// ~15% of a whole `nextstat fit` on godrun (callgrind).
#[derive(Clone, Copy)]
enum Loc<'a> {
    Channel(usize, &'a str),
    Sample(&'a str, &'a str),
    Modifier(&'a str, &'a str, &'a Modifier),
    Observation(usize, &'a str),
    Staterror(&'a str),
    Config(&'a str, &'a str),
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Loc::Channel(i, c) => write!(f, "channels[{i}] ('{c}')"),
            Loc::Sample(c, s) => write!(f, "channels['{c}'].samples['{s}']"),
            Loc::Modifier(c, s, m) => write!(
                f,
                "channels['{c}'].samples['{s}'].modifiers['{}'] ({})",
                m.name(),
                m.type_name()
            ),
            Loc::Observation(i, o) => write!(f, "observations[{i}] ('{o}')"),
            Loc::Staterror(name) => write!(f, "modifier '{name}' (staterror)"),
            Loc::Config(meas, name) => {
                write!(f, "measurements['{meas}'].config.parameters['{name}']")
            }
        }
    }
}

fn check_finite(ctx: &Ctx, loc: Loc, what: &str, values: &[f64]) -> Result<()> {
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(ctx.spec_err(loc, format!("{what}[{i}] is not finite ({})", values[i])));
    }
    Ok(())
}

/// Build the compiled model (see [`HistFactoryModel::from_workspace`]).
pub(crate) fn build(ws: &Workspace, opts: &BuildOptions) -> Result<HistFactoryModel> {
    let ctx = Ctx {
        source: if opts.source_name.is_empty() {
            "<workspace>"
        } else {
            &opts.source_name
        },
    };
    opts.interp
        .validate()
        .map_err(|e| ctx.model_err(strip_source(e)))?;

    let layout = channels::check(&ctx, ws, opts)?;

    // ---- measurement ---------------------------------------------------
    if ws.measurements.is_empty() {
        return Err(ctx.spec_err("measurements", "the workspace has no measurements"));
    }
    let measurement = match &opts.measurement {
        None => &ws.measurements[0],
        Some(name) => ws
            .measurements
            .iter()
            .find(|m| &m.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = ws.measurements.iter().map(|m| m.name.as_str()).collect();
                ctx.model_err(format!(
                    "no measurement named '{name}' (available: {})",
                    names.join(", ")
                ))
            })?,
    };
    let mut user_configs: HashMap<&str, &ParameterConfig> = HashMap::new();
    for p in &measurement.config.parameters {
        if user_configs.insert(&p.name, p).is_some() {
            return Err(ctx.spec_err(
                format!(
                    "measurements['{}'].config.parameters['{}']",
                    measurement.name, p.name
                ),
                "multiple parameter configurations for this parameter",
            ));
        }
    }

    // ---- parameter sets ------------------------------------------------
    let mut plan = requirements::collect(&ctx, ws, &layout)?;
    let merged = std::mem::take(&mut plan.merged);
    let params = parameters::lay_out(&ctx, measurement, &user_configs, &plan.order, merged)?;
    let set_of: HashMap<&str, &ParamSetInfo> = params
        .param_sets
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();

    // POI.
    let poi_name = measurement.config.poi.clone();
    let poi_index = match set_of.get(poi_name.as_str()) {
        None => {
            return Err(ctx.spec_err(
                format!("measurements['{}'].config.poi", measurement.name),
                format!("POI '{poi_name}' is not a parameter of the model"),
            ));
        }
        Some(p) if p.n != 1 => {
            return Err(ctx.spec_err(
                format!("measurements['{}'].config.poi", measurement.name),
                format!(
                    "POI '{poi_name}' has {} components; the POI must be a scalar parameter",
                    p.n
                ),
            ));
        }
        Some(p) => p.start,
    };

    let b = blocks::lay_out(&plan, &layout, &set_of, opts.interp);
    Ok(HistFactoryModel::assemble(Parts {
        channels: layout.channel_info,
        sample_names: plan.samples.iter().map(|s| s.to_string()).collect(),
        measurement: measurement.name.clone(),
        poi_name,
        poi_index,
        names: params.names,
        init: params.init,
        bounds: params.bounds,
        fixed: params.fixed,
        param_sets: params.param_sets,
        constraints: params.constraints,
        observed_main: layout.observed,
        observed_aux: params.aux_obs,
        blocks: b.blocks,
        nominal: b.nominal,
        scalar_mods: b.scalar_mods,
        perbin_mods: b.perbin_mods,
        perbin_index: b.perbin_index,
        histo_mods: b.histo_mods,
        histo_coef: b.histo_coef,
        interp: opts.interp,
    }))
}

fn strip_source(e: HistFactoryError) -> String {
    match e {
        HistFactoryError::InvalidModel { message, .. } => message,
        other => other.to_string(),
    }
}
