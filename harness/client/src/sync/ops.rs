//! The server operations the sync engine needs, one method per ROP (or per
//! short fixed ROP sequence). [`super::rop_session`] implements them with
//! ROP buffers over a [`crate::transport::RopTransport`]; tests may implement
//! them directly. The engine holds the protocol duties (order of ROPs, state
//! upload, back-off, what is persisted when); an implementation only moves
//! requests and responses.

use std::future::Future;

use ics_wire::prop::PropTag;
use ics_wire::{GlobCnt, Guid, ReplGuid, ReplId};
use thiserror::Error;

use crate::model::{Children, Prop, SyncType};
use crate::transport::TransportError;

/// A server object (an index into the implementation's handle table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Obj(pub u32);

/// What RopLogon returned that the client keeps ([MS-OXCSTOR] 2.2.1.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogonInfo {
    /// The logon object.
    pub logon: Obj,
    /// MailboxGuid: identifies the mailbox.
    pub mailbox_guid: Guid,
    /// ReplId of the logon.
    pub replid: ReplId,
    /// ReplGuid of the logon.
    pub replguid: ReplGuid,
    /// FolderIds (13 FIDs, PtypInteger64 form), Mailbox Root first.
    pub folder_ids: Vec<u64>,
}

/// RopSynchronizationConfigure parameters ([MS-OXCFXICS] 2.2.3.2.1.1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Configure {
    /// Contents or hierarchy.
    pub sync_type: SyncType,
    /// SendOptions.
    pub send_options: u8,
    /// SynchronizationFlags.
    pub sync_flags: u16,
    /// RestrictionData (contents only; empty: none).
    pub restriction: Vec<u8>,
    /// SynchronizationExtraFlags.
    pub extra_flags: u32,
    /// PropertyTags (include list with OnlySpecifiedProperties, else exclude list).
    pub property_tags: Vec<PropTag>,
}

/// BufferSize of RopFastTransferSourceGetBuffer ([MS-OXCFXICS] 3.3.5.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferSize {
    /// 0xBABE: the server decides, up to MaximumBufferSize.
    Babe {
        /// MaximumBufferSize.
        max: u16,
    },
    /// An explicit size (R-049: at least 15480 unless prepared to grow).
    Fixed(u16),
}

/// TransferStatus of a GetBuffer reply ([MS-OXCFXICS] 2.2.3.1.1.5.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferStatus {
    /// 0x0000.
    Error,
    /// 0x0001: more follows.
    Partial,
    /// 0x0002: more follows (Exchange 2003/2007).
    NoRoom,
    /// 0x0003: the last portion.
    Done,
    /// Any other value.
    Unknown(u16),
}

/// One RopFastTransferSourceGetBuffer reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GetBufferReply {
    /// ReturnValue 0: a portion of the stream.
    Data {
        /// TransferStatus.
        status: TransferStatus,
        /// InProgressCount.
        in_progress: u16,
        /// TotalStepCount.
        total_steps: u16,
        /// TransferBuffer.
        buffer: Vec<u8>,
    },
    /// 0x00000480 (or the legacy 0x8004010B): retry after the back-off (R-054, note D-1).
    Busy {
        /// The ReturnValue.
        code: u32,
        /// BackoffTime in milliseconds, when present.
        backoff_ms: Option<u32>,
    },
    /// Any other ReturnValue. RopBufferTooSmall in place of the response
    /// is reported as 0x0000047D ecBufferTooSmall, the code
    /// Exchange gives the same situation as a ROP failure.
    Failed(u32),
}

/// ecBufferTooSmall.
pub const EC_BUFFER_TOO_SMALL: u32 = 0x0000_047D;

/// The header values of RopSynchronizationImportMessageChange:
/// SourceKey, LastModificationTime, ChangeKey, PCL.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportHeader {
    /// PidTagSourceKey.
    pub source_key: Vec<u8>,
    /// PidTagLastModificationTime.
    pub last_modification_time: u64,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList.
    pub pcl: Vec<u8>,
    /// ImportFlag FailOnConflict (0x40): the server refuses a conflicting
    /// version with SyncConflict instead of resolving it, so the
    /// client resolves the conflict itself on the next download.
    pub fail_on_conflict: bool,
}

