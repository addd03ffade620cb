//! What the client's uploads sent and got back: import ROP results, the ImportDeletes
//! payload, the order of ROPs around an upload, and server properties after an import.

use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::{RopRequest, RopResponse};

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop, return_value};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every (ImportMessageChange|ImportDeletes) succeeded$" => every_import_succeeded,
        r"^every ImportDeletes succeeded, or failed with (0x[0-9A-Fa-f]{8}) with a SHOULD-level warning$" => every_delete_or_code,
        r"^one ImportDeletes carried the source keys of (\w+(?:, \w+)*) in a PtypMultipleBinary 0x00001102$" => one_delete_carried,
        r"^every ImportMessageChange held exactly ((?:PidTag\w+)(?:, PidTag\w+)*)$" => every_change_held,
        r"^the server folder does not hold ([mf]\d+), unless the import failed$" => not_held_unless_failed,
        r"^the client copies messages (\w+(?:, \w+)*) with CopyFlags (.+?)(?: and SendOptions (.+))?$" => copy_messages,
        r"^the stream is a messageList of (\d+) messages?$" => message_list_of,
        r"^(every|no) copied message holds ((?:PidTag\w+)(?:, PidTag\w+)*)$" => copied_holds,
        r"^the copy stream is identical to the previous one$" => copy_identical,
        r"^the client imports the deletion of ([mf]\d+) with ImportDeleteFlags (0x[0-9A-Fa-f]{2})(?: on a contents collector)?$" => import_deletion_flags,
        r"^the client imports the deletions of ([mf]\d+) and of a message unknown to the server$" => import_deletions_unknown,
        r"^the last ROP succeeds, or fails before deleting anything$" => succeeds_or_deleted_nothing,
        r"^after a retry on a fresh collector the server folder does not hold ([mf]\d+)$" => retry_fresh_collector,
        r"^the client imports the change of ([mf]\d+) (with ImportFlag (0x[0-9A-Fa-f]{2})|with the header properties in another order|with an extra property after the PCL|with no property values)$" => import_change_probe,
        r"^on the server, message ([mf]\d+) has a PCL that includes the PCL it had before$" => pcl_includes_before,
        r"^the client imports message ([mf]\d+) with the PCL it had before the server change$" => import_old_version,
        r"^the last ROP fails with 0x80040801, or succeeds and the server keeps its version of ([mf]\d+)$" => ignored_or_kept,
        r"^the client imports the change of ([mf]\d+) with ImportFlag FailOnConflict$" => import_fail_on_conflict,
        r"^ImportMessageChange or the following RopSaveChangesMessage fails with (0x[0-9A-Fa-f]{8}), or both succeed and the outcome is recorded$" => conflict_or_recorded,
        r"^on the server, message ([mf]\d+) is the server's version when the import failed$" => server_version_if_failed,
        r"^on the server, property ((?:PidTag)\w+|0x[0-9A-Fa-f]{8}) of folder ([A-Z]\w*) is set to (\S+)$" => folder_property_set,
        r"^on the server, message ([mf]\d+) is the version whose ChangeKey namespace GUID is larger, byte by byte$" => larger_guid_wins,
        r"^the client deletes that message locally before uploading it$" => delete_that_message,
        r"^the client imports a message change with that ID$" => import_that_id,
        r"^the last ROP fails, or the server folder does not hold the message$" => failed_or_not_held,
        r"^the ROP trace has (Rop\w+) before (Rop\w+)$" => trace_before,
        r"^on the server, message ([mf]\d+) has property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) (\S+)$" => server_property,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

/// The trace position where the scenario's first upload started.
fn uploads_start(h: &Harness) -> Result<usize, String> {
    h.uploads
        .first()
        .map(|u| u.trace.0)
        .ok_or_else(|| "the client uploaded nothing".to_string())
}

/// The ROP responses named `rop` since the first upload, with their ReturnValue.
fn responses_of(h: &Harness, rop: &str) -> Result<Vec<Option<u32>>, String> {
    let from = uploads_start(h)?;
    Ok(h.trace_from(from)
        .into_iter()
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
        .filter(|r: &RopResponse| r.name() == rop)
        .map(|r| return_value(&r))
        .collect())
}

