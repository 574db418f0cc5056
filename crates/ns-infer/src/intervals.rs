//! Upper limits on the POI from asymptotic CLs (pyhf's
//! `pyhf.infer.intervals.upper_limits`).
//!
//! * [`upper_limit_toms748`]: pyhf's `toms748_scan`. The bracket is widened
//!   first (the lower end halved while CLs obs or any expected CLs is below
//!   the level there, the upper end doubled while any is above it), then
//!   TOMS748 (`k = 2`) finds where `CLs(mu) = level` for the observed and
//!   each expected CLs. Hypotests are cached by `mu` and the expected
//!   searches start from the tightest bracket in the cache, as pyhf does.
//!   Defaults: `atol = 2e-12`, `rtol = 1e-4` (pyhf's), i.e. the limits are
//!   located to about 1e-4 relative.
//! * [`upper_limit_scan`]: pyhf's `linear_grid_scan`: hypotests on a grid
//!   and `np.interp(level, CLs[::-1], mu[::-1])` (linear interpolation; CLs
//!   must decrease along the grid).
//!
//! Both return the Brazil-band data: CLs observed and expected at every
//! evaluated `mu`.

use ns_core::{Model, PseudoData};
use ns_optim::toms748;
use rayon::prelude::*;

use crate::asymptotics::{AsymptoticCalculator, HypotestResult};
use crate::error::{InferError, Result};
use crate::mle::Fitter;

/// pyhf's default absolute tolerance of `toms748_scan`.
pub const TOMS748_ATOL: f64 = 2e-12;
/// pyhf's default relative tolerance of `toms748_scan`.
pub const TOMS748_RTOL: f64 = 1e-4;

/// How an upper limit was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitMethod {
    /// Bracketing and TOMS748 root finding.
    Toms748,
    /// Linear interpolation over a grid of hypotests.
    GridScan,
}

impl LimitMethod {
    /// Stable name for JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitMethod::Toms748 => "toms748",
            LimitMethod::GridScan => "grid_scan",
        }
    }
}

/// CLs observed and expected at one POI value (a Brazil-band point).
#[derive(Debug, Clone, PartialEq)]
pub struct BrazilPoint {
    /// POI value.
    pub mu: f64,
    /// Observed CLs.
    pub cls_obs: f64,
    /// Expected CLs `[−2σ, −1σ, median, +1σ, +2σ]`.
    pub cls_exp: [f64; 5],
    /// Number of fits that did not converge in this hypotest.
    pub n_failed_fits: usize,
}

impl From<&HypotestResult> for BrazilPoint {
    fn from(r: &HypotestResult) -> Self {
        Self {
            mu: r.mu,
            cls_obs: r.cls_obs,
            cls_exp: r.cls_exp,
            n_failed_fits: r.failed_fits.len(),
        }
    }
}

/// An upper limit at confidence level `1 − level`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpperLimitResult {
    /// `alpha`: CLs crossing level (0.05 for 95% CL).
    pub level: f64,
    /// Observed upper limit.
    pub obs_limit: f64,
    /// Expected limits `[−2σ, −1σ, median, +1σ, +2σ]`.
    pub exp_limits: [f64; 5],
    /// How they were computed.
    pub method: LimitMethod,
    /// Every hypotest made, sorted by `mu`.
    pub points: Vec<BrazilPoint>,
    /// Number of hypotests.
    pub n_hypotests: usize,
}

fn check_level(level: f64) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(InferError::InvalidArgument(format!(
            "CLs level {level} must lie in (0, 1)"
        )));
    }
    Ok(())
}

fn value(r: &HypotestResult, which: usize) -> f64 {
    if which == 0 {
        r.cls_obs
    } else {
        r.cls_exp[which - 1]
    }
}

