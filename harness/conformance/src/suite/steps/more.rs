//! Progress elements, change-number comparisons, restrictions, races with a download, the
//! client's configure and import requests in the ROP trace, and the replica's mailbox binding.

use ics_wire::ftstream as ft;
use ics_wire::ids::Xid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::RopRequest;
use ics_wire::{ExchangeId, GlobCnt};

use super::download::{changes, last};
use super::parse::{self, SYNC_FLAGS};
use super::{Args, Res, steps};
use crate::driver::{Harness, StateMode, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the download starts with a progressTotal element with Version (\d+|0x[0-9A-Fa-f]+)$" => progress_version,
        r"^the progressTotal counts (\d+) normal and (\d+) FAI messages$" => progress_counts,
        r"^every message change is preceded by a progressPerMessage element$" => per_message,
        r"^the progressPerMessage before ([mf]\d+) has the FAI flag set$" => per_message_fai,
        r"^the download holds no progress elements$" => no_progress,
        r"^the change number of ([mf]\d+)(?: in the download)? is greater than (the one the client had|every change number in the previous final state)$" => cn_greater,
        r"^the synchronization uses a restriction ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) equals (\d+|0x[0-9A-Fa-f]+)$" => restriction,
        r"^the server modifies message ([mf]\d+) after the first GetBuffer of the next download$" => race,
        r"^the next synchronization with the saved state brings ([mf]\d+) unless it was already in this download$" => next_brings,
        r"^on the server, message ([mf]\d+) is (moved to another folder|copied into the same folder)$" => move_copy,
        r"^no configure request had the Reserved bit (0x[0-9A-Fa-f]+|\d+) set$" => no_reserved_bit,
        r"^every configure request set NoForeignIdentifiers$" => every_nfi,
        r"^the hierarchy configure request set none of (.+)$" => hierarchy_none_of,
        r"^the replica records the mailbox GUID returned by RopLogon$" => mailbox_guid,
        r"^every ChangeKey the client sent is an XID whose NamespaceGuid is not the mailbox's REPLGUID and whose LocalId is not 6 bytes long$" => client_change_keys,
        r"^the client's XIDs of one NamespaceGuid all have the same LocalId length and increase$" => client_xids_increase,
        r"^every PCL the client sent is sorted by NamespaceGuid and holds the previous ChangeKey of the message$" => client_pcls,
        r"^on the server, message ([mf]\d+) has a PidTagChangeNumber of the mailbox's REPLGUID$" => server_cn_namespace,
        r"^every GetBuffer request of the client used BufferSize (\d+|0x[0-9A-Fa-f]+)$" => every_buffer_size,
        r"^every TransferBuffer holds at most (\d+) bytes$" => transfer_at_most,
        r"^every GetBuffer response but the last has TransferStatus Partial$" => all_partial,
        r"^the last GetBuffer response has TransferStatus Done$" => last_done,
        r"^every GetBuffer response has Reserved (\d+|0x[0-9A-Fa-f]+)$" => reserved_zero,
        r"^no successful GetBuffer response carries a BackoffTime$" => no_backoff_on_success,
        r"^no message change holds a property of type PtypErrorCode$" => no_error_code_type,
        r"^every string property of the download has type (PtypString or PtypString8|PtypString8|PtypString)$" => string_types,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

fn progress_info(h: &Harness) -> Result<Vec<u8>, String> {
    let cs = last(h)?.contents()?;
    let pt = cs
        .progress_total
        .as_ref()
        .ok_or("the download holds no progressTotal")?;
    pt.progress_information()
        .map(<[u8]>::to_vec)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| "the progressTotal holds no 32-byte ProgressInformation".into())
}

async fn progress_version(w: &mut SuiteWorld, a: Args) -> Res {
    let b = progress_info(h_of(w)?)?;
    let v = u64::from(u16::from_le_bytes([b[0], b[1]]));
    (v == a.n(1)?)
        .then_some(())
        .ok_or_else(|| format!("ProgressInformation Version {v}"))
}

async fn progress_counts(w: &mut SuiteWorld, a: Args) -> Res {
    let b = progress_info(h_of(w)?)?;
    let u32_at = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    let (fai, normal) = (u32_at(4), u32_at(16));
    (normal == a.n(1)? && fai == a.n(2)?)
        .then_some(())
        .ok_or_else(|| format!("the progressTotal counts {normal} normal and {fai} FAI messages"))
}

