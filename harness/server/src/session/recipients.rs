//! Recipients over the wire ([MS-OXCMSG] 2.2.3.4–2.2.3.6, 3.2.5.6):
//! RopModifyRecipients and RopReadRecipients on a Message object (dispatched
//! with the attachment ROPs, [`super::attach`]), and the mapping between a
//! RecipientRow ([MS-OXCDATA] 2.8.3.2) and the properties this store keeps
//! for a recipient (`SETUP_ROPS.md`, "RecipientRow").

use ics_wire::prop::{PropTag, PropValue, Utf16String};
use ics_wire::rop::ErrorCode;
use ics_wire::rop::recipient::*;
use ics_wire::rop::value::{Flagged, FlaggedCell, PropertyRow, StandardCell};

use super::Session;
use crate::mailbox::message::PID_TAG_ROWID;
use crate::mailbox::{PropertyBag, is_computed};

/// PidTagRecipientType ([MS-OXOMSG] 2.2.3.1).
pub const PID_TAG_RECIPIENT_TYPE: PropTag = PropTag(0x0C15_0003);
/// PidTagDisplayName.
const PID_TAG_DISPLAY_NAME: PropTag = PropTag(0x3001_001F);
/// PidTagAddressType.
const PID_TAG_ADDRESS_TYPE: PropTag = PropTag(0x3002_001F);
/// PidTagEmailAddress.
const PID_TAG_EMAIL_ADDRESS: PropTag = PropTag(0x3003_001F);
/// PidTagEntryId.
const PID_TAG_ENTRY_ID: PropTag = PropTag(0x0FFF_0102);
/// PidTagSearchKey.
const PID_TAG_SEARCH_KEY: PropTag = PropTag(0x300B_0102);
/// PidTagDisplayType.
const PID_TAG_DISPLAY_TYPE: PropTag = PropTag(0x3900_0003);
/// PidTag7BitDisplayName (SimpleDisplayName).
const PID_TAG_7BIT_DISPLAY_NAME: PropTag = PropTag(0x39FF_001F);
/// PidTagTransmittableDisplayName.
const PID_TAG_TRANSMITTABLE_DISPLAY_NAME: PropTag = PropTag(0x3A20_001F);
/// PidTagResponsibility.
const PID_TAG_RESPONSIBILITY: PropTag = PropTag(0x0E0F_000B);
/// PidTagSendRichInfo.
const PID_TAG_SEND_RICH_INFO: PropTag = PropTag(0x3A40_000B);

fn string_value(s: &RecipientString) -> PropValue {
    match s {
        RecipientString::Unicode(u) => PropValue::Unicode(u.clone()),
        RecipientString::String8(b) => PropValue::String8(b.clone()),
    }
}

fn put(bag: &mut PropertyBag, tag: PropTag, value: PropValue) {
    bag.set(tag.with_type(value.prop_type()), value);
}

