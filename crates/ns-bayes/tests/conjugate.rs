//! Exact tests on conjugate models: the sampled posterior against the
//! analytic one. Each model is a plain `ns-core` Model sampled through
//! `ModelPosterior`, so the transforms (identity, log, logit) and their
//! Jacobians are exercised too.

use ns_bayes::{ModelPosterior, NutsConfig, diagnostics, sample};
use ns_core::Model;

/// A one-parameter model given by its NLL and derivative.
struct OneParam {
    names: Vec<String>,
    bounds: Vec<(f64, f64)>,
    f: fn(f64) -> (f64, f64),
}

impl Model for OneParam {
    type Data = ();
    type Scratch = ();
    fn n_params(&self) -> usize {
        1
    }
    fn param_names(&self) -> &[String] {
        &self.names
    }
    fn suggested_init(&self) -> &[f64] {
        &[0.5]
    }
    fn suggested_bounds(&self) -> &[(f64, f64)] {
        &self.bounds
    }
    fn suggested_fixed(&self) -> &[bool] {
        &[false]
    }
    fn poi_index(&self) -> Option<usize> {
        None
    }
    fn observed(&self) -> &() {
        &()
    }
    fn new_scratch(&self) {}
    fn nll(&self, _: &(), x: &[f64], _: &mut ()) -> f64 {
        (self.f)(x[0]).0
    }
    fn nll_grad(&self, _: &(), x: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
        let (v, d) = (self.f)(x[0]);
        g[0] = d;
        v
    }
}

/// Sample and compare with the exact mean and sd.
fn check(m: &OneParam, mean: f64, sd: f64, seed: u64) {
    let post = ModelPosterior::new(m, &()).unwrap();
    let cfg = NutsConfig {
        n_warmup: 500,
        n_samples: 1000,
        seed,
        ..NutsConfig::default()
    };
    let s = sample(&post, &cfg).unwrap();
    let r = &diagnostics::summary(&s)[0];
    assert_eq!(s.n_divergent(), 0, "{}", m.names[0]);
    assert!(r.r_hat < 1.01, "{r:?}");
    // Fixed seed: 4 MCSE leaves room for the one-in-15000 normal tail.
    assert!(
        (r.mean - mean).abs() < 4.0 * r.mcse_mean,
        "{r:?}: exact mean {mean}"
    );
    // sd from ~1500+ effective draws has ~2-3% relative error.
    assert!((r.sd / sd - 1.0).abs() < 0.08, "{r:?}: exact sd {sd}");
}

const INF: f64 = f64::INFINITY;

#[test]
fn normal_normal() {
    // y_i ~ N(mu, 2), mu ~ N(1, 3): posterior precision 1/9 + n/4.
    fn f(mu: f64) -> (f64, f64) {
        let y = [3.1, 0.4, 2.2, 5.0, 1.7, 2.9, -0.8, 3.3, 2.0, 4.1];
        let mut v = 0.5 * ((mu - 1.0) / 3.0).powi(2);
        let mut d = (mu - 1.0) / 9.0;
        for yi in y {
            v += 0.5 * ((yi - mu) / 2.0).powi(2);
            d -= (yi - mu) / 4.0;
        }
        (v, d)
    }
    let y_sum = 3.1 + 0.4 + 2.2 + 5.0 + 1.7 + 2.9 - 0.8 + 3.3 + 2.0 + 4.1;
    let prec = 1.0 / 9.0 + 10.0 / 4.0;
    let mean = (1.0 / 9.0 + y_sum / 4.0) / prec;
    let m = OneParam {
        names: vec!["mu".into()],
        bounds: vec![(-INF, INF)],
        f,
    };
    check(&m, mean, prec.sqrt().recip(), 1);
}

#[test]
fn beta_binomial_on_the_logit_scale() {
    // 7 successes of 20, p ~ Beta(2, 3): posterior Beta(9, 16).
    fn f(p: f64) -> (f64, f64) {
        let (a, b) = (2.0 + 7.0, 3.0 + 13.0);
        (
            -(a - 1.0) * p.ln() - (b - 1.0) * (1.0 - p).ln(),
            -(a - 1.0) / p + (b - 1.0) / (1.0 - p),
        )
    }
    let (a, b) = (9.0, 16.0);
    let m = OneParam {
        names: vec!["p".into()],
        bounds: vec![(0.0, 1.0)],
        f,
    };
    let var = a * b / ((a + b) * (a + b) * (a + b + 1.0));
    check(&m, a / (a + b), var.sqrt(), 2);
}

#[test]
fn gamma_poisson_on_the_log_scale() {
    // Counts with sum 23 over n = 6, lambda ~ Gamma(3, rate 0.5):
    // posterior Gamma(26, rate 6.5).
    fn f(l: f64) -> (f64, f64) {
        let (shape, rate) = (26.0, 6.5);
        (
            -(shape - 1.0) * l.ln() + rate * l,
            -(shape - 1.0) / l + rate,
        )
    }
    let (shape, rate) = (26.0f64, 6.5);
    let m = OneParam {
        names: vec!["lambda".into()],
        bounds: vec![(0.0, INF)],
        f,
    };
    check(&m, shape / rate, shape.sqrt() / rate, 3);
}
