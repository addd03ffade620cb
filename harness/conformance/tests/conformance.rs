//! `cargo test -p ics-conformance --test conformance [-- <options>]`: runs the Gherkin
//! features against the target (the in-process reference server by default) and ends with
//! the plain line `conformance: N passed, N failed, N skipped`. See `ics-harness run --help`
//! for the options; `@wip` scenarios are left out unless `--wip` or `--tags @wip`.

use std::process::ExitCode;

use ics_conformance::libtest::{Invocation, libtest_compat};

fn main() -> ExitCode {
    match libtest_compat(std::env::args()) {
        Invocation::Run(args) => ics_conformance::runner::run(args),
        Invocation::Exit(message) => {
            if !message.is_empty() {
                println!("{message}");
            }
            ExitCode::SUCCESS
        }
    }
}
