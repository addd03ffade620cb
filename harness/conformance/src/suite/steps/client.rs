//! What the client did (the ROP trace), what its replica holds against the server folder
//! (read back through ROPs), the busy back-off, and the records of the report.

use std::collections::BTreeMap;

use ics_client::model::{Prop, PropKey};
use ics_client::sync::ops::GetBufferReply;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::{RopRequest, RopResponse};

use super::download::{changes, last};
use super::parse::{self, EXTRA_FLAGS};
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client uploaded the state properties ((?:MetaTag\w+)(?:, MetaTag\w+)*) (as zero-length values|once each)$" => uploaded_state,
        r"^the ROP trace holds, in order:$" => trace_in_order,
        r"^the replica equals the server folder(?: ([A-Z]\w*))?$" => replica_equals,
        r"^the replica's message ([mf]\d+) equals the server's$" => replica_message_equals,
        r"^the replica holds (\d+) messages$" => replica_count,
        r#"^message ([mf]\d+) in the replica has (?:no property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})|property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?: "([^"]*)")?)$"# => replica_property,
        r"^the configure request had SendOptions Unicode equal to SynchronizationFlags Unicode$" => unicode_equal,
        r"^the report records (which SendOptions edition the target follows for (0x[0-9A-Fa-f]+|\d+)|the busy code, the BackoffTime and the wait actually taken)$" => report_records,
        r"^the busy GetBuffer responses carried the code (0x[0-9A-Fa-f]{8}), a BackoffTime and no TransferBuffer$" => busy_responses,
        r"^the client waited at least (\d+) ms before each retry$" => waited_at_least,
        r"^the client retried the same GetBuffer (\d+) times$" => retried_times,
        r"^the client stopped after (\d+) busy GetBuffer responses$" => stopped_after,
        r"^the client detected from the stream that (\w+(?:, \w+)*) were honoured$" => detected_honoured,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

/// The requests of the last download, in trace order.
fn last_requests(h: &Harness) -> Result<Vec<RopRequest>, String> {
    let d = last(h)?;
    requests_in(h, d.trace)
}

/// The requests of the trace range `(from, to)`, in order.
fn requests_in(h: &Harness, (from, to): (usize, usize)) -> Result<Vec<RopRequest>, String> {
    Ok(h.trace_from(from)
        .into_iter()
        .take(to - from)
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .collect())
}

async fn uploaded_state(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let want = parse::props(a.s(1))?;
    let reqs = last_requests(h)?;
    let mut uploads: Vec<(u32, usize)> = Vec::new();
    for r in &reqs {
        match r {
            RopRequest::SynchronizationUploadStateStreamBegin(b) => {
                uploads.push((b.state_property.0, 0))
            }
            RopRequest::SynchronizationUploadStateStreamContinue(c) => {
                if let Some(u) = uploads.last_mut() {
                    u.1 += c.stream_data.len();
                }
            }
            _ => {}
        }
    }
    let tags_: Vec<u32> = uploads.iter().map(|u| u.0).collect();
    let want_tags: Vec<u32> = want.iter().map(|t| t.0).collect();
    if tags_ != want_tags {
        return Err(format!(
            "the client uploaded {tags_:08x?}, expected {want_tags:08x?}"
        ));
    }
    if a.s(2) == "as zero-length values" {
        if let Some(u) = uploads.iter().find(|u| u.1 != 0) {
            return Err(format!("{:#010x} was uploaded with {} bytes", u.0, u.1));
        }
        let continues = reqs
            .iter()
            .filter(|r| matches!(r, RopRequest::SynchronizationUploadStateStreamContinue(_)))
            .count();
        if continues != 0 {
            return Err(format!(
                "{continues} UploadStateStreamContinue for zero-length values"
            ));
        }
    }
    Ok(())
}

/// The trace of the last synchronization action: the last upload when it came after the
/// last download, else the last download.
async fn trace_in_order(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let download = h.downloads.last().map(|d| d.trace);
    let upload = h.uploads.last().map(|u| u.trace);
    let reqs = match (download, upload) {
        (Some(d), Some(u)) if u.0 > d.0 => requests_in(h, u)?,
        (None, Some(u)) => requests_in(h, u)?,
        _ => last_requests(h)?,
    };
    let names: Vec<&str> = reqs.iter().map(|r| r.name()).collect();
    let mut pos = 0;
    for row in &a.table {
        let want = row.first().map(String::as_str).unwrap_or("").trim();
        match names[pos..].iter().position(|n| *n == want) {
            Some(i) => pos += i + 1,
            None => {
                return Err(format!(
                    "the ROP trace has no {want} after position {pos}: {names:?}"
                ));
            }
        }
    }
    Ok(())
}

/// A property list as a comparable map (tagged properties by id, named ones by name).
fn prop_map(props: &[Prop]) -> BTreeMap<PropKey, String> {
    props
        .iter()
        .filter(|p| {
            // Read state travels in PidTagMessageFlags and is compared separately.
            p.key != PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS)
        })
        .map(|p| (p.key.clone(), format!("{:?}", normalize(&p.value))))
        .collect()
}

