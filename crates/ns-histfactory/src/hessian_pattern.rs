//! Which parameter pairs can have a non-zero mixed second derivative.
//!
//! The NLL is Σ_bins Poisson(n_b | λ_b) plus constraint terms that each
//! depend on one parameter, so two parameters interact only when both enter
//! the expected rate λ_b of some main bin. Scalar modifiers (normfactor,
//! lumi, normsys) and histosys enter every bin of their sample's block,
//! per-bin modifiers (staterror, shapesys, shapefactor) the one bin their
//! index row names. The pattern is a superset (a zero histosys delta still
//! counts), which is what the grouped Hessian needs.

use crate::parts::Parts;

/// Neighbours of each parameter (sorted, without itself).
pub(crate) fn hessian_pattern(p: &Parts) -> Vec<Vec<usize>> {
    let n = p.names.len();
    let words = n.div_ceil(64);
    let n_main = p.observed_main.len();
    // Parameters entering each main bin.
    let mut in_bin: Vec<Vec<usize>> = vec![Vec::new(); n_main];
    for b in &p.blocks {
        let whole = p.scalar_mods[b.scalars.clone()]
            .iter()
            .map(|m| m.param)
            .chain(p.histo_mods[b.histos.clone()].iter().map(|h| h.param));
        let whole: Vec<usize> = whole.collect();
        for k in 0..b.nbins {
            let bin = &mut in_bin[b.bin_start + k];
            bin.extend_from_slice(&whole);
            for m in &p.perbin_mods[b.perbins.clone()] {
                bin.push(p.perbin_index[m.index_start + k]);
            }
        }
    }
    let mut bits = vec![0u64; n * words];
    let mut row = vec![0u64; words];
    for params in &mut in_bin {
        params.sort_unstable();
        params.dedup();
        row.fill(0);
        for &q in params.iter() {
            row[q / 64] |= 1 << (q % 64);
        }
        for &q in params.iter() {
            for (w, r) in bits[q * words..(q + 1) * words].iter_mut().zip(&row) {
                *w |= r;
            }
        }
    }
    (0..n)
        .map(|i| {
            let mut out = Vec::new();
            for (w, &word) in bits[i * words..(i + 1) * words].iter().enumerate() {
                let mut rest = word;
                while rest != 0 {
                    let j = w * 64 + rest.trailing_zeros() as usize;
                    if j != i {
                        out.push(j);
                    }
                    rest &= rest - 1;
                }
            }
            out
        })
        .collect()
}
