//! The NLL terms: main-bin Poisson terms and the constraint terms, each a
//! branch-free pass (with their gradients).

use super::*;

impl Kernel {
    /// Σ_b [ν − n ln ν + lnΓ(n+1)] over the padded bins (padding has
    /// ν = n = 0 and adds 0), as n·h(d) + S(n) with d = (ν − n)/n
    /// ([`crate::poisson`]: no cancellation at large n); with `GRAD`, also
    /// w_b = 1 − n_b/ν_b = d/q. +∞ if a bin with data has ν ≤ 0. One
    /// branch-free pass that the compiler vectorises; q = ν/n outside the
    /// normal range (ν ≤ 0, NaN, extreme ratios) and irregular data are
    /// redone afterwards.
    #[inline(always)]
    pub(super) fn main_nll<const GRAD: bool>(&self, data: &Data, s: &mut Scratch) -> f64 {
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
    pub(super) fn constraint_nll<const GRAD: bool>(&self, data: &Data, s: &mut Scratch) -> f64 {
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
}