fn normalize(v: &PropValue) -> PropValue {
    match v {
        PropValue::String8(b) => PropValue::unicode(&String::from_utf8_lossy(b)),
        v => v.clone(),
    }
}

async fn compare_message(
    h: &mut Harness,
    sk: &[u8],
    server: &[ics_wire::ftstream::FtProp],
    name: &str,
) -> Res {
    let local = h
        .client
        .replica()
        .message(sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {name}"))?;
    let server: Vec<Prop> = server.iter().map(ics_client::convert::prop).collect();
    let (l, s) = (prop_map(&local.props), prop_map(&server));
    if l != s {
        let only_l: Vec<_> = l.iter().filter(|(k, v)| s.get(*k) != Some(*v)).collect();
        let only_s: Vec<_> = s.iter().filter(|(k, v)| l.get(*k) != Some(*v)).collect();
        return Err(format!(
            "message {name}: the replica has {only_l:?}, the server {only_s:?}"
        ));
    }
    Ok(())
}

async fn replica_equals(w: &mut SuiteWorld, a: Args) -> Res {
    let folder = if a.has(1) {
        a.s(1).to_owned()
    } else {
        "Sync".into()
    };
    let h = w.harness().await?;
    let server = h.server_messages(&folder).await?;
    let fid = h.folder(&folder)?.to_u64_le();
    let local = h
        .client
        .replica()
        .messages_in_fid(fid)
        .map_err(|e| e.to_string())?;
    let mut lk: Vec<Vec<u8>> = local.iter().map(|m| m.source_key.clone()).collect();
    let mut sk: Vec<Vec<u8>> = server.iter().map(|m| m.source_key.clone()).collect();
    lk.sort();
    sk.sort();
    if lk != sk {
        let name = |k: &Vec<u8>| {
            h.name_of_key(k)
                .unwrap_or_else(|| "an unknown message".into())
        };
        return Err(format!(
            "the replica holds {:?}, the server {:?}",
            lk.iter().map(name).collect::<Vec<_>>(),
            sk.iter().map(name).collect::<Vec<_>>()
        ));
    }
    for m in &server {
        let name = h.name_of_key(&m.source_key).unwrap_or_default();
        compare_message(h, &m.source_key, &m.props, &name).await?;
    }
    Ok(())
}

async fn replica_message_equals(w: &mut SuiteWorld, a: Args) -> Res {
    let name = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&name)?;
    let folder = h
        .folders
        .iter()
        .find(|(_, f)| **f == h.messages[&name].folder)
        .map(|(n, _)| n.clone())
        .ok_or("unknown folder")?;
    let server = h.server_messages(&folder).await?;
    let m = server
        .iter()
        .find(|m| m.source_key == sk)
        .ok_or_else(|| format!("the server folder does not hold {name}"))?;
    compare_message(h, &sk, &m.props.clone(), &name).await
}

async fn replica_count(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let fid = h.sync_folder()?.to_u64_le();
    let n = h
        .client
        .replica()
        .messages_in_fid(fid)
        .map_err(|e| e.to_string())?
        .len();
    let want = a.n(1)? as usize;
    (n == want)
        .then_some(())
        .ok_or_else(|| format!("the replica holds {n} messages, expected {want}"))
}

async fn replica_property(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let m = a.s(1);
    let row = h
        .client
        .replica()
        .message(&h.message_key(m)?)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    let tag = parse::prop(if a.has(2) { a.s(2) } else { a.s(3) })?;
    let found = row.props.iter().find(|p| p.key == PropKey::of_tag(tag));
    if a.has(2) {
        return match found {
            None => Ok(()),
            Some(p) => Err(format!("{m} in the replica has {} = {:?}", a.s(2), p.value)),
        };
    }
    let p = found.ok_or_else(|| format!("{m} in the replica has no {}", a.s(3)))?;
    if a.has(4) {
        let want = PropValue::unicode(a.s(4));
        if normalize(&p.value) != want {
            return Err(format!("{m} in the replica has {} = {:?}", a.s(3), p.value));
        }
    }
    Ok(())
}

async fn unicode_equal(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let cfg = last_requests(h)?
        .into_iter()
        .find_map(|r| match r {
            RopRequest::SynchronizationConfigure(c) => Some(c),
            _ => None,
        })
        .ok_or("no configure request in the last synchronization")?;
    let send = cfg.send_options.0 & 0x01 != 0;
    let sync = cfg.synchronization_flags.0 & 0x0001 != 0;
    (send == sync)
        .then_some(())
        .ok_or_else(|| format!("SendOptions Unicode {send}, SynchronizationFlags Unicode {sync}"))
}

