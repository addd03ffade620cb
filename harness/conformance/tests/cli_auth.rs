//! `ics-harness serve --auth ntlm,negotiate --tls-cert --tls-key` and `ics-harness run --auth`
//! against it, both the built binary on 127.0.0.1: scenarios pass over https with NTLM and
//! Negotiate; a wrong password, a bad certificate file or bad TLS files are one line each.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ics-harness");
const WAIT: Duration = Duration::from_secs(60);

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ics-auth-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Served {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's exit status within [`WAIT`] (killed after it).
fn wait_bounded(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("no exit within {WAIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Output (stdout then stderr) and exit code of `ics-harness ARGS` with `env`.
fn harness(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("ICS_PASSWORD")
        .env_remove("ICS_TARGET")
        .env_remove("ICS_AUTH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
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

/// `serve` over https (a fresh self-signed certificate for `localhost`) accepting NTLM and
/// Negotiate; the certificate's PEM is `cert.pem` in the served directory.
fn serve(tag: &str) -> Served {
    let dir = TempDir::new(tag);
    let users = dir.write("users", b"alice:apass\nbob:bpass\n");
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.write("cert.pem", ck.cert.pem().as_bytes());
    let key = dir.write("key.pem", ck.signing_key.serialize_pem().as_bytes());
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--auth",
            "ntlm,negotiate",
            "--users",
        ])
        .arg(&users)
        .arg("--tls-cert")
        .arg(&cert)
        .arg("--tls-key")
        .arg(&key)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = lines
        .recv_timeout(WAIT)
        .expect("serve announces its endpoint");
    let port = line
        .split_once("MAPI/HTTP on https://127.0.0.1:")
        .and_then(|(_, r)| r.split('/').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no https endpoint in {line:?}"));
    assert!(line.contains("auth ntlm, negotiate"), "{line}");
    Served { child, port, dir }
}

fn url(s: &Served) -> String {
    format!(
        "https://localhost:{}/mapi/emsmdb/?MailboxId=alice@example.org",
        s.port
    )
}

fn run(s: &Served, auth: &str, ca_cert: &Path, password: &str) -> (Option<i32>, String) {
    let ca = ca_cert.to_str().unwrap();
    harness(
        &[
            "run",
            "--target",
            &url(s),
            "--user",
            "alice",
            "--auth",
            auth,
            "--ca-cert",
            ca,
            "--name",
            "bootstrap",
        ],
        &[("ICS_PASSWORD", password)],
    )
}

#[test]
fn run_passes_over_https_with_ntlm_negotiate_and_auto() {
    let s = serve("pass");
    let cert = s.dir.0.join("cert.pem");
    for auth in ["ntlm", "negotiate", "auto"] {
        let (code, out) = run(&s, auth, &cert, "apass");
        assert_eq!(code, Some(0), "{auth}: {out}");
        let line = out
            .lines()
            .rfind(|l| l.starts_with("conformance: ") && l.contains(" passed, "))
            .unwrap_or_else(|| panic!("{auth}: no closing line: {out}"));
        assert!(!line.starts_with("conformance: 0 passed"), "{auth}: {line}");
        assert!(line.contains(" 0 failed"), "{auth}: {line}");
    }
}

#[test]
fn wrong_password_and_wrong_scheme_are_one_line() {
    let s = serve("wrong");
    let cert = s.dir.0.join("cert.pem");
    for auth in ["ntlm", "negotiate"] {
        let (code, out) = run(&s, auth, &cert, "bpass");
        assert_eq!(code, Some(2), "{out}");
        let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(
            lines,
            [format!(
                "error: target {}: authentication refused (HTTP 401)",
                url(&s)
            )],
            "{auth}"
        );
    }
    let (code, out) = run(&s, "basic", &cert, "apass");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.trim()
            .ends_with("the server offers Negotiate, NTLM, not basic (see --auth)"),
        "{out}"
    );
}

#[test]
fn bad_certificate_files_are_one_line() {
    let s = serve("badcert");
    // Not a certificate: refused before connecting.
    let junk = s.dir.write("junk.pem", b"hello");
    let (code, out) = run(&s, "ntlm", &junk, "apass");
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("--ca-cert") && out.contains("neither PEM nor a DER"),
        "{out}"
    );
    // A well-formed certificate that did not sign the server's: the TLS handshake fails.
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let other = s.dir.write("other.der", other.cert.der());
    let (code, out) = run(&s, "ntlm", &other, "apass");
    assert_eq!(code, Some(2), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("TLS: handshake"), "{out}");
}

#[test]
fn serve_refuses_bad_tls_files_and_auto() {
    let dir = TempDir::new("servebad");
    let users = dir.write("users", b"alice:apass\n");
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert = dir.write("cert.pem", ck.cert.pem().as_bytes());
    let (users, cert) = (users.to_str().unwrap(), cert.to_str().unwrap());
    let base = ["serve", "--listen", "127.0.0.1:0", "--users", users];
    // The certificate given as its own key.
    let (code, out) = harness(
        &[&base[..], &["--tls-cert", cert, "--tls-key", cert]].concat(),
        &[],
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("no PEM private key"), "{out}");
    // --tls-cert without --tls-key is a usage error.
    let (code, out) = harness(&[&base[..], &["--tls-cert", cert]].concat(), &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("--tls-key"), "{out}");
    let (code, out) = harness(&[&base[..], &["--auth", "auto"]].concat(), &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("`auto` is for clients"), "{out}");
}