async fn per_message(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = last(h_of(w)?)?.contents()?;
    let mut n = 0;
    for i in &cs.changes {
        if let ft::ContentsSyncItem::Change { progress, .. } = i {
            n += 1;
            if progress.is_none() {
                return Err("a message change without a progressPerMessage".into());
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no message change".into())
}

async fn per_message_fai(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let sk = h.message_key(a.s(1))?;
    for i in &last(h)?.contents()?.changes {
        let ft::ContentsSyncItem::Change { progress, change } = i else {
            continue;
        };
        let header = match change {
            ft::MessageChange::Full(f) => &f.header,
            ft::MessageChange::Partial(p) => &p.header,
        };
        if !matches!(find_prop(header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if *b == sk)
        {
            continue;
        }
        let p = progress.as_ref().ok_or("no progressPerMessage before it")?;
        return match p.props.get(1).map(|x| &x.value) {
            Some(PropValue::Boolean(true)) => Ok(()),
            other => Err(format!("the FAI flag is {other:?}")),
        };
    }
    Err(format!("no change for {}", a.s(1)))
}

async fn no_progress(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = last(h_of(w)?)?.contents()?;
    let per = cs.changes.iter().any(|i| {
        matches!(
            i,
            ft::ContentsSyncItem::Change {
                progress: Some(_),
                ..
            }
        )
    });
    (cs.progress_total.is_none() && !per)
        .then_some(())
        .ok_or_else(|| "the download holds progress elements".into())
}

/// The CN of a message change: PidTagChangeNumber, else the ChangeKey of a server change.
fn change_cn(h: &Harness, header: &[ft::FtProp]) -> Option<GlobCnt> {
    if let Some(PropValue::I64(v)) = find_prop(header, tags::PID_TAG_CHANGE_NUMBER) {
        return Some(ExchangeId::from_u64_le(*v as u64).globcnt);
    }
    match find_prop(header, tags::PID_TAG_CHANGE_KEY) {
        Some(PropValue::Binary(b)) => Xid::decode(b)
            .ok()
            .and_then(|x| x.to_gid())
            .filter(|g| g.replguid == h.replguid)
            .map(|g| g.globcnt),
        _ => None,
    }
}

async fn cn_greater(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let m = a.s(1);
    let n = h.downloads.len();
    let cn_in = |d| -> Result<Option<GlobCnt>, String> {
        Ok(changes(h, d)?
            .iter()
            .find(|c| c.name.as_deref() == Some(m))
            .and_then(|c| change_cn(h, c.header)))
    };
    let now = cn_in(&h.downloads[n - 1])?
        .ok_or_else(|| format!("no change number of {m} in the download"))?;
    if a.s(2) == "the one the client had" {
        let before = h.downloads[..n - 1]
            .iter()
            .rev()
            .find_map(|d| cn_in(d).ok().flatten())
            .ok_or_else(|| format!("the client had no change number of {m}"))?;
        return (now > before)
            .then_some(())
            .ok_or_else(|| format!("{now:?} is not greater than {before:?}"));
    }
    let prev = h.downloads[n - 2].state()?;
    // The largest CN of the previous final state: the top of its last range.
    let max = prev
        .cnset_seen
        .replicas()
        .chain(prev.cnset_seen_fai.replicas())
        .filter_map(|(_, g)| g.last())
        .max();
    match max {
        Some(x) if now <= x => Err(format!("{now:?} is not greater than {x:?}")),
        _ => Ok(()),
    }
}

async fn restriction(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let v = a.n(2)? as u32;
    if tag.0 & 0xFFFF != 0x0003 {
        return Err("only PtypInteger32 restrictions are written by the harness".into());
    }
    // [MS-OXCDATA] 2.12.5 PropertyRestriction: RestrictType 0x04, RelOp RELOP_EQ 0x04,
    // PropTag, TaggedValue.
    let mut b = vec![0x04, 0x04];
    b.extend_from_slice(&tag.0.to_le_bytes());
    b.extend_from_slice(&tag.0.to_le_bytes());
    b.extend_from_slice(&v.to_le_bytes());
    w.harness().await?.params.restriction = b;
    Ok(())
}

async fn race(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let bytes = w.harness().await?.modify_request(&m)?;
    w.control("fault-injection").await?;
    w.harness().await?.target.after_first_get_buffer(bytes);
    Ok(())
}

async fn next_brings(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let d = last(h)?;
    let had = changes(h, d)?
        .iter()
        .any(|c| c.name.as_deref() == Some(m.as_str()));
    let scope = d.scope.clone().ok_or("no scope")?;
    let rec = h.synchronize(&scope, StateMode::Saved).await;
    if let Some(e) = &rec.error {
        return Err(format!("the next synchronization failed: {e}"));
    }
    let brings = changes(h, &rec)?
        .iter()
        .any(|c| c.name.as_deref() == Some(m.as_str()));
    h.downloads.push(rec);
    // R-153: unless the download already held it, the raced change must come now.
    (had || brings)
        .then_some(())
        .ok_or_else(|| format!("{m} was neither in the download nor in the next one"))
}

async fn move_copy(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let copy = a.s(2).starts_with("copied");
    let h = w.harness().await?;
    h.move_copy(&m, copy)?;
    if copy {
        // RopMoveCopyMessages returns no MID: find the copy by reading the folder back.
        let folder = h.message(&m)?.folder;
        let server = h.server_messages("Sync").await?;
        let new = server
            .iter()
            .find(|x| h.name_of_key(&x.source_key).is_none())
            .ok_or("the copy is not in the folder")?;
        let gid = ics_wire::Gid::decode(&new.source_key).map_err(|e| e.to_string())?;
        let name = h.next_name(folder, false);
        let mid = ics_wire::Mid::new(h.client.logon_info().replid, gid.globcnt);
        h.name_message(
            "Sync",
            &name,
            crate::driver::Named {
                folder,
                mid,
                fai: false,
            },
        );
    }
    Ok(())
}

/// The configure requests of the whole scenario.
fn configures(h: &Harness) -> Vec<ics_wire::rop::sync::SynchronizationConfigureRequest> {
    h.trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopRequest::SynchronizationConfigure(c) => Some(c),
            _ => None,
        })
        .collect()
}

async fn no_reserved_bit(w: &mut SuiteWorld, a: Args) -> Res {
    let bit = a.n(1)? as u16;
    let cs = configures(h_of(w)?);
    if cs.is_empty() {
        return Err("no configure request".into());
    }
    cs.iter()
        .all(|c| c.synchronization_flags.0 & bit == 0)
        .then_some(())
        .ok_or_else(|| format!("a configure request set {bit:#06x}"))
}

async fn every_nfi(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = configures(h_of(w)?);
    (!cs.is_empty() && cs.iter().all(|c| c.synchronization_flags.0 & 0x0100 != 0))
        .then_some(())
        .ok_or_else(|| "a configure request lacked NoForeignIdentifiers".into())
}

async fn hierarchy_none_of(w: &mut SuiteWorld, a: Args) -> Res {
    let bits = parse::flags(a.s(1), SYNC_FLAGS)? as u16;
    let cs: Vec<_> = configures(h_of(w)?)
        .into_iter()
        .filter(|c| c.synchronization_type.0 == 0x02)
        .collect();
    if cs.is_empty() {
        return Err("no hierarchy configure request".into());
    }
    cs.iter()
        .all(|c| c.synchronization_flags.0 & bits == 0)
        .then_some(())
        .ok_or_else(|| format!("a hierarchy configure set one of {bits:#06x}"))
}

async fn mailbox_guid(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let bound = h
        .client
        .replica()
        .mailbox_guid()
        .map_err(|e| e.to_string())?;
    let logon = h.client.logon_info().mailbox_guid;
    (bound == Some(logon))
        .then_some(())
        .ok_or_else(|| format!("the replica records {bound:?}, RopLogon returned {logon}"))
}

/// (SourceKey, ChangeKey, PCL) of every ImportMessageChange the client sent.
fn imports(h: &Harness) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    h.trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopRequest::SynchronizationImportMessageChange(i) => {
                let get = |t: ics_wire::prop::PropTag| {
                    i.property_values
                        .iter()
                        .find(|v| v.0.tag.id() == t.id())
                        .and_then(|v| match &v.0.value {
                            PropValue::Binary(b) => Some(b.clone()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                Some((
                    get(tags::PID_TAG_SOURCE_KEY),
                    get(tags::PID_TAG_CHANGE_KEY),
                    get(tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
                ))
            }
            _ => None,
        })
        .collect()
}

async fn client_change_keys(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let im = imports(h);
    if im.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (_, ck, _) in im {
        let x = Xid::decode(&ck).map_err(|e| format!("a ChangeKey: {e}"))?;
        if x.namespace_guid == h.replguid.0 || x.local_id().len() == 6 {
            return Err(format!(
                "the ChangeKey {ck:02x?} is in the server's XID form"
            ));
        }
    }
    Ok(())
}

async fn client_xids_increase(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let mut by_ns: std::collections::BTreeMap<String, Vec<Vec<u8>>> = Default::default();
    for (_, ck, _) in imports(h) {
        let x = Xid::decode(&ck).map_err(|e| e.to_string())?;
        by_ns
            .entry(x.namespace_guid.to_string())
            .or_default()
            .push(x.local_id().to_vec());
    }
    if by_ns.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (ns, ids) in by_ns {
        if ids
            .windows(2)
            .any(|p| p[0].len() != p[1].len() || p[0] >= p[1])
        {
            return Err(format!(
                "the LocalIds of {ns} do not increase with one length: {ids:02x?}"
            ));
        }
    }
    Ok(())
}

async fn client_pcls(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let im = imports(h);
    if im.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (sk, ck, pcl) in im {
        // The PCL as sent: SizedXid after SizedXid ([MS-OXCFXICS] 2.2.2.3).
        let mut xids: Vec<Xid> = Vec::new();
        let mut rest = &pcl[..];
        while let Some((&n, tail)) = rest.split_first() {
            let n = usize::from(n);
            if tail.len() < n {
                return Err(format!("a PCL is truncated: {pcl:02x?}"));
            }
            xids.push(Xid::decode(&tail[..n]).map_err(|e| format!("a PCL: {e}"))?);
            rest = &tail[n..];
        }
        if xids
            .windows(2)
            .any(|w| w[0].namespace_guid.to_bytes() > w[1].namespace_guid.to_bytes())
        {
            return Err("a PCL is not sorted by NamespaceGuid".into());
        }
        let own = Xid::decode(&ck).map_err(|e| e.to_string())?;
        if !xids.contains(&own) {
            return Err(format!("the PCL of {sk:02x?} does not hold its ChangeKey"));
        }
        // The previous ChangeKey: the server's version the client had downloaded.
        let had = h.downloads.iter().rev().find_map(|d| {
            changes(h, d).ok()?.iter().find_map(|c| {
                match (
                    find_prop(c.header, tags::PID_TAG_SOURCE_KEY),
                    find_prop(c.header, tags::PID_TAG_CHANGE_KEY),
                ) {
                    (Some(PropValue::Binary(s)), Some(PropValue::Binary(k))) if *s == sk => {
                        Some(k.clone())
                    }
                    _ => None,
                }
            })
        });
        if let Some(prev) = had {
            let prev = Xid::decode(&prev).map_err(|e| e.to_string())?;
            if !xids
                .iter()
                .any(|x| x.namespace_guid == prev.namespace_guid && x.local_id() >= prev.local_id())
            {
                return Err(format!(
                    "the PCL of {sk:02x?} does not hold the previous ChangeKey"
                ));
            }
        }
    }
    Ok(())
}

async fn server_cn_namespace(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let s = h.server_messages("Sync").await?;
    let msg = s
        .iter()
        .find(|x| x.source_key == sk)
        .ok_or_else(|| format!("the server does not hold {m}"))?;
    let cn = msg.cn.ok_or("the server sent no PidTagChangeNumber")?;
    let id = ExchangeId::from_u64_le(cn);
    (id.replid == h.client.logon_info().replid)
        .then_some(())
        .ok_or_else(|| format!("the change number {id:?} is not in the mailbox's namespace"))
}

fn get_buffers(
    h: &Harness,
) -> Result<
    Vec<(
        RopRequest,
        ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse,
    )>,
    String,
> {
    let d = last(h)?;
    let mut out = Vec::new();
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        let (Some(q), Some(r)) = (x.request, x.response) else {
            continue;
        };
        for (q, r) in q.rops.into_iter().filter(|q| q.has_response()).zip(r.rops) {
            if let ics_wire::rop::RopResponse::FastTransferSourceGetBuffer(g) = r {
                out.push((q, g));
            }
        }
    }
    if out.is_empty() {
        return Err("no GetBuffer in the last download".into());
    }
    Ok(out)
}

async fn every_buffer_size(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.n(1)? as u16;
    for (q, _) in get_buffers(h_of(w)?)? {
        if let RopRequest::FastTransferSourceGetBuffer(g) = q
            && g.buffer_size != want
        {
            return Err(format!(
                "a GetBuffer used BufferSize {:#06x}",
                g.buffer_size
            ));
        }
    }
    Ok(())
}

async fn transfer_at_most(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.transfer_buffer.len() > n {
            return Err(format!(
                "a TransferBuffer holds {} bytes",
                g.transfer_buffer.len()
            ));
        }
    }
    Ok(())
}

async fn all_partial(w: &mut SuiteWorld, _: Args) -> Res {
    let gs: Vec<_> = get_buffers(h_of(w)?)?
        .into_iter()
        .filter(|(_, g)| g.return_value.to_u32() == 0)
        .collect();
    for (_, g) in &gs[..gs.len().saturating_sub(1)] {
        if g.transfer_status.0 != 0x0001 {
            return Err(format!(
                "a GetBuffer before the last has TransferStatus {:#06x}",
                g.transfer_status.0
            ));
        }
    }
    Ok(())
}

async fn last_done(w: &mut SuiteWorld, _: Args) -> Res {
    let gs = get_buffers(h_of(w)?)?;
    let (_, g) = gs.last().ok_or("no GetBuffer")?;
    (g.return_value.to_u32() == 0 && g.transfer_status.0 == 0x0003)
        .then_some(())
        .ok_or_else(|| {
            format!(
                "the last GetBuffer has TransferStatus {:#06x}",
                g.transfer_status.0
            )
        })
}

async fn reserved_zero(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.n(1)? as u8;
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.reserved != want {
            return Err(format!(
                "a GetBuffer response has Reserved {:#04x}",
                g.reserved
            ));
        }
    }
    Ok(())
}

async fn no_backoff_on_success(w: &mut SuiteWorld, _: Args) -> Res {
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.return_value.to_u32() == 0 && g.backoff_time.is_some() {
            return Err("a successful GetBuffer response carries a BackoffTime".into());
        }
    }
    Ok(())
}

