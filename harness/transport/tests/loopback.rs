//! Client against server on 127.0.0.1: Connect / Execute / Disconnect,
//! compression and XOR both ways, Basic authentication, session binding,
//! X-ResponseCode errors while the server keeps serving, clean shutdown.

use ics_transport::{
    ClientConfig, MapiHttpClient, MapiHttpServer, RopFailure, RopHandler, ServerConfig, Session,
    TransportError, parse_users,
};
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, DisconnectResponse, ExecuteFlags, ExecuteRequest,
    ExecuteResponse, PayloadOptions, RequestType, ResponseCode, RpcHeaderFlags, encode_payloads,
};
use std::net::SocketAddr;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Answers each ROP buffer with `user:` + call number + the buffer reversed.
struct Echo {
    calls: u32,
}

impl RopHandler for Echo {
    fn execute(&mut self, session: &Session, rop_buffer: &[u8]) -> Result<Vec<u8>, RopFailure> {
        match rop_buffer {
            b"fail" => return Err(RopFailure::Rpc(0x4B6)),
            b"cut" => return Err(RopFailure::ConnectionLost),
            _ => {}
        }
        self.calls += 1;
        let mut out = format!("{}:{}:", session.user, self.calls).into_bytes();
        out.extend(rop_buffer.iter().rev());
        Ok(out)
    }
}

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

