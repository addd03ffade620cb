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

/// The server's version as the connection reports it ([MS-OXCSYNC] 1.7, R-315: there is
/// no capability detection; the client limits itself to what this version supports):
/// EcDoConnectEx rgwServerVersion ([MS-OXCRPC] 3.1.4.1.3.1) or the MAPI/HTTP header
/// X-ServerApplication `Exchange/15.02.0000.000` ([MS-OXCMAPIHTTP] 2.2.3.3.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ServerVersion {
    pub major: u16,
    pub minor: u16,
    pub build: u16,
    pub revision: u16,
}

/// An X-ServerApplication value that is not `<product>/<major>.<minor>.<build>.<revision>`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("X-ServerApplication {value:?}: {problem}")]
pub struct VersionError {
    /// The header value.
    pub value: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl ServerVersion {
    /// Parses an X-ServerApplication value ([MS-OXCMAPIHTTP] 2.2.3.3.7), e.g.
    /// `Exchange/15.02.0000.000`: four dot-separated decimal parts after the `/`.
    pub fn from_server_application(value: &str) -> Result<Self, VersionError> {
        let err = |problem| VersionError {
            value: value.chars().take(64).collect(),
            problem,
        };
        let (_, version) = value.split_once('/').ok_or_else(|| err("no `/`"))?;
        let mut parts = version.trim().split('.');
        let mut next = || -> Result<u16, VersionError> {
            parts
                .next()
                .ok_or_else(|| err("fewer than four version parts"))?
                .parse()
                .map_err(|_| err("a version part is not a 16-bit decimal number"))
        };
        let v = ServerVersion {
            major: next()?,
            minor: next()?,
            build: next()?,
            revision: next()?,
        };
        if parts.next().is_some() {
            return Err(err("more than four version parts"));
        }
        Ok(v)
    }

    /// Partial item downloads need a server of major version 8 or later ([MS-OXCSYNC] 1.7,
    /// 3.1.5.3.4; ).
    pub fn supports_partial_item(&self) -> bool {
        self.major >= 8
    }
}

/// Request buffer in, response buffer out.
pub trait RopTransport {
    /// Executes one ROP request buffer.
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send;

    /// The server version the connection reported, if the transport has one (`None`
    /// before the connection is made, or when the transport does not model it).
    fn server_version(&self) -> Option<ServerVersion> {
        None
    }
}

impl<T: RopTransport + Send> RopTransport for &mut T {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        (**self).execute(request)
    }

    fn server_version(&self) -> Option<ServerVersion> {
        (**self).server_version()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_application_versions() {
        let v = ServerVersion::from_server_application("Exchange/15.02.0986.005").unwrap();
        assert_eq!((v.major, v.minor, v.build, v.revision), (15, 2, 986, 5));
        assert!(v.supports_partial_item());
        let old = ServerVersion::from_server_application("Exchange/6.5.7638.1").unwrap();
        assert!(!old.supports_partial_item());
        for bad in [
            "Exchange",
            "Exchange/15.02",
            "Exchange/15.x.0.0",
            "E/1.2.3.4.5",
        ] {
            assert!(
                ServerVersion::from_server_application(bad).is_err(),
                "{bad}"
            );
        }
    }
}
