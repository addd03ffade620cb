//! ROP framing and handle processing ([MS-OXCROPS] 2.2.1, 2.2.2, 3.2.4.3, 3.2.5.1-3.2.5.4;
//! digest group A), operation sequencing ([MS-OXCFXICS] 2.2.3, 3.1.5; group B) and the IDSETs
//! the server emits (2.2.2.4, 3.1.5.4; group W): raw request buffers on the client's traced
//! connection ([`crate::driver::rawrop`]).

use ics_wire::idset::{FormatNote, IdSet};
use ics_wire::prop::{PropTag, PropValue, TaggedValue};
use ics_wire::rop::fasttransfer::{
    FastTransferDestinationConfigureRequest, FastTransferSourceCopyMessagesRequest,
    FastTransferSourceGetBufferRequest,
};
use ics_wire::rop::flags::{
    CopyMessagesCopyFlags, DestinationConfigureCopyFlags, ImportDeleteFlags, SaveFlags,
    SendOptions, SourceOperation,
};
use ics_wire::rop::message::{CreateMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::property::{GetPropertiesSpecificRequest, SetPropertiesRequest};
use ics_wire::rop::state::{
    InputOutputHandleRequest, SynchronizationUploadStateStreamBeginRequest,
};
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse};
use ics_wire::{ReplGuid, ReplId};

use super::{Args, Res, steps};
use crate::driver::rawrop::{Probe, open_folder_rop, release_rop};
use crate::driver::{Harness, Named, return_value};
use crate::outcome::Observed;
use crate::world::SuiteWorld;

const NO_HANDLE: u32 = 0xFFFF_FFFF;
/// A handle value no server of this suite assigns (the reference server counts from 1).
const NEVER_ASSIGNED: u32 = 0x7FFF_FFF1;
/// PidTagSubject (PtypString).
const PID_TAG_SUBJECT: PropTag = PropTag(0x0037_001F);
/// PidTagDisplayName (PtypString).
const PID_TAG_DISPLAY_NAME: PropTag = PropTag(0x3001_001F);

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r#"^the client sends one request buffer that opens folder ([A-Z]\w*), creates message (m\d+) in it, sets its PidTagSubject to "([^"]*)" and saves it$"# => chained,
        r"^every ROP of the request buffer was answered in request order and succeeded$" => all_answered,
        r"^the client sends a request buffer (whose RopSize exceeds its length|whose last ROP is cut short|whose handle table is not a whole number of handles)$" => unparseable,
        r"^(the whole RPC (?:fails|failed) with 0x[0-9A-Fa-f]{8})$" => rpc_outcome,
        r"^the client sends RopOpenFolder of folder ([A-Z]\w*) with an InputHandleIndex (beyond the handle table|whose handle table entry is 0xFFFFFFFF)$" => bad_index,
        r"^the client releases (a folder handle|a download context) and then uses its handle$" => use_released,
        r"^the client uses a handle value the server never assigned$" => never_assigned,
        r"^the client sends RopRelease of (its folder handle|a never-assigned handle) followed by RopOpenFolder of folder ([A-Z]\w*) in one request buffer$" => release_then_open,
        r"^the response buffer holds no response for RopRelease$" => no_release_response,
        r"^the client opens folder ([A-Z]\w*) through a handle table with input-only and unreferenced entries around the output entries$" => mixed_table,
        r"^the returned handle table keeps every input entry in its place and holds usable new handles at the output indexes$" => table_kept,
        r"^the client opens folder ([A-Z]\w*) (\d+) times in one request buffer$" => open_many,
        r"^every returned handle is distinct and none is 0xFFFFFFFF$" => handles_distinct,
        r"^the client sends (\d+) RopGetPropertiesSpecific of PidTagDisplayName on folder ([A-Z]\w*) in one request buffer with an output buffer of (\d+) bytes$" => many_reads,
        r"^the responses end with RopBufferTooSmall whose RequestBuffers hold exactly the unprocessed requests$" => too_small,
        r"^the client sends a request buffer with the reserved RopId (0x[0-9A-Fa-f]{2})$" => reserved_rop,
        r"^the whole RPC fails, or a SHOULD-level warning is recorded$" => rpc_or_warning,
        r"^the client sends (RopSynchronizationUploadStateStreamBegin|RopSynchronizationGetTransferState|RopSynchronizationImportDeletes) on a FastTransfer (download|upload) context$" => sync_rop_on_ft,
        r"^no object was returned by the failed ROP$" => no_object,
        r"^every IDSET of the download is a formatted IDSET, in REPLGUID form in the state and in REPLID form in the deletions and read-state changes$" => idsets_formatted,
    ]
}

