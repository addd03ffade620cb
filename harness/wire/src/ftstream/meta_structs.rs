//! The binary structures a FastTransfer stream carries inside untagged
//! PtypBinary values ([MS-OXCFXICS] 2.2.2.7, 2.2.2.8, 2.2.2.10; spec digest
//! `ftstream.md` §7): [`ProgressInformation`] (in `progressTotal`),
//! [`PropertyGroupInfo`] (in `groupInfo`) and [`ExtendedErrorInfo`] (in
//! `errorInfo`). The grammar hands out their bytes
//! ([`ProgressTotal::progress_information`](super::ProgressTotal::progress_information),
//! [`GroupInfo::property_group_info`](super::GroupInfo::property_group_info),
//! [`ErrorInfo::extended_error_info`](super::ErrorInfo::extended_error_info));
//! these codecs turn them into typed values and back.
//!
//! Decoding never panics and allocates at most a small multiple of its input:
//! every count is checked with [`Reader::check_count`] first. Errors name the
//! field and its offset within the structure.

use thiserror::Error;

use crate::cursor::{Reader, Truncated, WriteLe};
use crate::guid::Guid;
use crate::ids::Gid;
use crate::prop::{NameKind, PropTag, PropertyName, Utf16String};

/// Errors decoding or encoding one of these structures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StructError {
    /// Input ended inside a field.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// A field has a value the spec forbids.
    #[error("offset {offset}: {field} = {value:#x}: {why}")]
    Invalid {
        /// Offset of the field within the structure.
        offset: usize,
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The rule broken.
        why: &'static str,
    },
    /// Bytes after a fixed-size or fully counted structure.
    #[error("offset {offset}: {extra} trailing bytes after {what}")]
    Trailing {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many.
        extra: usize,
        /// The structure.
        what: &'static str,
    },
    /// A value that has no valid encoding (e.g. an empty group).
    #[error("cannot encode {field}: {why}")]
    Unencodable {
        /// The field.
        field: &'static str,
        /// Why not.
        why: &'static str,
    },
}

fn invalid(offset: usize, field: &'static str, value: u64, why: &'static str) -> StructError {
    StructError::Invalid {
        offset,
        field,
        value,
        why,
    }
}

fn no_trailing(r: &Reader<'_>, what: &'static str) -> Result<(), StructError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(StructError::Trailing {
            offset: r.offset(),
            extra: r.remaining(),
            what,
        })
    }
}

fn count_u32(n: usize, field: &'static str) -> Result<u32, StructError> {
    u32::try_from(n).map_err(|_| StructError::Unencodable {
        field,
        why: "more than u32::MAX",
    })
}

// ------------------------------------------------------ ProgressInformation

/// ProgressInformation (2.2.2.7), 32 bytes, version 0x0000: the approximate
/// size of the messageChanges that follow a `progressTotal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ProgressInformation {
    /// FAIMessageCount: FAI message changes scheduled.
    pub fai_message_count: u32,
    /// FAIMessageTotalSize: their total size in bytes.
    pub fai_message_total_size: u64,
    /// NormalMessageCount: normal message changes scheduled.
    pub normal_message_count: u32,
    /// NormalMessageTotalSize: their total size in bytes.
    pub normal_message_total_size: u64,
}

impl ProgressInformation {
    /// Wire size.
    pub const SIZE: usize = 32;

    /// Decodes exactly 32 bytes: `Version u16 (0), padding u16, FAIMessageCount
    /// u32, FAIMessageTotalSize u64, NormalMessageCount u32, padding u32,
    /// NormalMessageTotalSize u64`. Padding is ignored (2.2.2.7).
    pub fn decode(b: &[u8]) -> Result<Self, StructError> {
        let mut r = Reader::new(b);
        let version = r.u16("ProgressInformation.Version")?;
        if version != 0 {
            return Err(invalid(
                0,
                "ProgressInformation.Version",
                version.into(),
                "only version 0x0000 is defined",
            ));
        }
        r.skip(2, "ProgressInformation.Padding")?;
        let fai_message_count = r.u32("ProgressInformation.FAIMessageCount")?;
        let fai_message_total_size = r.u64("ProgressInformation.FAIMessageTotalSize")?;
        let normal_message_count = r.u32("ProgressInformation.NormalMessageCount")?;
        r.skip(4, "ProgressInformation.Padding")?;
        let normal_message_total_size = r.u64("ProgressInformation.NormalMessageTotalSize")?;
        no_trailing(&r, "ProgressInformation")?;
        Ok(ProgressInformation {
            fai_message_count,
            fai_message_total_size,
            normal_message_count,
            normal_message_total_size,
        })
    }

