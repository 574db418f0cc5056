//! ROOT's compressed-record format: a sequence of blocks, each with a 9-byte
//! header (2-byte algorithm tag, method byte, 3-byte little-endian compressed
//! and uncompressed sizes) and, for LZ4, an 8-byte big-endian xxhash64 of the
//! compressed bytes. Tags: `ZL` zlib, `CS` the old ROOT deflate (raw deflate
//! stream, no zlib wrapper), `XZ` LZMA (xz stream), `L4` LZ4 block, `ZS` zstd.
//!
//! Crates chosen for speed and safety: `flate2` on the pure-Rust `zlib-rs`
//! backend (as fast as zlib-ng, no C), `lz4_flex` (safe, faster than the C
//! binding for block decoding), `zstd` (the reference C library, bundled),
//! `xz2` (liblzma; no pure-Rust LZMA decoder matches its speed).

use crate::error::{Result, RootError};
use std::io::Read;
use std::path::Path;

const HEADER: usize = 9;

/// Decompress a whole record (`src`, all its blocks) into exactly `out_len` bytes.
/// `offset` is the file offset of `src`, for errors.
pub(crate) fn decompress(
    src: &[u8],
    out_len: usize,
    path: &Path,
    object: &str,
    offset: u64,
) -> Result<Vec<u8>> {
    let mut pos = 0usize;
    let err = |codec: &'static str, at: usize, reason: String| RootError::Decompress {
        path: path.to_path_buf(),
        object: object.to_string(),
        offset: offset + at as u64,
        codec,
        reason,
    };
    // The block headers must add up to `out_len` before that much is allocated.
    let (mut at, mut total) = (0usize, 0usize);
    while total < out_len && at + HEADER <= src.len() {
        let h = &src[at..at + HEADER];
        let c = h[3] as usize | (h[4] as usize) << 8 | (h[5] as usize) << 16;
        total += h[6] as usize | (h[7] as usize) << 8 | (h[8] as usize) << 16;
        at += HEADER + c;
    }
    if total != out_len {
        return Err(err(
            "header",
            0,
            format!("compressed blocks hold {total} bytes, the object {out_len}"),
        ));
    }
    let mut out = Vec::with_capacity(out_len);
    while out.len() < out_len {
        if src.len() < pos + HEADER {
            return Err(err(
                "header",
                pos,
                format!(
                    "record ends after {} of {out_len} uncompressed bytes",
                    out.len()
                ),
            ));
        }
        let h = &src[pos..pos + HEADER];
        let c = h[3] as usize | (h[4] as usize) << 8 | (h[5] as usize) << 16;
        let u = h[6] as usize | (h[7] as usize) << 8 | (h[8] as usize) << 16;
        let start = pos + HEADER;
        let Some(body) = src.get(start..start + c) else {
            return Err(err(
                "header",
                pos,
                format!("block of {c} compressed bytes runs past the record end"),
            ));
        };
        if out.len() + u > out_len {
            return Err(err(
                "header",
                pos,
                format!("block of {u} bytes overflows the object's {out_len} bytes"),
            ));
        }
        let before = out.len();
        match &h[0..2] {
            b"ZL" => inflate(flate2::read::ZlibDecoder::new(body), u, &mut out)
                .map_err(|e| err("ZLIB", pos, e))?,
            b"CS" => inflate(flate2::read::DeflateDecoder::new(body), u, &mut out)
                .map_err(|e| err("old-ROOT deflate", pos, e))?,
            b"XZ" => {
                let mut d = xz2::read::XzDecoder::new(body);
                inflate(&mut d, u, &mut out).map_err(|e| err("LZMA", pos, e))?
            }
            b"ZS" => {
                let d = zstd::stream::read::Decoder::with_buffer(body)
                    .map_err(|e| err("ZSTD", pos, e.to_string()))?;
                inflate(d, u, &mut out).map_err(|e| err("ZSTD", pos, e))?
            }
            b"L4" => {
                if body.len() < 8 {
                    return Err(err("LZ4", pos, "block shorter than its checksum".into()));
                }
                let want = u64::from_be_bytes(body[..8].try_into().expect("8 bytes"));
                let data = &body[8..];
                let got = twox_hash::XxHash64::oneshot(0, data);
                if got != want {
                    return Err(err(
                        "LZ4",
                        pos,
                        format!("checksum {got:#018x} != stored {want:#018x}"),
                    ));
                }
                out.resize(before + u, 0);
                let n = lz4_flex::block::decompress_into(data, &mut out[before..])
                    .map_err(|e| err("LZ4", pos, e.to_string()))?;
                out.truncate(before + n);
            }
            tag => {
                return Err(err(
                    "unknown",
                    pos,
                    format!("unknown compression tag {:?}", String::from_utf8_lossy(tag)),
                ));
            }
        }
        if out.len() - before != u {
            let codec = match &h[0..2] {
                b"ZL" => "ZLIB",
                b"CS" => "old-ROOT deflate",
                b"XZ" => "LZMA",
                b"ZS" => "ZSTD",
                _ => "LZ4",
            };
            return Err(err(
                codec,
                pos,
                format!(
                    "block decompressed to {} bytes, header says {u}",
                    out.len() - before
                ),
            ));
        }
        pos = start + c;
    }
    Ok(out)
}

/// Read a decoder to its end, refusing more than `u` bytes.
fn inflate(r: impl Read, u: usize, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    let before = out.len();
    r.take(u as u64 + 1)
        .read_to_end(out)
        .map_err(|e| e.to_string())?;
    if out.len() - before > u {
        return Err(format!(
            "block decompresses to more than the {u} bytes in its header"
        ));
    }
    Ok(())
}
