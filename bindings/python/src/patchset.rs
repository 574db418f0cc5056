//! `nextstat.PatchSet` and the workspace operations behind
//! `nextstat.Workspace.patch/combine/prune/rename/sorted/digest`: JSON text
//! in, JSON text out (the Python layer converts dicts), so every field of
//! the document survives as in pyhf.

use std::collections::BTreeMap;

use ns_histfactory::digest::digest;
use ns_histfactory::workspace_ops::{self, Join, PruneRename};
use ns_histfactory::{PatchKey, PatchSet, Workspace, jsonpatch};
use pyo3::prelude::*;
use serde_json::Value;

use crate::errors::{self, raise};

fn parse(text: &str, source: &str) -> PyResult<Value> {
    serde_json::from_str(text).map_err(|e| {
        raise(
            "InvalidSpecification",
            format!("{source}: invalid JSON: {e}"),
        )
    })
}

fn dump(v: &Value) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| raise("NextStatError", e.to_string()))
}

/// A parsed pyhf patchset (the compiled half of ``nextstat.PatchSet``).
#[pyclass(name = "PatchSet", module = "nextstat._core", frozen)]
pub struct PyPatchSet {
    ps: PatchSet,
}

#[pymethods]
impl PyPatchSet {
    /// Parse patchset JSON text (checked as pyhf's schema and constructor).
    #[staticmethod]
    #[pyo3(signature = (text, source_name="<string>"))]
    fn from_json(text: &str, source_name: &str) -> PyResult<Self> {
        let doc = parse(text, source_name)?;
        let ps = PatchSet::from_value(&doc, source_name).map_err(errors::histfactory)?;
        Ok(Self { ps })
    }

    /// The patchset's ``metadata`` as JSON text.
    fn metadata_json(&self) -> PyResult<String> {
        dump(&self.ps.metadata)
    }

    /// ``version``.
    #[getter]
    fn version(&self) -> String {
        self.ps.version.clone()
    }

    /// ``[{"metadata": ..., "patch": [...]}, ...]`` as JSON text.
    fn patches_json(&self) -> PyResult<String> {
        let list: Vec<Value> = self
            .ps
            .patches
            .iter()
            .map(|p| serde_json::json!({"metadata": p.metadata, "patch": p.operations}))
            .collect();
        dump(&Value::Array(list))
    }

    /// Check the digests against a workspace (JSON text).
    fn verify(&self, workspace_json: &str) -> PyResult<()> {
        let ws = parse(workspace_json, "workspace")?;
        self.ps.verify(&ws).map_err(errors::histfactory)
    }

    /// Verify, then apply the patch named ``name`` or at ``values_json``
    /// (a JSON list); returns the patched workspace as JSON text.
    #[pyo3(signature = (workspace_json, name=None, values_json=None))]
    fn apply(
        &self,
        workspace_json: &str,
        name: Option<String>,
        values_json: Option<&str>,
    ) -> PyResult<String> {
        let key = match (name, values_json) {
            (Some(n), _) => PatchKey::Name(n),
            (None, Some(v)) => match parse(v, "values")? {
                Value::Array(a) => PatchKey::Values(a),
                other => PatchKey::Values(vec![other]),
            },
            (None, None) => {
                return Err(raise(
                    "InvalidPatchLookup",
                    "a patch name or values is required",
                ));
            }
        };
        let ws = parse(workspace_json, "workspace")?;
        let out = self.ps.apply(&ws, &key).map_err(errors::histfactory)?;
        validated(&out, "patched workspace")
    }
}

/// The result must be a valid workspace (pyhf returns a `Workspace`).
fn validated(doc: &Value, source: &str) -> PyResult<String> {
    Workspace::from_value(doc, source).map_err(errors::histfactory)?;
    dump(doc)
}

/// Apply a JSON Patch (list of operations, JSON text) to a workspace.
#[pyfunction]
pub fn _apply_json_patch(workspace_json: &str, patch_json: &str) -> PyResult<String> {
    let ws = parse(workspace_json, "workspace")?;
    let patch = parse(patch_json, "patch")?;
    let out = jsonpatch::apply_patch(&ws, &patch, "patch").map_err(errors::histfactory)?;
    validated(&out, "patched workspace")
}

/// pyhf's ``Workspace.combine``.
#[pyfunction]
pub fn _workspace_combine(
    left: &str,
    right: &str,
    join: &str,
    merge_channels: bool,
) -> PyResult<String> {
    let join = Join::parse(join).map_err(errors::histfactory)?;
    let (l, r) = (parse(left, "left")?, parse(right, "right")?);
    let out = workspace_ops::combine(&l, &r, join, merge_channels).map_err(errors::histfactory)?;
    dump(&out)
}

/// pyhf's ``Workspace._prune_and_rename``: ``prune`` maps ``modifiers``,
/// ``modifier_types``, ``samples``, ``channels``, ``measurements`` to the
/// names to remove; ``rename`` maps ``modifiers``, ``samples``,
/// ``channels``, ``measurements`` to ``{old: new}``.
#[pyfunction]
pub fn _workspace_prune_rename(
    workspace_json: &str,
    mut prune: BTreeMap<String, Vec<String>>,
    mut rename: BTreeMap<String, BTreeMap<String, String>>,
) -> PyResult<String> {
    let ws = parse(workspace_json, "workspace")?;
    let mut p = |k: &str| prune.remove(k).unwrap_or_default();
    let mut pr = PruneRename {
        prune_modifiers: p("modifiers"),
        prune_modifier_types: p("modifier_types"),
        prune_samples: p("samples"),
        prune_channels: p("channels"),
        prune_measurements: p("measurements"),
        ..Default::default()
    };
    let mut r = |k: &str| rename.remove(k).unwrap_or_default();
    pr.rename_modifiers = r("modifiers");
    pr.rename_samples = r("samples");
    pr.rename_channels = r("channels");
    pr.rename_measurements = r("measurements");
    if let Some(k) = prune.keys().chain(rename.keys()).next() {
        return Err(raise("InvalidArgument", format!("unknown keyword '{k}'")));
    }
    let out = workspace_ops::prune_and_rename(&ws, &pr).map_err(errors::histfactory)?;
    dump(&out)
}

/// pyhf's ``Workspace.sorted``.
#[pyfunction]
pub fn _workspace_sorted(workspace_json: &str) -> PyResult<String> {
    dump(&workspace_ops::sorted(&parse(workspace_json, "workspace")?))
}

/// pyhf's ``utils.digest``.
#[pyfunction]
pub fn _digest(json_text: &str, algorithm: &str) -> PyResult<String> {
    let v = parse(json_text, "document")?;
    digest(&v, algorithm).ok_or_else(|| {
        raise(
            "InvalidArgument",
            format!("digest: unknown algorithm '{algorithm}' (sha256 or md5)"),
        )
    })
}

/// Add this file's class and functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPatchSet>()?;
    m.add_function(wrap_pyfunction!(_apply_json_patch, m)?)?;
    m.add_function(wrap_pyfunction!(_workspace_combine, m)?)?;
    m.add_function(wrap_pyfunction!(_workspace_prune_rename, m)?)?;
    m.add_function(wrap_pyfunction!(_workspace_sorted, m)?)?;
    m.add_function(wrap_pyfunction!(_digest, m)?)?;
    Ok(())
}
