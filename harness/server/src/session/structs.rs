//! Encoders for the binary structures a download stream carries inside
//! untagged PtypBinary values ([MS-OXCFXICS] 2.2.2.7, 2.2.2.8, 2.2.2.10;
//! ftstream.md §7). ADAPTER: `ics_wire::ftstream` exposes no builders for
//! these yet; they are write-only here and listed as a gap in the report.

use ics_wire::ids::Gid;

use crate::ics::ProgressTotal;
use crate::mailbox::groups::{GROUP_COUNT, GROUP_MAPPING_ID, group_tags};

/// ProgressInformation, 32 bytes (§7.1).
pub fn progress_information(p: &ProgressTotal) -> Vec<u8> {
    let mut v = Vec::with_capacity(32);
    v.extend_from_slice(&0u16.to_le_bytes()); // Version
    v.extend_from_slice(&0u16.to_le_bytes()); // padding
    v.extend_from_slice(&p.fai_count.to_le_bytes());
    v.extend_from_slice(&p.fai_size.to_le_bytes());
    v.extend_from_slice(&p.normal_count.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes()); // padding
    v.extend_from_slice(&p.normal_size.to_le_bytes());
    v
}

/// PropertyGroupInfo of this server's one mapping (§7.3). No named
/// properties are in the groups, so no GroupPropertyName follows a tag.
pub fn property_group_info() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&GROUP_MAPPING_ID.to_le_bytes());
    v.extend_from_slice(&0u32.to_le_bytes()); // Reserved
    v.extend_from_slice(&(GROUP_COUNT as u32).to_le_bytes());
    for g in 0..GROUP_COUNT {
        let tags = group_tags(g);
        v.extend_from_slice(&(tags.len() as u32).to_le_bytes());
        for t in tags {
            v.extend_from_slice(&t.0.to_le_bytes());
        }
    }
    v
}

/// ExtendedErrorInfo, 88 bytes, no AuxBytes (§7.4).
pub fn extended_error_info(error_code: u32, folder: Option<Gid>, message: Option<Gid>) -> Vec<u8> {
    let mut v = Vec::with_capacity(88);
    v.extend_from_slice(&0u16.to_le_bytes()); // Version
    v.extend_from_slice(&0u16.to_le_bytes()); // padding
    v.extend_from_slice(&error_code.to_le_bytes());
    for g in [folder, message] {
        v.extend_from_slice(&g.map(|g| g.to_bytes()).unwrap_or([0; 22]));
        v.extend_from_slice(&[0, 0]); // padding
    }
    v.extend_from_slice(&[0; 24]); // Reserved
    v.extend_from_slice(&0u32.to_le_bytes()); // AuxBytesCount
    v.extend_from_slice(&0u32.to_le_bytes()); // AuxBytesOffset
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ftstream.md §7.1 / §7.4 layouts: field offsets and total sizes.
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
        let e = extended_error_info(0x8004_010F, None, None);
        assert_eq!(e.len(), 88);
        assert_eq!(&e[4..8], &[0x0F, 0x01, 0x04, 0x80]);
        let g = property_group_info();
        assert_eq!(
            &g[0..12],
            &[1, 0, 0, 0, 0, 0, 0, 0, GROUP_COUNT as u8, 0, 0, 0]
        );
    }
}
