//! `ns-root`: NextStat's native ROOT file reader.
//!
//! This crate is the file layer of issue 15: it opens a ROOT file by memory
//! map, reads the TFile header (small and large-file layouts), directories and
//! sub-directories, TKeys with cycles (`name;cycle`, the highest by default),
//! and decompresses records in every ROOT codec (zlib, the old ROOT "CS"
//! deflate, LZ4 with its xxhash64 checksum, LZMA, ZSTD). Every read is bounds
//! checked: bad input gives a [`RootError`] naming the file, the object and
//! the offset, never a panic.
//!
//! On it: TTrees ([`RootFile::tree`], [`Tree::read`], [`Tree::array`]) into
//! columnar buffers — every primitive, Double32_t/Float16_t, fixed-size and
//! leaf-count arrays, leaf lists, `std::vector<T>` and
//! `std::vector<std::vector<T>>` of primitives, strings —
//! reading only the baskets of the requested branch and entry range,
//! decompressed in parallel; and TH1/TH2 histograms ([`RootFile::get_hist`]).
//!
//! The format is parsed here rather than through a binding or an existing
//! Rust reader because the reader *is* the product: its speed (memory map,
//! parallel basket decompression, only the bytes asked for) and its error
//! messages are what users compare with uproot, and no maintained Rust crate
//! reads every codec and type (oxyroot crashes on ZSTD and does not mmap).
//!
//! Not for: writing ROOT files, RNTuple.

#![warn(missing_docs)]

mod basket;
mod branch;
mod column;
mod compression;
mod cursor;
mod error;
mod file;
mod hist;
mod kind;
mod leaf;
mod objects;
mod read;
mod tree;

pub use branch::{BasketLoc, Branch, Element};
pub use column::{Array, Column, Primitive};
pub use error::{Result, RootError};
pub use file::{Directory, Key, RootFile};
pub use hist::{Axis, Hist};
pub use kind::Prim;
pub use leaf::Leaf;
pub use tree::Tree;
