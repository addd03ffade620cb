//! Typed flag fields and enumerations that keep every bit and value: a harness
//! must be able to send reserved bits on purpose and see exactly what a peer
//! sent. Each type is a transparent newtype over the wire integer, with the
//! spec's names as associated constants.

use std::fmt;

/// The parts both kinds share: the transparent newtype (with `Arbitrary`
/// under the `arbitrary` feature), `Debug` as `Name(0x..: Display)` and serde
/// as the string `"0x.. (Display)"`.
macro_rules! newtype_common {
    ($(#[$m:meta])* $name:ident: $t:ty) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct $name(pub $t);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:#x}: {})", stringify!($name), self.0, self)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(&format_args!("{:#x} ({})", self.0, self))
            }
        }
    };
}

/// Defines a bit-flag newtype: named bits, unknown bits kept.
macro_rules! bit_flags {
    ($(#[$m:meta])* $name:ident: $t:ty { $($(#[$fm:meta])* $flag:ident = $v:literal => $label:literal,)* }) => {
        newtype_common!($(#[$m])* $name: $t);

        impl $name {
            $($(#[$fm])* pub const $flag: $name = $name($v);)*
            /// Every bit the spec names for this field.
            pub const KNOWN: $t = 0 $(| $v)*;
            /// (spec name, bit) pairs.
            pub const NAMES: &'static [(&'static str, $t)] = &[$(($label, $v)),*];

            /// The raw wire value.
            pub const fn bits(self) -> $t {
                self.0
            }
            /// True if every bit of `other` is set.
            pub const fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
            /// The bits the spec does not name.
            pub const fn unknown_bits(self) -> $t {
                self.0 & !Self::KNOWN
            }
            /// Union.
            pub const fn union(self, other: $name) -> $name {
                $name(self.0 | other.0)
            }
        }

        impl std::ops::BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                self.union(rhs)
            }
        }

        impl fmt::Display for $name {
            /// `Unicode | Normal | 0x40` (unknown bits in hex), `0x0` when empty.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut first = true;
                let mut put = |f: &mut fmt::Formatter<'_>, s: &dyn fmt::Display| -> fmt::Result {
                    if !first {
                        f.write_str(" | ")?;
                    }
                    first = false;
                    write!(f, "{s}")
                };
                for (n, b) in Self::NAMES {
                    if *b != 0 && self.0 & *b == *b {
                        put(f, n)?;
                    }
                }
                if self.unknown_bits() != 0 {
                    put(f, &format_args!("{:#x}", self.unknown_bits()))?;
                }
                if first {
                    write!(f, "{:#x}", self.0)?;
                }
                Ok(())
            }
        }
    };
}

