//! Convergence diagnostics as Vehtari, Gelman, Simpson, Carpenter & Bürkner
//! (2021, "Rank-normalization, folding, and localization", Bayesian
//! Analysis 16(2)) define them, with ArviZ's conventions (split chains drop
//! the middle draw when the count is odd; Blom's 3/8 offset for ranks;
//! Geyer's initial monotone sequence with autocovariances divided by `n`).
//!
//! Every function takes `chains`: one slice of draws per chain, all of the
//! same length. NaN anywhere gives NaN, as in ArviZ.

use ns_core::normal::normal_quantile;

fn has_nan(chains: &[&[f64]]) -> bool {
    chains.iter().any(|c| c.iter().any(|v| v.is_nan()))
}

/// Each chain cut into its first and last `n/2` draws.
fn split(chains: &[&[f64]]) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(2 * chains.len());
    for c in chains {
        let h = c.len() / 2;
        out.push(c[..h].to_vec());
    }
    for c in chains {
        let h = c.len() / 2;
        out.push(c[c.len() - h..].to_vec());
    }
    out
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

fn var_ddof1(x: &[f64]) -> f64 {
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() as f64 - 1.0)
}

/// Average ranks (1-based, ties averaged) of all values pooled.
fn ranks(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = chains.iter().flatten().copied().collect();
    let mut idx: Vec<usize> = (0..flat.len()).collect();
    idx.sort_by(|&a, &b| flat[a].total_cmp(&flat[b]));
    let mut r = vec![0.0; flat.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && flat[idx[j + 1]] == flat[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    let n = chains[0].len();
    r.chunks(n).map(|c| c.to_vec()).collect()
}

/// Rank normalisation: `Φ⁻¹((r - 3/8) / (S + 1/4))`.
fn z_scale(chains: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let s = chains.iter().map(Vec::len).sum::<usize>() as f64;
    ranks(chains)
        .into_iter()
        .map(|c| {
            c.into_iter()
                .map(|r| normal_quantile((r - 0.375) / (s + 0.25)))
                .collect()
        })
        .collect()
}

/// Classic potential scale reduction of (already split) chains.
fn rhat_plain(chains: &[Vec<f64>]) -> f64 {
    let n = chains[0].len() as f64;
    let means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let within = mean(&chains.iter().map(|c| var_ddof1(c)).collect::<Vec<_>>());
    let between = n * var_ddof1(&means);
    ((between / within + n - 1.0) / n).sqrt()
}

/// Quantile with linear interpolation (R type 7, numpy's default).
pub fn quantile(values: &[f64], p: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let h = (v.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + (h - lo as f64) * (v[hi] - v[lo])
}

/// Effective sample size of (already split) chains by Geyer's initial
/// monotone sequence estimator.
fn ess_plain(chains: &[Vec<f64>]) -> f64 {
    let m = chains.len();
    let n = chains[0].len();
    let flat = chains.iter().flatten();
    let (lo, hi) = flat.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
        (a.min(v), b.max(v))
    });
    if hi - lo < 1e-15 {
        return (m * n) as f64;
    }
    let centred: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| {
            let mu = mean(c);
            c.iter().map(|v| v - mu).collect()
        })
        .collect();
    // Mean over chains of the autocovariance at `lag` (divided by n).
    let acov = |lag: usize| {
        centred
            .iter()
            .map(|c| (0..n - lag).map(|t| c[t] * c[t + lag]).sum::<f64>() / n as f64)
            .sum::<f64>()
            / m as f64
    };
    let nf = n as f64;
    let chain_means: Vec<f64> = chains.iter().map(|c| mean(c)).collect();
    let mean_var = acov(0) * nf / (nf - 1.0);
    let mut var_plus = mean_var * (nf - 1.0) / nf;
    if m > 1 {
        var_plus += var_ddof1(&chain_means);
    }
    let rho = |lag: usize| 1.0 - (mean_var - acov(lag)) / var_plus;
    let mut rho_t = vec![0.0; n];
    let mut even = 1.0;
    let mut odd = rho(1);
    rho_t[0] = even;
    rho_t[1] = odd;
    let mut t = 1;
    while t + 3 < n && even + odd > 0.0 {
        even = rho(t + 1);
        odd = rho(t + 2);
        if even + odd >= 0.0 {
            rho_t[t + 1] = even;
            rho_t[t + 2] = odd;
        }
        t += 2;
    }
    let max_t = t as isize - 2;
    if even > 0.0 {
        rho_t[(max_t + 1) as usize] = even;
    }
    let mut t = 1isize;
    while t <= max_t - 2 {
        let u = t as usize;
        if rho_t[u + 1] + rho_t[u + 2] > rho_t[u - 1] + rho_t[u] {
            rho_t[u + 1] = (rho_t[u - 1] + rho_t[u]) / 2.0;
            rho_t[u + 2] = rho_t[u + 1];
        }
        t += 2;
    }
    let total = (m * n) as f64;
    let upto = (max_t + 1).max(0) as usize;
    let tau = -1.0
        + 2.0 * rho_t[..upto].iter().sum::<f64>()
        + rho_t[upto..(upto + 1).min(n)].iter().sum::<f64>();
    let tau = tau.max(1.0 / total.log10());
    if rho_t.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    total / tau
}

