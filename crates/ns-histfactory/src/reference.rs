//! Slow, obviously-correct reference implementation of the expected rates and
//! the NLL, used only by tests to check the fast kernels of [`crate::model`].
//!
//! It walks the *spec* (the parsed [`Workspace`]) directly, bin by bin,
//! instead of the compiled arrays, and carries its own implementations of the
//! interpolation codes, transcribed from pyhf 0.7's `_slow_code*` reference
//! classes (`pyhf/interpolators/code*.py`); it never calls [`crate::interp`].
//! Parameters are looked up by name in the model's parameter names: scalar
//! parameters by their modifier name, per-bin parameters as `name[k]`, where
//! for staterror and shapesys `k` counts bins over the channels the modifier
//! covers in sorted channel order, and for shapefactor `k` is the bin within
//! its channel (pyhf: one parameter per bin of the first channel carrying
//! it, shared by all). Constraint widths are recomputed from the spec. Nothing here is
//! tuned for speed: lookups are linear scans and allocations are everywhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ns_core::Model;

use crate::interp::InterpCode;
use crate::spec::{Channel, Measurement, Modifier, Sample, Workspace};
use crate::{BuildOptions, HistFactoryModel};

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_7;

// ---------------------------------------------------------------------------
// Interpolation codes, as pyhf's `_slow_code*` classes (α0 = 1 for code4).
// `down`, `nom`, `up` are the templates at α = -1, 0, +1.
// ---------------------------------------------------------------------------

/// pyhf `_slow_code0.summand`: piecewise linear shift.
fn slow_code0(down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    let delta_up = up - nom;
    let delta_down = nom - down;
    if alpha > 0.0 {
        delta_up * alpha
    } else {
        delta_down * alpha
    }
}

/// pyhf `_slow_code1.product`: piecewise exponential factor.
fn slow_code1(down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    let delta_up = up / nom;
    let delta_down = down / nom;
    if alpha > 0.0 {
        delta_up.powf(alpha)
    } else {
        delta_down.powf(-alpha)
    }
}

/// pyhf `_slow_code2.summand`: quadratic inside, linear outside.
fn slow_code2(down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    let a = 0.5 * (up + down) - nom;
    let b = 0.5 * (up - down);
    if alpha > 1.0 {
        (b + 2.0 * a) * (alpha - 1.0)
    } else if (-1.0..=1.0).contains(&alpha) {
        a * alpha * alpha + b * alpha
    } else {
        (b - 2.0 * a) * (alpha + 1.0)
    }
}

/// pyhf `_slow_code4.product` with α0 = 1: exponential outside, a 6th-order
/// polynomial inside whose coefficients solve the 6×6 system of the pyhf
/// docstring (value, first and second derivative continuous at α = ±1).
/// The system is solved numerically here (Gaussian elimination), not with
/// the closed-form inverse the fast code uses.
fn slow_code4(down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    let delta_up = up / nom;
    let delta_down = down / nom;
    if alpha >= 1.0 {
        delta_up.powf(alpha)
    } else if alpha > -1.0 {
        let (lu, ld) = (delta_up.ln(), delta_down.ln());
        // Rows: f(1), f(-1), f'(1), f'(-1), f''(1), f''(-1) for
        // f(α) = 1 + Σ_i a_i α^i.
        let mut a = [[0.0f64; 6]; 6];
        for i in 1..=6usize {
            let p = i as i32;
            let fi = i as f64;
            a[0][i - 1] = 1.0;
            a[1][i - 1] = (-1.0f64).powi(p);
            a[2][i - 1] = fi;
            a[3][i - 1] = fi * (-1.0f64).powi(p - 1);
            a[4][i - 1] = fi * (fi - 1.0);
            a[5][i - 1] = fi * (fi - 1.0) * (-1.0f64).powi(p - 2);
        }
        let b = [
            delta_up - 1.0,
            delta_down - 1.0,
            lu * delta_up,
            -ld * delta_down,
            lu * lu * delta_up,
            ld * ld * delta_down,
        ];
        let coef = solve6(a, b);
        1.0 + (1..=6)
            .map(|i| coef[i - 1] * alpha.powi(i as i32))
            .sum::<f64>()
    } else {
        delta_down.powf(-alpha)
    }
}

