//! Another mailbox under the same logon name (`@needs-second-mailbox`): the client compares
//! the mailbox GUID of each RopLogon with its replica's and refuses to synchronize another
//! mailbox ([MS-OXCFXICS] 3.3.5.4, R-270..R-272; [MS-OXCSYNC] 3.1.3.1.1.2, R-313, R-314).

use super::probes::h_of;
use super::{Args, Res, steps};
use crate::lifecycle::Refusal;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the target presents (another mailbox under the same name|the original mailbox again)$" => present,
        r"^the client refused to synchronize because the mailbox GUID differs$" => refused,
        r"^the replica is unchanged$" => unchanged,
        r"^the client sent no (Rop\w+(?:, Rop\w+)*) in the last synchronization$" => sent_no_last,
    ]
}

async fn present(w: &mut SuiteWorld, a: Args) -> Res {
    let original = a.s(1) == "the original mailbox again";
    w.control("second-mailbox")
        .await?
        .present_mailbox(original)?;
    // The client's next session starts with a logon, as after a restart.
    w.harness().await?.life.logon_next = true;
    Ok(())
}

async fn refused(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    match &h.life.refusal {
        Some(Refusal::WrongMailbox(_)) => Ok(()),
        Some(other) => Err(format!("the client refused for another reason: {other}")),
        None => Err("the client did not refuse to synchronize".into()),
    }
}

async fn unchanged(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let before = h
        .life
        .replica_before
        .as_deref()
        .ok_or("no synchronization yet: nothing to compare the replica with")?;
    let now = h.client.replica().dump().map_err(|e| e.to_string())?;
    (now == before)
        .then_some(())
        .ok_or_else(|| "the replica changed in the last synchronization".into())
}

async fn sent_no_last(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let (from, to) = h.downloads.last().ok_or("no synchronization yet")?.trace;
    let names: Vec<&str> = a.s(1).split(", ").collect();
    for x in h.trace_from(from).into_iter().take(to - from) {
        let Some(q) = x.request else { continue };
        if let Some(r) = q.rops.iter().find(|r| names.contains(&r.name())) {
            return Err(format!("the client sent {}", r.name()));
        }
    }
    Ok(())
}
