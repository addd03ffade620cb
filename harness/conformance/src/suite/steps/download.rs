//! What a download holds: change elements, deletions, read-state changes, the state element,
//! header properties and their order, partial changes and group definitions.

use ics_wire::ExchangeId;
use ics_wire::ftstream as ft;
use ics_wire::idset::ReplIdSet;
use ics_wire::prop::{PropTag, PropValue, tags};

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{DownloadRec, Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the download holds (at most )?(\d+|no) (message|FAI message|folder) changes?$" => holds_count,
        r"^the download holds (message|folder) changes for (\w+(?:, \w+)*)$" => holds_changes_for,
        r"^the download holds (a full|a partial|no) change for ([mf]\d+)$" => holds_kind_for,
        r"^the download holds no changes$" => holds_no_changes,
        r"^the download holds no deletions element$" => no_deletions_element,
        r"^the download holds a deletion of (?:folder )?(\w+(?:, \w+)*) in ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})$" => holds_deletion,
        r"^the download holds no deletion (?:of ([mf]\d+)|in ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))$" => no_deletion,
        r"^the download holds read-state changes marking ([mf]\d+) as (read|unread)$" => read_state_marks,
        r"^the download holds no read-state changes$" => no_read_state,
        r"^the download ends with a state element$" => ends_with_state,
        r"^the download is identical to the previous download$" => identical,
        r"^the message changes are ordered by delivery time, newest first$" => ordered_by_delivery,
        r"^(every|no) (folder change) holds ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)(, or a SHOULD-level warning is recorded)?$" => every_folder_holds,
        r"^(every|no) (message change header|message change|normal message change) holds ((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)(, or a SHOULD-level warning is recorded)?$" => every_holds,
        r"^every message change header holds PidTagSourceKey, PidTagLastModificationTime, PidTagChangeKey, PidTagPredecessorChangeList, PidTagAssociated in this order, then (.+) and nothing else$" => header_layout,
        r"^every message change header's ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) is greater than 0$" => header_greater_than_zero,
        r"^the partial change for ([mf]\d+) does not hold the group of ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})$" => partial_lacks_group,
        r"^every partial change is preceded by a MetaTagIncrSyncGroupId naming a group mapping defined in a groupInfo element$" => partial_group_ids,
        r"^every PropertyGroupInfo has Reserved 0, a non-zero GroupCount and no empty group$" => group_info_well_formed,
        r"^every partial change's group index lies within its mapping$" => group_index_in_mapping,
    ]
}

/// A message change of the download, with its name when the scenario knows it.
pub(super) struct Chg<'a> {
    pub name: Option<String>,
    pub fai: bool,
    pub partial: bool,
    pub header: &'a [ft::FtProp],
    pub props: Vec<&'a ft::FtProp>,
}

pub(super) fn last(h: &Harness) -> Result<&DownloadRec, String> {
    h.downloads
        .last()
        .ok_or_else(|| "no download yet".to_string())
}

pub(super) fn changes<'a>(h: &Harness, d: &'a DownloadRec) -> Result<Vec<Chg<'a>>, String> {
    let cs = d.contents()?;
    Ok(cs
        .changes
        .iter()
        .filter_map(|i| match i {
            ft::ContentsSyncItem::Change { change, .. } => Some(change),
            ft::ContentsSyncItem::Error(_) => None,
        })
        .map(|c| {
            let (header, partial, props): (&[ft::FtProp], bool, Vec<&ft::FtProp>) = match c {
                ft::MessageChange::Full(f) => (&f.header, false, f.props.iter().collect()),
                ft::MessageChange::Partial(p) => (
                    &p.header,
                    true,
                    p.groups.iter().flat_map(|g| g.props.iter()).collect(),
                ),
            };
            let name = match find_prop(header, tags::PID_TAG_SOURCE_KEY) {
                Some(PropValue::Binary(sk)) => h.name_of_key(sk),
                _ => None,
            };
            let fai = matches!(
                find_prop(header, tags::PID_TAG_ASSOCIATED),
                Some(PropValue::Boolean(true))
            );
            Chg {
                name,
                fai,
                partial,
                header,
                props,
            }
        })
        .collect())
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

