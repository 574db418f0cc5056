//! Profile-likelihood test statistics of arXiv:1007.1727 (Cowan, Cranmer,
//! Gross, Vitells), with pyhf's conventions (`pyhf.infer.test_statistics`):
//!
//! * `t_mu = max(2 NLL(mu, θ̂̂) − 2 NLL(μ̂, θ̂), 0)`;
//! * `q_mu = 0 if μ̂ > mu else t_mu` (upper-limit statistic);
//! * `q~_mu` is, in pyhf, the same formula as `q_mu`: the "tilde" comes from
//!   the POI lower bound 0 of the free fit and from the asymptotic formula
//!   of the calculator. pyhf only warns when `q~_mu` is used with a POI not
//!   bounded at zero ("qmu_tilde test statistic used for fit configuration
//!   with POI not bounded at zero") and carries on; so do we, and the
//!   results carry the warning (see [`TestStatistic::warning`]);
//! * `q0 = 0 if μ̂ < 0 else t_0` (discovery; always evaluated at mu = 0).
//!
//! The fits use the caller's [`FitOptions`] (init, bounds, fixed), as
//! pyhf passes `init_pars`, `par_bounds`, `fixed_params`.

use ns_core::{FitResult, Model};

use crate::error::{InferError, Result};
use crate::mle::{FitOptions, Fitter};

/// Which test statistic a hypothesis test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestStatistic {
    /// `q~_mu` (pyhf's default `"qtilde"`), arXiv:1007.1727 eq. (16)/(62).
    #[default]
    Qtilde,
    /// `q_mu` (`"q"`), eq. (14).
    Q,
    /// `q0` (`"q0"`), discovery, eq. (12).
    Q0,
}

impl TestStatistic {
    /// pyhf's name: `"qtilde"`, `"q"` or `"q0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatistic::Qtilde => "qtilde",
            TestStatistic::Q => "q",
            TestStatistic::Q0 => "q0",
        }
    }

    /// Parse pyhf's name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "qtilde" => Ok(TestStatistic::Qtilde),
            "q" => Ok(TestStatistic::Q),
            "q0" => Ok(TestStatistic::Q0),
            _ => Err(InferError::InvalidArgument(format!(
                "unknown test statistic '{s}' (expected qtilde, q or q0)"
            ))),
        }
    }

    /// The POI value of the background-only hypothesis used to build the
    /// Asimov dataset and the b-only toys: 1 for `q0`, 0 otherwise (pyhf).
    pub fn asimov_mu(self) -> f64 {
        match self {
            TestStatistic::Q0 => 1.0,
            _ => 0.0,
        }
    }

    /// pyhf's warning for this statistic with these POI bounds, if any.
    pub fn warning(self, poi_bounds: (f64, f64)) -> Option<&'static str> {
        match self {
            TestStatistic::Qtilde if poi_bounds.0 != 0.0 => Some(
                "qmu_tilde test statistic used for fit configuration with POI not bounded at zero",
            ),
            TestStatistic::Q if poi_bounds.0 == 0.0 => {
                Some("qmu test statistic used for fit configuration with POI bounded at zero")
            }
            _ => None,
        }
    }

    /// The value of the statistic from the two fits: `twice_nll_fixed` at
    /// the tested `mu`, `twice_nll_free` at the free best fit `muhat`.
    pub fn from_fits(self, mu: f64, muhat: f64, twice_nll_fixed: f64, twice_nll_free: f64) -> f64 {
        let t = tmu_from_fits(twice_nll_fixed, twice_nll_free);
        match self {
            TestStatistic::Qtilde | TestStatistic::Q => {
                if muhat > mu {
                    0.0
                } else {
                    t
                }
            }
            TestStatistic::Q0 => {
                if muhat < 0.0 {
                    0.0
                } else {
                    t
                }
            }
        }
    }
}

impl std::fmt::Display for TestStatistic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `t_mu` from the two fitted `2 NLL` values: the difference clipped at 0
/// (pyhf: `tensorlib.clip(fixed - free, 0.0, None)`; NaN stays NaN).
pub fn tmu_from_fits(twice_nll_fixed: f64, twice_nll_free: f64) -> f64 {
    let d = twice_nll_fixed - twice_nll_free;
    if d < 0.0 { 0.0 } else { d }
}

/// A test statistic with the two fits it came from.
#[derive(Debug, Clone)]
pub struct TestStatValue {
    /// The value of the statistic.
    pub value: f64,
    /// The POI value it was evaluated at (0 for `q0`).
    pub mu: f64,
    /// Conditional fit with the POI fixed at `mu` (pyhf's `mubhathat`).
    pub fixed: FitResult,
    /// Free fit (pyhf's `muhatbhat`).
    pub free: FitResult,
}

impl TestStatValue {
    /// Whether both fits converged.
    pub fn converged(&self) -> bool {
        self.fixed.converged() && self.free.converged()
    }
}

/// The POI index, checked to be free in `opts` and in the model.
pub(crate) fn free_poi<M: Model>(model: &M, opts: &FitOptions) -> Result<usize> {
    let poi = model.poi_index().ok_or(InferError::NoPoi)?;
    if model.suggested_fixed()[poi] || opts.fixed.iter().any(|(i, _)| *i == poi) {
        return Err(InferError::PoiFixed(model.param_names()[poi].clone()));
    }
    Ok(poi)
}

