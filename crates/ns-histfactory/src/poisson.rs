//! Poisson terms without cancellation.
//!
//! −ln Poisson(n | ν) = ν − n ln ν + lnΓ(n+1) is, for large n, the small
//! difference of huge numbers: at n = ν = 10¹² the three parts are 10¹²,
//! 2.8·10¹³ and 2.6·10¹³ and the result 14.4, so a double loses ~10⁻³ of
//! it (pyhf's `xlogy(n, ν) − ν − lgamma(n+1)` does). Shapesys constraints
//! Poisson(τ | γτ) have τ up to 10¹² in published likelihoods. Written as
//!
//!   ν − n ln ν + lnΓ(n+1) = n·h(d) + S(n),  d = (ν − n)/n,
//!   h(d) = d − ln(1+d) ≥ 0,   S(n) = lnΓ(n+1) − n ln n + n,
//!
//! no part cancels: h is evaluated without cancellation
//! ([`crate::fastmath::d_minus_ln1p_normal`]), and S, a data-only constant,
//! is ½ ln(2πn) + 1/(12n) − … by Stirling's series. For n = 0 the term is
//! ν. For a constraint, ν − n = γτ − a is one fused multiply-add.
//!
//! [`Prepared`] holds, per datum, what the kernels need for this: 1/n, the
//! indicator of n = 0, and S(n).

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// Stirling's series for S(n) − ½ ln(2πn), Σ B₂ₖ / (2k(2k−1) n^(2k−1)),
/// k = 1..8: the coefficients of 1/n, 1/n³, …, 1/n¹⁵.
const STIRLING: [f64; 8] = [
    1.0 / 12.0,
    -1.0 / 360.0,
    1.0 / 1260.0,
    -1.0 / 1680.0,
    1.0 / 1188.0,
    -691.0 / 360_360.0,
    1.0 / 156.0,
    -3617.0 / 122_400.0,
];

/// From here on the series: its first omitted term is below 2·10⁻¹⁸ at
/// n = 10 (S(10) ≈ 2.07).
const STIRLING_FROM: f64 = 10.0;

/// S(k) = ln k! − k ln k + k for k = 0..9, rounded from 40-digit values
/// (mpmath): toys and observed data are mostly small integers, and a table
/// keeps refreshing a toy's constants cheaper than the `lgamma` it replaced.
const S_SMALL_INT: [f64; 10] = [
    0.0,
    1.0,
    1.306_852_819_440_054_6,
    1.495_922_603_223_725_8,
    1.632_876_385_868_383_2,
    1.740_302_180_611_544_2,
    1.828_694_396_641_771,
    1.903_790_317_678_221_2,
    1.969_070_569_306_562_9,
    2.026_806_284_055_495_2,
];

/// S(n) = lnΓ(n+1) − n ln n + n for n ≥ 0 (0 at n = 0); for n < 10 the
/// direct formula (an absolute error of ~10⁻¹⁴, nothing cancels there at
/// scale), beyond Stirling's series (full relative precision). NaN for
/// negative or NaN n.
pub(crate) fn stirling_remainder(n: f64) -> f64 {
    if n.is_nan() || n < 0.0 {
        f64::NAN
    } else if n == 0.0 {
        0.0
    } else if n < STIRLING_FROM {
        let k = n as usize;
        if k as f64 == n {
            S_SMALL_INT[k]
        } else {
            libm::lgamma(n + 1.0) - n * n.ln() + n
        }
    } else if n.is_infinite() {
        f64::INFINITY
    } else {
        let inv = 1.0 / n;
        let inv2 = inv * inv;
        let series = STIRLING
            .iter()
            .rev()
            .fold(0.0f64, |acc, &c| acc.mul_add(inv2, c))
            * inv;
        0.5f64.mul_add(n.ln(), HALF_LN_2PI) + series
    }
}

/// Per-datum constants of the Poisson terms of one data vector.
///
/// A datum is *regular* if it is 0 or a positive normal number whose
/// reciprocal is normal; the kernels then compute its term as n·h(d) + S(n)
/// (or ν for n = 0) in one branch-free pass. Irregular data (negative,
/// subnormal, huge, non-finite: only hand-made data vectors have them) get
/// `inv = empty = 0`, which the kernels detect, and `stirling = lnΓ(n+1)`:
/// their term is then pyhf's ν − n ln ν + lnΓ(n+1) as written.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Prepared {
    /// 1/n (0 for n = 0 and irregular n).
    pub inv: Vec<f64>,
    /// 1 for n = 0, else 0.
    pub empty: Vec<f64>,
    /// S(n) for regular n, lnΓ(n+1) for irregular n.
    pub stirling: Vec<f64>,
}

