//! `ics-server`: the sans-IO reference server of the ICS harness.
//!
//! * [`mailbox`]: the store — folders, messages (normal and FAI), named
//!   properties, identifiers, change numbers, PCLs, tombstones and read state,
//!   with changes indexed by change number ([MS-OXCFXICS] 3.1.5.3).
//! * [`ics`]: the ICS download engine — what changed since an ICS state, in
//!   which order, and the final state ([MS-OXCFXICS] 3.2.5.3) — with the
//!   invariant checker of idset.md §14.5 and a model replica for tests.
//! * [`session`]: one connection. [`session::Session::execute`] takes a ROP
//!   request buffer (RopSize, RopsList, handle table) and returns the
//!   response buffer; a control API beside the ROPs sets the behaviour
//!   [`session::profile::Profile`] and injects faults
//!   ([`session::profile::Faults`]: busy GetBuffer answers, cut connections;
//!   [`mailbox::Mailbox::set_unreadable`] for errorInfo).
//!
//! ```ignore
//! let mut s = Session::new(Mailbox::default(), Profile::default());
//! let inbox = s.special_folders()[4];
//! s.mailbox_mut().create_message(inbox, false, MessageContent::default())?;
//! let response: Vec<u8> = s.execute(&request_bytes)?;
//! ```
//!
//! No sockets, no async, no `unsafe`: callers hand in requests and get
//! responses back.
#![forbid(unsafe_code)]

pub mod clock;
pub mod ics;
pub mod mailbox;
pub mod session;
pub mod sets;
