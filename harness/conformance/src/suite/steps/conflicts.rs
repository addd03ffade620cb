//! PCL conflicts ([MS-OXCFXICS] 3.1.5.6, [MS-OXCSYNC] 3.1.5.4) and the client's upload
//! variants and probes of RopSynchronizationImportMessageChange ([MS-OXCFXICS] 3.1.5.3,
//! 3.2.5.9.4.2, 3.3.4.3.3).

use ics_client::model::{Prop, PropKey};
use ics_client::sync::engine::ImportKind;
use ics_wire::Guid;
use ics_wire::ids::Xid;
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::common::RopResult;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};

use super::local::local_subject;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

/// PidTagMessageStatus ([MS-OXCMSG] 2.2.1.8) and its msInConflict bit.
const PID_TAG_MESSAGE_STATUS: u16 = 0x0E17;
const MS_IN_CONFLICT: i32 = 0x0800;
/// PidTagInConflict ([MS-OXCFXICS] 3.1.5.6.2.1).
const PID_TAG_IN_CONFLICT: u16 = 0x666C;
/// One second in FILETIME units.
const SECOND: u64 = 10_000_000;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client (?:uploads|has uploaded) its local changes( without FailOnConflict| with no state upload|, sending the read state first, then the deletion, then the new message)$" => upload_variant,
        r"^on the server, message ([mf]\d+) is modified, later than the local change$" => server_change_later,
        r"^message ([mf]\d+) in the replica has PidTagConflictItems naming the local version$" => conflict_items,
        r"^on the server, message ([mf]\d+) is a conflict resolve message whose body is the client's version$" => resolve_message,
        r"^the conflict resolve message has msInConflict set in PidTagMessageStatus$" => resolve_status,
        r"^on the server, message ([mf]\d+) has no attachments with PidTagInConflict$" => no_in_conflict,
        r"^every ImportMessageChange response carried MessageId 0x0000000000000000$" => message_id_zero,
        r"^the message returned by ImportMessageChange had no client-settable properties$" => returned_message_empty,
        r"^on the server, message ([mf]\d+) has the ChangeKey the client sent and a PCL holding it$" => change_key_kept,
        r"^the client imports the change of ([mf]\d+) again$" => import_again,
        r"^the client treated (0x[0-9A-Fa-f]{8}) as non-fatal$" => non_fatal,
        r"^every import succeeded$" => every_import,
        r"^the download holds no change or a change for ([mf]\d+) equal to the client's version$" => no_change_or_equal,
    ]
}

/// The client engine's upload with one option changed for this upload: ImportFlag without
/// FailOnConflict (the server resolves conflicts, 3.2.5.9.4.2), no state upload (R-139), or
/// the import ROPs in the order read states, deletions, changes (R-231).
async fn upload_variant(w: &mut SuiteWorld, a: Args) -> Res {
    let how = a.s(1).to_owned();
    let h = w.harness().await?;
    let saved = h.client.options_mut().clone();
    let o = h.client.options_mut();
    match how.trim_start() {
        "without FailOnConflict" => o.fail_on_conflict = false,
        "with no state upload" => o.upload_state_before_import = false,
        _ => {
            o.import_order = [
                ImportKind::ReadStates,
                ImportKind::Deletes,
                ImportKind::Changes,
            ]
        }
    }
    let rec = h.upload("Sync").await;
    *h.client.options_mut() = saved;
    if let Some(e) = rec.error {
        return Err(format!("the upload failed: {e}"));
    }
    // The step checks that the client did what it says, from the ROP trace.
    let rops: Vec<RopRequest> = h
        .trace_from(rec.trace.0)
        .into_iter()
        .take(rec.trace.1 - rec.trace.0)
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .collect();
    let first = |f: fn(&RopRequest) -> bool| rops.iter().position(f);
    match how.trim_start() {
        "without FailOnConflict" => {
            let flagged = rops.iter().any(|q| {
                matches!(q, RopRequest::SynchronizationImportMessageChange(c)
                    if c.import_flag.contains(ics_wire::rop::flags::ImportFlag::FAIL_ON_CONFLICT))
            });
            (!flagged)
                .then_some(())
                .ok_or_else(|| "an ImportMessageChange set FailOnConflict".into())
        }
        "with no state upload" => {
            first(|q| matches!(q, RopRequest::SynchronizationUploadStateStreamBegin(_)))
                .map_or(Ok(()), |_| Err("the client uploaded a state".into()))
        }
        _ => {
            let reads =
                first(|q| matches!(q, RopRequest::SynchronizationImportReadStateChanges(_)));
            let deletes = first(|q| matches!(q, RopRequest::SynchronizationImportDeletes(_)));
            let changes = first(|q| matches!(q, RopRequest::SynchronizationImportMessageChange(_)));
            match (reads, deletes, changes) {
                (Some(r), Some(d), Some(c)) if r < d && d < c => Ok(()),
                other => Err(format!(
                    "the imports came in another order (read states, deletes, changes at {other:?})"
                )),
            }
        }
    }
}

