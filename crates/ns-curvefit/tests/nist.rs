//! The NIST StRD nonlinear-regression collection: all 27 problems from both
//! certified starting points, at default settings (TRF, exact forward-mode
//! Jacobian, tolerances 1e-8): certified parameters to LRE >= 6 and
//! certified standard deviations to LRE >= 3.

mod common;

use common::{all, lre};
use ns_curvefit::{ExprModel, Expression, FitOptions, Method, Sigma, curve_fit};

/// Lanczos1's standard deviations only to LRE >= 2: its certified residual
/// sum of squares (1.4e-25) is below double-precision resolution of the
/// residuals (y ~ 1, eps ~ 2e-16, so RSS is only known to ~1e-31·n in
/// absolute terms and to about two digits relative), and the standard
/// deviations scale with sqrt(RSS).
fn sd_threshold(name: &str) -> f64 {
    if name == "Lanczos1" { 2.0 } else { 3.0 }
}

fn run(method: Method) -> (usize, Vec<String>) {
    let mut ok = 0;
    let mut failures = Vec::new();
    let opts = FitOptions {
        method,
        ..FitOptions::default()
    };
    for prob in all() {
        // params= names b1..bk in NIST's order (MGH17 mentions b4 before b3).
        let expected: Vec<String> = (1..=prob.cert.len()).map(|i| format!("b{i}")).collect();
        let expr = Expression::new(prob.expr, Some(&expected)).unwrap();
        assert_eq!(expr.n_vars(), prob.n_vars, "{}", prob.name);
        let names = expr.param_names().to_vec();
        for (si, start) in [&prob.start1, &prob.start2].into_iter().enumerate() {
            let mut model = ExprModel::new(&expr, &prob.x).unwrap();
            let res = curve_fit(&mut model, &names, &prob.y, Some(start), Sigma::None, &opts);
            let res = match res {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{} start{}: error {e}", prob.name, si + 1));
                    continue;
                }
            };
            let perr = res.perr();
            let p_lre = (0..names.len())
                .map(|i| lre(res.popt[i], prob.cert[i]))
                .fold(f64::INFINITY, f64::min);
            let s_lre = (0..names.len())
                .map(|i| lre(perr[i], prob.cert_sd[i]))
                .fold(f64::INFINITY, f64::min);
            if res.success() && p_lre >= 6.0 && s_lre >= sd_threshold(prob.name) {
                ok += 1;
            } else {
                failures.push(format!(
                    "{} start{}: status {} nfev {} param LRE {:.2} sd LRE {:.2} popt {:?}",
                    prob.name,
                    si + 1,
                    res.status,
                    res.nfev,
                    p_lre,
                    s_lre,
                    res.popt
                ));
            }
        }
    }
    (ok, failures)
}

#[test]
fn nist_all_54_at_defaults_trf() {
    let (ok, failures) = run(Method::Trf);
    assert!(
        failures.is_empty(),
        "{ok}/54 passed; failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(ok, 54);
}

#[test]
fn nist_lm_reaches_most() {
    // LM (MINPACK-style) is not the headline; it is checked to reach the
    // certified values on the problems it converges on from both starts.
    let (ok, failures) = run(Method::Lm);
    assert!(
        ok >= 50,
        "{ok}/54 with lm; failures:\n{}",
        failures.join("\n")
    );
}
