//! Bad input (issue 15 item 8): typed errors naming file, object and offset; no panics.

use ns_root::{RootError, RootFile};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/root")
        .join(name)
}

fn write_tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ns-root-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Open and decompress everything; any error is fine, a panic is not.
fn read_all(p: &PathBuf) -> Result<(), RootError> {
    let f = RootFile::open(p)?;
    for (path, k) in f.keys_recursive()? {
        f.object_bytes(&k)?;
        if k.classname.starts_with("TH") {
            f.get_hist(&path)?;
        }
    }
    Ok(())
}

#[test]
fn wrong_magic() {
    let mut b = std::fs::read(fixture("root_zlib.root")).unwrap();
    b[0] = b'x';
    let p = write_tmp("magic.root", &b);
    let e = RootFile::open(&p).unwrap_err();
    assert!(matches!(e, RootError::BadMagic { .. }), "{e}");
    assert!(e.to_string().contains("magic.root"));
    let p = write_tmp("empty.root", b"");
    assert!(matches!(
        RootFile::open(&p),
        Err(RootError::BadMagic { .. })
    ));
}

#[test]
fn missing_file_names_the_path() {
    let e = RootFile::open("/nonexistent/x.root").unwrap_err();
    assert!(matches!(e, RootError::Io { .. }) && e.to_string().contains("/nonexistent/x.root"));
}

#[test]
fn truncated_files() {
    let b = std::fs::read(fixture("root_zstd.root")).unwrap();
    for cut in [5, 40, 100, 1000, b.len() / 2, b.len() - 10] {
        let p = write_tmp(&format!("cut{cut}.root"), &b[..cut]);
        let e = read_all(&p).expect_err("truncated file read without error");
        let s = e.to_string();
        assert!(s.contains(&format!("cut{cut}.root")), "{s}");
        assert!(s.contains("offset"), "{s}");
    }
}

#[test]
fn key_past_end() {
    let b = std::fs::read(fixture("root_hists.root")).unwrap();
    let f = RootFile::open(fixture("root_hists.root")).unwrap();
    let k = f.key("h1d").unwrap();
    let mut k2 = k.clone();
    k2.seek_key = b.len() as u64 + 100;
    let e = f.object_bytes(&k2).unwrap_err();
    assert!(matches!(e, RootError::Truncated { .. }), "{e}");
    assert!(e.to_string().contains("h1d"), "{e}");
}

#[test]
fn corrupt_compressed_blocks() {
    // Zero or scramble the compressed bytes of the tree record in each codec:
    // the result is a Decompress error naming the object (or, for a header
    // overwritten so that sizes disagree, a Decompress size error), never a panic.
    for stem in [
        "root_zlib",
        "root_lz4",
        "root_zstd",
        "root_lzma",
        "root_oldcs",
    ] {
        let orig = std::fs::read(fixture(&format!("{stem}.root"))).unwrap();
        let f = RootFile::open(fixture(&format!("{stem}.root"))).unwrap();
        let k = f
            .top()
            .keys
            .iter()
            .find(|k| k.classname == "TTree")
            .unwrap()
            .clone();
        let at = (k.seek_key + k.keylen as u64) as usize;
        let body = (k.nbytes - k.keylen as i32) as usize;
        // zeroed payload (after the 9-byte block header)
        let mut b = orig.clone();
        b[at + 9..at + body].iter_mut().for_each(|x| *x = 0);
        let p = write_tmp(&format!("{stem}_zero.root"), &b);
        let g = RootFile::open(&p).unwrap();
        let e = g.object_bytes(&k).unwrap_err();
        assert!(matches!(e, RootError::Decompress { .. }), "{stem}: {e}");
        assert!(e.to_string().contains("types"), "{e}");
        // pseudo-random bytes
        let mut b = orig.clone();
        let mut s = 0x9e3779b97f4a7c15u64;
        for x in &mut b[at + 9 + 8..at + body] {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *x = s as u8;
        }
        let p = write_tmp(&format!("{stem}_rand.root"), &b);
        let g = RootFile::open(&p).unwrap();
        assert!(g.object_bytes(&k).is_err(), "{stem}: random bytes decoded");
        // wrong uncompressed size in the block header
        let mut b = orig.clone();
        b[at + 6] = b[at + 6].wrapping_sub(1);
        let p = write_tmp(&format!("{stem}_size.root"), &b);
        let g = RootFile::open(&p).unwrap();
        let e = g.object_bytes(&k).unwrap_err();
        assert!(matches!(e, RootError::Decompress { .. }), "{stem}: {e}");
    }
}

#[test]
fn mutated_files_never_panic() {
    // A bounded mutation fuzz over real files: flip bytes at strided positions.
    for stem in ["uproot_lz4", "root_hists"] {
        let orig = std::fs::read(fixture(&format!("{stem}.root"))).unwrap();
        let step = (orig.len() / 300).max(1);
        for (i, pos) in (0..orig.len()).step_by(step).enumerate() {
            let mut b = orig.clone();
            b[pos] ^= 0xff;
            let p = write_tmp(&format!("mut_{stem}.root"), &b);
            let _ = std::panic::catch_unwind(|| read_all(&p))
                .unwrap_or_else(|_| panic!("{stem}: panic with byte {pos} flipped (#{i})"));
        }
    }
}
