//! `cargo test -p ics-conformance --test conformance [-- <options>]`: runs the Gherkin
//! features against the target (the in-process reference server by default) and ends with
//! the plain line `conformance: N passed, N failed, N skipped`. See `ics-harness run --help`
//! for the options; `@wip` scenarios are left out unless `--wip` or `--tags @wip`.
//! Compiled twice: as `conformance_loopback` it runs the same features over loopback MAPI/HTTP.

use std::process::ExitCode;

use ics_conformance::libtest::{Invocation, libtest_compat};

/// The `conformance_loopback` target (same source) runs the suite over loopback MAPI/HTTP
/// against `ics-harness serve` started in process (tooling.md 1.6, option 3).
fn with_default_target(mut args: Vec<String>) -> Vec<String> {
    let loopback = env!("CARGO_CRATE_NAME").ends_with("_loopback");
    let given = args
        .iter()
        .any(|a| a == "--target" || a.starts_with("--target="));
    if loopback && !given && std::env::var_os("ICS_TARGET").is_none() {
        args.splice(1..1, ["--target".to_owned(), "loopback".to_owned()]);
    }
    args
}

fn main() -> ExitCode {
    match libtest_compat(std::env::args()) {
        Invocation::Run(args) => ics_conformance::runner::run(with_default_target(args)),
        Invocation::Exit(message) => {
            if !message.is_empty() {
                println!("{message}");
            }
            ExitCode::SUCCESS
        }
    }
}
