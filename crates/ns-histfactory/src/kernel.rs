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

use crate::data::Data;
use crate::fastmath;
use crate::interp::{self, InterpCode, NormsysCoeffs};
use crate::parts::{Constraint, Parts, ScalarKind};
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

mod backward;
mod forward;
mod layout;
mod likelihood;
#[cfg(test)]
mod tests;
