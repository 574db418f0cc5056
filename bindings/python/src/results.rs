//! Named result objects of the inference functions: numpy arrays for
//! vectors, ``to_dict()`` (plain lists, JSON-serialisable) and ``__repr__``.

use ns_core::FitStatus;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::array2;

fn arr<'py>(py: Python<'py>, v: &[f64]) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_slice(py, v)
}

fn failed(v: &[(&'static str, FitStatus)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(n, s)| (n.to_string(), s.as_str().to_string()))
        .collect()
}

/// Set `key: value` pairs on a new dict.
macro_rules! dict {
    ($py:expr; $($k:expr => $v:expr),* $(,)?) => {{
        let d = PyDict::new($py);
        $( d.set_item($k, $v)?; )*
        Ok(d)
    }};
}

/// Asymptotic hypothesis test at one POI value (pyhf's ``hypotest`` with
/// ``return_tail_probs=True, return_expected_set=True``).
///
/// ``cls_exp`` etc. are ordered ``[-2σ, -1σ, median, +1σ, +2σ]``. For
/// ``test_stat="q0"`` ``cls_obs`` and ``cls_exp`` are p0 (= ``clsb_obs``)
/// and its band, as the first value and expected set pyhf returns.
#[pyclass(name = "HypotestResult", module = "nextstat._core", frozen)]
pub struct PyHypotestResult {
    pub r: ns_infer::HypotestResult,
}

#[pymethods]
impl PyHypotestResult {
    /// Tested POI value.
    #[getter]
    fn mu(&self) -> f64 {
        self.r.mu
    }
    /// Test statistic name (``qtilde``, ``q``, ``q0``).
    #[getter]
    fn test_stat(&self) -> &'static str {
        self.r.test_stat.as_str()
    }
    /// Observed CLs (p0 for ``q0``, as pyhf).
    #[getter]
    fn cls_obs(&self) -> f64 {
        self.r.cls_obs
    }
    /// Observed CLs+b.
    #[getter]
    fn clsb_obs(&self) -> f64 {
        self.r.clsb_obs
    }
    /// Observed CLb.
    #[getter]
    fn clb_obs(&self) -> f64 {
        self.r.clb_obs
    }
    /// Expected CLs band (of p0 for ``q0``, as pyhf).
    #[getter]
    fn cls_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.cls_exp)
    }
    /// Expected CLs+b band.
    #[getter]
    fn clsb_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.clsb_exp)
    }
    /// Expected CLb band.
    #[getter]
    fn clb_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.clb_exp)
    }
    /// Observed test statistic.
    #[getter]
    fn q_obs(&self) -> f64 {
        self.r.q_obs
    }
    /// Test statistic on the Asimov dataset.
    #[getter]
    fn q_asimov(&self) -> f64 {
        self.r.q_asimov
    }
    /// pyhf's shifted asymptotic test statistic.
    #[getter]
    fn teststat(&self) -> f64 {
        self.r.teststat
    }
    /// Best-fit POI on the data.
    #[getter]
    fn muhat(&self) -> f64 {
        self.r.muhat
    }
    /// Best-fit POI on the Asimov data.
    #[getter]
    fn muhat_asimov(&self) -> f64 {
        self.r.muhat_asimov
    }
    /// Fits that did not converge: ``[(which, status)]``.
    #[getter]
    fn failed_fits(&self) -> Vec<(String, String)> {
        failed(&self.r.failed_fits)
    }
    /// pyhf's warning for this configuration, if any.
    #[getter]
    fn warning(&self) -> Option<&'static str> {
        self.r.warning
    }
    /// Always ``"asymptotics"``.
    #[getter]
    fn calctype(&self) -> &'static str {
        "asymptotics"
    }
    /// Plain dict (JSON-serialisable).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        dict!(py;
            "calctype" => "asymptotics", "mu" => r.mu, "test_stat" => r.test_stat.as_str(),
            "cls_obs" => r.cls_obs, "clsb_obs" => r.clsb_obs, "clb_obs" => r.clb_obs,
            "cls_exp" => r.cls_exp.to_vec(), "clsb_exp" => r.clsb_exp.to_vec(), "clb_exp" => r.clb_exp.to_vec(),
            "q_obs" => r.q_obs, "q_asimov" => r.q_asimov, "teststat" => r.teststat,
            "muhat" => r.muhat, "muhat_asimov" => r.muhat_asimov,
            "failed_fits" => failed(&r.failed_fits), "warning" => r.warning,
        )
    }
    fn __repr__(&self) -> String {
        let r = &self.r;
        format!(
            "HypotestResult(mu={}, test_stat='{}', cls_obs={:.6e}, cls_exp=[{}], failed_fits={})",
            r.mu,
            r.test_stat.as_str(),
            r.cls_obs,
            r.cls_exp.map(|v| format!("{v:.4e}")).join(", "),
            r.failed_fits.len()
        )
    }
}

