//! Maximum-likelihood fit from the suggested init (no Hessian) and with
//! uncertainties, on the shared fixtures.
//! Run: `cargo bench -p ns-infer --bench mle` (add `-- --quick` for a smoke run).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::{FitOptions, Fitter};

const FIXTURES: [(&str, &str); 5] = [
    ("simple", "simple_workspace.json"),
    ("complex", "complex_workspace.json"),
    ("godrun", "godrun_workspace.json"),
    ("tHu", "workspace_tHu.json"),
    ("tttt", "tttt-prod_workspace.json"),
];

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("mle");
    group.sample_size(10);
    for (name, file) in FIXTURES {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(file);
        let m = HistFactoryModel::from_path(&path, &BuildOptions::default()).unwrap();
        let mut fitter = Fitter::default();
        let plain = FitOptions::default();
        let with_unc = FitOptions::with_uncertainties();
        group.bench_function(format!("fit/{name}"), |b| {
            b.iter(|| fitter.fit(&m, black_box(m.observed()), &plain).unwrap())
        });
        group.bench_function(format!("fit_with_uncertainties/{name}"), |b| {
            b.iter(|| fitter.fit(&m, black_box(m.observed()), &with_unc).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