/// Defines an enumeration newtype: named values, unknown values kept.
macro_rules! value_enum {
    ($(#[$m:meta])* $name:ident: $t:ty { $($(#[$fm:meta])* $var:ident = $v:literal => $label:literal,)* }) => {
        newtype_common!($(#[$m])* $name: $t);

        impl $name {
            $($(#[$fm])* pub const $var: $name = $name($v);)*

            /// The spec name of the value, if it has one.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($v => Some($label),)*
                    _ => None,
                }
            }
            /// True if the spec names this value.
            pub const fn is_known(self) -> bool {
                self.name().is_some()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{:#x}", self.0),
                }
            }
        }
    };
}

bit_flags! {
    /// SendOptions ([MS-OXCFXICS] 2.2.3.1.1.1.1), shared by the FastTransfer
    /// source ROPs and RopSynchronizationConfigure. ForUpload is Unicode|UseCpid.
    SendOptions: u8 {
        UNICODE = 0x01 => "Unicode",
        USE_CPID = 0x02 => "UseCpid",
        RECOVER_MODE = 0x04 => "RecoverMode",
        FORCE_UNICODE = 0x08 => "ForceUnicode",
        PARTIAL_ITEM = 0x10 => "PartialItem",
        RESERVED1 = 0x20 => "Reserved1",
        RESERVED2 = 0x40 => "Reserved2",
    }
}

impl SendOptions {
    /// ForUpload = Unicode | UseCpid (0x03).
    pub const FOR_UPLOAD: SendOptions = SendOptions(0x03);
}

bit_flags! {
    /// CopyFlags of RopFastTransferSourceCopyTo, u32 ([MS-OXCFXICS] 2.2.3.1.1.1.1).
    CopyToCopyFlags: u32 {
        MOVE = 0x0000_0001 => "Move",
        UNUSED1 = 0x0000_0002 => "Unused1",
        UNUSED2 = 0x0000_0004 => "Unused2",
        UNUSED3 = 0x0000_0008 => "Unused3",
        UNUSED4 = 0x0000_0200 => "Unused4",
        UNUSED5 = 0x0000_0400 => "Unused5",
        BEST_BODY = 0x0000_2000 => "BestBody",
    }
}

bit_flags! {
    /// CopyFlags of RopFastTransferSourceCopyProperties ([MS-OXCFXICS] 2.2.3.1.1.2.1).
    CopyPropertiesCopyFlags: u8 {
        MOVE = 0x01 => "Move",
        UNUSED1 = 0x02 => "Unused1",
        UNUSED2 = 0x04 => "Unused2",
        UNUSED3 = 0x08 => "Unused3",
    }
}

bit_flags! {
    /// CopyFlags of RopFastTransferSourceCopyMessages ([MS-OXCFXICS] 2.2.3.1.1.3.1).
    CopyMessagesCopyFlags: u8 {
        MOVE = 0x01 => "Move",
        UNUSED1 = 0x02 => "Unused1",
        UNUSED2 = 0x04 => "Unused2",
        UNUSED3 = 0x08 => "Unused3",
        BEST_BODY = 0x10 => "BestBody",
        SEND_ENTRY_ID = 0x20 => "SendEntryId",
    }
}

bit_flags! {
    /// CopyFlags of RopFastTransferSourceCopyFolder ([MS-OXCFXICS] 2.2.3.1.1.4.1).
    CopyFolderCopyFlags: u8 {
        MOVE = 0x01 => "Move",
        UNUSED1 = 0x02 => "Unused1",
        UNUSED2 = 0x04 => "Unused2",
        UNUSED3 = 0x08 => "Unused3",
        COPY_SUBFOLDERS = 0x10 => "CopySubfolders",
    }
}

bit_flags! {
    /// CopyFlags of RopFastTransferDestinationConfigure ([MS-OXCFXICS] 2.2.3.1.2.1.1).
    DestinationConfigureCopyFlags: u8 {
        MOVE = 0x01 => "Move",
    }
}

value_enum! {
    /// SourceOperation of RopFastTransferDestinationConfigure ([MS-OXCFXICS] 2.2.3.1.2.1.1).
    SourceOperation: u8 {
        COPY_TO = 0x01 => "CopyTo",
        COPY_PROPERTIES = 0x02 => "CopyProperties",
        COPY_MESSAGES = 0x03 => "CopyMessages",
        COPY_FOLDER = 0x04 => "CopyFolder",
    }
}

value_enum! {
    /// TransferStatus of RopFastTransferSourceGetBuffer ([MS-OXCFXICS] 2.2.3.1.1.5.2).
    TransferStatus: u16 {
        ERROR = 0x0000 => "Error",
        PARTIAL = 0x0001 => "Partial",
        NO_ROOM = 0x0002 => "NoRoom",
        DONE = 0x0003 => "Done",
    }
}

value_enum! {
    /// SynchronizationType of RopSynchronizationConfigure ([MS-OXCFXICS] 2.2.3.2.1.1.1).
    SynchronizationType: u8 {
        CONTENTS = 0x01 => "Contents",
        HIERARCHY = 0x02 => "Hierarchy",
    }
}

bit_flags! {
    /// SynchronizationFlags, u16 ([MS-OXCFXICS] 2.2.3.2.1.1.1). Bits 0x0040,
    /// 0x0200, 0x0400, 0x0800 are undefined and kept as unknown bits.
    SynchronizationFlags: u16 {
        UNICODE = 0x0001 => "Unicode",
        NO_DELETIONS = 0x0002 => "NoDeletions",
        IGNORE_NO_LONGER_IN_SCOPE = 0x0004 => "IgnoreNoLongerInScope",
        READ_STATE = 0x0008 => "ReadState",
        FAI = 0x0010 => "FAI",
        NORMAL = 0x0020 => "Normal",
        ONLY_SPECIFIED_PROPERTIES = 0x0080 => "OnlySpecifiedProperties",
        NO_FOREIGN_IDENTIFIERS = 0x0100 => "NoForeignIdentifiers",
        RESERVED = 0x1000 => "Reserved",
        BEST_BODY = 0x2000 => "BestBody",
        IGNORE_SPECIFIED_ON_FAI = 0x4000 => "IgnoreSpecifiedOnFAI",
        PROGRESS = 0x8000 => "Progress",
    }
}

bit_flags! {
    /// SynchronizationExtraFlags, u32 ([MS-OXCFXICS] 2.2.3.2.1.1.1).
    SynchronizationExtraFlags: u32 {
        EID = 0x0000_0001 => "Eid",
        MESSAGE_SIZE = 0x0000_0002 => "MessageSize",
        CN = 0x0000_0004 => "CN",
        ORDER_BY_DELIVERY_TIME = 0x0000_0008 => "OrderByDeliveryTime",
    }
}

bit_flags! {
    /// ImportFlag of RopSynchronizationImportMessageChange ([MS-OXCFXICS] 2.2.3.2.4.2.1).
    ImportFlag: u8 {
        ASSOCIATED = 0x10 => "Associated",
        FAIL_ON_CONFLICT = 0x40 => "FailOnConflict",
    }
}

bit_flags! {
    /// ImportDeleteFlags of RopSynchronizationImportDeletes ([MS-OXCFXICS] 2.2.3.2.4.5.1).
    ImportDeleteFlags: u8 {
        HIERARCHY = 0x01 => "Hierarchy",
        HARD_DELETE = 0x02 => "HardDelete",
    }
}

bit_flags! {
    /// LogonFlags of RopLogon ([MS-OXCSTOR] 2.2.1.1.1).
    LogonFlags: u8 {
        PRIVATE = 0x01 => "Private",
        UNDERCOVER = 0x02 => "Undercover",
        GHOSTED = 0x04 => "Ghosted",
        SPOOLER_PROCESS = 0x08 => "SpoolerProcess",
    }
}

bit_flags! {
    /// OpenFlags of RopLogon ([MS-OXCSTOR] 2.2.1.1.1).
    OpenFlags: u32 {
        USE_ADMIN_PRIVILEGE = 0x0000_0001 => "UseAdminPrivilege",
        PUBLIC = 0x0000_0002 => "Public",
        HOME_LOGON = 0x0000_0004 => "HomeLogon",
        TAKE_OWNERSHIP = 0x0000_0008 => "TakeOwnership",
        ALTERNATE_SERVER = 0x0000_0100 => "AlternateServer",
        IGNORE_HOME_MDB = 0x0000_0200 => "IgnoreHomeMdb",
        NO_MAIL = 0x0000_0400 => "NoMail",
        USE_PER_MDB_REPLID_MAPPING = 0x0100_0000 => "UsePerMdbReplidMapping",
        SUPPORT_PROGRESS = 0x2000_0000 => "SupportProgress",
    }
}

bit_flags! {
    /// ResponseFlags of the private-mailbox RopLogon response ([MS-OXCSTOR] 2.2.1.1.3).
    ResponseFlags: u8 {
        RESERVED = 0x01 => "Reserved",
        OWNER_RIGHT = 0x02 => "OwnerRight",
        SEND_AS_RIGHT = 0x04 => "SendAsRight",
        OOF = 0x10 => "OOF",
    }
}

bit_flags! {
    /// OpenModeFlags of RopOpenFolder ([MS-OXCFOLD] 2.2.1.1.1).
    FolderOpenModeFlags: u8 {
        OPEN_SOFT_DELETED = 0x04 => "OpenSoftDeleted",
    }
}

bit_flags! {
    /// OpenModeFlags of RopOpenMessage ([MS-OXCMSG] 2.2.3.1.1); ReadOnly is 0x00.
    MessageOpenModeFlags: u8 {
        READ_WRITE = 0x01 => "ReadWrite",
        BEST_ACCESS = 0x03 => "BestAccess",
        OPEN_SOFT_DELETED = 0x04 => "OpenSoftDeleted",
    }
}

value_enum! {
    /// FolderType of RopCreateFolder ([MS-OXCFOLD] 2.2.1.2.1).
    FolderType: u8 {
        GENERIC = 0x01 => "Generic",
        SEARCH = 0x02 => "Search",
    }
}

bit_flags! {
    /// DeleteFolderFlags of RopDeleteFolder ([MS-OXCFOLD] 2.2.1.3.1).
    DeleteFolderFlags: u8 {
        DEL_MESSAGES = 0x01 => "DEL_MESSAGES",
        DEL_FOLDERS = 0x04 => "DEL_FOLDERS",
        DELETE_HARD_DELETE = 0x10 => "DELETE_HARD_DELETE",
    }
}

bit_flags! {
    /// TableFlags of RopGetHierarchyTable ([MS-OXCFOLD] 2.2.1.13.1).
    HierarchyTableFlags: u8 {
        DEPTH = 0x04 => "Depth",
        DEFERRED_ERRORS = 0x08 => "DeferredErrors",
        NO_NOTIFICATIONS = 0x10 => "NoNotifications",
        SOFT_DELETES = 0x20 => "SoftDeletes",
        USE_UNICODE = 0x40 => "UseUnicode",
        SUPPRESS_NOTIFICATIONS = 0x80 => "SuppressNotifications",
    }
}

bit_flags! {
    /// TableFlags of RopGetContentsTable ([MS-OXCFOLD] 2.2.1.14.1).
    ContentsTableFlags: u8 {
        ASSOCIATED = 0x02 => "Associated",
        DEFERRED_ERRORS = 0x08 => "DeferredErrors",
        NO_NOTIFICATIONS = 0x10 => "NoNotifications",
        SOFT_DELETES = 0x20 => "SoftDeletes",
        USE_UNICODE = 0x40 => "UseUnicode",
        CONVERSATION_MEMBERS = 0x80 => "ConversationMembers",
    }
}

value_enum! {
    /// SetColumnsFlags of RopSetColumns ([MS-OXCTABL] 2.2.2.2.1).
    SetColumnsFlags: u8 {
        TBL_SYNC = 0x00 => "TBL_SYNC",
        TBL_ASYNC = 0x01 => "TBL_ASYNC",
    }
}

value_enum! {
    /// TableStatus of the RopSetColumns response ([MS-OXCTABL] 2.2.2.1.3).
    TableStatus: u8 {
        TBLSTAT_COMPLETE = 0x00 => "TBLSTAT_COMPLETE",
        TBLSTAT_SORTING = 0x09 => "TBLSTAT_SORTING",
        TBLSTAT_SORT_ERROR = 0x0A => "TBLSTAT_SORT_ERROR",
        TBLSTAT_SETTING_COLS = 0x0B => "TBLSTAT_SETTING_COLS",
        TBLSTAT_SETCOL_ERROR = 0x0D => "TBLSTAT_SETCOL_ERROR",
        TBLSTAT_RESTRICTING = 0x0E => "TBLSTAT_RESTRICTING",
        TBLSTAT_RESTRICT_ERROR = 0x0F => "TBLSTAT_RESTRICT_ERROR",
    }
}

bit_flags! {
    /// QueryRowsFlags of RopQueryRows ([MS-OXCTABL] 2.2.2.5.1); Advance is 0x00.
    QueryRowsFlags: u8 {
        NO_ADVANCE = 0x01 => "NoAdvance",
        ENABLE_PACKED_BUFFERS = 0x02 => "EnablePackedBuffers",
    }
}

value_enum! {
    /// Origin of the RopQueryRows response ([MS-OXCTABL] 2.2.2.1.1).
    Bookmark: u8 {
        BOOKMARK_BEGINNING = 0x00 => "BOOKMARK_BEGINNING",
        BOOKMARK_CURRENT = 0x01 => "BOOKMARK_CURRENT",
        BOOKMARK_END = 0x02 => "BOOKMARK_END",
    }
}

bit_flags! {
    /// SaveFlags of RopSaveChangesMessage ([MS-OXCMSG] 2.2.3.3.1).
    SaveFlags: u8 {
        KEEP_OPEN_READ_ONLY = 0x01 => "KeepOpenReadOnly",
        KEEP_OPEN_READ_WRITE = 0x02 => "KeepOpenReadWrite",
        FORCE_SAVE = 0x04 => "ForceSave",
    }
}

bit_flags! {
    /// ReadFlags of RopSetReadFlags / RopSetMessageReadFlag ([MS-OXCMSG] 2.2.3.10.1);
    /// rfDefault is 0x00, rfReserved is 0x0A.
    ReadFlags: u8 {
        RF_SUPPRESS_RECEIPT = 0x01 => "rfSuppressReceipt",
        RF_CLEAR_READ_FLAG = 0x04 => "rfClearReadFlag",
        RF_GENERATE_RECEIPT_ONLY = 0x10 => "rfGenerateReceiptOnly",
        RF_CLEAR_NOTIFY_READ = 0x20 => "rfClearNotifyRead",
        RF_CLEAR_NOTIFY_UNREAD = 0x40 => "rfClearNotifyUnread",
    }
}

bit_flags! {
    /// Flags of RopGetPropertyIdsFromNames ([MS-OXCPRPT] 2.2.12.1).
    GetPropertyIdsFromNamesFlags: u8 {
        CREATE = 0x02 => "Create",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_bits_are_kept_and_shown() {
        let f = SynchronizationFlags(0x0139 | 0x0040);
        assert_eq!(f.unknown_bits(), 0x0040);
        assert!(f.contains(SynchronizationFlags::NORMAL));
        assert_eq!(
            f.to_string(),
            "Unicode | ReadState | FAI | Normal | NoForeignIdentifiers | 0x40"
        );
        assert_eq!(SendOptions(0x80).to_string(), "0x80");
        assert_eq!(SendOptions(0).to_string(), "0x0");
    }

    /// The Debug and serde forms the snapshots rely on, for both kinds.
    #[test]
    fn debug_and_serde_forms() {
        assert_eq!(
            format!("{:?}", SendOptions(0x81)),
            "SendOptions(0x81: Unicode | 0x80)"
        );
        assert_eq!(
            serde_json::to_string(&SendOptions(0x81)).unwrap(),
            "\"0x81 (Unicode | 0x80)\""
        );
        assert_eq!(
            format!("{:?}", TransferStatus(3)),
            "TransferStatus(0x3: Done)"
        );
        assert_eq!(
            serde_json::to_string(&TransferStatus(9)).unwrap(),
            "\"0x9 (0x9)\""
        );
    }

    #[test]
    fn value_enums_keep_unknown_values() {
        assert_eq!(SynchronizationType(2).to_string(), "Hierarchy");
        assert_eq!(SynchronizationType(4).to_string(), "0x4");
        assert!(!SynchronizationType(4).is_known());
    }
}