/// Keeps a probe for the `Then` steps and records ROP `i` of it as the last ROP.
fn keep(w: &mut SuiteWorld, p: Probe, i: usize, name: &str) -> Res {
    let o = p.observed(i);
    w.harness.as_deref_mut().ok_or("nothing was done yet")?.last = Some((name.to_owned(), o));
    w.probes.last = Some((p, i));
    Ok(())
}

fn last_probe(w: &SuiteWorld) -> Result<&(Probe, usize), String> {
    w.probes
        .last
        .as_ref()
        .ok_or_else(|| "no probe was sent".into())
}

fn last_observed(w: &SuiteWorld) -> Result<Observed, String> {
    w.harness
        .as_deref()
        .and_then(|h| h.last.as_ref())
        .map(|(_, o)| o.clone())
        .ok_or_else(|| "no ROP was sent".into())
}

/// R-001: later ROPs of the buffer use the objects the earlier ones made, so they succeed only
/// if the server runs them in order; RopRelease ends it.
async fn chained(w: &mut SuiteWorld, a: Args) -> Res {
    let (folder, name, subject) = (a.s(1).to_owned(), a.s(2).to_owned(), a.s(3).to_owned());
    let h = w.harness().await?;
    let fid = h.folder(&folder)?;
    let logon = h.client_logon()?;
    let rops = vec![
        open_folder_rop(0, 1, fid),
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            code_page_id: 0x0FFF,
            folder_id: fid,
            associated_flag: 0,
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_values: vec![TaggedPropertyValue::new(
                PID_TAG_SUBJECT,
                PropValue::unicode(&subject),
            )],
        }),
        RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 2,
            input_handle_index: 2,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }),
        release_rop(2),
        release_rop(1),
    ];
    let p = h
        .probe(RopRequestBuffer {
            rops,
            handles: vec![logon, NO_HANDLE, NO_HANDLE],
        })
        .await?;
    let mid = p.responses().ok().and_then(|r| {
        r.rops.iter().find_map(|x| match x {
            RopResponse::SaveChangesMessage(s) => s.result.success().map(|s| s.message_id),
            _ => None,
        })
    });
    if let Some(mid) = mid {
        h.name_message(
            &folder,
            &name,
            Named {
                folder: fid,
                mid,
                fai: false,
            },
        );
    }
    keep(w, p, 3, "RopSaveChangesMessage")
}

/// R-001: the decoder matches every response to its request in order.
async fn all_answered(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?;
    let resp = p.responses()?;
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let expected = req.rops.iter().filter(|r| r.has_response()).count();
    if resp.rops.len() != expected {
        return Err(format!(
            "{} responses for {expected} requests that have one",
            resp.rops.len()
        ));
    }
    for r in &resp.rops {
        let rv = return_value(r).unwrap_or(u32::MAX);
        if rv != 0 {
            return Err(format!("{} answered 0x{rv:08X}", r.name()));
        }
    }
    Ok(())
}