/// Toy-based hypothesis test at one POI value (pyhf's ``ToyCalculator``),
/// with the sampled test-statistic distributions.
#[pyclass(name = "ToyHypotestResult", module = "nextstat._core", frozen)]
pub struct PyToyHypotestResult {
    pub r: ns_infer::ToyHypotestResult,
}

#[pymethods]
impl PyToyHypotestResult {
    /// Tested POI value.
    #[getter]
    fn mu(&self) -> f64 {
        self.r.mu
    }
    /// Test statistic name.
    #[getter]
    fn test_stat(&self) -> &'static str {
        self.r.test_stat.as_str()
    }
    /// Observed CLs (p0 for ``q0``, as pyhf).
    #[getter]
    fn cls_obs(&self) -> f64 {
        self.r.cls_obs
    }
    /// Observed CLs+b.
    #[getter]
    fn clsb_obs(&self) -> f64 {
        self.r.clsb_obs
    }
    /// Observed CLb.
    #[getter]
    fn clb_obs(&self) -> f64 {
        self.r.clb_obs
    }
    /// Expected CLs band (of p0 for ``q0``, as pyhf).
    #[getter]
    fn cls_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.cls_exp)
    }
    /// Expected CLs+b band.
    #[getter]
    fn clsb_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.clsb_exp)
    }
    /// Expected CLb band.
    #[getter]
    fn clb_exp<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.clb_exp)
    }
    /// Observed test statistic.
    #[getter]
    fn q_obs(&self) -> f64 {
        self.r.q_obs
    }
    /// Toys per hypothesis.
    #[getter]
    fn n_toys(&self) -> usize {
        self.r.n_toys
    }
    /// Test statistics of the s+b toys (toy-index order).
    #[getter]
    fn sb_test_stats<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.sb.test_stats)
    }
    /// Test statistics of the b-only toys.
    #[getter]
    fn b_test_stats<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.b.test_stats)
    }
    /// Toys with a non-converged fit: ``(n_sb, n_b)``.
    #[getter]
    fn n_failed_toys(&self) -> (usize, usize) {
        (self.r.sb.n_failed, self.r.b.n_failed)
    }
    /// Fits on the observed data that did not converge.
    #[getter]
    fn failed_fits(&self) -> Vec<(String, String)> {
        failed(&self.r.failed_fits)
    }
    /// pyhf's warning, if any.
    #[getter]
    fn warning(&self) -> Option<&'static str> {
        self.r.warning
    }
    /// Always ``"toybased"``.
    #[getter]
    fn calctype(&self) -> &'static str {
        "toybased"
    }
    /// Plain dict (JSON-serialisable; includes the toy distributions).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        dict!(py;
            "calctype" => "toybased", "mu" => r.mu, "test_stat" => r.test_stat.as_str(),
            "cls_obs" => r.cls_obs, "clsb_obs" => r.clsb_obs, "clb_obs" => r.clb_obs,
            "cls_exp" => r.cls_exp.to_vec(), "clsb_exp" => r.clsb_exp.to_vec(), "clb_exp" => r.clb_exp.to_vec(),
            "q_obs" => r.q_obs, "n_toys" => r.n_toys,
            "sb_test_stats" => r.sb.test_stats.clone(), "b_test_stats" => r.b.test_stats.clone(),
            "n_failed_toys" => (r.sb.n_failed, r.b.n_failed),
            "failed_fits" => failed(&r.failed_fits), "warning" => r.warning,
        )
    }
    fn __repr__(&self) -> String {
        let r = &self.r;
        format!(
            "ToyHypotestResult(mu={}, test_stat='{}', n_toys={}, cls_obs={:.6e}, cls_exp=[{}], failed_toys=({}, {}))",
            r.mu,
            r.test_stat.as_str(),
            r.n_toys,
            r.cls_obs,
            r.cls_exp.map(|v| format!("{v:.4e}")).join(", "),
            r.sb.n_failed,
            r.b.n_failed
        )
    }
}

