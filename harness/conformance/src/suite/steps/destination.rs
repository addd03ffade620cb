//! FastTransfer upload ([MS-OXCFXICS] 2.2.3.1.2, 3.2.5.8.2, 3.3.4.2; digest group E, R-021):
//! RopFastTransferDestinationConfigure with each SourceOperation, PutBuffer and the response
//! fields, and a copy stream downloaded with RopFastTransferSourceCopyTo / CopyMessages and
//! uploaded into another folder ([`crate::driver::rawrop`]).

use ics_wire::prop::PropTag;
use ics_wire::rop::fasttransfer::{
    FastTransferDestinationConfigureRequest, FastTransferSourceCopyMessagesRequest,
    FastTransferSourceCopyToRequest,
};
use ics_wire::rop::flags::{
    CopyMessagesCopyFlags, CopyToCopyFlags, DestinationConfigureCopyFlags, MessageOpenModeFlags,
    SendOptions, SourceOperation,
};
use ics_wire::rop::message::OpenMessageRequest;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse};

use super::{Args, Res, parse, steps};
use crate::driver::rawrop::{UploadTarget, open_folder_rop};
use crate::driver::{Harness, ServerMessage, find_prop};
use crate::world::SuiteWorld;

const NO_HANDLE: u32 = 0xFFFF_FFFF;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client configures a FastTransfer upload on (a new message of folder ([A-Z]\w*)|message ([mf]\d+)|folder ([A-Z]\w*)) with SourceOperation (\d+|0x[0-9A-Fa-f]+)(?: and CopyFlags (\d+|0x[0-9A-Fa-f]+))?$" => configure,
        r"^the client uploads the (CopyTo|CopyMessages) stream of (\w+(?:, \w+)*) into (a new message of folder ([A-Z]\w*)|message ([mf]\d+)|folder ([A-Z]\w*)) with SourceOperation (CopyTo|CopyProperties|CopyMessages)(?: and CopyFlags (\d+|0x[0-9A-Fa-f]+))?(?: in PutBuffer pieces of (\d+|0x[0-9A-Fa-f]+) bytes)?( without saving it)?(, allowing it to fail)?$" => upload,
        r"^the client saves the uploaded message$" => save,
        r"^every PutBuffer response had Reserved 0, InProgressCount 0 and BufferUsedSize equal to its TransferDataSize, or a SHOULD-level warning is recorded$" => put_buffer_fields,
        r"^the report records the TotalStepCount of the PutBuffer responses$" => record_total_steps,
        r"^the server folder ([A-Z]\w*) holds (\d+|0x[0-9A-Fa-f]+) messages?$" => folder_count,
        r"^the server folder ([A-Z]\w*) holds a copy of ([mf]\d+) with the same ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)$" => holds_copy,
        r"^the destination configure failed, or the server folder ([A-Z]\w*) holds a copy of ([mf]\d+) with the same ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*); the report records which$" => failed_or_copied,
    ]
}

/// The upload target of captures `base` (new message), `base + 1` (message), `base + 2`
/// (folder).
fn target_of(h: &Harness, a: &Args, base: usize) -> Result<UploadTarget, String> {
    if a.has(base) {
        Ok(UploadTarget::NewMessage(h.folder(a.s(base))?))
    } else if a.has(base + 1) {
        let m = h.message(a.s(base + 1))?;
        Ok(UploadTarget::Message(m.folder, m.mid))
    } else {
        Ok(UploadTarget::Folder(h.folder(a.s(base + 2))?))
    }
}

fn byte(a: &Args, i: usize, default: u8) -> Result<u8, String> {
    if !a.has(i) {
        return Ok(default);
    }
    u8::try_from(a.n(i)?).map_err(|_| format!("`{}` is not one byte", a.s(i)))
}

/// R-062, R-064, R-017: RopFastTransferDestinationConfigure alone; the context is released.
async fn configure(w: &mut SuiteWorld, a: Args) -> Res {
    let (op, flags) = (byte(&a, 5, 0)?, byte(&a, 6, 0)?);
    let h = w.harness().await?;
    let target = target_of(h, &a, 2)?;
    let (obj, owners) = h.open_upload_target(&target).await?;
    let rop =
        RopRequest::FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            source_operation: SourceOperation(op),
            copy_flags: DestinationConfigureCopyFlags(flags),
        });
    let p = h
        .probe(RopRequestBuffer {
            rops: vec![rop],
            handles: vec![obj, NO_HANDLE],
        })
        .await?;
    let o = p.observed(0);
    if o.return_value == Some(0)
        && let Ok(r) = p.responses()
        && let Some(&ctx) = r.handles.get(1)
    {
        h.release_handles(&[ctx]).await;
    }
    h.release_handles(&[obj]).await;
    h.release_handles(&owners).await;
    h.last = Some(("RopFastTransferDestinationConfigure".into(), o));
    w.probes.last = Some((p, 0));
    Ok(())
}

