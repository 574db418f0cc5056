//! What the sampler needs from a model: a log-density and its gradient on
//! the unconstrained space, and the map back to the constrained space.

use crate::error::{BayesError, Result};
use crate::transform::Support;
use ns_core::Model;

/// A target density for NUTS, on the unconstrained space `R^dim`.
pub trait LogDensity: Sync {
    /// Per-chain scratch memory, so evaluation does not allocate.
    type Scratch: Send;
    /// Dimension of the unconstrained space.
    fn dim(&self) -> usize;
    /// Fresh scratch for one chain.
    fn new_scratch(&self) -> Self::Scratch;
    /// `log p(u)` (up to a constant, Jacobian included) with its gradient
    /// written to `grad`; `-inf` (or NaN) outside the support.
    fn logp_grad(&self, u: &[f64], grad: &mut [f64], scratch: &mut Self::Scratch) -> f64;
    /// Names of the constrained parameters (length [`Self::n_constrained`]).
    fn param_names(&self) -> &[String];
    /// Number of constrained outputs per draw (default: `dim`).
    fn n_constrained(&self) -> usize {
        self.dim()
    }
    /// Write the constrained parameters for unconstrained `u` into `x`.
    fn constrain(&self, u: &[f64], x: &mut [f64]);
    /// Unconstrained point for a constrained `x` (for user initial values).
    fn unconstrain(&self, x: &[f64]) -> Result<Vec<f64>>;
}

/// Any `ns-core` [`Model`] as a posterior: `log p = -nll`, each parameter
/// mapped to the unconstrained space by its [`Support`].
pub struct ModelPosterior<'a, M: Model> {
    model: &'a M,
    data: &'a M::Data,
    supports: Vec<Support>,
}

impl<'a, M: Model> ModelPosterior<'a, M> {
    /// Supports taken from the model's suggested bounds (an infinite end is
    /// open; a finite pair becomes an interval).
    pub fn new(model: &'a M, data: &'a M::Data) -> Result<Self> {
        let supports = model
            .suggested_bounds()
            .iter()
            .map(|&(lo, hi)| Support::from_bounds(lo, hi))
            .collect::<Result<Vec<_>>>()?;
        Self::with_supports(model, data, supports)
    }

    /// Explicit supports, one per model parameter.
    pub fn with_supports(model: &'a M, data: &'a M::Data, supports: Vec<Support>) -> Result<Self> {
        if supports.len() != model.n_params() {
            return Err(BayesError::DimensionMismatch {
                name: "supports",
                expected: model.n_params(),
                got: supports.len(),
            });
        }
        for s in &supports {
            s.validate()?;
        }
        Ok(Self {
            model,
            data,
            supports,
        })
    }

    /// The supports in parameter order.
    pub fn supports(&self) -> &[Support] {
        &self.supports
    }
}

/// Scratch of a [`ModelPosterior`]: the model's own plus the constrained
/// point and its gradient.
pub struct ModelScratch<S> {
    inner: S,
    x: Vec<f64>,
    gx: Vec<f64>,
    dxdu: Vec<f64>,
    dlj: Vec<f64>,
}

impl<M: Model> LogDensity for ModelPosterior<'_, M> {
    type Scratch = ModelScratch<M::Scratch>;

    fn dim(&self) -> usize {
        self.model.n_params()
    }

    fn new_scratch(&self) -> Self::Scratch {
        let n = self.dim();
        ModelScratch {
            inner: self.model.new_scratch(),
            x: vec![0.0; n],
            gx: vec![0.0; n],
            dxdu: vec![0.0; n],
            dlj: vec![0.0; n],
        }
    }

    fn logp_grad(&self, u: &[f64], grad: &mut [f64], s: &mut Self::Scratch) -> f64 {
        let mut log_jac = 0.0;
        for (i, sup) in self.supports.iter().enumerate() {
            let (x, lj, dxdu, dlj) = sup.forward(u[i]);
            s.x[i] = x;
            s.dxdu[i] = dxdu;
            s.dlj[i] = dlj;
            log_jac += lj;
        }
        let nll = self
            .model
            .nll_grad(self.data, &s.x, &mut s.gx, &mut s.inner);
        for (i, g) in grad.iter_mut().enumerate() {
            *g = -s.gx[i] * s.dxdu[i] + s.dlj[i];
        }
        -nll + log_jac
    }

    fn param_names(&self) -> &[String] {
        self.model.param_names()
    }

    fn constrain(&self, u: &[f64], x: &mut [f64]) {
        for ((xi, &ui), sup) in x.iter_mut().zip(u).zip(&self.supports) {
            *xi = sup.constrain(ui);
        }
    }

    fn unconstrain(&self, x: &[f64]) -> Result<Vec<f64>> {
        if x.len() != self.dim() {
            return Err(BayesError::DimensionMismatch {
                name: "init",
                expected: self.dim(),
                got: x.len(),
            });
        }
        x.iter()
            .zip(&self.supports)
            .enumerate()
            .map(|(i, (&xi, sup))| {
                sup.unconstrain(xi).ok_or_else(|| BayesError::InvalidInit {
                    param: self.model.param_names()[i].clone(),
                    value: xi,
                    reason: format!("not strictly inside {sup:?}"),
                })
            })
            .collect()
    }
}
