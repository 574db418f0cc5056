//! NLL and NLL+gradient at the suggested init on the shared fixtures.
//! Run: `cargo bench -p ns-histfactory --bench nll` (add `-- --quick` for a smoke run).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};

const FIXTURES: [(&str, &str); 5] = [
    ("simple", "simple_workspace.json"),
    ("complex", "complex_workspace.json"),
    ("godrun", "godrun_workspace.json"),
    ("tHu", "workspace_tHu.json"),
    ("tttt", "tttt-prod_workspace.json"),
];

fn load(file: &str) -> HistFactoryModel {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    HistFactoryModel::from_path(&path, &BuildOptions::default()).expect("fixture builds")
}

fn bench(c: &mut Criterion) {
    for (name, file) in FIXTURES {
        let m = load(file);
        let x = m.suggested_init().to_vec();
        let mut scratch = m.new_scratch();
        let mut grad = vec![0.0; m.n_params()];
        let data = m.observed().clone();
        c.bench_function(&format!("nll/{name}"), |b| {
            b.iter(|| m.nll(black_box(&data), black_box(&x), &mut scratch))
        });
        c.bench_function(&format!("nll_grad/{name}"), |b| {
            b.iter(|| m.nll_grad(black_box(&data), black_box(&x), &mut grad, &mut scratch))
        });
    }
    let tthu =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/workspace_tHu.json");
    c.bench_function("parse_and_build/tHu", |b| {
        b.iter(|| HistFactoryModel::from_path(black_box(&tthu), &BuildOptions::default()).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
