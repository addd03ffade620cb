//! `ics-harness run`: the conformance suite (features/ against a target), with the options of
//! `ics_conformance::runner::RunOptions` and cucumber's (`ics-harness run --help`).

use std::process::ExitCode;

/// Everything after `run` goes to the suite's own parser, which knows cucumber's options.
#[derive(Debug, clap::Args)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Options of the run (`--target`, `--tags`, `--junit`, `--json`, `--report`, `--help`, ...).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
    pub args: Vec<String>,
}

/// Runs the suite; the exit code is failure if a scenario failed.
pub fn run(args: RunArgs) -> ExitCode {
    let argv = std::iter::once("ics-harness run".to_owned())
        .chain(args.args)
        .collect();
    ics_conformance::runner::run(argv)
}