fn all_props(h: &Harness) -> Result<Vec<ft::FtProp>, String> {
    let d = last(h)?;
    let mut out = Vec::new();
    for c in changes(h, d)? {
        out.extend(c.header.iter().cloned());
        out.extend(c.props.iter().map(|p| (*p).clone()));
    }
    Ok(out)
}

async fn no_error_code_type(w: &mut SuiteWorld, _: Args) -> Res {
    for p in all_props(h_of(w)?)? {
        if p.tag.0 & 0xFFFF == 0x000A {
            return Err(format!("a message change holds {:#010x}", p.tag.0));
        }
    }
    Ok(())
}

async fn string_types(w: &mut SuiteWorld, a: Args) -> Res {
    let allowed: &[u32] = match a.s(1) {
        "PtypString" => &[0x001F],
        "PtypString8" => &[0x001E],
        _ => &[0x001E, 0x001F],
    };
    let mut n = 0;
    for p in all_props(h_of(w)?)? {
        let ty = p.tag.0 & 0xFFFF;
        if ty == 0x001E || ty == 0x001F {
            n += 1;
            if !allowed.contains(&ty) {
                return Err(format!("{:#010x} has type {ty:#06x}", p.tag.0));
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no string property in the download".into())
}

pub(super) fn steps2() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client calls GetBuffer again on the (finished|failed) context$" => get_buffer_again,
        r"^the client configures a synchronization of type (\d+|0x[0-9A-Fa-f]+)$" => configure_type,
        r"^the download holds (an errorInfo for ([mf]\d+)|no errorInfo)$" => error_info,
        r"^the errorInfo's ExtendedErrorInfo has Version (\d+|0x[0-9A-Fa-f]+) and the MessageGID of ([mf]\d+)$" => extended_error_info,
        r"^the replica holds (\w+(?:, \w+)*) in (a local folder that is not synchronized|the synchronized folder)$" => replica_holds_in,
        r"^the client uploaded (an empty state|a non-empty ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))(?: for the hierarchy of folder ([A-Z]\w*))?$" => uploaded_state_kind,
        r"^every message change header's PidTagSourceKey is a 22-byte GID of the mailbox's REPLGUID$" => sk_gid,
        r"^every message change header's PidTagChangeKey is an XID whose LocalId is the message's change number$" => ck_is_cn,
        r"^every message change header's PidTagPredecessorChangeList holds its PidTagChangeKey$" => pcl_holds_ck,
        r"^([mf]\d+) has a MID different from every MID the client had$" => new_mid,
        r"^the client keeps (\d+) saved( contents)? states( for the folder)?$" => saved_states,
    ]
}

async fn get_buffer_again(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let obs = h.get_buffer_again().await?;
    h.last = Some(("GetBuffer".into(), obs));
    Ok(())
}

async fn configure_type(w: &mut SuiteWorld, a: Args) -> Res {
    let t = a.n(1)? as u8;
    let h = w.harness().await?;
    let obs = h.configure_raw_type(t).await?;
    h.last = Some(("configure".into(), obs));
    Ok(())
}

fn error_infos(h: &Harness) -> Result<Vec<&ft::ErrorInfo>, String> {
    let d = last(h)?;
    Ok(match &d.root {
        Some(ft::Root::ContentsSync(cs)) => cs
            .changes
            .iter()
            .filter_map(|i| match i {
                ft::ContentsSyncItem::Error(e) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn eei(e: &ft::ErrorInfo) -> Result<ics_client::adapt::ExtendedErrorInfo, String> {
    let b = e
        .extended_error_info()
        .ok_or("an errorInfo without ExtendedErrorInfo")?;
    ics_client::adapt::extended_error_info(b).map_err(|e| e.to_string())
}

async fn error_info(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let infos = error_infos(h)?;
    if !a.has(2) {
        // Also no errorInfo bytes in a failed stream: FXErrorInfo 0x40180003.
        let raw = last(h)?
            .bytes
            .windows(4)
            .any(|x| x == [0x03, 0x00, 0x18, 0x40]);
        return (infos.is_empty() && !raw)
            .then_some(())
            .ok_or_else(|| "the download holds an errorInfo".into());
    }
    let sk = h.message_key(a.s(2))?;
    for e in infos {
        if eei(e)?.message_gid.map(|g| g.to_vec()) == Some(sk.clone()) {
            return Ok(());
        }
    }
    Err(format!("no errorInfo names {}", a.s(2)))
}

async fn extended_error_info(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let sk = h.message_key(a.s(2))?;
    let want = a.n(1)? as u16;
    let e = error_infos(h)?.into_iter().next().ok_or("no errorInfo")?;
    let b = e.extended_error_info().ok_or("no ExtendedErrorInfo")?;
    let version = u16::from_le_bytes([*b.first().unwrap_or(&0xFF), *b.get(1).unwrap_or(&0xFF)]);
    let x = eei(e)?;
    (version == want && x.message_gid.map(|g| g.to_vec()) == Some(sk.clone()))
        .then_some(())
        .ok_or_else(|| {
            format!(
                "ExtendedErrorInfo Version {version}, MessageGID {:02x?}",
                x.message_gid
            )
        })
}

async fn replica_holds_in(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let r = h.client.replica();
    let msgs = if a.s(2) == "the synchronized folder" {
        r.messages_in_fid(h.sync_folder()?.to_u64_le())
    } else {
        r.unsynchronized_folder()
            .and_then(|f| r.messages_in_folder(f))
    }
    .map_err(|e| e.to_string())?;
    for n in parse::names(a.s(1)) {
        let sk = h.message_key(&n)?;
        if !msgs.iter().any(|m| m.source_key == sk) {
            return Err(format!("{n} is not in {}", a.s(2)));
        }
    }
    Ok(())
}

async fn uploaded_state_kind(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    // The configure of the named scope, then its state upload.
    let hierarchy = a.has(3);
    let reqs: Vec<RopRequest> = h
        .trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .collect();
    let start = reqs
        .iter()
        .rposition(|r| matches!(r, RopRequest::SynchronizationConfigure(c) if (c.synchronization_type.0 == 0x02) == hierarchy))
        .ok_or("no such configure")?;
    let mut sizes: Vec<(u32, u32)> = Vec::new();
    for r in &reqs[start + 1..] {
        match r {
            RopRequest::SynchronizationUploadStateStreamBegin(b) => {
                sizes.push((b.state_property.0, b.transfer_buffer_size))
            }
            RopRequest::SynchronizationConfigure(_) => break,
            _ => {}
        }
    }
    if sizes.is_empty() {
        return Err("no state upload after that configure".into());
    }
    if a.has(2) {
        let tag = parse::prop(a.s(2))?;
        return sizes
            .iter()
            .any(|(t, n)| *t == tag.0 && *n > 0)
            .then_some(())
            .ok_or_else(|| format!("no non-empty {} was uploaded: {sizes:x?}", a.s(2)));
    }
    sizes
        .iter()
        .all(|(_, n)| *n == 0)
        .then_some(())
        .ok_or_else(|| format!("the uploaded state was not empty: {sizes:x?}"))
}

async fn sk_gid(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    if cs.is_empty() {
        return Err("no message change".into());
    }
    for c in cs {
        match find_prop(c.header, tags::PID_TAG_SOURCE_KEY) {
            Some(PropValue::Binary(b)) if b.len() == 22 && b[..16] == h.replguid.0.to_bytes() => {}
            other => return Err(format!("a PidTagSourceKey is {other:02x?}")),
        }
    }
    Ok(())
}

async fn ck_is_cn(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let server = h.server_messages("Sync").await?;
    let d = last(h)?;
    let cs = changes(h, d)?;
    if cs.is_empty() {
        return Err("no message change".into());
    }
    for c in cs {
        let sk = match find_prop(c.header, tags::PID_TAG_SOURCE_KEY) {
            Some(PropValue::Binary(b)) => b.clone(),
            _ => return Err("no PidTagSourceKey".into()),
        };
        let ck = match find_prop(c.header, tags::PID_TAG_CHANGE_KEY) {
            Some(PropValue::Binary(b)) => Xid::decode(b).map_err(|e| e.to_string())?,
            _ => return Err("no PidTagChangeKey".into()),
        };
        let cn = server
            .iter()
            .find(|m| m.source_key == sk)
            .and_then(|m| m.cn)
            .ok_or("the server sent no change number")?;
        let g = ExchangeId::from_u64_le(cn).globcnt;
        if ck.namespace_guid != h.replguid.0 || ck.local_id() != g.to_bytes() {
            return Err(format!(
                "the ChangeKey {ck:?} is not the change number {g:?}"
            ));
        }
    }
    Ok(())
}

async fn pcl_holds_ck(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    if cs.is_empty() {
        return Err("no message change".into());
    }
    for c in cs {
        let (Some(PropValue::Binary(ck)), Some(PropValue::Binary(pcl))) = (
            find_prop(c.header, tags::PID_TAG_CHANGE_KEY),
            find_prop(c.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
        ) else {
            return Err("a header without ChangeKey or PCL".into());
        };
        let mut sized = vec![u8::try_from(ck.len()).map_err(|_| "a huge ChangeKey")?];
        sized.extend_from_slice(ck);
        if !pcl.windows(sized.len()).any(|x| x == sized.as_slice()) {
            return Err(format!(
                "the PCL of {:?} does not hold its ChangeKey",
                c.name
            ));
        }
    }
    Ok(())
}

async fn new_mid(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let m = h.message(a.s(1))?.mid;
    let n = h.downloads.len();
    for d in &h.downloads[..n.saturating_sub(1)] {
        for c in changes(h, d)? {
            if let Some(PropValue::Binary(sk)) = find_prop(c.header, tags::PID_TAG_SOURCE_KEY)
                && *sk == crate::driver::source_key(h.replguid, m.globcnt())
            {
                return Err(format!("the client already had {}", a.s(1)));
            }
        }
    }
    Ok(())
}

/// The states the replica keeps ([MS-OXCFXICS] 3.3.5.5: one per folder, synchronization type
/// and restriction), only contents ones with ` contents`, only those of the Sync folder with
/// ` for the folder`.
async fn saved_states(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let fid = h.sync_folder()?.to_u64_le();
    let n = h
        .client
        .replica()
        .saved_scopes()
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|s| !a.has(2) || s.sync_type == ics_client::model::SyncType::Contents)
        .filter(|s| !a.has(3) || s.folder_fid == fid)
        .count();
    let want = a.n(1)? as usize;
    (n == want)
        .then_some(())
        .ok_or_else(|| format!("the client keeps {n} saved states"))
}

pub(super) fn steps3() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every( normal)? message change holds, besides its header, only ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)$" => holds_only,
        r"^no message change holds, outside its header, a meta-property or a property in the range 0x6600-0x67FF$" => no_meta_outside_header,
        r"^every GetBuffer request with BufferSize (\d+|0x[0-9A-Fa-f]+) carried a MaximumBufferSize$" => max_buffer_size,
        r"^the InProgressCount of the GetBuffer responses never exceeds their TotalStepCount, or a warning is recorded$" => in_progress,
        r"^the client sent no (Rop\w+(?:, Rop\w+)*)( after the response with TransferStatus Done)?$" => sent_no,
        r"^the client called (Rop\w+) (?:(once)|(\d+) times)$" => called_times,
    ]
}

async fn holds_only(w: &mut SuiteWorld, a: Args) -> Res {
    let normal_only = a.has(1);
    let allowed: Vec<u16> = parse::props(a.s(2))?.iter().map(|t| t.id()).collect();
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    let cs: Vec<_> = cs.iter().filter(|c| !normal_only || !c.fai).collect();
    if cs.is_empty() {
        return Err("no such message change".into());
    }
    for c in cs {
        if let Some(p) = c.props.iter().find(|p| !allowed.contains(&p.tag.id())) {
            return Err(format!("{:?} also holds {:#010x}", c.name, p.tag.0));
        }
    }
    Ok(())
}

async fn no_meta_outside_header(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    for c in changes(h, last(h)?)? {
        for p in &c.props {
            let id = p.tag.id();
            if (0x4000..0x4100).contains(&id) || (0x6600..=0x67FF).contains(&id) {
                return Err(format!(
                    "{:?} holds {:#010x} outside its header",
                    c.name, p.tag.0
                ));
            }
        }
    }
    Ok(())
}

async fn max_buffer_size(w: &mut SuiteWorld, a: Args) -> Res {
    let size = a.n(1)? as u16;
    let mut n = 0;
    for (q, _) in get_buffers(h_of(w)?)? {
        if let RopRequest::FastTransferSourceGetBuffer(g) = q
            && g.buffer_size == size
        {
            n += 1;
            if g.maximum_buffer_size.is_none() {
                return Err("a GetBuffer with that BufferSize carried no MaximumBufferSize".into());
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no GetBuffer with that BufferSize".into())
}

async fn in_progress(w: &mut SuiteWorld, _: Args) -> Res {
    let bad = get_buffers(h_of(w)?)?
        .iter()
        .filter(|(_, g)| g.return_value.to_u32() == 0 && g.in_progress_count > g.total_step_count)
        .count();
    if bad > 0 {
        w.warn(format!(
            "{bad} GetBuffer responses had InProgressCount > TotalStepCount"
        ));
    }
    Ok(())
}

fn all_requests(h: &Harness) -> Vec<(RopRequest, Option<ics_wire::rop::RopResponse>)> {
    let mut out = Vec::new();
    for x in h.trace_from(0) {
        let Some(q) = x.request else { continue };
        let mut resps = x.response.map(|r| r.rops).unwrap_or_default().into_iter();
        for r in q.rops {
            let resp = if r.has_response() { resps.next() } else { None };
            out.push((r, resp));
        }
    }
    out
}

async fn sent_no(w: &mut SuiteWorld, a: Args) -> Res {
    let names: Vec<String> = a.s(1).split(", ").map(str::to_owned).collect();
    let h = h_of(w)?;
    let all = all_requests(h);
    let from = if a.has(2) {
        all.iter()
            .position(|(_, r)| matches!(r, Some(ics_wire::rop::RopResponse::FastTransferSourceGetBuffer(g)) if g.transfer_status.0 == 0x0003))
            .map(|i| i + 1)
            .ok_or("no response with TransferStatus Done")?
    } else {
        0
    };
    // After Done, the harness's own next action may configure a new context: only the
    // requests on the same context count, i.e. until the next configure.
    let until = if a.has(2) {
        all[from..]
            .iter()
            .position(|(q, _)| matches!(q, RopRequest::SynchronizationConfigure(_)))
            .map_or(all.len(), |i| from + i)
    } else {
        all.len()
    };
    for (q, _) in &all[from..until] {
        if names.iter().any(|n| n == q.name()) {
            return Err(format!("the client sent {}", q.name()));
        }
    }
    Ok(())
}

async fn called_times(w: &mut SuiteWorld, a: Args) -> Res {
    let want = if a.has(2) { 1 } else { a.n(3)? as usize };
    let h = h_of(w)?;
    let n = all_requests(h)
        .iter()
        .filter(|(q, _)| q.name() == a.s(1))
        .count();
    (n == want)
        .then_some(())
        .ok_or_else(|| format!("the client called {} {n} times", a.s(1)))
}

pub(super) fn steps4() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^no message change holds (recipients or attachments|attachments)$" => no_children,
        r"^the change for ([mf]\d+) holds ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)(, or a SHOULD-level warning is recorded)?$" => change_holds,
    ]
}

async fn no_children(w: &mut SuiteWorld, a: Args) -> Res {
    let recipients_too = a.s(1).starts_with("recipients");
    let h = h_of(w)?;
    for i in &last(h)?.contents()?.changes {
        let ft::ContentsSyncItem::Change { change, .. } = i else {
            continue;
        };
        let ch = match change {
            ft::MessageChange::Full(f) => &f.children,
            ft::MessageChange::Partial(p) => &p.children,
        };
        if !ch.attachments.is_empty() || ch.del_attachments {
            return Err("a message change holds attachments".into());
        }
        if recipients_too && (!ch.recipients.is_empty() || ch.del_recipients) {
            return Err("a message change holds recipients".into());
        }
    }
    Ok(())
}

async fn change_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let tags_ = parse::props(a.s(2))?;
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    let c = cs
        .iter()
        .find(|c| c.name.as_deref() == Some(a.s(1)))
        .ok_or_else(|| format!("no change for {}", a.s(1)))?;
    let missing: Vec<String> = tags_
        .iter()
        .filter(|t| {
            !c.props
                .iter()
                .copied()
                .chain(c.header.iter())
                .any(|p| p.tag.id() == t.id())
        })
        .map(|t| format!("{:#010x}", t.0))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let msg = format!("the change for {} lacks {}", a.s(1), missing.join(", "));
    if a.has(3) {
        w.warn(msg);
        Ok(())
    } else {
        Err(msg)
    }
}

pub(super) fn steps5() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client reserves (\d+|0x[0-9A-Fa-f]+) IDs with RopGetLocalReplicaIds$" => reserve,
        r"^the reserved range is the mailbox's REPLGUID with (\d+|0x[0-9A-Fa-f]+) GLOBCNTs from the returned GlobalCount$" => reserved_range,
        r"^the second reserved range starts after the end of the first$" => second_after_first,
        r"^the report records the answer to a reservation of (\d+|0x[0-9A-Fa-f]+) IDs$" => record_reservation,
    ]
}

/// One RopGetLocalReplicaIds on the client's connection.
async fn reserve_ids(h: &mut Harness, count: u32) -> Result<crate::driver::Reservation, String> {
    let logon = h.client.logon_info().logon;
    let r = ics_client::sync::ops::IcsOps::get_local_replica_ids(h.client.ops_mut(), logon, count)
        .await;
    if let Ok((g, first)) = r
        && count > 0
    {
        // The client owns what it reserved: its new objects take IDs from this range.
        h.client
            .replica_mut()
            .add_id_range(g, first, count)
            .map_err(|e| format!("the client cannot keep the reserved range: {e}"))?;
    }
    let res = match r {
        Ok((g, first)) => crate::driver::Reservation {
            count,
            observed: crate::driver::observed_of(&Ok(())),
            range: Some((g, first)),
        },
        Err(e) => crate::driver::Reservation {
            count,
            observed: crate::driver::observed_of(&Err(e)),
            range: None,
        },
    };
    h.last = Some(("RopGetLocalReplicaIds".into(), res.observed.clone()));
    h.reservations.push(res.clone());
    Ok(res)
}

async fn reserve(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as u32;
    reserve_ids(w.harness().await?, n).await.map(|_| ())
}

async fn reserved_range(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let h = w.harness().await?;
    let r = h.reservations.last().cloned().ok_or("no reservation")?;
    let (g, first) = r.range.ok_or("the reservation failed")?;
    if g != h.replguid {
        return Err(format!(
            "the range is of REPLGUID {}, not the mailbox's",
            g.0
        ));
    }
    if r.count as u64 != n {
        return Err(format!("{} IDs were asked", r.count));
    }
    // The server really set them aside: the next reservation starts after them.
    let next = reserve_ids(h, 1).await?;
    let (_, second) = next.range.ok_or("a reservation of 1 ID failed")?;
    (second.value() >= first.value() + n)
        .then_some(())
        .ok_or_else(|| format!("the next reservation starts at {second:?}, inside {first:?} + {n}"))
}

async fn second_after_first(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let n = h.reservations.len();
    if n < 2 {
        return Err("fewer than two reservations".into());
    }
    let (a, b) = (&h.reservations[n - 2], &h.reservations[n - 1]);
    let ((ga, fa), (gb, fb)) = (
        a.range.ok_or("the first failed")?,
        b.range.ok_or("the second failed")?,
    );
    (ga == gb && fb.value() >= fa.value() + u64::from(a.count))
        .then_some(())
        .ok_or_else(|| {
            format!(
                "the second range starts at {fb:?}, the first at {fa:?} + {}",
                a.count
            )
        })
}

async fn record_reservation(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let h = h_of(w)?;
    let r = h.reservations.last().ok_or("no reservation")?;
    let note = match r.range {
        Some((_, first)) => format!(
            "a reservation of {n:#x} IDs: success, GlobalCount {:#x}",
            first.value()
        ),
        None => format!("a reservation of {n:#x} IDs: {}", r.observed),
    };
    w.record(note);
    Ok(())
}

pub(super) fn steps6() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client uploads MetaTagIdsetGiven with the property tag (0x[0-9A-Fa-f]{8})$" => idset_given_tag,
        r"^the client adds an UploadStateStreamContinue with StreamDataSize 0 to each state property$" => zero_continue,
        r"^every state property was uploaded with Begin, several Continue and End$" => pieces,
        r"^no UploadStateStreamContinue had StreamDataSize 0$" => no_zero_continue,
        r"^no UploadStateStreamBegin was sent while another property upload was open$" => no_nested_begin,
        r"^the final state's MetaTagIdsetGiven has the property tag (0x[0-9A-Fa-f]{8}), or (0x[0-9A-Fa-f]{8}) with a warning$" => final_given_tag,
        r"^every final state property is an IDSET in REPLGUID form$" => final_replguid_form,
        r"^the client sends (UploadStateStreamContinue without Begin|UploadStateStreamEnd without Begin|UploadStateStreamBegin while another upload is open|UploadStateStreamBegin with the property tag (0x[0-9A-Fa-f]{8}))$" => state_probe,
    ]
}

