//! Evaluate NLL+gradient in a loop, for profiling:
//! `cargo run --release -p ns-histfactory --example eval_loop -- tests/fixtures/workspace_tHu.json 20000`

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: eval_loop WORKSPACE [N]");
    let n: usize = args.next().map(|s| s.parse().expect("N")).unwrap_or(10_000);
    let m =
        HistFactoryModel::from_path(path.as_ref(), &BuildOptions::default()).expect("workspace");
    let mut scratch = m.new_scratch();
    let mut grad = vec![0.0; m.n_params()];
    let x = m.suggested_init().to_vec();
    let t0 = std::time::Instant::now();
    let mut acc = 0.0;
    for _ in 0..n {
        acc += m.nll_grad(m.observed(), &x, &mut grad, &mut scratch);
    }
    let dt = t0.elapsed().as_secs_f64() / n as f64;
    let t0 = std::time::Instant::now();
    for _ in 0..n {
        acc += m.nll(m.observed(), &x, &mut scratch);
    }
    let dt_nll = t0.elapsed().as_secs_f64() / n as f64;
    println!(
        "{:.3} µs per nll_grad, {:.3} µs per nll (checksum {acc})",
        dt * 1e6,
        dt_nll * 1e6
    );
}
