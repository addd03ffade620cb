//! The GetBuffer requests and responses of the last download ([MS-OXCROPS] 2.2.12.4).

use ics_wire::rop::RopRequest;

use super::download::last;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every GetBuffer request of the client used BufferSize (\d+|0x[0-9A-Fa-f]+)$" => every_buffer_size,
        r"^every TransferBuffer holds at most (\d+) bytes$" => transfer_at_most,
        r"^every GetBuffer response but the last has TransferStatus Partial$" => all_partial,
        r"^the last GetBuffer response has TransferStatus Done$" => last_done,
        r"^every GetBuffer response has Reserved (\d+|0x[0-9A-Fa-f]+)$" => reserved_zero,
        r"^no successful GetBuffer response carries a BackoffTime$" => no_backoff_on_success,
    ]
}

pub(super) fn get_buffers(
    h: &Harness,
) -> Result<
    Vec<(
        RopRequest,
        ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse,
    )>,
    String,
> {
    let d = last(h)?;
    let mut out = Vec::new();
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        let (Some(q), Some(r)) = (x.request, x.response) else {
            continue;
        };
        for (q, r) in q.rops.into_iter().filter(|q| q.has_response()).zip(r.rops) {
            if let ics_wire::rop::RopResponse::FastTransferSourceGetBuffer(g) = r {
                out.push((q, g));
            }
        }
    }
    if out.is_empty() {
        return Err("no GetBuffer in the last download".into());
    }
    Ok(out)
}

async fn every_buffer_size(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.n(1)? as u16;
    for (q, _) in get_buffers(h_of(w)?)? {
        if let RopRequest::FastTransferSourceGetBuffer(g) = q
            && g.buffer_size != want
        {
            return Err(format!(
                "a GetBuffer used BufferSize {:#06x}",
                g.buffer_size
            ));
        }
    }
    Ok(())
}

async fn transfer_at_most(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.transfer_buffer.len() > n {
            return Err(format!(
                "a TransferBuffer holds {} bytes",
                g.transfer_buffer.len()
            ));
        }
    }
    Ok(())
}

async fn all_partial(w: &mut SuiteWorld, _: Args) -> Res {
    let gs: Vec<_> = get_buffers(h_of(w)?)?
        .into_iter()
        .filter(|(_, g)| g.return_value.to_u32() == 0)
        .collect();
    for (_, g) in &gs[..gs.len().saturating_sub(1)] {
        if g.transfer_status.0 != 0x0001 {
            return Err(format!(
                "a GetBuffer before the last has TransferStatus {:#06x}",
                g.transfer_status.0
            ));
        }
    }
    Ok(())
}

async fn last_done(w: &mut SuiteWorld, _: Args) -> Res {
    let gs = get_buffers(h_of(w)?)?;
    let (_, g) = gs.last().ok_or("no GetBuffer")?;
    (g.return_value.to_u32() == 0 && g.transfer_status.0 == 0x0003)
        .then_some(())
        .ok_or_else(|| {
            format!(
                "the last GetBuffer has TransferStatus {:#06x}",
                g.transfer_status.0
            )
        })
}

async fn reserved_zero(w: &mut SuiteWorld, a: Args) -> Res {
    let want = a.n(1)? as u8;
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.reserved != want {
            return Err(format!(
                "a GetBuffer response has Reserved {:#04x}",
                g.reserved
            ));
        }
    }
    Ok(())
}

async fn no_backoff_on_success(w: &mut SuiteWorld, _: Args) -> Res {
    for (_, g) in get_buffers(h_of(w)?)? {
        if g.return_value.to_u32() == 0 && g.backoff_time.is_some() {
            return Err("a successful GetBuffer response carries a BackoffTime".into());
        }
    }
    Ok(())
}
