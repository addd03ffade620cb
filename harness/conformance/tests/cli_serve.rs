//! `ics-harness serve` end to end: the built binary on 127.0.0.1 with ephemeral ports, driven
//! with the MAPI/HTTP client and the control endpoint; every wait is bounded.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ics_transport::{ClientConfig, MapiHttpClient, TransportError};
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, ExecuteFlags, PayloadOptions, RequestType, ResponseCode,
};
use ics_wire::rop::flags::{LogonFlags, OpenFlags};
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

const BIN: &str = env!("CARGO_BIN_EXE_ics-harness");
const WAIT: Duration = Duration::from_secs(20);

struct Served {
    child: Child,
    mapi: SocketAddr,
    control: Option<SocketAddr>,
    lines: mpsc::Receiver<String>,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn users_file(tag: &str) -> (TempDir, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("ics-serve-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("users");
    std::fs::write(&path, "# test users\nalice:apass\nbob:bpass\n").unwrap();
    (TempDir(dir), path)
}

fn addr_after(line: &str, prefix: &str) -> Option<SocketAddr> {
    let rest = line.split_once(prefix)?.1;
    rest.split('/').next()?.parse().ok()
}

fn serve(tag: &str, control: bool) -> Served {
    let (dir, users) = users_file(tag);
    let mut cmd = Command::new(BIN);
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--users"])
        .arg(&users)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if control {
        cmd.args(["--control", "127.0.0.1:0"]);
    }
    let mut child = cmd.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let (mut mapi, mut ctl) = (None, None);
    let deadline = Instant::now() + WAIT;
    while mapi.is_none() || (control && ctl.is_none()) {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .expect("serve did not announce its endpoints");
        mapi = mapi.or_else(|| addr_after(&line, "MAPI/HTTP on http://"));
        ctl = ctl.or_else(|| addr_after(&line, "control on http://"));
    }
    Served {
        child,
        mapi: mapi.unwrap(),
        control: ctl,
        lines,
        _dir: dir,
    }
}

fn client(s: &Served, user: &str, password: &str) -> MapiHttpClient {
    let url = format!(
        "http://{}/mapi/emsmdb/?MailboxId={user}@example.org",
        s.mapi
    );
    MapiHttpClient::new(ClientConfig::new(url, user, password)).unwrap()
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

fn logon(essdn: &str) -> RopRequestBuffer {
    RopRequestBuffer {
        rops: vec![RopRequest::Logon(LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: LogonFlags::PRIVATE,
            open_flags: OpenFlags(
                OpenFlags::USE_PER_MDB_REPLID_MAPPING.0 | OpenFlags::HOME_LOGON.0,
            ),
            store_state: 0,
            essdn: Some(essdn.as_bytes().to_vec()),
        })],
        handles: vec![0xFFFF_FFFF],
    }
}

/// The ReturnValue of the RopLogon answering `req`.
async fn logon_result(c: &mut MapiHttpClient, essdn: &str) -> Result<u32, TransportError> {
    let req = logon(essdn);
    let out = c
        .execute_rops(
            &[&req.encode().unwrap()],
            PayloadOptions {
                compress: true,
                xor_magic: true,
            },
            ExecuteFlags::default(),
            0x40000,
        )
        .await?;
    let resp = RopResponseBuffer::decode(&out[0], &req, &ResponseContext::default()).unwrap();
    match &resp.rops[..] {
        [RopResponse::Logon(l)] => Ok(match &l.result {
            LogonResult::Failure(code) => code.to_u32(),
            _ => 0,
        }),
        other => panic!("not a RopLogon response: {other:?}"),
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, f).await.expect("timed out")
}

#[test]
fn sessions_are_bound_to_the_authenticated_user_and_mailbox() {
    let s = serve("bind", false);
    rt().block_on(bounded(async {
        let mut alice = client(&s, "alice", "apass");
        assert!(matches!(
            alice.connect(&connect_request("alice")).await.unwrap(),
            ConnectResponse::Success(_)
        ));
        assert_eq!(
            logon_result(&mut alice, "/o=ics/cn=alice").await.unwrap(),
            0
        );
        // A RopLogon to bob's mailbox is refused with ecLoginFailure.
        assert_eq!(
            logon_result(&mut alice, "/o=ics/cn=bob").await.unwrap(),
            0x8004_0111
        );
        // Bob presenting alice's session cookie is refused.
        let mut bob = client(&s, "bob", "bpass");
        bob.set_cookies(alice.cookies().to_vec());
        let err = logon_result(&mut bob, "/o=ics/cn=bob").await.unwrap_err();
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
        // A wrong password gets 401.
        let mut eve = client(&s, "alice", "wrong");
        let err = eve.connect(&connect_request("alice")).await.unwrap_err();
        assert!(
            matches!(err, TransportError::Unauthorized { .. }),
            "{err:?}"
        );
        // Alice's session is untouched.
        assert_eq!(
            logon_result(&mut alice, "/o=ics/cn=alice").await.unwrap(),
            0
        );
    }));
}

#[test]
fn malformed_bodies_get_response_codes_while_serving_goes_on() {
    let s = serve("malformed", false);
    rt().block_on(bounded(async {
        let mut alice = client(&s, "alice", "apass");
        alice.connect(&connect_request("alice")).await.unwrap();
        for (rt, body) in [
            (RequestType::Execute, vec![1, 2, 3]),
            (RequestType::Connect, vec![0xFF; 7]),
            (RequestType::Disconnect, vec![9]),
        ] {
            let err = alice.post_raw(rt, body).await.unwrap_err();
            assert!(
                matches!(
                    err,
                    TransportError::ResponseCode {
                        code: Ok(ResponseCode::InvalidRequestBody),
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        // A ROP buffer that does not parse is ecRpcFormat in Execute's ErrorCode.
        let err = alice
            .execute_rops(
                &[&[0x05, 0x00, 0xFE]],
                PayloadOptions::default(),
                ExecuteFlags::default(),
                0x40000,
            )
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
        assert_eq!(
            logon_result(&mut alice, "/o=ics/cn=alice").await.unwrap(),
            0
        );
    }));
}

/// POSTs a JSON control request; the status and the parsed answer.
async fn control(addr: SocketAddr, body: &str) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /control HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let status = text[9..12].parse().unwrap();
    let json = text.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(json).unwrap())
}

#[test]
fn the_control_endpoint_answers_json_and_reset_ends_sessions() {
    let s = serve("control", true);
    let ctl = s.control.unwrap();
    rt().block_on(bounded(async {
        let (st, v) = control(ctl, r#"{"user":"alice","op":"busy_log"}"#).await;
        assert_eq!(
            (
                st,
                v["ok"].as_bool(),
                v["busy_log"].as_array().map(Vec::len)
            ),
            (200, Some(true), Some(0))
        );
        let (st, v) = control(ctl, r#"{"user":"alice","op":"profile","name":"strict"}"#).await;
        assert_eq!((st, v["ok"].as_bool()), (200, Some(true)));
        let (st, v) = control(ctl, r#"{"user":"alice","op":"profile","name":"lax"}"#).await;
        assert_eq!((st, v["ok"].as_bool()), (400, Some(false)));
        let (st, v) = control(ctl, r#"{"user":"mallory","op":"reset"}"#).await;
        assert_eq!(st, 400, "{v}");
        let (st, _) = control(ctl, r#"{"user":"alice","op":"teleport"}"#).await;
        assert_eq!(st, 400);
        let (st, _) = control(ctl, "not json").await;
        assert_eq!(st, 400);
        let mut alice = client(&s, "alice", "apass");
        alice.connect(&connect_request("alice")).await.unwrap();
        assert_eq!(
            logon_result(&mut alice, "/o=ics/cn=alice").await.unwrap(),
            0
        );
        let (st, _) = control(ctl, r#"{"user":"alice","op":"reset"}"#).await;
        assert_eq!(st, 200);
        let err = logon_result(&mut alice, "/o=ics/cn=alice")
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
    }));
}

#[test]
fn the_control_endpoint_refuses_a_non_loopback_address() {
    let (_dir, users) = users_file("nonloop");
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--control",
            "0.0.0.0:0",
            "--users",
        ])
        .arg(&users)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_bounded(&mut child);
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("loopback"), "{err}");
}

fn wait_bounded(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        assert!(
            Instant::now() < deadline,
            "the process did not exit in time"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut s = serve("term", true);
    let pid = s.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = wait_bounded(&mut s.child);
    assert!(status.success(), "{status:?}");
    let rest: Vec<String> = s.lines.try_iter().collect();
    assert!(rest.iter().any(|l| l == "serve: stopped"), "{rest:?}");
}

/// `ics-harness run` against a served binary; stdout and the exit code, bounded in time.
fn run_against(s: &Served, extra: &[&str], password: Option<&str>) -> (Option<i32>, String) {
    let url = format!("http://{}/mapi/emsmdb/?MailboxId=alice@example.org", s.mapi);
    let mut cmd = Command::new(BIN);
    cmd.args(["run", "--target", &url, "--user", "alice"])
        .args(extra)
        .env_remove("ICS_PASSWORD")
        .env_remove("ICS_TARGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("ICS_PASSWORD", p);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).unwrap();
        let mut e = String::new();
        std::io::Read::read_to_string(&mut err, &mut e).unwrap();
        s + &e
    });
    let status = wait_bounded(&mut child);
    (status.code(), reader.join().unwrap())
}

#[test]
fn run_against_a_url_target_passes_and_skips_fault_injection_without_control() {
    let s = serve("run", true);
    let (code, out) = run_against(
        &s,
        &["--name", "bootstrap|waits at least BackoffTime"],
        Some("apass"),
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("lacks capability `fault-injection`"),
        "the busy scenario must be skipped with the reason: {out}"
    );
    let line = out
        .lines()
        .rfind(|l| l.starts_with("conformance: ") && l.contains(" passed, "))
        .unwrap();
    assert!(!line.starts_with("conformance: 0 passed"), "{line}");
    assert!(line.contains(" 0 failed"), "{line}");
}

#[test]
fn run_against_a_url_target_with_control_runs_fault_injection() {
    let s = serve("runctl", true);
    let control = format!("http://{}/control", s.control.unwrap());
    let (code, out) = run_against(
        &s,
        &[
            "--control",
            &control,
            "--name",
            "waits at least BackoffTime",
        ],
        Some("apass"),
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("conformance: 1 passed, 0 failed, 0 skipped"),
        "{out}"
    );
}

#[test]
fn run_against_a_url_target_needs_a_password_and_the_right_one() {
    let s = serve("runpw", false);
    let (code, out) = run_against(&s, &["--name", "bootstrap"], None);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("ICS_PASSWORD"), "{out}");
}

/// A wrong password is one error before any scenario runs, not a failure of each scenario.
#[test]
fn run_against_a_url_target_with_a_wrong_password_is_one_error_and_runs_nothing() {
    let s = serve("runwrongpw", false);
    let url = format!("http://{}/mapi/emsmdb/?MailboxId=alice@example.org", s.mapi);
    let (code, out) = run_against(&s, &[], Some("wrong"));
    assert_eq!(code, Some(2), "{out}");
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(
        lines,
        [format!(
            "error: target {url}: authentication refused (HTTP 401)"
        )],
        "{out}"
    );
    // Nothing ran: no scenario output, no summary line.
    assert!(
        !out.contains("Scenario") && !out.contains("passed"),
        "{out}"
    );
}

/// A host that refuses the connection is the same one error.
#[test]
fn run_against_an_unreachable_url_target_is_one_error() {
    // A port that was just free: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mapi/emsmdb/?MailboxId=alice@example.org");
    let mut child = Command::new(BIN)
        .args(["run", "--target", &url, "--user", "alice"])
        .env("ICS_PASSWORD", "apass")
        .env_remove("ICS_TARGET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_bounded(&mut child);
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut out).unwrap();
    assert_eq!(status.code(), Some(2), "{out}");
    assert_eq!(
        out.trim_end(),
        format!("error: target {url}: connection refused"),
        "{out}"
    );
}
