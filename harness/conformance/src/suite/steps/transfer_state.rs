//! Downloads left in progress or cancelled, and RopSynchronizationGetTransferState.

use super::download::last;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::StateMode;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client starts a contents synchronization with (an empty state|its saved state) and (reads one buffer|cancels after the first buffer)$" => start_partial,
        r"^the client calls GetTransferState( on the finished context)? and reads the state it returns$" => transfer_state,
        r"^the returned state (equals the initial state, or covers only the changes downloaded so far|equals the final state of the download)$" => returned_state,
        r"^the report records whether the target returns the initial state or a checkpoint$" => record_checkpoint,
    ]
}

async fn start_partial(w: &mut SuiteWorld, a: Args) -> Res {
    let mode = if a.s(1) == "an empty state" {
        StateMode::Empty
    } else {
        StateMode::Saved
    };
    let cancel = a.s(2).starts_with("cancels");
    let h = w.harness().await?;
    let scope = h.scope("Sync", false)?;
    let rec = h.start_download(&scope, mode, cancel).await?;
    h.downloads.push(rec);
    Ok(())
}

async fn transfer_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let st = h.read_transfer_state().await?;
    h.returned_state = Some(st);
    Ok(())
}

async fn returned_state(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let got = h.returned_state.as_ref().ok_or("no state was returned")?;
    let d = last(h)?;
    if a.s(1).starts_with("equals the final") {
        return (d.state()? == got)
            .then_some(())
            .ok_or_else(|| "the returned state differs from the final state".into());
    }
    let initial = super::state::blobs_state_pub(&d.initial_state)?;
    if *got == initial {
        return Ok(());
    }
    Err("the target returned a checkpoint; checking it against the part of the stream read so far is not written yet".into())
}

async fn record_checkpoint(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let got = h.returned_state.as_ref().ok_or("no state was returned")?;
    let initial = super::state::blobs_state_pub(&last(h)?.initial_state)?;
    let what = if *got == initial {
        "the initial state"
    } else {
        "a checkpoint"
    };
    w.record(format!(
        "GetTransferState during a download returned {what}"
    ));
    Ok(())
}
