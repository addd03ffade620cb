//! ID reservation and release by the client, checked in the ROP trace, and the raw
//! RopSetLocalReplicaMidsetDeleted probe ([MS-OXCSYNC] 3.1.3.1.1; [MS-OXCFXICS] 3.3.5.2.1,
//! 3.3.5.8.13, 3.2.5.9.4.8, 2.2.3.2.4.8).

use ics_client::sync::engine::SyncError;
use ics_client::sync::ops::IcsOps;
use ics_client::transport::{RopTransport as _, TransportError};
use ics_wire::ids::{LongTermId, Xid};
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::idmgmt::{LongTermIdRange, SetLocalReplicaMidsetDeletedRequest};
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::{Gid, GlobCnt, ReplGuid};

use super::probes::{h_of, pairs};
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop, observed_of};
use crate::outcome::Observed;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the (\d+) new messages have consecutive MIDs from the reserved range$" => consecutive_mids,
        r"^no reserved ID was used (twice|as a change number)$" => reserved_not_reused,
        r"^the client reserves IDs in batches of (\d+|0x[0-9A-Fa-f]+)$" => batch,
        r"^every RopGetLocalReplicaIds request of the client had IdCount (\d+|0x[0-9A-Fa-f]+)$" => every_id_count,
        r"^the client releases the unused rest of its reserved range for the folder$" => release_rest,
        r"^the RopSetLocalReplicaMidsetDeleted ranges held only never-used IDs of the reservation, with one REPLGUID per range$" => released_ranges,
        r"^the client sends RopSetLocalReplicaMidsetDeleted with a DataSize (\d+) bytes larger than its ranges$" => midset_probe,
    ]
}

/// A range of reserved IDs: REPLGUID ‖ [first, first + count − 1] (R-258).
#[derive(Clone, Copy, Debug)]
struct Range {
    replguid: ReplGuid,
    first: u64,
    count: u64,
}

impl Range {
    fn contains(&self, g: &Gid) -> bool {
        g.replguid == self.replguid
            && g.globcnt.value() >= self.first
            && g.globcnt.value() - self.first < self.count
    }
}

/// The ranges the server granted in answer to the client's RopGetLocalReplicaIds (trace).
fn reservations(h: &Harness) -> Vec<Range> {
    pairs(h, 0, usize::MAX)
        .into_iter()
        .filter_map(|(q, r)| match (q, r) {
            (RopRequest::GetLocalReplicaIds(q), Some(RopResponse::GetLocalReplicaIds(r))) => {
                r.result.success().map(|s| Range {
                    replguid: s.repl_guid,
                    first: s.global_count.value(),
                    count: u64::from(q.id_count),
                })
            }
            _ => None,
        })
        .collect()
}

