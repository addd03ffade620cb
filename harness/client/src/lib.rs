//! `ics-client`: the reference ICS client.
//!
//! A replica of a mailbox in SQLite ([`replica::Replica`]) kept in sync with a
//! server the way [MS-OXCSYNC] asks a careful MAPI client to do it. The client
//! talks to a server only through a ROP transport ([`transport::RopTransport`]):
//! request buffer in, response buffer out.
//!
//! Layers, bottom up:
//! * [`replica`]: the SQLite store ([`Replica`]) and [`replica::DownloadTxn`],
//!   which applies one download and its final ICS state in one transaction
//!   (rules of [MS-OXCSYNC] 3.1.5.3; conflicts by PCL and last writer wins);
//!   local changes waiting for upload (reserved IDs, foreign change keys);
//! * [`model`]: typed changes, independent of the wire;
//! * [`convert`] / [`adapt`]: FastTransfer grammar items to typed changes;
//! * [`sync::ops::IcsOps`]: the server operations, one per ROP;
//!   [`sync::rop_session::RopSession`] implements them with `ics-wire` ROP
//!   buffers over a [`transport::RopTransport`];
//! * [`sync::engine::Client`]: the client duties (bootstrap, state upload in
//!   pieces, GetBuffer with back-off, upload before download, cancellation,
//!   RecoverMode, header completion, ID reservation, mailbox validation,
//!   back-in-time detection, hierarchy sync).
#![forbid(unsafe_code)]

pub mod adapt;
pub mod convert;
pub mod error;
pub mod model;
pub mod replica;
pub mod sync;
pub mod transport;

pub use error::ReplicaError;
pub use replica::Replica;
