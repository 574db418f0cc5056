//! The iteration loop does not allocate: once the buffers are sized, a fit
//! allocates exactly the two result vectors (`x`, `grad`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ns_core::Objective;
use ns_optim::Lbfgsb;

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.with(|c| c.set(c.get() + 1));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

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

#[test]
fn second_fit_allocates_only_the_result() {
    let n = 30;
    let x0 = vec![0.0; n];
    let lo = vec![-2.0; n];
    let hi: Vec<f64> = (0..n).map(|i| if i % 4 == 0 { 0.9 } else { 2.0 }).collect();
    let fixed: Vec<bool> = (0..n).map(|i| i == 7).collect();
    let mut opt = Lbfgsb::default();
    let mut obj = Rosenbrock(n);
    let warm = opt.minimize(&mut obj, &x0, &lo, &hi, &fixed);
    assert!(warm.n_iter > 20);
    let before = allocs();
    let r = opt.minimize(&mut obj, &x0, &lo, &hi, &fixed);
    let used = allocs() - before;
    assert_eq!(
        used, 2,
        "allocations during a warm fit of {} iterations",
        r.n_iter
    );
    assert_eq!(r, warm);
}