    /// The 32 bytes, version 0, padding 0.
    pub fn encode(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::SIZE);
        v.put_u16(0); // Version
        v.put_u16(0); // padding
        v.put_u32(self.fai_message_count);
        v.put_u64(self.fai_message_total_size);
        v.put_u32(self.normal_message_count);
        v.put_u32(0); // padding
        v.put_u64(self.normal_message_total_size);
        v
    }
}

// -------------------------------------------------------- PropertyGroupInfo

/// One property of a PropertyGroup (2.2.2.8.1): its tag and, for a named
/// property (id >= 0x8000), its GroupPropertyName (2.2.2.8.1.1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GroupProperty {
    /// PropertyTag.
    pub tag: PropTag,
    /// The name; present exactly when `tag.is_named()`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<PropertyName>,
}

impl GroupProperty {
    /// A tagged property (id < 0x8000).
    pub fn tagged(tag: PropTag) -> Self {
        GroupProperty { tag, name: None }
    }

    /// A named property with local id `tag.id()` (>= 0x8000).
    pub fn named(tag: PropTag, name: PropertyName) -> Self {
        GroupProperty {
            tag,
            name: Some(name),
        }
    }
}

/// PropertyGroupInfo (2.2.2.8): a property group mapping. The group index a
/// messageChangePartial names (MetaTagIncrementalSyncMessagePartial) is the
/// 0-based position in `groups`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PropertyGroupInfo {
    /// GroupId: the id MetaTagIncrSyncGroupId refers to.
    pub group_id: u32,
    /// The PropertyGroups, in index order; none is empty.
    pub groups: Vec<Vec<GroupProperty>>,
}

impl PropertyGroupInfo {
    /// Decodes `GroupId u32, Reserved u32 (0), GroupCount u32 (!= 0),
    /// PropertyGroup{GroupCount}`; PropertyGroup (2.2.2.8.1) =
    /// `PropertyTagCount u32 (!= 0), (PropertyTag u32 [GroupPropertyName if
    /// id >= 0x8000]){count}`; GroupPropertyName (2.2.2.8.1.1) = `Guid 16,
    /// Kind u32, (Kind 0: Lid u32 | Kind 1: NameSize u32 + UTF-16LE Name)`.
    /// One trailing NUL of a Name is dropped (whether NameSize counts a
    /// terminator is not stated, ftstream.md §7.3). No bytes may follow.
    pub fn decode(b: &[u8]) -> Result<Self, StructError> {
        let mut r = Reader::new(b);
        let group_id = r.u32("PropertyGroupInfo.GroupId")?;
        let off = r.offset();
        let reserved = r.u32("PropertyGroupInfo.Reserved")?;
        if reserved != 0 {
            return Err(invalid(
                off,
                "PropertyGroupInfo.Reserved",
                reserved.into(),
                "MUST be 0 (R-183)",
            ));
        }
        let off = r.offset();
        let count = r.u32("PropertyGroupInfo.GroupCount")? as usize;
        if count == 0 {
            return Err(invalid(
                off,
                "PropertyGroupInfo.GroupCount",
                0,
                "MUST NOT be 0 (R-183)",
            ));
        }
        // Each group has at least a count and one tag: 8 bytes.
        r.check_count(count, 8, "PropertyGroupInfo.PropertyGroups")?;
        let mut groups = Vec::with_capacity(count);
        for _ in 0..count {
            groups.push(read_group(&mut r)?);
        }
        no_trailing(&r, "PropertyGroupInfo")?;
        Ok(PropertyGroupInfo { group_id, groups })
    }

    /// The bytes; a Name is written with a UTF-16 NUL terminator counted in
    /// NameSize. Fails on an empty mapping or group, or a name that does not
    /// match its tag (present exactly for ids >= 0x8000).
    pub fn encode(&self) -> Result<Vec<u8>, StructError> {
        if self.groups.is_empty() {
            return Err(StructError::Unencodable {
                field: "PropertyGroupInfo.GroupCount",
                why: "MUST NOT be 0",
            });
        }
        let mut v = Vec::new();
        v.put_u32(self.group_id);
        v.put_u32(0); // Reserved
        v.put_u32(count_u32(
            self.groups.len(),
            "PropertyGroupInfo.GroupCount",
        )?);
        for g in &self.groups {
            write_group(&mut v, g)?;
        }
        Ok(v)
    }
}

