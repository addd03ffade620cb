//! ReturnValue error codes ([MS-OXCDATA] 2.4, [MS-OXCFXICS] 2.2.3, rops.md §11).

use std::fmt;

macro_rules! error_codes {
    ($($(#[$m:meta])* $name:ident = $v:literal,)*) => {
        /// A ReturnValue ([MS-OXCDATA] 2.4). Named codes for the values this
        /// protocol uses; any other value is kept in [`ErrorCode::Unknown`]
        /// (never a named value there, so equality is equality of the u32).
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$m])* $name,)*
            /// A value without a name here.
            Unknown(u32),
        }

        impl ErrorCode {
            /// The code for a wire value.
            pub const fn from_u32(v: u32) -> Self {
                match v {
                    $($v => ErrorCode::$name,)*
                    other => ErrorCode::Unknown(other),
                }
            }

            /// The wire value.
            pub const fn to_u32(self) -> u32 {
                match self {
                    $(ErrorCode::$name => $v,)*
                    ErrorCode::Unknown(v) => v,
                }
            }

            /// The spec name, if the value has one here.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(ErrorCode::$name => Some(stringify!($name)),)*
                    ErrorCode::Unknown(_) => None,
                }
            }
        }
    };
}

error_codes! {
    /// S_OK.
    Success = 0x0000_0000,
    /// ecWarnWithErrors / MAPI_W_ERRORS_RETURNED (warning).
    ErrorsReturned = 0x0004_0380,
    /// SYNC_W_PROGRESS (warning).
    SyncProgress = 0x0004_0820,
    /// SYNC_W_CLIENT_CHANGE_NEWER, "NewerClientChange" of [MS-OXCFXICS] 2.2.3.2.4.4.2 (warning).
    SyncClientChangeNewer = 0x0004_0821,
    /// ecBufferTooSmall.
    BufferTooSmall = 0x0000_047D,
    /// ecWrongServer: RopLogon redirect ([MS-OXCROPS] 2.2.3.1.4).
    WrongServer = 0x0000_0478,
    /// ecServerBusy: the RopFastTransferSourceGetBuffer back-off code.
    ServerBusy = 0x0000_0480,
    /// ecRpcFormat.
    RpcFormat = 0x0000_04B6,
    /// ecNullObject.
    NullObject = 0x0000_04B9,
    /// ecFormatError.
    FormatError = 0x0000_04ED,
    /// ecDstNullObject: RopMoveCopyMessages destination handle invalid.
    DstNullObject = 0x0000_0503,
    /// RPC_S_SERVER_TOO_BUSY.
    RpcServerTooBusy = 0x0000_06BB,
    /// ecError / E_FAIL.
    GeneralFailure = 0x8000_4005,
    /// ecNotSupported / MAPI_E_NO_SUPPORT.
    NotSupported = 0x8004_0102,
    /// ecInvalidObject.
    InvalidObject = 0x8004_0108,
    /// MAPI_E_OBJECT_CHANGED.
    ObjectModified = 0x8004_0109,
    /// MAPI_E_OBJECT_DELETED.
    ObjectDeleted = 0x8004_010A,
    /// ecBusy / MAPI_E_BUSY (not the GetBuffer back-off code).
    Busy = 0x8004_010B,
    /// ecNotFound.
    NotFound = 0x8004_010F,
    /// ecTooBig.
    TooBig = 0x8004_0305,
    /// ecNotImplemented.
    NotImplemented = 0x8004_0FFF,
    /// SYNC_E_OBJECT_DELETED ("ObjectDeleted" of [MS-OXCFXICS] 3.3.4.3.3).
    SyncObjectDeleted = 0x8004_0800,
    /// SYNC_E_IGNORE ("IgnoreFailure").
    SyncIgnore = 0x8004_0801,
    /// SYNC_E_CONFLICT.
    SyncConflict = 0x8004_0802,
    /// SYNC_E_NO_PARENT ("NoParentFolder").
    SyncNoParent = 0x8004_0803,
    /// SYNC_E_INCEST.
    SyncIncest = 0x8004_0804,
    /// SYNC_E_UNSYNCHRONIZED.
    SyncUnsynchronized = 0x8004_0805,
    /// ecAccessDenied.
    AccessDenied = 0x8007_0005,
    /// ecMAPIOOM.
    OutOfMemory = 0x8007_000E,
    /// ecInvalidParam.
    InvalidParameter = 0x8007_0057,
}

impl ErrorCode {
    /// True for Success (0x00000000).
    pub const fn is_success(self) -> bool {
        self.to_u32() == 0
    }
}

impl From<u32> for ErrorCode {
    fn from(v: u32) -> Self {
        ErrorCode::from_u32(v)
    }
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ErrorCode {
    /// `0x80040802 SyncConflict`, or the bare hex value when unnamed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "{:#010X} {n}", self.to_u32()),
            None => write!(f, "{:#010X}", self.to_u32()),
        }
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for ErrorCode {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(ErrorCode::from_u32(u.arbitrary()?))
    }
    fn size_hint(_: usize) -> (usize, Option<usize>) {
        (4, Some(4))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_and_unknown_values_round_trip() {
        assert_eq!(ErrorCode::from_u32(0x8004_0802), ErrorCode::SyncConflict);
        assert_eq!(ErrorCode::SyncConflict.to_u32(), 0x8004_0802);
        assert_eq!(ErrorCode::from_u32(0x1234), ErrorCode::Unknown(0x1234));
        assert_eq!(ErrorCode::from_u32(0x1234).to_u32(), 0x1234);
        assert_eq!(ErrorCode::ServerBusy.to_string(), "0x00000480 ServerBusy");
        assert_eq!(ErrorCode::Unknown(7).to_string(), "0x00000007");
    }
}