/// The POI bounds in effect for `opts`.
pub(crate) fn poi_bounds<M: Model>(model: &M, opts: &FitOptions, poi: usize) -> (f64, f64) {
    opts.bounds
        .as_ref()
        .map(|b| b[poi])
        .unwrap_or(model.suggested_bounds()[poi])
}

/// Error unless `mu` lies within the POI bounds.
pub(crate) fn check_poi_value<M: Model>(
    model: &M,
    opts: &FitOptions,
    poi: usize,
    mu: f64,
) -> Result<()> {
    let (lower, upper) = poi_bounds(model, opts, poi);
    if !(mu >= lower && mu <= upper) {
        return Err(InferError::OutOfBounds {
            name: model.param_names()[poi].clone(),
            value: mu,
            lower,
            upper,
        });
    }
    Ok(())
}

/// Starting points for the two fits of a test statistic (warm starts);
/// `None` means `opts.init` / the model's suggested init.
#[derive(Debug, Clone, Copy, Default)]
pub struct WarmStart<'a> {
    /// Start of the free fit.
    pub free: Option<&'a [f64]>,
    /// Start of the conditional fit (its POI entry is replaced by `mu`).
    pub fixed: Option<&'a [f64]>,
}

/// Evaluate `kind` at `mu` on `data` with a reusable fitter.
///
/// `free`: an already computed free fit to reuse (it does not depend on
/// `mu`), else it is fitted here.
#[allow(clippy::too_many_arguments)]
pub fn evaluate<M: Model>(
    fitter: &mut Fitter,
    kind: TestStatistic,
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
    warm: WarmStart<'_>,
    free: Option<&FitResult>,
) -> Result<TestStatValue> {
    let poi = free_poi(model, opts)?;
    let mu = if kind == TestStatistic::Q0 { 0.0 } else { mu };
    check_poi_value(model, opts, poi, mu)?;
    let fixed = {
        let mut o = opts.clone();
        if let Some(init) = warm.fixed {
            o.init = Some(init.to_vec());
        }
        o.uncertainties = false;
        fitter.fit_fixed_poi(model, data, mu, &o)?
    };
    let free = match free {
        Some(f) => f.clone(),
        None => {
            let mut o = opts.clone();
            if let Some(init) = warm.free {
                o.init = Some(init.to_vec());
            }
            o.uncertainties = false;
            fitter.fit(model, data, &o)?
        }
    };
    // The free fit minimises over a superset of the conditional fit's
    // space, so its minimum cannot be higher: where it is, the free fit
    // stopped at a local minimum, and a free fit from the conditional
    // minimum finds one at least as low (q is then never negative).
    let free = if fixed.nll < free.nll {
        let mut o = opts.clone();
        o.init = Some(fixed.bestfit.clone());
        o.uncertainties = false;
        let again = fitter.fit(model, data, &o)?;
        if again.nll < free.nll { again } else { free }
    } else {
        free
    };
    let value = kind.from_fits(mu, free.bestfit[poi], fixed.twice_nll(), free.twice_nll());
    Ok(TestStatValue {
        value,
        mu,
        fixed,
        free,
    })
}

/// `t_mu` on `data` (two fits).
pub fn tmu<M: Model>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
) -> Result<TestStatValue> {
    let mut fitter = Fitter::new(opts.optimizer.clone());
    let mut r = evaluate(
        &mut fitter,
        TestStatistic::Q,
        model,
        data,
        mu,
        opts,
        WarmStart::default(),
        None,
    )?;
    r.value = tmu_from_fits(r.fixed.twice_nll(), r.free.twice_nll());
    Ok(r)
}

/// `q_mu` on `data` (two fits).
pub fn qmu<M: Model>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
) -> Result<TestStatValue> {
    one_shot(TestStatistic::Q, model, data, mu, opts)
}

/// `q~_mu` on `data` (two fits).
pub fn qmu_tilde<M: Model>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
) -> Result<TestStatValue> {
    one_shot(TestStatistic::Qtilde, model, data, mu, opts)
}

/// `q0` on `data` (two fits, mu = 0).
pub fn q0<M: Model>(model: &M, data: &M::Data, opts: &FitOptions) -> Result<TestStatValue> {
    one_shot(TestStatistic::Q0, model, data, 0.0, opts)
}

fn one_shot<M: Model>(
    kind: TestStatistic,
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
) -> Result<TestStatValue> {
    let mut fitter = Fitter::new(opts.optimizer.clone());
    evaluate(
        &mut fitter,
        kind,
        model,
        data,
        mu,
        opts,
        WarmStart::default(),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas() {
        let q = TestStatistic::Qtilde;
        assert_eq!(q.from_fits(1.0, 0.5, 12.0, 10.0), 2.0);
        assert_eq!(q.from_fits(1.0, 1.5, 12.0, 10.0), 0.0);
        assert_eq!(q.from_fits(1.0, 0.5, 9.0, 10.0), 0.0);
        assert_eq!(TestStatistic::Q0.from_fits(0.0, -0.1, 12.0, 10.0), 0.0);
        assert_eq!(TestStatistic::Q0.from_fits(0.0, 0.1, 12.0, 10.0), 2.0);
        assert_eq!(tmu_from_fits(12.5, 10.0), 2.5);
        assert!(TestStatistic::Qtilde.warning((-10.0, 10.0)).is_some());
        assert!(TestStatistic::Qtilde.warning((0.0, 10.0)).is_none());
        assert_eq!(TestStatistic::parse("q0").unwrap(), TestStatistic::Q0);
        assert!(TestStatistic::parse("t").is_err());
    }
}