fn check_every(h: &Harness, rop: &str, also_ok: Option<u32>) -> Res {
    let rvs = responses_of(h, rop)?;
    if rvs.is_empty() {
        return Err(format!("the uploads sent no {rop}"));
    }
    for rv in &rvs {
        match rv {
            Some(0) => {}
            Some(c) if Some(*c) == also_ok => {
                eprintln!("warning (SHOULD): {rop} failed with {c:#010x}");
            }
            other => return Err(format!("a {rop} was answered with {other:#x?}")),
        }
    }
    Ok(())
}

async fn every_import_succeeded(w: &mut SuiteWorld, a: Args) -> Res {
    let rop = format!("RopSynchronization{}", a.s(1));
    check_every(h_of(w)?, &rop, None)
}

async fn every_delete_or_code(w: &mut SuiteWorld, a: Args) -> Res {
    let code = u32::try_from(a.n(1)?).map_err(|e| e.to_string())?;
    check_every(h_of(w)?, "RopSynchronizationImportDeletes", Some(code))
}

async fn one_delete_carried(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let mut want = parse::names(a.s(1))
        .iter()
        .map(|n| h.message_key(n))
        .collect::<Result<Vec<_>, _>>()?;
    want.sort();
    let from = uploads_start(h)?;
    let mut seen = Vec::new();
    for q in h
        .trace_from(from)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
    {
        if let RopRequest::SynchronizationImportDeletes(d) = q {
            let [v] = d.property_values.as_slice() else {
                seen.push(format!("{} property values", d.property_values.len()));
                continue;
            };
            let PropValue::MvBinary(keys) = &v.0.value else {
                seen.push(format!("a value of tag {:#010x}", v.0.tag.0));
                continue;
            };
            if v.0.tag.0 != 0x0000_1102 {
                seen.push(format!("tag {:#010x}", v.0.tag.0));
                continue;
            }
            let mut got = keys.clone();
            got.sort();
            if got == want {
                return Ok(());
            }
            seen.push(format!("{} source keys", keys.len()));
        }
    }
    Err(format!(
        "no ImportDeletes carried exactly those source keys; seen: {seen:?}"
    ))
}

async fn trace_before(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let from = uploads_start(h)?;
    let names: Vec<&'static str> = h
        .trace_from(from)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .map(|r| r.name())
        .collect();
    let first = names.iter().position(|n| *n == a.s(1));
    let second = names.iter().position(|n| *n == a.s(2));
    match (first, second) {
        (Some(i), Some(j)) if i < j => Ok(()),
        _ => Err(format!(
            "the ROP trace since the upload does not have {} before {}: {names:?}",
            a.s(1),
            a.s(2)
        )),
    }
}

async fn server_property(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness.as_deref_mut().ok_or("nothing was done yet")?;
    let m = a.s(1);
    let tag = parse::prop(a.s(2))?;
    let want = parse::value(a.s(3), tag)?;
    let msg = h.server_message(m).await?;
    // PidTagAssociated travels in the change header of the read-back download.
    let header_value =
        (tag.id() == tags::PID_TAG_ASSOCIATED.id()).then_some(PropValue::Boolean(msg.fai));
    match find_prop(&msg.props, tag).or(header_value.as_ref()) {
        Some(v) if *v == want => Ok(()),
        other => Err(format!("on the server, {m} has {} = {other:?}", a.s(2))),
    }
}

async fn every_change_held(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let want: Vec<u32> = parse::props(a.s(1))?.iter().map(|t| t.0).collect();
    let from = uploads_start(h)?;
    let mut n = 0;
    for q in h
        .trace_from(from)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
    {
        if let RopRequest::SynchronizationImportMessageChange(c) = q {
            n += 1;
            let got: Vec<u32> = c.property_values.iter().map(|v| v.0.tag.0).collect();
            if got != want {
                return Err(format!(
                    "an ImportMessageChange held {got:08x?}, expected {want:08x?}"
                ));
            }
        }
    }
    if n == 0 {
        return Err("the uploads sent no ImportMessageChange".into());
    }
    Ok(())
}

async fn not_held_unless_failed(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness.as_deref_mut().ok_or("nothing was done yet")?;
    let rvs = responses_of(h, "RopSynchronizationImportDeletes")?;
    if rvs.is_empty() {
        return Err("the uploads sent no ImportDeletes".into());
    }
    if rvs.iter().any(|rv| *rv != Some(0)) {
        return Ok(());
    }
    let m = a.s(1);
    let sk = h.message_key(m)?;
    let folder = h.folder_name_of(m)?;
    if h.server_messages(&folder)
        .await?
        .iter()
        .any(|x| x.source_key == sk)
    {
        return Err(format!(
            "the import succeeded but the server folder holds {m}"
        ));
    }
    Ok(())
}

