use ns_core::Model;

use super::{Isa, detect_isa};
use crate::{BuildOptions, HistFactoryModel, InterpSettings};

fn fixture(name: &str, interp: InterpSettings) -> HistFactoryModel {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name);
    HistFactoryModel::from_path(
        &path,
        &BuildOptions {
            interp,
            ..Default::default()
        },
    )
    .expect("fixture")
}

/// Every SIMD build of the kernel this CPU runs must agree with the
/// baseline build to the bit.
#[test]
fn simd_and_baseline_builds_agree_bitwise() {
    let codes = [
        InterpSettings::default(),
        InterpSettings::parse("normsys=code1,histosys=code0").unwrap(),
    ];
    let levels: Vec<Isa> = [Isa::Avx2, Isa::Avx512]
        .into_iter()
        .filter(|&l| l <= detect_isa())
        .collect();
    eprintln!("SIMD levels compared with the baseline: {levels:?}");
    let mut compared = 0;
    for name in [
        "workspace_tHu.json",
        "godrun_workspace.json",
        "complex_workspace.json",
    ] {
        for interp in codes {
            let model = fixture(name, interp);
            let mut base = model.kernel.clone();
            base.isa = Isa::Baseline;
            let n = model.n_params();
            let mut points = vec![model.suggested_init().to_vec()];
            // Points spread over all interpolation regions (|α| > 1 too).
            for k in 1..4 {
                let x: Vec<f64> = model
                    .suggested_init()
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        let (lo, hi) = model.suggested_bounds()[i];
                        let step = 0.4 * k as f64 * (((i * 7 + k) % 11) as f64 / 5.0 - 1.0);
                        (v + step).clamp(lo, hi)
                    })
                    .collect();
                points.push(x);
            }
            let mut s2 = base.new_scratch();
            for x in &points {
                let mut g2 = vec![0.0; n];
                let b = base.nll_grad(model.observed(), x, &mut g2, &mut s2);
                assert!(b.is_finite(), "{name}: non-finite NLL");
                let d = base.nll(model.observed(), x, &mut s2);
                assert_eq!(b.to_bits(), d.to_bits(), "{name}: nll vs nll_grad");
                for &level in &levels {
                    let mut fast = model.kernel.clone();
                    fast.isa = level;
                    let mut s1 = fast.new_scratch();
                    let mut g1 = vec![0.0; n];
                    let a = fast.nll_grad(model.observed(), x, &mut g1, &mut s1);
                    assert_eq!(a.to_bits(), b.to_bits(), "{name} {level:?}: NLL {a} vs {b}");
                    for i in 0..n {
                        assert_eq!(
                            g1[i].to_bits(),
                            g2[i].to_bits(),
                            "{name} {level:?}: grad[{i}]"
                        );
                    }
                    let c = fast.nll(model.observed(), x, &mut s1);
                    assert_eq!(c.to_bits(), d.to_bits(), "{name} {level:?}: nll-only");
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 24);
}
