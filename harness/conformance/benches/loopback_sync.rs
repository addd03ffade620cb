//! `cargo bench -p ics-conformance --bench loopback_sync [-- SESSIONS MESSAGES] [--auth
//! SCHEME]`: SESSIONS (default 64) concurrent sessions over loopback MAPI/HTTP against
//! `ics-harness serve` (in process, its own runtime), each a full contents sync of MESSAGES
//! (default 1,000) messages with the reference client; prints wall time, throughput, the CPU
//! time of the process (utime + stime, Linux; what to compare on a loaded machine) and the
//! error count (must be 0). SCHEME is the HTTP authentication the server accepts and the
//! clients use: basic (default), ntlm or negotiate. Mailboxes are filled in process through
//! the same set-up ROPs before the clock starts.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ics_client::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_client::sync::rop_session::RopSession;
use ics_conformance::driver::Harness;
use ics_conformance::remote::{self, Account, RemoteConfig, TargetHandle};
use ics_conformance::serve::{Security, ServeOptions, mailbox_dn, spawn_background_with};
use ics_transport::AuthScheme;

/// Bound on the whole measured phase.
const LIMIT: Duration = Duration::from_secs(600);

fn main() -> ExitCode {
    let mut auth = AuthScheme::Basic;
    let mut args = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--auth" {
            auth = match it.next().as_deref().map(str::parse) {
                Some(Ok(s)) if s != AuthScheme::Auto => s,
                _ => {
                    eprintln!("loopback_sync: --auth takes basic, ntlm or negotiate");
                    return ExitCode::from(2);
                }
            };
        } else if let Ok(n) = a.parse::<usize>() {
            args.push(n);
        }
        // Anything else is what `cargo bench` passes to every bench (`--bench`).
    }
    let sessions = args.first().copied().unwrap_or(64);
    let messages = args.get(1).copied().unwrap_or(1000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The reference client is not Send: its sessions run concurrently on one thread of this
    // runtime (a LocalSet); the server has a runtime of its own with two workers.
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, bench(sessions, messages, auth))
}

/// CPU time of this process so far (utime + stime of /proc/self/stat), if readable.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

async fn bench(sessions: usize, messages: usize, auth: AuthScheme) -> ExitCode {
    let users: Vec<(String, String)> = (0..sessions)
        .map(|i| (format!("bench{i}"), format!("secret{i}")))
        .collect();
    let server = spawn_background_with(
        ServeOptions {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
            users: users.iter().cloned().collect(),
            control: None,
        },
        Security {
            auth: vec![auth],
            tls: None,
        },
        2,
    )
    .expect("server");
    // Fill each mailbox in process: one folder of `messages` messages.
    let fill = Instant::now();
    let mut folders = std::collections::HashMap::new();
    for (user, _) in &users {
        let mailbox = server.mailboxes.get(user).expect("mailbox");
        let mut h = Harness::on(TargetHandle::Reference(mailbox))
            .await
            .expect("set-up session");
        let fid = h.create_folder("root", "Bench").expect("folder");
        for _ in 0..messages {
            h.create_message("Bench", false, &[]).expect("message");
        }
        folders.insert(user.clone(), fid.to_u64_le());
    }
    eprintln!(
        "filled {sessions} mailboxes x {messages} messages in {:.1} s",
        fill.elapsed().as_secs_f64()
    );
    remote::configure(RemoteConfig {
        accounts: users
            .iter()
            .map(|(user, password)| Account {
                url: format!(
                    "http://{}/mapi/emsmdb/?MailboxId={user}@ics.invalid",
                    server.mapi
                ),
                user: user.clone(),
                password: password.clone(),
                mailbox_dn: mailbox_dn(user),
                extra_roots: Vec::new(),
                auth,
            })
            .collect(),
        control: None,
    });
    let start = Instant::now();
    let cpu_start = cpu_time();
    let mut tasks = Vec::new();
    for _ in 0..sessions {
        let folders = folders.clone();
        tasks.push(tokio::task::spawn_local(async move {
            let target = remote::open().await?;
            let fid = *folders
                .get(target.user().unwrap_or_default())
                .ok_or("no folder")?;
            let ops = RopSession::new(target.connect(None), &target.mailbox_dn());
            let replica = Replica::open_in_memory().map_err(|e| e.to_string())?;
            let mut client = Client::connect(ops, replica, SyncOptions::default())
                .await
                .map_err(|e| e.to_string())?;
            let report = client
                .sync_contents(fid, &CancelToken::new())
                .await
                .map_err(|e| e.to_string())?;
            let local = client
                .replica()
                .messages_in_fid(fid)
                .map_err(|e| e.to_string())?
                .len();
            drop(target);
            Ok::<_, String>((local, report.bytes, report.get_buffer_calls))
        }));
    }
    let (mut errors, mut synced, mut bytes, mut calls) = (0usize, 0usize, 0u64, 0u64);
    let deadline = tokio::time::Instant::now() + LIMIT;
    for t in tasks {
        match tokio::time::timeout_at(deadline, t).await {
            Ok(Ok(Ok((local, b, c)))) if local == messages => {
                synced += local;
                bytes += b;
                calls += c;
            }
            Ok(Ok(Ok((local, _, _)))) => {
                eprintln!("a session synced {local} of {messages} messages");
                errors += 1;
            }
            Ok(Ok(Err(e))) => {
                eprintln!("a session failed: {e}");
                errors += 1;
            }
            Ok(Err(e)) => {
                eprintln!("a session panicked: {e}");
                errors += 1;
            }
            Err(_) => {
                eprintln!("a session did not finish within {LIMIT:?}");
                errors += 1;
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = match (cpu_start, cpu_time()) {
        (Some(a), Some(b)) => {
            let c = (b - a).as_secs_f64();
            format!(
                "CPU {c:.2} s (client + server, {:.0} messages per CPU-second)",
                synced as f64 / c
            )
        }
        _ => "CPU n/a".into(),
    };
    println!(
        "loopback_sync ({}): {sessions} sessions x {messages} messages over MAPI/HTTP in {secs:.2} s: \
         {:.0} messages/s, {:.1} MB/s of FastTransfer stream, {calls} GetBuffer calls, {cpu}, {errors} errors",
        auth.token(),
        synced as f64 / secs,
        bytes as f64 / secs / 1e6,
    );
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
