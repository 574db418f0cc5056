//! Reading a flat f64 branch: open + tree metadata + every entry.
//!
//! Always: the committed 40-basket fixture (fixed costs dominate). With
//! `NS_ROOT_BENCH_FILES=a.root,b.root` (written by scripts/bench_root.py):
//! tree `t`, branch `x` of each file, which the script compares with uproot.

use criterion::{Criterion, criterion_group, criterion_main};
use ns_root::RootFile;
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn read(path: &Path, tree: &str, branch: &str) -> usize {
    let f = RootFile::open(path).unwrap();
    let t = f.tree(tree).unwrap();
    t.array::<f64>(branch, ..).unwrap().len()
}

fn bench(c: &mut Criterion) {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/root/uproot_many.root");
    c.bench_function("read_f64/uproot_many", |b| {
        b.iter(|| black_box(read(&fixture, "many", "f8")))
    });
    if let Ok(files) = std::env::var("NS_ROOT_BENCH_FILES") {
        for p in files.split(',').filter(|s| !s.is_empty()) {
            let path = PathBuf::from(p);
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            c.bench_function(&format!("read_f64/{stem}"), |b| {
                b.iter(|| black_box(read(&path, "t", "x")))
            });
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