/// The copy stream of the named messages: RopFastTransferSourceCopyTo of one message (Level
/// 0, CopyFlags 0, nothing excluded) or CopyMessages (CopyFlags 0), with the scenario's
/// SendOptions.
async fn copy_stream(h: &mut Harness, kind: &str, names: &[String]) -> Result<Vec<u8>, String> {
    let first = h.message(names.first().ok_or("no message named")?)?;
    let send_options = SendOptions(h.params.send_options);
    if kind == "CopyTo" {
        if names.len() != 1 {
            return Err("CopyTo copies one message".into());
        }
        let opens = vec![
            open_folder_rop(0, 1, first.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: first.folder,
                open_mode_flags: MessageOpenModeFlags(0x00),
                message_id: first.mid,
            }),
        ];
        let copy = RopRequest::FastTransferSourceCopyTo(FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options,
            property_tags: Vec::new(),
        });
        h.ft_download(opens, copy).await
    } else {
        let mut mids = Vec::new();
        for n in names {
            let m = h.message(n)?;
            if m.folder != first.folder {
                return Err("CopyMessages copies messages of one folder".into());
            }
            mids.push(m.mid);
        }
        let copy =
            RopRequest::FastTransferSourceCopyMessages(FastTransferSourceCopyMessagesRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                message_ids: mids,
                copy_flags: CopyMessagesCopyFlags(0),
                send_options,
            });
        h.ft_download(vec![open_folder_rop(0, 1, first.folder)], copy)
            .await
    }
}

/// R-021, R-063, R-065: download a copy stream, then upload it into the target.
async fn upload(w: &mut SuiteWorld, a: Args) -> Res {
    let names = parse::names(a.s(2));
    let op = match a.s(7) {
        "CopyTo" => 0x01,
        "CopyProperties" => 0x02,
        _ => 0x03,
    };
    let flags = byte(&a, 8, 0)?;
    let piece = if a.has(9) {
        usize::try_from(a.n(9)?).map_err(|e| e.to_string())?
    } else {
        0x7000
    };
    if piece == 0 {
        return Err("PutBuffer pieces hold at least one byte (R-066)".into());
    }
    let (save, allowed) = (!a.has(10), a.has(11));
    let h = w.harness().await?;
    let stream = copy_stream(h, a.s(1), &names)
        .await
        .map_err(|e| format!("the copy stream: {e}"))?;
    let target = target_of(h, &a, 4)?;
    let up = h
        .ft_upload(&target, op, flags, &stream, piece, save)
        .await?;
    h.last = up.last.clone();
    let failed = up
        .last
        .as_ref()
        .filter(|(_, o)| o.return_value != Some(0))
        .map(|(n, o)| format!("{n}: {o}"));
    w.probes.upload = Some(up);
    match failed {
        Some(e) if !allowed => Err(format!("the upload failed: {e}")),
        _ => Ok(()),
    }
}

/// R-065: RopSaveChangesMessage of the message uploaded `without saving it`.
async fn save(w: &mut SuiteWorld, _: Args) -> Res {
    let msg = w
        .probes
        .upload
        .as_mut()
        .and_then(|u| u.message.take())
        .ok_or("no uploaded message is open")?;
    let h = w.harness().await?;
    let last = h.save_message(msg).await?;
    h.release_handles(&[msg]).await;
    let ok = last.1.return_value == Some(0);
    let text = format!("{}: {}", last.0, last.1);
    h.last = Some(last);
    if ok { Ok(()) } else { Err(text) }
}

/// One PutBuffer as sent and answered (R-067).
struct PutRow {
    size: usize,
    in_progress: u16,
    total_steps: u16,
    reserved: u8,
    used: u16,
    rv: u32,
}

fn put_buffers(w: &SuiteWorld) -> Result<Vec<PutRow>, String> {
    let up = w.probes.upload.as_ref().ok_or("no upload yet")?;
    if up.put_buffers.is_empty() {
        return Err("the upload sent no PutBuffer".into());
    }
    up.put_buffers
        .iter()
        .map(|(size, r)| match r {
            RopResponse::FastTransferDestinationPutBuffer(p) => Ok(PutRow {
                size: *size,
                in_progress: p.in_progress_count,
                total_steps: p.total_step_count,
                reserved: p.reserved,
                used: p.buffer_used_size,
                rv: p.return_value.to_u32(),
            }),
            other => Err(format!("a PutBuffer was answered by {}", other.name())),
        })
        .collect()
}

