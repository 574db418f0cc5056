//! Property test: the analytic gradient of `nll_grad` against central finite
//! differences of `nll`, on random points of every valid fixture, for every
//! interpolation-code combination; and `nll_grad`'s value is exactly `nll`.
//!
//! Points: α nuisances uniform in [-2.5, 2.5] (so the extrapolation branches
//! |α| > 1 are exercised often), factors and γ within ±30 % of their init,
//! all clamped to the suggested bounds. Plus, per fixture, points with the POI
//! exactly 0. Finite differences use h = 1e-6·max(1, |x|) and are not taken
//! across the kinks of code0/code1 at α = 0 or the discontinuity of pyhf's
//! code2 at |α| = 1 (random points land there with probability ~0).

mod common;

use common::{build, code_settings, load, parse, point_from_uniform};
use ns_core::Model;
use ns_histfactory::{Data, HistFactoryModel};
use proptest::test_runner::{Config, TestCaseError, TestRunner};

const RTOL: f64 = 1e-5;

/// Compare the analytic gradient with central differences at `x`.
fn check_point(model: &HistFactoryModel, data: &Data, x: &[f64]) -> Result<(), String> {
    let mut scratch = model.new_scratch();
    let mut grad = vec![f64::NAN; x.len()];
    let f = model.nll(data, x, &mut scratch);
    let fg = model.nll_grad(data, x, &mut grad, &mut scratch);
    if f.to_bits() != fg.to_bits() {
        return Err(format!("nll {f} != nll_grad value {fg}"));
    }
    if !f.is_finite() {
        return Err(format!("nll not finite: {f}"));
    }
    // The NLL is a sum of terms much larger than itself (n ln ν and lnΓ(n+1)
    // nearly cancel), so its rounding error is ~ ε·S with S the sum of the
    // terms' magnitudes, and that of a central difference ~ ε·S/h.
    let scale = rounding_scale(model, data, x, f);
    let mut xp = x.to_vec();
    for i in 0..x.len() {
        let h = 1e-6 * x[i].abs().max(1.0);
        xp[i] = x[i] + h;
        let fp = model.nll(data, &xp, &mut scratch);
        xp[i] = x[i] - h;
        let fm = model.nll(data, &xp, &mut scratch);
        xp[i] = x[i];
        let fd = (fp - fm) / (2.0 * h);
        let atol = 8.0 * f64::EPSILON * scale / h + 1e-9;
        let err = (grad[i] - fd).abs();
        // Written so that a NaN anywhere fails.
        let within = err <= RTOL * grad[i].abs().max(fd.abs()) + atol;
        if !within {
            return Err(format!(
                "parameter {i} ({}) at {}: analytic {} vs finite difference {fd} (err {err:e}, atol {atol:e})",
                model.param_names()[i],
                x[i],
                grad[i]
            ));
        }
    }
    Ok(())
}

/// Σ of the magnitudes of the terms summed into the NLL.
fn rounding_scale(model: &HistFactoryModel, data: &Data, x: &[f64], f: f64) -> f64 {
    let nu = model.expected_data(x, true);
    let counts = data.main().iter().chain(data.aux());
    let terms: f64 = nu
        .iter()
        .zip(counts)
        .map(|(&v, &n)| {
            let n_ln_nu = if n == 0.0 {
                0.0
            } else {
                (n * v.abs().ln()).abs()
            };
            v.abs() + n_ln_nu + libm::lgamma(n.abs() + 1.0)
        })
        .sum();
    terms + f.abs().max(1.0)
}

fn run_fixture(name: &str, cases: u32) {
    let ws = parse(name);
    for (label, interp) in code_settings() {
        let (_, model) = build(&ws, name, interp);
        let data = model.observed().clone();
        let n = model.n_params();
        let poi = model.poi_index().unwrap();
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            // Shrinking would walk α towards the kinks at 0 of code0/code1
            // and report a misleading case; report the original one.
            max_shrink_iters: 0,
            ..Config::default()
        });
        let strategy = (
            proptest::collection::vec(-1.0f64..=1.0, n),
            proptest::bool::weighted(0.15),
        );
        runner
            .run(&strategy, |(u, poi_zero)| {
                let mut x = point_from_uniform(&model, &u, 2.5, 0.3);
                if poi_zero
                    && model
                        .nll(
                            &data,
                            &{
                                let mut z = x.clone();
                                z[poi] = -1e-6;
                                z
                            },
                            &mut model.new_scratch(),
                        )
                        .is_finite()
                {
                    x[poi] = 0.0;
                }
                check_point(&model, &data, &x)
                    .map_err(|e| TestCaseError::fail(format!("{name} [{label}]: {e}")))
            })
            .unwrap_or_else(|e| panic!("{e}"));

        // Deterministic extras: all α at ±1.7 (extrapolation on both sides),
        // and the POI exactly 0 where the model stays positive there.
        for (tag, alpha, poi_zero) in [
            ("α=+1.7", 1.7, false),
            ("α=-1.7", -1.7, false),
            ("POI=0", 0.6, true),
        ] {
            let mut x = point_from_uniform(&model, &vec![0.0; n], 0.0, 0.0);
            for (xi, &x0) in x.iter_mut().zip(model.suggested_init()) {
                if x0 == 0.0 {
                    *xi = alpha;
                }
            }
            if poi_zero {
                x[poi] = 0.0;
                let mut below = x.clone();
                below[poi] = -1e-6;
                if !model
                    .nll(&data, &below, &mut model.new_scratch())
                    .is_finite()
                {
                    // Signal-only bins: ν = 0 with n > 0; both the value and
                    // the gradient must say +inf.
                    let mut g = vec![0.0; n];
                    let v = model.nll_grad(&data, &x, &mut g, &mut model.new_scratch());
                    assert_eq!(v, model.nll(&data, &x, &mut model.new_scratch()));
                    continue;
                }
            }
            check_point(&model, &data, &x)
                .unwrap_or_else(|e| panic!("{name} [{label}] {tag}: {e}"));
        }
    }
}

