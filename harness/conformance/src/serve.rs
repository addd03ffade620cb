//! `ics-harness serve`: the reference server over MAPI/HTTP (see `ics_conformance::serve`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use ics_conformance::serve::{Security, ServeOptions, Server};
use ics_transport::{AuthScheme, ServerTls};

/// Options of `ics-harness serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address of the MAPI/HTTP endpoint (`/mapi/emsmdb/`); port 0 picks a free one.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: SocketAddr,
    /// Users file: one `user:password` per line (`#` comments); one mailbox per user.
    #[arg(long, value_name = "FILE")]
    pub users: PathBuf,
    /// Address of the fault-injection control endpoint (loopback only).
    #[arg(long, value_name = "ADDR:PORT")]
    pub control: Option<SocketAddr>,
    /// Accepted HTTP authentication schemes, comma-separated: basic, ntlm, negotiate (SPNEGO
    /// carrying NTLM). NTLM and Negotiate authenticate the connection against the users file.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "basic"
    )]
    pub auth: Vec<AuthScheme>,
    /// Serve https with this certificate chain (PEM; the server's certificate first).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

/// The schemes and TLS configuration of the options; `Err` is a one-line reason.
fn security(args: &ServeArgs) -> Result<Security, String> {
    if args.auth.contains(&AuthScheme::Auto) {
        return Err("--auth: `auto` is for clients; list basic, ntlm and/or negotiate".into());
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &PathBuf| {
                std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
            };
            let (cert_pem, key_pem) = (read(cert)?, read(key)?);
            Some(
                ServerTls::from_pem(&cert_pem, &key_pem)
                    .map_err(|e| format!("{} / {}: {e}", cert.display(), key.display()))?,
            )
        }
        _ => None,
    };
    Ok(Security {
        auth: args.auth.clone(),
        tls,
    })
}

/// Serves until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.users) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("serve: cannot read {}: {e}", args.users.display());
            return ExitCode::from(2);
        }
    };
    let users = match ics_transport::parse_users(&text) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("serve: {}: {e}", args.users.display());
            return ExitCode::from(2);
        }
    };
    let n = users.len();
    let security = match security(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("serve: {e}");
            return ExitCode::from(2);
        }
    };
    let scheme = if security.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let schemes: Vec<String> = args.auth.iter().map(ToString::to_string).collect();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("serve: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async move {
        let options = ServeOptions {
            listen: args.listen,
            users,
            control: args.control,
        };
        let server = match Server::bind_with(options, security).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("serve: {e}");
                return ExitCode::from(2);
            }
        };
        let shutdown = shutdown_signal();
        if let Some(a) = server.mapi_addr() {
            println!(
                "serve: MAPI/HTTP on {scheme}://{a}/mapi/emsmdb/ ({n} users; auth {})",
                schemes.join(", ")
            );
        }
        if let Some(a) = server.control_addr() {
            println!("serve: control on http://{a}/control");
        }
        server.run(shutdown).await;
        println!("serve: stopped");
        ExitCode::SUCCESS
    })
}

/// Ctrl-C, or SIGTERM on Unix. The handlers are registered when this is called (before the
/// endpoints are announced), so a signal sent right after the announcement is not lost.
fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
