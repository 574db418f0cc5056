//! One NUTS transition as Stan's `base_nuts` defines it (Betancourt 2017,
//! arXiv:1701.02434, and Stan's source): a trajectory doubled in random
//! directions until the generalised no-U-turn criterion fails (also across
//! the seams of merged subtrees), multinomial sampling of the new point
//! (biased progressive at the top level, uniform progressive inside
//! subtrees), divergence when the energy error exceeds a threshold.
//!
//! Two implementations give the same draws for the same random stream:
//! [`crate::tree`] (allocation-free, used by default) and
//! [`crate::reference`] (materialises the trajectory and checks the
//! criterion on index ranges by direct sums: slow and obviously correct).

use crate::hamiltonian::{Hamiltonian, PhasePoint};
use crate::posterior::LogDensity;

/// Which tree builder runs the transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TreeBuilder {
    /// The allocation-free recursive builder.
    #[default]
    Fast,
    /// The slow reference builder (for tests).
    Reference,
}

/// What one transition reports (Stan's sampler parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Mean Metropolis acceptance over the whole trajectory (`accept_stat__`).
    pub accept_stat: f64,
    /// Tree depth reached (`treedepth__`).
    pub depth: usize,
    /// Leapfrog steps taken (`n_leapfrog__`).
    pub n_leapfrog: usize,
    /// Whether the energy error exceeded the threshold (`divergent__`).
    pub divergent: bool,
    /// Hamiltonian at the selected point (`energy__`).
    pub energy: f64,
}

/// Fixed settings of the transition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NutsSettings {
    pub max_depth: usize,
    pub max_energy_error: f64,
}

/// `p♯₋ · ρ > 0` and `p♯₊ · ρ > 0` with `ρ = r1 + r2` formed on the fly
/// (Stan's `compute_criterion`).
#[inline]
pub(crate) fn criterion(ps_minus: &[f64], ps_plus: &[f64], r1: &[f64], r2: &[f64]) -> bool {
    let (mut a, mut b) = (0.0, 0.0);
    for i in 0..r1.len() {
        let r = r1[i] + r2[i];
        a += ps_plus[i] * r;
        b += ps_minus[i] * r;
    }
    a > 0.0 && b > 0.0
}

/// Stan's `init_stepsize`: double or halve `eps` until the one-step
/// acceptance `exp(-ΔH)` crosses 0.8.
pub(crate) fn init_stepsize<T: LogDensity, R: rand::Rng + ?Sized>(
    ham: &mut Hamiltonian<'_, T>,
    rng: &mut R,
    z: &PhasePoint,
    mut eps: f64,
) -> Result<f64, &'static str> {
    if z.q.is_empty() || eps == 0.0 || eps > 1e7 || eps.is_nan() {
        return Ok(eps);
    }
    let log08 = 0.8f64.ln();
    let mut w = z.clone();
    let mut delta = |ham: &mut Hamiltonian<'_, T>, rng: &mut R, eps: f64| {
        w.copy_from(z);
        ham.metric.sample_p(rng, &mut w.p);
        let h0 = ham.energy(&w);
        ham.leapfrog(&mut w, eps);
        let mut h = ham.energy(&w);
        if h.is_nan() {
            h = f64::INFINITY;
        }
        h0 - h
    };
    let up = delta(ham, rng, eps) > log08;
    loop {
        let d = delta(ham, rng, eps);
        // NaN counts as crossing, as in Stan's `!(d > log 0.8)`.
        let crossed = if up {
            d.is_nan() || d <= log08
        } else {
            d.is_nan() || d >= log08
        };
        if crossed {
            return Ok(eps);
        }
        eps = if up { 2.0 * eps } else { 0.5 * eps };
        if eps > 1e7 {
            return Err("posterior is improper (step size above 1e7)");
        }
        if eps == 0.0 {
            return Err("no acceptably small step size (is the posterior continuous?)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Workspace;
    use rand::SeedableRng;

    /// A correlated 3-d Gaussian with mean `m`.
    struct Gauss;
    const M: [f64; 3] = [1.0, -2.0, 0.5];
    const P: [[f64; 3]; 3] = [[2.0, 0.5, 0.0], [0.5, 1.0, 0.3], [0.0, 0.3, 4.0]];
    impl LogDensity for Gauss {
        type Scratch = ();
        fn dim(&self) -> usize {
            3
        }
        fn new_scratch(&self) {}
        fn logp_grad(&self, u: &[f64], g: &mut [f64], _: &mut ()) -> f64 {
            let mut lp = 0.0;
            for i in 0..3 {
                g[i] = -(0..3).map(|j| P[i][j] * (u[j] - M[j])).sum::<f64>();
                lp += 0.5 * g[i] * (u[i] - M[i]);
            }
            lp
        }
        fn param_names(&self) -> &[String] {
            &[]
        }
        fn constrain(&self, u: &[f64], x: &mut [f64]) {
            x.copy_from_slice(u)
        }
        fn unconstrain(&self, x: &[f64]) -> crate::Result<Vec<f64>> {
            Ok(x.to_vec())
        }
    }

    fn run(
        builder: TreeBuilder,
        seed: u64,
        eps: f64,
        max_depth: usize,
    ) -> Vec<(Vec<f64>, Transition)> {
        let t = Gauss;
        let mut ham = Hamiltonian::new(&t);
        ham.metric = crate::hamiltonian::Metric::Diag(vec![0.7, 1.3, 0.4]);
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
        let mut z = PhasePoint::zeros(3);
        z.q.copy_from_slice(&[0.3, 0.1, -0.4]);
        ham.update_potential(&mut z);
        let settings = NutsSettings {
            max_depth,
            max_energy_error: 1000.0,
        };
        let mut ws = Workspace::new(3, max_depth);
        (0..300)
            .map(|_| {
                let tr = match builder {
                    TreeBuilder::Fast => ws.transition(&mut ham, &mut rng, &mut z, eps, settings),
                    TreeBuilder::Reference => {
                        crate::reference::transition(&mut ham, &mut rng, &mut z, eps, settings)
                    }
                };
                (z.q.clone(), tr)
            })
            .collect()
    }

    #[test]
    fn fast_and_reference_trees_give_identical_draws() {
        // Small steps (deep trees), large steps (divergences), a depth cap.
        for (seed, eps, depth) in [(1, 0.05, 10), (2, 0.4, 10), (3, 1.9, 10), (4, 0.02, 4)] {
            let a = run(TreeBuilder::Fast, seed, eps, depth);
            let b = run(TreeBuilder::Reference, seed, eps, depth);
            assert_eq!(a, b, "seed {seed} eps {eps}");
            let n_div = a.iter().filter(|(_, t)| t.divergent).count();
            let max_d = a.iter().map(|(_, t)| t.depth).max().unwrap();
            if eps == 1.9 {
                assert!(n_div > 0, "expected divergences at eps {eps}");
            }
            if depth == 4 {
                assert_eq!(max_d, 4, "the depth cap is reached");
            }
        }
    }

    #[test]
    fn init_stepsize_brackets_acceptance() {
        let t = Gauss;
        let mut ham = Hamiltonian::new(&t);
        let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(9);
        let mut z = PhasePoint::zeros(3);
        ham.update_potential(&mut z);
        let eps = init_stepsize(&mut ham, &mut rng, &z, 1.0).unwrap();
        assert!(eps > 0.01 && eps < 10.0, "{eps}");
    }
}
