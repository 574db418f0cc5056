//! The grouped (sparse) HESSE against the dense one on every fixture: the
//! HistFactory Hessian pattern must cover every non-zero entry, and the
//! grouped Hessian must equal the dense one up to finite-difference rounding.

use std::path::PathBuf;

use ns_core::{BoundObjective, Model};
use ns_histfactory::{BuildOptions, HistFactoryModel, Workspace};
use ns_infer::{FitOptions, fit};
use ns_optim::{hessian_from_gradient, hessian_structured};

fn model(name: &str) -> HistFactoryModel {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    let ws = Workspace::from_path(&path).unwrap();
    HistFactoryModel::from_workspace(&ws, &BuildOptions::default()).unwrap()
}

#[test]
fn grouped_hessian_equals_dense_on_fixtures() {
    for (name, max_evals) in [
        ("godrun_workspace.json", Some(8)),
        ("complex_workspace.json", None),
        ("simple_workspace.json", None),
        ("workspace_tHu.json", None),
    ] {
        let m = model(name);
        let r = fit(&m, m.observed(), &FitOptions::default()).unwrap();
        assert!(r.converged(), "{name}: {}", r.status);
        let n = m.n_params();
        let (lo, hi): (Vec<f64>, Vec<f64>) = m.suggested_bounds().iter().copied().unzip();
        let fixed = m.suggested_fixed().to_vec();
        let mut obj = BoundObjective::new(&m, m.observed());
        let dense = hessian_from_gradient(&mut obj, &r.bestfit, &lo, &hi, &fixed);
        let (grouped, evals) = hessian_structured(&mut obj, &r.bestfit, &lo, &hi, &fixed);
        let free = fixed.iter().filter(|f| !**f).count();
        assert!(evals <= 2 * free, "{name}: {evals} evaluations");
        if let Some(k) = max_evals {
            assert!(
                evals <= k,
                "{name}: {evals} evaluations, expected at most {k}"
            );
        }
        let pattern = m.hessian_pattern().unwrap();
        let scale = dense.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        for i in 0..n {
            for j in 0..n {
                let (d, g) = (dense[i * n + j], grouped[i * n + j]);
                if i != j && !pattern[i].contains(&j) {
                    // Outside the pattern the dense FD sees only rounding.
                    assert!(
                        d.abs() <= 1e-9 * scale,
                        "{name}: H[{i}][{j}] = {d} outside the pattern"
                    );
                    assert_eq!(g, 0.0);
                }
                // FD rounding differs between the two perturbation schemes;
                // both carry ~1e-10 relative error (see hessian.rs STEP_REL).
                assert!(
                    (d - g).abs() <= 1e-8 * scale + 1e-7 * d.abs(),
                    "{name}: H[{i}][{j}] dense {d} grouped {g}"
                );
            }
        }
    }
}
