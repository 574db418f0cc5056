//! ROOT's object framing inside a record: byte-count headers, TObject,
//! TNamed, and `ReadObjectAny` (class tags and back-references).
//!
//! References (`kClassMask` class tags, plain object tags) are offsets in the
//! record counted from the start of its key (`kMapOffset` = 2 added), so a
//! [`Reader`] knows its key length and remembers what it read where.

use crate::cursor::Cursor;
use crate::error::Result;
use std::collections::HashMap;

const BYTE_COUNT: u32 = 0x4000_0000;
const CLASS_MASK: u32 = 0x8000_0000;
const NEW_CLASS: u32 = 0xFFFF_FFFF;
const MAP_OFFSET: u32 = 2;

/// Start of an object: returns (version, end offset if byte-counted).
pub(crate) fn header(c: &mut Cursor<'_>) -> Result<(i16, Option<usize>)> {
    let start = c.pos;
    let bcnt = c.i32()? as u32;
    if bcnt & BYTE_COUNT != 0 {
        let n = (bcnt & !BYTE_COUNT) as usize;
        let end = start + 4 + n;
        if end > c.buf.len() {
            c.pos = start;
            return Err(c.malformed(format!("byte count {n} runs past the object")));
        }
        Ok((c.i16()?, Some(end)))
    } else {
        c.pos = start;
        Ok((c.i16()?, None))
    }
}

/// Skip a byte-counted member.
pub(crate) fn skip_object(c: &mut Cursor<'_>) -> Result<()> {
    match header(c)? {
        (_, Some(end)) => {
            c.pos = end;
            Ok(())
        }
        (_, None) => Err(c.malformed("member without byte count")),
    }
}

/// A TObject base (never byte-counted).
pub(crate) fn tobject(c: &mut Cursor<'_>) -> Result<()> {
    c.i16()?;
    c.skip(4)?;
    let bits = c.i32()? as u32;
    if bits & 0x10 != 0 {
        c.skip(2)?;
    }
    Ok(())
}

/// TNamed: (name, title).
pub(crate) fn tnamed(c: &mut Cursor<'_>) -> Result<(String, String)> {
    let (_, end) = header(c)?;
    tobject(c)?;
    let n = c.tstring()?;
    let t = c.tstring()?;
    if let Some(e) = end {
        c.pos = e;
    }
    Ok((n, t))
}

/// What a `ReadObjectAny` found.
pub(crate) enum Any<T> {
    /// A null pointer.
    Null,
    /// A back-reference to an object read earlier (its reference tag).
    Ref(u32),
    /// A new object, read by the caller's function.
    New(T),
}

/// A cursor over one record plus the reference table of `ReadObjectAny`.
pub(crate) struct Reader<'a> {
    pub(crate) c: Cursor<'a>,
    keylen: u32,
    classes: HashMap<u32, String>,
    /// Names of objects read so far, by reference tag (leaves, for `fLeafCount`).
    pub(crate) names: HashMap<u32, String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(c: Cursor<'a>, keylen: u32) -> Self {
        Reader {
            c,
            keylen,
            classes: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// Reference tag of the object whose byte count starts at buffer offset `pos`.
    pub(crate) fn tag_at(&self, pos: usize) -> u32 {
        pos as u32 + self.keylen + MAP_OFFSET
    }

    /// `TBufferFile::ReadObjectAny`: null, a back-reference, or a new object
    /// of a (new or already seen) class, read by `read(self, class, end)`.
    /// After `read` the cursor is put at the object's byte-counted end.
    pub(crate) fn object_any<T>(
        &mut self,
        read: impl FnOnce(&mut Self, &str, u32) -> Result<T>,
    ) -> Result<Any<T>> {
        let beg = self.c.pos;
        let bcnt = self.c.i32()? as u32;
        let (tag, end) = if bcnt & BYTE_COUNT == 0 || bcnt == NEW_CLASS {
            (bcnt, None)
        } else {
            let end = beg + 4 + (bcnt & !BYTE_COUNT) as usize;
            if end > self.c.buf.len() {
                self.c.pos = beg;
                return Err(self.c.malformed(format!(
                    "object byte count {} runs past the record",
                    bcnt & !BYTE_COUNT
                )));
            }
            (self.c.i32()? as u32, Some(end))
        };
        if tag & CLASS_MASK == 0 {
            if let Some(e) = end {
                self.c.pos = e;
            }
            return Ok(if tag == 0 { Any::Null } else { Any::Ref(tag) });
        }
        let class = if tag == NEW_CLASS {
            let at = self.c.pos - 4;
            let mut name = Vec::new();
            loop {
                match self.c.u8()? {
                    0 => break,
                    b => name.push(b),
                }
                if name.len() > 1024 {
                    return Err(self.c.malformed("class name longer than 1024 bytes"));
                }
            }
            let name = String::from_utf8_lossy(&name).into_owned();
            self.classes.insert(self.tag_at(at), name.clone());
            name
        } else {
            let r = tag & !CLASS_MASK;
            match self.classes.get(&r) {
                Some(n) => n.clone(),
                None => {
                    return Err(self
                        .c
                        .malformed(format!("reference to unknown class tag {r:#x}")));
                }
            }
        };
        let obj_tag = self.tag_at(beg);
        let out = read(self, &class, obj_tag)?;
        if let Some(e) = end {
            if self.c.pos > e {
                return Err(self
                    .c
                    .malformed(format!("{class} runs past its byte count")));
            }
            self.c.pos = e;
        }
        Ok(Any::New(out))
    }

    /// A TObjArray of objects read by `item` (nulls and back-references dropped).
    pub(crate) fn obj_array<T>(
        &mut self,
        mut item: impl FnMut(&mut Self, &str, u32) -> Result<T>,
    ) -> Result<Vec<T>> {
        let (_, end) = header(&mut self.c)?;
        tobject(&mut self.c)?;
        self.c.tstring()?;
        let n = self.c.i32()?;
        self.c.skip(4)?; // fLowerBound
        if n < 0 || n as usize > self.c.buf.len() {
            return Err(self.c.malformed(format!("TObjArray of {n} objects")));
        }
        let mut out = Vec::with_capacity(n as usize);
        for _ in 0..n {
            if let Any::New(x) = self.object_any(&mut item)? {
                out.push(x);
            }
        }
        if let Some(e) = end {
            self.c.pos = e;
        }
        Ok(out)
    }
}
