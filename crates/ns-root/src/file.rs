//! TFile header, directories and keys, read from a memory map.

use crate::compression::decompress;
use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use std::borrow::Cow;
use std::path::{Path, PathBuf};

/// One TKey: an object's name, class, cycle and where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Object name (without directory).
    pub name: String,
    /// Object title.
    pub title: String,
    /// Class name stored in the key (`TTree`, `TH1F`, `TDirectory` ...).
    pub classname: String,
    /// Cycle number (`name;cycle`).
    pub cycle: i16,
    /// Bytes on disk, key header included.
    pub nbytes: i32,
    /// Uncompressed object length (without the key header).
    pub objlen: i32,
    /// Key header length.
    pub keylen: i16,
    /// File offset of the key.
    pub seek_key: u64,
}

/// A directory: its keys as stored (all cycles).
#[derive(Debug, Clone)]
pub struct Directory {
    /// Keys in file order.
    pub keys: Vec<Key>,
}

/// An open ROOT file (memory-mapped; nothing else is read until asked).
pub struct RootFile {
    path: PathBuf,
    data: memmap2::Mmap,
    /// ROOT version that wrote the file (e.g. 64000 for 6.40/00).
    pub version: i32,
    /// Default compression setting of the file (algorithm × 100 + level).
    pub compress: i32,
    top: Directory,
}

impl std::fmt::Debug for RootFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootFile")
            .field("path", &self.path)
            .field("version", &self.version)
            .field("len", &self.data.len())
            .finish()
    }
}

impl RootFile {
    /// Open and memory-map `path`, read the header and the top directory's keys.
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile> {
        let path = path.as_ref().to_path_buf();
        let io = |source| RootError::Io {
            path: path.clone(),
            source,
        };
        let file = std::fs::File::open(&path).map_err(io)?;
        // SAFETY: the map is read-only; a file changed under us gives wrong
        // bytes, which the bounds-checked parser turns into errors, not UB.
        let data = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
        if data.len() < 4 || &data[..4] != b"root" {
            return Err(RootError::BadMagic {
                path,
                found: data[..data.len().min(4)].to_vec(),
            });
        }
        let mut c = Cursor::new(&data, 0, &path, "TFile header");
        c.skip(4)?;
        let raw_version = c.i32()?;
        let large = raw_version >= 1_000_000;
        let version = raw_version % 1_000_000;
        let begin = c.i32()?;
        let end = if large {
            let e = c.i64()?;
            c.skip(8)?; // fSeekFree
            e
        } else {
            let e = c.i32()? as i64;
            c.skip(4)?;
            e
        };
        if end < 0 || end as u64 > data.len() as u64 {
            return Err(RootError::Truncated {
                path,
                object: "TFile (fEND)".into(),
                offset: data.len() as u64,
                need: (end.max(0) as u64).saturating_sub(data.len() as u64),
                have: 0,
            });
        }
        c.skip(4 + 4)?; // fNbytesFree, nfree
        let nbytes_name = c.i32()?;
        c.skip(1)?; // fUnits
        let compress = c.i32()?;
        if begin <= 0 || nbytes_name < 0 {
            return Err(c.malformed(format!("fBEGIN {begin}, fNbytesName {nbytes_name}")));
        }
        let dir_at = begin as u64 + nbytes_name as u64;
        let mut f = RootFile {
            path,
            data,
            version,
            compress,
            top: Directory { keys: Vec::new() },
        };
        f.top = f.read_directory(dir_at, "top directory")?;
        Ok(f)
    }

    /// The whole mapped file.
    pub(crate) fn data(&self) -> &[u8] {
        &self.data
    }