/// The properties of a recipient given by a RopModifyRecipients row: the
/// standard fields of the RecipientRow ([MS-OXCDATA] 2.8.3.2) as the
/// properties they stand for, then the RecipientProperties columns, then
/// PidTagRowid and PidTagRecipientType from the row.
pub fn recipient_props(
    row_id: u32,
    recipient_type: u8,
    row: &RecipientRow,
    columns: &[PropTag],
) -> PropertyBag {
    use recipient_flags as f;
    let mut bag = PropertyBag::new();
    let flags = row.recipient_flags;
    let addr_type: Option<&[u8]> = match RecipientType::of(flags) {
        RecipientType::X500Dn => Some(b"EX"),
        RecipientType::MsMail => Some(b"MS"),
        RecipientType::Smtp => Some(b"SMTP"),
        RecipientType::Fax => Some(b"FAX"),
        RecipientType::ProfessionalOfficeSystem => Some(b"PROFS"),
        RecipientType::PersonalDistributionList1 | RecipientType::PersonalDistributionList2 => {
            Some(b"MAPIPDL")
        }
        RecipientType::NoType => row.address_type.as_deref(),
    };
    if let Some(a) = addr_type {
        put(
            &mut bag,
            PID_TAG_ADDRESS_TYPE,
            PropValue::unicode(&String::from_utf8_lossy(a)),
        );
    }
    if let Some(x) = &row.x500 {
        put(
            &mut bag,
            PID_TAG_EMAIL_ADDRESS,
            PropValue::unicode(&String::from_utf8_lossy(&x.x500_dn)),
        );
        put(
            &mut bag,
            PID_TAG_DISPLAY_TYPE,
            PropValue::I32(i32::from(x.display_type)),
        );
    }
    if let Some(d) = &row.distribution_list {
        put(
            &mut bag,
            PID_TAG_ENTRY_ID,
            PropValue::Binary(d.entry_id.clone()),
        );
        put(
            &mut bag,
            PID_TAG_SEARCH_KEY,
            PropValue::Binary(d.search_key.clone()),
        );
    }
    for (s, tag) in [
        (&row.email_address, PID_TAG_EMAIL_ADDRESS),
        (&row.display_name, PID_TAG_DISPLAY_NAME),
        (&row.simple_display_name, PID_TAG_7BIT_DISPLAY_NAME),
        (
            &row.transmittable_display_name,
            PID_TAG_TRANSMITTABLE_DISPLAY_NAME,
        ),
    ] {
        if let Some(s) = s {
            put(&mut bag, tag, string_value(s));
        }
    }
    if flags & f::S != 0
        && let Some(d) = &row.display_name
    {
        put(
            &mut bag,
            PID_TAG_TRANSMITTABLE_DISPLAY_NAME,
            string_value(d),
        );
    }
    put(
        &mut bag,
        PID_TAG_RESPONSIBILITY,
        PropValue::Boolean(flags & f::R != 0),
    );
    put(
        &mut bag,
        PID_TAG_SEND_RICH_INFO,
        PropValue::Boolean(flags & f::N == 0),
    );
    let values: Vec<Option<PropValue>> = match &row.recipient_properties {
        PropertyRow::Standard(cells) => cells
            .iter()
            .map(|c| match c {
                StandardCell::Value(v) | StandardCell::Typed(v) => Some(v.clone()),
            })
            .collect(),
        PropertyRow::Flagged(cells) => cells
            .iter()
            .map(|c| match c {
                FlaggedCell::Flagged(Flagged::Value(v))
                | FlaggedCell::WithType {
                    value: Flagged::Value(v),
                    ..
                } => Some(v.clone()),
                _ => None,
            })
            .collect(),
    };
    for (col, v) in columns.iter().zip(values) {
        if let Some(v) = v
            && !is_computed(*col)
        {
            put(&mut bag, *col, v);
        }
    }
    bag.set(PID_TAG_ROWID, PropValue::I32(row_id as i32));
    bag.set(
        PID_TAG_RECIPIENT_TYPE,
        PropValue::I32(i32::from(recipient_type)),
    );
    bag
}

fn text(bag: &PropertyBag, tag: PropTag) -> Option<Utf16String> {
    match bag.get(tag)? {
        PropValue::Unicode(u) => Some(u.clone()),
        PropValue::String8(b) => Some(Utf16String(b.iter().map(|&c| u16::from(c)).collect())),
        _ => None,
    }
}

/// The RecipientRow of a stored recipient for RopReadRecipients: Unicode
/// standard fields, no RecipientProperties (the recipient columns of this
/// server's RopOpenMessage are empty).
pub fn recipient_row(bag: &PropertyBag) -> RecipientRow {
    use recipient_flags as f;
    let mut flags = f::U;
    let addr = text(bag, PID_TAG_ADDRESS_TYPE).map(|a| a.to_string_lossy());
    let email = text(bag, PID_TAG_EMAIL_ADDRESS);
    let (mut x500, mut address_type) = (None, None);
    match addr.as_deref() {
        Some("EX") => {
            flags |= 1;
            x500 = Some(X500Part {
                address_prefix_used: 0,
                display_type: match bag.get(PID_TAG_DISPLAY_TYPE) {
                    Some(PropValue::I32(d)) => *d as u8,
                    _ => 0,
                },
                x500_dn: email
                    .as_ref()
                    .map(|e| e.to_string_lossy().bytes().filter(|&b| b != 0).collect())
                    .unwrap_or_default(),
            });
        }
        Some("SMTP") => flags |= 3,
        Some(other) => {
            flags |= f::O;
            address_type = Some(other.bytes().filter(|&b| b != 0).collect());
        }
        None => {}
    }
    let mut string = |bit: u16, v: Option<Utf16String>| {
        v.map(|u| {
            flags |= bit;
            RecipientString::Unicode(Utf16String(u.0.into_iter().filter(|&c| c != 0).collect()))
        })
    };
    let email_address = if x500.is_some() {
        None
    } else {
        string(f::E, email)
    };
    let display_name = string(f::D, text(bag, PID_TAG_DISPLAY_NAME));
    let simple_display_name = string(f::I, text(bag, PID_TAG_7BIT_DISPLAY_NAME));
    let transmittable_display_name = string(f::T, text(bag, PID_TAG_TRANSMITTABLE_DISPLAY_NAME));
    if matches!(
        bag.get(PID_TAG_RESPONSIBILITY),
        Some(PropValue::Boolean(true))
    ) {
        flags |= f::R;
    }
    if matches!(
        bag.get(PID_TAG_SEND_RICH_INFO),
        Some(PropValue::Boolean(false))
    ) {
        flags |= f::N;
    }
    RecipientRow {
        recipient_flags: flags,
        x500,
        distribution_list: None,
        address_type,
        email_address,
        display_name,
        simple_display_name,
        transmittable_display_name,
        recipient_column_count: 0,
        recipient_properties: PropertyRow::Standard(Vec::new()),
    }
}

