//! RecipientRow ([MS-OXCDATA] 2.8.3): the recipient structure carried as
//! bytes by RopModifyRecipients, RopReadRecipients and RopOpenMessage; it
//! decodes and encodes for given recipient columns.

use crate::cursor::{Reader, WriteLe};
use crate::prop::{PropTag, Utf16String};

use super::common::ser_hex;
use super::error::{DecodeResult, EncodeError, EncodeResult, RopError};
use super::value::{
    PropertyRow, read_bytes16, read_string8, read_unicode, write_bytes16, write_string8,
    write_unicode,
};

/// Bits of RecipientFlags ([MS-OXCDATA] 2.8.3.1), as the little-endian u16.
pub mod recipient_flags {
    /// Type (3 bits): the address type ([`super::RecipientType`]).
    pub const TYPE_MASK: u16 = 0x0007;
    /// E: EmailAddress is present.
    pub const E: u16 = 0x0008;
    /// D: DisplayName is present.
    pub const D: u16 = 0x0010;
    /// T: TransmittableDisplayName is present.
    pub const T: u16 = 0x0020;
    /// S: TransmittableDisplayName is the same as DisplayName.
    pub const S: u16 = 0x0040;
    /// R: the recipient is responsible for transmitting (PidTagResponsibility).
    pub const R: u16 = 0x0080;
    /// N: non-rich recipient (PidTagSendRichInfo false).
    pub const N: u16 = 0x0100;
    /// U: the strings are Unicode (UTF-16LE), else 8-bit.
    pub const U: u16 = 0x0200;
    /// I: SimpleDisplayName is present.
    pub const I: u16 = 0x0400;
    /// Reserved bits (must be 0).
    pub const RESERVED: u16 = 0x7800;
    /// O: Type is another value than the defined ones; AddressType follows
    /// (with Type NoType).
    pub const O: u16 = 0x8000;
}

/// The Type field of RecipientFlags ([MS-OXCDATA] 2.8.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecipientType {
    /// 0x0 NoType.
    NoType,
    /// 0x1 X500DN.
    X500Dn,
    /// 0x2 MsMail.
    MsMail,
    /// 0x3 SMTP.
    Smtp,
    /// 0x4 Fax.
    Fax,
    /// 0x5 ProfessionalOfficeSystem.
    ProfessionalOfficeSystem,
    /// 0x6 PersonalDistributionList1.
    PersonalDistributionList1,
    /// 0x7 PersonalDistributionList2.
    PersonalDistributionList2,
}

impl RecipientType {
    /// The Type bits of `flags`.
    pub fn of(flags: u16) -> Self {
        match flags & recipient_flags::TYPE_MASK {
            0 => Self::NoType,
            1 => Self::X500Dn,
            2 => Self::MsMail,
            3 => Self::Smtp,
            4 => Self::Fax,
            5 => Self::ProfessionalOfficeSystem,
            6 => Self::PersonalDistributionList1,
            _ => Self::PersonalDistributionList2,
        }
    }
}

/// A string of a RecipientRow: UTF-16LE when the U flag is set, else 8-bit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum RecipientString {
    /// U set.
    Unicode(Utf16String),
    /// U clear.
    String8(#[serde(serialize_with = "ser_hex")] Vec<u8>),
}

impl RecipientString {
    /// The text (8-bit strings read as Latin-1).
    pub fn to_string_lossy(&self) -> String {
        match self {
            RecipientString::Unicode(u) => u.to_string_lossy(),
            RecipientString::String8(b) => b.iter().map(|&c| char::from(c)).collect(),
        }
    }
}

/// The X500DN part, present iff Type is X500DN.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct X500Part {
    /// AddressPrefixUsed.
    pub address_prefix_used: u8,
    /// DisplayType (PidTagDisplayType).
    pub display_type: u8,
    /// X500DN (8-bit, NUL-terminated).
    #[serde(serialize_with = "ser_hex")]
    pub x500_dn: Vec<u8>,
}

/// The distribution-list part, present iff Type is PersonalDistributionList1/2.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DistributionListPart {
    /// EntryID (u16 EntryIdSize).
    #[serde(serialize_with = "ser_hex")]
    pub entry_id: Vec<u8>,
    /// SearchKey (u16 SearchKeySize).
    #[serde(serialize_with = "ser_hex")]
    pub search_key: Vec<u8>,
}

