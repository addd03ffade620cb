//! Typed download changes, independent of the wire.
//!
//! The sync engine turns a parsed FastTransfer stream ([MS-OXCFXICS] 2.2.4.2
//! `contentsSync` / `hierarchySync`) into these values; the replica applies
//! them ([`crate::replica::DownloadTxn`]). Keeping them separate lets the
//! apply rules of [MS-OXCSYNC] 3.1.5.3 be tested without any codec.

use ics_wire::prop::{PropTag, PropType, PropValue, PropertyName};

/// Synchronization type of a scope ([MS-OXCFXICS] 2.2.3.2.1.1.1 SynchronizationType).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyncType {
    /// 0x01: messages of one folder.
    Contents,
    /// 0x02: the folder tree below one folder.
    Hierarchy,
}

impl SyncType {
    /// The wire value.
    pub const fn code(self) -> u8 {
        match self {
            SyncType::Contents => 0x01,
            SyncType::Hierarchy => 0x02,
        }
    }
}

/// A synchronization scope ([MS-OXCFXICS] 3.3.5.5): the anchoring folder, the
/// synchronization type and the restriction. One ICS state is kept per scope
/// and is only ever reused with the identical scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    /// The server FID of the folder, as its PtypInteger64 value (`Fid::to_u64_le`).
    pub folder_fid: u64,
    /// Contents or hierarchy.
    pub sync_type: SyncType,
    /// RestrictionData as sent in RopSynchronizationConfigure (empty: none).
    pub restriction: Vec<u8>,
}

impl Scope {
    /// A contents scope without restriction.
    pub fn contents(folder_fid: u64) -> Self {
        Scope {
            folder_fid,
            sync_type: SyncType::Contents,
            restriction: Vec::new(),
        }
    }

    /// A hierarchy scope.
    pub fn hierarchy(folder_fid: u64) -> Self {
        Scope {
            folder_fid,
            sync_type: SyncType::Hierarchy,
            restriction: Vec::new(),
        }
    }
}

/// The four ICS state properties of a scope ([MS-OXCFXICS] 2.2.1.1), each the
/// serialized REPLGUID-form IDSET exactly as the server sent it. An empty
/// vector is the zero-length value of the empty-state bootstrap.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateBlobs {
    /// MetaTagIdsetGiven (0x40170003).
    pub idset_given: Vec<u8>,
    /// MetaTagCnsetSeen (0x67960102).
    pub cnset_seen: Vec<u8>,
    /// MetaTagCnsetSeenFAI (0x67DA0102), contents only.
    pub cnset_seen_fai: Vec<u8>,
    /// MetaTagCnsetRead (0x67D20102), contents only.
    pub cnset_read: Vec<u8>,
}

/// Which property: a tagged property by id, or a named property by name.
/// The type is not part of the key: a server may send a string as PtypString8
/// or PtypString ([MS-OXCFXICS] 3.2.5.9.1.1), and both replace each other.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PropKey {
    /// Property id below 0x8000.
    Id(u16),
    /// A named property ([MS-OXCDATA] 2.6.1).
    Named(PropertyName),
}

impl PropKey {
    /// The key of a tagged property (named ids need their name: use [`PropKey::Named`]).
    pub const fn of_tag(tag: PropTag) -> Self {
        PropKey::Id(tag.id())
    }
}

/// One property of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Prop {
    /// Which property.
    pub key: PropKey,
    /// Its value (the value carries its type).
    pub value: PropValue,
}

impl Prop {
    /// A tagged property.
    pub fn tagged(tag: PropTag, value: PropValue) -> Self {
        Prop {
            key: PropKey::of_tag(tag),
            value,
        }
    }

    /// The type of the value.
    pub fn prop_type(&self) -> PropType {
        self.value.prop_type()
    }
}

/// Recipients and attachments of a message ([MS-OXCFXICS] 2.2.4.3.12
/// messageChildren). `None` means the server did not send that subobject
/// kind (filtered out, R-046); `Some(vec![])` means "filtered in, none".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Children {
    /// Recipients, each a property list (PidTagRowid first).
    pub recipients: Option<Vec<Vec<Prop>>>,
    /// Attachments, each a property list (embedded messages are kept as
    /// attachment properties by the caller).
    pub attachments: Option<Vec<Vec<Prop>>>,
}

