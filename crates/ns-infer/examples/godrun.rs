//! The God Run: CLs at mu = 1 from toys on godrun_workspace.json.
//!
//! `cargo run --release -p ns-infer --example godrun -- [N_TOYS] [THREADS] [SEED] [WORKSPACE]`

use std::time::Instant;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel};
use ns_infer::{FitOptions, ToyOptions, hypotest_toys};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n_toys: usize = args.get(1).map_or(10_000, |s| s.parse().unwrap());
    let threads: usize = args.get(2).map_or(0, |s| s.parse().unwrap());
    let seed: u64 = args.get(3).map_or(42, |s| s.parse().unwrap());
    let ws = args.get(4).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/godrun_workspace.json"
        )
        .into()
    });
    let t0 = Instant::now();
    let m = HistFactoryModel::from_path(ws.as_ref(), &BuildOptions::default()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    // Optional looser toy-fit tolerances, for the tolerance study in
    // docs/benchmarks.md: NS_TOY_PGTOL, NS_TOY_FTOL.
    let env = |k: &str| std::env::var(k).ok().map(|v| v.parse::<f64>().unwrap());
    let toy_optimizer = match (env("NS_TOY_PGTOL"), env("NS_TOY_FTOL")) {
        (None, None) => None,
        (p, f) => {
            let d = ns_optim::LbfgsbOptions::default();
            Some(ns_optim::LbfgsbOptions {
                pgtol: p.unwrap_or(d.pgtol),
                ftol: f.unwrap_or(d.ftol),
                ..d
            })
        }
    };
    let toy = ToyOptions {
        n_toys,
        seed,
        toy_optimizer,
        ..Default::default()
    };
    if std::env::var("NS_PROBE").is_ok() {
        use ns_core::PseudoData;
        let mut sc = m.new_scratch();
        let x = m.suggested_init().to_vec();
        let mut g = vec![0.0; x.len()];
        let t = Instant::now();
        for _ in 0..10000 {
            std::hint::black_box(m.nll_grad(m.observed(), &x, &mut g, &mut sc));
        }
        println!("nll_grad: {:.2} us", t.elapsed().as_secs_f64() * 1e6 / 1e4);
        let fit = ns_infer::fit_fixed_poi(&m, m.observed(), 1.0, &FitOptions::default()).unwrap();
        let mut data = m.observed().clone();
        let mut f = ns_infer::Fitter::default();
        let (mut it, mut ev, mut k) = (0, 0, 0);
        let t = Instant::now();
        for i in 0..200 {
            let mut rng = ns_infer::toys::toy_rng(1, 0, i);
            m.sample_into(&fit.bestfit, &mut rng, &mut data);
            let o = FitOptions {
                init: Some(fit.bestfit.clone()),
                ..Default::default()
            };
            let r = f.fit(&m, &data, &o).unwrap();
            it += r.n_iter;
            ev += r.n_eval;
            k += 1;
        }
        println!(
            "free toy fit: {:.1} iter, {:.1} evals, {:.1} us",
            it as f64 / k as f64,
            ev as f64 / k as f64,
            t.elapsed().as_secs_f64() * 1e6 / k as f64
        );
    }
    let t1 = Instant::now();
    let r = pool
        .install(|| hypotest_toys(&m, m.observed(), 1.0, &FitOptions::default(), &toy))
        .unwrap();
    let dt = t1.elapsed().as_secs_f64();
    let hash =
        r.sb.test_stats
            .iter()
            .chain(&r.b.test_stats)
            .fold(0u64, |h, v| h.rotate_left(5) ^ v.to_bits());
    println!(
        "{} params, {} toys x 2, threads {}: {:.3} s toys ({:.3} s total); {:.1} us/fit",
        m.n_params(),
        n_toys,
        pool.current_num_threads(),
        dt,
        t0.elapsed().as_secs_f64(),
        dt * 1e6 / (4 * n_toys) as f64
    );
    println!(
        "CLs obs {:.6} (CLs+b {:.6}, CLb {:.6}), q_obs {:.6}; exp {:?}",
        r.cls_obs, r.clsb_obs, r.clb_obs, r.q_obs, r.cls_exp
    );
    println!(
        "failed: s+b {} b {}; test-stat hash {hash:016x}",
        r.sb.n_failed, r.b.n_failed
    );
}