async fn idset_given_tag(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = ics_wire::prop::PropTag(a.n(1)? as u32);
    w.harness().await?.params.idset_given_tag = tag;
    Ok(())
}

async fn zero_continue(w: &mut SuiteWorld, _: Args) -> Res {
    w.harness().await?.params.zero_continue = true;
    Ok(())
}

/// The state upload ROPs of the last download: per property, (tag, Continue sizes, ended).
fn state_uploads(h: &Harness) -> Result<Vec<(u32, Vec<usize>, bool)>, String> {
    let d = last(h)?;
    let mut out: Vec<(u32, Vec<usize>, bool)> = Vec::new();
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        for q in x.request.map(|r| r.rops).unwrap_or_default() {
            match q {
                RopRequest::SynchronizationUploadStateStreamBegin(b) => {
                    out.push((b.state_property.0, Vec::new(), false))
                }
                RopRequest::SynchronizationUploadStateStreamContinue(c) => {
                    if let Some(u) = out.last_mut() {
                        u.1.push(c.stream_data.len());
                    }
                }
                RopRequest::SynchronizationUploadStateStreamEnd(_) => {
                    if let Some(u) = out.last_mut() {
                        u.2 = true;
                    }
                }
                _ => {}
            }
        }
    }
    if out.is_empty() {
        return Err("no state upload in the last synchronization".into());
    }
    Ok(out)
}