/// Solve A x = b by Gaussian elimination with partial pivoting.
fn solve6(mut a: [[f64; 6]; 6], mut b: [f64; 6]) -> [f64; 6] {
    for col in 0..6 {
        let piv = (col..6)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("non-empty");
        a.swap(col, piv);
        b.swap(col, piv);
        for row in col + 1..6 {
            let f = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (dst, src) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *dst -= f * src;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 6];
    for row in (0..6).rev() {
        let s: f64 = (row + 1..6).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x
}

/// pyhf `_slow_code4p.summand`: linear outside, polynomial inside.
fn slow_code4p(down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    let delta_up = up - nom;
    let delta_down = nom - down;
    let s = 0.5 * (delta_up + delta_down);
    let a = 0.0625 * (delta_up - delta_down);
    if alpha > 1.0 {
        delta_up * alpha
    } else if alpha < -1.0 {
        delta_down * alpha
    } else {
        alpha * (s + alpha * a * (15.0 + alpha * alpha * (-10.0 + alpha * alpha * 3.0)))
    }
}

/// Interpolated value at α of the template triple (down, nom, up): for the
/// additive codes nom + shift, for the multiplicative ones nom × factor.
fn interpolate(code: InterpCode, down: f64, nom: f64, up: f64, alpha: f64) -> f64 {
    match code {
        InterpCode::Code0 => nom + slow_code0(down, nom, up, alpha),
        InterpCode::Code2 => nom + slow_code2(down, nom, up, alpha),
        InterpCode::Code4p => nom + slow_code4p(down, nom, up, alpha),
        InterpCode::Code1 => nom * slow_code1(down, nom, up, alpha),
        InterpCode::Code4 => nom * slow_code4(down, nom, up, alpha),
    }
}

// ---------------------------------------------------------------------------
// Walking the spec.
// ---------------------------------------------------------------------------

/// Channels sorted by name.
fn sorted_channels(ws: &Workspace) -> Vec<&Channel> {
    let mut chs: Vec<&Channel> = ws.channels.iter().collect();
    chs.sort_by(|a, b| a.name.cmp(&b.name));
    chs
}

/// Samples of a channel sorted by name.
fn sorted_samples(ch: &Channel) -> Vec<&Sample> {
    let mut ss: Vec<&Sample> = ch.samples.iter().collect();
    ss.sort_by(|a, b| a.name.cmp(&b.name));
    ss
}

/// For a per-bin modifier (name, type), the offset of each covered channel's
/// first bin within the parameter set: `offset[channel]`.
fn per_bin_offsets<'a>(ws: &'a Workspace, name: &str, ty: &str) -> BTreeMap<&'a str, usize> {
    let mut out = BTreeMap::new();
    let mut k = 0;
    for ch in sorted_channels(ws) {
        let covered = ch.samples.iter().any(|s| {
            s.modifiers
                .iter()
                .any(|m| m.name() == name && m.type_name() == ty)
        });
        if covered {
            out.insert(ch.name.as_str(), k);
            k += ch.samples[0].data.len();
        }
    }
    out
}

fn measurement<'a>(ws: &'a Workspace, opts: &BuildOptions) -> &'a Measurement {
    match &opts.measurement {
        None => &ws.measurements[0],
        Some(n) => ws
            .measurements
            .iter()
            .find(|m| &m.name == n)
            .expect("reference: unknown measurement"),
    }
}

/// Value of the parameter called `name` (panics if the model lacks it).
fn param(index: &HashMap<&str, usize>, x: &[f64], name: &str) -> f64 {
    let i = *index
        .get(name)
        .unwrap_or_else(|| panic!("reference: model has no parameter '{name}'"));
    x[i]
}

