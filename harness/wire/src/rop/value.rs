//! Property values in the ROP-buffer encoding ([MS-OXCDATA] 2.11): PtypBinary
//! and PtypServerId carry a u16 byte count, multi-valued types a u32 value
//! count ([MS-OXCDATA] 2.11.1.1; rops.md §2), strings are NUL-terminated,
//! PtypBoolean is one byte. Also PropertyTag arrays (2.9), TaggedPropertyValue
//! (2.11.4), TypedPropertyValue (2.11.3), PropertyRow (2.8.1), PropertyName
//! (2.6.1) and TypedString ([MS-OXCROPS] 2.2.6.1.2).

use crate::cursor::{Reader, WriteLe};
use crate::guid::Guid;
use crate::prop::{NameKind, PropTag, PropType, PropValue, PropertyName, TaggedValue, Utf16String};

use super::codes::ErrorCode;
use super::error::{DecodeResult, EncodeError, EncodeResult, RopError};

/// Reads a NUL-terminated 8-bit string; returns the bytes without the NUL.
pub fn read_string8(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Vec<u8>> {
    let start = r.offset();
    let rest = r.rest();
    let Some(n) = rest.iter().position(|&b| b == 0) else {
        return Err(RopError::MissingTerminator {
            offset: start,
            field,
        });
    };
    let s = r.bytes(n, field)?.to_vec();
    r.skip(1, field)?;
    Ok(s)
}

/// Writes an 8-bit string and its NUL terminator.
pub fn write_string8(out: &mut Vec<u8>, s: &[u8], field: &'static str) -> EncodeResult {
    if s.contains(&0) {
        return Err(EncodeError::Unrepresentable {
            field,
            reason: "8-bit string holds a NUL byte",
        });
    }
    out.put_bytes(s);
    out.put_u8(0);
    Ok(())
}

/// Reads a NUL-terminated UTF-16LE string; returns the units without the NUL.
pub fn read_unicode(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Utf16String> {
    let start = r.offset();
    let rest = r.rest();
    let Some(n) = rest.chunks_exact(2).position(|c| c == [0, 0]) else {
        return Err(RopError::MissingTerminator {
            offset: start,
            field,
        });
    };
    let s = Utf16String::from_le_bytes(r.bytes(2 * n, field)?);
    r.skip(2, field)?;
    Ok(s)
}

/// Writes a UTF-16LE string and its two-byte NUL terminator.
pub fn write_unicode(out: &mut Vec<u8>, s: &Utf16String, field: &'static str) -> EncodeResult {
    if s.0.contains(&0) {
        return Err(EncodeError::Unrepresentable {
            field,
            reason: "UTF-16 string holds a NUL unit",
        });
    }
    out.put_bytes(&s.to_le_bytes());
    out.put_u16(0);
    Ok(())
}

/// Checks that `len` fits a count field of maximum `max`.
pub fn check_len(len: usize, max: usize, field: &'static str) -> EncodeResult {
    if len > max {
        Err(EncodeError::TooLong { field, len, max })
    } else {
        Ok(())
    }
}

/// Writes a u16 count.
pub fn put_count16(out: &mut Vec<u8>, len: usize, field: &'static str) -> EncodeResult {
    check_len(len, u16::MAX as usize, field)?;
    out.put_u16(len as u16);
    Ok(())
}

/// Writes a u8 count.
pub fn put_count8(out: &mut Vec<u8>, len: usize, field: &'static str) -> EncodeResult {
    check_len(len, u8::MAX as usize, field)?;
    out.put_u8(len as u8);
    Ok(())
}

/// Writes a u32 count.
pub fn put_count32(out: &mut Vec<u8>, len: usize, field: &'static str) -> EncodeResult {
    check_len(len, u32::MAX as usize, field)?;
    out.put_u32(len as u32);
    Ok(())
}

/// Reads a u16 byte count then that many bytes.
pub fn read_bytes16(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Vec<u8>> {
    let n = r.u16(field)? as usize;
    Ok(r.bytes(n, field)?.to_vec())
}

/// Writes a u16 byte count then the bytes.
pub fn write_bytes16(out: &mut Vec<u8>, b: &[u8], field: &'static str) -> EncodeResult {
    put_count16(out, b.len(), field)?;
    out.put_bytes(b);
    Ok(())
}

/// Reads a u32 byte count then that many bytes.
pub fn read_bytes32(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Vec<u8>> {
    let n = r.u32(field)? as usize;
    Ok(r.bytes(n, field)?.to_vec())
}

/// Writes a u32 byte count then the bytes.
pub fn write_bytes32(out: &mut Vec<u8>, b: &[u8], field: &'static str) -> EncodeResult {
    put_count32(out, b.len(), field)?;
    out.put_bytes(b);
    Ok(())
}

/// Reads a one-byte boolean that must be 0x00 or 0x01.
pub fn read_bool(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<bool> {
    let offset = r.offset();
    match r.u8(field)? {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(RopError::BadValue {
            offset,
            field,
            value: v as u64,
            reason: "a boolean must be 0x00 or 0x01",
        }),
    }
}

/// Reads a PropertyTag (u32: type then id on the wire).
pub fn read_tag(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<PropTag> {
    Ok(PropTag(r.u32(field)?))
}

/// Reads `count` PropertyTags.
pub fn read_tags(
    r: &mut Reader<'_>,
    count: usize,
    field: &'static str,
) -> DecodeResult<Vec<PropTag>> {
    r.check_count(count, 4, field)?;
    (0..count).map(|_| read_tag(r, field)).collect()
}

/// Reads a u16 PropertyTagCount and the tags.
pub fn read_tag_array16(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Vec<PropTag>> {
    let n = r.u16(field)? as usize;
    read_tags(r, n, field)
}

/// Writes a u16 count and the tags.
pub fn write_tag_array16(out: &mut Vec<u8>, tags: &[PropTag], field: &'static str) -> EncodeResult {
    put_count16(out, tags.len(), field)?;
    for t in tags {
        out.put_u32(t.0);
    }
    Ok(())
}

/// Reads `count` u64 ids (MessageIds, FolderIds) as their 8 wire bytes.
pub fn read_ids<T: From<crate::ids::ExchangeId>>(
    r: &mut Reader<'_>,
    count: usize,
    field: &'static str,
) -> DecodeResult<Vec<T>> {
    r.check_count(count, 8, field)?;
    (0..count)
        .map(|_| Ok(T::from(crate::ids::ExchangeId::read(r, field)?)))
        .collect()
}

/// Minimum wire size of one value of a multi-valued type's base.
fn min_item_size(base: PropType) -> usize {
    match base {
        PropType::INTEGER16 | PropType::BINARY | PropType::STRING => 2,
        PropType::INTEGER32 | PropType::FLOATING32 => 4,
        PropType::GUID => 16,
        PropType::STRING8 => 1,
        _ => 8,
    }
}

/// Reads one value of type `ty` ([MS-OXCDATA] 2.11.2.1 PropertyValue, ROP
/// buffer widths). Types without a ROP encoding are an error.
pub fn read_value(
    r: &mut Reader<'_>,
    ty: PropType,
    field: &'static str,
) -> DecodeResult<PropValue> {
    use PropValue as V;
    let offset = r.offset();
    if ty.is_multi() {
        let n = r.u32(field)? as usize;
        let base = ty.base();
        let unsupported = || RopError::UnsupportedPropType {
            offset,
            field,
            prop_type: ty.0,
        };
        if !matches!(
            base,
            PropType::INTEGER16
                | PropType::INTEGER32
                | PropType::FLOATING32
                | PropType::FLOATING64
                | PropType::CURRENCY
                | PropType::FLOATING_TIME
                | PropType::INTEGER64
                | PropType::STRING8
                | PropType::STRING
                | PropType::TIME
                | PropType::GUID
                | PropType::BINARY
        ) {
            return Err(unsupported());
        }
        r.check_count(n, min_item_size(base), field)?;
        macro_rules! many {
            ($f:expr) => {{
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push($f);
                }
                v
            }};
        }
        return Ok(match base {
            PropType::INTEGER16 => V::MvI16(many!(r.u16(field)? as i16)),
            PropType::INTEGER32 => V::MvI32(many!(r.u32(field)? as i32)),
            PropType::FLOATING32 => V::MvF32(many!(f32::from_bits(r.u32(field)?))),
            PropType::FLOATING64 => V::MvF64(many!(f64::from_bits(r.u64(field)?))),
            PropType::CURRENCY => V::MvCurrency(many!(r.u64(field)? as i64)),
            PropType::FLOATING_TIME => V::MvFloatingTime(many!(f64::from_bits(r.u64(field)?))),
            PropType::INTEGER64 => V::MvI64(many!(r.u64(field)? as i64)),
            PropType::STRING8 => V::MvString8(many!(read_string8(r, field)?)),
            PropType::STRING => V::MvUnicode(many!(read_unicode(r, field)?)),
            PropType::TIME => V::MvTime(many!(r.u64(field)?)),
            PropType::GUID => V::MvGuid(many!(Guid(r.array(field)?))),
            _ => V::MvBinary(many!(read_bytes16(r, field)?)),
        });
    }
    Ok(match ty {
        PropType::INTEGER16 => V::I16(r.u16(field)? as i16),
        PropType::INTEGER32 => V::I32(r.u32(field)? as i32),
        PropType::FLOATING32 => V::F32(f32::from_bits(r.u32(field)?)),
        PropType::FLOATING64 => V::F64(f64::from_bits(r.u64(field)?)),
        PropType::CURRENCY => V::Currency(r.u64(field)? as i64),
        PropType::FLOATING_TIME => V::FloatingTime(f64::from_bits(r.u64(field)?)),
        PropType::ERROR_CODE => V::ErrorCode(r.u32(field)?),
        PropType::BOOLEAN => V::Boolean(read_bool(r, field)?),
        PropType::INTEGER64 => V::I64(r.u64(field)? as i64),
        PropType::STRING8 => V::String8(read_string8(r, field)?),
        PropType::STRING => V::Unicode(read_unicode(r, field)?),
        PropType::TIME => V::Time(r.u64(field)?),
        PropType::GUID => V::Guid(Guid(r.array(field)?)),
        PropType::SERVER_ID => V::ServerId(read_bytes16(r, field)?),
        PropType::BINARY => V::Binary(read_bytes16(r, field)?),
        _ => {
            return Err(RopError::UnsupportedPropType {
                offset,
                field,
                prop_type: ty.0,
            });
        }
    })
}

/// Writes one value in the ROP-buffer encoding of its own type.
pub fn write_value(out: &mut Vec<u8>, v: &PropValue, field: &'static str) -> EncodeResult {
    use PropValue as V;
    macro_rules! many {
        ($xs:expr, $x:ident => $w:expr) => {{
            put_count32(out, $xs.len(), field)?;
            for $x in $xs {
                $w;
            }
        }};
    }
    match v {
        V::I16(x) => out.put_u16(*x as u16),
        V::I32(x) => out.put_u32(*x as u32),
        V::F32(x) => out.put_u32(x.to_bits()),
        V::F64(x) | V::FloatingTime(x) => out.put_u64(x.to_bits()),
        V::Currency(x) | V::I64(x) => out.put_u64(*x as u64),
        V::ErrorCode(x) => out.put_u32(*x),
        V::Boolean(b) => out.put_u8(*b as u8),
        V::String8(s) => write_string8(out, s, field)?,
        V::Unicode(s) => write_unicode(out, s, field)?,
        V::Time(t) => out.put_u64(*t),
        V::Guid(g) => out.put_bytes(&g.0),
        V::ServerId(b) | V::Binary(b) => write_bytes16(out, b, field)?,
        V::Object(_) => {
            return Err(EncodeError::Unrepresentable {
                field,
                reason: "PtypObject has no ROP buffer encoding",
            });
        }
        V::CodePageString { .. } => {
            return Err(EncodeError::Unrepresentable {
                field,
                reason: "code page string types have no ROP buffer encoding",
            });
        }
        V::MvI16(xs) => many!(xs, x => out.put_u16(*x as u16)),
        V::MvI32(xs) => many!(xs, x => out.put_u32(*x as u32)),
        V::MvF32(xs) => many!(xs, x => out.put_u32(x.to_bits())),
        V::MvF64(xs) | V::MvFloatingTime(xs) => many!(xs, x => out.put_u64(x.to_bits())),
        V::MvCurrency(xs) | V::MvI64(xs) => many!(xs, x => out.put_u64(*x as u64)),
        V::MvString8(xs) => many!(xs, x => write_string8(out, x, field)?),
        V::MvUnicode(xs) => many!(xs, x => write_unicode(out, x, field)?),
        V::MvTime(xs) => many!(xs, x => out.put_u64(*x)),
        V::MvGuid(xs) => many!(xs, x => out.put_bytes(&x.0)),
        V::MvBinary(xs) => many!(xs, x => write_bytes16(out, x, field)?),
    }
    Ok(())
}

/// A TaggedPropertyValue ([MS-OXCDATA] 2.11.4): a tag and a value of the
/// tag's type. The encoder refuses a tag whose type differs from the value's.
#[derive(Clone, Debug, PartialEq)]
pub struct TaggedPropertyValue(pub TaggedValue);

impl serde::Serialize for TaggedPropertyValue {
    /// `{"property_tag": "0xAAAABBBB", "property_value": ...}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("TaggedPropertyValue", 2)?;
        st.serialize_field("property_tag", &self.0.tag.to_string())?;
        st.serialize_field("property_value", &self.0.value)?;
        st.end()
    }
}

impl TaggedPropertyValue {
    /// A tagged value.
    pub fn new(tag: PropTag, value: PropValue) -> Self {
        TaggedPropertyValue(TaggedValue { tag, value })
    }

    /// Reads one TaggedPropertyValue.
    pub fn read(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Self> {
        let tag = read_tag(r, field)?;
        let value = read_value(r, tag.prop_type(), field)?;
        Ok(Self::new(tag, value))
    }

    /// Writes it.
    pub fn write(&self, out: &mut Vec<u8>, field: &'static str) -> EncodeResult {
        let TaggedValue { tag, value } = &self.0;
        if tag.prop_type() != value.prop_type() {
            return Err(EncodeError::TypeMismatch {
                field,
                tag: *tag,
                value_type: value.prop_type().0,
            });
        }
        out.put_u32(tag.0);
        write_value(out, value, field)
    }

    /// Reads `count` of them.
    pub fn read_many(
        r: &mut Reader<'_>,
        count: usize,
        field: &'static str,
    ) -> DecodeResult<Vec<Self>> {
        r.check_count(count, 5, field)?;
        (0..count).map(|_| Self::read(r, field)).collect()
    }
}

/// One value of a PropertyRow (2.8.1.1 StandardPropertyRow).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum StandardCell {
    /// PropertyValue, for a column with a type.
    Value(PropValue),
    /// TypedPropertyValue, for a PtypUnspecified column (2.11.3).
    Typed(PropValue),
}

/// A FlaggedPropertyValue's content ([MS-OXCDATA] 2.11.5).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum Flagged {
    /// Flag 0x00: the value.
    Value(PropValue),
    /// Flag 0x01: the property is not present; no value.
    NotPresent,
    /// Flag 0x0A: a PtypErrorCode value.
    Error(ErrorCode),
}

/// One value of a FlaggedPropertyRow (2.8.1.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum FlaggedCell {
    /// FlaggedPropertyValue, for a column with a type.
    Flagged(Flagged),
    /// FlaggedPropertyValueWithType (2.11.6), for a PtypUnspecified column;
    /// for `Flagged::Value` the type must be the value's.
    WithType {
        /// PropertyType.
        property_type: PropType,
        /// Flag and value.
        value: Flagged,
    },
}

/// A PropertyRow ([MS-OXCDATA] 2.8.1): the values of known columns, no tags.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum PropertyRow {
    /// Flag 0x00.
    Standard(Vec<StandardCell>),
    /// Flag 0x01.
    Flagged(Vec<FlaggedCell>),
}

/// The MultivalueInstance bit of a column type ([MS-OXCDATA] 2.11.1.2): the
/// row carries one single value of the base type.
pub const MV_INSTANCE: u16 = 0x2000;

fn column_value_type(col: PropTag) -> PropType {
    let t = col.prop_type().0;
    if t & MV_INSTANCE != 0 && t & 0x8000 == 0 {
        PropType(t & !(MV_INSTANCE | PropType::MV_FLAG))
    } else {
        PropType(t)
    }
}

fn read_flagged(r: &mut Reader<'_>, ty: PropType, field: &'static str) -> DecodeResult<Flagged> {
    let offset = r.offset();
    match r.u8(field)? {
        0x00 => Ok(Flagged::Value(read_value(r, ty, field)?)),
        0x01 => Ok(Flagged::NotPresent),
        0x0A => Ok(Flagged::Error(ErrorCode::from_u32(r.u32(field)?))),
        v => Err(RopError::BadValue {
            offset,
            field,
            value: v as u64,
            reason: "FlaggedPropertyValue Flag must be 0x00, 0x01 or 0x0A",
        }),
    }
}

fn write_flagged(out: &mut Vec<u8>, f: &Flagged, field: &'static str) -> EncodeResult {
    match f {
        Flagged::Value(v) => {
            out.put_u8(0);
            write_value(out, v, field)
        }
        Flagged::NotPresent => {
            out.put_u8(1);
            Ok(())
        }
        Flagged::Error(e) => {
            out.put_u8(0x0A);
            out.put_u32(e.to_u32());
            Ok(())
        }
    }
}

impl PropertyRow {
    /// Reads one row for `columns`.
    pub fn read(
        r: &mut Reader<'_>,
        columns: &[PropTag],
        field: &'static str,
    ) -> DecodeResult<Self> {
        let offset = r.offset();
        match r.u8(field)? {
            0x00 => {
                let mut cells = Vec::with_capacity(columns.len().min(r.remaining()));
                for c in columns {
                    let ty = column_value_type(*c);
                    cells.push(if ty == PropType::UNSPECIFIED {
                        let t = PropType(r.u16(field)?);
                        StandardCell::Typed(read_value(r, t, field)?)
                    } else {
                        StandardCell::Value(read_value(r, ty, field)?)
                    });
                }
                Ok(PropertyRow::Standard(cells))
            }
            0x01 => {
                let mut cells = Vec::with_capacity(columns.len().min(r.remaining()));
                for c in columns {
                    let ty = column_value_type(*c);
                    cells.push(if ty == PropType::UNSPECIFIED {
                        let t = PropType(r.u16(field)?);
                        FlaggedCell::WithType {
                            property_type: t,
                            value: read_flagged(r, t, field)?,
                        }
                    } else {
                        FlaggedCell::Flagged(read_flagged(r, ty, field)?)
                    });
                }
                Ok(PropertyRow::Flagged(cells))
            }
            v => Err(RopError::BadValue {
                offset,
                field,
                value: v as u64,
                reason: "PropertyRow Flag must be 0x00 or 0x01",
            }),
        }
    }

    /// Writes the row. The caller's columns must match (the encoder cannot
    /// check them; [`PropertyRow::columns`] gives columns that do).
    pub fn write(&self, out: &mut Vec<u8>, field: &'static str) -> EncodeResult {
        match self {
            PropertyRow::Standard(cells) => {
                out.put_u8(0);
                for c in cells {
                    match c {
                        StandardCell::Value(v) => write_value(out, v, field)?,
                        StandardCell::Typed(v) => {
                            out.put_u16(v.prop_type().0);
                            write_value(out, v, field)?;
                        }
                    }
                }
            }
            PropertyRow::Flagged(cells) => {
                out.put_u8(1);
                for c in cells {
                    match c {
                        FlaggedCell::Flagged(f) => write_flagged(out, f, field)?,
                        FlaggedCell::WithType {
                            property_type,
                            value,
                        } => {
                            if let Flagged::Value(v) = value
                                && v.prop_type() != *property_type
                            {
                                return Err(EncodeError::Inconsistent {
                                    field,
                                    reason: "FlaggedPropertyValueWithType type differs from its value's",
                                });
                            }
                            out.put_u16(property_type.0);
                            write_flagged(out, value, field)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Column types under which this row decodes to itself (for tests and
    /// round trips): the value's type, PtypUnspecified for typed cells, and
    /// `None` for NotPresent/Error cells of typed columns (any type fits).
    pub fn column_types(&self) -> Vec<Option<PropType>> {
        match self {
            PropertyRow::Standard(cells) => cells
                .iter()
                .map(|c| match c {
                    StandardCell::Value(v) => Some(v.prop_type()),
                    StandardCell::Typed(_) => Some(PropType::UNSPECIFIED),
                })
                .collect(),
            PropertyRow::Flagged(cells) => cells
                .iter()
                .map(|c| match c {
                    FlaggedCell::Flagged(Flagged::Value(v)) => Some(v.prop_type()),
                    FlaggedCell::Flagged(_) => None,
                    FlaggedCell::WithType { .. } => Some(PropType::UNSPECIFIED),
                })
                .collect(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            PropertyRow::Standard(c) => c.len(),
            PropertyRow::Flagged(c) => c.len(),
        }
    }

    /// True when the row has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Columns that fit every row of `rows` (id 0x0001.. in order), or `None`
/// when the rows disagree on a column's type or length.
pub fn columns_for_rows(rows: &[PropertyRow]) -> Option<Vec<PropTag>> {
    let mut types: Vec<Option<PropType>> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let t = row.column_types();
        if i == 0 {
            types = t;
            continue;
        }
        if t.len() != types.len() {
            return None;
        }
        for (a, b) in types.iter_mut().zip(t) {
            match (*a, b) {
                (Some(PropType::UNSPECIFIED), None) => return None,
                (_, None) => {}
                (None, Some(x)) => {
                    if x == PropType::UNSPECIFIED {
                        return None;
                    }
                    *a = Some(x);
                }
                (Some(x), Some(y)) if x == y => {}
                _ => return None,
            }
        }
    }
    Some(
        types
            .iter()
            .enumerate()
            .map(|(i, t)| PropTag::new(i as u16 + 1, t.unwrap_or(PropType::INTEGER32)))
            .collect(),
    )
}

/// A PropertyName as RopGetPropertyIdsFromNames sends it ([MS-OXCDATA] 2.6.1):
/// Kind 0x00 (LID), 0x01 (Name) or 0xFF (no name, GUID only).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RopPropertyName {
    /// Kind 0x00 or 0x01.
    Named(PropertyName),
    /// Kind 0xFF: "the property has no name".
    NoPropertyName {
        /// GUID.
        guid: Guid,
    },
}

impl RopPropertyName {
    /// Largest Name, in UTF-16 units: NameSize is one byte and counts the terminator.
    pub const MAX_NAME_UNITS: usize = 126;

    /// Reads one PropertyName.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let offset = r.offset();
        let kind = r.u8("PropertyName.Kind")?;
        let guid = Guid(r.array("PropertyName.GUID")?);
        match kind {
            0x00 => Ok(RopPropertyName::Named(PropertyName {
                guid,
                kind: NameKind::Lid(r.u32("PropertyName.LID")?),
            })),
            0x01 => {
                let size_off = r.offset();
                let size = r.u8("PropertyName.NameSize")? as usize;
                let body = r.bytes(size, "PropertyName.Name")?;
                let mut inner = Reader::with_base(body, size_off + 1);
                let name = read_unicode(&mut inner, "PropertyName.Name")?;
                if !inner.is_empty() {
                    return Err(RopError::SizeMismatch {
                        offset: size_off,
                        field: "PropertyName.NameSize",
                        declared: size,
                        actual: size - inner.remaining(),
                    });
                }
                Ok(RopPropertyName::Named(PropertyName {
                    guid,
                    kind: NameKind::Name(name),
                }))
            }
            0xFF => Ok(RopPropertyName::NoPropertyName { guid }),
            v => Err(RopError::BadValue {
                offset,
                field: "PropertyName.Kind",
                value: v as u64,
                reason: "Kind must be 0x00, 0x01 or 0xFF",
            }),
        }
    }

    /// Writes it.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        match self {
            RopPropertyName::Named(PropertyName {
                guid,
                kind: NameKind::Lid(lid),
            }) => {
                out.put_u8(0);
                out.put_bytes(&guid.0);
                out.put_u32(*lid);
            }
            RopPropertyName::Named(PropertyName {
                guid,
                kind: NameKind::Name(name),
            }) => {
                check_len(name.0.len(), Self::MAX_NAME_UNITS, "PropertyName.Name")?;
                out.put_u8(1);
                out.put_bytes(&guid.0);
                out.put_u8((name.0.len() * 2 + 2) as u8);
                write_unicode(out, name, "PropertyName.Name")?;
            }
            RopPropertyName::NoPropertyName { guid } => {
                out.put_u8(0xFF);
                out.put_bytes(&guid.0);
            }
        }
        Ok(())
    }
}

/// TypedString ([MS-OXCROPS] 2.2.6.1.2.1; [MS-OXCMSG] 2.2.3.1.2): StringType
/// then the string.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum TypedString {
    /// 0x00: no string.
    NoString,
    /// 0x01: empty string.
    Empty,
    /// 0x02: 8-bit string, NUL-terminated.
    String8(#[serde(serialize_with = "ser_lossy8")] Vec<u8>),
    /// 0x03: reduced Unicode (each UTF-16 unit's low byte), NUL-terminated.
    ReducedUnicode(#[serde(serialize_with = "ser_lossy8")] Vec<u8>),
    /// 0x04: UTF-16LE, NUL-terminated.
    Unicode(Utf16String),
}

fn ser_lossy8<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(b))
}

impl TypedString {
    /// Reads one TypedString.
    pub fn read(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Self> {
        let offset = r.offset();
        Ok(match r.u8(field)? {
            0 => TypedString::NoString,
            1 => TypedString::Empty,
            2 => TypedString::String8(read_string8(r, field)?),
            3 => TypedString::ReducedUnicode(read_string8(r, field)?),
            4 => TypedString::Unicode(read_unicode(r, field)?),
            v => {
                return Err(RopError::BadValue {
                    offset,
                    field,
                    value: v as u64,
                    reason: "StringType must be 0x00..=0x04",
                });
            }
        })
    }

    /// Writes it.
    pub fn write(&self, out: &mut Vec<u8>, field: &'static str) -> EncodeResult {
        match self {
            TypedString::NoString => out.put_u8(0),
            TypedString::Empty => out.put_u8(1),
            TypedString::String8(s) => {
                out.put_u8(2);
                write_string8(out, s, field)?;
            }
            TypedString::ReducedUnicode(s) => {
                out.put_u8(3);
                write_string8(out, s, field)?;
            }
            TypedString::Unicode(s) => {
                out.put_u8(4);
                write_unicode(out, s, field)?;
            }
        }
        Ok(())
    }
}

/// Arbitrary values restricted to what the ROP encoding can carry.
#[cfg(feature = "arbitrary")]
pub mod arb {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;

    /// Makes a value representable in a ROP buffer: no NUL inside strings,
    /// PtypObject and code page strings become PtypBinary.
    pub fn sanitize(v: PropValue) -> PropValue {
        use PropValue as V;
        let s8 = |s: Vec<u8>| s.into_iter().filter(|&b| b != 0).collect::<Vec<u8>>();
        let s16 = |s: Utf16String| Utf16String(s.0.into_iter().filter(|&u| u != 0).collect());
        match v {
            V::String8(s) => V::String8(s8(s)),
            V::Unicode(s) => V::Unicode(s16(s)),
            V::Object(b) => V::Binary(b),
            V::CodePageString { bytes, .. } => V::Binary(bytes),
            V::MvString8(xs) => V::MvString8(xs.into_iter().map(s8).collect()),
            V::MvUnicode(xs) => V::MvUnicode(xs.into_iter().map(s16).collect()),
            other => other,
        }
    }

    /// A representable value.
    pub fn value(u: &mut Unstructured<'_>) -> Result<PropValue> {
        Ok(sanitize(u.arbitrary()?))
    }

    /// Bytes without NUL.
    pub fn string8(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
        let v: Vec<u8> = u.arbitrary()?;
        Ok(v.into_iter().filter(|&b| b != 0).collect())
    }

    /// UTF-16 without NUL, at most `max` units.
    pub fn unicode(u: &mut Unstructured<'_>, max: usize) -> Result<Utf16String> {
        let v: Vec<u16> = u.arbitrary()?;
        Ok(Utf16String(
            v.into_iter().filter(|&x| x != 0).take(max).collect(),
        ))
    }

    impl<'a> Arbitrary<'a> for TaggedPropertyValue {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let v = value(u)?;
            let id: u16 = u.arbitrary()?;
            Ok(TaggedPropertyValue::new(PropTag::new(id, v.prop_type()), v))
        }
    }

    impl<'a> Arbitrary<'a> for StandardCell {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(if u.arbitrary()? {
                StandardCell::Typed(value(u)?)
            } else {
                StandardCell::Value(value(u)?)
            })
        }
    }

    impl<'a> Arbitrary<'a> for Flagged {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(match u.int_in_range(0..=2u8)? {
                0 => Flagged::Value(value(u)?),
                1 => Flagged::NotPresent,
                _ => Flagged::Error(u.arbitrary()?),
            })
        }
    }

    impl<'a> Arbitrary<'a> for FlaggedCell {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let f: Flagged = u.arbitrary()?;
            if u.arbitrary()? {
                return Ok(FlaggedCell::Flagged(f));
            }
            let property_type = match &f {
                Flagged::Value(v) => v.prop_type(),
                _ => PropType(u.arbitrary()?),
            };
            Ok(FlaggedCell::WithType {
                property_type,
                value: f,
            })
        }
    }

    impl<'a> Arbitrary<'a> for PropertyRow {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(if u.arbitrary()? {
                PropertyRow::Flagged(u.arbitrary()?)
            } else {
                PropertyRow::Standard(u.arbitrary()?)
            })
        }
    }

    /// Rows that all fit one column set: a first row, then rows that reuse
    /// its cell kinds with new values of the same types.
    pub fn rows(u: &mut Unstructured<'_>) -> Result<Vec<PropertyRow>> {
        let first: PropertyRow = u.arbitrary()?;
        let mut rows = vec![first];
        let n = u.int_in_range(0..=4u8)?;
        for _ in 0..n {
            let cols = columns_for_rows(&rows).expect("consistent by construction");
            let flagged = matches!(rows[0], PropertyRow::Flagged(_));
            let mut st = Vec::new();
            let mut fl = Vec::new();
            for c in &cols {
                let ty = c.prop_type();
                let v = value_of_type(u, ty)?;
                if flagged {
                    fl.push(match (ty == PropType::UNSPECIFIED, v) {
                        (true, _) => {
                            let t = value(u)?;
                            FlaggedCell::WithType {
                                property_type: t.prop_type(),
                                value: Flagged::Value(t),
                            }
                        }
                        (false, Some(v)) => FlaggedCell::Flagged(Flagged::Value(v)),
                        (false, None) => FlaggedCell::Flagged(Flagged::NotPresent),
                    });
                } else {
                    st.push(match v {
                        Some(v) if ty != PropType::UNSPECIFIED => StandardCell::Value(v),
                        _ => StandardCell::Typed(value(u)?),
                    });
                }
            }
            rows.push(if flagged {
                PropertyRow::Flagged(fl)
            } else {
                PropertyRow::Standard(st)
            });
        }
        Ok(rows)
    }

    /// A value of type `ty` (a representable type): an arbitrary one when a
    /// few tries find it, else a fixed one.
    fn value_of_type(u: &mut Unstructured<'_>, ty: PropType) -> Result<Option<PropValue>> {
        for _ in 0..4 {
            let v = value(u)?;
            if v.prop_type() == ty {
                return Ok(Some(v));
            }
        }
        use PropValue as V;
        Ok(Some(match ty {
            PropType::INTEGER16 => V::I16(0),
            PropType::INTEGER32 => V::I32(0),
            PropType::FLOATING32 => V::F32(0.0),
            PropType::FLOATING64 => V::F64(0.0),
            PropType::CURRENCY => V::Currency(0),
            PropType::FLOATING_TIME => V::FloatingTime(0.0),
            PropType::ERROR_CODE => V::ErrorCode(0),
            PropType::BOOLEAN => V::Boolean(false),
            PropType::INTEGER64 => V::I64(0),
            PropType::STRING8 => V::String8(Vec::new()),
            PropType::STRING => V::Unicode(Utf16String::default()),
            PropType::TIME => V::Time(0),
            PropType::GUID => V::Guid(Guid::NIL),
            PropType::SERVER_ID => V::ServerId(Vec::new()),
            PropType::BINARY => V::Binary(Vec::new()),
            PropType::MULTIPLE_INTEGER16 => V::MvI16(Vec::new()),
            PropType::MULTIPLE_INTEGER32 => V::MvI32(Vec::new()),
            PropType::MULTIPLE_FLOATING32 => V::MvF32(Vec::new()),
            PropType::MULTIPLE_FLOATING64 => V::MvF64(Vec::new()),
            PropType::MULTIPLE_CURRENCY => V::MvCurrency(Vec::new()),
            PropType::MULTIPLE_FLOATING_TIME => V::MvFloatingTime(Vec::new()),
            PropType::MULTIPLE_INTEGER64 => V::MvI64(Vec::new()),
            PropType::MULTIPLE_STRING8 => V::MvString8(Vec::new()),
            PropType::MULTIPLE_STRING => V::MvUnicode(Vec::new()),
            PropType::MULTIPLE_TIME => V::MvTime(Vec::new()),
            PropType::MULTIPLE_GUID => V::MvGuid(Vec::new()),
            PropType::MULTIPLE_BINARY => V::MvBinary(Vec::new()),
            _ => return Ok(None),
        }))
    }

    impl<'a> Arbitrary<'a> for RopPropertyName {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let guid: Guid = u.arbitrary()?;
            Ok(match u.int_in_range(0..=2u8)? {
                0 => RopPropertyName::Named(PropertyName {
                    guid,
                    kind: NameKind::Lid(u.arbitrary()?),
                }),
                1 => RopPropertyName::Named(PropertyName {
                    guid,
                    kind: NameKind::Name(unicode(u, RopPropertyName::MAX_NAME_UNITS)?),
                }),
                _ => RopPropertyName::NoPropertyName { guid },
            })
        }
    }

    impl<'a> Arbitrary<'a> for TypedString {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            Ok(match u.int_in_range(0..=4u8)? {
                0 => TypedString::NoString,
                1 => TypedString::Empty,
                2 => TypedString::String8(string8(u)?),
                3 => TypedString::ReducedUnicode(string8(u)?),
                _ => TypedString::Unicode(unicode(u, usize::MAX)?),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt(ty: PropType, bytes: &[u8]) -> PropValue {
        let mut r = Reader::new(bytes);
        let v = read_value(&mut r, ty, "v").unwrap();
        assert!(r.is_empty(), "{ty:?} left {} bytes", r.remaining());
        let mut out = Vec::new();
        write_value(&mut out, &v, "v").unwrap();
        assert_eq!(out, bytes, "{ty:?}");
        v
    }

    /// [MS-OXCDATA] 2.11.1.1: u16 binary counts, u32 multi-value counts, NUL-terminated strings, 1-byte booleans.
    #[test]
    fn rop_buffer_widths() {
        assert_eq!(
            rt(PropType::BINARY, &[2, 0, 0xAA, 0xBB]),
            PropValue::Binary(vec![0xAA, 0xBB])
        );
        assert_eq!(
            rt(PropType::MULTIPLE_BINARY, &[2, 0, 0, 0, 1, 0, 7, 0, 0]),
            PropValue::MvBinary(vec![vec![7], vec![]])
        );
        assert_eq!(
            rt(PropType::STRING, &[b'H', 0, b'i', 0, 0, 0]),
            PropValue::unicode("Hi")
        );
        assert_eq!(
            rt(PropType::STRING8, b"Hi\0"),
            PropValue::String8(b"Hi".to_vec())
        );
        assert_eq!(rt(PropType::BOOLEAN, &[1]), PropValue::Boolean(true));
        assert_eq!(
            rt(PropType::MULTIPLE_STRING8, &[2, 0, 0, 0, b'a', 0, 0]),
            PropValue::MvString8(vec![b"a".to_vec(), vec![]])
        );
        assert_eq!(
            rt(PropType::SERVER_ID, &[1, 0, 9]),
            PropValue::ServerId(vec![9])
        );
    }

    #[test]
    fn bad_values_are_errors() {
        let e = read_value(&mut Reader::new(&[2]), PropType::BOOLEAN, "v").unwrap_err();
        assert!(
            matches!(
                e,
                RopError::BadValue {
                    offset: 0,
                    value: 2,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = read_value(&mut Reader::new(&[b'a', 0]), PropType::STRING, "v").unwrap_err();
        assert!(
            matches!(e, RopError::MissingTerminator { offset: 0, .. }),
            "{e:?}"
        );
        let e = read_value(&mut Reader::new(&[0; 8]), PropType::OBJECT, "v").unwrap_err();
        assert!(
            matches!(
                e,
                RopError::UnsupportedPropType {
                    prop_type: 0x000D,
                    ..
                }
            ),
            "{e:?}"
        );
        // A huge value count with few bytes fails before allocating.
        let e = read_value(
            &mut Reader::new(&[0xFF, 0xFF, 0xFF, 0xFF, 0]),
            PropType::MULTIPLE_INTEGER64,
            "v",
        )
        .unwrap_err();
        assert!(matches!(e, RopError::Truncated(_)), "{e:?}");
        let mut out = Vec::new();
        assert!(write_value(&mut out, &PropValue::String8(b"a\0b".to_vec()), "v").is_err());
        assert!(
            TaggedPropertyValue::new(PropTag(0x0037_001F), PropValue::I32(1))
                .write(&mut out, "v")
                .is_err()
        );
    }

    /// [MS-OXCDATA] 2.8.1: flagged rows, typed cells, MultivalueInstance columns.
    #[test]
    fn property_rows() {
        let cols = [
            PropTag(0x0037_001F),
            PropTag(0x0E08_0003),
            PropTag(0x0000_0000),
            PropTag(0x8001_301F),
        ];
        let bytes = [
            &[0x01, 0x00, b'A', 0, 0, 0][..],
            &[0x0A, 0x0F, 0x01, 0x04, 0x80],
            &[0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00],
            &[0x01],
        ]
        .concat();
        let row = PropertyRow::read(&mut Reader::new(&bytes), &cols, "row").unwrap();
        assert_eq!(
            row,
            PropertyRow::Flagged(vec![
                FlaggedCell::Flagged(Flagged::Value(PropValue::unicode("A"))),
                FlaggedCell::Flagged(Flagged::Error(ErrorCode::NotFound)),
                FlaggedCell::WithType {
                    property_type: PropType::INTEGER32,
                    value: Flagged::Value(PropValue::I32(5))
                },
                FlaggedCell::Flagged(Flagged::NotPresent),
            ])
        );
        let mut out = Vec::new();
        row.write(&mut out, "row").unwrap();
        assert_eq!(out, bytes);
        // A MultivalueInstance column (0x301F) carries one PtypString.
        let row = PropertyRow::read(
            &mut Reader::new(&[0, b'x', 0, 0, 0]),
            &[PropTag(0x8001_301F)],
            "row",
        )
        .unwrap();
        assert_eq!(
            row,
            PropertyRow::Standard(vec![StandardCell::Value(PropValue::unicode("x"))])
        );
    }

    /// [MS-OXCDATA] 2.6.1: the three PropertyName kinds; NameSize counts the terminator.
    #[test]
    fn property_names() {
        let g = [
            0x29, 0x03, 0x02, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46,
        ];
        let name = [&[1u8][..], &g, &[6, b'K', 0, b'w', 0, 0, 0]].concat();
        let n = RopPropertyName::read(&mut Reader::new(&name)).unwrap();
        assert_eq!(
            n,
            RopPropertyName::Named(PropertyName {
                guid: Guid(g),
                kind: NameKind::Name("Kw".into())
            })
        );
        let mut out = Vec::new();
        n.write(&mut out).unwrap();
        assert_eq!(out, name);
        let bad = [&[1u8][..], &g, &[8, b'K', 0, b'w', 0, 0, 0, 0, 0]].concat();
        assert!(matches!(
            RopPropertyName::read(&mut Reader::new(&bad)),
            Err(RopError::SizeMismatch { .. })
        ));
        let none = [&[0xFFu8][..], &g].concat();
        assert_eq!(
            RopPropertyName::read(&mut Reader::new(&none)).unwrap(),
            RopPropertyName::NoPropertyName { guid: Guid(g) }
        );
    }
}
