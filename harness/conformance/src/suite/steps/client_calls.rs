//! What the client called: GetBuffer sizes and progress, the ROPs sent and how often.

use ics_wire::rop::RopRequest;

use super::get_buffer::get_buffers;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every GetBuffer request with BufferSize (\d+|0x[0-9A-Fa-f]+) carried a MaximumBufferSize$" => max_buffer_size,
        r"^the InProgressCount of the GetBuffer responses never exceeds their TotalStepCount, or a warning is recorded$" => in_progress,
        r"^the client sent no (Rop\w+(?:, Rop\w+)*)( after the response with TransferStatus Done)?$" => sent_no,
        r"^the client called (Rop\w+) (?:(once)|(\d+) times)$" => called_times,
    ]
}

async fn max_buffer_size(w: &mut SuiteWorld, a: Args) -> Res {
    let size = a.n(1)? as u16;
    let mut n = 0;
    for (q, _) in get_buffers(h_of(w)?)? {
        if let RopRequest::FastTransferSourceGetBuffer(g) = q
            && g.buffer_size == size
        {
            n += 1;
            if g.maximum_buffer_size.is_none() {
                return Err("a GetBuffer with that BufferSize carried no MaximumBufferSize".into());
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no GetBuffer with that BufferSize".into())
}

async fn in_progress(w: &mut SuiteWorld, _: Args) -> Res {
    let bad = get_buffers(h_of(w)?)?
        .iter()
        .filter(|(_, g)| g.return_value.to_u32() == 0 && g.in_progress_count > g.total_step_count)
        .count();
    if bad > 0 {
        w.warn(format!(
            "{bad} GetBuffer responses had InProgressCount > TotalStepCount"
        ));
    }
    Ok(())
}

pub(super) fn all_requests(h: &Harness) -> Vec<(RopRequest, Option<ics_wire::rop::RopResponse>)> {
    let mut out = Vec::new();
    for x in h.trace_from(0) {
        let Some(q) = x.request else { continue };
        let mut resps = x.response.map(|r| r.rops).unwrap_or_default().into_iter();
        for r in q.rops {
            let resp = if r.has_response() { resps.next() } else { None };
            out.push((r, resp));
        }
    }
    out
}

async fn sent_no(w: &mut SuiteWorld, a: Args) -> Res {
    let names: Vec<String> = a.s(1).split(", ").map(str::to_owned).collect();
    let h = h_of(w)?;
    let all = all_requests(h);
    let from = if a.has(2) {
        all.iter()
            .position(|(_, r)| matches!(r, Some(ics_wire::rop::RopResponse::FastTransferSourceGetBuffer(g)) if g.transfer_status.0 == 0x0003))
            .map(|i| i + 1)
            .ok_or("no response with TransferStatus Done")?
    } else {
        0
    };
    // After Done, the harness's own next action may configure a new context: only the
    // requests on the same context count, i.e. until the next configure.
    let until = if a.has(2) {
        all[from..]
            .iter()
            .position(|(q, _)| matches!(q, RopRequest::SynchronizationConfigure(_)))
            .map_or(all.len(), |i| from + i)
    } else {
        all.len()
    };
    for (q, _) in &all[from..until] {
        if names.iter().any(|n| n == q.name()) {
            return Err(format!("the client sent {}", q.name()));
        }
    }
    Ok(())
}

async fn called_times(w: &mut SuiteWorld, a: Args) -> Res {
    let want = if a.has(2) { 1 } else { a.n(3)? as usize };
    let h = h_of(w)?;
    let n = all_requests(h)
        .iter()
        .filter(|(q, _)| q.name() == a.s(1))
        .count();
    (n == want)
        .then_some(())
        .ok_or_else(|| format!("the client called {} {n} times", a.s(1)))
}
