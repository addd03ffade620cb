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

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::idset::ReplGuidSet;
use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::state as st;
use ics_wire::{Gid, GlobCnt, ReplGuid};
use thiserror::Error;

use super::busy::{BusyEvent, BusyOutcome, BusyPolicy};
use super::cancel::CancelToken;
use super::checkpoint::{CheckpointError, Checkpointer};
use super::ids::ReplicaMap;
use super::ops::*;
use super::progress::{ProgressError, ProgressReport, ProgressTracker};
use super::stream::{DownloadStream, StreamDecodeError};
use crate::convert::{ConvertError, Converter};
use crate::error::ReplicaError;
use crate::model::{Change, MessageFull, Scope, StateBlobs, SyncType};
use crate::replica::{DownloadSummary, Replica};

mod folder_deletes;
mod hierarchy_upload;
mod no_parent;
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

fn state_props(ty: SyncType, for_upload_context: bool, s: &StateBlobs) -> Vec<(PropTag, &[u8])> {
    let mut v = Vec::with_capacity(4);
    // IdsetGiven is not uploaded into an upload context.
    if !for_upload_context {
        v.push((st::META_TAG_IDSET_GIVEN, s.idset_given.as_slice()));
    }
    v.push((st::META_TAG_CNSET_SEEN, s.cnset_seen.as_slice()));
    if ty == SyncType::Contents {
        v.push((st::META_TAG_CNSET_SEEN_FAI, s.cnset_seen_fai.as_slice()));
        v.push((st::META_TAG_CNSET_READ, s.cnset_read.as_slice()));
    }
    v
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

    /// Reserves IDs with RopGetLocalReplicaIds if the reserved ranges are
    /// mostly used; returns whether it did.
    pub async fn ensure_ids(&mut self) -> Result<bool, SyncError> {
        self.ensure_ids_for(1).await
    }

    /// Makes sure `needed` reserved IDs are at hand for new local objects:
    /// reserves a batch (larger if `needed` is) when fewer are left, or when
    /// the ranges are mostly used; never before (R-256, R-307, see
    /// [`super::ids::reservation_margin`]). Returns whether it reserved.
    pub async fn ensure_ids_for(&mut self, needed: u64) -> Result<bool, SyncError> {
        let (unused, _) = self.replica.reserved_ids()?;
        let margin = super::ids::reservation_margin(self.opts.id_min_unused, self.opts.id_batch);
        if unused >= needed && !self.replica.needs_id_reservation(margin)? {
            return Ok(false);
        }
        let short = u32::try_from(needed.saturating_sub(unused)).unwrap_or(u32::MAX);
        let count = self.opts.id_batch.max(short);
        let (g, first) = self
            .ops
            .get_local_replica_ids(self.logon.logon, count)
            .await?;
        self.replica.add_id_range(g, first, count)?;
        Ok(true)
    }

    /// Reports every reserved ID this replica will not use with
    /// RopSetLocalReplicaMidsetDeleted on folder `fid`, e.g.
    /// before abandoning the replica; the IDs are never handed out again.
    /// If the ROP fails the IDs stay given up locally (never reused, R-309).
    pub async fn release_unused_ids(&mut self, fid: u64) -> Result<u64, SyncError> {
        let ranges = self.replica.take_unused_ids()?;
        if ranges.is_empty() {
            return Ok(0);
        }
        let n = ranges
            .iter()
            .map(|(a, b)| b.globcnt.value() - a.globcnt.value() + 1)
            .sum();
        let folder = self.ops.open_folder(fid).await?;
        let r = self
            .ops
            .set_local_replica_midset_deleted(folder, &ranges)
            .await;
        let released = self.ops.release(folder).await;
        r?;
        released?;
        Ok(n)
    }

    /// Synchronizes the messages of a folder: upload first, then download.
    pub async fn sync_contents(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        self.sync_contents_scope(&Scope::contents(fid), cancel)
            .await
    }

    /// [`Client::sync_contents`] for a scope with a restriction
    /// (RestrictionData, [MS-OXCDATA] 2.12): its state is kept apart.
    pub async fn sync_contents_scope(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        let upload = self.upload_scope(scope).await?;
        let mut report = self.download(scope, cancel).await?;
        report.upload = upload;
        Ok(report)
    }

    /// Synchronizes the folder tree below a folder: local folder
    /// changes are uploaded first.
    pub async fn sync_hierarchy(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        let upload = self.upload_hierarchy(fid).await?;
        let mut report = self.download(&Scope::hierarchy(fid), cancel).await?;
        report.upload = upload;
        Ok(report)
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

    /// Uploads one state property after another: Begin, Continue in pieces
    /// (none for an empty value, R-123), End.
    async fn upload_state(
        &mut self,
        ctx: Obj,
        ty: SyncType,
        for_upload_context: bool,
        state: &StateBlobs,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let chunk = self.opts.state_chunk.max(1);
        for (tag, data) in state_props(ty, for_upload_context, state) {
            let size = u32::try_from(data.len())
                .map_err(|_| SyncError::BadState("state over 4 GiB".into()))?;
            self.ops.state_begin(ctx, tag, size).await?;
            let mut pieces = 0;
            for piece in data.chunks(chunk) {
                self.ops.state_continue(ctx, piece).await?;
                pieces += 1;
            }
            self.ops.state_end(ctx).await?;
            report.state_uploaded.push((tag, data.len(), pieces));
        }
        Ok(())
    }

    /// GetBuffer until Done, backing off on busy replies;
    /// the whole stream is parsed at the end (state and messageList roots).
    async fn read_stream(
        &mut self,
        ctx: Obj,
        kind: RootKind,
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<ft::Root, SyncError> {
        let mut stream = DownloadStream::new(kind);
        let mut getter = PortionGetter::default();
        while let Some(buffer) = getter
            .next(&mut self.ops, &self.opts, ctx, cancel, report)
            .await?
        {
            stream.feed(&buffer)?;
        }
        report.bytes += stream.bytes();
        Ok(stream.finish()?)
    }

    /// One download of `scope`, applied with its final state in one transaction.
    pub async fn download(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        self.download_observed(scope, cancel, &mut |_| {}).await
    }

    /// [`Client::download`], showing each message change to `observe` once it
    /// is applied (inside the download's transaction): a caller can cancel
    /// after so many messages.
    pub async fn download_observed(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<SyncReport, SyncError> {
        self.refuse_abandoned()?;
        let folder = self.ops.open_folder(scope.folder_fid).await?;
        let r = self.download_in(folder, scope, cancel, observe).await;
        // Owned objects are released before their owners; a broken
        // connection makes the release fail too, which changes nothing.
        let released = self.ops.release(folder).await;
        let report = r?;
        released?;
        Ok(report)
    }

    async fn download_in(
        &mut self,
        folder: Obj,
        scope: &Scope,
        cancel: &CancelToken,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let cfg = self.configure_for(scope);
        let ctx = self.ops.configure(folder, &cfg).await?;
        let r = async {
            let state = self.replica.state(scope)?;
            self.upload_state(ctx, scope.sync_type, false, &state, &mut report)
                .await?;
            self.stream_and_apply(ctx, scope, cancel, &mut report, observe)
                .await
        }
        .await;
        let released = self.ops.release(ctx).await;
        r?;
        released?;
        Ok(report)
    }

    /// Reads the download portion by portion and applies each top-level item
    /// as soon as it is complete ([MS-OXCFXICS] 3.3.5.9.1), inside the one
    /// replica transaction of this download; the final state is written and
    /// the transaction committed only after IncrSyncEnd. Any failure before
    /// that rolls everything back.
    async fn stream_and_apply(
        &mut self,
        ctx: Obj,
        scope: &Scope,
        cancel: &CancelToken,
        report: &mut SyncReport,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<(), SyncError> {
        let kind = match scope.sync_type {
            SyncType::Contents => RootKind::ContentsSync,
            SyncType::Hierarchy => RootKind::HierarchySync,
        };
        let Client {
            ops,
            replica,
            opts,
            map,
            ..
        } = self;
        let resolve = |b: &[u8]| map.resolve(b);
        let mut conv = Converter::new(&resolve);
        let mut reader = ft::SyncReader::new(kind).map_err(StreamDecodeError::from)?;
        let mut checkpoint = match opts.checkpoint_every {
            Some(n) => Some(Checkpointer::new(n, &replica.state(scope)?)?),
            None => None,
        };
        let mut txn = replica.begin_download(scope)?;
        let mut getter = PortionGetter::default();
        let mut final_state = None;
        let mut ended = false;
        while let Some(buffer) = getter.next(ops, opts, ctx, cancel, report).await? {
            report.bytes += buffer.len() as u64;
            for item in reader.feed(&buffer).map_err(StreamDecodeError::from)? {
                match item {
                    ft::SyncItem::ProgressTotal(p) => {
                        report.progress_total = p.progress_information().map(<[u8]>::to_vec);
                        getter.tracker.on_progress_total(&p)?;
                    }
                    ft::SyncItem::Change(ft::ContentsSyncItem::Change { change, progress }) => {
                        report.progress_per_message += u64::from(progress.is_some());
                        if let Some(p) = &progress {
                            getter.tracker.on_per_message(p)?;
                        }
                        let c = conv.message_change(&change)?;
                        if let Change::MessageFull(MessageFull { header: h, .. })
                        | Change::MessagePartial(crate::model::MessagePartial {
                            header: h,
                            ..
                        }) = &c
                        {
                            let n = &mut report.headers;
                            n.total += 1;
                            n.with_mid += u64::from(h.mid.is_some());
                            n.with_cn += u64::from(h.cn.is_some());
                            n.with_size += u64::from(h.message_size.is_some());
                        }
                        txn.apply(&c)?;
                        observe(&c);
                        if let Some(cp) = checkpoint.as_mut()
                            && let Change::MessageFull(MessageFull { header: h, .. })
                            | Change::MessagePartial(crate::model::MessagePartial {
                                header: h,
                                ..
                            }) = &c
                            && cp.note(h, map)?
                        {
                            // what was applied so far, with the state that covers it.
                            let part = txn.commit(&cp.state())?;
                            super::checkpoint::add_summary(&mut report.download, part);
                            report.checkpoints += 1;
                            txn = replica.begin_download(scope)?;
                        }
                    }
                    ft::SyncItem::Change(ft::ContentsSyncItem::Error(e)) => {
                        txn.apply(&conv.error_info(&e)?)?
                    }
                    ft::SyncItem::FolderChange(f) => txn.apply(&conv.folder_change(&f)?)?,
                    ft::SyncItem::Deletions(d) => {
                        for c in conv.deletions(&d)? {
                            txn.apply(&c)?;
                        }
                    }
                    ft::SyncItem::ReadStateChanges(r) => txn.apply(&conv.read_state(&r)?)?,
                    ft::SyncItem::State(s) => final_state = Some(crate::convert::state_blobs(&s)),
                    ft::SyncItem::End => ended = true,
                }
            }
        }
        reader.finish().map_err(StreamDecodeError::from)?;
        report.progress_report = getter.tracker.report();
        let state = match (ended, final_state) {
            (true, Some(s)) => s,
            _ => {
                return Err(SyncError::UnexpectedRoot(
                    "a stream without IncrSyncEnd and state",
                ));
            }
        };
        // The final state must decode before it replaces the old one.
        for b in [
            &state.idset_given,
            &state.cnset_seen,
            &state.cnset_seen_fai,
            &state.cnset_read,
        ] {
            decode_given(b)?;
        }
        let part = txn.commit(&state)?;
        super::checkpoint::add_summary(&mut report.download, part);
        Ok(())
    }

    /// Uploads the local changes of a folder through a contents collector
    /// then stores the new state with IdsetGiven merged back
    /// the imported IDs added and the deleted ones removed.
    pub async fn upload_contents(&mut self, fid: u64) -> Result<UploadReport, SyncError> {
        self.upload_scope(&Scope::contents(fid)).await
    }

    async fn upload_scope(&mut self, scope: &Scope) -> Result<UploadReport, SyncError> {
        self.refuse_abandoned()?;
        let fid = scope.folder_fid;
        let pending = self.replica.pending(fid)?;
        let moves = self.replica.pending_moves(fid)?;
        let mut up = UploadReport::default();
        if pending.changes.is_empty()
            && pending.deletes.is_empty()
            && pending.reads.is_empty()
            && moves.is_empty()
        {
            return Ok(up);
        }
        let folder = self.ops.open_folder(fid).await?;
        let coll = match self.ops.open_collector(folder, true).await {
            Ok(c) => c,
            Err(e) => {
                let _ = self.ops.release(folder).await;
                return Err(e.into());
            }
        };
        let r = self.upload_in(coll, scope, pending, &moves, &mut up).await;
        let rel1 = self.ops.release(coll).await;
        let rel2 = self.ops.release(folder).await;
        r?;
        rel1?;
        rel2?;
        Ok(up)
    }

    async fn upload_in(
        &mut self,
        coll: Obj,
        scope: &Scope,
        mut pending: crate::replica::Pending,
        moves: &[crate::replica::PendingMove],
        up: &mut UploadReport,
    ) -> Result<(), SyncError> {
        let mut report = SyncReport::default();
        let state = self.replica.state(scope)?;
        let with_state = self.opts.upload_state_before_import;
        if with_state {
            self.upload_state(coll, SyncType::Contents, true, &state, &mut report)
                .await?;
        }
        // Moves first; a message whose move failed keeps its changes for later.
        let not_moved = self.import_moves(coll, scope, moves, up).await?;
        pending
            .changes
            .retain(|m| !not_moved.contains(&m.source_key));
        let mut imported: Vec<Vec<u8>> = Vec::new();
        for kind in self.opts.import_order {
            match kind {
                ImportKind::Changes => {
                    self.import_changes(coll, scope, &pending, up, &mut imported)
                        .await?
                }
                ImportKind::Deletes if !pending.deletes.is_empty() => {
                    self.ops
                        .import_deletes(coll, self.opts.hard_delete, &pending.deletes)
                        .await?;
                    for sk in &pending.deletes {
                        self.replica.upload_done_delete(sk, Some(scope))?;
                    }
                    up.deletes += pending.deletes.len() as u64;
                }
                ImportKind::ReadStates if !pending.reads.is_empty() => {
                    self.ops.import_read_states(coll, &pending.reads).await?;
                    for (sk, _) in &pending.reads {
                        self.replica.upload_done_read(sk)?;
                    }
                    up.reads += pending.reads.len() as u64;
                }
                ImportKind::Deletes | ImportKind::ReadStates => {}
            }
        }
        // Nothing is outstanding on the collector: its state is a checkpoint
        // . Without a state upload it covers only this upload, so the
        // saved state is kept.
        let new = if with_state {
            let sctx = self.ops.get_transfer_state(coll).await?;
            let r = self
                .read_stream(sctx, RootKind::State, &CancelToken::new(), &mut report)
                .await;
            let released = self.ops.release(sctx).await;
            let root = r?;
            released?;
            let ft::Root::State(s) = root else {
                return Err(SyncError::UnexpectedRoot(root.kind().name()));
            };
            crate::convert::state_blobs(&s)
        } else {
            state
        };
        // IdsetGiven was kept up to date import by import; merge again for safety.
        let mut given = decode_given(&self.replica.state(scope)?.idset_given)?;
        for sk in &imported {
            if let Some(g) = gid_of(sk) {
                given.insert(g.replguid, g.globcnt);
            }
        }
        for sk in &pending.deletes {
            if let Some(g) = gid_of(sk) {
                given.remove(g.replguid, g.globcnt);
            }
        }
        let merged = StateBlobs {
            idset_given: given.encode_replguid(),
            cnset_seen: new.cnset_seen,
            cnset_seen_fai: new.cnset_seen_fai,
            cnset_read: new.cnset_read,
        };
        for b in [
            &merged.cnset_seen,
            &merged.cnset_seen_fai,
            &merged.cnset_read,
        ] {
            decode_given(b)?;
        }
        self.replica.set_state(scope, &merged)?;
        Ok(())
    }

    /// ImportMessageChange with the whole message for each local change
    /// . SyncIgnore and SyncObjectDeleted are not fatal: the
    /// change is done; SyncConflict leaves it for the download to resolve.
    async fn import_changes(
        &mut self,
        coll: Obj,
        scope: &Scope,
        pending: &crate::replica::Pending,
        up: &mut UploadReport,
        imported: &mut Vec<Vec<u8>>,
    ) -> Result<(), SyncError> {
        for m in &pending.changes {
            let header = ImportHeader {
                source_key: m.source_key.clone(),
                last_modification_time: m.last_modification_time,
                change_key: m.change_key.clone(),
                pcl: m.pcl.clone(),
                fail_on_conflict: self.opts.fail_on_conflict,
            };
            let mut props = m.props.clone();
            // The read state travels as PidTagMessageFlags with the message.
            props.retain(|p| p.key != crate::model::PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS));
            let flags = stored_flags(&m.props);
            let read_bit = if m.read {
                crate::model::MSGFLAG_READ
            } else {
                0
            };
            props.push(crate::model::Prop::tagged(
                tags::PID_TAG_MESSAGE_FLAGS,
                PropValue::I32((flags & !crate::model::MSGFLAG_READ) | read_bit),
            ));
            let children = crate::model::Children {
                recipients: Some(m.recipients.clone()),
                attachments: Some(m.attachments.clone()),
            };
            match self
                .ops
                .import_message(coll, m.fai, &header, &props, &children)
                .await?
            {
                ImportOutcome::Imported => {
                    up.imported += 1;
                    imported.push(m.source_key.clone());
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::Ignored => {
                    up.ignored += 1;
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::ObjectDeleted => {
                    // not fatal; the download reports the deletion.
                    up.object_deleted += 1;
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::Conflict => up.conflicts += 1,
                ImportOutcome::Failed(code) => up.failed.push((m.source_key.clone(), code)),
            }
        }
        Ok(())
    }

    /// Back-in-time detection ([MS-OXCSYNC] 3.1.3.1.1.1; ): a
    /// per-replica counter is kept with the replica and, on the server, in an
    /// FAI message of folder `fid` that this client owns. The server's value
    /// is read with RopFastTransferSourceCopyMessages (independent of the ICS
    /// state); it must equal the local one, else one side went back in time.
    /// Then the counter is incremented on both sides. Returns the new value.
    pub async fn check_back_in_time(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<u64, SyncError> {
        let local = self.replica.back_in_time_counter()?;
        let now = filetime_now();
        let sk = match self.replica.back_in_time_message()? {
            None => {
                self.ensure_ids().await?;
                let props = [
                    counter_prop(local),
                    crate::model::Prop::tagged(
                        tags::PID_TAG_MESSAGE_CLASS,
                        PropValue::unicode(COUNTER_CLASS),
                    ),
                ];
                let sk = self.replica.create_local_message(fid, true, &props, now)?;
                self.replica.set_back_in_time_message(&sk)?;
                sk
            }
            Some(sk) => {
                let server = self.read_counter(fid, &sk, cancel).await?;
                // A bump uploaded but never confirmed (cut connection) is not a rollback.
                let pending = self
                    .replica
                    .message(&sk)?
                    .filter(|m| m.local != 0)
                    .and_then(|m| counter_of(&m.props));
                match server {
                    Some(v) if v == local => {}
                    Some(v) if Some(v) == pending => self.replica.set_back_in_time_counter(v)?,
                    _ => return Err(SyncError::BackInTime { local, server }),
                }
                let next = self.replica.back_in_time_counter()? + 1;
                self.replica
                    .modify_local_message(&sk, &[counter_prop(next)], &[], now)?;
                sk
            }
        };
        self.upload_contents(fid).await?;
        let m = self
            .replica
            .message(&sk)?
            .ok_or_else(|| ReplicaError::UnknownMessage(crate::replica::hex(&sk)))?;
        if m.local == 0 {
            let v = counter_of(&m.props).unwrap_or(local);
            self.replica.set_back_in_time_counter(v)?;
        }
        self.replica.back_in_time_counter().map_err(Into::into)
    }

    async fn read_counter(
        &mut self,
        fid: u64,
        sk: &[u8],
        cancel: &CancelToken,
    ) -> Result<Option<u64>, SyncError> {
        let g = gid_of(sk)
            .ok_or_else(|| ReplicaError::Corrupt("counter source key is not a GID".into()))?;
        let replid = self.map.id(g.replguid).ok_or_else(|| {
            ReplicaError::Corrupt(format!("no REPLID for REPLGUID {}", g.replguid.0))
        })?;
        let mid = ics_wire::Mid::new(replid, g.globcnt).to_u64_le();
        let folder = self.ops.open_folder(fid).await?;
        let mut report = SyncReport::default();
        let r = async {
            let ctx = self
                .ops
                .copy_messages(folder, &[mid], COPY_SEND_ENTRY_ID, SEND_UNICODE)
                .await?;
            let r = self
                .read_stream(ctx, RootKind::MessageList, cancel, &mut report)
                .await;
            let released = self.ops.release(ctx).await;
            let root = r?;
            released?;
            Ok::<_, SyncError>(root)
        }
        .await;
        let released = self.ops.release(folder).await;
        let root = match r {
            Ok(root) => root,
            // The counter message is gone from the server (ecNotFound); any
            // other failure (e.g. CopyMessages unsupported) is not a verdict.
            Err(SyncError::Op(OpError::Rop {
                code: 0x8004_010F, ..
            })) => return Ok(None),
            Err(e) => return Err(e),
        };
        released?;
        let ft::Root::MessageList(list) = root else {
            return Err(SyncError::UnexpectedRoot(root.kind().name()));
        };
        Ok(list.items.iter().find_map(|i| match i {
            ft::MessageListItem::Message(m) => {
                let props: Vec<_> = m.content.props.iter().map(crate::convert::prop).collect();
                counter_of(&props)
            }
            _ => None,
        }))
    }

    /// Completes client headers into full items with
    /// RopFastTransferSourceCopyMessages and SendEntryId:
    /// each copied message replaces the stored header whose source key it
    /// carries. The ICS state is not changed.
    pub async fn complete_headers(
        &mut self,
        fid: u64,
        source_keys: &[Vec<u8>],
        cancel: &CancelToken,
    ) -> Result<u64, SyncError> {
        let mut mids = Vec::with_capacity(source_keys.len());
        for sk in source_keys {
            let m = self
                .replica
                .message(sk)?
                .ok_or_else(|| ReplicaError::UnknownMessage(crate::replica::hex(sk)))?;
            let g = gid_of(sk)
                .ok_or_else(|| ReplicaError::Corrupt("source key is not a GID".into()))?;
            let replid = self.map.id(g.replguid).ok_or_else(|| {
                ReplicaError::Corrupt(format!("no REPLID for REPLGUID {}", g.replguid.0))
            })?;
            mids.push(
                m.mid
                    .unwrap_or(ics_wire::Mid::new(replid, g.globcnt).to_u64_le()),
            );
        }
        let folder = self.ops.open_folder(fid).await?;
        let mut report = SyncReport::default();
        let r = async {
            let ctx = self
                .ops
                .copy_messages(folder, &mids, COPY_SEND_ENTRY_ID, SEND_UNICODE)
                .await?;
            let r = self
                .read_stream(ctx, RootKind::MessageList, cancel, &mut report)
                .await;
            let released = self.ops.release(ctx).await;
            let root = r?;
            released?;
            Ok::<_, SyncError>(root)
        }
        .await;
        let released = self.ops.release(folder).await;
        let root = r?;
        released?;
        let ft::Root::MessageList(list) = root else {
            return Err(SyncError::UnexpectedRoot(root.kind().name()));
        };
        let scope = Scope::contents(fid);
        let keep_state = self.replica.state(&scope)?;
        let mut txn = self.replica.begin_download(&scope)?;
        let mut n = 0;
        for item in &list.items {
            let ft::MessageListItem::Message(msg) = item else {
                continue;
            };
            let Some(full) = copied_message(msg)? else {
                continue;
            };
            txn.apply(&Change::MessageFull(full))?;
            n += 1;
        }
        txn.commit(&keep_state)?;
        Ok(n)
    }
}

fn stored_flags(props: &[crate::model::Prop]) -> i32 {
    props
        .iter()
        .find_map(|p| match (&p.key, &p.value) {
            (crate::model::PropKey::Id(id), PropValue::I32(f))
                if *id == tags::PID_TAG_MESSAGE_FLAGS.id() =>
            {
                Some(*f)
            }
            _ => None,
        })
        .unwrap_or(0)
}

/// A message of a CopyMessages stream with SendEntryId as a full change: the
/// identifying properties of R-040 become the header; the message is matched
/// by PidTagSourceKey, or by the message GID inside PidTagOriginalEntryId
/// (R-328, [MS-OXCDATA] 2.2.4.2 MessageEntryID: GID at offset 46).
fn copied_message(msg: &ft::Message) -> Result<Option<MessageFull>, SyncError> {
    let props = &msg.content.props;
    let get = |t: PropTag| {
        props
            .iter()
            .find(|p| p.tag.id() == t.id() && p.name.is_none())
            .map(|p| &p.value)
    };
    let source_key = match (
        get(tags::PID_TAG_SOURCE_KEY),
        get(tags::PID_TAG_ORIGINAL_ENTRY_ID),
    ) {
        (Some(PropValue::Binary(sk)), _) => sk.clone(),
        (_, Some(PropValue::Binary(eid))) if eid.len() >= 68 => eid[46..68].to_vec(),
        _ => return Ok(None),
    };
    let bin = |t| match get(t) {
        Some(PropValue::Binary(b)) => b.clone(),
        _ => Vec::new(),
    };
    let last_modification_time = match get(tags::PID_TAG_LAST_MODIFICATION_TIME) {
        Some(PropValue::Time(t)) => *t,
        _ => 0,
    };
    let identifying = [
        tags::PID_TAG_SOURCE_KEY,
        tags::PID_TAG_CHANGE_KEY,
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        tags::PID_TAG_ORIGINAL_ENTRY_ID,
        tags::PID_TAG_MID,
    ];
    let body: Vec<_> = props
        .iter()
        .filter(|p| p.name.is_some() || !identifying.iter().any(|t| t.id() == p.tag.id()))
        .map(crate::convert::prop)
        .collect();
    Ok(Some(MessageFull {
        header: crate::model::MessageHeader {
            source_key,
            last_modification_time,
            change_key: bin(tags::PID_TAG_CHANGE_KEY),
            pcl: bin(tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
            associated: msg.fai,
            mid: None,
            cn: None,
            message_size: None,
        },
        props: body,
        children: crate::convert::children(&msg.content.children, false)?,
    }))
}

/// PidTagMessageClass of the counter message.
pub const COUNTER_CLASS: &str = "IPM.Microsoft.ICS.ReplicaCounter";

/// The named property holding the back-in-time counter (a property set of this harness).
pub fn counter_name() -> ics_wire::prop::PropertyName {
    ics_wire::prop::PropertyName {
        guid: ics_wire::Guid::from_bytes(*b"ics-harness-bit\0"),
        kind: ics_wire::prop::NameKind::Name("ReplicaCounter".into()),
    }
}

fn counter_prop(v: u64) -> crate::model::Prop {
    crate::model::Prop {
        key: crate::model::PropKey::Named(counter_name()),
        value: PropValue::I64(v as i64),
    }
}

fn counter_of(props: &[crate::model::Prop]) -> Option<u64> {
    props.iter().find_map(|p| match (&p.key, &p.value) {
        (crate::model::PropKey::Named(n), PropValue::I64(v)) if *n == counter_name() => {
            Some(*v as u64)
        }
        _ => None,
    })
}

/// Now as a FILETIME (100 ns since 1601-01-01 UTC).
pub fn filetime_now() -> u64 {
    const EPOCH_DIFF: u64 = 116_444_736_000_000_000;
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    EPOCH_DIFF + d.as_nanos() as u64 / 100
}

/// The GetBuffer loop of one stream: data until Done, back-off on busy
/// replies, cancellation checked before every call.
#[derive(Debug, Default)]
struct PortionGetter {
    retry: u32,
    events: Vec<BusyEvent>,
    done: bool,
    /// BufferSize after a RopBufferTooSmall.
    fallback: Option<BufferSize>,
    /// When the first GetBuffer was sent.
    started: Option<std::time::Instant>,
    /// The progress of this stream.
    tracker: ProgressTracker,
    /// Partial / NoRoom responses in a row without a byte of data.
    empty: u32,
}

/// Partial or NoRoom responses in a row with an empty TransferBuffer after
/// which a stream is given up: the server makes no progress (e.g. an output
/// buffer too small for any data), and the client never loops for ever.
pub const MAX_EMPTY_PORTIONS: u32 = 64;

impl PortionGetter {
    /// The next TransferBuffer, or `None` after the Done portion.
    async fn next<O: IcsOps + Send>(
        &mut self,
        ops: &mut O,
        opts: &SyncOptions,
        ctx: Obj,
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<Option<Vec<u8>>, SyncError> {
        if self.done {
            return Ok(None);
        }
        let started = *self.started.get_or_insert_with(std::time::Instant::now);
        loop {
            if cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            match ops
                .get_buffer(ctx, self.fallback.unwrap_or(opts.buffer))
                .await?
            {
                GetBufferReply::Data {
                    status,
                    in_progress,
                    total_steps,
                    buffer,
                } => {
                    self.retry = 0;
                    self.events.clear();
                    report.get_buffer_calls += 1;
                    report.progress = Some((in_progress, total_steps));
                    self.tracker.on_get_buffer(
                        in_progress,
                        total_steps,
                        buffer.len(),
                        started.elapsed(),
                    );
                    match status {
                        TransferStatus::Done => self.done = true,
                        TransferStatus::Partial | TransferStatus::NoRoom if buffer.is_empty() => {
                            self.empty += 1;
                            if self.empty >= MAX_EMPTY_PORTIONS {
                                return Err(OpError::Protocol(format!(
                                    "no progress: {} GetBuffer responses in a row without data",
                                    self.empty
                                ))
                                .into());
                            }
                        }
                        TransferStatus::Partial | TransferStatus::NoRoom => self.empty = 0,
                        TransferStatus::Error => return Err(SyncError::TransferFailed { code: 0 }),
                        TransferStatus::Unknown(s) => {
                            return Err(
                                OpError::Protocol(format!("TransferStatus {s:#06x}")).into()
                            );
                        }
                    }
                    return Ok(Some(buffer));
                }
                GetBufferReply::Busy { code, backoff_ms } => {
                    self.retry += 1;
                    let outcome = opts
                        .busy
                        .back_off(code, backoff_ms, self.retry, cancel, &mut self.events)
                        .await;
                    report.busy.extend(self.events.last().cloned());
                    match outcome {
                        BusyOutcome::Retry => {}
                        BusyOutcome::Cancelled => return Err(SyncError::Cancelled),
                        o => {
                            return Err(SyncError::Busy {
                                outcome: o,
                                events: std::mem::take(&mut self.events),
                            });
                        }
                    }
                }
                GetBufferReply::Failed(EC_BUFFER_TOO_SMALL)
                    if self.fallback.is_none() && matches!(opts.buffer, BufferSize::Fixed(_)) =>
                {
                    // grow, i.e. let the server size the portions.
                    report.buffer_too_small += 1;
                    self.fallback = Some(BufferSize::Babe { max: 0xFFFF });
                }
                GetBufferReply::Failed(code) => return Err(SyncError::TransferFailed { code }),
            }
        }
    }
}
