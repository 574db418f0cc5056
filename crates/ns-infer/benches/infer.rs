//! Inference benchmarks (issues 3 and 5): asymptotic hypotest, 21-point
//! profile scan and ranking on every fixture (simple, complex, godrun, tHu,
//! tttt-prod; ranking on all cores), upper limit on tHu; per-toy cost (one
//! s+b + one b-only toy, 4 fits) on godrun, tHu and tttt-prod, through
//! `hypotest_toys` on one thread.
//! Run: `cargo bench -p ns-infer --bench infer` (`-- --quick` for a smoke run).
//! The God Run itself (10,000 + 10,000 toys) is
//! `cargo run --release -p ns-infer --example godrun -- 10000 2`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::intervals::{TOMS748_ATOL, TOMS748_RTOL};
use ns_infer::{AsymptoticCalculator, FitOptions, TestStatistic, ToyOptions};

fn load(file: &str) -> HistFactoryModel {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(file);
    HistFactoryModel::from_path(&path, &BuildOptions::default()).unwrap()
}

fn bench(c: &mut Criterion) {
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("infer");
    g.sample_size(10);
    let thu = load("workspace_tHu.json");
    let opts = FitOptions::default();
    g.bench_function("tHu/hypotest_asymptotic", |b| {
        b.iter(|| {
            ns_infer::hypotest(&thu, thu.observed(), 1.0, &opts, TestStatistic::Qtilde).unwrap()
        })
    });
    let mus = ns_infer::scan::linspace(0.0, 5.0, 21);
    g.bench_function("tHu/scan_21pt", |b| {
        b.iter(|| {
            ns_infer::profile_scan(&thu, thu.observed(), black_box(&mus), &opts, None).unwrap()
        })
    });
    g.bench_function("tHu/upper_limit_toms748", |b| {
        b.iter(|| {
            let calc =
                AsymptoticCalculator::new(&thu, thu.observed(), &opts, TestStatistic::Qtilde)
                    .unwrap();
            ns_infer::upper_limit_toms748(&calc, 0.01, 1.0, 0.05, TOMS748_ATOL, TOMS748_RTOL)
                .unwrap()
        })
    });
    for (name, file) in [
        ("simple", "simple_workspace.json"),
        ("complex", "complex_workspace.json"),
        ("godrun", "godrun_workspace.json"),
        ("tttt", "tttt-prod_workspace.json"),
    ] {
        let m = load(file);
        g.bench_function(format!("{name}/hypotest_asymptotic"), |b| {
            b.iter(|| {
                ns_infer::hypotest(&m, m.observed(), 1.0, &opts, TestStatistic::Qtilde).unwrap()
            })
        });
        g.bench_function(format!("{name}/scan_21pt"), |b| {
            b.iter(|| {
                ns_infer::profile_scan(&m, m.observed(), black_box(&mus), &opts, None).unwrap()
            })
        });
    }
    for (name, file) in [
        ("simple", "simple_workspace.json"),
        ("complex", "complex_workspace.json"),
        ("godrun", "godrun_workspace.json"),
        ("tHu", "workspace_tHu.json"),
        ("tttt", "tttt-prod_workspace.json"),
    ] {
        let m = load(file);
        let prefit: Vec<Option<f64>> = (0..m.n_params())
            .map(|i| m.constraint_width(i).map(|(_, w)| w))
            .collect();
        g.bench_function(format!("{name}/ranking"), |b| {
            b.iter(|| ns_infer::ranking(&m, m.observed(), &opts, &prefit, None).unwrap())
        });
    }
    for (name, file, n) in [
        ("godrun", "godrun_workspace.json", 50),
        ("tHu", "workspace_tHu.json", 4),
        ("tttt", "tttt-prod_workspace.json", 4),
    ] {
        let m = load(file);
        let toy = ToyOptions {
            n_toys: n,
            seed: 1,
            ..Default::default()
        };
        g.bench_function(format!("{name}/toys_x{n}_1thread"), |b| {
            b.iter(|| {
                one.install(|| ns_infer::hypotest_toys(&m, m.observed(), 1.0, &opts, &toy).unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
