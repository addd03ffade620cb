//! Message ROPs ([MS-OXCROPS] 2.2.6.1 RopOpenMessage, 2.2.6.2 RopCreateMessage,
//! 2.2.6.3 RopSaveChangesMessage, 2.2.6.10 RopSetReadFlags, 2.2.6.11
//! RopSetMessageReadFlag; 2.2.4.11 RopDeleteMessages, 2.2.4.12
//! RopHardDeleteMessages, 2.2.4.6 RopMoveCopyMessages; [MS-OXCMSG] 2.2.3).

use crate::cursor::{Reader, WriteLe};
use crate::ids::{Fid, Mid};
use crate::prop::PropTag;

use super::codes::ErrorCode;
use super::common::{ResponseHint, RopResult, ser_hex};
use super::error::{DecodeResult, EncodeError, EncodeResult};
use super::flags::{MessageOpenModeFlags, ReadFlags, SaveFlags};
use super::value::{
    TypedString, put_count8, put_count16, read_bool, read_bytes16, read_ids, read_tag_array16,
    write_bytes16, write_tag_array16,
};

fn write_ids(out: &mut Vec<u8>, ids: &[Mid]) -> EncodeResult {
    put_count16(out, ids.len(), "MessageIdCount")?;
    for m in ids {
        out.put_bytes(&m.to_bytes());
    }
    Ok(())
}

/// RopOpenMessage request, 0x03 (2.2.6.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenMessageRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// CodePageId.
    pub code_page_id: u16,
    /// FolderId.
    pub folder_id: Fid,
    /// OpenModeFlags.
    pub open_mode_flags: MessageOpenModeFlags,
    /// MessageId.
    pub message_id: Mid,
}

impl OpenMessageRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            code_page_id: r.u16("CodePageId")?,
            folder_id: Fid::from_bytes(r.array("FolderId")?),
            open_mode_flags: MessageOpenModeFlags(r.u8("OpenModeFlags")?),
            message_id: Mid::from_bytes(r.array("MessageId")?),
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
        out.put_bytes(&self.folder_id.to_bytes());
        out.put_u8(self.open_mode_flags.0);
        out.put_bytes(&self.message_id.to_bytes());
        Ok(())
    }
}

/// OpenRecipientRow ([MS-OXCROPS] 2.2.6.1.2.1). The RecipientRow
/// ([MS-OXCDATA] 2.8.3) is kept as bytes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenRecipientRow {
    /// RecipientType.
    pub recipient_type: u8,
    /// CodePageId.
    pub code_page_id: u16,
    /// Reserved.
    pub reserved: u16,
    /// RecipientRow (u16 RecipientRowSize).
    #[serde(serialize_with = "ser_hex")]
    pub recipient_row: Vec<u8>,
}

/// Success fields of RopOpenMessage (2.2.6.1.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenMessageSuccess {
    /// HasNamedProperties (boolean, kept as sent).
    pub has_named_properties: u8,
    /// SubjectPrefix.
    pub subject_prefix: TypedString,
    /// NormalizedSubject.
    pub normalized_subject: TypedString,
    /// RecipientCount.
    pub recipient_count: u16,
    /// RecipientColumns (u16 ColumnCount).
    #[serde(serialize_with = "super::common::ser_tags")]
    pub recipient_columns: Vec<PropTag>,
    /// RecipientRows (u8 RowCount).
    pub recipient_rows: Vec<OpenRecipientRow>,
}

/// RopOpenMessage response (2.2.6.1.2 / 2.2.6.1.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenMessageResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<OpenMessageSuccess>,
}

impl OpenMessageResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, OpenMessageSuccess::read)?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| s.write(out))
    }
}