/// R-003: request buffers that do not parse ([MS-OXCROPS] 2.2.1).
async fn unparseable(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.sync_folder()?;
    let logon = h.client_logon()?;
    let req = RopRequestBuffer {
        rops: vec![open_folder_rop(0, 1, fid)],
        handles: vec![logon, NO_HANDLE],
    };
    let mut b = req.encode().map_err(|e| e.to_string())?;
    let rop_size = u16::from_le_bytes([b[0], b[1]]) as usize;
    match a.s(1) {
        "whose RopSize exceeds its length" => {
            let bad = (b.len() + 10) as u16;
            b[..2].copy_from_slice(&bad.to_le_bytes());
        }
        "whose last ROP is cut short" => {
            // Drop the last 3 bytes of RopOpenFolder (its FolderId and OpenModeFlags end).
            b.drain(rop_size - 3..rop_size);
            b[..2].copy_from_slice(&((rop_size - 3) as u16).to_le_bytes());
        }
        _ => b.extend([0x00, 0x00]),
    }
    let p = h.probe_bytes(b).await;
    keep(w, p, 0, "request buffer")
}

async fn rpc_outcome(w: &mut SuiteWorld, a: Args) -> Res {
    let o = last_observed(w)?;
    super::sync::judge(w, &o, a.s(1)).await
}

/// R-004: an InputHandleIndex past the table, or pointing at 0xFFFFFFFF.
async fn bad_index(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.folder(a.s(1))?;
    let logon = h.client_logon()?;
    let (input, handles) = if a.s(2) == "beyond the handle table" {
        (5, vec![logon, NO_HANDLE])
    } else {
        (2, vec![logon, NO_HANDLE, NO_HANDLE])
    };
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![open_folder_rop(input, 1, fid)],
            handles,
        })
        .await?;
    release_output(h, &p, 1).await;
    keep(w, p, 0, "RopOpenFolder")
}

/// Releases the object a successful probe wrote into `slot`.
async fn release_output(h: &mut Harness, p: &Probe, slot: usize) {
    if p.observed(0).return_value == Some(0)
        && let Ok(r) = p.responses()
        && let Some(&x) = r.handles.get(slot)
        && x != NO_HANDLE
    {
        h.release_handles(&[x]).await;
    }
}

/// R-008: a released folder handle, or a released download context.
async fn use_released(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.sync_folder()?;
    let folder = h.open_folder_handle("Sync").await?;
    let p = if a.s(1) == "a folder handle" {
        h.release_handles(&[folder]).await;
        let p = h
            .probe(RopRequestBuffer {
                rops: vec![open_folder_rop(0, 1, fid)],
                handles: vec![folder, NO_HANDLE],
            })
            .await?;
        release_output(h, &p, 1).await;
        p
    } else {
        let scope = h.scope("Sync", false)?;
        let cfg = h.configure_request(&scope);
        let ctx = {
            use ics_client::sync::ops::IcsOps as _;
            h.client
                .ops_mut()
                .configure(ics_client::sync::ops::Obj(folder), &cfg)
                .await
                .map_err(|e| format!("RopSynchronizationConfigure: {e}"))?
        };
        h.release_handles(&[ctx.0]).await;
        let p = h
            .probe(RopRequestBuffer {
                rops: vec![get_buffer_rop()],
                handles: vec![ctx.0],
            })
            .await?;
        h.release_handles(&[folder]).await;
        p
    };
    keep(w, p, 0, "the ROP on the released handle")
}

fn get_buffer_rop() -> RopRequest {
    RopRequest::FastTransferSourceGetBuffer(FastTransferSourceGetBufferRequest {
        logon_id: 0,
        input_handle_index: 0,
        buffer_size: ics_wire::rop::fasttransfer::BUFFER_SIZE_SENTINEL,
        maximum_buffer_size: Some(0x7000),
    })
}

/// R-008: a handle value that was never assigned.
async fn never_assigned(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.sync_folder()?;
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![open_folder_rop(0, 1, fid)],
            handles: vec![NEVER_ASSIGNED, NO_HANDLE],
        })
        .await?;
    release_output(h, &p, 1).await;
    keep(w, p, 0, "RopOpenFolder")
}

