//! TH1F/D/I and TH2F/D: contents, sumw2, edges, flow bins, titles, bin labels.
//!
//! Read with ROOT's byte counts: the fields used are read in order and every
//! base class or member not needed is skipped by its byte count, so versions
//! from ROOT 5.30 to 6.40 (TH1 v5-8, TAxis v6-10) share one path.

use crate::cursor::Cursor;
use crate::error::{Result, RootError};
use crate::file::RootFile;
use crate::objects::{header, skip_object, tnamed, tobject};

/// One histogram axis.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Number of bins (flow bins excluded).
    pub nbins: usize,
    /// `nbins + 1` bin edges (computed as ROOT does for fixed bins).
    pub edges: Vec<f64>,
    /// Axis title.
    pub title: String,
    /// Bin labels, when set (`SetBinLabel`), in bin order.
    pub labels: Vec<String>,
}

/// A 1-D or 2-D histogram with flow bins (ROOT's layout: x fastest).
#[derive(Debug, Clone, PartialEq)]
pub struct Hist {
    /// Class name (`TH1F`, `TH1D`, `TH1I`, `TH2F`, `TH2D`).
    pub classname: String,
    /// Object name.
    pub name: String,
    /// Title.
    pub title: String,
    /// `fEntries`.
    pub entries: f64,
    /// Axes: one for TH1, two for TH2.
    pub axes: Vec<Axis>,
    /// Contents including under/overflow, `(nx+2)*(ny+2)` values, x fastest.
    pub values_flow: Vec<f64>,
    /// `fSumw2` including flow, or empty when the histogram has no Sumw2.
    pub sumw2_flow: Vec<f64>,
}

impl Hist {
    /// Variances with flow: `fSumw2`, or the contents when there is no Sumw2 (ROOT's rule).
    pub fn variances_flow(&self) -> &[f64] {
        if self.sumw2_flow.is_empty() {
            &self.values_flow
        } else {
            &self.sumw2_flow
        }
    }

    /// Contents without flow bins.
    pub fn values(&self) -> Vec<f64> {
        self.strip(&self.values_flow)
    }

    /// Variances without flow bins.
    pub fn variances(&self) -> Vec<f64> {
        self.strip(self.variances_flow())
    }

    fn strip(&self, v: &[f64]) -> Vec<f64> {
        let nx = self.axes[0].nbins;
        match self.axes.len() {
            1 => v[1..=nx].to_vec(),
            _ => {
                let ny = self.axes[1].nbins;
                (1..=ny)
                    .flat_map(|j| v[j * (nx + 2) + 1..=j * (nx + 2) + nx].to_vec())
                    .collect()
            }
        }
    }
}

fn array_f64(c: &mut Cursor<'_>) -> Result<Vec<f64>> {
    let n = c.i32()?;
    if n < 0 || n as usize > c.buf.len() / 8 {
        return Err(c.malformed(format!("array length {n}")));
    }
    (0..n)
        .map(|_| c.i64().map(|v| f64::from_bits(v as u64)))
        .collect()
}

/// A `TObject*` member holding a TList of TObjString (axis labels); null gives none.
fn labels(c: &mut Cursor<'_>) -> Result<Vec<String>> {
    let beg = c.pos;
    let bcnt = c.i32()? as u32;
    if bcnt & 0x4000_0000 == 0 {
        return Ok(Vec::new()); // null pointer or reference: no labels of its own
    }
    let end = beg + 4 + (bcnt & !0x4000_0000) as usize;
    let tag = c.i32()? as u32;
    if tag == 0xFFFF_FFFF {
        while c.u8()? != 0 {}
    }
    let _ = header(c)?; // THashList / TList
    tobject(c)?;
    c.tstring()?;
    let n = c.i32()?;
    let mut out = Vec::new();
    for _ in 0..n.max(0) {
        let b = c.pos;
        let bc = c.i32()? as u32;
        if bc & 0x4000_0000 == 0 {
            return Err(c.malformed("label entry without byte count"));
        }
        let e = b + 4 + (bc & !0x4000_0000) as usize;
        let t = c.i32()? as u32;
        if t == 0xFFFF_FFFF {
            while c.u8()? != 0 {}
        }
        let (_, _) = header(c)?; // TObjString
        tobject(c)?;
        out.push(c.tstring()?);
        c.pos = e;
        let opt = c.u8()? as usize; // per-entry option string
        c.skip(opt)?;
    }
    c.pos = end;
    Ok(out)
}

