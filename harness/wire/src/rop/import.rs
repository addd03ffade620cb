//! ICS upload ROPs ([MS-OXCROPS] 2.2.13.2–2.2.13.7; [MS-OXCFXICS] 2.2.3.2.4;
//! rops.md §8). SourceKeys, change keys and PCLs are kept as bytes.

use crate::cursor::{Reader, WriteLe};
use crate::ids::{Fid, Mid};

use super::common::{ResponseHint, RopResult, ser_hex};
use super::error::{DecodeResult, EncodeResult};
use super::flags::{ImportDeleteFlags, ImportFlag};
use super::value::{
    TaggedPropertyValue, put_count16, read_bytes16, read_bytes32, write_bytes16, write_bytes32,
};

fn read_values16(
    r: &mut Reader<'_>,
    count_field: &'static str,
    field: &'static str,
) -> DecodeResult<Vec<TaggedPropertyValue>> {
    let n = r.u16(count_field)? as usize;
    TaggedPropertyValue::read_many(r, n, field)
}

fn write_values16(
    out: &mut Vec<u8>,
    v: &[TaggedPropertyValue],
    count_field: &'static str,
    field: &'static str,
) -> EncodeResult {
    put_count16(out, v.len(), count_field)?;
    for x in v {
        x.write(out, field)?;
    }
    Ok(())
}

/// RopSynchronizationOpenCollector request, 0x7E (2.2.13.7.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationOpenCollectorRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the synchronization upload context).
    pub output_handle_index: u8,
    /// IsContentsCollector: non-zero = contents, 0x00 = hierarchy (kept as sent).
    pub is_contents_collector: u8,
}

impl SynchronizationOpenCollectorRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            is_contents_collector: r.u8("IsContentsCollector")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.is_contents_collector,
        ]);
        Ok(())
    }
}

/// RopSynchronizationImportMessageChange request, 0x72 (2.2.13.2.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportMessageChangeRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (contents upload context).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the Message object).
    pub output_handle_index: u8,
    /// ImportFlag.
    pub import_flag: ImportFlag,
    /// PropertyValues: SourceKey, LastModificationTime, ChangeKey, PredecessorChangeList.
    pub property_values: Vec<TaggedPropertyValue>,
}

impl SynchronizationImportMessageChangeRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            import_flag: ImportFlag(r.u8("ImportFlag")?),
            property_values: read_values16(r, "PropertyValueCount", "PropertyValues")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.import_flag.0,
        ]);
        write_values16(
            out,
            &self.property_values,
            "PropertyValueCount",
            "PropertyValues",
        )
    }
}

/// Success fields of RopSynchronizationImportMessageChange (2.2.13.2.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ImportMessageChangeSuccess {
    /// MessageId (MUST be 0).
    pub message_id: Mid,
}

/// RopSynchronizationImportMessageChange response (2.2.13.2.2 / 2.2.13.2.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportMessageChangeResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<ImportMessageChangeSuccess>,
}

impl SynchronizationImportMessageChangeResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(ImportMessageChangeSuccess {
                    message_id: Mid::from_bytes(r.array("MessageId")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_bytes(&s.message_id.to_bytes());
            Ok(())
        })
    }
}

/// RopSynchronizationImportHierarchyChange request, 0x73 (2.2.13.4.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportHierarchyChangeRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (hierarchy upload context).
    pub input_handle_index: u8,
    /// HierarchyValues (ParentSourceKey, SourceKey, LastModificationTime,
    /// ChangeKey, PredecessorChangeList, DisplayName).
    pub hierarchy_values: Vec<TaggedPropertyValue>,
    /// PropertyValues (other folder properties).
    pub property_values: Vec<TaggedPropertyValue>,
}

impl SynchronizationImportHierarchyChangeRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            hierarchy_values: read_values16(r, "HierarchyValueCount", "HierarchyValues")?,
            property_values: read_values16(r, "PropertyValueCount", "PropertyValues")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_values16(
            out,
            &self.hierarchy_values,
            "HierarchyValueCount",
            "HierarchyValues",
        )?;
        write_values16(
            out,
            &self.property_values,
            "PropertyValueCount",
            "PropertyValues",
        )
    }
}

/// Success fields of RopSynchronizationImportHierarchyChange (2.2.13.4.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ImportHierarchyChangeSuccess {
    /// FolderId (MUST be 0).
    pub folder_id: Fid,
}

/// RopSynchronizationImportHierarchyChange response (2.2.13.4.2 / 2.2.13.4.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportHierarchyChangeResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<ImportHierarchyChangeSuccess>,
}

impl SynchronizationImportHierarchyChangeResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(ImportHierarchyChangeSuccess {
                    folder_id: Fid::from_bytes(r.array("FolderId")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            out.put_bytes(&s.folder_id.to_bytes());
            Ok(())
        })
    }
}

