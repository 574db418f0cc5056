use thiserror::Error;

/// Errors of the inference layer: bad arguments, detected before any fit.
/// Failed fits are not errors; they come back with their status.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InferError {
    /// The model has no parameter of interest.
    #[error("the model has no parameter of interest")]
    NoPoi,
    /// A parameter name was not found.
    #[error("unknown parameter '{0}'")]
    UnknownParameter(String),
    /// A value lies outside a parameter's bounds.
    #[error("{name} = {value} lies outside its bounds [{lower}, {upper}]")]
    OutOfBounds {
        /// Parameter name.
        name: String,
        /// The value asked for.
        value: f64,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A vector had the wrong length.
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        /// What the vector was.
        what: &'static str,
        /// Length the model needs.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The POI is fixed, which makes profile-likelihood inference
    /// impossible (pyhf's `InvalidModel`).
    #[error("the POI '{0}' is fixed; profile-likelihood inference needs it free")]
    PoiFixed(String),
    /// An upper-limit search could not bracket the crossing of CLs with
    /// the level.
    #[error("upper limit: {0}")]
    NoBracket(String),
    /// The computation was cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// Any other invalid argument.
    #[error("{0}")]
    InvalidArgument(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, InferError>;
