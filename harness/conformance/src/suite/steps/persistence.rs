//! The client's life cycle (restart from its database, crash while applying a download, a
//! copy of its replica restored later, a lost connection), back-in-time detection, and an
//! upload collector left open around RopSynchronizationGetTransferState
//! ([MS-OXCSYNC] 3.1.5.3.9, 3.1.3.1.1.1, 3.1.7.1; [MS-OXCFXICS] 3.3.5.3, 3.2.5.9.3.1).

use std::collections::BTreeMap;

use ics_client::model::Prop;
use ics_client::sync::ops::{
    BufferSize, GetBufferReply, IcsOps, ImportHeader, ImportOutcome, TransferStatus,
};
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::ids::Xid;
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::state::IcsState;
use ics_wire::{ExchangeId, Gid};

use super::{Args, Res, steps};
use crate::driver::{Harness, StateMode};
use crate::lifecycle::Refusal;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client (keeps a copy of its replica|restores the copy of its replica|is restarted from its database|crashes after applying half of the next download)$" => life_cycle,
        r"^the client abandoned the replica because (the server|it) went back in time$" => abandoned,
        r"^no reserved ID was used twice$" => no_id_used_twice,
        r"^no message was applied twice$" => none_applied_twice,
        r"^the connection is lost after (\d+) bytes of the next download$" => connection_lost,
        r"^the client opens a contents collector, uploads its state and imports its local changes$" => open_collector,
        r"^the client calls GetTransferState and keeps the returned context$" => keep_transfer_state,
        r"^the client imports one more local change on the collector$" => one_more_import,
        r"^the client reads the state from the kept context$" => read_kept,
        r"^the state read does not cover the last imported change$" => state_read_not_covering,
        r"^the client checkpoints its state from the message headers every (\d+) messages$" => checkpoint_every,
        r"^the client starts a contents synchronization with (an empty state|its saved state) and cancels after (\d+) messages$" => cancel_after_messages,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

async fn life_cycle(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    match a.s(1) {
        "keeps a copy of its replica" => {
            // Back-in-time detection from now on: the counter is set up (or checked and
            // advanced) before the copy, as a session of the client would.
            h.life.sessions_in = Some(h.sync_folder()?);
            h.start_session().await?;
            let copy = h.life.new_file("copy")?;
            h.client
                .replica()
                .copy_to(&copy)
                .map_err(|e| format!("copying the replica: {e}"))?;
            h.life.copy = Some(copy);
            Ok(())
        }
        "restores the copy of its replica" => {
            let copy = h
                .life
                .copy
                .clone()
                .ok_or("no copy of the replica was kept")?;
            h.restart_client(copy).await
        }
        "is restarted from its database" => {
            let db = h.life.db.clone();
            h.restart_client(db).await
        }
        _ => {
            // The next download of the last synchronized scope, stopped by the replica's
            // fault hook between two writes once half of its changes are applied.
            let scope = h
                .downloads
                .last()
                .and_then(|d| d.scope.clone())
                .ok_or("no synchronization yet")?;
            h.life.crash_next = true;
            let rec = h.synchronize(&scope, StateMode::Saved).await;
            h.life.crash_next = false;
            let error = rec.error.clone();
            h.downloads.push(rec);
            match error {
                Some(e) if h.life.crashed && e.contains("injected crash") => Ok(()),
                Some(e) => Err(format!("the download failed before the crash point: {e}")),
                None => {
                    Err("the download was applied whole: it did not reach the crash point".into())
                }
            }
        }
    }
}

async fn abandoned(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let refusal = h
        .life
        .refusal
        .as_ref()
        .ok_or("the client did not refuse to synchronize")?;
    let Refusal::BackInTime { local, server } = refusal else {
        return Err(format!("the client refused for another reason: {refusal}"));
    };
    let replica_went_back = matches!(server, Some(s) if s > local);
    if (a.s(1) == "it") != replica_went_back {
        return Err(format!("the wrong side went back in time: {refusal}"));
    }
    match h.client.replica().abandoned().map_err(|e| e.to_string())? {
        Some(_) => Ok(()),
        None => Err(format!(
            "the client detected it ({refusal}) but kept the replica"
        )),
    }
}

