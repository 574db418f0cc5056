//! The covariance matrix as the inverse Hessian, by a Schur complement on
//! the diagonal block.
//!
//! Likelihoods with per-bin parameters (shapesys/staterror γ's) have
//! Hessians whose γ block is diagonal: two γ's of different bins never
//! interact. Writing `H = [[D, B], [Bᵀ, A]]` with `D` diagonal (a set of
//! mutually non-interacting parameters) and `A` the dense rest, the inverse
//! needs only the Cholesky factorisation of the small Schur complement
//! `C = A − Bᵀ D⁻¹ B`: `H⁻¹ = [[D⁻¹ + D⁻¹ B C⁻¹ Bᵀ D⁻¹, −D⁻¹ B C⁻¹], [·, C⁻¹]]`.
//! `H` is positive definite exactly when `D > 0` and `C` is, so the test is
//! the same as for the dense factorisation. With no diagonal block this is
//! the plain dense inverse.

use faer::Mat;
use faer::Side;
use faer::linalg::solvers::DenseSolveCore;

/// Invert the free-parameter block of a row-major `n × n` Hessian (fixed
/// rows and columns are zero in the output). Returns `None` when that block
/// is not (numerically) positive definite — a diagonal-block entry is not
/// positive, the Schur complement's Cholesky factorisation fails or a pivot
/// keeps less than `k·eps` of its diagonal entry (`k` parameters in it) —
/// or when an entry is not finite.
///
/// # Panics
///
/// When `hessian.len() != n * n` or `fixed.len() != n`.
pub fn covariance_from_hessian(hessian: &[f64], n: usize, fixed: &[bool]) -> Option<Vec<f64>> {
    assert_eq!(hessian.len(), n * n, "hessian must be n*n");
    assert_eq!(fixed.len(), n, "fixed mask length differs from n");
    let free: Vec<usize> = (0..n).filter(|&i| !fixed[i]).collect();
    let mut cov = vec![0.0; n * n];
    if free.is_empty() {
        return Some(cov);
    }
    // The symmetrised free block, and each row's off-diagonal non-zeros.
    let k = free.len();
    let mut sym = vec![0.0; k * k];
    let mut nonzero: Vec<Vec<usize>> = vec![Vec::new(); k];
    for a in 0..k {
        for b in 0..=a {
            let (i, j) = (free[a], free[b]);
            let v = 0.5 * (hessian[i * n + j] + hessian[j * n + i]);
            if !v.is_finite() {
                return None;
            }
            sym[a * k + b] = v;
            sym[b * k + a] = v;
            if a != b && v != 0.0 {
                nonzero[a].push(b);
                nonzero[b].push(a);
            }
        }
    }
    let (diag_local, rest_local) = split_diagonal_block(&nonzero);
    let diag: Vec<usize> = diag_local.iter().map(|&a| free[a]).collect();
    let rest: Vec<usize> = rest_local.iter().map(|&a| free[a]).collect();

    let d: Vec<f64> = diag_local.iter().map(|&a| sym[a * k + a]).collect();
    if d.iter().any(|&v| v.is_nan() || v <= 0.0) {
        return None;
    }
    // W = D⁻¹ B (|diag| × |rest|), the Schur complement C = A − Bᵀ W.
    let m = rest.len();
    let w = Mat::<f64>::from_fn(diag.len(), m, |a, b| {
        sym[diag_local[a] * k + rest_local[b]] / d[a]
    });
    let sigma = if m == 0 {
        Mat::<f64>::zeros(0, 0)
    } else {
        let c = Mat::<f64>::from_fn(m, m, |a, b| {
            let mut v = sym[rest_local[a] * k + rest_local[b]];
            for (g, &dg) in diag_local.iter().enumerate() {
                let bga = sym[dg * k + rest_local[a]];
                if bga != 0.0 {
                    v -= bga * w[(g, b)];
                }
            }
            v
        });
        let llt = c.llt(Side::Lower).ok()?;
        // Numerically singular: a pivot that kept less than `k eps` of its
        // diagonal entry has lost all its significant digits.
        let l = llt.L();
        for a in 0..m {
            let pivot = l[(a, a)] * l[(a, a)];
            if pivot.is_nan() || pivot <= m as f64 * f64::EPSILON * c[(a, a)] {
                return None;
            }
        }
        llt.inverse()
    };
    // cov_rest = Σ; cov_diag,rest = −W Σ; cov_diag = D⁻¹ + W Σ Wᵀ.
    let ws = &w * &sigma;
    for a in 0..m {
        for b in 0..m {
            cov[rest[a] * n + rest[b]] = sigma[(a, b)];
        }
    }
    for g in 0..diag.len() {
        for b in 0..m {
            let v = -ws[(g, b)];
            cov[diag[g] * n + rest[b]] = v;
            cov[rest[b] * n + diag[g]] = v;
        }
    }
    for g in 0..diag.len() {
        for h in 0..=g {
            let mut v: f64 = (0..m).map(|b| ws[(g, b)] * w[(h, b)]).sum();
            if g == h {
                v += 1.0 / d[g];
            }
            cov[diag[g] * n + diag[h]] = v;
            cov[diag[h] * n + diag[g]] = v;
        }
    }
    // Exact symmetry of the Σ block.
    for a in 0..m {
        for b in 0..a {
            let (i, j) = (rest[a], rest[b]);
            let v = 0.5 * (cov[i * n + j] + cov[j * n + i]);
            cov[i * n + j] = v;
            cov[j * n + i] = v;
        }
    }
    if cov.iter().any(|v| !v.is_finite()) {
        return None;
    }
    Some(cov)
}

