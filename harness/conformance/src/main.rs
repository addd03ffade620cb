//! `ics-harness`: conformance harness and codec toolbox for Exchange ICS.
#![forbid(unsafe_code)]

mod cli;
mod decode;
mod run;
mod serve;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        cli::Command::Decode(args) => decode::run(args),
        cli::Command::Run(args) => run::run(args),
        cli::Command::Serve(args) => serve::run(args),
    }
}
