//! `nextstat.Model` (a compiled HistFactory model) and `nextstat._core.Workspace`.

use std::sync::{Arc, Mutex};

use ns_core::Model as _;
use ns_histfactory::{
    BuildOptions, Data, HistFactoryModel, InterpCode, InterpSettings, Scratch, Workspace,
};
use numpy::{PyArray1, PyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{F64Arg, array1, array2, check_len, f64_arg};
use crate::errors::{self, raise};

/// Scratch memory for calls made under the GIL (nll, nll_grad), plus the
/// last user-supplied dataset so repeated calls with the same data do not
/// rebuild it.
struct EvalCache {
    scratch: Scratch,
    grad: Vec<f64>,
    data_key: Vec<f64>,
    data: Option<Data>,
}

/// A compiled HistFactory model (pyhf's ``Model``): immutable; data are
/// passed to each evaluation.
///
/// Build one with :func:`nextstat.from_pyhf` or ``Workspace.model()``.
///
/// >>> import nextstat
/// >>> m = nextstat.simplemodels.uncorrelated_background([5.0, 10.0], [50.0, 60.0], [5.0, 12.0])
/// >>> m.n_params, m.poi_name, m.par_names
/// (3, 'mu', ['mu', 'uncorr_bkguncrt[0]', 'uncorr_bkguncrt[1]'])
/// >>> m.expected_data(m.suggested_init(), include_auxdata=False).tolist()
/// [55.0, 70.0]
#[pyclass(name = "Model", module = "nextstat._core", frozen)]
pub struct PyModel {
    pub inner: Arc<HistFactoryModel>,
    cache: Mutex<EvalCache>,
}

impl PyModel {
    pub fn new(model: HistFactoryModel) -> Self {
        let cache = EvalCache {
            scratch: model.new_scratch(),
            grad: vec![0.0; model.n_params()],
            data_key: Vec::new(),
            data: None,
        };
        Self {
            inner: Arc::new(model),
            cache: Mutex::new(cache),
        }
    }

    /// Parameters as a slice, length-checked.
    pub fn pars<'py>(&self, obj: &Bound<'py, PyAny>, what: &str) -> PyResult<F64Arg<'py>> {
        let p = f64_arg(obj, what, "InvalidPdfParameters")?;
        check_len(
            what,
            p.as_slice().len(),
            self.inner.n_params(),
            "InvalidPdfParameters",
        )?;
        Ok(p)
    }

    /// A dataset from pyhf's flat layout (main bins, then aux data, exactly
    /// `n_main + n_aux` values as in pyhf); `None` = observed.
    pub fn dataset(&self, data: Option<&Bound<'_, PyAny>>) -> PyResult<Data> {
        match data {
            None => Ok(self.inner.observed().clone()),
            Some(d) => {
                let d = f64_arg(d, "data", "InvalidPdfData")?;
                self.inner.data_from_vec(d.as_slice()).map_err(errors::core)
            }
        }
    }

    fn with_cache<R>(
        &self,
        data: Option<&Bound<'_, PyAny>>,
        f: impl FnOnce(&HistFactoryModel, &Data, &mut Scratch, &mut [f64]) -> R,
    ) -> PyResult<R> {
        let mut guard = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let c = &mut *guard;
        let model = &*self.inner;
        match data {
            None => Ok(f(model, model.observed(), &mut c.scratch, &mut c.grad)),
            Some(d) => {
                let d = f64_arg(d, "data", "InvalidPdfData")?;
                let s = d.as_slice();
                if c.data.is_none() || c.data_key.as_slice() != s {
                    c.data = Some(model.data_from_vec(s).map_err(errors::core)?);
                    c.data_key.clear();
                    c.data_key.extend_from_slice(s);
                }
                let data = c.data.as_ref().expect("set above");
                Ok(f(model, data, &mut c.scratch, &mut c.grad))
            }
        }
    }
}