/// R-007: RopRelease (of a live handle, or of one the server never assigned: its errors are
/// ignored) and a RopOpenFolder after it in the same buffer.
async fn release_then_open(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.folder(a.s(2))?;
    let logon = h.client_logon()?;
    let first = if a.s(1) == "its folder handle" {
        h.open_folder_handle("Sync").await?
    } else {
        NEVER_ASSIGNED
    };
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![release_rop(0), open_folder_rop(1, 2, fid)],
            handles: vec![first, logon, NO_HANDLE],
        })
        .await?;
    if let Ok(r) = p.responses()
        && let Some(&x) = r.handles.get(2)
        && x != NO_HANDLE
    {
        h.release_handles(&[x]).await;
    }
    keep(w, p, 1, "RopOpenFolder")
}

async fn no_release_response(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?;
    // The decoder pairs each response with the next request that has one (RopRelease has
    // none), so a RopRelease response (RopId 0x01) would not decode.
    let resp = p.responses()?;
    if let Some(r) = resp.rops.iter().find(|r| r.rop_id() == 0x01) {
        return Err(format!("the server answered RopRelease: {r:?}"));
    }
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let expected = req.rops.iter().filter(|r| r.has_response()).count();
    if resp.rops.len() != expected {
        return Err(format!(
            "{} responses for {expected} ROPs other than RopRelease",
            resp.rops.len()
        ));
    }
    Ok(())
}

/// R-005, R-006: slots 0 (unreferenced), 1 and 3 (input), 2 and 4 (output), 5 (unreferenced,
/// trailing).
async fn mixed_table(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.folder(a.s(1))?;
    let logon = h.client_logon()?;
    let root = h.open_folder_handle("root").await?;
    let folder = h.open_folder_handle(a.s(1)).await?;
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![open_folder_rop(1, 2, fid), open_folder_rop(3, 4, fid)],
            handles: vec![root, logon, NO_HANDLE, folder, NO_HANDLE, NO_HANDLE],
        })
        .await?;
    keep(w, p, 1, "RopOpenFolder")
}

async fn table_kept(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?.clone();
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let out = p.responses()?.handles.clone();
    if out.len() < 5 {
        return Err(format!(
            "the returned table has {} entries; index 4 was referenced",
            out.len()
        ));
    }
    for i in [0, 1, 3] {
        if out[i] != req.handles[i] {
            return Err(format!(
                "entry {i} came back as {:#x}, sent {:#x}",
                out[i], req.handles[i]
            ));
        }
    }
    if let Some(&x) = out.get(5)
        && x != req.handles[5]
    {
        return Err(format!("the unreferenced entry 5 came back as {x:#x}"));
    }
    let (a, b) = (out[2], out[4]);
    if a == NO_HANDLE || b == NO_HANDLE || a == b {
        return Err(format!("the new handles are {a:#x} and {b:#x}"));
    }
    if req.handles.contains(&a) || req.handles.contains(&b) {
        return Err(format!("a new handle ({a:#x}, {b:#x}) repeats a live one"));
    }
    let h = w.harness().await?;
    let fid = h.sync_folder()?;
    let used = h
        .probe_ok(
            vec![open_folder_rop(0, 2, fid), open_folder_rop(1, 3, fid)],
            vec![a, b, NO_HANDLE, NO_HANDLE],
            "RopOpenFolder through the new handles",
        )
        .await;
    let mut mine = vec![a, b, req.handles[0], req.handles[3]];
    if let Ok(t) = &used {
        mine.extend(t.iter().skip(2).copied().filter(|x| *x != NO_HANDLE));
    }
    h.release_handles(&mine).await;
    used.map(|_| ())
}

/// R-005: many objects made in one buffer.
async fn open_many(w: &mut SuiteWorld, a: Args) -> Res {
    let n = u8::try_from(a.n(2)?)
        .ok()
        .filter(|n| (1..=250).contains(n))
        .ok_or("1 to 250 opens")?;
    let h = w.harness().await?;
    let fid = h.folder(a.s(1))?;
    let logon = h.client_logon()?;
    let rops = (1..=n).map(|i| open_folder_rop(0, i, fid)).collect();
    let mut handles = vec![logon];
    handles.extend(std::iter::repeat_n(NO_HANDLE, n as usize));
    let p = h.probe(RopRequestBuffer { rops, handles }).await?;
    if let Ok(r) = p.responses() {
        let made: Vec<u32> = r
            .handles
            .iter()
            .skip(1)
            .copied()
            .filter(|x| *x != NO_HANDLE)
            .collect();
        h.release_handles(&made).await;
    }
    keep(w, p, 0, "RopOpenFolder")
}

