//! `ics-wire`: sans-IO codecs for Exchange Incremental Change Synchronization.
//!
//! Everything here turns bytes into typed values and back, following
//! [MS-OXCFXICS], [MS-OXCROPS], [MS-OXCDATA] and [MS-OXCMAPIHTTP]. No I/O, no
//! async, no `unsafe`. Decoders never panic on hostile input, report errors with
//! the byte offset and the field, and never allocate more than a small multiple
//! of the bytes actually present.
#![forbid(unsafe_code)]

pub mod cursor;
pub mod guid;
pub mod ids;
pub mod prop;

pub mod idset;
pub mod pcl;
pub mod state;

pub mod ftstream;

pub mod rop;

pub mod lz77;
pub mod mapihttp;

pub mod fuzz_bodies;

pub use guid::Guid;
pub use ids::{Cn, ExchangeId, Fid, Gid, GlobCnt, LongTermId, Mid, ReplGuid, ReplId};