/// Expected main-bin rates at `x`, in the model's bin order (channels sorted
/// by name): per sample and bin, (nominal + Σ histosys δ) × Π factors.
pub fn expected_main(
    ws: &Workspace,
    opts: &BuildOptions,
    model: &HistFactoryModel,
    x: &[f64],
) -> Vec<f64> {
    let index: HashMap<&str, usize> = model
        .param_names()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for ch in sorted_channels(ws) {
        let nbins = ch.samples[0].data.len();
        let mut bins = vec![0.0; nbins];
        for sample in sorted_samples(ch) {
            for (b, bin) in bins.iter_mut().enumerate() {
                let nom = sample.data[b];
                // Additive part: histosys shifts.
                let mut base = nom;
                for m in &sample.modifiers {
                    if let Modifier::Histosys { name, data } = m {
                        let alpha = param(&index, x, name);
                        let v = interpolate(
                            opts.interp.histosys,
                            data.lo_data[b],
                            nom,
                            data.hi_data[b],
                            alpha,
                        );
                        base += v - nom;
                    }
                }
                // Multiplicative part.
                let mut factor = 1.0;
                for m in &sample.modifiers {
                    factor *= match m {
                        Modifier::Normfactor { name, .. } | Modifier::Lumi { name, .. } => {
                            param(&index, x, name)
                        }
                        Modifier::Normsys { name, data } => interpolate(
                            opts.interp.normsys,
                            data.lo,
                            1.0,
                            data.hi,
                            param(&index, x, name),
                        ),
                        Modifier::Histosys { .. } => 1.0,
                        Modifier::Shapefactor { name, .. } => {
                            param(&index, x, &format!("{name}[{b}]"))
                        }
                        Modifier::Shapesys { name, .. } | Modifier::Staterror { name, .. } => {
                            let k = per_bin_offsets(ws, name, m.type_name())[ch.name.as_str()] + b;
                            param(&index, x, &format!("{name}[{k}]"))
                        }
                    };
                }
                *bin += base * factor;
            }
        }
        out.extend(bins);
    }
    out
}

/// A constraint term on one parameter, recomputed from the spec.
#[derive(Debug, Clone, Copy)]
enum RefConstraint {
    Gaussian { sigma: f64 },
    Poisson { tau: f64 },
}

/// Constraint per parameter name (unconstrained parameters absent), and the
/// set of all parameter names the spec implies.
fn constraints(
    ws: &Workspace,
    opts: &BuildOptions,
) -> (HashMap<String, RefConstraint>, BTreeSet<String>) {
    let meas = measurement(ws, opts);
    let cfg_sigmas = |name: &str| -> Option<Vec<f64>> {
        meas.config
            .parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.sigmas.clone())
    };
    let cfg_factors = |name: &str| -> Option<Vec<f64>> {
        meas.config
            .parameters
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.factors.clone())
    };
    let mut out = HashMap::new();
    let mut all = BTreeSet::new();
    let mut done: BTreeSet<(String, &str)> = BTreeSet::new();
    for ch in sorted_channels(ws) {
        for sample in sorted_samples(ch) {
            for m in &sample.modifiers {
                let name = m.name();
                if !done.insert((name.to_string(), m.type_name())) {
                    continue;
                }
                match m {
                    Modifier::Normfactor { .. } => {
                        all.insert(name.to_string());
                    }
                    Modifier::Normsys { .. } | Modifier::Histosys { .. } => {
                        all.insert(name.to_string());
                        let sigma = cfg_sigmas(name).map_or(1.0, |s| s[0]);
                        out.insert(name.to_string(), RefConstraint::Gaussian { sigma });
                    }
                    Modifier::Lumi { .. } => {
                        all.insert(name.to_string());
                        let sigma = cfg_sigmas(name).expect("reference: lumi needs sigmas")[0];
                        out.insert(name.to_string(), RefConstraint::Gaussian { sigma });
                    }
                    Modifier::Shapefactor { .. } => {
                        // First sighting in sorted order: its bins count.
                        for k in 0..sample.data.len() {
                            all.insert(format!("{name}[{k}]"));
                        }
                    }
                    Modifier::Shapesys { data, .. } => {
                        // Not shareable: this sample in this channel is the
                        // only carrier. τ = (nom/unc)², bins without yield or
                        // uncertainty get τ = 1 (and a fixed γ).
                        let offsets = per_bin_offsets(ws, name, "shapesys");
                        let k0 = offsets[ch.name.as_str()];
                        let cfg = cfg_factors(name);
                        for (b, (&nom, &unc)) in sample.data.iter().zip(data).enumerate() {
                            let tau = if nom > 0.0 && unc > 0.0 {
                                (nom / unc) * (nom / unc)
                            } else {
                                1.0
                            };
                            let tau = cfg.as_ref().map_or(tau, |f| f[k0 + b]);
                            let pname = format!("{name}[{}]", k0 + b);
                            all.insert(pname.clone());
                            out.insert(pname, RefConstraint::Poisson { tau });
                        }
                    }
                    Modifier::Staterror { .. } => {
                        // σ_b = sqrt(Σ_s unc_sb²) / Σ_s nom_sb over the
                        // samples carrying this staterror; σ = 0 → width 1.
                        let offsets = per_bin_offsets(ws, name, "staterror");
                        let carriers: BTreeSet<&str> = ws
                            .channels
                            .iter()
                            .flat_map(|c| c.samples.iter())
                            .filter(|s| {
                                s.modifiers
                                    .iter()
                                    .any(|m| m.name() == name && m.type_name() == "staterror")
                            })
                            .map(|s| s.name.as_str())
                            .collect();
                        let cfg = cfg_sigmas(name);
                        for c in sorted_channels(ws) {
                            let Some(&k0) = offsets.get(c.name.as_str()) else {
                                continue;
                            };
                            for b in 0..c.samples[0].data.len() {
                                let mut nom_sum = 0.0;
                                let mut unc2 = 0.0;
                                for s in c.samples.iter().filter(|s| carriers.contains(&*s.name)) {
                                    nom_sum += s.data[b];
                                    for m in &s.modifiers {
                                        if let Modifier::Staterror { name: n, data } = m
                                            && n == name
                                        {
                                            unc2 += data[b] * data[b];
                                        }
                                    }
                                }
                                let sigma = if nom_sum > 0.0 {
                                    unc2.sqrt() / nom_sum
                                } else {
                                    0.0
                                };
                                let sigma = if sigma == 0.0 { 1.0 } else { sigma };
                                let sigma = cfg.as_ref().map_or(sigma, |s| s[k0 + b]);
                                let pname = format!("{name}[{}]", k0 + b);
                                all.insert(pname.clone());
                                out.insert(pname, RefConstraint::Gaussian { sigma });
                            }
                        }
                    }
                }
            }
        }
    }
    (out, all)
}

