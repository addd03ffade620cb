//! Folder trees and hierarchy synchronization.

use ics_wire::ftstream as ft;
use ics_wire::prop::{PropValue, tags};
use ics_wire::{ExchangeId, Gid};

use super::download::last;
use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop, source_key};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^a folder tree:$" => folder_tree,
        r#"^on the server, folder ([A-Z]\w*) is (?:created under ([A-Z]\w*|root)|renamed to "([^"]*)"|(hard deleted))$"# => server_folder,
        r"^every folder change comes after the change of its parent$" => parents_first,
        r"^the replica's folder tree equals the server's$" => tree_equals,
        r"^the folder changes of ([A-Z]\w*) and ([A-Z]\w*) have a zero-length PidTagParentSourceKey$" => zero_parent,
        r"^the final state holds only ((?:MetaTag\w+)(?:, MetaTag\w+)*)$" => state_holds_only,
        r"^the download holds no folder change for ([A-Z]\w*) besides PidTagLocalCommitTimeMax and PidTagDeletedCountTotal updates$" => no_folder_change_besides,
        r"^every folder change's PidTagSourceKey is the GID of its PidTagFolderId$" => sk_is_gid_of_fid,
        r#"^the replica's folder ([A-Z]\w*) is named "([^"]*)"$"# => replica_folder_named,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

async fn folder_tree(w: &mut SuiteWorld, a: Args) -> Res {
    let rows = a.table.clone();
    let h = w.harness().await?;
    let header = rows.first().ok_or("the folder tree has no header")?;
    let col = |n: &str| {
        header
            .iter()
            .position(|c| c.trim() == n)
            .ok_or(format!("no column {n}"))
    };
    let (cf, cp, cm) = (col("folder")?, col("parent")?, col("messages")?);
    for r in rows.iter().skip(1) {
        let (f, p) = (r[cf].trim(), r[cp].trim());
        h.create_folder(p, f)?;
        for _ in 0..parse::number(r[cm].trim())? {
            h.create_message(f, false, &[])?;
        }
    }
    Ok(())
}

async fn server_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let f = a.s(1).to_owned();
    let h = w.harness().await?;
    if a.has(2) {
        h.create_folder(a.s(2), &f).map(|_| ())
    } else if a.has(3) {
        h.rename_folder(&f, a.s(3))
    } else {
        h.hard_delete_folder(&f)
    }
}

fn bin(p: &[ft::FtProp], t: ics_wire::prop::PropTag) -> Option<Vec<u8>> {
    match find_prop(p, t) {
        Some(PropValue::Binary(b)) => Some(b.clone()),
        _ => None,
    }
}

async fn parents_first(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let hs = last(h)?.hierarchy()?;
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let all: Vec<Vec<u8>> = hs
        .folder_changes
        .iter()
        .filter_map(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY))
        .collect();
    for c in &hs.folder_changes {
        let parent = bin(&c.props, tags::PID_TAG_PARENT_SOURCE_KEY).unwrap_or_default();
        if all.contains(&parent) && !seen.contains(&parent) {
            return Err("a folder change comes before the change of its parent".into());
        }
        seen.extend(bin(&c.props, tags::PID_TAG_SOURCE_KEY));
    }
    Ok(())
}

async fn tree_equals(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let d = last(h)?;
    let root_fid = d.scope.as_ref().ok_or("no scope")?.folder_fid;
    let root_name = h
        .folders
        .iter()
        .find(|(_, f)| f.to_u64_le() == root_fid)
        .map(|(n, _)| n.clone())
        .ok_or("unknown scope folder")?;
    let mut server: Vec<(Vec<u8>, Vec<u8>, String)> = h.server_folders(&root_name).await?;
    let rep = h.client.replica();
    let rows = match rep.folder_by_fid(root_fid).map_err(|e| e.to_string())? {
        Some(root) => rep.subfolders(root.id).map_err(|e| e.to_string())?,
        None => return Err("the replica does not hold the synchronized folder".into()),
    };
    let root_id = rep.folder_by_fid(root_fid).ok().flatten().map(|r| r.id);
    let mut local: Vec<(Vec<u8>, Vec<u8>, String)> = rows
        .iter()
        .map(|r| {
            let parent = if r.parent_id == root_id {
                Vec::new()
            } else {
                rows.iter()
                    .find(|p| Some(p.id) == r.parent_id)
                    .and_then(|p| p.source_key.clone())
                    .unwrap_or_default()
            };
            (
                r.source_key.clone().unwrap_or_default(),
                parent,
                r.display_name.clone(),
            )
        })
        .collect();
    server.sort();
    local.sort();
    (server == local).then_some(()).ok_or_else(|| {
        let names =
            |v: &[(Vec<u8>, Vec<u8>, String)]| v.iter().map(|x| x.2.clone()).collect::<Vec<_>>();
        format!(
            "the replica's tree {:?} differs from the server's {:?}",
            names(&local),
            names(&server)
        )
    })
}