/// RecipientRow ([MS-OXCDATA] 2.8.3.2). Which optional fields are present
/// follows from `recipient_flags`; the encoder refuses a row whose fields
/// and flags disagree.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RecipientRow {
    /// RecipientFlags ([`recipient_flags`]).
    pub recipient_flags: u16,
    /// AddressPrefixUsed, DisplayType, X500DN (Type X500DN).
    pub x500: Option<X500Part>,
    /// EntryIdSize/EntryID, SearchKeySize/SearchKey (Type PersonalDistributionList1/2).
    pub distribution_list: Option<DistributionListPart>,
    /// AddressType (Type NoType with O set), 8-bit.
    #[serde(serialize_with = "ser_opt_hex")]
    pub address_type: Option<Vec<u8>>,
    /// EmailAddress (E).
    pub email_address: Option<RecipientString>,
    /// DisplayName (D).
    pub display_name: Option<RecipientString>,
    /// SimpleDisplayName (I).
    pub simple_display_name: Option<RecipientString>,
    /// TransmittableDisplayName (T).
    pub transmittable_display_name: Option<RecipientString>,
    /// RecipientColumnCount: how many of the recipient columns the
    /// properties cover (the first ones).
    pub recipient_column_count: u16,
    /// RecipientProperties: a PropertyRow of the first
    /// `recipient_column_count` columns.
    pub recipient_properties: PropertyRow,
}

fn ser_opt_hex<S: serde::Serializer>(b: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
    match b {
        Some(b) => ser_hex(b, s),
        None => s.serialize_none(),
    }
}

const F: &str = "RecipientRow";

impl RecipientRow {
    /// Reads one row whose properties follow `columns` (the RecipientColumns
    /// of the ROP). RecipientColumnCount larger than `columns` is an error.
    pub fn read(r: &mut Reader<'_>, columns: &[PropTag]) -> DecodeResult<Self> {
        use recipient_flags as f;
        let flags_at = r.offset();
        let flags = r.u16("RecipientFlags")?;
        if flags & f::RESERVED != 0 {
            return Err(RopError::BadValue {
                offset: flags_at,
                field: "RecipientFlags",
                value: u64::from(flags),
                reason: "the reserved bits 0x7800 must be 0",
            });
        }
        let ty = RecipientType::of(flags);
        let unicode = flags & f::U != 0;
        let x500 = if ty == RecipientType::X500Dn {
            Some(X500Part {
                address_prefix_used: r.u8("AddressPrefixUsed")?,
                display_type: r.u8("DisplayType")?,
                x500_dn: read_string8(r, "X500DN")?,
            })
        } else {
            None
        };
        let distribution_list = if matches!(
            ty,
            RecipientType::PersonalDistributionList1 | RecipientType::PersonalDistributionList2
        ) {
            Some(DistributionListPart {
                entry_id: read_bytes16(r, "EntryID")?,
                search_key: read_bytes16(r, "SearchKey")?,
            })
        } else {
            None
        };
        let address_type = if ty == RecipientType::NoType && flags & f::O != 0 {
            Some(read_string8(r, "AddressType")?)
        } else {
            None
        };
        let mut string = |bit: u16, field: &'static str| -> DecodeResult<Option<RecipientString>> {
            if flags & bit == 0 {
                return Ok(None);
            }
            Ok(Some(if unicode {
                RecipientString::Unicode(read_unicode(r, field)?)
            } else {
                RecipientString::String8(read_string8(r, field)?)
            }))
        };
        let email_address = string(f::E, "EmailAddress")?;
        let display_name = string(f::D, "DisplayName")?;
        let simple_display_name = string(f::I, "SimpleDisplayName")?;
        let transmittable_display_name = string(f::T, "TransmittableDisplayName")?;
        let count_at = r.offset();
        let recipient_column_count = r.u16("RecipientColumnCount")?;
        let Some(cols) = columns.get(..recipient_column_count as usize) else {
            return Err(RopError::BadValue {
                offset: count_at,
                field: "RecipientColumnCount",
                value: u64::from(recipient_column_count),
                reason: "more than the RecipientColumns of the ROP",
            });
        };
        let recipient_properties = PropertyRow::read(r, cols, "RecipientProperties")?;
        Ok(RecipientRow {
            recipient_flags: flags,
            x500,
            distribution_list,
            address_type,
            email_address,
            display_name,
            simple_display_name,
            transmittable_display_name,
            recipient_column_count,
            recipient_properties,
        })
    }

    /// Decodes the bytes of a RecipientRow field (RecipientRowSize bytes):
    /// the row must use them all.
    pub fn decode(bytes: &[u8], columns: &[PropTag]) -> DecodeResult<Self> {
        let mut r = Reader::new(bytes);
        let row = Self::read(&mut r, columns)?;
        if !r.is_empty() {
            return Err(RopError::SizeMismatch {
                offset: 0,
                field: "RecipientRowSize",
                declared: bytes.len(),
                actual: bytes.len() - r.remaining(),
            });
        }
        Ok(row)
    }

    /// Writes the row. The properties must follow the first
    /// `recipient_column_count` columns the reader will use (not checkable here).
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        use recipient_flags as f;
        let flags = self.recipient_flags;
        let ty = RecipientType::of(flags);
        let unicode = flags & f::U != 0;
        let bad = |reason| Err(EncodeError::Inconsistent { field: F, reason });
        if flags & f::RESERVED != 0 {
            return bad("the reserved RecipientFlags bits 0x7800 are set");
        }
        if self.x500.is_some() != (ty == RecipientType::X500Dn) {
            return bad("X500DN fields are present iff Type is X500DN");
        }
        let dl = matches!(
            ty,
            RecipientType::PersonalDistributionList1 | RecipientType::PersonalDistributionList2
        );
        if self.distribution_list.is_some() != dl {
            return bad("EntryID/SearchKey are present iff Type is PersonalDistributionList1/2");
        }
        if self.address_type.is_some() != (ty == RecipientType::NoType && flags & f::O != 0) {
            return bad("AddressType is present iff Type is NoType and O is set");
        }
        if self.recipient_properties.len() != self.recipient_column_count as usize {
            return bad("RecipientProperties must hold RecipientColumnCount values");
        }
        out.put_u16(flags);
        if let Some(x) = &self.x500 {
            out.put_u8(x.address_prefix_used);
            out.put_u8(x.display_type);
            write_string8(out, &x.x500_dn, "X500DN")?;
        }
        if let Some(d) = &self.distribution_list {
            write_bytes16(out, &d.entry_id, "EntryIdSize")?;
            write_bytes16(out, &d.search_key, "SearchKeySize")?;
        }
        if let Some(a) = &self.address_type {
            write_string8(out, a, "AddressType")?;
        }
        for (bit, s, field) in [
            (f::E, &self.email_address, "EmailAddress"),
            (f::D, &self.display_name, "DisplayName"),
            (f::I, &self.simple_display_name, "SimpleDisplayName"),
            (
                f::T,
                &self.transmittable_display_name,
                "TransmittableDisplayName",
            ),
        ] {
            match (flags & bit != 0, s) {
                (false, None) => {}
                (true, Some(RecipientString::Unicode(u))) if unicode => {
                    write_unicode(out, u, field)?
                }
                (true, Some(RecipientString::String8(b))) if !unicode => {
                    write_string8(out, b, field)?
                }
                (true, Some(_)) => return bad("a string's form disagrees with the U flag"),
                _ => return bad("a string is present iff its flag (E, D, I, T) is set"),
            }
        }
        out.put_u16(self.recipient_column_count);
        self.recipient_properties.write(out, "RecipientProperties")
    }

    /// The row as bytes (the RecipientRow field of a ROP).
    pub fn to_bytes(&self) -> EncodeResult<Vec<u8>> {
        let mut out = Vec::new();
        self.write(&mut out)?;
        Ok(out)
    }
}

