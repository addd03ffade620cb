//! `decode` for the rop codec.

use std::path::Path;
use std::process::ExitCode;

use crate::cli::Common;

pub fn run_request(common: &Common) -> ExitCode {
    let _ = common;
    super::fail("decode rop-request: not implemented yet")
}

pub fn run_response(common: &Common, request: &Path) -> ExitCode {
    let _ = (common, request);
    super::fail("decode rop-response: not implemented yet")
}
