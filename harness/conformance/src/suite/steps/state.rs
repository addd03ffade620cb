//! ICS state checks: the final state of the last download against the server's IDs and
//! change numbers (read back through ROPs), and the difference invariants of
//! [MS-OXCFXICS] 3.2.5.3.

use std::collections::BTreeSet;

use ics_client::model::StateBlobs;
use ics_wire::idset::{ReplGuidSet, ReplIdSet};
use ics_wire::prop::{PropValue, tags};
use ics_wire::state::{IcsState, StateProperty};
use ics_wire::{ExchangeId, Gid, GlobCnt, ReplGuid};

use super::download::{changes, last};
use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::invariants;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the (final|saved|upload) state's (IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead|MetaTag\w+) (holds|holds exactly|does not hold) (\w+(?:, \w+)*)$" => state_holds,
        r"^the (final|saved|upload) state's (IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead|MetaTag\w+) (covers|does not cover) the( new)? change numbers? of (\w+(?:, \w+)*)$" => state_covers,
        r"^the final state's (IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead|MetaTag\w+) equals the previous final state's (IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead|MetaTag\w+)$" => prop_equals_previous,
        r"^the final state equals the previous final state$" => equals_previous,
        r"^the final state satisfies the invariants of MS-OXCFXICS 3\.2\.5\.3$" => invariants_hold,
        r"^for every message change the header's ((?:PidTag|MetaTag)\w+) is in the final state's (IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead)$" => header_in_state,
        r"^the client kept its previous state$" => kept_state,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

fn decode(b: &[u8]) -> Result<ReplGuidSet, String> {
    if b.is_empty() {
        return Ok(ReplGuidSet::new());
    }
    ReplGuidSet::decode_replguid(b).map_err(|e| format!("a saved state: {e}"))
}

fn blobs_state(s: &StateBlobs) -> Result<IcsState, String> {
    let mut st = IcsState::new();
    st.idset_given = decode(&s.idset_given)?;
    st.cnset_seen = decode(&s.cnset_seen)?;
    st.cnset_seen_fai = decode(&s.cnset_seen_fai)?;
    st.cnset_read = decode(&s.cnset_read)?;
    Ok(st)
}

/// The state a phrase names.
fn which(h: &Harness, which: &str) -> Result<IcsState, String> {
    match which {
        "final" => Ok(last(h)?.state()?.clone()),
        "upload" => {
            let u = h.uploads.last().ok_or("no upload yet")?;
            blobs_state(u.state.as_ref().ok_or("the upload saved no state")?)
        }
        _ => {
            let d = last(h)?;
            let scope = d.scope.as_ref().ok_or("no scope")?;
            let s = h.client.replica().state(scope).map_err(|e| e.to_string())?;
            blobs_state(&s)
        }
    }
}

async fn state_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let st = which(h, a.s(1))?;
    let set = st.get(parse::state_prop(a.s(2))?);
    let names = parse::names(a.s(4));
    let mut want = BTreeSet::new();
    for n in &names {
        let id = match h.message(n) {
            Ok(m) => m.mid.0,
            Err(_) => h.folder(n)?.0,
        };
        want.insert(id.globcnt);
    }
    let contains = |g: GlobCnt| set.contains(h.replguid, g);
    match a.s(3) {
        "does not hold" => {
            if let Some(g) = want.iter().find(|g| contains(**g)) {
                return Err(format!("{} holds {g:?}", a.s(2)));
            }
        }
        how => {
            if let Some(n) = names.iter().zip(&want).find(|(_, g)| !contains(**g)) {
                return Err(format!("{} does not hold {}", a.s(2), n.0));
            }
            if how == "holds exactly" {
                if set.count() > 100_000 {
                    return Err(format!("{} holds {} IDs", a.s(2), set.count()));
                }
                let extra: Vec<_> = set
                    .iter()
                    .filter(|(r, g)| *r != h.replguid || !want.contains(g))
                    .collect();
                if !extra.is_empty() {
                    return Err(format!("{} also holds {extra:?}", a.s(2)));
                }
            }
        }
    }
    Ok(())
}