    /// File path as given to [`RootFile::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn cursor_at<'a>(&'a self, at: u64, object: &'a str) -> Result<Cursor<'a>> {
        let mut c = Cursor::new(&self.data, 0, &self.path, object);
        if at > self.data.len() as u64 {
            return Err(c.truncated(1));
        }
        c.pos = at as usize;
        Ok(c)
    }

    /// Read a TDirectory record at `at` and its key list.
    fn read_directory(&self, at: u64, object: &str) -> Result<Directory> {
        let mut c = self.cursor_at(at, object)?;
        let version = c.i16()?;
        c.skip(4 + 4)?; // fDatimeC, fDatimeM
        let _nbytes_keys = c.i32()?;
        let _nbytes_name = c.i32()?;
        let seek_keys = if version > 1000 {
            c.skip(8 + 8)?;
            c.i64()?
        } else {
            c.skip(4 + 4)?;
            c.i32()? as i64
        };
        if seek_keys <= 0 {
            return Err(c.malformed(format!("fSeekKeys {seek_keys}")));
        }
        let mut c = self.cursor_at(seek_keys as u64, object)?;
        let head = read_key(&mut c)?;
        let mut c = self.cursor_at(seek_keys as u64 + head.keylen as u64, object)?;
        let n = c.i32()?;
        if n < 0 || n as usize > self.data.len() / 20 {
            return Err(c.malformed(format!("{n} keys")));
        }
        let keys = (0..n)
            .map(|_| read_key(&mut c))
            .collect::<Result<Vec<_>>>()?;
        Ok(Directory { keys })
    }

    /// The top directory's keys (every cycle).
    pub fn top(&self) -> &Directory {
        &self.top
    }

    /// Every key with its full path (`dir/sub/name`), recursing into sub-directories.
    pub fn keys_recursive(&self) -> Result<Vec<(String, Key)>> {
        let mut out = Vec::new();
        self.walk(&self.top, "", &mut out, 0)?;
        Ok(out)
    }

    fn walk(
        &self,
        dir: &Directory,
        prefix: &str,
        out: &mut Vec<(String, Key)>,
        depth: usize,
    ) -> Result<()> {
        for k in &dir.keys {
            let full = format!("{prefix}{}", k.name);
            out.push((full.clone(), k.clone()));
            if is_directory(&k.classname) {
                if depth > 64 {
                    return Err(RootError::Malformed {
                        path: self.path.clone(),
                        object: full,
                        offset: k.seek_key,
                        reason: "directories nested more than 64 deep".into(),
                    });
                }
                let sub = self.subdirectory(k, &full)?;
                self.walk(&sub, &format!("{full}/"), out, depth + 1)?;
            }
        }
        Ok(())
    }

    fn subdirectory(&self, k: &Key, name: &str) -> Result<Directory> {
        self.read_directory(k.seek_key + k.keylen as u64, name)
    }

    /// Find a key by path `a/b/name` with an optional `;cycle` (highest cycle by default).
    pub fn key(&self, spec: &str) -> Result<Key> {
        let not_found = || RootError::NotFound {
            path: self.path.clone(),
            name: spec.to_string(),
        };
        let (path, cycle) = match spec.rsplit_once(';') {
            Some((p, c)) => (p, Some(c.parse::<i16>().map_err(|_| not_found())?)),
            None => (spec, None),
        };
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let (last, dirs) = parts.split_last().ok_or_else(not_found)?;
        let mut dir = Cow::Borrowed(&self.top);
        for (i, d) in dirs.iter().enumerate() {
            let k = best(&dir.keys, d, None)
                .filter(|k| is_directory(&k.classname))
                .ok_or_else(not_found)?;
            let sub = self.subdirectory(&k, &parts[..=i].join("/"))?;
            dir = Cow::Owned(sub);
        }
        best(&dir.keys, last, cycle).ok_or_else(not_found)
    }

    /// The uncompressed bytes of a key's object (borrowed from the map when stored raw).
    pub fn object_bytes(&self, k: &Key) -> Result<Cow<'_, [u8]>> {
        let start = k.seek_key.checked_add(k.keylen as u64);
        let stored = (k.nbytes as i64 - k.keylen as i64).max(0) as u64;
        let end = start.and_then(|s| s.checked_add(stored));
        let (Some(start), Some(end)) = (start, end) else {
            return Err(self.key_past_end(k, stored));
        };
        if end > self.data.len() as u64 || k.objlen < 0 {
            return Err(self.key_past_end(k, stored));
        }
        let src = &self.data[start as usize..end as usize];
        if stored == k.objlen as u64 {
            Ok(Cow::Borrowed(src))
        } else {
            decompress(src, k.objlen as usize, &self.path, &k.name, start).map(Cow::Owned)
        }
    }

    fn key_past_end(&self, k: &Key, stored: u64) -> RootError {
        RootError::Truncated {
            path: self.path.clone(),
            object: k.name.clone(),
            offset: k.seek_key + k.keylen as u64,
            need: stored,
            have: (self.data.len() as u64).saturating_sub(k.seek_key + k.keylen as u64),
        }
    }
}

fn is_directory(class: &str) -> bool {
    class == "TDirectory" || class == "TDirectoryFile"
}

fn best(keys: &[Key], name: &str, cycle: Option<i16>) -> Option<Key> {
    keys.iter()
        .filter(|k| k.name == name && cycle.is_none_or(|c| k.cycle == c))
        .max_by_key(|k| k.cycle)
        .cloned()
}

/// Read one TKey header at the cursor.
fn read_key(c: &mut Cursor<'_>) -> Result<Key> {
    let at = c.pos;
    let nbytes = c.i32()?;
    let version = c.i16()?;
    let objlen = c.i32()?;
    c.skip(4)?; // fDatime
    let keylen = c.i16()?;
    let cycle = c.i16()?;
    let seek_key = if version > 1000 {
        let s = c.i64()?;
        c.skip(8)?;
        s
    } else {
        let s = c.i32()? as i64;
        c.skip(4)?;
        s
    };
    let classname = c.tstring()?;
    let name = c.tstring()?;
    let title = c.tstring()?;
    if nbytes < 0 || keylen < 0 || objlen < 0 || seek_key < 0 {
        c.pos = at;
        return Err(c.malformed(format!(
            "key {name:?}: fNbytes {nbytes}, fKeylen {keylen}, fObjlen {objlen}, fSeekKey {seek_key}"
        )));
    }
    Ok(Key {
        name,
        title,
        classname,
        cycle,
        nbytes,
        objlen,
        keylen,
        seek_key: seek_key as u64,
    })
}
