//! Probes and outcomes of RopSynchronizationImportMessageChange ([MS-OXCFXICS] 3.1.5.3,
//! 3.2.5.9.4.2, 3.3.4.3.3): the response's MessageId, the returned Message object, the
//! stored ChangeKey, a re-import through the client engine and how the engine took it.

use ics_client::model::PropKey;
use ics_wire::Guid;
use ics_wire::ids::Xid;
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::common::RopResult;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};

use super::conflicts::{SECOND, engine_sent_change, last_imported};
use super::local::local_subject;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every ImportMessageChange response carried MessageId 0x0000000000000000$" => message_id_zero,
        r"^the message returned by ImportMessageChange had no client-settable properties$" => returned_message_empty,
        r"^on the server, message ([mf]\d+) has the ChangeKey the client sent and a PCL holding it$" => change_key_kept,
        r"^the client imports the change of ([mf]\d+) again$" => import_again,
        r"^the client treated (0x[0-9A-Fa-f]{8}) as non-fatal$" => non_fatal,
        r"^every import succeeded$" => every_import,
        r"^the download holds no change or a change for ([mf]\d+) equal to the client's version$" => no_change_or_equal,
    ]
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
    let server = h.server_message(&m).await?;
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
    let server = h.server_message(&m).await?;
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
