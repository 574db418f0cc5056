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
