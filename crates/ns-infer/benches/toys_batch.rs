//! A batch of maximum-likelihood fits over toy datasets, on the shared
//! fixtures: 32 toys drawn once (`PseudoData::sample_into`, seeded
//! Xoshiro256PlusPlus) at the best fit to the observed data, then each
//! iteration fits all 32 in sequence with one reusable [`Fitter`] (one thread,
//! no Hessian). Toy generation alone is benched in ns-histfactory (`toys`).
//! Run: `cargo bench -p ns-infer --bench toys_batch` (add `-- --quick` for a smoke run).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::{Model, PseudoData};
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::{FitOptions, Fitter};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const FIXTURES: [(&str, &str); 5] = [
    ("simple", "simple_workspace.json"),
    ("complex", "complex_workspace.json"),
    ("godrun", "godrun_workspace.json"),
    ("tHu", "workspace_tHu.json"),
    ("tttt", "tttt-prod_workspace.json"),
];

const N_TOYS: usize = 32;
const SEED: u64 = 20_240_101;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("toys_batch");
    group.sample_size(10);
    for (name, file) in FIXTURES {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(file);
        let m = HistFactoryModel::from_path(&path, &BuildOptions::default()).unwrap();
        let opts = FitOptions::default();
        let mut fitter = Fitter::default();
        let gen_pars = fitter.fit(&m, m.observed(), &opts).unwrap().bestfit;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
        let toys: Vec<_> = (0..N_TOYS)
            .map(|_| {
                let mut d = m.observed().clone();
                m.sample_into(&gen_pars, &mut rng, &mut d);
                d
            })
            .collect();
        group.bench_function(format!("fit_{N_TOYS}_toys/{name}"), |b| {
            b.iter(|| {
                let mut sum = 0.0;
                for d in &toys {
                    sum += fitter.fit(&m, black_box(d), &opts).unwrap().nll;
                }
                sum
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
