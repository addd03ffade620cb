//! Typed syntactic tree of a FastTransfer stream ([MS-OXCFXICS] 2.2.4.2,
//! spec digest `ftstream.md` §5). One type per grammar rule; the parser
//! (`parse`) builds it, the producer (`produce`) writes it back.
//!
//! PropLists are kept as `Vec<FtProp>` in stream order. ICS state, deletions
//! and read-state properties keep their IDSET bytes raw (decode them with the
//! IDSET codec). Offsets are not part of the tree, so that a tree built by
//! hand and the tree parsed from its produced bytes compare equal.

use crate::ftstream::element::FtProp;
use crate::ftstream::markers::ics_tags;
use crate::prop::PropTag;

/// A propList (`*propValue`): ordinary properties in stream order.
pub type PropList = Vec<FtProp>;

/// Which root element a stream holds; the ROP that produced it decides
/// (2.2.4.4, spec digest §8).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
pub enum RootKind {
    /// RopSynchronizationConfigure, SynchronizationType Contents.
    ContentsSync,
    /// RopSynchronizationConfigure, SynchronizationType Hierarchy.
    HierarchySync,
    /// RopSynchronizationGetTransferState.
    State,
    /// CopyTo / CopyProperties on a folder.
    FolderContent,
    /// CopyTo / CopyProperties on a message.
    MessageContent,
    /// CopyTo / CopyProperties on an attachment.
    AttachmentContent,
    /// RopFastTransferSourceCopyMessages.
    MessageList,
    /// RopFastTransferSourceCopyFolder.
    TopFolder,
}

impl RootKind {
    /// The grammar name (`contentsSync` ...).
    pub const fn name(self) -> &'static str {
        match self {
            RootKind::ContentsSync => "contentsSync",
            RootKind::HierarchySync => "hierarchySync",
            RootKind::State => "state",
            RootKind::FolderContent => "folderContent",
            RootKind::MessageContent => "messageContent",
            RootKind::AttachmentContent => "attachmentContent",
            RootKind::MessageList => "messageList",
            RootKind::TopFolder => "topFolder",
        }
    }

    /// From the grammar name.
    pub fn from_name(s: &str) -> Option<Self> {
        [
            RootKind::ContentsSync,
            RootKind::HierarchySync,
            RootKind::State,
            RootKind::FolderContent,
            RootKind::MessageContent,
            RootKind::AttachmentContent,
            RootKind::MessageList,
            RootKind::TopFolder,
        ]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(s))
    }
}

/// `root` (2.2.4.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Root {
    /// `contentsSync`.
    ContentsSync(ContentsSync),
    /// `hierarchySync`.
    HierarchySync(HierarchySync),
    /// `state`.
    State(State),
    /// `folderContent`.
    FolderContent(FolderContent),
    /// `messageContent`.
    MessageContent(MessageContent),
    /// `attachmentContent`.
    AttachmentContent(AttachmentContent),
    /// `messageList`.
    MessageList(MessageList),
    /// `topFolder`.
    TopFolder(TopFolder),
}

impl Root {
    /// Which root this is.
    pub fn kind(&self) -> RootKind {
        match self {
            Root::ContentsSync(_) => RootKind::ContentsSync,
            Root::HierarchySync(_) => RootKind::HierarchySync,
            Root::State(_) => RootKind::State,
            Root::FolderContent(_) => RootKind::FolderContent,
            Root::MessageContent(_) => RootKind::MessageContent,
            Root::AttachmentContent(_) => RootKind::AttachmentContent,
            Root::MessageList(_) => RootKind::MessageList,
            Root::TopFolder(_) => RootKind::TopFolder,
        }
    }
}

// ---------------------------------------------------------------- ICS download

/// `contentsSync = [progressTotal] *( [progressPerMessage] messageChange )
/// [deletions] [readStateChanges] state IncrSyncEnd` (2.2.4.3.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ContentsSync {
    /// `progressTotal`.
    pub progress_total: Option<ProgressTotal>,
    /// Message changes in stream order, with any `errorInfo` met between them
    /// (RecoverMode: the parser unwinds to here, 2.2.4.3.4).
    pub changes: Vec<ContentsSyncItem>,
    /// `deletions`.
    pub deletions: Option<Deletions>,
    /// `readStateChanges`.
    pub read_state_changes: Option<ReadStateChanges>,
    /// The final ICS `state`.
    pub state: State,
}

