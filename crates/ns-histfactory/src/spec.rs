//! The pyhf workspace JSON (schema 1.0.0) as serde types.
//!
//! Parsing goes through `serde_path_to_error`, so a malformed document is
//! reported with the JSON path of the offending value
//! (`channels[0].samples[1].modifiers[2].data`).

use serde::Deserialize;

use crate::error::{HistFactoryError, Result};

/// A whole pyhf workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workspace {
    /// Channels (regions), each with its samples.
    pub channels: Vec<Channel>,
    /// Observed counts per channel.
    pub observations: Vec<Observation>,
    /// Measurements: POI and parameter configuration.
    pub measurements: Vec<Measurement>,
    /// Schema version (`"1.0.0"`).
    #[serde(default)]
    pub version: Option<String>,
}

/// One channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    /// Channel name.
    pub name: String,
    /// Samples contributing to this channel.
    pub samples: Vec<Sample>,
}

/// One sample of a channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Sample name.
    pub name: String,
    /// Nominal yields per bin.
    pub data: Vec<f64>,
    /// Modifiers acting on this sample.
    pub modifiers: Vec<Modifier>,
}

/// A modifier, tagged by its `type`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum Modifier {
    /// Free normalisation factor.
    Normfactor {
        /// Parameter name.
        name: String,
        /// Always `null`.
        data: Option<()>,
    },
    /// Constrained normalisation uncertainty.
    Normsys {
        /// Parameter name.
        name: String,
        /// Up/down factors.
        data: NormsysData,
    },
    /// Constrained shape uncertainty (correlated across bins).
    Histosys {
        /// Parameter name.
        name: String,
        /// Up/down templates.
        data: HistosysData,
    },
    /// Per-bin uncorrelated uncertainty (Poisson constraint).
    Shapesys {
        /// Parameter name.
        name: String,
        /// Absolute uncertainty per bin.
        data: Vec<f64>,
    },
    /// Free per-bin factors.
    Shapefactor {
        /// Parameter name.
        name: String,
        /// Always `null`.
        data: Option<()>,
    },
    /// MC statistical uncertainty (Barlow–Beeston lite, combined per channel).
    Staterror {
        /// Parameter name.
        name: String,
        /// Absolute uncertainty per bin.
        data: Vec<f64>,
    },
    /// Luminosity.
    Lumi {
        /// Parameter name.
        name: String,
        /// Always `null`.
        data: Option<()>,
    },
}

impl Modifier {
    /// The modifier's parameter name.
    pub fn name(&self) -> &str {
        match self {
            Modifier::Normfactor { name, .. }
            | Modifier::Normsys { name, .. }
            | Modifier::Histosys { name, .. }
            | Modifier::Shapesys { name, .. }
            | Modifier::Shapefactor { name, .. }
            | Modifier::Staterror { name, .. }
            | Modifier::Lumi { name, .. } => name,
        }
    }

    /// The modifier type as written in the JSON.
    pub fn type_name(&self) -> &'static str {
        match self {
            Modifier::Normfactor { .. } => "normfactor",
            Modifier::Normsys { .. } => "normsys",
            Modifier::Histosys { .. } => "histosys",
            Modifier::Shapesys { .. } => "shapesys",
            Modifier::Shapefactor { .. } => "shapefactor",
            Modifier::Staterror { .. } => "staterror",
            Modifier::Lumi { .. } => "lumi",
        }
    }
}

/// normsys data: multiplicative factors at +1σ and -1σ.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormsysData {
    /// Factor at +1σ.
    pub hi: f64,
    /// Factor at -1σ.
    pub lo: f64,
}

/// histosys data: full templates at +1σ and -1σ.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistosysData {
    /// Template at +1σ.
    pub hi_data: Vec<f64>,
    /// Template at -1σ.
    pub lo_data: Vec<f64>,
}

/// Observed data of one channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    /// Channel name.
    pub name: String,
    /// Observed counts per bin.
    pub data: Vec<f64>,
}

/// A measurement: which parameter is the POI and how parameters are configured.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Measurement name.
    pub name: String,
    /// Its configuration.
    pub config: MeasurementConfig,
}

/// Measurement configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasurementConfig {
    /// Name of the parameter of interest.
    pub poi: String,
    /// Per-parameter overrides.
    #[serde(default)]
    pub parameters: Vec<ParameterConfig>,
}

/// Overrides for one parameter (set), as in pyhf's measurement config.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterConfig {
    /// Parameter (set) name.
    pub name: String,
    /// Initial values.
    #[serde(default)]
    pub inits: Option<Vec<f64>>,
    /// Bounds per parameter.
    #[serde(default)]
    pub bounds: Option<Vec<[f64; 2]>>,
    /// Auxiliary data (constraint centre).
    #[serde(default)]
    pub auxdata: Option<Vec<f64>>,
    /// Constraint widths.
    #[serde(default)]
    pub sigmas: Option<Vec<f64>>,
    /// Poisson rate factors τ (shapesys only; auxdata stay as built
    /// unless given too), as pyhf's `factors`.
    #[serde(default)]
    pub factors: Option<Vec<f64>>,
    /// Fixed in fits.
    #[serde(default)]
    pub fixed: Option<bool>,
}

impl Workspace {
    /// Parse a workspace from JSON text; `source` names the input in errors.
    pub fn from_json_str(text: &str, source: &str) -> Result<Self> {
        // Fast path: path tracking costs about a third of the parse time, so
        // only a document that fails is parsed again to locate the error
        // (deterministic: the same document fails at the same place).
        if let Ok(ws) = serde_json::from_str(text) {
            return Ok(ws);
        }
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| json_error(e, source))
    }

    /// Read a workspace from a parsed JSON document (a patched or combined
    /// one); errors carry the JSON path as [`Workspace::from_json_str`].
    pub fn from_value(doc: &serde_json::Value, source: &str) -> Result<Self> {
        serde_path_to_error::deserialize(doc).map_err(|e| json_error(e, source))
    }

    /// Read and parse a workspace file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        Self::from_json_str(&read_text(path)?, &path.display().to_string())
    }
}

/// A deserialisation error with its JSON path (`(document)` for the root).
fn json_error<E: std::fmt::Display>(
    e: serde_path_to_error::Error<E>,
    source: &str,
) -> HistFactoryError {
    let path = e.path().to_string();
    HistFactoryError::Json {
        source_name: source.to_string(),
        path: if path == "." {
            "(document)".into()
        } else {
            path
        },
        message: e.into_inner().to_string(),
    }
}

/// A file's text, or an I/O error naming it.
pub(crate) fn read_text(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| HistFactoryError::Io {
        source_name: path.display().to_string(),
        message: e.to_string(),
    })
}
