//! The asymptotic calculator (pyhf's `AsymptoticCalculator`), after
//! arXiv:1007.1727 §3 in the Wald approximation.
//!
//! Conventions, as pyhf 0.7.6 (`pyhf/infer/calculators.py`):
//!
//! * the Asimov dataset is `expected_data(θ̂̂(mu_A))` with auxiliary data,
//!   where `θ̂̂(mu_A)` is the conditional fit to the observed data at
//!   `mu_A = 0` (`mu_A = 1` for `q0`) with the user's init/bounds/fixed;
//! * the asymptotic statistic is `√q − √q_A` for `q` and `q0`; for `q~`
//!   it is `√q − √q_A` when `√q <= √q_A`, else `(q − q_A) / (2 √q_A)`;
//! * the s+b distribution is a unit normal shifted by `−√q_A`, the b-only
//!   one centred at 0: `CLs+b = Φ(−(t + √q_A))`, `CLb = Φ(−t)`,
//!   `CLs = CLs+b / CLb` (pyhf's default `calc_base_dist="normal"`);
//! * the expected band evaluates the same p-values at `t = n` for
//!   `n = 2, 1, 0, −1, −2`, i.e. `[−2σ, −1σ, median, +1σ, +2σ]` of CLs;
//! * for `q0` pyhf's `hypotest` returns the p-value of the tested
//!   (background-only) hypothesis, p0 = CLs+b, where the other statistics
//!   return CLs, and the band of CLs+b as the expected set:
//!   [`HypotestResult::cls_obs`] and [`HypotestResult::cls_exp`] hold those
//!   for `q0` (see [`pyhf_headline`]), so that the result is pyhf's.
//!
//! The free fits to the data and to the Asimov data, and the Asimov data
//! itself, do not depend on the tested `mu`: [`AsymptoticCalculator`]
//! computes them once, so each further hypotest costs two conditional fits.

use ns_core::{FitResult, FitStatus, Model, PseudoData};

use crate::error::Result;
use crate::mle::{FitOptions, Fitter};
use crate::normal::{normal_cdf, normal_isf};
use crate::test_statistics::{self, TestStatistic, WarmStart, free_poi, poi_bounds};

/// CLs+b, CLb and CLs of an asymptotic statistic `t` given `√q_A`.
pub fn asymptotic_pvalues(t: f64, sqrt_qmu_asimov: f64) -> (f64, f64, f64) {
    let clsb = normal_cdf(-(t + sqrt_qmu_asimov));
    let clb = normal_cdf(-t);
    (clsb, clb, clsb / clb)
}

/// The values pyhf's `hypotest` returns first and as the expected set:
/// CLs for `q` and `q~`, but p0 = CLs+b (and its band) for `q0`
/// (`pyhf/infer/__init__.py`: `CLsb_obs if is_q0 else CLs_obs`).
pub fn pyhf_headline(
    kind: TestStatistic,
    (clsb_obs, cls_obs): (f64, f64),
    (clsb_exp, cls_exp): ([f64; 5], [f64; 5]),
) -> (f64, [f64; 5]) {
    match kind {
        TestStatistic::Q0 => (clsb_obs, clsb_exp),
        TestStatistic::Q | TestStatistic::Qtilde => (cls_obs, cls_exp),
    }
}

/// pyhf's asymptotic statistic from `q` and `q_A`.
pub fn asymptotic_teststat(kind: TestStatistic, qmu: f64, qmu_asimov: f64) -> f64 {
    let (sq, sqa) = (qmu.sqrt(), qmu_asimov.sqrt());
    match kind {
        TestStatistic::Q | TestStatistic::Q0 => sq - sqa,
        TestStatistic::Qtilde => {
            if sq <= sqa {
                sq - sqa
            } else {
                (sq * sq - sqa * sqa) / (2.0 * sqa)
            }
        }
    }
}

