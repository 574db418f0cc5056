//! Stan's warm-up: Nesterov dual averaging of `log ε` towards a target
//! acceptance (Hoffman & Gelman 2014, §3.2) and the windowed estimation of
//! the inverse mass matrix (fast interval, doubling slow windows, terminal
//! fast interval), regularised towards `1e-3 I` as Stan does.

use crate::hamiltonian::Metric;

/// Dual averaging of `log ε` (Stan's `stepsize_adaptation`).
#[derive(Debug, Clone)]
pub(crate) struct DualAveraging {
    counter: f64,
    s_bar: f64,
    x_bar: f64,
    mu: f64,
    delta: f64,
    gamma: f64,
    kappa: f64,
    t0: f64,
}

impl DualAveraging {
    /// Target acceptance `delta`, Stan's defaults γ = 0.05, κ = 0.75, t₀ = 10.
    pub(crate) fn new(delta: f64, mu: f64) -> Self {
        Self {
            counter: 0.0,
            s_bar: 0.0,
            x_bar: 0.0,
            mu,
            delta,
            gamma: 0.05,
            kappa: 0.75,
            t0: 10.0,
        }
    }

    pub(crate) fn set_mu(&mut self, mu: f64) {
        self.mu = mu;
    }

    pub(crate) fn restart(&mut self) {
        self.counter = 0.0;
        self.s_bar = 0.0;
        self.x_bar = 0.0;
    }

    /// One update from the transition's acceptance statistic.
    pub(crate) fn learn(&mut self, eps: &mut f64, accept_stat: f64) {
        self.counter += 1.0;
        let a = accept_stat.min(1.0);
        let eta = 1.0 / (self.counter + self.t0);
        self.s_bar = (1.0 - eta) * self.s_bar + eta * (self.delta - a);
        let x = self.mu - self.s_bar * self.counter.sqrt() / self.gamma;
        let x_eta = self.counter.powf(-self.kappa);
        self.x_bar = (1.0 - x_eta) * self.x_bar + x_eta * x;
        *eps = x.exp();
    }

    /// The final step size `exp(x̄)`.
    pub(crate) fn final_stepsize(&self) -> f64 {
        self.x_bar.exp()
    }
}

/// Stan's `windowed_adaptation` schedule.
#[derive(Debug, Clone)]
pub(crate) struct Windows {
    enabled: bool,
    num_warmup: usize,
    init_buffer: usize,
    term_buffer: usize,
    counter: usize,
    next_window: usize,
    window_size: usize,
}

impl Windows {
    /// Buffers 75 / 25 (doubling) / 50 by default; when they do not fit,
    /// Stan's 15% / 75% / 10% split; no metric adaptation below 20 warm-up
    /// iterations.
    pub(crate) fn new(num_warmup: usize, init: usize, term: usize, base: usize) -> Self {
        let (enabled, init, term, base) = if num_warmup < 20 {
            (false, 0, 0, 0)
        } else if init + base + term > num_warmup {
            let i = (0.15 * num_warmup as f64) as usize;
            let t = (0.10 * num_warmup as f64) as usize;
            (true, i, t, num_warmup - (i + t))
        } else {
            (true, init, term, base)
        };
        Self {
            enabled,
            num_warmup,
            init_buffer: init,
            term_buffer: term,
            counter: 0,
            next_window: (init + base).wrapping_sub(1),
            window_size: base,
        }
    }

    fn end_of_slow(&self) -> usize {
        self.num_warmup - self.term_buffer
    }

    fn in_window(&self) -> bool {
        self.enabled
            && self.counter >= self.init_buffer
            && self.counter < self.end_of_slow()
            && self.counter != self.num_warmup
    }

    fn end_window(&self) -> bool {
        self.enabled && self.counter == self.next_window && self.counter != self.num_warmup
    }

    fn compute_next_window(&mut self) {
        let last = self.end_of_slow() - 1;
        if self.next_window == last {
            return;
        }
        self.window_size *= 2;
        self.next_window = self.counter + self.window_size;
        if self.next_window == last {
            return;
        }
        // Stretch this window to the end when the following one would not fit.
        if self.next_window + 2 * self.window_size >= self.end_of_slow() {
            self.next_window = last;
        }
    }
}

/// Welford accumulation of the mean and (co)variance of the draws.
#[derive(Debug, Clone)]
struct Welford {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
    dense: bool,
    delta: Vec<f64>,
}

impl Welford {
    fn new(d: usize, dense: bool) -> Self {
        Self {
            n: 0.0,
            mean: vec![0.0; d],
            m2: vec![0.0; if dense { d * d } else { d }],
            dense,
            delta: vec![0.0; d],
        }
    }

    fn restart(&mut self) {
        self.n = 0.0;
        self.mean.fill(0.0);
        self.m2.fill(0.0);
    }

    fn add(&mut self, q: &[f64]) {
        self.n += 1.0;
        let d = q.len();
        for ((dl, m), x) in self.delta.iter_mut().zip(&mut self.mean).zip(q) {
            *dl = x - *m;
            *m += *dl / self.n;
        }
        if self.dense {
            for (i, row) in self.m2.chunks_mut(d).enumerate() {
                let a = q[i] - self.mean[i];
                for (m2, dl) in row.iter_mut().zip(&self.delta) {
                    *m2 += a * dl;
                }
            }
        } else {
            for ((m2, dl), (x, m)) in self
                .m2
                .iter_mut()
                .zip(&self.delta)
                .zip(q.iter().zip(&self.mean))
            {
                *m2 += dl * (x - m);
            }
        }
    }
}