fn row_id_of(bag: &PropertyBag) -> Option<u32> {
    match bag.get(PID_TAG_ROWID) {
        Some(PropValue::I32(v)) => Some(*v as u32),
        _ => None,
    }
}

impl Session {
    pub(super) fn modify_recipients(
        &mut self,
        handles: &[u32],
        r: &ModifyRecipientsRequest,
    ) -> Result<(), ErrorCode> {
        // Decode every row first: a malformed row changes nothing.
        let mut rows = Vec::with_capacity(r.recipient_rows.len());
        for row in &r.recipient_rows {
            rows.push(if row.recipient_row.is_empty() {
                (row.row_id, None)
            } else {
                let rr = RecipientRow::decode(&row.recipient_row, &r.recipient_columns)
                    .map_err(|_| ErrorCode::InvalidParameter)?;
                let cols = &r.recipient_columns[..rr.recipient_column_count as usize];
                (
                    row.row_id,
                    Some(recipient_props(row.row_id, row.recipient_type, &rr, cols)),
                )
            });
        }
        self.with_full_message(handles, r.input_handle_index, |m| {
            let list = &mut m.content_mut().recipients;
            for (row_id, bag) in rows {
                let at = list.iter().position(|b| row_id_of(b) == Some(row_id));
                match (at, bag) {
                    (Some(i), None) => {
                        list.remove(i);
                    }
                    (None, None) => {}
                    (Some(i), Some(b)) => list[i] = b,
                    (None, Some(b)) => list.push(b),
                }
            }
            Ok(())
        })
    }

    pub(super) fn read_recipients(
        &mut self,
        handles: &[u32],
        idx: u8,
        from: u32,
    ) -> Result<Vec<ReadRecipientRow>, ErrorCode> {
        let list: Vec<PropertyBag> =
            self.with_full_message(handles, idx, |m| Ok(m.content_mut().recipients.clone()))?;
        // [MS-OXCMSG] 3.2.5.6: from the recipient with RowId `from` (0: the
        // first), as many as fit; ecNotFound without one.
        let start = if from == 0 {
            0
        } else {
            list.iter()
                .position(|b| row_id_of(b) == Some(from))
                .ok_or(ErrorCode::NotFound)?
        };
        if list.is_empty() {
            return Err(ErrorCode::NotFound);
        }
        let mut rows = Vec::new();
        let mut size = 0usize;
        for b in list.iter().skip(start).take(u8::MAX as usize) {
            let bytes = recipient_row(b)
                .to_bytes()
                .map_err(|_| ErrorCode::GeneralFailure)?;
            size += bytes.len() + 11;
            if size > super::DEFAULT_MAX_OUTPUT / 2 && !rows.is_empty() {
                break;
            }
            rows.push(ReadRecipientRow {
                row_id: row_id_of(b).unwrap_or(0),
                recipient_type: match b.get(PID_TAG_RECIPIENT_TYPE) {
                    Some(PropValue::I32(t)) => *t as u8,
                    _ => 0,
                },
                code_page_id: 0x04B0,
                reserved: 0,
                recipient_row: bytes,
            });
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipient_props_from_an_smtp_row_and_back() {
        use recipient_flags as f;
        let row = RecipientRow {
            recipient_flags: 0x3 | f::E | f::D | f::U | f::S,
            x500: None,
            distribution_list: None,
            address_type: None,
            email_address: Some(RecipientString::Unicode("bob@example.com".into())),
            display_name: Some(RecipientString::Unicode("Bob".into())),
            simple_display_name: None,
            transmittable_display_name: None,
            recipient_column_count: 1,
            recipient_properties: PropertyRow::Standard(vec![StandardCell::Value(PropValue::I32(
                9,
            ))]),
        };
        let bag = recipient_props(4, 1, &row, &[PropTag(0x5FFF_0003)]);
        assert_eq!(bag.get(PID_TAG_ROWID), Some(&PropValue::I32(4)));
        assert_eq!(bag.get(PID_TAG_RECIPIENT_TYPE), Some(&PropValue::I32(1)));
        assert_eq!(
            bag.get(PID_TAG_ADDRESS_TYPE),
            Some(&PropValue::unicode("SMTP"))
        );
        assert_eq!(
            bag.get(PID_TAG_TRANSMITTABLE_DISPLAY_NAME),
            Some(&PropValue::unicode("Bob"))
        );
        assert_eq!(bag.get(PropTag(0x5FFF_0003)), Some(&PropValue::I32(9)));
        let back = recipient_row(&bag);
        assert_eq!(back.recipient_flags & 0x7, 3);
        assert_eq!(back.display_name, row.display_name);
        assert_eq!(back.email_address, row.email_address);
        let bytes = back.to_bytes().unwrap();
        assert_eq!(RecipientRow::decode(&bytes, &[]).unwrap(), back);
    }
}
