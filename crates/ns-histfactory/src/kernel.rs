//! The evaluation kernel: expected rates, NLL and its gradient.
//!
//! Expected rate per bin (CERN-OPEN-2012-016, eq. 3, as pyhf):
//! ν_b = Σ_samples (nominal + Σ histosys δ) × Π scalar factors × Π per-bin γ.
//! NLL = Σ_b [ν_b − n_b ln ν_b + ln Γ(n_b+1)] − Σ constraint log-densities,
//! i.e. exactly pyhf's `-logpdf`, constants included.
//!
//! The layout is chosen for real analyses, where channels have a handful of
//! bins and each parameter touches many (sample, channel) blocks:
//!
//! - Every interpolation weight that depends only on a parameter (histosys
//!   weights, code4 α-polynomials) is computed once per parameter, not once
//!   per modifier.
//! - Channels are padded to a multiple of [`LANES`] bins, and so is every
//!   block (one sample in one channel; its padded bins are "cells").
//!   Per-modifier work is done on fixed-width lane arrays (`[f64; 4]`),
//!   which the compiler turns into straight-line SIMD code. Padding cells
//!   have a zero nominal and zero coefficients, so they contribute exactly 0.
//! - Cells are slot-major: the k-th block of every channel sits in row k at
//!   its channel's padded bins, so ν and the per-cell products are long
//!   vector loops over whole rows rather than short loops per block.
//! - Per-bin parameters (γ of staterror, shapesys, shapefactor) and
//!   constraint terms come in runs of consecutive parameters, read and
//!   written as contiguous slices rather than gathered one by one; the
//!   parameter and gradient vectors are copied into padded scratch so runs
//!   may spill into padding.
//! - code4 normsys terms, and the histosys rows for the gradient, are
//!   stored parameter-major, so a parameter's weights stay in registers
//!   while its terms stream through; the histosys rows are stored again
//!   block by block for the shift, so a block's shifted bins stay in
//!   registers while its modifiers stream through (module `histo`, whose
//!   two loops also exist with AVX-512 intrinsics).
//! - The gradient of a block's normsys factors is F · f'/f, with the ratio
//!   computed vectorised with the factors, instead of serial prefix/suffix
//!   products (kept for the linear factors, and for blocks where a factor
//!   is 0).
//! - Blocks whose scalar factors are all linear (a POI normfactor on the
//!   signal of every channel, say) are merged into stretches of cells with
//!   one product and one gradient dot product per stretch.
//! - The NLL terms (main bins and each run of Poisson constraints) are
//!   single branch-free passes, the logarithm ([`fastmath::ln_normal`])
//!   and the division of the gradient included, which vectorise.
//!
//! A first sweep computes ν and caches per-cell products in the caller's
//! scratch; for the gradient a second sweep pushes w_b = ∂NLL/∂ν_b =
//! 1 − n_b/ν_b back through every modifier. Nothing allocates per
//! evaluation. Sums are accumulated in lanes and reduced in a fixed order,
//! and multiply-adds are written as explicit fused operations
//! (`f64::mul_add`, one rounding, the same in hardware and in software),
//! so results do not depend on the SIMD width: the kernel is compiled for
//! the baseline target, AVX2 and AVX-512 and the best is chosen at run
//! time (see [`Kernel::nll_grad`]).

use std::collections::BTreeMap;

use crate::fastmath;
use crate::interp::{self, InterpCode, NormsysCoeffs};
use crate::model::{Constraint, Data, Parts, ScalarKind};
use crate::poisson;

mod histo;
use histo::{HistoForward, HistoGrad, HistoGroup};

/// A value aligned to a cache line, so that vector loads of streamed
/// coefficients never straddle two lines (a `Vec` is only 16-byte aligned).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Line<T>(T);

/// Aligned to 32 bytes (one 256-bit load).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct Half<T>(T);

/// Width of the lane arrays the kernels work on.
const LANES: usize = 4;
type Lanes = [f64; LANES];

/// Width of the code4 normsys chunks. Their polynomials are the kernel's
/// densest arithmetic, and one 512-bit vector does eight where the CPU
/// has AVX-512 (the other builds split it, with the same results): 2–3%
/// off the NLL of tHu and tttt.
const N4_LANES: usize = 8;
type N4Lanes = [f64; N4_LANES];

const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

#[inline(always)]
fn load(s: &[f64], at: usize) -> Lanes {
    s[at..at + LANES].try_into().expect("lane load in bounds")
}

#[inline(always)]
fn store(s: &mut [f64], at: usize, v: Lanes) {
    s[at..at + LANES].copy_from_slice(&v);
}

/// Sum of four lanes in a fixed order (the same in every build).
#[inline(always)]
fn hsum(v: Lanes) -> f64 {
    (v[0] + v[1]) + (v[2] + v[3])
}

/// Product of four lanes in a fixed order.
#[inline(always)]
fn product_lanes(v: Lanes) -> f64 {
    (v[0] * v[1]) * (v[2] * v[3])
}

/// `s[i]` without a bounds check, for the gathers of the hot loops, where
/// a check is two of the few instructions per gathered value (4% off
/// tHu's NLL and gradient).
///
/// # Safety
/// `i < s.len()`. The kernels' indices are checked once against the
/// scratch sizes when a kernel is built ([`Kernel::check_indices`]), and
/// the scratch sizes on every call ([`Kernel::check_shapes`]).
#[inline(always)]
unsafe fn gather<T: Copy>(s: &[T], i: usize) -> T {
    debug_assert!(i < s.len());
    // SAFETY: the caller's contract.
    unsafe { *s.get_unchecked(i) }
}

/// Σ v in four interleaved accumulators, reduced in a fixed order.
#[inline(always)]
fn sum_lanes(v: &[f64]) -> f64 {
    let mut acc = [0.0; LANES];
    let chunks = v.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for k in 0..LANES {
            acc[k] += c[k];
        }
    }
    for (k, &r) in rest.iter().enumerate() {
        acc[k] += r;
    }
    hsum(acc)
}

fn padded(n: usize) -> usize {
    n.div_ceil(LANES) * LANES
}

/// One channel: its real and padded bin ranges.
#[derive(Debug, Clone)]
struct Channel {
    bin_start: usize,
    nbins: usize,
    pad_start: usize,
    /// Padded width (a multiple of LANES).
    width: usize,
}

/// One sample in one channel.
#[derive(Debug, Clone)]
struct Block {
    /// First cell (padded block-bin) of this block; `width` cells follow.
    cell_start: usize,
    width: usize,
    /// First padded bin of its channel.
    pad_start: usize,
    /// Range into `block_terms`: the linear factors first, then normsys
    /// under codes other than 4, then code4 normsys.
    terms: (u32, u32),
    n_linear: u32,
    n_generic: u32,
    /// Range into `perbin_runs` (first parameter of each per-bin modifier).
    perbins: (u32, u32),
}

/// All code4 normsys terms of one parameter: `n_real` terms from
/// `first_chunk * N4_LANES` on, in `n_chunks` lane-arrays (the tail lanes pad).
#[derive(Debug, Clone)]
struct Normsys4Group {
    param: usize,
    first_chunk: usize,
    n_chunks: usize,
    n_real: usize,
}

/// Consecutive blocks (in cells and in padded bins) whose scalar factors
/// are all linear (normfactor, lumi) on the same parameters, such as a
/// signal normalised by the POI in every channel: their factor is one
/// product, filled over the whole stretch, and its gradient one dot
/// product over the stretch instead of one per block.
#[derive(Debug, Clone)]
struct LinearGroup {
    cell: usize,
    bin: usize,
    len: usize,
    /// Range into `linear_group_params`.
    params: (u32, u32),
}

/// Per-bin stretches with the same padded bins `bin..bin+len` and
/// parameters `param..param+len`, at the cells listed in
/// `perbin_column_cells[cells.0..cells.1]`.
#[derive(Debug, Clone)]
struct PerbinColumn {
    bin: usize,
    param: usize,
    len: usize,
    cells: (u32, u32),
}

/// Constraints on consecutive parameters with consecutive auxiliary data;
/// their widths (1/σ or τ) are `coef[start..start+len]`.
#[derive(Debug, Clone, Copy)]
struct Run {
    param: usize,
    aux: usize,
    start: usize,
    len: usize,
}

