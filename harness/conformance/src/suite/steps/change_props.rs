//! The properties a message change may hold: only those asked for, no meta-properties.

use super::download::{changes, last};
use super::parse;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^every( normal)? message change holds, besides its header, only ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)$" => holds_only,
        r"^no message change holds, outside its header, a meta-property or a property in the range 0x6600-0x67FF$" => no_meta_outside_header,
    ]
}

async fn holds_only(w: &mut SuiteWorld, a: Args) -> Res {
    let normal_only = a.has(1);
    let allowed: Vec<u16> = parse::props(a.s(2))?.iter().map(|t| t.id()).collect();
    let h = h_of(w)?;
    let cs = changes(h, last(h)?)?;
    let cs: Vec<_> = cs.iter().filter(|c| !normal_only || !c.fai).collect();
    if cs.is_empty() {
        return Err("no such message change".into());
    }
    for c in cs {
        if let Some(p) = c.props.iter().find(|p| !allowed.contains(&p.tag.id())) {
            return Err(format!("{:?} also holds {:#010x}", c.name, p.tag.0));
        }
    }
    Ok(())
}

async fn no_meta_outside_header(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    for c in changes(h, last(h)?)? {
        for p in &c.props {
            let id = p.tag.id();
            if (0x4000..0x4100).contains(&id) || (0x6600..=0x67FF).contains(&id) {
                return Err(format!(
                    "{:?} holds {:#010x} outside its header",
                    c.name, p.tag.0
                ));
            }
        }
    }
    Ok(())
}
