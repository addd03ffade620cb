//! IDs of message change headers (GIDs, XIDs, PCLs, new MIDs), uploaded and saved states.

use ics_wire::ExchangeId;
use ics_wire::ids::Xid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::RopRequest;

use super::download::{changes, last};
use super::parse;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::find_prop;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the replica holds (\w+(?:, \w+)*) in (a local folder that is not synchronized|the synchronized folder)$" => replica_holds_in,
        r"^the client uploaded (an empty state|a non-empty ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))(?: for the hierarchy of folder ([A-Z]\w*))?$" => uploaded_state_kind,
        r"^every message change header's PidTagSourceKey is a 22-byte GID of the mailbox's REPLGUID$" => sk_gid,
        r"^every message change header's PidTagChangeKey is an XID whose LocalId is the message's change number$" => ck_is_cn,
        r"^every message change header's PidTagPredecessorChangeList holds its PidTagChangeKey$" => pcl_holds_ck,
        r"^([mf]\d+) has a MID different from every MID the client had$" => new_mid,
        r"^the client keeps (\d+) saved( contents)? states( for the folder)?$" => saved_states,
    ]
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
