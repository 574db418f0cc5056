//! TLeaf and its subclasses (TLeafO/B/S/I/L/G/F/D/C/D32/F16/Element): the
//! leaf's name, title (which carries array dimensions and Double32/Float16
//! ranges), fixed length, signedness and its counter leaf.
//!
//! Hand-coded like uproot's models for the versions ROOT 5.30-6.40 write
//! (TLeaf v2, subclasses v1): the tree metadata is read before any streamer
//! info would be useful, every TTree in the wild uses these classes, and a
//! fixed path is faster and gives precise errors.

use crate::error::Result;
use crate::objects::{Any, Reader, header, tnamed};

/// One leaf of a branch.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Leaf name.
    pub name: String,
    /// Leaf title (`x[n]`, `a3[3]`, `d32r[-10,100,20]` ...).
    pub title: String,
    /// Leaf class (`TLeafF`, `TLeafElement` ...).
    pub classname: String,
    /// Values per entry for fixed-size arrays (product of the dimensions), 1 for scalars.
    pub len: i32,
    /// Bytes per value as ROOT records it.
    pub len_type: i32,
    /// Whether the integer type is unsigned.
    pub unsigned: bool,
    /// Name of the counter leaf for `x[n]` arrays.
    pub count: Option<String>,
    /// `fID` and `fType` of a TLeafElement (streamer element index and type).
    pub element: Option<(i32, i32)>,
}

/// Read one leaf object of class `class` (called by [`Reader::object_any`]).
pub(crate) fn read_leaf(r: &mut Reader<'_>, class: &str, tag: u32) -> Result<Leaf> {
    let (_, _) = header(&mut r.c)?; // the subclass
    let (ver, end) = header(&mut r.c)?; // TLeaf
    if ver < 2 {
        return Err(r
            .c
            .malformed(format!("TLeaf version {ver} (ROOT < 5) not supported")));
    }
    let (name, title) = tnamed(&mut r.c)?;
    let len = r.c.i32()?;
    let len_type = r.c.i32()?;
    r.c.skip(4)?; // fOffset
    r.c.skip(1)?; // fIsRange
    let unsigned = r.c.u8()? != 0;
    r.names.insert(tag, name.clone());
    let count = match r.object_any(|r, cls, t| read_leaf(r, cls, t))? {
        Any::Null => None,
        Any::New(l) => Some(l.name),
        Any::Ref(t) => match r.names.get(&t) {
            Some(n) => Some(n.clone()),
            None => {
                return Err(r.c.malformed(format!(
                    "leaf {name:?}: fLeafCount refers to an unknown object ({t:#x})"
                )));
            }
        },
    };
    if let Some(e) = end {
        r.c.pos = e;
    }
    let element = if class == "TLeafElement" {
        Some((r.c.i32()?, r.c.i32()?))
    } else {
        None
    };
    if len < 0 {
        return Err(r.c.malformed(format!("leaf {name:?}: fLen {len}")));
    }
    Ok(Leaf {
        name,
        title,
        classname: class.to_string(),
        len,
        len_type,
        unsigned,
        count,
        element,
    })
}
