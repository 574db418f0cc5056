//! `nextstat.fit`, `nextstat.fit_fixed_poi` and `FitResult`.

use ns_core::{FitResult, Model as _};
use ns_infer::FitOptions;
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{array2, check_len};
use crate::errors::{self, raise};
use crate::model::PyModel;

/// Build `FitOptions` from the Python arguments.
///
/// * `init`: sequence of n floats.
/// * `fixed`: a dict ``{name_or_index: value}``, or pyhf's list of n bools
///   (``fixed_params``: True = held at its init value).
/// * `bounds`: n ``(lower, upper)`` pairs.
pub fn fit_options(
    model: &PyModel,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
    uncertainties: bool,
) -> PyResult<FitOptions> {
    let m = &*model.inner;
    let n = m.n_params();
    let mut opts = FitOptions {
        uncertainties,
        ..FitOptions::default()
    };
    if let Some(init) = init {
        opts.init = Some(model.pars(init, "init")?.as_slice().to_vec());
    }
    if let Some(b) = bounds {
        let rows: Vec<Vec<f64>> = b.extract().map_err(|_| {
            raise(
                "InvalidPdfParameters",
                "bounds: expected a sequence of (lower, upper) pairs",
            )
        })?;
        check_len("bounds", rows.len(), n, "InvalidPdfParameters")?;
        let mut out = Vec::with_capacity(n);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != 2 {
                return Err(raise(
                    "InvalidPdfParameters",
                    format!(
                        "bounds[{i}] ({}): expected (lower, upper)",
                        m.param_names()[i]
                    ),
                ));
            }
            out.push((r[0], r[1]));
        }
        opts.bounds = Some(out);
    }
    if let Some(f) = fixed {
        if let Ok(d) = f.cast::<PyDict>() {
            for (k, v) in d.iter() {
                let idx = if let Ok(name) = k.extract::<String>() {
                    m.param_index(&name).ok_or_else(|| {
                        raise(
                            "InvalidPdfParameters",
                            format!("fixed: unknown parameter '{name}'"),
                        )
                    })?
                } else {
                    let i: usize = k.extract().map_err(|_| {
                        raise(
                            "InvalidPdfParameters",
                            "fixed: keys must be parameter names or indices",
                        )
                    })?;
                    if i >= n {
                        return Err(raise(
                            "InvalidPdfParameters",
                            format!("fixed: parameter index {i} out of range (n_params = {n})"),
                        ));
                    }
                    i
                };
                let val: f64 = v.extract().map_err(|_| {
                    raise(
                        "InvalidPdfParameters",
                        format!(
                            "fixed: value of '{}' must be a number",
                            m.param_names()[idx]
                        ),
                    )
                })?;
                opts.fixed.push((idx, val));
            }
        } else {
            let mask: Vec<bool> = f.extract().map_err(|_| {
                raise(
                    "InvalidPdfParameters",
                    "fixed: expected a dict {name: value} or a list of n bools (pyhf's fixed_params)",
                )
            })?;
            check_len("fixed", mask.len(), n, "InvalidPdfParameters")?;
            let x0 = opts
                .init
                .clone()
                .unwrap_or_else(|| m.suggested_init().to_vec());
            for (i, &on) in mask.iter().enumerate() {
                if on {
                    opts.fixed.push((i, x0[i]));
                }
            }
        }
    }
    Ok(opts)
}

/// The outcome of a maximum-likelihood fit.
///
/// Vectors are numpy arrays in model parameter order (``par_names``).
#[pyclass(name = "FitResult", module = "nextstat._core", frozen)]
pub struct PyFitResult {
    pub r: FitResult,
    pub names: Vec<String>,
    pub poi_index: Option<usize>,
    /// MINOS intervals, when asked for (`fit(..., minos=[...])`).
    pub minos: Vec<ns_infer::MinosInterval>,
}

/// An edge's status: `ok`, `at_limit` (the profile stays below the
/// threshold up to the bound, which is then the edge) or `failed`.
fn edge_status(e: &ns_infer::MinosEdge) -> &'static str {
    match (e.valid, e.at_bound) {
        (false, _) => "failed",
        (true, true) => "at_limit",
        (true, false) => "ok",
    }
}

