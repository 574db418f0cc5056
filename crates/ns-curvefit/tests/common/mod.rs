//! NIST StRD nonlinear-regression fixtures (tests/fixtures/nist, from lmfit's
//! sdist) and their model expressions.
#![allow(dead_code)]

use std::path::PathBuf;

/// One NIST problem.
pub struct Nist {
    pub name: &'static str,
    pub expr: &'static str,
    pub start1: Vec<f64>,
    pub start2: Vec<f64>,
    pub cert: Vec<f64>,
    pub cert_sd: Vec<f64>,
    /// Variable-major x (k × n).
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub n_vars: usize,
}

/// The 27 problems and their models (NIST's formulas in the grammar; Nelson
/// is fitted on log y as NIST states it).
pub const MODELS: &[(&str, &str)] = &[
    ("Misra1a", "b1*(1-exp(-b2*x))"),
    ("Chwirut2", "exp(-b1*x)/(b2+b3*x)"),
    ("Chwirut1", "exp(-b1*x)/(b2+b3*x)"),
    ("Lanczos3", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    (
        "Gauss1",
        "b1*exp(-b2*x) + b3*exp(-(x-b4)**2 / b5**2) + b6*exp(-(x-b7)**2 / b8**2)",
    ),
    (
        "Gauss2",
        "b1*exp(-b2*x) + b3*exp(-(x-b4)**2 / b5**2) + b6*exp(-(x-b7)**2 / b8**2)",
    ),
    ("DanWood", "b1*x**b2"),
    ("Misra1b", "b1 * (1-(1+b2*x/2)**(-2))"),
    ("Kirby2", "(b1 + b2*x + b3*x**2) / (1 + b4*x + b5*x**2)"),
    (
        "Hahn1",
        "(b1+b2*x+b3*x**2+b4*x**3) / (1+b5*x+b6*x**2+b7*x**3)",
    ),
    ("Nelson", "b1 - b2*x1 * exp(-b3*x2)"),
    ("MGH17", "b1 + b2*exp(-x*b4) + b3*exp(-x*b5)"),
    ("Lanczos1", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    ("Lanczos2", "b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x)"),
    (
        "Gauss3",
        "b1*exp(-b2*x) + b3*exp(-(x-b4)**2 / b5**2) + b6*exp(-(x-b7)**2 / b8**2)",
    ),
    ("Misra1c", "b1 * (1-(1+2*b2*x)**(-.5))"),
    ("Misra1d", "b1*b2*x*((1+b2*x)**(-1))"),
    ("Roszman1", "b1 - b2*x - arctan(b3/(x-b4))/pi"),
    (
        "ENSO",
        "b1 + b2*cos(2*pi*x/12) + b3*sin(2*pi*x/12) + b5*cos(2*pi*x/b4) + b6*sin(2*pi*x/b4) + b8*cos(2*pi*x/b7) + b9*sin(2*pi*x/b7)",
    ),
    ("MGH09", "b1*(x**2+x*b2) / (x**2+x*b3+b4)"),
    (
        "Thurber",
        "(b1 + b2*x + b3*x**2 + b4*x**3) / (1 + b5*x + b6*x**2 + b7*x**3)",
    ),
    ("BoxBOD", "b1*(1-exp(-b2*x))"),
    ("Rat42", "b1 / (1+exp(b2-b3*x))"),
    ("MGH10", "b1 * exp(b2/(x+b3))"),
    ("Eckerle4", "(b1/b2) * exp(-0.5*((x-b3)/b2)**2)"),
    ("Rat43", "b1 / ((1+exp(b2-b3*x))**(1/b4))"),
    ("Bennett5", "b1 * (b2+x)**(-1/b3)"),
];

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/nist")
}

pub fn load(name: &'static str, expr: &'static str) -> Nist {
    let path = fixture_dir().join(format!("{name}.dat"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (mut start1, mut start2, mut cert, mut cert_sd) = (vec![], vec![], vec![], vec![]);
    let lines: Vec<&str> = text.lines().collect();
    for l in &lines {
        let t = l.trim_start();
        if t.starts_with('b') && t.contains('=') {
            let (lhs, rhs) = t.split_once('=').unwrap();
            if lhs.trim()[1..].chars().all(|c| c.is_ascii_digit()) {
                let v: Vec<f64> = rhs.split_whitespace().map(|s| s.parse().unwrap()).collect();
                assert_eq!(v.len(), 4, "{name}: {l}");
                start1.push(v[0]);
                start2.push(v[1]);
                cert.push(v[2]);
                cert_sd.push(v[3]);
            }
        }
    }
    let header = lines.iter().rposition(|l| l.starts_with("Data:")).unwrap();
    let n_vars = lines[header].split_whitespace().count() - 2;
    let rows: Vec<Vec<f64>> = lines[header + 1..]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().map(|s| s.parse().unwrap()).collect())
        .collect();
    let n = rows.len();
    let mut x = vec![0.0; n_vars * n];
    let mut y = vec![0.0; n];
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r.len(), n_vars + 1);
        y[i] = r[0];
        for v in 0..n_vars {
            x[v * n + i] = r[v + 1];
        }
    }
    if name == "Nelson" {
        for v in &mut y {
            *v = v.ln();
        }
    }
    Nist {
        name,
        expr,
        start1,
        start2,
        cert,
        cert_sd,
        x,
        y,
        n_vars,
    }
}

pub fn all() -> Vec<Nist> {
    MODELS.iter().map(|&(n, e)| load(n, e)).collect()
}

/// Log relative error (number of correct significant digits), capped at 15.
pub fn lre(est: f64, cert: f64) -> f64 {
    if est == cert {
        return 15.0;
    }
    let rel = if cert == 0.0 {
        est.abs()
    } else {
        ((est - cert) / cert).abs()
    };
    (-rel.log10()).min(15.0)
}