fn valid(chains: &[&[f64]]) -> bool {
    !chains.is_empty()
        && chains[0].len() >= 4
        && chains.iter().all(|c| c.len() == chains[0].len())
        && !has_nan(chains)
}

/// Rank-normalised split R̂: the larger of the bulk and the folded (tail)
/// versions. (ArviZ needs two chains; with one, the split halves are used.)
pub fn rhat(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    let s = split(chains);
    let bulk = rhat_plain(&z_scale(&s));
    let flat: Vec<f64> = s.iter().flatten().copied().collect();
    let med = quantile(&flat, 0.5);
    let folded: Vec<Vec<f64>> = s
        .iter()
        .map(|c| c.iter().map(|v| (v - med).abs()).collect())
        .collect();
    bulk.max(rhat_plain(&z_scale(&folded)))
}

/// Bulk effective sample size (rank-normalised split chains).
pub fn ess_bulk(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    ess_plain(&z_scale(&split(chains)))
}

/// Effective sample size of the indicator `x ≤ q_p` (split chains).
fn ess_quantile(chains: &[&[f64]], p: f64) -> f64 {
    let flat: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    let q = quantile(&flat, p);
    let ind: Vec<Vec<f64>> = chains
        .iter()
        .map(|c| c.iter().map(|&v| if v <= q { 1.0 } else { 0.0 }).collect())
        .collect();
    let refs: Vec<&[f64]> = ind.iter().map(Vec::as_slice).collect();
    ess_plain(&split(&refs))
}

/// Tail effective sample size: the smaller of the ESS of the 5% and 95%
/// quantile indicators.
pub fn ess_tail(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    ess_quantile(chains, 0.05).min(ess_quantile(chains, 0.95))
}

/// ESS of the mean (split chains, no rank normalisation).
pub fn ess_mean(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    ess_plain(&split(chains))
}

/// Monte-Carlo standard error of the mean: `sd / √ESS_mean`.
pub fn mcse_mean(chains: &[&[f64]]) -> f64 {
    if !valid(chains) {
        return f64::NAN;
    }
    let flat: Vec<f64> = chains.iter().flat_map(|c| c.iter().copied()).collect();
    var_ddof1(&flat).sqrt() / ess_mean(chains).sqrt()
}

/// One row of [`summary`].
#[derive(Debug, Clone, PartialEq)]
pub struct ParamSummary {
    /// Parameter name.
    pub name: String,
    /// Posterior mean.
    pub mean: f64,
    /// Posterior standard deviation (ddof 1).
    pub sd: f64,
    /// 5%, 50%, 95% quantiles.
    pub quantiles: [f64; 3],
    /// MCSE of the mean.
    pub mcse_mean: f64,
    /// Bulk ESS.
    pub ess_bulk: f64,
    /// Tail ESS.
    pub ess_tail: f64,
    /// Rank-normalised split R̂.
    pub r_hat: f64,
}

/// The usual table, one row per constrained parameter.
pub fn summary(samples: &crate::Samples) -> Vec<ParamSummary> {
    (0..samples.param_names.len())
        .map(|j| {
            let ch = samples.param(j);
            let refs: Vec<&[f64]> = ch.iter().map(Vec::as_slice).collect();
            let flat: Vec<f64> = ch.iter().flatten().copied().collect();
            ParamSummary {
                name: samples.param_names[j].clone(),
                mean: mean(&flat),
                sd: var_ddof1(&flat).sqrt(),
                quantiles: [
                    quantile(&flat, 0.05),
                    quantile(&flat, 0.5),
                    quantile(&flat, 0.95),
                ],
                mcse_mean: mcse_mean(&refs),
                ess_bulk: ess_bulk(&refs),
                ess_tail: ess_tail(&refs),
                r_hat: rhat(&refs),
            }
        })
        .collect()
}