/// PidTagSourceKey, PidTagChangeKey and PidTagPredecessorChangeList of every
/// RopSynchronizationImportMessageChange the client sent.
fn imports(h: &Harness) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let bin = |vals: &[ics_wire::rop::value::TaggedPropertyValue], t: ics_wire::prop::PropTag| {
        vals.iter()
            .find(|v| v.0.tag.id() == t.id())
            .and_then(|v| match &v.0.value {
                PropValue::Binary(b) => Some(b.clone()),
                _ => None,
            })
            .unwrap_or_default()
    };
    h.trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            ics_wire::rop::RopRequest::SynchronizationImportMessageChange(i) => Some((
                bin(&i.property_values, tags::PID_TAG_SOURCE_KEY),
                bin(&i.property_values, tags::PID_TAG_CHANGE_KEY),
                bin(&i.property_values, tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
            )),
            _ => None,
        })
        .collect()
}

/// R-259, R-309: an ID names one object. Two imports with one source key are versions of one
/// message (the later PCL holds the earlier ChangeKey), and no ID the replica would still hand
/// out already names a message on the server.
async fn no_id_used_twice(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let mut seen: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    for (sk, ck, pcl) in imports(h) {
        if let Some(earlier) = seen.get(&sk) {
            let pcl = Pcl::decode_lenient(&pcl).map_err(|e| e.to_string())?;
            let earlier = Pcl::single(Xid::decode(earlier).map_err(|e| e.to_string())?);
            if !pcl.includes(&earlier) {
                return Err(format!(
                    "source key {sk:02x?} was imported for two different messages"
                ));
            }
        }
        seen.insert(sk, ck);
    }
    let unused = h
        .client
        .replica()
        .unused_id_ranges()
        .map_err(|e| e.to_string())?;
    for m in h.server_messages("Sync").await? {
        let Ok(g) = Gid::decode(&m.source_key) else {
            continue;
        };
        if let Some((lo, _)) = unused.iter().find(|(lo, hi)| {
            lo.replguid == g.replguid && (lo.globcnt..=hi.globcnt).contains(&g.globcnt)
        }) {
            return Err(format!(
                "the replica would hand out {g:?} again (its unused range starts at {lo:?}), \
                 but {} on the server already has it",
                h.name_of_key(&m.source_key)
                    .unwrap_or_else(|| "a message".into())
            ));
        }
    }
    Ok(())
}

async fn none_applied_twice(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    if h.downloads.iter().all(|d| d.error.is_some()) {
        return Err("no download was applied".into());
    }
    match h.life.reapplied.as_slice() {
        [] => Ok(()),
        again => Err(format!(
            "the client applied versions its replica already held: {again:?}"
        )),
    }
}

async fn connection_lost(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    w.control("fault-injection").await?.cut_after(n);
    Ok(())
}

/// The local changes of the Sync folder imported on `coll` (ImportMessageChange and the
/// message's properties, RopSaveChangesMessage); the source key of the last one.
async fn import_rows(
    h: &mut Harness,
    coll: ics_client::sync::ops::Obj,
    rows: Vec<ics_client::replica::MessageRow>,
) -> Result<Vec<u8>, String> {
    let mut last = None;
    for row in rows {
        let header = ImportHeader {
            source_key: row.source_key.clone(),
            last_modification_time: row.last_modification_time,
            change_key: row.change_key.clone(),
            pcl: row.pcl.clone(),
            fail_on_conflict: false,
        };
        let children = ics_client::model::Children {
            recipients: Some(row.recipients.clone()),
            attachments: Some(row.attachments.clone()),
        };
        let props: Vec<Prop> = row.props.clone();
        match h
            .client
            .ops_mut()
            .import_message(coll, row.fai, &header, &props, &children)
            .await
        {
            Ok(ImportOutcome::Imported) => last = Some(row.source_key),
            Ok(o) => return Err(format!("ImportMessageChange answered {o:?}")),
            Err(e) => return Err(format!("ImportMessageChange: {e}")),
        }
    }
    last.ok_or_else(|| "no local change to import".into())
}

