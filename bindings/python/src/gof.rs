//! `nextstat.gof` and `GofResult`: saturated-model goodness of fit as
//! cabinetry defines it, optionally with a toy-based p-value.

use ns_infer::GofResult;
use pyo3::prelude::*;

use crate::errors;
use crate::fit::{PyFitResult, fit_options, wrap_fit};
use crate::model::PyModel;

/// A goodness-of-fit result (cabinetry's ``_goodness_of_fit``): statistic
/// ``2 (NLL_best − NLL_saturated)``, ``ndof`` = bins − free unconstrained
/// parameters, χ² ``p_value``; ``p_value_toys`` with ``toys=N``.
#[pyclass(name = "GofResult", module = "nextstat._core", frozen)]
pub struct PyGofResult {
    g: GofResult,
    fit: Py<PyFitResult>,
    toys: Option<(f64, usize)>,
}

#[pymethods]
impl PyGofResult {
    /// ``2 (NLL_best − NLL_saturated)``.
    #[getter]
    fn statistic(&self) -> f64 {
        self.g.statistic
    }
    /// Degrees of freedom.
    #[getter]
    fn ndof(&self) -> i64 {
        self.g.ndof
    }
    /// χ²(ndof) p-value (NaN when ndof <= 0, as cabinetry).
    #[getter]
    fn p_value(&self) -> f64 {
        self.g.p_value
    }
    /// NLL of the saturated model.
    #[getter]
    fn saturated_nll(&self) -> f64 {
        self.g.saturated_nll
    }
    /// The best fit.
    #[getter]
    fn fit(&self, py: Python<'_>) -> Py<PyFitResult> {
        self.fit.clone_ref(py)
    }
    /// Toy-based p-value (None without ``toys``).
    #[getter]
    fn p_value_toys(&self) -> Option<f64> {
        self.toys.map(|t| t.0)
    }
    /// Number of toys (0 without ``toys``).
    #[getter]
    fn n_toys(&self) -> usize {
        self.toys.map_or(0, |t| t.1)
    }
    fn __repr__(&self) -> String {
        format!(
            "GofResult(statistic={:.6} ndof={} p_value={:.6e})",
            self.g.statistic, self.g.ndof, self.g.p_value
        )
    }
}

/// Saturated-model goodness of fit, GIL released. ``toys=N`` adds a
/// p-value from N pseudo-experiments at the best fit (toy k seeded by
/// ``(seed, k)``).
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> g = nextstat.gof(m, data=[53.0, 65.0] + list(m.auxdata))
/// >>> g.ndof, round(g.p_value, 2)
/// (1, 0.97)
#[pyfunction]
#[pyo3(signature = (model, data=None, fixed=None, toys=None, seed=0))]
pub fn gof(
    py: Python<'_>,
    model: &PyModel,
    data: Option<&Bound<'_, PyAny>>,
    fixed: Option<&Bound<'_, PyAny>>,
    toys: Option<usize>,
    seed: u64,
) -> PyResult<PyGofResult> {
    let d = model.dataset(data)?;
    let opts = fit_options(model, None, fixed, None, false)?;
    let m = &*model.inner;
    let g = py
        .detach(|| ns_infer::gof(m, &d, &opts))
        .map_err(errors::infer)?;
    let toys = match toys {
        None => None,
        Some(n) => {
            let (p, _) = py
                .detach(|| ns_infer::gof_toys(m, &g, n, seed, &opts))
                .map_err(errors::infer)?;
            Some((p, n))
        }
    };
    let fit = Py::new(py, wrap_fit(model, g.fit.clone()))?;
    Ok(PyGofResult { g, fit, toys })
}
