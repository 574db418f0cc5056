//! Invalid input is rejected with an error naming the input and the place
//! in it (never a panic); legal oddities are accepted.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use ns_histfactory::{
    BuildOptions, HistFactoryError, HistFactoryModel, InterpCode, InterpSettings, Workspace,
};

const SOURCE: &str = "inline.json";

fn opts() -> BuildOptions {
    BuildOptions {
        source_name: SOURCE.into(),
        ..Default::default()
    }
}

/// Build from JSON text; must fail without panicking. Returns the Display.
fn expect_err_with(json: &str, opts: &BuildOptions) -> String {
    let result = catch_unwind(AssertUnwindSafe(|| {
        HistFactoryModel::from_json_str(json, opts)
    }));
    match result {
        Err(_) => panic!("building panicked on:\n{json}"),
        Ok(Ok(_)) => panic!("invalid workspace was accepted:\n{json}"),
        Ok(Err(e)) => {
            let text = e.to_string();
            assert!(
                text.contains(SOURCE),
                "error does not name the input: {text}"
            );
            text
        }
    }
}

fn expect_err(json: &str) -> String {
    expect_err_with(json, &opts())
}

fn assert_contains(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "expected {p:?} in error: {text}");
    }
}

/// A valid one-channel workspace with a signal (normfactor `mu`) and a
/// background carrying `bkg_mods`, and a measurement with `params`.
fn ws(bkg_mods: &str, obs: &str, poi: &str, params: &str) -> String {
    format!(
        r#"{{
  "channels": [{{"name": "SR", "samples": [
    {{"name": "sig", "data": [5.0, 10.0], "modifiers": [{{"name": "mu", "type": "normfactor", "data": null}}]}},
    {{"name": "bkg", "data": [50.0, 60.0], "modifiers": [{bkg_mods}]}}]}}],
  "observations": [{{"name": "SR", "data": {obs}}}],
  "measurements": [{{"name": "meas", "config": {{"poi": "{poi}", "parameters": [{params}]}}}}],
  "version": "1.0.0"
}}"#
    )
}

#[test]
fn baseline_is_valid() {
    HistFactoryModel::from_json_str(&ws("", "[55, 70]", "mu", ""), &opts()).unwrap();
}

