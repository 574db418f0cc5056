//! pyhf/HistFactory workspaces for NextStat: the JSON spec (serde types and
//! validation), compilation to dense arrays, the NLL/gradient kernels, and
//! Asimov and toy data generation.
//!
//! Not for: fitting or statistical tests (see `ns-infer`), which only see
//! the `ns_core::Model` traits this crate implements.
#![warn(missing_docs)]

mod build;
mod data;
pub mod digest;
mod error;
mod fastmath;
mod hessian_pattern;
pub mod interp;
pub mod jsonpatch;
mod kernel;
mod model;
mod parts;
pub mod patchset;
mod poisson;
pub mod reference;
mod saturated;
pub mod spec;
pub mod workspace_ops;

pub use build::BuildOptions;
pub use error::{HistFactoryError, Result};
pub use interp::{InterpCode, InterpSettings};
pub use model::{ChannelInfo, Data, HistFactoryModel, ParamSetInfo, Scratch};
pub use patchset::{Patch, PatchKey, PatchSet};
pub use spec::Workspace;
pub use workspace_ops::{Join, PruneRename};

impl HistFactoryModel {
    /// Compile a parsed workspace.
    pub fn from_workspace(ws: &Workspace, opts: &BuildOptions) -> Result<Self> {
        build::build(ws, opts)
    }

    /// Parse and compile JSON text.
    pub fn from_json_str(text: &str, opts: &BuildOptions) -> Result<Self> {
        let ws = Workspace::from_json_str(text, &opts.source_name)?;
        Self::from_workspace(&ws, opts)
    }

    /// Read, parse and compile a workspace file (the file name is used in
    /// error messages).
    pub fn from_path(path: &std::path::Path, opts: &BuildOptions) -> Result<Self> {
        let ws = Workspace::from_path(path)?;
        let mut opts = opts.clone();
        opts.source_name = path.display().to_string();
        Self::from_workspace(&ws, &opts)
    }
}
