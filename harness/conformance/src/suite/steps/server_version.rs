//! The server version the connection reports, and what the client engine makes of it
//! (`@needs-server-version`; [MS-OXCSYNC] 1.7, 3.1.5.3.4; R-315, R-323): there is no
//! capability detection, so the client asks for partial items only from a server of major
//! version 8 or later.

use ics_client::sync::cancel::CancelToken;
use ics_client::sync::ops::IcsOps;
use ics_wire::rop::RopRequest;

use super::{Args, Res, steps};
use crate::world::SuiteWorld;

/// SendOptions PartialItem ([MS-OXCFXICS] 2.2.3.2.1.1.1).
const PARTIAL_ITEM: u8 = 0x10;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client engine synchronizes contents$" => engine_sync,
        r"^the client set PartialItem if and only if the server's major version is 8 or later$" => partial_item_iff_version,
    ]
}

async fn engine_sync(w: &mut SuiteWorld, _a: Args) -> Res {
    let h = w.harness().await?;
    h.release_open_context().await;
    let fid = h.sync_folder()?;
    h.client
        .sync_contents(fid.to_u64_le(), &CancelToken::new())
        .await
        .map(drop)
        .map_err(|e| format!("the client engine's synchronization failed: {e}"))
}

async fn partial_item_iff_version(w: &mut SuiteWorld, _a: Args) -> Res {
    if !w.target.has("server-version") {
        return Err("target lacks server-version".into());
    }
    let h = w.harness().await?;
    let version = h
        .client
        .ops_mut()
        .server_version()
        .ok_or("the connection reported no server version")?;
    let send_options = h
        .trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|q| q.rops)
        .filter_map(|r| match r {
            RopRequest::SynchronizationConfigure(c) => Some(c.send_options.0),
            _ => None,
        })
        .next_back()
        .ok_or("the client sent no RopSynchronizationConfigure")?;
    let set = send_options & PARTIAL_ITEM != 0;
    let v = format!(
        "{}.{}.{}.{}",
        version.major, version.minor, version.build, version.revision
    );
    w.record(format!(
        "server version {v}: the client {} PartialItem",
        if set { "set" } else { "did not set" }
    ));
    match (set, version.supports_partial_item()) {
        (true, false) => Err(format!(
            "the client set PartialItem (SendOptions {send_options:#04x}) for server version {v}"
        )),
        (false, true) => Err(format!(
            "the client did not set PartialItem (SendOptions {send_options:#04x}) for server version {v}"
        )),
        _ => Ok(()),
    }
}
