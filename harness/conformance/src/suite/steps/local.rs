//! Local changes in the client's replica, their upload through the client engine, and the
//! server folder read back through ROPs.

use ics_client::model::{Prop, PropKey};
use ics_wire::prop::{PropValue, tags};
use ics_wire::{Gid, Mid};

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, Named, StateMode, find_prop};
use crate::world::SuiteWorld;

/// PidTagMessageFlags mfRead.
const MSGFLAG_READ: i32 = 0x0001;
/// One second in FILETIME units.
const SECOND: u64 = 10_000_000;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client (modifies|deletes|hard deletes) message ([mf]\d+) locally(, later than the server change)?( with the same last modification time as the server change)?$" => local_message,
        r"^the client marks message ([mf]\d+) as (read|unread) locally$" => local_read,
        r"^the client deletes property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) of message ([mf]\d+) locally$" => local_delete_property,
        r"^the client creates (\d+) (FAI )?messages? locally( with an ID from the reserved range)?$" => local_create,
        r"^the client (?:uploads|has uploaded) its local changes(?: of folder ([A-Z]\w*))?$" => upload,
        r"^the client runs a full synchronization of the folder$" => full_sync,
        r"^the server folder(?: ([A-Z]\w*))? (holds|holds exactly|does not hold) (\w+(?:, \w+)*)$" => server_folder_holds,
        r"^on the server, messages? (\w+(?:, \w+)*) (?:is|are) (read|unread)$" => server_read,
        r"^on the server, message ([mf]\d+) (is the client's version|is the server's version|has no property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})|has a new change number)$" => server_version,
        r"^message ([mf]\d+) in the replica is (read|unread|the server's version)$" => replica_message_is,
        r"^the replica holds the local version of ([mf]\d+) in a conflicts folder$" => conflict_kept,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

/// The current time as FILETIME.
fn now() -> u64 {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (unix + 11_644_473_600) * SECOND
}

pub(super) fn local_subject(m: &str) -> String {
    format!("local change of {m}")
}

async fn server_message_of(
    h: &mut Harness,
    m: &str,
) -> Result<Option<crate::driver::ServerMessage>, String> {
    let sk = h.message_key(m)?;
    let folder = folder_name(h, m)?;
    Ok(h.server_messages(&folder)
        .await?
        .into_iter()
        .find(|x| x.source_key == sk))
}

fn folder_name(h: &Harness, m: &str) -> Result<String, String> {
    let f = h.message(m)?.folder;
    h.folders
        .iter()
        .find(|(_, x)| **x == f)
        .map(|(n, _)| n.clone())
        .ok_or_else(|| format!("the folder of {m} is unknown"))
}

async fn local_message(w: &mut SuiteWorld, a: Args) -> Res {
    let (what, m) = (a.s(1).to_owned(), a.s(2).to_owned());
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let time = if a.has(3) || a.has(4) {
        let s = server_message_of(h, &m)
            .await?
            .ok_or("the server no longer holds it")?;
        if a.has(4) {
            s.last_modified
        } else {
            s.last_modified.max(now()) + SECOND
        }
    } else {
        now()
    };
    let r = h.client.replica_mut();
    match what.as_str() {
        "modifies" => r.modify_local_message(
            &sk,
            &[Prop::tagged(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode(&local_subject(&m)),
            )],
            &[],
            time,
        ),
        "deletes" => r.delete_local_message(&sk),
        _ => {
            h.client.options_mut().hard_delete = true;
            h.client.replica_mut().delete_local_message(&sk)
        }
    }
    .map_err(|e| format!("the client cannot change {m}: {e}"))
}

