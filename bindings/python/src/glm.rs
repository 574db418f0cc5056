//! `nextstat.glm`: GLM fits (ns-glm) for the Python wrapper in
//! `nextstat/glm.py`, which handles pandas, names and the result class.

use ns_glm::{
    CovType, Family, GlmData, GlmError, GlmOptions, Link, Method, ScaleSpec, TolCriterion,
};
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::array2;
use crate::errors::raise;

/// Map a GLM error to `nextstat.exceptions`.
fn glm_err(e: GlmError) -> PyErr {
    let class = match &e {
        GlmError::PerfectSeparation { .. } => "PerfectSeparationError",
        GlmError::RankDeficient { .. } => "RankDeficientDesign",
        GlmError::Numerical(_) => "FailedMinimization",
        _ => "InvalidArgument",
    };
    raise(class, e.to_string())
}

fn opt_slice<'a>(a: &'a Option<PyReadonlyArray1<'_, f64>>) -> PyResult<Option<&'a [f64]>> {
    match a {
        Some(a) => Ok(Some(a.as_slice().map_err(|_| {
            raise("InvalidArgument", "array arguments must be contiguous")
        })?)),
        None => Ok(None),
    }
}

/// Fit a GLM; returns a dict of arrays and numbers (see `nextstat.glm.fit`).
#[pyfunction]
#[pyo3(signature = (y, x, names, failures=None, offset=None, exposure=None, var_weights=None,
    freq_weights=None, family="poisson", link=None, alpha=None, alpha_mle=false, scale=None,
    scale_value=None, cov_type="nonrobust", groups=None, method="irls", maxiter=100, tol=1e-8,
    dep="y", tol_criterion="deviance", rtol=0.0))]
