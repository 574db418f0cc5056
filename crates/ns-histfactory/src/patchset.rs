//! pyhf patchsets (schema `patchset.json` 1.0.0): a list of named JSON
//! Patches, each tagged with its point in a signal grid (`values` for the
//! `labels`), made for one background-only workspace (`digests`).
//!
//! Lookup is by name or by values, as `pyhf.PatchSet.__getitem__`;
//! [`PatchSet::apply`] verifies the digests first, as `PatchSet.apply`.

use serde_json::Value;

use crate::digest::{ALGORITHMS, digest};
use crate::error::{HistFactoryError, Result};
use crate::jsonpatch::{apply_patch, values_equal};

/// One patch of a patchset.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The patch's name (`metadata.name`).
    pub name: String,
    /// Its coordinates in the signal grid (`metadata.values`): numbers or
    /// strings, one per label.
    pub values: Vec<Value>,
    /// The whole `metadata` object.
    pub metadata: Value,
    /// The RFC 6902 operations.
    pub operations: Value,
}

impl Patch {
    /// Apply this patch to a workspace document (no digest check).
    pub fn apply(&self, ws: &Value) -> Result<Value> {
        apply_patch(ws, &self.operations, &format!("patch '{}'", self.name))
    }

    /// `values` as numbers, if they all are.
    pub fn numeric_values(&self) -> Option<Vec<f64>> {
        self.values.iter().map(Value::as_f64).collect()
    }
}

/// A key to look a patch up by.
#[derive(Debug, Clone)]
pub enum PatchKey {
    /// By `metadata.name`.
    Name(String),
    /// By `metadata.values` (numbers compare by value: `1000` equals `1000.0`).
    Values(Vec<Value>),
}

impl PatchKey {
    /// Parse a command-line key: a comma-separated list that contains a
    /// number is values (`1000,100`); anything else a name.
    pub fn parse_values(text: &str) -> PatchKey {
        PatchKey::Values(
            text.split(',')
                .map(|t| {
                    let t = t.trim();
                    t.parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or_else(|| Value::String(t.to_string()))
                })
                .collect(),
        )
    }
}

impl std::fmt::Display for PatchKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchKey::Name(n) => write!(f, "name '{n}'"),
            PatchKey::Values(v) => write!(f, "values {}", Value::Array(v.clone())),
        }
    }
}

/// A pyhf patchset.
#[derive(Debug, Clone)]
pub struct PatchSet {
    /// Input name used in errors.
    pub source_name: String,
    /// `metadata` (description, digests, labels, references, ...).
    pub metadata: Value,
    /// `version` (`"1.0.0"`).
    pub version: String,
    /// The patches, in file order.
    pub patches: Vec<Patch>,
}

fn invalid(source: &str, message: String) -> HistFactoryError {
    HistFactoryError::InvalidPatchSet {
        source_name: source.to_string(),
        message,
    }
}

