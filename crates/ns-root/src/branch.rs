//! TBranch (v10-13), TBranchElement (v8-10) and other TBranch subclasses:
//! names, leaves, sub-branches and where each basket is.
//!
//! Hand-coded like uproot's models rather than interpreted from the file's
//! TStreamerInfo: the layout of these classes has been fixed per version
//! since ROOT 5.30, trees must be browsable before anything else is read, and
//! a fixed path gives exact errors (which branch, which offset).

use crate::error::Result;
use crate::leaf::{Leaf, read_leaf};
use crate::objects::{Reader, header, skip_object, tnamed};

/// Where one basket is and which entries it holds (`fBasketSeek`,
/// `fBasketBytes`, `fBasketEntry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BasketLoc {
    /// File offset of the basket's key.
    pub seek: u64,
    /// Bytes on disk (key + compressed payload).
    pub bytes: u32,
    /// First entry of the basket.
    pub first: u64,
    /// One past its last entry.
    pub last: u64,
}

/// What a TBranchElement says about the C++ object it stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// `fClassName` (`vector<float>`, `string`, `TString`, a user class ...).
    pub class_name: String,
    /// `fType` (0: top-level object or STL, 31/41: collection members ...).
    pub kind: i32,
    /// `fStreamerType` (-1 for top-level objects).
    pub streamer_type: i32,
    /// `fID` in the class's streamer info (-1, -2 for top-level).
    pub id: i32,
}

/// One branch: metadata only; data is read through [`crate::Tree`].
#[derive(Debug, Clone, PartialEq)]
pub struct Branch {
    /// Branch name.
    pub name: String,
    /// Branch title (the leaf list for plain branches: `x[n]/F`).
    pub title: String,
    /// Class (`TBranch`, `TBranchElement` ...).
    pub classname: String,
    /// Leaves (one for most branches, several for leaf lists).
    pub leaves: Vec<Leaf>,
    /// Sub-branches (split objects).
    pub branches: Vec<Branch>,
    /// Number of entries.
    pub entries: u64,
    /// For TBranchElement: the stored class.
    pub element: Option<Element>,
    pub(crate) baskets: Vec<BasketLoc>,
    /// Baskets kept inside the TBranch record (a tree written without a final flush).
    pub(crate) embedded_baskets: usize,
}

impl Branch {
    /// The baskets written to the file, in entry order.
    pub fn baskets(&self) -> &[BasketLoc] {
        &self.baskets
    }

    /// Number of baskets (written ones and any kept in the TBranch record).
    pub fn num_baskets(&self) -> usize {
        self.baskets.len() + self.embedded_baskets
    }
}

/// Read any branch object of class `class` (called by [`Reader::object_any`]).
pub(crate) fn read_branch(r: &mut Reader<'_>, class: &str, _tag: u32) -> Result<Branch> {
    if class == "TBranch" {
        return tbranch(r, class);
    }
    let (ver, _) = header(&mut r.c)?;
    let mut b = tbranch(r, class)?;
    if class == "TBranchElement" {
        if !(8..=10).contains(&ver) {
            return Err(r.c.malformed(format!("TBranchElement version {ver}")));
        }
        let class_name = r.c.tstring()?;
        r.c.tstring()?; // fParentName
        r.c.tstring()?; // fClonesName
        r.c.skip(4)?; // fCheckSum
        r.c.skip(if ver >= 10 { 2 } else { 4 })?; // fClassVersion
        let id = r.c.i32()?;
        let kind = r.c.i32()?;
        let streamer_type = r.c.i32()?;
        r.c.skip(4)?; // fMaximum
        for _ in 0..2 {
            // fBranchCount, fBranchCount2: usually back-references
            r.object_any(|r, cls, t| read_branch(r, cls, t))?;
        }
        b.element = Some(Element {
            class_name,
            kind,
            streamer_type,
            id,
        });
    } else if class == "TBranchObject" {
        let class_name = r.c.tstring()?;
        b.element = Some(Element {
            class_name,
            kind: -1,
            streamer_type: -1,
            id: -1,
        });
    }
    Ok(b)
}

/// The TBranch part of any branch object.
fn tbranch(r: &mut Reader<'_>, class: &str) -> Result<Branch> {
    let (ver, end) = header(&mut r.c)?;
    if !(10..=13).contains(&ver) {
        return Err(r.c.malformed(format!(
            "TBranch version {ver} (ROOT 5.30-6.40 write 10-13)"
        )));
    }
    let (name, title) = tnamed(&mut r.c)?;
    skip_object(&mut r.c)?; // TAttFill
    r.c.skip(4 + 4 + 4)?; // fCompress, fBasketSize, fEntryOffsetLen
    let write_basket = r.c.i32()?;
    r.c.skip(8)?; // fEntryNumber
    if ver >= 13 {
        skip_object(&mut r.c)?; // fIOFeatures
    }
    r.c.skip(4)?; // fOffset
    let max_baskets = r.c.i32()?;
    r.c.skip(4)?; // fSplitLevel
    let entries = r.c.i64()?;
    if ver >= 11 {
        r.c.skip(8)?; // fFirstEntry
    }
    r.c.skip(8 + 8)?; // fTotBytes, fZipBytes
    if entries < 0 || write_basket < 0 || max_baskets < write_basket {
        return Err(r.c.malformed(format!(
            "branch {name:?}: fEntries {entries}, fWriteBasket {write_basket}, fMaxBaskets {max_baskets}"
        )));
    }
    let branches = r.obj_array(|r, cls, t| read_branch(r, cls, t))?;
    let leaves = r.obj_array(|r, cls, t| read_leaf(r, cls, t))?;
    let embedded_baskets = r.obj_array(|_, _, _| Ok(()))?.len();
    let max = max_baskets as usize;
    if max > r.c.buf.len() {
        return Err(r.c.malformed(format!("branch {name:?}: fMaxBaskets {max}")));
    }
    r.c.skip(1)?;
    let bytes = (0..max).map(|_| r.c.i32()).collect::<Result<Vec<_>>>()?;
    r.c.skip(1)?;
    let first = (0..max).map(|_| r.c.i64()).collect::<Result<Vec<_>>>()?;
    r.c.skip(1)?;
    let seek = (0..max).map(|_| r.c.i64()).collect::<Result<Vec<_>>>()?;
    let n = write_basket as usize;
    let mut baskets = Vec::with_capacity(n);
    for i in 0..n {
        // fBasketEntry[fWriteBasket] starts the embedded basket, if any.
        let stop = match (i + 1 < n, embedded_baskets) {
            (true, _) => first[i + 1],
            (false, 0) => entries,
            (false, _) => first.get(n).copied().unwrap_or(entries),
        };
        if first[i] < 0 || stop < first[i] || bytes[i] < 0 || seek[i] <= 0 {
            return Err(r.c.malformed(format!(
                "branch {name:?}: basket {i}: entries {}..{stop}, {} bytes at {}",
                first[i], bytes[i], seek[i]
            )));
        }
        baskets.push(BasketLoc {
            seek: seek[i] as u64,
            bytes: bytes[i] as u32,
            first: first[i] as u64,
            last: stop as u64,
        });
    }
    if let Some(e) = end {
        r.c.pos = e;
    }
    Ok(Branch {
        name,
        title,
        classname: class.to_string(),
        leaves,
        branches,
        entries: entries as u64,
        element: None,
        baskets,
        embedded_baskets,
    })
}
