//! `nextstat._core`: the compiled half of the `nextstat` Python package.
//!
//! Thin by design: argument conversion (numpy arrays in and out), GIL
//! release around Rust work, and mapping of Rust errors to the exceptions of
//! `nextstat.exceptions`. Every algorithm lives in the Rust crates.

mod convert;
mod errors;
mod fit;
mod glm;
mod gof;
mod infer;
mod model;
mod patchset;
mod results;

use pyo3::prelude::*;

/// The compiled core of the ``nextstat`` package (use ``nextstat`` itself).
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<model::PyModel>()?;
    m.add_class::<model::PyWorkspace>()?;
    m.add_class::<fit::PyFitResult>()?;
    m.add_function(wrap_pyfunction!(fit::fit, m)?)?;
    m.add_function(wrap_pyfunction!(fit::fit_fixed_poi, m)?)?;
    m.add_class::<results::PyHypotestResult>()?;
    m.add_class::<results::PyToyHypotestResult>()?;
    m.add_class::<results::PySignificanceResult>()?;
    m.add_class::<results::PyUpperLimitResult>()?;
    m.add_class::<results::PyScanResult>()?;
    m.add_class::<results::PyRankingResult>()?;
    m.add_function(wrap_pyfunction!(infer::hypotest, m)?)?;
    m.add_function(wrap_pyfunction!(infer::significance, m)?)?;
    m.add_function(wrap_pyfunction!(infer::upper_limit, m)?)?;
    m.add_function(wrap_pyfunction!(infer::scan, m)?)?;
    m.add_function(wrap_pyfunction!(infer::ranking, m)?)?;
    m.add_function(wrap_pyfunction!(glm::_glm_fit, m)?)?;
    m.add_function(wrap_pyfunction!(glm::_glm_inverse_link, m)?)?;
    patchset::register(m)?;
    m.add_class::<gof::PyGofResult>()?;
    m.add_function(wrap_pyfunction!(gof::gof, m)?)?;
    Ok(())
}
