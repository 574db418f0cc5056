//! Building the kernel's dense layout from the compiled parts, and the
//! shape checks that let the hot loops skip bounds checks.

use super::*;

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
    pub(super) fn check_indices(&self) {
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
    pub(super) fn check_shapes(&self, x: &[f64], data: Option<&Data>, s: &Scratch) {
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
}
