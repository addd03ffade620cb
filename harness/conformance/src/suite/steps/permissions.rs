//! Objects the user may not read (`@needs-permissions`): a FastTransfer copy skips them and
//! emits MetaTagEcWarning where the syntax allows ([MS-OXCFXICS] 3.2.5.8.1, R-192, SHOULD).

use ics_wire::ftstream::{MessageListItem, Root};

use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the user may not read message ([mf]\d+) of folder ([A-Z]\w*)$" => deny_read,
        r"^the client copies messages (\w+(?:, \w+)*) of folder ([A-Z]\w*) (with CopyFlags .+)$" => copy_of_folder,
        r"^the stream is a messageList of (\d+) messages?, or a SHOULD-level warning is recorded$" => list_of_or_warn,
        r"^the stream holds a MetaTagEcWarning, or a SHOULD-level warning is recorded$" => ec_warning_or_warn,
    ]
}

async fn deny_read(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let m = h.message(a.s(1))?;
    if h.folder_name_of(a.s(1))? != a.s(2) {
        return Err(format!("{} is not in folder {}", a.s(1), a.s(2)));
    }
    let mid = m.mid;
    w.control("permissions").await?.deny_read(mid)
}

/// `the client copies messages {names} of folder {f} with ...`: the messages must be in
/// `f`; the copy itself is the phrase without the folder (a copy from the folder holding them).
async fn copy_of_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    for name in a.s(1).split(", ") {
        if h.folder_name_of(name)? != a.s(2) {
            return Err(format!("{name} is not in folder {}", a.s(2)));
        }
    }
    let text = format!("the client copies messages {} {}", a.s(1), a.s(3));
    Box::pin(super::run_step(w, &text, None)).await
}

/// The items of the last copy's messageList.
fn list_items(h: &Harness) -> Result<&[MessageListItem], String> {
    let d = h.downloads.last().ok_or("nothing was copied")?;
    match &d.root {
        Some(Root::MessageList(l)) => Ok(&l.items),
        Some(r) => Err(format!("the stream is a {}", r.kind().name())),
        None => Err(format!(
            "the copy produced no stream ({})",
            d.error.as_deref().unwrap_or("no error recorded")
        )),
    }
}

async fn list_of_or_warn(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)? as usize;
    let got = list_items(h_of(w)?)?
        .iter()
        .filter(|i| matches!(i, MessageListItem::Message(_)))
        .count();
    if got != n {
        w.warn(format!(
            "the messageList holds {got} messages, not {n}: an object the user may not read \
             was not skipped (MS-OXCFXICS 3.2.5.8.1)"
        ));
    }
    Ok(())
}

async fn ec_warning_or_warn(w: &mut SuiteWorld, _: Args) -> Res {
    let has = list_items(h_of(w)?)?
        .iter()
        .any(|i| matches!(i, MessageListItem::EcWarning(_)));
    if !has {
        w.warn("the messageList holds no MetaTagEcWarning for the skipped message (MS-OXCFXICS 3.2.5.8.1)");
    }
    Ok(())
}
