use thiserror::Error;

/// Errors of the state-space layer: bad system matrices or data, detected
/// before any filtering, and numerical breakdown reported with its time index.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TsError {
    /// A system matrix or vector has the wrong shape.
    #[error("{matrix}: expected shape {expected_rows}x{expected_cols}, got {rows}x{cols}")]
    Shape {
        /// Which matrix (`"Z"`, `"T"`, `"R"`, `"Q"`, `"H"`, `"d"`, `"c"`, `"a0"`, `"P0"`, `"y"`).
        matrix: &'static str,
        /// Rows it must have.
        expected_rows: usize,
        /// Columns it must have.
        expected_cols: usize,
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
    },
    /// A system matrix holds a NaN or an infinity.
    #[error("{matrix}: entry ({row}, {col}) is not finite")]
    NonFinite {
        /// Which matrix.
        matrix: &'static str,
        /// Row of the first offending entry.
        row: usize,
        /// Column of the first offending entry.
        col: usize,
    },
    /// A covariance matrix is not symmetric positive semi-definite.
    #[error("{matrix}: not a symmetric positive semi-definite covariance ({reason})")]
    NotPsd {
        /// Which matrix (`"Q"`, `"H"`, `"P0"`).
        matrix: &'static str,
        /// What failed (asymmetry or the smallest eigenvalue).
        reason: String,
    },
    /// Stationary initialisation asked for a transition with an eigenvalue
    /// on or outside the unit circle.
    #[error(
        "stationary initialisation needs all eigenvalues of T inside the unit circle; \
         the largest has modulus {spectral_radius}"
    )]
    NotStationary {
        /// Largest eigenvalue modulus of `T`.
        spectral_radius: f64,
    },
    /// Every observation is missing.
    #[error("y: all {n} observations are missing")]
    AllMissing {
        /// Number of time points.
        n: usize,
    },
    /// The innovation covariance lost positive definiteness while filtering.
    #[error("filter breakdown at t = {t}: the innovation covariance F_t is not positive definite")]
    Breakdown {
        /// 0-based time index.
        t: usize,
    },
    /// A combination this implementation does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A parameter vector or option is invalid.
    #[error("{0}")]
    InvalidArgument(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, TsError>;