async fn zero_parent(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let hs = last(h)?.hierarchy()?;
    for f in [a.s(1), a.s(2)] {
        let sk = source_key(h.replguid, h.folder(f)?.0.globcnt);
        let c = hs
            .folder_changes
            .iter()
            .find(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY).as_deref() == Some(&sk[..]))
            .ok_or_else(|| format!("no folder change for {f}"))?;
        match bin(&c.props, tags::PID_TAG_PARENT_SOURCE_KEY) {
            Some(b) if b.is_empty() => {}
            other => return Err(format!("{f}: PidTagParentSourceKey {other:02x?}")),
        }
    }
    Ok(())
}

async fn state_holds_only(w: &mut SuiteWorld, a: Args) -> Res {
    let want: Vec<u16> = parse::props(a.s(1))?.iter().map(|t| t.id()).collect();
    let h = h_of(w)?;
    let d = last(h)?;
    let props = match &d.root {
        Some(ft::Root::ContentsSync(cs)) => &cs.state.props,
        Some(ft::Root::HierarchySync(hs)) => &hs.state.props,
        _ => return Err("no state element".into()),
    };
    let mut got: Vec<u16> = props.iter().map(|p| p.tag.id()).collect();
    let mut w2 = want.clone();
    got.sort_unstable();
    w2.sort_unstable();
    (got == w2)
        .then_some(())
        .ok_or_else(|| format!("the final state holds {got:04x?}, expected {w2:04x?}"))
}

async fn no_folder_change_besides(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let hs = last(h)?.hierarchy()?;
    let sk = source_key(h.replguid, h.folder(a.s(1))?.0.globcnt);
    let prev = h
        .downloads
        .iter()
        .rev()
        .nth(1)
        .and_then(|d| d.hierarchy().ok())
        .and_then(|p| {
            p.folder_changes
                .iter()
                .find(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY).as_deref() == Some(&sk[..]))
                .cloned()
        });
    let Some(c) = hs
        .folder_changes
        .iter()
        .find(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY).as_deref() == Some(&sk[..]))
    else {
        return Ok(());
    };
    let prev = prev.ok_or("a folder change, and no earlier one to compare with")?;
    let allowed = [0x670A_u16, 0x670B, 0x65E2, 0x65E3, 0x3008, 0x6748, 0x6749];
    let differs: Vec<String> = c
        .props
        .iter()
        .filter(|p| !allowed.contains(&p.tag.id()))
        .filter(|p| {
            !prev
                .props
                .iter()
                .any(|q| q.tag == p.tag && q.value == p.value)
        })
        .map(|p| format!("{:#010x}", p.tag.0))
        .collect();
    differs
        .is_empty()
        .then_some(())
        .ok_or_else(|| format!("the folder change for {} changes {differs:?}", a.s(1)))
}

async fn sk_is_gid_of_fid(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let hs = last(h)?.hierarchy()?;
    if hs.folder_changes.is_empty() {
        return Err("no folder change".into());
    }
    for c in &hs.folder_changes {
        let fid = match find_prop(&c.props, tags::PID_TAG_FOLDER_ID) {
            Some(PropValue::I64(v)) => ExchangeId::from_u64_le(*v as u64),
            other => return Err(format!("a folder change has PidTagFolderId {other:?}")),
        };
        let sk = bin(&c.props, tags::PID_TAG_SOURCE_KEY).ok_or("no PidTagSourceKey")?;
        let gid = Gid::decode(&sk).map_err(|e| e.to_string())?;
        let info = h.client.logon_info();
        if fid.replid != info.replid || gid.replguid != info.replguid || gid.globcnt != fid.globcnt
        {
            return Err(format!(
                "PidTagSourceKey {sk:02x?} is not the GID of FID {fid:?}"
            ));
        }
    }
    Ok(())
}

async fn replica_folder_named(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let fid = h.folder(a.s(1))?;
    // Without Eid the replica knows a downloaded folder by its source key only.
    let r = h.client.replica();
    let row = match r
        .folder_by_source_key(&source_key(h.replguid, fid.0.globcnt))
        .map_err(|e| e.to_string())?
    {
        Some(row) => Some(row),
        None => r
            .folder_by_fid(fid.to_u64_le())
            .map_err(|e| e.to_string())?,
    }
    .ok_or_else(|| format!("the replica has no folder {}", a.s(1)))?;
    (row.display_name == a.s(2))
        .then_some(())
        .ok_or_else(|| format!("the replica's folder is named {:?}", row.display_name))
}
