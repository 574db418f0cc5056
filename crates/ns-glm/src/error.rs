//! Typed errors: each names the argument at fault.

/// Everything that can go wrong building or fitting a GLM.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GlmError {
    /// An array's length differs from the number of observations.
    #[error(
        "{arg}: length {got} differs from the number of observations ({expected}, the rows of X)"
    )]
    LengthMismatch {
        /// The argument.
        arg: &'static str,
        /// Its length.
        got: usize,
        /// The number of observations.
        expected: usize,
    },
    /// NaN or ±inf in an input.
    #[error("{arg}: non-finite value {value} at index {index}")]
    NonFinite {
        /// The argument.
        arg: &'static str,
        /// Flat index of the first bad entry.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A response outside the family's support.
    #[error(
        "y: value {value} at index {index} is outside the support of the {family} family ({support})"
    )]
    OutOfSupport {
        /// Family name.
        family: &'static str,
        /// Row.
        index: usize,
        /// The value.
        value: f64,
        /// The support, in words.
        support: &'static str,
    },
    /// The link is not one the family allows.
    #[error("link: '{link}' is not allowed for the {family} family (allowed: {allowed})")]
    InvalidLink {
        /// Family name.
        family: &'static str,
        /// Link name.
        link: &'static str,
        /// The family's links.
        allowed: String,
    },
    /// An unknown name (family, link, cov_type, method, scale).
    #[error("{arg}: unknown value '{name}' (expected one of: {allowed})")]
    UnknownName {
        /// The argument.
        arg: &'static str,
        /// What was given.
        name: String,
        /// The accepted names.
        allowed: &'static str,
    },
    /// A negative weight.
    #[error("{arg}: negative value {value} at index {index}")]
    NegativeWeight {
        /// The argument.
        arg: &'static str,
        /// Row.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Every weight is zero.
    #[error("{arg}: all weights are zero")]
    ZeroWeights {
        /// The argument.
        arg: &'static str,
    },
    /// No rows or no columns.
    #[error("X: empty design ({rows} rows, {cols} columns)")]
    EmptyDesign {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// Fewer observations than parameters.
    #[error(
        "X: {rows} observations for {cols} parameters (need at least as many observations as columns)"
    )]
    TooFewObservations {
        /// Rows (weighted count).
        rows: usize,
        /// Columns.
        cols: usize,
    },
    /// Columns that are linear combinations of earlier ones.
    #[error("X: rank-deficient design: column(s) {} are linear combinations of earlier columns", format_columns(.columns, .names))]
    RankDeficient {
        /// Offending column indices.
        columns: Vec<usize>,
        /// Their names.
        names: Vec<String>,
    },
    /// Perfect separation / prediction: the MLE does not exist.
    #[error(
        "perfect separation or prediction detected at iteration {iteration}: every fitted value equals its response, the parameters are not identified"
    )]
    PerfectSeparation {
        /// IRLS iteration at which it was seen.
        iteration: usize,
    },
    /// Any other invalid argument.
    #[error("{arg}: {message}")]
    InvalidArgument {
        /// The argument.
        arg: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The fit broke down numerically (non-finite deviance, singular weighted design).
    #[error("fit failed: {0}")]
    Numerical(String),
}

fn format_columns(columns: &[usize], names: &[String]) -> String {
    columns
        .iter()
        .zip(names)
        .map(|(c, n)| format!("{c} ('{n}')"))
        .collect::<Vec<_>>()
        .join(", ")
}
