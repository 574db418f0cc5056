//! A natural logarithm that the compiler can vectorise, in the form the
//! Poisson terms need: d − ln(1+d) ([`d_minus_ln1p_normal`]).
//!
//! The NLL needs one `ln` per main bin and per Poisson constraint, and on
//! models like the God-Run workspace those ~400 calls to the C library's
//! scalar `log` were a third of an NLL+gradient evaluation. This is the
//! classic fdlibm algorithm (Sun's `e_log.c`, the one most libms descend
//! from): reduce x = 2^k·z with z in [√2/2, √2), then
//! ln z = f − f²/2 + s·(f²/2 + R(s²)) with f = z − 1, s = f/(2+f) and R a
//! degree-7 minimax polynomial. Its error is below one ulp. Unlike fdlibm it
//! has no branches on the normal path (the exponent is extracted with
//! integer arithmetic, the small-|f| shortcuts are dropped), so a loop over
//! a slice compiles to SIMD code. Callers check [`is_normal_positive`] in
//! the same loop and hand zero, negative, subnormal, infinite and NaN
//! inputs to `f64::ln` afterwards.
//!
//! Its multiply-adds are explicit `mul_add`s (FMA: one rounding, in
//! hardware or in software alike), which shortens the dependency chains,
//! and the result is bit-identical however wide the vector unit is.

// fdlibm e_log.c constants, by bit pattern.
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LG1: f64 = f64::from_bits(0x3fe5_5555_5555_5593);
const LG2: f64 = f64::from_bits(0x3fd9_9999_9997_fa04);
const LG3: f64 = f64::from_bits(0x3fd2_4924_9422_9359);
const LG4: f64 = f64::from_bits(0x3fcc_71c5_1d8e_78af);
const LG5: f64 = f64::from_bits(0x3fc7_4664_96cb_03de);
const LG6: f64 = f64::from_bits(0x3fc3_9a09_d078_c69f);
const LG7: f64 = f64::from_bits(0x3fc2_f112_df3e_5244);

/// Bits of √2/2: mantissas at or above it keep their exponent.
const SQRT_HALF_BITS: u64 = 0x3fe6_a09e_667f_3bcd;
/// Added to the bits so that the exponent field of the sum is k + 1023.
const SHIFT: u64 = 0x3ff0_0000_0000_0000 - SQRT_HALF_BITS;
const EXP_MASK: u64 = 0x7ff0_0000_0000_0000;
const ONE_BITS: u64 = 0x3ff0_0000_0000_0000;
/// 2^52 + 1023 as a double, and its bit pattern's high word: OR-ing an
/// 11-bit integer e into the mantissa of 2^52 and subtracting this gives
/// e − 1023 exactly, without an int→float conversion (absent from AVX2).
const MAGIC_BITS: u64 = 0x4330_0000_0000_0000;
const MAGIC_MINUS_BIAS: f64 = 4_503_599_627_370_496.0 + 1023.0;

/// x = 2^k·z with z in [√2/2, √2), for a positive normal finite x:
/// (k, z), by integer arithmetic on the bits.
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let bits = x.to_bits();
    let shifted = bits.wrapping_add(SHIFT);
    let exp_field = shifted >> 52;
    let z = f64::from_bits(bits.wrapping_sub((shifted & EXP_MASK).wrapping_sub(ONE_BITS)));
    let k = f64::from_bits(MAGIC_BITS | exp_field) - MAGIC_MINUS_BIAS;
    (k, z)
}

/// R(s²) = Lg1·s² + … + Lg7·s¹⁴ ≈ (ln(1+f) − 2s)/s, s = f/(2+f).
#[inline(always)]
fn r_poly(s: f64) -> f64 {
    let s2 = s * s;
    let s4 = s2 * s2;
    let t1 = s4 * s4.mul_add(s4.mul_add(LG6, LG4), LG2);
    let t2 = s2 * s4.mul_add(s4.mul_add(s4.mul_add(LG7, LG5), LG3), LG1);
    t2 + t1
}

/// ln x for a positive normal finite x; garbage otherwise (check with
/// [`is_normal_positive`] and fall back to `f64::ln`). The kernels now use
/// [`d_minus_ln1p_normal`]; this is kept as the check of the shared
/// reduction and polynomial against libm.
#[cfg(test)]
#[inline(always)]
pub(crate) fn ln_normal(x: f64) -> f64 {
    let (k, z) = reduce(x);
    let f = z - 1.0;
    let s = f / (2.0 + f);
    let r = r_poly(s);
    let hfsq = 0.5 * f * f;
    k.mul_add(LN2_HI, -((hfsq - s.mul_add(hfsq + r, k * LN2_LO)) - f))
}

/// d − ln(1 + d) ≥ 0, to a few ulps *relative* even where it is tiny,
/// given d and q ≈ 1 + d (q positive normal; the caller computes it as
/// n⁻¹·ν directly, not as 1 + d, which would lose everything for ν ≪ n).
///
/// This is the deviance of a Poisson term: ν − n ln ν + lnΓ(n+1) =
/// n·h(ν/n − 1) + S(n) (see `crate::poisson`), and h is where double
/// precision used to cancel: at n = 10¹² and ν/n − 1 = 10⁻⁶ the term is 0.5
/// while ν and n ln ν are 10¹² and 2.8·10¹³. Same reduction as
/// [`ln_normal`], q = 2^k z, g = z − 1, s = g/(2+g),
/// ln(1+g) = 2s + s·R(s²), g − 2s = g·s, so g − ln(1+g) = s·(g − R):
/// no cancellation. Where k = 0 (q in [√2/2, √2)) g is taken as d itself,
/// not as q − 1, so d's low bits are kept; elsewhere |d| > 0.29 and
/// d − k ln 2 − g adds only a few ulps of h.
#[inline(always)]
pub(crate) fn d_minus_ln1p_normal(d: f64, q: f64) -> f64 {
    let (k, z) = reduce(q);
    let g = if k == 0.0 { d } else { z - 1.0 };
    let s = g / (2.0 + g);
    let r = r_poly(s);
    // d − k ln2 − ln(1+g) = (d − g − k ln2) + s(g − R); the first part is
    // exactly 0 when k = 0.
    let head = k.mul_add(-LN2_HI, d - g) - k * LN2_LO;
    s.mul_add(g - r, head)
}

