//! Weighted least squares for IRLS: the weighted Gram matrix XᵀWX by faer
//! (one buffer, reused every iteration), a Cholesky factorisation of its
//! equilibrated form, and a Householder QR of √W·X when the Gram matrix is
//! too ill-conditioned for the normal equations (e.g. Longley).

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};

use crate::error::GlmError;

/// Smallest Cholesky pivot of the equilibrated Gram matrix (a squared sine
/// of the angle between a column and the span of the earlier ones) below
/// which the column counts as dependent.
const RANK_TOL: f64 = 1e-13;
/// Below this pivot the normal equations lose too many digits: solve by QR.
const QR_TOL: f64 = 1e-4;

/// Reusable WLS workspace for an `n × p` design.
pub(crate) struct Wls {
    n: usize,
    p: usize,
    xw: Vec<f64>,
    zw: Vec<f64>,
    gram: Mat<f64>,
    chol: Vec<f64>,
    scale: Vec<f64>,
    rhs: Vec<f64>,
    /// Whether the last solve used QR (then `rinv` holds R⁻¹).
    used_qr: bool,
    rinv: Vec<f64>,
}

impl Wls {
    pub(crate) fn new(n: usize, p: usize) -> Self {
        Wls {
            n,
            p,
            xw: vec![0.0; n * p],
            zw: vec![0.0; n],
            gram: Mat::zeros(p, p),
            chol: vec![0.0; p * p],
            scale: vec![0.0; p],
            rhs: vec![0.0; p],
            used_qr: false,
            rinv: Vec::new(),
        }
    }

    /// Fill the Gram matrix XᵀWX (and √W·X) for column-major `x`.
    pub(crate) fn gram(&mut self, x: &[f64], w: &[f64]) -> &Mat<f64> {
        let (n, p) = (self.n, self.p);
        for j in 0..p {
            let col = &x[j * n..(j + 1) * n];
            let dst = &mut self.xw[j * n..(j + 1) * n];
            for ((d, &xv), &wv) in dst.iter_mut().zip(col).zip(w) {
                *d = xv * wv.sqrt();
            }
        }
        let xw = MatRef::from_column_major_slice(&self.xw, n, p);
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            xw.transpose(),
            xw,
            1.0,
            Par::Seq,
        );
        &self.gram
    }

    /// Xᵀ diag(w) X for weights of any sign (Newton's observed information).
    pub(crate) fn gram_signed(&mut self, x: &[f64], w: &[f64]) -> &Mat<f64> {
        let (n, p) = (self.n, self.p);
        for j in 0..p {
            let col = &x[j * n..(j + 1) * n];
            let dst = &mut self.xw[j * n..(j + 1) * n];
            for ((d, &xv), &wv) in dst.iter_mut().zip(col).zip(w) {
                *d = xv * wv;
            }
        }
        let xm = MatRef::from_column_major_slice(x, n, p);
        let xw = MatRef::from_column_major_slice(&self.xw, n, p);
        matmul(
            self.gram.as_mut(),
            Accum::Replace,
            xm.transpose(),
            xw,
            1.0,
            Par::Seq,
        );
        &self.gram
    }

    /// β minimising Σ wᵢ (zᵢ − xᵢβ)², written to `beta`.
    pub(crate) fn solve(
        &mut self,
        x: &[f64],
        w: &[f64],
        z: &[f64],
        beta: &mut [f64],
    ) -> Result<(), GlmError> {
        let (n, p) = (self.n, self.p);
        self.gram(x, w);
        for i in 0..n {
            self.zw[i] = z[i] * w[i].sqrt();
        }
        for j in 0..p {
            let col = &self.xw[j * n..(j + 1) * n];
            self.rhs[j] = col.iter().zip(&self.zw).map(|(a, b)| a * b).sum();
        }
        let min_pivot = factor(&self.gram, &mut self.chol, &mut self.scale, None);
        if min_pivot.is_nan() || min_pivot <= 0.0 {
            return Err(GlmError::Numerical(
                "the weighted design XᵀWX is singular (weights vanished or the design is degenerate)"
                    .into(),
            ));
        }
        if min_pivot < QR_TOL {
            self.solve_qr(beta)?;
            self.used_qr = true;
            return Ok(());
        }
        self.used_qr = false;
        for ((b, r), s) in beta.iter_mut().zip(&self.rhs).zip(&self.scale) {
            *b = r * s;
        }
        chol_solve(&self.chol, p, beta);
        for (b, s) in beta.iter_mut().zip(&self.scale) {
            *b *= s;
        }
        Ok(())
    }

    fn solve_qr(&mut self, beta: &mut [f64]) -> Result<(), GlmError> {
        let (n, p) = (self.n, self.p);
        let a = MatRef::from_column_major_slice(&self.xw, n, p);
        let qr = a.qr();
        let rhs = MatRef::from_column_major_slice(&self.zw, n, 1);
        use faer::linalg::solvers::SolveLstsq;
        let sol = qr.solve_lstsq(rhs);
        for j in 0..p {
            beta[j] = sol[(j, 0)];
        }
        let r = qr.thin_R();
        self.rinv = upper_inverse(r, p)?;
        Ok(())
    }

    /// (XᵀWX)⁻¹ from the last solve, row-major `p × p`.
    pub(crate) fn inverse(&self) -> Vec<f64> {
        let p = self.p;
        let mut out = vec![0.0; p * p];
        if self.used_qr {
            // (RᵀR)⁻¹ = R⁻¹ R⁻ᵀ
            for i in 0..p {
                for j in 0..p {
                    let mut s = 0.0;
                    for k in i.max(j)..p {
                        s += self.rinv[i * p + k] * self.rinv[j * p + k];
                    }
                    out[i * p + j] = s;
                }
            }
            return out;
        }
        chol_inverse(&self.chol, &self.scale, p, &mut out);
        out
    }
}