/// Windowed estimation of `M⁻¹` from the warm-up draws.
#[derive(Debug, Clone)]
pub(crate) struct MetricAdaptation {
    windows: Windows,
    est: Welford,
}

impl MetricAdaptation {
    pub(crate) fn new(d: usize, dense: bool, windows: Windows) -> Self {
        Self {
            windows,
            est: Welford::new(d, dense),
        }
    }

    /// Feed one warm-up draw; at the end of a slow window return the new
    /// metric `(n/(n+5)) Σ̂ + 1e-3 (5/(n+5)) I` (`Err(())` on overflow).
    pub(crate) fn learn(&mut self, q: &[f64]) -> Result<Option<Metric>, ()> {
        if self.windows.in_window() {
            self.est.add(q);
        }
        let mut out = None;
        if self.windows.end_window() {
            self.windows.compute_next_window();
            let d = q.len();
            let n = self.est.n;
            let shrink = n / (n + 5.0);
            let reg = 1e-3 * (5.0 / (n + 5.0));
            let mut m: Vec<f64> = self.est.m2.iter().map(|v| shrink * v / (n - 1.0)).collect();
            if self.est.dense {
                for i in 0..d {
                    m[i * d + i] += reg;
                }
            } else {
                for v in &mut m {
                    *v += reg;
                }
            }
            if m.iter().any(|v| !v.is_finite()) {
                return Err(());
            }
            out = Some(if self.est.dense {
                Metric::dense(m, d).ok_or(())?
            } else {
                Metric::Diag(m)
            });
            self.est.restart();
        }
        self.windows.counter += 1;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_ends(n: usize) -> Vec<usize> {
        let mut w = MetricAdaptation::new(1, false, Windows::new(n, 75, 50, 25));
        (0..n)
            .filter(|&i| w.learn(&[i as f64 * 0.37 % 1.0]).unwrap().is_some())
            .collect()
    }

    #[test]
    fn stan_window_schedule() {
        // Stan with 1000 warm-up iterations: windows end at 100, 150, 250, 450, 950.
        assert_eq!(window_ends(1000), vec![99, 149, 249, 449, 949]);
        // 150 = 75 + 25 + 50 exactly: one slow window.
        assert_eq!(window_ends(150), vec![99]);
        // 100 does not fit: 15/75/10 -> one window [15, 90).
        assert_eq!(window_ends(100), vec![89]);
        assert!(window_ends(19).is_empty());
    }

    #[test]
    fn regularised_variance_matches_formula() {
        let mut w = MetricAdaptation::new(2, false, Windows::new(150, 75, 50, 25));
        let mut dense = MetricAdaptation::new(2, true, Windows::new(150, 75, 50, 25));
        let xs: Vec<[f64; 2]> = (0..150)
            .map(|i| [(i as f64 * 0.7).sin(), (i as f64 * 1.3).cos() * 3.0])
            .collect();
        let mut got = None;
        let mut got_dense = None;
        for x in &xs {
            if let Some(m) = w.learn(x).unwrap() {
                got = Some(m);
            }
            if let Some(m) = dense.learn(x).unwrap() {
                got_dense = Some(m);
            }
        }
        // The window holds draws 75..=99 (n = 25).
        let win = &xs[75..100];
        let n = win.len() as f64;
        let mean: Vec<f64> = (0..2)
            .map(|j| win.iter().map(|x| x[j]).sum::<f64>() / n)
            .collect();
        let cov = |a: usize, b: usize| {
            win.iter()
                .map(|x| (x[a] - mean[a]) * (x[b] - mean[b]))
                .sum::<f64>()
                / (n - 1.0)
        };
        let reg = |v: f64| n / (n + 5.0) * v + 1e-3 * 5.0 / (n + 5.0);
        let Some(Metric::Diag(d)) = got else { panic!() };
        assert!((d[0] - reg(cov(0, 0))).abs() < 1e-14 && (d[1] - reg(cov(1, 1))).abs() < 1e-13);
        let Some(Metric::Dense { inv, .. }) = got_dense else {
            panic!()
        };
        assert!((inv[1] - n / (n + 5.0) * cov(0, 1)).abs() < 1e-14);
        assert!((inv[3] - reg(cov(1, 1))).abs() < 1e-13);
    }

    #[test]
    fn dual_averaging_moves_towards_target() {
        let mut da = DualAveraging::new(0.8, (10.0f64).ln());
        let mut eps = 1.0;
        da.learn(&mut eps, 0.2);
        let low = eps;
        da.restart();
        da.learn(&mut eps, 1.0);
        assert!(eps > low, "higher acceptance, larger step");
        // Hand-computed first update: s̄ = (0.8 - 0.2)/11, x = μ - s̄/0.05.
        let want = ((10.0f64).ln() - (0.6 / 11.0) / 0.05).exp();
        assert!((low - want).abs() < 1e-14);
    }
}
