//! Identifier structures of [MS-OXCFXICS] 2.2.2 and [MS-OXCDATA] 2.2.1.
//!
//! Wire layouts (see `idset.md` §1–§3 of the spec digest):
//! * GLOBCNT: 6 bytes, **big-endian**.
//! * FID / MID / CN: REPLID (u16 LE) followed by the GLOBCNT, 8 bytes. Never
//!   compare these as a raw little-endian u64: that does not order by counter.
//! * GID: REPLGUID (16) + GLOBCNT (6); LongTermID: GID + 2 pad bytes.
//! * XID: namespace GUID + 1..=8 byte LocalId; SizedXid prefixes the XID size.

use std::fmt;

use thiserror::Error;

use crate::cursor::{Reader, Truncated};
use crate::guid::Guid;

/// Errors decoding identifier structures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// Input ended inside a field.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// An XID's LocalId length outside 1..=8 (XID size outside 17..=24).
    #[error("offset {offset}: XID size {size} is outside 17..=24")]
    BadXidSize {
        /// Offset of the size (or of the XID when the size comes from context).
        offset: usize,
        /// The size found.
        size: usize,
    },
    /// Bytes left after a fixed-size structure.
    #[error("offset {offset}: {extra} trailing bytes after {what}")]
    Trailing {
        /// Offset of the first extra byte.
        offset: usize,
        /// Number of extra bytes.
        extra: usize,
        /// What was decoded.
        what: &'static str,
    },
}

/// 48-bit global counter ([MS-OXCFXICS] 2.2.2.5), serialized big-endian.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
#[serde(transparent)]
pub struct GlobCnt(u64);

impl GlobCnt {
    /// Largest counter value, 0xFFFF_FFFF_FFFF.
    pub const MAX: GlobCnt = GlobCnt(0xFFFF_FFFF_FFFF);
    /// Zero.
    pub const ZERO: GlobCnt = GlobCnt(0);

    /// The counter with value `v`, or `None` if `v` needs more than 48 bits.
    pub const fn new(v: u64) -> Option<Self> {
        if v <= Self::MAX.0 {
            Some(GlobCnt(v))
        } else {
            None
        }
    }

    /// The counter with value `v & 0xFFFF_FFFF_FFFF`.
    pub const fn new_truncating(v: u64) -> Self {
        GlobCnt(v & Self::MAX.0)
    }

    /// The numeric value (the big-endian 48-bit value).
    pub const fn value(self) -> u64 {
        self.0
    }

    /// The 6 wire bytes, most significant first.
    pub const fn to_bytes(self) -> [u8; 6] {
        let b = self.0.to_be_bytes();
        [b[2], b[3], b[4], b[5], b[6], b[7]]
    }

    /// From the 6 wire bytes, most significant first.
    pub const fn from_bytes(b: [u8; 6]) -> Self {
        GlobCnt(u64::from_be_bytes([
            0, 0, b[0], b[1], b[2], b[3], b[4], b[5],
        ]))
    }

    /// The next counter, or `None` past [`GlobCnt::MAX`].
    pub const fn checked_next(self) -> Option<Self> {
        Self::new(self.0 + 1)
    }

    /// `self + n`, or `None` past [`GlobCnt::MAX`].
    pub fn checked_add(self, n: u64) -> Option<Self> {
        self.0.checked_add(n).and_then(Self::new)
    }
}

impl fmt::Debug for GlobCnt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GlobCnt({:#x})", self.0)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for GlobCnt {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(GlobCnt::new_truncating(u.arbitrary::<u64>()?))
    }
}

/// Short replica id ([MS-OXCFXICS] 2.2.2.4.1), u16 little-endian on the wire.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(transparent)]
pub struct ReplId(pub u16);

/// Long replica id, a GUID ([MS-OXCFXICS] 2.2.2.4.2).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[serde(transparent)]
pub struct ReplGuid(pub Guid);

