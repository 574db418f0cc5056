//! First sweep: scalar factors, histosys shifts and ν with the per-cell
//! products cached for the gradient.

use super::*;

impl Kernel {
    /// Value, derivative and f'/f of every scalar factor at `x` (f'/f is
    /// used for normsys only).
    #[inline(always)]
    pub(super) fn eval_terms(&self, x: &[f64], s: &mut Scratch) {
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
    pub(super) fn eval_histosys<const AVX512: bool>(&self, x: &[f64], s: &mut Scratch) {
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
    pub(super) fn forward<const AVX512: bool>(&self, x: &[f64], s: &mut Scratch) {
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
}
