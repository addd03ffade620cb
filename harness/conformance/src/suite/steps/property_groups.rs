//! Property groups given out of band (`@needs-property-groups`): a group emptied on the
//! server is sent in the partial change with the placeholder tag 0x00000003
//! ([MS-OXCFXICS] 2.2.4.3.15, 3.2.5.7; R-181, R-182).

use ics_wire::prop::{PropValue, tags};

use super::download::{last, partials};
use super::probes::h_of;
use super::{Args, Res, parse, steps};
use crate::driver::find_prop;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^on the server, the property group of ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) of message ([mf]\d+) is emptied$" => empty_group,
        r"^the partial change for ([mf]\d+) holds the placeholder property (0x[0-9A-Fa-f]{8}) for that group$" => placeholder,
    ]
}

async fn empty_group(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let groups = w.control("property-groups").await?.property_groups()?;
    let group = groups
        .into_iter()
        .find(|g| g.iter().any(|t| t.id() == tag.id()))
        .ok_or_else(|| format!("no property group of the target holds {}", a.s(1)))?;
    let h = w.harness().await?;
    for t in group {
        h.delete_property(a.s(2), t)?;
    }
    h.life.emptied_group_of = Some(tag);
    Ok(())
}

async fn placeholder(w: &mut SuiteWorld, a: Args) -> Res {
    let code = a.n(2)? as u32;
    let h = h_of(w)?;
    let of = h
        .life
        .emptied_group_of
        .ok_or("no property group was emptied on the server")?;
    let sk = h.message_key(a.s(1))?;
    for (p, mapping) in partials(last(h)?)? {
        if !matches!(find_prop(&p.header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if *b == sk)
        {
            continue;
        }
        let mapping = mapping.ok_or("the partial change names no defined group mapping")?;
        let index = mapping
            .groups
            .iter()
            .position(|g| g.iter().any(|t| (t >> 16) as u16 == of.id()))
            .ok_or("no group of the in-band mapping holds the emptied property")?;
        let group = p
            .groups
            .iter()
            .find(|g| g.index as usize == index)
            .ok_or_else(|| format!("the partial change for {} omits group {index}", a.s(1)))?;
        let got: Vec<u32> = group.props.iter().map(|q| q.tag.0).collect();
        return (got == [code]).then_some(()).ok_or_else(|| {
            format!("group {index} holds {got:08x?}, not only the placeholder {code:08x}")
        });
    }
    Err(format!(
        "the download holds no partial change for {}",
        a.s(1)
    ))
}
