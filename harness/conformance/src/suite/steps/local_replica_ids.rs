//! RopGetLocalReplicaIds reservations on the client's connection ([MS-OXCFXICS] 2.2.3.2.4.7).

use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client reserves (\d+|0x[0-9A-Fa-f]+) IDs with RopGetLocalReplicaIds$" => reserve,
        r"^the reserved range is the mailbox's REPLGUID with (\d+|0x[0-9A-Fa-f]+) GLOBCNTs from the returned GlobalCount$" => reserved_range,
        r"^the second reserved range starts after the end of the first$" => second_after_first,
        r"^the report records the answer to a reservation of (\d+|0x[0-9A-Fa-f]+) IDs$" => record_reservation,
    ]
}

/// One RopGetLocalReplicaIds on the client's connection.
async fn reserve_ids(h: &mut Harness, count: u32) -> Result<crate::driver::Reservation, String> {
    let logon = h.client.logon_info().logon;
    let r = ics_client::sync::ops::IcsOps::get_local_replica_ids(h.client.ops_mut(), logon, count)
        .await;
    if let Ok((g, first)) = r
        && count > 0
    {
        // The client owns what it reserved: its new objects take IDs from this range.
        h.client
            .replica_mut()
            .add_id_range(g, first, count)
            .map_err(|e| format!("the client cannot keep the reserved range: {e}"))?;
    }
    let res = match r {
        Ok((g, first)) => crate::driver::Reservation {
            count,
            observed: crate::driver::observed_of(&Ok(())),
            range: Some((g, first)),
        },
        Err(e) => crate::driver::Reservation {
            count,
            observed: crate::driver::observed_of(&Err(e)),
            range: None,
        },
    };
    h.last = Some(("RopGetLocalReplicaIds".into(), res.observed.clone()));
    h.reservations.push(res.clone());
    Ok(res)
}

async fn reserve(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as u32;
    reserve_ids(w.harness().await?, n).await.map(|_| ())
}

async fn reserved_range(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let h = w.harness().await?;
    let r = h.reservations.last().cloned().ok_or("no reservation")?;
    let (g, first) = r.range.ok_or("the reservation failed")?;
    if g != h.replguid {
        return Err(format!(
            "the range is of REPLGUID {}, not the mailbox's",
            g.0
        ));
    }
    if r.count as u64 != n {
        return Err(format!("{} IDs were asked", r.count));
    }
    // The server really set them aside: the next reservation starts after them.
    let next = reserve_ids(h, 1).await?;
    let (_, second) = next.range.ok_or("a reservation of 1 ID failed")?;
    (second.value() >= first.value() + n)
        .then_some(())
        .ok_or_else(|| format!("the next reservation starts at {second:?}, inside {first:?} + {n}"))
}

async fn second_after_first(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let n = h.reservations.len();
    if n < 2 {
        return Err("fewer than two reservations".into());
    }
    let (a, b) = (&h.reservations[n - 2], &h.reservations[n - 1]);
    let ((ga, fa), (gb, fb)) = (
        a.range.ok_or("the first failed")?,
        b.range.ok_or("the second failed")?,
    );
    (ga == gb && fb.value() >= fa.value() + u64::from(a.count))
        .then_some(())
        .ok_or_else(|| {
            format!(
                "the second range starts at {fb:?}, the first at {fa:?} + {}",
                a.count
            )
        })
}

async fn record_reservation(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let h = h_of(w)?;
    let r = h.reservations.last().ok_or("no reservation")?;
    let note = match r.range {
        Some((_, first)) => format!(
            "a reservation of {n:#x} IDs: success, GlobalCount {:#x}",
            first.value()
        ),
        None => format!("a reservation of {n:#x} IDs: {}", r.observed),
    };
    w.record(note);
    Ok(())
}
