use thiserror::Error;

/// Errors shared across crates: argument problems detected before any
/// numerical work starts.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    /// A parameter name was not found in the model.
    #[error("unknown parameter '{name}'")]
    UnknownParameter {
        /// The name that was asked for.
        name: String,
    },
    /// A vector had the wrong length for this model.
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        /// What the vector was (e.g. "init", "data").
        what: String,
        /// Length the model needs.
        expected: usize,
        /// Length that was given.
        got: usize,
    },
    /// A value lies outside the allowed range.
    #[error("{0}")]
    InvalidArgument(String),
}

/// Result alias used by the core traits.
pub type Result<T> = std::result::Result<T, CoreError>;
