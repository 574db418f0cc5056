//! Toy-based hypothesis tests (pyhf's `ToyCalculator`).
//!
//! As pyhf 0.7.6 (`pyhf/infer/calculators.py`):
//!
//! * s+b toys are sampled at the conditional fit to the observed data at
//!   the tested `mu`, b-only toys at the conditional fit at `mu = 0`
//!   (`mu = 1` for `q0`): main bins Poisson, auxiliary data from each
//!   constraint's own distribution (the model's [`PseudoData`]);
//! * each toy's statistic (`q~_mu` by default) comes from a free and a
//!   conditional fit; the p-values are the fractions of toys with a
//!   statistic `>=` the observed one (`EmpiricalDistribution.pvalue`);
//!   `CLs = CLs+b / CLb`; for `q0` (s+b toys at mu = 0, b-only toys at
//!   mu = 1) pyhf returns p0 = CLs+b and its band in CLs's place, and so
//!   does [`ToyHypotestResult`];
//! * the expected band: for every b-only toy, its own CLs+b, CLb and CLs
//!   against the two distributions, then the 2.275…, 15.87…, 50, 84.13…,
//!   97.72… percentiles (numpy `percentile`, linear) of each.
//!
//! Differences from pyhf, none of which change the statistics:
//!
//! * Each toy's fits start from the parameters the toy was generated at
//!   (pyhf starts every fit at the suggested init); both reach the same
//!   minimum, ours in far fewer iterations.
//! * Reproducible parallelism: toy `i` of stream `s` (0 = s+b, 1 = b-only)
//!   draws from its own Xoshiro256++ generator seeded from
//!   `(seed, s, i)` through SplitMix64, and the results are collected in
//!   index order, so they are bit-identical for a seed whatever the number
//!   of threads.
//! * A toy whose fit does not converge is kept with the statistic from the
//!   best point the fit reached, and counted in [`ToyDistribution::n_failed`]
//!   (pyhf would stop with `FailedMinimization`). A non-finite statistic
//!   makes the p-values it enters NaN, visibly.

use std::sync::atomic::{AtomicBool, Ordering};

use ns_core::{FitStatus, Model, PseudoData};
use ns_optim::LbfgsbOptions;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;
use rayon::prelude::*;

use crate::error::{InferError, Result};
use crate::mle::{FitOptions, Fitter};
use crate::test_statistics::{self, TestStatistic, WarmStart, free_poi};

/// numpy percentiles of the normal distribution at −2σ…+2σ used by pyhf's
/// `ToyCalculator.expected_pvalues` (as written there, to 8 decimals).
pub const NORMAL_PERCENTILES: [f64; 5] = [2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681];

/// Options of a toy-based hypothesis test.
#[derive(Clone, Default)]
pub struct ToyOptions<'a> {
    /// Number of toys per hypothesis (s+b and b-only each).
    pub n_toys: usize,
    /// Seed of the toy random streams.
    pub seed: u64,
    /// Test statistic (`q~_mu` by default; `q` and `q0` also work).
    pub test_stat: TestStatistic,
    /// Minimiser settings for the toy fits (default: those of the fit
    /// options).
    pub toy_optimizer: Option<LbfgsbOptions>,
    /// Set to `true` from another thread (Ctrl-C) to stop; the call then
    /// returns [`InferError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
    /// Called once per finished toy (from worker threads).
    pub progress: Option<&'a (dyn Fn() + Sync)>,
}

impl std::fmt::Debug for ToyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToyOptions")
            .field("n_toys", &self.n_toys)
            .field("seed", &self.seed)
            .field("test_stat", &self.test_stat)
            .field("toy_optimizer", &self.toy_optimizer)
            .finish_non_exhaustive()
    }
}

/// The sampled distribution of the test statistic under one hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyDistribution {
    /// Test statistic of every toy, in toy-index order.
    pub test_stats: Vec<f64>,
    /// Parameters the toys were generated at.
    pub generating_pars: Vec<f64>,
    /// Number of toys with at least one non-converged fit.
    pub n_failed: usize,
    /// Toys with a non-converged fit: (toy index, free-fit status,
    /// conditional-fit status).
    pub failed: Vec<(usize, FitStatus, FitStatus)>,
    sorted: Vec<f64>,
    n_nan: usize,
}

impl ToyDistribution {
    fn new(
        test_stats: Vec<f64>,
        generating_pars: Vec<f64>,
        failed: Vec<(usize, FitStatus, FitStatus)>,
    ) -> Self {
        let mut sorted: Vec<f64> = test_stats.iter().copied().filter(|v| !v.is_nan()).collect();
        sorted.sort_by(f64::total_cmp);
        let n_nan = test_stats.len() - sorted.len();
        Self {
            n_failed: failed.len(),
            failed,
            test_stats,
            generating_pars,
            sorted,
            n_nan,
        }
    }

