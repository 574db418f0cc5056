//! Reading a branch over an entry range: only the baskets that overlap it
//! are fetched, decompressed in parallel (rayon) and decoded straight into
//! the output (flat branches) or into per-basket pieces joined in order
//! (jagged branches and strings). Offsets + flat content, never one
//! allocation per entry.

use crate::basket::{Basket, read_basket, read_header};
use crate::branch::{BasketLoc, Branch};
use crate::column::{Array, Column, Primitive, with_prim};
use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use crate::kind::{Enc, Kind, Prim, leaf_of_list};
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

/// Where a fixed-size leaf's values are in each entry.
struct Lay {
    width: usize,
    stride: usize,
    offset: usize,
    vsize: usize,
}

/// `Double32_t` values (uproot's arithmetic, see [`Enc`]).
fn double32(enc: Enc, src: &[u8], dst: &mut [f64]) {
    match enc {
        Enc::Range { low, high, nbits } => {
            let scale = (high - low) / (1u64 << nbits) as f64;
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                let raw = u32::from_be_bytes(s.try_into().expect("4 bytes"));
                *d = raw as f64 * scale + low;
            }
        }
        Enc::Mantissa(nbits) => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(3)) {
                *d = mantissa(s, nbits) as f64;
            }
        }
        _ => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = f32::from_be_bytes(s.try_into().expect("4 bytes")) as f64;
            }
        }
    }
}

/// `Float16_t` values, in f32 arithmetic as uproot/numpy do.
fn float16(enc: Enc, src: &[u8], dst: &mut [f32]) {
    match enc {
        Enc::Range { low, high, nbits } => {
            let scale = ((high - low) / (1u64 << nbits) as f64) as f32;
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                let raw = u32::from_be_bytes(s.try_into().expect("4 bytes"));
                *d = raw as f32 * scale + low as f32;
            }
        }
        Enc::Mantissa(nbits) => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(3)) {
                *d = mantissa(s, nbits);
            }
        }
        _ => {
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(4)) {
                *d = f32::from_be_bytes(s.try_into().expect("4 bytes"));
            }
        }
    }
}

/// ROOT's truncated float: exponent byte, then a mantissa word with `nbits`
/// bits and the sign above them (`TBufferFile::ReadWithNbits`).
fn mantissa(s: &[u8], nbits: u32) -> f32 {
    let exp = s[0] as u32;
    let man = u16::from_be_bytes([s[1], s[2]]) as u32;
    let bits = (exp << 23) | ((man & ((1 << (nbits + 1)) - 1)) << (23 - nbits));
    let x = f32::from_bits(bits);
    if man & (1 << (nbits + 1)) != 0 { -x } else { x }
}

/// A jagged piece from one basket: per-entry counts, inner counts, content.
struct Piece<T> {
    counts: Vec<u32>,
    inner: Vec<u32>,
    content: Vec<T>,
}

