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

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::error::{HistFactoryError, Result};
use crate::interp::{InterpCode, InterpSettings, NormsysCoeffs, additive_rows};
use crate::model::{
    Block, ChannelInfo, Constraint, HistFactoryModel, HistoMod, ParamSetInfo, PerBinMod,
    ScalarKind, ScalarMod,
};
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

const TYPE_ORDER: [&str; 7] = [
    "histosys",
    "lumi",
    "normfactor",
    "normsys",
    "shapefactor",
    "shapesys",
    "staterror",
];

/// The constraint kind a parameter set carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ConstraintKind {
    None,
    Gaussian,
    Poisson,
}

/// What a modifier type requires of its parameter set (pyhf's `required_parset`).
#[derive(Debug, Clone, PartialEq)]
struct Requirement {
    type_name: &'static str,
    constraint: ConstraintKind,
    n: usize,
    scalar: bool,
    inits: Option<Vec<f64>>,
    bounds: Option<Vec<(f64, f64)>>,
    fixed: Vec<bool>,
    auxdata: Option<Vec<f64>>,
    sigmas: Option<Vec<f64>>,
    factors: Option<Vec<f64>>,
}

impl Requirement {
    fn scalar(
        type_name: &'static str,
        constraint: ConstraintKind,
        init: f64,
        bounds: (f64, f64),
    ) -> Self {
        let aux = (constraint == ConstraintKind::Gaussian).then(|| vec![0.0]);
        Self {
            type_name,
            constraint,
            n: 1,
            scalar: true,
            inits: Some(vec![init]),
            bounds: Some(vec![bounds]),
            fixed: vec![false],
            auxdata: aux,
            sigmas: None,
            factors: None,
        }
    }

    /// Whether two requirements can share one parameter set (pyhf raises
    /// `InvalidNameReuse` otherwise).
    fn compatible(&self, other: &Self) -> bool {
        self.constraint == other.constraint
            && self.n == other.n
            && self.scalar == other.scalar
            && self.inits == other.inits
            && self.bounds == other.bounds
            && self.fixed == other.fixed
            && self.auxdata == other.auxdata
            && self.sigmas == other.sigmas
            && self.factors == other.factors
    }
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

    // ---- channels, samples, observations -------------------------------
    if ws.channels.is_empty() {
        return Err(ctx.spec_err("channels", "the workspace has no channels"));
    }
    let mut nbins_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (ci, ch) in ws.channels.iter().enumerate() {
        let loc = Loc::Channel(ci, &ch.name);
        if nbins_of.contains_key(ch.name.as_str()) {
            return Err(ctx.spec_err(loc, "duplicate channel name"));
        }
        let first = ch
            .samples
            .first()
            .ok_or_else(|| ctx.spec_err(loc, "channel has no samples"))?;
        let nbins = first.data.len();
        if nbins == 0 {
            return Err(ctx.spec_err(loc, "channel has zero bins"));
        }
        let mut seen = BTreeSet::new();
        for s in &ch.samples {
            let sloc = Loc::Sample(&ch.name, &s.name);
            if !seen.insert(s.name.as_str()) {
                return Err(ctx.spec_err(sloc, "duplicate sample name in channel"));
            }
            if s.data.len() != nbins {
                return Err(ctx.spec_err(
                    sloc,
                    format!(
                        "sample has {} bins but the channel has {nbins} (from its first sample '{}')",
                        s.data.len(),
                        first.name
                    ),
                ));
            }
            check_finite(&ctx, sloc, "data", &s.data)?;
            let mut mseen = BTreeSet::new();
            for m in &s.modifiers {
                let mloc = Loc::Modifier(&ch.name, &s.name, m);
                if !mseen.insert((m.name(), m.type_name())) {
                    return Err(ctx.spec_err(mloc, "modifier appears twice on the same sample"));
                }
                match m {
                    Modifier::Normsys { data, .. } => {
                        check_finite(&ctx, mloc, "data", &[data.hi, data.lo])?;
                        // code4's polynomial takes ln(hi), ln(lo): pyhf's
                        // logpdf is NaN for every |α| < 1. code1 is only
                        // undefined on one side of α = 0, as in pyhf.
                        if opts.interp.normsys == InterpCode::Code4
                            && (data.hi <= 0.0 || data.lo <= 0.0)
                        {
                            return Err(ctx.spec_err(
                                mloc,
                                format!(
                                    "normsys factors must be positive for {} (hi={}, lo={})",
                                    opts.interp.normsys.as_str(),
                                    data.hi,
                                    data.lo
                                ),
                            ));
                        }
                    }
                    Modifier::Histosys { data, .. } => {
                        for (what, v) in [("hi_data", &data.hi_data), ("lo_data", &data.lo_data)] {
                            if v.len() != nbins {
                                return Err(ctx.spec_err(
                                    mloc,
                                    format!(
                                        "{what} has {} bins but the sample has {nbins}",
                                        v.len()
                                    ),
                                ));
                            }
                            check_finite(&ctx, mloc, what, v)?;
                        }
                    }
                    Modifier::Shapesys { data, .. } | Modifier::Staterror { data, .. } => {
                        if data.len() != nbins {
                            return Err(ctx.spec_err(
                                mloc,
                                format!("data has {} bins but the sample has {nbins}", data.len()),
                            ));
                        }
                        check_finite(&ctx, mloc, "data", data)?;
                    }
                    _ => {}
                }
            }
        }
        nbins_of.insert(&ch.name, nbins);
    }
    // Sorted channel order, as pyhf.
    let channels: Vec<&str> = nbins_of.keys().copied().collect();
    let mut channel_info = Vec::with_capacity(channels.len());
    let mut offset = 0;
    let mut channel_offset: HashMap<&str, usize> = HashMap::new();
    for &c in &channels {
        let n = nbins_of[c];
        channel_info.push(ChannelInfo {
            name: c.to_string(),
            start: offset,
            nbins: n,
        });
        channel_offset.insert(c, offset);
        offset += n;
    }
    let n_main = offset;

