//! `ics-server`: the sans-IO reference server of the ICS harness.
//!
//! * [`mailbox`]: the store — folders, messages (normal and FAI), named
//!   properties, identifiers, change numbers, PCLs, tombstones and read state,
//!   with changes indexed by change number ([MS-OXCFXICS] 3.1.5.3).
//! * [`ics`]: the ICS download engine — what changed since an ICS state, in
//!   which order, and the final state ([MS-OXCFXICS] 3.2.5.3).
//!
//! No sockets, no async, no `unsafe`: callers hand in requests and get
//! responses back.
#![forbid(unsafe_code)]

pub mod clock;
pub mod ics;
pub mod mailbox;
pub mod session;
pub mod sets;
