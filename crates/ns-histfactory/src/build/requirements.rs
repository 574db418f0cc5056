//! Parameter sets: what each modifier requires (pyhf's `required_parset`),
//! the sharing rules of per-bin modifiers, the combined staterror widths,
//! and the merge by name in pyhf's type order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::channels::ChannelLayout;
use super::{Ctx, Loc};
use crate::error::Result;
use crate::spec::{Modifier, Sample, Workspace};

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
pub(super) struct Requirement {
    pub type_name: &'static str,
    pub constraint: ConstraintKind,
    pub n: usize,
    pub scalar: bool,
    pub inits: Option<Vec<f64>>,
    pub bounds: Option<Vec<(f64, f64)>>,
    pub fixed: Vec<bool>,
    pub auxdata: Option<Vec<f64>>,
    pub sigmas: Option<Vec<f64>>,
    pub factors: Option<Vec<f64>>,
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

/// Per-bin modifiers by (name, type), then sample: the channels where the
/// sample carries it.
pub(super) type PerbinChannels<'a> = BTreeMap<(&'a str, &'a str), BTreeMap<&'a str, Vec<&'a str>>>;

/// The model's parameter sets before the measurement's overrides.
pub(super) struct ParamPlan<'a> {
    /// Sample names, sorted.
    pub samples: Vec<&'a str>,
    /// (channel, sample) in sorted order: the model's blocks.
    pub cells: Vec<(&'a str, &'a Sample)>,
    pub perbin_channels: PerbinChannels<'a>,
    /// Parameter-set names in pyhf's order.
    pub order: Vec<String>,
    /// Each set's merged requirement and where it first appeared.
    pub merged: HashMap<String, (Requirement, Loc<'a>)>,
}

/// Collect and merge the parameter sets of every modifier.
pub(super) fn collect<'a>(
    ctx: &Ctx,
    ws: &'a Workspace,
    layout: &ChannelLayout<'a>,
) -> Result<ParamPlan<'a>> {
    let channels = &layout.channels;
    let nbins_of = &layout.nbins_of;
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
    for &c in channels {
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
    Ok(ParamPlan {
        samples,
        cells,
        perbin_channels,
        order,
        merged,
    })
}