/// The result of one hypothesis test at `mu`.
#[derive(Debug, Clone, PartialEq)]
pub struct HypotestResult {
    /// Tested POI value.
    pub mu: f64,
    /// Test statistic.
    pub test_stat: TestStatistic,
    /// Observed CLs; for `q0`, p0 (= `clsb_obs`), as pyhf's `hypotest`.
    pub cls_obs: f64,
    /// Observed CLs+b (p-value of the s+b hypothesis; p0 for `q0`).
    pub clsb_obs: f64,
    /// Observed CLb.
    pub clb_obs: f64,
    /// Expected CLs, `[−2σ, −1σ, median, +1σ, +2σ]`; for `q0` the
    /// expected p0 (= `clsb_exp`), as pyhf's `hypotest`.
    pub cls_exp: [f64; 5],
    /// Expected CLs+b, same order.
    pub clsb_exp: [f64; 5],
    /// Expected CLb, same order.
    pub clb_exp: [f64; 5],
    /// The test statistic on the observed data (`q`, `q~` or `q0`).
    pub q_obs: f64,
    /// The test statistic on the Asimov data.
    pub q_asimov: f64,
    /// The asymptotic statistic `t` the p-values are computed from.
    pub teststat: f64,
    /// Free-fit POI on the observed data.
    pub muhat: f64,
    /// Free-fit POI on the Asimov data.
    pub muhat_asimov: f64,
    /// Fits that did not converge, by pyhf's names (`free_fit_to_data`,
    /// `fixed_poi_fit_to_data`, `free_fit_to_asimov`,
    /// `fixed_poi_fit_to_asimov`, `asimov_pars`), with their status.
    pub failed_fits: Vec<(&'static str, FitStatus)>,
    /// pyhf's warning for the test statistic and POI bounds, if any.
    pub warning: Option<&'static str>,
}

/// Discovery significance from `q0`.
#[derive(Debug, Clone, PartialEq)]
pub struct SignificanceResult {
    /// Observed p0 (pyhf: `hypotest(0, test_stat="q0")` CLs+b).
    pub p0_obs: f64,
    /// Median expected p0 under the nominal signal (mu = 1).
    pub p0_exp: f64,
    /// Observed significance `Φ⁻¹(1 − p0_obs)`.
    pub z_obs: f64,
    /// Expected significance.
    pub z_exp: f64,
    /// Observed `q0`.
    pub q0_obs: f64,
    /// `q0` on the Asimov data (mu = 1).
    pub q0_asimov: f64,
    /// Free-fit POI on the observed data.
    pub muhat: f64,
    /// Non-converged fits (see [`HypotestResult::failed_fits`]).
    pub failed_fits: Vec<(&'static str, FitStatus)>,
}

/// Asymptotic CLs for one model, dataset and test statistic; reusable
/// across tested POI values (limits, Brazil bands). `Sync`: hypotests at
/// several `mu` can run in parallel.
pub struct AsymptoticCalculator<'a, M: Model + PseudoData> {
    model: &'a M,
    data: &'a M::Data,
    opts: FitOptions,
    test_stat: TestStatistic,
    poi: usize,
    asimov_data: M::Data,
    asimov_pars: FitResult,
    free_data: FitResult,
    free_asimov: FitResult,
}

impl<'a, M: Model + PseudoData> AsymptoticCalculator<'a, M> {
    /// Run the `mu`-independent fits: the free fit to `data`, the
    /// conditional fit at `mu_A` that builds the Asimov data, and the free
    /// fit to the Asimov data.
    pub fn new(
        model: &'a M,
        data: &'a M::Data,
        opts: &FitOptions,
        test_stat: TestStatistic,
    ) -> Result<Self> {
        let poi = free_poi(model, opts)?;
        let mut opts = opts.clone();
        opts.uncertainties = false;
        let mut fitter = Fitter::new(opts.optimizer.clone());
        let free_data = fitter.fit(model, data, &opts)?;
        let asimov_pars = fitter.fit_fixed_poi(model, data, test_stat.asimov_mu(), &opts)?;
        let asimov_data = model.asimov(&asimov_pars.bestfit);
        let free_asimov = {
            let mut o = opts.clone();
            o.init = Some(asimov_pars.bestfit.clone());
            fitter.fit(model, &asimov_data, &o)?
        };
        Ok(Self {
            model,
            data,
            opts,
            test_stat,
            poi,
            asimov_data,
            asimov_pars,
            free_data,
            free_asimov,
        })
    }

    /// The test statistic.
    pub fn test_stat(&self) -> TestStatistic {
        self.test_stat
    }

    /// The Asimov dataset of the background-only (for `q0`: nominal
    /// signal) hypothesis.
    pub fn asimov_data(&self) -> &M::Data {
        &self.asimov_data
    }

    /// The conditional fit that generated the Asimov data.
    pub fn asimov_pars(&self) -> &FitResult {
        &self.asimov_pars
    }

