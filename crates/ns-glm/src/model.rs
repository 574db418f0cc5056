//! The GLM log-likelihood as an `ns-core` model, so the generic machinery
//! (L-BFGS-B fits, profile scans, samplers) applies to GLMs too. The NLL is
//! −Σ fᵢ ℓᵢ(μᵢ(β)) at a fixed dispersion; its gradient is −Xᵀs/φ and its
//! Hessian Xᵀ diag(o/φ) X with statsmodels' score and observed-information
//! factors.

use ns_core::Model;

use crate::data::GlmData;
use crate::error::GlmError;
use crate::family::Family;
use crate::irls::{linear_predictor, score_oim};
use crate::link::Link;

/// A GLM bound to its design; the response is the model's data.
#[derive(Debug, Clone)]
pub struct GlmModel {
    data: GlmData,
    family: Family,
    link: Link,
    scale: f64,
    init: Vec<f64>,
    bounds: Vec<(f64, f64)>,
    fixed: Vec<bool>,
}

/// Per-thread buffers (η, μ, score and information factors).
#[derive(Debug, Clone)]
pub struct GlmScratch {
    eta: Vec<f64>,
    mu: Vec<f64>,
    s: Vec<f64>,
    o: Vec<f64>,
}

impl GlmModel {
    /// The model of `data` under `family`/`link` (canonical if `None`) at
    /// dispersion `scale`.
    pub fn new(
        data: GlmData,
        family: Family,
        link: Option<Link>,
        scale: f64,
    ) -> Result<Self, GlmError> {
        let link = family.check_link(link.unwrap_or(family.canonical_link()))?;
        if !(scale > 0.0 && scale.is_finite()) {
            return Err(GlmError::InvalidArgument {
                arg: "scale",
                message: format!("must be positive and finite, got {scale}"),
            });
        }
        let p = data.p;
        let ymean = data.y.iter().sum::<f64>() / data.n as f64;
        let mut init = vec![0.0; p];
        if let Some(c) = data.const_col {
            init[c] = link.link(ymean) / data.x(0, c);
        }
        Ok(GlmModel {
            data,
            family,
            link,
            scale,
            init,
            bounds: vec![(f64::NEG_INFINITY, f64::INFINITY); p],
            fixed: vec![false; p],
        })
    }

    fn eval(&self, y: &[f64], x: &[f64], sc: &mut GlmScratch) -> f64 {
        let d = &self.data;
        linear_predictor(d, x, &mut sc.eta);
        let mut ll = 0.0;
        for (i, &yi) in y.iter().enumerate().take(d.n) {
            let m = self.link.inverse(sc.eta[i]);
            sc.mu[i] = m;
            ll += d.freq_w[i]
                * self
                    .family
                    .loglike_obs(yi, m, d.n_trials[i], d.var_w[i], self.scale);
        }
        if ll.is_finite() { -ll } else { f64::INFINITY }
    }

    fn factors(&self, y: &[f64], sc: &mut GlmScratch) {
        // score_oim reads the response from the data: evaluate on a view
        // with this response.
        if y == self.data.y.as_slice() {
            score_oim(
                &self.data,
                self.family,
                self.link,
                &sc.mu,
                &mut sc.s,
                &mut sc.o,
            );
        } else {
            let mut d = self.data.clone();
            d.y.copy_from_slice(y);
            score_oim(&d, self.family, self.link, &sc.mu, &mut sc.s, &mut sc.o);
        }
    }

    /// Hessian of the NLL at `x` (row-major p × p), the observed information.
    pub fn hessian(&self, y: &[f64], x: &[f64]) -> Vec<f64> {
        let mut sc = self.new_scratch();
        self.eval(y, x, &mut sc);
        self.factors(y, &mut sc);
        let (n, p) = (self.data.n, self.data.p);
        let mut h = vec![0.0; p * p];
        for i in 0..n {
            let w = sc.o[i] / self.scale;
            for a in 0..p {
                let xa = self.data.x(i, a) * w;
                for b in 0..p {
                    h[a * p + b] += xa * self.data.x(i, b);
                }
            }
        }
        h
    }
}

impl Model for GlmModel {
    type Data = Vec<f64>;
    type Scratch = GlmScratch;

    fn n_params(&self) -> usize {
        self.data.p
    }
    fn param_names(&self) -> &[String] {
        &self.data.names
    }
    fn suggested_init(&self) -> &[f64] {
        &self.init
    }
    fn suggested_bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }
    fn suggested_fixed(&self) -> &[bool] {
        &self.fixed
    }
    fn poi_index(&self) -> Option<usize> {
        None
    }
    fn observed(&self) -> &Vec<f64> {
        &self.data.y
    }
    fn new_scratch(&self) -> GlmScratch {
        let n = self.data.n;
        GlmScratch {
            eta: vec![0.0; n],
            mu: vec![0.0; n],
            s: vec![0.0; n],
            o: vec![0.0; n],
        }
    }
    fn nll(&self, data: &Vec<f64>, x: &[f64], scratch: &mut GlmScratch) -> f64 {
        self.eval(data, x, scratch)
    }
    fn nll_grad(
        &self,
        data: &Vec<f64>,
        x: &[f64],
        grad: &mut [f64],
        scratch: &mut GlmScratch,
    ) -> f64 {
        let v = self.eval(data, x, scratch);
        self.factors(data, scratch);
        let n = self.data.n;
        for (j, g) in grad.iter_mut().enumerate() {
            let col = &self.data.x[j * n..(j + 1) * n];
            *g = -col.iter().zip(&scratch.s).map(|(a, b)| a * b).sum::<f64>() / self.scale;
        }
        v
    }
}