/// Discovery significance (asymptotic ``q0``).
#[pyclass(name = "SignificanceResult", module = "nextstat._core", frozen)]
pub struct PySignificanceResult {
    pub r: ns_infer::SignificanceResult,
}

#[pymethods]
impl PySignificanceResult {
    /// Observed p-value of the background-only hypothesis.
    #[getter]
    fn p0_obs(&self) -> f64 {
        self.r.p0_obs
    }
    /// Expected (median) p-value.
    #[getter]
    fn p0_exp(&self) -> f64 {
        self.r.p0_exp
    }
    /// Observed significance Z.
    #[getter]
    fn z_obs(&self) -> f64 {
        self.r.z_obs
    }
    /// Expected significance Z.
    #[getter]
    fn z_exp(&self) -> f64 {
        self.r.z_exp
    }
    /// Observed q0.
    #[getter]
    fn q0_obs(&self) -> f64 {
        self.r.q0_obs
    }
    /// q0 on the Asimov data.
    #[getter]
    fn q0_asimov(&self) -> f64 {
        self.r.q0_asimov
    }
    /// Best-fit POI.
    #[getter]
    fn muhat(&self) -> f64 {
        self.r.muhat
    }
    /// Fits that did not converge.
    #[getter]
    fn failed_fits(&self) -> Vec<(String, String)> {
        failed(&self.r.failed_fits)
    }
    /// Plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        dict!(py;
            "p0_obs" => r.p0_obs, "p0_exp" => r.p0_exp, "z_obs" => r.z_obs, "z_exp" => r.z_exp,
            "q0_obs" => r.q0_obs, "q0_asimov" => r.q0_asimov, "muhat" => r.muhat,
            "failed_fits" => failed(&r.failed_fits),
        )
    }
    fn __repr__(&self) -> String {
        let r = &self.r;
        format!(
            "SignificanceResult(z_obs={:.4}, z_exp={:.4}, p0_obs={:.4e}, p0_exp={:.4e}, muhat={:.4})",
            r.z_obs, r.z_exp, r.p0_obs, r.p0_exp, r.muhat
        )
    }
}

/// An upper limit with every hypotest made (the Brazil-band points).
#[pyclass(name = "UpperLimitResult", module = "nextstat._core", frozen)]
pub struct PyUpperLimitResult {
    pub r: ns_infer::UpperLimitResult,
}

#[pymethods]
impl PyUpperLimitResult {
    /// Observed upper limit.
    #[getter]
    fn obs_limit(&self) -> f64 {
        self.r.obs_limit
    }
    /// Expected limits ``[-2σ, -1σ, median, +1σ, +2σ]``.
    #[getter]
    fn exp_limits<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        arr(py, &self.r.exp_limits)
    }
    /// CLs level (``alpha``; 0.05 for 95% CL).
    #[getter]
    fn level(&self) -> f64 {
        self.r.level
    }
    /// ``toms748`` or ``grid_scan``.
    #[getter]
    fn method(&self) -> &'static str {
        self.r.method.as_str()
    }
    /// Number of hypotests made.
    #[getter]
    fn n_hypotests(&self) -> usize {
        self.r.n_hypotests
    }
    /// POI values of the hypotests (sorted).
    #[getter]
    fn mu<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.r.points.iter().map(|p| p.mu).collect())
    }
    /// Observed CLs at each point.
    #[getter]
    fn cls_obs<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.r.points.iter().map(|p| p.cls_obs).collect())
    }
    /// Expected CLs at each point, shape ``(n_points, 5)``.
    #[getter]
    fn cls_exp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let flat = self.r.points.iter().flat_map(|p| p.cls_exp).collect();
        array2(py, flat, self.r.points.len(), 5)
    }
    /// Plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        let mu: Vec<f64> = r.points.iter().map(|p| p.mu).collect();
        let obs: Vec<f64> = r.points.iter().map(|p| p.cls_obs).collect();
        let exp: Vec<Vec<f64>> = r.points.iter().map(|p| p.cls_exp.to_vec()).collect();
        let nf: Vec<usize> = r.points.iter().map(|p| p.n_failed_fits).collect();
        dict!(py;
            "obs_limit" => r.obs_limit, "exp_limits" => r.exp_limits.to_vec(), "level" => r.level,
            "method" => r.method.as_str(), "n_hypotests" => r.n_hypotests,
            "mu" => mu, "cls_obs" => obs, "cls_exp" => exp, "n_failed_fits" => nf,
        )
    }
    fn __repr__(&self) -> String {
        let r = &self.r;
        format!(
            "UpperLimitResult(obs_limit={:.6}, exp_limits=[{}], level={}, method='{}', n_hypotests={})",
            r.obs_limit,
            r.exp_limits.map(|v| format!("{v:.5}")).join(", "),
            r.level,
            r.method.as_str(),
            r.n_hypotests
        )
    }
}