/// REPLID + GLOBCNT, the 8-byte layout shared by Folder ID, Message ID and CN
/// ([MS-OXCDATA] 2.2.1.1, 2.2.1.2; [MS-OXCFXICS] 2.2.2.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ExchangeId {
    /// The replica.
    pub replid: ReplId,
    /// The counter within the replica.
    pub globcnt: GlobCnt,
}

impl ExchangeId {
    /// Builds an id.
    pub const fn new(replid: ReplId, globcnt: GlobCnt) -> Self {
        ExchangeId { replid, globcnt }
    }

    /// The 8 wire bytes: REPLID LE then GLOBCNT big-endian.
    pub const fn to_bytes(self) -> [u8; 8] {
        let r = self.replid.0.to_le_bytes();
        let g = self.globcnt.to_bytes();
        [r[0], r[1], g[0], g[1], g[2], g[3], g[4], g[5]]
    }

    /// From the 8 wire bytes.
    pub const fn from_bytes(b: [u8; 8]) -> Self {
        ExchangeId {
            replid: ReplId(u16::from_le_bytes([b[0], b[1]])),
            globcnt: GlobCnt::from_bytes([b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    /// The value of a PtypInteger64 property (PidTagMid, PidTagFolderId,
    /// PidTagChangeNumber ...) that carries this id: the 8 wire bytes read as
    /// a little-endian u64. Use only to move the id in and out of such values.
    pub const fn to_u64_le(self) -> u64 {
        u64::from_le_bytes(self.to_bytes())
    }

    /// The inverse of [`ExchangeId::to_u64_le`].
    pub const fn from_u64_le(v: u64) -> Self {
        Self::from_bytes(v.to_le_bytes())
    }

    /// Reads 8 bytes.
    pub fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Self, Truncated> {
        Ok(Self::from_bytes(r.array(field)?))
    }
}

impl fmt::Debug for ExchangeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:#x}", self.replid.0, self.globcnt.0)
    }
}

macro_rules! exchange_id_newtype {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug, serde::Serialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[serde(transparent)]
        pub struct $name(pub ExchangeId);

        impl $name {
            /// Builds the id from its replica and counter.
            pub const fn new(replid: ReplId, globcnt: GlobCnt) -> Self {
                $name(ExchangeId::new(replid, globcnt))
            }
            /// The replica.
            pub const fn replid(self) -> ReplId {
                self.0.replid
            }
            /// The counter.
            pub const fn globcnt(self) -> GlobCnt {
                self.0.globcnt
            }
            /// The 8 wire bytes.
            pub const fn to_bytes(self) -> [u8; 8] {
                self.0.to_bytes()
            }
            /// From the 8 wire bytes.
            pub const fn from_bytes(b: [u8; 8]) -> Self {
                $name(ExchangeId::from_bytes(b))
            }
            /// As a PtypInteger64 property value (see [`ExchangeId::to_u64_le`]).
            pub const fn to_u64_le(self) -> u64 {
                self.0.to_u64_le()
            }
            /// From a PtypInteger64 property value.
            pub const fn from_u64_le(v: u64) -> Self {
                $name(ExchangeId::from_u64_le(v))
            }
        }

        impl From<ExchangeId> for $name {
            fn from(id: ExchangeId) -> Self {
                $name(id)
            }
        }
    };
}

exchange_id_newtype!(
    /// Folder ID ([MS-OXCDATA] 2.2.1.1).
    Fid
);
exchange_id_newtype!(
    /// Message ID ([MS-OXCDATA] 2.2.1.2).
    Mid
);
exchange_id_newtype!(
    /// Change number ([MS-OXCFXICS] 2.2.2.1).
    Cn
);

/// Global identifier: REPLGUID + GLOBCNT, 22 bytes ([MS-OXCDATA] 2.2.1.3).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Gid {
    /// DatabaseGuid / REPLGUID.
    pub replguid: ReplGuid,
    /// GlobalCounter.
    pub globcnt: GlobCnt,
}

impl Gid {
    /// Wire size.
    pub const SIZE: usize = 22;

