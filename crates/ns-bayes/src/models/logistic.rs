//! Logistic regression `y ~ bernoulli_logit(X beta)`.

use super::{Design, Prior, check_finite, check_len};
use crate::error::{BayesError, Result};
use ns_core::Model;

/// `y ~ bernoulli_logit(X beta)` with an independent prior on each
/// coefficient (default flat); parameters `beta[1..p]`.
#[derive(Debug, Clone)]
pub struct LogisticRegression {
    design: Design,
    y: Vec<f64>,
    prior: Prior,
    names: Vec<String>,
    init: Vec<f64>,
    bounds: Vec<(f64, f64)>,
    fixed: Vec<bool>,
}

/// `log(1 + exp(eta))` without overflow.
#[inline]
fn log1p_exp(eta: f64) -> f64 {
    if eta > 0.0 {
        eta + (-eta).exp().ln_1p()
    } else {
        eta.exp().ln_1p()
    }
}

impl LogisticRegression {
    /// `x` row-major `n × p` (used as given), `y` of 0s and 1s.
    pub fn new(x: &[f64], n: usize, p: usize, y: &[f64]) -> Result<Self> {
        let design = Design::new(x, n, p)?;
        check_len("y", y, n)?;
        check_finite("y", y)?;
        if let Some(i) = y.iter().position(|&v| v != 0.0 && v != 1.0) {
            return Err(BayesError::InvalidArgument {
                name: "y",
                reason: format!("y[{i}] = {} is not 0 or 1", y[i]),
            });
        }
        Ok(Self {
            design,
            y: y.to_vec(),
            prior: Prior::Flat,
            names: (1..=p).map(|i| format!("beta[{i}]")).collect(),
            init: vec![0.0; p],
            bounds: vec![(f64::NEG_INFINITY, f64::INFINITY); p],
            fixed: vec![false; p],
        })
    }

    /// Prior of every coefficient.
    pub fn beta_prior(mut self, prior: Prior) -> Result<Self> {
        prior.validate("beta_prior")?;
        self.prior = prior;
        Ok(self)
    }

    fn eval(&self, beta: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let mut nll = 0.0;
        for i in 0..self.design.n {
            let row = self.design.row(i);
            let eta: f64 = row.iter().zip(beta).map(|(a, b)| a * b).sum();
            nll += log1p_exp(eta) - self.y[i] * eta;
            if let Some(g) = grad.as_deref_mut() {
                let r = 1.0 / (1.0 + (-eta).exp()) - self.y[i];
                for (gj, xj) in g.iter_mut().zip(row) {
                    *gj += r * xj;
                }
            }
        }
        for (j, &b) in beta.iter().enumerate() {
            let (pb, dpb) = self.prior.nll(b);
            nll += pb;
            if let Some(g) = grad.as_deref_mut() {
                g[j] += dpb;
            }
        }
        nll
    }
}

impl Model for LogisticRegression {
    type Data = ();
    type Scratch = ();

    fn n_params(&self) -> usize {
        self.design.p
    }
    fn param_names(&self) -> &[String] {
        &self.names
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
    fn observed(&self) -> &() {
        &()
    }
    fn new_scratch(&self) {}
    fn nll(&self, _: &(), x: &[f64], _: &mut ()) -> f64 {
        self.eval(x, None)
    }
    fn nll_grad(&self, _: &(), x: &[f64], grad: &mut [f64], _: &mut ()) -> f64 {
        self.eval(x, Some(grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::testing::check_gradient;

    #[test]
    fn gradients_match_finite_differences() {
        let x = [1.0, 0.5, 1.0, -1.0, 1.0, 2.0, 1.0, 0.3, 1.0, -2.0];
        let y = [1.0, 0.0, 1.0, 0.0, 0.0];
        let m = LogisticRegression::new(&x, 5, 2, &y).unwrap();
        check_gradient(&m, &[0.4, -0.9]);
        let m = m.beta_prior(Prior::Normal { mean: 1.0, sd: 2.5 }).unwrap();
        check_gradient(&m, &[-30.0, 41.0]);
    }

    #[test]
    fn labels_must_be_binary() {
        let x = [1.0, 0.5, 1.0, -1.0];
        assert!(matches!(
            LogisticRegression::new(&x, 2, 2, &[1.0, 2.0]),
            Err(BayesError::InvalidArgument { name: "y", .. })
        ));
    }
}
