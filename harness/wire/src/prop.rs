//! Property tags, types, names and values ([MS-OXCDATA] 2.9–2.11, [MS-OXPROPS]).
//!
//! This module holds the *model* only. The two wire encodings live with their
//! containers: FastTransfer streams (`ftstream`, [MS-OXCFXICS] 2.2.4.1: u32
//! lengths, 2-byte booleans) and ROP buffers (`rop`, [MS-OXCDATA] 2.11.1: u16
//! binary counts, NUL-terminated strings, 1-byte booleans).

use std::fmt;

use crate::guid::Guid;

/// A property type ([MS-OXCDATA] 2.11.1). Unknown values are kept as-is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(transparent)]
pub struct PropType(pub u16);

impl PropType {
    pub const UNSPECIFIED: PropType = PropType(0x0000);
    pub const NULL: PropType = PropType(0x0001);
    pub const INTEGER16: PropType = PropType(0x0002);
    pub const INTEGER32: PropType = PropType(0x0003);
    pub const FLOATING32: PropType = PropType(0x0004);
    pub const FLOATING64: PropType = PropType(0x0005);
    pub const CURRENCY: PropType = PropType(0x0006);
    pub const FLOATING_TIME: PropType = PropType(0x0007);
    pub const ERROR_CODE: PropType = PropType(0x000A);
    pub const BOOLEAN: PropType = PropType(0x000B);
    pub const OBJECT: PropType = PropType(0x000D);
    pub const INTEGER64: PropType = PropType(0x0014);
    pub const STRING8: PropType = PropType(0x001E);
    pub const STRING: PropType = PropType(0x001F);
    pub const TIME: PropType = PropType(0x0040);
    pub const GUID: PropType = PropType(0x0048);
    pub const SERVER_ID: PropType = PropType(0x00FB);
    pub const RESTRICTION: PropType = PropType(0x00FD);
    pub const RULE_ACTION: PropType = PropType(0x00FE);
    pub const BINARY: PropType = PropType(0x0102);
    /// Flag bit of the multi-valued types.
    pub const MV_FLAG: u16 = 0x1000;
    pub const MULTIPLE_INTEGER16: PropType = PropType(0x1002);
    pub const MULTIPLE_INTEGER32: PropType = PropType(0x1003);
    pub const MULTIPLE_FLOATING32: PropType = PropType(0x1004);
    pub const MULTIPLE_FLOATING64: PropType = PropType(0x1005);
    pub const MULTIPLE_CURRENCY: PropType = PropType(0x1006);
    pub const MULTIPLE_FLOATING_TIME: PropType = PropType(0x1007);
    pub const MULTIPLE_INTEGER64: PropType = PropType(0x1014);
    pub const MULTIPLE_STRING8: PropType = PropType(0x101E);
    pub const MULTIPLE_STRING: PropType = PropType(0x101F);
    pub const MULTIPLE_TIME: PropType = PropType(0x1040);
    pub const MULTIPLE_GUID: PropType = PropType(0x1048);
    pub const MULTIPLE_BINARY: PropType = PropType(0x1102);

    /// True for the 0x1000 | base types.
    pub const fn is_multi(self) -> bool {
        self.0 & Self::MV_FLAG != 0 && self.0 & 0x8000 == 0
    }

    /// The single-valued base of a multi-valued type (identity otherwise).
    pub const fn base(self) -> PropType {
        if self.is_multi() {
            PropType(self.0 & !Self::MV_FLAG)
        } else {
            self
        }
    }

    /// A code page string type `0x8000 | cpid` ([MS-OXCFXICS] 2.2.4.1.1.1).
    pub const fn code_page(self) -> Option<u16> {
        if self.0 & 0x8000 != 0 {
            Some(self.0 & 0x7FFF)
        } else {
            None
        }
    }

    /// The spec name (`PtypString` ...), if known.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0x0000 => "PtypUnspecified",
            0x0001 => "PtypNull",
            0x0002 => "PtypInteger16",
            0x0003 => "PtypInteger32",
            0x0004 => "PtypFloating32",
            0x0005 => "PtypFloating64",
            0x0006 => "PtypCurrency",
            0x0007 => "PtypFloatingTime",
            0x000A => "PtypErrorCode",
            0x000B => "PtypBoolean",
            0x000D => "PtypObject",
            0x0014 => "PtypInteger64",
            0x001E => "PtypString8",
            0x001F => "PtypString",
            0x0040 => "PtypTime",
            0x0048 => "PtypGuid",
            0x00FB => "PtypServerId",
            0x00FD => "PtypRestriction",
            0x00FE => "PtypRuleAction",
            0x0102 => "PtypBinary",
            0x1002 => "PtypMultipleInteger16",
            0x1003 => "PtypMultipleInteger32",
            0x1004 => "PtypMultipleFloating32",
            0x1005 => "PtypMultipleFloating64",
            0x1006 => "PtypMultipleCurrency",
            0x1007 => "PtypMultipleFloatingTime",
            0x1014 => "PtypMultipleInteger64",
            0x101E => "PtypMultipleString8",
            0x101F => "PtypMultipleString",
            0x1040 => "PtypMultipleTime",
            0x1048 => "PtypMultipleGuid",
            0x1102 => "PtypMultipleBinary",
            _ => return None,
        })
    }
}

