//! The allocation-free NUTS transition: Stan's recursive tree builder with
//! every temporary preallocated, one [`Level`] of buffers per tree depth.

use crate::hamiltonian::{Hamiltonian, PhasePoint, log_sum_exp};
use crate::nuts::{NutsSettings, Transition, criterion};
use crate::posterior::LogDensity;
use rand::RngExt;

/// Temporaries of one recursion level (Stan's locals in `build_tree`).
struct Level {
    z_final: PhasePoint,
    p_init_end: Vec<f64>,
    ps_init_end: Vec<f64>,
    rho_init: Vec<f64>,
    rho_final: Vec<f64>,
    p_final_beg: Vec<f64>,
    ps_final_beg: Vec<f64>,
}

/// All buffers of one chain's transitions.
pub(crate) struct Workspace {
    z: PhasePoint,
    z_fwd: PhasePoint,
    z_bck: PhasePoint,
    z_propose: PhasePoint,
    p_left: Vec<f64>,
    ps_left: Vec<f64>,
    p_right: Vec<f64>,
    ps_right: Vec<f64>,
    p_beg: Vec<f64>,
    ps_beg: Vec<f64>,
    p_end: Vec<f64>,
    ps_end: Vec<f64>,
    rho: Vec<f64>,
    rho_sub: Vec<f64>,
    levels: Vec<Level>,
}

/// Mutable state shared by the recursion.
struct Ctx<'h, 'a, T: LogDensity, R: ?Sized> {
    ham: &'h mut Hamiltonian<'a, T>,
    rng: &'h mut R,
    eps: f64,
    h0: f64,
    max_dh: f64,
    n_leapfrog: usize,
    sum_metro: f64,
    divergent: bool,
}

impl Workspace {
    /// Buffers for dimension `d` and trees up to `max_depth`.
    pub(crate) fn new(d: usize, max_depth: usize) -> Self {
        let v = || vec![0.0; d];
        let pp = || PhasePoint::zeros(d);
        Self {
            z: pp(),
            z_fwd: pp(),
            z_bck: pp(),
            z_propose: pp(),
            p_left: v(),
            ps_left: v(),
            p_right: v(),
            ps_right: v(),
            p_beg: v(),
            ps_beg: v(),
            p_end: v(),
            ps_end: v(),
            rho: v(),
            rho_sub: v(),
            levels: (0..max_depth)
                .map(|_| Level {
                    z_final: pp(),
                    p_init_end: v(),
                    ps_init_end: v(),
                    rho_init: v(),
                    rho_final: v(),
                    p_final_beg: v(),
                    ps_final_beg: v(),
                })
                .collect(),
        }
    }

    /// One transition from `z` (position, gradient and log-density valid);
    /// the selected point is written back into `z`.
    pub(crate) fn transition<T: LogDensity, R: rand::Rng + ?Sized>(
        &mut self,
        ham: &mut Hamiltonian<'_, T>,
        rng: &mut R,
        z: &mut PhasePoint,
        eps: f64,
        s: NutsSettings,
    ) -> Transition {
        assert!(self.levels.len() >= s.max_depth, "workspace too shallow");
        ham.metric.sample_p(rng, &mut z.p);
        self.z_fwd.copy_from(z);
        self.z_bck.copy_from(z);
        self.z_propose.copy_from(z);
        ham.metric.p_sharp(&z.p, &mut self.ps_left);
        self.ps_right.copy_from_slice(&self.ps_left);
        self.p_left.copy_from_slice(&z.p);
        self.p_right.copy_from_slice(&z.p);
        self.rho.copy_from_slice(&z.p);
        let h0 = ham.energy(z);
        let mut log_w = 0.0;
        let mut depth = 0;
        let mut ctx = Ctx {
            ham,
            rng,
            eps: 0.0,
            h0,
            max_dh: s.max_energy_error,
            n_leapfrog: 0,
            sum_metro: 0.0,
            divergent: false,
        };
        while depth < s.max_depth {
            self.rho_sub.fill(0.0);
            let mut log_w_sub = f64::NEG_INFINITY;
            let forward = ctx.rng.random::<f64>() > 0.5;
            if forward {
                self.z.copy_from(&self.z_fwd);
                ctx.eps = eps;
            } else {
                self.z.copy_from(&self.z_bck);
                ctx.eps = -eps;
            }
            let valid = build(
                &mut ctx,
                &mut self.z,
                &mut self.levels,
                depth,
                &mut self.z_propose,
                Ends {
                    ps_beg: &mut self.ps_beg,
                    ps_end: &mut self.ps_end,
                    p_beg: &mut self.p_beg,
                    p_end: &mut self.p_end,
                },
                &mut self.rho_sub,
                &mut log_w_sub,
            );
            if forward {
                self.z_fwd.copy_from(&self.z);
            } else {
                self.z_bck.copy_from(&self.z);
            }
            if !valid {
                break;
            }
            depth += 1;
            // Biased progressive sampling: favour the new subtree.
            if log_w_sub > log_w || ctx.rng.random::<f64>() < (log_w_sub - log_w).exp() {
                z.copy_from(&self.z_propose);
            }
            log_w = log_sum_exp(log_w, log_w_sub);
            let (near_p, near_ps, far_ps) = if forward {
                (&self.p_right, &self.ps_right, &self.ps_left)
            } else {
                (&self.p_left, &self.ps_left, &self.ps_right)
            };
            let ok = criterion(far_ps, &self.ps_end, &self.rho, &self.rho_sub)
                & criterion(far_ps, &self.ps_beg, &self.rho, &self.p_beg)
                & criterion(near_ps, &self.ps_end, &self.rho_sub, near_p);
            for (r, d) in self.rho.iter_mut().zip(&self.rho_sub) {
                *r += d;
            }
            if forward {
                self.p_right.copy_from_slice(&self.p_end);
                self.ps_right.copy_from_slice(&self.ps_end);
            } else {
                self.p_left.copy_from_slice(&self.p_end);
                self.ps_left.copy_from_slice(&self.ps_end);
            }
            if !ok {
                break;
            }
        }
        let energy = ctx.ham.energy(z);
        Transition {
            accept_stat: ctx.sum_metro / ctx.n_leapfrog as f64,
            depth,
            n_leapfrog: ctx.n_leapfrog,
            divergent: ctx.divergent,
            energy,
        }
    }
}