/// Outcome of importing one change ([MS-OXCFXICS] 3.3.4.3.3; ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// Success.
    Imported,
    /// SyncIgnore 0x80040801: the server has this or a newer version.
    Ignored,
    /// SyncObjectDeleted 0x80040800: deleted on the server.
    ObjectDeleted,
    /// SyncConflict 0x80040802.
    Conflict,
    /// Another ReturnValue.
    Failed(u32),
}

/// The values of RopSynchronizationImportHierarchyChange: the six
/// HierarchyValues in their fixed order, and the PropertyValues.
#[derive(Clone, Debug, PartialEq)]
pub struct HierarchyImport {
    /// PidTagParentSourceKey; zero-length for the collector's folder.
    pub parent_source_key: Vec<u8>,
    /// PidTagSourceKey.
    pub source_key: Vec<u8>,
    /// PidTagLastModificationTime.
    pub last_modification_time: u64,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList.
    pub pcl: Vec<u8>,
    /// PidTagDisplayName (non-empty).
    pub display_name: String,
    /// PropertyValues: the other folder properties (PropertyValueCount ≠ 0, R-213).
    pub props: Vec<Prop>,
}

/// The fields of RopSynchronizationImportMessageMove ([MS-OXCFXICS]
/// 2.2.3.2.4.4.1, R-218: none of them empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoveImport {
    /// SourceFolderId: PidTagSourceKey (GID) of the source folder.
    pub source_folder_key: Vec<u8>,
    /// SourceMessageId: GID of the message in the source folder.
    pub source_message_key: Vec<u8>,
    /// PredecessorChangeList of the version moved.
    pub pcl: Vec<u8>,
    /// DestinationMessageId: GID of the message in the destination folder.
    pub destination_message_key: Vec<u8>,
    /// ChangeNumber: the XID that is the destination message's PidTagChangeKey.
    pub change_key: Vec<u8>,
}

/// Outcome of RopSynchronizationImportMessageMove ([MS-OXCFXICS] 2.2.3.2.4.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveOutcome {
    /// Success (MessageId 0, R-209).
    Moved,
    /// SyncClientChangeNewer 0x00040821: moved, but the server had an older
    /// version, and ChangeNumber and PCL were not applied.
    ClientChangeNewer,
    /// SyncObjectDeleted 0x80040800: the source message is gone.
    ObjectDeleted,
    /// Another ReturnValue.
    Failed(u32),
}

/// Failures of an operation.
#[derive(Debug, Error)]
pub enum OpError {
    /// The ROP failed with a ReturnValue the engine does not handle there.
    #[error("{rop} failed with {code:#010x}")]
    Rop {
        /// The ROP.
        rop: &'static str,
        /// ReturnValue.
        code: u32,
    },
    /// Below the ROP layer.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A ROP buffer could not be built or parsed.
    #[error("ROP codec: {0}")]
    Codec(String),
    /// The server answered something other than what was asked.
    #[error("protocol: {0}")]
    Protocol(String),
}

/// The operations, one per ROP or fixed ROP sequence.
pub trait IcsOps {
    /// The server version the connection reported ([`RopTransport::server_version`]).
    ///
    /// [`RopTransport::server_version`]: crate::transport::RopTransport::server_version
    fn server_version(&self) -> Option<crate::transport::ServerVersion> {
        None
    }

    /// RopLogon to the user's private mailbox.
    fn logon(&mut self) -> impl Future<Output = Result<LogonInfo, OpError>> + Send;

    /// RopOpenFolder.
    fn open_folder(&mut self, fid: u64) -> impl Future<Output = Result<Obj, OpError>> + Send;

    /// RopRelease (no response, R-007).
    fn release(&mut self, obj: Obj) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationConfigure: a synchronization download context.
    fn configure(
        &mut self,
        folder: Obj,
        cfg: &Configure,
    ) -> impl Future<Output = Result<Obj, OpError>> + Send;