/// The upload half of [`ics_client::sync::engine::Client::upload_contents`], stopped before
/// RopSynchronizationGetTransferState: the collector stays open.
async fn open_collector(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    h.release_collector().await;
    let fid = h.sync_folder()?.to_u64_le();
    let scope = h.scope("Sync", false)?;
    let (folder, coll) = h.open_collector(true).await?;
    h.life.collector = Some((folder, coll));
    let state = h
        .client
        .replica()
        .state(&scope)
        .map_err(|e| e.to_string())?;
    // R-130: IdsetGiven is not uploaded into an upload context.
    let ops = h.client.ops_mut();
    for (tag, data) in [
        (ics_wire::state::META_TAG_CNSET_SEEN, &state.cnset_seen),
        (
            ics_wire::state::META_TAG_CNSET_SEEN_FAI,
            &state.cnset_seen_fai,
        ),
        (ics_wire::state::META_TAG_CNSET_READ, &state.cnset_read),
    ] {
        let size = u32::try_from(data.len())
            .map_err(|_| format!("the saved {tag:?} has {} bytes", data.len()))?;
        let r = async {
            ops.state_begin(coll, tag, size).await?;
            for piece in data.chunks(4096) {
                ops.state_continue(coll, piece).await?;
            }
            ops.state_end(coll).await
        }
        .await;
        r.map_err(|e| format!("the state upload on the collector: {e}"))?;
    }
    let pending = h.client.replica().pending(fid).map_err(|e| e.to_string())?;
    let last = import_rows(h, coll, pending.changes).await?;
    h.life.last_import = Some(last);
    Ok(())
}

async fn keep_transfer_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let (_, coll) = h.life.collector.ok_or("no collector is open")?;
    let ctx = h
        .client
        .ops_mut()
        .get_transfer_state(coll)
        .await
        .map_err(|e| format!("RopSynchronizationGetTransferState: {e}"))?;
    h.life.kept_ctx = Some(ctx);
    Ok(())
}

/// A local change of a message not imported yet (a new PidTagSubject), imported on the open
/// collector.
async fn one_more_import(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let (_, coll) = h.life.collector.ok_or("no collector is open")?;
    let fid = h.sync_folder()?.to_u64_le();
    let imported: Vec<Vec<u8>> = imports(h).into_iter().map(|i| i.0).collect();
    let row = h
        .client
        .replica()
        .messages_in_fid(fid)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|m| !m.fai && !imported.contains(&m.source_key))
        .ok_or("every message of the folder was imported already")?;
    let name = h.name_of_key(&row.source_key).unwrap_or_default();
    h.client
        .replica_mut()
        .modify_local_message(
            &row.source_key,
            &[Prop::tagged(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode(&format!("{name} changed on the open collector")),
            )],
            &[],
            ics_client::sync::engine::filetime_now(),
        )
        .map_err(|e| e.to_string())?;
    let row = h
        .client
        .replica()
        .message(&row.source_key)
        .map_err(|e| e.to_string())?
        .ok_or("the modified message is gone")?;
    let last = import_rows(h, coll, vec![row]).await?;
    h.life.last_import = Some(last);
    Ok(())
}