    /// The 22 wire bytes.
    pub fn to_bytes(self) -> [u8; 22] {
        let mut b = [0u8; 22];
        b[..16].copy_from_slice(&self.replguid.0.0);
        b[16..].copy_from_slice(&self.globcnt.to_bytes());
        b
    }

    /// Reads 22 bytes.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Truncated> {
        let g = r.array::<16>("Gid.DatabaseGuid")?;
        let c = r.array::<6>("Gid.GlobalCounter")?;
        Ok(Gid {
            replguid: ReplGuid(Guid(g)),
            globcnt: GlobCnt::from_bytes(c),
        })
    }

    /// Decodes exactly 22 bytes.
    pub fn decode(b: &[u8]) -> Result<Self, IdError> {
        let mut r = Reader::new(b);
        let g = Self::read(&mut r)?;
        no_trailing(&r, "Gid")?;
        Ok(g)
    }

    /// This GID as an XID with a 6-byte LocalId ([MS-OXCFXICS] 2.2.2.2).
    pub fn to_xid(self) -> Xid {
        Xid::new(self.replguid.0, &self.globcnt.to_bytes()).expect("6-byte local id")
    }
}

/// LongTermID: GID + 2-byte pad that MUST be zero ([MS-OXCDATA] 2.2.1.3.1).
/// The pad is kept as read so a harness can see what a peer sent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, Debug, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LongTermId {
    /// The GID.
    pub gid: Gid,
    /// The pad, 0 when well-formed.
    pub pad: u16,
}

impl LongTermId {
    /// Wire size.
    pub const SIZE: usize = 24;

    /// A LongTermID with a zero pad.
    pub const fn new(gid: Gid) -> Self {
        LongTermId { gid, pad: 0 }
    }

    /// The 24 wire bytes.
    pub fn to_bytes(self) -> [u8; 24] {
        let mut b = [0u8; 24];
        b[..22].copy_from_slice(&self.gid.to_bytes());
        b[22..].copy_from_slice(&self.pad.to_le_bytes());
        b
    }

    /// Reads 24 bytes.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, Truncated> {
        let gid = Gid::read(r)?;
        let pad = r.u16("LongTermId.Pad")?;
        Ok(LongTermId { gid, pad })
    }
}

/// XID: namespace GUID + LocalId of 1..=8 bytes ([MS-OXCFXICS] 2.2.2.2).
/// SourceKey and ChangeKey values are serialized XIDs (2.2.1.2.5–2.2.1.2.7).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Xid {
    /// NamespaceGuid.
    pub namespace_guid: Guid,
    local: [u8; 8],
    len: u8,
}

impl Xid {
    /// Builds an XID; `None` unless `local_id` has 1..=8 bytes.
    pub fn new(namespace_guid: Guid, local_id: &[u8]) -> Option<Self> {
        if local_id.is_empty() || local_id.len() > 8 {
            return None;
        }
        let mut local = [0u8; 8];
        local[..local_id.len()].copy_from_slice(local_id);
        Some(Xid {
            namespace_guid,
            local,
            len: local_id.len() as u8,
        })
    }

    /// The LocalId bytes.
    pub fn local_id(&self) -> &[u8] {
        &self.local[..self.len as usize]
    }

    /// Serialized size (17..=24).
    pub fn size(&self) -> usize {
        16 + self.len as usize
    }

    /// Appends the serialized XID.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.namespace_guid.0);
        out.extend_from_slice(self.local_id());
    }

    /// The serialized XID.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.size());
        self.write(&mut v);
        v
    }

    /// Decodes a whole value as an XID (e.g. a PidTagSourceKey value).
    pub fn decode(b: &[u8]) -> Result<Self, IdError> {
        if !(17..=24).contains(&b.len()) {
            return Err(IdError::BadXidSize {
                offset: 0,
                size: b.len(),
            });
        }
        let mut g = [0u8; 16];
        g.copy_from_slice(&b[..16]);
        Ok(Xid::new(Guid(g), &b[16..]).expect("length checked"))
    }

    /// The GID this XID denotes, when its LocalId has 6 bytes.
    pub fn to_gid(&self) -> Option<Gid> {
        let l: [u8; 6] = self.local_id().try_into().ok()?;
        Some(Gid {
            replguid: ReplGuid(self.namespace_guid),
            globcnt: GlobCnt::from_bytes(l),
        })
    }
}

