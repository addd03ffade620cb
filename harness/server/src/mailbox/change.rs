//! Change identity of server-made changes ([MS-OXCFXICS] 2.2.1.2.7,
//! 3.1.5.3): the ChangeKey is the XID of the new CN. PCLs are
//! `ics_wire::pcl::Pcl`.

use ics_wire::ids::{GlobCnt, ReplGuid, Xid};

pub use ics_wire::pcl::Pcl;

/// The XID of a change made by this server: REPLGUID + 6-byte GLOBCNT of the
/// CN, i.e. GID form (ftstream.md §9.9).
pub fn xid_of_cn(replguid: ReplGuid, cn: GlobCnt) -> Xid {
    Xid::new(replguid.0, &cn.to_bytes()).expect("6-byte LocalId")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;

    /// ftstream.md §9.9: a server ChangeKey is a 22-byte GID-form XID.
    #[test]
    fn change_key_is_gid_form() {
        let g = ReplGuid(Guid([7; 16]));
        let x = xid_of_cn(g, GlobCnt::new(0x1234).unwrap());
        assert_eq!(x.size(), 22);
        assert_eq!(x.to_gid().unwrap().globcnt.value(), 0x1234);
    }
}
