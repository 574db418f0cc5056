//! Interpolation codes for normsys (multiplicative) and histosys (additive)
//! modifiers, exactly as pyhf 0.7 implements them (pyhf/interpolators/code*.py;
//! CERN-OPEN-2012-016 for the definitions).
//!
//! Each function returns the value and its derivative with respect to the
//! nuisance parameter α, so the gradient is computed in the same pass.

use crate::error::{HistFactoryError, Result};

/// An interpolation code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InterpCode {
    /// Piecewise linear.
    Code0,
    /// Piecewise exponential.
    Code1,
    /// Quadratic inside [-1, 1], linear outside (pyhf's variant).
    Code2,
    /// Exponential outside [-1, 1], 6th-order polynomial inside.
    Code4,
    /// Linear outside [-1, 1], 6th-order polynomial inside.
    Code4p,
}

impl InterpCode {
    /// Parse `code0`, `code1`, `code2`, `code4`, `code4p` (the `code` prefix is optional).
    pub fn parse(text: &str) -> Result<Self> {
        match text.trim().trim_start_matches("code") {
            "0" => Ok(Self::Code0),
            "1" => Ok(Self::Code1),
            "2" => Ok(Self::Code2),
            "4" => Ok(Self::Code4),
            "4p" => Ok(Self::Code4p),
            _ => Err(HistFactoryError::InvalidModel {
                source_name: String::new(),
                message: format!(
                    "unknown interpolation code '{text}' (expected code0, code1, code2, code4 or code4p)"
                ),
            }),
        }
    }

    /// The pyhf spelling (`"code4p"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code0 => "code0",
            Self::Code1 => "code1",
            Self::Code2 => "code2",
            Self::Code4 => "code4",
            Self::Code4p => "code4p",
        }
    }

    /// Whether the code is defined on ratios to the nominal (codes 1 and 4).
    pub fn is_multiplicative(self) -> bool {
        matches!(self, Self::Code1 | Self::Code4)
    }
}

/// Interpolation settings per modifier type (pyhf's `modifier_settings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterpSettings {
    /// Code for normsys (pyhf 0.7 default: code4).
    pub normsys: InterpCode,
    /// Code for histosys (pyhf 0.7 default: code4p).
    pub histosys: InterpCode,
}

impl Default for InterpSettings {
    fn default() -> Self {
        Self {
            normsys: InterpCode::Code4,
            histosys: InterpCode::Code4p,
        }
    }
}

impl InterpSettings {
    /// Parse `normsys=code1,histosys=code0` (either part may be omitted).
    pub fn parse(text: &str) -> Result<Self> {
        let mut settings = Self::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = || HistFactoryError::InvalidModel {
                source_name: String::new(),
                message: format!(
                    "bad interpolation setting '{part}' (expected e.g. normsys=code1,histosys=code0)"
                ),
            };
            let (kind, code) = part.split_once('=').ok_or_else(bad)?;
            let code = InterpCode::parse(code)?;
            match kind.trim() {
                "normsys" => settings.normsys = code,
                "histosys" => settings.histosys = code,
                _ => return Err(bad()),
            }
        }
        settings.validate()?;
        Ok(settings)
    }

    /// histosys templates can be zero in a bin, so only additive codes are
    /// allowed for them (as in pyhf: code0, code2, code4p).
    pub fn validate(&self) -> Result<()> {
        if self.histosys.is_multiplicative() {
            return Err(HistFactoryError::InvalidModel {
                source_name: String::new(),
                message: format!(
                    "histosys supports code0, code2 and code4p, not {}",
                    self.histosys.as_str()
                ),
            });
        }
        Ok(())
    }
}