/// Adds ∂/∂θ_j of `scale` · Π_i f_i (m factors, f_j = `val(j)`, f'_j =
/// `der(j)`) to `grad[target(j)]`, as f'_j · scale · Π_{i≠j} f_i with the
/// products of the others by prefix × suffix: O(m), and right when a
/// factor is 0 (a POI at 0), where dividing the product would not be.
#[inline(always)]
fn add_product_grad(
    m: usize,
    val: impl Fn(usize) -> f64,
    der: impl Fn(usize) -> f64,
    target: impl Fn(usize) -> usize,
    scale: f64,
    suffix: &mut [f64],
    grad: &mut [f64],
) {
    let suffix = &mut suffix[..m];
    let mut acc = 1.0;
    for j in (0..m).rev() {
        suffix[j] = acc;
        acc *= val(j);
    }
    let mut prefix = scale;
    for j in 0..m {
        grad[target(j)] += der(j) * prefix * suffix[j];
        prefix *= val(j);
    }
}

/// Group (param, aux, coefficient) triples into runs.
fn runs(items: &[(usize, usize, f64)]) -> (Vec<Run>, Vec<f64>) {
    let mut out: Vec<Run> = Vec::new();
    for (i, &(param, aux, _)) in items.iter().enumerate() {
        match out.last_mut() {
            Some(r) if r.param + r.len == param && r.aux + r.len == aux => r.len += 1,
            _ => out.push(Run {
                param,
                aux,
                start: i,
                len: 1,
            }),
        }
    }
    (out, items.iter().map(|t| t.2).collect())
}

/// Per-thread scratch memory for the kernels.
#[derive(Debug, Clone)]
pub struct Scratch {
    /// x followed by LANES ones (per-bin runs may read past their end).
    xpad: Vec<f64>,
    /// gradient accumulator, n_params + LANES long.
    gpad: Vec<f64>,
    /// ν, n and w = ∂NLL/∂ν in the padded bin layout.
    nu: Vec<f64>,
    n_pad: Vec<f64>,
    /// 1/n and [n = 0] in the padded layout (see [`crate::poisson`]).
    inv_pad: Vec<f64>,
    empty_pad: Vec<f64>,
    w: Vec<f64>,
    main_term: Vec<f64>,
    /// nominal + histosys shift, per cell.
    base: Vec<f64>,
    /// product of per-bin factors, per cell (1 for blocks without any).
    prod: Vec<f64>,
    /// w · prod · (block scalar), per cell.
    wpf: Vec<f64>,
    /// the block's scalar factor, per cell (1 for blocks without any).
    fcell: Vec<f64>,
    /// value, derivative and log-derivative f'/f of every scalar factor
    /// (term; the last for normsys only).
    term_val: Vec<f64>,
    term_der: Vec<f64>,
    term_ratio: Vec<f64>,
    /// product of all scalar factors, and of the normsys ones, per block;
    /// Σ_b w·base·prod · F per block (0 past the last block).
    block_f: Vec<f64>,
    block_n: Vec<f64>,
    block_g: Vec<f64>,
    /// histosys weights s1, s2 and ds2 per histosys parameter.
    histo_w: Vec<[f64; 2]>,
    histo_dw: Vec<f64>,
    /// suffix products of one block's scalar factors.
    suffix: Vec<f64>,
    /// per Gaussian constraint: ½z² ; per Poisson: its term.
    gauss_term: Vec<f64>,
    pois_term: Vec<f64>,
    /// per Poisson constraint: its gradient.
    pois_grad: Vec<f64>,
}

/// The compiled, evaluation-ready form of a model.
#[derive(Debug, Clone)]
pub(crate) struct Kernel {
    n_params: usize,
    /// Occupied stretches of the cell rows: (first cell, first padded bin, length).
    slot_ranges: Vec<(usize, usize, usize)>,
    /// How many of them make up row 0 if it covers every padded bin (0 if
    /// it does not).
    row0_ranges: usize,
    /// Blocks with a normsys factor, and with more than one per-bin factor.
    term_blocks: Vec<u32>,
    /// Blocks whose scalar factors are all linear, merged into stretches.
    linear_groups: Vec<LinearGroup>,
    linear_group_params: Vec<u32>,
    perbin_blocks: Vec<u32>,
    /// Blocks with exactly one per-bin modifier, merged into stretches where
    /// consecutive in cells, bins and parameters, and the stretches on the
    /// same bins and parameters (a channel's staterror, shared by all its
    /// samples) gathered into one column. Their factors are plain copies of
    /// the parameters, and their gradient one sum per column.
    perbin_columns: Vec<PerbinColumn>,
    perbin_column_cells: Vec<u32>,
    n_main: usize,
    n_aux: usize,
    n_pad_bins: usize,
    /// Padded and real bin layouts coincide (every channel a multiple of
    /// LANES bins): data need not be copied.
    identity_bins: bool,
    channels: Vec<Channel>,
    n_cells: usize,
    nominal_cells: Vec<f64>,
    blocks: Vec<Block>,
    block_terms: Vec<u32>,
    term_param: Vec<u32>,
    perbin_runs: Vec<u32>,
    /// Linear scalar factors (normfactor, lumi): (term, param).
    linear_terms: Vec<(u32, u32)>,
    /// normsys under codes other than 4: (term, param, coefficients).
    generic_terms: Vec<(u32, u32, NormsysCoeffs)>,
    n4_groups: Vec<Normsys4Group>,
    /// N4_LANES code4 polynomials a1..a6 per chunk, one per lane.
    n4_poly: Vec<Line<[N4Lanes; 6]>>,
    /// Coefficients per code4 term (indexed by term id), for |α| ≥ 1.
    n4_coeffs: Vec<NormsysCoeffs>,
    /// Block of each code4 term (indexed by term id).
    n4_term_block: Vec<u32>,
    histo_code: InterpCode,
    histo_groups: Vec<HistoGroup>,
    histo_grad: HistoGrad,
    histo_fw: HistoForward,
    gauss_runs: Vec<Run>,
    gauss_inv_sigma: Vec<f64>,
    pois_runs: Vec<Run>,
    pois_tau: Vec<f64>,
    /// Σ (ln σ + ½ ln 2π) over Gaussian constraints.
    gauss_const: f64,
    max_block_terms: usize,
    /// Which build of the kernels runs (detected at construction).
    isa: Isa,
}

/// Which build of the kernels runs. The bodies are compiled once per
/// level with the matching target features and chosen at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Isa {
    Baseline,
    Avx2,
    Avx512,
}

/// The best level this CPU supports, capped by `NEXTSTAT_SIMD`
/// (`baseline`, `avx2` or `avx512`): a switch for profilers such as
/// valgrind that do not decode every AVX instruction. All levels give
/// bit-identical results.
fn detect_isa() -> Isa {
    let cap = match std::env::var("NEXTSTAT_SIMD").as_deref() {
        Ok("baseline") => Isa::Baseline,
        Ok("avx2") => Isa::Avx2,
        _ => Isa::Avx512,
    };
    #[cfg(target_arch = "x86_64")]
    let best = {
        use std::is_x86_feature_detected as has;
        if has!("avx2") && has!("fma") {
            if has!("avx512f") && has!("avx512dq") && has!("avx512vl") {
                Isa::Avx512
            } else {
                Isa::Avx2
            }
        } else {
            Isa::Baseline
        }
    };
    #[cfg(not(target_arch = "x86_64"))]
    let best = Isa::Baseline;
    best.min(cap)
}

