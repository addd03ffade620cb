//! RopId values ([MS-OXCROPS] 2.2.2; rops.md §3; transport.md §7.2).

macro_rules! rop_ids {
    ($($c:ident = $v:literal => $n:literal,)*) => {
        $(#[doc = concat!("RopId of ", $n, ".")] pub const $c: u8 = $v;)*

        /// The spec name of a RopId (`RopSynchronizationConfigure` ...), or
        /// `"unknown ROP"`.
        pub const fn rop_name(id: u8) -> &'static str {
            match id {
                $($v => $n,)*
                _ => "unknown ROP",
            }
        }
    };
}

rop_ids! {
    ROP_RELEASE = 0x01 => "RopRelease",
    ROP_OPEN_FOLDER = 0x02 => "RopOpenFolder",
    ROP_OPEN_MESSAGE = 0x03 => "RopOpenMessage",
    ROP_GET_HIERARCHY_TABLE = 0x04 => "RopGetHierarchyTable",
    ROP_GET_CONTENTS_TABLE = 0x05 => "RopGetContentsTable",
    ROP_CREATE_MESSAGE = 0x06 => "RopCreateMessage",
    ROP_GET_PROPERTIES_SPECIFIC = 0x07 => "RopGetPropertiesSpecific",
    ROP_GET_PROPERTIES_ALL = 0x08 => "RopGetPropertiesAll",
    ROP_SET_PROPERTIES = 0x0A => "RopSetProperties",
    ROP_DELETE_PROPERTIES = 0x0B => "RopDeleteProperties",
    ROP_SAVE_CHANGES_MESSAGE = 0x0C => "RopSaveChangesMessage",
    ROP_REMOVE_ALL_RECIPIENTS = 0x0D => "RopRemoveAllRecipients",
    ROP_MODIFY_RECIPIENTS = 0x0E => "RopModifyRecipients",
    ROP_READ_RECIPIENTS = 0x0F => "RopReadRecipients",
    ROP_SET_MESSAGE_READ_FLAG = 0x11 => "RopSetMessageReadFlag",
    ROP_SET_COLUMNS = 0x12 => "RopSetColumns",
    ROP_QUERY_ROWS = 0x15 => "RopQueryRows",
    ROP_CREATE_FOLDER = 0x1C => "RopCreateFolder",
    ROP_DELETE_FOLDER = 0x1D => "RopDeleteFolder",
    ROP_DELETE_MESSAGES = 0x1E => "RopDeleteMessages",
    ROP_GET_ATTACHMENT_TABLE = 0x21 => "RopGetAttachmentTable",
    ROP_OPEN_ATTACHMENT = 0x22 => "RopOpenAttachment",
    ROP_CREATE_ATTACHMENT = 0x23 => "RopCreateAttachment",
    ROP_DELETE_ATTACHMENT = 0x24 => "RopDeleteAttachment",
    ROP_SAVE_CHANGES_ATTACHMENT = 0x25 => "RopSaveChangesAttachment",
    ROP_MOVE_COPY_MESSAGES = 0x33 => "RopMoveCopyMessages",
    ROP_OPEN_EMBEDDED_MESSAGE = 0x46 => "RopOpenEmbeddedMessage",
    ROP_FAST_TRANSFER_SOURCE_COPY_MESSAGES = 0x4B => "RopFastTransferSourceCopyMessages",
    ROP_FAST_TRANSFER_SOURCE_COPY_FOLDER = 0x4C => "RopFastTransferSourceCopyFolder",
    ROP_FAST_TRANSFER_SOURCE_COPY_TO = 0x4D => "RopFastTransferSourceCopyTo",
    ROP_FAST_TRANSFER_SOURCE_GET_BUFFER = 0x4E => "RopFastTransferSourceGetBuffer",
    ROP_FAST_TRANSFER_DESTINATION_CONFIGURE = 0x53 => "RopFastTransferDestinationConfigure",
    ROP_FAST_TRANSFER_DESTINATION_PUT_BUFFER = 0x54 => "RopFastTransferDestinationPutBuffer",
    ROP_GET_PROPERTY_IDS_FROM_NAMES = 0x56 => "RopGetPropertyIdsFromNames",
    ROP_SET_READ_FLAGS = 0x66 => "RopSetReadFlags",
    ROP_FAST_TRANSFER_SOURCE_COPY_PROPERTIES = 0x69 => "RopFastTransferSourceCopyProperties",
    ROP_SYNCHRONIZATION_CONFIGURE = 0x70 => "RopSynchronizationConfigure",
    ROP_SYNCHRONIZATION_IMPORT_MESSAGE_CHANGE = 0x72 => "RopSynchronizationImportMessageChange",
    ROP_SYNCHRONIZATION_IMPORT_HIERARCHY_CHANGE = 0x73 => "RopSynchronizationImportHierarchyChange",
    ROP_SYNCHRONIZATION_IMPORT_DELETES = 0x74 => "RopSynchronizationImportDeletes",
    ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_BEGIN = 0x75 => "RopSynchronizationUploadStateStreamBegin",
    ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_CONTINUE = 0x76 => "RopSynchronizationUploadStateStreamContinue",
    ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_END = 0x77 => "RopSynchronizationUploadStateStreamEnd",
    ROP_SYNCHRONIZATION_IMPORT_MESSAGE_MOVE = 0x78 => "RopSynchronizationImportMessageMove",
    ROP_SYNCHRONIZATION_OPEN_COLLECTOR = 0x7E => "RopSynchronizationOpenCollector",
    ROP_GET_LOCAL_REPLICA_IDS = 0x7F => "RopGetLocalReplicaIds",
    ROP_SYNCHRONIZATION_IMPORT_READ_STATE_CHANGES = 0x80 => "RopSynchronizationImportReadStateChanges",
    ROP_SYNCHRONIZATION_GET_TRANSFER_STATE = 0x82 => "RopSynchronizationGetTransferState",
    ROP_TELL_VERSION = 0x86 => "RopTellVersion",
    ROP_HARD_DELETE_MESSAGES = 0x91 => "RopHardDeleteMessages",
    ROP_SET_LOCAL_REPLICA_MIDSET_DELETED = 0x93 => "RopSetLocalReplicaMidsetDeleted",
    ROP_FAST_TRANSFER_DESTINATION_PUT_BUFFER_EXTENDED = 0x9D => "RopFastTransferDestinationPutBufferExtended",
    ROP_BACKOFF = 0xF9 => "RopBackoff",
    ROP_LOGON = 0xFE => "RopLogon",
    ROP_BUFFER_TOO_SMALL = 0xFF => "RopBufferTooSmall",
}
