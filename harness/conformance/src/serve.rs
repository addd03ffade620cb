//! `ics-harness serve`: the reference server over MAPI/HTTP (see `ics_conformance::serve`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use ics_conformance::serve::{ServeOptions, Server};

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
        let server = match Server::bind(ServeOptions {
            listen: args.listen,
            users,
            control: args.control,
        })
        .await
        {
            Ok(s) => s,
            Err(e) => {
                eprintln!("serve: {e}");
                return ExitCode::from(2);
            }
        };
        let shutdown = shutdown_signal();
        if let Some(a) = server.mapi_addr() {
            println!("serve: MAPI/HTTP on http://{a}/mapi/emsmdb/ ({n} users)");
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
