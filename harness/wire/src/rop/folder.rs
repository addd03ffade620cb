//! Folder ROPs ([MS-OXCROPS] 2.2.4.1–2.2.4.3, 2.2.4.13–2.2.4.14; [MS-OXCFOLD] 2.2.1).

use crate::cursor::{Reader, WriteLe};
use crate::ids::Fid;
use crate::prop::Utf16String;

use super::codes::ErrorCode;
use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeError, EncodeResult};
use super::flags::{
    ContentsTableFlags, DeleteFolderFlags, FolderOpenModeFlags, FolderType, HierarchyTableFlags,
};
use super::value::{
    put_count16, read_bool, read_string8, read_unicode, write_string8, write_unicode,
};

/// RopOpenFolder request, 0x02 (2.2.4.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenFolderRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (Logon or Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// FolderId.
    pub folder_id: Fid,
    /// OpenModeFlags.
    pub open_mode_flags: FolderOpenModeFlags,
}

impl OpenFolderRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            folder_id: Fid::from_bytes(r.array("FolderId")?),
            open_mode_flags: FolderOpenModeFlags(r.u8("OpenModeFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
        ]);
        out.put_bytes(&self.folder_id.to_bytes());
        out.put_u8(self.open_mode_flags.0);
        Ok(())
    }
}

/// The ghosted-folder fields: present iff IsGhosted is non-zero.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GhostInfo {
    /// CheapServerCount.
    pub cheap_server_count: u16,
    /// Servers (ServerCount of them), each without its NUL.
    #[serde(serialize_with = "ser_lossy_list")]
    pub servers: Vec<Vec<u8>>,
}

fn ser_lossy_list<S: serde::Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(v.iter().map(|b| String::from_utf8_lossy(b).into_owned()))
}

fn read_ghost(r: &mut Reader<'_>) -> DecodeResult<Option<GhostInfo>> {
    if !read_bool(r, "IsGhosted")? {
        return Ok(None);
    }
    let n = r.u16("ServerCount")? as usize;
    let cheap_server_count = r.u16("CheapServerCount")?;
    r.check_count(n, 1, "Servers")?;
    let mut servers = Vec::with_capacity(n);
    for _ in 0..n {
        servers.push(read_string8(r, "Servers")?);
    }
    Ok(Some(GhostInfo {
        cheap_server_count,
        servers,
    }))
}

fn write_ghost(out: &mut Vec<u8>, g: &Option<GhostInfo>) -> EncodeResult {
    match g {
        None => out.put_u8(0),
        Some(g) => {
            out.put_u8(1);
            put_count16(out, g.servers.len(), "ServerCount")?;
            out.put_u16(g.cheap_server_count);
            for s in &g.servers {
                write_string8(out, s, "Servers")?;
            }
        }
    }
    Ok(())
}

/// Success fields of RopOpenFolder (2.2.4.1.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenFolderSuccess {
    /// HasRules (boolean, 0x00/0x01).
    pub has_rules: bool,
    /// IsGhosted and, when set, the server list.
    pub ghost: Option<GhostInfo>,
}

/// RopOpenFolder response (2.2.4.1.2 / 2.2.4.1.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenFolderResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<OpenFolderSuccess>,
}

impl OpenFolderResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(OpenFolderSuccess {
                    has_rules: read_bool(r, "HasRules")?,
                    ghost: read_ghost(r)?,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_u8(s.has_rules as u8);
            write_ghost(out, &s.ghost)
        })
    }
}

/// A string of RopCreateFolder: 8-bit or UTF-16 as UseUnicodeStrings says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub enum FolderString {
    /// UseUnicodeStrings = 0x00: 8-bit, NUL-terminated.
    String8(#[serde(serialize_with = "super::common::ser_hex")] Vec<u8>),
    /// UseUnicodeStrings = 0x01: UTF-16LE, NUL-terminated.
    Unicode(Utf16String),
}

impl Default for FolderString {
    fn default() -> Self {
        FolderString::String8(Vec::new())
    }
}

impl FolderString {
    fn read(r: &mut Reader<'_>, unicode: bool, field: &'static str) -> DecodeResult<Self> {
        Ok(if unicode {
            FolderString::Unicode(read_unicode(r, field)?)
        } else {
            FolderString::String8(read_string8(r, field)?)
        })
    }
    fn write(&self, out: &mut Vec<u8>, unicode: bool, field: &'static str) -> EncodeResult {
        match (self, unicode) {
            (FolderString::Unicode(s), true) => write_unicode(out, s, field),
            (FolderString::String8(s), false) => write_string8(out, s, field),
            _ => Err(EncodeError::Inconsistent {
                field,
                reason: "string kind must follow UseUnicodeStrings",
            }),
        }
    }
}

/// RopCreateFolder request, 0x1C (2.2.4.2.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct CreateFolderRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (parent Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// FolderType.
    pub folder_type: FolderType,
    /// UseUnicodeStrings (boolean).
    pub use_unicode_strings: bool,
    /// OpenExisting (boolean, kept as sent).
    pub open_existing: u8,
    /// Reserved (MUST be 0; kept as sent).
    pub reserved: u8,
    /// DisplayName.
    pub display_name: FolderString,
    /// Comment.
    pub comment: FolderString,
}

impl CreateFolderRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let output_handle_index = r.u8("OutputHandleIndex")?;
        let folder_type = FolderType(r.u8("FolderType")?);
        let use_unicode_strings = read_bool(r, "UseUnicodeStrings")?;
        let open_existing = r.u8("OpenExisting")?;
        let reserved = r.u8("Reserved")?;
        Ok(Self {
            logon_id,
            input_handle_index,
            output_handle_index,
            folder_type,
            use_unicode_strings,
            open_existing,
            reserved,
            display_name: FolderString::read(r, use_unicode_strings, "DisplayName")?,
            comment: FolderString::read(r, use_unicode_strings, "Comment")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.folder_type.0,
            self.use_unicode_strings as u8,
            self.open_existing,
            self.reserved,
        ]);
        self.display_name
            .write(out, self.use_unicode_strings, "DisplayName")?;
        self.comment.write(out, self.use_unicode_strings, "Comment")
    }
}

