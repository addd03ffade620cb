//! `decode` for the ftstream codec.

use std::process::ExitCode;

use crate::cli::Common;

pub fn run(common: &Common, tree: bool) -> ExitCode {
    let _ = (common, tree);
    super::fail("decode ftstream: not implemented yet")
}
