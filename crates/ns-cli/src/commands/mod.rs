//! The command-line interface: one module per command group.

mod fit;
mod glm;
mod gof;
mod hypotest;
mod inspect;
mod limits;
mod patchset;
mod patchset_batch;
mod ranking;
mod scan;
mod toys;
mod workspace_ops;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// NextStat: fast HistFactory fits, scans and limits with pyhf's numbers.
#[derive(Debug, Parser)]
#[command(name = "nextstat", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Maximum-likelihood fit (default: the bundled example workspace).
    Fit(fit::FitCmd),
    /// Describe a workspace: channels, samples, parameters, modifiers.
    Inspect(inspect::InspectCmd),
    /// Profile likelihood scan of the POI.
    Scan(scan::ScanCmd),
    /// Asymptotic CLs hypothesis test at one POI value.
    Hypotest(hypotest::HypotestCmd),
    /// Toy-based CLs hypothesis test at one POI value.
    HypotestToys(toys::ToysCmd),
    /// Upper limit on the POI (CLs, observed and expected).
    UpperLimit(limits::UpperLimitCmd),
    /// Discovery significance (p0 and Z from q0).
    Significance(hypotest::SignificanceCmd),
    /// Nuisance-parameter ranking: impacts on the POI, pulls, constraints.
    Ranking(ranking::RankingCmd),
    /// Generalized linear model fit of CSV columns (statsmodels' GLM).
    Glm(glm::GlmCmd),
    /// pyhf patchsets: inspect, extract, apply, verify; hypotest and
    /// upper-limit over every patch.
    Patchset(patchset::PatchsetCmd),
    /// Saturated-model goodness of fit (statistic, ndof, p-value).
    Gof(gof::GofCmd),
    /// Combine two workspaces (pyhf's `combine`).
    Combine(workspace_ops::CombineCmd),
    /// Remove channels, samples, modifiers or measurements (pyhf's `prune`).
    Prune(workspace_ops::PruneCmd),
    /// Rename channels, samples, modifiers or measurements (pyhf's `rename`).
    Rename(workspace_ops::RenameCmd),
    /// Sort a workspace's items by name (pyhf's `sort`).
    Sort(workspace_ops::SortCmd),
    /// Hash a workspace as pyhf does (`pyhf digest`).
    Digest(workspace_ops::DigestCmd),
    /// Print the version.
    Version,
}

/// Dispatch a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fit(c) => fit::run(c),
        Command::Inspect(c) => inspect::run(c),
        Command::Scan(c) => scan::run(c),
        Command::Hypotest(c) => hypotest::run(c),
        Command::HypotestToys(c) => toys::run(c),
        Command::UpperLimit(c) => limits::run(c),
        Command::Significance(c) => hypotest::run_significance(c),
        Command::Ranking(c) => ranking::run(c),
        Command::Glm(c) => glm::run(c),
        Command::Patchset(c) => patchset::run(c),
        Command::Gof(c) => gof::run(c),
        Command::Combine(c) => workspace_ops::combine(c),
        Command::Prune(c) => workspace_ops::prune(c),
        Command::Rename(c) => workspace_ops::rename(c),
        Command::Sort(c) => workspace_ops::sort(c),
        Command::Digest(c) => workspace_ops::digest_cmd(c),
        Command::Version => {
            println!("nextstat {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}
