//! https: the client against a loopback rustls server (a TLS terminator in front of the
//! MAPI/HTTP server) with a self-signed certificate generated here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ics_transport::{
    ClientConfig, MapiHttpClient, MapiHttpServer, RopFailure, RopHandler, ServerConfig, Session,
    TransportError, parse_users,
};
use ics_wire::mapihttp::{ConnectRequest, ConnectResponse, ExecuteFlags, PayloadOptions};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

struct Reverse;

impl RopHandler for Reverse {
    fn execute(&mut self, _: &Session, rop_buffer: &[u8]) -> Result<Vec<u8>, RopFailure> {
        Ok(rop_buffer.iter().rev().copied().collect())
    }
}

/// A MAPI/HTTP server behind a TLS terminator on 127.0.0.1; returns the TLS address and
/// the certificate (DER).
async fn start() -> (SocketAddr, Vec<u8>) {
    let server = MapiHttpServer::new(
        ServerConfig {
            users: parse_users("user1:secret1\n").unwrap(),
            dn_prefix: "/o=ics".into(),
            auth: Vec::new(),
        },
        |_: &Session| Reverse,
    );
    let plain = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let plain_addr = plain.local_addr().unwrap();
    tokio::spawn(server.serve(plain, std::future::pending()));

    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert = ck.cert.der().to_vec();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![CertificateDer::from(cert.clone())], key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let tls = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tls_addr = tls.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = tls.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut secure) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut inner) = tokio::net::TcpStream::connect(plain_addr).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut secure, &mut inner).await;
            });
        }
    });
    (tls_addr, cert)
}

fn connect_request() -> ConnectRequest {
    ConnectRequest {
        user_dn: "/o=ics/cn=user1".into(),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x409,
        lcid_string: 0x409,
        auxiliary_buffer: vec![],
    }
}

#[tokio::test]
async fn https_with_a_trusted_self_signed_certificate() {
    tokio::time::timeout(Duration::from_secs(20), async {
        let (addr, cert) = start().await;
        let url = format!("https://{addr}/mapi/emsmdb/?MailboxId=user1@example.org");
        let mut cfg = ClientConfig::new(url, "user1", "secret1");
        cfg.extra_roots = vec![cert];
        let mut c = MapiHttpClient::new(cfg).unwrap();
        assert!(matches!(
            c.connect(&connect_request()).await.unwrap(),
            ConnectResponse::Success(_)
        ));
        let out = c
            .execute_rops(
                &[b"abc"],
                PayloadOptions {
                    compress: true,
                    xor_magic: true,
                },
                ExecuteFlags::default(),
                0x40000,
            )
            .await
            .unwrap();
        assert_eq!(out, [b"cba".to_vec()]);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn https_refuses_an_untrusted_certificate() {
    tokio::time::timeout(Duration::from_secs(20), async {
        let (addr, _) = start().await;
        let url = format!("https://{addr}/mapi/emsmdb/?MailboxId=user1@example.org");
        let mut c = MapiHttpClient::new(ClientConfig::new(url, "user1", "secret1")).unwrap();
        let err = c.connect(&connect_request()).await.unwrap_err();
        assert!(
            matches!(&err, TransportError::Tls(m) if m.contains("handshake")),
            "{err:?}"
        );
    })
    .await
    .unwrap();
}

/// The server's own https (`serve_tls`, certificate and key from PEM) with NTLM on top: the
/// client trusts the certificate given as PEM, and the NTLM legs share the TLS connection.
#[tokio::test]
async fn server_side_https_from_pem_with_ntlm() {
    use ics_transport::{AuthScheme, ServerTls, certificates_from};
    tokio::time::timeout(Duration::from_secs(20), async {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let (cert_pem, key_pem) = (ck.cert.pem(), ck.signing_key.serialize_pem());
        let tls = ServerTls::from_pem(cert_pem.as_bytes(), key_pem.as_bytes()).unwrap();
        let server = MapiHttpServer::new(
            ServerConfig {
                users: parse_users("user1:secret1\n").unwrap(),
                dn_prefix: "/o=ics".into(),
                auth: vec![AuthScheme::Ntlm],
            },
            |_: &Session| Reverse,
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(
            server
                .clone()
                .serve_tls(listener, tls, std::future::pending()),
        );
        // A plain-text client on the https port: its connection is dropped, the server goes on.
        let url = format!("http://127.0.0.1:{port}/mapi/emsmdb/");
        let mut plain = MapiHttpClient::new(ClientConfig::new(url, "user1", "secret1")).unwrap();
        assert!(plain.connect(&connect_request()).await.is_err());

        let url = format!("https://localhost:{port}/mapi/emsmdb/?MailboxId=user1@example.org");
        let mut cfg = ClientConfig::new(url, "user1", "secret1");
        cfg.auth = AuthScheme::Ntlm;
        cfg.extra_roots = certificates_from(cert_pem.as_bytes()).unwrap();
        let mut c = MapiHttpClient::new(cfg).unwrap();
        assert!(matches!(
            c.connect(&connect_request()).await.unwrap(),
            ConnectResponse::Success(_)
        ));
        let out = c
            .execute_rops(
                &[b"xyz"],
                PayloadOptions::default(),
                ExecuteFlags::default(),
                0x40000,
            )
            .await
            .unwrap();
        assert_eq!(out, [b"zyx".to_vec()]);
        assert_eq!(
            server.connection_count(),
            2,
            "the plain probe, then one TLS connection"
        );
    })
    .await
    .unwrap();
}
