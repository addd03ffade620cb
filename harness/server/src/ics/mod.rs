//! The ICS engine: download planning and production, the state it works on,
//! and the invariants every download must keep ([MS-OXCFXICS] 3.2.5.3):
//! [`invariants::check`] (idset.md §14.5, I1–I11) and
//! [`invariants::check_no_hidden_changes`] (R-135: CNSET collapsing may
//! cover any CN — FAI CNs in CnsetSeen included — except a change in scope
//! the client was not sent).

pub mod download;
mod expired;
pub mod invariants;
pub mod materialize;
pub mod options;
pub mod replica;
pub mod restriction;
pub mod state;

pub use download::{
    ChangeBody, Download, DownloadError, Element, FolderChange, MessageChange, ProgressTotal,
};
pub use options::{StringForm, SyncKind, SyncOptions};
pub use restriction::{RelOp, Restriction};
pub use state::SyncState;