/// Additive interpolation: the shift δ(α) added to `nom` and dδ/dα.
#[inline]
pub fn additive(code: InterpCode, lo: f64, nom: f64, hi: f64, alpha: f64) -> (f64, f64) {
    match code {
        InterpCode::Code0 => {
            if alpha > 0.0 {
                (alpha * (hi - nom), hi - nom)
            } else {
                (alpha * (nom - lo), nom - lo)
            }
        }
        InterpCode::Code2 => {
            // pyhf's code2: note the extrapolation has no offset, so it is
            // discontinuous at |α| = 1; we match pyhf, not ROOT.
            let a = 0.5 * (hi + lo) - nom;
            let b = 0.5 * (hi - lo);
            if alpha > 1.0 {
                ((b + 2.0 * a) * (alpha - 1.0), b + 2.0 * a)
            } else if alpha >= -1.0 {
                (a * alpha * alpha + b * alpha, 2.0 * a * alpha + b)
            } else {
                ((b - 2.0 * a) * (alpha + 1.0), b - 2.0 * a)
            }
        }
        InterpCode::Code4p => {
            let up = hi - nom;
            let dn = nom - lo;
            if alpha > 1.0 {
                (up * alpha, up)
            } else if alpha < -1.0 {
                (dn * alpha, dn)
            } else {
                let s = 0.5 * (up + dn);
                let a = 0.0625 * (up - dn);
                let a2 = alpha * alpha;
                let value = alpha * (s + alpha * a * (15.0 + a2 * (-10.0 + a2 * 3.0)));
                let deriv = s + a * alpha * (30.0 + a2 * (-40.0 + a2 * 18.0));
                (value, deriv)
            }
        }
        InterpCode::Code1 | InterpCode::Code4 => {
            // Multiplicative codes on absolute templates: shift = nom*(f-1).
            let (f, df) = multiplicative(&NormsysCoeffs::new(code, lo / nom, hi / nom), alpha);
            (nom * (f - 1.0), nom * df)
        }
    }
}

/// Per-bin rows of an additive code, precomputed at build time so that the
/// kernel evaluates every bin of every modifier as `δ_b = R1_b·s1 + R2_b·s2`
/// and `dδ_b/dα = R1_b + R2_b·ds2`, with the α-dependent weights
/// ([`additive_weights`]) computed once per parameter. For all three codes
/// R1 = (hi − lo)/2 and R2 = (hi + lo)/2 − nom: up = R1 + R2 and
/// dn = R1 − R2, so the linear pieces (α·up, α·dn) are weights ±α on the
/// same two rows. Same arithmetic as [`additive`], reorganised.
pub fn additive_rows(lo: f64, nom: f64, hi: f64) -> [f64; 2] {
    let up = hi - nom;
    let dn = nom - lo;
    [0.5 * (up + dn), 0.5 * (up - dn)]
}

/// The weights `[s1, s2, ds2]` of [`additive_rows`] at `alpha`. R1 enters
/// every piece of every code with slope 1 (α·R1, or (α ∓ 1)·R1 for code2
/// outside ±1), so ds1 = 1 and is not returned: the kernel's gradient is
/// R1 + R2·ds2.
#[inline]
pub fn additive_weights(code: InterpCode, alpha: f64) -> [f64; 3] {
    match code {
        InterpCode::Code0 => {
            if alpha > 0.0 {
                [alpha, alpha, 1.0]
            } else {
                [alpha, -alpha, -1.0]
            }
        }
        InterpCode::Code2 => {
            // pyhf's code2: a = R2, b = R1; b·α + a·α² inside, and outside
            // (b ± 2a)(α ∓ 1).
            if alpha > 1.0 {
                let t = alpha - 1.0;
                [t, 2.0 * t, 2.0]
            } else if alpha >= -1.0 {
                [alpha, alpha * alpha, 2.0 * alpha]
            } else {
                let t = alpha + 1.0;
                [t, -2.0 * t, -2.0]
            }
        }
        // code4p (code1/code4 are rejected for histosys by validate()).
        _ => {
            if alpha > 1.0 {
                [alpha, alpha, 1.0]
            } else if alpha < -1.0 {
                [alpha, -alpha, -1.0]
            } else {
                // α·R1 + α²(15 − 10α² + 3α⁴)/8 · R2
                let a2 = alpha * alpha;
                [
                    alpha,
                    0.125 * a2 * (15.0 + a2 * (-10.0 + a2 * 3.0)),
                    0.125 * alpha * (30.0 + a2 * (-40.0 + a2 * 18.0)),
                ]
            }
        }
    }
}

/// Precomputed constants of one normsys (factors `lo`, `hi` around 1).
#[derive(Debug, Clone, Copy)]
pub struct NormsysCoeffs {
    code: InterpCode,
    lo: f64,
    hi: f64,
    ln_lo: f64,
    ln_hi: f64,
    /// Polynomial coefficients a1..a6 of code4.
    poly: [f64; 6],
}