/// A binary property of a request's property values.
fn bin(
    values: &[ics_wire::rop::value::TaggedPropertyValue],
    tag: ics_wire::prop::PropTag,
) -> Vec<u8> {
    values
        .iter()
        .find(|v| v.0.tag.id() == tag.id())
        .and_then(|v| match &v.0.value {
            PropValue::Binary(b) => Some(b.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// One object change the client uploaded: (trace position, SourceKey, ChangeKey, PCL).
type Upload = (usize, Vec<u8>, Vec<u8>, Vec<u8>);

/// The object changes (messages and folders) the client sent in trace positions `from..to`
/// (ROP positions counted from `from`), and the ChangeNumber and PCL of its ImportMessageMove
/// requests.
fn uploads(h: &Harness, from: usize, to: usize) -> (Vec<Upload>, Vec<Vec<u8>>) {
    let mut changes = Vec::new();
    let mut moves = Vec::new();
    for (i, (q, _)) in pairs(h, from, to).into_iter().enumerate() {
        match q {
            RopRequest::SynchronizationImportMessageChange(c) => {
                let v = &c.property_values;
                changes.push((
                    i,
                    bin(v, tags::PID_TAG_SOURCE_KEY),
                    bin(v, tags::PID_TAG_CHANGE_KEY),
                    bin(v, tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
                ));
            }
            RopRequest::SynchronizationImportHierarchyChange(c) => {
                let v = &c.hierarchy_values;
                changes.push((
                    i,
                    bin(v, tags::PID_TAG_SOURCE_KEY),
                    bin(v, tags::PID_TAG_CHANGE_KEY),
                    bin(v, tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
                ));
            }
            RopRequest::SynchronizationImportMessageMove(m) => {
                moves.push(m.change_number.clone());
                moves.push(m.predecessor_change_list.clone());
            }
            _ => {}
        }
    }
    (changes, moves)
}

/// The ranges of every RopSetLocalReplicaMidsetDeleted the client sent, with trace positions.
fn released(h: &Harness) -> Vec<(usize, LongTermIdRange)> {
    pairs(h, 0, usize::MAX)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (q, _))| match q {
            RopRequest::SetLocalReplicaMidsetDeleted(r) => Some(
                r.long_term_id_ranges
                    .into_iter()
                    .map(move |x| (i, x))
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect()
}

fn in_long_term_range(r: &LongTermIdRange, g: &Gid) -> bool {
    let (a, b) = (r.min_long_term_id.gid, r.max_long_term_id.gid);
    g.replguid == a.replguid && a.globcnt <= g.globcnt && g.globcnt <= b.globcnt
}

/// R-260, R-308, R-310: the last upload's new messages carry source keys (the server's MIDs
/// once imported) with consecutive GLOBCNTs from one range the server granted.
async fn consecutive_mids(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    let h = w.harness().await?;
    let up = h.uploads.last().ok_or("the client uploaded nothing")?;
    let (from, to) = up.trace;
    let (sent, _) = uploads(h, from, to);
    if sent.len() != n {
        return Err(format!(
            "the upload sent {} ImportMessageChange, not {n}",
            sent.len()
        ));
    }
    let mut gids = Vec::with_capacity(n);
    for (_, sk, _, _) in &sent {
        gids.push(Gid::decode(sk).map_err(|e| format!("a SourceKey the client sent: {e}"))?);
    }
    gids.sort_by_key(|g| g.globcnt.value());
    let ranges = reservations(h);
    if !ranges.iter().any(|r| gids.iter().all(|g| r.contains(g))) {
        return Err(format!(
            "the new IDs {gids:?} do not all lie in one reserved range of {ranges:?}"
        ));
    }
    if let Some(p) = gids
        .windows(2)
        .find(|p| p[1].globcnt.value() != p[0].globcnt.value() + 1)
    {
        return Err(format!(
            "the new IDs are not consecutive: {:?} then {:?}",
            p[0].globcnt, p[1].globcnt
        ));
    }
    // The server knows them under those IDs: its read-back lists each source key, with a
    // PidTagMid of the same GLOBCNT.
    let server = h.server_messages("Sync").await?;
    for g in &gids {
        let sk = g.to_bytes().to_vec();
        let m = server
            .iter()
            .find(|m| m.source_key == sk)
            .ok_or_else(|| format!("the server does not hold the new message {:?}", g.globcnt))?;
        if let Some(PropValue::I64(mid)) = find_prop(&m.header, tags::PID_TAG_MID) {
            let mid = ics_wire::Mid::from_u64_le(*mid as u64);
            if mid.globcnt() != g.globcnt {
                return Err(format!(
                    "the server gave the new message {:?} the MID {mid:?}",
                    g.globcnt
                ));
            }
        }
    }
    Ok(())
}

/// R-259 (never a change number), R-309 (never reused).
async fn reserved_not_reused(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let ranges = reservations(h);
    if ranges.is_empty() {
        return Err("the client reserved no IDs".into());
    }
    let reserved = |g: &Gid| ranges.iter().any(|r| r.contains(g));
    let (changes, moves) = uploads(h, 0, usize::MAX);
    if a.s(1) == "as a change number" {
        if changes.is_empty() && moves.is_empty() {
            return Err("the client uploaded no change".into());
        }
        let mut xids: Vec<Xid> = Vec::new();
        for (_, _, ck, pcl) in &changes {
            xids.push(Xid::decode(ck).map_err(|e| format!("a ChangeKey the client sent: {e}"))?);
            let pcl =
                Pcl::decode_lenient(pcl).map_err(|e| format!("a PCL the client sent: {e}"))?;
            xids.extend(pcl.xids().iter().copied());
        }
        for m in moves.chunks(2) {
            xids.push(
                Xid::decode(&m[0])
                    .map_err(|e| format!("an ImportMessageMove ChangeNumber: {e}"))?,
            );
            let pcl =
                Pcl::decode_lenient(&m[1]).map_err(|e| format!("an ImportMessageMove PCL: {e}"))?;
            xids.extend(pcl.xids().iter().copied());
        }
        return match xids.iter().find_map(|x| x.to_gid().filter(|g| reserved(g))) {
            Some(g) => Err(format!("the reserved ID {g:?} was sent as a change number")),
            None => Ok(()),
        };
    }
    // Twice: a reserved ID names one object. A later import of the same source key must be a
    // later version of that object (its PCL includes a ChangeKey sent before for it), and no
    // ID released with RopSetLocalReplicaMidsetDeleted is used afterwards.
    let released = released(h);
    let mut versions: Vec<(Vec<u8>, Vec<Xid>)> = Vec::new();
    let mut used = 0;
    for (pos, sk, ck, pcl) in &changes {
        let Ok(g) = Gid::decode(sk) else { continue };
        if !reserved(&g) {
            continue;
        }
        used += 1;
        if let Some((_, r)) = released
            .iter()
            .find(|(at, r)| at < pos && in_long_term_range(r, &g))
        {
            return Err(format!(
                "the ID {:?} was released (range {:?}..{:?}) and then used",
                g.globcnt, r.min_long_term_id.gid.globcnt, r.max_long_term_id.gid.globcnt
            ));
        }
        let ck = Xid::decode(ck).map_err(|e| format!("a ChangeKey the client sent: {e}"))?;
        let pcl = Pcl::decode_lenient(pcl).map_err(|e| format!("a PCL the client sent: {e}"))?;
        match versions.iter_mut().find(|(k, _)| k == sk) {
            None => versions.push((sk.clone(), vec![ck])),
            Some((_, earlier)) => {
                if !earlier.iter().any(|x| pcl.includes(&Pcl::single(*x))) {
                    return Err(format!(
                        "the reserved ID {:?} was given to a second object (its PCL holds none of the earlier versions)",
                        g.globcnt
                    ));
                }
                earlier.push(ck);
            }
        }
    }
    (used > 0)
        .then_some(())
        .ok_or_else(|| "the client used no reserved ID".into())
}

/// The client's IdCount for RopGetLocalReplicaIds (R-256: 0x200..=0x10000 recommended).
async fn batch(w: &mut SuiteWorld, a: Args) -> Res {
    let n = u32::try_from(a.n(1)?).map_err(|_| "IdCount is 32 bits".to_string())?;
    if n == 0 {
        return Err("a batch of 0 IDs reserves nothing".into());
    }
    w.harness().await?.client.options_mut().id_batch = n;
    Ok(())
}

/// R-256: the IdCount of every RopGetLocalReplicaIds the client sent.
async fn every_id_count(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.n(1)?;
    let counts: Vec<u32> = pairs(h_of(w)?, 0, usize::MAX)
        .into_iter()
        .filter_map(|(q, _)| match q {
            RopRequest::GetLocalReplicaIds(q) => Some(q.id_count),
            _ => None,
        })
        .collect();
    if counts.is_empty() {
        return Err("the client sent no RopGetLocalReplicaIds".into());
    }
    match counts.iter().find(|c| u64::from(**c) != want) {
        Some(c) => Err(format!("a RopGetLocalReplicaIds had IdCount {c:#x}")),
        None => Ok(()),
    }
}

/// The client's RopSetLocalReplicaMidsetDeleted of its never-used IDs (R-261, R-311).
async fn release_rest(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.sync_folder()?.to_u64_le();
    h.release_open_context().await;
    let r = h.client.release_unused_ids(fid).await;
    let observed = match r {
        Ok(0) => return Err("the client had no unused reserved ID to release".into()),
        Ok(_) => observed_of(&Ok(())),
        Err(SyncError::Op(e)) => observed_of(&Err(e)),
        Err(e) => return Err(format!("the client cannot release its IDs: {e}")),
    };
    h.last = Some(("RopSetLocalReplicaMidsetDeleted".into(), observed));
    Ok(())
}

/// R-262: every released range is within one REPLGUID, inside a reservation, and holds no ID
/// the client uploaded or the server holds.
async fn released_ranges(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let ranges = released(h);
    if ranges.is_empty() {
        return Err("the client sent no RopSetLocalReplicaMidsetDeleted range".into());
    }
    let reserved = reservations(h);
    let (changes, _) = uploads(h, 0, usize::MAX);
    let server = h.server_messages("Sync").await?;
    for (_, r) in &ranges {
        let (lo, hi) = (r.min_long_term_id.gid, r.max_long_term_id.gid);
        if lo.replguid != hi.replguid {
            return Err(format!(
                "a range spans two REPLGUIDs: {} and {}",
                lo.replguid.0, hi.replguid.0
            ));
        }
        if lo.globcnt > hi.globcnt {
            return Err(format!(
                "a range is empty: {:?} > {:?}",
                lo.globcnt, hi.globcnt
            ));
        }
        if !reserved.iter().any(|x| x.contains(&lo) && x.contains(&hi)) {
            return Err(format!(
                "the range {:?}..{:?} is not inside one reservation of {reserved:?}",
                lo.globcnt, hi.globcnt
            ));
        }
        for (_, sk, _, _) in &changes {
            if Gid::decode(sk).is_ok_and(|g| in_long_term_range(r, &g)) {
                return Err(format!(
                    "the range {:?}..{:?} holds an ID the client uploaded",
                    lo.globcnt, hi.globcnt
                ));
            }
        }
        if let Some(m) = server
            .iter()
            .find(|m| Gid::decode(&m.source_key).is_ok_and(|g| in_long_term_range(r, &g)))
        {
            return Err(format!(
                "the range {:?}..{:?} holds {:02x?}, which the server holds",
                lo.globcnt, hi.globcnt, m.source_key
            ));
        }
    }
    Ok(())
}

/// A RopSetLocalReplicaMidsetDeleted over the last reservation whose DataSize is `extra`
/// bytes larger than LongTermIdRangeCount and the ranges (the bytes are there, zero), on the
/// scope folder: a request the reference client never builds (group Y).
async fn midset_probe(w: &mut SuiteWorld, a: Args) -> Res {
    let extra = usize::try_from(a.n(1)?).map_err(|_| "too many bytes".to_string())?;
    let h = w.harness().await?;
    h.release_open_context().await;
    let r = h
        .reservations
        .last()
        .cloned()
        .ok_or("the client reserved no IDs")?;
    let (replguid, first) = r.range.ok_or("the last reservation failed")?;
    let last = first
        .checked_add(u64::from(r.count.max(1)) - 1)
        .ok_or("the reservation passes the 48-bit counter")?;
    let gid = |globcnt: GlobCnt| Gid { replguid, globcnt };
    let req = SetLocalReplicaMidsetDeletedRequest {
        logon_id: 0,
        input_handle_index: 0,
        long_term_id_ranges: vec![LongTermIdRange {
            min_long_term_id: LongTermId::new(gid(first)),
            max_long_term_id: LongTermId::new(gid(last)),
        }],
    };
    let mut rop = Vec::new();
    RopRequest::SetLocalReplicaMidsetDeleted(req.clone())
        .encode(&mut rop)
        .map_err(|e| e.to_string())?;
    // RopId, LogonId, InputHandleIndex, then DataSize (2.2.13.12.1).
    let size = u16::from_le_bytes([rop[3], rop[4]]) as usize + extra;
    let size = u16::try_from(size).map_err(|_| "DataSize passes 16 bits".to_string())?;
    rop[3..5].copy_from_slice(&size.to_le_bytes());
    rop.resize(rop.len() + extra, 0);
    let fid = h.sync_folder()?.to_u64_le();
    let ops = h.client.ops_mut();
    let folder = ops
        .open_folder(fid)
        .await
        .map_err(|e| format!("RopOpenFolder: {e}"))?;
    let rop_size =
        u16::try_from(rop.len() + 2).map_err(|_| "RopSize passes 16 bits".to_string())?;
    let mut bytes = rop_size.to_le_bytes().to_vec();
    bytes.extend_from_slice(&rop);
    bytes.extend_from_slice(&folder.0.to_le_bytes());
    let out = ops.transport_mut().execute(bytes).await;
    let observed = match out {
        Err(TransportError::RpcStatus(c)) => Observed {
            rpc_failure: Some(c),
            ..Observed::default()
        },
        Err(e) => return Err(format!("the probe's transport failed: {e}")),
        Ok(out) => {
            // The response has the shape of the well-formed request's.
            let shape = RopRequestBuffer {
                rops: vec![RopRequest::SetLocalReplicaMidsetDeleted(req)],
                handles: vec![folder.0],
            };
            let resp = RopResponseBuffer::decode(&out, &shape, &ResponseContext::default())
                .map_err(|e| format!("the response to the probe: {e}"))?;
            let rv = resp.rops.first().and_then(crate::driver::return_value);
            Observed {
                return_value: rv,
                buffer_too_small: rv.is_none(),
                ..Observed::default()
            }
        }
    };
    let _ = h.client.ops_mut().release(folder).await;
    h.last = Some(("RopSetLocalReplicaMidsetDeleted".into(), observed));
    Ok(())
}
