//! `--patch FILE[:NAME]`: apply a JSON Patch, or one patch of a pyhf
//! patchset, to the workspace document before it is built (as
//! `pyhf cls --patch`, plus patchsets).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use ns_histfactory::{PatchKey, PatchSet, jsonpatch};
use serde_json::Value;

/// How a patchset without `:NAME` picks its patch.
#[derive(Debug, Clone, Copy)]
pub struct Selector<'a> {
    /// `--patch-name`.
    pub name: Option<&'a str>,
    /// `--patch-values`.
    pub values: Option<&'a str>,
}

/// Split `FILE[:NAME]`: the whole argument when it names a file, otherwise
/// the part before the last `:` (so paths with colons still work).
fn split_arg(arg: &str) -> (PathBuf, Option<String>) {
    if Path::new(arg).exists() {
        return (PathBuf::from(arg), None);
    }
    match arg.rsplit_once(':') {
        Some((file, name)) if !file.is_empty() && Path::new(file).exists() => {
            (PathBuf::from(file), Some(name.to_string()))
        }
        _ => (PathBuf::from(arg), None),
    }
}

/// Read a JSON document (`-`: stdin), naming the file in errors.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s).context("reading stdin")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("{}: invalid JSON: {e}", shown(path)))
}

/// A path as shown in messages (`<stdin>` for `-`).
pub fn shown(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "<stdin>".into()
    } else {
        path.display().to_string()
    }
}

/// Read a workspace document and check that it is one (pyhf's
/// `Workspace(spec)` validates its input too).
pub fn read_workspace(path: &Path) -> Result<Value> {
    let doc = read_json(path)?;
    ns_histfactory::Workspace::from_value(&doc, &shown(path))?;
    Ok(doc)
}

/// Read a pyhf patchset file.
pub fn read_patchset(path: &Path) -> Result<PatchSet> {
    let doc = read_json(path)?;
    Ok(PatchSet::from_value(&doc, &shown(path))?)
}

/// The names (and values) of a patchset's patches, for error messages.
pub fn available(ps: &PatchSet) -> String {
    let list: Vec<String> = ps
        .patches
        .iter()
        .map(|p| format!("{} {}", p.name, Value::Array(p.values.clone())))
        .collect();
    format!("available patches: {}", list.join(", "))
}

/// Look a patch up, listing the available ones when it is missing.
pub fn lookup<'a>(ps: &'a PatchSet, key: &PatchKey) -> Result<&'a ns_histfactory::Patch> {
    ps.get(key).map_err(|e| anyhow!("{e} ({})", available(ps)))
}

/// Apply every `--patch` argument in order.
pub fn apply_all(mut ws: Value, args: &[String], sel: Selector<'_>) -> Result<Value> {
    for arg in args {
        ws = apply_one(&ws, arg, sel).with_context(|| format!("--patch {arg}"))?;
    }
    Ok(ws)
}

fn apply_one(ws: &Value, arg: &str, sel: Selector<'_>) -> Result<Value> {
    let (file, name) = split_arg(arg);
    let doc = read_json(&file)?;
    let shown = file.display().to_string();
    if doc.is_array() {
        if name.is_some() {
            bail!(
                "{shown} is a JSON Patch (a list of operations), not a patchset: ':NAME' selects a patch of a patchset"
            );
        }
        return Ok(jsonpatch::apply_patch(ws, &doc, &shown)?);
    }
    if doc.get("patches").is_none() {
        bail!(
            "{shown}: neither a JSON Patch (a list of operations) nor a pyhf patchset (an object with 'patches')"
        );
    }
    let ps = PatchSet::from_value(&doc, &shown)?;
    let key = match (name, sel.name, sel.values) {
        (Some(n), _, _) => PatchKey::Name(n),
        (None, Some(n), _) => PatchKey::Name(n.to_string()),
        (None, None, Some(v)) => PatchKey::parse_values(v),
        (None, None, None) => bail!(
            "{shown} is a patchset: choose a patch with {shown}:NAME, --patch-name NAME or --patch-values V1,V2 ({})",
            available(&ps)
        ),
    };
    let patch = lookup(&ps, &key)?;
    ps.verify(ws)?;
    patch.apply(ws).map_err(|e| anyhow!("{shown}: {e}"))
}
