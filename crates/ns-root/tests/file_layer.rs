//! File layer against the fixtures of scripts/make_root_fixtures.py: the keys
//! (names with directories, cycles, classes) must equal uproot's, and every
//! object must decompress to its stated length in every codec.

use ns_root::{RootError, RootFile};
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
    "root_hists",
];

#[test]
fn keys_match_uproot() {
    for stem in FILES {
        let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("{stem}.json"))).unwrap(),
        )
        .unwrap();
        let mut want: Vec<(String, i64, String)> = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["name"].as_str().unwrap().to_string(),
                    k["cycle"].as_i64().unwrap(),
                    k["classname"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut got: Vec<(String, i64, String)> = f
            .keys_recursive()
            .unwrap()
            .into_iter()
            .map(|(p, k)| {
                (
                    p,
                    k.cycle as i64,
                    if k.classname == "TDirectoryFile" {
                        "TDirectory".into()
                    } else {
                        k.classname
                    },
                )
            })
            .collect();
        want.sort();
        got.sort();
        assert_eq!(got, want, "{stem}");
    }
}

#[test]
fn every_object_decompresses_to_its_length() {
    for stem in FILES {
        let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
        for (path, k) in f.keys_recursive().unwrap() {
            let b = f
                .object_bytes(&k)
                .unwrap_or_else(|e| panic!("{stem}/{path}: {e}"));
            assert_eq!(b.len(), k.objlen as usize, "{stem}/{path}");
        }
    }
}

#[test]
fn codecs_are_really_exercised() {
    // The TTree record of each file is stored compressed with the file's codec:
    // check the block tag so a codec silently written uncompressed cannot pass.
    // (uproot stores its TTree record raw and compresses only the baskets,
    // which the TTree reader exercises.)
    for (stem, tag) in [
        ("root_zlib", b"ZL"),
        ("root_lz4", b"L4"),
        ("root_zstd", b"ZS"),
        ("root_lzma", b"XZ"),
        ("root_oldcs", b"CS"),
    ] {
        let raw = std::fs::read(fixture(&format!("{stem}.root"))).unwrap();
        let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
        let tree = f
            .top()
            .keys
            .iter()
            .find(|k| k.classname == "TTree")
            .unwrap();
        let at = (tree.seek_key + tree.keylen as u64) as usize;
        assert_eq!(&raw[at..at + 2], tag, "{stem}");
        assert!(
            tree.objlen > tree.nbytes - tree.keylen as i32,
            "{stem} not compressed"
        );
    }
}

#[test]
fn cycles_and_subdirectories() {
    let f = RootFile::open(fixture("root_hists.root")).unwrap();
    assert_eq!(f.key("h1f").unwrap().cycle, 2);
    assert_eq!(f.key("h1f;1").unwrap().cycle, 1);
    assert_eq!(f.key("sub/deeper/hdeep").unwrap().classname, "TH1F");
    assert_eq!(f.key("sub/hsub").unwrap().classname, "TH1D");
    assert!(matches!(f.key("h1f;7"), Err(RootError::NotFound { .. })));
    assert!(matches!(f.key("nope"), Err(RootError::NotFound { .. })));
    assert!(matches!(
        f.key("sub/nope/hdeep"),
        Err(RootError::NotFound { .. })
    ));
}
