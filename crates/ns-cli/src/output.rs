//! Writing results: JSON (with a versioned schema) or human tables, to
//! stdout or a file.
//!
//! JSON is streamed from `Serialize` values straight into a buffered writer
//! (no intermediate `serde_json::Value` tree for the large outputs: a fit's
//! covariance on a 200-parameter model is 40,000 numbers, and building,
//! pretty-printing and dropping a tree of them cost more than the fit).
//! The layout is pretty-printed objects with arrays of numbers on one line.

use std::io::Write;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::common::OutputArgs;

/// Emit `value` as JSON or `table` as text, per the output options.
pub fn emit<T: Serialize + ?Sized>(
    out: &OutputArgs,
    value: &T,
    table: impl FnOnce() -> String,
) -> Result<()> {
    // Rendered into one buffer and written once: the formatter's many small
    // writes through a `dyn Write` BufWriter cost a quarter of
    // `nextstat fit --covariance` on godrun (callgrind).
    let mut buf = Vec::with_capacity(1 << 16);
    if out.json {
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, CompactArrays::default());
        value.serialize(&mut ser)?;
        buf.push(b'\n');
    } else {
        buf.extend_from_slice(table().as_bytes());
    }
    write_bytes(&buf, out.output.as_deref())
}

/// What a hypotest's `cls_obs`/`cls_exp` are: CLs, or p0 for `q0` (pyhf's
/// `hypotest` returns CLs+b there).
pub fn headline(ts: ns_infer::TestStatistic) -> &'static str {
    match ts {
        ns_infer::TestStatistic::Q0 => "p0",
        _ => "CLs",
    }
}

/// Pretty JSON (two-space indent, one key per line) except that arrays whose
/// elements are all scalars stay on one line: `[1.0, 2.0]`.
///
/// A formatter only learns an element's kind when it is written, so the
/// separator before each array element is deferred until then: scalars get
/// `", "`, objects and arrays a newline and indent.
#[derive(Default)]
pub struct CompactArrays {
    indent: usize,
    /// One entry per open array or object: does its closing bracket go on a
    /// line of its own (an array with a composite element, an object with a
    /// key)?
    frames: Vec<bool>,
    /// An array element separator is pending (`first` flag of the element).
    pending: Option<bool>,
}

impl CompactArrays {
    fn newline<W: ?Sized + Write>(&self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.indent {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Flush a pending array separator before a scalar.
    fn scalar<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.pending.take() == Some(false) {
            w.write_all(b", ")?;
        }
        Ok(())
    }

    /// Flush a pending array separator before an object or array.
    fn composite<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        if let Some(first) = self.pending.take() {
            if !first {
                w.write_all(b",")?;
            }
            if let Some(c) = self.frames.last_mut() {
                *c = true;
            }
            self.newline(w)?;
        }
        Ok(())
    }
}

macro_rules! scalar_writes {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<W: ?Sized + Write>(&mut self, w: &mut W, v: $t) -> std::io::Result<()> {
            self.scalar(w)?;
            serde_json::ser::CompactFormatter.$name(w, v)
        }
    )*};
}

impl serde_json::ser::Formatter for CompactArrays {
    scalar_writes!(write_bool: bool, write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_f32: f32, write_f64: f64);

    fn write_null<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.scalar(w)?;
        w.write_all(b"null")
    }

    fn begin_string<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.scalar(w)?;
        w.write_all(b"\"")
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.composite(w)?;
        self.frames.push(false);
        self.indent += 1;
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.indent -= 1;
        if self.frames.pop().unwrap_or(false) {
            self.newline(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        _w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.composite(w)?;
        self.frames.push(false);
        self.indent += 1;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.indent -= 1;
        if self.frames.pop().unwrap_or(false) {
            self.newline(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if !first {
            w.write_all(b",")?;
        }
        if let Some(k) = self.frames.last_mut() {
            *k = true;
        }
        self.newline(w)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// A JSON number that stays valid JSON for non-finite values (written as
/// the strings `"inf"`, `"-inf"`, `"NaN"`), serialised without allocation.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            s.serialize_f64(self.0)
        } else {
            s.collect_str(&self.0)
        }
    }
}

/// A slice of numbers as a JSON array of [`Num`].
pub struct Nums<'a>(pub &'a [f64]);

