//! Client-side transport errors.

use ics_wire::mapihttp::{FramingError, MapiHttpError, ResponseCode};
use thiserror::Error;

/// Why a MAPI/HTTP request failed.
#[derive(Debug, Error)]
pub enum TransportError {
    /// The endpoint URL cannot be used.
    #[error("endpoint URL {url:?}: {reason}")]
    Url {
        /// The URL.
        url: String,
        /// Why.
        reason: &'static str,
    },
    /// TLS set-up or handshake failure (https).
    #[error("TLS: {0}")]
    Tls(String),
    /// TCP connect or I/O failure.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// HTTP protocol failure.
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// A request could not be built (bad header value).
    #[error("HTTP request: {0}")]
    Request(#[from] hyper::http::Error),
    /// HTTP 401: credentials refused ([MS-OXCMAPIHTTP] 2.2.2.2).
    #[error("HTTP 401: authentication refused (WWW-Authenticate: {challenge:?})")]
    Unauthorized {
        /// The server's WWW-Authenticate header, if any.
        challenge: Option<String>,
    },
    /// The NTLM/Negotiate handshake broke down (bad token, connection closed between legs).
    #[error("{scheme} authentication: {reason}")]
    Auth {
        /// The scheme (`NTLM`, `Negotiate`).
        scheme: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// Another HTTP status than 200.
    #[error("HTTP status {status}: {body}")]
    Status {
        /// The status code.
        status: u16,
        /// The start of the body, as text.
        body: String,
    },
    /// X-ResponseCode ≠ 0, in the HTTP headers or after DONE ([MS-OXCMAPIHTTP] 2.2.3.3.3).
    #[error("X-ResponseCode {code:?}: {body}")]
    ResponseCode {
        /// The code (or the raw value when it is not a defined one).
        code: Result<ResponseCode, String>,
        /// The diagnostic body, as text.
        body: String,
    },
    /// A header the spec makes mandatory is missing or differs.
    #[error("response header {header}: {problem}")]
    Header {
        /// The header.
        header: &'static str,
        /// What is wrong.
        problem: String,
    },
    /// The PROCESSING/DONE preamble is malformed.
    #[error("response framing: {0}")]
    Framing(#[from] FramingError),
    /// The body or the rgbOut chain does not decode.
    #[error("response body: {0}")]
    Body(#[from] MapiHttpError),
    /// The server answered with the failure form or a non-zero ErrorCode.
    #[error("{request} failed: StatusCode {status_code:#x}, ErrorCode {error_code:#x}")]
    Failed {
        /// The request type.
        request: &'static str,
        /// StatusCode.
        status_code: u32,
        /// ErrorCode (0 for the failure form).
        error_code: u32,
    },
}
