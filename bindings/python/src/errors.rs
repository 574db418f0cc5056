//! Map the Rust error enums to the Python exceptions of
//! `nextstat.exceptions` (named like pyhf's, all subclasses of
//! `NextStatError`).

use ns_core::CoreError;
use ns_histfactory::HistFactoryError;
use ns_infer::InferError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// Build an instance of `nextstat.exceptions.<class>` with `message`.
pub fn raise(class: &str, message: impl Into<String>) -> PyErr {
    let message = message.into();
    Python::attach(|py| {
        let made = py
            .import("nextstat.exceptions")
            .and_then(|m| m.getattr(class))
            .and_then(|cls| cls.call1((message.clone(),)));
        match made {
            Ok(exc) => PyErr::from_value(exc),
            Err(_) => PyRuntimeError::new_err(format!("{class}: {message}")),
        }
    })
}

/// Errors of reading/building a workspace.
pub fn histfactory(e: HistFactoryError) -> PyErr {
    let class = match &e {
        HistFactoryError::Io { .. } => "InvalidWorkspaceFile",
        HistFactoryError::Json { .. } | HistFactoryError::InvalidSpec { .. } => {
            "InvalidSpecification"
        }
        HistFactoryError::InvalidModel { message, .. } if message.contains("measurement") => {
            "InvalidMeasurement"
        }
        HistFactoryError::InvalidModel { message, .. } if message.contains("interpolation") => {
            "InvalidInterpCode"
        }
        HistFactoryError::InvalidModel { .. } => "InvalidModel",
        HistFactoryError::InvalidPatchSet { .. } => "InvalidPatchSet",
        HistFactoryError::PatchLookup { .. } => "InvalidPatchLookup",
        HistFactoryError::PatchSetVerification { .. } => "PatchSetVerificationError",
        HistFactoryError::Patch { .. } => "InvalidPatch",
        HistFactoryError::WorkspaceOp { .. } => "InvalidWorkspaceOperation",
        _ => "NextStatError",
    };
    raise(class, e.to_string())
}

/// Argument errors of the core traits (data and parameter vectors).
pub fn core(e: CoreError) -> PyErr {
    let class = match &e {
        CoreError::LengthMismatch { what, .. } if what.starts_with("data") => "InvalidPdfData",
        CoreError::LengthMismatch { .. } | CoreError::UnknownParameter { .. } => {
            "InvalidPdfParameters"
        }
        _ => "InvalidArgument",
    };
    raise(class, e.to_string())
}

/// Argument errors of the inference layer.
pub fn infer(e: InferError) -> PyErr {
    let class = match &e {
        InferError::NoPoi => "InvalidModel",
        InferError::Cancelled => {
            return pyo3::exceptions::PyKeyboardInterrupt::new_err("cancelled");
        }
        InferError::PoiFixed(_) => "InvalidPdfParameters",
        InferError::UnknownParameter(_)
        | InferError::OutOfBounds { .. }
        | InferError::LengthMismatch { .. } => "InvalidPdfParameters",
        _ => "InvalidArgument",
    };
    raise(class, e.to_string())
}
