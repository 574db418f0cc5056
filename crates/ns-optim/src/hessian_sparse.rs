//! Hessian by finite differences of the gradient, using the structural
//! sparsity of the objective (Curtis–Powell–Reid grouping with symmetric
//! recovery): parameters that never interact are perturbed together, so a
//! model whose parameters are mostly per-bin (one shapesys γ per bin) needs
//! a handful of gradient evaluations instead of `2n`.
//!
//! Grouping. A set of *hubs* (parameters with many neighbours, e.g. a
//! normalisation acting on every bin) each get a group of their own; the
//! other parameters are coloured so that two members of a group are never
//! neighbours and never share a neighbour that is not a hub. Then every
//! entry is recovered exactly (to rounding): `H[i][j]` from `j`'s group when
//! `i` sees no other member of it, else (`i` a hub) as `H[j][i]` from `i`'s
//! own group. The hub threshold is chosen to minimise the number of groups.
//! This is the greedy "star"-style colouring of Gebremedhin, Manne & Pothen,
//! SIAM Review 47 (2005), simplified to hubs plus a distance-2 colouring.

use ns_core::Objective;

use crate::hessian::{STEP_REL, hessian_from_gradient};

/// Hessian of `obj` at `x`, row-major `n × n`, symmetric, zero rows and
/// columns for fixed or pinned parameters — the same result as
/// [`hessian_from_gradient`] (same steps and difference formulas) but from
/// grouped columns when `obj.hessian_pattern()` is known. Returns the Hessian
/// and the number of gradient evaluations spent.
///
/// # Panics
///
/// When the slice lengths differ from `obj.dim()`, or the pattern is
/// malformed (wrong length or out-of-range index).
pub fn hessian_structured<O: Objective + ?Sized>(
    obj: &mut O,
    x: &[f64],
    lower: &[f64],
    upper: &[f64],
    fixed: &[bool],
) -> (Vec<f64>, usize) {
    let n = x.len();
    let groups = match obj.hessian_pattern() {
        Some(adj) => {
            assert_eq!(adj.len(), n, "hessian pattern length differs from x");
            group_columns(adj, fixed)
        }
        None => None,
    };
    let Some(groups) = groups else {
        let free = fixed.iter().filter(|f| !**f).count();
        return (hessian_from_gradient(obj, x, lower, upper, fixed), 2 * free);
    };
    let adj: Vec<Vec<usize>> = obj.hessian_pattern().expect("checked").to_vec();
    assert_eq!(lower.len(), n, "lower bounds length differs from x");
    assert_eq!(upper.len(), n, "upper bounds length differs from x");

    // Per-parameter step and side, exactly as the dense version chooses them.
    let mut step = vec![0.0; n];
    let mut side = vec![0.0f64; n]; // 0: central; ±1: one-sided that way
    let mut roomier = vec![1.0f64; n]; // the side a one-sided group uses for central members
    let mut pinned = fixed.to_vec();
    for j in 0..n {
        if fixed[j] {
            continue;
        }
        let room_up = (upper[j] - x[j]).max(0.0);
        let room_dn = (x[j] - lower[j]).max(0.0);
        let h = (STEP_REL * x[j].abs().max(1.0)).min(0.25 * (room_up + room_dn));
        if h.is_nan() || h <= 0.0 {
            pinned[j] = true;
            continue;
        }
        step[j] = h;
        if room_up < room_dn {
            roomier[j] = -1.0;
        }
        if !(room_up >= h && room_dn >= h) {
            side[j] = if room_up >= room_dn { 1.0 } else { -1.0 };
        }
    }

    let mut evals = 0;
    let mut g0: Option<Vec<f64>> = None;
    let mut g1 = vec![0.0; n];
    let mut g2 = vec![0.0; n];
    let mut xp = x.to_vec();
    // col[i][j]: H[i][j] read from j's group, when recoverable there.
    let mut h = vec![f64::NAN; n * n];
    let mut owner = vec![usize::MAX; n]; // group of each perturbed column
    for (gi, g) in groups.iter().enumerate() {
        for &j in g.iter().filter(|&&j| !pinned[j]) {
            owner[j] = gi;
        }
    }
    // In a group with a one-sided member, every member is differenced
    // one-sided (a central member towards its roomier side, where the box
    // holds at least two steps since steps are at most a quarter of it).
    let dir = |j: usize| if side[j] != 0.0 { side[j] } else { roomier[j] };
    for (gi, g) in groups.iter().enumerate() {
        let members: Vec<usize> = g.iter().copied().filter(|&j| !pinned[j]).collect();
        if members.is_empty() {
            continue;
        }
        let one_sided = members.iter().any(|&j| side[j] != 0.0);
        // Difference quotient of row i for member j, written to `dq`.
        if !one_sided {
            for &j in &members {
                xp[j] = x[j] + step[j];
            }
            obj.value_grad(&xp, &mut g1);
            for &j in &members {
                xp[j] = x[j] - step[j];
            }
            obj.value_grad(&xp, &mut g2);
            evals += 2;
        } else {
            if g0.is_none() {
                let mut g = vec![0.0; n];
                obj.value_grad(x, &mut g);
                evals += 1;
                g0 = Some(g);
            }
            for &j in &members {
                xp[j] = x[j] + dir(j) * step[j];
            }
            obj.value_grad(&xp, &mut g1);
            for &j in &members {
                xp[j] = x[j] + dir(j) * 2.0 * step[j];
            }
            obj.value_grad(&xp, &mut g2);
            evals += 2;
        }
        for &j in &members {
            xp[j] = x[j];
        }
        for &j in &members {
            // Rows that see only j in this group: j itself and its
            // neighbours that see no other member.
            for i in std::iter::once(j).chain(adj[j].iter().copied()) {
                if i != j && sees_other(&adj[i], i, j, gi, &owner) {
                    continue;
                }
                let v = if one_sided {
                    let g0 = g0.as_ref().expect("set above");
                    let s = dir(j);
                    s * (-3.0 * g0[i] + 4.0 * g1[i] - g2[i]) / (2.0 * step[j])
                } else {
                    (g1[i] - g2[i]) / (2.0 * step[j])
                };
                h[i * n + j] = v;
            }
        }
    }

    // Symmetrise: average where both orientations were read (as the dense
    // version does), take the one that was, zero elsewhere.
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let v = if pinned[i] || pinned[j] {
                0.0
            } else {
                let (a, b) = (h[i * n + j], h[j * n + i]);
                match (a.is_nan(), b.is_nan()) {
                    (false, false) => 0.5 * (a + b),
                    (false, true) => a,
                    (true, false) => b,
                    (true, true) => 0.0, // structurally zero
                }
            };
            out[i * n + j] = v;
            out[j * n + i] = v;
        }
    }
    (out, evals)
}

