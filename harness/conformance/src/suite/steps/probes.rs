//! The GetBuffer probes and the output buffer of the client's connection, the client's
//! progress report and client headers ([MS-OXCSYNC] 3.1.1.5, 3.1.5.3.5, 3.1.5.3.6;
//! [MS-OXCFXICS] 3.2.5.8.1.5, 3.3.5.8.1; [MS-OXCROPS] 3.2.4.3).

use std::time::Duration;

use ics_client::model::Scope;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::SyncError;
use ics_client::sync::ops::{BufferSize, GetBufferReply, IcsOps, TransferStatus};
use ics_client::sync::progress::ProgressTracker;
use ics_client::transport::TransportError;
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::rop::{RopRequest, RopResponse};

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{DownloadRec, GetBufferRec, Harness, StateMode, observed_of};
use crate::outcome::Observed;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client reads the stream with BufferSize (\d+|0x[0-9A-Fa-f]+)(?: and MaximumBufferSize (\d+|0x[0-9A-Fa-f]+))? and an output buffer of (\d+) bytes$" => output_buffer,
        r"^the client reads the stream before uploading a state$" => before_state,
        r"^the client reported progress reaching (\d+) of (\d+) messages$" => progress_reached,
        r"^the client synchronizes client headers with the property tags ((?:PidTag\w+|0x[0-9A-Fa-f]{8})(?:, (?:PidTag\w+|0x[0-9A-Fa-f]{8}))*)$" => header_sync,
        r"^the client completes the client headers of (\w+(?:, \w+)*) with CopyMessages and SendEntryId$" => complete_headers,
    ]
}

pub(super) fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

/// Every request ROP of the trace positions `from..to` with its response (ROPs without a
/// response, such as RopRelease, get `None`).
pub(super) fn pairs(h: &Harness, from: usize, to: usize) -> Vec<(RopRequest, Option<RopResponse>)> {
    let mut out = Vec::new();
    for x in h.trace_from(from).into_iter().take(to.saturating_sub(from)) {
        let Some(q) = x.request else { continue };
        let mut resps = x.response.map(|r| r.rops).unwrap_or_default().into_iter();
        for r in q.rops {
            let resp = if r.has_response() { resps.next() } else { None };
            out.push((r, resp));
        }
    }
    out
}

/// GetBuffer sizes plus the ROP output buffer of the client's connection (R-009, R-052).
async fn output_buffer(w: &mut SuiteWorld, a: Args) -> Res {
    let size = u16::try_from(a.n(1)?).map_err(|_| "BufferSize is 16 bits".to_string())?;
    let max = if a.has(2) {
        u16::try_from(a.n(2)?).map_err(|_| "MaximumBufferSize is 16 bits".to_string())?
    } else {
        32767
    };
    let out = u32::try_from(a.n(3)?).map_err(|_| "the output buffer is 32 bits".to_string())?;
    let h = w.harness().await?;
    h.params.buffer = if size == 0xBABE {
        BufferSize::Babe { max }
    } else {
        BufferSize::Fixed(size)
    };
    h.client
        .ops_mut()
        .transport_mut()
        .set_output_buffer(Some(out));
    Ok(())
}

/// RopSynchronizationConfigure, then GetBuffer with no state upload ROP at all (R-080 forbids
/// it to the client; R-137: the server may treat the state as empty). Not applied.
async fn before_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    h.release_open_context().await;
    let scope = h.scope("Sync", false)?;
    let start = h.trace_len();
    let mut rec = DownloadRec {
        scope: Some(scope.clone()),
        ..DownloadRec::default()
    };
    let cfg = h.configure_request(&scope);
    rec.configure_request = Some(cfg.clone());
    let ops = h.client.ops_mut();
    let folder = ops
        .open_folder(scope.folder_fid)
        .await
        .map_err(|e| format!("RopOpenFolder: {e}"))?;
    let configured = ops.configure(folder, &cfg).await;
    let _ = h.client.ops_mut().release(folder).await;
    match configured {
        Err(e) => {
            rec.error = Some(format!("RopSynchronizationConfigure: {e}"));
            rec.configure = observed_of(&Err(e));
            rec.download = rec.configure.clone();
        }
        Ok(ctx) => {
            rec.configure = observed_of(&Ok(()));
            h.open_ctx = Some(ctx);
            if let Err(e) = h.download_on(ctx, &scope, StateMode::None, &mut rec).await {
                rec.error = Some(e);
            }
        }
    }
    rec.trace = (start, h.trace_len());
    h.last = Some(("download".into(), rec.download.clone()));
    h.downloads.push(rec);
    Ok(())
}