/// Arbitrary consistent rows (fields present as the flags say), with the
/// columns they decode under.
#[cfg(feature = "arbitrary")]
pub mod arb {
    use arbitrary::{Result, Unstructured};

    use super::*;
    use crate::rop::value::arb::{string8, unicode};
    use crate::rop::value::columns_for_rows;

    fn string(u: &mut Unstructured<'_>, unicode_: bool) -> Result<RecipientString> {
        Ok(if unicode_ {
            RecipientString::Unicode(unicode(u, 64)?)
        } else {
            RecipientString::String8(string8(u)?)
        })
    }

    /// A consistent row and columns it decodes under (possibly more columns
    /// than the row covers).
    pub fn row_and_columns(u: &mut Unstructured<'_>) -> Result<(RecipientRow, Vec<PropTag>)> {
        use recipient_flags as f;
        let flags = u.arbitrary::<u16>()? & !f::RESERVED;
        let ty = RecipientType::of(flags);
        let uni = flags & f::U != 0;
        let props: PropertyRow = u.arbitrary()?;
        let mut cols = columns_for_rows(std::slice::from_ref(&props))
            .ok_or(arbitrary::Error::IncorrectFormat)?;
        let extra: u8 = u.int_in_range(0..=3)?;
        for i in 0..extra {
            cols.push(PropTag(0x7000_0003 + (u32::from(i) << 16)));
        }
        let opt = |u: &mut Unstructured<'_>, bit: u16| -> Result<Option<RecipientString>> {
            if flags & bit != 0 {
                Ok(Some(string(u, uni)?))
            } else {
                Ok(None)
            }
        };
        let row = RecipientRow {
            recipient_flags: flags,
            x500: if ty == RecipientType::X500Dn {
                Some(X500Part {
                    address_prefix_used: u.arbitrary()?,
                    display_type: u.arbitrary()?,
                    x500_dn: string8(u)?,
                })
            } else {
                None
            },
            distribution_list: if matches!(
                ty,
                RecipientType::PersonalDistributionList1 | RecipientType::PersonalDistributionList2
            ) {
                Some(DistributionListPart {
                    entry_id: u.arbitrary()?,
                    search_key: u.arbitrary()?,
                })
            } else {
                None
            },
            address_type: if ty == RecipientType::NoType && flags & f::O != 0 {
                Some(string8(u)?)
            } else {
                None
            },
            email_address: opt(u, f::E)?,
            display_name: opt(u, f::D)?,
            simple_display_name: opt(u, f::I)?,
            transmittable_display_name: opt(u, f::T)?,
            recipient_column_count: props.len() as u16,
            recipient_properties: props,
        };
        Ok((row, cols))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prop::PropValue;
    use crate::rop::value::StandardCell;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// An SMTP recipient, Unicode, with E and D and one column
    /// (PidTagRecipientTrackStatus 0x5FFF0003), laid out per [MS-OXCDATA] 2.8.3.2.
    #[test]
    fn smtp_unicode_row_bytes() {
        use recipient_flags as f;
        let cols = [PropTag(0x5FFF_0003), PropTag(0x3001_001F)];
        let row = RecipientRow {
            recipient_flags: 0x3 | f::E | f::D | f::U,
            x500: None,
            distribution_list: None,
            address_type: None,
            email_address: Some(RecipientString::Unicode(Utf16String::from("a@b"))),
            display_name: Some(RecipientString::Unicode(Utf16String::from("A"))),
            simple_display_name: None,
            transmittable_display_name: None,
            recipient_column_count: 1,
            recipient_properties: PropertyRow::Standard(vec![StandardCell::Value(PropValue::I32(
                7,
            ))]),
        };
        let bytes = hex("1B 02  61 00 40 00 62 00 00 00  41 00 00 00  01 00  00 07 00 00 00");
        assert_eq!(row.to_bytes().unwrap(), bytes);
        assert_eq!(RecipientRow::decode(&bytes, &cols).unwrap(), row);
    }