/// CopyFlags of RopFastTransferSourceCopyMessages ([MS-OXCFXICS] 2.2.3.1.1.3.1).
const COPY_FLAGS: &[(&str, u32)] = &[
    ("Move", 0x01),
    ("Unused1", 0x02),
    ("Unused2", 0x04),
    ("Unused3", 0x08),
    ("BestBody", 0x10),
    ("SendEntryId", 0x20),
];

async fn copy_messages(w: &mut SuiteWorld, a: Args) -> Res {
    let copy_flags = match a.s(2) {
        "none" => 0,
        list => parse::flags(list, COPY_FLAGS)?,
    };
    // The reference client asks for Unicode strings unless the phrase says otherwise.
    let send_options = if a.has(3) {
        parse::flags(a.s(3), parse::SEND_OPTIONS)?
    } else {
        0x01
    };
    let names = parse::names(a.s(1));
    let h = w.harness.as_deref_mut().ok_or("nothing was done yet")?;
    let copy = u8::try_from(copy_flags).map_err(|_| format!("CopyFlags {copy_flags:#x}"))?;
    let send = u8::try_from(send_options).map_err(|_| format!("SendOptions {send_options:#x}"))?;
    h.copy_messages(&names, copy, send).await;
    Ok(())
}

/// The messages of the last copy stream.
fn copied(h: &Harness) -> Result<Vec<&ics_wire::ftstream::Message>, String> {
    let d = h.downloads.last().ok_or("nothing was copied")?;
    match &d.root {
        Some(ics_wire::ftstream::Root::MessageList(l)) => Ok(l
            .items
            .iter()
            .filter_map(|i| match i {
                ics_wire::ftstream::MessageListItem::Message(m) => Some(m),
                _ => None,
            })
            .collect()),
        Some(r) => Err(format!("the stream is a {}", r.kind().name())),
        None => Err(format!(
            "the copy produced no stream ({})",
            d.error.as_deref().unwrap_or("no error recorded")
        )),
    }
}

async fn message_list_of(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    let got = copied(h_of(w)?)?.len();
    (got == n)
        .then_some(())
        .ok_or_else(|| format!("the messageList holds {got} messages"))
}

async fn copied_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let want = parse::props(a.s(2))?;
    let every = a.s(1) == "every";
    let msgs = copied(h_of(w)?)?;
    if msgs.is_empty() {
        return Err("the messageList holds no message".into());
    }
    for (i, m) in msgs.iter().enumerate() {
        for t in &want {
            let has = find_prop(&m.content.props, *t).is_some();
            if has != every {
                return Err(format!(
                    "copied message {} {} {:#010x}",
                    i + 1,
                    if has { "holds" } else { "lacks" },
                    t.0
                ));
            }
        }
    }
    Ok(())
}

async fn copy_identical(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let [.., a, b] = h.downloads.as_slice() else {
        return Err("fewer than two copies were made".into());
    };
    if a.root.is_none() || b.root.is_none() {
        return Err("a copy produced no stream".into());
    }
    (a.bytes == b.bytes).then_some(()).ok_or_else(|| {
        format!(
            "the copy streams differ ({} and {} bytes)",
            a.bytes.len(),
            b.bytes.len()
        )
    })
}

/// The server holds the named message (read back through ROPs).
async fn server_holds(h: &mut Harness, m: &str) -> Result<bool, String> {
    let sk = h.message_key(m)?;
    let folder = h.folder_name_of(m)?;
    Ok(h.server_messages(&folder)
        .await?
        .iter()
        .any(|x| x.source_key == sk))
}

/// RopSynchronizationImportDeletes of `keys` with `flags` on a fresh contents collector of
/// the Sync folder; recorded as the last ROP.
async fn import_deletes_raw(h: &mut Harness, flags: u8, keys: Vec<Vec<u8>>) -> Res {
    use ics_client::sync::ops::IcsOps;
    let (folder, collector) = h.open_collector(true).await?;
    let rop = RopRequest::SynchronizationImportDeletes(
        ics_wire::rop::import::SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 0,
            import_delete_flags: ics_wire::rop::flags::ImportDeleteFlags(flags),
            property_values: vec![ics_wire::rop::value::TaggedPropertyValue(
                ics_wire::prop::TaggedValue {
                    tag: ics_wire::prop::PropTag(0x0000_1102),
                    value: PropValue::MvBinary(keys),
                },
            )],
        },
    );
    let r = h.raw_rop(collector, rop).await;
    let _ = h.client.ops_mut().release(collector).await;
    let _ = h.client.ops_mut().release(folder).await;
    h.last = Some(("RopSynchronizationImportDeletes".into(), r?));
    Ok(())
}