#[test]
fn bad_fixtures_are_rejected_with_file_and_location() {
    // Expected substrings per fixture: the location and what is wrong.
    let expected: &[(&str, &[&str])] = &[
        (
            "bad_histosys_template_length_mismatch.json",
            &[
                "channels['c'].samples['background'].modifiers['shape_sys'] (histosys)",
                "hi_data has 1 bins",
            ],
        ),
        (
            "bad_observations_length_mismatch.json",
            &["observations[0] ('singlechannel')", "1 bins", "has 2"],
        ),
        (
            "bad_sample_length_mismatch.json",
            &[
                "channels['singlechannel'].samples['background']",
                "1 bins",
                "has 2",
            ],
        ),
    ];
    let bad: Vec<_> = std::fs::read_dir(common::fixtures_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bad_") && n.ends_with(".json"))
        .collect();
    assert!(!bad.is_empty());
    for name in &bad {
        let path = common::fixture(name);
        let result = catch_unwind(|| HistFactoryModel::from_path(&path, &BuildOptions::default()));
        let err = match result {
            Err(_) => panic!("{name}: panicked"),
            Ok(Ok(_)) => panic!("{name}: accepted"),
            Ok(Err(e)) => e,
        };
        assert!(
            matches!(err, HistFactoryError::InvalidSpec { .. }),
            "{name}: {err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(name.as_str()),
            "{name}: file not named in: {text}"
        );
        let parts = expected
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no expectations for new fixture {name}: {text}"))
            .1;
        assert_contains(&text, parts);
    }
}

#[test]
fn malformed_json_reports_position() {
    // Truncated document: serde reports line and column.
    let text = expect_err("{\n  \"channels\": [\n    {\"name\": \"SR\",");
    assert_contains(&text, &["invalid workspace", "line 3"]);
    // A wrong type deep inside: reported with its JSON path.
    let json = ws("", "[55, 70]", "mu", "").replace("[50.0, 60.0]", "\"fifty\"");
    let text = expect_err(&json);
    assert_contains(&text, &["channels[0].samples[1].data", "invalid type"]);
    // Unknown field.
    let json = ws("", "[55, 70]", "mu", "").replace("\"version\"", "\"verzion\"");
    assert_contains(&expect_err(&json), &["verzion"]);
    // Not JSON at all.
    assert_contains(&expect_err("hello"), &["invalid workspace", "line 1"]);
    assert_contains(&expect_err(""), &["invalid workspace"]);
}

#[test]
fn unknown_modifier_type() {
    let json = ws(
        r#"{"name": "x", "type": "foosys", "data": null}"#,
        "[55, 70]",
        "mu",
        "",
    );
    let text = expect_err(&json);
    assert_contains(&text, &["channels[0].samples[1].modifiers[0]", "foosys"]);
}

#[test]
fn unknown_poi() {
    let text = expect_err(&ws("", "[55, 70]", "nope", ""));
    assert_contains(&text, &["measurements['meas'].config.poi", "'nope'"]);
}

#[test]
fn poi_that_is_a_per_bin_set() {
    let json = ws(
        r#"{"name": "sf", "type": "shapefactor", "data": null}"#,
        "[55, 70]",
        "sf",
        "",
    );
    let text = expect_err(&json);
    assert_contains(
        &text,
        &["measurements['meas'].config.poi", "'sf'", "scalar"],
    );
}

#[test]
fn channel_without_observations() {
    let json = ws("", "[55, 70]", "mu", "").replace(
        r#""channels": [{"name": "SR""#,
        r#""channels": [{"name": "CR", "samples": [{"name": "b", "data": [1.0], "modifiers": []}]}, {"name": "SR""#,
    );
    let text = expect_err(&json);
    assert_contains(&text, &["channels['CR']", "no observations"]);
    // An observation for a channel that does not exist is ignored, as by
    // pyhf (which reads observations only for the model's channels).
    let json = ws("", "[55, 70]", "mu", "").replace(
        r#""observations": ["#,
        r#""observations": [{"name": "XR", "data": [1]}, "#,
    );
    let m = HistFactoryModel::from_json_str(&json, &opts()).unwrap();
    assert_eq!(ns_core::Model::observed(&m).main(), [55.0, 70.0]);
}

#[test]
fn observation_length_mismatch() {
    let text = expect_err(&ws("", "[55, 70, 3]", "mu", ""));
    assert_contains(&text, &["observations[0] ('SR')", "3 bins", "has 2"]);
}

#[test]
fn negative_observation_rejected() {
    let text = expect_err(&ws("", "[55, -1]", "mu", ""));
    assert_contains(&text, &["observations[0] ('SR')", "negative"]);
}

#[test]
fn huge_number_is_a_json_error() {
    let json = ws("", "[55, 70]", "mu", "").replace("[50.0, 60.0]", "[50.0, 1e999]");
    let text = expect_err(&json);
    assert_contains(&text, &["invalid workspace", "channels[0].samples[1].data"]);
}

/// NaN/inf can't be written in JSON; build the spec in Rust to reach the
/// finiteness checks.
#[test]
fn non_finite_values_in_a_rust_built_workspace() {
    let base = ws(
        r#"{"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
           {"name": "h", "type": "histosys", "data": {"hi_data": [55.0, 66.0], "lo_data": [45.0, 54.0]}},
           {"name": "st", "type": "staterror", "data": [1.0, 2.0]}"#,
        "[55, 70]",
        "mu",
        "",
    );
    let parsed = Workspace::from_json_str(&base, SOURCE).unwrap();
    HistFactoryModel::from_workspace(&parsed, &opts()).unwrap();
    use ns_histfactory::spec::Modifier;
    type Edit = fn(&mut Workspace);
    let cases: Vec<(&str, Edit, &[&str])> = vec![
        (
            "sample data NaN",
            |w| w.channels[0].samples[1].data[1] = f64::NAN,
            &["channels['SR'].samples['bkg']", "data[1]", "not finite"],
        ),
        (
            "sample data inf",
            |w| w.channels[0].samples[0].data[0] = f64::INFINITY,
            &["channels['SR'].samples['sig']", "data[0]", "not finite"],
        ),
        (
            "normsys hi NaN",
            |w| {
                if let Modifier::Normsys { data, .. } = &mut w.channels[0].samples[1].modifiers[0] {
                    data.hi = f64::NAN;
                }
            },
            &["modifiers['n'] (normsys)", "not finite"],
        ),
        (
            "histosys lo NaN",
            |w| {
                if let Modifier::Histosys { data, .. } = &mut w.channels[0].samples[1].modifiers[1]
                {
                    data.lo_data[0] = f64::NAN;
                }
            },
            &["modifiers['h'] (histosys)", "lo_data[0]", "not finite"],
        ),
        (
            "staterror -inf",
            |w| {
                if let Modifier::Staterror { data, .. } = &mut w.channels[0].samples[1].modifiers[2]
                {
                    data[1] = f64::NEG_INFINITY;
                }
            },
            &["modifiers['st'] (staterror)", "data[1]", "not finite"],
        ),
        (
            "observation NaN",
            |w| w.observations[0].data[0] = f64::NAN,
            &["observations[0] ('SR')", "not finite"],
        ),
    ];
    for (label, edit, parts) in cases {
        let mut w = parsed.clone();
        edit(&mut w);
        let result = catch_unwind(AssertUnwindSafe(|| {
            HistFactoryModel::from_workspace(&w, &opts())
        }));
        let text = match result {
            Err(_) => panic!("{label}: panicked"),
            Ok(Ok(_)) => panic!("{label}: accepted"),
            Ok(Err(e)) => e.to_string(),
        };
        assert_contains(&text, &[SOURCE]);
        assert_contains(&text, parts);
    }
}

#[test]
fn negative_sample_yields_are_accepted() {
    let json = ws("", "[55, 70]", "mu", "").replace("[50.0, 60.0]", "[-3.0, 60.0]");
    HistFactoryModel::from_json_str(&json, &opts()).unwrap();
    let json = ws(
        r#"{"name": "h", "type": "histosys", "data": {"hi_data": [55.0, -1.0], "lo_data": [45.0, 54.0]}}"#,
        "[55, 70]",
        "mu",
        "",
    );
    HistFactoryModel::from_json_str(&json, &opts()).unwrap();
}

#[test]
fn shapesys_reused_on_two_samples() {
    let json = ws(r#"{"name": "ss", "type": "shapesys", "data": [5.0, 6.0]}"#, "[55, 70]", "mu", "")
        .replace(
            r#"{"name": "mu", "type": "normfactor", "data": null}"#,
            r#"{"name": "mu", "type": "normfactor", "data": null}, {"name": "ss", "type": "shapesys", "data": [1.0, 1.0]}"#,
        );
    let text = expect_err(&json);
    assert_contains(&text, &["modifier 'ss' (shapesys)", "shared"]);
}

#[test]
fn normfactor_and_shapefactor_sharing_a_name() {
    let json = ws(
        r#"{"name": "mu", "type": "shapefactor", "data": null}"#,
        "[55, 70]",
        "mu",
        "",
    );
    let text = expect_err(&json);
    assert_contains(&text, &["'mu'", "shapefactor", "normfactor"]);
}

#[test]
fn normsys_and_normfactor_sharing_a_name() {
    let json = ws(
        r#"{"name": "mu", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}"#,
        "[55, 70]",
        "mu",
        "",
    );
    let text = expect_err(&json);
    assert_contains(&text, &["'mu'", "normsys", "normfactor"]);
}

#[test]
fn lumi_without_measurement_config() {
    let json = ws(
        r#"{"name": "lumi", "type": "lumi", "data": null}"#,
        "[55, 70]",
        "mu",
        "",
    );
    let text = expect_err(&json);
    assert_contains(
        &text,
        &[
            "measurements['meas'].config.parameters['lumi']",
            "lumi",
            "sigmas",
        ],
    );
    // auxdata/inits/bounds but no sigmas: still rejected.
    let json = ws(
        r#"{"name": "lumi", "type": "lumi", "data": null}"#,
        "[55, 70]",
        "mu",
        r#"{"name": "lumi", "auxdata": [1.0], "bounds": [[0.5, 1.5]], "inits": [1.0]}"#,
    );
    assert_contains(&expect_err(&json), &["parameters['lumi']", "sigmas"]);
}

#[test]
fn bad_parameter_configs() {
    let nf = "";
    // Wrong number of inits.
    let json = ws(
        nf,
        "[55, 70]",
        "mu",
        r#"{"name": "mu", "inits": [1.0, 2.0]}"#,
    );
    assert_contains(
        &expect_err(&json),
        &["parameters['mu']", "inits has 2 values"],
    );
    // Sigmas on an unconstrained parameter.
    let json = ws(nf, "[55, 70]", "mu", r#"{"name": "mu", "sigmas": [0.1]}"#);
    assert_contains(&expect_err(&json), &["parameters['mu']", "unconstrained"]);
    // Two configs for one parameter.
    let json = ws(
        nf,
        "[55, 70]",
        "mu",
        r#"{"name": "mu", "inits": [1.0]}, {"name": "mu", "inits": [2.0]}"#,
    );
    assert_contains(&expect_err(&json), &["parameters['mu']", "multiple"]);
    // Inverted bounds build, as in pyhf (whose fit then raises); our
    // fitter reports them (ns-infer's bound check).
    let json = ws(
        nf,
        "[55, 70]",
        "mu",
        r#"{"name": "mu", "bounds": [[5.0, 1.0]]}"#,
    );
    let m = HistFactoryModel::from_json_str(&json, &opts()).unwrap();
    assert_eq!(ns_core::Model::suggested_bounds(&m)[0], (5.0, 1.0));
    // Bounds that are not pairs: pyhf's schema lets them through and its
    // fit fails ("too many values to unpack"); here a JSON error.
    let json = ws(
        nf,
        "[55, 70]",
        "mu",
        r#"{"name": "mu", "bounds": [[0.0, 5.0, 7.0]]}"#,
    );
    assert_contains(
        &expect_err(&json),
        &["measurements[0].config.parameters[0].bounds[0]"],
    );
    // Non-positive sigma.
    let json = ws(
        r#"{"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}"#,
        "[55, 70]",
        "mu",
        r#"{"name": "n", "sigmas": [0.0]}"#,
    );
    assert_contains(&expect_err(&json), &["parameters['n']", "sigma"]);
}

#[test]
fn unknown_measurement_name() {
    let opts = BuildOptions {
        measurement: Some("nope".into()),
        ..opts()
    };
    let text = expect_err_with(&ws("", "[55, 70]", "mu", ""), &opts);
    assert_contains(&text, &["'nope'", "meas"]);
}

#[test]
fn structural_errors() {
    // Duplicate channel names.
    let json = ws("", "[55, 70]", "mu", "").replace(
        r#""channels": ["#,
        r#""channels": [{"name": "SR", "samples": [{"name": "b", "data": [1.0, 2.0], "modifiers": []}]}, "#,
    );
    assert_contains(&expect_err(&json), &["('SR')", "duplicate channel"]);
    // Duplicate sample names.
    let json = ws("", "[55, 70]", "mu", "").replace("\"bkg\"", "\"sig\"");
    assert_contains(&expect_err(&json), &["samples['sig']", "duplicate sample"]);
    // The same modifier twice on one sample.
    let json = ws(
        r#"{"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
           {"name": "n", "type": "normsys", "data": {"hi": 1.2, "lo": 0.8}}"#,
        "[55, 70]",
        "mu",
        "",
    );
    assert_contains(&expect_err(&json), &["modifiers['n'] (normsys)", "twice"]);
    // Shapesys/staterror data of the wrong length.
    let json = ws(
        r#"{"name": "ss", "type": "shapesys", "data": [5.0]}"#,
        "[55, 70]",
        "mu",
        "",
    );
    assert_contains(
        &expect_err(&json),
        &["modifiers['ss'] (shapesys)", "1 bins"],
    );
    // No measurements; no channels; an empty channel.
    let json = ws("", "[55, 70]", "mu", "");
    let no_meas = {
        let start = json.find("\"measurements\"").unwrap();
        let end = json.find("\"version\"").unwrap();
        format!(
            "{}\"measurements\": [],\n  {}",
            &json[..start],
            &json[end..]
        )
    };
    assert_contains(&expect_err(&no_meas), &["measurements", "no measurements"]);
    let no_channels = r#"{"channels": [], "observations": [], "measurements": [{"name": "m", "config": {"poi": "mu"}}]}"#;
    assert_contains(&expect_err(no_channels), &["no channels"]);
    let empty = r#"{"channels": [{"name": "SR", "samples": []}], "observations": [{"name": "SR", "data": []}],
                   "measurements": [{"name": "m", "config": {"poi": "mu"}}]}"#;
    assert_contains(&expect_err(empty), &["('SR')", "no samples"]);
    // A normsys factor ≤ 0 cannot be interpolated exponentially.
    let json = ws(
        r#"{"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.0}}"#,
        "[55, 70]",
        "mu",
        "",
    );
    assert_contains(
        &expect_err(&json),
        &["modifiers['n'] (normsys)", "positive"],
    );
}

#[test]
fn unknown_interpolation_codes() {
    for text in [
        "normsys=code3",
        "histosys=code5",
        "normsys=",
        "foo=code1",
        "normsys",
        "histosys=code1",
        "histosys=code4",
    ] {
        let result = catch_unwind(|| InterpSettings::parse(text));
        let err = match result {
            Err(_) => panic!("{text}: panicked"),
            Ok(Ok(s)) => panic!("{text}: accepted as {s:?}"),
            Ok(Err(e)) => e.to_string(),
        };
        assert!(!err.is_empty());
    }
    let err = InterpSettings::parse("normsys=code3")
        .unwrap_err()
        .to_string();
    assert_contains(&err, &["code3"]);
    assert!(InterpCode::parse("code4q").is_err());
    assert_eq!(InterpCode::parse("code4p").unwrap(), InterpCode::Code4p);
    assert_eq!(InterpCode::parse("1").unwrap(), InterpCode::Code1);
    // Invalid settings passed directly to a build are rejected too.
    let opts = BuildOptions {
        interp: InterpSettings {
            normsys: InterpCode::Code1,
            histosys: InterpCode::Code1,
        },
        ..opts()
    };
    assert_contains(
        &expect_err_with(&ws("", "[55, 70]", "mu", ""), &opts),
        &["histosys"],
    );
}

#[test]
fn missing_file() {
    let path = common::fixtures_dir().join("does_not_exist.json");
    let err = HistFactoryModel::from_path(&path, &BuildOptions::default()).unwrap_err();
    assert!(matches!(err, HistFactoryError::Io { .. }));
    assert_contains(&err.to_string(), &["does_not_exist.json", "cannot read"]);
}