impl Kernel {
    pub(crate) fn new(p: &Parts) -> Self {
        // Channels and their blocks (blocks come channel by channel).
        let mut channels = Vec::with_capacity(p.channels.len());
        let mut pad_start = 0;
        for ch in &p.channels {
            let width = padded(ch.nbins);
            channels.push(Channel {
                bin_start: ch.start,
                nbins: ch.nbins,
                pad_start,
                width,
            });
            pad_start += width;
        }
        let n_pad_bins = pad_start;
        // Cells are slot-major: the k-th block of every channel lives in
        // row ("slot") k, at its channel's padded bins, so that ν and the
        // per-cell products are long vector loops over whole rows instead
        // of short loops per block.
        let mut slot_channel = Vec::with_capacity(p.blocks.len());
        let mut first_block: Vec<Option<usize>> = vec![None; channels.len()];
        let mut last_channel = 0;
        for (bi, b) in p.blocks.iter().enumerate() {
            let c = channels
                .iter()
                .position(|c| c.bin_start == b.bin_start)
                .expect("block starts at a channel");
            assert!(c >= last_channel, "blocks are grouped by channel");
            last_channel = c;
            let first = *first_block[c].get_or_insert(bi);
            slot_channel.push((bi - first, c));
        }
        let n_slots = slot_channel.iter().map(|&(k, _)| k + 1).max().unwrap_or(0);
        let n_cells = n_slots * n_pad_bins;
        let cell_of_block: Vec<usize> = slot_channel
            .iter()
            .map(|&(k, c)| k * n_pad_bins + channels[c].pad_start)
            .collect();
        // Occupied stretches of each row: (first cell, first padded bin, length).
        let mut slot_ranges: Vec<(usize, usize, usize)> = Vec::new();
        for k in 0..n_slots {
            for &(_, c) in slot_channel.iter().filter(|&&(kk, _)| kk == k) {
                let (b0, w) = (channels[c].pad_start, channels[c].width);
                match slot_ranges.last_mut() {
                    Some(r) if r.0 == k * n_pad_bins + r.1 && r.1 + r.2 == b0 => r.2 += w,
                    _ => slot_ranges.push((k * n_pad_bins + b0, b0, w)),
                }
            }
        }
        let mut nominal_cells = vec![0.0; n_cells];
        for (b, &c0) in p.blocks.iter().zip(&cell_of_block) {
            nominal_cells[c0..c0 + b.nbins]
                .copy_from_slice(&p.nominal[b.nom_start..b.nom_start + b.nbins]);
        }

        // Scalar terms: code4 normsys grouped by parameter and lane-aligned
        // first, then the others. Blocks list theirs as linear, other
        // normsys, code4 normsys, each in modifier order.
        let mut code4_by_param: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (j, m) in p.scalar_mods.iter().enumerate() {
            if let ScalarKind::Normsys(c) = &m.kind
                && c.code() == InterpCode::Code4
            {
                code4_by_param.entry(m.param).or_default().push(j);
            }
        }
        let coeffs_of = |j: usize| match p.scalar_mods[j].kind {
            ScalarKind::Normsys(c) => c,
            ScalarKind::Linear => unreachable!("grouped above as normsys"),
        };
        let mut term_of_mod = vec![u32::MAX; p.scalar_mods.len()];
        let mut term_param = Vec::new();
        let mut n4_groups = Vec::new();
        let mut n4_poly = Vec::new();
        let mut n4_coeffs = Vec::new();
        for (&param, mods) in &code4_by_param {
            let first_chunk = n4_poly.len();
            let n_chunks = mods.len().div_ceil(N4_LANES);
            for chunk in mods.chunks(N4_LANES) {
                let mut poly = [[0.0; N4_LANES]; 6];
                for (lane, &j) in chunk.iter().enumerate() {
                    for (k, row) in poly.iter_mut().enumerate() {
                        row[lane] = coeffs_of(j).poly()[k];
                    }
                }
                n4_poly.push(Line(poly));
            }
            for slot in 0..n_chunks * N4_LANES {
                let t = term_param.len();
                term_param.push(param as u32);
                match mods.get(slot) {
                    Some(&j) => {
                        term_of_mod[j] = t as u32;
                        n4_coeffs.push(coeffs_of(j));
                    }
                    None => n4_coeffs.push(NormsysCoeffs::new(InterpCode::Code4, 1.0, 1.0)),
                }
            }
            n4_groups.push(Normsys4Group {
                param,
                first_chunk,
                n_chunks,
                n_real: mods.len(),
            });
        }
        let mut linear_terms = Vec::new();
        let mut generic_terms = Vec::new();
        for (j, m) in p.scalar_mods.iter().enumerate() {
            if term_of_mod[j] != u32::MAX {
                continue;
            }
            let t = term_param.len() as u32;
            term_of_mod[j] = t;
            term_param.push(m.param as u32);
            match &m.kind {
                ScalarKind::Linear => linear_terms.push((t, m.param as u32)),
                ScalarKind::Normsys(c) => generic_terms.push((t, m.param as u32, *c)),
            }
        }

        // Blocks with their terms and per-bin parameter runs.
        let mut blocks = Vec::with_capacity(p.blocks.len());
        let mut block_terms = Vec::new();
        // Block of each code4 term; padding terms point one past the last
        // block, whose entry of `block_g` stays 0.
        let mut n4_term_block = vec![p.blocks.len() as u32; n4_coeffs.len()];
        let mut perbin_runs = Vec::new();
        let mut max_block_terms = 0;
        for (bi, (b, &cell_start)) in p.blocks.iter().zip(&cell_of_block).enumerate() {
            let t0 = block_terms.len() as u32;
            // 0: linear, 1: other normsys, 2: code4 normsys (ids below n4).
            let kind = |j: usize| match p.scalar_mods[j].kind {
                ScalarKind::Linear => 0,
                ScalarKind::Normsys(_) if (term_of_mod[j] as usize) < n4_coeffs.len() => 2,
                ScalarKind::Normsys(_) => 1,
            };
            let count = |k: u32| b.scalars.clone().filter(|&j| kind(j) == k).count() as u32;
            let (n_linear, n_generic) = (count(0), count(1));
            for k in 0..3 {
                block_terms.extend(
                    b.scalars
                        .clone()
                        .filter(|&j| kind(j) == k)
                        .map(|j| term_of_mod[j]),
                );
            }
            for j in b.scalars.clone().filter(|&j| kind(j) == 2) {
                n4_term_block[term_of_mod[j] as usize] = bi as u32;
            }
            max_block_terms = max_block_terms.max(b.scalars.len());
            let r0 = perbin_runs.len() as u32;
            for m in &p.perbin_mods[b.perbins.clone()] {
                let idx = &p.perbin_index[m.index_start..m.index_start + b.nbins];
                assert!(
                    idx.windows(2).all(|w| w[1] == w[0] + 1),
                    "per-bin parameters of a block are consecutive"
                );
                perbin_runs.push(idx[0] as u32);
            }
            blocks.push(Block {
                cell_start,
                width: padded(b.nbins),
                pad_start: channels[slot_channel[bi].1].pad_start,
                terms: (t0, block_terms.len() as u32),
                n_linear,
                n_generic,
                perbins: (r0, perbin_runs.len() as u32),
            });
        }

        // histosys, parameter-major, one chunk per LANES cells of a block.
        let mut histo_by_param: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
        for (bi, b) in p.blocks.iter().enumerate() {
            for h in &p.histo_mods[b.histos.clone()] {
                histo_by_param
                    .entry(h.param)
                    .or_default()
                    .push((bi, h.coef_start));
            }
        }
        let mut histo_grad = HistoGrad::default();
        let histo_groups: Vec<HistoGroup> = histo_by_param
            .iter()
            .map(|(&param, mods)| {
                let rows: Vec<(usize, &[f64], &[f64])> = mods
                    .iter()
                    .map(|&(bi, c)| {
                        let nb = p.blocks[bi].nbins;
                        (
                            cell_of_block[bi],
                            &p.histo_coef[c..c + nb],
                            &p.histo_coef[c + nb..c + 2 * nb],
                        )
                    })
                    .collect();
                histo_grad.push_param(param, &rows)
            })
            .collect();

        // The same rows block by block, with the index of their
        // parameter's group.
        let mut histo_fw = HistoForward::default();
        let group_of: BTreeMap<usize, u32> = histo_groups
            .iter()
            .enumerate()
            .map(|(i, g)| (g.param, i as u32))
            .collect();
        for (bi, b) in p.blocks.iter().enumerate() {
            let nb = b.nbins;
            let mods: Vec<(u32, &[f64], &[f64])> = p.histo_mods[b.histos.clone()]
                .iter()
                .map(|h| {
                    let c = h.coef_start;
                    (
                        group_of[&h.param],
                        &p.histo_coef[c..c + nb],
                        &p.histo_coef[c + nb..c + 2 * nb],
                    )
                })
                .collect();
            histo_fw.push_block(cell_of_block[bi], nb, &mods);
        }

        let mut gauss = Vec::new();
        let mut pois = Vec::new();
        let mut gauss_norm = Vec::new();
        for c in &p.constraints {
            match *c {
                Constraint::Gaussian { param, aux, sigma } => {
                    gauss.push((param, aux, 1.0 / sigma));
                    gauss_norm.push(sigma.ln() + HALF_LN_2PI);
                }
                Constraint::Poisson { param, aux, tau } => pois.push((param, aux, tau)),
            }
        }
        // Hundreds of normalisations: summed with one rounding.
        let gauss_const = poisson::neumaier_sum(&gauss_norm);
        let (gauss_runs, gauss_inv_sigma) = runs(&gauss);
        let (pois_runs, pois_tau) = runs(&pois);

        // Blocks whose factors are all linear, merged along their rows
        // where the next block starts where the last ended, in cells and
        // bins, and has the same parameters. Padding cells in between
        // have base 0 and add nothing.
        let linear_only = |b: &Block| b.terms.0 != b.terms.1 && b.n_linear == b.terms.1 - b.terms.0;
        let params_of = |b: &Block| -> Vec<u32> {
            block_terms[b.terms.0 as usize..b.terms.1 as usize]
                .iter()
                .map(|&t| term_param[t as usize])
                .collect()
        };
        let mut linear_blocks: Vec<&Block> = blocks.iter().filter(|b| linear_only(b)).collect();
        linear_blocks.sort_by_key(|b| b.cell_start);
        let mut linear_groups: Vec<LinearGroup> = Vec::new();
        let mut linear_group_params: Vec<u32> = Vec::new();
        for b in linear_blocks {
            let params = params_of(b);
            match linear_groups.last_mut() {
                Some(g)
                    if g.cell + g.len == b.cell_start
                        && g.bin + g.len == b.pad_start
                        && linear_group_params[g.params.0 as usize..g.params.1 as usize]
                            == params[..] =>
                {
                    g.len += b.width
                }
                _ => {
                    let p0 = linear_group_params.len() as u32;
                    linear_group_params.extend(&params);
                    linear_groups.push(LinearGroup {
                        cell: b.cell_start,
                        bin: b.pad_start,
                        len: b.width,
                        params: (p0, linear_group_params.len() as u32),
                    });
                }
            }
        }

        let term_blocks: Vec<u32> = (0..blocks.len() as u32)
            .filter(|&b| {
                let b = &blocks[b as usize];
                b.terms.0 != b.terms.1 && !linear_only(b)
            })
            .collect();
        // Linear terms are read only by the blocks that keep their terms.
        let mut term_used = vec![false; term_param.len()];
        for &b in &term_blocks {
            let b = &blocks[b as usize];
            for &t in &block_terms[b.terms.0 as usize..b.terms.1 as usize] {
                term_used[t as usize] = true;
            }
        }
        linear_terms.retain(|&(t, _)| term_used[t as usize]);
        // Row 0 (the first sample of every channel) normally covers all
        // padded bins: the ν sweep then assigns it instead of clearing ν
        // and adding it.
        let row0 = slot_ranges.iter().filter(|r| r.0 < n_pad_bins);
        let row0_ranges = if row0.clone().map(|r| r.2).sum::<usize>() == n_pad_bins {
            row0.count()
        } else {
            0
        };

        // Blocks with one per-bin modifier: stretches, then columns.
        let mut single: Vec<usize> = (0..blocks.len())
            .filter(|&b| blocks[b].perbins.1 - blocks[b].perbins.0 == 1)
            .collect();
        single.sort_by_key(|&b| blocks[b].cell_start);
        // (first cell, first padded bin, first parameter, length)
        let mut stretches: Vec<(usize, usize, usize, usize)> = Vec::new();
        // A stretch can grow only past a block without padding.
        let mut open = false;
        for b in single {
            let blk = &blocks[b];
            let run = perbin_runs[blk.perbins.0 as usize] as usize;
            match stretches.last_mut() {
                Some(st)
                    if open
                        && st.0 + st.3 == blk.cell_start
                        && st.1 + st.3 == blk.pad_start
                        && st.2 + st.3 == run =>
                {
                    st.3 += blk.width
                }
                _ => stretches.push((blk.cell_start, blk.pad_start, run, blk.width)),
            }
            open = p.blocks[b].nbins == blk.width;
        }
        let mut columns: BTreeMap<(usize, usize, usize), Vec<u32>> = BTreeMap::new();
        for &(cell, bin, param, len) in &stretches {
            columns
                .entry((bin, param, len))
                .or_default()
                .push(u32::try_from(cell).expect("cell index fits u32"));
        }
        let mut perbin_columns = Vec::new();
        let mut perbin_column_cells = Vec::new();
        for ((bin, param, len), cells) in columns {
            let c0 = perbin_column_cells.len() as u32;
            perbin_column_cells.extend(cells);
            perbin_columns.push(PerbinColumn {
                bin,
                param,
                len,
                cells: (c0, perbin_column_cells.len() as u32),
            });
        }

        let kernel = Self {
            n_params: p.names.len(),
            term_blocks,
            row0_ranges,
            linear_groups,
            linear_group_params,
            perbin_blocks: (0..blocks.len() as u32)
                .filter(|&b| blocks[b as usize].perbins.1 - blocks[b as usize].perbins.0 > 1)
                .collect(),
            perbin_columns,
            perbin_column_cells,
            slot_ranges,
            n_main: p.observed_main.len(),
            n_aux: p.observed_aux.len(),
            n_pad_bins,
            identity_bins: channels.iter().all(|c| c.width == c.nbins),
            channels,
            n_cells,
            nominal_cells,
            blocks,
            block_terms,
            term_param,
            perbin_runs,
            linear_terms,
            generic_terms,
            n4_groups,
            n4_poly,
            n4_coeffs,
            n4_term_block,
            histo_code: p.interp.histosys,
            histo_groups,
            histo_grad,
            histo_fw,
            gauss_runs,
            gauss_inv_sigma,
            pois_runs,
            pois_tau,
            gauss_const,
            max_block_terms,
            isa: detect_isa(),
        };
        kernel.check_indices();
        kernel
    }

