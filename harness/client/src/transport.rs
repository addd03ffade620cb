//! The only way the client reaches a server: a ROP transport that takes a ROP
//! request buffer ([MS-OXCROPS] 2.2.1: RopSize, RopsList, handle table) and
//! returns the ROP response buffer. In process it wraps the reference server;
//! over the network it wraps MAPI/HTTP Execute or EcDoRpcExt2.

use std::future::Future;

use thiserror::Error;

/// Failures below the ROP layer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransportError {
    /// The connection dropped; any response data in flight is lost.
    #[error("connection lost")]
    ConnectionLost,
    /// The RPC itself failed with a status code (e.g. 0x000004B6 ecRpcFormat, R-003).
    #[error("RPC failed with {0:#010x}")]
    RpcStatus(u32),
    /// Anything else (I/O, protocol framing).
    #[error("transport: {0}")]
    Other(String),
}

/// Request buffer in, response buffer out.
pub trait RopTransport {
    /// Executes one ROP request buffer.
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send;
}

impl<T: RopTransport + Send> RopTransport for &mut T {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        (**self).execute(request)
    }
}