    let mut observed = vec![f64::NAN; n_main];
    let mut have_obs: BTreeSet<&str> = BTreeSet::new();
    for (oi, obs) in ws.observations.iter().enumerate() {
        let loc = Loc::Observation(oi, &obs.name);
        // pyhf reads observations only for the model's channels; others
        // are ignored.
        let Some(&start) = channel_offset.get(obs.name.as_str()) else {
            continue;
        };
        if !have_obs.insert(&obs.name) {
            return Err(ctx.spec_err(loc, "duplicate observation for this channel"));
        }
        let n = nbins_of[obs.name.as_str()];
        if obs.data.len() != n {
            return Err(ctx.spec_err(
                loc,
                format!(
                    "observation has {} bins but the channel has {n}",
                    obs.data.len()
                ),
            ));
        }
        check_finite(&ctx, loc, "data", &obs.data)?;
        if let Some(i) = obs.data.iter().position(|&v| v < 0.0) {
            return Err(ctx.spec_err(loc, format!("data[{i}] is negative ({})", obs.data[i])));
        }
        observed[start..start + n].copy_from_slice(&obs.data);
    }
    for &c in &channels {
        if !have_obs.contains(c) {
            return Err(ctx.spec_err(format!("channels['{c}']"), "channel has no observations"));
        }
    }

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
    let samples: Vec<&str> = ws
        .channels
        .iter()
        .flat_map(|c| c.samples.iter().map(|s| s.name.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // (channel, sample) -> sample spec, in sorted order.
    let lookup = |c: &str, s: &str| {
        ws.channels
            .iter()
            .find(|ch| ch.name == c)
            .and_then(|ch| ch.samples.iter().find(|x| x.name == s))
    };
    let mut cells = Vec::new();
    for &c in &channels {
        for &s in &samples {
            if let Some(sample) = lookup(c, s) {
                cells.push((c, sample));
            }
        }
    }

    // Per-bin modifiers: global-bin mask per (name, type) and sample.
    // masks[(name,type)][sample] = set of channels where the sample has it.
    let mut perbin_channels: BTreeMap<(&str, &str), BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for &(c, sample) in &cells {
        for m in &sample.modifiers {
            if matches!(
                m,
                Modifier::Shapesys { .. }
                    | Modifier::Staterror { .. }
                    | Modifier::Shapefactor { .. }
            ) {
                perbin_channels
                    .entry((m.name(), m.type_name()))
                    .or_default()
                    .entry(&sample.name)
                    .or_default()
                    .push(c);
            }
        }
    }
    // shapefactor: parameter j multiplies bin j of every channel and
    // sample carrying it; the set has the bin count of its first channel.
    for ((name, ty), by_sample) in &perbin_channels {
        match *ty {
            // pyhf's staterror builder asserts that every sample carrying
            // the modifier has the same mask (AssertionError otherwise).
            "staterror" => {
                let mut it = by_sample.iter();
                let (first_sample, first_chs) = it.next().expect("non-empty");
                for (s, chs) in it {
                    if chs != first_chs {
                        return Err(ctx.spec_err(
                            format!("modifier '{name}' ({ty})"),
                            format!(
                                "shared staterror covers channels {first_chs:?} on sample '{first_sample}' but {chs:?} on sample '{s}'; a shared staterror must cover the same channels on every sample (pyhf raises AssertionError)"
                            ),
                        ));
                    }
                }
            }
            "shapesys" => {
                let first_chs = by_sample.values().next().expect("non-empty");
                if by_sample.len() > 1 || first_chs.len() > 1 {
                    return Err(ctx.spec_err(
                        format!("modifier '{name}' (shapesys)"),
                        "a shapesys modifier cannot be shared across samples or channels (pyhf: use unique modifier names)",
                    ));
                }
            }
            _ => {
                let covered: BTreeSet<&str> = by_sample.values().flatten().copied().collect();
                let first = *covered.first().expect("non-empty");
                let n = nbins_of[first];
                if let Some(&wide) = covered.iter().find(|&&c| nbins_of[c] > n) {
                    return Err(ctx.spec_err(
                        format!("modifier '{name}' (shapefactor)"),
                        format!(
                            "shared shapefactor has {n} parameters (the bins of its first channel '{first}') but channel '{wide}' has {} bins; pyhf would multiply bins {n} and above of '{wide}' by the model's first parameter, whatever it is",
                            nbins_of[wide]
                        ),
                    ));
                }
            }
        }
    }

    // Requirements per type, in registration order.
    let mut reqs_by_type: BTreeMap<&str, Vec<(String, Requirement, Loc)>> = BTreeMap::new();
    let mut push_req = |ty: &'static str, name: &str, req: Requirement, loc| {
        let list = reqs_by_type.entry(ty).or_default();
        if !list.iter().any(|(n, _, _)| n == name) {
            list.push((name.to_string(), req, loc));
        }
    };
    for &(c, sample) in &cells {
        let mut mods: Vec<&Modifier> = sample.modifiers.iter().collect();
        mods.sort_by(|a, b| (a.name(), a.type_name()).cmp(&(b.name(), b.type_name())));
        for m in mods {
            let loc = Loc::Modifier(c, &sample.name, m);
            match m {
                Modifier::Histosys { name, .. } => push_req(
                    "histosys",
                    name,
                    Requirement::scalar("histosys", ConstraintKind::Gaussian, 0.0, (-5.0, 5.0)),
                    loc,
                ),
                Modifier::Normsys { name, .. } => push_req(
                    "normsys",
                    name,
                    Requirement::scalar("normsys", ConstraintKind::Gaussian, 0.0, (-5.0, 5.0)),
                    loc,
                ),
                Modifier::Normfactor { name, .. } => push_req(
                    "normfactor",
                    name,
                    Requirement::scalar("normfactor", ConstraintKind::None, 1.0, (0.0, 10.0)),
                    loc,
                ),
                Modifier::Lumi { name, .. } => {
                    let mut r =
                        Requirement::scalar("lumi", ConstraintKind::Gaussian, 1.0, (0.0, 10.0));
                    // lumi takes inits, bounds, auxdata and sigmas from the measurement.
                    r.inits = None;
                    r.bounds = None;
                    r.auxdata = None;
                    push_req("lumi", name, r, loc)
                }
                Modifier::Shapefactor { name, .. } => {
                    let n = sample.data.len();
                    push_req(
                        "shapefactor",
                        name,
                        Requirement {
                            type_name: "shapefactor",
                            constraint: ConstraintKind::None,
                            n,
                            scalar: false,
                            inits: Some(vec![1.0; n]),
                            bounds: Some(vec![(0.0, 10.0); n]),
                            fixed: vec![false; n],
                            auxdata: None,
                            sigmas: None,
                            factors: None,
                        },
                        loc,
                    )
                }
                Modifier::Shapesys { name, data } => {
                    // τ = (nominal/σ)²; bins with no yield or no uncertainty
                    // get a fixed γ (pyhf: factor 1, fixed).
                    let valid: Vec<bool> = sample
                        .data
                        .iter()
                        .zip(data)
                        .map(|(&n, &u)| n > 0.0 && u > 0.0)
                        .collect();
                    let factors: Vec<f64> = valid
                        .iter()
                        .zip(sample.data.iter().zip(data))
                        .map(|(&v, (&n, &u))| if v { n * n / (u * u) } else { 1.0 })
                        .collect();
                    let n = factors.len();
                    push_req(
                        "shapesys",
                        name,
                        Requirement {
                            type_name: "shapesys",
                            constraint: ConstraintKind::Poisson,
                            n,
                            scalar: false,
                            inits: Some(vec![1.0; n]),
                            bounds: Some(vec![(1e-10, 10.0); n]),
                            fixed: valid.iter().map(|v| !v).collect(),
                            auxdata: Some(factors.clone()),
                            sigmas: None,
                            factors: Some(factors),
                        },
                        loc,
                    )
                }
                Modifier::Staterror { .. } => {} // combined per name below
            }
        }
    }
    // staterror: sorted by name; σ_b = sqrt(Σ_s (δ_sb / Σ_s' ν_s'b)²).
    for ((name, ty), by_sample) in &perbin_channels {
        if *ty != "staterror" {
            continue;
        }
        let chs = by_sample.values().next().expect("non-empty");
        let mut sigmas = Vec::new();
        for &c in channels.iter().filter(|c| chs.contains(c)) {
            let nb = nbins_of[c];
            for b in 0..nb {
                // Sum of nominals over samples that carry this modifier anywhere.
                let nom_sum: f64 = by_sample
                    .keys()
                    .filter_map(|s| lookup(c, s))
                    .map(|s| s.data[b])
                    .sum();
                let mut rel2 = 0.0;
                if nom_sum > 0.0 {
                    for s in by_sample.keys() {
                        let unc = lookup(c, s).and_then(|sample| {
                            sample.modifiers.iter().find_map(|m| match m {
                                Modifier::Staterror { name: n, data } if n == name => Some(data[b]),
                                _ => None,
                            })
                        });
                        if let Some(u) = unc {
                            rel2 += (u / nom_sum).powi(2);
                        }
                    }
                }
                sigmas.push(rel2.sqrt());
            }
        }
        let n = sigmas.len();
        let fixed: Vec<bool> = sigmas.iter().map(|&s| s == 0.0).collect();
        // Zero-width bins: fixed γ with a unit-width constraint (pyhf's choice).
        let sigmas: Vec<f64> = sigmas
            .iter()
            .map(|&s| if s == 0.0 { 1.0 } else { s })
            .collect();
        let loc = Loc::Staterror(name);
        let list = reqs_by_type.entry("staterror").or_default();
        list.push((
            name.to_string(),
            Requirement {
                type_name: "staterror",
                constraint: ConstraintKind::Gaussian,
                n,
                scalar: false,
                inits: Some(vec![1.0; n]),
                bounds: Some(vec![(1e-10, 10.0); n]),
                fixed,
                auxdata: Some(vec![1.0; n]),
                sigmas: Some(sigmas),
                factors: None,
            },
            loc,
        ));
    }

    // Merge by name in type order.
    let mut order: Vec<String> = Vec::new();
    let mut merged: HashMap<String, (Requirement, Loc)> = HashMap::new();
    for ty in TYPE_ORDER {
        for (name, req, loc) in reqs_by_type.remove(ty).unwrap_or_default() {
            match merged.get(&name) {
                None => {
                    order.push(name.clone());
                    merged.insert(name, (req, loc));
                }
                Some((prev, prev_loc)) => {
                    if !prev.compatible(&req) {
                        return Err(ctx.spec_err(
                            loc,
                            format!(
                                "parameter '{name}' is used by a {} and a {} modifier ({prev_loc}) whose parameter sets differ; use unique modifier names",
                                req.type_name, prev.type_name
                            ),
                        ));
                    }
                }
            }
        }
    }
    if order.is_empty() {
        return Err(ctx.model_err("no parameters specified for the model"));
    }

    // Apply measurement overrides and lay out parameters.
    let mut param_sets = Vec::with_capacity(order.len());
    let mut names = Vec::new();
    let mut init = Vec::new();
    let mut bounds = Vec::new();
    let mut fixed = Vec::new();
    let mut constraints = Vec::new();
    let mut aux_obs = Vec::new();
    for name in &order {
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
    let set_of: HashMap<&str, &ParamSetInfo> =
        param_sets.iter().map(|p| (p.name.as_str(), p)).collect();

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

    // ---- blocks ---------------------------------------------------------
    let mut blocks = Vec::new();
    let mut nominal = Vec::new();
    let mut scalar_mods = Vec::new();
    let mut perbin_mods = Vec::new();
    let mut perbin_index = Vec::new();
    let mut histo_mods = Vec::new();
    let mut histo_coef = Vec::new();
    for &(c, sample) in &cells {
        let start = channel_offset[c];
        let nb = sample.data.len();
        let nom_start = nominal.len();
        nominal.extend_from_slice(&sample.data);
        let scalar_start = scalar_mods.len();
        let perbin_start = perbin_mods.len();
        let histo_start = histo_mods.len();
        for m in &sample.modifiers {
            let ps = set_of[m.name()];
            match m {
                Modifier::Normfactor { .. } => scalar_mods.push(ScalarMod {
                    param: ps.start,
                    kind: ScalarKind::Linear,
                }),
                Modifier::Lumi { .. } => scalar_mods.push(ScalarMod {
                    param: ps.start,
                    kind: ScalarKind::Linear,
                }),
                Modifier::Normsys { data, .. } => scalar_mods.push(ScalarMod {
                    param: ps.start,
                    kind: ScalarKind::Normsys(NormsysCoeffs::new(
                        opts.interp.normsys,
                        data.lo,
                        data.hi,
                    )),
                }),
                Modifier::Histosys { data, .. } => {
                    histo_mods.push(HistoMod {
                        param: ps.start,
                        coef_start: histo_coef.len(),
                    });
                    let rows: Vec<[f64; 2]> = (0..nb)
                        .map(|b| additive_rows(data.lo_data[b], sample.data[b], data.hi_data[b]))
                        .collect();
                    for row in 0..2 {
                        histo_coef.extend(rows.iter().map(|r| r[row]));
                    }
                }
                Modifier::Shapefactor { .. }
                | Modifier::Shapesys { .. }
                | Modifier::Staterror { .. } => {
                    // staterror, shapesys: parameter k of the set is the
                    // k-th bin of the channels it covers, in sorted channel
                    // order. shapefactor: parameter k is bin k of any channel.
                    let chs = &perbin_channels[&(m.name(), m.type_name())][sample.name.as_str()];
                    let before: usize = if matches!(m, Modifier::Shapefactor { .. }) {
                        0
                    } else {
                        channels
                            .iter()
                            .take_while(|&&x| x != c)
                            .filter(|x| chs.contains(x))
                            .map(|x| nbins_of[x])
                            .sum()
                    };
                    perbin_mods.push(PerBinMod {
                        index_start: perbin_index.len(),
                    });
                    perbin_index.extend((0..nb).map(|b| ps.start + before + b));
                }
            }
        }
        blocks.push(Block {
            bin_start: start,
            nbins: nb,
            nom_start,
            scalars: scalar_start..scalar_mods.len(),
            perbins: perbin_start..perbin_mods.len(),
            histos: histo_start..histo_mods.len(),
        });
    }

    Ok(HistFactoryModel::assemble(crate::model::Parts {
        channels: channel_info,
        sample_names: samples.iter().map(|s| s.to_string()).collect(),
        measurement: measurement.name.clone(),
        poi_name,
        poi_index,
        names,
        init,
        bounds,
        fixed,
        param_sets,
        constraints,
        observed_main: observed,
        observed_aux: aux_obs,
        blocks,
        nominal,
        scalar_mods,
        perbin_mods,
        perbin_index,
        histo_mods,
        histo_coef,
        interp: opts.interp,
    }))
}

fn strip_source(e: HistFactoryError) -> String {
    match e {
        HistFactoryError::InvalidModel { message, .. } => message,
        other => other.to_string(),
    }
}