async fn holds_count(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let want = if a.s(2) == "no" { 0 } else { a.n(2)? as usize };
    let got = match a.s(3) {
        "folder" => d.hierarchy()?.folder_changes.len(),
        _ if matches!(d.root, Some(ft::Root::HierarchySync(_))) => 0,
        kind => {
            let fai = kind == "FAI message";
            changes(h, d)?.iter().filter(|c| c.fai == fai).count()
        }
    };
    let ok = if a.has(1) { got <= want } else { got == want };
    ok.then_some(()).ok_or_else(|| {
        format!(
            "the download holds {got} {} changes, expected {}{want}",
            a.s(3),
            a.s(1)
        )
    })
}

async fn holds_changes_for(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let mut want = parse::names(a.s(2));
    want.sort();
    let mut got: Vec<String> = if a.s(1) == "folder" {
        d.hierarchy()?
            .folder_changes
            .iter()
            .map(|f| match find_prop(&f.props, tags::PID_TAG_SOURCE_KEY) {
                Some(PropValue::Binary(sk)) => h
                    .folder_of_key(sk)
                    .unwrap_or_else(|| "an unknown folder".into()),
                _ => "a folder without PidTagSourceKey".into(),
            })
            .collect()
    } else {
        changes(h, d)?
            .iter()
            .map(|c| {
                c.name
                    .clone()
                    .unwrap_or_else(|| "an unknown message".into())
            })
            .collect()
    };
    got.sort();
    (got == want)
        .then_some(())
        .ok_or_else(|| format!("the download holds changes for {got:?}, expected {want:?}"))
}

async fn holds_kind_for(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let m = a.s(2);
    let found: Vec<bool> = changes(h, d)?
        .iter()
        .filter(|c| c.name.as_deref() == Some(m))
        .map(|c| c.partial)
        .collect();
    let ok = match a.s(1) {
        "a full" => found == [false],
        "a partial" => found == [true],
        _ => found.is_empty(),
    };
    let seen = match found.as_slice() {
        [] => "no change".to_string(),
        [false] => "a full change".into(),
        [true] => "a partial change".into(),
        v => format!("{} changes", v.len()),
    };
    ok.then_some(()).ok_or_else(|| {
        format!(
            "expected {} change for {m}, the download holds {seen}",
            a.s(1)
        )
    })
}

async fn holds_no_changes(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let cs = d.contents()?;
    if !cs.changes.is_empty() || cs.deletions.is_some() || cs.read_state_changes.is_some() {
        return Err(format!(
            "the download holds {} changes, {} deletions element, {} readStateChanges element",
            cs.changes.len(),
            if cs.deletions.is_some() { "a" } else { "no" },
            if cs.read_state_changes.is_some() {
                "a"
            } else {
                "no"
            }
        ));
    }
    Ok(())
}

async fn no_deletions_element(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let del = match &d.root {
        Some(ft::Root::HierarchySync(hs)) => hs.deletions.is_some(),
        _ => d.contents()?.deletions.is_some(),
    };
    (!del)
        .then_some(())
        .ok_or_else(|| "the download holds a deletions element".into())
}

/// The IDs of a REPLID-form IDSET of the download, as (replid, globcnt).
fn idset_ids(b: &[u8]) -> Result<Vec<ExchangeId>, String> {
    let set = ReplIdSet::decode_replid(b).map_err(|e| format!("a deletions IDSET: {e}"))?;
    Ok(set.iter().map(|(r, g)| ExchangeId::new(r, g)).collect())
}

fn deletions(d: &DownloadRec) -> Result<Option<&ft::Deletions>, String> {
    Ok(match &d.root {
        Some(ft::Root::HierarchySync(hs)) => hs.deletions.as_ref(),
        _ => d.contents()?.deletions.as_ref(),
    })
}

fn id_of(h: &Harness, name: &str) -> Result<ExchangeId, String> {
    if let Ok(m) = h.message(name) {
        return Ok(m.mid.0);
    }
    Ok(h.folder(name)?.0)
}

