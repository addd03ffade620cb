//! Constant tables of the FastTransfer stream: the 24 markers ([MS-OXCFXICS]
//! 2.2.4.1.4), the meta-properties (2.2.4.1.5), the ICS state and difference
//! properties (2.2.1.1, 2.2.1.3) and the ordinary properties the grammar names
//! (spec digest `ftstream.md` §3).

use crate::prop::PropTag;

macro_rules! markers {
    ($($(#[$m:meta])* $name:ident = $v:literal,)*) => {
        /// A marker ([MS-OXCFXICS] 2.2.4.1.4): a 4-byte tag that carries no value.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum Marker {
            $($(#[$m])* $name,)*
        }

        impl Marker {
            /// Every marker, in the order of the spec digest's table (§3.1).
            pub const ALL: [Marker; 24] = [$(Marker::$name,)*];

            /// The marker's 32-bit value (as a property tag).
            pub const fn value(self) -> u32 {
                match self { $(Marker::$name => $v,)* }
            }

            /// The marker with value `v`, if `v` is one of the 24 marker values.
            pub const fn from_u32(v: u32) -> Option<Marker> {
                match v { $($v => Some(Marker::$name),)* _ => None }
            }

            /// The spec name (without the `PidTag` prefix, as the grammar writes it).
            pub const fn name(self) -> &'static str {
                match self { $(Marker::$name => stringify!($name),)* }
            }
        }
    };
}

markers! {
    /// Start of the top folder (CopyFolder).
    StartTopFld = 0x4009_0003,
    /// End of StartTopFld / StartSubFld.
    EndFolder = 0x400B_0003,
    /// Start of a subfolder.
    StartSubFld = 0x400A_0003,
    /// Start of a normal message.
    StartMessage = 0x400C_0003,
    /// End of StartMessage / StartFAIMsg.
    EndMessage = 0x400D_0003,
    /// Start of an FAI message.
    StartFAIMsg = 0x4010_0003,
    /// Start of an embedded message.
    StartEmbed = 0x4001_0003,
    /// End of StartEmbed.
    EndEmbed = 0x4002_0003,
    /// Start of a recipient.
    StartRecip = 0x4003_0003,
    /// End of StartRecip.
    EndToRecip = 0x4004_0003,
    /// Start of an attachment.
    NewAttach = 0x4000_0003,
    /// End of NewAttach.
    EndAttach = 0x400E_0003,
    /// Start of a folder change or a full message change.
    IncrSyncChg = 0x4012_0003,
    /// Start of a partial message change header.
    IncrSyncChgPartial = 0x407D_0003,
    /// Start of deletions.
    IncrSyncDel = 0x4013_0003,
    /// End of ICS data.
    IncrSyncEnd = 0x4014_0003,
    /// Start of read-state changes.
    IncrSyncRead = 0x402F_0003,
    /// Start of the final ICS state.
    IncrSyncStateBegin = 0x403A_0003,
    /// End of the final ICS state.
    IncrSyncStateEnd = 0x403B_0003,
    /// Start of progressTotal (type bits say PtypBoolean; still value-less).
    IncrSyncProgressMode = 0x4074_000B,
    /// Start of progressPerMessage (type bits say PtypBoolean; still value-less).
    IncrSyncProgressPerMsg = 0x4075_000B,
    /// Start of message content inside messageChangeFull.
    IncrSyncMessage = 0x4015_0003,
    /// Start of a property-group mapping (type bits say PtypBinary; still value-less).
    IncrSyncGroupInfo = 0x407B_0102,
    /// Start of errorInfo.
    FXErrorInfo = 0x4018_0003,
}

impl Marker {
    /// The marker as a property tag.
    pub const fn tag(self) -> PropTag {
        PropTag(self.value())
    }
}

/// The meta-properties of [MS-OXCFXICS] 2.2.4.1.5. They are serialized like
/// property values but end a propList (spec digest §5.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
pub enum MetaProp {
    /// MetaTagFXDelProp: u32 tag of a subobject kind to delete (2.2.4.1.5.1).
    FXDelProp,
    /// MetaTagEcWarning: u32 warning code (2.2.4.1.5.2).
    EcWarning,
    /// MetaTagNewFXFolder: FolderReplicaInfo (2.2.4.1.5.3).
    NewFXFolder,
    /// MetaTagIncrSyncGroupId: group-mapping id (2.2.4.1.5.4).
    IncrSyncGroupId,
    /// MetaTagIncrementalSyncMessagePartial: group index (2.2.4.1.5.5).
    IncrementalSyncMessagePartial,
    /// MetaTagDnPrefix: PtypString8, ignored on receipt (2.2.4.1.5.6).
    DnPrefix,
}

impl MetaProp {
    /// The meta-property a tag denotes, if any.
    pub const fn from_tag(tag: PropTag) -> Option<MetaProp> {
        Some(match tag.0 {
            META_TAG_FX_DEL_PROP => MetaProp::FXDelProp,
            META_TAG_EC_WARNING => MetaProp::EcWarning,
            META_TAG_NEW_FX_FOLDER => MetaProp::NewFXFolder,
            META_TAG_INCR_SYNC_GROUP_ID => MetaProp::IncrSyncGroupId,
            META_TAG_INCREMENTAL_SYNC_MESSAGE_PARTIAL => MetaProp::IncrementalSyncMessagePartial,
            META_TAG_DN_PREFIX => MetaProp::DnPrefix,
            _ => return None,
        })
    }

    /// The tag of this meta-property.
    pub const fn tag(self) -> PropTag {
        PropTag(match self {
            MetaProp::FXDelProp => META_TAG_FX_DEL_PROP,
            MetaProp::EcWarning => META_TAG_EC_WARNING,
            MetaProp::NewFXFolder => META_TAG_NEW_FX_FOLDER,
            MetaProp::IncrSyncGroupId => META_TAG_INCR_SYNC_GROUP_ID,
            MetaProp::IncrementalSyncMessagePartial => META_TAG_INCREMENTAL_SYNC_MESSAGE_PARTIAL,
            MetaProp::DnPrefix => META_TAG_DN_PREFIX,
        })
    }

    /// The spec name.
    pub const fn name(self) -> &'static str {
        match self {
            MetaProp::FXDelProp => "MetaTagFXDelProp",
            MetaProp::EcWarning => "MetaTagEcWarning",
            MetaProp::NewFXFolder => "MetaTagNewFXFolder",
            MetaProp::IncrSyncGroupId => "MetaTagIncrSyncGroupId",
            MetaProp::IncrementalSyncMessagePartial => "MetaTagIncrementalSyncMessagePartial",
            MetaProp::DnPrefix => "MetaTagDnPrefix",
        }
    }
}

/// MetaTagFXDelProp (PtypInteger32).
pub const META_TAG_FX_DEL_PROP: u32 = 0x4016_0003;
/// MetaTagEcWarning (PtypInteger32).
pub const META_TAG_EC_WARNING: u32 = 0x400F_0003;
/// MetaTagNewFXFolder (PtypBinary).
pub const META_TAG_NEW_FX_FOLDER: u32 = 0x4011_0102;
/// MetaTagIncrSyncGroupId (PtypInteger32).
pub const META_TAG_INCR_SYNC_GROUP_ID: u32 = 0x407C_0003;
/// MetaTagIncrementalSyncMessagePartial (PtypInteger32).
pub const META_TAG_INCREMENTAL_SYNC_MESSAGE_PARTIAL: u32 = 0x407A_0003;
/// MetaTagDnPrefix (PtypString8).
pub const META_TAG_DN_PREFIX: u32 = 0x4008_001E;

/// ICS state and difference properties and the ordinary properties the
/// grammar refers to ([MS-OXCFXICS] 2.2.1, spec digest §3.3–§3.5).
pub mod ics_tags {
    use crate::prop::PropTag;

    /// MetaTagIdsetGiven as servers SHOULD send it: type PtypInteger32, value
    /// a length-prefixed binary IDSET (the quirk of 3.2.5.2.1).
    pub const META_TAG_IDSET_GIVEN: PropTag = PropTag(0x4017_0003);
    /// MetaTagIdsetGiven with the PtypBinary type (accepted on receipt).
    pub const META_TAG_IDSET_GIVEN_BINARY: PropTag = PropTag(0x4017_0102);
    /// MetaTagCnsetSeen.
    pub const META_TAG_CNSET_SEEN: PropTag = PropTag(0x6796_0102);
    /// MetaTagCnsetSeenFAI.
    pub const META_TAG_CNSET_SEEN_FAI: PropTag = PropTag(0x67DA_0102);
    /// MetaTagCnsetRead.
    pub const META_TAG_CNSET_READ: PropTag = PropTag(0x67D2_0102);
    /// MetaTagIdsetDeleted.
    pub const META_TAG_IDSET_DELETED: PropTag = PropTag(0x67E5_0102);
    /// MetaTagIdsetNoLongerInScope.
    pub const META_TAG_IDSET_NO_LONGER_IN_SCOPE: PropTag = PropTag(0x4021_0102);
    /// MetaTagIdsetExpired.
    pub const META_TAG_IDSET_EXPIRED: PropTag = PropTag(0x6793_0102);
    /// MetaTagIdsetRead.
    pub const META_TAG_IDSET_READ: PropTag = PropTag(0x402D_0102);
    /// MetaTagIdsetUnread.
    pub const META_TAG_IDSET_UNREAD: PropTag = PropTag(0x402E_0102);

    /// Untagged PtypBinary (id 0): ProgressInformation, PropertyGroupInfo, ExtendedErrorInfo.
    pub const UNTAGGED_BINARY: PropTag = PropTag(0x0000_0102);
    /// Untagged PtypInteger32 (id 0): progressPerMessage size, partial placeholder.
    pub const UNTAGGED_INTEGER32: PropTag = PropTag(0x0000_0003);
    /// Untagged PtypBoolean (id 0): progressPerMessage FAI flag.
    pub const UNTAGGED_BOOLEAN: PropTag = PropTag(0x0000_000B);

    /// PidTagRowid (first property of a recipient).
    pub const PID_TAG_ROWID: PropTag = PropTag(0x3000_0003);
    /// PidTagAttachNumber (right after NewAttach).
    pub const PID_TAG_ATTACH_NUMBER: PropTag = PropTag(0x0E21_0003);
    /// PidTagComment (PtypString).
    pub const PID_TAG_COMMENT: PropTag = PropTag(0x3004_001F);

    /// PidTagContainerHierarchy: subfolders (FXDelProp value before subFolders).
    pub const PID_TAG_CONTAINER_HIERARCHY: PropTag = PropTag(0x360E_000D);
    /// PidTagContainerContents: normal messages.
    pub const PID_TAG_CONTAINER_CONTENTS: PropTag = PropTag(0x360F_000D);
    /// PidTagFolderAssociatedContents: FAI messages.
    pub const PID_TAG_FOLDER_ASSOCIATED_CONTENTS: PropTag = PropTag(0x3610_000D);
    /// PidTagMessageRecipients: recipients.
    pub const PID_TAG_MESSAGE_RECIPIENTS: PropTag = PropTag(0x0E12_000D);
    /// PidTagMessageAttachments: attachments.
    pub const PID_TAG_MESSAGE_ATTACHMENTS: PropTag = PropTag(0x0E13_000D);
}

/// The spec name of a tag this module knows (markers, meta-properties, ICS
/// properties and the properties the grammar names), for readable output.
pub fn tag_name(tag: PropTag) -> Option<&'static str> {
    use crate::prop::tags::*;
    use ics_tags::*;
    if let Some(m) = Marker::from_u32(tag.0) {
        return Some(m.name());
    }
    if let Some(m) = MetaProp::from_tag(tag) {
        return Some(m.name());
    }
    Some(match tag {
        META_TAG_IDSET_GIVEN | META_TAG_IDSET_GIVEN_BINARY => "MetaTagIdsetGiven",
        META_TAG_CNSET_SEEN => "MetaTagCnsetSeen",
        META_TAG_CNSET_SEEN_FAI => "MetaTagCnsetSeenFAI",
        META_TAG_CNSET_READ => "MetaTagCnsetRead",
        META_TAG_IDSET_DELETED => "MetaTagIdsetDeleted",
        META_TAG_IDSET_NO_LONGER_IN_SCOPE => "MetaTagIdsetNoLongerInScope",
        META_TAG_IDSET_EXPIRED => "MetaTagIdsetExpired",
        META_TAG_IDSET_READ => "MetaTagIdsetRead",
        META_TAG_IDSET_UNREAD => "MetaTagIdsetUnread",
        PID_TAG_ROWID => "PidTagRowid",
        PID_TAG_ATTACH_NUMBER => "PidTagAttachNumber",
        PID_TAG_COMMENT => "PidTagComment",
        PID_TAG_CONTAINER_HIERARCHY => "PidTagContainerHierarchy",
        PID_TAG_CONTAINER_CONTENTS => "PidTagContainerContents",
        PID_TAG_FOLDER_ASSOCIATED_CONTENTS => "PidTagFolderAssociatedContents",
        PID_TAG_MESSAGE_RECIPIENTS => "PidTagMessageRecipients",
        PID_TAG_MESSAGE_ATTACHMENTS => "PidTagMessageAttachments",
        PID_TAG_SUBJECT => "PidTagSubject",
        PID_TAG_MESSAGE_CLASS => "PidTagMessageClass",
        PID_TAG_DISPLAY_NAME => "PidTagDisplayName",
        PID_TAG_BODY => "PidTagBody",
        PID_TAG_MESSAGE_FLAGS => "PidTagMessageFlags",
        PID_TAG_MESSAGE_SIZE => "PidTagMessageSize",
        PID_TAG_LAST_MODIFICATION_TIME => "PidTagLastModificationTime",
        PID_TAG_ASSOCIATED => "PidTagAssociated",
        PID_TAG_FOLDER_ID => "PidTagFolderId",
        PID_TAG_PARENT_FOLDER_ID => "PidTagParentFolderId",
        PID_TAG_MID => "PidTagMid",
        PID_TAG_CHANGE_NUMBER => "PidTagChangeNumber",
        PID_TAG_SOURCE_KEY => "PidTagSourceKey",
        PID_TAG_PARENT_SOURCE_KEY => "PidTagParentSourceKey",
        PID_TAG_CHANGE_KEY => "PidTagChangeKey",
        PID_TAG_PREDECESSOR_CHANGE_LIST => "PidTagPredecessorChangeList",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.1: 24 distinct markers, wire bytes of a few.
    #[test]
    fn marker_table() {
        let mut vals: Vec<u32> = Marker::ALL.iter().map(|m| m.value()).collect();
        vals.sort();
        vals.dedup();
        assert_eq!(vals.len(), 24);
        for m in Marker::ALL {
            assert_eq!(Marker::from_u32(m.value()), Some(m));
        }
        assert_eq!(
            Marker::IncrSyncGroupInfo.value().to_le_bytes(),
            [0x02, 0x01, 0x7B, 0x40]
        );
        assert_eq!(
            Marker::IncrSyncProgressMode.value().to_le_bytes(),
            [0x0B, 0x00, 0x74, 0x40]
        );
        assert_eq!(Marker::from_u32(0x4016_0003), None);
    }

    #[test]
    fn meta_table() {
        for m in [
            MetaProp::FXDelProp,
            MetaProp::EcWarning,
            MetaProp::NewFXFolder,
            MetaProp::IncrSyncGroupId,
            MetaProp::IncrementalSyncMessagePartial,
            MetaProp::DnPrefix,
        ] {
            assert_eq!(MetaProp::from_tag(m.tag()), Some(m));
            assert_eq!(tag_name(m.tag()), Some(m.name()));
        }
        assert_eq!(MetaProp::from_tag(ics_tags::META_TAG_IDSET_GIVEN), None);
    }
}
