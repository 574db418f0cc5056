//! Bounds-checked big-endian reader over a byte slice (ROOT serialises big-endian).

use crate::error::{Result, RootError};
use std::path::Path;

/// A position in a buffer plus what to name in errors.
pub(crate) struct Cursor<'a> {
    pub(crate) buf: &'a [u8],
    pub(crate) pos: usize,
    /// Added to `pos` in error messages (file offset of `buf[0]`).
    pub(crate) base: u64,
    pub(crate) path: &'a Path,
    pub(crate) object: &'a str,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], base: u64, path: &'a Path, object: &'a str) -> Self {
        Cursor {
            buf,
            pos: 0,
            base,
            path,
            object,
        }
    }

    pub(crate) fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    pub(crate) fn truncated(&self, need: usize) -> RootError {
        RootError::Truncated {
            path: self.path.to_path_buf(),
            object: self.object.to_string(),
            offset: self.offset(),
            need: need as u64,
            have: self.buf.len().saturating_sub(self.pos) as u64,
        }
    }

    pub(crate) fn malformed(&self, reason: impl Into<String>) -> RootError {
        RootError::Malformed {
            path: self.path.to_path_buf(),
            object: self.object.to_string(),
            offset: self.offset(),
            reason: reason.into(),
        }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(e) => {
                let s = &self.buf[self.pos..e];
                self.pos = e;
                Ok(s)
            }
            None => Err(self.truncated(n)),
        }
    }

    pub(crate) fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.bytes(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    pub(crate) fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }
    pub(crate) fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array()?))
    }
    pub(crate) fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    /// A ROOT `TString`: one length byte, or 255 then a 4-byte length.
    pub(crate) fn tstring(&mut self) -> Result<String> {
        let mut n = self.u8()? as usize;
        if n == 255 {
            let m = self.i32()?;
            if m < 0 {
                return Err(self.malformed(format!("negative string length {m}")));
            }
            n = m as usize;
        }
        let s = self.bytes(n)?;
        Ok(String::from_utf8_lossy(s).into_owned())
    }
}