impl<'f> Tree<'f> {
    /// Read one branch over `range` (e.g. `..`, `100..200`), any supported
    /// layout. A leaf of a leaf-list branch is read as `branch.leaf`.
    pub fn read(&self, name: &str, range: impl RangeBounds<u64>) -> Result<Array> {
        let (b, kind) = self.resolve(name)?;
        let (start, stop) = self.clip(range);
        let jobs = jobs(b, start, stop);
        let n = stop - start;
        Ok(match kind {
            Kind::Fixed {
                prim,
                width,
                enc,
                stride,
                offset,
                ..
            } => {
                let lay = Lay {
                    width,
                    stride,
                    offset,
                    vsize: enc.size(prim),
                };
                let content = match (enc, prim) {
                    (Enc::Plain, _) => with_prim!(prim, T => {
                        T::into_column(self.fixed::<T>(b, &jobs, &lay, n, &T::decode)?)
                    }),
                    (_, Prim::F64) => {
                        Column::F64(self.fixed(b, &jobs, &lay, n, &|s, d| double32(enc, s, d))?)
                    }
                    _ => Column::F32(self.fixed(b, &jobs, &lay, n, &|s, d| float16(enc, s, d))?),
                };
                Array::Flat { width, content }
            }
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

    /// Read a branch of scalars (or fixed-size arrays, entry-major) of type `T`
    /// (`f64` for `Double32_t`, `f32` for `Float16_t`).
    pub fn array<T: Primitive>(&self, name: &str, range: impl RangeBounds<u64>) -> Result<Vec<T>> {
        let (_, kind) = self.resolve(name)?;
        let wrong = |typename: String| RootError::WrongType {
            path: self.file.path().to_path_buf(),
            tree: self.spec.clone(),
            branch: name.to_string(),
            typename,
            requested: T::PRIM.name(),
        };
        match kind {
            Kind::Fixed { prim, .. } if prim == T::PRIM => match self.read(name, range)? {
                Array::Flat { content, .. } => content
                    .into_vec::<T>()
                    .ok_or_else(|| wrong(kind.typename())),
                _ => Err(wrong(kind.typename())),
            },
            k => Err(wrong(k.typename())),
        }
    }

    /// A branch by name, or `branch.leaf` for a leaf of a leaf list, and its layout.
    fn resolve(&self, name: &str) -> Result<(&Branch, Kind)> {
        match self.branch(name) {
            Ok(b) => Ok((b, self.kind(b)?)),
            Err(e) => {
                let Some((bn, leaf)) = name.rsplit_once('.') else {
                    return Err(e);
                };
                let Ok(b) = self.branch(bn) else {
                    return Err(e);
                };
                match leaf_of_list(b, leaf) {
                    Some(Ok(k)) => Ok((b, k)),
                    Some(Err((typename, reason))) => Err(RootError::Unsupported {
                        path: self.file.path().to_path_buf(),
                        tree: self.spec.clone(),
                        branch: name.to_string(),
                        typename,
                        reason: reason.into(),
                    }),
                    None => Err(e),
                }
            }
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
        lay: &Lay,
        n: u64,
        decode: &(dyn Fn(&[u8], &mut [T]) + Sync),
    ) -> Result<Vec<T>> {
        self.check_embedded(b, jobs, n)?;
        let (width, stride) = (lay.width, lay.stride);
        // Check every basket's header before allocating what they claim to hold.
        for j in jobs {
            let h = read_header(self.file, j.loc, &self.basket_name(b, j))?;
            let need = (j.loc.last - j.loc.first) as usize * stride;
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
            if bk.data.len() != bk.entries * stride {
                let why = format!(
                    "{} data bytes for {} entries of {stride} bytes",
                    bk.data.len(),
                    bk.entries
                );
                return Err(self.malformed(b, j, why));
            }
            let src = &bk.data[j.lo * stride..j.hi * stride];
            if stride == width * lay.vsize {
                decode(src, dst);
            } else {
                let len = width * lay.vsize;
                for (e, d) in src.chunks_exact(stride).zip(dst.chunks_exact_mut(width)) {
                    decode(&e[lay.offset..lay.offset + len], d);
                }
            }
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
            object_header(c, end)?;
            let n = length(c)?;
            p.counts.push(n as u32);
            values(c, n, p)?;
        }
        Kind::VectorVector(_) => {
            object_header(c, end)?;
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
            "entry decoded up to byte {}, but it ends at byte {end}",
            c.pos
        )));
    }
    Ok(())
}

/// The byte count and version before a `std::vector` entry: the count must
/// span the entry, and memberwise streaming (version bit 0x4000) is refused.
fn object_header(c: &mut Cursor<'_>, end: usize) -> Result<()> {
    let at = c.pos;
    let bcnt = c.i32()? as u32;
    let version = c.i16()? as u16;
    if bcnt & 0x4000_0000 == 0 || (bcnt & !0x4000_0000) as usize + 4 != end - at {
        c.pos = at;
        return Err(c.malformed(format!(
            "vector entry of {} bytes has byte count {bcnt:#x}",
            end - at
        )));
    }
    if version & 0x4000 != 0 {
        c.pos = at;
        return Err(c.malformed("memberwise-streamed vector entry"));
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