async fn server_message(h: &mut Harness, m: &str) -> Result<crate::driver::ServerMessage, String> {
    let sk = h.message_key(m)?;
    let folder = h.folder_name_of(m)?;
    h.server_messages(&folder)
        .await?
        .into_iter()
        .find(|x| x.source_key == sk)
        .ok_or_else(|| format!("the server does not hold {m}"))
}

/// The last ImportMessageChange of `sk` that the client engine sent in an upload (probes
/// on the same connection are not part of an upload).
fn engine_sent_change(
    h: &Harness,
    sk: &[u8],
) -> Option<ics_wire::rop::import::SynchronizationImportMessageChangeRequest> {
    h.uploads
        .iter()
        .flat_map(|u| {
            h.trace_from(u.trace.0)
                .into_iter()
                .take(u.trace.1 - u.trace.0)
        })
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|q| match q {
            RopRequest::SynchronizationImportMessageChange(c) => Some(c),
            _ => None,
        })
        .rfind(|c| {
            c.property_values
                .first()
                .is_some_and(|v| matches!(&v.0.value, PropValue::Binary(b) if b.as_slice() == sk))
        })
}

/// A change on the server after the client's local change. The target stamps
/// PidTagLastModificationTime with its own clock, which need not agree with the harness's
/// (the reference server's clock is deterministic); if the local version is not older than
/// the server's, the client changes the message locally once more, dated one second before
/// the server change, so that last writer wins (3.1.5.6.2.2) names the server's version.
async fn server_change_later(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    h.set_property(
        &m,
        tags::PID_TAG_SUBJECT,
        PropValue::unicode(&format!("modified subject of {m}")),
    )?;
    let server = server_message(h, &m).await?;
    let sk = h.message_key(&m)?;
    let local = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    if local.last_modification_time < server.last_modified {
        return Ok(());
    }
    let subject = Prop::tagged(
        tags::PID_TAG_SUBJECT,
        PropValue::unicode(&local_subject(&m)),
    );
    h.client
        .replica_mut()
        .modify_local_message(&sk, &[subject], &[], server.last_modified - SECOND)
        .map_err(|e| format!("the client cannot change {m}: {e}"))
}

async fn conflict_items(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let r = h.client.replica();
    let sk = h.message_key(&m)?;
    let row = r
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    let items = match row
        .props
        .iter()
        .find(|p| p.key == PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS))
        .map(|p| &p.value)
    {
        Some(PropValue::MvBinary(v)) => v.clone(),
        other => {
            return Err(format!(
                "{m} in the replica has PidTagConflictItems {other:?}"
            ));
        }
    };
    let folder = r.conflicts_folder().map_err(|e| e.to_string())?;
    let want = PropValue::unicode(&local_subject(&m));
    let local = r
        .messages_in_folder(folder)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|x| {
            x.props
                .iter()
                .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT) && p.value == want)
        })
        .ok_or_else(|| format!("no local version of {m} in the conflicts folder"))?;
    items
        .contains(&local.source_key)
        .then_some(())
        .ok_or_else(|| format!("PidTagConflictItems of {m} does not name its local version"))
}

fn prop_of(props: &[TaggedValue], id: u16) -> Option<&PropValue> {
    props.iter().find(|v| v.tag.id() == id).map(|v| &v.value)
}

fn in_conflict(props: &[TaggedValue]) -> bool {
    matches!(prop_of(props, PID_TAG_MESSAGE_STATUS), Some(PropValue::I32(s)) if s & MS_IN_CONFLICT != 0)
}

/// The message of the last ImportMessageChange the client sent.
fn last_imported(h: &Harness) -> Result<String, String> {
    let from = h
        .uploads
        .last()
        .map(|u| u.trace.0)
        .ok_or("the client uploaded nothing")?;
    h.trace_from(from)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|q| match q {
            RopRequest::SynchronizationImportMessageChange(c) => {
                match c.property_values.first().map(|v| &v.0.value) {
                    Some(PropValue::Binary(sk)) => h.name_of_key(sk),
                    _ => None,
                }
            }
            _ => None,
        })
        .next_back()
        .ok_or_else(|| "the last upload imported no known message".into())
}