/// The answer times of the GetBuffer exchanges in a trace range, relative to its start.
fn get_buffer_times(h: &Harness, (from, to): (usize, usize)) -> Vec<Duration> {
    let xs = h.trace_from(from);
    let Some(t0) = xs.first().map(|x| x.exchange.sent) else {
        return Vec::new();
    };
    xs.into_iter()
        .take(to.saturating_sub(from))
        .filter(|x| {
            x.request.as_ref().is_some_and(|q| {
                q.rops
                    .iter()
                    .any(|r| matches!(r, RopRequest::FastTransferSourceGetBuffer(_)))
            })
        })
        .map(|x| x.exchange.answered.duration_since(t0))
        .collect()
}

/// R-304: the client's progress tracker over the last download (its GetBuffer responses and
/// progress elements) reports that many messages begun of that many announced.
async fn progress_reached(w: &mut SuiteWorld, a: Args) -> Res {
    let (done, total) = (a.n(1)?, a.n(2)?);
    let h = h_of(w)?;
    let d = h.downloads.last().ok_or("no download yet")?;
    let cs = d.contents()?;
    let times = get_buffer_times(h, d.trace);
    let mut t = ProgressTracker::new();
    for (i, g) in d.get_buffers.iter().enumerate() {
        if let GetBufferReply::Data {
            in_progress,
            total_steps,
            buffer,
            ..
        } = &g.reply
        {
            let at = times.get(i).copied().unwrap_or_default();
            t.on_get_buffer(*in_progress, *total_steps, buffer.len(), at);
        }
    }
    if let Some(p) = &cs.progress_total {
        t.on_progress_total(p).map_err(|e| e.to_string())?;
    }
    for item in &cs.changes {
        if let ft::ContentsSyncItem::Change {
            progress: Some(p), ..
        } = item
        {
            t.on_per_message(p).map_err(|e| e.to_string())?;
        }
    }
    let r = t.report();
    if r.steps.is_empty() {
        return Err("the client's report holds no GetBuffer step".into());
    }
    match r.messages {
        Some(m) if m == (done, total) => Ok(()),
        Some((d, t)) => Err(format!("the client reported {d} of {t} messages")),
        None => Err("the client reported no message progress (no progressTotal)".into()),
    }
}

/// How an operation of the client engine ended, for an [`Observed`].
fn observed_sync<T>(r: &Result<T, SyncError>) -> Observed {
    use ics_client::sync::ops::OpError;
    match r {
        Ok(_) => observed_of(&Ok(())),
        Err(SyncError::Op(OpError::Rop { code, .. })) => Observed {
            return_value: Some(*code),
            ..Observed::default()
        },
        Err(SyncError::Op(OpError::Transport(TransportError::RpcStatus(c)))) => Observed {
            rpc_failure: Some(*c),
            ..Observed::default()
        },
        Err(SyncError::TransferFailed { code }) => Observed {
            return_value: Some(*code),
            transfer_status_error: *code == 0,
            ..Observed::default()
        },
        Err(_) => Observed {
            rpc_failure: Some(0xFFFF_FFFF),
            ..Observed::default()
        },
    }
}

