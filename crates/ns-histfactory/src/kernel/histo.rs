//! histosys in the kernel: the rows R1, R2 of every modifier
//! ([`crate::interp::additive_rows`]) laid out twice, block by block for
//! the shift of the nominal yields (forward sweep) and parameter by
//! parameter for the gradient (backward sweep), with their loops.
//!
//! Both sweeps are a handful of multiply-adds per column or piece on rows
//! streamed from L2, with their accumulators in registers, and the loops
//! exist twice: in plain Rust on fixed-width arrays, which the compiler
//! vectorises for the baseline and AVX2 builds, and with AVX-512
//! intrinsics. The intrinsics do the same operations in the same order
//! (the results are bit-identical, tested by the kernel's ISA test); they
//! exist because the compiler's vectoriser pairs lanes of these short
//! loops with shuffles, or reloads its state around a reduction, and the
//! hand-written loops take 11% (shift) and 17% (gradient) off the time of
//! the compiled ones on tHu. The shift also reads the rows of most entries
//! in `f32`, where that is exact (see [`HistoColumns`]).

use super::{Half, Line, gather};

/// The gradient pieces of one histosys parameter: ranges into the 4-, 2-
/// and 1-cell piece lists of [`HistoGrad`].
#[derive(Debug, Clone)]
pub(super) struct HistoGroup {
    pub(super) param: usize,
    pieces: [(u32, u32); 3],
}

/// histosys rows R1, R2 parameter by parameter, for the gradient, on
/// pieces of a block's cells: 4 cells (R1 | R2 in one 8-lane array), 2
/// cells (R1 | R2 in 4 lanes) or 1 cell (R1, R2). A block's bins are cut
/// in pieces of 4, then 2, then 1 (6 = 4 + 2, 5 = 4 + 1), and a last piece
/// of 3 is padded to 4 with zero rows within the block's padding. With R1
/// and R2 side by side, a piece is one multiply-add by its cells' weights
/// repeated, and only a last piece of 3 cells stores a zero lane.
#[derive(Debug, Clone, Default)]
pub(super) struct HistoGrad {
    c4: Vec<u32>,
    r4: Vec<Line<[f64; 8]>>,
    c2: Vec<u32>,
    r2: Vec<Half<[f64; 4]>>,
    c1: Vec<u32>,
    r1: Vec<[f64; 2]>,
}

impl HistoGrad {
    fn lens(&self) -> [usize; 3] {
        [self.c4.len(), self.c2.len(), self.c1.len()]
    }

    /// Appends one parameter: its modifiers' rows `(first cell of the
    /// block, R1, R2)`.
    pub(super) fn push_param(
        &mut self,
        param: usize,
        mods: &[(usize, &[f64], &[f64])],
    ) -> HistoGroup {
        let starts = self.lens();
        for &(cell, r1, r2) in mods {
            self.push_block(cell, r1, r2);
        }
        let ends = self.lens();
        HistoGroup {
            param,
            pieces: [0, 1, 2].map(|i| (starts[i] as u32, ends[i] as u32)),
        }
    }

    fn push_block(&mut self, cell: usize, r1: &[f64], r2: &[f64]) {
        let mut j = 0;
        while j < r1.len() {
            let c = u32::try_from(cell + j).expect("cell index fits u32");
            let w = match r1.len() - j {
                3.. => 4,
                2 => 2,
                _ => 1,
            };
            // R1 | R2 over w lanes each, zero past the block's bins.
            let packed = |k: usize| {
                let (r, k) = if k < w { (r1, k) } else { (r2, k - w) };
                r.get(j + k).copied().unwrap_or(0.0)
            };
            match w {
                4 => {
                    self.c4.push(c);
                    self.r4.push(Line(std::array::from_fn(packed)));
                }
                2 => {
                    self.c2.push(c);
                    self.r2.push(Half(std::array::from_fn(packed)));
                }
                _ => {
                    self.c1.push(c);
                    self.r1.push(std::array::from_fn(packed));
                }
            }
            j += w;
        }
    }

