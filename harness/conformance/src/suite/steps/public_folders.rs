//! Public folders (`@needs-public-folders`): the client logs on without the Private flag
//! ([MS-OXCSTOR] 2.2.1.1.4), and the target's age policy expires messages, which a contents
//! download reports in MetaTagIdsetExpired (Exchange 2007/2010) or, as Exchange 2013 and later
//! do (they do not support the property, [MS-OXCFXICS] <1>), in MetaTagIdsetDeleted
//! ([MS-OXCFXICS] 2.2.1.3.3, 2.2.4.3.3; R-143, R-158, R-160).

use super::{Args, Res, steps};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^a public folder with (\d+) messages that expire$" => public_folder,
        r"^the messages expire on the server$" => expire,
        r"^the download holds a deletion of (\w+(?:, \w+)*) in MetaTagIdsetExpired or in MetaTagIdsetDeleted, and the report records which$" => expired_or_deleted,
    ]
}

const CAPABILITY: &str = "public-folders";

/// The client and the other session move to the target's public folders; the scope folder
/// `Sync` is created below the public IPM_SUBTREE with `n` messages `m1`... The target's age
/// policy decides when they expire; the scenario makes them expire with the control step.
async fn public_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    w.control(CAPABILITY).await?;
    let h = w.harness().await?;
    h.use_public_folders().await?;
    h.create_folder("root", "Sync")?;
    for _ in 0..n {
        h.create_message("Sync", false, &[])?;
    }
    Ok(())
}

/// Every message of the scope folder expires.
async fn expire(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let sync = h.sync_folder()?;
    let mids: Vec<_> = h
        .messages
        .iter()
        .filter(|(n, m)| m.folder == sync && !n.contains('/'))
        .map(|(_, m)| m.mid)
        .collect();
    if mids.is_empty() {
        return Err("the public folder has no message to expire".into());
    }
    let control = w.control(CAPABILITY).await?;
    for mid in mids {
        control.expire(mid)?;
    }
    Ok(())
}

/// Group Y for R-160: a 2007/2010 server lists the messages in MetaTagIdsetExpired, a 2013+
/// server in MetaTagIdsetDeleted (R-155); the report names the behaviour seen.
async fn expired_or_deleted(w: &mut SuiteWorld, a: Args) -> Res {
    let names = a.s(1).to_owned();
    let mut misses = Vec::new();
    for (prop, edition) in [
        (
            "MetaTagIdsetExpired",
            "MetaTagIdsetExpired (Exchange 2007/2010)",
        ),
        (
            "MetaTagIdsetDeleted",
            "MetaTagIdsetDeleted (Exchange 2013 and later)",
        ),
    ] {
        let step = format!("the download holds a deletion of {names} in {prop}");
        match super::run_step(w, &step, None).await {
            Ok(()) => {
                w.record(format!(
                    "expired public-folder messages were reported in {edition}"
                ));
                return Ok(());
            }
            Err(e) => misses.push(e),
        }
    }
    Err(misses.join("; "))
}
