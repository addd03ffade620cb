//! Small decoders of binary structures carried inside a FastTransfer stream
//! that `ics-wire` does not decode yet (a gap reported to its owners):
//! PropertyGroupInfo ([MS-OXCFXICS] 2.2.2.8) and ExtendedErrorInfo (2.2.2.10).
//! Bounded like the codecs: counts are checked against the bytes present.

use ics_wire::Guid;
use ics_wire::cursor::{Reader, Truncated};
use ics_wire::prop::{NameKind, PropTag, PropertyName, Utf16String};
use thiserror::Error;

use crate::model::PropKey;

/// Errors decoding an embedded binary structure.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StructError {
    /// Input ended inside a field.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// A field has a value the spec forbids.
    #[error("offset {offset}: {field} = {value:#x}: {why}")]
    Invalid {
        /// Offset of the field.
        offset: usize,
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
        /// The rule broken.
        why: &'static str,
    },
    /// Bytes after the structure.
    #[error("offset {offset}: {extra} trailing bytes after {what}")]
    Trailing {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many.
        extra: usize,
        /// The structure.
        what: &'static str,
    },
}

/// A decoded PropertyGroupInfo: the mapping id and, per group index, the
/// properties of the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyGroupInfo {
    /// GroupId: the id MetaTagIncrSyncGroupId refers to.
    pub group_id: u32,
    /// The groups, in index order.
    pub groups: Vec<Vec<PropKey>>,
}

/// Decodes PropertyGroupInfo (2.2.2.8): `GroupId u32, Reserved u32 (0),
/// GroupCount u32 (!= 0), PropertyGroup{GroupCount}`; PropertyGroup
/// (2.2.2.8.1) = `PropertyTagCount u32 (!= 0), (PropertyTag u32
/// [GroupPropertyName if id >= 0x8000]){count}`; GroupPropertyName
/// (2.2.2.8.1.1) = `Guid 16, Kind u32, (Kind 0: Lid u32 | Kind 1: NameSize
/// u32 + UTF-16LE Name)`.
pub fn property_group_info(b: &[u8]) -> Result<PropertyGroupInfo, StructError> {
    let mut r = Reader::new(b);
    let group_id = r.u32("PropertyGroupInfo.GroupId")?;
    let off = r.offset();
    let reserved = r.u32("PropertyGroupInfo.Reserved")?;
    if reserved != 0 {
        return Err(StructError::Invalid {
            offset: off,
            field: "PropertyGroupInfo.Reserved",
            value: reserved.into(),
            why: "MUST be 0 (R-183)",
        });
    }
    let off = r.offset();
    let count = r.u32("PropertyGroupInfo.GroupCount")? as usize;
    if count == 0 {
        return Err(StructError::Invalid {
            offset: off,
            field: "PropertyGroupInfo.GroupCount",
            value: 0,
            why: "MUST NOT be 0 (R-183)",
        });
    }
    // Each group has at least a count and one tag: 8 bytes.
    r.check_count(count, 8, "PropertyGroupInfo.Groups")?;
    let mut groups = Vec::with_capacity(count);
    for _ in 0..count {
        let off = r.offset();
        let n = r.u32("PropertyGroup.PropertyTagCount")? as usize;
        if n == 0 {
            return Err(StructError::Invalid {
                offset: off,
                field: "PropertyGroup.PropertyTagCount",
                value: 0,
                why: "MUST NOT be 0 (R-183)",
            });
        }
        r.check_count(n, 4, "PropertyGroup.PropertyTags")?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let tag = PropTag(r.u32("PropertyGroup.PropertyTag")?);
            if tag.is_named() {
                let guid = Guid::from_bytes(r.array("GroupPropertyName.Guid")?);
                let off = r.offset();
                let kind = match r.u32("GroupPropertyName.Kind")? {
                    0 => NameKind::Lid(r.u32("GroupPropertyName.Lid")?),
                    1 => {
                        let off = r.offset();
                        let size = r.u32("GroupPropertyName.NameSize")? as usize;
                        if !size.is_multiple_of(2) {
                            return Err(StructError::Invalid {
                                offset: off,
                                field: "GroupPropertyName.NameSize",
                                value: size as u64,
                                why: "a UTF-16 byte count must be even",
                            });
                        }
                        let name = r.bytes(size, "GroupPropertyName.Name")?;
                        let mut s = Utf16String::from_le_bytes(name);
                        // Whether NameSize includes a terminator is not stated (digest §7.3): drop one.
                        if s.0.last() == Some(&0) {
                            s.0.pop();
                        }
                        NameKind::Name(s)
                    }
                    k => {
                        return Err(StructError::Invalid {
                            offset: off,
                            field: "GroupPropertyName.Kind",
                            value: k.into(),
                            why: "Kind is 0 (LID) or 1 (name)",
                        });
                    }
                };
                keys.push(PropKey::Named(PropertyName { guid, kind }));
            } else {
                keys.push(PropKey::Id(tag.id()));
            }
        }
        groups.push(keys);
    }
    if !r.is_empty() {
        return Err(StructError::Trailing {
            offset: r.offset(),
            extra: r.remaining(),
            what: "PropertyGroupInfo",
        });
    }
    Ok(PropertyGroupInfo { group_id, groups })
}