    /// Panics unless every index the hot loops use without a bounds check
    /// ([`gather`]) is inside the scratch arrays it indexes, whose sizes
    /// [`Self::check_shapes`] asserts on every call.
    fn check_indices(&self) {
        let n_terms = self.term_param.len();
        assert!(self.block_terms.iter().all(|&t| (t as usize) < n_terms));
        assert!(
            self.n4_term_block
                .iter()
                .all(|&b| b as usize <= self.blocks.len())
        );
        let n_groups = self.histo_groups.len();
        assert_eq!(self.nominal_cells.len(), self.n_cells);
        assert!(
            self.histo_grad
                .indices_fit(&self.histo_groups, self.n_cells)
        );
        assert!(self.histo_fw.indices_fit(n_groups, self.n_cells));
    }

    pub(crate) fn new_scratch(&self) -> Scratch {
        let n_terms = self.term_param.len();
        let (ng, np) = (self.gauss_inv_sigma.len(), self.pois_tau.len());
        let n_pad = if self.identity_bins {
            0
        } else {
            self.n_pad_bins
        };
        let mut xpad = vec![1.0; self.n_params + LANES];
        xpad[..self.n_params].iter_mut().for_each(|v| *v = 0.0);
        Scratch {
            xpad,
            gpad: vec![0.0; self.n_params + LANES],
            nu: vec![0.0; self.n_pad_bins],
            n_pad: vec![0.0; n_pad],
            inv_pad: vec![0.0; n_pad],
            // Padding is an empty bin.
            empty_pad: vec![1.0; n_pad],
            w: vec![0.0; self.n_pad_bins],
            main_term: vec![0.0; self.n_pad_bins],
            base: self.nominal_cells.clone(),
            prod: vec![1.0; self.n_cells],
            wpf: vec![0.0; self.n_cells],
            fcell: vec![1.0; self.n_cells],
            term_val: vec![0.0; n_terms],
            term_der: vec![0.0; n_terms],
            term_ratio: vec![0.0; n_terms],
            block_f: vec![1.0; self.blocks.len()],
            block_n: vec![1.0; self.blocks.len()],
            block_g: vec![0.0; self.blocks.len() + 1],
            histo_w: vec![[0.0; 2]; self.histo_groups.len()],
            histo_dw: vec![0.0; self.histo_groups.len()],
            suffix: vec![0.0; self.max_block_terms],
            gauss_term: vec![0.0; ng],
            pois_term: vec![0.0; np],
            pois_grad: vec![0.0; np],
        }
    }