/// One step of the contentsSync change loop.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum ContentsSyncItem {
    /// `[progressPerMessage] messageChange`.
    Change {
        /// `progressPerMessage` before the change.
        progress: Option<ProgressPerMessage>,
        /// The change.
        change: MessageChange,
    },
    /// An `errorInfo`; whatever part of the failing object was sent before it
    /// is discarded (unwound).
    Error(ErrorInfo),
}

/// `hierarchySync = *folderChange [deletions] state IncrSyncEnd` (2.2.4.3.10).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HierarchySync {
    /// `folderChange` elements, parents before children.
    pub folder_changes: Vec<FolderChange>,
    /// `deletions`.
    pub deletions: Option<Deletions>,
    /// The final ICS `state`.
    pub state: State,
}

/// `folderChange = IncrSyncChg propList` (2.2.4.3.5).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FolderChange {
    /// Folder properties (PidTagParentSourceKey, PidTagSourceKey, ... required).
    pub props: PropList,
}

/// `progressTotal = IncrSyncProgressMode propList` (2.2.4.3.19): one untagged
/// PtypBinary holding ProgressInformation (2.2.2.7).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProgressTotal {
    /// The propList (exactly the untagged binary when well-formed).
    pub props: PropList,
}

impl ProgressTotal {
    /// The ProgressInformation bytes (32 bytes when well-formed).
    pub fn progress_information(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::UNTAGGED_BINARY).and_then(FtProp::as_binary)
    }
}

/// `progressPerMessage = IncrSyncProgressPerMsg propList` (2.2.4.3.18):
/// untagged PtypInteger32 size, then untagged PtypBoolean FAI flag.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ProgressPerMessage {
    /// The propList.
    pub props: PropList,
}

/// `messageChange = messageChangeFull / messageChangePartial`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum MessageChange {
    /// `messageChangeFull`.
    Full(MessageChangeFull),
    /// `messageChangePartial`.
    Partial(MessageChangePartial),
}

/// `messageChangeFull = IncrSyncChg messageChangeHeader IncrSyncMessage
/// propList messageChildren` (2.2.4.3.13).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MessageChangeFull {
    /// `messageChangeHeader` (2.2.4.3.14).
    pub header: PropList,
    /// The message properties.
    pub props: PropList,
    /// Recipients and attachments.
    pub children: MessageChildren,
}

/// `messageChangePartial = groupInfo MetaTagIncrSyncGroupId IncrSyncChgPartial
/// messageChangeHeader *( MetaTagIncrementalSyncMessagePartial propList )
/// messageChildren` (2.2.4.3.15). `groupInfo` and the group id are optional
/// on receipt (spec digest §5.1, §14 item 15); the producer writes what is set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MessageChangePartial {
    /// `groupInfo`.
    pub group_info: Option<GroupInfo>,
    /// MetaTagIncrSyncGroupId: the mapping in force from here on.
    pub group_id: Option<u32>,
    /// `messageChangeHeader`.
    pub header: PropList,
    /// The changed groups.
    pub groups: Vec<PartialGroup>,
    /// Recipients and attachments.
    pub children: MessageChildren,
}

/// `MetaTagIncrementalSyncMessagePartial propList`: the complete current
/// content of one property group.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PartialGroup {
    /// Group index (0-based position in PropertyGroupInfo; 0xFFFFFFFF = no group).
    pub index: u32,
    /// The group's properties.
    pub props: PropList,
}

/// `groupInfo = IncrSyncGroupInfo propList` (2.2.4.3.8): one untagged
/// PtypBinary holding PropertyGroupInfo (2.2.2.8).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct GroupInfo {
    /// The propList.
    pub props: PropList,
}

impl GroupInfo {
    /// The PropertyGroupInfo bytes.
    pub fn property_group_info(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::UNTAGGED_BINARY).and_then(FtProp::as_binary)
    }
}

/// `deletions = IncrSyncDel propList` (2.2.4.3.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Deletions {
    /// MetaTagIdsetDeleted / NoLongerInScope / Expired (REPLID-based IDSETs).
    pub props: PropList,
}

