//! `decode` for the idset codec.

use std::process::ExitCode;

use crate::cli::Common;

pub fn run_idset(common: &Common, replid: bool) -> ExitCode {
    let _ = (common, replid);
    super::fail("decode idset: not implemented yet")
}

pub fn run_globset(common: &Common) -> ExitCode {
    let _ = common;
    super::fail("decode globset: not implemented yet")
}