fn read_group(r: &mut Reader<'_>) -> Result<Vec<GroupProperty>, StructError> {
    let off = r.offset();
    let n = r.u32("PropertyGroup.PropertyTagCount")? as usize;
    if n == 0 {
        return Err(invalid(
            off,
            "PropertyGroup.PropertyTagCount",
            0,
            "MUST NOT be 0 (R-183)",
        ));
    }
    r.check_count(n, 4, "PropertyGroup.PropertyTags")?;
    let mut props = Vec::with_capacity(n);
    for _ in 0..n {
        let tag = PropTag(r.u32("PropertyGroup.PropertyTag")?);
        let name = if tag.is_named() {
            Some(read_name(r)?)
        } else {
            None
        };
        props.push(GroupProperty { tag, name });
    }
    Ok(props)
}

fn read_name(r: &mut Reader<'_>) -> Result<PropertyName, StructError> {
    let guid = Guid::from_bytes(r.array("GroupPropertyName.Guid")?);
    let off = r.offset();
    let kind = match r.u32("GroupPropertyName.Kind")? {
        0 => NameKind::Lid(r.u32("GroupPropertyName.Lid")?),
        1 => {
            let off = r.offset();
            let size = r.u32("GroupPropertyName.NameSize")? as usize;
            if !size.is_multiple_of(2) {
                return Err(invalid(
                    off,
                    "GroupPropertyName.NameSize",
                    size as u64,
                    "a UTF-16 byte count must be even",
                ));
            }
            let mut s = Utf16String::from_le_bytes(r.bytes(size, "GroupPropertyName.Name")?);
            if s.0.last() == Some(&0) {
                s.0.pop();
            }
            NameKind::Name(s)
        }
        k => {
            return Err(invalid(
                off,
                "GroupPropertyName.Kind",
                k.into(),
                "Kind is 0 (LID) or 1 (name)",
            ));
        }
    };
    Ok(PropertyName { guid, kind })
}

fn write_group(v: &mut Vec<u8>, g: &[GroupProperty]) -> Result<(), StructError> {
    if g.is_empty() {
        return Err(StructError::Unencodable {
            field: "PropertyGroup.PropertyTagCount",
            why: "MUST NOT be 0",
        });
    }
    v.put_u32(count_u32(g.len(), "PropertyGroup.PropertyTagCount")?);
    for p in g {
        v.put_u32(p.tag.0);
        match (&p.name, p.tag.is_named()) {
            (None, false) => {}
            (Some(name), true) => write_name(v, name)?,
            (None, true) => {
                return Err(StructError::Unencodable {
                    field: "GroupPropertyName",
                    why: "a named property (id >= 0x8000) needs its name",
                });
            }
            (Some(_), false) => {
                return Err(StructError::Unencodable {
                    field: "GroupPropertyName",
                    why: "only a named property (id >= 0x8000) has a name",
                });
            }
        }
    }
    Ok(())
}

fn write_name(v: &mut Vec<u8>, name: &PropertyName) -> Result<(), StructError> {
    v.put_bytes(&name.guid.to_bytes());
    match &name.kind {
        NameKind::Lid(lid) => {
            v.put_u32(0);
            v.put_u32(*lid);
        }
        NameKind::Name(s) => {
            let mut bytes = s.to_le_bytes();
            bytes.extend_from_slice(&[0, 0]);
            v.put_u32(1);
            v.put_u32(count_u32(bytes.len(), "GroupPropertyName.NameSize")?);
            v.put_bytes(&bytes);
        }
    }
    Ok(())
}

// -------------------------------------------------------- ExtendedErrorInfo

/// ExtendedErrorInfo (2.2.2.10), version 0x0000: why an object could not be
/// downloaded (in `errorInfo`, RecoverMode).
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ExtendedErrorInfo {
    /// ErrorCode ([MS-OXCDATA] 2.4).
    pub error_code: u32,
    /// FolderGID; `None` when all-zero (no folder in context).
    pub folder_gid: Option<Gid>,
    /// MessageGID; `None` when all-zero (no message in context).
    pub message_gid: Option<Gid>,
    /// AuxBytes: opaque diagnostics.
    pub aux_bytes: Vec<u8>,
}