/// RopSynchronizationImportMessageMove request, 0x78 (2.2.13.6.1): five
/// u32-size-prefixed byte fields.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportMessageMoveRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (contents upload context of the destination folder).
    pub input_handle_index: u8,
    /// SourceFolderId (a GID: PidTagSourceKey of the source folder).
    #[serde(serialize_with = "ser_hex")]
    pub source_folder_id: Vec<u8>,
    /// SourceMessageId (GID).
    #[serde(serialize_with = "ser_hex")]
    pub source_message_id: Vec<u8>,
    /// PredecessorChangeList.
    #[serde(serialize_with = "ser_hex")]
    pub predecessor_change_list: Vec<u8>,
    /// DestinationMessageId (GID).
    #[serde(serialize_with = "ser_hex")]
    pub destination_message_id: Vec<u8>,
    /// ChangeNumber (XID).
    #[serde(serialize_with = "ser_hex")]
    pub change_number: Vec<u8>,
}

impl SynchronizationImportMessageMoveRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            source_folder_id: read_bytes32(r, "SourceFolderId")?,
            source_message_id: read_bytes32(r, "SourceMessageId")?,
            predecessor_change_list: read_bytes32(r, "PredecessorChangeList")?,
            destination_message_id: read_bytes32(r, "DestinationMessageId")?,
            change_number: read_bytes32(r, "ChangeNumber")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_bytes32(out, &self.source_folder_id, "SourceFolderIdSize")?;
        write_bytes32(out, &self.source_message_id, "SourceMessageIdSize")?;
        write_bytes32(
            out,
            &self.predecessor_change_list,
            "PredecessorChangeListSize",
        )?;
        write_bytes32(
            out,
            &self.destination_message_id,
            "DestinationMessageIdSize",
        )?;
        write_bytes32(out, &self.change_number, "ChangeNumberSize")
    }
}

/// Success fields of RopSynchronizationImportMessageMove (2.2.13.6.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ImportMessageMoveSuccess {
    /// MessageId (MUST be 0).
    pub message_id: Mid,
}

/// RopSynchronizationImportMessageMove response (2.2.13.6.2 / 2.2.13.6.3).
/// The warning SyncClientChangeNewer (0x00040821) uses the failure form (§12 D3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportMessageMoveResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<ImportMessageMoveSuccess>,
}

impl SynchronizationImportMessageMoveResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(ImportMessageMoveSuccess {
                    message_id: Mid::from_bytes(r.array("MessageId")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            out.put_bytes(&s.message_id.to_bytes());
            Ok(())
        })
    }
}

/// RopSynchronizationImportDeletes request, 0x74 (2.2.13.5.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportDeletesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (upload context).
    pub input_handle_index: u8,
    /// ImportDeleteFlags.
    pub import_delete_flags: ImportDeleteFlags,
    /// PropertyValues: one PtypMultipleBinary 0x00001102 value of SourceKeys.
    pub property_values: Vec<TaggedPropertyValue>,
}

impl SynchronizationImportDeletesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            import_delete_flags: ImportDeleteFlags(r.u8("ImportDeleteFlags")?),
            property_values: read_values16(r, "PropertyValueCount", "PropertyValues")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.import_delete_flags.0,
        ]);
        write_values16(
            out,
            &self.property_values,
            "PropertyValueCount",
            "PropertyValues",
        )
    }
}

/// MessageReadState (2.2.13.3.1.1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MessageReadState {
    /// MessageId: the message's SourceKey (XID), u16-size-prefixed.
    #[serde(serialize_with = "ser_hex")]
    pub message_id: Vec<u8>,
    /// MarkAsRead: 0x01 read, 0x00 unread (kept as sent).
    pub mark_as_read: u8,
}

/// RopSynchronizationImportReadStateChanges request, 0x80 (2.2.13.3.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationImportReadStateChangesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (contents upload context).
    pub input_handle_index: u8,
    /// MessageReadStates (MessageReadStatesSize is their total byte size).
    pub message_read_states: Vec<MessageReadState>,
}

impl SynchronizationImportReadStateChangesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let size = r.u16("MessageReadStatesSize")? as usize;
        let body_off = r.offset();
        let body = r.bytes(size, "MessageReadStates")?;
        let mut inner = Reader::with_base(body, body_off);
        let mut message_read_states = Vec::new();
        while !inner.is_empty() {
            let message_id = read_bytes16(&mut inner, "MessageReadState.MessageId")?;
            let mark_as_read = inner.u8("MessageReadState.MarkAsRead")?;
            message_read_states.push(MessageReadState {
                message_id,
                mark_as_read,
            });
        }
        Ok(Self {
            logon_id,
            input_handle_index,
            message_read_states,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        let mut body = Vec::new();
        for s in &self.message_read_states {
            write_bytes16(&mut body, &s.message_id, "MessageReadState.MessageIdSize")?;
            body.put_u8(s.mark_as_read);
        }
        write_bytes16(out, &body, "MessageReadStatesSize")
    }
}