async fn pieces(w: &mut SuiteWorld, _: Args) -> Res {
    for (tag, sizes, ended) in state_uploads(h_of(w)?)? {
        if sizes.len() < 2 || !ended {
            return Err(format!(
                "{tag:#010x} was uploaded with {} Continue, End {ended}",
                sizes.len()
            ));
        }
    }
    Ok(())
}

async fn no_zero_continue(w: &mut SuiteWorld, _: Args) -> Res {
    for (tag, sizes, _) in state_uploads(h_of(w)?)? {
        if sizes.contains(&0) {
            return Err(format!("{tag:#010x} had a Continue with StreamDataSize 0"));
        }
    }
    Ok(())
}

async fn no_nested_begin(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let mut open = false;
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        for q in x.request.map(|r| r.rops).unwrap_or_default() {
            match q {
                RopRequest::SynchronizationUploadStateStreamBegin(_) if open => {
                    return Err("a Begin was sent while another upload was open".into());
                }
                RopRequest::SynchronizationUploadStateStreamBegin(_) => open = true,
                RopRequest::SynchronizationUploadStateStreamEnd(_) => open = false,
                _ => {}
            }
        }
    }
    Ok(())
}

async fn final_given_tag(w: &mut SuiteWorld, a: Args) -> Res {
    let (want, warned) = (a.n(1)? as u32, a.n(2)? as u32);
    let h = h_of(w)?;
    let d = last(h)?;
    let props = &d.contents()?.state.props;
    let tag = props
        .iter()
        .find(|p| p.tag.id() == 0x4017)
        .map(|p| p.tag.0)
        .ok_or("the final state has no MetaTagIdsetGiven")?;
    if tag == want {
        Ok(())
    } else if tag == warned {
        w.warn(format!("MetaTagIdsetGiven came with the tag {tag:#010x}"));
        Ok(())
    } else {
        Err(format!("MetaTagIdsetGiven came with the tag {tag:#010x}"))
    }
}