async fn handles_distinct(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?;
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let resp = p.responses()?;
    if let Some(r) = resp.rops.iter().find(|r| return_value(r) != Some(0)) {
        return Err(format!("{} failed: {r:?}", r.name()));
    }
    let n = req.rops.len();
    let out: Vec<u32> = resp.handles.iter().skip(1).take(n).copied().collect();
    if out.len() != n {
        return Err(format!("{} output entries for {n} objects", out.len()));
    }
    if let Some(i) = out.iter().position(|x| *x == NO_HANDLE) {
        return Err(format!("object {} got the handle 0xFFFFFFFF", i + 1));
    }
    let set: std::collections::BTreeSet<_> = out.iter().collect();
    if set.len() != n {
        return Err(format!("{} distinct handles for {n} objects", set.len()));
    }
    Ok(())
}

/// R-009: read-only ROPs whose responses cannot all fit the output buffer.
async fn many_reads(w: &mut SuiteWorld, a: Args) -> Res {
    let n = u8::try_from(a.n(1)?).map_err(|_| "at most 255 ROPs")?;
    let out = u32::try_from(a.n(3)?).map_err(|_| "the output buffer is 32 bits")?;
    let h = w.harness().await?;
    let folder = h.open_folder_handle(a.s(2)).await?;
    let rops = (0..n)
        .map(|_| {
            RopRequest::GetPropertiesSpecific(GetPropertiesSpecificRequest {
                logon_id: 0,
                input_handle_index: 0,
                property_size_limit: 0,
                want_unicode: 1,
                property_tags: vec![PID_TAG_DISPLAY_NAME],
            })
        })
        .collect();
    h.client
        .ops_mut()
        .transport_mut()
        .set_output_buffer(Some(out));
    let p = h
        .probe(RopRequestBuffer {
            rops,
            handles: vec![folder],
        })
        .await;
    h.client.ops_mut().transport_mut().set_output_buffer(None);
    h.release_handles(&[folder]).await;
    w.probes.output_buffer = Some(out);
    let last = usize::from(n).saturating_sub(1);
    keep(w, p?, last, "RopGetPropertiesSpecific")
}

async fn too_small(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?;
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let resp = p.responses()?;
    let Some(RopResponse::BufferTooSmall(b)) = resp.rops.last() else {
        return Err(format!(
            "{} of {} responses and no RopBufferTooSmall",
            resp.rops.len(),
            req.rops.len()
        ));
    };
    let k = resp.rops.len() - 1;
    if let Some(r) = resp.rops[..k].iter().find(|r| return_value(r) != Some(0)) {
        return Err(format!("an answered ROP failed: {r:?}"));
    }
    let mut rest = Vec::new();
    for r in &req.rops[k..] {
        r.encode(&mut rest).map_err(|e| e.to_string())?;
    }
    if b.request_buffers != rest {
        return Err(format!(
            "RequestBuffers holds {} bytes; the {} unprocessed requests are {} bytes",
            b.request_buffers.len(),
            req.rops.len() - k,
            rest.len()
        ));
    }
    if b.size_needed == 0 {
        return Err("SizeNeeded is 0".into());
    }
    if let (crate::driver::rawrop::Reply::Buffer { bytes, .. }, Some(limit)) =
        (&p.reply, w.probes.output_buffer)
        && bytes.len() > limit as usize
    {
        return Err(format!(
            "the response buffer holds {} bytes, more than the {limit} allowed",
            bytes.len()
        ));
    }
    Ok(())
}

