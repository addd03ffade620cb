//! https for the client: rustls (ring provider) with the Mozilla roots plus configured trust
//! anchors ([MS-OXCMAPIHTTP] 2.1: the transport is HTTPS in production).

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

use crate::error::TransportError;

/// A byte stream the HTTP connection runs on (plain TCP or TLS).
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// The TLS side of one endpoint: the connector and the name the certificate must carry.
#[derive(Clone)]
pub struct Tls {
    connector: TlsConnector,
    name: ServerName<'static>,
}

/// A connector for `authority` (`host:port`), trusting the Mozilla roots and `extra_roots`.
pub fn connector(extra_roots: &[Vec<u8>], authority: &str) -> Result<Tls, TransportError> {
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, _)| h)
        .trim_start_matches('[')
        .trim_end_matches(']');
    let name = ServerName::try_from(host.to_owned())
        .map_err(|e| TransportError::Tls(format!("server name {host:?}: {e}")))?;
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for der in extra_roots {
        roots
            .add(CertificateDer::from(der.clone()))
            .map_err(|e| TransportError::Tls(format!("trust anchor: {e}")))?;
    }
    let config = ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| TransportError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Tls {
        connector: TlsConnector::from(Arc::new(config)),
        name,
    })
}

impl Tls {
    /// The TLS handshake over `tcp`.
    pub async fn connect(
        &self,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TransportError> {
        self.connector
            .connect(self.name.clone(), tcp)
            .await
            .map_err(|e| TransportError::Tls(format!("handshake: {e}")))
    }
}