/// The TransferBuffers of the successful GetBuffer responses in the trace from `from`.
fn stream_in_trace(h: &Harness, from: usize) -> (Vec<u8>, Vec<GetBufferRec>) {
    let mut bytes = Vec::new();
    let mut recs = Vec::new();
    for (_, r) in pairs(h, from, usize::MAX) {
        let Some(RopResponse::FastTransferSourceGetBuffer(g)) = r else {
            continue;
        };
        if g.return_value.to_u32() != 0 {
            continue;
        }
        bytes.extend_from_slice(&g.transfer_buffer);
        let status = match g.transfer_status.0 {
            0 => TransferStatus::Error,
            1 => TransferStatus::Partial,
            2 => TransferStatus::NoRoom,
            3 => TransferStatus::Done,
            s => TransferStatus::Unknown(s),
        };
        recs.push(GetBufferRec {
            reply: GetBufferReply::Data {
                status,
                in_progress: g.in_progress_count,
                total_steps: g.total_step_count,
                buffer: g.transfer_buffer,
            },
        });
    }
    (bytes, recs)
}

/// R-326: the client engine downloads client headers (OnlySpecifiedProperties and the tags);
/// the stream it received (from the trace) is kept as the download.
async fn header_sync(w: &mut SuiteWorld, a: Args) -> Res {
    let props = parse::props(a.s(1))?;
    let h = w.harness().await?;
    h.release_open_context().await;
    let fid = h.sync_folder()?.to_u64_le();
    let scope = Scope::contents(fid);
    let start = h.trace_len();
    h.client.options_mut().only_specified = Some(props);
    let r = h.client.download(&scope, &CancelToken::new()).await;
    h.client.options_mut().only_specified = None;
    let (bytes, get_buffers) = stream_in_trace(h, start);
    let root = ft::parse(RootKind::ContentsSync, &bytes).ok();
    let final_state = match &root {
        Some(ft::Root::ContentsSync(cs)) => {
            let props: Vec<_> = cs
                .state
                .props
                .iter()
                .map(|p| ics_wire::prop::TaggedValue {
                    tag: p.tag,
                    value: p.value.clone(),
                })
                .collect();
            ics_wire::state::IcsState::from_props(&props).ok()
        }
        _ => None,
    };
    let rec = DownloadRec {
        scope: Some(scope),
        download: observed_sync(&r),
        get_buffers,
        bytes,
        root,
        final_state,
        error: r.as_ref().err().map(ToString::to_string),
        trace: (start, h.trace_len()),
        ..DownloadRec::default()
    };
    h.last = Some(("download".into(), rec.download.clone()));
    h.downloads.push(rec);
    r.map(|_| ())
        .map_err(|e| format!("the client's header download failed: {e}"))
}

/// R-327, R-328, R-039: the client engine completes the named headers with
/// RopFastTransferSourceCopyMessages and SendEntryId; the copy stream it received (from the
/// trace) is kept as the last download.
async fn complete_headers(w: &mut SuiteWorld, a: Args) -> Res {
    let names = parse::names(a.s(1));
    let h = w.harness().await?;
    h.release_open_context().await;
    let fid = h.sync_folder()?.to_u64_le();
    let keys = names
        .iter()
        .map(|n| h.message_key(n))
        .collect::<Result<Vec<_>, _>>()?;
    let start = h.trace_len();
    let r = h
        .client
        .complete_headers(fid, &keys, &CancelToken::new())
        .await;
    let (bytes, get_buffers) = stream_in_trace(h, start);
    let root = ft::parse(RootKind::MessageList, &bytes).ok();
    let observed = observed_sync(&r);
    h.downloads.push(DownloadRec {
        download: observed.clone(),
        get_buffers,
        bytes,
        root,
        error: r.as_ref().err().map(ToString::to_string),
        trace: (start, h.trace_len()),
        ..DownloadRec::default()
    });
    h.last = Some(("RopFastTransferSourceCopyMessages".into(), observed));
    match r {
        Ok(n) if n == keys.len() as u64 => Ok(()),
        Ok(n) => Err(format!(
            "the client completed {n} of {} headers",
            keys.len()
        )),
        Err(e) => Err(format!("the client cannot complete the headers: {e}")),
    }
}