/// Does row `i` (neighbours `adj_i`) see a member of group `g` other than `j`?
fn sees_other(adj_i: &[usize], i: usize, j: usize, g: usize, owner: &[usize]) -> bool {
    (owner[i] == g && i != j) || adj_i.iter().any(|&k| k != j && owner[k] == g)
}

/// Column groups for the free parameters, or `None` when grouping would not
/// save evaluations over the dense `2 n_free`.
fn group_columns(adj: &[Vec<usize>], fixed: &[bool]) -> Option<Vec<Vec<usize>>> {
    let n = adj.len();
    for (i, a) in adj.iter().enumerate() {
        assert!(
            a.iter().all(|&j| j < n && j != i),
            "hessian pattern row {i} has an out-of-range or diagonal index"
        );
    }
    let free: Vec<usize> = (0..n).filter(|&i| !fixed[i]).collect();
    let degree: Vec<usize> = adj
        .iter()
        .map(|a| a.iter().filter(|&&j| !fixed[j]).count())
        .collect();
    // Candidate hub thresholds: the largest distinct degrees (hubs have
    // degree > t).
    let mut degs: Vec<usize> = free.iter().map(|&i| degree[i]).collect();
    degs.sort_unstable();
    degs.dedup();
    let mut best: Option<Vec<Vec<usize>>> = None;
    let mut hub = vec![false; n];
    for &t in degs.iter().rev().take(16) {
        for i in 0..n {
            hub[i] = degree[i] > t;
        }
        let groups = colour(adj, fixed, &free, &hub);
        if best.as_ref().is_none_or(|b| groups.len() < b.len()) {
            best = Some(groups);
        }
    }
    best.filter(|b| b.len() < free.len())
}

