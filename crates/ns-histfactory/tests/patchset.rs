//! Patchsets against pyhf's own test fixtures (tests/fixtures/patchset,
//! copied from pyhf's tests/test_patchset and tests/test_schema).

use ns_histfactory::{HistFactoryError, PatchKey, PatchSet, Workspace};
use serde_json::Value;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/patchset")
        .join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

#[test]
fn example_patchset_verifies_and_applies() {
    // pyhf recorded the sha256 of example_bkgonly.json in the patchset: our
    // digest must reproduce Python's json.dumps byte for byte to verify it.
    let ps = PatchSet::from_path(&fixture("example_patchset.json")).unwrap();
    let bkg = json("example_bkgonly.json");
    ps.verify(&bkg).unwrap();
    let patched = ps
        .apply(&bkg, &PatchKey::Name("patch_channel1_signal_syst1".into()))
        .unwrap();
    let m = &patched["channels"][0]["samples"][0]["modifiers"][0]["data"];
    assert_eq!((m["hi"].as_f64(), m["lo"].as_f64()), (Some(1.2), Some(0.8)));
    Workspace::from_value(&patched, "patched").unwrap();
    // By values too (0 written as 0.0 still matches, as Python's 0 == 0.0).
    let by_values = ps.apply(&bkg, &PatchKey::parse_values("0")).unwrap();
    assert_eq!(by_values, patched);
}

#[test]
fn digest_mismatch_is_reported() {
    let ps = PatchSet::from_path(&fixture("example_patchset.json")).unwrap();
    let mut bkg = json("example_bkgonly.json");
    bkg["version"] = Value::String("1.0.1".into());
    let e = ps.verify(&bkg).unwrap_err();
    assert!(
        matches!(e, HistFactoryError::PatchSetVerification { .. }),
        "{e}"
    );
}

#[test]
fn good_patchsets_parse_and_look_up() {
    for f in [
        "patchset_good.json",
        "patchset_good_2_patches.json",
        "patchset_good_stringvalues.json",
    ] {
        let ps = PatchSet::from_path(&fixture(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        for p in &ps.patches {
            assert_eq!(
                ps.get(&PatchKey::Name(p.name.clone())).unwrap().name,
                p.name
            );
            assert_eq!(
                ps.get(&PatchKey::Values(p.values.clone())).unwrap().name,
                p.name
            );
        }
    }
}

#[test]
fn bad_patchsets_are_rejected_with_reason() {
    for (f, why) in [
        ("patchset_bad_duplicate_patch_name.json", "by name"),
        ("patchset_bad_duplicate_patch_values.json", "by values"),
        (
            "patchset_bad_wrong_values_multiplicity.json",
            "number of values",
        ),
        ("patchset_bad_empty_patches.json", "non-empty"),
        ("patchset_bad_no_version.json", "version"),
        ("patchset_bad_wrong_valuetype.json", "numbers or strings"),
    ] {
        let e = PatchSet::from_path(&fixture(f)).expect_err(f).to_string();
        assert!(e.contains(why), "{f}: {e}");
    }
}

#[test]
fn unknown_patch_and_bad_path_name_the_problem() {
    let ps = PatchSet::from_path(&fixture("example_patchset.json")).unwrap();
    let bkg = json("example_bkgonly.json");
    let e = ps
        .apply(&bkg, &PatchKey::Name("nope".into()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
    let mut p = ps.patches[0].clone();
    p.operations[1]["path"] = Value::String("/channels/7/samples/0".into());
    let e = p.apply(&bkg).unwrap_err().to_string();
    assert!(
        e.contains("operation 1") && e.contains("/channels/7/samples/0"),
        "{e}"
    );
}
