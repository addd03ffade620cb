//! The sync engine: the client duties of [MS-OXCSYNC] 3.1 and [MS-OXCFXICS]
//! 3.3 over an [`IcsOps`] implementation.
//!
//! * Logon: the replica is bound to the mailbox GUID and refuses another
//!   mailbox.
//! * Download: open folder, RopSynchronizationConfigure, upload the
//!   persisted state property by property in pieces (empty on the first
//!   sync, R-136, R-121, R-123), GetBuffer until Done with back-off on
//!   busy replies, then apply every change and the final state in
//!   one replica transaction. Nothing is applied before the stream
//!   is complete, so a cancel or a lost connection leaves the old replica
//!   and the old state; the next sync converges.
//! * Upload before download: ImportMessageChange with the whole
//!   message, ImportDeletes, ImportReadStateChanges, then the new state via
//!   GetTransferState when nothing is outstanding, with
//!   IdsetGiven kept out of the upload context and merged back.
//!   The import order is an option (any order is allowed, R-231), and so is
//!   the state upload (without it the saved state is kept, R-139). SyncIgnore
//!   and SyncObjectDeleted count as done.
//! * Local folder changes go up through a hierarchy collector parents first
//!   local message moves through the destination's contents
//!   collector before its other imports: see
//!   `engine/hierarchy_upload.rs`.
//! * IDs for local objects come from ranges reserved with
//!   RopGetLocalReplicaIds, reserved again only when mostly used.

use ics_wire::idset::ReplGuidSet;
use ics_wire::prop::PropTag;
use ics_wire::{Gid, GlobCnt, ReplGuid};
use thiserror::Error;

use super::busy::{BusyEvent, BusyOutcome, BusyPolicy};
use super::checkpoint::CheckpointError;
use super::ids::ReplicaMap;
use super::ops::*;
use super::progress::{ProgressError, ProgressReport};
use super::stream::StreamDecodeError;
use crate::convert::ConvertError;
use crate::error::ReplicaError;
use crate::model::{Scope, SyncType};
use crate::replica::{DownloadSummary, Replica};

mod back_in_time;
mod download;
mod folder_deletes;
mod headers;
mod hierarchy_upload;
mod local_ids;
mod no_parent;
mod upload;
pub use back_in_time::{COUNTER_CLASS, counter_name};
pub use download::MAX_EMPTY_PORTIONS;
pub use hierarchy_upload::SYNC_NO_PARENT;

/// SendOptions Unicode ([MS-OXCFXICS] 2.2.3.1.1.1.1).
pub const SEND_UNICODE: u8 = 0x01;
/// SendOptions RecoverMode.
pub const SEND_RECOVER_MODE: u8 = 0x04;
/// SendOptions PartialItem.
pub const SEND_PARTIAL_ITEM: u8 = 0x10;
/// SynchronizationFlags Unicode ([MS-OXCFXICS] 2.2.3.2.1.1.1).
pub const SYNC_UNICODE: u16 = 0x0001;
/// SynchronizationFlags ReadState.
pub const SYNC_READ_STATE: u16 = 0x0008;
/// SynchronizationFlags FAI.
pub const SYNC_FAI: u16 = 0x0010;
/// SynchronizationFlags Normal.
pub const SYNC_NORMAL: u16 = 0x0020;
/// SynchronizationFlags OnlySpecifiedProperties.
pub const SYNC_ONLY_SPECIFIED: u16 = 0x0080;
/// SynchronizationFlags Progress.
pub const SYNC_PROGRESS: u16 = 0x8000;
/// SynchronizationFlags NoForeignIdentifiers.
pub const SYNC_NO_FOREIGN_IDS: u16 = 0x0100;
/// SynchronizationExtraFlags Eid.
pub const EXTRA_EID: u32 = 0x0000_0001;
/// SynchronizationExtraFlags CN.
pub const EXTRA_CN: u32 = 0x0000_0004;
/// CopyFlags SendEntryId of RopFastTransferSourceCopyMessages.
pub const COPY_SEND_ENTRY_ID: u8 = 0x20;

