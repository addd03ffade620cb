//! `ics-transport`: MAPI over HTTP ([MS-OXCMAPIHTTP]) on top of the sans-IO
//! codecs of `ics_wire::mapihttp`.
//!
//! * [`MapiHttpClient`]: Connect / Execute / Disconnect over one kept-alive
//!   HTTP/1.1 connection (hyper), Basic, NTLM or Negotiate authentication ([`AuthScheme`];
//!   NTLM/Negotiate via the `sspi` crate, the handshake bound to the connection), the Session Context
//!   cookies, X-RequestId counting, the PROCESSING/PENDING/DONE response
//!   parsed as it streams in, X-ResponseCode errors, RPC_HEADER_EXT payloads
//!   with XorMagic and LZ77 both ways; `https://` with rustls under the `tls` feature.
//! * [`MapiHttpServer`]: the mailbox endpoint as a server frame around a
//!   [`RopHandler`]: Basic, NTLM and Negotiate (sspi's acceptor, per connection) against a
//!   user table, https from PEM files (`tls` feature), one Session
//!   Context per Connect bound to the authenticated user, X-ResponseCode
//!   errors for bad requests while it keeps serving, graceful shutdown.

mod auth;
mod body;
mod client;
mod client_auth;
mod error;
mod server;
mod server_auth;
mod server_echo;
mod sspi_auth;
#[cfg(feature = "tls")]
mod tls;
mod util;

pub use auth::{AuthScheme, Challenge, UnknownScheme, parse_challenges};
pub use client::{ClientConfig, MapiHttpClient};
pub use error::TransportError;
pub use server::{MapiHttpServer, RopFailure, RopHandler, ServerConfig, Session, parse_users};
#[cfg(feature = "tls")]
pub use tls::{ServerTls, certificates_from};