/// Parse pyhf's ``modifier_settings`` codes (already extracted to strings).
pub fn interp_settings(normsys: Option<&str>, histosys: Option<&str>) -> PyResult<InterpSettings> {
    let mut s = InterpSettings::default();
    let parse = |kind: &str, code: &str| {
        InterpCode::parse(code).map_err(|_| {
            raise(
                "InvalidInterpCode",
                format!(
                    "{kind}: unknown interpolation code '{code}' (expected code0, code1, code2, code4 or code4p)"
                ),
            )
        })
    };
    if let Some(c) = normsys {
        s.normsys = parse("normsys", c)?;
    }
    if let Some(c) = histosys {
        s.histosys = parse("histosys", c)?;
    }
    s.validate()
        .map_err(|e| raise("InvalidInterpCode", e.to_string()))?;
    Ok(s)
}

#[pymethods]
impl PyModel {
    /// Build from JSON text (pyhf workspace). ``source_name`` names the input in errors.
    #[staticmethod]
    #[pyo3(signature = (text, measurement=None, normsys=None, histosys=None, source_name="<string>"))]
    fn from_json(
        py: Python<'_>,
        text: &str,
        measurement: Option<String>,
        normsys: Option<&str>,
        histosys: Option<&str>,
        source_name: &str,
    ) -> PyResult<Self> {
        let opts = BuildOptions {
            measurement,
            interp: interp_settings(normsys, histosys)?,
            source_name: source_name.to_string(),
        };
        let m = py
            .detach(|| HistFactoryModel::from_json_str(text, &opts))
            .map_err(errors::histfactory)?;
        Ok(Self::new(m))
    }

    /// Build from a workspace file.
    #[staticmethod]
    #[pyo3(signature = (path, measurement=None, normsys=None, histosys=None))]
    fn from_path(
        py: Python<'_>,
        path: std::path::PathBuf,
        measurement: Option<String>,
        normsys: Option<&str>,
        histosys: Option<&str>,
    ) -> PyResult<Self> {
        let opts = BuildOptions {
            measurement,
            interp: interp_settings(normsys, histosys)?,
            source_name: path.display().to_string(),
        };
        let m = py
            .detach(|| HistFactoryModel::from_path(&path, &opts))
            .map_err(errors::histfactory)?;
        Ok(Self::new(m))
    }

    /// Number of parameters.
    #[getter]
    fn n_params(&self) -> usize {
        self.inner.n_params()
    }

    /// Parameter names with pyhf's per-bin naming (``name[i]`` for sets of more than one).
    #[getter]
    fn par_names(&self) -> Vec<String> {
        self.inner.param_names().to_vec()
    }

    /// Parameter-set names in model order (pyhf's ``config.par_order``).
    #[getter]
    fn par_order(&self) -> Vec<String> {
        self.inner
            .param_sets()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    }

    /// The slice of the parameter vector that a parameter set occupies
    /// (pyhf's ``config.par_slice``).
    fn par_slice(&self, name: &str) -> PyResult<(usize, usize)> {
        self.inner
            .param_sets()
            .iter()
            .find(|p| p.name == name)
            .map(|p| (p.start, p.start + p.n))
            .ok_or_else(|| {
                raise(
                    "InvalidPdfParameters",
                    format!("unknown parameter set '{name}'"),
                )
            })
    }

    /// Index of a parameter by (per-bin) name.
    fn par_index(&self, name: &str) -> PyResult<usize> {
        self.inner.param_index(name).ok_or_else(|| {
            raise(
                "InvalidPdfParameters",
                format!("unknown parameter '{name}'"),
            )
        })
    }

    /// Index of the parameter of interest.
    #[getter]
    fn poi_index(&self) -> Option<usize> {
        self.inner.poi_index()
    }

    /// Name of the parameter of interest.
    #[getter]
    fn poi_name(&self) -> String {
        self.inner.poi_name().to_string()
    }

    /// Name of the measurement the model was built from.
    #[getter]
    fn measurement(&self) -> String {
        self.inner.measurement().to_string()
    }

