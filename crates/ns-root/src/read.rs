//! Reading a branch over an entry range: only the baskets that overlap it
//! are fetched, decompressed in parallel (rayon) and decoded straight into
//! the output (flat branches) or into per-basket pieces joined in order
//! (jagged branches and strings). Offsets + flat content, never one
//! allocation per entry.

use crate::basket::{Basket, read_basket, read_header};
use crate::branch::{BasketLoc, Branch};
use crate::column::{Array, Primitive, with_prim};
use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use crate::kind::{Kind, Prim};
use crate::tree::Tree;
use rayon::prelude::*;
use std::ops::RangeBounds;

/// One basket's share of a read: basket index and entry range inside it.
struct Job<'b> {
    index: usize,
    loc: &'b BasketLoc,
    lo: usize,
    hi: usize,
}

/// A jagged piece from one basket: per-entry counts, inner counts, content.
struct Piece<T> {
    counts: Vec<u32>,
    inner: Vec<u32>,
    content: Vec<T>,
}

impl<'f> Tree<'f> {
    /// Read one branch over `range` (e.g. `..`, `100..200`), any supported layout.
    pub fn read(&self, name: &str, range: impl RangeBounds<u64>) -> Result<Array> {
        let b = self.branch(name)?;
        let kind = self.kind(b)?;
        let (start, stop) = self.clip(range);
        let jobs = jobs(b, start, stop);
        Ok(match kind {
            Kind::Fixed { prim, width, .. } => with_prim!(prim, T => Array::Flat {
                width,
                content: T::into_column(self.fixed::<T>(b, &jobs, width, stop - start)?),
            }),
            Kind::Str(_) => {
                let p = self.pieces::<u8>(b, &jobs, &kind)?;
                let (offsets, _, bytes) = join(p);
                Array::Strings { offsets, bytes }
            }
            Kind::VectorVector(prim) => with_prim!(prim, T => {
                let (outer, inner, content) = join(self.pieces::<T>(b, &jobs, &kind)?);
                Array::Jagged2 { outer, inner, content: T::into_column(content) }
            }),
            Kind::Counted { prim, .. } | Kind::Vector(prim) => with_prim!(prim, T => {
                let (offsets, _, content) = join(self.pieces::<T>(b, &jobs, &kind)?);
                Array::Jagged { offsets, content: T::into_column(content) }
            }),
        })
    }

    /// Read a branch of scalars (or fixed-size arrays, entry-major) of type `T`.
    pub fn array<T: Primitive>(&self, name: &str, range: impl RangeBounds<u64>) -> Result<Vec<T>> {
        let b = self.branch(name)?;
        match self.kind(b)? {
            Kind::Fixed { prim, width, .. } if prim == T::PRIM => {
                let (start, stop) = self.clip(range);
                self.fixed::<T>(b, &jobs(b, start, stop), width, stop - start)
            }
            k => Err(RootError::WrongType {
                path: self.file.path().to_path_buf(),
                tree: self.spec.clone(),
                branch: name.to_string(),
                typename: k.typename(),
                requested: T::PRIM.name(),
            }),
        }
    }

    fn basket_name(&self, b: &Branch, j: &Job<'_>) -> String {
        format!("{}:{} basket {}", self.spec, b.name, j.index)
    }