async fn holds_deletion(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let tag = parse::prop(a.s(2))?;
    let del = deletions(d)?.ok_or("the download holds no deletions element")?;
    let bytes = del
        .props
        .iter()
        .find(|p| p.tag.id() == tag.id())
        .and_then(ft::FtProp::as_binary)
        .ok_or_else(|| format!("the deletions element has no {}", a.s(2)))?;
    let ids = idset_ids(bytes)?;
    for n in parse::names(a.s(1)) {
        let id = id_of(h, &n)?;
        if !ids.contains(&id) {
            return Err(format!("{} does not list {n}", a.s(2)));
        }
    }
    Ok(())
}

async fn no_deletion(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let Some(del) = deletions(d)? else {
        return Ok(());
    };
    if a.has(2) {
        let tag = parse::prop(a.s(2))?;
        return match del.props.iter().find(|p| p.tag.id() == tag.id()) {
            None => Ok(()),
            Some(_) => Err(format!("the deletions element holds {}", a.s(2))),
        };
    }
    let id = id_of(h, a.s(1))?;
    for p in &del.props {
        if let Some(b) = p.as_binary()
            && idset_ids(b)?.contains(&id)
        {
            return Err(format!("the deletions element lists {}", a.s(1)));
        }
    }
    Ok(())
}

async fn read_state_marks(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let rs = d
        .contents()?
        .read_state_changes
        .as_ref()
        .ok_or("the download holds no read-state changes")?;
    let b = if a.s(2) == "read" {
        rs.idset_read()
    } else {
        rs.idset_unread()
    }
    .ok_or_else(|| {
        format!(
            "the readStateChanges element has no IDSET marking as {}",
            a.s(2)
        )
    })?;
    let id = id_of(h, a.s(1))?;
    idset_ids(b)?
        .contains(&id)
        .then_some(())
        .ok_or_else(|| format!("{} is not marked as {}", a.s(1), a.s(2)))
}

async fn no_read_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    match last(h)?.contents()?.read_state_changes {
        None => Ok(()),
        Some(_) => Err("the download holds a readStateChanges element".into()),
    }
}

async fn ends_with_state(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    // The grammar puts the state last; check the bytes too: IncrSyncStateEnd, IncrSyncEnd.
    let end = [0x03, 0x00, 0x3B, 0x40, 0x03, 0x00, 0x14, 0x40];
    d.state()?;
    d.bytes
        .ends_with(&end)
        .then_some(())
        .ok_or_else(|| "the stream does not end with IncrSyncStateEnd IncrSyncEnd".into())
}

async fn identical(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let n = h.downloads.len();
    if n < 2 {
        return Err("fewer than two downloads".into());
    }
    let (a, b) = (&h.downloads[n - 2], &h.downloads[n - 1]);
    if b.error.is_some() {
        return Err(format!(
            "the last download failed: {}",
            b.error.as_deref().unwrap_or("")
        ));
    }
    if a.bytes == b.bytes {
        return Ok(());
    }
    let at = a.bytes.iter().zip(&b.bytes).position(|(x, y)| x != y);
    Err(format!(
        "the streams differ ({} vs {} bytes, first difference at {:?})",
        a.bytes.len(),
        b.bytes.len(),
        at
    ))
}

async fn ordered_by_delivery(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let times: Vec<(Option<String>, u64)> = changes(h, d)?
        .iter()
        .map(|c| {
            let t = c
                .props
                .iter()
                .find(|p| p.tag.id() == tags::PID_TAG_MESSAGE_DELIVERY_TIME.id())
                .map(|p| &p.value)
                .or_else(|| find_prop(c.header, tags::PID_TAG_LAST_MODIFICATION_TIME));
            let t = match t {
                Some(PropValue::Time(t)) => *t,
                _ => 0,
            };
            (c.name.clone(), t)
        })
        .collect();
    if times.len() < 2 {
        return Err("fewer than two message changes to order".into());
    }
    for p in times.windows(2) {
        if p[0].1 < p[1].1 {
            return Err(format!("{:?} comes before the newer {:?}", p[0].0, p[1].0));
        }
    }
    Ok(())
}

fn holds(c: &Chg<'_>, element: &str, tag: PropTag) -> bool {
    let in_header = c.header.iter().any(|p| p.tag.id() == tag.id());
    let in_props = c.props.iter().any(|p| p.tag.id() == tag.id());
    match element {
        "message change header" => in_header,
        _ => in_header || in_props,
    }
}

