//! A small row-major dense matrix (the system matrices are small: a handful
//! to a few dozen states) and the kernels the filter needs, written out so
//! the inner loop allocates nothing.

use crate::error::{Result, TsError};

/// Row-major dense matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// A matrix from row-major data; `data.len()` must be `rows * cols`.
    pub fn from_row_major(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self> {
        if data.len() != rows * cols {
            return Err(TsError::InvalidArgument(format!(
                "matrix data: expected {rows}*{cols} = {} values, got {}",
                rows * cols,
                data.len()
            )));
        }
        Ok(Self { rows, cols, data })
    }

    /// A matrix from its rows (all of the same length).
    pub fn from_rows(rows: &[&[f64]]) -> Result<Self> {
        let cols = rows.first().map_or(0, |r| r.len());
        if rows.iter().any(|r| r.len() != cols) {
            return Err(TsError::InvalidArgument(
                "matrix rows have different lengths".into(),
            ));
        }
        let data = rows.iter().flat_map(|r| r.iter().copied()).collect();
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// The `n x n` identity.
    pub fn identity(n: usize) -> Self {
        let mut data = vec![0.0; n * n];
        for i in 0..n {
            data[i * n + i] = 1.0;
        }
        Self {
            rows: n,
            cols: n,
            data,
        }
    }

    /// An all-zero matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// A diagonal matrix.
    pub fn diag(values: &[f64]) -> Self {
        let n = values.len();
        let mut m = Self::zeros(n, n);
        for (i, v) in values.iter().enumerate() {
            m.data[i * n + i] = *v;
        }
        m
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Row-major entries.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }
    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.cols + j]
    }
    pub(crate) fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Shape and finiteness check naming the matrix.
    pub(crate) fn check(&self, name: &'static str, rows: usize, cols: usize) -> Result<()> {
        if self.rows != rows || self.cols != cols {
            return Err(TsError::Shape {
                matrix: name,
                expected_rows: rows,
                expected_cols: cols,
                rows: self.rows,
                cols: self.cols,
            });
        }
        check_finite(name, &self.data, cols)
    }
}

/// First non-finite entry of a row-major array, as a typed error.
pub(crate) fn check_finite(name: &'static str, data: &[f64], cols: usize) -> Result<()> {
    match data.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(k) => Err(TsError::NonFinite {
            matrix: name,
            row: k / cols.max(1),
            col: k % cols.max(1),
        }),
    }
}

/// Symmetric positive semi-definiteness (relative tolerance on asymmetry and
/// on the smallest eigenvalue).
pub(crate) fn check_psd(name: &'static str, a: &[f64], n: usize) -> Result<()> {
    let scale = a
        .iter()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for i in 0..n {
        for j in 0..i {
            if (a[i * n + j] - a[j * n + i]).abs() > 1e-10 * scale {
                return Err(TsError::NotPsd {
                    matrix: name,
                    reason: format!("entries ({i}, {j}) and ({j}, {i}) differ"),
                });
            }
        }
    }
    if n == 0 {
        return Ok(());
    }
    let m = faer::Mat::from_fn(n, n, |i, j| a[i * n + j]);
    let ev = m
        .self_adjoint_eigenvalues(faer::Side::Lower)
        .map_err(|_| TsError::NotPsd {
            matrix: name,
            reason: "eigenvalue computation failed".into(),
        })?;
    let min = ev.iter().copied().fold(f64::INFINITY, f64::min);
    if min < -1e-10 * scale {
        return Err(TsError::NotPsd {
            matrix: name,
            reason: format!("smallest eigenvalue {min:e}"),
        });
    }
    Ok(())
}

/// `out (n x k) = a (n x m) * b (m x k)`.
pub(crate) fn mul(a: &[f64], b: &[f64], out: &mut [f64], n: usize, m: usize, k: usize) {
    for i in 0..n {
        let row = &mut out[i * k..(i + 1) * k];
        row.fill(0.0);
        for l in 0..m {
            let x = a[i * m + l];
            if x != 0.0 {
                let br = &b[l * k..(l + 1) * k];
                for (o, bv) in row.iter_mut().zip(br) {
                    *o += x * bv;
                }
            }
        }
    }
}

/// `out (n x k) = a (n x m) * b' ` with `b` stored `k x m`.
pub(crate) fn mul_bt(a: &[f64], b: &[f64], out: &mut [f64], n: usize, m: usize, k: usize) {
    for i in 0..n {
        let ar = &a[i * m..(i + 1) * m];
        for j in 0..k {
            let br = &b[j * m..(j + 1) * m];
            out[i * k + j] = ar.iter().zip(br).map(|(x, y)| x * y).sum();
        }
    }
}

