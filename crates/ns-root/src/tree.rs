//! TTree (class versions 16-20, ROOT 5.30-6.40): entries and branches, and
//! the entry point for reading branches into columns.
//!
//! The TTree record is read with a hand-coded streamer, as uproot does with
//! its hard-coded models: the members before `fBranches` have a fixed layout
//! per class version, and reading them directly avoids interpreting the
//! file's TStreamerInfo (which costs time at every open and cannot be trusted
//! more than the class versions themselves). Members after `fLeaves` are not
//! needed and are skipped by the byte count.

use crate::branch::{Branch, read_branch};
use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use crate::file::RootFile;
use crate::kind::{Kind, kind_of};
use crate::objects::{Reader, header, skip_object, tnamed};
use std::ops::{Bound, RangeBounds};

/// A TTree's metadata, borrowing the file it reads from.
#[derive(Debug)]
pub struct Tree<'f> {
    pub(crate) file: &'f RootFile,
    /// Path given to [`RootFile::tree`] (for errors).
    pub(crate) spec: String,
    /// Tree name.
    pub name: String,
    /// Tree title.
    pub title: String,
    entries: u64,
    branches: Vec<Branch>,
}

impl RootFile {
    /// Read a TTree by path (`dir/name`, optional `;cycle`, highest cycle by default).
    ///
    /// ```
    /// use ns_root::{Array, RootFile};
    /// let f = RootFile::open("../../tests/fixtures/root/uproot_zstd.root")?;
    /// let t = f.tree("events")?;
    /// assert_eq!(t.num_entries(), 1500);
    /// let f8: Vec<f64> = t.array::<f64>("f8", 100..200)?;
    /// assert_eq!(f8.len(), 100);
    /// let Array::Jagged { offsets, content } = t.read("jet_pt", ..)? else { unreachable!() };
    /// assert_eq!((offsets.len(), *offsets.last().unwrap() as usize), (1501, content.len()));
    /// # Ok::<(), ns_root::RootError>(())
    /// ```
    pub fn tree(&self, spec: &str) -> Result<Tree<'_>> {
        let key = self.key(spec)?;
        if key.classname != "TTree" {
            return Err(RootError::WrongClass {
                path: self.path().to_path_buf(),
                name: spec.to_string(),
                found: key.classname.clone(),
                expected: "TTree".into(),
            });
        }
        let bytes = self.object_bytes(&key)?;
        let c = Cursor::new(&bytes, 0, self.path(), spec);
        let mut r = Reader::new(c, key.keylen as u32);
        let (ver, _) = header(&mut r.c)?;
        if !(16..=20).contains(&ver) {
            return Err(r.c.malformed(format!(
                "TTree class version {ver} (ROOT 5.30-6.40 write 16-20)"
            )));
        }
        let (name, title) = tnamed(&mut r.c)?;
        for _ in 0..3 {
            skip_object(&mut r.c)?; // TAttLine, TAttFill, TAttMarker
        }
        let entries = r.c.i64()?;
        if entries < 0 {
            return Err(r.c.malformed(format!("fEntries {entries}")));
        }
        match ver {
            16 => r.c.skip(84)?,
            17 => r.c.skip(88)?,
            18 => r.c.skip(104)?,
            _ => {
                // fTotBytes .. fDefaultEntryOffsetLen, then fNClusterRange
                r.c.skip(4 * 8 + 8 + 4 * 4)?;
                let ncl = r.c.i32()?;
                r.c.skip(6 * 8)?;
                if ncl < 0 || ncl as usize > r.c.buf.len() / 16 {
                    return Err(r.c.malformed(format!("fNClusterRange {ncl}")));
                }
                r.c.skip(2 + 16 * ncl as usize)?; // fClusterRangeEnd, fClusterSize
                if ver >= 20 {
                    skip_object(&mut r.c)?; // fIOFeatures
                }
            }
        }
        let branches = r.obj_array(|r, cls, t| read_branch(r, cls, t))?;
        Ok(Tree {
            file: self,
            spec: spec.to_string(),
            name,
            title,
            entries: entries as u64,
            branches,
        })
    }
}

impl<'f> Tree<'f> {
    /// Number of entries (`fEntries`).
    pub fn num_entries(&self) -> u64 {
        self.entries
    }

    /// Top-level branches, in file order (sub-branches under [`Branch::branches`]).
    pub fn branches(&self) -> &[Branch] {
        &self.branches
    }

    /// Every branch name and its type name (uproot's `typename`), depth-first;
    /// types that cannot be read are named after their leaves or class.
    pub fn typenames(&self) -> Vec<(String, String)> {
        fn walk(bs: &[Branch], out: &mut Vec<(String, String)>) {
            for b in bs {
                out.push((b.name.clone(), b.typename()));
                walk(&b.branches, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.branches, &mut out);
        out
    }

    /// A branch by name (searched depth-first through sub-branches).
    pub fn branch(&self, name: &str) -> Result<&Branch> {
        fn find<'b>(bs: &'b [Branch], name: &str) -> Option<&'b Branch> {
            bs.iter()
                .find(|b| b.name == name)
                .or_else(|| bs.iter().find_map(|b| find(&b.branches, name)))
        }
        find(&self.branches, name).ok_or_else(|| RootError::NoBranch {
            path: self.file.path().to_path_buf(),
            tree: self.spec.clone(),
            branch: name.to_string(),
        })
    }

    pub(crate) fn kind(&self, b: &Branch) -> Result<Kind> {
        kind_of(b).map_err(|(typename, reason)| RootError::Unsupported {
            path: self.file.path().to_path_buf(),
            tree: self.spec.clone(),
            branch: b.name.clone(),
            typename,
            reason: reason.into(),
        })
    }

    /// `range` clipped to the tree's entries.
    pub(crate) fn clip(&self, range: impl RangeBounds<u64>) -> (u64, u64) {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let stop = match range.end_bound() {
            Bound::Included(&s) => s.saturating_add(1),
            Bound::Excluded(&s) => s,
            Bound::Unbounded => self.entries,
        };
        let stop = stop.min(self.entries);
        (start.min(stop), stop)
    }
}

impl Branch {
    /// The type name uproot gives this branch (`float`, `double[3]`,
    /// `int32_t[]`, `std::vector<float>`, `char*` ...).
    pub fn typename(&self) -> String {
        match kind_of(self) {
            Ok(k) => k.typename(),
            Err((t, _)) => t,
        }
    }
}
