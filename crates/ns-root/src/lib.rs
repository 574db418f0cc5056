//! `ns-root`: NextStat's native ROOT file reader.
//!
//! This crate is the file layer of issue 15: it opens a ROOT file by memory
//! map, reads the TFile header (small and large-file layouts), directories and
//! sub-directories, TKeys with cycles (`name;cycle`, the highest by default),
//! and decompresses records in every ROOT codec (zlib, the old ROOT "CS"
//! deflate, LZ4 with its xxhash64 checksum, LZMA, ZSTD). Every read is bounds
//! checked: bad input gives a [`RootError`] naming the file, the object and
//! the offset, never a panic. TTree and histogram reading build on it.
//!
//! The format is parsed here rather than through a binding or an existing
//! Rust reader because the reader *is* the product: its speed (memory map,
//! parallel basket decompression, only the bytes asked for) and its error
//! messages are what users compare with uproot, and no maintained Rust crate
//! reads every codec and type (oxyroot crashes on ZSTD and does not mmap).
//!
//! Not for: writing ROOT files, RNTuple.

#![warn(missing_docs)]

mod compression;
mod cursor;
mod error;
mod file;
mod hist;

pub use error::{Result, RootError};
pub use file::{Directory, Key, RootFile};
pub use hist::{Axis, Hist};
