//! The command-line interface: one module per command group.

mod fit;
mod inspect;

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
    /// Print the version.
    Version,
}

/// Dispatch a parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fit(c) => fit::run(c),
        Command::Inspect(c) => inspect::run(c),
        Command::Version => {
            println!("nextstat {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
    }
}