async fn final_replguid_form(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    for p in &last(h)?.contents()?.state.props {
        let b = p
            .as_binary()
            .ok_or_else(|| format!("{:#010x} is not binary", p.tag.0))?;
        if !b.is_empty() {
            ics_wire::idset::ReplGuidSet::decode_replguid(b)
                .map_err(|e| format!("{:#010x} is not a REPLGUID-form IDSET: {e}", p.tag.0))?;
        }
    }
    Ok(())
}

async fn state_probe(w: &mut SuiteWorld, a: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let probe = a.s(1).to_owned();
    let h = w.harness().await?;
    let ctx = h.open_ctx.ok_or("no configured context is open")?;
    let ops = h.client.ops_mut();
    let given = ics_wire::state::META_TAG_IDSET_GIVEN;
    let r = if probe.starts_with("UploadStateStreamContinue") {
        ops.state_continue(ctx, &[0x01]).await
    } else if probe.starts_with("UploadStateStreamEnd") {
        ops.state_end(ctx).await
    } else if probe.contains("while another") {
        match ops.state_begin(ctx, given, 0).await {
            Ok(()) => {
                ops.state_begin(ctx, ics_wire::state::META_TAG_CNSET_SEEN, 0)
                    .await
            }
            Err(e) => Err(e),
        }
    } else {
        let tag = ics_wire::prop::PropTag(a.n(2)? as u32);
        ops.state_begin(ctx, tag, 0).await
    };
    h.last = Some((probe, crate::driver::observed_of(&r)));
    Ok(())
}

