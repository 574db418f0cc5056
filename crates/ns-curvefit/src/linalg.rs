//! Small dense helpers over faer: the thin SVD (row-major in and out) and
//! the vector norms the solvers use.

use faer::Mat;

/// Thin SVD `A = U diag(s) Vᵀ` of a row-major `m × n` matrix, `k = min(m, n)`.
#[derive(Debug, Clone)]
pub struct Svd {
    /// Left singular vectors, row-major `m × k`.
    pub u: Vec<f64>,
    /// Singular values, non-increasing.
    pub s: Vec<f64>,
    /// Right singular vectors, row-major `n × k`.
    pub v: Vec<f64>,
    /// `min(m, n)`.
    pub k: usize,
}

/// The thin SVD, or `None` when an entry is not finite or faer does not converge.
pub fn thin_svd(a: &[f64], m: usize, n: usize) -> Option<Svd> {
    if a.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let mat = Mat::from_fn(m, n, |i, j| a[i * n + j]);
    let svd = mat.thin_svd().ok()?;
    let k = m.min(n);
    let (u, s, v) = (svd.U(), svd.S().column_vector(), svd.V());
    let mut out = Svd {
        u: vec![0.0; m * k],
        s: vec![0.0; k],
        v: vec![0.0; n * k],
        k,
    };
    for j in 0..k {
        out.s[j] = s[j];
        for i in 0..m {
            out.u[i * k + j] = u[(i, j)];
        }
        for i in 0..n {
            out.v[i * k + j] = v[(i, j)];
        }
    }
    Some(out)
}

/// Euclidean norm.
pub fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

/// Dot product.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `out = A x` for row-major `m × n` A.
pub fn matvec(a: &[f64], m: usize, n: usize, x: &[f64], out: &mut [f64]) {
    for i in 0..m {
        out[i] = dot(&a[i * n..(i + 1) * n], x);
    }
}

/// `out = Aᵀ y` for row-major `m × n` A.
pub fn matvec_t(a: &[f64], m: usize, n: usize, y: &[f64], out: &mut [f64]) {
    out[..n].fill(0.0);
    for i in 0..m {
        let yi = y[i];
        for (o, aij) in out[..n].iter_mut().zip(&a[i * n..(i + 1) * n]) {
            *o += aij * yi;
        }
    }
}

/// Moore–Penrose `(JᵀJ)⁺` from the SVD of J, discarding singular values at or
/// below `eps · max(m, n) · s₀` (scipy's `curve_fit`). Returns the row-major
/// `n × n` matrix and whether J had full column rank.
pub fn pinv_normal(j: &[f64], m: usize, n: usize) -> Option<(Vec<f64>, bool)> {
    let svd = thin_svd(j, m, n)?;
    let threshold = f64::EPSILON * m.max(n) as f64 * svd.s.first().copied().unwrap_or(0.0);
    let kept: Vec<usize> = (0..svd.k).filter(|&i| svd.s[i] > threshold).collect();
    let mut cov = vec![0.0; n * n];
    for a in 0..n {
        for b in 0..n {
            let mut acc = 0.0;
            for &i in &kept {
                acc += svd.v[a * svd.k + i] * svd.v[b * svd.k + i] / (svd.s[i] * svd.s[i]);
            }
            cov[a * n + b] = acc;
        }
    }
    Some((cov, kept.len() == n))
}