async fn import_deletion_flags(w: &mut SuiteWorld, a: Args) -> Res {
    let flags = u8::try_from(a.n(2)?).map_err(|e| e.to_string())?;
    let h = w.harness().await?;
    let sk = h.message_key(a.s(1))?;
    import_deletes_raw(h, flags, vec![sk]).await
}

async fn import_deletions_unknown(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let sk = h.message_key(a.s(1))?;
    // A GID of the mailbox's REPLGUID whose GLOBCNT the server never assigned.
    let unknown = crate::driver::source_key(
        h.replguid,
        ics_wire::GlobCnt::new_truncating(0xFFFF_FFF0_0000),
    );
    import_deletes_raw(h, 0, vec![sk, unknown]).await
}

async fn succeeds_or_deleted_nothing(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let (what, obs) = h.last.clone().ok_or("no ROP was sent")?;
    if obs.return_value == Some(0) {
        return Ok(());
    }
    // The batch's only known message is m1 (the step above).
    if server_holds(h, "m1").await? {
        Ok(())
    } else {
        Err(format!("{what} failed ({obs}) after deleting m1"))
    }
}

async fn retry_fresh_collector(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    if server_holds(h, m).await? {
        let sk = h.message_key(m)?;
        import_deletes_raw(h, 0, vec![sk]).await?;
        let (_, obs) = h.last.clone().ok_or("no ROP was sent")?;
        if obs.return_value != Some(0) {
            return Err(format!("the retried ImportDeletes failed: {obs}"));
        }
    }
    if server_holds(h, m).await? {
        return Err(format!("the server folder still holds {m}"));
    }
    Ok(())
}

/// The header values of a message change, as RopSynchronizationImportMessageChange sends
/// them ([MS-OXCFXICS] 2.2.3.2.4.2.1): SourceKey, LastModificationTime, ChangeKey, PCL.
fn header_values(
    sk: Vec<u8>,
    time: u64,
    ck: Vec<u8>,
    pcl: Vec<u8>,
) -> Vec<ics_wire::rop::value::TaggedPropertyValue> {
    use ics_wire::prop::TaggedValue;
    use ics_wire::rop::value::TaggedPropertyValue as T;
    vec![
        T(TaggedValue {
            tag: tags::PID_TAG_SOURCE_KEY,
            value: PropValue::Binary(sk),
        }),
        T(TaggedValue {
            tag: tags::PID_TAG_LAST_MODIFICATION_TIME,
            value: PropValue::Time(time),
        }),
        T(TaggedValue {
            tag: tags::PID_TAG_CHANGE_KEY,
            value: PropValue::Binary(ck),
        }),
        T(TaggedValue {
            tag: tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            value: PropValue::Binary(pcl),
        }),
    ]
}