/// Read with RopOpenMessage + RopGetPropertiesAll: a conflict resolve message is never
/// synchronized as a message (3.1.5.6.2.1).
async fn resolve_message(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let props = h.server_message_properties(&m)?;
    if !in_conflict(&props) {
        return Err(format!(
            "on the server, {m} is not a conflict resolve message (no msInConflict)"
        ));
    }
    match prop_of(&props, tags::PID_TAG_SUBJECT.id()) {
        Some(PropValue::Unicode(u)) if u.to_string_lossy() == local_subject(&m) => Ok(()),
        other => Err(format!(
            "the conflict resolve message {m} has the subject {other:?}"
        )),
    }
}

async fn resolve_status(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let m = last_imported(h)?;
    let props = h.server_message_properties(&m)?;
    in_conflict(&props).then_some(()).ok_or_else(|| {
        format!(
            "{m}: PidTagMessageStatus {:?}",
            prop_of(&props, PID_TAG_MESSAGE_STATUS)
        )
    })
}

/// No conflict resolve message: PidTagMessageStatus without msInConflict, and the message
/// as downloaded has no attachment flagged PidTagInConflict nor one holding an embedded
/// version (a server that excludes PidTagInConflict from downloads, R-045, still shows the
/// versions as embedded messages).
async fn no_in_conflict(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let props = h.server_message_properties(&m)?;
    if in_conflict(&props) {
        return Err(format!("on the server, {m} has msInConflict set"));
    }
    let s = server_message(h, &m).await?;
    let bad = s.children.attachments.iter().any(|a| {
        a.content.embedded.is_some()
            || matches!(
                find_prop(
                    &a.content.props,
                    ics_wire::prop::PropTag(u32::from(PID_TAG_IN_CONFLICT) << 16 | 0x000B)
                ),
                Some(PropValue::Boolean(true))
            )
    });
    if bad {
        return Err(format!(
            "on the server, {m} has an attachment holding a conflicting version"
        ));
    }
    Ok(())
}

/// The ImportMessageChange responses of the scenario's uploads.
fn import_responses(h: &Harness) -> Result<Vec<RopResponse>, String> {
    let from = h
        .uploads
        .first()
        .map(|u| u.trace.0)
        .ok_or("the client uploaded nothing")?;
    Ok(h.trace_from(from)
        .into_iter()
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
        .filter(|r| matches!(r, RopResponse::SynchronizationImportMessageChange(_)))
        .collect())
}

