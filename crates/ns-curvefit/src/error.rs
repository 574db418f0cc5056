//! The crate's error vocabulary: every bad input is named before any
//! numerical work starts.

use thiserror::Error;

/// Errors of expression parsing, input validation and fitting.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum CurveFitError {
    /// The expression does not parse; `pos` is the byte offset of the fault.
    #[error("cannot parse expression: {message} at position {pos}\n  {expr}\n  {caret}", caret = caret(*pos))]
    Parse {
        /// The whole expression.
        expr: String,
        /// Byte offset of the offending token.
        pos: usize,
        /// What was wrong.
        message: String,
    },
    /// A function name that is not in the grammar.
    #[error("unknown function '{name}' at position {pos} (known: exp log sqrt sin cos tan atan arctan sinh cosh tanh abs pow)\n  {expr}\n  {caret}", caret = caret(*pos))]
    UnknownFunction {
        /// The whole expression.
        expr: String,
        /// Byte offset of the name.
        pos: usize,
        /// The unknown name.
        name: String,
    },
    /// An identifier used in the expression is not in the `params` list given.
    #[error(
        "identifier '{name}' in the expression is neither a variable, a constant nor one of params {params:?}"
    )]
    UnknownParameter {
        /// The identifier.
        name: String,
        /// The names that were given.
        params: Vec<String>,
    },
    /// A parameter name repeats in `params`, or is reserved.
    #[error("invalid parameter name '{name}': {reason}")]
    InvalidParameterName {
        /// The name.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A vector argument has the wrong length.
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        /// The argument (e.g. "p0", "ydata").
        what: String,
        /// Length needed.
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// A start value lies outside its bounds.
    #[error("p0: parameter '{name}' = {value} is outside its bounds [{lower}, {upper}]")]
    P0OutsideBounds {
        /// Parameter name.
        name: String,
        /// The start value.
        value: f64,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A lower bound is not strictly below its upper bound.
    #[error("bounds: parameter '{name}' has lower bound {lower} >= upper bound {upper}")]
    InvalidBounds {
        /// Parameter name.
        name: String,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// NaN or infinity in an input array.
    #[error("{what}: non-finite value {value} at index {index}")]
    NonFiniteInput {
        /// The argument ("xdata", "ydata", "sigma", "p0").
        what: String,
        /// Flat index of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The model gives a non-finite value at the starting point.
    #[error("the model returns a non-finite value ({value}) at p0 for data point {index}")]
    NonFiniteModel {
        /// Index of the data point.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Fewer data points than parameters.
    #[error("fewer data points ({n}) than parameters ({p})")]
    TooFewPoints {
        /// Number of data points (residuals).
        n: usize,
        /// Number of parameters.
        p: usize,
    },
    /// An option value or combination is not valid.
    #[error("{name}: {message}")]
    InvalidOption {
        /// The option.
        name: String,
        /// Why.
        message: String,
    },
    /// The optimiser stopped without meeting a convergence criterion.
    #[error("Optimal parameters not found: {message}")]
    NotConverged {
        /// The solver's message.
        message: String,
        /// Number of function evaluations spent.
        nfev: usize,
    },
}

fn caret(pos: usize) -> String {
    format!("{}^", " ".repeat(pos))
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, CurveFitError>;