/// The ImportMessageChange the uploads already sent for the source key `sk`.
fn sent_change(
    h: &Harness,
    sk: &[u8],
) -> Option<ics_wire::rop::import::SynchronizationImportMessageChangeRequest> {
    let from = h.uploads.first()?.trace.0;
    h.trace_from(from)
        .into_iter()
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

/// RopSynchronizationImportMessageChange sent as is on a fresh contents collector: the
/// client's pending local change with a flag or a defect (`again` is in `conflicts.rs`).
/// Recorded as the last ROP; the opened message is released unsaved.
async fn import_change_probe(w: &mut SuiteWorld, a: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let m = a.s(1).to_owned();
    let how = a.s(2).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let fai = h.message(&m)?.fai;
    let mut req = {
        let fid = h.message(&m)?.folder.to_u64_le();
        let pending = h.client.replica().pending(fid).map_err(|e| e.to_string())?;
        let row = pending
            .changes
            .into_iter()
            .find(|r| r.source_key == sk)
            .ok_or_else(|| format!("the client has no local change of {m}"))?;
        ics_wire::rop::import::SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            import_flag: ics_wire::rop::flags::ImportFlag(if fai { 0x10 } else { 0 }),
            property_values: header_values(
                row.source_key.clone(),
                row.last_modification_time,
                row.change_key.clone(),
                row.pcl.clone(),
            ),
        }
    };
    req.input_handle_index = 0;
    req.output_handle_index = 1;
    if a.has(3) {
        req.import_flag =
            ics_wire::rop::flags::ImportFlag(u8::try_from(a.n(3)?).map_err(|e| e.to_string())?);
    } else if how.contains("another order") {
        req.property_values.swap(0, 2);
    } else if how.contains("extra property") {
        req.property_values
            .push(ics_wire::rop::value::TaggedPropertyValue(
                ics_wire::prop::TaggedValue {
                    tag: tags::PID_TAG_SUBJECT,
                    value: PropValue::unicode("extra"),
                },
            ));
    } else if how.contains("no property values") {
        req.property_values.clear();
    }
    let (folder, collector) = h.open_collector(true).await?;
    let r = h
        .raw_rop(
            collector,
            RopRequest::SynchronizationImportMessageChange(req),
        )
        .await;
    let _ = h.client.ops_mut().release(collector).await;
    let _ = h.client.ops_mut().release(folder).await;
    h.last = Some(("RopSynchronizationImportMessageChange".into(), r?));
    Ok(())
}

/// The PCL of `sk` in the header of a downloaded change.
fn change_pcl(change: &ics_wire::ftstream::MessageChange) -> Option<Vec<u8>> {
    let header = match change {
        ics_wire::ftstream::MessageChange::Full(f) => &f.header,
        ics_wire::ftstream::MessageChange::Partial(p) => &p.header,
    };
    match find_prop(header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
        Some(PropValue::Binary(b)) => Some(b.clone()),
        _ => None,
    }
}

