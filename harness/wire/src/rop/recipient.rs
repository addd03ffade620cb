//! Recipient ROPs ([MS-OXCROPS] 2.2.6.4 RopRemoveAllRecipients, 2.2.6.5
//! RopModifyRecipients, 2.2.6.6 RopReadRecipients; [MS-OXCMSG] 2.2.3.4–2.2.3.6).
//!
//! A RecipientRow stays bytes in these structs (its decoding needs the
//! recipient columns, which a response decoder does not know, and a harness
//! must be able to send malformed rows); [`RecipientRow`] (re-exported from
//! [`super::recipient_row`]) decodes and encodes those bytes.

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::common::{ResponseHint, RopResult, ser_hex};
use super::error::{DecodeResult, EncodeResult};
use super::value::{
    put_count8, put_count16, read_bytes16, read_tag_array16, write_bytes16, write_tag_array16,
};

pub use super::recipient_row::*;

/// One row of RopModifyRecipients ([MS-OXCROPS] 2.2.6.5.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ModifyRecipientRow {
    /// RowId (PidTagRowid of the recipient).
    pub row_id: u32,
    /// RecipientType (PidTagRecipientType: 1 To, 2 Cc, 3 Bcc, flags above).
    pub recipient_type: u8,
    /// RecipientRow bytes (u16 RecipientRowSize); empty = delete the row.
    #[serde(serialize_with = "ser_hex")]
    pub recipient_row: Vec<u8>,
}

/// RopModifyRecipients request, 0x0E (2.2.6.5.1). The response is the
/// single-form [`super::common::InputHandleResponse`] (2.2.6.5.2).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ModifyRecipientsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// RecipientColumns (u16 ColumnCount).
    #[serde(serialize_with = "super::common::ser_tags")]
    pub recipient_columns: Vec<PropTag>,
    /// RecipientRows (u16 RowCount).
    pub recipient_rows: Vec<ModifyRecipientRow>,
}

impl ModifyRecipientsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let recipient_columns = read_tag_array16(r, "RecipientColumns")?;
        let n = r.u16("RowCount")? as usize;
        r.check_count(n, 7, "RecipientRows")?;
        let mut recipient_rows = Vec::with_capacity(n);
        for _ in 0..n {
            recipient_rows.push(ModifyRecipientRow {
                row_id: r.u32("RowId")?,
                recipient_type: r.u8("RecipientType")?,
                recipient_row: read_bytes16(r, "RecipientRow")?,
            });
        }
        Ok(Self {
            logon_id,
            input_handle_index,
            recipient_columns,
            recipient_rows,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_tag_array16(out, &self.recipient_columns, "RecipientColumns")?;
        put_count16(out, self.recipient_rows.len(), "RowCount")?;
        for row in &self.recipient_rows {
            out.put_u32(row.row_id);
            out.put_u8(row.recipient_type);
            write_bytes16(out, &row.recipient_row, "RecipientRowSize")?;
        }
        Ok(())
    }
}

/// RopReadRecipients request, 0x0F (2.2.6.6.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReadRecipientsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// RowId of the first recipient to read.
    pub row_id: u32,
    /// Reserved (kept as sent).
    pub reserved: u16,
}

impl ReadRecipientsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            row_id: r.u32("RowId")?,
            reserved: r.u16("Reserved")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u32(self.row_id);
        out.put_u16(self.reserved);
        Ok(())
    }
}

/// ReadRecipientRow ([MS-OXCROPS] 2.2.6.6.2.1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReadRecipientRow {
    /// RowId.
    pub row_id: u32,
    /// RecipientType.
    pub recipient_type: u8,
    /// CodePageId.
    pub code_page_id: u16,
    /// Reserved.
    pub reserved: u16,
    /// RecipientRow bytes (u16 RecipientRowSize), in the message's
    /// recipient columns (those of RopOpenMessage).
    #[serde(serialize_with = "ser_hex")]
    pub recipient_row: Vec<u8>,
}

/// Success fields of RopReadRecipients (2.2.6.6.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReadRecipientsSuccess {
    /// RecipientRows (u8 RowCount).
    pub recipient_rows: Vec<ReadRecipientRow>,
}

/// RopReadRecipients response (2.2.6.6.2 / 2.2.6.6.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReadRecipientsResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<ReadRecipientsSuccess>,
}

impl ReadRecipientsResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let n = r.u8("RowCount")? as usize;
                r.check_count(n, 11, "RecipientRows")?;
                let mut recipient_rows = Vec::with_capacity(n);
                for _ in 0..n {
                    recipient_rows.push(ReadRecipientRow {
                        row_id: r.u32("RowId")?,
                        recipient_type: r.u8("RecipientType")?,
                        code_page_id: r.u16("CodePageId")?,
                        reserved: r.u16("Reserved")?,
                        recipient_row: read_bytes16(r, "RecipientRow")?,
                    });
                }
                Ok(ReadRecipientsSuccess { recipient_rows })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            put_count8(out, s.recipient_rows.len(), "RowCount")?;
            for row in &s.recipient_rows {
                out.put_u32(row.row_id);
                out.put_u8(row.recipient_type);
                out.put_u16(row.code_page_id);
                out.put_u16(row.reserved);
                write_bytes16(out, &row.recipient_row, "RecipientRowSize")?;
            }
            Ok(())
        })
    }
}

/// RopRemoveAllRecipients request, 0x0D (2.2.6.4.1). The response is the
/// single-form [`super::common::InputHandleResponse`] (2.2.6.4.2).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RemoveAllRecipientsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// Reserved (kept as sent).
    pub reserved: u32,
}

impl RemoveAllRecipientsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            reserved: r.u32("Reserved")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u32(self.reserved);
        Ok(())
    }
}