impl OpenMessageSuccess {
    /// Reads the RopOpenMessage success fields (2.2.6.1.2) after ReturnValue
    /// (also those of RopOpenEmbeddedMessage after MessageId).
    pub(crate) fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let has_named_properties = r.u8("HasNamedProperties")?;
        let subject_prefix = TypedString::read(r, "SubjectPrefix")?;
        let normalized_subject = TypedString::read(r, "NormalizedSubject")?;
        let recipient_count = r.u16("RecipientCount")?;
        let recipient_columns = read_tag_array16(r, "RecipientColumns")?;
        let n = r.u8("RowCount")? as usize;
        // RecipientType, CodePageId, Reserved, RecipientRowSize: 7 bytes at least.
        r.check_count(n, 7, "RecipientRows")?;
        let mut recipient_rows = Vec::with_capacity(n);
        for _ in 0..n {
            recipient_rows.push(OpenRecipientRow {
                recipient_type: r.u8("RecipientType")?,
                code_page_id: r.u16("CodePageId")?,
                reserved: r.u16("Reserved")?,
                recipient_row: read_bytes16(r, "RecipientRow")?,
            });
        }
        Ok(OpenMessageSuccess {
            has_named_properties,
            subject_prefix,
            normalized_subject,
            recipient_count,
            recipient_columns,
            recipient_rows,
        })
    }

    /// Writes the fields [`Self::read`] reads.
    pub(crate) fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.has_named_properties);
        self.subject_prefix.write(out, "SubjectPrefix")?;
        self.normalized_subject.write(out, "NormalizedSubject")?;
        out.put_u16(self.recipient_count);
        write_tag_array16(out, &self.recipient_columns, "RecipientColumns")?;
        put_count8(out, self.recipient_rows.len(), "RowCount")?;
        for row in &self.recipient_rows {
            out.put_u8(row.recipient_type);
            out.put_u16(row.code_page_id);
            out.put_u16(row.reserved);
            write_bytes16(out, &row.recipient_row, "RecipientRowSize")?;
        }
        Ok(())
    }
}

/// RopCreateMessage request, 0x06 (2.2.6.2.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateMessageRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// CodePageId.
    pub code_page_id: u16,
    /// FolderId.
    pub folder_id: Fid,
    /// AssociatedFlag (boolean, kept as sent).
    pub associated_flag: u8,
}

impl CreateMessageRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            code_page_id: r.u16("CodePageId")?,
            folder_id: Fid::from_bytes(r.array("FolderId")?),
            associated_flag: r.u8("AssociatedFlag")?,
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
        out.put_bytes(&self.folder_id.to_bytes());
        out.put_u8(self.associated_flag);
        Ok(())
    }
}

/// Success fields of RopCreateMessage (2.2.6.2.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateMessageSuccess {
    /// HasMessageId (boolean 0x00/0x01) and MessageId when set.
    pub message_id: Option<Mid>,
}

/// RopCreateMessage response (2.2.6.2.2 / 2.2.6.2.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateMessageResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<CreateMessageSuccess>,
}

impl CreateMessageResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let message_id = if read_bool(r, "HasMessageId")? {
                    Some(Mid::from_bytes(r.array("MessageId")?))
                } else {
                    None
                };
                Ok(CreateMessageSuccess { message_id })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            match s.message_id {
                None => out.put_u8(0),
                Some(m) => {
                    out.put_u8(1);
                    out.put_bytes(&m.to_bytes());
                }
            }
            Ok(())
        })
    }
}

/// RopSaveChangesMessage request, 0x0C (2.2.6.3.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SaveChangesMessageRequest {
    /// LogonId.
    pub logon_id: u8,
    /// ResponseHandleIndex.
    pub response_handle_index: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// SaveFlags.
    pub save_flags: SaveFlags,
}

impl SaveChangesMessageRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            response_handle_index: r.u8("ResponseHandleIndex")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            save_flags: SaveFlags(r.u8("SaveFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.response_handle_index,
            self.input_handle_index,
            self.save_flags.0,
        ]);
        Ok(())
    }
}

/// Success fields of RopSaveChangesMessage (2.2.6.3.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SaveChangesMessageSuccess {
    /// InputHandleIndex (echo).
    pub input_handle_index: u8,
    /// MessageId of the saved message.
    pub message_id: Mid,
}

/// RopSaveChangesMessage response (2.2.6.3.2 / 2.2.6.3.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SaveChangesMessageResponse {
    /// ResponseHandleIndex.
    pub response_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<SaveChangesMessageSuccess>,
}

