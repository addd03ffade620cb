//! PCL conflicts ([MS-OXCFXICS] 3.1.5.6, [MS-OXCSYNC] 3.1.5.4) and the variants of the
//! client engine's upload (without FailOnConflict, without state upload, in another order).

use ics_client::model::{Prop, PropKey};
use ics_client::sync::engine::ImportKind;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::RopRequest;

use super::local::local_subject;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

/// PidTagMessageStatus ([MS-OXCMSG] 2.2.1.8) and its msInConflict bit.
const PID_TAG_MESSAGE_STATUS: u16 = 0x0E17;
const MS_IN_CONFLICT: i32 = 0x0800;
/// PidTagInConflict ([MS-OXCFXICS] 3.1.5.6.2.1).
const PID_TAG_IN_CONFLICT: ics_wire::prop::PropTag = ics_wire::prop::PropTag(0x666C_000B);
/// One second in FILETIME units.
pub(super) const SECOND: u64 = 10_000_000;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client (?:uploads|has uploaded) its local changes( without FailOnConflict| with no state upload|, sending the read state first, then the deletion, then the new message)$" => upload_variant,
        r"^on the server, message ([mf]\d+) is modified, later than the local change$" => server_change_later,
        r"^message ([mf]\d+) in the replica has PidTagConflictItems naming the local version$" => conflict_items,
        r"^on the server, message ([mf]\d+) is a conflict resolve message whose body is the client's version$" => resolve_message,
        r"^the conflict resolve message has msInConflict set in PidTagMessageStatus$" => resolve_status,
        r"^on the server, message ([mf]\d+) has no attachments with PidTagInConflict$" => no_in_conflict,
        r"^the conflict resolve message has a PCL that includes both versions' PCLs$" => resolve_pcl,
        r"^the conflict resolve message holds both versions as attachments with PidTagInConflict true$" => resolve_versions,
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
    if how.trim_start() == "without FailOnConflict" {
        let fid = h.sync_folder()?.to_u64_le();
        let pending = h.client.replica().pending(fid).map_err(|e| e.to_string())?;
        let server = h.server_messages("Sync").await?;
        h.server_pcls_before_upload = server
            .into_iter()
            .filter(|x| pending.changes.iter().any(|c| c.source_key == x.source_key))
            .filter_map(
                |x| match find_prop(&x.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
                    Some(PropValue::Binary(b)) => Some((x.source_key, b.clone())),
                    _ => None,
                },
            )
            .collect();
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

/// The last ImportMessageChange of `sk` that the client engine sent in an upload (probes
/// on the same connection are not part of an upload).
pub(super) fn engine_sent_change(
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
    let server = h.server_message(&m).await?;
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
pub(super) fn last_imported(h: &Harness) -> Result<String, String> {
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

/// The resolve message's PCL (RopGetPropertiesAll) includes the PCL the client sent and
/// the PCL the server's version had before the upload (R-238, R-239).
async fn resolve_pcl(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let m = last_imported(h)?;
    let sk = h.message_key(&m)?;
    let sent =
        engine_sent_change(h, &sk).ok_or_else(|| format!("the client never imported {m}"))?;
    let client = match sent.property_values.get(3).map(|v| &v.0.value) {
        Some(PropValue::Binary(b)) => b.clone(),
        other => return Err(format!("the imported PCL of {m} is {other:?}")),
    };
    let server = h
        .server_pcls_before_upload
        .get(&sk)
        .cloned()
        .ok_or_else(|| format!("the server's PCL of {m} before the upload was not read"))?;
    let props = h.server_message_properties(&m)?;
    let now = match prop_of(&props, tags::PID_TAG_PREDECESSOR_CHANGE_LIST.id()) {
        Some(PropValue::Binary(b)) => ics_wire::pcl::Pcl::decode(b).map_err(|e| e.to_string())?,
        other => return Err(format!("on the server, {m} has PCL {other:?}")),
    };
    for (whose, b) in [("client's", client), ("server's", server)] {
        let p = ics_wire::pcl::Pcl::decode(&b).map_err(|e| format!("the {whose} PCL: {e}"))?;
        if !now.includes(&p) {
            return Err(format!(
                "the PCL of {m} does not include the {whose} version's PCL"
            ));
        }
    }
    Ok(())
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
    let s = h.server_message(&m).await?;
    let bad = s.children.attachments.iter().any(|a| {
        a.content.embedded.is_some()
            || matches!(
                find_prop(&a.content.props, PID_TAG_IN_CONFLICT),
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

/// The versions of the last imported message's conflict resolve message, read with
/// RopGetAttachmentTable, RopOpenAttachment and RopOpenEmbeddedMessage (3.1.5.6.2.1,
/// R-239): attachments with PidTagInConflict TRUE, each holding an embedded message; one
/// is the client's version (its local subject), one the server's (the subject
/// `on the server, message {m} is modified` gave it).
async fn resolve_versions(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let m = last_imported(h)?;
    let attachments = h.server_attachments(&m)?;
    let mut subjects = Vec::new();
    for a in &attachments {
        let flagged = matches!(
            prop_of(&a.props, PID_TAG_IN_CONFLICT.id()),
            Some(PropValue::Boolean(true))
        );
        if !flagged {
            continue;
        }
        let inner = a.embedded.as_ref().ok_or_else(|| {
            format!(
                "attachment {} of {m} has PidTagInConflict but holds no embedded message",
                a.number
            )
        })?;
        subjects.push(match prop_of(inner, tags::PID_TAG_SUBJECT.id()) {
            Some(PropValue::Unicode(u)) => u.to_string_lossy(),
            Some(PropValue::String8(b)) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        });
    }
    let want = [local_subject(&m), format!("modified subject of {m}")];
    let missing: Vec<&String> = want.iter().filter(|s| !subjects.contains(s)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{m}: the attachments with PidTagInConflict TRUE hold the versions {subjects:?} \
             ({} attachments in all); missing {missing:?}",
            attachments.len()
        ))
    }
}
