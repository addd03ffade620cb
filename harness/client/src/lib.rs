//! `ics-client`: the reference ICS client.
//!
//! A replica of a mailbox in SQLite ([`replica::Replica`]) kept in sync with a
//! server the way [MS-OXCSYNC] asks a careful MAPI client to do it. The client
//! talks to a server only through a ROP transport ([`transport::RopTransport`]):
//! request buffer in, response buffer out.
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
