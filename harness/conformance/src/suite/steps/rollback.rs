//! Server rollback (`@needs-server-rollback`): the target restored from an older backup,
//! and what the client sent to it afterwards ([MS-OXCFXICS] 3.3.5.3; [MS-OXCSYNC]
//! 3.1.3.1.1.1; R-269, R-312).

use super::{Args, Res, steps};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the server is rolled back to its state before the client's last synchronization$" => rolled_back,
        r"^the client sent no (Rop\w+) after the server was rolled back$" => sent_none_after,
    ]
}

async fn rolled_back(w: &mut SuiteWorld, _a: Args) -> Res {
    w.control("server-rollback").await?;
    w.harness().await?.roll_back_server().await
}

async fn sent_none_after(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let from = h
        .life
        .rolled_back_at
        .ok_or("the server was not rolled back")?;
    let name = a.s(1);
    for x in h.trace_from(from) {
        let Some(q) = x.request else { continue };
        if let Some(r) = q.rops.iter().find(|r| r.name() == name) {
            return Err(format!(
                "the client sent {} to the rolled-back server",
                r.name()
            ));
        }
    }
    Ok(())
}