/// The fields of ExtendedErrorInfo (2.2.2.10) the client acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtendedErrorInfo {
    /// ErrorCode.
    pub error_code: u32,
    /// FolderGID, `None` when all-zero (no folder in context).
    pub folder_gid: Option<[u8; 22]>,
    /// MessageGID, `None` when all-zero.
    pub message_gid: Option<[u8; 22]>,
}

/// Decodes ExtendedErrorInfo (2.2.2.10): Version u16 (0), padding u16,
/// ErrorCode u32, FolderGID 22, padding 2, MessageGID 22, padding 2,
/// Reserved 24, AuxBytesCount u32, AuxBytesOffset u32, then up to the
/// AuxBytes. Padding and Reserved are ignored.
pub fn extended_error_info(b: &[u8]) -> Result<ExtendedErrorInfo, StructError> {
    let mut r = Reader::new(b);
    let version = r.u16("ExtendedErrorInfo.Version")?;
    if version != 0 {
        return Err(StructError::Invalid {
            offset: 0,
            field: "ExtendedErrorInfo.Version",
            value: version.into(),
            why: "only version 0x0000 is defined",
        });
    }
    r.skip(2, "ExtendedErrorInfo.Padding")?;
    let error_code = r.u32("ExtendedErrorInfo.ErrorCode")?;
    let folder: [u8; 22] = r.array("ExtendedErrorInfo.FolderGID")?;
    r.skip(2, "ExtendedErrorInfo.Padding")?;
    let message: [u8; 22] = r.array("ExtendedErrorInfo.MessageGID")?;
    r.skip(2, "ExtendedErrorInfo.Padding")?;
    r.skip(24, "ExtendedErrorInfo.Reserved")?;
    let aux_count = r.u32("ExtendedErrorInfo.AuxBytesCount")? as usize;
    let off = r.offset();
    let aux_offset = r.u32("ExtendedErrorInfo.AuxBytesOffset")? as usize;
    if aux_count > 0
        && aux_offset
            .checked_add(aux_count)
            .is_none_or(|end| end > b.len())
    {
        return Err(StructError::Invalid {
            offset: off,
            field: "ExtendedErrorInfo.AuxBytesOffset",
            value: aux_offset as u64,
            why: "AuxBytes run past the structure",
        });
    }
    let nonzero = |g: [u8; 22]| g.iter().any(|&x| x != 0).then_some(g);
    Ok(ExtendedErrorInfo {
        error_code,
        folder_gid: nonzero(folder),
        message_gid: nonzero(message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(v: u32) -> [u8; 4] {
        v.to_le_bytes()
    }

    /// [MS-OXCFXICS] 2.2.2.8: one mapping with a tagged and a named (LID and string) property.
    #[test]
    fn property_group_info_2_2_2_8() {
        let mut b = Vec::new();
        b.extend(le(7)); // GroupId
        b.extend(le(0)); // Reserved
        b.extend(le(2)); // GroupCount
        b.extend(le(1));
        b.extend(le(0x0037_001F));
        b.extend(le(2));
        b.extend(le(0x8001_0003));
        b.extend([5; 16]);
        b.extend(le(0));
        b.extend(le(0x8520));
        b.extend(le(0x8002_001F));
        b.extend([6; 16]);
        b.extend(le(1));
        b.extend(le(6));
        b.extend([b'K', 0, b'w', 0, 0, 0]);
        let g = property_group_info(&b).unwrap();
        assert_eq!(g.group_id, 7);
        assert_eq!(g.groups.len(), 2);
        assert_eq!(g.groups[0], vec![PropKey::Id(0x0037)]);
        assert_eq!(
            g.groups[1][0],
            PropKey::Named(PropertyName {
                guid: Guid::from_bytes([5; 16]),
                kind: NameKind::Lid(0x8520)
            })
        );
        assert_eq!(
            g.groups[1][1],
            PropKey::Named(PropertyName {
                guid: Guid::from_bytes([6; 16]),
                kind: NameKind::Name("Kw".into())
            })
        );
    }

    #[test]
    fn property_group_info_rejects_bad_input() {
        let hdr = |res: u32, count: u32| [le(1), le(res), le(count)].concat();
        assert!(matches!(
            property_group_info(&hdr(1, 1)),
            Err(StructError::Invalid { offset: 4, .. })
        ));
        assert!(matches!(
            property_group_info(&hdr(0, 0)),
            Err(StructError::Invalid { offset: 8, .. })
        ));
        // A huge count with no data is a truncation, not an allocation.
        assert!(matches!(
            property_group_info(&hdr(0, u32::MAX)),
            Err(StructError::Truncated(_))
        ));
        let mut b = hdr(0, 1);
        b.extend(le(0));
        b.extend(le(0x0037_001F));
        assert!(matches!(
            property_group_info(&b),
            Err(StructError::Invalid { offset: 12, .. })
        ));
        let mut b = hdr(0, 1);
        b.extend(le(1));
        b.extend(le(0x0037_001F));
        b.push(0);
        assert!(matches!(
            property_group_info(&b),
            Err(StructError::Trailing {
                offset: 20,
                extra: 1,
                ..
            })
        ));
    }

    fn error_info(code: u32, folder: [u8; 22], message: [u8; 22]) -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0];
        b.extend(le(code));
        b.extend(folder);
        b.extend([0, 0]);
        b.extend(message);
        b.extend([0, 0]);
        b.extend([0; 24]);
        b.extend(le(0));
        b.extend(le(0));
        b
    }

    /// [MS-OXCFXICS] 2.2.2.10: 88 bytes, all-zero GIDs mean "none in context".
    #[test]
    fn extended_error_info_2_2_2_10() {
        let b = error_info(0x8004_010F, [0; 22], [9; 22]);
        assert_eq!(b.len(), 88);
        let e = extended_error_info(&b).unwrap();
        assert_eq!(e.error_code, 0x8004_010F);
        assert_eq!(e.folder_gid, None);
        assert_eq!(e.message_gid, Some([9; 22]));
        assert!(matches!(
            extended_error_info(&b[..87]),
            Err(StructError::Truncated(_))
        ));
        let mut v1 = b.clone();
        v1[0] = 1;
        assert!(extended_error_info(&v1).is_err());
        let mut aux = b.clone();
        aux[80..84].copy_from_slice(&le(4));
        aux[84..88].copy_from_slice(&le(88));
        assert!(extended_error_info(&aux).is_err(), "AuxBytes past the end");
        aux.extend([1, 2, 3, 4]);
        assert!(extended_error_info(&aux).is_ok());
    }
}