async fn report_records(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let note = if a.has(2) {
        let edition = match d.configure.return_value {
            Some(0) => "the current [MS-OXCFXICS] edition (the bit is ignored)",
            Some(0x8007_0057) => "the 2010 [MS-OXCSYNC] edition (the bit fails the configure)",
            _ => "neither edition",
        };
        format!("SendOptions {}: {edition}", a.s(2))
    } else {
        if d.busy.is_empty() {
            return Err("no busy answer to record".into());
        }
        d.busy
            .iter()
            .map(|e| {
                format!(
                    "busy 0x{:08X}, BackoffTime {:?} ms, waited {} ms",
                    e.code,
                    e.backoff_ms,
                    e.waited.as_millis()
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    w.record(note);
    Ok(())
}

/// The GetBuffer responses of the last download, from the trace.
fn get_buffer_responses(
    h: &Harness,
) -> Result<Vec<ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse>, String> {
    let d = last(h)?;
    Ok(h.trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
        .filter_map(|x| x.response)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopResponse::FastTransferSourceGetBuffer(g) => Some(g),
            _ => None,
        })
        .collect())
}

async fn busy_responses(w: &mut SuiteWorld, a: Args) -> Res {
    let code = a.n(1)? as u32;
    let h = h_of(w)?;
    let busy: Vec<_> = get_buffer_responses(h)?
        .into_iter()
        .filter(|g| g.return_value.to_u32() != 0)
        .collect();
    if busy.is_empty() {
        return Err("no busy GetBuffer response".into());
    }
    for g in &busy {
        let rv = g.return_value.to_u32();
        if rv == 0x8004_010B && code == 0x0000_0480 {
            w.warn("legacy [MS-OXCSYNC] 2010 busy code 0x8004010B (Note D-1)");
        } else if rv != code {
            return Err(format!("a busy response carried 0x{rv:08X}"));
        }
        if g.backoff_time.is_none() || g.transfer_buffer_size != 0 || !g.transfer_buffer.is_empty()
        {
            return Err(format!(
                "a busy response had BackoffTime {:?} and {} TransferBuffer bytes",
                g.backoff_time, g.transfer_buffer_size
            ));
        }
    }
    Ok(())
}

async fn waited_at_least(w: &mut SuiteWorld, a: Args) -> Res {
    let ms = a.n(1)?;
    let h = h_of(w)?;
    let d = last(h)?;
    if d.busy.is_empty() {
        return Err("no busy answer was seen".into());
    }
    // The wait as the trace shows it: from each busy response to the next request.
    let trace = h.trace_from(d.trace.0);
    let trace = &trace[..d.trace.1 - d.trace.0];
    let mut seen = 0;
    for (i, x) in trace.iter().enumerate() {
        let busy = x.response.as_ref().is_some_and(|r| {
            r.rops.iter().any(|r| matches!(r, RopResponse::FastTransferSourceGetBuffer(g) if g.return_value.to_u32() != 0))
        });
        if !busy {
            continue;
        }
        let Some(next) = trace.get(i + 1) else {
            continue;
        };
        let waited = next.exchange.sent.duration_since(x.exchange.answered);
        seen += 1;
        if waited.as_millis() < u128::from(ms) {
            return Err(format!(
                "the client retried after {} ms",
                waited.as_millis()
            ));
        }
    }
    (seen > 0)
        .then_some(())
        .ok_or_else(|| "no retry followed a busy answer".into())
}

async fn retried_times(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    let h = h_of(w)?;
    let d = last(h)?;
    let retries = d.busy.len();
    let busy_replies = d
        .get_buffers
        .iter()
        .filter(|g| matches!(g.reply, GetBufferReply::Busy { .. }))
        .count();
    (retries == n && busy_replies == n && d.error.is_none())
        .then_some(())
        .ok_or_else(|| {
            format!(
                "{busy_replies} busy replies, {retries} retries, error {:?}",
                d.error
            )
        })
}

async fn stopped_after(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    let h = h_of(w)?;
    let d = last(h)?;
    let busy = get_buffer_responses(h)?
        .iter()
        .filter(|g| g.return_value.to_u32() != 0)
        .count();
    if d.error.is_none() {
        return Err("the download completed".into());
    }
    (busy == n)
        .then_some(())
        .ok_or_else(|| format!("the client stopped after {busy} busy responses"))
}

async fn detected_honoured(w: &mut SuiteWorld, a: Args) -> Res {
    let want = parse::flags(a.s(1), EXTRA_FLAGS)?;
    let h = h_of(w)?;
    let d = last(h)?;
    let cs = changes(h, d)?;
    if cs.is_empty() {
        return Err("no message change to detect from".into());
    }
    let all = |t: ics_wire::prop::PropTag| {
        cs.iter()
            .all(|c| c.header.iter().any(|p| p.tag.id() == t.id()))
    };
    let mut honoured = 0;
    if all(tags::PID_TAG_MID) {
        honoured |= 0x1;
    }
    if all(tags::PID_TAG_MESSAGE_SIZE) {
        honoured |= 0x2;
    }
    if all(tags::PID_TAG_CHANGE_NUMBER) {
        honoured |= 0x4;
    }
    if want & 0x8 != 0
        && super::run_step(
            w,
            "the message changes are ordered by delivery time, newest first",
            None,
        )
        .await
        .is_ok()
    {
        honoured |= 0x8;
    }
    let names = parse::flag_names(honoured, EXTRA_FLAGS).join(", ");
    w.record(format!(
        "the stream shows these extra flags honoured: {names}"
    ));
    (honoured & want == want)
        .then_some(())
        .ok_or_else(|| format!("only {names} were honoured"))
}