impl SaveChangesMessageResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            response_handle_index: r.u8("ResponseHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(SaveChangesMessageSuccess {
                    input_handle_index: r.u8("InputHandleIndex")?,
                    message_id: Mid::from_bytes(r.array("MessageId")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.response_handle_index);
        self.result.write(out, |s, out| {
            out.put_u8(s.input_handle_index);
            out.put_bytes(&s.message_id.to_bytes());
            Ok(())
        })
    }
}

/// RopDeleteMessages (0x1E) / RopHardDeleteMessages (0x91) request (2.2.4.11.1, 2.2.4.12.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DeleteMessagesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// WantAsynchronous (boolean, kept as sent).
    pub want_asynchronous: u8,
    /// NotifyNonRead (boolean, kept as sent).
    pub notify_non_read: u8,
    /// MessageIds (u16 MessageIdCount).
    pub message_ids: Vec<Mid>,
}

impl DeleteMessagesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let want_asynchronous = r.u8("WantAsynchronous")?;
        let notify_non_read = r.u8("NotifyNonRead")?;
        let n = r.u16("MessageIdCount")? as usize;
        Ok(Self {
            logon_id,
            input_handle_index,
            want_asynchronous,
            notify_non_read,
            message_ids: read_ids(r, n, "MessageIds")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.want_asynchronous,
            self.notify_non_read,
        ]);
        write_ids(out, &self.message_ids)
    }
}

/// RopSetReadFlags request, 0x66 (2.2.6.10.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetReadFlagsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// WantAsynchronous (boolean, kept as sent).
    pub want_asynchronous: u8,
    /// ReadFlags.
    pub read_flags: ReadFlags,
    /// MessageIds.
    pub message_ids: Vec<Mid>,
}

impl SetReadFlagsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let want_asynchronous = r.u8("WantAsynchronous")?;
        let read_flags = ReadFlags(r.u8("ReadFlags")?);
        let n = r.u16("MessageIdCount")? as usize;
        Ok(Self {
            logon_id,
            input_handle_index,
            want_asynchronous,
            read_flags,
            message_ids: read_ids(r, n, "MessageIds")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.want_asynchronous,
            self.read_flags.0,
        ]);
        write_ids(out, &self.message_ids)
    }
}

/// RopSetMessageReadFlag request, 0x11 (2.2.6.11.1). ClientData is present
/// iff the logon is a public-folder logon (see [`super::RequestContext`]).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetMessageReadFlagRequest {
    /// LogonId.
    pub logon_id: u8,
    /// ResponseHandleIndex.
    pub response_handle_index: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// ReadFlags.
    pub read_flags: ReadFlags,
    /// ClientData (24 bytes), public-folder logons only.
    pub client_data: Option<[u8; 24]>,
}

impl SetMessageReadFlagRequest {
    /// Reads the fields after RopId for a private logon (no ClientData).
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Self::read_with(r, false)
    }
    /// Reads the fields after RopId; `public` says whether ClientData follows.
    pub fn read_with(r: &mut Reader<'_>, public: bool) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            response_handle_index: r.u8("ResponseHandleIndex")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            read_flags: ReadFlags(r.u8("ReadFlags")?),
            client_data: if public {
                Some(r.array("ClientData")?)
            } else {
                None
            },
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.response_handle_index,
            self.input_handle_index,
            self.read_flags.0,
        ]);
        if let Some(c) = &self.client_data {
            out.put_bytes(c);
        }
        Ok(())
    }
}

/// The fields present when ReadStatusChanged is non-zero (2.2.6.11.2).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReadStatusChange {
    /// LogonId.
    pub logon_id: u8,
    /// ClientData.
    #[serde(serialize_with = "ser_hex")]
    pub client_data: [u8; 24],
}

/// Success fields of RopSetMessageReadFlag (2.2.6.11.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetMessageReadFlagSuccess {
    /// ReadStatusChanged (boolean 0x00/0x01) and, when set, LogonId and ClientData.
    pub read_status_changed: Option<ReadStatusChange>,
}

