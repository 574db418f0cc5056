//! Euclidean Hamiltonian: `H(q, p) = -log p(q) + ½ pᵀ M⁻¹ p`, the leapfrog
//! integrator and momentum resampling (Stan's `diag_e` / `dense_e` metrics).

use crate::posterior::LogDensity;
use rand::RngExt;
use rand_distr::StandardNormal;

/// The inverse mass matrix `M⁻¹` (Stan's `inv_metric`).
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    /// Diagonal `M⁻¹`.
    Diag(Vec<f64>),
    /// Dense `M⁻¹` (row-major `dim × dim`) with its lower Cholesky factor.
    Dense {
        /// `M⁻¹`, row-major.
        inv: Vec<f64>,
        /// Lower-triangular `L` with `L Lᵀ = M⁻¹`, row-major.
        chol: Vec<f64>,
    },
}

/// Lower Cholesky factor of a symmetric positive-definite row-major matrix;
/// `None` when it is not positive definite.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= l[i * n + k] * l[j * n + k];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * n + i] = s.sqrt();
            } else {
                l[i * n + j] = s / l[j * n + j];
            }
        }
    }
    Some(l)
}

impl Metric {
    /// Unit diagonal metric.
    pub fn unit(dim: usize) -> Self {
        Metric::Diag(vec![1.0; dim])
    }

    /// A dense metric from `M⁻¹`; `None` when it is not positive definite.
    pub fn dense(inv: Vec<f64>, dim: usize) -> Option<Self> {
        let chol = cholesky(&inv, dim)?;
        Some(Metric::Dense { inv, chol })
    }

    /// `p♯ = M⁻¹ p` (Stan's `dtau_dp`).
    #[inline]
    pub fn p_sharp(&self, p: &[f64], out: &mut [f64]) {
        match self {
            Metric::Diag(d) => {
                for i in 0..p.len() {
                    out[i] = d[i] * p[i];
                }
            }
            Metric::Dense { inv, .. } => {
                let n = p.len();
                for i in 0..n {
                    let row = &inv[i * n..(i + 1) * n];
                    out[i] = row.iter().zip(p).map(|(a, b)| a * b).sum();
                }
            }
        }
    }

    /// Kinetic energy `½ pᵀ M⁻¹ p`.
    #[inline]
    pub fn kinetic(&self, p: &[f64]) -> f64 {
        match self {
            Metric::Diag(d) => 0.5 * p.iter().zip(d).map(|(p, d)| d * p * p).sum::<f64>(),
            Metric::Dense { inv, .. } => {
                let n = p.len();
                let mut s = 0.0;
                for i in 0..n {
                    let row = &inv[i * n..(i + 1) * n];
                    s += p[i] * row.iter().zip(p).map(|(a, b)| a * b).sum::<f64>();
                }
                0.5 * s
            }
        }
    }

    /// Draw `p ~ N(0, M)`: `p = z / √d` (diagonal) or solve `Lᵀ p = z` (dense).
    pub fn sample_p<R: rand::Rng + ?Sized>(&self, rng: &mut R, p: &mut [f64]) {
        for pi in p.iter_mut() {
            *pi = rng.sample(StandardNormal);
        }
        match self {
            Metric::Diag(d) => {
                for (pi, di) in p.iter_mut().zip(d) {
                    *pi /= di.sqrt();
                }
            }
            Metric::Dense { chol, .. } => {
                let n = p.len();
                for i in (0..n).rev() {
                    let mut s = p[i];
                    for k in i + 1..n {
                        s -= chol[k * n + i] * p[k];
                    }
                    p[i] = s / chol[i * n + i];
                }
            }
        }
    }
}

/// A point in phase space with its cached log-density and gradient.
#[derive(Debug, Clone, PartialEq)]
pub struct PhasePoint {
    /// Position (unconstrained).
    pub q: Vec<f64>,
    /// Momentum.
    pub p: Vec<f64>,
    /// Gradient of `log p` at `q`.
    pub grad: Vec<f64>,
    /// `log p(q)`.
    pub logp: f64,
}