    /// RopSynchronizationUploadStateStreamBegin.
    fn state_begin(
        &mut self,
        ctx: Obj,
        tag: PropTag,
        size: u32,
    ) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationUploadStateStreamContinue (`data` is never empty, R-123).
    fn state_continue(
        &mut self,
        ctx: Obj,
        data: &[u8],
    ) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationUploadStateStreamEnd.
    fn state_end(&mut self, ctx: Obj) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopFastTransferSourceGetBuffer.
    fn get_buffer(
        &mut self,
        ctx: Obj,
        size: BufferSize,
    ) -> impl Future<Output = Result<GetBufferReply, OpError>> + Send;

    /// RopSynchronizationGetTransferState: a FastTransfer context whose stream root is `state`.
    fn get_transfer_state(&mut self, ctx: Obj)
    -> impl Future<Output = Result<Obj, OpError>> + Send;

    /// RopSynchronizationOpenCollector.
    fn open_collector(
        &mut self,
        folder: Obj,
        contents: bool,
    ) -> impl Future<Output = Result<Obj, OpError>> + Send;

    /// RopSynchronizationImportMessageChange, then the message content
    /// the whole message), RopSaveChangesMessage and RopRelease
    /// of the message.
    fn import_message(
        &mut self,
        collector: Obj,
        fai: bool,
        header: &ImportHeader,
        props: &[Prop],
        children: &Children,
    ) -> impl Future<Output = Result<ImportOutcome, OpError>> + Send;

    /// RopSynchronizationImportDeletes of messages (GIDs, R-222).
    fn import_deletes(
        &mut self,
        collector: Obj,
        hard: bool,
        source_keys: &[Vec<u8>],
    ) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationImportReadStateChanges.
    fn import_read_states(
        &mut self,
        collector: Obj,
        states: &[(Vec<u8>, bool)],
    ) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationImportHierarchyChange on a hierarchy collector
    /// SyncNoParent 0x80040803 comes back as `Failed`.
    fn import_hierarchy_change(
        &mut self,
        collector: Obj,
        change: &HierarchyImport,
    ) -> impl Future<Output = Result<ImportOutcome, OpError>> + Send;

    /// RopSynchronizationImportDeletes of folders (ImportDeleteFlags
    /// Hierarchy, GIDs, R-222) on a hierarchy collector: each folder goes
    /// with its subtree ([MS-OXCFXICS] 3.2.5.9.4.5).
    fn import_folder_deletes(
        &mut self,
        collector: Obj,
        hard: bool,
        source_keys: &[Vec<u8>],
    ) -> impl Future<Output = Result<(), OpError>> + Send;

    /// RopSynchronizationImportMessageMove on the destination folder's
    /// contents collector.
    fn import_message_move(
        &mut self,
        collector: Obj,
        mv: &MoveImport,
    ) -> impl Future<Output = Result<MoveOutcome, OpError>> + Send;

    /// RopGetLocalReplicaIds: the first ID of `count` reserved IDs.
    fn get_local_replica_ids(
        &mut self,
        logon: Obj,
        count: u32,
    ) -> impl Future<Output = Result<(ReplGuid, GlobCnt), OpError>> + Send;

    /// RopFastTransferSourceCopyMessages with the given CopyFlags (SendEntryId
    /// 0x20 for header completion, R-327): a FastTransfer download context
    /// whose root is `messageList`.
    fn copy_messages(
        &mut self,
        folder: Obj,
        mids: &[u64],
        copy_flags: u8,
        send_options: u8,
    ) -> impl Future<Output = Result<Obj, OpError>> + Send;

    /// RopSetLocalReplicaMidsetDeleted: the GID ranges (inclusive) of reserved
    /// IDs that will never be used in this folder.
    fn set_local_replica_midset_deleted(
        &mut self,
        folder: Obj,
        ranges: &[(ics_wire::Gid, ics_wire::Gid)],
    ) -> impl Future<Output = Result<(), OpError>> + Send;
}
