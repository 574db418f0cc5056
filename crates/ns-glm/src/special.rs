//! Special functions the families and links need: the normal distribution
//! (probit link, p-values, confidence intervals), log-gamma and the
//! digamma/trigamma functions (NB2 α likelihood).

use std::f64::consts::PI;

/// Standard normal density.
pub fn norm_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}

/// Φ, its upper tail and Φ⁻¹: one implementation for the project, in
/// `ns-core` (scipy-exact: `erfc`-based, quantile polished to a few ulps).
pub use ns_core::normal::{
    normal_cdf as norm_cdf, normal_quantile as norm_ppf, normal_sf as norm_sf,
};

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