    /// Panics unless `s` was made by [`Self::new_scratch`] of a kernel
    /// with this layout and `x`, `data` have this model's sizes (the zipped
    /// loops would otherwise silently stop at the shorter slice).
    #[inline(always)]
    fn check_shapes(&self, x: &[f64], data: Option<&Data>, s: &Scratch) {
        let ok = x.len() == self.n_params
            && s.xpad.len() == self.n_params + LANES
            && s.gpad.len() == self.n_params + LANES
            && s.nu.len() == self.n_pad_bins
            && s.w.len() == self.n_pad_bins
            && s.base.len() == self.n_cells
            && s.prod.len() == self.n_cells
            && s.wpf.len() == self.n_cells
            && s.fcell.len() == self.n_cells
            && s.term_val.len() == self.term_param.len()
            && s.term_der.len() == self.term_param.len()
            && s.term_ratio.len() == self.term_param.len()
            && s.block_g.len() == self.blocks.len() + 1
            && s.histo_w.len() == self.histo_groups.len()
            && s.histo_dw.len() == self.histo_groups.len();
        assert!(
            ok,
            "scratch or parameter vector does not belong to this model"
        );
        if let Some(d) = data {
            assert!(
                d.main().len() == self.n_main && d.aux().len() == self.n_aux,
                "data has {} main bins and {} auxdata, the model {} and {}",
                d.main().len(),
                d.aux().len(),
                self.n_main,
                self.n_aux
            );
        }
    }

    /// Value, derivative and f'/f of every scalar factor at `x` (f'/f is
    /// used for normsys only).
    #[inline(always)]
    fn eval_terms(&self, x: &[f64], s: &mut Scratch) {
        let (val, der, ratio) = (&mut s.term_val, &mut s.term_der, &mut s.term_ratio);
        for &(t, param) in &self.linear_terms {
            val[t as usize] = x[param as usize];
            der[t as usize] = 1.0;
        }
        for &(t, param, ref c) in &self.generic_terms {
            let (v, d) = interp::multiplicative(c, x[param as usize]);
            val[t as usize] = v;
            der[t as usize] = d;
            ratio[t as usize] = d / v;
        }
        for g in &self.n4_groups {
            let alpha = x[g.param];
            let t0 = g.first_chunk * N4_LANES;
            if alpha >= 1.0 || alpha <= -1.0 {
                // Exponential region: rare near a minimum, scalar.
                for t in t0..t0 + g.n_real {
                    let (v, d) = interp::multiplicative(&self.n4_coeffs[t], alpha);
                    val[t] = v;
                    der[t] = d;
                    ratio[t] = d / v;
                }
                continue;
            }
            // Polynomial region: f = 1 + Σ p_i α^(i+1), f' = Σ (i+1) p_i α^i,
            // as sums of independent products with the powers of α
            // computed once per parameter. Horner's scheme (as in
            // interp::multiplicative) is one chain of 12 dependent
            // operations per chunk, and this loop was bound by that
            // latency; this form has a depth of 5.
            let a2 = alpha * alpha;
            let (a3, a4) = (a2 * alpha, a2 * a2);
            let (a5, a6) = (a4 * alpha, a3 * a3);
            let (d1, d2, d3, d4, d5) = (2.0 * alpha, 3.0 * a2, 4.0 * a3, 5.0 * a4, 6.0 * a5);
            let polys = &self.n4_poly[g.first_chunk..g.first_chunk + g.n_chunks];
            for (j, Line(p)) in polys.iter().enumerate() {
                let (mut v, mut d) = ([0.0; N4_LANES], [0.0; N4_LANES]);
                for k in 0..N4_LANES {
                    v[k] = 1.0
                        + (p[1][k].mul_add(a2, p[0][k] * alpha)
                            + p[3][k].mul_add(a4, p[2][k] * a3)
                            + p[5][k].mul_add(a6, p[4][k] * a5));
                    d[k] = p[1][k].mul_add(d1, p[0][k])
                        + p[3][k].mul_add(d3, p[2][k] * d2)
                        + p[5][k].mul_add(d5, p[4][k] * d4);
                }
                let mut r = [0.0; N4_LANES];
                for k in 0..N4_LANES {
                    r[k] = d[k] / v[k];
                }
                let t = t0 + j * N4_LANES;
                val[t..t + N4_LANES].copy_from_slice(&v);
                ratio[t..t + N4_LANES].copy_from_slice(&r);
            }
        }
    }

    /// base = nominal + Σ histosys δ, per cell.
    #[inline(always)]
    fn eval_histosys<const AVX512: bool>(&self, x: &[f64], s: &mut Scratch) {
        if self.histo_groups.is_empty() {
            // base = nominal, set when the scratch was made.
            return;
        }
        for ((g, w), dw) in self
            .histo_groups
            .iter()
            .zip(s.histo_w.iter_mut())
            .zip(s.histo_dw.iter_mut())
        {
            let [s1, s2, ds2] = interp::additive_weights(self.histo_code, x[g.param]);
            *w = [s1, s2];
            *dw = ds2;
        }
        // Cells of blocks without histosys keep their nominal from
        // `new_scratch`; the others are all overwritten.
        // SAFETY: AVX512 only in the AVX-512 build (`nll_avx512`,
        // `nll_grad_avx512`), which runs where `detect_isa` found it; the
        // column indices were checked against n_cells = base.len() =
        // nominal_cells.len() and the groups (`check_indices`,
        // `check_shapes`).
        unsafe {
            self.histo_fw
                .shift::<AVX512>(&self.nominal_cells, &s.histo_w, &mut s.base);
        }
    }

    /// First sweep: ν in `s.nu` (padded layout), with per-cell products
    /// cached; also fills `s.xpad`.
    #[inline(always)]
    fn forward<const AVX512: bool>(&self, x: &[f64], s: &mut Scratch) {
        s.xpad[..self.n_params].copy_from_slice(x);
        self.eval_terms(x, s);
        self.eval_histosys::<AVX512>(x, s);
        for &bi in &self.term_blocks {
            let (bi, blk) = (bi as usize, &self.blocks[bi as usize]);
            let terms = &self.block_terms[blk.terms.0 as usize..blk.terms.1 as usize];
            let (linear, normsys) = terms.split_at(blk.n_linear as usize);
            let mut l = 1.0;
            for &t in linear {
                l *= s.term_val[t as usize];
            }
            // Four interleaved products: a block has tens of normsys
            // factors and one serial chain of multiplications is slow.
            let mut n4 = [1.0; LANES];
            let chunks = normsys.chunks_exact(LANES);
            for (k, &t) in chunks.remainder().iter().enumerate() {
                // SAFETY: terms < term_val.len() (`check_indices`).
                n4[k] = unsafe { gather(&s.term_val, t as usize) };
            }
            for c in chunks {
                for k in 0..LANES {
                    // SAFETY: terms < term_val.len() (`check_indices`).
                    n4[k] *= unsafe { gather(&s.term_val, c[k] as usize) };
                }
            }
            let n = product_lanes(n4);
            let f = l * n;
            s.block_n[bi] = n;
            s.block_f[bi] = f;
            s.fcell[blk.cell_start..blk.cell_start + blk.width].fill(f);
        }
        for g in &self.linear_groups {
            let mut f = 1.0;
            for &p in &self.linear_group_params[g.params.0 as usize..g.params.1 as usize] {
                f *= x[p as usize];
            }
            s.fcell[g.cell..g.cell + g.len].fill(f);
        }
        // Per-bin factors; blocks without any keep prod = 1.
        for col in &self.perbin_columns {
            let cells = &self.perbin_column_cells[col.cells.0 as usize..col.cells.1 as usize];
            if let [c] = *cells {
                // A long stretch (one shapesys per channel, say): one copy.
                let (c, r, len) = (c as usize, col.param, col.len);
                s.prod[c..c + len].copy_from_slice(&s.xpad[r..r + len]);
                continue;
            }
            for o in (0..col.len).step_by(LANES) {
                let v = load(&s.xpad, col.param + o);
                for &c in cells {
                    store(&mut s.prod, c as usize + o, v);
                }
            }
        }
        for &bi in &self.perbin_blocks {
            let blk = &self.blocks[bi as usize];
            let runs = &self.perbin_runs[blk.perbins.0 as usize..blk.perbins.1 as usize];
            let (&first, rest) = runs.split_first().expect("per-bin block");
            for j in (0..blk.width / LANES).map(|j| j * LANES) {
                let mut pr = load(&s.xpad, first as usize + j);
                for &r in rest {
                    let g = load(&s.xpad, r as usize + j);
                    for k in 0..LANES {
                        pr[k] *= g[k];
                    }
                }
                store(&mut s.prod, blk.cell_start + j, pr);
            }
        }
        // ν = Σ_rows base · prod · f, rows in block order; row 0 is
        // assigned when it covers every bin.
        if self.row0_ranges == 0 {
            s.nu.fill(0.0);
        }
        for (r, &(c0, b0, len)) in self.slot_ranges.iter().enumerate() {
            let nu = &mut s.nu[b0..b0 + len];
            let base = &s.base[c0..c0 + len];
            let prod = &s.prod[c0..c0 + len];
            let fcell = &s.fcell[c0..c0 + len];
            if r < self.row0_ranges {
                for i in 0..len {
                    nu[i] = base[i] * prod[i] * fcell[i];
                }
            } else {
                for i in 0..len {
                    nu[i] = (base[i] * prod[i]).mul_add(fcell[i], nu[i]);
                }
            }
        }
    }