async fn pcl_includes_before(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let sk = h.message_key(m)?;
    // The PCL the server had before the upload: the one of the last download before it.
    let first_upload = uploads_start(h)?;
    let before = h
        .downloads
        .iter()
        .rev()
        .filter(|d| d.trace.0 < first_upload)
        .filter_map(|d| d.contents().ok())
        .find_map(|cs| {
            cs.changes.iter().find_map(|i| match i {
                ics_wire::ftstream::ContentsSyncItem::Change { change, .. } => {
                    let header = match change {
                        ics_wire::ftstream::MessageChange::Full(f) => &f.header,
                        ics_wire::ftstream::MessageChange::Partial(p) => &p.header,
                    };
                    matches!(find_prop(header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if *b == sk)
                        .then(|| change_pcl(change))
                        .flatten()
                }
                _ => None,
            })
        })
        .ok_or_else(|| format!("no download before the upload carried the PCL of {m}"))?;
    let now = h.server_message(m).await?;
    let after = match find_prop(&now.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
        Some(PropValue::Binary(b)) => b.clone(),
        other => return Err(format!("on the server, {m} has PCL {other:?}")),
    };
    let old = ics_wire::pcl::Pcl::decode(&before).map_err(|e| format!("the old PCL: {e}"))?;
    let new = ics_wire::pcl::Pcl::decode(&after).map_err(|e| format!("the server's PCL: {e}"))?;
    if new.includes(&old) && before != after {
        Ok(())
    } else {
        Err(format!(
            "on the server, {m} has PCL {after:02x?}, which does not include (and extend) {before:02x?}"
        ))
    }
}

/// The subject of a property list.
fn subject_of(props: &[ics_client::model::Prop]) -> Option<String> {
    props
        .iter()
        .find(|p| p.key == ics_client::model::PropKey::of_tag(tags::PID_TAG_SUBJECT))
        .map(|p| format!("{:?}", p.value))
}

/// The replica's (unchanged) copy of the message, imported with its header as downloaded
/// before the server change (PCL, ChangeKey, LastModificationTime) through the reference
/// client's import (ImportMessageChange, SetProperties, SaveChangesMessage) on a fresh
/// contents collector. Recorded as the last ROP.
async fn import_old_version(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let sk = h.message_key(m)?;
    let row = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    import_row(h, row, false).await
}

/// The client's import of a replica row (ImportMessageChange, SetProperties,
/// SaveChangesMessage) on a fresh contents collector, recorded as the last ROP.
async fn import_row(
    h: &mut Harness,
    row: ics_client::replica::MessageRow,
    fail_on_conflict: bool,
) -> Res {
    use ics_client::sync::ops::ImportHeader;
    let header = ImportHeader {
        source_key: row.source_key.clone(),
        last_modification_time: row.last_modification_time,
        change_key: row.change_key.clone(),
        pcl: row.pcl.clone(),
        fail_on_conflict,
    };
    let children = ics_client::model::Children {
        recipients: Some(row.recipients.clone()),
        attachments: Some(row.attachments.clone()),
    };
    import_with(h, row.fai, header, &row.props, children).await
}

/// The client's import of one message version on a fresh contents collector, recorded as
/// the last ROP (its outcome as the ReturnValue the engine met).
async fn import_with(
    h: &mut Harness,
    fai: bool,
    header: ics_client::sync::ops::ImportHeader,
    props: &[ics_client::model::Prop],
    children: ics_client::model::Children,
) -> Res {
    use ics_client::sync::ops::{IcsOps, ImportOutcome};
    let (folder, collector) = h.open_collector(true).await?;
    let r = h
        .client
        .ops_mut()
        .import_message(collector, fai, &header, props, &children)
        .await;
    let _ = h.client.ops_mut().release(collector).await;
    let _ = h.client.ops_mut().release(folder).await;
    let obs = match r {
        Ok(o) => crate::outcome::Observed {
            return_value: Some(match o {
                ImportOutcome::Imported => 0,
                ImportOutcome::Ignored => 0x8004_0801,
                ImportOutcome::ObjectDeleted => 0x8004_0800,
                ImportOutcome::Conflict => 0x8004_0802,
                ImportOutcome::Failed(c) => c,
            }),
            ..Default::default()
        },
        Err(e) => crate::driver::observed_of(&Err(e)),
    };
    h.last = Some(("RopSynchronizationImportMessageChange".into(), obs));
    Ok(())
}

async fn ignored_or_kept(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let (what, obs) = h.last.clone().ok_or("no ROP was sent")?;
    match obs.return_value {
        Some(0x8004_0801) => return Ok(()),
        Some(0) => {}
        _ => return Err(format!("{what}: {obs}")),
    }
    let sk = h.message_key(m)?;
    let old = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .and_then(|r| subject_of(&r.props));
    let server = h.server_message(m).await?;
    let now = find_prop(&server.props, tags::PID_TAG_SUBJECT).map(|v| format!("{v:?}"));
    if old.is_some() && now == old {
        return Err(format!(
            "the import succeeded and the server went back to the older version of {m}"
        ));
    }
    Ok(())
}

async fn import_fail_on_conflict(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let sk = h.message_key(m)?;
    let fid = h.message(m)?.folder.to_u64_le();
    let row = h
        .client
        .replica()
        .pending(fid)
        .map_err(|e| e.to_string())?
        .changes
        .into_iter()
        .find(|r| r.source_key == sk)
        .ok_or_else(|| format!("the client has no local change of {m}"))?;
    import_row(h, row, true).await
}

async fn conflict_or_recorded(w: &mut SuiteWorld, a: Args) -> Res {
    let code = u32::try_from(a.n(1)?).map_err(|e| e.to_string())?;
    let (what, obs) = w.harness().await?.last.clone().ok_or("no ROP was sent")?;
    match obs.return_value {
        Some(c) if c == code => Ok(()),
        Some(0) => {
            w.warn(format!(
                "{what} with FailOnConflict succeeded on a conflicting version (no {code:#010x})"
            ));
            Ok(())
        }
        _ => Err(format!("{what}: {obs}")),
    }
}

async fn server_version_if_failed(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let (_, obs) = h.last.clone().ok_or("no ROP was sent")?;
    if obs.return_value == Some(0) {
        return Ok(());
    }
    let server = h.server_message(m).await?;
    let subject = match find_prop(&server.props, tags::PID_TAG_SUBJECT) {
        Some(PropValue::Unicode(u)) => u.to_string_lossy(),
        other => format!("{other:?}"),
    };
    if subject == super::local::local_subject(m) {
        return Err(format!(
            "the import failed but the server holds the client's version of {m}"
        ));
    }
    Ok(())
}

async fn folder_property_set(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let value = parse::value(a.s(3), tag)?;
    let h = w.harness().await?;
    h.set_folder_property(a.s(2), tag, value)
}

/// The winner of a tie on PidTagLastModificationTime (3.1.5.6.2.2): the client's
/// namespace is the GUID of the ChangeKey it imported; the server's is the other namespace
/// of the merged PCL read back from the server.
async fn larger_guid_wins(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1);
    let h = w.harness().await?;
    let sk = h.message_key(m)?;
    let sent = sent_change(h, &sk).ok_or_else(|| format!("the client never imported {m}"))?;
    let client_guid = match sent.property_values.get(2).map(|v| &v.0.value) {
        Some(PropValue::Binary(b)) if b.len() >= 16 => b[..16].to_vec(),
        other => return Err(format!("the imported ChangeKey of {m} is {other:?}")),
    };
    let server = h.server_message(m).await?;
    let pcl = match find_prop(&server.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
        Some(PropValue::Binary(b)) => ics_wire::pcl::Pcl::decode(b).map_err(|e| e.to_string())?,
        other => return Err(format!("on the server, {m} has PCL {other:?}")),
    };
    let others: Vec<[u8; 16]> = pcl
        .xids()
        .iter()
        .map(|x| x.namespace_guid.to_bytes())
        .filter(|g| g.as_slice() != client_guid.as_slice())
        .collect();
    let [server_guid] = others.as_slice() else {
        return Err(format!(
            "the server's PCL of {m} names {} namespaces besides the client's",
            others.len()
        ));
    };
    let client_wins = client_guid.as_slice() > server_guid.as_slice();
    let subject = match find_prop(&server.props, tags::PID_TAG_SUBJECT) {
        Some(PropValue::Unicode(u)) => u.to_string_lossy(),
        other => format!("{other:?}"),
    };
    let is_client = subject == super::local::local_subject(m);
    if is_client == client_wins {
        Ok(())
    } else {
        Err(format!(
            "the {} ChangeKey namespace GUID is larger, but the server kept the {} version of {m}",
            if client_wins { "client's" } else { "server's" },
            if is_client { "client's" } else { "server's" }
        ))
    }
}