#[test]
fn simple_workspace() {
    run_fixture("simple_workspace.json", 64);
}

#[test]
fn two_channel_workspace() {
    run_fixture("two_channel_workspace.json", 64);
}

#[test]
fn complex_workspace() {
    run_fixture("complex_workspace.json", 64);
}

#[test]
fn godrun_workspace() {
    run_fixture("godrun_workspace.json", 64);
}

#[test]
fn workspace_thu() {
    run_fixture("workspace_tHu.json", 4);
}

#[test]
fn tttt_prod_workspace() {
    run_fixture("tttt-prod_workspace.json", 4);
}

/// A POI of exactly 0 in a model with background everywhere: the derivative
/// with respect to a zero normfactor (and the other factors of its sample)
/// must still be right.
#[test]
fn zero_poi_gradient_complex() {
    for (label, interp) in code_settings() {
        let (_, _, model) = load("complex_workspace.json", interp);
        let data = model.observed().clone();
        let poi = model.poi_index().unwrap();
        let mut x = model.suggested_init().to_vec();
        for (i, name) in model.param_names().iter().enumerate() {
            if name == "ttbar_norm" || name == "bkg_shape" {
                x[i] = 0.4;
            }
        }
        x[poi] = 0.0;
        let mut g = vec![0.0; x.len()];
        model.nll_grad(&data, &x, &mut g, &mut model.new_scratch());
        assert!(g[poi] != 0.0, "{label}: dNLL/dmu at mu=0 vanished");
        check_point(&model, &data, &x).unwrap_or_else(|e| panic!("[{label}]: {e}"));
    }
}

/// A normsys factor of exactly 0 (code0 normsys, lo = 0.5, at α = −2): the
/// kernel's F·f'/f shortcut does not apply to that block and the gradient
/// must come from the products of the other factors instead.
#[test]
fn zero_normsys_factor_gradient() {
    let spec = r#"{
      "channels": [{"name": "c", "samples": [
        {"name": "sig", "data": [3.0, 4.0], "modifiers": [
          {"name": "mu", "type": "normfactor", "data": null},
          {"name": "a", "type": "normsys", "data": {"hi": 1.5, "lo": 0.5}},
          {"name": "b", "type": "normsys", "data": {"hi": 1.2, "lo": 0.9}}]},
        {"name": "bkg", "data": [10.0, 12.0], "modifiers": [
          {"name": "b", "type": "normsys", "data": {"hi": 1.1, "lo": 0.8}}]}]}],
      "observations": [{"name": "c", "data": [12.0, 15.0]}],
      "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
      "version": "1.0.0"
    }"#;
    let interp = ns_histfactory::InterpSettings::parse("normsys=code0,histosys=code0").unwrap();
    let opts = ns_histfactory::BuildOptions {
        interp,
        ..Default::default()
    };
    let model = HistFactoryModel::from_json_str(spec, &opts).expect("model");
    let data = model.observed().clone();
    let a = model.param_index("a").expect("a");
    let b = model.param_index("b").expect("b");
    let mut x = model.suggested_init().to_vec();
    x[a] = -2.0;
    x[b] = 0.3;
    let mut g = vec![0.0; x.len()];
    model.nll_grad(&data, &x, &mut g, &mut model.new_scratch());
    // With the signal's factor at 0, ∂NLL/∂a = Σ_b w_b · nominal · μ · f_b · 0.5.
    assert!(g[a] != 0.0 && g[a].is_finite(), "dNLL/da = {}", g[a]);
    check_point(&model, &data, &x).unwrap_or_else(|e| panic!("{e}"));
}