/// d − ln(1+d) for |d| < 1/2 by its Taylor series Σ_{k≥2} (−d)^k / k,
/// summed smallest first.
fn d_minus_log1p(d: f64) -> f64 {
    assert!(d.abs() < 0.5, "reference: series used outside |d| < 1/2");
    let mut p = 1.0;
    let mut terms = Vec::new();
    for k in 1..80 {
        p *= -d;
        if k >= 2 {
            terms.push(p / k as f64);
        }
    }
    terms.iter().rev().sum()
}

/// lnΓ(n+1) − n ln n + n: Stirling's series ½ ln(2πn) + Σ_k B₂ₖ/(2k(2k−1)
/// n^(2k−1)) with its Bernoulli numbers written out, from n = 20 on;
/// lnΓ directly below.
fn stirling_remainder(n: f64) -> f64 {
    if n == 0.0 {
        return 0.0;
    }
    if n < 20.0 {
        return libm::lgamma(n + 1.0) - n * n.ln() + n;
    }
    let bernoulli = [
        (1.0, 6.0),
        (-1.0, 30.0),
        (1.0, 42.0),
        (-1.0, 30.0),
        (5.0, 66.0),
        (-691.0, 2730.0),
        (7.0, 6.0),
    ];
    let mut sum = 0.5 * (2.0 * std::f64::consts::PI * n).ln();
    for (k, (num, den)) in bernoulli.iter().enumerate() {
        let k = (k + 1) as i32;
        let b = num / den;
        sum += b / ((2 * k * (2 * k - 1)) as f64 * n.powi(2 * k - 1));
    }
    sum
}

/// −ln Poisson(n | ν) with the continuous Γ (pyhf's `poisson.log_prob`),
/// as n·(d − ln(1+d)) + S(n) with n·d = `nu_minus_n` (the caller computes
/// ν − n without rounding ν first where it can): ν − n ln ν + lnΓ(n+1)
/// written so that no part cancels at large n.
fn neg_log_poisson(n: f64, nu: f64, nu_minus_n: f64) -> f64 {
    if n == 0.0 {
        return nu;
    }
    if nu <= 0.0 {
        return f64::INFINITY;
    }
    let d = nu_minus_n / n;
    let dev = if d.abs() < 0.5 {
        n * d_minus_log1p(d)
    } else {
        // Here ν − n and n ln(ν/n) differ by a factor ≥ 1.2: at most a
        // few bits cancel, and logarithms of ν and n separately also hold
        // for ratios beyond the double range (subnormal n).
        nu_minus_n - n * (nu.ln() - n.ln())
    };
    dev + stirling_remainder(n)
}