async fn start() -> Running {
    let users = parse_users("# test users\nuser1:secret1\nuser2:secret2\n").unwrap();
    let server = MapiHttpServer::new(
        ServerConfig {
            users,
            dn_prefix: "/o=ics".into(),
            auth: Vec::new(),
        },
        |_s: &Session| Echo { calls: 0 },
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = oneshot::channel();
    let task = tokio::spawn(server.serve(listener, async move {
        let _ = rx.await;
    }));
    Running { addr, stop, task }
}

fn client(addr: SocketAddr, user: &str, password: &str) -> MapiHttpClient {
    let url = format!("http://{addr}/mapi/emsmdb/?MailboxId={user}@example.org");
    MapiHttpClient::new(ClientConfig::new(url, user, password)).unwrap()
}

fn connect_request(user: &str) -> ConnectRequest {
    ConnectRequest {
        user_dn: format!("/o=ics/cn=Recipients/cn={user}"),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x409,
        lcid_string: 0x409,
        auxiliary_buffer: vec![],
    }
}

fn expected(user: &str, call: u32, rop: &[u8]) -> Vec<u8> {
    let mut v = format!("{user}:{call}:").into_bytes();
    v.extend(rop.iter().rev());
    v
}

async fn stop(r: Running) {
    r.stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), r.task)
        .await
        .expect("server stops")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_execute_disconnect_with_compression_and_xor_both_ways() {
    let r = start().await;
    let mut c = client(r.addr, "user1", "secret1");
    let ConnectResponse::Success(s) = c.connect(&connect_request("user1")).await.unwrap() else {
        panic!("failure form")
    };
    assert_eq!((s.error_code, s.dn_prefix.as_str()), (0, "/o=ics"));
    assert_eq!(s.display_name.to_string_lossy(), "user1");
    assert!(c.cookies().iter().any(|(n, _)| n == "sid"));

    // A repetitive 20 KB ROP buffer, sent compressed and XORed; the answer too.
    let rop: Vec<u8> = b"RopSynchronizationConfigure ".repeat(700);
    let opts = PayloadOptions {
        compress: true,
        xor_magic: true,
    };
    let out = c
        .execute_rops(&[&rop], opts, ExecuteFlags::default(), 0x40000)
        .await
        .unwrap();
    assert_eq!(out, [expected("user1", 1, &rop)]);

    // Look at the raw rgbOut: compressed and XORed, because Flags asked for neither NoCompression nor NoXorMagic.
    let req = ExecuteRequest {
        flags: ExecuteFlags::default(),
        rop_buffer: encode_payloads(&[&rop], opts).unwrap(),
        max_rop_out: 0x40000,
        auxiliary_buffer: vec![],
    };
    let ExecuteResponse::Success(s) = c.execute(&req).await.unwrap() else {
        panic!("failure form")
    };
    let p = s.rop_payloads(0x40000).unwrap();
    assert_eq!(
        p[0].header.flags,
        RpcHeaderFlags::COMPRESSED | RpcHeaderFlags::XOR_MAGIC | RpcHeaderFlags::LAST
    );
    assert!(usize::from(p[0].header.size) < rop.len() / 4);
    assert_eq!(p[0].data, expected("user1", 2, &rop));

    // NoCompression | NoXorMagic: plain rgbOut; two chained input payloads give two outputs.
    let req = ExecuteRequest {
        flags: ExecuteFlags::NO_COMPRESSION | ExecuteFlags::NO_XOR_MAGIC,
        rop_buffer: encode_payloads(&[b"abc", b"defg"], PayloadOptions::default()).unwrap(),
        max_rop_out: 0x40000,
        auxiliary_buffer: vec![],
    };
    let ExecuteResponse::Success(s) = c.execute(&req).await.unwrap() else {
        panic!("failure form")
    };
    let p = s.rop_payloads(0x40000).unwrap();
    assert_eq!(
        p.iter().map(|p| p.header.flags).collect::<Vec<_>>(),
        [RpcHeaderFlags(0), RpcHeaderFlags::LAST]
    );
    assert_eq!(p[0].data, expected("user1", 3, b"abc"));
    assert_eq!(p[1].data, expected("user1", 4, b"defg"));

    assert!(matches!(
        c.disconnect().await.unwrap(),
        DisconnectResponse::Success(_)
    ));
    assert!(c.cookies().is_empty());
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_gets_401_with_a_basic_challenge() {
    let r = start().await;
    let mut c = client(r.addr, "user1", "nope");
    match c.connect(&connect_request("user1")).await {
        Err(TransportError::Unauthorized {
            challenge: Some(ch),
        }) => assert!(ch.starts_with("Basic")),
        other => panic!("{other:?}"),
    }
    let mut c = client(r.addr, "nobody", "secret1");
    assert!(matches!(
        c.connect(&connect_request("nobody")).await,
        Err(TransportError::Unauthorized { .. })
    ));
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_is_refused_to_another_user() {
    let r = start().await;
    let mut c1 = client(r.addr, "user1", "secret1");
    c1.connect(&connect_request("user1")).await.unwrap();
    let mut c2 = client(r.addr, "user2", "secret2");
    c2.set_cookies(c1.cookies().to_vec());
    match c2
        .execute_rops(
            &[b"x"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
    {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::ContextNotFound),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // user1's context is untouched.
    let out = c1
        .execute_rops(
            &[b"y"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
        .unwrap();
    assert_eq!(out, [expected("user1", 1, b"y")]);
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_bodies_get_response_codes_and_the_server_keeps_serving() {
    let r = start().await;
    let mut c = client(r.addr, "user1", "secret1");
    // Execute before Connect: no cookie.
    match c
        .execute_rops(
            &[b"x"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
    {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::MissingCookie),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    match c
        .post_raw(RequestType::Connect, b"no NUL here".to_vec())
        .await
    {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::InvalidRequestBody),
            body,
        }) => {
            assert!(body.contains("malformed Connect body"), "{body}")
        }
        other => panic!("{other:?}"),
    }
    c.connect(&connect_request("user1")).await.unwrap();
    match c.post_raw(RequestType::Execute, vec![1, 2, 3]).await {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::InvalidRequestBody),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    match c.post_raw(RequestType::GetMatches, vec![]).await {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::InvalidRequestType),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // A well-formed body with a broken rgbIn: ErrorCode ecRpcFormat, not a transport error.
    let req = ExecuteRequest {
        flags: ExecuteFlags::default(),
        rop_buffer: vec![9; 8],
        max_rop_out: 0x40000,
        auxiliary_buffer: vec![],
    };
    match c.execute(&req).await.unwrap() {
        ExecuteResponse::Success(s) => assert_eq!(s.error_code, 0x4B6),
        other => panic!("{other:?}"),
    }
    // Still serving the same session.
    let out = c
        .execute_rops(
            &[b"ok"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
        .unwrap();
    assert_eq!(out, [expected("user1", 1, b"ok")]);
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_disconnect_the_old_cookie_is_context_not_found() {
    let r = start().await;
    let mut c = client(r.addr, "user1", "secret1");
    c.connect(&connect_request("user1")).await.unwrap();
    let old = c.cookies().to_vec();
    c.disconnect().await.unwrap();
    c.set_cookies(old);
    match c
        .execute_rops(
            &[b"x"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
    {
        Err(TransportError::ResponseCode {
            code: Ok(ResponseCode::ContextNotFound),
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    // Reconnect with the stale cookie gets a fresh context.
    c.connect(&connect_request("user1")).await.unwrap();
    let out = c
        .execute_rops(
            &[b"z"],
            PayloadOptions::default(),
            ExecuteFlags::default(),
            0x40000,
        )
        .await
        .unwrap();
    assert_eq!(out, [expected("user1", 1, b"z")]);
    stop(r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_in_parallel() {
    let r = start().await;
    let mut tasks = Vec::new();
    for i in 0..16u8 {
        let addr = r.addr;
        tasks.push(tokio::spawn(async move {
            let user = if i % 2 == 0 { "user1" } else { "user2" };
            let pw = if i % 2 == 0 { "secret1" } else { "secret2" };
            let mut c = client(addr, user, pw);
            c.connect(&connect_request(user)).await.unwrap();
            for n in 1..=5u32 {
                let rop = vec![i; 100 * n as usize];
                let out = c
                    .execute_rops(
                        &[&rop],
                        PayloadOptions {
                            compress: true,
                            xor_magic: n % 2 == 0,
                        },
                        ExecuteFlags::default(),
                        0x40000,
                    )
                    .await
                    .unwrap();
                assert_eq!(out, [expected(user, n, &rop)]);
            }
            c.disconnect().await.unwrap();
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    stop(r).await;
}

#[test]
fn users_file_errors_name_the_line() {
    assert_eq!(
        parse_users("a:b\n\nbad\n").unwrap_err(),
        "line 3: expected user:password"
    );
    assert_eq!(
        parse_users("a:b\na:c\n").unwrap_err(),
        "line 2: user \"a\" listed twice"
    );
    assert_eq!(
        parse_users("a:b:c\r\n")
            .unwrap()
            .get("a")
            .map(String::as_str),
        Some("b:c")
    );
}

/// The raw bytes on the wire: chunked transfer coding with PROCESSING in
/// the first chunk ([MS-OXCMAPIHTTP] 2.2.7, transport.md §4.2), echoed
/// X-RequestType / X-RequestId, and the Set-Cookie of the new Session Context.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_connect_response_is_chunked_with_processing_first() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let r = start().await;
    let body = connect_request("user1").encode().unwrap();
    let head = format!(
        "POST /mapi/emsmdb/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/mapi-http\r\nContent-Length: {}\r\n\
         X-RequestType: Connect\r\nX-RequestId: {{AAAA}}:7\r\nAuthorization: Basic dXNlcjE6c2VjcmV0MQ==\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut s = tokio::net::TcpStream::connect(r.addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&body).await.unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).await.unwrap();
    let text = String::from_utf8_lossy(&resp).to_ascii_lowercase();
    assert!(text.starts_with("http/1.1 200 ok\r\n"), "{text}");
    for h in [
        "transfer-encoding: chunked",
        "x-requesttype: connect",
        "x-requestid: {aaaa}:7",
        "x-responsecode: 0",
        "set-cookie: sid=",
    ] {
        assert!(text.contains(h), "{h} missing in {text}");
    }
    assert!(text.contains("\r\n\r\nc\r\nprocessing\r\n\r\n"), "{text}");
    assert!(text.contains("\r\ndone\r\nx-elapsedtime: "), "{text}");
    stop(r).await;
}

/// A handler failure is the Execute ErrorCode; a cut closes the connection
/// and destroys the Session Context, and the server keeps serving.
#[tokio::test]
async fn handler_failures_reach_the_client() {
    let r = start().await;
    let mut c = client(r.addr, "user1", "secret1");
    c.connect(&connect_request("user1")).await.unwrap();
    let opts = PayloadOptions::default();
    let err = c
        .execute_rops(&[b"fail"], opts, ExecuteFlags::default(), 0x40000)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::Failed {
                error_code: 0x4B6,
                ..
            }
        ),
        "{err:?}"
    );
    let err = c
        .execute_rops(&[b"cut"], opts, ExecuteFlags::default(), 0x40000)
        .await
        .unwrap_err();
    assert!(matches!(err, TransportError::Http(_)), "{err:?}");
    // The context died with the connection: the old cookie is refused.
    let err = c
        .execute_rops(&[b"abc"], opts, ExecuteFlags::default(), 0x40000)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::ResponseCode {
                code: Ok(ResponseCode::ContextNotFound),
                ..
            }
        ),
        "{err:?}"
    );
    c.connect(&connect_request("user1")).await.unwrap();
    let out = c
        .execute_rops(&[b"abc"], opts, ExecuteFlags::default(), 0x40000)
        .await
        .unwrap();
    assert_eq!(out, [expected("user1", 1, b"abc")]);
    stop(r).await;
}
