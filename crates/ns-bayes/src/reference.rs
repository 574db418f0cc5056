//! A slow, obviously-correct NUTS transition to test [`crate::tree`]
//! against. It keeps every point of the trajectory in time order and checks
//! the no-U-turn criterion of each merge on index ranges, with the summed
//! momentum `ρ` recomputed by a direct sum over the range. Same random
//! stream consumption as the fast builder, so the draws are identical.

use crate::hamiltonian::{Hamiltonian, PhasePoint, log_sum_exp};
use crate::nuts::{NutsSettings, Transition};
use crate::posterior::LogDensity;
use rand::RngExt;
use std::collections::VecDeque;
use std::ops::Range;

struct Run<'h, 'a, T: LogDensity, R: ?Sized> {
    ham: &'h mut Hamiltonian<'a, T>,
    rng: &'h mut R,
    eps: f64,
    h0: f64,
    max_dh: f64,
    n_leapfrog: usize,
    sum_metro: f64,
    divergent: bool,
}

/// Generalised no-U-turn criterion between the first and last point of
/// `pts[range]`, with `ρ` the sum of the momenta over the range.
fn no_u_turn<T: LogDensity>(
    ham: &Hamiltonian<'_, T>,
    pts: &[&PhasePoint],
    range: Range<usize>,
) -> bool {
    let d = pts[0].p.len();
    let mut rho = vec![0.0; d];
    for z in &pts[range.clone()] {
        for (r, p) in rho.iter_mut().zip(&z.p) {
            *r += p;
        }
    }
    let mut a = vec![0.0; d];
    let mut b = vec![0.0; d];
    ham.metric.p_sharp(&pts[range.start].p, &mut a);
    ham.metric.p_sharp(&pts[range.end - 1].p, &mut b);
    let dot = |x: &[f64]| x.iter().zip(&rho).map(|(x, r)| x * r).sum::<f64>();
    dot(&a) > 0.0 && dot(&b) > 0.0
}

/// Merging `pts[left]` and `pts[right]` (adjacent, `left` first) is allowed
/// when the whole, and each half extended by the neighbouring point of the
/// other half, show no U-turn.
fn merge_ok<T: LogDensity>(
    ham: &Hamiltonian<'_, T>,
    pts: &[&PhasePoint],
    left: Range<usize>,
    right: Range<usize>,
) -> bool {
    no_u_turn(ham, pts, left.start..right.end)
        && no_u_turn(ham, pts, left.start..right.start + 1)
        && no_u_turn(ham, pts, left.end - 1..right.end)
}

/// Build a subtree of `2^depth` points appended to `sub` (integration
/// order); returns its log weight and the index of its proposal, or `None`
/// when it diverged or made a U-turn.
fn subtree<T: LogDensity, R: rand::Rng + ?Sized>(
    run: &mut Run<'_, '_, T, R>,
    start: &PhasePoint,
    sub: &mut Vec<PhasePoint>,
    depth: usize,
) -> Option<(f64, usize)> {
    if depth == 0 {
        let mut z = sub.last().unwrap_or(start).clone();
        run.ham.leapfrog(&mut z, run.eps);
        run.n_leapfrog += 1;
        let mut h = run.ham.energy(&z);
        if h.is_nan() {
            h = f64::INFINITY;
        }
        if h - run.h0 > run.max_dh {
            run.divergent = true;
        }
        run.sum_metro += (run.h0 - h).exp().min(1.0);
        sub.push(z);
        return (!run.divergent).then_some((run.h0 - h, sub.len() - 1));
    }
    let a = sub.len();
    let (w1, i1) = subtree(run, start, sub, depth - 1)?;
    let m = sub.len();
    let (w2, i2) = subtree(run, start, sub, depth - 1)?;
    let w = log_sum_exp(w1, w2);
    let pick = if w2 > w || run.rng.random::<f64>() < (w2 - w).exp() {
        i2
    } else {
        i1
    };
    let pts: Vec<&PhasePoint> = sub.iter().collect();
    merge_ok(run.ham, &pts, a..m, m..sub.len()).then_some((w, pick))
}

/// One transition from `z`; the selected point is written back into `z`.
pub(crate) fn transition<T: LogDensity, R: rand::Rng + ?Sized>(
    ham: &mut Hamiltonian<'_, T>,
    rng: &mut R,
    z: &mut PhasePoint,
    eps: f64,
    s: NutsSettings,
) -> Transition {
    ham.metric.sample_p(rng, &mut z.p);
    let h0 = ham.energy(z);
    let mut traj: VecDeque<PhasePoint> = VecDeque::from([z.clone()]);
    let mut sample = z.clone();
    let mut log_w = 0.0;
    let mut depth = 0;
    let mut run = Run {
        ham,
        rng,
        eps,
        h0,
        max_dh: s.max_energy_error,
        n_leapfrog: 0,
        sum_metro: 0.0,
        divergent: false,
    };
    while depth < s.max_depth {
        let forward = run.rng.random::<f64>() > 0.5;
        run.eps = if forward { eps } else { -eps };
        let start = if forward { traj.back() } else { traj.front() }
            .unwrap()
            .clone();
        let mut sub = Vec::new();
        let Some((w_sub, pick)) = subtree(&mut run, &start, &mut sub, depth) else {
            break;
        };
        depth += 1;
        if w_sub > log_w || run.rng.random::<f64>() < (w_sub - log_w).exp() {
            sample = sub[pick].clone();
        }
        log_w = log_sum_exp(log_w, w_sub);
        let (n_old, n_new) = (traj.len(), sub.len());
        let (left, right) = if forward {
            traj.extend(sub);
            (0..n_old, n_old..n_old + n_new)
        } else {
            for p in sub {
                traj.push_front(p);
            }
            (0..n_new, n_new..n_new + n_old)
        };
        let pts: Vec<&PhasePoint> = traj.iter().collect();
        if !merge_ok(run.ham, &pts, left, right) {
            break;
        }
    }
    let out = Transition {
        accept_stat: run.sum_metro / run.n_leapfrog as f64,
        depth,
        n_leapfrog: run.n_leapfrog,
        divergent: run.divergent,
        energy: run.ham.energy(&sample),
    };
    *z = sample;
    out
}
