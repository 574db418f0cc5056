//! TTree reading against uproot (fixtures of scripts/make_root_fixtures.py):
//! for every branch of every tree, the values read equal uproot's bit for bit
//! (floats compared through Python's `float.hex`), over full and partial entry
//! ranges. A leaf-list branch is refused as a whole (`Unsupported`) and read
//! leaf by leaf as `branch.leaf`.

use ns_root::{Array, Column, RootError, RootFile};
use serde_json::{Value, json};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/root")
        .join(name)
}

const FILES: &[&str] = &[
    "uproot_none",
    "uproot_zlib",
    "uproot_lz4",
    "uproot_zstd",
    "uproot_lzma",
    "uproot_many",
    "root_none",
    "root_zlib",
    "root_lz4",
    "root_zstd",
    "root_lzma",
    "root_oldcs",
];

/// uproot names a `Double32_t` without range after its disk type (`float`);
/// ns-root calls it `Double32_t` (values are compared all the same).
const OWN_TYPENAME: &[(&str, &str)] = &[("d32", "Double32_t")];

/// Python's `float.hex` (what the fixture script stores).
fn float_hex(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let man = bits & ((1u64 << 52) - 1);
    if exp == 0 && man == 0 {
        return format!("{sign}0x0.0p+0");
    }
    let (lead, e) = if exp == 0 {
        (0, -1022)
    } else {
        (1, exp - 1023)
    };
    let es = if e >= 0 {
        format!("+{e}")
    } else {
        e.to_string()
    };
    format!("{sign}0x{lead}.{man:013x}p{es}")
}

fn values(c: &Column) -> Vec<Value> {
    match c {
        Column::Bool(v) => v.iter().map(|&x| json!(x as i64)).collect(),
        Column::I8(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::U8(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::I16(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::U16(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::I32(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::U32(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::I64(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::U64(v) => v.iter().map(|&x| json!(x)).collect(),
        Column::F32(v) => v.iter().map(|&x| json!(float_hex(x as f64))).collect(),
        Column::F64(v) => v.iter().map(|&x| json!(float_hex(x))).collect(),
    }
}

fn split(v: Vec<Value>, offsets: &[i64]) -> Vec<Value> {
    offsets
        .windows(2)
        .map(|w| Value::Array(v[w[0] as usize..w[1] as usize].to_vec()))
        .collect()
}

/// An array as the fixture JSON encodes uproot's `ak.to_list`.
fn to_json(a: &Array) -> Vec<Value> {
    match a {
        Array::Flat { width: 1, content } => values(content),
        Array::Flat { width, content } => {
            let v = values(content);
            v.chunks(*width).map(|c| Value::Array(c.to_vec())).collect()
        }
        Array::Jagged { offsets, content } => split(values(content), offsets),
        Array::Jagged2 {
            outer,
            inner,
            content,
        } => split(split(values(content), inner), outer),
        Array::Strings { offsets, .. } => (0..offsets.len() - 1)
            .map(|i| json!(a.string(i).unwrap()))
            .collect(),
    }
}

fn load(stem: &str) -> (RootFile, Value) {
    let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
    let json =
        serde_json::from_str(&std::fs::read_to_string(fixture(&format!("{stem}.json"))).unwrap())
            .unwrap();
    (f, json)
}

#[test]
fn every_branch_equals_uproot() {
    for stem in FILES {
        let (f, json) = load(stem);
        for (tname, tdoc) in json["trees"].as_object().unwrap() {
            let t = f.tree(tname).unwrap();
            assert_eq!(t.num_entries(), tdoc["num_entries"].as_u64().unwrap());
            let n = t.num_entries() as usize;
            let names: Vec<String> = t.typenames().into_iter().map(|x| x.0).collect();
            for (bname, bdoc) in tdoc["branches"].as_object().unwrap() {
                assert!(names.contains(bname), "{stem}: {bname} not listed");
                let b = t.branch(bname).unwrap();
                assert_eq!(
                    b.num_baskets() as u64,
                    bdoc["num_baskets"].as_u64().unwrap(),
                    "{stem}: {bname}"
                );
                if let Some(fields) = bdoc.get("fields") {
                    // a leaf list: the branch itself is refused, each leaf is read as `branch.leaf`
                    let e = t.read(bname, ..).unwrap_err();
                    assert!(
                        matches!(e, RootError::Unsupported { .. }),
                        "{stem} {bname}: {e}"
                    );
                    assert_eq!(b.typename(), bdoc["typename"].as_str().unwrap());
                    for (leaf, want) in fields.as_object().unwrap() {
                        let name = format!("{bname}.{leaf}");
                        let got = to_json(&t.read(&name, ..).unwrap());
                        assert_eq!(&Value::Array(got), want, "{stem}: {name}");
                        let got = to_json(&t.read(&name, 3..n as u64 / 2).unwrap());
                        assert_eq!(got.as_slice(), &want.as_array().unwrap()[3..n / 2]);
                    }
                    continue;
                }
                let typename = OWN_TYPENAME
                    .iter()
                    .find(|x| x.0 == bname)
                    .map_or(bdoc["typename"].as_str().unwrap(), |x| x.1);
                assert_eq!(b.typename(), typename, "{stem}: {bname}");
                let want = bdoc["values"].as_array().unwrap();
                let got = to_json(&t.read(bname, ..).unwrap_or_else(|e| panic!("{stem}: {e}")));
                assert_eq!(got.len(), want.len(), "{stem}: {bname}");
                for (i, (g, w)) in got.iter().zip(want).enumerate() {
                    assert_eq!(g, w, "{stem}: {bname} entry {i}");
                }
                // Partial ranges: inside one basket, across baskets, the tail, empty.
                for (lo, hi) in [
                    (1, 2),
                    (3, n / 2 + 7),
                    (n - 5, n),
                    (n / 3, n / 3),
                    (0, n + 10),
                ] {
                    let got = to_json(&t.read(bname, lo as u64..hi as u64).unwrap());
                    let hi = hi.min(n);
                    assert_eq!(got.as_slice(), &want[lo..hi], "{stem}: {bname} {lo}..{hi}");
                }
            }
        }
    }
}

#[test]
fn typed_reads_and_wrong_types() {
    let (f, json) = load("uproot_zstd");
    let t = f.tree("events").unwrap();
    let want = &json["trees"]["events"]["branches"]["f8"]["values"];
    let got: Vec<f64> = t.array::<f64>("f8", 10..20).unwrap();
    let got: Vec<Value> = got.iter().map(|&x| json!(float_hex(x))).collect();
    assert_eq!(got.as_slice(), &want.as_array().unwrap()[10..20]);
    let u8s: Vec<u64> = t.array::<u64>("u8", ..).unwrap();
    let want_u8: Vec<u64> = json["trees"]["events"]["branches"]["u8"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(u8s, want_u8);
    // arr3: entry-major, 3 per entry
    assert_eq!(t.array::<f64>("arr3", 5..7).unwrap().len(), 6);
    for (branch, err) in [
        ("f8", t.array::<f32>("f8", ..).unwrap_err()),
        ("jet_pt", t.array::<f32>("jet_pt", ..).unwrap_err()),
    ] {
        assert!(matches!(err, RootError::WrongType { .. }), "{err}");
        assert!(err.to_string().contains(branch), "{err}");
    }
    let e = t.read("nope", ..).unwrap_err();
    assert!(
        matches!(e, RootError::NoBranch { .. }) && e.to_string().contains("nope"),
        "{e}"
    );
    let e = f.tree("hnp").unwrap_err();
    assert!(matches!(e, RootError::WrongClass { .. }), "{e}");
}
