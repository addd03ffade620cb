//! The binary structures a download stream carries inside untagged
//! PtypBinary values ([MS-OXCFXICS] 2.2.2.7, 2.2.2.8, 2.2.2.10; ftstream.md
//! §7), built from this server's state and encoded by `ics_wire`'s codecs
//! ([`ics_wire::ftstream::meta_structs`]).

use ics_wire::ftstream::{
    ExtendedErrorInfo, GroupProperty, ProgressInformation, PropertyGroupInfo,
};
use ics_wire::ids::Gid;

use crate::ics::ProgressTotal;
use crate::mailbox::groups::{GROUP_COUNT, GROUP_MAPPING_ID, group_tags};

/// ProgressInformation, 32 bytes (§7.1).
pub fn progress_information(p: &ProgressTotal) -> Vec<u8> {
    ProgressInformation {
        fai_message_count: p.fai_count,
        fai_message_total_size: p.fai_size,
        normal_message_count: p.normal_count,
        normal_message_total_size: p.normal_size,
    }
    .encode()
}

/// This server's one property group mapping (§7.3). No named properties
/// are in the groups, so no GroupPropertyName follows a tag.
pub fn property_group_mapping() -> PropertyGroupInfo {
    PropertyGroupInfo {
        group_id: GROUP_MAPPING_ID,
        groups: (0..GROUP_COUNT)
            .map(|g| {
                group_tags(g)
                    .into_iter()
                    .map(GroupProperty::tagged)
                    .collect()
            })
            .collect(),
    }
}

/// The PropertyGroupInfo bytes of [`property_group_mapping`].
pub fn property_group_info() -> Vec<u8> {
    property_group_mapping()
        .encode()
        .expect("the const GROUPS table has groups, none empty, none named (tested)")
}

/// ExtendedErrorInfo, 88 bytes, no AuxBytes (§7.4).
pub fn extended_error_info(error_code: u32, folder: Option<Gid>, message: Option<Gid>) -> Vec<u8> {
    // An all-zero GID would mean "none in context" anyway.
    let nonzero = |g: Option<Gid>| g.filter(|g| *g != Gid::default());
    ExtendedErrorInfo {
        error_code,
        folder_gid: nonzero(folder),
        message_gid: nonzero(message),
        aux_bytes: Vec::new(),
    }
    .encode()
    .expect("no AuxBytes and no all-zero GID: always encodable")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ftstream.md §7.1 / §7.4 layouts: field offsets and total sizes, and
    /// the mapping decodes back to the groups of the const table.
    #[test]
    fn layouts() {
        let p = progress_information(&ProgressTotal {
            fai_count: 1,
            fai_size: 2,
            normal_count: 3,
            normal_size: 4,
        });
        assert_eq!(p.len(), 32);
        assert_eq!(&p[4..8], &[1, 0, 0, 0]);
        assert_eq!(&p[8..16], &[2, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&p[16..20], &[3, 0, 0, 0]);
        assert_eq!(&p[24..32], &[4, 0, 0, 0, 0, 0, 0, 0]);
        let e = extended_error_info(0x8004_010F, None, Some(Gid::default()));
        assert_eq!(e.len(), 88);
        assert_eq!(&e[4..8], &[0x0F, 0x01, 0x04, 0x80]);
        assert_eq!(&e[8..56], &[0; 48][..], "no GIDs in context");
        let g = property_group_info();
        assert_eq!(
            &g[0..12],
            &[1, 0, 0, 0, 0, 0, 0, 0, GROUP_COUNT as u8, 0, 0, 0]
        );
        let back = PropertyGroupInfo::decode(&g).unwrap();
        assert_eq!(back, property_group_mapping());
        assert_eq!(back.groups.len(), GROUP_COUNT);
        for (i, group) in back.groups.iter().enumerate() {
            let tags: Vec<_> = group.iter().map(|p| p.tag).collect();
            assert_eq!(tags, group_tags(i));
        }
    }
}