fn axis(c: &mut Cursor<'_>) -> Result<Axis> {
    let (_, end) = header(c)?;
    let end = end.ok_or_else(|| c.malformed("TAxis without byte count"))?;
    let (_, title) = tnamed(c)?;
    skip_object(c)?; // TAttAxis
    let nbins = c.i32()?;
    let xmin = f64::from_bits(c.i64()? as u64);
    let xmax = f64::from_bits(c.i64()? as u64);
    if nbins < 0 {
        return Err(c.malformed(format!("fNbins {nbins}")));
    }
    let nbins = nbins as usize;
    let xbins = array_f64(c)?;
    let edges = if xbins.is_empty() {
        let w = (xmax - xmin) / nbins as f64;
        (0..=nbins)
            .map(|i| {
                if i == nbins {
                    xmax
                } else {
                    xmin + i as f64 * w
                }
            })
            .collect()
    } else if xbins.len() == nbins + 1 {
        xbins
    } else {
        return Err(c.malformed(format!("{} variable edges for {nbins} bins", xbins.len())));
    };
    c.skip(4 + 4 + 2 + 1)?; // fFirst, fLast, fBits2, fTimeDisplay
    c.tstring()?; // fTimeFormat
    let labels = labels(c)?;
    c.pos = end;
    Ok(Axis {
        nbins,
        edges,
        title,
        labels,
    })
}

impl RootFile {
    /// Read a TH1F/TH1D/TH1I/TH2F/TH2D by path (`dir/name`, optional `;cycle`).
    pub fn get_hist(&self, spec: &str) -> Result<Hist> {
        let key = self.key(spec)?;
        let cls = key.classname.as_str();
        let dim = match cls {
            "TH1F" | "TH1D" | "TH1I" => 1,
            "TH2F" | "TH2D" => 2,
            _ => {
                return Err(RootError::WrongClass {
                    path: self.path().to_path_buf(),
                    name: spec.to_string(),
                    found: key.classname.clone(),
                    expected: "TH1F/TH1D/TH1I/TH2F/TH2D".into(),
                });
            }
        };
        let bytes = self.object_bytes(&key)?;
        let mut c = Cursor::new(&bytes, 0, self.path(), &key.name);
        c.object = spec;
        let (_, outer_end) = header(&mut c)?;
        let th2_end = if dim == 2 { header(&mut c)?.1 } else { None };
        let (_, th1_end) = header(&mut c)?;
        let (name, title) = tnamed(&mut c)?;
        skip_object(&mut c)?; // TAttLine
        skip_object(&mut c)?; // TAttFill
        skip_object(&mut c)?; // TAttMarker
        let ncells = c.i32()?;
        let mut axes = vec![axis(&mut c)?, axis(&mut c)?];
        axis(&mut c)?; // z
        axes.truncate(dim);
        c.skip(2 + 2)?; // fBarOffset, fBarWidth
        let entries = f64::from_bits(c.i64()? as u64);
        c.skip(7 * 8)?; // fTsumw .. fNormFactor
        array_f64(&mut c)?; // fContour
        let sumw2 = array_f64(&mut c)?;
        c.pos = th1_end.ok_or_else(|| c.malformed("TH1 without byte count"))?;
        if let Some(e) = th2_end {
            c.pos = e;
        }
        let n = c.i32()?;
        let want: usize = axes.iter().map(|a| a.nbins + 2).product();
        if n < 0 || n as usize != want || ncells as usize != want {
            return Err(c.malformed(format!("{n} contents, fNcells {ncells}, axes say {want}")));
        }
        let values: Vec<f64> = match cls {
            "TH1F" | "TH2F" => (0..n)
                .map(|_| c.i32().map(|v| f32::from_bits(v as u32) as f64))
                .collect::<Result<_>>()?,
            "TH1I" => (0..n)
                .map(|_| c.i32().map(|v| v as f64))
                .collect::<Result<_>>()?,
            _ => (0..n)
                .map(|_| c.i64().map(|v| f64::from_bits(v as u64)))
                .collect::<Result<_>>()?,
        };
        if !sumw2.is_empty() && sumw2.len() != want {
            return Err(c.malformed(format!("fSumw2 has {} cells, expected {want}", sumw2.len())));
        }
        if let Some(e) = outer_end {
            if c.pos > e {
                return Err(c.malformed("histogram contents run past its byte count"));
            }
        }
        Ok(Hist {
            classname: key.classname.clone(),
            name,
            title,
            entries,
            axes,
            values_flow: values,
            sumw2_flow: sumw2,
        })
    }
}