impl fmt::Debug for PropType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "PropType({:#06x})", self.0),
        }
    }
}

/// A property tag: `(id << 16) | type` ([MS-OXCDATA] 2.9). On the wire the
/// type comes first (u32 little-endian).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(transparent)]
pub struct PropTag(pub u32);

impl PropTag {
    /// Builds a tag from id and type.
    pub const fn new(id: u16, ty: PropType) -> Self {
        PropTag(((id as u32) << 16) | ty.0 as u32)
    }
    /// The property id.
    pub const fn id(self) -> u16 {
        (self.0 >> 16) as u16
    }
    /// The property type.
    pub const fn prop_type(self) -> PropType {
        PropType(self.0 as u16)
    }
    /// True for a named property id (0x8000..=0xFFFE).
    pub const fn is_named(self) -> bool {
        self.id() >= 0x8000
    }
    /// The same id with another type.
    pub const fn with_type(self, ty: PropType) -> Self {
        Self::new(self.id(), ty)
    }
}

impl fmt::Debug for PropTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#010X}", self.0)
    }
}

impl fmt::Display for PropTag {
    /// `0xAAAABBBB`, uppercase hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.0)
    }
}

/// The name of a named property ([MS-OXCDATA] 2.6.1): a property set GUID and
/// either a numeric LID or a string name.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PropertyName {
    /// The property set.
    pub guid: Guid,
    /// LID or name.
    pub kind: NameKind,
}

/// LID or string name of a named property.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum NameKind {
    /// Kind 0x00: a numeric LID (dispid).
    Lid(u32),
    /// Kind 0x01: a string name.
    Name(Utf16String),
}

/// A UTF-16 string kept as code units, so that unpaired surrogates a peer sent
/// survive a decode/encode round trip byte for byte.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Utf16String(pub Vec<u16>);

impl Utf16String {
    /// The text, with U+FFFD for unpaired surrogates.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(&self.0)
    }
    /// The text, or `None` if it holds an unpaired surrogate.
    pub fn to_string_checked(&self) -> Option<String> {
        String::from_utf16(&self.0).ok()
    }
    /// Code units.
    pub fn units(&self) -> &[u16] {
        &self.0
    }
    /// From UTF-16LE bytes (odd trailing byte ignored: callers check parity).
    pub fn from_le_bytes(b: &[u8]) -> Self {
        Utf16String(
            b.chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    }
    /// UTF-16LE bytes, without terminator.
    pub fn to_le_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.0.len() * 2);
        for u in &self.0 {
            v.extend_from_slice(&u.to_le_bytes());
        }
        v
    }
}

impl From<&str> for Utf16String {
    fn from(s: &str) -> Self {
        Utf16String(s.encode_utf16().collect())
    }
}

impl fmt::Debug for Utf16String {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}

impl serde::Serialize for Utf16String {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string_lossy())
    }
}