pub(super) fn steps7() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every ImportReadStateChanges entry carried a 22-byte source key and MarkAsRead 0x01 or 0x00$" => read_state_entries,
        r"^the client imports (a read-state change marking ([mf]\d+) as read|read-state changes marking ([mf]\d+) and a message unknown to the server as read)$" => import_read_probe,
        r"^fails and leaves ([mf]\d+) (read|unread) on the server$" => fails_and_leaves,
        r"^on the server, message ([mf]\d+) keeps its read state$" => keeps_read_state,
    ]
}

async fn read_state_entries(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let mut n = 0;
    for (q, _) in all_requests(h) {
        if let RopRequest::SynchronizationImportReadStateChanges(r) = q {
            for e in &r.message_read_states {
                n += 1;
                if e.message_id.len() != 22 || e.mark_as_read > 1 {
                    return Err(format!(
                        "an entry had a {}-byte source key and MarkAsRead {:#04x}",
                        e.message_id.len(),
                        e.mark_as_read
                    ));
                }
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no ImportReadStateChanges entry".into())
}

async fn import_read_probe(w: &mut SuiteWorld, a: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let m = if a.has(2) { a.s(2) } else { a.s(3) }.to_owned();
    let unknown = a.has(3);
    let h = w.harness().await?;
    h.release_open_context().await;
    let mut states = vec![(h.message_key(&m)?, true)];
    if unknown {
        // A GID of the mailbox's REPLGUID that no object has.
        let mut sk = h.message_key(&m)?;
        sk[16..].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]);
        states.push((sk, true));
    }
    let fid = h.sync_folder()?.to_u64_le();
    let ops = h.client.ops_mut();
    let folder = ops.open_folder(fid).await.map_err(|e| e.to_string())?;
    let coll = ops
        .open_collector(folder, true)
        .await
        .map_err(|e| e.to_string())?;
    let r = ops.import_read_states(coll, &states).await;
    let _ = ops.release(coll).await;
    let _ = ops.release(folder).await;
    h.last = Some((
        "RopSynchronizationImportReadStateChanges".into(),
        crate::driver::observed_of(&r),
    ));
    Ok(())
}

async fn server_is_read(h: &mut Harness, m: &str) -> Result<bool, String> {
    let sk = h.message_key(m)?;
    let s = h.server_messages("Sync").await?;
    let msg = s
        .iter()
        .find(|x| x.source_key == sk)
        .ok_or_else(|| format!("the server does not hold {m}"))?;
    Ok(
        matches!(find_prop(&msg.props, tags::PID_TAG_MESSAGE_FLAGS), Some(PropValue::I32(f)) if f & 1 != 0),
    )
}

async fn fails_and_leaves(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let want_read = a.s(2) == "read";
    let h = w.harness().await?;
    let failed = h
        .last
        .as_ref()
        .is_some_and(|(_, o)| o.return_value != Some(0));
    if !failed {
        return Err("the ROP did not fail".into());
    }
    (server_is_read(h, &m).await? == want_read)
        .then_some(())
        .ok_or_else(|| format!("{m} changed on the server"))
}

async fn keeps_read_state(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let before = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?
        .read;
    (server_is_read(h, &m).await? == before)
        .then_some(())
        .ok_or_else(|| format!("the read state of {m} changed on the server"))
}

pub(super) fn steps8() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client starts a contents synchronization with (an empty state|its saved state) and (reads one buffer|cancels after the first buffer)$" => start_partial,
        r"^the client calls GetTransferState( on the finished context)? and reads the state it returns$" => transfer_state,
        r"^the returned state (equals the initial state, or covers only the changes downloaded so far|equals the final state of the download)$" => returned_state,
        r"^the report records whether the target returns the initial state or a checkpoint$" => record_checkpoint,
    ]
}