/// R-067: Reserved MUST be 0; InProgressCount SHOULD be 0; BufferUsedSize SHOULD equal
/// TransferDataSize on success.
async fn put_buffer_fields(w: &mut SuiteWorld, _: Args) -> Res {
    let rows = put_buffers(w)?;
    let mut warnings = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if r.reserved != 0 {
            return Err(format!(
                "PutBuffer {} answered Reserved {}",
                i + 1,
                r.reserved
            ));
        }
        if r.in_progress != 0 {
            warnings.push(format!(
                "PutBuffer {} answered InProgressCount {} (SHOULD be 0)",
                i + 1,
                r.in_progress
            ));
        }
        if r.rv == 0 && usize::from(r.used) != r.size {
            warnings.push(format!(
                "PutBuffer {} answered BufferUsedSize {} for TransferDataSize {}",
                i + 1,
                r.used,
                r.size
            ));
        }
    }
    for m in warnings {
        w.warn(m);
    }
    Ok(())
}

/// R-067: TotalStepCount is 1 on Exchange 2010+ (<11>), 0 on 2003/2007.
async fn record_total_steps(w: &mut SuiteWorld, _: Args) -> Res {
    let rows = put_buffers(w)?;
    let counts: std::collections::BTreeSet<u16> = rows.iter().map(|r| r.total_steps).collect();
    let counts: Vec<String> = counts.iter().map(u16::to_string).collect();
    w.record(format!(
        "PutBuffer TotalStepCount: {} (Exchange 2010+ answers 1, 2003/2007 answer 0)",
        counts.join(", ")
    ));
    Ok(())
}

/// The normal messages of a server folder, read back on the other session.
async fn normal_messages(h: &mut Harness, folder: &str) -> Result<Vec<ServerMessage>, String> {
    Ok(h.server_messages(folder)
        .await?
        .into_iter()
        .filter(|m| !m.fai)
        .collect())
}

async fn folder_count(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(2)? as usize;
    let h = w.harness().await?;
    let got = normal_messages(h, a.s(1)).await?.len();
    if got == n {
        Ok(())
    } else {
        Err(format!("folder {} holds {got} messages", a.s(1)))
    }
}

/// Whether folder `f` holds a message with the same values of `props` as message `m`.
async fn copy_check(h: &mut Harness, f: &str, m: &str, props: &[PropTag]) -> Res {
    let key = h.message_key(m)?;
    let src_folder = h.folder_name_of(m)?;
    let source = normal_messages(h, &src_folder)
        .await?
        .into_iter()
        .find(|x| x.source_key == key)
        .ok_or_else(|| format!("the server no longer has {m}"))?;
    let mut wanted = Vec::new();
    for t in props {
        let v = find_prop(&source.props, *t)
            .or_else(|| find_prop(&source.header, *t))
            .ok_or_else(|| format!("{m} has no {:#010x} on the server", t.0))?;
        wanted.push((*t, v.clone()));
    }
    let copies = normal_messages(h, f).await?;
    let found = copies.iter().any(|c| {
        c.source_key != key
            && wanted.iter().all(|(t, v)| {
                find_prop(&c.props, *t)
                    .or_else(|| find_prop(&c.header, *t))
                    .is_some_and(|x| x == v)
            })
    });
    if found {
        Ok(())
    } else {
        Err(format!(
            "none of the {} messages of folder {f} has the values of {m}",
            copies.len()
        ))
    }
}

async fn holds_copy(w: &mut SuiteWorld, a: Args) -> Res {
    let props = parse::props(a.s(3))?;
    let h = w.harness().await?;
    copy_check(h, a.s(1), a.s(2), &props).await
}

/// R-064 (group Y): unknown CopyFlags fail the configure (Exchange 2010+, <39>) or are ignored
/// (Exchange 2003/2007, <40>), and then the upload works as without them.
async fn failed_or_copied(w: &mut SuiteWorld, a: Args) -> Res {
    let props = parse::props(a.s(3))?;
    let up = w.probes.upload.clone().ok_or("no upload yet")?;
    if up.configure.return_value != Some(0) {
        w.record(format!(
            "RopFastTransferDestinationConfigure with unknown CopyFlags: fails ({}; Exchange 2010+)",
            up.configure
        ));
        return Ok(());
    }
    if let Some((n, o)) = up.last.as_ref().filter(|(_, o)| o.return_value != Some(0)) {
        return Err(format!(
            "the configure ignored the unknown CopyFlags, but then {n} ended with {o}"
        ));
    }
    let h = w.harness().await?;
    copy_check(h, a.s(1), a.s(2), &props).await?;
    w.record(
        "RopFastTransferDestinationConfigure with unknown CopyFlags: ignored (Exchange 2003/2007)",
    );
    Ok(())
}