/// The message the scenario created last (the highest `m<n>`).
fn that_message(h: &Harness) -> Result<String, String> {
    h.messages
        .keys()
        .filter_map(|k| k.rsplit('/').next()?.strip_prefix('m')?.parse::<u32>().ok())
        .max()
        .map(|n| format!("m{n}"))
        .ok_or_else(|| "no message was created".into())
}

async fn delete_that_message(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let m = that_message(h)?;
    let sk = h.message_key(&m)?;
    h.client
        .replica_mut()
        .delete_local_message(&sk)
        .map_err(|e| format!("the client cannot delete {m}: {e}"))
}

async fn import_that_id(w: &mut SuiteWorld, _: Args) -> Res {
    use ics_client::model::Prop;
    let h = w.harness().await?;
    let m = that_message(h)?;
    let sk = h.message_key(&m)?;
    let ns = h
        .client
        .replica_mut()
        .client_namespace()
        .map_err(|e| e.to_string())?;
    // A fresh XID of the client's namespace (GUID + 6-byte LocalId), and a PCL holding it
    // as a SizedXid ([MS-OXCFXICS] 2.2.2.2, 2.2.2.3).
    let mut ck = ns.to_bytes().to_vec();
    ck.extend_from_slice(&[0, 0, 0, 0x7F, 0xFF, 0x01]);
    let mut pcl = vec![ck.len() as u8];
    pcl.extend_from_slice(&ck);
    let header = ics_client::sync::ops::ImportHeader {
        source_key: sk,
        last_modification_time: ics_client::sync::engine::filetime_now(),
        change_key: ck,
        pcl,
        fail_on_conflict: false,
    };
    let props = vec![
        Prop::tagged(tags::PID_TAG_MESSAGE_CLASS, PropValue::unicode("IPM.Note")),
        Prop::tagged(
            tags::PID_TAG_SUBJECT,
            PropValue::unicode(&format!("resurrected {m}")),
        ),
    ];
    let children = ics_client::model::Children {
        recipients: Some(Vec::new()),
        attachments: Some(Vec::new()),
    };
    import_with(h, false, header, &props, children).await
}

async fn failed_or_not_held(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let (_, obs) = h.last.clone().ok_or("no ROP was sent")?;
    if obs.return_value != Some(0) {
        return Ok(());
    }
    let m = that_message(h)?;
    if server_holds(h, &m).await? {
        return Err(format!(
            "the import succeeded and the server folder holds {m} again"
        ));
    }
    Ok(())
}
