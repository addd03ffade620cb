//! Reading a message's attachments: [MS-OXCROPS] 2.2.6.17 RopGetAttachmentTable
//! and 2.2.6.16 RopOpenEmbeddedMessage ([MS-OXCMSG] 2.2.3.16, 2.2.3.17).
//!
//! The attachment table is read with RopSetColumns / RopQueryRows
//! ([`super::table`]), PidTagAttachNumber naming each attachment
//! ([MS-OXCMSG] 3.1.5.16); RopOpenAttachment opens one
//! ([`super::attachment`]) and RopOpenEmbeddedMessage the Message object
//! it holds (PidTagAttachMethod afEmbeddedMessage).

use crate::cursor::{Reader, WriteLe};
use crate::ids::Mid;

use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeResult};
use super::message::OpenMessageSuccess;

/// RopGetAttachmentTable request, 0x21 (2.2.6.17.1). The response is the
/// single-form [`super::common::OutputHandleResponse`] (2.2.6.17.2: no
/// RowCount, unlike RopGetContentsTable).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetAttachmentTableRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the Table).
    pub output_handle_index: u8,
    /// TableFlags ([MS-OXCMSG] 2.2.3.17.1: Standard 0x00, Unicode 0x40),
    /// kept as sent.
    pub table_flags: u8,
}

impl GetAttachmentTableRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            table_flags: r.u8("TableFlags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.table_flags,
        ]);
        Ok(())
    }
}

/// RopOpenEmbeddedMessage request, 0x46 (2.2.6.16.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenEmbeddedMessageRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Attachment).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the embedded Message).
    pub output_handle_index: u8,
    /// CodePageId.
    pub code_page_id: u16,
    /// OpenModeFlags ([MS-OXCMSG] 2.2.3.16.1: ReadOnly 0x00, ReadWrite 0x01,
    /// Create 0x02), kept as sent.
    pub open_mode_flags: u8,
}

impl OpenEmbeddedMessageRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            code_page_id: r.u16("CodePageId")?,
            open_mode_flags: r.u8("OpenModeFlags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
        ]);
        out.put_u16(self.code_page_id);
        out.put_u8(self.open_mode_flags);
        Ok(())
    }
}

/// Success fields of RopOpenEmbeddedMessage (2.2.6.16.2): `Reserved u8,
/// MessageId 8`, then the fields of the RopOpenMessage success buffer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenEmbeddedMessageSuccess {
    /// Reserved ("MUST be 0x00"), kept as sent.
    pub reserved: u8,
    /// MessageId of the embedded Message object.
    pub message_id: Mid,
    /// HasNamedProperties, SubjectPrefix, NormalizedSubject, RecipientCount,
    /// RecipientColumns, RecipientRows, laid out as in RopOpenMessage.
    #[serde(flatten)]
    pub message: OpenMessageSuccess,
}

/// RopOpenEmbeddedMessage response (2.2.6.16.2 / 2.2.6.16.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenEmbeddedMessageResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<OpenEmbeddedMessageSuccess>,
}

impl OpenEmbeddedMessageResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(OpenEmbeddedMessageSuccess {
                    reserved: r.u8("Reserved")?,
                    message_id: Mid::from_bytes(r.array("MessageId")?),
                    message: OpenMessageSuccess::read(r)?,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_u8(s.reserved);
            out.put_bytes(&s.message_id.to_bytes());
            s.message.write(out)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GlobCnt, ReplId};
    use crate::prop::PropTag;
    use crate::rop::codes::ErrorCode;
    use crate::rop::common::OutputHandleResponse;
    use crate::rop::error::RopError;
    use crate::rop::message::OpenRecipientRow;
    use crate::rop::value::TypedString;
    use crate::rop::{ResponseContext, RopRequest, RopRequestBuffer, RopResponse};
    use crate::rop::{RopResponseBuffer, ids};

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// `RopSize | RopsList | handles` around one ROP and one handle.
    fn buffer(rop: &[u8], handle: u32) -> Vec<u8> {
        let mut b = ((rop.len() + 2) as u16).to_le_bytes().to_vec();
        b.extend_from_slice(rop);
        b.extend_from_slice(&handle.to_le_bytes());
        b
    }

    fn get_table() -> RopRequest {
        RopRequest::GetAttachmentTable(GetAttachmentTableRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            table_flags: 0x40,
        })
    }

    /// 2.2.6.17.1: `RopId 0x21, LogonId, InputHandleIndex, OutputHandleIndex,
    /// TableFlags`; 2.2.6.17.2: `RopId, OutputHandleIndex, ReturnValue`.
    #[test]
    fn get_attachment_table_layout() {
        let req = RopRequestBuffer {
            rops: vec![get_table()],
            handles: vec![7],
        };
        let bytes = buffer(&hex("21 00 01 02 40"), 7);
        assert_eq!(req.encode().unwrap(), bytes);
        assert_eq!(RopRequestBuffer::decode(&bytes).unwrap(), req);
        assert_eq!(ids::rop_name(0x21), "RopGetAttachmentTable");
        assert_eq!(req.rops[0].output_handle_index(), Some(2));

        let resp = buffer(&hex("21 02 0F 01 04 80"), 7);
        let got = RopResponseBuffer::decode(&resp, &req, &ResponseContext::default()).unwrap();
        assert_eq!(
            got.rops,
            vec![RopResponse::GetAttachmentTable(OutputHandleResponse {
                output_handle_index: 2,
                return_value: ErrorCode::NotFound,
            })]
        );
        assert_eq!(got.encode().unwrap(), resp);
    }

    fn open_embedded() -> RopRequest {
        RopRequest::OpenEmbeddedMessage(OpenEmbeddedMessageRequest {
            logon_id: 0,
            input_handle_index: 3,
            output_handle_index: 4,
            code_page_id: 0x0FFF,
            open_mode_flags: 0x00,
        })
    }

    /// 2.2.6.16.1: `RopId 0x46, LogonId, InputHandleIndex, OutputHandleIndex,
    /// CodePageId u16, OpenModeFlags`.
    #[test]
    fn open_embedded_message_request_layout() {
        let req = RopRequestBuffer {
            rops: vec![open_embedded()],
            handles: vec![7],
        };
        let bytes = buffer(&hex("46 00 03 04 FF 0F 00"), 7);
        assert_eq!(req.encode().unwrap(), bytes);
        assert_eq!(RopRequestBuffer::decode(&bytes).unwrap(), req);
        assert_eq!(ids::rop_name(0x46), "RopOpenEmbeddedMessage");
        assert_eq!(req.rops[0].output_handle_index(), Some(4));
    }

    /// 2.2.6.16.2: `Reserved, MessageId, HasNamedProperties, SubjectPrefix,
    /// NormalizedSubject, RecipientCount, ColumnCount, RecipientColumns,
    /// RowCount, RecipientRows`; 2.2.6.16.3: the failure buffer is the header.
    #[test]
    fn open_embedded_message_response_layout() {
        let req = RopRequestBuffer {
            rops: vec![open_embedded()],
            handles: vec![7],
        };
        let mid = Mid::new(ReplId(1), GlobCnt::new(0x0A).unwrap());
        let ok = hex(
            "46 04 00000000  00  0100 0000 0000 000A  00  00  02 41 00  0100  0100 1F00 0130
             01  01 E404 0000 0200 AABB",
        );
        let resp =
            RopResponseBuffer::decode(&buffer(&ok, 9), &req, &ResponseContext::default()).unwrap();
        let expected = RopResponse::OpenEmbeddedMessage(OpenEmbeddedMessageResponse {
            output_handle_index: 4,
            result: RopResult::Success(OpenEmbeddedMessageSuccess {
                reserved: 0,
                message_id: mid,
                message: OpenMessageSuccess {
                    has_named_properties: 0,
                    subject_prefix: TypedString::NoString,
                    normalized_subject: TypedString::String8(b"A".to_vec()),
                    recipient_count: 1,
                    recipient_columns: vec![PropTag(0x3001_001F)],
                    recipient_rows: vec![OpenRecipientRow {
                        recipient_type: 1,
                        code_page_id: 0x04E4,
                        reserved: 0,
                        recipient_row: vec![0xAA, 0xBB],
                    }],
                },
            }),
        });
        assert_eq!(resp.rops, vec![expected]);
        assert_eq!(resp.encode().unwrap(), buffer(&ok, 9));

        let fail = buffer(&hex("46 04 B9 04 00 00"), 9);
        let resp = RopResponseBuffer::decode(&fail, &req, &ResponseContext::default()).unwrap();
        assert_eq!(
            resp.rops,
            vec![RopResponse::OpenEmbeddedMessage(
                OpenEmbeddedMessageResponse {
                    output_handle_index: 4,
                    result: RopResult::Failure(ErrorCode::NullObject),
                }
            )]
        );
    }

    /// Truncated fields and impossible counts are errors naming the field,
    /// never a panic or a large allocation.
    #[test]
    fn bounds() {
        let req = RopRequestBuffer {
            rops: vec![open_embedded()],
            handles: vec![7],
        };
        let decode = |rop: &str| {
            RopResponseBuffer::decode(&buffer(&hex(rop), 9), &req, &ResponseContext::default())
        };
        // MessageId cut short.
        let e = decode("46 04 00000000 00 0001 0000").unwrap_err();
        assert!(e.to_string().contains("MessageId"), "{e}");
        // RowCount 0xFF with no rows behind it.
        let e = decode("46 04 00000000 00 0001000000000001 00 00 00 0000 0000 FF").unwrap_err();
        assert!(e.to_string().contains("RecipientRows"), "{e}");
        // ColumnCount 0xFFFF with no tags behind it.
        let e = decode("46 04 00000000 00 0001000000000001 00 00 00 0000 FFFF").unwrap_err();
        assert!(e.to_string().contains("RecipientColumns"), "{e}");
        // A request cut after CodePageId.
        let e = RopRequestBuffer::decode(&buffer(&hex("46 00 03 04 FF 0F"), 7)).unwrap_err();
        assert!(matches!(e, RopError::Truncated(_)), "{e:?}");
        assert!(e.to_string().contains("OpenModeFlags"), "{e}");
        let e = RopRequestBuffer::decode(&buffer(&hex("21 00 01 02"), 7)).unwrap_err();
        assert!(e.to_string().contains("TableFlags"), "{e}");
    }
}
