//! Recipients and attachments of message changes, and the properties of one change.

use ics_wire::ftstream as ft;

use super::download::{changes, last};
use super::parse;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^no message change holds (recipients or attachments|attachments)$" => no_children,
        r"^the change for ([mf]\d+) holds ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)(, or a SHOULD-level warning is recorded)?$" => change_holds,
    ]
}

async fn no_children(w: &mut SuiteWorld, a: Args) -> Res {
    let recipients_too = a.s(1).starts_with("recipients");
    let h = h_of(w)?;
    for i in &last(h)?.contents()?.changes {
        let ft::ContentsSyncItem::Change { change, .. } = i else {
            continue;
        };
        let ch = match change {
            ft::MessageChange::Full(f) => &f.children,
            ft::MessageChange::Partial(p) => &p.children,
        };
        if !ch.attachments.is_empty() || ch.del_attachments {
            return Err("a message change holds attachments".into());
        }
        if recipients_too && (!ch.recipients.is_empty() || ch.del_recipients) {
            return Err("a message change holds recipients".into());
        }
    }
    Ok(())
}

async fn change_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let tags_ = parse::props(a.s(2))?;
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    let c = cs
        .iter()
        .find(|c| c.name.as_deref() == Some(a.s(1)))
        .ok_or_else(|| format!("no change for {}", a.s(1)))?;
    let missing: Vec<String> = tags_
        .iter()
        .filter(|t| {
            !c.props
                .iter()
                .copied()
                .chain(c.header.iter())
                .any(|p| p.tag.id() == t.id())
        })
        .map(|t| format!("{:#010x}", t.0))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let msg = format!("the change for {} lacks {}", a.s(1), missing.join(", "));
    if a.has(3) {
        w.warn(msg);
        Ok(())
    } else {
        Err(msg)
    }
}
