//! Blocks: one per (channel, sample), with its nominal rates and its
//! modifiers laid out as the kernel's dense arrays.

use std::collections::HashMap;

use super::channels::ChannelLayout;
use super::requirements::ParamPlan;
use crate::interp::{InterpSettings, NormsysCoeffs, additive_rows};
use crate::parts::{Block, HistoMod, ParamSetInfo, PerBinMod, ScalarKind, ScalarMod};
use crate::spec::Modifier;

/// The blocks and the modifier arrays they index.
pub(super) struct Blocks {
    pub blocks: Vec<Block>,
    pub nominal: Vec<f64>,
    pub scalar_mods: Vec<ScalarMod>,
    pub perbin_mods: Vec<PerBinMod>,
    pub perbin_index: Vec<usize>,
    pub histo_mods: Vec<HistoMod>,
    pub histo_coef: Vec<f64>,
}

/// Lay out every block of `plan.cells`.
pub(super) fn lay_out(
    plan: &ParamPlan,
    layout: &ChannelLayout,
    set_of: &HashMap<&str, &ParamSetInfo>,
    interp: InterpSettings,
) -> Blocks {
    let (channels, nbins_of, channel_offset) =
        (&layout.channels, &layout.nbins_of, &layout.channel_offset);
    let (cells, perbin_channels) = (&plan.cells, &plan.perbin_channels);
    let mut blocks = Vec::new();
    let mut nominal = Vec::new();
    let mut scalar_mods = Vec::new();
    let mut perbin_mods = Vec::new();
    let mut perbin_index = Vec::new();
    let mut histo_mods = Vec::new();
    let mut histo_coef = Vec::new();
    for &(c, sample) in cells {
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
                    kind: ScalarKind::Normsys(NormsysCoeffs::new(interp.normsys, data.lo, data.hi)),
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
    Blocks {
        blocks,
        nominal,
        scalar_mods,
        perbin_mods,
        perbin_index,
        histo_mods,
        histo_coef,
    }
}
