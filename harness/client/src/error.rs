//! Error types of the replica and the sync engine.

use thiserror::Error;

/// Errors of the SQLite replica.
#[derive(Debug, Error)]
pub enum ReplicaError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored property value cannot be decoded (the database was altered).
    #[error("stored value of type {ptype:#06x} is corrupt: {why}")]
    CorruptValue {
        /// The stored type code.
        ptype: i64,
        /// What is wrong.
        why: &'static str,
    },
    /// A stored row violates the schema's invariants.
    #[error("replica row is corrupt: {0}")]
    Corrupt(String),
    /// The database was written by an unknown schema version.
    #[error("replica schema version {found} is not supported (expected {expected})")]
    SchemaVersion {
        /// Version in the file.
        found: i64,
        /// Version this code writes.
        expected: i64,
    },
    /// The fault hook stopped a download at a write point (tests only: it
    /// stands for a crash; the transaction is rolled back).
    #[error("injected crash at write point {point} ({what})")]
    InjectedCrash {
        /// 0-based write point.
        point: usize,
        /// The write about to happen.
        what: &'static str,
    },
    /// The replica belongs to another mailbox (R-270, R-271, [MS-OXCSYNC] 3.1.3.1.1.2).
    #[error("replica belongs to mailbox {replica}, the server logged on to {server}")]
    WrongMailbox {
        /// GUID stored with the replica.
        replica: ics_wire::Guid,
        /// GUID the logon returned.
        server: ics_wire::Guid,
    },
    /// The reserved ID ranges are used up ([MS-OXCFXICS] 3.3.5.2.1).
    #[error("no reserved IDs left: call RopGetLocalReplicaIds")]
    NoReservedIds,
    /// A folder the operation needs is not in the replica.
    #[error("folder {0} is not in the replica")]
    UnknownFolder(String),
    /// A message the operation needs is not in the replica.
    #[error("message {0} is not in the replica")]
    UnknownMessage(String),
    /// A local change the replica refuses (e.g. moving a folder below itself).
    #[error("local change refused: {0}")]
    InvalidLocalChange(String),
}
