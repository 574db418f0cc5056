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
//! - A block's bins ("cells") are padded to a multiple of [`LANES`] and the
//!   per-modifier work is done on fixed-width lane arrays (`[f64; 4]`), so
//!   the compiler emits straight-line SIMD code with no loop remainders;
//!   padding lanes carry zero coefficients and are never read back into ν.
//! - histosys and code4 normsys terms are stored parameter-major, so a
//!   parameter's weights stay in registers while its terms stream through.
//! - The logarithms of the main bins and Poisson constraints go through the
//!   vectorisable [`fastmath::ln_slice`].
//!
//! A first sweep computes ν and caches per-cell products in the caller's
//! scratch; for the gradient a second sweep pushes w_b = ∂NLL/∂ν_b =
//! 1 − n_b/ν_b back through every modifier. Nothing allocates per
//! evaluation. Sums are accumulated in lanes and reduced in a fixed order,
//! so results do not depend on the SIMD width the compiler picked.

use std::collections::BTreeMap;

use crate::fastmath;
use crate::interp::{self, InterpCode, NormsysCoeffs};
use crate::model::{Constraint, Data, Parts, ScalarKind};

/// Width of the lane arrays the kernels work on.
const LANES: usize = 4;
type Lanes = [f64; LANES];

const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// One sample in one channel.
#[derive(Debug, Clone)]
struct Block {
    bin_start: usize,
    nbins: usize,
    /// First cell (padded block-bin) of this block.
    cell_start: usize,
    /// Range into `block_terms`.
    terms: (u32, u32),
    /// Start into `perbin_index`: `n_perbin` rows of `nbins` parameter indices.
    perbin_start: u32,
    n_perbin: u32,
}

/// All code4 normsys terms of one parameter: `n_real` terms from
/// `first_chunk * LANES` on, in `chunks` lane-arrays (the tail lanes pad).
#[derive(Debug, Clone)]
struct Normsys4Group {
    param: usize,
    first_chunk: usize,
    n_chunks: usize,
    n_real: usize,
}

/// Four code4 polynomials a1..a6, one per lane.
#[derive(Debug, Clone)]
struct Normsys4Chunk {
    poly: [Lanes; 6],
}

/// All histosys chunks of one parameter.
#[derive(Debug, Clone)]
struct HistoGroup {
    param: usize,
    chunks: (u32, u32),
}

/// One histosys modifier on up to [`LANES`] cells of one block: its rows
/// R1, R2 ([`interp::additive_rows`]), zero in padding lanes.
#[derive(Debug, Clone)]
struct HistoChunk {
    cell: usize,
    rows: [Lanes; 2],
}

#[derive(Debug, Clone, Copy)]
struct Gauss {
    param: u32,
    aux: u32,
    inv_sigma: f64,
}

#[derive(Debug, Clone, Copy)]
struct Pois {
    param: u32,
    aux: u32,
    tau: f64,
}

/// Per-thread scratch memory for the kernels.
#[derive(Debug, Clone)]
pub struct Scratch {
    pub(crate) nu: Vec<f64>,
    w: Vec<f64>,
    /// nominal + histosys shift, per cell.
    base: Vec<f64>,
    /// product of per-bin factors, per cell.
    prod: Vec<f64>,
    /// w · prod · (block scalar), per cell; zero in padding cells.
    wpf: Vec<f64>,
    /// value and derivative of every scalar factor (term).
    term_val: Vec<f64>,
    term_der: Vec<f64>,
    /// product of all scalar factors, per block.
    block_f: Vec<f64>,
    /// histosys weights ds1, ds2 per histosys parameter.
    histo_dw: Vec<[f64; 2]>,
    /// suffix products of one block's scalar factors.
    suffix: Vec<f64>,
    /// ln ν and NLL term per main bin.
    ln_nu: Vec<f64>,
    main_term: Vec<f64>,
    /// rate, ln rate, datum and NLL term per Poisson constraint.
    pois_rate: Vec<f64>,
    pois_ln: Vec<f64>,
    pois_aux: Vec<f64>,
    pois_term: Vec<f64>,
}

