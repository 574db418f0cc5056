//! Special functions the families and links need: the normal distribution
//! (probit link, p-values, confidence intervals), log-gamma and the
//! digamma/trigamma functions (NB2 α likelihood).

use std::f64::consts::{PI, SQRT_2};

/// Standard normal density.
pub fn norm_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// Standard normal CDF, Φ(z) = erfc(−z/√2)/2 (accurate in both tails).
pub fn norm_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / SQRT_2)
}

/// Upper tail 1 − Φ(z) without cancellation.
pub fn norm_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / SQRT_2)
}

/// Standard normal quantile Φ⁻¹(p), Wichura's AS241 (PPND16, ~1e-16
/// relative), polished by one Newton step on Φ.
pub fn norm_ppf(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q
            * (((((((2_509.080_928_730_122_7 * r + 33_430.575_583_588_13) * r
                + 67_265.770_927_008_7)
                * r
                + 45_921.953_931_549_87)
                * r
                + 13_731.693_765_509_46)
                * r
                + 1_971.590_950_306_551_3)
                * r
                + 133.141_667_891_784_38)
                * r
                + 3.387_132_872_796_366_5)
            / (((((((5_226.495_278_852_545 * r + 28_729.085_735_721_942) * r
                + 39_307.895_800_092_71)
                * r
                + 21_213.794_301_586_595)
                * r
                + 5_394.196_021_424_751)
                * r
                + 687.187_007_492_057_9)
                * r
                + 42.313_330_701_600_91)
                * r
                + 1.0);
    }
    let mut r = if q < 0.0 { p } else { 1.0 - p };
    r = (-r.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        (((((((7.745_450_142_783_414e-4 * r + 0.022_723_844_989_269_184) * r
            + 0.241_780_725_177_450_6)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_546)
            * r
            + 1.423_437_110_749_683_5)
            / (((((((1.050_750_071_644_416_9e-9 * r + 5.475_938_084_995_344e-4) * r
                + 0.015_198_666_563_616_457)
                * r
                + 0.148_103_976_427_480_07)
                * r
                + 0.689_767_334_985_1)
                * r
                + 1.676_384_830_183_803_8)
                * r
                + 2.053_191_626_637_759)
                * r
                + 1.0)
    } else {
        r -= 5.0;
        (((((((2.010_334_399_292_288_1e-7 * r + 2.711_555_568_743_487_6e-5) * r
            + 0.001_242_660_947_388_078_4)
            * r
            + 0.026_532_189_526_576_123)
            * r
            + 0.296_560_571_828_504_89)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_104)
            / (((((((2.044_263_103_389_939_7e-15 * r + 1.421_511_758_316_446e-7) * r
                + 1.846_318_317_510_054_8e-5)
                * r
                + 7.868_691_311_456_133e-4)
                * r
                + 0.014_875_361_290_850_615)
                * r
                + 0.136_929_880_922_735_8)
                * r
                + 0.599_832_206_555_888)
                * r
                + 1.0)
    };
    if q < 0.0 { -val } else { val }
}

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// Digamma ψ(x) for x > 0: recurrence up to x ≥ 20, then the asymptotic
/// series (error below 1e-16 relative there).
pub fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 20.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32_760.0)))));
    acc + x.ln() - 0.5 * inv - series
}

/// Trigamma ψ'(x) for x > 0, same scheme as [`digamma`].
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 20.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv
        + 0.5 * inv2
        + inv
            * inv2
            * (1.0 / 6.0
                - inv2
                    * (1.0 / 30.0 - inv2 * (1.0 / 42.0 - inv2 * (1.0 / 30.0 - inv2 * 5.0 / 66.0))));
    acc + series
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppf_inverts_cdf() {
        for &p in &[1e-100, 1e-20, 1e-5, 0.01, 0.3, 0.5, 0.7, 0.975] {
            let z = norm_ppf(p);
            // Φ is steep in the tail: relative error of Φ(z) is ~|z|²·eps.
            assert!(
                ((norm_cdf(z) - p) / p).abs() < 1e-15 * (1.0 + z * z) * 4.0,
                "p={p} z={z}"
            );
        }
        // scipy.stats.norm.ppf(0.975)
        assert!((norm_ppf(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
    }

    #[test]
    fn digamma_trigamma_reference_values() {
        // scipy.special.digamma / polygamma(1, .)
        assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-14);
        assert!((digamma(0.5) + 1.963_510_026_021_423_5).abs() < 1e-14);
        assert!((digamma(37.25) - 3.604_169_073_005_627).abs() < 1e-14);
        let t1 = trigamma(1.0);
        assert!(
            (t1 - PI * PI / 6.0).abs() < 1e-14,
            "{t1} {}",
            t1 - PI * PI / 6.0
        );
        assert!((trigamma(0.5) - PI * PI / 2.0).abs() < 1e-13);
    }
}
