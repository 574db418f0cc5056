use thiserror::Error;

/// Errors raised while reading a workspace or building a model from it.
/// Every variant names the input (`source_name`) and the place in it.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HistFactoryError {
    /// The file could not be read.
    #[error("{source_name}: cannot read: {message}")]
    Io {
        /// Input name (file path or `<stdin>`).
        source_name: String,
        /// OS error text.
        message: String,
    },
    /// The JSON is malformed or does not follow the pyhf schema.
    #[error("{source_name}: invalid workspace at {path}: {message}")]
    Json {
        /// Input name.
        source_name: String,
        /// JSON path of the offending value.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The JSON parsed but the workspace is inconsistent.
    #[error("{source_name}: invalid specification at {location}: {message}")]
    InvalidSpec {
        /// Input name.
        source_name: String,
        /// Location, e.g. `channel 'SR' / sample 'bkg' / modifier 'jes' (histosys)`.
        location: String,
        /// What was wrong.
        message: String,
    },
    /// A model option (measurement, interpolation code, ...) is invalid.
    #[error("{source_name}: invalid model: {message}")]
    InvalidModel {
        /// Input name.
        source_name: String,
        /// What was wrong.
        message: String,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, HistFactoryError>;