#[inline(always)]
pub(crate) fn is_normal_positive(x: f64) -> bool {
    // One unsigned comparison: the bits of positive normal numbers are
    // the contiguous range [bits(MIN_POSITIVE), bits(MAX)].
    const MIN: u64 = f64::MIN_POSITIVE.to_bits();
    x.to_bits().wrapping_sub(MIN) <= f64::MAX.to_bits() - MIN
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the kernel uses it: the fast path where it applies, libm elsewhere.
    fn ln_slice(x: &[f64], out: &mut [f64]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = if is_normal_positive(v) {
                ln_normal(v)
            } else {
                v.ln()
            };
        }
    }

    fn ln(x: f64) -> f64 {
        let mut out = [0.0];
        ln_slice(&[x], &mut out);
        out[0]
    }

    fn ulps(a: f64, b: f64) -> u64 {
        if a == b {
            return 0;
        }
        (a.to_bits() as i64).abs_diff(b.to_bits() as i64)
    }

    #[test]
    fn within_one_ulp_of_libm_over_the_whole_range() {
        // Deterministic sweep over mantissas and exponents, plus values near 1
        // where cancellation would show.
        let mut xs = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let exponent = (state >> 53) % 2046 + 1;
            xs.push(f64::from_bits(
                (exponent << 52) | (state & 0x000f_ffff_ffff_ffff),
            ));
            xs.push(1.0 + ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1e-3);
        }
        xs.extend([1.0, 2.0, 0.5, std::f64::consts::E, 1e-300, 1e300, f64::MAX]);
        let mut out = vec![0.0; xs.len()];
        ln_slice(&xs, &mut out);
        // Both are sub-ulp approximations of the true value: they may
        // round to neighbours.
        let worst = xs.iter().zip(&out).map(|(x, &l)| ulps(l, x.ln())).max();
        assert!(worst <= Some(1), "worst difference {worst:?} ulp");
        assert_eq!(ln(1.0), 0.0);
    }

    /// d − ln(1+d) by its Taylor series Σ_{n≥2} (−d)ⁿ/n (every term of
    /// one sign for d < 0; for d > 0 alternating and decreasing from d²/2),
    /// summed smallest first: a few ulps for |d| ≤ 1/2.
    fn series(d: f64) -> f64 {
        let mut p = 1.0;
        let mut terms = Vec::new();
        for n in 1..120 {
            p *= -d;
            if n >= 2 {
                terms.push(p / n as f64);
            }
        }
        terms.iter().rev().sum()
    }

    fn h(d: f64) -> f64 {
        let q = 1.0 + d;
        assert!(is_normal_positive(q));
        d_minus_ln1p_normal(d, q)
    }

    #[test]
    fn d_minus_ln1p_keeps_relative_precision() {
        let mut worst_small = 0.0f64;
        let mut worst_large = 0.0f64;
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            // Magnitudes from 1e-12 to 1/2, both signs; then up to 1e6.
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            let d = sign * 10f64.powf(-12.0 + 11.7 * u);
            let rel = (h(d) - series(d)).abs() / series(d);
            worst_small = worst_small.max(rel);
            let d = if i % 2 == 0 {
                0.5 + 1e6 * u * u * u
            } else {
                -0.5 - 0.4999 * u
            };
            let exact = d - libm::log1p(d);
            let rel = (h(d) - exact).abs() / exact;
            worst_large = worst_large.max(rel);
        }
        assert!(
            worst_small < 8.0 * f64::EPSILON,
            "|d| <= 1/2: {worst_small:e}"
        );
        // The check itself (d − log1p d) loses up to ~3 bits here.
        assert!(
            worst_large < 16.0 * f64::EPSILON,
            "|d| > 1/2: {worst_large:e}"
        );
        assert_eq!(h(0.0), 0.0);
        // Far from 0 it is −1 − ln q for q → 0 and ≈ q for q → ∞.
        let q = 1e-200;
        assert!((d_minus_ln1p_normal(q - 1.0, q) - (q - 1.0 - q.ln())).abs() < 1e-12);
    }

    #[test]
    fn special_values_follow_libm() {
        let specials = [0.0, -0.0, -1.0, 5e-324, 1e-310, f64::INFINITY, f64::NAN];
        for x in specials {
            let (a, b) = (ln(x), x.ln());
            assert!(a == b || (a.is_nan() && b.is_nan()), "x = {x}: {a} vs {b}");
        }
        let mut out = [0.0; 5];
        ln_slice(&[2.0, 0.0, -3.0, 1e-310, 7.0], &mut out);
        assert_eq!(out[0], ln(2.0));
        assert_eq!(out[1], f64::NEG_INFINITY);
        assert!(out[2].is_nan());
        assert_eq!(out[3], 1e-310f64.ln());
        assert_eq!(out[4], ln(7.0));
    }
}