    /// ∂/∂θ_j of `scale` · Π_i f_i over the scalar factors `terms`
    /// ([`add_product_grad`]), with shortcuts for one and two factors.
    #[inline(always)]
    fn prefix_suffix_grad(term_param: &[u32], terms: &[u32], scale: f64, s: &mut Scratch) {
        match *terms {
            [t] => {
                let t = t as usize;
                s.gpad[term_param[t] as usize] += s.term_der[t] * scale;
                return;
            }
            // Common (lumi and a normfactor): no suffix array.
            [t0, t1] => {
                let (t0, t1) = (t0 as usize, t1 as usize);
                s.gpad[term_param[t0] as usize] += s.term_der[t0] * scale * s.term_val[t1];
                s.gpad[term_param[t1] as usize] += s.term_der[t1] * (scale * s.term_val[t0]);
                return;
            }
            _ => {}
        }
        let Scratch {
            term_val,
            term_der,
            suffix,
            gpad,
            ..
        } = s;
        add_product_grad(
            terms.len(),
            |j| term_val[terms[j] as usize],
            |j| term_der[terms[j] as usize],
            |j| term_param[terms[j] as usize] as usize,
            scale,
            suffix,
            gpad,
        );
    }

    /// As [`Self::prefix_suffix_grad`] for a product of parameters (every
    /// factor linear: value x, derivative 1).
    #[inline(always)]
    fn linear_product_grad(params: &[u32], scale: f64, s: &mut Scratch) {
        if let [p] = *params {
            s.gpad[p as usize] += scale;
            return;
        }
        let Scratch {
            xpad, suffix, gpad, ..
        } = s;
        add_product_grad(
            params.len(),
            |j| xpad[params[j] as usize],
            |_| 1.0,
            |j| params[j] as usize,
            scale,
            suffix,
            gpad,
        );
    }

    /// Σ w·prod·base over `len` cells from `cell` (bins from `bin`), in
    /// lanes reduced in a fixed order; `len` is a multiple of LANES.
    #[inline(always)]
    fn stretch_dot(s: &Scratch, cell: usize, bin: usize, len: usize) -> f64 {
        let (w, prod, base) = (
            &s.w[bin..bin + len],
            &s.prod[cell..cell + len],
            &s.base[cell..cell + len],
        );
        let mut acc = [0.0; LANES];
        for ((w, p), b) in w
            .chunks_exact(LANES)
            .zip(prod.chunks_exact(LANES))
            .zip(base.chunks_exact(LANES))
        {
            for k in 0..LANES {
                acc[k] = (w[k] * p[k]).mul_add(b[k], acc[k]);
            }
        }
        hsum(acc)
    }

    /// Second sweep: accumulate ∂NLL/∂x of the main term into `s.gpad`,
    /// from w = ∂NLL/∂ν in `s.w`.
    #[inline(always)]
    fn backward<const AVX512: bool>(&self, s: &mut Scratch) {
        // w · prod · f per cell, for histosys.
        if !self.histo_groups.is_empty() {
            for &(c0, b0, len) in &self.slot_ranges {
                let w = &s.w[b0..b0 + len];
                let prod = &s.prod[c0..c0 + len];
                let fcell = &s.fcell[c0..c0 + len];
                let wpf = &mut s.wpf[c0..c0 + len];
                for i in 0..len {
                    wpf[i] = w[i] * prod[i] * fcell[i];
                }
            }
        }
        // Per-bin factors: ∂ν/∂γ_q = base · f · Π_{r≠q} γ_r. Padding lanes
        // have base = 0 and add exactly 0 to the neighbouring parameters.
        for col in &self.perbin_columns {
            let cells = &self.perbin_column_cells[col.cells.0 as usize..col.cells.1 as usize];
            if let [c] = *cells {
                // One long stretch: a plain vector loop.
                let (c, b, len) = (c as usize, col.bin, col.len);
                let (w, base) = (&s.w[b..b + len], &s.base[c..c + len]);
                let fcell = &s.fcell[c..c + len];
                let g = &mut s.gpad[col.param..col.param + len];
                for i in 0..len {
                    g[i] = w[i].mul_add(base[i] * fcell[i], g[i]);
                }
                continue;
            }
            for o in (0..col.len).step_by(LANES) {
                let mut acc = [0.0; LANES];
                for &c in cells {
                    let (b, f) = (
                        load(&s.base, c as usize + o),
                        load(&s.fcell, c as usize + o),
                    );
                    for k in 0..LANES {
                        acc[k] = b[k].mul_add(f[k], acc[k]);
                    }
                }
                let w = load(&s.w, col.bin + o);
                let mut g = load(&s.gpad, col.param + o);
                for k in 0..LANES {
                    g[k] = w[k].mul_add(acc[k], g[k]);
                }
                store(&mut s.gpad, col.param + o, g);
            }
        }
        for &bi in &self.perbin_blocks {
            let blk = &self.blocks[bi as usize];
            let runs = &self.perbin_runs[blk.perbins.0 as usize..blk.perbins.1 as usize];
            for (q, &rq) in runs.iter().enumerate() {
                for o in (0..blk.width / LANES).map(|j| j * LANES) {
                    let c = blk.cell_start + o;
                    let w = load(&s.w, blk.pad_start + o);
                    let b = load(&s.base, c);
                    let f = load(&s.fcell, c);
                    let mut others = [1.0; LANES];
                    for (r, &rr) in runs.iter().enumerate() {
                        if r != q {
                            let g = load(&s.xpad, rr as usize + o);
                            for k in 0..LANES {
                                others[k] *= g[k];
                            }
                        }
                    }
                    let mut g = load(&s.gpad, rq as usize + o);
                    for k in 0..LANES {
                        g[k] += w[k] * b[k] * f[k] * others[k];
                    }
                    store(&mut s.gpad, rq as usize + o, g);
                }
            }
        }
        // Scalar factors: ∂ν/∂θ_j = f'_j Π_{i≠j} f_i Σ_b w·base·prod.
        for g in &self.linear_groups {
            let dot = Self::stretch_dot(s, g.cell, g.bin, g.len);
            let params = &self.linear_group_params[g.params.0 as usize..g.params.1 as usize];
            Self::linear_product_grad(params, dot, s);
        }
        for &bi in &self.term_blocks {
            let (bi, blk) = (bi as usize, &self.blocks[bi as usize]);
            let dot = Self::stretch_dot(s, blk.cell_start, blk.pad_start, blk.width);
            let terms = &self.block_terms[blk.terms.0 as usize..blk.terms.1 as usize];
            let (f, n) = (s.block_f[bi], s.block_n[bi]);
            if n != 0.0 && n.is_finite() {
                // normsys: Π_{i≠j} f_i · f'_j = F · f'_j/f_j, no chain of
                // products (code4 ones per parameter below, from block_g);
                // the linear factors (normfactor, lumi: the ones that can
                // be 0) by prefix × suffix, with N.
                let (linear, normsys) = terms.split_at(blk.n_linear as usize);
                let g = dot * f;
                s.block_g[bi] = g;
                for &t in &normsys[..blk.n_generic as usize] {
                    let t = t as usize;
                    s.gpad[self.term_param[t] as usize] += g * s.term_ratio[t];
                }
                Self::prefix_suffix_grad(&self.term_param, linear, dot * n, s);
            } else {
                s.block_g[bi] = 0.0;
                // The code4 derivatives are not stored by `eval_terms` (only
                // their ratio f'/f, infinite here): computed for this rare
                // case alone.
                for &t in &terms[(blk.n_linear + blk.n_generic) as usize..] {
                    let t = t as usize;
                    let alpha = s.xpad[self.term_param[t] as usize];
                    s.term_der[t] = interp::multiplicative(&self.n4_coeffs[t], alpha).1;
                }
                Self::prefix_suffix_grad(&self.term_param, terms, dot, s);
            }
        }
        // code4 normsys, parameter by parameter: Σ_terms G_block · f'/f,
        // accumulated in registers rather than scattered into the gradient.
        for g in &self.n4_groups {
            let t0 = g.first_chunk * N4_LANES;
            let mut acc = [0.0; LANES];
            // Lanes of four, skipping a last half of padding.
            for j in 0..g.n_real.div_ceil(LANES) {
                let t = t0 + j * LANES;
                let ratio = load(&s.term_ratio, t);
                let blocks = &self.n4_term_block[t..t + LANES];
                for k in 0..LANES {
                    // G = 0 marks blocks done by prefix × suffix above,
                    // where f'/f may be infinite.
                    // SAFETY: blocks ≤ n_blocks < block_g.len()
                    // (`check_indices`).
                    let g = unsafe { gather(&s.block_g, blocks[k] as usize) };
                    acc[k] += if g == 0.0 { 0.0 } else { g * ratio[k] };
                }
            }
            s.gpad[g.param] += hsum(acc);
        }
        // histosys: ∂NLL/∂α = Σ_cells wpf · (R1 + R2·ds2).
        for (g, &ds2) in self.histo_groups.iter().zip(&s.histo_dw) {
            // SAFETY: as in `eval_histosys`, with wpf.len() = n_cells.
            s.gpad[g.param] += unsafe { self.histo_grad.dot::<AVX512>(g, &s.wpf, ds2) };
        }
    }