    /// Fraction of toys with a statistic `>= value` (pyhf's
    /// `EmpiricalDistribution.pvalue`; NaN statistics never count).
    pub fn pvalue(&self, value: f64) -> f64 {
        let n = self.test_stats.len();
        if n == 0 {
            return f64::NAN;
        }
        let below = self.sorted.partition_point(|&v| v < value);
        let count = if value.is_nan() {
            0
        } else {
            self.sorted.len() - below
        };
        count as f64 / n as f64
    }

    /// pyhf's `EmpiricalDistribution.expected_value(nsigma)`: the
    /// `Φ(nsigma)` percentile of the statistic.
    pub fn expected_value(&self, nsigma: f64) -> f64 {
        if self.n_nan > 0 {
            return f64::NAN;
        }
        np_percentile(&self.sorted, crate::normal::normal_cdf(nsigma) * 100.0)
    }
}

/// numpy's `percentile(a, p)` (method "linear") of sorted, NaN-free `a`.
pub fn np_percentile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let q = p / 100.0;
    // numpy's _compute_virtual_index with alpha = beta = 1:
    // n q + (alpha + q (1 − alpha − beta)) − 1, in the same float order.
    let (alpha, beta) = (1.0_f64, 1.0_f64);
    let virt = n as f64 * q + (alpha + q * (1.0 - alpha - beta)) - 1.0;
    let lo = virt.floor();
    let gamma = virt - lo;
    let i = (lo.max(0.0) as usize).min(n - 1);
    let j = (i + 1).min(n - 1);
    let (a, b) = (sorted[i], sorted[j]);
    if virt >= (n - 1) as f64 {
        return sorted[n - 1];
    }
    if virt < 0.0 {
        return sorted[0];
    }
    let d = b - a;
    if gamma >= 0.5 {
        b - d * (1.0 - gamma)
    } else {
        a + d * gamma
    }
}

/// The result of a toy-based hypothesis test.
#[derive(Debug, Clone, PartialEq)]
pub struct ToyHypotestResult {
    /// Tested POI value.
    pub mu: f64,
    /// Test statistic.
    pub test_stat: TestStatistic,
    /// Observed CLs; for `q0`, p0 (= `clsb_obs`), as pyhf's `hypotest`.
    pub cls_obs: f64,
    /// Observed CLs+b.
    pub clsb_obs: f64,
    /// Observed CLb.
    pub clb_obs: f64,
    /// Expected CLs `[−2σ, −1σ, median, +1σ, +2σ]` from the b-only toys;
    /// for `q0` the expected p0 (= `clsb_exp`), as pyhf's `hypotest`.
    pub cls_exp: [f64; 5],
    /// Expected CLs+b, same order.
    pub clsb_exp: [f64; 5],
    /// Expected CLb, same order.
    pub clb_exp: [f64; 5],
    /// Observed test statistic.
    pub q_obs: f64,
    /// Toys per hypothesis.
    pub n_toys: usize,
    /// The s+b distribution.
    pub sb: ToyDistribution,
    /// The b-only distribution.
    pub b: ToyDistribution,
    /// Non-converged fits on the observed data (by pyhf's names).
    pub failed_fits: Vec<(&'static str, FitStatus)>,
    /// pyhf's warning for the test statistic and POI bounds, if any.
    pub warning: Option<&'static str>,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random generator of toy `index` in `stream` (0 = s+b, 1 = b-only).
pub fn toy_rng(seed: u64, stream: u64, index: u64) -> Xoshiro256PlusPlus {
    let key = splitmix64(splitmix64(seed) ^ splitmix64(index.wrapping_mul(2).wrapping_add(stream)));
    Xoshiro256PlusPlus::seed_from_u64(key)
}

/// Toy-based hypothesis test at `mu` (pyhf's `hypotest(...,
/// calctype="toybased")`). Runs on the current rayon thread pool; wrap it
/// in `ThreadPool::install` to choose the number of threads.
pub fn hypotest_toys<M>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
    toy: &ToyOptions<'_>,
) -> Result<ToyHypotestResult>
where
    M: Model + PseudoData,
{
    let poi = free_poi(model, opts)?;
    if toy.n_toys == 0 {
        return Err(InferError::InvalidArgument(
            "n_toys must be at least 1".into(),
        ));
    }
    let kind = toy.test_stat;
    let mut opts = opts.clone();
    opts.uncertainties = false;
    let mut fitter = Fitter::new(opts.optimizer.clone());
    let obs = test_statistics::evaluate(
        &mut fitter,
        kind,
        model,
        data,
        mu,
        &opts,
        WarmStart::default(),
        None,
    )?;
    let mu = obs.mu;
    let sig_pars = obs.fixed.clone();
    let bkg_pars = fitter.fit_fixed_poi(model, data, kind.asimov_mu(), &opts)?;
    let mut failed_fits = Vec::new();
    for (name, f) in [
        ("free_fit_to_data", &obs.free),
        ("fixed_poi_fit_to_data", &obs.fixed),
        ("fixed_poi_fit_background", &bkg_pars),
    ] {
        if !f.converged() {
            failed_fits.push((name, f.status));
        }
    }

    let mut toy_opts = opts.clone();
    if let Some(o) = &toy.toy_optimizer {
        toy_opts.optimizer = o.clone();
    }
    let n = toy.n_toys;
    let gens = [&sig_pars.bestfit, &bkg_pars.bestfit];
    let outcomes: Vec<Option<(f64, FitStatus, FitStatus)>> = (0..2 * n)
        .into_par_iter()
        .map_init(
            || (Fitter::new(toy_opts.optimizer.clone()), data.clone()),
            |(fitter, buf), k| {
                if toy.cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                    return None;
                }
                let (stream, i) = ((k / n) as u64, (k % n) as u64);
                let gen_pars = gens[stream as usize];
                let mut rng = toy_rng(toy.seed, stream, i);
                model.sample_into(gen_pars, &mut rng, buf);
                let r = test_statistics::evaluate(
                    fitter,
                    kind,
                    model,
                    buf,
                    mu,
                    &toy_opts,
                    WarmStart {
                        free: Some(gen_pars),
                        fixed: Some(gen_pars),
                    },
                    None,
                );
                if let Some(p) = toy.progress {
                    p();
                }
                // Arguments were validated on the observed data: an error
                // here cannot come from the toy; report it as NaN.
                Some(match r {
                    Ok(v) => (v.value, v.free.status, v.fixed.status),
                    Err(_) => (
                        f64::NAN,
                        FitStatus::NonFiniteStart,
                        FitStatus::NonFiniteStart,
                    ),
                })
            },
        )
        .collect();
    if outcomes.iter().any(Option::is_none) {
        return Err(InferError::Cancelled);
    }
    let split = |range: std::ops::Range<usize>, pars: &[f64]| {
        let mut stats = Vec::with_capacity(n);
        let mut failed = Vec::new();
        for (i, o) in outcomes[range].iter().enumerate() {
            let (v, sf, sx) = o.expect("checked above");
            stats.push(v);
            if !(sf.converged() && sx.converged() && v.is_finite()) {
                failed.push((i, sf, sx));
            }
        }
        ToyDistribution::new(stats, pars.to_vec(), failed)
    };
    let sb = split(0..n, &sig_pars.bestfit);
    let b = split(n..2 * n, &bkg_pars.bestfit);
    let _ = poi;