    /// Every piece inside `n_cells` cells, and every group's ranges inside
    /// the piece lists: what the unchecked loads of [`Self::dot`] rely on.
    pub(super) fn indices_fit(&self, groups: &[HistoGroup], n_cells: usize) -> bool {
        let fit = |cells: &[u32], w: usize| cells.iter().all(|&c| c as usize + w <= n_cells);
        let lens = self.lens();
        fit(&self.c4, 4)
            && fit(&self.c2, 2)
            && fit(&self.c1, 1)
            && groups.iter().all(|g| {
                (0..3).all(|i| g.pieces[i].0 <= g.pieces[i].1 && g.pieces[i].1 as usize <= lens[i])
            })
    }

    /// Σ wpf·(R1 + ds2·R2) over the pieces of `group`.
    ///
    /// # Safety
    /// With `AVX512`, the CPU has AVX-512F/VL/DQ. The indices were checked
    /// by [`Self::indices_fit`] against `wpf.len()` cells.
    #[inline(always)]
    pub(super) unsafe fn dot<const AVX512: bool>(
        &self,
        group: &HistoGroup,
        wpf: &[f64],
        ds2: f64,
    ) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if AVX512 {
            // SAFETY: the caller's contract.
            return unsafe { avx512::dot(self, &group.pieces, wpf, ds2) };
        }
        // SAFETY: the caller's contract.
        unsafe { self.dot_lanes(&group.pieces, wpf, ds2) }
    }

    /// [`Self::dot`] on lane arrays.
    #[inline(always)]
    unsafe fn dot_lanes(&self, r: &[(u32, u32); 3], wpf: &[f64], ds2: f64) -> f64 {
        let range = |i: usize| r[i].0 as usize..r[i].1 as usize;
        // Two accumulators for the 4-cell pieces, even and odd ones.
        let piece = |a: &mut [f64; 8], c: u32, rows: &[f64; 8]| {
            let c = c as usize;
            // SAFETY: c + 4 ≤ wpf.len() (the caller's contract).
            let w: [f64; 8] = std::array::from_fn(|k| unsafe { gather(wpf, c + (k & 3)) });
            for k in 0..8 {
                a[k] = w[k].mul_add(rows[k], a[k]);
            }
        };
        let (c4, r4) = (&self.c4[range(0)], &self.r4[range(0)]);
        let (mut a4, mut b4) = ([0.0; 8], [0.0; 8]);
        for (c, r) in c4.chunks_exact(2).zip(r4.chunks_exact(2)) {
            piece(&mut a4, c[0], &r[0].0);
            piece(&mut b4, c[1], &r[1].0);
        }
        if let (Some(&c), Some(Line(r))) = (c4.last(), r4.last())
            && c4.len() % 2 == 1
        {
            piece(&mut a4, c, r);
        }
        let a4: [f64; 8] = std::array::from_fn(|k| a4[k] + b4[k]);
        let mut a2 = [0.0; 4];
        for (&c, Half(rows)) in self.c2[range(1)].iter().zip(&self.r2[range(1)]) {
            let c = c as usize;
            // SAFETY: c + 2 ≤ wpf.len().
            let w: [f64; 4] = std::array::from_fn(|k| unsafe { gather(wpf, c + (k & 1)) });
            for k in 0..4 {
                a2[k] = w[k].mul_add(rows[k], a2[k]);
            }
        }
        let mut a1 = [0.0; 2];
        for (&c, rows) in self.c1[range(2)].iter().zip(&self.r1[range(2)]) {
            // SAFETY: c < wpf.len().
            let w = unsafe { gather(wpf, c as usize) };
            for k in 0..2 {
                a1[k] = w.mul_add(rows[k], a1[k]);
            }
        }
        // R1 + ds2·R2 lane by lane, then across lanes, halves first. The
        // compiler would otherwise vectorise the loops above as pairs of
        // this reduction's lanes, with shuffles on every row.
        let (a4, a2, a1) = std::hint::black_box((a4, a2, a1));
        let mut t4 = [0.0; 4];
        for k in 0..4 {
            t4[k] = ds2.mul_add(a4[k + 4], a4[k]);
        }
        let t2 = [
            (t4[0] + t4[2]) + ds2.mul_add(a2[2], a2[0]),
            (t4[1] + t4[3]) + ds2.mul_add(a2[3], a2[1]),
        ];
        (t2[0] + t2[1]) + ds2.mul_add(a1[1], a1[0])
    }
}