impl Deletions {
    /// MetaTagIdsetDeleted bytes.
    pub fn idset_deleted(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_DELETED).and_then(FtProp::as_binary)
    }
    /// MetaTagIdsetNoLongerInScope bytes.
    pub fn idset_no_longer_in_scope(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_NO_LONGER_IN_SCOPE).and_then(FtProp::as_binary)
    }
    /// MetaTagIdsetExpired bytes.
    pub fn idset_expired(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_EXPIRED).and_then(FtProp::as_binary)
    }
}

/// `readStateChanges = IncrSyncRead propList` (2.2.4.3.22).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ReadStateChanges {
    /// MetaTagIdsetRead / MetaTagIdsetUnread.
    pub props: PropList,
}

impl ReadStateChanges {
    /// MetaTagIdsetRead bytes.
    pub fn idset_read(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_READ).and_then(FtProp::as_binary)
    }
    /// MetaTagIdsetUnread bytes.
    pub fn idset_unread(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_UNREAD).and_then(FtProp::as_binary)
    }
}

/// `state = IncrSyncStateBegin propList IncrSyncStateEnd` (2.2.4.3.25).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct State {
    /// MetaTagIdsetGiven, MetaTagCnsetSeen, MetaTagCnsetSeenFAI, MetaTagCnsetRead.
    pub props: PropList,
}

impl State {
    /// MetaTagIdsetGiven bytes (either tag type).
    pub fn idset_given(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_IDSET_GIVEN)
            .or_else(|| find(&self.props, ics_tags::META_TAG_IDSET_GIVEN_BINARY))
            .and_then(FtProp::as_binary)
    }
    /// MetaTagCnsetSeen bytes.
    pub fn cnset_seen(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_CNSET_SEEN).and_then(FtProp::as_binary)
    }
    /// MetaTagCnsetSeenFAI bytes.
    pub fn cnset_seen_fai(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_CNSET_SEEN_FAI).and_then(FtProp::as_binary)
    }
    /// MetaTagCnsetRead bytes.
    pub fn cnset_read(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::META_TAG_CNSET_READ).and_then(FtProp::as_binary)
    }
}

/// `errorInfo = FXErrorInfo propList` (2.2.4.3.4): one untagged PtypBinary
/// holding ExtendedErrorInfo (2.2.2.10).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ErrorInfo {
    /// The propList.
    pub props: PropList,
}

impl ErrorInfo {
    /// The ExtendedErrorInfo bytes.
    pub fn extended_error_info(&self) -> Option<&[u8]> {
        find(&self.props, ics_tags::UNTAGGED_BINARY).and_then(FtProp::as_binary)
    }
}

// ------------------------------------------------------------ copy operations

/// `messageChildren = [MetaTagFXDelProp] [*recipient] [MetaTagFXDelProp]
/// [*attachment]`. The first FXDelProp carries PidTagMessageRecipients, the
/// second PidTagMessageAttachments (2.2.4.1.5.1, spec digest §5.1).
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize)]
pub struct MessageChildren {
    /// `MetaTagFXDelProp = PidTagMessageRecipients` precedes the recipients.
    pub del_recipients: bool,
    /// `recipient` elements.
    pub recipients: Vec<Recipient>,
    /// `MetaTagFXDelProp = PidTagMessageAttachments` precedes the attachments.
    pub del_attachments: bool,
    /// `attachment` elements.
    pub attachments: Vec<Attachment>,
}

/// `recipient = StartRecip propList EndToRecip` (2.2.4.3.23); PidTagRowid first.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Recipient {
    /// The propList.
    pub props: PropList,
}

/// `attachment = NewAttach PidTagAttachNumber attachmentContent EndAttach` (2.2.4.3.1).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Attachment {
    /// PidTagAttachNumber.
    pub attach_number: u32,
    /// The content.
    pub content: AttachmentContent,
}

/// `attachmentContent = [MetaTagDnPrefix] propList [embeddedMessage]` (2.2.4.3.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct AttachmentContent {
    /// MetaTagDnPrefix (PtypString8 bytes, no terminator); ignored on receipt.
    pub dn_prefix: Option<Vec<u8>>,
    /// The propList.
    pub props: PropList,
    /// `embeddedMessage = StartEmbed messageContent EndEmbed`.
    pub embedded: Option<Box<MessageContent>>,
}