/// The compiled, evaluation-ready form of a model.
#[derive(Debug, Clone)]
pub(crate) struct Kernel {
    n_main: usize,
    n_cells: usize,
    nominal_cells: Vec<f64>,
    blocks: Vec<Block>,
    block_terms: Vec<u32>,
    term_param: Vec<u32>,
    /// Linear scalar factors (normfactor, lumi): (term, param).
    linear_terms: Vec<(u32, u32)>,
    /// normsys under codes other than 4: (term, param, coefficients).
    generic_terms: Vec<(u32, u32, NormsysCoeffs)>,
    n4_groups: Vec<Normsys4Group>,
    n4_chunks: Vec<Normsys4Chunk>,
    /// Coefficients per code4 term (indexed by term id), for |α| ≥ 1.
    n4_coeffs: Vec<NormsysCoeffs>,
    histo_code: InterpCode,
    histo_groups: Vec<HistoGroup>,
    histo_chunks: Vec<HistoChunk>,
    perbin_index: Vec<u32>,
    gauss: Vec<Gauss>,
    pois: Vec<Pois>,
    /// Σ (ln σ + ½ ln 2π) over Gaussian constraints.
    gauss_const: f64,
    max_block_terms: usize,
    /// Run the AVX2 build of the kernels (detected at construction).
    avx2: bool,
}