async fn state_covers(w: &mut SuiteWorld, a: Args) -> Res {
    let names = parse::names(a.s(5));
    let (prop, kind) = (a.s(2).to_owned(), a.s(3).to_owned());
    let st = which(h_of(w)?, a.s(1))?;
    let h = w.harness().await?;
    let set = st.get(parse::state_prop(&prop)?);
    for n in &names {
        let sk = h.message_key(n)?;
        let folder = h.folder_name_of(n)?;
        let server = h.server_messages(&folder).await?;
        let m = server
            .iter()
            .find(|m| m.source_key == sk)
            .ok_or_else(|| format!("the server folder does not hold {n}"))?;
        let cn =
            m.cn.ok_or("the server sent no PidTagChangeNumber with the CN flag")?;
        let g = ExchangeId::from_u64_le(cn).globcnt;
        let covered = set.contains(h.replguid, g);
        if covered != (kind == "covers") {
            return Err(format!(
                "{prop} {} the change number of {n}",
                if covered { "covers" } else { "does not cover" }
            ));
        }
    }
    Ok(())
}

fn previous_two(h: &Harness) -> Result<(&IcsState, &IcsState), String> {
    let n = h.downloads.len();
    if n < 2 {
        return Err("fewer than two downloads".into());
    }
    Ok((h.downloads[n - 2].state()?, h.downloads[n - 1].state()?))
}

async fn prop_equals_previous(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let (prev, cur) = previous_two(h)?;
    let (p1, p2) = (parse::state_prop(a.s(1))?, parse::state_prop(a.s(2))?);
    (cur.get(p1) == prev.get(p2))
        .then_some(())
        .ok_or_else(|| format!("{} differs from the previous {}", a.s(1), a.s(2)))
}

async fn equals_previous(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let (prev, cur) = previous_two(h)?;
    for p in [
        StateProperty::IdsetGiven,
        StateProperty::CnsetSeen,
        StateProperty::CnsetSeenFai,
        StateProperty::CnsetRead,
    ] {
        if prev.get(p) != cur.get(p) {
            return Err(format!("{p:?} differs from the previous final state"));
        }
    }
    Ok(())
}

type Id = (ReplGuid, GlobCnt);

/// The endpoints of every range of a set: with the downloaded IDs they form the finite
/// universe the invariants are checked over (collapsed CNSETs hold ranges of 2^47 values).
fn endpoints(set: &ReplGuidSet, out: &mut BTreeSet<Id>) {
    for (r, g) in set.replicas() {
        for (lo, hi) in g.ranges() {
            out.insert((*r, lo));
            out.insert((*r, hi));
        }
    }
}

/// A set projected onto the universe.
fn flat(set: &ReplGuidSet, universe: &BTreeSet<Id>) -> BTreeSet<Id> {
    universe
        .iter()
        .filter(|(r, g)| set.contains(*r, *g))
        .copied()
        .collect()
}

