//! Toy generation alone: one pseudo-experiment (`PseudoData::sample_into`,
//! main bins Poisson, auxiliary data from each constraint) at the suggested
//! init, and the Asimov dataset, on the shared fixtures.
//! Run: `cargo bench -p ns-histfactory --bench toys` (add `-- --quick` for a smoke run).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::{Model, PseudoData};
use ns_histfactory::{BuildOptions, HistFactoryModel};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const FIXTURES: [(&str, &str); 5] = [
    ("simple", "simple_workspace.json"),
    ("complex", "complex_workspace.json"),
    ("godrun", "godrun_workspace.json"),
    ("tHu", "workspace_tHu.json"),
    ("tttt", "tttt-prod_workspace.json"),
];

/// Seed of the generator; the stream continues across iterations, so every
/// iteration draws a fresh toy (as a toy loop does).
const SEED: u64 = 20_240_101;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("toys");
    for (name, file) in FIXTURES {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(file);
        let m = HistFactoryModel::from_path(&path, &BuildOptions::default()).unwrap();
        let x = m.suggested_init().to_vec();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
        let mut data = m.observed().clone();
        group.bench_function(format!("sample_into/{name}"), |b| {
            b.iter(|| m.sample_into(black_box(&x), &mut rng, &mut data))
        });
        group.bench_function(format!("asimov/{name}"), |b| {
            b.iter(|| m.asimov(black_box(&x)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