    /// Channel names, in model (sorted) order.
    #[getter]
    fn channels(&self) -> Vec<String> {
        self.inner
            .channels()
            .iter()
            .map(|c| c.name.clone())
            .collect()
    }

    /// ``{channel: number of bins}``.
    #[getter]
    fn channel_nbins<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for c in self.inner.channels() {
            d.set_item(&c.name, c.nbins)?;
        }
        Ok(d)
    }

    /// ``{channel: slice of the main data}``.
    #[getter]
    fn channel_slices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for c in self.inner.channels() {
            let s =
                pyo3::types::PySlice::new(py, c.start as isize, (c.start + c.nbins) as isize, 1);
            d.set_item(&c.name, s)?;
        }
        Ok(d)
    }

    /// Sample names (sorted, over all channels).
    #[getter]
    fn samples(&self) -> Vec<String> {
        self.inner.sample_names().to_vec()
    }

    /// Number of main bins.
    #[getter]
    fn n_main(&self) -> usize {
        self.inner.n_main()
    }

    /// Number of auxiliary data.
    #[getter]
    fn n_aux(&self) -> usize {
        self.inner.n_aux()
    }

    /// pyhf's ``modifier_settings`` in effect.
    #[getter]
    fn modifier_settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.inner.interp();
        let d = PyDict::new(py);
        for (k, c) in [("normsys", s.normsys), ("histosys", s.histosys)] {
            let inner = PyDict::new(py);
            inner.set_item("interpcode", c.as_str())?;
            d.set_item(k, inner)?;
        }
        Ok(d)
    }

    /// Suggested starting point.
    fn suggested_init<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.suggested_init())
    }

    /// Suggested bounds, shape ``(n_params, 2)``.
    fn suggested_bounds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let b = self.inner.suggested_bounds();
        let flat = b.iter().flat_map(|&(lo, hi)| [lo, hi]).collect();
        array2(py, flat, b.len(), 2)
    }

    /// Parameters fixed by default (``fixed: true`` in the measurement).
    fn suggested_fixed(&self) -> Vec<bool> {
        self.inner.suggested_fixed().to_vec()
    }

    /// Observed data, main bins followed by auxiliary data (pyhf's ``workspace.data(model)``).
    #[getter]
    fn data<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        array1(py, self.inner.observed().to_vec())
    }

    /// Observed auxiliary data (pyhf's ``config.auxdata``).
    #[getter]
    fn auxdata<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.inner.observed().aux())
    }

    /// Expected data at ``pars`` (pyhf's ``expected_data``): main bins, then
    /// the auxiliary data the constraints expect when ``include_auxdata``.
    #[pyo3(signature = (pars, include_auxdata=true))]
    fn expected_data<'py>(
        &self,
        py: Python<'py>,
        pars: &Bound<'py, PyAny>,
        include_auxdata: bool,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let p = self.pars(pars, "pars")?;
        Ok(array1(
            py,
            self.inner.expected_data(p.as_slice(), include_auxdata),
        ))
    }

    /// Expected main-bin rates only (pyhf's ``expected_actualdata``).
    fn expected_actualdata<'py>(
        &self,
        py: Python<'py>,
        pars: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        self.expected_data(py, pars, false)
    }

    /// Negative log-likelihood at ``pars`` on ``data`` (default: observed).
    ///
    /// ``data`` is pyhf's flat layout (main bins then aux data, exactly
    /// ``n_main + n_aux`` values). Same constants as pyhf:
    /// ``nll == -model.logpdf(pars, data)`` of pyhf.
    ///
    /// >>> import nextstat
    /// >>> m = nextstat.simplemodels.uncorrelated_background([5.0], [50.0], [5.0])
    /// >>> round(m.nll(m.suggested_init()), 6)
    /// 6.146477
    #[pyo3(signature = (pars, data=None))]
    fn nll(&self, pars: &Bound<'_, PyAny>, data: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        let p = self.pars(pars, "pars")?;
        let x = p.as_slice();
        self.with_cache(data, |m, d, s, _| m.nll(d, x, s))
    }

    /// ``-nll`` (pyhf's ``logpdf`` sign convention; a float, not a 1-element array).
    #[pyo3(signature = (pars, data=None))]
    fn logpdf(&self, pars: &Bound<'_, PyAny>, data: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        Ok(-self.nll(pars, data)?)
    }

    /// ``2 * nll``.
    #[pyo3(signature = (pars, data=None))]
    fn twice_nll(&self, pars: &Bound<'_, PyAny>, data: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        Ok(2.0 * self.nll(pars, data)?)
    }

    /// ``(nll, gradient)`` in one pass (analytic gradient).
    #[pyo3(signature = (pars, data=None))]
    fn nll_grad<'py>(
        &self,
        py: Python<'py>,
        pars: &Bound<'py, PyAny>,
        data: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(f64, Bound<'py, PyArray1<f64>>)> {
        let p = self.pars(pars, "pars")?;
        let x = p.as_slice();
        let (v, g) = self.with_cache(data, |m, d, s, g| {
            let v = m.nll_grad(d, x, g, s);
            (v, PyArray1::from_slice(py, g))
        })?;
        Ok((v, g))
    }

    fn __repr__(&self) -> String {
        format!(
            "<nextstat.Model measurement='{}' poi='{}' n_params={} channels={} n_main={} n_aux={}>",
            self.inner.measurement(),
            self.inner.poi_name(),
            self.inner.n_params(),
            self.inner.channels().len(),
            self.inner.n_main(),
            self.inner.n_aux()
        )
    }
}