/// A property value, independent of its wire encoding.
///
/// Floats compare by bit pattern (so NaN payloads round-trip and compare equal).
/// String8 and code-page strings keep their raw bytes (the code page is the
/// connection's or the tag's, not ours to guess); `String` keeps UTF-16 units.
/// Terminators are not part of the value.
#[derive(Clone, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum PropValue {
    /// PtypInteger16.
    I16(i16),
    /// PtypInteger32.
    I32(i32),
    /// PtypFloating32.
    F32(f32),
    /// PtypFloating64.
    F64(f64),
    /// PtypCurrency (int64 × 10⁻⁴).
    Currency(i64),
    /// PtypFloatingTime (OLE automation date).
    FloatingTime(f64),
    /// PtypErrorCode.
    ErrorCode(u32),
    /// PtypBoolean.
    Boolean(bool),
    /// PtypInteger64.
    I64(i64),
    /// PtypString8: bytes in the connection code page, no terminator.
    String8(Vec<u8>),
    /// PtypString: UTF-16, no terminator.
    Unicode(Utf16String),
    /// PtypTime: FILETIME (100 ns ticks since 1601-01-01 UTC).
    Time(u64),
    /// PtypGuid.
    Guid(Guid),
    /// PtypServerId: the raw [MS-OXCDATA] 2.11.1.4 structure.
    ServerId(Vec<u8>),
    /// PtypBinary.
    Binary(Vec<u8>),
    /// PtypObject: raw bytes (a FastTransfer stream carries a length + bytes).
    Object(Vec<u8>),
    /// A code page string `0x8000 | cpid`: the raw bytes in that code page.
    CodePageString {
        /// Code page id (the low 15 bits of the type).
        cpid: u16,
        /// The bytes, no terminator.
        bytes: Vec<u8>,
    },
    /// PtypMultipleInteger16.
    MvI16(Vec<i16>),
    /// PtypMultipleInteger32.
    MvI32(Vec<i32>),
    /// PtypMultipleFloating32.
    MvF32(Vec<f32>),
    /// PtypMultipleFloating64.
    MvF64(Vec<f64>),
    /// PtypMultipleCurrency.
    MvCurrency(Vec<i64>),
    /// PtypMultipleFloatingTime.
    MvFloatingTime(Vec<f64>),
    /// PtypMultipleInteger64.
    MvI64(Vec<i64>),
    /// PtypMultipleString8.
    MvString8(Vec<Vec<u8>>),
    /// PtypMultipleString.
    MvUnicode(Vec<Utf16String>),
    /// PtypMultipleTime.
    MvTime(Vec<u64>),
    /// PtypMultipleGuid.
    MvGuid(Vec<Guid>),
    /// PtypMultipleBinary.
    MvBinary(Vec<Vec<u8>>),
}

impl PropValue {
    /// The property type this value is encoded with.
    pub fn prop_type(&self) -> PropType {
        use PropValue::*;
        match self {
            I16(_) => PropType::INTEGER16,
            I32(_) => PropType::INTEGER32,
            F32(_) => PropType::FLOATING32,
            F64(_) => PropType::FLOATING64,
            Currency(_) => PropType::CURRENCY,
            FloatingTime(_) => PropType::FLOATING_TIME,
            ErrorCode(_) => PropType::ERROR_CODE,
            Boolean(_) => PropType::BOOLEAN,
            I64(_) => PropType::INTEGER64,
            String8(_) => PropType::STRING8,
            Unicode(_) => PropType::STRING,
            Time(_) => PropType::TIME,
            Guid(_) => PropType::GUID,
            ServerId(_) => PropType::SERVER_ID,
            Binary(_) => PropType::BINARY,
            Object(_) => PropType::OBJECT,
            CodePageString { cpid, .. } => PropType(0x8000 | (cpid & 0x7FFF)),
            MvI16(_) => PropType::MULTIPLE_INTEGER16,
            MvI32(_) => PropType::MULTIPLE_INTEGER32,
            MvF32(_) => PropType::MULTIPLE_FLOATING32,
            MvF64(_) => PropType::MULTIPLE_FLOATING64,
            MvCurrency(_) => PropType::MULTIPLE_CURRENCY,
            MvFloatingTime(_) => PropType::MULTIPLE_FLOATING_TIME,
            MvI64(_) => PropType::MULTIPLE_INTEGER64,
            MvString8(_) => PropType::MULTIPLE_STRING8,
            MvUnicode(_) => PropType::MULTIPLE_STRING,
            MvTime(_) => PropType::MULTIPLE_TIME,
            MvGuid(_) => PropType::MULTIPLE_GUID,
            MvBinary(_) => PropType::MULTIPLE_BINARY,
        }
    }

    /// A PtypString value from text.
    pub fn unicode(s: &str) -> Self {
        PropValue::Unicode(Utf16String::from(s))
    }
}

