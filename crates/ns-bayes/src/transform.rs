//! Parameter supports and the maps between the constrained space (where the
//! model is defined) and the unconstrained space (where NUTS moves), with
//! the log-Jacobian that keeps the density correct (Stan reference manual,
//! "Constraint transforms").

use crate::error::{BayesError, Result};

/// Where a parameter lives.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Support {
    /// The real line: identity map.
    Real,
    /// `(0, ∞)`: `x = exp(u)`.
    Positive,
    /// `(lo, ∞)`: `x = lo + exp(u)`.
    Lower(f64),
    /// `(-∞, hi)`: `x = hi - exp(u)`.
    Upper(f64),
    /// `(lo, hi)`: `x = lo + (hi - lo) logistic(u)`.
    Interval(f64, f64),
}

/// `log(logistic(u))`, stable for large |u|.
fn log_logistic(u: f64) -> f64 {
    if u > 0.0 {
        -(-u).exp().ln_1p()
    } else {
        u - u.exp().ln_1p()
    }
}

fn logistic(u: f64) -> f64 {
    if u >= 0.0 {
        1.0 / (1.0 + (-u).exp())
    } else {
        let e = u.exp();
        e / (1.0 + e)
    }
}

impl Support {
    /// The support matching optimiser-style bounds: infinite ends are open.
    pub fn from_bounds(lo: f64, hi: f64) -> Result<Self> {
        let bad = |reason: &str| BayesError::InvalidArgument {
            name: "bounds",
            reason: format!("({lo}, {hi}): {reason}"),
        };
        if lo.is_nan() || hi.is_nan() {
            return Err(bad("NaN bound"));
        }
        if lo >= hi {
            return Err(bad("lower bound not below upper bound"));
        }
        Ok(match (lo.is_finite(), hi.is_finite()) {
            (false, false) => Support::Real,
            (true, false) if lo == 0.0 => Support::Positive,
            (true, false) => Support::Lower(lo),
            (false, true) => Support::Upper(hi),
            (true, true) => Support::Interval(lo, hi),
        })
    }

    /// Check the support's own parameters (finite, ordered ends).
    pub fn validate(&self) -> Result<()> {
        let ok = match *self {
            Support::Real | Support::Positive => true,
            Support::Lower(a) | Support::Upper(a) => a.is_finite(),
            Support::Interval(a, b) => a.is_finite() && b.is_finite() && a < b,
        };
        if ok {
            Ok(())
        } else {
            Err(BayesError::InvalidArgument {
                name: "supports",
                reason: format!("{self:?} is not a valid support"),
            })
        }
    }

    /// `x(u)`, its log-Jacobian `log |dx/du|`, `dx/du` and `d log|dx/du| / du`.
    #[inline]
    pub fn forward(&self, u: f64) -> (f64, f64, f64, f64) {
        match *self {
            Support::Real => (u, 0.0, 1.0, 0.0),
            Support::Positive => {
                let e = u.exp();
                (e, u, e, 1.0)
            }
            Support::Lower(a) => {
                let e = u.exp();
                (a + e, u, e, 1.0)
            }
            Support::Upper(b) => {
                let e = u.exp();
                (b - e, u, -e, 1.0)
            }
            Support::Interval(a, b) => {
                let s = logistic(u);
                let w = b - a;
                let x = (a + w * s).clamp(a, b);
                let lj = w.ln() + log_logistic(u) + log_logistic(-u);
                (x, lj, w * s * (1.0 - s), 1.0 - 2.0 * s)
            }
        }
    }

    /// The constrained value only.
    #[inline]
    pub fn constrain(&self, u: f64) -> f64 {
        self.forward(u).0
    }

    /// `u(x)`; `None` when `x` is not strictly inside the support.
    pub fn unconstrain(&self, x: f64) -> Option<f64> {
        let u = match *self {
            Support::Real => x,
            Support::Positive => (x > 0.0).then(|| x.ln())?,
            Support::Lower(a) => (x > a).then(|| (x - a).ln())?,
            Support::Upper(b) => (x < b).then(|| (b - x).ln())?,
            Support::Interval(a, b) => {
                if !(x > a && x < b) {
                    return None;
                }
                let s = (x - a) / (b - a);
                (s / (1.0 - s)).ln()
            }
        };
        u.is_finite().then_some(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_jacobian_match_finite_differences() {
        let sups = [
            Support::Real,
            Support::Positive,
            Support::Lower(-3.0),
            Support::Upper(2.0),
            Support::Interval(-1.0, 4.0),
        ];
        for s in sups {
            for &u in &[-3.0, -0.7, 0.0, 0.4, 2.5] {
                let (x, lj, dxdu, dlj) = s.forward(u);
                let back = s.unconstrain(x).unwrap();
                assert!((back - u).abs() < 1e-12, "{s:?} u={u} back={back}");
                let h = 1e-6;
                let (xp, ljp, _, _) = s.forward(u + h);
                let (xm, ljm, _, _) = s.forward(u - h);
                let fd = (xp - xm) / (2.0 * h);
                assert!((fd - dxdu).abs() < 1e-6 * (1.0 + fd.abs()), "{s:?} dx/du");
                assert!((dxdu.abs().ln() - lj).abs() < 1e-12, "{s:?} log-jacobian");
                let fdl = (ljp - ljm) / (2.0 * h);
                assert!((fdl - dlj).abs() < 1e-6, "{s:?} dlogJ/du");
            }
        }
    }

    #[test]
    fn bounds_map_to_supports_and_bad_ones_are_rejected() {
        assert_eq!(
            Support::from_bounds(f64::NEG_INFINITY, f64::INFINITY).unwrap(),
            Support::Real
        );
        assert_eq!(
            Support::from_bounds(0.0, f64::INFINITY).unwrap(),
            Support::Positive
        );
        assert_eq!(
            Support::from_bounds(1.0, 2.0).unwrap(),
            Support::Interval(1.0, 2.0)
        );
        assert!(Support::from_bounds(2.0, 1.0).is_err());
        assert!(Support::Interval(1.0, 1.0).validate().is_err());
        assert!(Support::Positive.unconstrain(-1.0).is_none());
        assert!(Support::Interval(0.0, 1.0).unconstrain(1.0).is_none());
    }
}
