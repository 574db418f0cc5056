//! Second sweep: ∂NLL/∂θ pushed back from w = ∂NLL/∂ν through every
//! modifier.

use super::*;

impl Kernel {
    /// ∂/∂θ_j of `scale` · Π_i f_i over the scalar factors `terms`
    /// ([`add_product_grad`]), with shortcuts for one and two factors.
    #[inline(always)]
    pub(super) fn prefix_suffix_grad(
        term_param: &[u32],
        terms: &[u32],
        scale: f64,
        s: &mut Scratch,
    ) {
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
    pub(super) fn linear_product_grad(params: &[u32], scale: f64, s: &mut Scratch) {
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
    pub(super) fn stretch_dot(s: &Scratch, cell: usize, bin: usize, len: usize) -> f64 {
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
    pub(super) fn backward<const AVX512: bool>(&self, s: &mut Scratch) {
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
}