async fn message_id_zero(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let mut n = 0;
    for r in import_responses(h)? {
        if let RopResponse::SynchronizationImportMessageChange(x) = r
            && let RopResult::Success(s) = x.result
        {
            n += 1;
            if s.message_id.to_u64_le() != 0 {
                return Err(format!(
                    "an ImportMessageChange response carried MessageId {:#018x}",
                    s.message_id.to_u64_le()
                ));
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no ImportMessageChange succeeded".into())
}

/// A probe on a fresh contents collector: the client imports a successor of the server's
/// version of the message it uploaded last (a fresh ChangeKey of its namespace, PCL = the
/// server's PCL with it), reads the returned Message object with RopGetPropertiesAll before
/// setting anything, and releases it unsaved ([MS-OXCFXICS] 3.2.5.9.4.2, R-206). None of
/// the message's client-settable properties (those the client holds) may be there.
async fn returned_message_empty(w: &mut SuiteWorld, _: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let h = w.harness().await?;
    let m = last_imported(h)?;
    let sk = h.message_key(&m)?;
    let fai = h.message(&m)?.fai;
    let sent =
        engine_sent_change(h, &sk).ok_or_else(|| format!("the client never imported {m}"))?;
    let ck_len = match sent.property_values.get(2).map(|v| &v.0.value) {
        Some(PropValue::Binary(b)) if b.len() > 16 => b.len() - 16,
        other => return Err(format!("the imported ChangeKey of {m} is {other:?}")),
    };
    let ns: Guid = h
        .client
        .replica_mut()
        .client_namespace()
        .map_err(|e| e.to_string())?;
    let ck = Xid::new(ns, &vec![0xFF; ck_len]).ok_or("a ChangeKey LocalId of that length")?;
    let server = server_message(h, &m).await?;
    let mut pcl = match find_prop(&server.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
        Some(PropValue::Binary(b)) => Pcl::decode(b).map_err(|e| e.to_string())?,
        other => return Err(format!("on the server, {m} has PCL {other:?}")),
    };
    pcl.insert(ck);
    let mut req = sent;
    req.input_handle_index = 0;
    req.output_handle_index = 1;
    req.import_flag = ics_wire::rop::flags::ImportFlag(if fai { 0x10 } else { 0 });
    req.property_values[1].0.value = PropValue::Time(server.last_modified + SECOND);
    req.property_values[2].0.value = PropValue::Binary(ck.to_bytes());
    req.property_values[3].0.value = PropValue::Binary(pcl.to_bytes());
    let (folder, collector) = h.open_collector(true).await?;
    let buf = RopRequestBuffer {
        rops: vec![
            RopRequest::SynchronizationImportMessageChange(req),
            RopRequest::GetPropertiesAll(ics_wire::rop::property::GetPropertiesAllRequest {
                logon_id: 0,
                input_handle_index: 1,
                property_size_limit: 0,
                want_unicode: 1,
            }),
            RopRequest::Release(ics_wire::rop::state::InputHandleRequest {
                logon_id: 0,
                input_handle_index: 1,
            }),
        ],
        handles: vec![collector.0, u32::MAX],
    };
    let out = {
        use ics_client::transport::RopTransport as _;
        let bytes = buf.encode().map_err(|e| e.to_string())?;
        h.client.ops_mut().transport_mut().execute(bytes).await
    };
    let _ = h.client.ops_mut().release(collector).await;
    let _ = h.client.ops_mut().release(folder).await;
    let out = out.map_err(|e| e.to_string())?;
    let resp =
        RopResponseBuffer::decode(&out, &buf, &Default::default()).map_err(|e| e.to_string())?;
    let props = match resp.rops.as_slice() {
        [
            RopResponse::SynchronizationImportMessageChange(i),
            rest @ ..,
        ] => match (&i.result, rest) {
            (RopResult::Success(_), [RopResponse::GetPropertiesAll(g), ..]) => match &g.result {
                RopResult::Success(s) => s.property_values.clone(),
                RopResult::Failure(e) => {
                    return Err(format!(
                        "RopGetPropertiesAll on the returned message: {e:?}"
                    ));
                }
            },
            (RopResult::Failure(e), _) => {
                return Err(format!("the probe ImportMessageChange failed with {e:?}"));
            }
            _ => return Err("no RopGetPropertiesAll response".into()),
        },
        _ => return Err("no ImportMessageChange response".into()),
    };
    let row = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    let settable: Vec<u16> = row
        .props
        .iter()
        .filter_map(|p| match p.key {
            PropKey::Id(id) => Some(id),
            PropKey::Named(_) => None,
        })
        .filter(|id| *id != tags::PID_TAG_MESSAGE_FLAGS.id())
        .collect();
    let kept: Vec<String> = props
        .iter()
        .filter(|v| settable.contains(&v.0.tag.id()))
        .map(|v| format!("{:#010x}", v.0.tag.0))
        .collect();
    kept.is_empty()
        .then_some(())
        .ok_or_else(|| format!("the returned message of {m} holds {}", kept.join(", ")))
}

async fn change_key_kept(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let sent =
        engine_sent_change(h, &sk).ok_or_else(|| format!("the client never imported {m}"))?;
    let ck = match sent.property_values.get(2).map(|v| &v.0.value) {
        Some(PropValue::Binary(b)) => b.clone(),
        other => return Err(format!("the imported ChangeKey of {m} is {other:?}")),
    };
    let server = server_message(h, &m).await?;
    match find_prop(&server.header, tags::PID_TAG_CHANGE_KEY) {
        Some(PropValue::Binary(b)) if *b == ck => {}
        other => {
            return Err(format!(
                "on the server, {m} has ChangeKey {other:02x?}, the client sent {ck:02x?}"
            ));
        }
    }
    let xid = Xid::decode(&ck).map_err(|e| format!("the ChangeKey sent: {e}"))?;
    match find_prop(&server.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
        Some(PropValue::Binary(b)) => {
            let pcl = Pcl::decode(b).map_err(|e| e.to_string())?;
            pcl.includes(&Pcl::single(xid))
                .then_some(())
                .ok_or_else(|| format!("the server's PCL of {m} does not hold the ChangeKey"))
        }
        other => Err(format!("on the server, {m} has PCL {other:?}")),
    }
}

/// The client engine uploads the same version of the message again, as after losing the
/// server's acknowledgment (the replica forgets it; same ChangeKey and PCL). The last ROP is
/// that ImportMessageChange, with the ReturnValue the engine met.
async fn import_again(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    if !h
        .client
        .replica_mut()
        .mark_unacknowledged(&sk)
        .map_err(|e| e.to_string())?
    {
        return Err(format!("{m} has a local change not uploaded yet"));
    }
    let rec = h.upload("Sync").await;
    let obs = h
        .trace_from(rec.trace.0)
        .into_iter()
        .take(rec.trace.1 - rec.trace.0)
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopResponse::SynchronizationImportMessageChange(x) => Some(x.result.return_value()),
            _ => None,
        })
        .next_back()
        .ok_or_else(|| match &rec.error {
            Some(e) => format!("the upload failed before importing: {e}"),
            None => "the upload sent no ImportMessageChange".into(),
        })?;
    h.last = Some((
        "RopSynchronizationImportMessageChange".into(),
        crate::outcome::Observed {
            return_value: Some(obs.to_u32()),
            ..Default::default()
        },
    ));
    Ok(())
}

/// The last upload met `code` and carried on: it ended without error, counted the change
/// as done (SyncIgnore: ignored; SyncObjectDeleted: object deleted), sent
/// RopSynchronizationGetTransferState after it, and left nothing pending (R-229).
async fn non_fatal(w: &mut SuiteWorld, a: Args) -> Res {
    let code = u32::try_from(a.n(1)?).map_err(|e| e.to_string())?;
    let h = w.harness().await?;
    let rec = h
        .uploads
        .last()
        .cloned()
        .ok_or("the client uploaded nothing")?;
    if let Some(e) = rec.error {
        return Err(format!("the upload failed: {e}"));
    }
    let report = rec.report.ok_or("the upload has no report")?;
    let counted = match code {
        0x8004_0801 => report.ignored,
        0x8004_0800 => report.object_deleted,
        _ => return Err(format!("{code:#010x} is not a code R-229 names")),
    };
    if counted == 0 {
        return Err(format!("the upload did not meet {code:#010x}: {report:?}"));
    }
    let rops: Vec<RopResponse> = h
        .trace_from(rec.trace.0)
        .into_iter()
        .take(rec.trace.1 - rec.trace.0)
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
        .collect();
    let met = rops.iter().position(|r| {
        crate::driver::return_value(r) == Some(code)
            && matches!(
                r,
                RopResponse::SynchronizationImportMessageChange(_)
                    | RopResponse::SaveChangesMessage(_)
            )
    });
    let after = met.and_then(|i| {
        rops[i..]
            .iter()
            .position(|r| matches!(r, RopResponse::SynchronizationGetTransferState(_)))
    });
    if after.is_none() {
        return Err(format!("the client did not carry on after {code:#010x}"));
    }
    let fid = h.sync_folder()?.to_u64_le();
    let pending = h.client.replica().pending(fid).map_err(|e| e.to_string())?;
    pending
        .changes
        .is_empty()
        .then_some(())
        .ok_or_else(|| format!("{} changes are still pending", pending.changes.len()))
}

/// Every import ROP of the scenario's uploads succeeded (ImportMessageChange,
/// ImportDeletes, ImportReadStateChanges, and the saves of imported messages).
async fn every_import(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let from = h
        .uploads
        .first()
        .map(|u| u.trace.0)
        .ok_or("the client uploaded nothing")?;
    let mut n = 0;
    for r in h
        .trace_from(from)
        .into_iter()
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
    {
        if matches!(
            r,
            RopResponse::SynchronizationImportMessageChange(_)
                | RopResponse::SynchronizationImportDeletes(_)
                | RopResponse::SynchronizationImportReadStateChanges(_)
                | RopResponse::SaveChangesMessage(_)
        ) {
            n += 1;
            match crate::driver::return_value(&r) {
                Some(0) => {}
                other => return Err(format!("{} was answered with {other:#x?}", r.name())),
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "the uploads sent no import".into())
}

/// R-139: the last download holds no change for the message, or one whose subject is the
/// client's.
async fn no_change_or_equal(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let d = super::download::last(h)?;
    for c in super::download::changes(h, d)? {
        if c.name.as_deref() != Some(m.as_str()) {
            continue;
        }
        let subject = c
            .props
            .iter()
            .find(|p| p.name.is_none() && p.tag.id() == tags::PID_TAG_SUBJECT.id())
            .map(|p| p.value.clone());
        if subject != Some(PropValue::unicode(&local_subject(&m))) {
            return Err(format!(
                "the download holds a change for {m} with subject {subject:?}"
            ));
        }
    }
    Ok(())
}