async fn every_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let every = a.s(1) == "every";
    let element = a.s(2).to_owned();
    let tags_ = parse::props(a.s(3))?;
    let warn_only = a.has(4);
    let h = h_of(w)?;
    let d = last(h)?;
    let cs = changes(h, d)?;
    let cs: Vec<_> = cs
        .iter()
        .filter(|c| element != "normal message change" || !c.fai)
        .collect();
    if cs.is_empty() && every {
        return Err("the download holds no such element".into());
    }
    let mut bad = Vec::new();
    for c in &cs {
        for t in &tags_ {
            if holds(c, &element, *t) != every {
                bad.push(format!("{:?} / {:#010x}", c.name, t.0));
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let msg = format!(
        "{} {element} holds {}: not so for {}",
        a.s(1),
        a.s(3),
        bad.join(", ")
    );
    if warn_only {
        w.warn(msg);
        Ok(())
    } else {
        Err(msg)
    }
}

async fn every_folder_holds(w: &mut SuiteWorld, a: Args) -> Res {
    let every = a.s(1) == "every";
    let tags_ = parse::props(a.s(3))?;
    let h = h_of(w)?;
    let hs = last(h)?.hierarchy()?;
    if hs.folder_changes.is_empty() && every {
        return Err("the download holds no folder change".into());
    }
    let mut bad = Vec::new();
    for c in &hs.folder_changes {
        for t in &tags_ {
            if c.props.iter().any(|p| p.tag.id() == t.id()) != every {
                bad.push(format!("{:#010x}", t.0));
            }
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    let msg = format!(
        "{} folder change holds {}: not so for {}",
        a.s(1),
        a.s(3),
        bad.join(", ")
    );
    if a.has(4) {
        w.warn(msg);
        Ok(())
    } else {
        Err(msg)
    }
}

async fn header_layout(w: &mut SuiteWorld, a: Args) -> Res {
    let mut want = vec![
        tags::PID_TAG_SOURCE_KEY,
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        tags::PID_TAG_CHANGE_KEY,
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        tags::PID_TAG_ASSOCIATED,
    ];
    want.extend(parse::props(a.s(1))?);
    let h = h_of(w)?;
    let d = last(h)?;
    let cs = changes(h, d)?;
    if cs.is_empty() {
        return Err("the download holds no message change".into());
    }
    for c in &cs {
        let got: Vec<u16> = c.header.iter().map(|p| p.tag.id()).collect();
        let exp: Vec<u16> = want.iter().map(|t| t.id()).collect();
        if got != exp {
            return Err(format!(
                "the header of {:?} holds {:04x?}, expected {exp:04x?}",
                c.name, got
            ));
        }
    }
    Ok(())
}

async fn header_greater_than_zero(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let h = h_of(w)?;
    let d = last(h)?;
    for c in changes(h, d)? {
        let v = match find_prop(c.header, tag) {
            Some(PropValue::I32(v)) => i64::from(*v),
            Some(PropValue::I64(v)) => *v,
            other => {
                return Err(format!(
                    "the header of {:?} has {} = {other:?}",
                    c.name,
                    a.s(1)
                ));
            }
        };
        if v <= 0 {
            return Err(format!("the header of {:?} has {} = {v}", c.name, a.s(1)));
        }
    }
    Ok(())
}

/// PropertyGroupInfo ([MS-OXCFXICS] 2.2.2.8): GroupId, Reserved, GroupCount, then per group
/// PropertyTagCount and the tags (named ones with their names).
pub(super) struct GroupInfo {
    group_id: u32,
    reserved: u32,
    pub(super) groups: Vec<Vec<u32>>,
}

fn parse_group_info(b: &[u8]) -> Result<GroupInfo, String> {
    use ics_wire::cursor::Reader;
    let mut r = Reader::new(b);
    let e = |e: ics_wire::cursor::Truncated| format!("PropertyGroupInfo: {e}");
    let group_id = r.u32("GroupId").map_err(e)?;
    let reserved = r.u32("Reserved").map_err(e)?;
    let count = r.u32("GroupCount").map_err(e)? as usize;
    let mut groups = Vec::new();
    for _ in 0..count.min(b.len()) {
        let n = r.u32("PropertyTagCount").map_err(e)? as usize;
        let mut tags_ = Vec::new();
        for _ in 0..n.min(b.len()) {
            let tag = r.u32("PropertyTag").map_err(e)?;
            if tag >> 16 >= 0x8000 {
                // PropertyName: Kind, GUID, then LID or a name.
                let kind = r.u8("Kind").map_err(e)?;
                r.bytes(16, "GUID").map_err(e)?;
                if kind == 0 {
                    r.u32("LID").map_err(e)?;
                } else {
                    let len = r.u32("NameSize").map_err(e)? as usize;
                    r.bytes(len, "Name").map_err(e)?;
                }
            }
            tags_.push(tag);
        }
        groups.push(tags_);
    }
    Ok(GroupInfo {
        group_id,
        reserved,
        groups,
    })
}

/// Every partial change with the group mapping in force for it.
pub(super) fn partials(
    d: &DownloadRec,
) -> Result<Vec<(&ft::MessageChangePartial, Option<GroupInfo>)>, String> {
    let mut defined: Vec<GroupInfo> = Vec::new();
    let mut out = Vec::new();
    for i in &d.contents()?.changes {
        if let ft::ContentsSyncItem::Change {
            change: ft::MessageChange::Partial(p),
            ..
        } = i
        {
            if let Some(gi) = &p.group_info {
                let b = gi
                    .property_group_info()
                    .ok_or("a groupInfo element without PropertyGroupInfo")?;
                defined.push(parse_group_info(b)?);
            }
            let mapping = p.group_id.and_then(|id| {
                defined
                    .iter()
                    .rev()
                    .find(|g| g.group_id == id)
                    .map(|g| GroupInfo {
                        group_id: g.group_id,
                        reserved: g.reserved,
                        groups: g.groups.clone(),
                    })
            });
            out.push((p, mapping));
        }
    }
    Ok(out)
}

async fn partial_lacks_group(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(2))?;
    let h = h_of(w)?;
    let d = last(h)?;
    let sk = h.message_key(a.s(1))?;
    for (p, mapping) in partials(d)? {
        if !matches!(find_prop(&p.header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if *b == sk)
        {
            continue;
        }
        let mapping = mapping.ok_or("the partial change names no defined group mapping")?;
        let group = mapping
            .groups
            .iter()
            .position(|g| g.iter().any(|t| (t >> 16) as u16 == tag.id()))
            .ok_or_else(|| format!("no group of the mapping holds {}", a.s(2)))?;
        return match p.groups.iter().find(|g| g.index as usize == group) {
            None => Ok(()),
            Some(_) => Err(format!(
                "the partial change for {} holds group {group}",
                a.s(1)
            )),
        };
    }
    Err(format!(
        "the download holds no partial change for {}",
        a.s(1)
    ))
}

async fn partial_group_ids(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let ps = partials(last(h)?)?;
    if ps.is_empty() {
        return Err("the download holds no partial change".into());
    }
    for (p, mapping) in ps {
        if p.group_id.is_none() || mapping.is_none() {
            return Err(format!(
                "a partial change with group id {:?} has no preceding groupInfo",
                p.group_id
            ));
        }
    }
    Ok(())
}

async fn group_info_well_formed(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let mut seen = 0;
    for (_, mapping) in partials(last(h)?)? {
        let Some(g) = mapping else { continue };
        seen += 1;
        if g.reserved != 0 || g.groups.is_empty() || g.groups.iter().any(Vec::is_empty) {
            return Err(format!(
                "PropertyGroupInfo {}: Reserved {}, GroupCount {}, empty groups {}",
                g.group_id,
                g.reserved,
                g.groups.len(),
                g.groups.iter().filter(|x| x.is_empty()).count()
            ));
        }
    }
    (seen > 0)
        .then_some(())
        .ok_or_else(|| "no PropertyGroupInfo in the download".into())
}

async fn group_index_in_mapping(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    for (p, mapping) in partials(last(h)?)? {
        let n = mapping.map(|m| m.groups.len()).unwrap_or(0);
        for g in &p.groups {
            if g.index != 0xFFFF_FFFF && g.index as usize >= n {
                return Err(format!(
                    "group index {} outside a mapping of {n} groups",
                    g.index
                ));
            }
        }
    }
    Ok(())
}
