//! Change numbers across downloads, restrictions, and server changes that race a download.

use ics_wire::ftstream as ft;
use ics_wire::ids::Xid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::{ExchangeId, GlobCnt};

use super::download::{changes, last};
use super::parse;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::{Harness, StateMode, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the change number of ([mf]\d+)(?: in the download)? is greater than (the one the client had|every change number in the previous final state)$" => cn_greater,
        r"^the synchronization uses a restriction ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) equals (\d+|0x[0-9A-Fa-f]+)$" => restriction,
        r"^the server modifies message ([mf]\d+) after the first GetBuffer of the next download$" => race,
        r"^the next synchronization with the saved state brings ([mf]\d+) unless it was already in this download$" => next_brings,
        r"^on the server, message ([mf]\d+) is (moved to another folder|copied into the same folder)$" => move_copy,
    ]
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