    #[test]
    fn x500_and_address_type_parts() {
        // Type X500DN, 8-bit: AddressPrefixUsed, DisplayType, X500DN, no strings.
        let b = hex("01 00  05 00  2F 6F 00  00 00  00");
        let row = RecipientRow::decode(&b, &[]).unwrap();
        assert_eq!(
            row.x500,
            Some(X500Part {
                address_prefix_used: 5,
                display_type: 0,
                x500_dn: b"/o".to_vec()
            })
        );
        assert_eq!(row.to_bytes().unwrap(), b);
        // NoType with O: AddressType follows.
        let b = hex("00 80  46 41 58 00  00 00  00");
        let row = RecipientRow::decode(&b, &[]).unwrap();
        assert_eq!(row.address_type, Some(b"FAX".to_vec()));
        assert_eq!(row.to_bytes().unwrap(), b);
    }

    #[test]
    fn decoder_bounds() {
        // RecipientColumnCount larger than the columns.
        let b = hex("00 00  02 00  00 01 00 00 00");
        assert!(matches!(
            RecipientRow::decode(&b, &[PropTag(0x0001_0003)]),
            Err(RopError::BadValue {
                field: "RecipientColumnCount",
                offset: 2,
                ..
            })
        ));
        // Reserved flag bits.
        assert!(matches!(
            RecipientRow::decode(&hex("00 08 00 00 00"), &[]),
            Err(RopError::BadValue {
                field: "RecipientFlags",
                ..
            })
        ));
        // Missing terminator of DisplayName.
        assert!(matches!(
            RecipientRow::decode(&hex("10 00 41 42"), &[]),
            Err(RopError::MissingTerminator {
                field: "DisplayName",
                ..
            })
        ));
        // Trailing bytes after the row.
        assert!(matches!(
            RecipientRow::decode(&hex("00 00 00 00 00 FF"), &[]),
            Err(RopError::SizeMismatch { .. })
        ));
        // A RowCount far beyond the input is refused before allocating.
        let b = hex("00 01 00 00 FF FF");
        let mut r = Reader::new(&b);
        assert!(crate::rop::recipient::ModifyRecipientsRequest::read(&mut r).is_err());
    }

    #[test]
    fn encoder_refuses_inconsistent_rows() {
        let mut row = RecipientRow::decode(&hex("00 00 00 00 00"), &[]).unwrap();
        row.display_name = Some(RecipientString::String8(b"x".to_vec()));
        assert!(row.to_bytes().is_err());
        row.recipient_flags = recipient_flags::D | recipient_flags::U;
        assert!(row.to_bytes().is_err());
        row.recipient_flags = recipient_flags::D;
        assert!(row.to_bytes().is_ok());
        row.recipient_flags |= 0x1; // X500DN without its fields
        assert!(row.to_bytes().is_err());
    }
}