impl PhasePoint {
    /// A zero point of dimension `dim`.
    pub fn zeros(dim: usize) -> Self {
        Self {
            q: vec![0.0; dim],
            p: vec![0.0; dim],
            grad: vec![0.0; dim],
            logp: 0.0,
        }
    }

    /// Copy `other` into `self` without allocating.
    #[inline]
    pub fn copy_from(&mut self, other: &PhasePoint) {
        self.q.copy_from_slice(&other.q);
        self.p.copy_from_slice(&other.p);
        self.grad.copy_from_slice(&other.grad);
        self.logp = other.logp;
    }
}

/// The Hamiltonian system of one chain: target, its scratch, the metric.
pub struct Hamiltonian<'a, T: LogDensity> {
    target: &'a T,
    scratch: T::Scratch,
    /// The current metric.
    pub metric: Metric,
    tmp: Vec<f64>,
}

impl<'a, T: LogDensity> Hamiltonian<'a, T> {
    /// A system with a unit diagonal metric.
    pub fn new(target: &'a T) -> Self {
        let d = target.dim();
        Self {
            target,
            scratch: target.new_scratch(),
            metric: Metric::unit(d),
            tmp: vec![0.0; d],
        }
    }

    /// The target density.
    pub fn target(&self) -> &'a T {
        self.target
    }

    /// Recompute `logp` and `grad` at `z.q`; NaN becomes `-inf`.
    pub fn update_potential(&mut self, z: &mut PhasePoint) {
        let lp = self.target.logp_grad(&z.q, &mut z.grad, &mut self.scratch);
        z.logp = if lp.is_nan() { f64::NEG_INFINITY } else { lp };
    }

    /// `H(z) = -log p + ½ pᵀ M⁻¹ p`.
    #[inline]
    pub fn energy(&self, z: &PhasePoint) -> f64 {
        -z.logp + self.metric.kinetic(&z.p)
    }

    /// One leapfrog step of size `eps` (negative: backwards in time).
    pub fn leapfrog(&mut self, z: &mut PhasePoint, eps: f64) {
        let half = 0.5 * eps;
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
        self.metric.p_sharp(&z.p, &mut self.tmp);
        for (q, v) in z.q.iter_mut().zip(&self.tmp) {
            *q += eps * v;
        }
        self.update_potential(z);
        for (p, g) in z.p.iter_mut().zip(&z.grad) {
            *p += half * g;
        }
    }
}

/// `log(exp(a) + exp(b))` with `-inf` handled (Stan's `log_sum_exp`).
#[inline]
pub(crate) fn log_sum_exp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    if a > b {
        a + (b - a).exp().ln_1p()
    } else {
        b + (a - b).exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn dense_momentum_has_covariance_m() {
        // M⁻¹ = [[2, 0.6], [0.6, 1]]  =>  Cov(p) = M = inv(M⁻¹).
        let inv = vec![2.0, 0.6, 0.6, 1.0];
        let m = Metric::dense(inv.clone(), 2).unwrap();
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(1);
        let n = 200_000;
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        let mut p = [0.0; 2];
        for _ in 0..n {
            m.sample_p(&mut rng, &mut p);
            s00 += p[0] * p[0];
            s01 += p[0] * p[1];
            s11 += p[1] * p[1];
        }
        let det = 2.0 - 0.36;
        let want = [1.0 / det, -0.6 / det, 2.0 / det];
        let got = [s00 / n as f64, s01 / n as f64, s11 / n as f64];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 0.01, "{got:?} vs {want:?}");
        }
        // Kinetic energy agrees with the diagonal formula on a diagonal matrix.
        let d = Metric::Diag(vec![2.0, 0.5]);
        let dd = Metric::dense(vec![2.0, 0.0, 0.0, 0.5], 2).unwrap();
        assert!((d.kinetic(&[0.3, -1.2]) - dd.kinetic(&[0.3, -1.2])).abs() < 1e-15);
    }

    #[test]
    fn log_sum_exp_handles_infinities() {
        assert_eq!(log_sum_exp(f64::NEG_INFINITY, 1.5), 1.5);
        assert_eq!(log_sum_exp(1.5, f64::NEG_INFINITY), 1.5);
        assert!((log_sum_exp(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
    }
}