/// `out (m x k) = a' * b` with `a` stored `n x m`, `b` stored `n x k`.
pub(crate) fn mul_at(a: &[f64], b: &[f64], out: &mut [f64], n: usize, m: usize, k: usize) {
    out[..m * k].fill(0.0);
    for l in 0..n {
        for i in 0..m {
            let x = a[l * m + i];
            if x != 0.0 {
                for j in 0..k {
                    out[i * k + j] += x * b[l * k + j];
                }
            }
        }
    }
}

/// `y = a (n x m) x`.
pub(crate) fn mat_vec(a: &[f64], x: &[f64], y: &mut [f64], n: usize, m: usize) {
    for i in 0..n {
        y[i] = a[i * m..(i + 1) * m]
            .iter()
            .zip(x)
            .map(|(u, v)| u * v)
            .sum();
    }
}

/// `y = a' x` with `a` stored `n x m` (so `y` has length `m`).
pub(crate) fn mat_t_vec(a: &[f64], x: &[f64], y: &mut [f64], n: usize, m: usize) {
    y[..m].fill(0.0);
    for l in 0..n {
        let xv = x[l];
        if xv != 0.0 {
            for (yi, av) in y.iter_mut().zip(&a[l * m..(l + 1) * m]) {
                *yi += av * xv;
            }
        }
    }
}

/// Replace a square matrix by `(a + a') / 2`.
pub(crate) fn symmetrize(a: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
    }
}

/// In-place lower Cholesky factor of a symmetric matrix (upper triangle
/// left untouched); `false` if a pivot is not positive.
pub(crate) fn cholesky(a: &mut [f64], n: usize) -> bool {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d.is_nan() || d <= 0.0 || !d.is_finite() {
            return false;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    true
}

/// Solve `L L' x = b` in place given the lower factor from [`cholesky`].
pub(crate) fn chol_solve(l: &[f64], n: usize, b: &mut [f64]) {
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * n + k] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= l[k * n + i] * b[k];
        }
        b[i] = s / l[i * n + i];
    }
}

/// Solve the dense system `a x = b` (`a` is `n x n`, overwritten) by
/// Gaussian elimination with partial pivoting; `false` when singular.
pub(crate) fn solve_dense(a: &mut [f64], b: &mut [f64], n: usize) -> bool {
    for col in 0..n {
        let (piv, max) = (col..n)
            .map(|r| (r, a[r * n + col].abs()))
            .fold((col, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if max.is_nan() || max <= 0.0 {
            return false;
        }
        if piv != col {
            for j in 0..n {
                a.swap(col * n + j, piv * n + j);
            }
            b.swap(col, piv);
        }
        let d = a[col * n + col];
        for r in col + 1..n {
            let f = a[r * n + col] / d;
            if f != 0.0 {
                for j in col..n {
                    a[r * n + j] -= f * a[col * n + j];
                }
                b[r] -= f * b[col];
            }
        }
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for j in i + 1..n {
            s -= a[i * n + j] * b[j];
        }
        b[i] = s / a[i * n + i];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let a0 = a.clone();
        assert!(cholesky(&mut a, 2));
        let mut b = vec![1.0, 2.0];
        chol_solve(&a, 2, &mut b);
        let r0 = a0[0] * b[0] + a0[1] * b[1];
        let r1 = a0[2] * b[0] + a0[3] * b[1];
        assert!((r0 - 1.0).abs() < 1e-14 && (r1 - 2.0).abs() < 1e-14);
        let mut bad = vec![1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky(&mut bad, 2));
    }

    #[test]
    fn dense_solve_pivots() {
        let mut a = vec![0.0, 1.0, 2.0, 3.0];
        let mut b = vec![1.0, 5.0];
        assert!(solve_dense(&mut a, &mut b, 2));
        assert!((b[0] - 1.0).abs() < 1e-14 && (b[1] - 1.0).abs() < 1e-14);
    }

    #[test]
    fn psd_check_names_matrix() {
        let e = check_psd("Q", &[1.0, 2.0, 2.0, 1.0], 2).unwrap_err();
        assert!(matches!(e, TsError::NotPsd { matrix: "Q", .. }));
        check_psd("Q", &[1.0, 1.0, 1.0, 1.0], 2).unwrap();
    }
}