impl fmt::Debug for Xid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Xid({}:", self.namespace_guid)?;
        for b in self.local_id() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl serde::Serialize for Xid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Xid", 2)?;
        st.serialize_field("namespace_guid", &self.namespace_guid)?;
        let hex: String = self.local_id().iter().map(|b| format!("{b:02x}")).collect();
        st.serialize_field("local_id", &hex)?;
        st.end()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Xid {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let g: Guid = u.arbitrary()?;
        let n = u.int_in_range(1..=8)?;
        let b = u.bytes(n)?;
        Ok(Xid::new(g, b).expect("1..=8"))
    }
}

/// SizedXid: XidSize (u8) + XID ([MS-OXCFXICS] 2.2.2.3.1).
pub mod sized_xid {
    use super::*;

    /// Appends `xid` as a SizedXid.
    pub fn write(xid: &Xid, out: &mut Vec<u8>) {
        out.push(xid.size() as u8);
        xid.write(out);
    }

    /// Reads one SizedXid.
    pub fn read(r: &mut Reader<'_>) -> Result<Xid, IdError> {
        let at = r.offset();
        let size = r.u8("SizedXid.XidSize")? as usize;
        if !(17..=24).contains(&size) {
            return Err(IdError::BadXidSize { offset: at, size });
        }
        let b = r.bytes(size, "SizedXid.XID")?;
        Xid::decode(b)
    }
}

/// Fails with [`IdError::Trailing`] if `r` has bytes left.
pub(crate) fn no_trailing(r: &Reader<'_>, what: &'static str) -> Result<(), IdError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(IdError::Trailing {
            offset: r.offset(),
            extra: r.remaining(),
            what,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// idset.md §1: REPLID 1, counter 0x123 → `01 00 00 00 00 00 01 23`,
    /// PtypInteger64 value 0x2301000000000001.
    #[test]
    fn mid_byte_layout() {
        let mid = Mid::new(ReplId(1), GlobCnt::new(0x123).unwrap());
        assert_eq!(mid.to_bytes(), [0x01, 0x00, 0, 0, 0, 0, 0x01, 0x23]);
        assert_eq!(mid.to_u64_le(), 0x2301_0000_0000_0001);
        assert_eq!(Mid::from_u64_le(0x2301_0000_0000_0001), mid);
    }

    #[test]
    fn globcnt_is_48_bit_big_endian() {
        let g = GlobCnt::from_bytes([0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(g.value(), 0x1234);
        assert_eq!(g.to_bytes(), [0, 0, 0, 0, 0x12, 0x34]);
        assert!(GlobCnt::new(1 << 48).is_none());
        assert_eq!(GlobCnt::MAX.checked_next(), None);
    }

    /// idset.md §2.9: a SizedXid of size 0x16 with a 6-byte LocalId.
    #[test]
    fn sized_xid_roundtrip() {
        let g = Guid([7; 16]);
        let x = Xid::new(g, &[0, 0, 0, 0, 0x12, 0x34]).unwrap();
        let mut v = Vec::new();
        sized_xid::write(&x, &mut v);
        assert_eq!(v[0], 0x16);
        assert_eq!(v.len(), 23);
        let mut r = Reader::new(&v);
        assert_eq!(sized_xid::read(&mut r).unwrap(), x);
        assert_eq!(x.to_gid().unwrap().to_xid(), x);
    }

    #[test]
    fn sized_xid_rejects_bad_size() {
        let mut r = Reader::new(&[0x10, 0, 0]);
        assert_eq!(
            sized_xid::read(&mut r),
            Err(IdError::BadXidSize {
                offset: 0,
                size: 16
            })
        );
        let mut r = Reader::new(&[0x11, 0, 0]);
        assert!(matches!(
            sized_xid::read(&mut r),
            Err(IdError::Truncated(_))
        ));
    }
}