impl NormsysCoeffs {
    /// Precompute for factors `lo` (at α=-1) and `hi` (at α=+1).
    pub fn new(code: InterpCode, lo: f64, hi: f64) -> Self {
        let ln_lo = lo.ln();
        let ln_hi = hi.ln();
        let mut poly = [0.0; 6];
        if code == InterpCode::Code4 {
            // Solve for the polynomial matching value, first and second
            // derivative of the exponential at α = ±1 (α0 = 1): the closed
            // form inverse of the 6×6 system from pyhf's code4 docstring.
            let b = [
                hi - 1.0,
                lo - 1.0,
                ln_hi * hi,
                -ln_lo * lo,
                ln_hi * ln_hi * hi,
                ln_lo * ln_lo * lo,
            ];
            const A_INV: [[f64; 6]; 6] = [
                [
                    15.0 / 16.0,
                    -15.0 / 16.0,
                    -7.0 / 16.0,
                    -7.0 / 16.0,
                    1.0 / 16.0,
                    -1.0 / 16.0,
                ],
                [1.5, 1.5, -9.0 / 16.0, 9.0 / 16.0, 1.0 / 16.0, 1.0 / 16.0],
                [
                    -5.0 / 8.0,
                    5.0 / 8.0,
                    5.0 / 8.0,
                    5.0 / 8.0,
                    -1.0 / 8.0,
                    1.0 / 8.0,
                ],
                [-1.5, -1.5, 7.0 / 8.0, -7.0 / 8.0, -1.0 / 8.0, -1.0 / 8.0],
                [
                    3.0 / 16.0,
                    -3.0 / 16.0,
                    -3.0 / 16.0,
                    -3.0 / 16.0,
                    1.0 / 16.0,
                    -1.0 / 16.0,
                ],
                [0.5, 0.5, -5.0 / 16.0, 5.0 / 16.0, 1.0 / 16.0, 1.0 / 16.0],
            ];
            for (coef, row) in poly.iter_mut().zip(A_INV.iter()) {
                *coef = row.iter().zip(b.iter()).map(|(a, b)| a * b).sum();
            }
        }
        Self {
            code,
            lo,
            hi,
            ln_lo,
            ln_hi,
            poly,
        }
    }
}

impl NormsysCoeffs {
    /// The interpolation code.
    pub(crate) fn code(&self) -> InterpCode {
        self.code
    }

    /// Code4's polynomial coefficients a1..a6 (zeros for other codes).
    pub(crate) fn poly(&self) -> &[f64; 6] {
        &self.poly
    }
}

/// Multiplicative interpolation: the factor f(α) and df/dα.
#[inline]
pub fn multiplicative(c: &NormsysCoeffs, alpha: f64) -> (f64, f64) {
    match c.code {
        InterpCode::Code1 => {
            // A factor of 0 (hi or lo = 0, as pyhf allows under code1)
            // is flat: its derivative is 0, not 0 · ln 0.
            if alpha > 0.0 {
                let f = c.hi.powf(alpha);
                (f, if f == 0.0 { 0.0 } else { f * c.ln_hi })
            } else {
                let f = c.lo.powf(-alpha);
                (f, if f == 0.0 { 0.0 } else { -f * c.ln_lo })
            }
        }
        InterpCode::Code4 => {
            if alpha >= 1.0 {
                let f = c.hi.powf(alpha);
                (f, f * c.ln_hi)
            } else if alpha <= -1.0 {
                let f = c.lo.powf(-alpha);
                (f, -f * c.ln_lo)
            } else {
                let p = &c.poly;
                let value = 1.0
                    + alpha
                        * (p[0]
                            + alpha
                                * (p[1]
                                    + alpha
                                        * (p[2] + alpha * (p[3] + alpha * (p[4] + alpha * p[5])))));
                let deriv = p[0]
                    + alpha
                        * (2.0 * p[1]
                            + alpha
                                * (3.0 * p[2]
                                    + alpha
                                        * (4.0 * p[3]
                                            + alpha * (5.0 * p[4] + alpha * 6.0 * p[5]))));
                (value, deriv)
            }
        }
        // Additive codes on a normsys act on the nominal 1.
        code => {
            let (d, dd) = additive(code, c.lo, 1.0, c.hi, alpha);
            (1.0 + d, dd)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code4_matches_exponential_at_the_knots() {
        let c = NormsysCoeffs::new(InterpCode::Code4, 0.9, 1.2);
        for (alpha, expect) in [(1.0, 1.2), (-1.0, 0.9), (0.0, 1.0)] {
            let inner = 1.0
                + (1..=6)
                    .map(|i| c.poly[i - 1] * f64::powi(alpha, i as i32))
                    .sum::<f64>();
            assert!(
                (inner - expect).abs() < 1e-12,
                "alpha={alpha}: {inner} vs {expect}"
            );
        }
    }

    #[test]
    fn parse_settings() {
        let s = InterpSettings::parse("normsys=code1,histosys=code0").unwrap();
        assert_eq!(s.normsys, InterpCode::Code1);
        assert_eq!(s.histosys, InterpCode::Code0);
        assert!(InterpSettings::parse("histosys=code4").is_err());
        assert!(InterpSettings::parse("foo=code1").is_err());
        assert!(InterpCode::parse("code3").is_err());
    }
}
