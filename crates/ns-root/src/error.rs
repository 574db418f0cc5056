//! Typed errors: each names the file, the object and the byte offset.

use std::path::PathBuf;

/// Everything that can go wrong while reading a ROOT file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootError {
    /// The file could not be opened or mapped.
    #[error("{path}: cannot open: {source}")]
    Io {
        /// File path.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// The first four bytes are not `root`.
    #[error("{path}: not a ROOT file (magic bytes {found:?}, expected \"root\")")]
    BadMagic {
        /// File path.
        path: PathBuf,
        /// First bytes found.
        found: Vec<u8>,
    },
    /// A read went past the end of the file or of an object's buffer.
    #[error(
        "{path}: {object}: truncated: need {need} bytes at offset {offset}, only {have} available"
    )]
    Truncated {
        /// File path.
        path: PathBuf,
        /// Object being read.
        object: String,
        /// Offset of the read (file offset, or offset in the decompressed object).
        offset: u64,
        /// Bytes requested.
        need: u64,
        /// Bytes available from that offset.
        have: u64,
    },
    /// A structurally invalid record (bad length, bad version, bad tag ...).
    #[error("{path}: {object}: malformed at offset {offset}: {reason}")]
    Malformed {
        /// File path.
        path: PathBuf,
        /// Object being read.
        object: String,
        /// Offset of the problem.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A compressed block failed to decompress, or gave the wrong size / checksum.
    #[error("{path}: {object}: decompression failed at offset {offset} ({codec}): {reason}")]
    Decompress {
        /// File path.
        path: PathBuf,
        /// Object being read.
        object: String,
        /// File offset of the compressed block.
        offset: u64,
        /// Codec name (ZLIB, LZ4, LZMA, ZSTD, old-ROOT deflate).
        codec: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// No key of that name (and cycle) in the directory.
    #[error("{path}: no object named {name:?}")]
    NotFound {
        /// File path.
        path: PathBuf,
        /// Requested name.
        name: String,
    },
    /// The object exists but is not of the class asked for.
    #[error("{path}: {name}: is a {found}, expected {expected}")]
    WrongClass {
        /// File path.
        path: PathBuf,
        /// Object name.
        name: String,
        /// Class found in the key.
        found: String,
        /// Class expected.
        expected: String,
    },
    /// No branch of that name in the tree.
    #[error("{path}: tree {tree:?}: no branch named {branch:?}")]
    NoBranch {
        /// File path.
        path: PathBuf,
        /// Tree path.
        tree: String,
        /// Requested branch.
        branch: String,
    },
    /// The branch exists but its type cannot be read (yet): never guessed.
    #[error("{path}: tree {tree:?}: branch {branch:?} of type {typename}: unsupported ({reason})")]
    Unsupported {
        /// File path.
        path: PathBuf,
        /// Tree path.
        tree: String,
        /// Branch name.
        branch: String,
        /// Its type as uproot names it (`float[]`, `std::vector<double>`, leaf classes ...).
        typename: String,
        /// Why it cannot be read.
        reason: Box<str>,
    },
    /// A typed read asked for another type than the branch holds.
    #[error("{path}: tree {tree:?}: branch {branch:?} holds {typename}, not {requested}")]
    WrongType {
        /// File path.
        path: PathBuf,
        /// Tree path.
        tree: String,
        /// Branch name.
        branch: String,
        /// The branch's type.
        typename: String,
        /// The type asked for.
        requested: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, RootError>;