/// A profile-likelihood scan of the POI.
#[pyclass(name = "ScanResult", module = "nextstat._core", frozen)]
pub struct PyScanResult {
    pub r: ns_infer::ProfileScan,
    pub names: Vec<String>,
    pub poi_name: String,
}

#[pymethods]
impl PyScanResult {
    /// Scanned POI values (input order).
    #[getter]
    fn mu<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.r.points.iter().map(|p| p.mu).collect())
    }
    /// ``-2 Δ ln L`` relative to the global fit.
    #[getter]
    fn twice_delta_nll<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(
            py,
            self.r.points.iter().map(|p| p.twice_delta_nll).collect(),
        )
    }
    /// ``2 nll`` at each point.
    #[getter]
    fn twice_nll<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.r.points.iter().map(|p| p.twice_nll).collect())
    }
    /// Best-fit parameters at each point, shape ``(n_points, n_params)``.
    #[getter]
    fn bestfit<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let flat = self
            .r
            .points
            .iter()
            .flat_map(|p| p.bestfit.iter().copied())
            .collect();
        array2(py, flat, self.r.points.len(), self.names.len())
    }
    /// Fit status at each point.
    #[getter]
    fn status(&self) -> Vec<&'static str> {
        self.r.points.iter().map(|p| p.status.as_str()).collect()
    }
    /// Global best-fit POI.
    #[getter]
    fn bestfit_mu(&self) -> f64 {
        self.r.bestfit_mu
    }
    /// ``2 nll`` of the global fit.
    #[getter]
    fn global_twice_nll(&self) -> f64 {
        self.r.global.twice_nll()
    }
    /// Name of the POI.
    #[getter]
    fn poi_name(&self) -> String {
        self.poi_name.clone()
    }
    /// Number of points whose fit did not converge.
    #[getter]
    fn n_failed(&self) -> usize {
        self.r.n_failed()
    }
    /// Plain dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.r;
        dict!(py;
            "poi_name" => self.poi_name.clone(),
            "mu" => r.points.iter().map(|p| p.mu).collect::<Vec<_>>(),
            "twice_delta_nll" => r.points.iter().map(|p| p.twice_delta_nll).collect::<Vec<_>>(),
            "twice_nll" => r.points.iter().map(|p| p.twice_nll).collect::<Vec<_>>(),
            "status" => r.points.iter().map(|p| p.status.as_str()).collect::<Vec<_>>(),
            "bestfit_mu" => r.bestfit_mu, "global_twice_nll" => r.global.twice_nll(),
        )
    }
    fn __repr__(&self) -> String {
        format!(
            "ScanResult(poi='{}', n_points={}, bestfit_mu={:.6}, n_failed={})",
            self.poi_name,
            self.r.points.len(),
            self.r.bestfit_mu,
            self.r.n_failed()
        )
    }
}