    fn basket(&self, b: &Branch, j: &Job<'_>) -> Result<Basket<'f>> {
        read_basket(self.file, j.loc, &self.basket_name(b, j))
    }

    fn malformed(&self, b: &Branch, j: &Job<'_>, reason: String) -> RootError {
        RootError::Malformed {
            path: self.file.path().to_path_buf(),
            object: self.basket_name(b, j),
            offset: j.loc.seek,
            reason,
        }
    }

    fn check_embedded(&self, b: &Branch, jobs: &[Job<'_>], n: u64) -> Result<()> {
        let covered: u64 = jobs.iter().map(|j| (j.hi - j.lo) as u64).sum();
        if covered == n {
            return Ok(());
        }
        Err(RootError::Unsupported {
            path: self.file.path().to_path_buf(),
            tree: self.spec.clone(),
            branch: b.name.clone(),
            typename: b.typename(),
            reason: format!(
                "{} basket(s) kept inside the TBranch record (tree not flushed) are not read",
                b.embedded_baskets
            )
            .into(),
        })
    }

    fn fixed<T: Primitive>(
        &self,
        b: &Branch,
        jobs: &[Job<'_>],
        width: usize,
        n: u64,
    ) -> Result<Vec<T>> {
        self.check_embedded(b, jobs, n)?;
        let size = T::PRIM.size();
        // Check every basket's header before allocating what they claim to hold.
        for j in jobs {
            let h = read_header(self.file, j.loc, &self.basket_name(b, j))?;
            let need = (j.loc.last - j.loc.first) as usize * width * size;
            if h.objlen < need {
                return Err(self.malformed(b, j, format!("{} bytes cannot hold {need}", h.objlen)));
            }
        }
        let mut out = vec![T::default(); n as usize * width];
        let mut rest = out.as_mut_slice();
        let mut parts = Vec::with_capacity(jobs.len());
        for j in jobs {
            let (a, r) = rest.split_at_mut((j.hi - j.lo) * width);
            parts.push((j, a));
            rest = r;
        }
        parts.into_par_iter().try_for_each(|(j, dst)| {
            let bk = self.basket(b, j)?;
            let want = bk.entries * width * size;
            if bk.data.len() != want {
                return Err(self.malformed(
                    b,
                    j,
                    format!(
                        "{} data bytes for {} entries of {width} x {size} bytes",
                        bk.data.len(),
                        bk.entries
                    ),
                ));
            }
            T::decode(&bk.data[j.lo * width * size..j.hi * width * size], dst);
            Ok(())
        })?;
        Ok(out)
    }

    fn pieces<T: Primitive>(
        &self,
        b: &Branch,
        jobs: &[Job<'_>],
        kind: &Kind,
    ) -> Result<Vec<Piece<T>>> {
        let n = jobs.iter().map(|j| (j.hi - j.lo) as u64).sum();
        self.check_embedded(b, jobs, n)?;
        jobs.par_iter()
            .map(|j| {
                let bk = self.basket(b, j)?;
                let Some(offs) = &bk.offsets else {
                    return Err(self.malformed(
                        b,
                        j,
                        "variable-size branch basket without entry offsets".into(),
                    ));
                };
                let object = self.basket_name(b, j);
                let mut c = Cursor::new(&bk.data, 0, self.file.path(), &object);
                let mut p = Piece {
                    counts: Vec::with_capacity(j.hi - j.lo),
                    inner: Vec::new(),
                    content: Vec::new(),
                };
                for e in j.lo..j.hi {
                    c.pos = offs[e] as usize;
                    entry(&mut c, offs[e + 1] as usize, kind, &mut p)?;
                }
                Ok(p)
            })
            .collect()
    }
}

/// Decode one entry `c.buf[c.pos..end]` of a variable-size branch into `p`.
fn entry<T: Primitive>(
    c: &mut Cursor<'_>,
    end: usize,
    kind: &Kind,
    p: &mut Piece<T>,
) -> Result<()> {
    let size = T::PRIM.size();
    let values = |c: &mut Cursor<'_>, n: usize, p: &mut Piece<T>| -> Result<()> {
        let src = c.bytes(
            n.checked_mul(size)
                .ok_or_else(|| c.malformed("length overflow"))?,
        )?;
        let at = p.content.len();
        p.content.resize(at + n, T::default());
        T::decode(src, &mut p.content[at..]);
        Ok(())
    };
    let length = |c: &mut Cursor<'_>| -> Result<usize> {
        let n = c.i32()?;
        if n < 0 || n as usize > end - c.pos.min(end) {
            return Err(c.malformed(format!(
                "element count {n} in a {}-byte entry",
                end - c.pos.min(end)
            )));
        }
        Ok(n as usize)
    };
    match kind {
        Kind::Counted { .. } => {
            let len = end - c.pos;
            if len % size != 0 {
                return Err(
                    c.malformed(format!("entry of {len} bytes is not a multiple of {size}"))
                );
            }
            p.counts.push((len / size) as u32);
            values(c, len / size, p)?;
        }
        Kind::Vector(_) => {
            c.skip(6)?; // byte count + class version
            let n = length(c)?;
            p.counts.push(n as u32);
            values(c, n, p)?;
        }
        Kind::VectorVector(_) => {
            c.skip(6)?;
            let n = length(c)?;
            p.counts.push(n as u32);
            for _ in 0..n {
                let m = length(c)?;
                p.inner.push(m as u32);
                values(c, m, p)?;
            }
        }
        Kind::Str(_) => {
            let mut n = c.u8()? as usize;
            if n == 255 {
                n = length(c)?;
            }
            p.counts.push(n as u32);
            values(c, n, p)?;
        }
        Kind::Fixed { .. } => unreachable!("fixed-size branches are read by Tree::fixed"),
    }
    if c.pos != end {
        return Err(c.malformed(format!(
            "entry decoded to {} bytes, stored {}",
            c.pos + (end - c.pos.min(end)),
            end
        )));
    }
    Ok(())
}

/// Concatenate pieces into (offsets, inner offsets, content).
fn join<T>(pieces: Vec<Piece<T>>) -> (Vec<i64>, Vec<i64>, Vec<T>) {
    let n: usize = pieces.iter().map(|p| p.counts.len()).sum();
    let ni: usize = pieces.iter().map(|p| p.inner.len()).sum();
    let nc: usize = pieces.iter().map(|p| p.content.len()).sum();
    let (mut offsets, mut inner, mut content) = (
        Vec::with_capacity(n + 1),
        Vec::with_capacity(ni + 1),
        Vec::with_capacity(nc),
    );
    offsets.push(0i64);
    inner.push(0i64);
    let nested = ni > 0 || pieces.iter().any(|p| !p.inner.is_empty());
    for p in pieces {
        for c in p.counts {
            offsets.push(offsets.last().copied().unwrap_or(0) + c as i64);
        }
        for c in p.inner {
            inner.push(inner.last().copied().unwrap_or(0) + c as i64);
        }
        content.extend(p.content);
    }
    if !nested {
        inner.truncate(1);
    }
    (offsets, inner, content)
}

/// The baskets overlapping `start..stop` and the entries wanted from each.
fn jobs(b: &Branch, start: u64, stop: u64) -> Vec<Job<'_>> {
    b.baskets
        .iter()
        .enumerate()
        .filter(|(_, l)| l.last > start && l.first < stop)
        .map(|(index, loc)| Job {
            index,
            loc,
            lo: (start.max(loc.first) - loc.first) as usize,
            hi: (stop.min(loc.last) - loc.first) as usize,
        })
        .collect()
}