/// The fields present when IsExistingFolder is non-zero.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ExistingFolder {
    /// HasRules (boolean).
    pub has_rules: bool,
    /// IsGhosted and the server list.
    pub ghost: Option<GhostInfo>,
}

/// Success fields of RopCreateFolder (2.2.4.2.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateFolderSuccess {
    /// FolderId.
    pub folder_id: Fid,
    /// IsExistingFolder and, when set, HasRules / IsGhosted ...
    pub existing_folder: Option<ExistingFolder>,
}

/// RopCreateFolder response (2.2.4.2.2 / 2.2.4.2.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateFolderResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<CreateFolderSuccess>,
}

impl CreateFolderResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let folder_id = Fid::from_bytes(r.array("FolderId")?);
                let existing_folder = if read_bool(r, "IsExistingFolder")? {
                    Some(ExistingFolder {
                        has_rules: read_bool(r, "HasRules")?,
                        ghost: read_ghost(r)?,
                    })
                } else {
                    None
                };
                Ok(CreateFolderSuccess {
                    folder_id,
                    existing_folder,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_bytes(&s.folder_id.to_bytes());
            match &s.existing_folder {
                None => out.put_u8(0),
                Some(e) => {
                    out.put_u8(1);
                    out.put_u8(e.has_rules as u8);
                    write_ghost(out, &e.ghost)?;
                }
            }
            Ok(())
        })
    }
}

/// RopDeleteFolder request, 0x1D (2.2.4.3.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DeleteFolderRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (parent Folder).
    pub input_handle_index: u8,
    /// DeleteFolderFlags.
    pub delete_folder_flags: DeleteFolderFlags,
    /// FolderId.
    pub folder_id: Fid,
}

impl DeleteFolderRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            delete_folder_flags: DeleteFolderFlags(r.u8("DeleteFolderFlags")?),
            folder_id: Fid::from_bytes(r.array("FolderId")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.delete_folder_flags.0,
        ]);
        out.put_bytes(&self.folder_id.to_bytes());
        Ok(())
    }
}

/// A single-form response `RopId | InputHandleIndex | ReturnValue |
/// PartialCompletion` (RopDeleteFolder 2.2.4.3.2, RopDeleteMessages
/// 2.2.4.11.2, RopHardDeleteMessages 2.2.4.12.2, RopSetReadFlags 2.2.6.10.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PartialCompletionResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
    /// PartialCompletion (boolean, kept as sent).
    pub partial_completion: u8,
}

impl PartialCompletionResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
            partial_completion: r.u8("PartialCompletion")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        out.put_u32(self.return_value.to_u32());
        out.put_u8(self.partial_completion);
        Ok(())
    }
}

/// RopGetHierarchyTable request, 0x04 (2.2.4.13.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetHierarchyTableRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the Table).
    pub output_handle_index: u8,
    /// TableFlags.
    pub table_flags: HierarchyTableFlags,
}

impl GetHierarchyTableRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            table_flags: HierarchyTableFlags(r.u8("TableFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.table_flags.0,
        ]);
        Ok(())
    }
}

/// RopGetContentsTable request, 0x05 (2.2.4.14.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetContentsTableRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the Table).
    pub output_handle_index: u8,
    /// TableFlags.
    pub table_flags: ContentsTableFlags,
}

impl GetContentsTableRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            table_flags: ContentsTableFlags(r.u8("TableFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.table_flags.0,
        ]);
        Ok(())
    }
}

/// Success fields of RopGetHierarchyTable / RopGetContentsTable.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RowCountSuccess {
    /// RowCount.
    pub row_count: u32,
}

/// RopGetHierarchyTable / RopGetContentsTable response (2.2.4.13.2, 2.2.4.14.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetTableResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<RowCountSuccess>,
}

impl GetTableResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(RowCountSuccess {
                    row_count: r.u32("RowCount")?,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_u32(s.row_count);
            Ok(())
        })
    }
}

#[cfg(feature = "arbitrary")]
mod arb_impls {
    use arbitrary::{Arbitrary, Result, Unstructured};

    use super::*;
    use crate::rop::value::arb::{string8, unicode};

    impl<'a> Arbitrary<'a> for GhostInfo {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let n = u.int_in_range(0..=4u8)?;
            let mut servers = Vec::new();
            for _ in 0..n {
                servers.push(string8(u)?);
            }
            Ok(GhostInfo {
                cheap_server_count: u.arbitrary()?,
                servers,
            })
        }
    }

    impl<'a> Arbitrary<'a> for CreateFolderRequest {
        fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
            let use_unicode_strings: bool = u.arbitrary()?;
            let s = |u: &mut Unstructured<'a>| -> Result<FolderString> {
                Ok(if use_unicode_strings {
                    FolderString::Unicode(unicode(u, usize::MAX)?)
                } else {
                    FolderString::String8(string8(u)?)
                })
            };
            Ok(Self {
                logon_id: u.arbitrary()?,
                input_handle_index: u.arbitrary()?,
                output_handle_index: u.arbitrary()?,
                folder_type: u.arbitrary()?,
                use_unicode_strings,
                open_existing: u.arbitrary()?,
                reserved: u.arbitrary()?,
                display_name: s(u)?,
                comment: s(u)?,
            })
        }
    }
}
