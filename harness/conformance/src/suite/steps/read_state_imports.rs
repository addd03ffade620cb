//! Read-state imports (RopSynchronizationImportReadStateChanges) and their effect on the server.

use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::RopRequest;

use super::client_calls::all_requests;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every ImportReadStateChanges entry carried a 22-byte source key and MarkAsRead 0x01 or 0x00$" => read_state_entries,
        r"^the client imports (a read-state change marking ([mf]\d+) as read|read-state changes marking ([mf]\d+) and a message unknown to the server as read)$" => import_read_probe,
        r"^fails and leaves ([mf]\d+) (read|unread) on the server$" => fails_and_leaves,
        r"^on the server, message ([mf]\d+) keeps its read state$" => keeps_read_state,
    ]
}

async fn read_state_entries(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let mut n = 0;
    for (q, _) in all_requests(h) {
        if let RopRequest::SynchronizationImportReadStateChanges(r) = q {
            for e in &r.message_read_states {
                n += 1;
                if e.message_id.len() != 22 || e.mark_as_read > 1 {
                    return Err(format!(
                        "an entry had a {}-byte source key and MarkAsRead {:#04x}",
                        e.message_id.len(),
                        e.mark_as_read
                    ));
                }
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no ImportReadStateChanges entry".into())
}

async fn import_read_probe(w: &mut SuiteWorld, a: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let m = if a.has(2) { a.s(2) } else { a.s(3) }.to_owned();
    let unknown = a.has(3);
    let h = w.harness().await?;
    h.release_open_context().await;
    let mut states = vec![(h.message_key(&m)?, true)];
    if unknown {
        // A GID of the mailbox's REPLGUID that no object has.
        let mut sk = h.message_key(&m)?;
        sk[16..].copy_from_slice(&[0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]);
        states.push((sk, true));
    }
    let fid = h.sync_folder()?.to_u64_le();
    let ops = h.client.ops_mut();
    let folder = ops.open_folder(fid).await.map_err(|e| e.to_string())?;
    let coll = ops
        .open_collector(folder, true)
        .await
        .map_err(|e| e.to_string())?;
    let r = ops.import_read_states(coll, &states).await;
    let _ = ops.release(coll).await;
    let _ = ops.release(folder).await;
    h.last = Some((
        "RopSynchronizationImportReadStateChanges".into(),
        crate::driver::observed_of(&r),
    ));
    Ok(())
}

async fn server_is_read(h: &mut Harness, m: &str) -> Result<bool, String> {
    let sk = h.message_key(m)?;
    let s = h.server_messages("Sync").await?;
    let msg = s
        .iter()
        .find(|x| x.source_key == sk)
        .ok_or_else(|| format!("the server does not hold {m}"))?;
    Ok(
        matches!(find_prop(&msg.props, tags::PID_TAG_MESSAGE_FLAGS), Some(PropValue::I32(f)) if f & 1 != 0),
    )
}

async fn fails_and_leaves(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let want_read = a.s(2) == "read";
    let h = w.harness().await?;
    let failed = h
        .last
        .as_ref()
        .is_some_and(|(_, o)| o.return_value != Some(0));
    if !failed {
        return Err("the ROP did not fail".into());
    }
    (server_is_read(h, &m).await? == want_read)
        .then_some(())
        .ok_or_else(|| format!("{m} changed on the server"))
}

async fn keeps_read_state(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let before = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?
        .read;
    (server_is_read(h, &m).await? == before)
        .then_some(())
        .ok_or_else(|| format!("the read state of {m} changed on the server"))
}
