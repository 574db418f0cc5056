//! Writing results: JSON (with a versioned schema) or human tables, to
//! stdout or a file.

use std::io::Write;

use anyhow::{Context, Result};

use crate::common::OutputArgs;

/// Emit `value` as JSON or `table` as text, per the output options.
pub fn emit(
    out: &OutputArgs,
    value: &serde_json::Value,
    table: impl FnOnce() -> String,
) -> Result<()> {
    let text = if out.json {
        let mut s = serde_json::to_string_pretty(value)?;
        s.push('\n');
        s
    } else {
        table()
    };
    match &out.output {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
        }
        Some(p) => {
            std::fs::write(p, text).with_context(|| format!("{}: cannot write", p.display()))?
        }
    }
    Ok(())
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
