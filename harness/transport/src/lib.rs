//! `ics-transport`: MAPI over HTTP ([MS-OXCMAPIHTTP]) on top of the sans-IO
//! codecs of `ics_wire::mapihttp`.
//!
//! * [`MapiHttpClient`]: Connect / Execute / Disconnect over one kept-alive
//!   HTTP/1.1 connection (hyper), Basic authentication, the Session Context
//!   cookies, X-RequestId counting, the PROCESSING/PENDING/DONE response
//!   parsed as it streams in, X-ResponseCode errors, RPC_HEADER_EXT payloads
//!   with XorMagic and LZ77 both ways; `https://` with rustls under the `tls` feature.
//! * [`MapiHttpServer`]: the mailbox endpoint as a server frame around a
//!   [`RopHandler`]: Basic authentication against a user table, one Session
//!   Context per Connect bound to the authenticated user, X-ResponseCode
//!   errors for bad requests while it keeps serving, graceful shutdown.

mod body;
mod client;
mod error;
mod server;
#[cfg(feature = "tls")]
mod tls;
mod util;

pub use client::{ClientConfig, MapiHttpClient};
pub use error::TransportError;
pub use server::{MapiHttpServer, RopFailure, RopHandler, ServerConfig, Session, parse_users};
