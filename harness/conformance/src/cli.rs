//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Conformance test harness and codec toolbox for Exchange Incremental Change
/// Synchronization ([MS-OXCFXICS], [MS-OXCSYNC]).
#[derive(Debug, Parser)]
#[command(name = "ics-harness", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decode a file holding one protocol structure and print it.
    Decode(DecodeArgs),
    /// Run the conformance features against a target and report what conforms.
    Run(crate::run::RunArgs),
    /// Serve the reference server over MAPI/HTTP (one mailbox per user).
    Serve(crate::serve::ServeArgs),
}

#[derive(Debug, Args)]
pub struct DecodeArgs {
    #[command(subcommand)]
    pub what: DecodeWhat,
}

/// Options shared by every decoder.
#[derive(Debug, Args)]
pub struct Common {
    /// File to decode (raw bytes).
    pub file: PathBuf,
    /// Print JSON instead of the readable text form.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DecodeWhat {
    /// A serialized IDSET ([MS-OXCFXICS] 2.2.2.4), REPLGUID form unless --replid.
    Idset {
        /// The IDSET is in the REPLID form (2.2.2.4.1).
        #[arg(long)]
        replid: bool,
        #[command(flatten)]
        common: Common,
    },
    /// A bare GLOBSET ([MS-OXCFXICS] 2.2.2.6).
    Globset {
        #[command(flatten)]
        common: Common,
    },
    /// A FastTransfer stream ([MS-OXCFXICS] 2.2.4).
    Ftstream {
        /// Print the syntactic tree instead of the lexical elements.
        #[arg(long)]
        tree: bool,
        #[command(flatten)]
        common: Common,
    },
    /// A ROP request buffer ([MS-OXCROPS] 2.2.1).
    RopRequest {
        #[command(flatten)]
        common: Common,
    },
    /// A ROP response buffer; decoding needs the request it answers.
    RopResponse {
        /// The ROP request buffer this response answers.
        #[arg(long)]
        request: PathBuf,
        #[command(flatten)]
        common: Common,
    },
}