/// Hubs in their own groups, the rest by greedy distance-2 colouring in the
/// graph without the hubs (largest degree first).
fn colour(adj: &[Vec<usize>], fixed: &[bool], free: &[usize], hub: &[bool]) -> Vec<Vec<usize>> {
    let is_hub = |i: usize| hub[i];
    let n = adj.len();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut colour_of = vec![usize::MAX; n];
    let mut rest = Vec::new();
    for &i in free {
        if is_hub(i) {
            colour_of[i] = groups.len();
            groups.push(vec![i]);
        } else {
            rest.push(i);
        }
    }
    let first_shared = groups.len();
    rest.sort_by_key(|&i| std::cmp::Reverse(adj[i].len()));
    let mut forbidden = vec![usize::MAX; n.max(1) + groups.len()];
    for (stamp, &j) in rest.iter().enumerate() {
        // Colours of neighbours, and of non-hub neighbours' neighbours.
        let mut mark = |c: usize| {
            if c != usize::MAX && c >= first_shared {
                if forbidden.len() <= c {
                    forbidden.resize(c + 1, usize::MAX);
                }
                forbidden[c] = stamp;
            }
        };
        for &k in &adj[j] {
            if fixed[k] {
                continue;
            }
            mark(colour_of[k]);
            if !is_hub(k) {
                for &l in &adj[k] {
                    if l != j && !fixed[l] {
                        mark(colour_of[l]);
                    }
                }
            }
        }
        let c = (first_shared..groups.len())
            .find(|&c| forbidden.get(c).is_none_or(|&s| s != stamp))
            .unwrap_or(groups.len());
        if c == groups.len() {
            groups.push(Vec::new());
        }
        groups[c].push(j);
        colour_of[j] = c;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f = Σ_b ½ (x_0 x_b − 1)² w_b + ½ Σ x_i²: x_0 a hub, the others
    /// independent given x_0 (the shape of a normfactor and per-bin γ's).
    struct Arrow {
        adj: Vec<Vec<usize>>,
        calls: usize,
    }

    impl Arrow {
        fn new(n: usize) -> Self {
            let mut adj = vec![Vec::new(); n];
            for b in 1..n {
                adj[0].push(b);
                adj[b].push(0);
            }
            Self { adj, calls: 0 }
        }
    }

    impl Objective for Arrow {
        fn dim(&self) -> usize {
            self.adj.len()
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            let mut g = vec![0.0; x.len()];
            self.value_grad(x, &mut g)
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            self.calls += 1;
            let mut f = 0.0;
            for (i, gi) in g.iter_mut().enumerate() {
                f += 0.5 * x[i] * x[i];
                *gi = x[i];
            }
            for b in 1..x.len() {
                let w = b as f64;
                let r = x[0] * x[b] - 1.0;
                f += 0.5 * w * r * r;
                g[0] += w * r * x[b];
                g[b] += w * r * x[0];
            }
            f
        }
        fn hessian_pattern(&self) -> Option<&[Vec<usize>]> {
            Some(&self.adj)
        }
    }

    /// The same function seen as dense (no pattern).
    struct Dense(Arrow);

    impl Objective for Dense {
        fn dim(&self) -> usize {
            self.0.dim()
        }
        fn value(&mut self, x: &[f64]) -> f64 {
            self.0.value(x)
        }
        fn value_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            self.0.value_grad(x, g)
        }
    }

    #[test]
    fn grouped_matches_dense_with_few_evaluations() {
        let n = 40;
        let x: Vec<f64> = (0..n).map(|i| 0.3 + 0.01 * i as f64).collect();
        let mut lower = vec![-10.0; n];
        let upper = vec![10.0; n];
        lower[5] = x[5] - 1e-6; // one-sided near a bound
        let mut fixed = vec![false; n];
        fixed[7] = true;
        let mut a = Arrow::new(n);
        let (hs, evals) = hessian_structured(&mut a, &x, &lower, &upper, &fixed);
        assert!(evals <= 5, "{evals} evaluations");
        let mut d = Dense(Arrow::new(n));
        let (hd, de) = hessian_structured(&mut d, &x, &lower, &upper, &fixed);
        assert_eq!(de, 2 * (n - 1));
        for i in 0..n * n {
            assert!(
                (hs[i] - hd[i]).abs() <= 1e-7 * (1.0 + hd[i].abs()),
                "{i}: {} vs {}",
                hs[i],
                hd[i]
            );
        }
        // Exact second derivatives of the test function.
        for b in 1..n {
            if b == 7 {
                continue;
            }
            let w = b as f64;
            let hbb = 1.0 + w * x[0] * x[0];
            let h0b = w * (2.0 * x[0] * x[b] - 1.0);
            assert!((hs[b * n + b] - hbb).abs() < 1e-6 * hbb, "diag {b}");
            assert!(
                (hs[b * n] - h0b).abs() < 1e-6 * (1.0 + h0b.abs()),
                "cross {b}"
            );
        }
        assert_eq!(hs[7 * n + 7], 0.0);
    }

    #[test]
    fn distance_two_conflicts_split_groups() {
        // Chain 0-1-2-3: 0 and 2 share neighbour 1 (not a hub at the best
        // threshold), so they cannot share a group unless 1 is a hub.
        let adj = vec![vec![1], vec![0, 2], vec![1, 3], vec![2]];
        let groups = group_columns(&adj, &[false; 4]).unwrap_or_default();
        for g in &groups {
            for &a in g {
                for &b in g {
                    if a != b {
                        assert!(!adj[a].contains(&b), "neighbours {a},{b} grouped");
                    }
                }
            }
        }
    }
}
