//! Whole-sampler properties: it samples the right distribution, the draws do
//! not depend on the thread count or the tree builder, bad settings are
//! typed errors.

use ns_bayes::{BayesError, LogDensity, NutsConfig, TreeBuilder, diagnostics, sample};

/// Independent normals with means `MU` and sds `SD`: exact moments known.
struct Normals;
const MU: [f64; 3] = [1.0, -3.0, 10.0];
const SD: [f64; 3] = [0.5, 2.0, 30.0];
static NAMES: std::sync::LazyLock<Vec<String>> =
    std::sync::LazyLock::new(|| (0..3).map(|i| format!("x{i}")).collect());

impl LogDensity for Normals {
    type Scratch = ();
    fn dim(&self) -> usize {
        3
    }
    fn new_scratch(&self) {}
    fn logp_grad(&self, u: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
        let mut lp = 0.0;
        for i in 0..3 {
            let z = (u[i] - MU[i]) / SD[i];
            lp -= 0.5 * z * z;
            g[i] = -z / SD[i];
        }
        lp
    }
    fn param_names(&self) -> &[String] {
        &NAMES
    }
    fn constrain(&self, u: &[f64], x: &mut [f64]) {
        x.copy_from_slice(u)
    }
    fn unconstrain(&self, x: &[f64]) -> ns_bayes::Result<Vec<f64>> {
        Ok(x.to_vec())
    }
}

fn cfg() -> NutsConfig {
    NutsConfig {
        n_chains: 4,
        n_warmup: 500,
        n_samples: 500,
        seed: 42,
        ..NutsConfig::default()
    }
}

#[test]
fn samples_independent_normals_within_mcse() {
    let s = sample(&Normals, &cfg()).unwrap();
    assert_eq!(s.n_divergent(), 0);
    for row in diagnostics::summary(&s).iter().enumerate() {
        let (i, r) = row;
        assert!((r.mean - MU[i]).abs() < 4.0 * r.mcse_mean, "{r:?}");
        assert!((r.sd / SD[i] - 1.0).abs() < 0.1, "{r:?}");
        assert!(r.r_hat < 1.01, "{r:?}");
        assert!(r.ess_bulk > 500.0, "{r:?}");
    }
    // The adapted diagonal metric approaches the variances (scales differ by 60x).
    let ns_bayes::Metric::Diag(m) = &s.chains[0].metric else {
        panic!()
    };
    for i in 0..3 {
        let ratio = m[i] / (SD[i] * SD[i]);
        assert!(ratio > 0.6 && ratio < 1.6, "metric {m:?}");
    }
}

#[test]
fn draws_identical_for_one_and_two_threads() {
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sample(&Normals, &cfg()).unwrap())
    };
    let a = run(1);
    let b = run(2);
    assert_eq!(a, b);
    // Different chains do get different streams.
    assert_ne!(a.chains[0].draws, a.chains[1].draws);
}

#[test]
fn reference_tree_builder_gives_identical_runs() {
    let mut c = cfg();
    c.n_chains = 2;
    c.n_warmup = 200;
    c.n_samples = 100;
    let fast = sample(&Normals, &c).unwrap();
    c.tree_builder = TreeBuilder::Reference;
    let slow = sample(&Normals, &c).unwrap();
    assert_eq!(fast, slow);
}

#[test]
fn dense_mass_matrix_samples_correctly() {
    let mut c = cfg();
    c.dense_mass = true;
    let s = sample(&Normals, &c).unwrap();
    for (i, r) in diagnostics::summary(&s).iter().enumerate() {
        assert!((r.mean - MU[i]).abs() < 4.0 * r.mcse_mean, "{r:?}");
        assert!((r.sd / SD[i] - 1.0).abs() < 0.1, "{r:?}");
    }
    assert!(matches!(s.chains[0].metric, ns_bayes::Metric::Dense { .. }));
}

#[test]
fn bad_settings_are_typed_errors() {
    let mut c = cfg();
    c.n_samples = 0;
    assert!(matches!(
        sample(&Normals, &c),
        Err(BayesError::InvalidArgument {
            name: "n_samples",
            ..
        })
    ));
    let mut c = cfg();
    c.target_accept = 1.0;
    assert!(matches!(
        sample(&Normals, &c),
        Err(BayesError::InvalidArgument {
            name: "target_accept",
            ..
        })
    ));
    let mut c = cfg();
    c.init = Some(vec![vec![0.0; 3]]);
    assert!(matches!(
        sample(&Normals, &c),
        Err(BayesError::DimensionMismatch { name: "init", .. })
    ));
}

/// A density that is -inf everywhere: initialisation must fail cleanly.
struct Nowhere;
impl LogDensity for Nowhere {
    type Scratch = ();
    fn dim(&self) -> usize {
        1
    }
    fn new_scratch(&self) {}
    fn logp_grad(&self, _: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
        g[0] = 0.0;
        f64::NEG_INFINITY
    }
    fn param_names(&self) -> &[String] {
        &NAMES[..1]
    }
    fn constrain(&self, u: &[f64], x: &mut [f64]) {
        x.copy_from_slice(u)
    }
    fn unconstrain(&self, x: &[f64]) -> ns_bayes::Result<Vec<f64>> {
        Ok(x.to_vec())
    }
}

#[test]
fn non_finite_density_everywhere_fails_initialisation() {
    let e = sample(&Nowhere, &cfg()).unwrap_err();
    assert!(
        matches!(e, BayesError::InitFailed { tries: 100, .. }),
        "{e}"
    );
}