/// The histosys rows again, block by block, for the shift: a column is
/// `W` consecutive cells of one block, followed by the rows R1, R2 of
/// every histosys modifier of the block on those cells (its entries). A
/// column's shift accumulates in registers over its entries and is stored
/// once, where the parameter-major [`HistoGrad`] would read and write
/// every cell once per parameter. The gradient keeps the parameter-major
/// rows: one dot product per parameter there beats one short dot product
/// and scattered addition per entry here (by 11%).
///
/// Entries whose rows are all exactly representable in `f32` (most of
/// them where the templates come from single-precision histograms, as in
/// tHu) are stored in `f32`: half the bytes to load (0.2 µs off tHu's
/// NLL), and widening an exact `f32` gives back the same `f64`, so the
/// results do not change.
#[derive(Debug, Clone, Default)]
struct HistoColumns<const W: usize> {
    /// First cell of each column.
    cells: Vec<u32>,
    /// Its entries in `f32`, then in `f64`.
    narrow: Entries<f32, W>,
    wide: Entries<f64, W>,
}

/// Entries of every column: each column's start where the previous
/// column's end; per entry its histosys group (index into the weights),
/// and R1, R2.
#[derive(Debug, Clone, Default)]
struct Entries<T, const W: usize> {
    ends: Vec<u32>,
    groups: Vec<u32>,
    rows: Vec<[[T; W]; 2]>,
}

impl<T: Copy + Into<f64>, const W: usize> Entries<T, W> {
    fn close_column(&mut self) {
        self.ends
            .push(u32::try_from(self.groups.len()).expect("entry count fits u32"));
    }

    fn indices_fit(&self, n_columns: usize, n_groups: usize) -> bool {
        self.ends.len() == n_columns
            && self.groups.iter().all(|&g| (g as usize) < n_groups)
            && self.ends.windows(2).all(|e| e[0] <= e[1])
            && self
                .ends
                .last()
                .is_none_or(|&e| e as usize == self.groups.len())
            && self.rows.len() == self.groups.len()
    }

    /// acc[h][0] += Σ R1·s1, acc[h][1] += Σ R2·s2 over the entries
    /// `range`, even entries in h = 0 and odd ones in h = 1: four
    /// dependency chains, as a multiply-add takes four cycles.
    #[inline(always)]
    unsafe fn accumulate(
        &self,
        range: std::ops::Range<usize>,
        weights: &[[f64; 2]],
        acc: &mut [[[f64; W]; 2]; 2],
    ) {
        let add = |a: &mut [[f64; W]; 2], g: u32, r: &[[T; W]; 2]| {
            // SAFETY: g < weights.len() (`indices_fit` and the caller).
            let [s1, s2] = unsafe { gather(weights, g as usize) };
            for k in 0..W {
                a[0][k] = r[0][k].into().mul_add(s1, a[0][k]);
                a[1][k] = r[1][k].into().mul_add(s2, a[1][k]);
            }
        };
        let (groups, rows) = (&self.groups[range.clone()], &self.rows[range]);
        let [even, odd] = acc;
        for (g, r) in groups.chunks_exact(2).zip(rows.chunks_exact(2)) {
            add(even, g[0], &r[0]);
            add(odd, g[1], &r[1]);
        }
        if let (Some(&g), Some(r)) = (groups.last(), rows.last())
            && groups.len() % 2 == 1
        {
            add(even, g, r);
        }
    }
}

impl<const W: usize> HistoColumns<W> {
    /// Appends a column at `cell`: entries `(group, R1, R2)` of at most
    /// `W` cells, padded with zero rows to `W`.
    fn push(&mut self, cell: usize, entries: &[(u32, &[f64], &[f64])]) {
        self.cells
            .push(u32::try_from(cell).expect("cell index fits u32"));
        let pad =
            |r: &[f64]| -> [f64; W] { std::array::from_fn(|k| r.get(k).copied().unwrap_or(0.0)) };
        let exact = |r: &[f64]| r.iter().all(|&x| f64::from(x as f32) == x);
        for &(g, r1, r2) in entries {
            let rows = [pad(r1), pad(r2)];
            if exact(r1) && exact(r2) {
                self.narrow.groups.push(g);
                self.narrow.rows.push(rows.map(|r| r.map(|x| x as f32)));
            } else {
                self.wide.groups.push(g);
                self.wide.rows.push(rows);
            }
        }
        self.narrow.close_column();
        self.wide.close_column();
    }

