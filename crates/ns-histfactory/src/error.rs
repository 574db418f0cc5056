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
    /// A JSON Patch operation could not be applied.
    #[error("{source_name}: patch failed at {location}: {message}")]
    Patch {
        /// Patch (or patchset) name.
        source_name: String,
        /// Which operation, e.g. `operation 3 (replace '/channels/0/name')`.
        location: String,
        /// What was wrong.
        message: String,
    },
    /// A patchset is malformed (pyhf's `InvalidPatchSet`).
    #[error("{source_name}: invalid patchset: {message}")]
    InvalidPatchSet {
        /// Patchset name.
        source_name: String,
        /// What was wrong.
        message: String,
    },
    /// No patch of a patchset matches the key (pyhf's `InvalidPatchLookup`).
    #[error("{source_name}: no patch associated with {key} is defined in the patchset")]
    PatchLookup {
        /// Patchset name.
        source_name: String,
        /// The name or values asked for.
        key: String,
    },
    /// The patchset's digest does not match the workspace
    /// (pyhf's `PatchSetVerificationError`).
    #[error(
        "{source_name}: digest verification failed for '{algorithm}': expected {expected}, got {got}"
    )]
    PatchSetVerification {
        /// Patchset name.
        source_name: String,
        /// Hash algorithm.
        algorithm: String,
        /// Digest recorded in the patchset.
        expected: String,
        /// Digest of the workspace.
        got: String,
    },
    /// A workspace operation (combine, prune, rename) is invalid.
    #[error("{operation}: {message}")]
    WorkspaceOp {
        /// `combine`, `prune`, `rename`, ...
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, HistFactoryError>;