/// The default root-finding bracket for a limit on a signal strength: the
/// POI bounds clipped at 0, with a lower end of exactly 0 moved to
/// 1e-6 × the upper end (when μ̂ < 0, q~ and its Asimov value both vanish
/// at μ = 0 and CLs is 0/0 there; tHu's POI is bounded at -100).
pub fn default_bracket((lo, hi): (f64, f64)) -> (f64, f64) {
    let lo = lo.max(0.0);
    if lo == 0.0 { (1e-6 * hi, hi) } else { (lo, hi) }
}

/// pyhf's `toms748_scan` on `[lower, upper]` at CLs `level`.
pub fn upper_limit_toms748<M: Model + PseudoData>(
    calc: &AsymptoticCalculator<'_, M>,
    lower: f64,
    upper: f64,
    level: f64,
    atol: f64,
    rtol: f64,
) -> Result<UpperLimitResult> {
    check_level(level)?;
    if lower.partial_cmp(&upper) != Some(std::cmp::Ordering::Less) {
        return Err(InferError::InvalidArgument(format!(
            "upper limit: bracket [{lower}, {upper}] is empty"
        )));
    }
    let (poi_lo, poi_hi) = calc.poi_bounds();
    let mut fitter = Fitter::default();
    let mut cache: Vec<HypotestResult> = Vec::new();
    let mut error: Option<InferError> = None;
    let eval =
        |mu: f64, cache: &mut Vec<HypotestResult>, fitter: &mut Fitter| -> Result<HypotestResult> {
            if let Some(r) = cache.iter().find(|r| r.mu == mu) {
                return Ok(r.clone());
            }
            let r = calc.hypotest_with(fitter, mu)?;
            cache.push(r.clone());
            Ok(r)
        };
    let all = |r: &HypotestResult| std::iter::once(r.cls_obs).chain(r.cls_exp);
    // Widen the bracket (pyhf: halve the lower end, double the upper end).
    let (mut lo, mut hi) = (lower, upper);
    let mut r = eval(lo, &mut cache, &mut fitter)?;
    let mut tries = 0;
    while all(&r).any(|v| v < level) {
        tries += 1;
        let next = lo / 2.0;
        if next == lo || tries > 60 || next < poi_lo {
            return Err(InferError::NoBracket(format!(
                "CLs is below {level} already at mu = {lo} (the lower end cannot be lowered further)"
            )));
        }
        lo = next;
        r = eval(lo, &mut cache, &mut fitter)?;
    }
    let mut r = eval(hi, &mut cache, &mut fitter)?;
    tries = 0;
    while all(&r).any(|v| v > level) {
        tries += 1;
        let next = hi * 2.0;
        if tries > 60 || next > poi_hi || next <= hi {
            return Err(InferError::NoBracket(format!(
                "CLs is still above {level} at mu = {hi} and doubling it would leave the POI bounds [{poi_lo}, {poi_hi}]"
            )));
        }
        hi = next;
        r = eval(hi, &mut cache, &mut fitter)?;
    }
    let mut solve = |which: usize,
                     a: f64,
                     b: f64,
                     cache: &mut Vec<HypotestResult>,
                     fitter: &mut Fitter|
     -> Result<f64> {
        let root = toms748(
            |mu| match eval(mu, cache, fitter) {
                Ok(r) => value(&r, which) - level,
                Err(e) => {
                    error.get_or_insert(e);
                    f64::NAN
                }
            },
            a,
            b,
            atol,
            rtol,
            1000,
        );
        if let Some(e) = error.take() {
            return Err(e);
        }
        let root = root.map_err(|e| InferError::NoBracket(e.to_string()))?;
        Ok(root.x)
    };
    let obs_limit = solve(0, lo, hi, &mut cache, &mut fitter)?;
    let mut exp_limits = [0.0; 5];
    for (k, lim) in exp_limits.iter_mut().enumerate() {
        let which = k + 1;
        // pyhf's best_bracket: the cached point with the smallest
        // non-negative value and the one with the largest negative value.
        let mut pos: Option<(f64, f64)> = None;
        let mut neg: Option<(f64, f64)> = None;
        for r in &cache {
            let v = value(r, which) - level;
            if v >= 0.0 {
                if pos.is_none_or(|(_, pv)| v < pv) {
                    pos = Some((r.mu, v));
                }
            } else if v < 0.0 && neg.is_none_or(|(_, nv)| v > nv) {
                neg = Some((r.mu, v));
            }
        }
        let (Some((a, _)), Some((b, _))) = (pos, neg) else {
            return Err(InferError::NoBracket(format!(
                "no bracket for expected limit {which}"
            )));
        };
        *lim = solve(which, a, b, &mut cache, &mut fitter)?;
    }
    let n_hypotests = cache.len();
    let mut points: Vec<BrazilPoint> = cache.iter().map(BrazilPoint::from).collect();
    points.sort_by(|a, b| a.mu.total_cmp(&b.mu));
    Ok(UpperLimitResult {
        level,
        obs_limit,
        exp_limits,
        method: LimitMethod::Toms748,
        points,
        n_hypotests,
    })
}