impl Serialize for Nums<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|&v| Num(v)))
    }
}

/// A row-major `n × n` matrix as a JSON array of rows.
pub struct Matrix<'a> {
    /// Row-major entries.
    pub data: &'a [f64],
    /// Row length.
    pub n: usize,
}

impl Serialize for Matrix<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_seq(self.data.chunks(self.n.max(1)).map(Nums))
    }
}

/// JSON number that stays valid JSON for non-finite values (as strings).
pub fn num(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::json!(v.to_string())
    }
}

/// A progress bar on stderr when it is a terminal (hidden otherwise).
pub fn progress_bar(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (eta {eta})",
    ) {
        pb.set_style(style);
    }
    pb.set_message(what.to_string());
    pb
}

/// JSON array of numbers (see [`num`]).
pub fn nums(v: &[f64]) -> serde_json::Value {
    serde_json::Value::Array(v.iter().map(|&x| num(x)).collect())
}

/// The `failed_fits` array of the JSON schemas: which fit failed and how.
pub fn failed_fits(fits: &[(&'static str, ns_core::FitStatus)]) -> serde_json::Value {
    serde_json::Value::Array(
        fits.iter()
            .map(|(n, s)| serde_json::json!({"fit": n, "status": s.as_str()}))
            .collect(),
    )
}

/// Convert an inference error into an `anyhow` error with context.
pub fn infer_err(what: &str, e: ns_infer::InferError) -> anyhow::Error {
    anyhow::anyhow!("{what}: {e}")
}

/// Write a JSON document (a workspace, a patch) as pyhf's CLI does
/// (`json.dumps(obj, indent=4, sort_keys=True)`; keys are sorted because
/// serde_json's map is ordered) to `file`, or stdout.
pub fn write_document(doc: &serde_json::Value, file: Option<&std::path::Path>) -> Result<()> {
    let mut buf = Vec::with_capacity(1 << 16);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    doc.serialize(&mut ser)?;
    buf.push(b'\n');
    write_bytes(&buf, file)
}

/// Write text to `file`, or stdout.
pub fn write_bytes(buf: &[u8], file: Option<&std::path::Path>) -> Result<()> {
    match file {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(buf)?;
            stdout.flush()?;
            Ok(())
        }
        Some(p) => std::fs::write(p, buf).with_context(|| format!("{}: cannot write", p.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render<T: Serialize>(v: &T) -> String {
        let mut buf = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut buf, CompactArrays::default());
        v.serialize(&mut ser).unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn layout_round_trips_and_keeps_number_arrays_inline() {
        let v = serde_json::json!({
            "a": [1.5, 2.0, -3.25], "b": {"c": [], "d": [[1.0, 2.0], [3.0, 4.0]]},
            "e": [{"x": 1, "y": [true, null, "s"]}, {"x": 2}], "f": "text", "g": {}
        });
        assert!(render(&serde_json::json!({"g": {}, "h": []})).contains("\"g\": {},\n  \"h\": []"));
        let s = render(&v);
        let back: serde_json::Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v, "{s}");
        assert!(s.contains("\"a\": [1.5, 2.0, -3.25]"), "{s}");
        assert!(
            s.contains("[\n      [1.0, 2.0],\n      [3.0, 4.0]\n    ]"),
            "{s}"
        );
        assert!(s.contains("\"y\": [true, null, \"s\"]"), "{s}");
    }

    #[test]
    fn non_finite_numbers_are_strings() {
        let s = render(&Nums(&[1.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]));
        assert_eq!(s, r#"[1.0, "inf", "-inf", "NaN"]"#);
    }
}