async fn read_kept(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let ctx = h
        .life
        .kept_ctx
        .take()
        .ok_or("no GetTransferState context was kept")?;
    let ops = h.client.ops_mut();
    let mut bytes = Vec::new();
    let r = loop {
        match ops.get_buffer(ctx, BufferSize::Babe { max: 32767 }).await {
            Ok(GetBufferReply::Data { status, buffer, .. }) => {
                bytes.extend_from_slice(&buffer);
                match status {
                    TransferStatus::Done => break Ok(()),
                    TransferStatus::Partial => {}
                    s => break Err(format!("the kept context: TransferStatus {s:?}")),
                }
            }
            other => break Err(format!("the kept context: {other:?}")),
        }
    };
    let _ = ops.release(ctx).await;
    r?;
    let Ok(ft::Root::State(s)) = ft::parse(RootKind::State, &bytes) else {
        return Err("the kept context's stream is not a state element".into());
    };
    let props: Vec<TaggedValue> = s
        .props
        .iter()
        .map(|p| TaggedValue {
            tag: p.tag,
            value: p.value.clone(),
        })
        .collect();
    h.returned_state = Some(IcsState::from_props(&props).map_err(|e| e.to_string())?);
    Ok(())
}

/// R-194: the change imported after RopSynchronizationGetTransferState has a change number on
/// the server that the state read from the earlier context does not hold.
async fn state_read_not_covering(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let st = h.returned_state.clone().ok_or("no state was read")?;
    let sk = h.life.last_import.clone().ok_or("nothing was imported")?;
    h.release_collector().await;
    let server = h.server_messages("Sync").await?;
    let m = server
        .iter()
        .find(|m| m.source_key == sk)
        .ok_or("the server does not hold the last imported change")?;
    let cn = m.cn.ok_or("the server sent no PidTagChangeNumber")?;
    let g = ExchangeId::from_u64_le(cn).globcnt;
    if st.cnset_seen.contains(h.replguid, g) {
        return Err(format!(
            "the state read holds the change number {g:?} of the change imported after \
             GetTransferState"
        ));
    }
    Ok(())
}

async fn checkpoint_every(w: &mut SuiteWorld, a: Args) -> Res {
    let n = u32::try_from(a.n(1)?).map_err(|_| "too many messages")?;
    w.harness().await?.client.options_mut().checkpoint_every = Some(n);
    Ok(())
}

/// A download by the client engine, which applies each change as it arrives (in one
/// transaction, or one per client-side checkpoint), cancelled once `n` message changes are
/// applied: the unprocessed rest is discarded (R-199).
async fn cancel_after_messages(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(2)?;
    let h = w.harness().await?;
    h.release_open_context().await;
    let scope = h.scope("Sync", false)?;
    let saved = h
        .client
        .replica()
        .state(&scope)
        .map_err(|e| e.to_string())?;
    if a.s(1) == "an empty state" && saved != Default::default() {
        return Err("the client engine downloads from its saved state, which is not empty".into());
    }
    let start = h.trace_len();
    let mut rec = crate::driver::DownloadRec {
        scope: Some(scope.clone()),
        initial_state: saved.clone(),
        ..Default::default()
    };
    h.state_before = Some(saved);
    let opts = h.client.options_mut();
    let kept = (opts.buffer, opts.extra_flags);
    opts.buffer = h.params.buffer;
    opts.extra_flags = h.params.extra_flags;
    let cancel = ics_client::sync::cancel::CancelToken::new();
    let mut seen = 0;
    let r = h
        .client
        .download_observed(&scope, &cancel, &mut |_| {
            seen += 1;
            if seen == n {
                cancel.cancel();
            }
        })
        .await;
    let opts = h.client.options_mut();
    (opts.buffer, opts.extra_flags) = kept;
    rec.trace = (start, h.trace_len());
    let outcome = match r {
        Err(ics_client::sync::engine::SyncError::Cancelled) => Ok(()),
        Err(e) => Err(format!("the download failed before it was cancelled: {e}")),
        Ok(_) => Err(format!(
            "the download ended after {seen} of the {n} messages"
        )),
    };
    rec.error = Some(format!("cancelled by the client after {seen} messages"));
    h.downloads.push(rec);
    outcome
}
