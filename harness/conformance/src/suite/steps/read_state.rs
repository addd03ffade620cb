//! Whether a state's CnsetRead covers a message's read change number, judged through ROPs
//! only. Read change numbers are never sent ([MS-OXCFXICS] 3.2.5.6, R-164), but the server
//! sends a read-state change for a message whose read change number CnsetRead does not cover
//! (3.2.5.3). So a contents download (ReadState) from the state shows no read-state change for
//! the message exactly when its CnsetRead covers the read change number; a control download
//! from the same state with an empty CnsetRead must show one, else the read change number is
//! not observable on this target and the step fails saying so.

use ics_client::model::{StateBlobs, SyncType};
use ics_client::sync::ops::Configure;
use ics_wire::Gid;
use ics_wire::ftstream as ft;
use ics_wire::prop::{PropValue, tags};
use ics_wire::state::IcsState;

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the (final|saved|upload) state's (?:MetaTag)?CnsetRead (covers|does not cover) the read change numbers? of (\w+(?:, \w+)*)$" => read_covers,
    ]
}

fn blobs(s: &IcsState) -> StateBlobs {
    StateBlobs {
        idset_given: s.idset_given.encode_replguid(),
        cnset_seen: s.cnset_seen.encode_replguid(),
        cnset_seen_fai: s.cnset_seen_fai.encode_replguid(),
        cnset_read: s.cnset_read.encode_replguid(),
    }
}

/// The state a phrase names, as the client would upload it.
fn named_state(h: &Harness, which: &str) -> Result<StateBlobs, String> {
    match which {
        "final" => Ok(blobs(h.downloads.last().ok_or("no download yet")?.state()?)),
        "upload" => h
            .uploads
            .last()
            .ok_or("no upload yet")?
            .state
            .clone()
            .ok_or_else(|| "the upload saved no state".into()),
        _ => {
            let scope = h.scope("Sync", false)?;
            h.client.replica().state(&scope).map_err(|e| e.to_string())
        }
    }
}

/// What a read-back download from a state says about one message.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// Listed in MetaTagIdsetRead or MetaTagIdsetUnread.
    ReadStateChange,
    /// Sent as a message change (its read state travels with it, R-166).
    MessageChange,
    Nothing,
}

fn seen(h: &Harness, cs: &ft::ContentsSync, sk: &[u8]) -> Result<Seen, String> {
    for item in &cs.changes {
        let ft::ContentsSyncItem::Change { change, .. } = item else {
            continue;
        };
        let header = match change {
            ft::MessageChange::Full(f) => &f.header,
            ft::MessageChange::Partial(p) => &p.header,
        };
        if matches!(find_prop(header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if b == sk)
        {
            return Ok(Seen::MessageChange);
        }
    }
    let Some(r) = &cs.read_state_changes else {
        return Ok(Seen::Nothing);
    };
    let info = h.client.logon_info();
    let map = ics_client::sync::ids::ReplicaMap::new(info.replid, info.replguid);
    for p in &r.props {
        let PropValue::Binary(b) = &p.value else {
            continue;
        };
        let keys = map
            .resolve(b)
            .map_err(|e| format!("a readStateChanges IDSET: {e}"))?;
        if keys.iter().any(|k| k == sk) {
            return Ok(Seen::ReadStateChange);
        }
    }
    Ok(Seen::Nothing)
}

async fn read_covers(w: &mut SuiteWorld, a: Args) -> Res {
    let covers = a.s(2) == "covers";
    let names = parse::names(a.s(3));
    let h = w.harness().await?;
    let state = named_state(h, a.s(1))?;
    // The client's contents flags with ReadState, so that read-state changes are sent.
    let scope = h.scope("Sync", false)?;
    let mut cfg: Configure = h.configure_request(&scope);
    cfg.sync_type = SyncType::Contents;
    cfg.sync_flags |= 0x0008 | 0x0020 | 0x0010;
    cfg.sync_flags &= !0x0080; // no OnlySpecifiedProperties: whole changes are fine here
    cfg.property_tags.clear();
    let probe = h.read_back_from_state("Sync", &cfg, &state).await?;
    let control_state = StateBlobs {
        cnset_read: Vec::new(),
        ..state.clone()
    };
    let control = h.read_back_from_state("Sync", &cfg, &control_state).await?;
    for n in &names {
        let m = h.message(n)?;
        let sk = Gid {
            replguid: h.replguid,
            globcnt: m.mid.globcnt(),
        }
        .to_bytes()
        .to_vec();
        let here = seen(h, &probe, &sk)?;
        if here == Seen::MessageChange {
            return Err(format!(
                "{n} came as a message change from that state: its read change number cannot be judged"
            ));
        }
        let covered = here == Seen::Nothing;
        if covered && seen(h, &control, &sk)? != Seen::ReadStateChange {
            return Err(format!(
                "even from an empty CnsetRead the target sends no read-state change for {n}: its read change number is not observable"
            ));
        }
        if covered != covers {
            return Err(format!(
                "CnsetRead {} the read change number of {n} (the download from that state {} a read-state change for it)",
                if covered { "covers" } else { "does not cover" },
                if covered { "holds no" } else { "holds" },
            ));
        }
    }
    Ok(())
}