/// R-011: a RopId the table of [MS-OXCROPS] 2.2.2 marks Reserved, alone in a buffer.
async fn reserved_rop(w: &mut SuiteWorld, a: Args) -> Res {
    let id = u8::try_from(a.n(1)?).map_err(|_| "a RopId is one byte")?;
    let h = w.harness().await?;
    let logon = h.client_logon()?;
    let mut b = vec![5, 0, id, 0, 0];
    b.extend(logon.to_le_bytes());
    let p = h.probe_bytes(b).await;
    keep(w, p, 0, "the reserved ROP")
}

/// R-011 is a SHOULD: an RPC-level failure passes, a response buffer is a warning; a server
/// that drops the connection (or answers nothing at all) fails.
async fn rpc_or_warning(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, _) = last_probe(w)?;
    match &p.reply {
        crate::driver::rawrop::Reply::Rpc(_) => Ok(()),
        crate::driver::rawrop::Reply::Transport(e) => {
            Err(format!("the server answered no RPC result: {e}"))
        }
        crate::driver::rawrop::Reply::Buffer { bytes, .. } => {
            w.warn(format!(
                "the RPC succeeded with a {}-byte response buffer: the server SHOULD fail it",
                bytes.len()
            ));
            Ok(())
        }
    }
}

/// R-016: RopSynchronization* ROPs on a FastTransfer download context (CopyMessages of m1)
/// or upload context (DestinationConfigure CopyTo on a new message).
async fn sync_rop_on_ft(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let fid = h.sync_folder()?;
    let logon = h.client_logon()?;
    let m1 = h.message("m1")?;
    let make = if a.s(2) == "download" {
        RopRequest::FastTransferSourceCopyMessages(FastTransferSourceCopyMessagesRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            message_ids: vec![m1.mid],
            copy_flags: CopyMessagesCopyFlags(0),
            send_options: SendOptions(0x01),
        })
    } else {
        RopRequest::FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            source_operation: SourceOperation(0x01),
            copy_flags: DestinationConfigureCopyFlags(0),
        })
    };
    let mut rops = vec![open_folder_rop(0, 1, fid)];
    if a.s(2) == "upload" {
        rops.push(RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            code_page_id: 0x0FFF,
            folder_id: fid,
            associated_flag: 0,
        }));
    }
    rops.push(make);
    let table = h
        .probe_ok(
            rops,
            vec![logon, NO_HANDLE, NO_HANDLE, NO_HANDLE],
            "making the FastTransfer context",
        )
        .await?;
    let ctx = table.get(3).copied().unwrap_or(NO_HANDLE);
    let rop = match a.s(1) {
        "RopSynchronizationUploadStateStreamBegin" => {
            RopRequest::SynchronizationUploadStateStreamBegin(
                SynchronizationUploadStateStreamBeginRequest {
                    logon_id: 0,
                    input_handle_index: 0,
                    state_property: ics_wire::state::META_TAG_CNSET_SEEN,
                    transfer_buffer_size: 0,
                },
            )
        }
        "RopSynchronizationGetTransferState" => {
            RopRequest::SynchronizationGetTransferState(InputOutputHandleRequest {
                logon_id: 0,
                input_handle_index: 0,
                output_handle_index: 1,
            })
        }
        _ => RopRequest::SynchronizationImportDeletes(
            ics_wire::rop::import::SynchronizationImportDeletesRequest {
                logon_id: 0,
                input_handle_index: 0,
                import_delete_flags: ImportDeleteFlags(0),
                property_values: vec![TaggedPropertyValue(TaggedValue {
                    tag: PropTag(0x0000_1102),
                    value: PropValue::MvBinary(vec![h.message_key("m1")?]),
                })],
            },
        ),
    };
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![rop],
            handles: vec![ctx, NO_HANDLE],
        })
        .await?;
    release_output(h, &p, 1).await;
    let mut owned: Vec<u32> = table.iter().skip(1).copied().collect();
    owned.reverse();
    h.release_handles(&owned).await;
    let name = a.s(1).to_owned();
    keep(w, p, 0, &name)
}

