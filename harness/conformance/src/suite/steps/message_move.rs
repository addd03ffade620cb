//! Local message moves in the client's replica, their upload with
//! RopSynchronizationImportMessageMove ([MS-OXCFXICS] 2.2.3.2.4.4, 3.3.5.8.9), a probe of that
//! ROP, and the collector the trace shows it was sent on.

use ics_client::sync::ops::IcsOps;
use ics_wire::rop::RopRequest;
use ics_wire::rop::import::SynchronizationImportMessageMoveRequest;
use ics_wire::{Fid, Gid, Mid};

use super::hierarchy_upload::{carried, now};
use super::{Args, Res, steps};
use crate::driver::{Harness, Named, return_value, source_key};
use crate::outcome::Observed;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client moves message ([mf]\d+) locally from folder ([A-Z]\w*) to folder ([A-Z]\w*)$" => local_move,
        r"^the ImportMessageMove was sent on the contents collector of folder ([A-Z]\w*) with five non-zero size fields$" => move_sent_on,
        r"^the client imports the move of ([mf]\d+) with the client's newer change number and PCL$" => import_newer_move,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

async fn local_move(w: &mut SuiteWorld, a: Args) -> Res {
    let (m, from, to) = (a.s(1).to_owned(), a.s(2).to_owned(), a.s(3).to_owned());
    let h = w.harness().await?;
    let named = h.message(&m)?;
    if named.folder != h.folder(&from)? {
        return Err(format!("{m} is not in folder {from}"));
    }
    h.client
        .ensure_ids()
        .await
        .map_err(|e| format!("reserving IDs: {e}"))?;
    let sk = h.message_key(&m)?;
    let dest = h.folder(&to)?;
    let new = h
        .client
        .replica_mut()
        .move_local_message(&sk, dest.to_u64_le(), now())
        .map_err(|e| format!("the client cannot move {m}: {e}"))?;
    let gid = Gid::decode(&new).map_err(|e| e.to_string())?;
    // From now on the name is the message in the destination; `{from}/{m}` stays the old ID.
    h.name_message(
        &to,
        &m,
        Named {
            folder: dest,
            mid: Mid::new(h.client.logon_info().replid, gid.globcnt),
            fai: named.fai,
        },
    );
    h.messages.insert(
        m.clone(),
        Named {
            folder: dest,
            mid: Mid::new(h.client.logon_info().replid, gid.globcnt),
            fai: named.fai,
        },
    );
    Ok(())
}

/// Follows the handles of the trace: which folder (FID) each collector handle was opened on,
/// and whether it is a contents collector.
async fn move_sent_on(w: &mut SuiteWorld, a: Args) -> Res {
    use std::collections::HashMap;
    let h = h_of(w)?;
    let want = h.folder(a.s(1))?;
    let from = h
        .uploads
        .first()
        .map(|u| u.trace.0)
        .ok_or("the client uploaded nothing")?;
    let mut folders: HashMap<u32, Fid> = HashMap::new();
    let mut collectors: HashMap<u32, (Fid, bool)> = HashMap::new();
    let mut moves = Vec::new();
    for (i, x) in h.trace_from(0).into_iter().enumerate() {
        let (Some(q), Some(resp)) = (&x.request, &x.response) else {
            continue;
        };
        let mut resps = resp.rops.iter();
        for req in &q.rops {
            let r = if matches!(req, RopRequest::Release(_)) {
                None
            } else {
                resps.next()
            };
            match req {
                RopRequest::OpenFolder(o) if r.and_then(return_value) == Some(0) => {
                    if let Some(hd) = resp.handles.get(o.output_handle_index as usize) {
                        folders.insert(*hd, o.folder_id);
                    }
                }
                RopRequest::SynchronizationOpenCollector(o)
                    if r.and_then(return_value) == Some(0) =>
                {
                    let folder = q
                        .handles
                        .get(o.input_handle_index as usize)
                        .and_then(|hd| folders.get(hd));
                    if let (Some(f), Some(hd)) =
                        (folder, resp.handles.get(o.output_handle_index as usize))
                    {
                        collectors.insert(*hd, (*f, o.is_contents_collector != 0));
                    }
                }
                RopRequest::SynchronizationImportMessageMove(m) if i >= from => {
                    let on = q
                        .handles
                        .get(m.input_handle_index as usize)
                        .and_then(|hd| collectors.get(hd))
                        .copied();
                    moves.push((on, m.clone()));
                }
                _ => {}
            }
        }
    }
    if moves.is_empty() {
        return Err("the uploads sent no ImportMessageMove".into());
    }
    for (on, m) in moves {
        match on {
            Some((f, true)) if f == want => {}
            other => {
                return Err(format!(
                    "an ImportMessageMove was sent on {other:?}, not the contents collector of {}",
                    a.s(1)
                ));
            }
        }
        let sizes = [
            m.source_folder_id.len(),
            m.source_message_id.len(),
            m.predecessor_change_list.len(),
            m.destination_message_id.len(),
            m.change_number.len(),
        ];
        if sizes.contains(&0) {
            return Err(format!("an ImportMessageMove had field sizes {sizes:?}"));
        }
    }
    Ok(())
}

/// RopSynchronizationImportMessageMove of the client's pending move of `m` (its PCL includes
/// a local change the server never saw) on a fresh contents collector of the destination,
/// recorded as the last ROP with the shape of its response.
async fn import_newer_move(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let named = h.message(&m)?;
    let dest = named.folder.to_u64_le();
    let sk = h.message_key(&m)?;
    let pending = h
        .client
        .replica()
        .pending_moves(dest)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.destination_key == sk)
        .ok_or_else(|| format!("the client has no pending move of {m}"))?;
    let source_folder = pending
        .source_folder_key
        .clone()
        .unwrap_or_else(|| source_key(h.replguid, Fid::from_u64_le(pending.source_fid).0.globcnt));
    let req = SynchronizationImportMessageMoveRequest {
        logon_id: 0,
        input_handle_index: 0,
        source_folder_id: source_folder,
        source_message_id: pending.source_key,
        predecessor_change_list: pending.pcl,
        destination_message_id: pending.destination_key,
        change_number: pending.change_key,
    };
    h.release_open_context().await;
    let ops = h.client.ops_mut();
    let folder = ops.open_folder(dest).await.map_err(|e| e.to_string())?;
    let r = async {
        let collector = ops
            .open_collector(folder, true)
            .await
            .map_err(|e| e.to_string())?;
        let r = ops
            .raw(
                vec![RopRequest::SynchronizationImportMessageMove(req)],
                vec![collector.0],
            )
            .await;
        let _ = ops.release(collector).await;
        r.map_err(|e| e.to_string())
    }
    .await;
    let _ = ops.release(folder).await;
    let (rops, _) = r?;
    let resp = rops.first().ok_or("ImportMessageMove: no response")?;
    let obs = Observed {
        return_value: return_value(resp),
        buffer_too_small: !resp.answers_request(),
        has_message_id: matches!(carried(resp), Some(Some(_))),
        ..Observed::default()
    };
    h.last = Some(("RopSynchronizationImportMessageMove".into(), obs));
    Ok(())
}