/// RopSetMessageReadFlag response (2.2.6.11.2 / 2.2.6.11.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetMessageReadFlagResponse {
    /// ResponseHandleIndex.
    pub response_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<SetMessageReadFlagSuccess>,
}

impl SetMessageReadFlagResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            response_handle_index: r.u8("ResponseHandleIndex")?,
            result: RopResult::read(r, |r| {
                let read_status_changed = if read_bool(r, "ReadStatusChanged")? {
                    Some(ReadStatusChange {
                        logon_id: r.u8("LogonId")?,
                        client_data: r.array("ClientData")?,
                    })
                } else {
                    None
                };
                Ok(SetMessageReadFlagSuccess {
                    read_status_changed,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.response_handle_index);
        self.result.write(out, |s, out| {
            match &s.read_status_changed {
                None => out.put_u8(0),
                Some(c) => {
                    out.put_u8(1);
                    out.put_u8(c.logon_id);
                    out.put_bytes(&c.client_data);
                }
            }
            Ok(())
        })
    }
}

/// RopMoveCopyMessages request, 0x33 (2.2.4.6.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MoveCopyMessagesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// SourceHandleIndex (source Folder).
    pub source_handle_index: u8,
    /// DestHandleIndex (destination Folder).
    pub dest_handle_index: u8,
    /// MessageIds.
    pub message_ids: Vec<Mid>,
    /// WantAsynchronous (boolean, kept as sent).
    pub want_asynchronous: u8,
    /// WantCopy (boolean, kept as sent): non-zero copies, zero moves.
    pub want_copy: u8,
}

impl MoveCopyMessagesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let source_handle_index = r.u8("SourceHandleIndex")?;
        let dest_handle_index = r.u8("DestHandleIndex")?;
        let n = r.u16("MessageIdCount")? as usize;
        Ok(Self {
            logon_id,
            source_handle_index,
            dest_handle_index,
            message_ids: read_ids(r, n, "MessageIds")?,
            want_asynchronous: r.u8("WantAsynchronous")?,
            want_copy: r.u8("WantCopy")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.source_handle_index,
            self.dest_handle_index,
        ]);
        write_ids(out, &self.message_ids)?;
        out.put_bytes(&[self.want_asynchronous, self.want_copy]);
        Ok(())
    }
}

/// RopMoveCopyMessages response (2.2.4.6.2 / 2.2.4.6.3): PartialCompletion
/// always; with ReturnValue ecDstNullObject (0x00000503) the null destination
/// form adds DestHandleIndex (u32) before it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct MoveCopyMessagesResponse {
    /// SourceHandleIndex.
    pub source_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
    /// DestHandleIndex, present iff ReturnValue is DstNullObject.
    pub dest_handle_index: Option<u32>,
    /// PartialCompletion (boolean, kept as sent).
    pub partial_completion: u8,
}

impl MoveCopyMessagesResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        let source_handle_index = r.u8("SourceHandleIndex")?;
        let return_value = ErrorCode::from_u32(r.u32("ReturnValue")?);
        let dest_handle_index = if return_value == ErrorCode::DstNullObject {
            Some(r.u32("DestHandleIndex")?)
        } else {
            None
        };
        Ok(Self {
            source_handle_index,
            return_value,
            dest_handle_index,
            partial_completion: r.u8("PartialCompletion")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        if (self.return_value == ErrorCode::DstNullObject) != self.dest_handle_index.is_some() {
            return Err(EncodeError::Inconsistent {
                field: "DestHandleIndex",
                reason: "present iff ReturnValue is ecDstNullObject (0x00000503)",
            });
        }
        out.put_u8(self.source_handle_index);
        out.put_u32(self.return_value.to_u32());
        if let Some(d) = self.dest_handle_index {
            out.put_u32(d);
        }
        out.put_u8(self.partial_completion);
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for MoveCopyMessagesResponse {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let return_value: ErrorCode = u.arbitrary()?;
        Ok(Self {
            source_handle_index: u.arbitrary()?,
            return_value,
            dest_handle_index: if return_value == ErrorCode::DstNullObject {
                Some(u.arbitrary()?)
            } else {
                None
            },
            partial_completion: u.arbitrary()?,
        })
    }
}
