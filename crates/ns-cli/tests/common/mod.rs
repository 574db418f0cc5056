//! Helpers shared by the CLI tests.

use std::path::PathBuf;

/// Path of a workspace in the repository's `tests/fixtures`.
pub fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
        .display()
        .to_string()
}
