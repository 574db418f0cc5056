//! `nextstat`: fit, scan and set limits on pyhf/HistFactory workspaces.

mod commands;
mod common;
mod csv;
mod output;

use clap::Parser;

fn main() {
    let cli = commands::Cli::parse();
    if let Err(err) = commands::run(cli) {
        // One line, no backtrace: the message names the file and the place.
        let mut msg = format!("{err}");
        for cause in err.chain().skip(1) {
            msg.push_str(&format!(": {cause}"));
        }
        eprintln!("nextstat: error: {msg}");
        std::process::exit(1);
    }
}