    fn indices_fit(&self, n_groups: usize, n_cells: usize) -> bool {
        self.cells.iter().all(|&c| c as usize + W <= n_cells)
            && self.narrow.indices_fit(self.cells.len(), n_groups)
            && self.wide.indices_fit(self.cells.len(), n_groups)
    }

    /// base = nominal + Σ_entries R1·s1 + R2·s2 on every column, the `f32`
    /// entries first, in four accumulators ([`Entries::accumulate`])
    /// added as (a1 + a2) + (b1 + b2).
    #[inline(always)]
    unsafe fn shift_lanes(&self, nominal: &[f64], weights: &[[f64; 2]], base: &mut [f64]) {
        let (mut start32, mut start64) = (0, 0);
        for (i, &c) in self.cells.iter().enumerate() {
            let c = c as usize;
            let (end32, end64) = (self.narrow.ends[i] as usize, self.wide.ends[i] as usize);
            let nom: [f64; W] = nominal[c..c + W].try_into().expect("column in bounds");
            let mut acc = [[nom, [0.0; W]], [[0.0; W]; 2]];
            // SAFETY: the caller's contract.
            unsafe {
                self.narrow.accumulate(start32..end32, weights, &mut acc);
                self.wide.accumulate(start64..end64, weights, &mut acc);
            }
            let [[a1, a2], [b1, b2]] = acc;
            let out = &mut base[c..c + W];
            for k in 0..W {
                out[k] = (a1[k] + a2[k]) + (b1[k] + b2[k]);
            }
            (start32, start64) = (end32, end64);
        }
    }
}

/// [`HistoColumns`] of 4 and 8 cells: a block's bins are cut in columns of
/// 8, and a last column of up to 4 bins is padded to 4, one of 5 to 7 bins
/// to 8, with zero rows (the padding cells of the block; they stay 0).
/// One vector per row beats a 4 + 2 or 4 + 1 split by the instructions
/// saved, more than the zeros cost in loads.
#[derive(Debug, Clone, Default)]
pub(super) struct HistoForward {
    w4: HistoColumns<4>,
    w8: HistoColumns<8>,
}

impl HistoForward {
    /// Appends one block of `nbins` bins from `cell` on: entries
    /// `(group, R1, R2)`, each row `nbins` long.
    pub(super) fn push_block(&mut self, cell: usize, nbins: usize, mods: &[(u32, &[f64], &[f64])]) {
        if mods.is_empty() {
            return;
        }
        for j in (0..nbins).step_by(8) {
            let w = (nbins - j).min(8);
            let entries: Vec<(u32, &[f64], &[f64])> = mods
                .iter()
                .map(|&(g, r1, r2)| (g, &r1[j..j + w], &r2[j..j + w]))
                .collect();
            if w <= 4 {
                self.w4.push(cell + j, &entries);
            } else {
                self.w8.push(cell + j, &entries);
            }
        }
    }

    /// Every column inside `n_cells` cells and every entry's group below
    /// `n_groups`: what the unchecked loads of [`Self::shift`] rely on.
    pub(super) fn indices_fit(&self, n_groups: usize, n_cells: usize) -> bool {
        self.w4.indices_fit(n_groups, n_cells) && self.w8.indices_fit(n_groups, n_cells)
    }

    /// base = nominal + Σ histosys R1·s1 + R2·s2 on the cells of blocks
    /// with histosys (`weights` = [s1, s2] per group).
    ///
    /// # Safety
    /// With `AVX512`, the CPU has AVX-512F/VL/DQ. The indices were checked
    /// by [`Self::indices_fit`] against `weights.len()` groups, and
    /// `nominal` and `base` are as long as the cells checked.
    #[inline(always)]
    pub(super) unsafe fn shift<const AVX512: bool>(
        &self,
        nominal: &[f64],
        weights: &[[f64; 2]],
        base: &mut [f64],
    ) {
        #[cfg(target_arch = "x86_64")]
        if AVX512 {
            // SAFETY: the caller's contract.
            unsafe {
                avx512::shift4(&self.w4, nominal, weights, base);
                avx512::shift8(&self.w8, nominal, weights, base);
            }
            return;
        }
        // SAFETY: the caller's contract.
        unsafe {
            self.w4.shift_lanes(nominal, weights, base);
            self.w8.shift_lanes(nominal, weights, base);
        }
    }
}