async fn local_read(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    h.client
        .replica_mut()
        .set_read_local(&sk, a.s(2) == "read")
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn local_delete_property(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let m = a.s(2).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    h.client
        .replica_mut()
        .modify_local_message(&sk, &[], &[PropKey::of_tag(tag)], now())
        .map_err(|e| e.to_string())
}

async fn local_create(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let fai = a.has(2);
    let h = w.harness().await?;
    h.client
        .ensure_ids_for(n)
        .await
        .map_err(|e| format!("reserving IDs: {e}"))?;
    let fid = h.sync_folder()?;
    for _ in 0..n {
        let name = h.next_name(fid, fai);
        let props = vec![
            Prop::tagged(tags::PID_TAG_MESSAGE_CLASS, PropValue::unicode("IPM.Note")),
            Prop::tagged(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode(&local_subject(&name)),
            ),
            Prop::tagged(
                tags::PID_TAG_BODY,
                PropValue::unicode(&format!("body of {name}")),
            ),
        ];
        let sk = h
            .client
            .replica_mut()
            .create_local_message(fid.to_u64_le(), fai, &props, now())
            .map_err(|e| format!("creating {name} locally: {e}"))?;
        let gid = Gid::decode(&sk).map_err(|e| e.to_string())?;
        let replid = h.client.logon_info().replid;
        h.name_message(
            "Sync",
            &name,
            Named {
                folder: fid,
                mid: Mid::new(replid, gid.globcnt),
                fai,
            },
        );
    }
    Ok(())
}

async fn upload(w: &mut SuiteWorld, a: Args) -> Res {
    let folder = if a.has(1) {
        a.s(1).to_owned()
    } else {
        "Sync".into()
    };
    let h = w.harness().await?;
    let rec = h.upload(&folder).await;
    match rec.error {
        Some(e) => Err(format!("the upload failed: {e}")),
        None => Ok(()),
    }
}

async fn full_sync(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let rec = h.upload("Sync").await;
    if let Some(e) = rec.error {
        return Err(format!("the upload failed: {e}"));
    }
    let scope = h.scope("Sync", false)?;
    let d = h.synchronize(&scope, StateMode::Saved).await;
    let e = d.error.clone();
    h.downloads.push(d);
    e.map_or(Ok(()), |e| Err(format!("the download failed: {e}")))
}

async fn server_folder_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let folder = if a.has(1) {
        a.s(1).to_owned()
    } else {
        "Sync".into()
    };
    let names = parse::names(a.s(3));
    let how = a.s(2).to_owned();
    let h = w.harness().await?;
    let server = h.server_messages(&folder).await?;
    let mut want = Vec::new();
    for n in &names {
        let key = format!("{folder}/{n}");
        let sk = match h.messages.get(&key) {
            Some(m) => crate::driver::source_key(h.replguid, m.mid.globcnt()),
            None => h.message_key(n)?,
        };
        want.push(sk);
    }
    let has = |sk: &Vec<u8>| server.iter().any(|m| m.source_key == *sk);
    match how.as_str() {
        "does not hold" => {
            if let Some((n, _)) = names.iter().zip(&want).find(|(_, k)| has(k)) {
                return Err(format!("the server folder holds {n}"));
            }
        }
        _ => {
            if let Some((n, _)) = names.iter().zip(&want).find(|(_, k)| !has(k)) {
                return Err(format!("the server folder does not hold {n}"));
            }
            if how == "holds exactly" && server.len() != want.len() {
                return Err(format!("the server folder holds {} messages", server.len()));
            }
        }
    }
    Ok(())
}

fn read_of(props: &[ics_wire::ftstream::FtProp]) -> bool {
    matches!(find_prop(props, tags::PID_TAG_MESSAGE_FLAGS), Some(PropValue::I32(f)) if f & MSGFLAG_READ != 0)
}

async fn server_read(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.s(2) == "read";
    let names = parse::names(a.s(1));
    let h = w.harness().await?;
    for n in names {
        let m = server_message_of(h, &n)
            .await?
            .ok_or_else(|| format!("the server does not hold {n}"))?;
        if read_of(&m.props) != want {
            return Err(format!(
                "on the server, {n} is {}",
                if want { "unread" } else { "read" }
            ));
        }
    }
    Ok(())
}

async fn server_version(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let what = a.s(2).to_owned();
    let h = w.harness().await?;
    let s = server_message_of(h, &m)
        .await?
        .ok_or_else(|| format!("the server does not hold {m}"))?;
    let subject = match find_prop(&s.props, tags::PID_TAG_SUBJECT) {
        Some(PropValue::Unicode(u)) => u.to_string_lossy(),
        other => format!("{other:?}"),
    };
    if what == "is the client's version" {
        return (subject == local_subject(&m))
            .then_some(())
            .ok_or_else(|| format!("on the server, {m} has the subject {subject:?}"));
    }
    if what == "is the server's version" {
        return (subject != local_subject(&m))
            .then_some(())
            .ok_or_else(|| format!("on the server, {m} is the client's version"));
    }
    if what == "has a new change number" {
        let before = h.downloads.iter().rev().find_map(|d| {
            super::download::changes(h, d)
                .ok()?
                .iter()
                .find(|c| c.name.as_deref() == Some(&m))
                .and_then(|c| match find_prop(c.header, tags::PID_TAG_CHANGE_KEY) {
                    Some(PropValue::Binary(b)) => Some(b.clone()),
                    _ => None,
                })
        });
        let now = s.cn;
        return match (before, now) {
            (_, None) => Err("the server sent no change number".into()),
            _ => Ok(()),
        };
    }
    let tag = parse::prop(a.s(3))?;
    match find_prop(&s.props, tag) {
        None => Ok(()),
        Some(v) => Err(format!("on the server, {m} has {} = {v:?}", a.s(3))),
    }
}

async fn replica_message_is(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let what = a.s(2).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let row = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    match what.as_str() {
        "read" | "unread" => (row.read == (what == "read")).then_some(()).ok_or_else(|| {
            format!(
                "{m} in the replica is {}",
                if row.read { "read" } else { "unread" }
            )
        }),
        _ => {
            let subject = row
                .props
                .iter()
                .find(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT));
            match subject.map(|p| &p.value) {
                Some(PropValue::Unicode(u)) if u.to_string_lossy() == local_subject(&m) => {
                    Err(format!("{m} in the replica is the client's version"))
                }
                _ => Ok(()),
            }
        }
    }
}

async fn conflict_kept(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = h_of(w)?;
    let r = h.client.replica();
    let folder = r.conflicts_folder().map_err(|e| e.to_string())?;
    let msgs = r.messages_in_folder(folder).map_err(|e| e.to_string())?;
    let want = PropValue::unicode(&local_subject(&m));
    msgs.iter()
        .any(|x| {
            x.props
                .iter()
                .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT) && p.value == want)
        })
        .then_some(())
        .ok_or_else(|| {
            format!(
                "no local version of {m} in the conflicts folder ({} messages)",
                msgs.len()
            )
        })
}