/// R-017: the failed ROP's output slot holds no usable object: it is unchanged, absent, or a
/// value on which the object's ROP (PutBuffer for an upload context, else GetBuffer) fails.
async fn no_object(w: &mut SuiteWorld, _: Args) -> Res {
    let (p, i) = last_probe(w)?.clone();
    let req = p.request.as_ref().ok_or("the probe was hand-made")?;
    let rop = req.rops.get(i).ok_or("no such ROP in the probe")?;
    let slot = rop
        .output_handle_index()
        .ok_or_else(|| format!("{} creates no object", rop.name()))? as usize;
    let o = p.observed(i);
    if o.return_value == Some(0) {
        return Err(format!("{} succeeded", rop.name()));
    }
    let Ok(resp) = p.responses() else {
        return Ok(()); // an RPC-level failure returns no handle table at all
    };
    let sent = req.handles.get(slot).copied().unwrap_or(NO_HANDLE);
    match resp.handles.get(slot).copied() {
        None => Ok(()),
        Some(x) if x == sent => Ok(()),
        Some(x) => {
            // A ROP the object would take if it existed.
            let use_it = match rop {
                RopRequest::FastTransferDestinationConfigure(_) => {
                    RopRequest::FastTransferDestinationPutBuffer(
                        ics_wire::rop::fasttransfer::FastTransferDestinationPutBufferRequest {
                            logon_id: 0,
                            input_handle_index: 0,
                            transfer_data: vec![0x03, 0x00, 0x01, 0x40],
                        },
                    )
                }
                _ => get_buffer_rop(),
            };
            let h = w.harness().await?;
            let q = h
                .probe(RopRequestBuffer {
                    rops: vec![use_it],
                    handles: vec![x],
                })
                .await?;
            if q.observed(0).return_value == Some(0) {
                h.release_handles(&[x]).await;
                return Err(format!(
                    "the failed {} returned a usable object {x:#x}",
                    rop.name()
                ));
            }
            w.record(format!(
                "the failed {} left {x:#x} in its output slot, which is no usable object",
                rop.name()
            ));
            Ok(())
        }
    }
}

/// R-277..R-284, R-287, R-288, R-290: every IDSET of the last download decodes in its form,
/// with no deviation from the formatted-IDSET rules.
async fn idsets_formatted(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness.as_deref().ok_or("nothing was done yet")?;
    let d = h.downloads.last().ok_or("no download yet")?;
    let (state, mut transient) = match &d.root {
        Some(ics_wire::ftstream::Root::ContentsSync(cs)) => {
            let mut t = Vec::new();
            if let Some(del) = &cs.deletions {
                t.extend(del.props.iter().cloned());
            }
            if let Some(rs) = &cs.read_state_changes {
                t.extend(rs.props.iter().cloned());
            }
            (cs.state.props.clone(), t)
        }
        Some(ics_wire::ftstream::Root::HierarchySync(hs)) => (
            hs.state.props.clone(),
            hs.deletions
                .as_ref()
                .map(|d| d.props.clone())
                .unwrap_or_default(),
        ),
        _ => return Err("the last download has no contentsSync or hierarchySync".into()),
    };
    let mut seen = 0;
    for p in &state {
        let Some(b) = p.as_binary() else { continue };
        seen += 1;
        let (_, notes) = IdSet::<ReplGuid>::decode_with_notes(b)
            .map_err(|e| format!("state property {:#010x}: {e}", p.tag.0))?;
        check_notes(p.tag.0, &notes)?;
    }
    for p in transient.drain(..) {
        let Some(b) = p.as_binary() else { continue };
        seen += 1;
        let (_, notes) = IdSet::<ReplId>::decode_with_notes(b)
            .map_err(|e| format!("{:#010x} (REPLID form): {e}", p.tag.0))?;
        check_notes(p.tag.0, &notes)?;
    }
    if seen == 0 {
        return Err("the download holds no IDSET".into());
    }
    Ok(())
}

fn check_notes(tag: u32, notes: &[FormatNote]) -> Res {
    match notes.first() {
        None => Ok(()),
        Some(n) => Err(format!("{tag:#010x} is not a formatted IDSET: {n:?}")),
    }
}
