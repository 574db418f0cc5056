//! What pyhf accepts, we accept; what we reject, pyhf rejects too or gets
//! wrong. Goldens: `scripts/make_acceptance_goldens.py` (pyhf 0.7.6) writes
//! one file per case to tests/fixtures/goldens/acceptance/; the list of
//! rejections with their reasons is docs/rejections.md.
//!
//! Accepted cases: the model must be pyhf's (names, init, bounds, fixed,
//! POI, observed data and auxdata exactly) and the NLL within 1e-9
//! relative of pyhf's −logpdf at the init, random points and pyhf's best
//! fit (expected rates within 1e-12); where pyhf's logpdf is NaN or −inf
//! ours is +inf. The slow reference agrees too, and the gradient matches
//! finite differences.
//!
//! Rejected cases: our error names the place and the reason, and the golden
//! shows what pyhf does: it raises, or it builds a model whose numbers are
//! checked here to be wrong (NaN likelihoods, input silently dropped, bins
//! multiplied by an unrelated parameter).

mod common;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use ns_core::Model;
use ns_histfactory::{
    BuildOptions, HistFactoryModel, InterpCode, InterpSettings, Workspace, reference,
};
use serde_json::Value;

const NLL_RTOL: f64 = 1e-9;
const EXPECTED_RTOL: f64 = 1e-12;
const SOURCE: &str = "acceptance.json";

fn goldens() -> BTreeMap<String, Value> {
    let dir = common::fixtures_dir().join("goldens/acceptance");
    let mut out = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            out.insert(v["case"].as_str().unwrap().to_string(), v);
        }
    }
    assert!(
        out.len() >= 40,
        "expected the acceptance goldens, found {}",
        out.len()
    );
    out
}

/// A golden number: a JSON number or "nan", "inf", "-inf".
fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => match s.as_str() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("not a number: {other}"),
        },
        _ => v.as_f64().expect("number"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().expect("array").iter().map(num).collect()
}

fn settings(g: &Value) -> InterpSettings {
    let ms = &g["modifier_settings"];
    InterpSettings {
        normsys: InterpCode::parse(ms["normsys"]["interpcode"].as_str().unwrap()).unwrap(),
        histosys: InterpCode::parse(ms["histosys"]["interpcode"].as_str().unwrap()).unwrap(),
    }
}

fn opts(g: &Value) -> BuildOptions {
    BuildOptions {
        interp: settings(g),
        source_name: SOURCE.into(),
        ..Default::default()
    }
}

fn text(g: &Value) -> &str {
    g["workspace_text"].as_str().unwrap()
}

fn rel_close(a: f64, b: f64, rtol: f64) -> bool {
    a == b || (a - b).abs() <= rtol * a.abs().max(b.abs())
}

/// pyhf's points: (parameters, −logpdf, expected main rates), with the best
/// fit last if there is one.
fn points(g: &Value) -> Vec<(Vec<f64>, f64, Vec<f64>)> {
    let p = &g["pyhf"];
    let mut out: Vec<_> = p["points"]
        .as_array()
        .expect("points")
        .iter()
        .chain(p.get("best_fit"))
        .map(|pt| {
            (
                nums(&pt["pars"]),
                num(&pt["nll"]),
                nums(&pt["expected_main"]),
            )
        })
        .collect();
    assert!(!out.is_empty());
    out.dedup_by(|a, b| a.0 == b.0);
    out
}

/// Our NLL equals pyhf's −logpdf at every golden point (+∞ where pyhf's
/// is NaN or +∞).
fn assert_nll_matches(model: &HistFactoryModel, g: &Value, what: &str) {
    let mut scratch = model.new_scratch();
    for (i, (x, want, _)) in points(g).iter().enumerate() {
        let ours = model.nll(model.observed(), x, &mut scratch);
        if want.is_finite() {
            assert!(
                rel_close(ours, *want, NLL_RTOL),
                "{what} point {i}: NLL {ours} vs pyhf {want}"
            );
        } else {
            assert_eq!(ours, f64::INFINITY, "{what} point {i}: pyhf {want}");
        }
    }
}

