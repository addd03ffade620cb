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

/// The certificates of a file holding one DER certificate or PEM `CERTIFICATE` blocks
/// (told apart by content: PEM is text with `-----BEGIN`), e.g. `--ca-cert`.
pub fn certificates_from(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TransportError> {
    use tokio_rustls::rustls::pki_types::pem::PemObject as _;
    let bad = |why: String| TransportError::Tls(format!("certificate file: {why}"));
    if bytes.windows(10).any(|w| w == b"-----BEGIN") {
        let certs = CertificateDer::pem_slice_iter(bytes)
            .map(|c| c.map(|c| c.as_ref().to_vec()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("PEM: {e}")))?;
        if certs.is_empty() {
            return Err(bad("PEM without a CERTIFICATE block".into()));
        }
        return Ok(certs);
    }
    // DER: one X.509 Certificate, a SEQUENCE (tag 0x30) whose length covers the whole file.
    let len = der_length(bytes).ok_or_else(|| bad("neither PEM nor a DER certificate".into()))?;
    if len != bytes.len() {
        return Err(bad(format!(
            "DER certificate of {len} bytes in a file of {} bytes",
            bytes.len()
        )));
    }
    Ok(vec![bytes.to_vec()])
}

/// The total length (header + content) of a DER SEQUENCE at the start of `b`, if it is one.
fn der_length(b: &[u8]) -> Option<usize> {
    if *b.first()? != 0x30 {
        return None;
    }
    let first = usize::from(*b.get(1)?);
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first & 0x7F;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*b.get(2 + i)?);
    }
    Some(2 + n + len)
}

/// https for the server: a certificate chain and its private key (PEM), rustls with ring.
#[derive(Clone)]
pub struct ServerTls {
    acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl ServerTls {
    /// From PEM text: `CERTIFICATE` blocks (the server's first) and one private key
    /// (PKCS#8, PKCS#1 or SEC1).
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<Self, TransportError> {
        use tokio_rustls::rustls::pki_types::PrivateKeyDer;
        use tokio_rustls::rustls::pki_types::pem::PemObject as _;
        let certs = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TransportError::Tls(format!("certificate file: PEM: {e}")))?;
        if certs.is_empty() {
            return Err(TransportError::Tls(
                "certificate file: no PEM CERTIFICATE block".into(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| {
            TransportError::Tls(match e {
                tokio_rustls::rustls::pki_types::pem::Error::NoItemsFound => {
                    "key file: no PEM private key (PKCS#8, PKCS#1 or SEC1)".into()
                }
                other => format!("key file: {other}"),
            })
        })?;
        let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
            tokio_rustls::rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| TransportError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TransportError::Tls(format!("certificate and key: {e}")))?;
        Ok(ServerTls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// The TLS handshake of an accepted connection.
    pub(crate) async fn accept(
        &self,
        tcp: TcpStream,
    ) -> std::io::Result<tokio_rustls::server::TlsStream<TcpStream>> {
        self.acceptor.accept(tcp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_and_pem_certificates_are_told_apart() {
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let der = cert.cert.der().to_vec();
        assert_eq!(certificates_from(&der).unwrap(), std::slice::from_ref(&der));
        let pem = cert.cert.pem();
        assert_eq!(
            certificates_from(pem.as_bytes()).unwrap(),
            std::slice::from_ref(&der)
        );
        let two = format!("{pem}{pem}");
        assert_eq!(certificates_from(two.as_bytes()).unwrap().len(), 2);
        // Truncated DER, text, an empty PEM, garbage base64: errors, not panics.
        for bad in [
            &der[..der.len() - 1],
            b"hello world".as_slice(),
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            b"",
        ] {
            assert!(certificates_from(bad).is_err(), "{bad:?}");
        }
        // A server configuration from the same PEM and its key.
        let key = cert.signing_key.serialize_pem();
        assert!(ServerTls::from_pem(pem.as_bytes(), key.as_bytes()).is_ok());
        assert!(ServerTls::from_pem(pem.as_bytes(), b"no key").is_err());
        assert!(ServerTls::from_pem(b"", key.as_bytes()).is_err());
    }
}
