//! Fuzz oracles: the bodies of the cargo-fuzz targets in `fuzz/`, kept here so
//! that `cargo test` can replay every file of `corpus/<target>/` on stable.
//! Each function panics only when an invariant is broken.

pub mod ftstream;
pub mod idset;
pub mod mapihttp;
pub mod rop;