impl PatchSet {
    /// Read a patchset document, checking what pyhf's schema and
    /// constructor check.
    pub fn from_value(doc: &Value, source: &str) -> Result<Self> {
        let obj = doc
            .as_object()
            .ok_or_else(|| invalid(source, "a patchset must be a JSON object".into()))?;
        for k in obj.keys() {
            if !matches!(k.as_str(), "metadata" | "patches" | "version") {
                return Err(invalid(source, format!("unknown member '{k}'")));
            }
        }
        let version = match obj.get("version") {
            Some(Value::String(v)) if v == "1.0.0" => v.clone(),
            Some(v) => {
                return Err(invalid(
                    source,
                    format!("unsupported version {v} (expected \"1.0.0\")"),
                ));
            }
            None => return Err(invalid(source, "missing member 'version'".into())),
        };
        let metadata = obj
            .get("metadata")
            .filter(|m| m.is_object())
            .ok_or_else(|| invalid(source, "missing object 'metadata'".into()))?
            .clone();
        for key in ["references", "digests", "labels", "description"] {
            if metadata.get(key).is_none() {
                return Err(invalid(source, format!("missing 'metadata.{key}'")));
            }
        }
        let labels = metadata["labels"]
            .as_array()
            .filter(|l| !l.is_empty() && l.iter().all(Value::is_string))
            .ok_or_else(|| {
                invalid(
                    source,
                    "'metadata.labels' must be a non-empty list of strings".into(),
                )
            })?
            .len();
        let digests = metadata["digests"]
            .as_object()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                invalid(
                    source,
                    "'metadata.digests' must be a non-empty object".into(),
                )
            })?;
        for (alg, d) in digests {
            if !ALGORITHMS.contains(&alg.as_str()) || !d.is_string() {
                return Err(invalid(
                    source,
                    format!("'metadata.digests.{alg}': expected a sha256 or md5 hex string"),
                ));
            }
        }
        let list = obj
            .get("patches")
            .and_then(Value::as_array)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| invalid(source, "'patches' must be a non-empty list".into()))?;
        let mut patches: Vec<Patch> = Vec::with_capacity(list.len());
        for (i, p) in list.iter().enumerate() {
            let at = |m: &str| invalid(source, format!("patches[{i}]: {m}"));
            let md = p
                .get("metadata")
                .filter(|m| m.is_object())
                .ok_or_else(|| at("missing object 'metadata'"))?;
            let name = md
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| at("missing string 'metadata.name'"))?;
            let values = md
                .get("values")
                .and_then(Value::as_array)
                .ok_or_else(|| at("missing list 'metadata.values'"))?;
            if values.iter().any(|v| !(v.is_number() || v.is_string())) {
                return Err(at("'metadata.values' must hold numbers or strings"));
            }
            let ops = p
                .get("patch")
                .filter(|o| o.is_array())
                .ok_or_else(|| at("missing list 'patch'"))?;
            if patches.iter().any(|q| q.name == name) {
                return Err(at(&format!(
                    "multiple patches are defined by name '{name}'"
                )));
            }
            if patches.iter().any(|q| {
                values_equal(
                    &Value::Array(q.values.clone()),
                    &Value::Array(values.clone()),
                )
            }) {
                return Err(at(&format!(
                    "multiple patches are defined by values {}",
                    Value::Array(values.clone())
                )));
            }
            if values.len() != labels {
                return Err(at(&format!(
                    "incompatible number of values ({}) for patch '{name}': expected {labels}, one per label",
                    values.len()
                )));
            }
            patches.push(Patch {
                name: name.to_string(),
                values: values.clone(),
                metadata: md.clone(),
                operations: ops.clone(),
            });
        }
        Ok(PatchSet {
            source_name: source.to_string(),
            metadata,
            version,
            patches,
        })
    }

    /// Parse patchset JSON text.
    pub fn from_json_str(text: &str, source: &str) -> Result<Self> {
        let doc: Value = serde_json::from_str(text).map_err(|e| HistFactoryError::Json {
            source_name: source.to_string(),
            path: "(document)".into(),
            message: e.to_string(),
        })?;
        Self::from_value(&doc, source)
    }

    /// Read a patchset file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        Self::from_json_str(&crate::spec::read_text(path)?, &path.display().to_string())
    }

    /// The grid's axis names (`metadata.labels`).
    pub fn labels(&self) -> Vec<String> {
        self.metadata["labels"]
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `metadata.description`.
    pub fn description(&self) -> &str {
        self.metadata["description"].as_str().unwrap_or("")
    }

    /// Look a patch up by name or values.
    pub fn get(&self, key: &PatchKey) -> Result<&Patch> {
        let found = match key {
            PatchKey::Name(n) => self.patches.iter().find(|p| &p.name == n),
            PatchKey::Values(v) => {
                let want = Value::Array(v.clone());
                self.patches
                    .iter()
                    .find(|p| values_equal(&Value::Array(p.values.clone()), &want))
            }
        };
        found.ok_or_else(|| HistFactoryError::PatchLookup {
            source_name: self.source_name.clone(),
            key: key.to_string(),
        })
    }

    /// Check the digests recorded for the background-only workspace
    /// (pyhf's `PatchSet.verify`).
    pub fn verify(&self, ws: &Value) -> Result<()> {
        if let Some(d) = self.metadata["digests"].as_object() {
            for (alg, expected) in d {
                let got = digest(ws, alg).unwrap_or_default();
                if Some(got.as_str()) != expected.as_str() {
                    return Err(HistFactoryError::PatchSetVerification {
                        source_name: self.source_name.clone(),
                        algorithm: alg.clone(),
                        expected: expected.as_str().unwrap_or("").to_string(),
                        got,
                    });
                }
            }
        }
        Ok(())
    }

    /// Verify the digests, then apply the patch of `key` (pyhf's
    /// `PatchSet.apply`).
    pub fn apply(&self, ws: &Value, key: &PatchKey) -> Result<Value> {
        self.verify(ws)?;
        self.get(key)?.apply(ws)
    }
}
