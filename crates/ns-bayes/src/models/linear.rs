//! Normal linear regression `y ~ normal(X beta, sigma)`.

use super::{Design, Prior, ScalePrior, check_finite, check_len};
use crate::error::Result;
use ns_core::Model;

/// `y ~ normal(X beta, sigma)` with independent priors on each `beta_j`
/// and on `sigma > 0`; parameters `beta[1..p]`, `sigma`. Defaults are flat.
/// posteriordb's `blr` uses `Prior::Normal { mean: 0, sd: 10 }` and
/// `ScalePrior::HalfNormal(10)`; `kidscore_momiq` flat and `HalfCauchy(2.5)`.
#[derive(Debug, Clone)]
pub struct LinearRegression {
    design: Design,
    y: Vec<f64>,
    beta_prior: Prior,
    sigma_prior: ScalePrior,
    names: Vec<String>,
    init: Vec<f64>,
    bounds: Vec<(f64, f64)>,
    fixed: Vec<bool>,
}

impl LinearRegression {
    /// `x` row-major `n × p` (used as given: no intercept is added).
    pub fn new(x: &[f64], n: usize, p: usize, y: &[f64]) -> Result<Self> {
        let design = Design::new(x, n, p)?;
        check_len("y", y, n)?;
        check_finite("y", y)?;
        let mut names: Vec<String> = (1..=p).map(|i| format!("beta[{i}]")).collect();
        names.push("sigma".into());
        let mut bounds = vec![(f64::NEG_INFINITY, f64::INFINITY); p];
        bounds.push((0.0, f64::INFINITY));
        let mut init = vec![0.0; p + 1];
        init[p] = 1.0;
        Ok(Self {
            design,
            y: y.to_vec(),
            beta_prior: Prior::Flat,
            sigma_prior: ScalePrior::Flat,
            names,
            init,
            bounds,
            fixed: vec![false; p + 1],
        })
    }

    /// Prior of every coefficient.
    pub fn beta_prior(mut self, prior: Prior) -> Result<Self> {
        prior.validate("beta_prior")?;
        self.beta_prior = prior;
        Ok(self)
    }

    /// Prior of the residual scale.
    pub fn sigma_prior(mut self, prior: ScalePrior) -> Result<Self> {
        prior.validate("sigma_prior")?;
        self.sigma_prior = prior;
        Ok(self)
    }

    fn eval(&self, x: &[f64], mut grad: Option<&mut [f64]>) -> f64 {
        let p = self.design.p;
        let (beta, sigma) = (&x[..p], x[p]);
        if sigma.is_nan() || sigma <= 0.0 {
            return f64::INFINITY;
        }
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let inv_s2 = 1.0 / (sigma * sigma);
        let mut ss = 0.0;
        for i in 0..self.design.n {
            let row = self.design.row(i);
            let eta: f64 = row.iter().zip(beta).map(|(a, b)| a * b).sum();
            let r = self.y[i] - eta;
            ss += r * r;
            if let Some(g) = grad.as_deref_mut() {
                for (gj, xj) in g[..p].iter_mut().zip(row) {
                    *gj -= r * xj * inv_s2;
                }
            }
        }
        let n = self.design.n as f64;
        let (ps, dps) = self.sigma_prior.nll(sigma);
        let mut nll = n * sigma.ln() + 0.5 * ss * inv_s2 + ps;
        for (j, &b) in beta.iter().enumerate() {
            let (pb, dpb) = self.beta_prior.nll(b);
            nll += pb;
            if let Some(g) = grad.as_deref_mut() {
                g[j] += dpb;
            }
        }
        if let Some(g) = grad {
            g[p] = n / sigma - ss * inv_s2 / sigma + dps;
        }
        nll
    }
}

impl Model for LinearRegression {
    type Data = ();
    type Scratch = ();

    fn n_params(&self) -> usize {
        self.design.p + 1
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
    use crate::BayesError;
    use crate::models::testing::check_gradient;

    #[test]
    fn gradients_match_finite_differences() {
        let x = [1.0, 0.5, 1.0, -1.0, 1.0, 2.0, 1.0, 0.3];
        let y = [1.2, -0.3, 2.9, 1.1];
        let m = LinearRegression::new(&x, 4, 2, &y).unwrap();
        check_gradient(&m, &[0.4, 0.9, 0.7]);
        let m = m
            .beta_prior(Prior::Normal {
                mean: 0.0,
                sd: 10.0,
            })
            .unwrap()
            .sigma_prior(ScalePrior::HalfCauchy(2.5))
            .unwrap();
        check_gradient(&m, &[0.4, 0.9, 0.7]);
        let m = m.sigma_prior(ScalePrior::HalfNormal(10.0)).unwrap();
        check_gradient(&m, &[-0.4, 1.9, 1.7]);
    }

    #[test]
    fn bad_input_is_rejected() {
        let x = [1.0, 0.5, 1.0, -1.0];
        assert!(matches!(
            LinearRegression::new(&x, 2, 2, &[1.0]),
            Err(BayesError::DimensionMismatch { name: "y", .. })
        ));
        assert!(matches!(
            LinearRegression::new(&x, 2, 2, &[1.0, f64::INFINITY]),
            Err(BayesError::NonFiniteData {
                name: "y",
                index: 1,
                ..
            })
        ));
        let m = LinearRegression::new(&x, 2, 2, &[1.0, 2.0]).unwrap();
        assert!(m.sigma_prior(ScalePrior::HalfNormal(-1.0)).is_err());
    }
}