    /// Σ_b [ν − n ln ν + lnΓ(n+1)] over the padded bins (padding has
    /// ν = n = 0 and adds 0), as n·h(d) + S(n) with d = (ν − n)/n
    /// ([`crate::poisson`]: no cancellation at large n); with `GRAD`, also
    /// w_b = 1 − n_b/ν_b = d/q. +∞ if a bin with data has ν ≤ 0. One
    /// branch-free pass that the compiler vectorises; q = ν/n outside the
    /// normal range (ν ≤ 0, NaN, extreme ratios) and irregular data are
    /// redone afterwards.
    #[inline(always)]
    fn main_nll<const GRAD: bool>(&self, data: &Data, s: &mut Scratch) -> f64 {
        let prep = data.main_prep();
        let (n, inv, empty): (&[f64], &[f64], &[f64]) = if self.identity_bins {
            (data.main(), &prep.inv, &prep.empty)
        } else {
            for ch in &self.channels {
                let (dst, src) = (
                    ch.pad_start..ch.pad_start + ch.nbins,
                    ch.bin_start..ch.bin_start + ch.nbins,
                );
                s.n_pad[dst.clone()].copy_from_slice(&data.main()[src.clone()]);
                s.inv_pad[dst.clone()].copy_from_slice(&prep.inv[src.clone()]);
                s.empty_pad[dst].copy_from_slice(&prep.empty[src]);
            }
            (&s.n_pad, &s.inv_pad, &s.empty_pad)
        };
        let len = s.nu.len();
        let (nu, n, inv, empty) = (&s.nu[..len], &n[..len], &inv[..len], &empty[..len]);
        let term = &mut s.main_term[..len];
        let w = &mut s.w[..len];
        // n = 0 (padding included) has inv = 0, empty = 1: q = 1, d = 0,
        // term = ν and w = 1 without a select, which would make the
        // compiler branch around the logarithm.
        let mut all_normal = true;
        for i in 0..len {
            let (v, c) = (nu[i], n[i]);
            let q = v.mul_add(inv[i], empty[i]);
            let d = (v - c) * inv[i];
            all_normal &= fastmath::is_normal_positive(q);
            term[i] = c.mul_add(fastmath::d_minus_ln1p_normal(d, q), empty[i] * v);
            if GRAD {
                w[i] = empty[i] + d / q;
            }
        }
        if !all_normal {
            for i in 0..len {
                let (v, c) = (nu[i], n[i]);
                if fastmath::is_normal_positive(v.mul_add(inv[i], empty[i])) {
                    continue;
                }
                if c != 0.0 && (v <= 0.0 || v.is_nan()) {
                    return f64::INFINITY;
                }
                term[i] = poisson::term_fallback(v, c, inv[i], empty[i]);
                if GRAD {
                    w[i] = if c == 0.0 { 1.0 } else { 1.0 - c / v };
                }
            }
        }
        sum_lanes(term) + data.stirling_main()
    }

    /// −Σ constraint log-densities; with `GRAD`, adds their gradient to
    /// `s.gpad`. One pass per run of constraints.
    #[inline(always)]
    fn constraint_nll<const GRAD: bool>(&self, data: &Data, s: &mut Scratch) -> f64 {
        let aux = data.aux();
        let prep = data.aux_prep();
        // Gaussian: ½z², z = (a − θ)/σ.
        for r in &self.gauss_runs {
            let x = &s.xpad[r.param..r.param + r.len];
            let a = &aux[r.aux..r.aux + r.len];
            let inv = &self.gauss_inv_sigma[r.start..r.start + r.len];
            let out = &mut s.gauss_term[r.start..r.start + r.len];
            let g = &mut s.gpad[r.param..r.param + r.len];
            for i in 0..r.len {
                let z = (a[i] - x[i]) * inv[i];
                out[i] = 0.5 * z * z;
                if GRAD {
                    g[i] -= (a[i] - x[i]) * inv[i] * inv[i];
                }
            }
        }
        // Poisson(a | γτ), continuous Γ as pyhf: lnΓ(a+1) + γτ − a ln γτ,
        // as a·h(d) + S(a) with d = (γτ − a)/a, γτ − a in one fused
        // operation (exact to one rounding even where γτ ≈ a ≈ 10¹²).
        // The gradient τ(1 − a/γτ) = τ·d/q goes to `pois_grad` first: an
        // element redone below must not leave a NaN behind in `gpad`.
        let mut all_normal = true;
        for r in &self.pois_runs {
            let x = &s.xpad[r.param..r.param + r.len];
            let tau = &self.pois_tau[r.start..r.start + r.len];
            let a = &aux[r.aux..r.aux + r.len];
            let inv = &prep.inv[r.aux..r.aux + r.len];
            let empty = &prep.empty[r.aux..r.aux + r.len];
            let st = &prep.stirling[r.aux..r.aux + r.len];
            let term = &mut s.pois_term[r.start..r.start + r.len];
            let pg = &mut s.pois_grad[r.start..r.start + r.len];
            for i in 0..r.len {
                let rate = x[i] * tau[i];
                let q = rate.mul_add(inv[i], empty[i]);
                let d = x[i].mul_add(tau[i], -a[i]) * inv[i];
                all_normal &= fastmath::is_normal_positive(q);
                term[i] = a[i].mul_add(
                    fastmath::d_minus_ln1p_normal(d, q),
                    empty[i].mul_add(rate, st[i]),
                );
                if GRAD {
                    pg[i] = tau[i] * (empty[i] + d / q);
                }
            }
        }
        if !all_normal {
            for r in &self.pois_runs {
                for i in 0..r.len {
                    let (k, j) = (r.start + i, r.aux + i);
                    let rate = s.xpad[r.param + i] * self.pois_tau[k];
                    if fastmath::is_normal_positive(rate.mul_add(prep.inv[j], prep.empty[j])) {
                        continue;
                    }
                    let a = aux[j];
                    s.pois_term[k] = poisson::term_fallback(rate, a, prep.inv[j], prep.empty[j])
                        + prep.stirling[j];
                    s.pois_grad[k] = if a == 0.0 {
                        self.pois_tau[k]
                    } else {
                        self.pois_tau[k] * (1.0 - a / rate)
                    };
                }
            }
        }
        if GRAD {
            for r in &self.pois_runs {
                let g = &mut s.gpad[r.param..r.param + r.len];
                let pg = &s.pois_grad[r.start..r.start + r.len];
                for i in 0..r.len {
                    g[i] += pg[i];
                }
            }
        }
        self.gauss_const + sum_lanes(&s.gauss_term) + sum_lanes(&s.pois_term)
    }