/// messageChangeHeader ([MS-OXCFXICS] 2.2.4.3.14).
#[derive(Clone, Debug, PartialEq)]
pub struct MessageHeader {
    /// PidTagSourceKey: the XID identifying the message (a 22-byte GID for
    /// server-made objects).
    pub source_key: Vec<u8>,
    /// PidTagLastModificationTime (FILETIME).
    pub last_modification_time: u64,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList (serialized PCL).
    pub pcl: Vec<u8>,
    /// PidTagAssociated: FAI.
    pub associated: bool,
    /// PidTagMid, present iff the Eid extra flag was honoured.
    pub mid: Option<u64>,
    /// PidTagChangeNumber, present iff the CN extra flag was honoured.
    pub cn: Option<u64>,
    /// PidTagMessageSize, present iff the MessageSize extra flag was honoured.
    pub message_size: Option<u32>,
}

/// A full message change: every property of the message ([MS-OXCSYNC] 3.1.5.3.2).
#[derive(Clone, Debug, PartialEq)]
pub struct MessageFull {
    /// The header.
    pub header: MessageHeader,
    /// The complete property list.
    pub props: Vec<Prop>,
    /// Recipients and attachments.
    pub children: Children,
}

/// A partial message change ([MS-OXCFXICS] 2.2.4.3.15, [MS-OXCSYNC] 3.1.5.3.4).
#[derive(Clone, Debug, PartialEq)]
pub struct MessagePartial {
    /// The header.
    pub header: MessageHeader,
    /// The property group mapping in force (MetaTagIncrSyncGroupId): for each
    /// group index, the properties that belong to the group.
    pub mapping: Vec<Vec<PropKey>>,
    /// The changed groups: (MetaTagIncrementalSyncMessagePartial value, the
    /// complete current content of the group). Index 0xFFFFFFFF introduces
    /// properties outside every group.
    pub groups: Vec<(u32, Vec<Prop>)>,
    /// Recipients and attachments (`None`: unchanged).
    pub children: Children,
}

/// Group index that introduces properties belonging to no group.
pub const NO_GROUP: u32 = 0xFFFF_FFFF;

/// Tag of the placeholder property of a changed but empty group:
/// PtypInteger32, property id 0.
pub const EMPTY_GROUP_PLACEHOLDER: PropTag = PropTag(0x0000_0003);

/// folderChange ([MS-OXCFXICS] 2.2.4.3.5).
#[derive(Clone, Debug, PartialEq)]
pub struct FolderChange {
    /// PidTagSourceKey.
    pub source_key: Vec<u8>,
    /// PidTagParentSourceKey; empty = child of the scope's root folder.
    pub parent_source_key: Vec<u8>,
    /// PidTagFolderId, iff Eid was set.
    pub fid: Option<u64>,
    /// PidTagLastModificationTime.
    pub last_modification_time: u64,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList.
    pub pcl: Vec<u8>,
    /// PidTagDisplayName (as text).
    pub display_name: String,
    /// All properties of the folder (replaced as a whole).
    pub props: Vec<Prop>,
}

/// Why objects disappear ([MS-OXCFXICS] 2.2.4.3.3 deletions). The stream does
/// not distinguish hard from soft deletions: both are MetaTagIdsetDeleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionKind {
    /// MetaTagIdsetDeleted: hard- or soft-deleted on the server.
    Deleted,
    /// MetaTagIdsetNoLongerInScope: left the restriction.
    NoLongerInScope,
    /// MetaTagIdsetExpired: expired public-folder message.
    Expired,
}

/// One object identified by its source key (GID bytes).
pub type SourceKey = Vec<u8>;

/// One change of a download, in stream order.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A folder created or changed (hierarchy sync).
    Folder(FolderChange),
    /// messageChangeFull.
    MessageFull(MessageFull),
    /// messageChangePartial.
    MessagePartial(MessagePartial),
    /// Objects to delete locally.
    Deletions {
        /// Which meta-property reported them.
        kind: DeletionKind,
        /// Source keys (GIDs) of the objects.
        ids: Vec<SourceKey>,
    },
    /// readStateChanges ([MS-OXCFXICS] 2.2.4.3.22).
    ReadState {
        /// MetaTagIdsetRead.
        read: Vec<SourceKey>,
        /// MetaTagIdsetUnread.
        unread: Vec<SourceKey>,
    },
    /// errorInfo ([MS-OXCFXICS] 2.2.4.3.4): the server could not send this item.
    ErrorInfo {
        /// ExtendedErrorInfo.ErrorCode.
        error_code: u32,
        /// FolderGID (None when all-zero).
        folder: Option<SourceKey>,
        /// MessageGID (None when all-zero).
        message: Option<SourceKey>,
    },
}

/// PidTagMessageFlags read bit (MSGFLAG_READ, [MS-OXCMSG] 2.2.1.6).
pub const MSGFLAG_READ: i32 = 0x0000_0001;
