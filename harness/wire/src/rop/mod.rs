//! ROP request and response buffers ([MS-OXCROPS] 2.2).
//!
//! * [`RopRequestBuffer`] / [`RopResponseBuffer`]: RopSize, RopsList and the
//!   server object handle table ([`buffer`]).
//! * [`RopRequest`] / [`RopResponse`]: one variant per ROP ([`rops`]); the
//!   per-family modules hold the typed fields, named as the spec names them.
//! * Decoding a response needs its request: [`RopResponseBuffer::decode`]
//!   takes the [`RopRequestBuffer`] it answers and a [`ResponseContext`]
//!   (columns of tables set up in earlier buffers).
//! * Values use the ROP-buffer encoding of [MS-OXCDATA] 2.11 ([`value`]);
//!   IDSETs and FastTransfer stream pieces stay raw bytes.
//!
//! Choices where rops.md and the published pages leave room are listed in
//! `SETUP_ROPS.md` next to this file.

pub mod attachment;
pub mod buffer;
pub mod codes;
pub mod common;
pub mod embedded;
pub mod error;
pub mod fasttransfer;
pub mod flags;
pub mod folder;
pub mod idmgmt;
pub mod ids;
pub mod import;
pub mod logon;
pub mod message;
pub mod property;
pub mod recipient;
pub mod recipient_row;
pub mod restriction;
pub mod rops;
pub mod state;
pub mod sync;
pub mod table;
pub mod utility;
pub mod value;

pub use buffer::{RequestContext, ResponseContext, RopRequestBuffer, RopResponseBuffer};
pub use codes::ErrorCode;
pub use common::{InputHandleResponse, OutputHandleResponse, ResponseHint, RopResult};
pub use error::{EncodeError, RopError};
pub use rops::{RopRequest, RopResponse};