/// `messageContent = [MetaTagDnPrefix] propList messageChildren` (2.2.4.3.16).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MessageContent {
    /// MetaTagDnPrefix.
    pub dn_prefix: Option<Vec<u8>>,
    /// The propList.
    pub props: PropList,
    /// Recipients and attachments.
    pub children: MessageChildren,
}

/// `message = ( StartMessage / StartFAIMsg ) messageContent EndMessage`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Message {
    /// Started with StartFAIMsg.
    pub fai: bool,
    /// The content.
    pub content: MessageContent,
}

/// `messageList = *( [MetaTagDnPrefix] [MetaTagEcWarning] [message] )` (2.2.4.3.17):
/// any sequence of these items; also a RecoverMode recovery point.
#[derive(Clone, Debug, PartialEq, Default, serde::Serialize)]
pub struct MessageList {
    /// Items in stream order.
    pub items: Vec<MessageListItem>,
}

/// One item of a messageList.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum MessageListItem {
    /// MetaTagDnPrefix (bytes).
    DnPrefix(Vec<u8>),
    /// MetaTagEcWarning: a message the client cannot access.
    EcWarning(u32),
    /// A message.
    Message(Message),
    /// An `errorInfo` (the failing message is discarded).
    Error(ErrorInfo),
}

/// `folderContent = [MetaTagDnPrefix] propList ( MetaTagNewFXFolder /
/// folderMessages ) [ MetaTagFXDelProp *subFolder ]` (2.2.4.3.6).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FolderContent {
    /// MetaTagDnPrefix.
    pub dn_prefix: Option<Vec<u8>>,
    /// The propList (subfolders: PidTagFolderId, PidTagDisplayName, PidTagComment first).
    pub props: PropList,
    /// MetaTagEcWarning right after the propList (spec digest §6.12, §14 item 16).
    pub ec_warning: Option<u32>,
    /// Messages, or a ghosted-folder marker.
    pub messages: FolderMessages,
    /// `MetaTagFXDelProp(PidTagContainerHierarchy) *subFolder`, when present.
    pub subfolders: Option<Vec<FolderContent>>,
}

/// `MetaTagNewFXFolder / folderMessages` where
/// `folderMessages = *2( MetaTagFXDelProp messageList )`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum FolderMessages {
    /// MetaTagNewFXFolder: FolderReplicaInfo (2.2.2.9) of a ghosted public folder.
    NewFXFolder(Vec<u8>),
    /// Up to two `MetaTagFXDelProp messageList` groups.
    Lists(Vec<DelPropMessageList>),
}

/// `MetaTagFXDelProp messageList`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct DelPropMessageList {
    /// The FXDelProp value: PidTagContainerContents or PidTagFolderAssociatedContents.
    pub del_prop: PropTag,
    /// The messages.
    pub list: MessageList,
}

/// `topFolder = [MetaTagDnPrefix] StartTopFld folderContentNoDelProps EndFolder` (2.2.4.3.26).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TopFolder {
    /// MetaTagDnPrefix.
    pub dn_prefix: Option<Vec<u8>>,
    /// The folder.
    pub content: FolderContentNoDelProps,
}

/// `folderContentNoDelProps = propList ( MetaTagNewFXFolder /
/// folderMessagesNoDelProps ) [ *subFolderNoDelProps ]`; the two adjacent
/// messageLists of `folderMessagesNoDelProps` are one sequence here.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FolderContentNoDelProps {
    /// The propList.
    pub props: PropList,
    /// Messages, or a ghosted-folder marker.
    pub messages: FolderMessagesNoDelProps,
    /// `subFolderNoDelProps = StartSubFld folderContentNoDelProps EndFolder`.
    pub subfolders: Vec<FolderContentNoDelProps>,
}

/// `MetaTagNewFXFolder / folderMessagesNoDelProps`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum FolderMessagesNoDelProps {
    /// MetaTagNewFXFolder: FolderReplicaInfo bytes.
    NewFXFolder(Vec<u8>),
    /// The messages (normal and FAI, told apart by their start marker).
    List(MessageList),
}

fn find(props: &[FtProp], tag: PropTag) -> Option<&FtProp> {
    props.iter().find(|p| p.tag == tag)
}
