//! Helpers shared by the integration tests of this crate.
#![allow(dead_code)]

use std::path::PathBuf;

use ns_core::Model;
use ns_histfactory::{BuildOptions, HistFactoryModel, InterpCode, InterpSettings, Workspace};
use rand::RngExt;

/// `tests/fixtures` of the workspace.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

/// Path of one fixture.
pub fn fixture(name: &str) -> PathBuf {
    fixtures_dir().join(name)
}

/// Every valid fixture (all `*.json` not starting with `bad_`), sorted.
pub fn good_fixtures() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && !n.starts_with("bad_"))
        .collect();
    v.sort();
    v
}

/// The interpolation-code combinations every kernel test runs with:
/// pyhf 0.7 defaults, the old ROOT/pyhf default, and the additive codes
/// on both modifier types.
pub fn code_settings() -> Vec<(&'static str, InterpSettings)> {
    use InterpCode::*;
    vec![
        ("default(code4/code4p)", InterpSettings::default()),
        (
            "code1/code0",
            InterpSettings {
                normsys: Code1,
                histosys: Code0,
            },
        ),
        (
            "code2/code2",
            InterpSettings {
                normsys: Code2,
                histosys: Code2,
            },
        ),
        (
            "code0/code0",
            InterpSettings {
                normsys: Code0,
                histosys: Code0,
            },
        ),
    ]
}

/// Parse a fixture.
pub fn parse(name: &str) -> Workspace {
    Workspace::from_path(&fixture(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Build a parsed fixture with the given settings.
pub fn build(
    ws: &Workspace,
    name: &str,
    interp: InterpSettings,
) -> (BuildOptions, HistFactoryModel) {
    let opts = BuildOptions {
        interp,
        source_name: fixture(name).display().to_string(),
        ..Default::default()
    };
    let model = HistFactoryModel::from_workspace(ws, &opts).unwrap_or_else(|e| panic!("{e}"));
    (opts, model)
}

/// Parse a fixture and build it with the given settings.
pub fn load(name: &str, interp: InterpSettings) -> (Workspace, BuildOptions, HistFactoryModel) {
    let ws = parse(name);
    let (opts, model) = build(&ws, name, interp);
    (ws, opts, model)
}

/// Map one uniform draw u ∈ [-1, 1] per parameter to a point near the
/// suggested init: parameters initialised at 0 (α nuisances) go to
/// `alpha_range · u`, the others (factors, γ) to `init · (1 + factor_range · u)`;
/// everything is clamped to the suggested bounds.
pub fn point_from_uniform(
    model: &HistFactoryModel,
    u: &[f64],
    alpha_range: f64,
    factor_range: f64,
) -> Vec<f64> {
    let init = model.suggested_init();
    let bounds = model.suggested_bounds();
    init.iter()
        .zip(bounds)
        .zip(u)
        .map(|((&x0, &(lo, hi)), &u)| {
            let x = if x0 == 0.0 {
                alpha_range * u
            } else {
                x0 * (1.0 + factor_range * u)
            };
            x.clamp(lo, hi)
        })
        .collect()
}

/// A seeded random point (see [`point_from_uniform`]).
pub fn random_point(
    model: &HistFactoryModel,
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
    alpha_range: f64,
    factor_range: f64,
) -> Vec<f64> {
    let u: Vec<f64> = (0..model.n_params())
        .map(|_| rng.random_range(-1.0..=1.0))
        .collect();
    point_from_uniform(model, &u, alpha_range, factor_range)
}

/// |a − b| ≤ rtol · max(|a|, |b|).
pub fn rel_close(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * a.abs().max(b.abs())
}