/// A parsed (not yet compiled) pyhf workspace.
#[pyclass(name = "Workspace", module = "nextstat._core", frozen)]
pub struct PyWorkspace {
    ws: Workspace,
    source_name: String,
}

#[pymethods]
impl PyWorkspace {
    /// Parse JSON text.
    #[staticmethod]
    #[pyo3(signature = (text, source_name="<string>"))]
    fn from_json(text: &str, source_name: &str) -> PyResult<Self> {
        let ws = Workspace::from_json_str(text, source_name).map_err(errors::histfactory)?;
        Ok(Self {
            ws,
            source_name: source_name.to_string(),
        })
    }

    /// Read and parse a file.
    #[staticmethod]
    fn from_path(path: std::path::PathBuf) -> PyResult<Self> {
        let ws = Workspace::from_path(&path).map_err(errors::histfactory)?;
        Ok(Self {
            ws,
            source_name: path.display().to_string(),
        })
    }

    /// Measurement names.
    #[getter]
    fn measurement_names(&self) -> Vec<String> {
        self.ws
            .measurements
            .iter()
            .map(|m| m.name.clone())
            .collect()
    }

    /// Channel names (file order).
    #[getter]
    fn channels(&self) -> Vec<String> {
        self.ws.channels.iter().map(|c| c.name.clone()).collect()
    }

    /// Sample names (sorted, unique).
    #[getter]
    fn samples(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .ws
            .channels
            .iter()
            .flat_map(|c| c.samples.iter().map(|s| s.name.clone()))
            .collect();
        s.sort();
        s.dedup();
        s
    }

    /// Name of the input (file path or ``<string>``).
    #[getter]
    fn source_name(&self) -> String {
        self.source_name.clone()
    }

    /// Compile a model (pyhf's ``Workspace.model``).
    #[pyo3(signature = (measurement=None, normsys=None, histosys=None))]
    fn model(
        &self,
        py: Python<'_>,
        measurement: Option<String>,
        normsys: Option<&str>,
        histosys: Option<&str>,
    ) -> PyResult<PyModel> {
        let opts = BuildOptions {
            measurement,
            interp: interp_settings(normsys, histosys)?,
            source_name: self.source_name.clone(),
        };
        let m = py
            .detach(|| HistFactoryModel::from_workspace(&self.ws, &opts))
            .map_err(errors::histfactory)?;
        Ok(PyModel::new(m))
    }
}