async fn invariants_hold(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let init = blobs_state(&d.initial_state)?;
    let fin = d.state()?;
    let mut universe = BTreeSet::new();
    for st in [&init, fin] {
        for p in [
            &st.idset_given,
            &st.cnset_seen,
            &st.cnset_seen_fai,
            &st.cnset_read,
        ] {
            endpoints(p, &mut universe);
        }
    }
    let cs = d.contents()?;
    let replid_ids = |b: Option<&[u8]>| -> Result<BTreeSet<(ReplGuid, GlobCnt)>, String> {
        let Some(b) = b else {
            return Ok(BTreeSet::new());
        };
        let s = ReplIdSet::decode_replid(b).map_err(|e| e.to_string())?;
        let info = h.client.logon_info();
        s.iter()
            .map(|(r, g)| {
                if r == info.replid {
                    Ok((info.replguid, g))
                } else {
                    Err(format!("unknown REPLID {r:?}"))
                }
            })
            .collect()
    };
    let mut dl = invariants::Download::default();
    for c in changes(h, d)? {
        let gid = match find_prop(c.header, tags::PID_TAG_SOURCE_KEY) {
            Some(PropValue::Binary(b)) => Gid::decode(b).map_err(|e| e.to_string())?,
            _ => return Err("a change without PidTagSourceKey".into()),
        };
        let cn = match find_prop(c.header, tags::PID_TAG_CHANGE_KEY) {
            Some(PropValue::Binary(b)) => ics_wire::ids::Xid::decode(b)
                .ok()
                .and_then(|x| x.to_gid())
                .filter(|g| g.replguid == h.replguid)
                .map(|g| (g.replguid, g.globcnt)),
            _ => None,
        };
        dl.changes.push(invariants::Change {
            id: (gid.replguid, gid.globcnt),
            cn,
            fai: c.fai,
            partial: c.partial,
        });
    }
    if let Some(del) = &cs.deletions {
        dl.deleted = replid_ids(del.idset_deleted())?;
        dl.no_longer_in_scope = replid_ids(del.idset_no_longer_in_scope())?;
        dl.expired = replid_ids(del.idset_expired())?;
    }
    if let Some(r) = &cs.read_state_changes {
        dl.read = replid_ids(r.idset_read())?;
        dl.unread = replid_ids(r.idset_unread())?;
    }
    for c in &dl.changes {
        universe.insert(c.id);
        universe.extend(c.cn);
    }
    for s in [
        &dl.deleted,
        &dl.no_longer_in_scope,
        &dl.expired,
        &dl.read,
        &dl.unread,
    ] {
        universe.extend(s.iter().copied());
    }
    let conv = |s: &IcsState| invariants::IcsState {
        idset_given: flat(&s.idset_given, &universe),
        cnset_seen: flat(&s.cnset_seen, &universe),
        cnset_seen_fai: flat(&s.cnset_seen_fai, &universe),
        cnset_read: flat(&s.cnset_read, &universe),
    };
    let v = invariants::check(&conv(&init), &dl, &conv(fin));
    if v.is_empty() {
        Ok(())
    } else {
        Err(v
            .iter()
            .map(|x| format!("{}: {}", x.requirement, x.message))
            .collect::<Vec<_>>()
            .join("; "))
    }
}

async fn header_in_state(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let p = parse::state_prop(a.s(2))?;
    let h = h_of(w)?;
    let d = last(h)?;
    let set = d.state()?.get(p);
    let cs = changes(h, d)?;
    if cs.is_empty() {
        return Err("the download holds no message change".into());
    }
    for c in cs {
        let v = match find_prop(c.header, tag) {
            Some(PropValue::I64(v)) => *v as u64,
            other => {
                return Err(format!(
                    "the header of {:?} has {} = {other:?}",
                    c.name,
                    a.s(1)
                ));
            }
        };
        let id = ExchangeId::from_u64_le(v);
        if !set.contains(h.replguid, id.globcnt) {
            return Err(format!(
                "{:?}: {} {id:?} is not in {}",
                c.name,
                a.s(1),
                a.s(2)
            ));
        }
    }
    Ok(())
}

async fn kept_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let scope = d.scope.as_ref().ok_or("no scope")?;
    let now = h.client.replica().state(scope).map_err(|e| e.to_string())?;
    match &h.state_before {
        Some(before) if *before == now => Ok(()),
        Some(_) => Err("the client's saved state changed".into()),
        None => Err("no saved state before the synchronization".into()),
    }
}

/// A saved state as sets (for the other step files).
pub(super) fn blobs_state_pub(s: &StateBlobs) -> Result<IcsState, String> {
    blobs_state(s)
}