/// numpy's `interp(x, xp, fp)` for increasing `xp`.
pub fn np_interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if n == 0 {
        return f64::NAN;
    }
    if x.is_nan() {
        return f64::NAN;
    }
    if x < xp[0] {
        return fp[0];
    }
    if x > xp[n - 1] {
        return fp[n - 1];
    }
    if x == xp[n - 1] {
        return fp[n - 1];
    }
    // j: last index with xp[j] <= x (searchsorted right − 1).
    let j = xp.partition_point(|&v| v <= x).saturating_sub(1);
    if j + 1 >= n {
        return fp[n - 1];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() && x == xp[j] {
        // numpy: exact hits return fp[j] even with a degenerate slope.
        return fp[j];
    }
    y
}

/// pyhf's `linear_grid_scan`: hypotests at every `mu` of `scan` (run in
/// parallel) and linear interpolation of the crossing with `level`.
pub fn upper_limit_scan<M: Model + PseudoData>(
    calc: &AsymptoticCalculator<'_, M>,
    scan: &[f64],
    level: f64,
    progress: Option<&(dyn Fn() + Sync)>,
) -> Result<UpperLimitResult>
where
    M::Data: Sync,
{
    check_level(level)?;
    if scan.len() < 2 {
        return Err(InferError::InvalidArgument(
            "upper limit scan: at least 2 grid points are needed".into(),
        ));
    }
    let results: Vec<HypotestResult> = scan
        .par_iter()
        .map_init(Fitter::default, |fitter, &mu| {
            let r = calc.hypotest_with(fitter, mu);
            if let Some(p) = progress {
                p();
            }
            r
        })
        .collect::<Result<_>>()?;
    let rev_mu: Vec<f64> = scan.iter().rev().copied().collect();
    let limit = |which: usize| {
        let rev_cls: Vec<f64> = results.iter().rev().map(|r| value(r, which)).collect();
        np_interp(level, &rev_cls, &rev_mu)
    };
    let obs_limit = limit(0);
    let mut exp_limits = [0.0; 5];
    for (k, l) in exp_limits.iter_mut().enumerate() {
        *l = limit(k + 1);
    }
    Ok(UpperLimitResult {
        level,
        obs_limit,
        exp_limits,
        method: LimitMethod::GridScan,
        points: results.iter().map(BrazilPoint::from).collect(),
        n_hypotests: results.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interp_like_numpy() {
        let xp = [0.0, 1.0, 3.0];
        let fp = [10.0, 20.0, 40.0];
        assert_eq!(np_interp(-1.0, &xp, &fp), 10.0);
        assert_eq!(np_interp(0.5, &xp, &fp), 15.0);
        assert_eq!(np_interp(2.0, &xp, &fp), 30.0);
        assert_eq!(np_interp(3.0, &xp, &fp), 40.0);
        assert_eq!(np_interp(4.0, &xp, &fp), 40.0);
        assert_eq!(np_interp(1.0, &xp, &fp), 20.0);
    }
}