impl PyFitResult {
    fn correlation_vec(&self) -> Option<Vec<f64>> {
        let cov = self.r.covariance.as_ref()?;
        let n = self.names.len();
        let sd: Vec<f64> = (0..n).map(|i| cov[i * n + i].max(0.0).sqrt()).collect();
        let mut out = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                out[i * n + j] = if i == j {
                    1.0
                } else if sd[i] > 0.0 && sd[j] > 0.0 {
                    cov[i * n + j] / (sd[i] * sd[j])
                } else {
                    0.0
                };
            }
        }
        Some(out)
    }
}

#[pymethods]
impl PyFitResult {
    /// Best-fit parameter values.
    #[getter]
    fn bestfit<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.r.bestfit)
    }

    /// Hessian uncertainties (0 for fixed parameters).
    #[getter]
    fn uncertainties<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.r.uncertainties)
    }

    /// Covariance matrix ``(n, n)``, or None when the Hessian was not positive definite
    /// (or uncertainties were not requested).
    #[getter]
    fn covariance<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        let n = self.names.len();
        self.r
            .covariance
            .clone()
            .map(|c| array2(py, c, n, n))
            .transpose()
    }

    /// Correlation matrix ``(n, n)`` from the covariance (1 on the diagonal,
    /// 0 for rows of fixed parameters), or None.
    #[getter]
    fn correlation<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray2<f64>>>> {
        let n = self.names.len();
        self.correlation_vec()
            .map(|c| array2(py, c, n, n))
            .transpose()
    }

    /// Negative log-likelihood at the minimum.
    #[getter]
    fn nll(&self) -> f64 {
        self.r.nll
    }

    /// ``2 * nll`` (pyhf's ``return_fitted_val=True`` value).
    #[getter]
    fn twice_nll(&self) -> f64 {
        self.r.twice_nll()
    }

    /// Whether the minimiser converged.
    #[getter]
    fn converged(&self) -> bool {
        self.r.converged()
    }

    /// Termination reason (``converged_gradient``, ``max_iterations``, ...).
    #[getter]
    fn status(&self) -> &'static str {
        self.r.status.as_str()
    }

    /// Whether the Hessian at the minimum was positive definite.
    #[getter]
    fn hessian_pos_def(&self) -> bool {
        self.r.hessian_pos_def
    }

    /// Optimiser iterations.
    #[getter]
    fn n_iter(&self) -> usize {
        self.r.n_iter
    }

    /// Objective evaluations.
    #[getter]
    fn n_eval(&self) -> usize {
        self.r.n_eval
    }

    /// Parameter names (model order).
    #[getter]
    fn par_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Best-fit value of the POI (None if the model has none).
    #[getter]
    fn poi_value(&self) -> Option<f64> {
        self.poi_index.map(|i| self.r.bestfit[i])
    }

    /// MINOS intervals ``{name: (lower, upper)}`` (end points as parameter
    /// values) for the parameters given to ``fit(..., minos=[...])``.
    #[getter]
    fn minos<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for iv in &self.minos {
            d.set_item(&iv.name, iv.bounds())?;
        }
        Ok(d)
    }

    /// ``{name: (lower_status, upper_status)}``, each ``"ok"``,
    /// ``"at_limit"`` (the interval reaches the parameter's bound, as
    /// iminuit's ``at_lower_limit``) or ``"failed"``.
    #[getter]
    fn minos_status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for iv in &self.minos {
            d.set_item(&iv.name, (edge_status(&iv.lower), edge_status(&iv.upper)))?;
        }
        Ok(d)
    }

    /// Plain-Python dict (lists, not arrays): JSON-serialisable.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("par_names", PyList::new(py, &self.names)?)?;
        d.set_item("bestfit", self.r.bestfit.clone())?;
        d.set_item("uncertainties", self.r.uncertainties.clone())?;
        let n = self.names.len();
        let rows =
            |v: Vec<f64>| -> Vec<Vec<f64>> { v.chunks(n.max(1)).map(|c| c.to_vec()).collect() };
        d.set_item("covariance", self.r.covariance.clone().map(rows))?;
        d.set_item("correlation", self.correlation_vec().map(rows))?;
        d.set_item("nll", self.r.nll)?;
        d.set_item("twice_nll", self.r.twice_nll())?;
        d.set_item("converged", self.r.converged())?;
        d.set_item("status", self.r.status.as_str())?;
        d.set_item("hessian_pos_def", self.r.hessian_pos_def)?;
        d.set_item("n_iter", self.r.n_iter)?;
        d.set_item("n_eval", self.r.n_eval)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let poi = self
            .poi_index
            .map(|i| {
                format!(
                    " {}={:.6}±{:.4}",
                    self.names[i], self.r.bestfit[i], self.r.uncertainties[i]
                )
            })
            .unwrap_or_default();
        format!(
            "FitResult(status='{}'{} twice_nll={:.10} n_params={} n_iter={} n_eval={})",
            self.r.status.as_str(),
            poi,
            self.r.twice_nll(),
            self.names.len(),
            self.r.n_iter,
            self.r.n_eval
        )
    }
}