/// pyhf's `-logpdf(x, data)`: `data_flat` is main bins followed by the
/// auxiliary data in the model's order (constrained parameters in parameter
/// order). Main term Σ −ln Poisson(n_b | ν_b); constraints: Gaussian
/// ½((a−θ)/σ)² + ln σ + ½ ln 2π, Poisson(a | γτ) for shapesys. The terms
/// ([`nll_terms`]) are added with a compensated sum.
pub fn nll(
    ws: &Workspace,
    opts: &BuildOptions,
    model: &HistFactoryModel,
    data_flat: &[f64],
    x: &[f64],
) -> f64 {
    let terms = nll_terms(ws, opts, model, data_flat, x);
    let values: Vec<f64> = terms.iter().map(|(_, v)| *v).collect();
    crate::poisson::neumaier_sum(&values)
}

/// The terms of [`nll`], labelled: `main[i]` for the i-th main bin in the
/// model's order, the parameter's name for its constraint.
pub fn nll_terms(
    ws: &Workspace,
    opts: &BuildOptions,
    model: &HistFactoryModel,
    data_flat: &[f64],
    x: &[f64],
) -> Vec<(String, f64)> {
    let nu = expected_main(ws, opts, model, x);
    let (main, aux) = data_flat.split_at(nu.len());
    let mut terms: Vec<(String, f64)> = main
        .iter()
        .zip(&nu)
        .enumerate()
        .map(|(b, (&n, &v))| (format!("main[{b}]"), neg_log_poisson(n, v, v - n)))
        .collect();
    let (cons, all) = constraints(ws, opts);
    assert_eq!(
        all.len(),
        model.param_names().len(),
        "reference: the spec implies parameters {all:?}, the model has {:?}",
        model.param_names()
    );
    let mut a = 0;
    for (i, name) in model.param_names().iter().enumerate() {
        assert!(all.contains(name), "reference: unexpected parameter {name}");
        match cons.get(name) {
            None => {}
            Some(RefConstraint::Gaussian { sigma }) => {
                let z = (aux[a] - x[i]) / sigma;
                terms.push((name.clone(), 0.5 * z * z + sigma.ln() + HALF_LN_2PI));
                a += 1;
            }
            Some(RefConstraint::Poisson { tau }) => {
                let nu_minus_n = x[i].mul_add(*tau, -aux[a]);
                let v = neg_log_poisson(aux[a], x[i] * tau, nu_minus_n);
                terms.push((name.clone(), v));
                a += 1;
            }
        }
    }
    assert_eq!(a, aux.len(), "reference: auxdata length");
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code4_solve_hits_the_knots_and_is_smooth() {
        let (lo, hi) = (0.85, 1.2);
        for (alpha, expect) in [(1.0 - 1e-12, 1.2), (-1.0 + 1e-12, 0.85), (0.0, 1.0)] {
            let v = slow_code4(lo, 1.0, hi, alpha);
            assert!((v - expect).abs() < 1e-9, "α={alpha}: {v} vs {expect}");
        }
        // First derivative continuous at α = 1.
        let h = 1e-6;
        let inside =
            (slow_code4(lo, 1.0, hi, 1.0 - h) - slow_code4(lo, 1.0, hi, 1.0 - 2.0 * h)) / h;
        let exact = hi * f64::ln(hi);
        assert!((inside - exact).abs() < 1e-4, "{inside} vs {exact}");
    }

    #[test]
    fn code4p_and_code2_continuous_at_knots() {
        let (d, n, u) = (7.0, 10.0, 14.0);
        for a in [1.0, -1.0] {
            let inner = slow_code4p(d, n, u, a);
            let outer = slow_code4p(d, n, u, a * (1.0 + 1e-12));
            assert!((inner - outer).abs() < 1e-9);
        }
        assert_eq!(slow_code2(d, n, u, 1.0), u - n);
        assert_eq!(slow_code2(d, n, u, -1.0), d - n);
    }
}