/// The loops above with AVX-512 intrinsics, operation for operation.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{HistoColumns, HistoGrad};

    /// [`HistoGrad::dot_lanes`].
    ///
    /// # Safety
    /// As [`HistoGrad::dot`] with `AVX512`.
    #[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
    pub(super) unsafe fn dot(h: &HistoGrad, r: &[(u32, u32); 3], wpf: &[f64], ds2: f64) -> f64 {
        let wp = wpf.as_ptr();
        // SAFETY: the pieces' cells and the ranges were checked by
        // `indices_fit`; r4 and r2 are 64- and 32-byte aligned.
        unsafe {
            let (c4, r4) = (h.c4.as_ptr(), h.r4.as_ptr().cast::<f64>());
            let piece = |i: usize| {
                let w = _mm512_broadcast_f64x4(_mm256_loadu_pd(wp.add(*c4.add(i) as usize)));
                (w, _mm512_load_pd(r4.add(8 * i)))
            };
            let (mut a4, mut b4) = (_mm512_setzero_pd(), _mm512_setzero_pd());
            let (mut i, end) = (r[0].0 as usize, r[0].1 as usize);
            while i + 1 < end {
                let ((w0, r0), (w1, r1)) = (piece(i), piece(i + 1));
                a4 = _mm512_fmadd_pd(w0, r0, a4);
                b4 = _mm512_fmadd_pd(w1, r1, b4);
                i += 2;
            }
            if i < end {
                let (w0, r0) = piece(i);
                a4 = _mm512_fmadd_pd(w0, r0, a4);
            }
            let a4 = _mm512_add_pd(a4, b4);
            let (c2, r2) = (h.c2.as_ptr(), h.r2.as_ptr().cast::<f64>());
            let mut a2 = _mm256_setzero_pd();
            for i in r[1].0 as usize..r[1].1 as usize {
                let w2 = _mm_loadu_pd(wp.add(*c2.add(i) as usize));
                let w = _mm256_insertf128_pd(_mm256_castpd128_pd256(w2), w2, 1);
                a2 = _mm256_fmadd_pd(w, _mm256_load_pd(r2.add(4 * i)), a2);
            }
            let (c1, r1) = (h.c1.as_ptr(), h.r1.as_ptr().cast::<f64>());
            let mut a1 = _mm_setzero_pd();
            for i in r[2].0 as usize..r[2].1 as usize {
                let w = _mm_set1_pd(*wp.add(*c1.add(i) as usize));
                a1 = _mm_fmadd_pd(w, _mm_loadu_pd(r1.add(2 * i)), a1);
            }
            let d = _mm256_set1_pd(ds2);
            let t4 = _mm256_fmadd_pd(d, _mm512_extractf64x4_pd(a4, 1), _mm512_castpd512_pd256(a4));
            let t2 = _mm_fmadd_pd(
                _mm256_castpd256_pd128(d),
                _mm256_extractf128_pd(a2, 1),
                _mm256_castpd256_pd128(a2),
            );
            let t4h = _mm_add_pd(_mm256_castpd256_pd128(t4), _mm256_extractf128_pd(t4, 1));
            let u = _mm_add_pd(t4h, t2);
            let hi = |v: __m128d| _mm_cvtsd_f64(_mm_unpackhi_pd(v, v));
            (_mm_cvtsd_f64(u) + hi(u)) + ds2.mul_add(hi(a1), _mm_cvtsd_f64(a1))
        }
    }

    /// [`HistoColumns::shift_lanes`] on columns of `$w` cells, in vectors
    /// `$pd` of `$w` doubles: the same loop for 8 and 4 cells, with the
    /// intrinsics of each width.
    macro_rules! shift_columns {
        ($name:ident, $w:literal, $pd:ty, $load:ident, $load_f32:ident, $widen:ident,
         $splat:ident, $zero:ident, $fmadd:ident, $add:ident, $store:ident) => {
            /// # Safety
            /// As [`super::HistoForward::shift`] with `AVX512`.
            #[target_feature(enable = "avx2,fma,avx512f,avx512dq,avx512vl")]
            pub(super) unsafe fn $name(
                h: &HistoColumns<$w>,
                nominal: &[f64],
                weights: &[[f64; 2]],
                base: &mut [f64],
            ) {
                let (n, w) = (&h.narrow, &h.wide);
                let (rows32, groups32) = (n.rows.as_ptr().cast::<f32>(), n.groups.as_ptr());
                let (rows64, groups64) = (w.rows.as_ptr().cast::<f64>(), w.groups.as_ptr());
                let wp = weights.as_ptr().cast::<f64>();
                let (nom, out) = (nominal.as_ptr(), base.as_mut_ptr());
                let (mut start32, mut start64) = (0, 0);
                // SAFETY: cells, groups and entry ranges checked by
                // `indices_fit`.
                unsafe {
                    let splat = |g: usize| ($splat(*wp.add(2 * g)), $splat(*wp.add(2 * g + 1)));
                    // (R1, R2, s1, s2) of an entry.
                    let narrow = |e: usize| -> ($pd, $pd, ($pd, $pd)) {
                        let r = rows32.add(2 * $w * e);
                        let (r1, r2) = ($widen($load_f32(r)), $widen($load_f32(r.add($w))));
                        (r1, r2, splat(*groups32.add(e) as usize))
                    };
                    let wide = |e: usize| -> ($pd, $pd, ($pd, $pd)) {
                        let r = rows64.add(2 * $w * e);
                        ($load(r), $load(r.add($w)), splat(*groups64.add(e) as usize))
                    };
                    let add = |acc: &mut [$pd; 2], (r1, r2, (s1, s2)): ($pd, $pd, ($pd, $pd))| {
                        acc[0] = $fmadd(r1, s1, acc[0]);
                        acc[1] = $fmadd(r2, s2, acc[1]);
                    };
                    for (i, &c) in h.cells.iter().enumerate() {
                        let c = c as usize;
                        let end32 = *n.ends.get_unchecked(i) as usize;
                        let end64 = *w.ends.get_unchecked(i) as usize;
                        // Even entries in a, odd ones in b.
                        let mut a = [$load(nom.add(c)), $zero()];
                        let mut b = [$zero(); 2];
                        let mut e = start32;
                        while e + 1 < end32 {
                            add(&mut a, narrow(e));
                            add(&mut b, narrow(e + 1));
                            e += 2;
                        }
                        if e < end32 {
                            add(&mut a, narrow(e));
                        }
                        let mut e = start64;
                        while e + 1 < end64 {
                            add(&mut a, wide(e));
                            add(&mut b, wide(e + 1));
                            e += 2;
                        }
                        if e < end64 {
                            add(&mut a, wide(e));
                        }
                        $store(out.add(c), $add($add(a[0], a[1]), $add(b[0], b[1])));
                        (start32, start64) = (end32, end64);
                    }
                }
            }
        };
    }

    shift_columns!(
        shift8,
        8,
        __m512d,
        _mm512_loadu_pd,
        _mm256_loadu_ps,
        _mm512_cvtps_pd,
        _mm512_set1_pd,
        _mm512_setzero_pd,
        _mm512_fmadd_pd,
        _mm512_add_pd,
        _mm512_storeu_pd
    );
    shift_columns!(
        shift4,
        4,
        __m256d,
        _mm256_loadu_pd,
        _mm_loadu_ps,
        _mm256_cvtps_pd,
        _mm256_set1_pd,
        _mm256_setzero_pd,
        _mm256_fmadd_pd,
        _mm256_add_pd,
        _mm256_storeu_pd
    );
}