impl ExtendedErrorInfo {
    /// Size of the fixed part (up to and including AuxBytesOffset).
    pub const FIXED_SIZE: usize = 88;

    /// Decodes `Version u16 (0), padding u16, ErrorCode u32, FolderGID 22,
    /// padding 2, MessageGID 22, padding 2, Reserved 24, AuxBytesCount u32,
    /// AuxBytesOffset u32`, then takes AuxBytesCount bytes at AuxBytesOffset
    /// (from the start of the structure). Padding and the Reserved fields
    /// (including any bytes after the fixed part that are not AuxBytes) are
    /// ignored. All-zero GIDs decode as `None`.
    pub fn decode(b: &[u8]) -> Result<Self, StructError> {
        let mut r = Reader::new(b);
        let version = r.u16("ExtendedErrorInfo.Version")?;
        if version != 0 {
            return Err(invalid(
                0,
                "ExtendedErrorInfo.Version",
                version.into(),
                "only version 0x0000 is defined",
            ));
        }
        r.skip(2, "ExtendedErrorInfo.Padding")?;
        let error_code = r.u32("ExtendedErrorInfo.ErrorCode")?;
        let gid = |r: &mut Reader<'_>, field| -> Result<Option<Gid>, StructError> {
            let bytes: [u8; Gid::SIZE] = r.array(field)?;
            r.skip(2, "ExtendedErrorInfo.Padding")?;
            if bytes.iter().all(|&x| x == 0) {
                return Ok(None);
            }
            Ok(Some(Gid::read(&mut Reader::new(&bytes))?))
        };
        let folder_gid = gid(&mut r, "ExtendedErrorInfo.FolderGID")?;
        let message_gid = gid(&mut r, "ExtendedErrorInfo.MessageGID")?;
        r.skip(24, "ExtendedErrorInfo.Reserved")?;
        let aux_count = r.u32("ExtendedErrorInfo.AuxBytesCount")? as usize;
        let off = r.offset();
        let aux_offset = r.u32("ExtendedErrorInfo.AuxBytesOffset")? as usize;
        let aux_bytes = if aux_count == 0 {
            Vec::new()
        } else {
            if aux_offset < Self::FIXED_SIZE {
                return Err(invalid(
                    off,
                    "ExtendedErrorInfo.AuxBytesOffset",
                    aux_offset as u64,
                    "AuxBytes overlap the fixed part (88 bytes)",
                ));
            }
            match aux_offset.checked_add(aux_count) {
                Some(end) if end <= b.len() => b[aux_offset..end].to_vec(),
                _ => {
                    return Err(invalid(
                        off,
                        "ExtendedErrorInfo.AuxBytesOffset",
                        aux_offset as u64,
                        "AuxBytes run past the structure",
                    ));
                }
            }
        };
        Ok(ExtendedErrorInfo {
            error_code,
            folder_gid,
            message_gid,
            aux_bytes,
        })
    }

    /// The bytes: the 88-byte fixed part with AuxBytesOffset 88 (as in the
    /// example of ftstream.md §13.5), then the AuxBytes. Fails on an all-zero
    /// GID given as `Some` (all-zero means "none") and on more than
    /// `u32::MAX` AuxBytes.
    pub fn encode(&self) -> Result<Vec<u8>, StructError> {
        for (g, field) in [
            (self.folder_gid, "ExtendedErrorInfo.FolderGID"),
            (self.message_gid, "ExtendedErrorInfo.MessageGID"),
        ] {
            if g.is_some_and(|g| g.to_bytes() == [0; Gid::SIZE]) {
                return Err(StructError::Unencodable {
                    field,
                    why: "all-zero means no object in context: use None",
                });
            }
        }
        let aux_count = count_u32(self.aux_bytes.len(), "ExtendedErrorInfo.AuxBytesCount")?;
        let mut v = Vec::with_capacity(Self::FIXED_SIZE + self.aux_bytes.len());
        v.put_u16(0); // Version
        v.put_u16(0); // padding
        v.put_u32(self.error_code);
        for g in [self.folder_gid, self.message_gid] {
            v.put_bytes(&g.map_or([0; Gid::SIZE], Gid::to_bytes));
            v.put_u16(0); // padding
        }
        v.put_bytes(&[0; 24]); // Reserved
        v.put_u32(aux_count);
        v.put_u32(Self::FIXED_SIZE as u32);
        v.put_bytes(&self.aux_bytes);
        Ok(v)
    }
}