/// How the client syncs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncOptions {
    /// GetBuffer BufferSize (0xBABE recommended, R-049).
    pub buffer: BufferSize,
    /// Busy back-off.
    pub busy: BusyPolicy,
    /// Bytes per RopSynchronizationUploadStateStreamContinue.
    pub state_chunk: usize,
    /// SendOptions RecoverMode.
    pub recover_mode: bool,
    /// SendOptions PartialItem.
    pub partial_item: bool,
    /// SynchronizationFlags ReadState.
    pub read_state: bool,
    /// SynchronizationFlags FAI.
    pub fai: bool,
    /// SynchronizationFlags Normal.
    pub normal: bool,
    /// Client headers: only these properties (OnlySpecifiedProperties, R-326).
    pub only_specified: Option<Vec<PropTag>>,
    /// SynchronizationExtraFlags.
    pub extra_flags: u32,
    /// IdCount of RopGetLocalReplicaIds (recommended 0x200..=0x10000, R-256).
    pub id_batch: u32,
    /// Reserve again when fewer IDs than this are left (at most a quarter of
    /// `id_batch`, so that most of a batch is used first, R-307).
    pub id_min_unused: u64,
    /// ImportDeletes HardDelete.
    pub hard_delete: bool,
    /// SynchronizationFlags Progress (progressTotal / progressPerMessage).
    pub progress: bool,
    /// Bits OR-ed into SendOptions as sent (probes of ).
    pub send_options_extra: u8,
    /// Bits OR-ed into SynchronizationFlags as sent (probes of ).
    pub sync_flags_extra: u16,
    /// Import with FailOnConflict: conflicts are resolved by this client
    /// (last writer wins, loser kept and linked, R-340) rather than by the server.
    pub fail_on_conflict: bool,
    /// Client-side checkpoints ([MS-OXCFXICS] 3.3.5.6, R-198): every this many
    /// message changes, what was applied is committed with a state built from
    /// the headers' PidTagMid and PidTagChangeNumber (needs the Eid and CN
    /// extra flags), so an aborted download resumes from there.
    pub checkpoint_every: Option<u32>,
    /// Upload the saved state into the collector before importing, and take
    /// the collector's state afterwards ([MS-OXCFXICS] 3.3.4.3.3). Without
    /// it the saved state stays as it was (IdsetGiven still gains
    /// the imported IDs), so uploaded changes may come down once more.
    pub upload_state_before_import: bool,
    /// The order of the import ROPs on the collector; any order is allowed
    /// (3.3.4.3.3.2, R-231). Each kind is sent once, in this order.
    pub import_order: [ImportKind; 3],
}

/// A kind of import ROP of a contents upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// RopSynchronizationImportMessageChange (one per changed message).
    Changes,
    /// RopSynchronizationImportDeletes.
    Deletes,
    /// RopSynchronizationImportReadStateChanges.
    ReadStates,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions {
            buffer: BufferSize::Babe { max: 0xFFFF },
            busy: BusyPolicy::default(),
            state_chunk: 30_000,
            recover_mode: true,
            partial_item: true,
            read_state: true,
            fai: true,
            normal: true,
            only_specified: None,
            extra_flags: EXTRA_EID | EXTRA_CN,
            id_batch: 0x200,
            id_min_unused: 16,
            hard_delete: false,
            progress: false,
            send_options_extra: 0,
            sync_flags_extra: 0,
            fail_on_conflict: true,
            checkpoint_every: None,
            upload_state_before_import: true,
            import_order: [
                ImportKind::Changes,
                ImportKind::Deletes,
                ImportKind::ReadStates,
            ],
        }
    }
}

/// What an upload did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Changes the server accepted.
    pub imported: u64,
    /// Changes the server already had (SyncIgnore).
    pub ignored: u64,
    /// Changes of objects deleted on the server (SyncObjectDeleted).
    pub object_deleted: u64,
    /// Changes refused as conflicts (resolved on the next download).
    pub conflicts: u64,
    /// Changes that failed with another code: (source key, code); retried next time.
    pub failed: Vec<(Vec<u8>, u32)>,
    /// Deletions uploaded.
    pub deletes: u64,
    /// Read-state changes uploaded.
    pub reads: u64,
    /// Message moves uploaded (ImportMessageMove succeeded).
    pub moves: u64,
    /// Ancestors uploaded again because a folder change got SyncNoParent.
    pub parents_reuploaded: u64,
}

