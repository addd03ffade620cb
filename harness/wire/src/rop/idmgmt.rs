//! ID management ROPs ([MS-OXCROPS] 2.2.13.12–2.2.13.13; [MS-OXCFXICS]
//! 2.2.3.2.4.7–2.2.3.2.4.8; rops.md §9).

use crate::cursor::{Reader, WriteLe};
use crate::guid::Guid;
use crate::ids::{GlobCnt, LongTermId, ReplGuid};

use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeResult, RopError};
use super::value::{check_len, put_count32};

/// RopGetLocalReplicaIds request, 0x7F (2.2.13.13.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetLocalReplicaIdsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Logon).
    pub input_handle_index: u8,
    /// IdCount.
    pub id_count: u32,
}

impl GetLocalReplicaIdsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            id_count: r.u32("IdCount")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u32(self.id_count);
        Ok(())
    }
}

/// Success fields of RopGetLocalReplicaIds (2.2.13.13.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetLocalReplicaIdsSuccess {
    /// ReplGuid.
    pub repl_guid: ReplGuid,
    /// GlobalCount: first GLOBCNT of the reserved range (6 bytes, big-endian).
    pub global_count: GlobCnt,
}

/// RopGetLocalReplicaIds response (2.2.13.13.2 / 2.2.13.13.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetLocalReplicaIdsResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<GetLocalReplicaIdsSuccess>,
}

impl GetLocalReplicaIdsResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(GetLocalReplicaIdsSuccess {
                    repl_guid: ReplGuid(Guid(r.array("ReplGuid")?)),
                    global_count: GlobCnt::from_bytes(r.array("GlobalCount")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            out.put_bytes(&s.repl_guid.0.0);
            out.put_bytes(&s.global_count.to_bytes());
            Ok(())
        })
    }
}

/// LongTermIdRange (2.2.13.12.1.1).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct LongTermIdRange {
    /// MinLongTermId.
    pub min_long_term_id: LongTermId,
    /// MaxLongTermId.
    pub max_long_term_id: LongTermId,
}

/// RopSetLocalReplicaMidsetDeleted request, 0x93 (2.2.13.12.1). DataSize
/// covers LongTermIdRangeCount and the ranges; the decoder requires it to
/// match them exactly.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetLocalReplicaMidsetDeletedRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// LongTermIdRanges.
    pub long_term_id_ranges: Vec<LongTermIdRange>,
}

impl SetLocalReplicaMidsetDeletedRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let size_off = r.offset();
        let size = r.u16("DataSize")? as usize;
        let body_off = r.offset();
        let mut inner = Reader::with_base(r.bytes(size, "DataSize")?, body_off);
        let n = inner.u32("LongTermIdRangeCount")? as usize;
        inner.check_count(n, 48, "LongTermIdRanges")?;
        let mut long_term_id_ranges = Vec::with_capacity(n);
        for _ in 0..n {
            long_term_id_ranges.push(LongTermIdRange {
                min_long_term_id: LongTermId::read(&mut inner)?,
                max_long_term_id: LongTermId::read(&mut inner)?,
            });
        }
        if !inner.is_empty() {
            return Err(RopError::SizeMismatch {
                offset: size_off,
                field: "DataSize",
                declared: size,
                actual: size - inner.remaining(),
            });
        }
        Ok(Self {
            logon_id,
            input_handle_index,
            long_term_id_ranges,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        let size = 4 + 48 * self.long_term_id_ranges.len();
        check_len(size, u16::MAX as usize, "DataSize")?;
        out.put_u16(size as u16);
        put_count32(out, self.long_term_id_ranges.len(), "LongTermIdRangeCount")?;
        for x in &self.long_term_id_ranges {
            out.put_bytes(&x.min_long_term_id.to_bytes());
            out.put_bytes(&x.max_long_term_id.to_bytes());
        }
        Ok(())
    }
}