/// Split the rows (given each row's off-diagonal non-zeros) into a set whose
/// block is diagonal (greedy, sparsest rows first) and the rest, each in
/// order.
fn split_diagonal_block(nonzero: &[Vec<usize>]) -> (Vec<usize>, Vec<usize>) {
    let k = nonzero.len();
    let mut order: Vec<(usize, usize)> = (0..k).map(|a| (nonzero[a].len(), a)).collect();
    order.sort_unstable();
    let mut blocked = vec![false; k];
    let mut in_diag = vec![false; k];
    for &(_, a) in &order {
        if !blocked[a] {
            in_diag[a] = true;
            for &b in &nonzero[a] {
                blocked[b] = true;
            }
        }
    }
    let (diag, rest): (Vec<usize>, Vec<usize>) = (0..k).partition(|&a| in_diag[a]);
    // A single diagonal entry saves nothing: use the plain dense inverse.
    if diag.len() < 2 {
        return (Vec::new(), (0..k).collect());
    }
    (diag, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dense_inverse(h: &[f64], n: usize) -> Vec<f64> {
        let m = Mat::<f64>::from_fn(n, n, |i, j| h[i * n + j]);
        let inv = m.llt(Side::Lower).unwrap().inverse();
        (0..n * n).map(|k| inv[(k / n, k % n)]).collect()
    }

    #[test]
    fn arrowhead_matches_dense_inverse() {
        // A hub (index 3) coupled to every other parameter, which are
        // mutually independent, plus one extra coupled pair (0, 1).
        let n = 7;
        let mut h = vec![0.0; n * n];
        for i in 0..n {
            h[i * n + i] = 4.0 + i as f64;
            if i != 3 {
                h[i * n + 3] = 0.5 + 0.1 * i as f64;
                h[3 * n + i] = h[i * n + 3];
            }
        }
        h[1] = 0.7;
        h[n] = 0.7;
        let got = covariance_from_hessian(&h, n, &[false; 7]).unwrap();
        let want = dense_inverse(&h, n);
        for k in 0..n * n {
            assert!(
                (got[k] - want[k]).abs() < 1e-14,
                "{k}: {} vs {}",
                got[k],
                want[k]
            );
        }
    }

    #[test]
    fn fixed_rows_are_zero_and_indefinite_is_rejected() {
        let h = [4.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.25];
        let c = covariance_from_hessian(&h, 3, &[false, true, false]).unwrap();
        assert_eq!(c, vec![0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0]);
        assert!(covariance_from_hessian(&[1.0, 2.0, 2.0, 1.0], 2, &[false; 2]).is_none());
        assert!(covariance_from_hessian(&[f64::NAN, 0.0, 0.0, 1.0], 2, &[false; 2]).is_none());
        // Diagonal block with a non-positive entry.
        assert!(covariance_from_hessian(&[1.0, 0.0, 0.0, -1.0], 2, &[false; 2]).is_none());
        // Schur complement indefinite: [[1, 2, 0], [2, 1, 0], [0, 0, 1]].
        let h = [1.0, 2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert!(covariance_from_hessian(&h, 3, &[false; 3]).is_none());
    }
}
