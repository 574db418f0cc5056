//! Rosenbrock 50-D, unbounded and with active bounds, on a reused minimiser.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ns_core::Objective;
use ns_optim::Lbfgsb;

struct Rosenbrock(usize);

impl Objective for Rosenbrock {
    fn dim(&self) -> usize {
        self.0
    }
    fn value(&mut self, x: &[f64]) -> f64 {
        (0..self.0 - 1)
            .map(|i| 100.0 * (x[i + 1] - x[i] * x[i]).powi(2) + (1.0 - x[i]).powi(2))
            .sum()
    }
    fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g.fill(0.0);
        let mut f = 0.0;
        for i in 0..self.0 - 1 {
            let t = x[i + 1] - x[i] * x[i];
            let u = 1.0 - x[i];
            f += 100.0 * t * t + u * u;
            g[i] += -400.0 * t * x[i] - 2.0 * u;
            g[i + 1] += 200.0 * t;
        }
        f
    }
}

fn bench(c: &mut Criterion) {
    let n = 50;
    let x0 = vec![0.0; n];
    let fixed = vec![false; n];
    let mut opt = Lbfgsb::default();
    let mut obj = Rosenbrock(n);
    let (lo, hi) = (vec![-1e10; n], vec![1e10; n]);
    c.bench_function("rosenbrock50_unbounded", |b| {
        b.iter(|| opt.minimize(&mut obj, black_box(&x0), &lo, &hi, &fixed))
    });
    let lo = vec![-2.0; n];
    let hi: Vec<f64> = (0..n).map(|i| if i % 5 == 0 { 0.8 } else { 2.0 }).collect();
    c.bench_function("rosenbrock50_bounded", |b| {
        b.iter(|| opt.minimize(&mut obj, black_box(&x0), &lo, &hi, &fixed))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
