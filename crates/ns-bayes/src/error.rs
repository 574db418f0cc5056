/// What can go wrong when setting up or running the sampler. Numerical
/// trouble during sampling (divergences, tree-depth hits) is not an error: it
/// is reported in each draw's [`crate::DrawStats`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BayesError {
    /// A configuration value is out of range.
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A slice has the wrong length.
    #[error("`{name}` has length {got}, expected {expected}")]
    DimensionMismatch {
        /// The argument's name.
        name: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// Model data contain a non-finite value.
    #[error("`{name}[{index}]` is not finite ({value})")]
    NonFiniteData {
        /// The data array's name.
        name: &'static str,
        /// Position of the first bad value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// No initial point with a finite log-density and gradient was found.
    #[error(
        "chain {chain}: no initial point with a finite log-density and gradient after {tries} tries"
    )]
    InitFailed {
        /// The chain index.
        chain: usize,
        /// How many points were tried.
        tries: usize,
    },
    /// A user-supplied initial point lies outside a parameter's support or
    /// has a non-finite log-density.
    #[error("initial value of `{param}` ({value}) is invalid: {reason}")]
    InvalidInit {
        /// The parameter's name.
        param: String,
        /// The value given.
        value: f64,
        /// Why it is rejected.
        reason: String,
    },
    /// The step-size search ran away (improper posterior) or collapsed to 0.
    #[error("chain {chain}: step size search failed: {reason}")]
    StepSize {
        /// The chain index.
        chain: usize,
        /// What happened.
        reason: &'static str,
    },
    /// The adapted mass matrix overflowed (extreme values on the
    /// unconstrained space: the posterior is too wide or improper).
    #[error("chain {chain}: numerical overflow in the mass-matrix adaptation")]
    MetricOverflow {
        /// The chain index.
        chain: usize,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, BayesError>;