/// Whether to run the AVX2 build of the kernels: the CPU must have AVX2
/// and FMA, and `NEXTSTAT_DISABLE_AVX2` must be unset (a switch for
/// profilers such as valgrind that do not decode every AVX2 instruction;
/// both builds give bit-identical results).
fn detect_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::env::var_os("NEXTSTAT_DISABLE_AVX2").is_none()
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Sum of four lanes in a fixed order (the same in every build).
#[inline(always)]
fn hsum(v: Lanes) -> f64 {
    (v[0] + v[1]) + (v[2] + v[3])
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

impl Kernel {
    pub(crate) fn new(p: &Parts) -> Self {
        // Cells.
        let mut cell_of_block = Vec::with_capacity(p.blocks.len());
        let mut n_cells = 0;
        for b in &p.blocks {
            cell_of_block.push(n_cells);
            n_cells += padded(b.nbins);
        }
        let mut nominal_cells = vec![0.0; n_cells];
        for (b, &c0) in p.blocks.iter().zip(&cell_of_block) {
            nominal_cells[c0..c0 + b.nbins]
                .copy_from_slice(&p.nominal[b.nom_start..b.nom_start + b.nbins]);
        }

        // Scalar terms: code4 normsys grouped by parameter and lane-aligned
        // first, then the others. Blocks list their terms in modifier order.
        let mut code4_by_param: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
        for (bi, b) in p.blocks.iter().enumerate() {
            for j in b.scalars.clone() {
                let m = &p.scalar_mods[j];
                if let ScalarKind::Normsys(c) = &m.kind
                    && c.code() == InterpCode::Code4
                {
                    code4_by_param.entry(m.param).or_default().push((bi, j));
                }
            }
        }
        let mut term_of_mod = vec![u32::MAX; p.scalar_mods.len()];
        let mut term_param = Vec::new();
        let mut n4_groups = Vec::new();
        let mut n4_chunks = Vec::new();
        let mut n4_coeffs = Vec::new();
        for (&param, mods) in &code4_by_param {
            let first_chunk = n4_chunks.len();
            let n_chunks = mods.len().div_ceil(LANES);
            for chunk in mods.chunks(LANES) {
                let mut poly = [[0.0; LANES]; 6];
                for (lane, &(_, j)) in chunk.iter().enumerate() {
                    let ScalarKind::Normsys(c) = &p.scalar_mods[j].kind else {
                        unreachable!("grouped above as normsys")
                    };
                    for (k, row) in poly.iter_mut().enumerate() {
                        row[lane] = c.poly()[k];
                    }
                }
                n4_chunks.push(Normsys4Chunk { poly });
            }
            for slot in 0..n_chunks * LANES {
                let t = term_param.len();
                term_param.push(param as u32);
                match mods.get(slot) {
                    Some(&(_, j)) => {
                        term_of_mod[j] = t as u32;
                        let ScalarKind::Normsys(c) = p.scalar_mods[j].kind else {
                            unreachable!("grouped above as normsys")
                        };
                        n4_coeffs.push(c);
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

        // Blocks with their terms and per-bin parameter rows.
        let mut blocks = Vec::with_capacity(p.blocks.len());
        let mut block_terms = Vec::new();
        let mut perbin_index = Vec::new();
        let mut max_block_terms = 0;
        for (b, &cell_start) in p.blocks.iter().zip(&cell_of_block) {
            let t0 = block_terms.len() as u32;
            block_terms.extend(b.scalars.clone().map(|j| term_of_mod[j]));
            max_block_terms = max_block_terms.max(b.scalars.len());
            let perbin_start = perbin_index.len() as u32;
            for m in &p.perbin_mods[b.perbins.clone()] {
                perbin_index.extend(
                    p.perbin_index[m.index_start..m.index_start + b.nbins]
                        .iter()
                        .map(|&i| i as u32),
                );
            }
            blocks.push(Block {
                bin_start: b.bin_start,
                nbins: b.nbins,
                cell_start,
                terms: (t0, block_terms.len() as u32),
                perbin_start,
                n_perbin: b.perbins.len() as u32,
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
        let mut histo_groups = Vec::new();
        let mut histo_chunks = Vec::new();
        for (&param, mods) in &histo_by_param {
            let c0 = histo_chunks.len() as u32;
            for &(bi, coef_start) in mods {
                let nb = p.blocks[bi].nbins;
                let rows = [
                    &p.histo_coef[coef_start..coef_start + nb],
                    &p.histo_coef[coef_start + nb..coef_start + 2 * nb],
                ];
                for j in 0..nb.div_ceil(LANES) {
                    let mut lanes = [[0.0; LANES]; 2];
                    for (r, row) in rows.iter().enumerate() {
                        for k in 0..LANES.min(nb - j * LANES) {
                            lanes[r][k] = row[j * LANES + k];
                        }
                    }
                    histo_chunks.push(HistoChunk {
                        cell: cell_of_block[bi] + j * LANES,
                        rows: lanes,
                    });
                }
            }
            histo_groups.push(HistoGroup {
                param,
                chunks: (c0, histo_chunks.len() as u32),
            });
        }

        let mut gauss = Vec::new();
        let mut pois = Vec::new();
        let mut gauss_const = 0.0;
        for c in &p.constraints {
            match *c {
                Constraint::Gaussian { param, aux, sigma } => {
                    gauss.push(Gauss {
                        param: param as u32,
                        aux: aux as u32,
                        inv_sigma: 1.0 / sigma,
                    });
                    gauss_const += sigma.ln() + HALF_LN_2PI;
                }
                Constraint::Poisson { param, aux, tau } => pois.push(Pois {
                    param: param as u32,
                    aux: aux as u32,
                    tau,
                }),
            }
        }

        Self {
            n_main: p.observed_main.len(),
            n_cells,
            nominal_cells,
            blocks,
            block_terms,
            term_param,
            linear_terms,
            generic_terms,
            n4_groups,
            n4_chunks,
            n4_coeffs,
            histo_code: p.interp.histosys,
            histo_groups,
            histo_chunks,
            perbin_index,
            gauss,
            pois,
            gauss_const,
            max_block_terms,
            avx2: detect_avx2(),
        }
    }

    pub(crate) fn new_scratch(&self) -> Scratch {
        let n_terms = self.term_param.len();
        Scratch {
            nu: vec![0.0; self.n_main],
            w: vec![0.0; self.n_main],
            base: vec![0.0; self.n_cells],
            prod: vec![0.0; self.n_cells],
            wpf: vec![0.0; self.n_cells],
            term_val: vec![0.0; n_terms],
            term_der: vec![0.0; n_terms],
            block_f: vec![0.0; self.blocks.len()],
            histo_dw: vec![[0.0; 2]; self.histo_groups.len()],
            suffix: vec![0.0; self.max_block_terms],
            ln_nu: vec![0.0; self.n_main],
            main_term: vec![0.0; self.n_main],
            pois_rate: vec![0.0; self.pois.len()],
            pois_ln: vec![0.0; self.pois.len()],
            pois_aux: vec![0.0; self.pois.len()],
            pois_term: vec![0.0; self.pois.len()],
        }
    }

    /// Value and derivative of every scalar factor at `x`.
    #[inline(always)]
    fn eval_terms(&self, x: &[f64], s: &mut Scratch) {
        let (val, der) = (&mut s.term_val, &mut s.term_der);
        for &(t, param) in &self.linear_terms {
            val[t as usize] = x[param as usize];
            der[t as usize] = 1.0;
        }
        for &(t, param, ref c) in &self.generic_terms {
            let (v, d) = interp::multiplicative(c, x[param as usize]);
            val[t as usize] = v;
            der[t as usize] = d;
        }
        for g in &self.n4_groups {
            let alpha = x[g.param];
            let t0 = g.first_chunk * LANES;
            if alpha >= 1.0 || alpha <= -1.0 {
                // Exponential region: rare near a minimum, scalar.
                for t in t0..t0 + g.n_real {
                    let (v, d) = interp::multiplicative(&self.n4_coeffs[t], alpha);
                    val[t] = v;
                    der[t] = d;
                }
                continue;
            }
            // Polynomial region, same Horner scheme as interp::multiplicative.
            let chunks = &self.n4_chunks[g.first_chunk..g.first_chunk + g.n_chunks];
            let vals = val[t0..t0 + g.n_chunks * LANES].chunks_exact_mut(LANES);
            let ders = der[t0..t0 + g.n_chunks * LANES].chunks_exact_mut(LANES);
            for ((ch, v), d) in chunks.iter().zip(vals).zip(ders) {
                let p = &ch.poly;
                for k in 0..LANES {
                    v[k] = 1.0
                        + alpha
                            * (p[0][k]
                                + alpha
                                    * (p[1][k]
                                        + alpha
                                            * (p[2][k]
                                                + alpha
                                                    * (p[3][k]
                                                        + alpha * (p[4][k] + alpha * p[5][k])))));
                    d[k] = p[0][k]
                        + alpha
                            * (2.0 * p[1][k]
                                + alpha
                                    * (3.0 * p[2][k]
                                        + alpha
                                            * (4.0 * p[3][k]
                                                + alpha
                                                    * (5.0 * p[4][k] + alpha * 6.0 * p[5][k]))));
                }
            }
        }
    }

    /// base = nominal + Σ histosys δ, per cell.
    #[inline(always)]
    fn eval_histosys(&self, x: &[f64], s: &mut Scratch) {
        s.base.copy_from_slice(&self.nominal_cells);
        for (g, dw) in self.histo_groups.iter().zip(s.histo_dw.iter_mut()) {
            let [s1, s2, ds1, ds2] = interp::additive_weights(self.histo_code, x[g.param]);
            *dw = [ds1, ds2];
            for ch in &self.histo_chunks[g.chunks.0 as usize..g.chunks.1 as usize] {
                let base: &mut Lanes = (&mut s.base[ch.cell..ch.cell + LANES])
                    .try_into()
                    .expect("chunk inside padded cells");
                // Load everything before the store: the compiler cannot
                // prove `base` and `rows` do not alias and would stay scalar.
                let (r1, r2, mut b) = (ch.rows[0], ch.rows[1], *base);
                for k in 0..LANES {
                    b[k] += r1[k] * s1 + r2[k] * s2;
                }
                *base = b;
            }
        }
    }

    /// First sweep: ν in `s.nu`, with per-cell products cached.
    #[inline(always)]
    pub(crate) fn forward(&self, x: &[f64], s: &mut Scratch) {
        self.eval_terms(x, s);
        self.eval_histosys(x, s);
        s.nu.iter_mut().for_each(|v| *v = 0.0);
        for (blk, block_f) in self.blocks.iter().zip(s.block_f.iter_mut()) {
            let terms = &self.block_terms[blk.terms.0 as usize..blk.terms.1 as usize];
            let mut f = 1.0;
            for &t in terms {
                f *= s.term_val[t as usize];
            }
            *block_f = f;
            let (nb, c0, b0) = (blk.nbins, blk.cell_start, blk.bin_start);
            let base = &s.base[c0..c0 + nb];
            let prod = &mut s.prod[c0..c0 + nb];
            let nu = &mut s.nu[b0..b0 + nb];
            match blk.n_perbin {
                0 => {
                    for k in 0..nb {
                        prod[k] = 1.0;
                        nu[k] += base[k] * f;
                    }
                }
                np => {
                    let ps = blk.perbin_start as usize;
                    let idx = &self.perbin_index[ps..ps + np as usize * nb];
                    for k in 0..nb {
                        let mut pr = x[idx[k] as usize];
                        for q in 1..np as usize {
                            pr *= x[idx[q * nb + k] as usize];
                        }
                        prod[k] = pr;
                        nu[k] += base[k] * pr * f;
                    }
                }
            }
        }
    }

    /// Second sweep: accumulate ∂NLL/∂x of the main term into `grad`, from
    /// w = ∂NLL/∂ν in `s.w`.
    #[inline(always)]
    fn backward(&self, x: &[f64], s: &mut Scratch, grad: &mut [f64]) {
        for (blk, &f) in self.blocks.iter().zip(&s.block_f) {
            let (nb, c0, b0) = (blk.nbins, blk.cell_start, blk.bin_start);
            let w = &s.w[b0..b0 + nb];
            let base = &s.base[c0..c0 + nb];
            let prod = &s.prod[c0..c0 + nb];
            let wpf = &mut s.wpf[c0..c0 + nb];
            let mut dot = 0.0;
            for k in 0..nb {
                let wp = w[k] * prod[k];
                wpf[k] = wp * f;
                dot += wp * base[k];
            }
            // Per-bin factors: ∂ν/∂γ_q = base · f · Π_{r≠q} γ_r.
            let np = blk.n_perbin as usize;
            if np > 0 {
                let ps = blk.perbin_start as usize;
                let idx = &self.perbin_index[ps..ps + np * nb];
                for q in 0..np {
                    for k in 0..nb {
                        let mut others = 1.0;
                        for r in (0..np).filter(|&r| r != q) {
                            others *= x[idx[r * nb + k] as usize];
                        }
                        grad[idx[q * nb + k] as usize] += w[k] * base[k] * f * others;
                    }
                }
            }
            // Scalar factors: ∂ν/∂θ_j = f'_j Π_{i≠j} f_i Σ_b w·base·prod.
            // Products of the others via prefix × suffix, O(m) and robust to
            // zero factors (a POI at 0).
            let terms = &self.block_terms[blk.terms.0 as usize..blk.terms.1 as usize];
            let suffix = &mut s.suffix[..terms.len()];
            let mut acc = 1.0;
            for (j, &t) in terms.iter().enumerate().rev() {
                suffix[j] = acc;
                acc *= s.term_val[t as usize];
            }
            let mut prefix = dot;
            for (j, &t) in terms.iter().enumerate() {
                let t = t as usize;
                grad[self.term_param[t] as usize] += s.term_der[t] * prefix * suffix[j];
                prefix *= s.term_val[t];
            }
        }
        // histosys: ∂NLL/∂α = Σ_cells wpf · (R1·ds1 + R2·ds2).
        for (g, &[ds1, ds2]) in self.histo_groups.iter().zip(&s.histo_dw) {
            let (mut a1, mut a2) = ([0.0; LANES], [0.0; LANES]);
            for ch in &self.histo_chunks[g.chunks.0 as usize..g.chunks.1 as usize] {
                let wpf: Lanes = s.wpf[ch.cell..ch.cell + LANES]
                    .try_into()
                    .expect("chunk inside padded cells");
                let (r1, r2) = (ch.rows[0], ch.rows[1]);
                for k in 0..LANES {
                    a1[k] += wpf[k] * r1[k];
                    a2[k] += wpf[k] * r2[k];
                }
            }
            grad[g.param] += hsum(a1) * ds1 + hsum(a2) * ds2;
        }
    }

    /// Σ_b [ν − n ln ν] + Σ lnΓ(n+1); with `w`, also w_b = 1 − n_b/ν_b.
    /// +∞ if a bin with data has ν ≤ 0. Written as plain loops over
    /// slices, which the compiler vectorises (the log included).
    #[inline(always)]
    fn main_nll(
        nu: &[f64],
        data: &Data,
        ln_nu: &mut [f64],
        terms: &mut [f64],
        w: Option<&mut [f64]>,
    ) -> f64 {
        let n = data.main();
        fastmath::ln_slice(nu, ln_nu);
        let mut bad = false;
        for ((t, (&nu, &n)), &l) in terms.iter_mut().zip(nu.iter().zip(n)).zip(ln_nu.iter()) {
            *t = if n == 0.0 { nu } else { nu - n * l };
            bad |= n != 0.0 && (nu <= 0.0 || nu.is_nan());
        }
        if bad {
            return f64::INFINITY;
        }
        if let Some(w) = w {
            for ((w, &nu), &n) in w.iter_mut().zip(nu).zip(n) {
                *w = if n == 0.0 { 1.0 } else { 1.0 - n / nu };
            }
        }
        sum_lanes(terms) + data.lgamma_main()
    }

    /// −Σ constraint log-densities; with `grad`, adds their gradient.
    #[inline(always)]
    fn constraint_nll(
        &self,
        data: &Data,
        x: &[f64],
        s: &mut Scratch,
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        let aux = data.aux();
        let lgamma_aux = data.lgamma_aux();
        let mut acc = [0.0; LANES];
        for (i, c) in self.gauss.iter().enumerate() {
            let z = (aux[c.aux as usize] - x[c.param as usize]) * c.inv_sigma;
            acc[i % LANES] += 0.5 * z * z;
            if let Some(g) = grad.as_deref_mut() {
                g[c.param as usize] -= z * c.inv_sigma;
            }
        }
        // Poisson(a | γτ), continuous Γ as pyhf: gather, then vector loops.
        let np = self.pois.len();
        let (rate, ln_rate) = (&mut s.pois_rate[..np], &mut s.pois_ln[..np]);
        let (a, terms) = (&mut s.pois_aux[..np], &mut s.pois_term[..np]);
        for (i, c) in self.pois.iter().enumerate() {
            rate[i] = x[c.param as usize] * c.tau;
            a[i] = aux[c.aux as usize];
            terms[i] = lgamma_aux[c.aux as usize];
        }
        fastmath::ln_slice(rate, ln_rate);
        for (((t, &r), &l), &a) in terms.iter_mut().zip(&*rate).zip(&*ln_rate).zip(&*a) {
            let xlogy = if a == 0.0 { 0.0 } else { a * l };
            *t += r - xlogy;
        }
        if let Some(g) = grad {
            for ((c, &r), &a) in self.pois.iter().zip(&*rate).zip(&*a) {
                g[c.param as usize] += if a == 0.0 {
                    c.tau
                } else {
                    c.tau * (1.0 - a / r)
                };
            }
        }
        self.gauss_const + hsum(acc) + sum_lanes(terms)
    }

    /// NLL at `x`.
    pub(crate) fn nll(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: `avx2` is set only when the CPU has AVX2 and FMA.
            return unsafe { self.nll_avx2(data, x, s) };
        }
        self.nll_body(data, x, s)
    }

    /// NLL and its gradient at `x`.
    pub(crate) fn nll_grad(
        &self,
        data: &Data,
        x: &[f64],
        grad: &mut [f64],
        s: &mut Scratch,
    ) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if self.avx2 {
            // SAFETY: as in `nll`.
            return unsafe { self.nll_grad_avx2(data, x, grad, s) };
        }
        self.nll_grad_body(data, x, grad, s)
    }

    // The same bodies compiled twice: for the baseline target and with AVX2
    // enabled, chosen at run time. Everything they call is inlined, so the
    // lane arrays become 256-bit vectors in the second copy. No FMA is
    // emitted (Rust never contracts a·b + c), so both copies give
    // bit-identical results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn nll_avx2(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.nll_body(data, x, s)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn nll_grad_avx2(&self, data: &Data, x: &[f64], grad: &mut [f64], s: &mut Scratch) -> f64 {
        self.nll_grad_body(data, x, grad, s)
    }

    #[inline(always)]
    fn nll_body(&self, data: &Data, x: &[f64], s: &mut Scratch) -> f64 {
        self.forward(x, s);
        let main = Self::main_nll(&s.nu, data, &mut s.ln_nu, &mut s.main_term, None);
        let v = main + self.constraint_nll(data, x, s, None);
        if v.is_nan() { f64::INFINITY } else { v }
    }

    #[inline(always)]
    fn nll_grad_body(&self, data: &Data, x: &[f64], grad: &mut [f64], s: &mut Scratch) -> f64 {
        self.forward(x, s);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let main = Self::main_nll(&s.nu, data, &mut s.ln_nu, &mut s.main_term, Some(&mut s.w));
        if !main.is_finite() {
            return f64::INFINITY;
        }
        self.backward(x, s, grad);
        let v = main + self.constraint_nll(data, x, s, Some(grad));
        if v.is_nan() { f64::INFINITY } else { v }
    }
}

#[cfg(test)]
mod tests {
    use ns_core::Model;

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

    /// The AVX2 and baseline builds of the kernel must agree to the bit.
    #[test]
    fn simd_and_baseline_builds_agree_bitwise() {
        let codes = [
            InterpSettings::default(),
            InterpSettings::parse("normsys=code1,histosys=code0").unwrap(),
        ];
        let mut compared = 0;
        for name in [
            "workspace_tHu.json",
            "godrun_workspace.json",
            "complex_workspace.json",
        ] {
            for interp in codes {
                let model = fixture(name, interp);
                let mut fast = model.kernel.clone();
                let mut base = model.kernel.clone();
                base.avx2 = false;
                fast.avx2 = super::detect_avx2();
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
                let (mut s1, mut s2) = (fast.new_scratch(), base.new_scratch());
                for x in &points {
                    let (mut g1, mut g2) = (vec![0.0; n], vec![0.0; n]);
                    let a = fast.nll_grad(model.observed(), x, &mut g1, &mut s1);
                    let b = base.nll_grad(model.observed(), x, &mut g2, &mut s2);
                    assert!(a.is_finite(), "{name}: non-finite NLL");
                    assert_eq!(a.to_bits(), b.to_bits(), "{name}: NLL {a} vs {b}");
                    for i in 0..n {
                        assert_eq!(g1[i].to_bits(), g2[i].to_bits(), "{name}: grad[{i}]");
                    }
                    let c = fast.nll(model.observed(), x, &mut s1);
                    let d = base.nll(model.observed(), x, &mut s2);
                    assert_eq!(c.to_bits(), d.to_bits(), "{name}: nll-only");
                    assert_eq!(a.to_bits(), c.to_bits(), "{name}: nll vs nll_grad");
                    compared += 1;
                }
            }
        }
        assert_eq!(compared, 24);
    }
}
