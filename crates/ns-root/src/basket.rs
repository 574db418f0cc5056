//! One TBasket: its key header, decompressed payload and entry offsets.
//!
//! A basket is a TKey (`fNbytes`, `fObjlen`, `fKeylen` ...) followed by the
//! TBasket fields (`fNevBuf` entries, `fLast` end of data) and the payload.
//! Variable-size branches store after the data an `i32` count and the start
//! of each entry (counted from the key start), which become `offsets` here.

use crate::branch::BasketLoc;
use crate::compression::decompress;
use crate::cursor::Cursor;
use crate::error::Result;
use crate::file::RootFile;
use std::borrow::Cow;

/// A decompressed basket.
pub(crate) struct Basket<'f> {
    /// Data bytes (entry offsets stripped).
    pub(crate) data: Cow<'f, [u8]>,
    /// Number of entries.
    pub(crate) entries: usize,
    /// `entries + 1` entry starts into `data`, when the basket has them.
    pub(crate) offsets: Option<Vec<u32>>,
}

/// The key and TBasket fields of a basket, checked against the branch.
pub(crate) struct Header {
    keylen: usize,
    /// Uncompressed payload bytes.
    pub(crate) objlen: usize,
    nev: usize,
    last: i32,
}

/// Read a basket's header only (a few bytes of the map, nothing decompressed).
pub(crate) fn read_header(file: &RootFile, loc: &BasketLoc, object: &str) -> Result<Header> {
    let data = file.data();
    let mut c = Cursor::new(data, 0, file.path(), object);
    if loc.seek >= data.len() as u64 {
        return Err(c.truncated(loc.bytes as usize));
    }
    c.pos = loc.seek as usize;
    let nbytes = c.i32()?;
    let _key_version = c.i16()?;
    let objlen = c.i32()?;
    c.skip(4)?; // fDatime
    let keylen = c.i16()?;
    if nbytes as i64 != loc.bytes as i64 || keylen < 37 || objlen < 0 || nbytes < keylen as i32 {
        c.pos = loc.seek as usize;
        return Err(c.malformed(format!(
            "basket key says fNbytes {nbytes}, fKeylen {keylen}, fObjlen {objlen}; the branch says {} bytes",
            loc.bytes
        )));
    }
    c.pos = loc.seek as usize + keylen as usize - 19;
    let _version = c.i16()?;
    c.skip(4)?; // fBufferSize
    let _nev_size = c.i32()?;
    let nev = c.i32()?;
    let last = c.i32()?;
    let want = loc.last - loc.first;
    if nev < 0 || nev as u64 != want {
        return Err(c.malformed(format!(
            "basket holds {nev} entries, the branch says {want}"
        )));
    }
    Ok(Header {
        keylen: keylen as usize,
        objlen: objlen as usize,
        nev: nev as usize,
        last,
    })
}

/// Read and decompress the basket at `loc`; `object` names it in errors.
pub(crate) fn read_basket<'f>(
    file: &'f RootFile,
    loc: &BasketLoc,
    object: &str,
) -> Result<Basket<'f>> {
    let h = read_header(file, loc, object)?;
    let data = file.data();
    let c = Cursor::new(data, loc.seek, file.path(), object);
    let (keylen, objlen, nev, last) = (h.keylen as i32, h.objlen as i32, h.nev as i32, h.last);
    let nbytes = loc.bytes as i32;
    let start = loc.seek as usize + keylen as usize;
    let stored = (nbytes - keylen) as usize;
    let Some(src) = data.get(start..start + stored) else {
        return Err(c.truncated(stored));
    };
    let raw: Cow<'f, [u8]> = if stored == objlen as usize {
        Cow::Borrowed(src)
    } else {
        Cow::Owned(decompress(
            src,
            objlen as usize,
            file.path(),
            object,
            start as u64,
        )?)
    };
    let border = last - keylen;
    if border < 0 || border > objlen {
        return Err(c.malformed(format!(
            "basket fLast {last} outside its {objlen} bytes (key {keylen})"
        )));
    }
    let border = border as usize;
    let n = nev as usize;
    let offsets = if border < raw.len() {
        let mut oc = Cursor::new(&raw, start as u64, file.path(), object);
        oc.pos = border;
        let count = oc.i32()?;
        // ROOT writes fNevBuf offsets, uproot fNevBuf + 1 (the end too).
        if count != nev && count != nev + 1 {
            return Err(oc.malformed(format!("{count} entry offsets for {nev} entries")));
        }
        let mut offs = Vec::with_capacity(n + 1);
        for _ in 0..n {
            let o = oc.i32()? as i64 - keylen as i64;
            let prev = offs.last().copied().unwrap_or(0) as i64;
            if o < prev || o > border as i64 {
                return Err(oc.malformed(format!(
                    "entry offset {o} outside 0..{border} or decreasing"
                )));
            }
            offs.push(o as u32);
        }
        offs.push(border as u32);
        Some(offs)
    } else {
        None
    };
    let data = match raw {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..border]),
        Cow::Owned(mut v) => {
            v.truncate(border);
            Cow::Owned(v)
        }
    };
    Ok(Basket {
        data,
        entries: n,
        offsets,
    })
}