#[cfg(test)]
mod tests {
    use super::{HistoForward, HistoGrad};

    /// Blocks of 1 to 9 bins, whose rows are exact in `f32` where the
    /// number of bins is even.
    fn blocks() -> Vec<(usize, Vec<f64>, Vec<f64>)> {
        let mut out = Vec::new();
        let mut cell = 0;
        for nb in 1..=9usize {
            let r = |k: usize, j: usize| {
                let x = 0.37 * (k as f64) - 0.11 * (j as f64) + 1.0;
                if nb % 2 == 0 { f64::from(x as f32) } else { x }
            };
            out.push((
                cell,
                (0..nb).map(|j| r(nb, j)).collect(),
                (0..nb).map(|j| -0.5 * r(nb + 1, j)).collect(),
            ));
            cell += nb.div_ceil(4) * 4;
        }
        out
    }

    /// The shift and the gradient dot against a plain sum over cells, and
    /// the AVX-512 loops against the lane-array ones, to the bit.
    #[test]
    fn shift_and_dot_match_plain_sums_and_agree_across_builds() {
        let blocks = blocks();
        let n_cells = blocks
            .last()
            .map(|b| b.0 + b.1.len().div_ceil(4) * 4)
            .unwrap();
        // Two modifiers per block (groups 0 and 1), the second one's rows
        // the first one's, reversed in sign.
        let neg: Vec<(Vec<f64>, Vec<f64>)> = blocks
            .iter()
            .map(|(_, r1, r2)| {
                (
                    r1.iter().map(|x| -x).collect(),
                    r2.iter().map(|x| -2.0 * x).collect(),
                )
            })
            .collect();
        let mut fw = HistoForward::default();
        for ((cell, r1, r2), (n1, n2)) in blocks.iter().zip(&neg) {
            fw.push_block(*cell, r1.len(), &[(0, r1, r2), (1, n1, n2)]);
        }
        assert_eq!(
            (fw.w4.narrow.groups.len(), fw.w4.wide.groups.len()),
            (4, 6),
            "columns of 2 and 4 bins narrow; of 1, 3 and the last of 9 wide"
        );
        assert_eq!(
            (fw.w8.narrow.groups.len(), fw.w8.wide.groups.len()),
            (4, 6),
            "columns of 6 and 8 bins narrow; of 5, 7 and the first of 9 wide"
        );
        let nominal: Vec<f64> = (0..n_cells).map(|c| 10.0 + c as f64).collect();
        let weights = [[0.3, -0.7], [1.1, 0.25]];
        assert!(fw.indices_fit(weights.len(), n_cells));
        let mut base = vec![f64::NAN; n_cells];
        // SAFETY: indices checked just above; the lane-array loops.
        unsafe { fw.shift::<false>(&nominal, &weights, &mut base) };
        for ((cell, r1, r2), (n1, n2)) in blocks.iter().zip(&neg) {
            for j in 0..r1.len() {
                let want =
                    nominal[cell + j] + (r1[j] * 0.3 + r2[j] * -0.7) + (n1[j] * 1.1 + n2[j] * 0.25);
                let got = base[cell + j];
                assert!(
                    (got - want).abs() <= 1e-13 * want.abs(),
                    "cell {}: {got} vs {want}",
                    cell + j
                );
            }
        }

        let mut grad = HistoGrad::default();
        let mods: Vec<(usize, &[f64], &[f64])> = blocks
            .iter()
            .map(|(c, r1, r2)| (*c, &r1[..], &r2[..]))
            .collect();
        let group = grad.push_param(0, &mods);
        assert!(grad.indices_fit(std::slice::from_ref(&group), n_cells));
        let wpf: Vec<f64> = (0..n_cells).map(|c| 0.5 - 0.01 * c as f64).collect();
        let ds2 = 0.4;
        // SAFETY: as for the shift.
        let got = unsafe { grad.dot::<false>(&group, &wpf, ds2) };
        let wpf_ref = &wpf;
        let want: f64 = blocks
            .iter()
            .flat_map(|(cell, r1, r2)| {
                (0..r1.len()).map(move |j| wpf_ref[cell + j] * (r1[j] + ds2 * r2[j]))
            })
            .sum();
        assert!((got - want).abs() <= 1e-13 * want.abs(), "{got} vs {want}");

        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512dq")
            && std::is_x86_feature_detected!("avx512vl")
        {
            let mut wide = vec![f64::NAN; n_cells];
            // SAFETY: the CPU has AVX-512 (checked above).
            unsafe { fw.shift::<true>(&nominal, &weights, &mut wide) };
            for (c, (a, b)) in base.iter().zip(&wide).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "shift, cell {c}");
            }
            // SAFETY: as above.
            let d = unsafe { grad.dot::<true>(&group, &wpf, ds2) };
            assert_eq!(got.to_bits(), d.to_bits(), "gradient dot");
        }
    }
}