/// Nuisance-parameter ranking (impacts on the POI), pulls and constraints,
/// largest impact first. Vectors are aligned with ``names``; pulls,
/// constraints and pre-fit impacts are NaN for unconstrained parameters.
#[pyclass(name = "RankingResult", module = "nextstat._core", frozen)]
pub struct PyRankingResult {
    pub r: ns_infer::RankingResult,
    pub poi_name: String,
}

impl PyRankingResult {
    fn col(&self, f: impl Fn(&ns_infer::Impact) -> f64) -> Vec<f64> {
        self.r.impacts.iter().map(f).collect()
    }
}

#[pymethods]
impl PyRankingResult {
    /// Parameter names, largest impact first.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.r.impacts.iter().map(|i| i.name.clone()).collect()
    }
    /// Parameter indices in the model.
    #[getter]
    fn indices(&self) -> Vec<usize> {
        self.r.impacts.iter().map(|i| i.index).collect()
    }
    /// Best-fit values.
    #[getter]
    fn bestfit<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.bestfit))
    }
    /// Post-fit uncertainties.
    #[getter]
    fn uncertainty<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.uncertainty))
    }
    /// ``(θ̂ − θ₀) / σ_prefit``.
    #[getter]
    fn pull<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.pull.unwrap_or(f64::NAN)))
    }
    /// ``σ̂ / σ_prefit``.
    #[getter]
    fn constraint<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.constraint.unwrap_or(f64::NAN)))
    }
    /// Post-fit impact of θ̂ + σ̂ on the POI.
    #[getter]
    fn impact_up<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.impact_up))
    }
    /// Post-fit impact of θ̂ − σ̂ on the POI.
    #[getter]
    fn impact_down<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.impact_down))
    }
    /// Pre-fit impact of θ̂ + σ_prefit.
    #[getter]
    fn prefit_impact_up<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.prefit_impact_up.unwrap_or(f64::NAN)))
    }
    /// Pre-fit impact of θ̂ − σ_prefit.
    #[getter]
    fn prefit_impact_down<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.col(|i| i.prefit_impact_down.unwrap_or(f64::NAN)))
    }
    /// Best-fit POI.
    #[getter]
    fn muhat(&self) -> f64 {
        self.r.muhat
    }
    /// Its uncertainty.
    #[getter]
    fn muhat_uncertainty(&self) -> f64 {
        self.r.muhat_uncertainty
    }
    /// Name of the POI.
    #[getter]
    fn poi_name(&self) -> String {
        self.poi_name.clone()
    }
    /// Status of the global fit.
    #[getter]
    fn global_status(&self) -> &'static str {
        self.r.global_status.as_str()
    }
    /// Plain dict: one record per parameter under ``"impacts"``.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let impacts = pyo3::types::PyList::empty(py);
        for i in &self.r.impacts {
            let d: PyResult<Bound<'py, PyDict>> = dict!(py;
                "name" => i.name.clone(), "index" => i.index, "bestfit" => i.bestfit,
                "uncertainty" => i.uncertainty, "pull" => i.pull, "constraint" => i.constraint,
                "impact_up" => i.impact_up, "impact_down" => i.impact_down,
                "prefit_impact_up" => i.prefit_impact_up, "prefit_impact_down" => i.prefit_impact_down,
                "failed_fits" => failed(&i.failed_fits),
            );
            impacts.append(d?)?;
        }
        dict!(py;
            "poi_name" => self.poi_name.clone(), "muhat" => self.r.muhat,
            "muhat_uncertainty" => self.r.muhat_uncertainty,
            "global_status" => self.r.global_status.as_str(), "impacts" => impacts,
        )
    }
    fn __len__(&self) -> usize {
        self.r.impacts.len()
    }
    fn __repr__(&self) -> String {
        let top: Vec<String> = self
            .r
            .impacts
            .iter()
            .take(3)
            .map(|i| format!("{} (+{:.4}/{:.4})", i.name, i.impact_up, i.impact_down))
            .collect();
        format!(
            "RankingResult({}={:.6}±{:.4}, n_params={}, top=[{}])",
            self.poi_name,
            self.r.muhat,
            self.r.muhat_uncertainty,
            self.r.impacts.len(),
            top.join(", ")
        )
    }
}
