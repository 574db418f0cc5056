//! Channels, samples and observations: checked, and laid out in pyhf's
//! sorted channel order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{BuildOptions, Ctx, Loc, check_finite};
use crate::error::Result;
use crate::interp::InterpCode;
use crate::parts::ChannelInfo;
use crate::spec::{Modifier, Workspace};

/// The channels of a workspace, checked.
pub(super) struct ChannelLayout<'a> {
    /// Bins per channel name.
    pub nbins_of: BTreeMap<&'a str, usize>,
    /// Channel names in model (sorted) order.
    pub channels: Vec<&'a str>,
    pub channel_info: Vec<ChannelInfo>,
    /// First global bin of each channel.
    pub channel_offset: HashMap<&'a str, usize>,
    /// Observed main-bin counts, concatenated in model order.
    pub observed: Vec<f64>,
}

/// Check every channel, sample, modifier payload and observation.
pub(super) fn check<'a>(
    ctx: &Ctx,
    ws: &'a Workspace,
    opts: &BuildOptions,
) -> Result<ChannelLayout<'a>> {
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
            check_finite(ctx, sloc, "data", &s.data)?;
            let mut mseen = BTreeSet::new();
            for m in &s.modifiers {
                let mloc = Loc::Modifier(&ch.name, &s.name, m);
                if !mseen.insert((m.name(), m.type_name())) {
                    return Err(ctx.spec_err(mloc, "modifier appears twice on the same sample"));
                }
                match m {
                    Modifier::Normsys { data, .. } => {
                        check_finite(ctx, mloc, "data", &[data.hi, data.lo])?;
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
                            check_finite(ctx, mloc, what, v)?;
                        }
                    }
                    Modifier::Shapesys { data, .. } | Modifier::Staterror { data, .. } => {
                        if data.len() != nbins {
                            return Err(ctx.spec_err(
                                mloc,
                                format!("data has {} bins but the sample has {nbins}", data.len()),
                            ));
                        }
                        check_finite(ctx, mloc, "data", data)?;
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
        check_finite(ctx, loc, "data", &obs.data)?;
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
    Ok(ChannelLayout {
        nbins_of,
        channels,
        channel_info,
        channel_offset,
        observed,
    })
}