/// Momenta and sharp momenta at the two ends of the subtree being built
/// (begin = first integrated point).
struct Ends<'b> {
    ps_beg: &'b mut [f64],
    ps_end: &'b mut [f64],
    p_beg: &'b mut [f64],
    p_end: &'b mut [f64],
}

/// Stan's `build_tree`: integrate `2^depth` steps from `z`, accumulate the
/// summed momentum into `rho` and the log weight into `log_w`; `false` when
/// the subtree diverged or made a U-turn.
#[allow(clippy::too_many_arguments)]
fn build<T: LogDensity, R: rand::Rng + ?Sized>(
    ctx: &mut Ctx<'_, '_, T, R>,
    z: &mut PhasePoint,
    levels: &mut [Level],
    depth: usize,
    z_propose: &mut PhasePoint,
    ends: Ends<'_>,
    rho: &mut [f64],
    log_w: &mut f64,
) -> bool {
    if depth == 0 {
        ctx.ham.leapfrog(z, ctx.eps);
        ctx.n_leapfrog += 1;
        let mut h = ctx.ham.energy(z);
        if h.is_nan() {
            h = f64::INFINITY;
        }
        if h - ctx.h0 > ctx.max_dh {
            ctx.divergent = true;
        }
        *log_w = log_sum_exp(*log_w, ctx.h0 - h);
        ctx.sum_metro += if ctx.h0 - h > 0.0 {
            1.0
        } else {
            (ctx.h0 - h).exp()
        };
        z_propose.copy_from(z);
        ctx.ham.metric.p_sharp(&z.p, ends.ps_beg);
        ends.ps_end.copy_from_slice(ends.ps_beg);
        for (r, p) in rho.iter_mut().zip(&z.p) {
            *r += p;
        }
        ends.p_beg.copy_from_slice(&z.p);
        ends.p_end.copy_from_slice(&z.p);
        return !ctx.divergent;
    }
    let (lower, rest) = levels.split_at_mut(depth - 1);
    let lv = &mut rest[0];
    let mut log_w_init = f64::NEG_INFINITY;
    lv.rho_init.fill(0.0);
    let init = Ends {
        ps_beg: &mut *ends.ps_beg,
        ps_end: &mut lv.ps_init_end,
        p_beg: &mut *ends.p_beg,
        p_end: &mut lv.p_init_end,
    };
    if !build(
        ctx,
        z,
        lower,
        depth - 1,
        z_propose,
        init,
        &mut lv.rho_init,
        &mut log_w_init,
    ) {
        return false;
    }
    let mut log_w_final = f64::NEG_INFINITY;
    lv.rho_final.fill(0.0);
    let fin = Ends {
        ps_beg: &mut lv.ps_final_beg,
        ps_end: &mut *ends.ps_end,
        p_beg: &mut lv.p_final_beg,
        p_end: &mut *ends.p_end,
    };
    if !build(
        ctx,
        z,
        lower,
        depth - 1,
        &mut lv.z_final,
        fin,
        &mut lv.rho_final,
        &mut log_w_final,
    ) {
        return false;
    }
    // Uniform progressive sampling inside the subtree.
    let log_w_subtree = log_sum_exp(log_w_init, log_w_final);
    *log_w = log_sum_exp(*log_w, log_w_subtree);
    if log_w_final > log_w_subtree || ctx.rng.random::<f64>() < (log_w_final - log_w_subtree).exp()
    {
        z_propose.copy_from(&lv.z_final);
    }
    for ((r, a), b) in rho.iter_mut().zip(&lv.rho_init).zip(&lv.rho_final) {
        *r += a + b;
    }
    criterion(ends.ps_beg, ends.ps_end, &lv.rho_init, &lv.rho_final)
        & criterion(ends.ps_beg, &lv.ps_final_beg, &lv.rho_init, &lv.p_final_beg)
        & criterion(&lv.ps_init_end, ends.ps_end, &lv.rho_final, &lv.p_init_end)
}
