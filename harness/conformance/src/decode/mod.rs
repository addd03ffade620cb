//! `ics-harness decode ...`: print a decoded structure, or one error line
//! (offset and reason) on stderr with exit status 1.

use std::process::ExitCode;

use crate::cli::{DecodeArgs, DecodeWhat};

mod ftstream;
mod idset;
mod rop;

pub fn run(args: DecodeArgs) -> ExitCode {
    match args.what {
        DecodeWhat::Idset { replid, common } => idset::run_idset(&common, replid),
        DecodeWhat::Globset { common } => idset::run_globset(&common),
        DecodeWhat::Ftstream { tree, common } => ftstream::run(&common, tree),
        DecodeWhat::RopRequest { common } => rop::run_request(&common),
        DecodeWhat::RopResponse { request, common } => rop::run_response(&common, &request),
    }
}

/// Reads the input file, or prints the error and returns exit status 1.
pub(crate) fn read_input(path: &std::path::Path) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        ExitCode::FAILURE
    })
}

/// Prints one error line and returns exit status 1.
pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}