    /// The free fit to the observed data.
    pub fn free_fit(&self) -> &FitResult {
        &self.free_data
    }

    /// The POI bounds in effect.
    pub fn poi_bounds(&self) -> (f64, f64) {
        poi_bounds(self.model, &self.opts, self.poi)
    }

    /// Hypothesis test at `mu` (ignored for `q0`, which tests mu = 0).
    pub fn hypotest(&self, mu: f64) -> Result<HypotestResult> {
        let mut fitter = Fitter::new(self.opts.optimizer.clone());
        self.hypotest_with(&mut fitter, mu)
    }

    /// [`Self::hypotest`] with a caller-owned fitter.
    pub fn hypotest_with(&self, fitter: &mut Fitter, mu: f64) -> Result<HypotestResult> {
        let kind = self.test_stat;
        let obs = test_statistics::evaluate(
            fitter,
            kind,
            self.model,
            self.data,
            mu,
            &self.opts,
            WarmStart {
                free: None,
                fixed: Some(&self.free_data.bestfit),
            },
            Some(&self.free_data),
        )?;
        let asi = test_statistics::evaluate(
            fitter,
            kind,
            self.model,
            &self.asimov_data,
            mu,
            &self.opts,
            WarmStart {
                free: None,
                fixed: Some(&self.asimov_pars.bestfit),
            },
            Some(&self.free_asimov),
        )?;
        let sqrt_qa = asi.value.sqrt();
        let t = asymptotic_teststat(kind, obs.value, asi.value);
        let (clsb_obs, clb_obs, cls_obs) = asymptotic_pvalues(t, sqrt_qa);
        let mut cls_exp = [0.0; 5];
        let mut clsb_exp = [0.0; 5];
        let mut clb_exp = [0.0; 5];
        for (k, n) in [2.0, 1.0, 0.0, -1.0, -2.0].into_iter().enumerate() {
            let (sb, b, s) = asymptotic_pvalues(n, sqrt_qa);
            clsb_exp[k] = sb;
            clb_exp[k] = b;
            cls_exp[k] = s;
        }
        let (cls_obs, cls_exp) = pyhf_headline(kind, (clsb_obs, cls_obs), (clsb_exp, cls_exp));
        let mut failed_fits = Vec::new();
        for (name, fit) in [
            ("asimov_pars", &self.asimov_pars),
            ("free_fit_to_data", &self.free_data),
            ("free_fit_to_asimov", &self.free_asimov),
            ("fixed_poi_fit_to_data", &obs.fixed),
            ("fixed_poi_fit_to_asimov", &asi.fixed),
        ] {
            if !fit.converged() {
                failed_fits.push((name, fit.status));
            }
        }
        Ok(HypotestResult {
            mu: obs.mu,
            test_stat: kind,
            cls_obs,
            clsb_obs,
            clb_obs,
            cls_exp,
            clsb_exp,
            clb_exp,
            q_obs: obs.value,
            q_asimov: asi.value,
            teststat: t,
            muhat: self.free_data.bestfit[self.poi],
            muhat_asimov: self.free_asimov.bestfit[self.poi],
            failed_fits,
            warning: kind.warning(self.poi_bounds()),
        })
    }
}

/// One asymptotic hypothesis test at `mu` (pyhf's `hypotest` with
/// `calctype="asymptotics"`).
pub fn hypotest<M: Model + PseudoData>(
    model: &M,
    data: &M::Data,
    mu: f64,
    opts: &FitOptions,
    test_stat: TestStatistic,
) -> Result<HypotestResult> {
    AsymptoticCalculator::new(model, data, opts, test_stat)?.hypotest(mu)
}

/// Discovery significance: pyhf's `hypotest(0, test_stat="q0",
/// return_expected=True)`, plus `Z = Φ⁻¹(1 − p)`.
pub fn significance<M: Model + PseudoData>(
    model: &M,
    data: &M::Data,
    opts: &FitOptions,
) -> Result<SignificanceResult> {
    let r = hypotest(model, data, 0.0, opts, TestStatistic::Q0)?;
    Ok(SignificanceResult {
        p0_obs: r.clsb_obs,
        p0_exp: r.clsb_exp[2],
        z_obs: normal_isf(r.clsb_obs),
        z_exp: normal_isf(r.clsb_exp[2]),
        q0_obs: r.q_obs,
        q0_asimov: r.q_asimov,
        muhat: r.muhat,
        failed_fits: r.failed_fits,
    })
}
