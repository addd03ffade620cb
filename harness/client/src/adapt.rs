//! Adapters from `ics_wire`'s codecs of the binary structures inside a
//! FastTransfer stream ([`ics_wire::ftstream::meta_structs`]:
//! PropertyGroupInfo, [MS-OXCFXICS] 2.2.2.8, and ExtendedErrorInfo,
//! 2.2.2.10) to the client's model: property groups keyed by [`PropKey`],
//! GIDs as their 22 wire bytes. All decoding (and its bounds) is `ics_wire`'s.

pub use ics_wire::ftstream::StructError;
use ics_wire::ftstream::meta_structs;

use crate::model::PropKey;

/// A PropertyGroupInfo in the client's terms: the mapping id and, per group
/// index, the properties of the group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyGroupInfo {
    /// GroupId: the id MetaTagIncrSyncGroupId refers to.
    pub group_id: u32,
    /// The groups, in index order.
    pub groups: Vec<Vec<PropKey>>,
}

/// Decodes PropertyGroupInfo (2.2.2.8) with
/// [`meta_structs::PropertyGroupInfo::decode`]; a tagged property becomes
/// [`PropKey::Id`] (its type is not part of the key), a named one
/// [`PropKey::Named`].
pub fn property_group_info(b: &[u8]) -> Result<PropertyGroupInfo, StructError> {
    let info = meta_structs::PropertyGroupInfo::decode(b)?;
    Ok(PropertyGroupInfo {
        group_id: info.group_id,
        groups: info
            .groups
            .into_iter()
            .map(|g| {
                g.into_iter()
                    .map(|p| match p.name {
                        Some(name) => PropKey::Named(name),
                        None => PropKey::Id(p.tag.id()),
                    })
                    .collect()
            })
            .collect(),
    })
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

/// Decodes ExtendedErrorInfo (2.2.2.10) with
/// [`meta_structs::ExtendedErrorInfo::decode`]; AuxBytes are not kept.
pub fn extended_error_info(b: &[u8]) -> Result<ExtendedErrorInfo, StructError> {
    let x = meta_structs::ExtendedErrorInfo::decode(b)?;
    Ok(ExtendedErrorInfo {
        error_code: x.error_code,
        folder_gid: x.folder_gid.map(|g| g.to_bytes()),
        message_gid: x.message_gid.map(|g| g.to_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;
    use ics_wire::ftstream::GroupProperty;
    use ics_wire::prop::{NameKind, PropTag, PropertyName};

    /// Tags lose their type, names are kept whole.
    #[test]
    fn property_group_info_keys() {
        let name = PropertyName {
            guid: Guid::from_bytes([5; 16]),
            kind: NameKind::Lid(0x8520),
        };
        let b = meta_structs::PropertyGroupInfo {
            group_id: 7,
            groups: vec![
                vec![GroupProperty::tagged(PropTag(0x0037_001F))],
                vec![GroupProperty::named(PropTag(0x8001_0003), name.clone())],
            ],
        }
        .encode()
        .unwrap();
        assert_eq!(
            property_group_info(&b),
            Ok(PropertyGroupInfo {
                group_id: 7,
                groups: vec![vec![PropKey::Id(0x0037)], vec![PropKey::Named(name)]],
            })
        );
        assert!(matches!(
            property_group_info(&b[..b.len() - 1]),
            Err(StructError::Truncated(_))
        ));
    }

    /// GIDs become their 22 bytes; all-zero stays `None`.
    #[test]
    fn extended_error_info_gids() {
        let gid = ics_wire::Gid {
            replguid: ics_wire::ReplGuid(Guid::from_bytes([9; 16])),
            globcnt: ics_wire::GlobCnt::new(0x3009).unwrap(),
        };
        let b = meta_structs::ExtendedErrorInfo {
            error_code: 0x8004_010F,
            folder_gid: None,
            message_gid: Some(gid),
            aux_bytes: vec![1],
        }
        .encode()
        .unwrap();
        assert_eq!(
            extended_error_info(&b),
            Ok(ExtendedErrorInfo {
                error_code: 0x8004_010F,
                folder_gid: None,
                message_gid: Some(gid.to_bytes()),
            })
        );
        let mut v1 = b;
        v1[0] = 1;
        assert!(matches!(
            extended_error_info(&v1),
            Err(StructError::Invalid { offset: 0, .. })
        ));
    }
}
