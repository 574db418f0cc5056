//! Bad input in trees (issue 15 item 8): damaged baskets and tree records give
//! typed errors naming the file, tree, branch and basket; reads that do not
//! touch the damage still succeed (only the requested baskets are read).

use ns_root::{RootError, RootFile};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/root")
        .join(name)
}

fn write_tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ns-root-badtree-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// The file's bytes and where basket `k` of `branch` is.
fn basket_of(stem: &str, tree: &str, branch: &str, k: usize) -> (Vec<u8>, ns_root::BasketLoc) {
    let f = RootFile::open(fixture(stem)).unwrap();
    let t = f.tree(tree).unwrap();
    let loc = t.branch(branch).unwrap().baskets()[k];
    (std::fs::read(fixture(stem)).unwrap(), loc)
}

#[test]
fn zeroed_basket_is_named_and_others_still_read() {
    let (mut b, loc) = basket_of("uproot_many.root", "many", "f8", 5);
    let good = RootFile::open(fixture("uproot_many.root")).unwrap();
    let good = good.tree("many").unwrap();
    let s = loc.seek as usize;
    b[s..s + loc.bytes as usize].fill(0);
    let p = write_tmp("zeroed.root", &b);
    let f = RootFile::open(&p).unwrap();
    let t = f.tree("many").unwrap();
    let e = t.read("f8", ..).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("zeroed.root") && msg.contains("f8 basket 5"),
        "{msg}"
    );
    assert!(msg.contains("offset"), "{msg}");
    // Entries before basket 5 and other branches do not touch it.
    assert_eq!(
        t.array::<f64>("f8", ..loc.first).unwrap(),
        good.array::<f64>("f8", ..loc.first).unwrap()
    );
    assert_eq!(
        t.array::<f64>("f8", loc.last..).unwrap(),
        good.array::<f64>("f8", loc.last..).unwrap()
    );
    assert_eq!(
        t.array::<i32>("i4", ..).unwrap(),
        good.array::<i32>("i4", ..).unwrap()
    );
}

#[test]
fn basket_header_lies() {
    // Each edit of the basket's key/TBasket header must give an error naming the basket.
    let (b, loc) = basket_of("uproot_many.root", "many", "i8", 3);
    let s = loc.seek as usize;
    let keylen = i16::from_be_bytes([b[s + 14], b[s + 15]]) as usize;
    let objlen = i32::from_be_bytes(b[s + 6..s + 10].try_into().unwrap());
    let fields = s + keylen - 19; // fVersion, fBufferSize, fNevBufSize, fNevBuf, fLast
    let edits = [
        ("fNbytes", s, loc.bytes as i32 + 1),
        // more uncompressed bytes than the payload holds: a truncated basket payload
        ("fObjlen", s + 6, objlen + 64),
        ("fNevBuf", fields + 10, 9999),
        ("fLast", fields + 14, 1 << 30),
    ];
    for (what, at, value) in edits {
        let mut bb = b.clone();
        bb[at..at + 4].copy_from_slice(&value.to_be_bytes());
        let p = write_tmp(&format!("lie_{what}.root"), &bb);
        let f = RootFile::open(&p).unwrap();
        let e = f.tree("many").unwrap().read("i8", ..).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("i8 basket 3"), "{what}: {msg}");
        assert!(
            matches!(
                e,
                RootError::Malformed { .. } | RootError::Decompress { .. }
            ),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn basket_key_length_zeroed() {
    // A jagged branch of an uncompressed file whose basket key length is zeroed.
    let (mut b, loc) = basket_of("uproot_none.root", "events", "jet_pt", 1);
    let s = loc.seek as usize;
    b[s + 14..s + 16].copy_from_slice(&0i16.to_be_bytes());
    let p = write_tmp("keylen0.root", &b);
    let f = RootFile::open(&p).unwrap();
    let t = f.tree("events").unwrap();
    let e = t.read("jet_pt", ..).unwrap_err();
    assert!(e.to_string().contains("jet_pt basket 1"), "{e}");
    // basket 0 alone is intact
    assert!(t.read("jet_pt", ..loc.first).is_ok());
}

#[test]
fn unknown_branch_and_tree() {
    let f = RootFile::open(fixture("root_zlib.root")).unwrap();
    let e = f.tree("nosuchtree").unwrap_err();
    assert!(matches!(e, RootError::NotFound { .. }), "{e}");
    let t = f.tree("types").unwrap();
    for name in ["nope", "", "x/y"] {
        let e = t.read(name, ..).unwrap_err();
        assert!(matches!(e, RootError::NoBranch { .. }), "{e}");
        assert!(e.to_string().contains("root_zlib.root") && e.to_string().contains("types"));
    }
}

#[test]
fn damaged_tree_record_never_panics() {
    // Flip bytes all over the (uncompressed) TTree record: opening the tree and
    // reading every branch must give values or a typed error, never a panic.
    let path = fixture("uproot_none.root");
    let f = RootFile::open(&path).unwrap();
    let key = f.key("events").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let start = (key.seek_key + key.keylen as u64) as usize;
    let end = start + key.objlen as usize;
    assert_eq!(
        key.nbytes - key.keylen as i32,
        key.objlen,
        "fixture is uncompressed"
    );
    let mut tried = 0;
    for pos in (start..end).step_by(29) {
        for val in [0x00u8, 0xff, 0x40] {
            if bytes[pos] == val {
                continue;
            }
            let mut b = bytes.clone();
            b[pos] = val;
            let p = write_tmp("flip.root", &b);
            let r = std::panic::catch_unwind(|| {
                let f = RootFile::open(&p)?;
                let t = f.tree("events")?;
                for (name, _) in t.typenames() {
                    let _ = t.read(&name, ..);
                }
                Ok::<(), RootError>(())
            });
            assert!(r.is_ok(), "panic with byte {pos} set to {val:#x}");
            tried += 1;
        }
    }
    assert!(tried > 100);
}
