//! The fast kernels against the slow reference (`ns_histfactory::reference`),
//! which walks the spec directly with its own interpolation code: on every
//! valid fixture, for every interpolation-code combination, at the suggested
//! init and at five seeded random points, expected data agree within 1e-12
//! relative and the NLL within 1e-11 relative.

mod common;

use common::{build, code_settings, parse, random_point, rel_close};
use ns_core::Model;
use ns_histfactory::reference;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

const EXPECTED_RTOL: f64 = 1e-12;
const NLL_RTOL: f64 = 1e-11;

fn check_fixture(name: &str) {
    let ws = parse(name);
    for (label, interp) in code_settings() {
        let (opts, model) = build(&ws, name, interp);
        let observed = model.observed().to_vec();
        let mut scratch = model.new_scratch();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0x5eed_0000 + name.len() as u64);
        let mut points = vec![model.suggested_init().to_vec()];
        for _ in 0..5 {
            points.push(random_point(&model, &mut rng, 1.5, 0.2));
        }
        for (pi, x) in points.iter().enumerate() {
            let ctx = format!("{name} [{label}] point {pi}");
            let fast = model.expected_data(x, false);
            let slow = reference::expected_main(&ws, &opts, &model, x);
            assert_eq!(fast.len(), slow.len(), "{ctx}: number of bins");
            for (b, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    rel_close(*f, *s, EXPECTED_RTOL),
                    "{ctx}: bin {b}: fast {f} vs reference {s}"
                );
            }
            // NLL on the observed data and on an Asimov-like dataset whose
            // auxdata differ from the nominal ones (so constraint centres
            // matter).
            let mut shifted = observed.clone();
            let m = model.n_main();
            for (i, v) in shifted[m..].iter_mut().enumerate() {
                *v += if i % 2 == 0 { 0.25 } else { -0.125 } * v.abs().max(0.5);
            }
            for (dname, flat) in [("observed", &observed), ("shifted aux", &shifted)] {
                let data = model.data_from_vec(flat).unwrap();
                let fast = model.nll(&data, x, &mut scratch);
                let slow = reference::nll(&ws, &opts, &model, flat, x);
                assert!(
                    fast.is_finite() && rel_close(fast, slow, NLL_RTOL),
                    "{ctx} ({dname}): NLL fast {fast} vs reference {slow} (rel {:e})",
                    (fast - slow).abs() / slow.abs()
                );
            }
        }
    }
}

#[test]
fn simple_workspace() {
    check_fixture("simple_workspace.json");
}

#[test]
fn two_channel_workspace() {
    check_fixture("two_channel_workspace.json");
}

#[test]
fn complex_workspace() {
    check_fixture("complex_workspace.json");
}

#[test]
fn godrun_workspace() {
    check_fixture("godrun_workspace.json");
}

#[test]
fn workspace_thu() {
    check_fixture("workspace_tHu.json");
}

#[test]
fn tttt_prod_workspace() {
    check_fixture("tttt-prod_workspace.json");
}

/// Every valid fixture is covered by a test above.
#[test]
fn all_fixtures_covered() {
    let covered = [
        "complex_workspace.json",
        "godrun_workspace.json",
        "simple_workspace.json",
        "tttt-prod_workspace.json",
        "two_channel_workspace.json",
        "workspace_tHu.json",
    ];
    assert_eq!(common::good_fixtures(), covered);
}