/// Is `n` regular (see [`Prepared`])?
pub(crate) fn is_regular(n: f64) -> bool {
    n == 0.0 || (n.is_normal() && n > 0.0 && (1.0 / n).is_normal())
}

impl Prepared {
    pub fn new(data: &[f64]) -> Self {
        let mut p = Self::default();
        p.refresh(data);
        p
    }

    /// Recompute for new values of the same length (toys: no allocation
    /// after the first call).
    pub fn refresh(&mut self, data: &[f64]) {
        for v in [&mut self.inv, &mut self.empty, &mut self.stirling] {
            v.resize(data.len(), 0.0);
        }
        let out = self
            .inv
            .iter_mut()
            .zip(&mut self.empty)
            .zip(&mut self.stirling);
        for (((inv, empty), st), &n) in out.zip(data) {
            (*inv, *empty, *st) = if n == 0.0 {
                (0.0, 1.0, 0.0)
            } else if is_regular(n) {
                (1.0 / n, 0.0, stirling_remainder(n))
            } else {
                (0.0, 0.0, libm::lgamma(n + 1.0))
            };
        }
    }

    /// Σ S(n), compensated (Neumaier), so that the sum of many data-only
    /// constants adds no more than one rounding.
    pub fn stirling_sum(&self) -> f64 {
        neumaier_sum(&self.stirling)
    }
}

/// Σ x with Neumaier's compensation.
pub(crate) fn neumaier_sum(x: &[f64]) -> f64 {
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for &v in x {
        let t = sum + v;
        comp += if sum.abs() >= v.abs() {
            (sum - t) + v
        } else {
            (v - t) + sum
        };
        sum = t;
    }
    sum + comp
}

/// −ln Poisson(n | ν) for a datum whose `h`-form could not be used in the
/// vectorised pass (q = ν/n not a positive normal number, or n irregular),
/// without S(n) (the caller adds the prepared constant): NaN where ν < 0 <
/// n, +∞ where ν = 0 < n.
pub(crate) fn term_fallback(nu: f64, n: f64, inv: f64, empty: f64) -> f64 {
    if empty != 0.0 {
        nu
    } else if inv != 0.0 {
        // Regular n, ν/n subnormal or not finite: ln ν − ln n does not
        // cancel there. n·h(d) = ν − n − n ln(ν/n).
        if nu == 0.0 {
            f64::INFINITY
        } else {
            (nu - n) - n * (nu.ln() - n.ln())
        }
    } else {
        // Irregular n: pyhf's form (the constant lnΓ(n+1) is prepared).
        let xlogy = if n == 0.0 { 0.0 } else { n * nu.ln() };
        nu - xlogy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stirling_matches_lgamma_where_lgamma_is_exact_enough() {
        // At moderate n the direct difference loses only a few digits.
        for n in [10.0, 10.5, 17.0, 50.0, 123.25] {
            let direct = libm::lgamma(n + 1.0) - n * f64::ln(n) + n;
            let s = stirling_remainder(n);
            assert!((s - direct).abs() < 1e-12, "n={n}: {s} vs {direct}");
        }
        // Continuity at the switch.
        let below = stirling_remainder(STIRLING_FROM * (1.0 - 1e-15));
        let at = stirling_remainder(STIRLING_FROM);
        assert!((below - at).abs() < 1e-13, "{below} vs {at}");
        assert_eq!(stirling_remainder(0.0), 0.0);
        // S(1) = lnΓ(2) − 0 + 1 = 1.
        assert!((stirling_remainder(1.0) - 1.0).abs() < 1e-15);
        assert!(stirling_remainder(-1.0).is_nan());
        // The integer table against the direct formula.
        for k in 1..10 {
            let n = k as f64;
            let direct = libm::lgamma(n + 1.0) - n * n.ln() + n;
            let s = stirling_remainder(n);
            assert!((s - direct).abs() < 1e-14, "k={k}: {s} vs {direct}");
        }
    }

    #[test]
    fn neumaier_sum_keeps_small_addends() {
        let x = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(neumaier_sum(&x), 2.0);
    }

    #[test]
    fn irregular_data_are_flagged() {
        let p = Prepared::new(&[0.0, 3.0, -1.0, 1e-310, f64::NAN, f64::INFINITY]);
        assert_eq!(p.inv[0], 0.0);
        assert_eq!(p.empty[0], 1.0);
        assert_eq!(p.inv[1], 1.0 / 3.0);
        for i in 2..6 {
            assert_eq!((p.inv[i], p.empty[i]), (0.0, 0.0), "datum {i}");
        }
    }
}