/// Factor the equilibrated `a` (S A S with S = diag(1/√a_jj)) as L Lᵀ into
/// `l` (row-major lower); returns the smallest pivot. With `skip`, a column
/// whose pivot falls below [`RANK_TOL`] is recorded there and dropped.
fn factor(a: &Mat<f64>, l: &mut [f64], s: &mut [f64], mut skip: Option<&mut Vec<usize>>) -> f64 {
    let p = a.nrows();
    for j in 0..p {
        let d = a[(j, j)];
        s[j] = if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 };
    }
    l.iter_mut().for_each(|v| *v = 0.0);
    let mut min_pivot = f64::INFINITY;
    for j in 0..p {
        if s[j] == 0.0 {
            match skip.as_deref_mut() {
                Some(v) => {
                    v.push(j);
                    continue;
                }
                None => return 0.0,
            }
        }
        let mut d = a[(j, j)] * s[j] * s[j];
        for k in 0..j {
            d -= l[j * p + k] * l[j * p + k];
        }
        if d < RANK_TOL
            && let Some(v) = skip.as_deref_mut()
        {
            v.push(j);
            continue;
        }
        min_pivot = min_pivot.min(d);
        if d <= 0.0 {
            return d;
        }
        let dj = d.sqrt();
        l[j * p + j] = dj;
        for i in j + 1..p {
            let mut v = a[(i, j)] * s[i] * s[j];
            for k in 0..j {
                v -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = v / dj;
        }
    }
    min_pivot
}

/// Solve L Lᵀ x = b in place.
fn chol_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut v = b[i];
        for k in 0..i {
            v -= l[i * p + k] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut v = b[i];
        for k in i + 1..p {
            v -= l[k * p + i] * b[k];
        }
        b[i] = v / l[i * p + i];
    }
}

/// A⁻¹ = S (L Lᵀ)⁻¹ S, row-major into `out`.
fn chol_inverse(l: &[f64], s: &[f64], p: usize, out: &mut [f64]) {
    let mut e = vec![0.0; p];
    for j in 0..p {
        e.iter_mut().for_each(|v| *v = 0.0);
        e[j] = 1.0;
        chol_solve(l, p, &mut e);
        for i in 0..p {
            out[i * p + j] = e[i] * s[i] * s[j];
        }
    }
}

/// Inverse of an upper-triangular `p × p` matrix, row-major.
fn upper_inverse(r: MatRef<'_, f64>, p: usize) -> Result<Vec<f64>, GlmError> {
    let mut inv = vec![0.0; p * p];
    for j in (0..p).rev() {
        let d = r[(j, j)];
        if d == 0.0 || !d.is_finite() {
            return Err(GlmError::Numerical("singular R in the QR solve".into()));
        }
        inv[j * p + j] = 1.0 / d;
        for i in (0..j).rev() {
            let mut s = 0.0;
            for k in i + 1..=j {
                s += r[(i, k)] * inv[k * p + j];
            }
            inv[i * p + j] = -s / r[(i, i)];
        }
    }
    Ok(inv)
}

/// Solve a small dense symmetric positive definite system `a x = b`
/// (row-major `a`), returning `None` if it is not positive definite.
pub(crate) fn spd_solve(a: &[f64], p: usize, b: &mut [f64]) -> Option<()> {
    let m = Mat::from_fn(p, p, |i, j| a[i * p + j]);
    let mut l = vec![0.0; p * p];
    let mut s = vec![0.0; p];
    if factor(&m, &mut l, &mut s, None) <= 0.0 {
        return None;
    }
    for j in 0..p {
        b[j] *= s[j];
    }
    chol_solve(&l, p, b);
    for j in 0..p {
        b[j] *= s[j];
    }
    Some(())
}

/// Inverse of a small dense symmetric positive definite matrix (row-major).
pub(crate) fn spd_inverse(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let m = Mat::from_fn(p, p, |i, j| a[i * p + j]);
    let mut l = vec![0.0; p * p];
    let mut s = vec![0.0; p];
    if factor(&m, &mut l, &mut s, None) <= 0.0 {
        return None;
    }
    let mut out = vec![0.0; p * p];
    chol_inverse(&l, &s, p, &mut out);
    Some(out)
}

/// Report columns of the (unweighted) design that are linear combinations
/// of earlier columns.
pub(crate) fn rank_check(x: &[f64], n: usize, p: usize, names: &[String]) -> Result<(), GlmError> {
    let xm = MatRef::from_column_major_slice(x, n, p);
    let mut g = Mat::<f64>::zeros(p, p);
    matmul(
        g.as_mut(),
        Accum::Replace,
        xm.transpose(),
        xm,
        1.0,
        Par::Seq,
    );
    let mut l = vec![0.0; p * p];
    let mut s = vec![0.0; p];
    let mut dep = Vec::new();
    factor(&g, &mut l, &mut s, Some(&mut dep));
    if dep.is_empty() {
        return Ok(());
    }
    Err(GlmError::RankDeficient {
        names: dep.iter().map(|&j| names[j].clone()).collect(),
        columns: dep,
    })
}
