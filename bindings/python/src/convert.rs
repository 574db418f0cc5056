//! numpy/sequence <-> Rust slice conversion without copies on the fast path.

use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1};
use pyo3::prelude::*;

use crate::errors::raise;

/// A borrowed contiguous float64 numpy array, or an owned copy of anything
/// else that converts to a 1-D float sequence.
pub enum F64Arg<'py> {
    /// Zero-copy view of a contiguous float64 array.
    Array(PyReadonlyArray1<'py, f64>),
    /// Converted copy (lists, tuples, other dtypes, strided arrays).
    Owned(Vec<f64>),
}

impl F64Arg<'_> {
    /// The values.
    pub fn as_slice(&self) -> &[f64] {
        match self {
            F64Arg::Array(a) => a.as_slice().unwrap_or(&[]),
            F64Arg::Owned(v) => v,
        }
    }
}

/// Convert `obj` to a float slice; `what` names the argument in errors and
/// `class` is the exception raised on failure.
pub fn f64_arg<'py>(obj: &Bound<'py, PyAny>, what: &str, class: &str) -> PyResult<F64Arg<'py>> {
    if let Ok(arr) = obj.cast::<PyArray1<f64>>() {
        let ro = arr.readonly();
        if ro.as_slice().is_ok() {
            return Ok(F64Arg::Array(ro));
        }
        return Ok(F64Arg::Owned(ro.as_array().to_vec()));
    }
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(raise(
            class,
            format!("{what}: expected a 1-D sequence of numbers, got a string"),
        ));
    }
    match obj.extract::<Vec<f64>>() {
        Ok(v) => Ok(F64Arg::Owned(v)),
        Err(_) => {
            // numpy arrays of other dtypes / shapes: let numpy convert.
            let np = obj.py().import("numpy")?;
            let conv = np
                .call_method1("asarray", (obj, "float64"))
                .and_then(|a| a.call_method0("ravel").map(|r| (a, r)));
            match conv {
                Ok((a, r)) if a.getattr("ndim")?.extract::<usize>()? <= 1 => {
                    let arr = r.cast_into::<PyArray1<f64>>()?;
                    Ok(F64Arg::Owned(arr.readonly().as_array().to_vec()))
                }
                _ => Err(raise(
                    class,
                    format!("{what}: expected a 1-D sequence of numbers"),
                )),
            }
        }
    }
}

/// Check a parameter vector's length.
pub fn check_len(what: &str, got: usize, expected: usize, class: &str) -> PyResult<()> {
    if got != expected {
        return Err(raise(
            class,
            format!("{what}: expected {expected} values, got {got}"),
        ));
    }
    Ok(())
}

/// A new 1-D numpy array owning `v`.
pub fn array1<'py>(py: Python<'py>, v: Vec<f64>) -> Bound<'py, PyArray1<f64>> {
    PyArray1::from_vec(py, v)
}

/// A new 2-D numpy array (row-major `n × m` data).
pub fn array2<'py>(
    py: Python<'py>,
    v: Vec<f64>,
    n: usize,
    m: usize,
) -> PyResult<Bound<'py, numpy::PyArray2<f64>>> {
    use numpy::PyArrayMethods as _;
    PyArray1::from_vec(py, v).reshape([n, m])
}