    /// Expected main-bin rates at `x`, in the real (unpadded) layout.
    pub(crate) fn expected_main(&self, x: &[f64], s: &mut Scratch, out: &mut [f64]) {
        self.check_shapes(x, None, s);
        self.forward::<false>(x, s);
        for ch in &self.channels {
            out[ch.bin_start..ch.bin_start + ch.nbins]
                .copy_from_slice(&s.nu[ch.pad_start..ch.pad_start + ch.nbins]);
        }
    }

    /// NLL at `x`.
    pub(crate) fn nll(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.check_shapes(x, Some(data), s);
        // SAFETY: `isa` is at most what `detect_isa` found on this CPU.
        #[cfg(target_arch = "x86_64")]
        match self.isa {
            Isa::Avx512 => return unsafe { self.nll_avx512(data, x, s) },
            Isa::Avx2 => return unsafe { self.nll_avx2(data, x, s) },
            Isa::Baseline => {}
        }
        self.nll_body::<false>(data, x, s)
    }

    /// NLL and its gradient at `x`.
    ///
    /// The same bodies are compiled three times, for the baseline target,
    /// with AVX2 and with AVX-512, and chosen at run time. Everything they
    /// call is inlined, so the lane arrays and slice loops become 256- or
    /// 512-bit vector code; in the AVX-512 build the two histosys loops
    /// are intrinsics doing the same operations in the same order
    /// (`histo`). Fused multiply-adds appear only where written
    /// (`mul_add`: Rust never contracts a·b + c), are correctly rounded
    /// whether done by the FMA unit or, in the baseline build, by the
    /// runtime's software `fma` (4–8× slower; only CPUs from before
    /// 2013 lack FMA), and every sum has a fixed order, so all builds give
    /// bit-identical results (tested).
    pub(crate) fn nll_grad(
        &self,
        data: &Data,
        x: &[f64],
        grad: &mut [f64],
        s: &mut Scratch,
    ) -> f64 {
        self.check_shapes(x, Some(data), s);
        assert_eq!(grad.len(), self.n_params, "gradient length");
        // SAFETY: as in `nll`.
        #[cfg(target_arch = "x86_64")]
        match self.isa {
            Isa::Avx512 => return unsafe { self.nll_grad_avx512(data, x, grad, s) },
            Isa::Avx2 => return unsafe { self.nll_grad_avx2(data, x, grad, s) },
            Isa::Baseline => {}
        }
        self.nll_grad_body::<false>(data, x, grad, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn nll_avx2(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.nll_body::<false>(data, x, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn nll_grad_avx2(&self, data: &Data, x: &[f64], grad: &mut [f64], s: &mut Scratch) -> f64 {
        self.nll_grad_body::<false>(data, x, grad, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
    fn nll_avx512(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.nll_body::<true>(data, x, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
    fn nll_grad_avx512(&self, data: &Data, x: &[f64], grad: &mut [f64], s: &mut Scratch) -> f64 {
        self.nll_grad_body::<true>(data, x, grad, s)
    }

    #[inline(always)]
    fn nll_body<const AVX512: bool>(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.forward::<AVX512>(x, s);
        let v = self.main_nll::<false>(data, s) + self.constraint_nll::<false>(data, s);
        if v.is_nan() { f64::INFINITY } else { v }
    }

    #[inline(always)]
    fn nll_grad_body<const AVX512: bool>(
        &self,
        data: &Data,
        x: &[f64],
        grad: &mut [f64],
        s: &mut Scratch,
    ) -> f64 {
        self.forward::<AVX512>(x, s);
        let main = self.main_nll::<true>(data, s);
        if !main.is_finite() {
            grad.iter_mut().for_each(|g| *g = 0.0);
            return f64::INFINITY;
        }
        s.gpad.iter_mut().for_each(|g| *g = 0.0);
        self.backward::<AVX512>(s);
        let v = main + self.constraint_nll::<true>(data, s);
        grad.copy_from_slice(&s.gpad[..self.n_params]);
        if v.is_nan() { f64::INFINITY } else { v }
    }
}

#[cfg(test)]
mod tests {
    use ns_core::Model;

    use super::{Isa, detect_isa};
    use crate::{BuildOptions, HistFactoryModel, InterpSettings};

    fn fixture(name: &str, interp: InterpSettings) -> HistFactoryModel {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(name);
        HistFactoryModel::from_path(
            &path,
            &BuildOptions {
                interp,
                ..Default::default()
            },
        )
        .expect("fixture")
    }

    /// Every SIMD build of the kernel this CPU runs must agree with the
    /// baseline build to the bit.
    #[test]
    fn simd_and_baseline_builds_agree_bitwise() {
        let codes = [
            InterpSettings::default(),
            InterpSettings::parse("normsys=code1,histosys=code0").unwrap(),
        ];
        let levels: Vec<Isa> = [Isa::Avx2, Isa::Avx512]
            .into_iter()
            .filter(|&l| l <= detect_isa())
            .collect();
        eprintln!("SIMD levels compared with the baseline: {levels:?}");
        let mut compared = 0;
        for name in [
            "workspace_tHu.json",
            "godrun_workspace.json",
            "complex_workspace.json",
        ] {
            for interp in codes {
                let model = fixture(name, interp);
                let mut base = model.kernel.clone();
                base.isa = Isa::Baseline;
                let n = model.n_params();
                let mut points = vec![model.suggested_init().to_vec()];
                // Points spread over all interpolation regions (|α| > 1 too).
                for k in 1..4 {
                    let x: Vec<f64> = model
                        .suggested_init()
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| {
                            let (lo, hi) = model.suggested_bounds()[i];
                            let step = 0.4 * k as f64 * (((i * 7 + k) % 11) as f64 / 5.0 - 1.0);
                            (v + step).clamp(lo, hi)
                        })
                        .collect();
                    points.push(x);
                }
                let mut s2 = base.new_scratch();
                for x in &points {
                    let mut g2 = vec![0.0; n];
                    let b = base.nll_grad(model.observed(), x, &mut g2, &mut s2);
                    assert!(b.is_finite(), "{name}: non-finite NLL");
                    let d = base.nll(model.observed(), x, &mut s2);
                    assert_eq!(b.to_bits(), d.to_bits(), "{name}: nll vs nll_grad");
                    for &level in &levels {
                        let mut fast = model.kernel.clone();
                        fast.isa = level;
                        let mut s1 = fast.new_scratch();
                        let mut g1 = vec![0.0; n];
                        let a = fast.nll_grad(model.observed(), x, &mut g1, &mut s1);
                        assert_eq!(a.to_bits(), b.to_bits(), "{name} {level:?}: NLL {a} vs {b}");
                        for i in 0..n {
                            assert_eq!(
                                g1[i].to_bits(),
                                g2[i].to_bits(),
                                "{name} {level:?}: grad[{i}]"
                            );
                        }
                        let c = fast.nll(model.observed(), x, &mut s1);
                        assert_eq!(c.to_bits(), d.to_bits(), "{name} {level:?}: nll-only");
                    }
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 24);
    }
}