pub fn wrap_fit(model: &PyModel, r: FitResult) -> PyFitResult {
    PyFitResult {
        r,
        names: model.inner.param_names().to_vec(),
        poi_index: model.inner.poi_index(),
        minos: Vec::new(),
    }
}

fn check_converged(
    py: Python<'_>,
    res: PyFitResult,
    strict: bool,
    what: &str,
) -> PyResult<PyFitResult> {
    if !strict || res.r.converged() {
        return Ok(res);
    }
    let msg = format!(
        "{what} did not converge: status '{}' after {} iterations (twice_nll = {}); pass strict=False to get the result anyway",
        res.r.status.as_str(),
        res.r.n_iter,
        res.r.twice_nll()
    );
    let obj = Bound::new(py, res)?;
    let exc = py
        .import("nextstat.exceptions")?
        .getattr("FailedMinimization")?
        .call1((msg, obj))?;
    Err(PyErr::from_value(exc))
}

/// Maximum-likelihood fit (pyhf's ``infer.mle.fit``), GIL released.
///
/// ``fixed`` is ``{name_or_index: value}`` or pyhf's list of n bools.
/// With ``strict`` (default) a fit that does not converge raises
/// ``FailedMinimization`` (the result is on ``exc.result``), as pyhf does.
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> r = nextstat.fit(m, data=[60.0, 72.0] + list(m.auxdata))
/// >>> r.converged, r.bestfit.shape
/// (True, (3,))
///
/// ``minos=["mu"]`` adds MINOS intervals (profile-likelihood crossings at
/// Δ(2·NLL) = 1, as iminuit's ``minos``) on ``result.minos``:
///
/// >>> r = nextstat.fit(m, data=[70.0, 90.0] + list(m.auxdata), minos=["mu"])
/// >>> lo, hi = r.minos["mu"]
/// >>> bool(lo < r.bestfit[0] < hi), r.minos_status["mu"]
/// (True, ('ok', 'ok'))
#[pyfunction]
#[pyo3(signature = (model, data=None, init=None, fixed=None, bounds=None, uncertainties=true, strict=true, minos=None))]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    py: Python<'_>,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
    uncertainties: bool,
    strict: bool,
    minos: Option<Vec<String>>,
) -> PyResult<PyFitResult> {
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, uncertainties)?;
    let m = &*model.inner;
    let r = py
        .detach(|| ns_infer::fit(m, &d, &opts))
        .map_err(errors::infer)?;
    let mut res = check_converged(py, wrap_fit(model, r), strict, "fit")?;
    if let Some(names) = minos {
        let r = &res.r;
        res.minos = py
            .detach(|| ns_infer::minos(m, &d, r, &names, &opts, 1.0))
            .map_err(errors::infer)?;
    }
    Ok(res)
}

/// Conditional fit with the POI fixed at ``mu`` (pyhf's ``infer.mle.fixed_poi_fit``).
#[pyfunction]
#[pyo3(signature = (model, mu, data=None, init=None, fixed=None, bounds=None, uncertainties=true, strict=true))]
#[allow(clippy::too_many_arguments)]
pub fn fit_fixed_poi(
    py: Python<'_>,
    model: &PyModel,
    mu: f64,
    data: Option<&Bound<'_, PyAny>>,
    init: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    bounds: Option<&Bound<'_, PyAny>>,
    uncertainties: bool,
    strict: bool,
) -> PyResult<PyFitResult> {
    let d = model.dataset(data)?;
    let opts = fit_options(model, init, fixed, bounds, uncertainties)?;
    let m = &*model.inner;
    let r = py
        .detach(|| ns_infer::fit_fixed_poi(m, &d, mu, &opts))
        .map_err(errors::infer)?;
    check_converged(py, wrap_fit(model, r), strict, "fixed-POI fit")
}
