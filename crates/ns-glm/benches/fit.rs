//! GLM fit times (issue 17 item 9): linear, logistic, Poisson, Gamma (log
//! link), NB2 with fixed α and with α by maximum likelihood, p = 20 (a
//! constant and 19 standard normals), n = 200 … 200,000, seeded data.
//! The side-by-side comparison with statsmodels, scikit-learn and glum is
//! scripts/bench_glm.py; numbers in docs/benchmarks.md.
//!
//! `cargo bench -p ns-glm --bench fit` (`-- logistic/200000` for one cell).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ns_glm::{Family, GlmData, GlmOptions, Link, fit, fit_nb_mle};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson, StandardNormal};
use rand_xoshiro::Xoshiro256PlusPlus;

const P: usize = 20;
const SIZES: [usize; 4] = [200, 2_000, 20_000, 200_000];
const CASES: [&str; 6] = ["linear", "logistic", "poisson", "gamma", "nb", "nb_mle"];

/// Row-major design and response of `case`, seeded by (case, n).
fn data(case: &str, n: usize) -> (Vec<f64>, Vec<f64>) {
    let seed = 17 + 1000 * CASES.iter().position(|c| *c == case).unwrap() as u64 + n as u64;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let beta: Vec<f64> = (0..P - 1)
        .map(|j| (-0.3 + 0.6 * j as f64 / (P - 2) as f64) / (P as f64).sqrt())
        .collect();
    let mut x = Vec::with_capacity(n * P);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        x.push(1.0);
        let mut eta = 0.0;
        for b in &beta {
            let z: f64 = StandardNormal.sample(&mut rng);
            x.push(z);
            eta += b * z;
        }
        let v = match case {
            "linear" => 1.0 + eta + Distribution::<f64>::sample(&StandardNormal, &mut rng),
            "logistic" => f64::from(rng.random::<f64>() < 1.0 / (1.0 + (-(0.2 + eta)).exp())),
            "poisson" => Poisson::new((0.5 + eta).exp()).unwrap().sample(&mut rng),
            "gamma" => Gamma::new(2.0, (0.5 + eta).exp() / 2.0)
                .unwrap()
                .sample(&mut rng),
            _ => {
                let g: f64 = Gamma::new(1.0, 1.0).unwrap().sample(&mut rng);
                Poisson::new(((0.5 + eta).exp() * g).max(1e-12))
                    .unwrap()
                    .sample(&mut rng)
            }
        };
        y.push(v);
    }
    (x, y)
}

fn family_of(case: &str) -> (Family, Option<Link>) {
    match case {
        "linear" => (Family::Gaussian, None),
        "logistic" => (Family::Binomial, None),
        "poisson" => (Family::Poisson, None),
        "gamma" => (Family::Gamma, Some(Link::Log)),
        _ => (Family::NegativeBinomial { alpha: 1.0 }, None),
    }
}

fn bench(c: &mut Criterion) {
    for case in CASES {
        let mut g = c.benchmark_group(case);
        g.sample_size(10);
        for n in SIZES {
            let (x, y) = data(case, n);
            let (family, link) = family_of(case);
            let mut opts = GlmOptions::new(family);
            opts.link = link;
            g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                // Building the data (validation, layout, rank check) is part
                // of a fit from the user's arrays.
                b.iter(|| {
                    let d = GlmData::builder(&y, &x, n, P).build(family).unwrap();
                    let r = if case == "nb_mle" {
                        fit_nb_mle(&d, &opts)
                    } else {
                        fit(&d, &opts)
                    }
                    .unwrap();
                    assert!(r.converged);
                    r.deviance
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
