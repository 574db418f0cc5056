/// A statistical model: parameter metadata plus the negative log-likelihood
/// and its gradient. The model is immutable and shared across threads; the
/// data it is evaluated on and the scratch memory are passed separately so
/// toys and Asimov datasets never clone or mutate it.
pub trait Model: Send + Sync {
    /// The dataset type (observed, Asimov or toy).
    type Data: Clone + Send + Sync;
    /// Per-thread scratch memory that makes evaluation allocation-free.
    type Scratch: Send;

    /// Number of parameters.
    fn n_params(&self) -> usize;
    /// Parameter names, in model order.
    fn param_names(&self) -> &[String];
    /// Suggested starting point.
    fn suggested_init(&self) -> &[f64];
    /// Suggested (lower, upper) bounds.
    fn suggested_bounds(&self) -> &[(f64, f64)];
    /// Parameters fixed by default (e.g. `fixed: true` in the measurement).
    fn suggested_fixed(&self) -> &[bool];
    /// Index of the parameter of interest, if there is one.
    fn poi_index(&self) -> Option<usize>;
    /// The observed dataset.
    fn observed(&self) -> &Self::Data;
    /// Fresh scratch memory for one thread.
    fn new_scratch(&self) -> Self::Scratch;

    /// Negative log-likelihood at `x`; `+inf` outside the domain. Never fails.
    fn nll(&self, data: &Self::Data, x: &[f64], scratch: &mut Self::Scratch) -> f64;

    /// Negative log-likelihood and its gradient (written to `grad`) in one pass.
    fn nll_grad(
        &self,
        data: &Self::Data,
        x: &[f64],
        grad: &mut [f64],
        scratch: &mut Self::Scratch,
    ) -> f64;

    /// Parameters at which the NLL has a kink at 0 (e.g. piecewise-linear or
    /// piecewise-exponential interpolation), so a minimum can sit on either
    /// branch. The fitter checks the mirrored branch for these. Default: none.
    fn kink_params(&self) -> &[usize] {
        &[]
    }

    /// Structural sparsity of the NLL's Hessian: `Some(adj)` where `adj[i]`
    /// lists (sorted) every parameter `j != i` whose mixed second derivative
    /// with `i` can be non-zero anywhere; any pair not listed is exactly zero
    /// everywhere. Lets the Hessian be computed from a few gradient
    /// evaluations instead of `2n`. Default: `None` (treated as dense).
    fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
        None
    }

    /// Index of a parameter by name.
    fn param_index(&self, name: &str) -> Option<usize> {
        self.param_names().iter().position(|n| n == name)
    }
}

/// What only generative models (HistFactory) can do: build Asimov data and
/// sample pseudo-experiments. Kept apart so a GLM or a user model can still
/// use the fitter and scanner.
pub trait PseudoData: Model {
    /// The Asimov dataset at `x`: expected main counts and the auxiliary data
    /// that the constraints would expect at `x` (pyhf's
    /// `expected_data(x, include_auxdata=True)`).
    fn asimov(&self, x: &[f64]) -> Self::Data;

    /// Draw one pseudo-experiment at `x` into `out` (main bins Poisson,
    /// auxiliary data from each constraint's own distribution).
    fn sample_into<R: rand::Rng + ?Sized>(&self, x: &[f64], rng: &mut R, out: &mut Self::Data);
}

/// The function the optimiser minimises: value and gradient with mutable
/// access to internal scratch.
pub trait Objective {
    /// Dimension of the parameter vector.
    fn dim(&self) -> usize;
    /// Value at `x`.
    fn value(&mut self, x: &[f64]) -> f64;
    /// Value and gradient at `x` in one pass.
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64;
    /// Structural sparsity of the Hessian (see [`Model::hessian_pattern`]).
    fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
        None
    }
}

/// A model bound to one dataset with its own scratch: the [`Objective`] the
/// optimiser sees.
pub struct BoundObjective<'a, M: Model> {
    model: &'a M,
    data: &'a M::Data,
    scratch: M::Scratch,
}

impl<'a, M: Model> BoundObjective<'a, M> {
    /// Bind `model` to `data`, allocating scratch once.
    pub fn new(model: &'a M, data: &'a M::Data) -> Self {
        Self {
            model,
            data,
            scratch: model.new_scratch(),
        }
    }
}

impl<M: Model> Objective for BoundObjective<'_, M> {
    fn dim(&self) -> usize {
        self.model.n_params()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        self.model.nll(self.data, x, &mut self.scratch)
    }
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.model.nll_grad(self.data, x, grad, &mut self.scratch)
    }
    fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
        self.model.hessian_pattern()
    }
}

impl<O: Objective + ?Sized> Objective for &mut O {
    fn dim(&self) -> usize {
        (**self).dim()
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        (**self).value(x)
    }
    fn value_grad(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        (**self).value_grad(x, grad)
    }
    fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
        (**self).hessian_pattern()
    }
}