/// What one sync did, including what the conformance suite reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The upload that ran first.
    pub upload: UploadReport,
    /// The download applied.
    pub download: DownloadSummary,
    /// Busy replies seen and the waits taken.
    pub busy: Vec<BusyEvent>,
    /// GetBuffer calls answered with data.
    pub get_buffer_calls: u64,
    /// Stream bytes received.
    pub bytes: u64,
    /// Last InProgressCount / TotalStepCount seen.
    pub progress: Option<(u16, u16)>,
    /// State uploaded: (property tag, bytes, Continue calls).
    pub state_uploaded: Vec<(PropTag, usize, usize)>,
    /// progressTotal's ProgressInformation bytes, when the server sent it.
    pub progress_total: Option<Vec<u8>>,
    /// progressPerMessage elements seen.
    pub progress_per_message: u64,
    /// Message change headers seen, and how many carried PidTagMid,
    /// PidTagChangeNumber, PidTagMessageSize: what the client sees of the
    /// extra flags the server honoured.
    pub headers: HeaderCounts,
    /// RopBufferTooSmall / ecBufferTooSmall answers to GetBuffer; the client
    /// then lets the server size the buffers (0xBABE, R-049).
    pub buffer_too_small: u32,
    /// Client-side checkpoints committed during the download.
    pub checkpoints: u64,
    /// The progress of the download: message counts from the progress
    /// elements, GetBuffer steps and an estimate.
    pub progress_report: ProgressReport,
}

/// Counts of message change headers by the optional properties they carry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderCounts {
    /// Message changes (full and partial).
    pub total: u64,
    /// With PidTagMid (Eid).
    pub with_mid: u64,
    /// With PidTagChangeNumber (CN).
    pub with_cn: u64,
    /// With PidTagMessageSize (MessageSize).
    pub with_size: u64,
}