#[test]
fn accepted_cases_match_pyhf() {
    let mut n = 0;
    for (case, g) in goldens().iter().filter(|(_, g)| g["kind"] == "accepted") {
        let p = &g["pyhf"];
        assert!(p.get("raises").is_none(), "{case}: pyhf raised");
        let o = opts(g);
        let model = HistFactoryModel::from_json_str(text(g), &o)
            .unwrap_or_else(|e| panic!("{case}: rejected: {e}"));
        let names: Vec<&str> = p["par_names"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(model.param_names(), names.as_slice(), "{case}: par_names");
        assert_eq!(model.suggested_init(), nums(&p["suggested_init"]), "{case}");
        let bounds: Vec<(f64, f64)> = p["suggested_bounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| (num(&b[0]), num(&b[1])))
            .collect();
        assert_eq!(
            model.suggested_bounds(),
            bounds.as_slice(),
            "{case}: bounds"
        );
        let fixed: Vec<bool> = p["suggested_fixed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_bool().unwrap())
            .collect();
        assert_eq!(model.suggested_fixed(), fixed.as_slice(), "{case}: fixed");
        assert_eq!(
            model.poi_index(),
            p["poi_index"].as_u64().map(|i| i as usize)
        );
        assert_eq!(
            model.observed().to_vec(),
            nums(&p["observed_data"]),
            "{case}: data"
        );

        assert_nll_matches(&model, g, case);
        let ws = Workspace::from_json_str(text(g), SOURCE).unwrap();
        let flat = model.observed().to_vec();
        for (i, (x, want, expected)) in points(g).iter().enumerate() {
            let ours = model.expected_data(x, false);
            for (b, (a, e)) in ours.iter().zip(expected).enumerate() {
                assert!(
                    rel_close(*a, *e, EXPECTED_RTOL) || (a.is_nan() && e.is_nan()),
                    "{case} point {i} bin {b}: ν {a} vs pyhf {e}"
                );
            }
            if want.is_finite() {
                let slow = reference::nll(&ws, &o, &model, &flat, x);
                assert!(
                    rel_close(slow, *want, NLL_RTOL),
                    "{case} point {i}: reference NLL {slow} vs pyhf {want}"
                );
            }
        }
        n += 1;
    }
    assert_eq!(n, 7, "accepted cases");
}

/// Central differences of the NLL against the analytic gradient on the
/// accepted cases with a smooth NLL (not the code1 kink case).
#[test]
fn accepted_cases_gradient() {
    for (case, g) in goldens().iter().filter(|(_, g)| g["kind"] == "accepted") {
        if settings(g).normsys == InterpCode::Code1 {
            continue;
        }
        let model = HistFactoryModel::from_json_str(text(g), &opts(g)).unwrap();
        let mut scratch = model.new_scratch();
        for (x, _, _) in points(g) {
            let mut grad = vec![0.0; x.len()];
            let f = model.nll_grad(model.observed(), &x, &mut grad, &mut scratch);
            assert!(f.is_finite(), "{case}");
            let mut xp = x.clone();
            for i in 0..x.len() {
                let h = 1e-6 * x[i].abs().max(1.0);
                xp[i] = x[i] + h;
                let fp = model.nll(model.observed(), &xp, &mut scratch);
                xp[i] = x[i] - h;
                let fm = model.nll(model.observed(), &xp, &mut scratch);
                xp[i] = x[i];
                let fd = (fp - fm) / (2.0 * h);
                // Central differences of an NLL of size ~100: rounding
                // ~1e-14·100/h ≈ 1e-6, truncation ~h².
                assert!(
                    (grad[i] - fd).abs() <= 1e-5 * grad[i].abs().max(1.0),
                    "{case} {}: analytic {} vs finite difference {fd}",
                    model.param_names()[i],
                    grad[i]
                );
            }
        }
    }
}

/// pyhf's coupled shapefactor: one set of parameters, bin j of every
/// carrier multiplied by parameter j.
#[test]
fn coupled_shapefactor_semantics() {
    let g = &goldens()["coupled_shapefactor"];
    let model = HistFactoryModel::from_json_str(text(g), &opts(g)).unwrap();
    // channels control, signal; samples background, bkg1, signal.
    let x = [1.5, 0.7, 1.9];
    let nu = model.expected_data(&x, false);
    let want = [
        93.0 * 0.7,
        121.0 * 1.9,
        14.0 * 1.5 + 88.0 * 0.7,
        9.5 * 1.5 + 64.0 * 1.9,
    ];
    for (a, b) in nu.iter().zip(want) {
        assert!(rel_close(*a, b, 1e-15), "{nu:?} vs {want:?}");
    }
}

/// Build `json` (modified from a golden's workspace); its NLL must equal
/// pyhf's at every point of the golden: that is what pyhf computed.
fn assert_pyhf_computed(json: &str, g: &Value, what: &str) {
    let model =
        HistFactoryModel::from_json_str(json, &opts(g)).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_nll_matches(&model, g, what);
}

fn ws_value(g: &Value) -> Value {
    serde_json::from_str(text(g)).unwrap()
}

/// What pyhf does with a case we reject.
enum Pyhf {
    /// pyhf raises this exception.
    Raises(&'static str),
    /// pyhf builds a model; the check shows what is wrong with it.
    Builds(fn(&Value)),
}

fn all_nll(g: &Value, pred: fn(f64) -> bool) -> bool {
    points(g).iter().all(|p| pred(p.1))
}

fn rejected_cases() -> Vec<(&'static str, &'static [&'static str], Pyhf)> {
    use Pyhf::*;
    vec![
        (
            "shapefactor_more_bins",
            &[
                "modifier 'sf' (shapefactor)",
                "2 parameters",
                "'a_sr'",
                "'b_cr' has 3 bins",
            ],
            Builds(|g| {
                // x = [mu, sf[0], sf[1]] = [1.7, 1.1, 1.3]; b_cr's bkg has
                // nominal [210, 180, 95] and no normfactor, yet pyhf gives
                // its bin 2 the factor mu.
                let p = &g["pyhf"];
                assert_eq!(nums(&p["channel_nbins"]), [2.0, 3.0]);
                assert_eq!(p["par_names"][0], "mu");
                let (x, _, nu) = &points(g)[1];
                assert_eq!(x, &[1.7, 1.1, 1.3]);
                assert!(rel_close(nu[2], 210.0 * 1.1, 1e-15));
                assert!(rel_close(nu[3], 180.0 * 1.3, 1e-15));
                assert!(rel_close(nu[4], 95.0 * 1.7, 1e-15), "pyhf: {}", nu[4]);
            }),
        ),
        (
            "duplicate_sample",
            &["channels['SR'].samples['bkg']", "duplicate sample"],
            Builds(|g| {
                // pyhf's likelihood is that of the channel without the
                // first 'bkg'.
                let mut w = ws_value(g);
                w["channels"][0]["samples"]
                    .as_array_mut()
                    .unwrap()
                    .remove(1);
                assert_pyhf_computed(&w.to_string(), g, "first 'bkg' dropped");
            }),
        ),
        (
            "duplicate_modifier",
            &["modifiers['n'] (normsys)", "twice"],
            Builds(|g| {
                let mut w = ws_value(g);
                w["channels"][0]["samples"][1]["modifiers"]
                    .as_array_mut()
                    .unwrap()
                    .remove(0);
                assert_pyhf_computed(&w.to_string(), g, "first normsys dropped");
            }),
        ),
        (
            "duplicate_channel",
            &["channels[1] ('SR')", "duplicate channel"],
            Builds(|g| {
                let mut w = ws_value(g);
                let second = w["channels"].as_array_mut().unwrap().remove(1);
                let extra = second["samples"].as_array().unwrap().clone();
                w["channels"][0]["samples"]
                    .as_array_mut()
                    .unwrap()
                    .extend(extra);
                assert_pyhf_computed(&w.to_string(), g, "channels merged");
            }),
        ),
        (
            "duplicate_observation",
            &["observations[1] ('SR')", "duplicate observation"],
            Builds(|g| {
                let mut w = ws_value(g);
                w["observations"].as_array_mut().unwrap().remove(0);
                assert_pyhf_computed(&w.to_string(), g, "last observation kept");
            }),
        ),
        (
            "normsys_code4_nonpositive",
            &["modifiers['n'] (normsys)", "positive", "code4"],
            Builds(|g| assert!(all_nll(g, f64::is_nan), "pyhf: NaN everywhere")),
        ),
        (
            "negative_observation",
            &["observations[0] ('SR')", "negative"],
            Builds(|g| {
                // A finite value for an impossible count: ν − n ln ν +
                // lnΓ(n + 1) with n = −0.5 (lnΓ(0.5) = ln √π).
                let (x, nll, nu) = &points(g)[0];
                assert_eq!(x, &[1.0]);
                let (n0, n1) = (-0.5f64, 71.0f64);
                let want = nu[0] - n0 * nu[0].ln() + 0.5 * std::f64::consts::PI.ln() + nu[1]
                    - n1 * nu[1].ln()
                    + libm::lgamma(n1 + 1.0);
                assert!(rel_close(*nll, want, 1e-12), "{nll} vs {want}");
            }),
        ),
        (
            "negative_observation_integer",
            &["observations[0] ('SR')", "negative"],
            Builds(|g| assert!(all_nll(g, |v| v == f64::INFINITY))),
        ),
        (
            "zero_sigma",
            &["parameters['st']", "sigma 0 must be positive"],
            Builds(|g| assert!(all_nll(g, f64::is_nan))),
        ),
        (
            "negative_sigma",
            &["parameters['st']", "sigma 0 must be positive"],
            Builds(|g| assert!(all_nll(g, f64::is_nan))),
        ),
        (
            "shapesys_factor_nonpositive",
            &["parameters['ss']", "factors[0] must be positive"],
            Builds(|g| assert!(all_nll(g, |v| v == f64::INFINITY))),
        ),
        (
            "lumi_inits_length",
            &["parameters['lumi']", "inits has 2 values"],
            Builds(|g| {
                let p = &g["pyhf"];
                assert_eq!(p["par_names"].as_array().unwrap().len(), 2);
                assert_eq!(p["n_suggested_init"], 3, "an inconsistent model");
            }),
        ),
        (
            "bounds_not_pairs",
            &["measurements[0].config.parameters[0].bounds[0]"],
            Builds(|g| assert_eq!(g["pyhf"]["fit_raises"]["type"], "ValueError")),
        ),
        (
            "nan_literal",
            &["invalid workspace"],
            Builds(|g| assert!(all_nll(g, f64::is_nan))),
        ),
        (
            "number_overflow",
            &["invalid workspace", "number out of range"],
            Builds(|g| assert!(all_nll(g, f64::is_nan))),
        ),
        (
            "duplicate_json_key",
            &["invalid workspace", "duplicate field `data`"],
            Builds(|g| {
                // Python's json keeps the last of the two values.
                let json = text(g).replace(r#""data": [520.0, 630.0], "#, "");
                assert_ne!(json, text(g));
                assert_pyhf_computed(&json, g, "last key kept");
            }),
        ),
        (
            "staterror_different_channel_sets",
            &["modifier 'st' (staterror)", "same channels"],
            Raises("AssertionError"),
        ),
        (
            "shapesys_shared",
            &["modifier 'ss' (shapesys)", "cannot be shared"],
            Raises("InvalidModel"),
        ),
        (
            "lumi_without_config",
            &["parameters['lumi']", "sigmas"],
            Raises("TypeError"),
        ),
        (
            "sample_length_mismatch",
            &["samples['bkg']", "1 bins"],
            Raises("InvalidModel"),
        ),
        (
            "histosys_length_mismatch",
            &["modifiers['h'] (histosys)", "hi_data has 1 bins"],
            Raises("InvalidModifier"),
        ),
        (
            "staterror_length_mismatch",
            &["modifiers['st'] (staterror)", "data has 1 bins"],
            Raises("InvalidModifier"),
        ),
        (
            "observation_length_mismatch",
            &["observations[0] ('SR')", "3 bins"],
            Raises("InvalidPdfData"),
        ),
        (
            "channel_without_observation",
            &["channels['CR']", "no observations"],
            Raises("KeyError"),
        ),
        (
            "poi_not_a_parameter",
            &["config.poi", "'nope'"],
            Raises("InvalidModel"),
        ),
        (
            "poi_multi_component",
            &["config.poi", "scalar"],
            Raises("InvalidModel"),
        ),
        (
            "name_reuse_across_types",
            &["'mu'", "normsys", "normfactor"],
            Raises("InvalidNameReuse"),
        ),
        (
            "config_length_mismatch",
            &["parameters['mu']", "inits has 2 values"],
            Raises("InvalidModel"),
        ),
        (
            "config_sigmas_on_unconstrained",
            &["parameters['mu']", "unconstrained"],
            Raises("InvalidModel"),
        ),
        (
            "config_sigmas_on_shapesys",
            &["parameters['ss']", "Poisson"],
            Raises("InvalidModel"),
        ),
        (
            "config_factors_on_normsys",
            &["parameters['n']", "takes no factors"],
            Raises("InvalidModel"),
        ),
        (
            "config_twice",
            &["parameters['mu']", "multiple"],
            Raises("InvalidModel"),
        ),
        (
            "unknown_modifier_type",
            &["modifiers[0]", "foosys"],
            Raises("InvalidSpecification"),
        ),
        ("unknown_field", &["weight"], Raises("InvalidSpecification")),
        (
            "no_measurements",
            &["no measurements"],
            Raises("InvalidSpecification"),
        ),
        (
            "no_channels",
            &["no channels"],
            Raises("InvalidSpecification"),
        ),
        (
            "channel_without_samples",
            &["('CR')", "no samples"],
            Raises("InvalidSpecification"),
        ),
        (
            "zero_bins",
            &["('CR')", "zero bins"],
            Raises("InvalidSpecification"),
        ),
    ]
}

#[test]
fn rejected_cases_are_rejected_and_pyhf_raises_or_is_wrong() {
    let goldens = goldens();
    let table = rejected_cases();
    let listed: Vec<&str> = table.iter().map(|t| t.0).collect();
    for (case, g) in &goldens {
        if g["kind"] == "rejected" {
            assert!(listed.contains(&case.as_str()), "{case}: no expectations");
        }
    }
    for (case, parts, pyhf) in table {
        let g = goldens
            .get(case)
            .unwrap_or_else(|| panic!("{case}: no golden"));
        assert_eq!(g["kind"], "rejected", "{case}");
        let result = catch_unwind(AssertUnwindSafe(|| {
            HistFactoryModel::from_json_str(text(g), &opts(g))
        }));
        let err = match result {
            Err(_) => panic!("{case}: panicked"),
            Ok(Ok(_)) => panic!("{case}: accepted"),
            Ok(Err(e)) => e.to_string(),
        };
        for part in [SOURCE].iter().chain(parts) {
            assert!(err.contains(part), "{case}: expected {part:?} in: {err}");
        }
        let raised = g["pyhf"].get("raises");
        match pyhf {
            Pyhf::Raises(ty) => {
                let r = raised.unwrap_or_else(|| panic!("{case}: pyhf did not raise"));
                assert_eq!(r["type"], ty, "{case}: pyhf raised {r}");
            }
            Pyhf::Builds(check) => {
                assert!(raised.is_none(), "{case}: pyhf raised {raised:?}");
                check(g);
            }
        }
    }
}

/// Every rejected case, and every accepted one that an earlier version
/// rejected, is listed in docs/rejections.md.
#[test]
fn rejections_are_documented() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rejections.md"),
    )
    .expect("docs/rejections.md");
    for case in goldens().keys() {
        assert!(
            doc.contains(&format!("`{case}`")),
            "docs/rejections.md lacks `{case}`"
        );
    }
}