async fn start_partial(w: &mut SuiteWorld, a: Args) -> Res {
    let mode = if a.s(1) == "an empty state" {
        StateMode::Empty
    } else {
        StateMode::Saved
    };
    let cancel = a.s(2).starts_with("cancels");
    let h = w.harness().await?;
    let scope = h.scope("Sync", false)?;
    let rec = h.start_download(&scope, mode, cancel).await?;
    h.downloads.push(rec);
    Ok(())
}

async fn transfer_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let st = h.read_transfer_state().await?;
    h.returned_state = Some(st);
    Ok(())
}

async fn returned_state(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let got = h.returned_state.as_ref().ok_or("no state was returned")?;
    let d = last(h)?;
    if a.s(1).starts_with("equals the final") {
        return (d.state()? == got)
            .then_some(())
            .ok_or_else(|| "the returned state differs from the final state".into());
    }
    let initial = super::state::blobs_state_pub(&d.initial_state)?;
    if *got == initial {
        return Ok(());
    }
    Err("the target returned a checkpoint; checking it against the part of the stream read so far is not written yet".into())
}

async fn record_checkpoint(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let got = h.returned_state.as_ref().ok_or("no state was returned")?;
    let initial = super::state::blobs_state_pub(&last(h)?.initial_state)?;
    let what = if *got == initial {
        "the initial state"
    } else {
        "a checkpoint"
    };
    w.record(format!(
        "GetTransferState during a download returned {what}"
    ));
    Ok(())
}