impl PartialEq for PropValue {
    fn eq(&self, other: &Self) -> bool {
        use PropValue::*;
        fn f32s(a: &[f32], b: &[f32]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        }
        fn f64s(a: &[f64], b: &[f64]) -> bool {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
        }
        match (self, other) {
            (I16(a), I16(b)) => a == b,
            (I32(a), I32(b)) => a == b,
            (F32(a), F32(b)) => a.to_bits() == b.to_bits(),
            (F64(a), F64(b)) | (FloatingTime(a), FloatingTime(b)) => a.to_bits() == b.to_bits(),
            (Currency(a), Currency(b)) | (I64(a), I64(b)) => a == b,
            (ErrorCode(a), ErrorCode(b)) => a == b,
            (Boolean(a), Boolean(b)) => a == b,
            (String8(a), String8(b))
            | (ServerId(a), ServerId(b))
            | (Binary(a), Binary(b))
            | (Object(a), Object(b)) => a == b,
            (Unicode(a), Unicode(b)) => a == b,
            (Time(a), Time(b)) => a == b,
            (Guid(a), Guid(b)) => a == b,
            (
                CodePageString {
                    cpid: c1,
                    bytes: b1,
                },
                CodePageString {
                    cpid: c2,
                    bytes: b2,
                },
            ) => c1 & 0x7FFF == c2 & 0x7FFF && b1 == b2,
            (MvI16(a), MvI16(b)) => a == b,
            (MvI32(a), MvI32(b)) => a == b,
            (MvF32(a), MvF32(b)) => f32s(a, b),
            (MvF64(a), MvF64(b)) | (MvFloatingTime(a), MvFloatingTime(b)) => f64s(a, b),
            (MvCurrency(a), MvCurrency(b)) | (MvI64(a), MvI64(b)) => a == b,
            (MvString8(a), MvString8(b)) | (MvBinary(a), MvBinary(b)) => a == b,
            (MvUnicode(a), MvUnicode(b)) => a == b,
            (MvTime(a), MvTime(b)) => a == b,
            (MvGuid(a), MvGuid(b)) => a == b,
            _ => false,
        }
    }
}

/// A tag with its value ([MS-OXCDATA] 2.11.4 TaggedPropertyValue).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TaggedValue {
    /// The tag (its type should match the value's).
    pub tag: PropTag,
    /// The value.
    pub value: PropValue,
}

/// Well-known property tags used across the codecs ([MS-OXPROPS], [MS-OXCFXICS] 2.2.1).
pub mod tags {
    use super::PropTag;

    pub const PID_TAG_SUBJECT: PropTag = PropTag(0x0037_001F);
    pub const PID_TAG_MESSAGE_CLASS: PropTag = PropTag(0x001A_001F);
    pub const PID_TAG_DISPLAY_NAME: PropTag = PropTag(0x3001_001F);
    pub const PID_TAG_BODY: PropTag = PropTag(0x1000_001F);
    pub const PID_TAG_MESSAGE_FLAGS: PropTag = PropTag(0x0E07_0003);
    pub const PID_TAG_MESSAGE_SIZE: PropTag = PropTag(0x0E08_0003);
    pub const PID_TAG_MESSAGE_DELIVERY_TIME: PropTag = PropTag(0x0E06_0040);
    pub const PID_TAG_LAST_MODIFICATION_TIME: PropTag = PropTag(0x3008_0040);
    pub const PID_TAG_ASSOCIATED: PropTag = PropTag(0x67AA_000B);
    pub const PID_TAG_FOLDER_ID: PropTag = PropTag(0x6748_0014);
    pub const PID_TAG_PARENT_FOLDER_ID: PropTag = PropTag(0x6749_0014);
    pub const PID_TAG_MID: PropTag = PropTag(0x674A_0014);
    pub const PID_TAG_CHANGE_NUMBER: PropTag = PropTag(0x67A4_0014);
    pub const PID_TAG_SOURCE_KEY: PropTag = PropTag(0x65E0_0102);
    pub const PID_TAG_PARENT_SOURCE_KEY: PropTag = PropTag(0x65E1_0102);
    pub const PID_TAG_CHANGE_KEY: PropTag = PropTag(0x65E2_0102);
    pub const PID_TAG_PREDECESSOR_CHANGE_LIST: PropTag = PropTag(0x65E3_0102);
    pub const PID_TAG_ORIGINAL_ENTRY_ID: PropTag = PropTag(0x3A12_0102);
    pub const PID_TAG_CONFLICT_ITEMS: PropTag = PropTag(0x1098_1102);
    pub const PID_TAG_READ: PropTag = PropTag(0x0E69_000B);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_parts() {
        let t = tags::PID_TAG_SUBJECT;
        assert_eq!(t.id(), 0x0037);
        assert_eq!(t.prop_type(), PropType::STRING);
        assert_eq!(t.0.to_le_bytes(), [0x1F, 0x00, 0x37, 0x00]);
        assert_eq!(t.to_string(), "0x0037001F");
        assert!(PropTag(0x8001_0003).is_named());
    }

    #[test]
    fn multi_and_codepage_types() {
        assert!(PropType::MULTIPLE_BINARY.is_multi());
        assert_eq!(PropType::MULTIPLE_BINARY.base(), PropType::BINARY);
        assert!(!PropType(0x84B0).is_multi());
        assert_eq!(PropType(0x84B0).code_page(), Some(1200));
    }

    #[test]
    fn float_values_compare_by_bits() {
        assert_eq!(PropValue::F64(f64::NAN), PropValue::F64(f64::NAN));
        assert_ne!(PropValue::F64(0.0), PropValue::F64(-0.0));
    }
}