    let pvalues = |t: f64| {
        let clsb = sb.pvalue(t);
        let clb = b.pvalue(t);
        (clsb, clb, clsb / clb)
    };
    let (clsb_obs, clb_obs, cls_obs) = pvalues(obs.value);
    // Expected band: percentiles over the b-only toys of their p-values.
    let mut per_toy: [Vec<f64>; 3] = [
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    ];
    for &t in &b.test_stats {
        let (x, y, z) = pvalues(t);
        per_toy[0].push(x);
        per_toy[1].push(y);
        per_toy[2].push(z);
    }
    let band = |v: &mut Vec<f64>| -> [f64; 5] {
        if v.iter().any(|x| x.is_nan()) {
            return [f64::NAN; 5];
        }
        v.sort_by(f64::total_cmp);
        NORMAL_PERCENTILES.map(|p| np_percentile(v, p))
    };
    let clsb_exp = band(&mut per_toy[0]);
    let clb_exp = band(&mut per_toy[1]);
    let cls_exp = band(&mut per_toy[2]);
    let (cls_obs, cls_exp) =
        crate::asymptotics::pyhf_headline(kind, (clsb_obs, cls_obs), (clsb_exp, cls_exp));
    Ok(ToyHypotestResult {
        mu,
        test_stat: kind,
        cls_obs,
        clsb_obs,
        clb_obs,
        cls_exp,
        clsb_exp,
        clb_exp,
        q_obs: obs.value,
        n_toys: n,
        sb,
        b,
        failed_fits,
        warning: kind.warning(crate::test_statistics::poi_bounds(model, &opts, poi)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_like_numpy() {
        // numpy 2.3: np.percentile([1, 2, 3, 4], [2.27501319, 50, 97.72498681])
        let a = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(np_percentile(&a, 50.0), 2.5);
        assert!((np_percentile(&a, 2.27501319) - 1.0682503957).abs() < 1e-12);
        assert!((np_percentile(&a, 97.72498681) - 3.9317496043).abs() < 1e-12);
        assert_eq!(np_percentile(&a, 100.0), 4.0);
        assert_eq!(np_percentile(&a, 0.0), 1.0);
    }

    #[test]
    fn empirical_pvalue() {
        let d = ToyDistribution::new(vec![0.0, 1.0, 2.0, f64::NAN], vec![], vec![]);
        assert_eq!(d.pvalue(1.0), 0.5);
        assert_eq!(d.pvalue(-1.0), 0.75);
        assert_eq!(d.pvalue(5.0), 0.0);
    }

    #[test]
    fn streams_differ() {
        use rand_xoshiro::rand_core::Rng;
        let a = toy_rng(1, 0, 0).next_u64();
        let b = toy_rng(1, 1, 0).next_u64();
        let c = toy_rng(1, 0, 1).next_u64();
        let d = toy_rng(2, 0, 0).next_u64();
        assert!(a != b && a != c && a != d && b != c);
        assert_eq!(a, toy_rng(1, 0, 0).next_u64());
    }
}