/// Why a sync stopped. In every case the replica keeps its previous content
/// and state for the scope.
#[derive(Debug, Error)]
pub enum SyncError {
    /// A ROP failed or the transport broke.
    #[error(transparent)]
    Op(#[from] OpError),
    /// The replica failed.
    #[error(transparent)]
    Replica(#[from] ReplicaError),
    /// The stream could not be read.
    #[error(transparent)]
    Stream(#[from] StreamDecodeError),
    /// The stream's elements break a rule the client relies on.
    #[error(transparent)]
    Convert(#[from] ConvertError),
    /// Cancelled by the caller.
    #[error("cancelled")]
    Cancelled,
    /// The server stayed busy.
    #[error("server busy: {outcome:?} after {} busy replies", events.len())]
    Busy {
        /// Why the client gave up.
        outcome: BusyOutcome,
        /// The busy replies of this GetBuffer.
        events: Vec<BusyEvent>,
    },
    /// GetBuffer returned an error, or TransferStatus Error.
    #[error("GetBuffer failed with {code:#010x}")]
    TransferFailed {
        /// ReturnValue (0 with TransferStatus Error).
        code: u32,
    },
    /// The stream root is not the one the operation produces.
    #[error("unexpected stream root {0}")]
    UnexpectedRoot(&'static str),
    /// Back in time ([MS-OXCSYNC] 3.1.3.1.1.1, R-269, R-312): the replica's
    /// counter differs from the one kept on the server, so one side was
    /// restored from a backup and IDs may be reused: abandon the replica.
    #[error("back in time: replica counter {local}, server counter {server:?}")]
    BackInTime {
        /// Counter kept with the replica.
        local: u64,
        /// Counter found on the server (None: the counter message is gone).
        server: Option<u64>,
    },
    /// The state returned by the server does not decode.
    #[error("state from the server: {0}")]
    BadState(String),
    /// A client-side checkpoint cannot be built.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The replica was abandoned (after a back-in-time detection, R-269):
    /// it never synchronizes again.
    #[error("the replica was abandoned: {0}")]
    Abandoned(String),
    /// A progress element is malformed ([MS-OXCFXICS] 2.2.2.7, 2.2.4.3.18).
    #[error(transparent)]
    Progress(#[from] ProgressError),
}

/// A connected client: the replica and the server operations.
#[derive(Debug)]
pub struct Client<O: IcsOps> {
    ops: O,
    replica: Replica,
    opts: SyncOptions,
    logon: LogonInfo,
    map: ReplicaMap,
}

fn decode_given(b: &[u8]) -> Result<ReplGuidSet, SyncError> {
    if b.is_empty() {
        return Ok(ReplGuidSet::new());
    }
    ReplGuidSet::decode_replguid(b).map_err(|e| SyncError::BadState(e.to_string()))
}

fn gid_of(sk: &[u8]) -> Option<Gid> {
    let b: [u8; 22] = sk.try_into().ok()?;
    Some(Gid {
        replguid: ReplGuid(ics_wire::Guid::from_bytes(b[..16].try_into().ok()?)),
        globcnt: GlobCnt::from_bytes(b[16..].try_into().ok()?),
    })
}

impl<O: IcsOps + Send> Client<O> {
    /// Logs on and checks that the replica belongs to this mailbox (R-270,
    /// ); a new replica is bound to it.
    pub async fn connect(
        mut ops: O,
        mut replica: Replica,
        opts: SyncOptions,
    ) -> Result<Self, SyncError> {
        let logon = ops.logon().await?;
        replica.bind_mailbox(logon.mailbox_guid)?;
        let map = ReplicaMap::new(logon.replid, logon.replguid);
        Ok(Client {
            ops,
            replica,
            opts,
            logon,
            map,
        })
    }

    /// Logs on again after a lost connection (every handle is gone) and
    /// compares the mailbox GUID again (R-271: after each RopLogon).
    pub async fn reconnect(&mut self) -> Result<(), SyncError> {
        let logon = self.ops.logon().await?;
        self.replica.bind_mailbox(logon.mailbox_guid)?;
        self.map.insert(logon.replid, logon.replguid);
        self.logon = logon;
        Ok(())
    }

    /// The replica.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// The replica, for local changes.
    pub fn replica_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }

    /// The server operations (tests reach the transport through them).
    pub fn ops_mut(&mut self) -> &mut O {
        &mut self.ops
    }

    /// What RopLogon returned.
    pub fn logon_info(&self) -> &LogonInfo {
        &self.logon
    }

    /// The options.
    pub fn options_mut(&mut self) -> &mut SyncOptions {
        &mut self.opts
    }

    /// Ends the session, giving back the parts.
    pub fn into_parts(self) -> (O, Replica) {
        (self.ops, self.replica)
    }

    fn configure_for(&self, scope: &Scope) -> Configure {
        let o = &self.opts;
        match scope.sync_type {
            SyncType::Contents => {
                let mut send = SEND_UNICODE;
                if o.recover_mode {
                    send |= SEND_RECOVER_MODE;
                }
                // only from a server of major version 8 or later (unknown: as set).
                let version = self.ops.server_version();
                if o.partial_item && version.is_none_or(|v| v.supports_partial_item()) {
                    send |= SEND_PARTIAL_ITEM;
                }
                let mut flags = SYNC_UNICODE | SYNC_NO_FOREIGN_IDS;
                for (on, f) in [
                    (o.read_state, SYNC_READ_STATE),
                    (o.fai, SYNC_FAI),
                    (o.normal, SYNC_NORMAL),
                    (o.progress, SYNC_PROGRESS),
                ] {
                    if on {
                        flags |= f;
                    }
                }
                let tags = match &o.only_specified {
                    Some(t) => {
                        flags |= SYNC_ONLY_SPECIFIED;
                        t.clone()
                    }
                    None => Vec::new(),
                };
                Configure {
                    sync_type: SyncType::Contents,
                    send_options: send | o.send_options_extra,
                    sync_flags: flags | o.sync_flags_extra,
                    restriction: scope.restriction.clone(),
                    extra_flags: o.extra_flags,
                    property_tags: tags,
                }
            }
            SyncType::Hierarchy => Configure {
                sync_type: SyncType::Hierarchy,
                send_options: SEND_UNICODE | o.send_options_extra,
                sync_flags: SYNC_UNICODE | SYNC_NO_FOREIGN_IDS | o.sync_flags_extra,
                restriction: Vec::new(),
                // MessageSize/CN/OrderByDeliveryTime are contents-only.
                extra_flags: o.extra_flags & EXTRA_EID,
                property_tags: Vec::new(),
            },
        }
    }
}

/// Now as a FILETIME (100 ns since 1601-01-01 UTC).
pub fn filetime_now() -> u64 {
    const EPOCH_DIFF: u64 = 116_444_736_000_000_000;
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    EPOCH_DIFF + d.as_nanos() as u64 / 100
}