#[allow(clippy::too_many_arguments)]
pub fn _glm_fit<'py>(
    py: Python<'py>,
    y: PyReadonlyArray1<'py, f64>,
    x: PyReadonlyArray2<'py, f64>,
    names: Vec<String>,
    failures: Option<PyReadonlyArray1<'py, f64>>,
    offset: Option<PyReadonlyArray1<'py, f64>>,
    exposure: Option<PyReadonlyArray1<'py, f64>>,
    var_weights: Option<PyReadonlyArray1<'py, f64>>,
    freq_weights: Option<PyReadonlyArray1<'py, f64>>,
    family: &str,
    link: Option<&str>,
    alpha: Option<f64>,
    alpha_mle: bool,
    scale: Option<&str>,
    scale_value: Option<f64>,
    cov_type: &str,
    groups: Option<Vec<u64>>,
    method: &str,
    maxiter: usize,
    tol: f64,
    dep: &str,
    tol_criterion: &str,
    rtol: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let fam = Family::parse(family, alpha).map_err(glm_err)?;
    let mut opts = GlmOptions::new(fam);
    opts.link = link.map(Link::parse).transpose().map_err(glm_err)?;
    opts.method = Method::parse(method).map_err(glm_err)?;
    opts.maxiter = maxiter;
    opts.tol = tol;
    opts.rtol = rtol;
    opts.tol_criterion = match tol_criterion {
        "deviance" => TolCriterion::Deviance,
        "params" => TolCriterion::Params,
        other => {
            return Err(raise(
                "InvalidArgument",
                format!("tol_criterion: expected 'deviance' or 'params', got '{other}'"),
            ));
        }
    };
    opts.scale = match (scale, scale_value) {
        (_, Some(v)) => ScaleSpec::Fixed(v),
        (None, None) => ScaleSpec::Default,
        (Some(s), None) if s.eq_ignore_ascii_case("x2") => ScaleSpec::X2,
        (Some(s), None) if s.eq_ignore_ascii_case("dev") => ScaleSpec::Dev,
        (Some(s), None) => {
            return Err(raise(
                "InvalidArgument",
                format!("scale: unknown value '{s}' (expected None, \"x2\", \"dev\" or a float)"),
            ));
        }
    };
    opts.cov_type = CovType::parse(cov_type, groups).map_err(glm_err)?;
    let shape = x.shape();
    let (n, p) = (shape[0], shape[1]);
    let xs = x
        .as_slice()
        .map_err(|_| raise("InvalidArgument", "X must be C-contiguous"))?;
    let ys = y
        .as_slice()
        .map_err(|_| raise("InvalidArgument", "y must be contiguous"))?;
    let mut b = GlmData::builder(ys, xs, n, p).names(names);
    if let Some(f) = opt_slice(&failures)? {
        b = b.failures(f);
    }
    if let Some(o) = opt_slice(&offset)? {
        b = b.offset(o);
    }
    if let Some(e) = opt_slice(&exposure)? {
        b = b.exposure(e);
    }
    if let Some(w) = opt_slice(&var_weights)? {
        b = b.var_weights(w);
    }
    if let Some(w) = opt_slice(&freq_weights)? {
        b = b.freq_weights(w);
    }
    let res = py.detach(|| {
        let data = b.build(fam)?;
        if alpha_mle {
            ns_glm::fit_nb_mle(&data, &opts)
        } else {
            ns_glm::fit(&data, &opts)
        }
    });
    let r = res.map_err(glm_err)?;
    let d = PyDict::new(py);
    let k = r.params.len();
    d.set_item("summary", r.summary(dep))?;
    d.set_item("link", r.link.name())?;
    d.set_item("family", r.family.name())?;
    d.set_item("k_exog", r.k_exog)?;
    d.set_item("cov_params", array2(py, r.cov_params.clone(), k, k)?)?;
    let p2 = r.normalized_cov_params.len();
    let kk = (p2 as f64).sqrt() as usize;
    d.set_item(
        "normalized_cov_params",
        array2(py, r.normalized_cov_params.clone(), kk, kk)?,
    )?;
    for (key, v) in [
        ("params", &r.params),
        ("bse", &r.bse),
        ("tvalues", &r.tvalues),
        ("pvalues", &r.pvalues),
        ("fittedvalues", &r.fittedvalues),
        ("linear_predictor", &r.linear_predictor),
        ("resid_response", &r.resid_response),
        ("resid_pearson", &r.resid_pearson),
        ("resid_deviance", &r.resid_deviance),
        ("resid_working", &r.resid_working),
    ] {
        d.set_item(key, PyArray1::from_slice(py, v))?;
    }
    for (key, v) in [
        ("scale", r.scale),
        ("deviance", r.deviance),
        ("null_deviance", r.null_deviance),
        ("llf", r.llf),
        ("llnull", r.llnull),
        ("aic", r.aic),
        ("bic_llf", r.bic_llf),
        ("bic_deviance", r.bic_deviance),
        ("pearson_chi2", r.pearson_chi2),
        ("df_resid", r.df_resid),
        ("df_model", r.df_model),
        ("wnobs", r.wnobs),
    ] {
        d.set_item(key, v)?;
    }
    d.set_item("nobs", r.nobs)?;
    d.set_item("converged", r.converged)?;
    d.set_item("n_iter", r.n_iter)?;
    d.set_item("alpha", r.alpha)?;
    d.set_item("cov_type", r.cov_type.clone())?;
    d.set_item("names", r.names.clone())?;
    d.set_item("perfect_prediction", r.perfect_prediction.clone())?;
    Ok(d)
}

/// Apply the inverse link to a linear predictor (for `GLMResult.predict`).
#[pyfunction]
pub fn _glm_inverse_link<'py>(
    py: Python<'py>,
    link: &str,
    eta: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let l = Link::parse(link).map_err(glm_err)?;
    let v: Vec<f64> = eta.as_array().iter().map(|&e| l.inverse(e)).collect();
    Ok(PyArray1::from_vec(py, v))
}
