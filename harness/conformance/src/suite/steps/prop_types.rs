//! The property types of the changes of a download: no PtypErrorCode, the string types asked.

use ics_wire::ftstream as ft;

use super::download::{changes, last};
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^no message change holds a property of type PtypErrorCode$" => no_error_code_type,
        r"^every string property of the download has type (PtypString or PtypString8|PtypString8|PtypString)$" => string_types,
    ]
}

fn all_props(h: &Harness) -> Result<Vec<ft::FtProp>, String> {
    let d = last(h)?;
    let mut out = Vec::new();
    for c in changes(h, d)? {
        out.extend(c.header.iter().cloned());
        out.extend(c.props.iter().map(|p| (*p).clone()));
    }
    Ok(out)
}

async fn no_error_code_type(w: &mut SuiteWorld, _: Args) -> Res {
    for p in all_props(h_of(w)?)? {
        if p.tag.0 & 0xFFFF == 0x000A {
            return Err(format!("a message change holds {:#010x}", p.tag.0));
        }
    }
    Ok(())
}

async fn string_types(w: &mut SuiteWorld, a: Args) -> Res {
    let allowed: &[u32] = match a.s(1) {
        "PtypString" => &[0x001F],
        "PtypString8" => &[0x001E],
        _ => &[0x001E, 0x001F],
    };
    let mut n = 0;
    for p in all_props(h_of(w)?)? {
        let ty = p.tag.0 & 0xFFFF;
        if ty == 0x001E || ty == 0x001F {
            n += 1;
            if !allowed.contains(&ty) {
                return Err(format!("{:#010x} has type {ty:#06x}", p.tag.0));
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no string property in the download".into())
}
