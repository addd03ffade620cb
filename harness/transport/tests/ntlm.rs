//! NTLM and Negotiate (SPNEGO carrying NTLM) end to end on 127.0.0.1: our client's
//! initiator against the server frame, whose acceptor is sspi's own server side. The legs and
//! every later request share one TCP connection; a wrong password is a prompt 401.

use std::net::SocketAddr;
use std::time::Duration;

use ics_transport::{
    AuthScheme, ClientConfig, MapiHttpClient, MapiHttpServer, RopFailure, RopHandler, ServerConfig,
    Session, TransportError, parse_users,
};
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, DisconnectResponse, ExecuteFlags, PayloadOptions,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Answers each ROP buffer with `user:` + the buffer.
struct Echo;

impl RopHandler for Echo {
    fn execute(&mut self, session: &Session, rop_buffer: &[u8]) -> Result<Vec<u8>, RopFailure> {
        if rop_buffer == b"cut" {
            return Err(RopFailure::ConnectionLost);
        }
        let mut out = format!("{}:", session.user).into_bytes();
        out.extend_from_slice(rop_buffer);
        Ok(out)
    }
}

type Server = MapiHttpServer<Echo, fn(&Session) -> Echo>;

fn factory(_: &Session) -> Echo {
    Echo
}

async fn start(auth: Vec<AuthScheme>) -> (Server, SocketAddr, oneshot::Sender<()>) {
    let server: Server = MapiHttpServer::new(
        ServerConfig {
            users: parse_users("alice:wonder\nbob:builder\n").unwrap(),
            dn_prefix: "/o=ics".into(),
            auth,
        },
        factory,
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = oneshot::channel::<()>();
    tokio::spawn(server.clone().serve(listener, async move {
        let _ = rx.await;
    }));
    (server, addr, stop)
}

fn client(addr: SocketAddr, user: &str, password: &str, auth: AuthScheme) -> MapiHttpClient {
    let mut cfg = ClientConfig::new(
        format!("http://{addr}/mapi/emsmdb/?MailboxId={user}@example.org"),
        user,
        password,
    );
    cfg.auth = auth;
    MapiHttpClient::new(cfg).unwrap()
}

fn connect_request(user: &str) -> ConnectRequest {
    ConnectRequest {
        user_dn: format!("/o=ics/cn={user}"),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x409,
        lcid_string: 0x409,
        auxiliary_buffer: vec![],
    }
}

async fn rop(c: &mut MapiHttpClient, data: &[u8]) -> Result<Vec<u8>, TransportError> {
    let mut out = c
        .execute_rops(
            &[data],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await?;
    Ok(out.remove(0))
}

/// Connect, two Executes and Disconnect as `alice` with `scheme`: all on one connection.
async fn session_on_one_connection(scheme: AuthScheme, server_schemes: Vec<AuthScheme>) {
    let (server, addr, stop) = start(server_schemes).await;
    let mut c = client(addr, "alice", "wonder", scheme);
    let ConnectResponse::Success(s) = c.connect(&connect_request("alice")).await.unwrap() else {
        panic!("failure form");
    };
    assert_eq!(s.display_name.to_string_lossy(), "alice");
    // The server binds the session to the user the handshake named.
    assert_eq!(rop(&mut c, b"one").await.unwrap(), b"alice:one");
    assert_eq!(rop(&mut c, b"two").await.unwrap(), b"alice:two");
    assert!(matches!(
        c.disconnect().await.unwrap(),
        DisconnectResponse::Success(_)
    ));
    // Three legs, then requests without Authorization: the server only lets those in on the
    // connection the handshake authenticated, and there was just one.
    assert_eq!(server.connection_count(), 1, "{scheme}");
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ntlm_session_uses_one_connection() {
    session_on_one_connection(AuthScheme::Ntlm, vec![AuthScheme::Ntlm]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn negotiate_session_uses_one_connection() {
    session_on_one_connection(AuthScheme::Negotiate, vec![AuthScheme::Negotiate]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_picks_negotiate_then_ntlm_then_basic() {
    let all = vec![AuthScheme::Basic, AuthScheme::Ntlm, AuthScheme::Negotiate];
    session_on_one_connection(AuthScheme::Auto, all).await;
    session_on_one_connection(AuthScheme::Auto, vec![AuthScheme::Ntlm]).await;
    // Basic does not bind the connection; auto still makes one connection here.
    session_on_one_connection(AuthScheme::Auto, vec![AuthScheme::Basic]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_a_prompt_401() {
    let (_server, addr, stop) = start(vec![AuthScheme::Ntlm, AuthScheme::Negotiate]).await;
    for scheme in [AuthScheme::Ntlm, AuthScheme::Negotiate, AuthScheme::Auto] {
        // bob's password does not open alice's account.
        let mut c = client(addr, "alice", "builder", scheme);
        let r = tokio::time::timeout(
            Duration::from_secs(10),
            c.connect(&connect_request("alice")),
        )
        .await
        .expect("an answer, not a hang");
        match r {
            Err(TransportError::Unauthorized {
                challenge: Some(ch),
            }) => {
                assert!(ch.contains("NTLM") && ch.contains("Negotiate"), "{ch}")
            }
            other => panic!("{scheme}: {other:?}"),
        }
        let mut c = client(addr, "carol", "wonder", scheme);
        assert!(matches!(
            c.connect(&connect_request("carol")).await,
            Err(TransportError::Unauthorized { .. })
        ));
    }
    // Basic against an NTLM/Negotiate-only server: refused, the offered schemes named.
    let mut c = client(addr, "alice", "wonder", AuthScheme::Basic);
    match c.connect(&connect_request("alice")).await {
        Err(e @ TransportError::Unauthorized { .. }) => assert!(e.to_string().contains("NTLM")),
        other => panic!("{other:?}"),
    }
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_connection_authenticates_again() {
    let (server, addr, stop) = start(vec![AuthScheme::Ntlm]).await;
    let mut c = client(addr, "bob", "builder", AuthScheme::Ntlm);
    c.connect(&connect_request("bob")).await.unwrap();
    // The server cuts the connection (and ends the Session Context).
    assert!(rop(&mut c, b"cut").await.is_err());
    // The next request connects anew, runs a new handshake, and the new context works.
    c.connect(&connect_request("bob")).await.unwrap();
    assert_eq!(rop(&mut c, b"again").await.unwrap(), b"bob:again");
    assert_eq!(server.connection_count(), 2);
    let _ = stop.send(());
}

/// Waits (at most 5 s) until the server has `n` Session Contexts.
async fn sessions_become(server: &Server, n: usize) -> bool {
    for _ in 0..250 {
        if server.session_count() == n {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_and_drop_send_disconnect() {
    let (server, addr, stop) = start(vec![AuthScheme::Basic, AuthScheme::Ntlm]).await;
    for scheme in [AuthScheme::Basic, AuthScheme::Ntlm] {
        // close(): Disconnect before it returns.
        let mut c = client(addr, "alice", "wonder", scheme);
        c.connect(&connect_request("alice")).await.unwrap();
        assert_eq!(server.session_count(), 1);
        c.close().await;
        assert_eq!(server.session_count(), 0, "{scheme}: close");
        // drop: Disconnect from a task, soon after.
        let mut c = client(addr, "alice", "wonder", scheme);
        c.connect(&connect_request("alice")).await.unwrap();
        assert_eq!(server.session_count(), 1);
        drop(c);
        assert!(sessions_become(&server, 0).await, "{scheme}: drop");
    }
    // Outside a runtime a drop sends nothing (and neither blocks nor panics).
    let mut c = client(addr, "bob", "builder", AuthScheme::Basic);
    c.connect(&connect_request("bob")).await.unwrap();
    std::thread::spawn(move || drop(c)).join().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.session_count(), 1);
    // A dropped client whose server is gone: nothing hangs, nothing panics.
    let mut c = client(addr, "bob", "builder", AuthScheme::Ntlm);
    c.connect(&connect_request("bob")).await.unwrap();
    let _ = stop.send(());
    drop(c);
}
