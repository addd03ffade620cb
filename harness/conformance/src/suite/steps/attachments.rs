//! Recipients and attachments: set-up through RopModifyRecipients / RopCreateAttachment,
//! CopyTo / CopyProperties on a Message or an Attachment object, and checks of what the
//! streams and the replica hold ([MS-OXCMSG] 3.1.4.5, 3.1.4.12; [MS-OXCFXICS] 2.2.3.1.1.1,
//! 2.2.3.1.1.2, 2.2.4.3.2, 3.2.5.10).

use ics_client::model::{Prop, PropKey};
use ics_wire::ftstream as ft;
use ics_wire::prop::{PropTag, PropValue, tags};

use super::download::last;
use super::parse;
use super::{Args, Res, steps};
use crate::driver::attach::{
    PID_TAG_ATTACH_DATA_BINARY, PID_TAG_ATTACH_LONG_FILENAME, PID_TAG_ATTACH_METHOD,
    PID_TAG_DISPLAY_NAME, PID_TAG_EMAIL_ADDRESS, attachment_data, attachment_file_name,
    recipient_email, recipient_name,
};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

/// PidTagRowid.
const PID_TAG_ROWID: PropTag = PropTag(0x3000_0003);
/// PidTagAttachNumber.
const PID_TAG_ATTACH_NUMBER: PropTag = PropTag(0x0E21_0003);

/// CopyFlags names of CopyTo / CopyProperties ([MS-OXCFXICS] 2.2.3.1.1.1.1, 2.2.3.1.1.2.1).
const COPY_FLAGS: &[(&str, u32)] = &[("Move", 0x01), ("BestBody", 0x2000)];

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^message (m\d+) has (\d+) recipients? and (\d+) attachments?$" => has_subobjects,
        r"^the client copies (?:attachment (\d+) of )?(?:message )?(m\d+) with (CopyTo|CopyProperties)(?: of (\w+(?:, \w+)*))?(?: and CopyFlags (.+))?$" => copy_props,
        r"^the attachment stream holds attachment (\d+) of (m\d+)(?: without (\w+(?:, \w+)*))?$" => stream_holds_attachment,
        r"^the attachment stream holds only (\w+(?:, \w+)*)$" => stream_holds_only,
        r"^the replica's message (m\d+) holds its recipients and attachments intact$" => replica_intact,
        r"^every normal message change holds its recipients after a MetaTagFXDelProp for PidTagMessageRecipients$" => every_change_recipients,
    ]
}

/// A property name of these steps: the attachment properties, else the shared list.
fn prop(s: &str) -> Result<PropTag, String> {
    match s {
        "PidTagAttachDataBinary" => Ok(PID_TAG_ATTACH_DATA_BINARY),
        "PidTagAttachLongFilename" => Ok(PID_TAG_ATTACH_LONG_FILENAME),
        "PidTagAttachMethod" => Ok(PID_TAG_ATTACH_METHOD),
        "PidTagAttachDataObject" => Ok(PropTag(0x3701_000D)),
        other => parse::prop(other),
    }
}

fn props(list: &str) -> Result<Vec<PropTag>, String> {
    list.split(',').map(|s| prop(s.trim())).collect()
}

async fn has_subobjects(w: &mut SuiteWorld, a: Args) -> Res {
    let (m, r, n) = (a.s(1).to_owned(), a.n(2)? as u32, a.n(3)? as u32);
    w.harness().await?.add_subobjects(&m, r, n)
}

async fn copy_props(w: &mut SuiteWorld, a: Args) -> Res {
    let attachment = if a.has(1) { Some(a.n(1)? as u32) } else { None };
    let m = a.s(2).to_owned();
    let include = a.s(3) == "CopyProperties";
    let list = if a.has(4) { props(a.s(4))? } else { Vec::new() };
    let flags = if a.has(5) {
        parse::flags(a.s(5), COPY_FLAGS)?
    } else {
        0
    };
    let h = w.harness().await?;
    let rec = h.copy_props(&m, attachment, include, flags, list);
    // A refused copy is judged by the outcome step; a failure around it is not.
    match (rec.error, rec.download.return_value) {
        (Some(e), Some(0)) | (Some(e), None) => Err(e),
        _ => Ok(()),
    }
}

fn attachment_root(h: &Harness) -> Result<&ft::AttachmentContent, String> {
    match &last(h)?.root {
        Some(ft::Root::AttachmentContent(a)) => Ok(a),
        Some(_) => Err("the last stream is not an attachmentContent".into()),
        None => Err("no attachment stream was read".into()),
    }
}

async fn stream_holds_attachment(w: &mut SuiteWorld, a: Args) -> Res {
    let (n, m) = (a.n(1)? as u32, a.s(2).to_owned());
    let without = if a.has(3) { props(a.s(3))? } else { Vec::new() };
    let h = w.harness().await?;
    let root = attachment_root(h)?;
    let want = [
        (
            PID_TAG_ATTACH_LONG_FILENAME,
            PropValue::unicode(&attachment_file_name(&m, n)),
        ),
        (
            PID_TAG_ATTACH_DATA_BINARY,
            PropValue::Binary(attachment_data(&m, n)),
        ),
        (PID_TAG_ATTACH_METHOD, PropValue::I32(1)),
    ];
    for (tag, value) in want {
        let got = root.props.iter().find(|p| p.tag.id() == tag.id());
        if without.iter().any(|t| t.id() == tag.id()) {
            if got.is_some() {
                return Err(format!("the stream holds {tag}, which was excluded"));
            }
            continue;
        }
        match got {
            None => return Err(format!("the stream lacks {tag}")),
            Some(p) if !same_value(&p.value, &value) => {
                return Err(format!("{tag} is {:?}, not {value:?}", p.value));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Values equal, strings compared as text whatever their string type.
fn same_value(a: &PropValue, b: &PropValue) -> bool {
    match (text(a), text(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

fn text(v: &PropValue) -> Option<String> {
    match v {
        PropValue::Unicode(u) => Some(u.to_string_lossy()),
        PropValue::String8(b) => Some(b.iter().map(|&c| char::from(c)).collect()),
        _ => None,
    }
}

async fn stream_holds_only(w: &mut SuiteWorld, a: Args) -> Res {
    let want = props(a.s(1))?;
    let h = w.harness().await?;
    let root = attachment_root(h)?;
    let extra: Vec<String> = root
        .props
        .iter()
        .filter(|p| !want.iter().any(|t| t.id() == p.tag.id()))
        .map(|p| p.tag.to_string())
        .collect();
    let missing: Vec<String> = want
        .iter()
        .filter(|t| !root.props.iter().any(|p| p.tag.id() == t.id()))
        .map(|t| t.to_string())
        .collect();
    if !extra.is_empty() || !missing.is_empty() || root.embedded.is_some() {
        return Err(format!(
            "the stream also holds {extra:?}, lacks {missing:?}{}",
            if root.embedded.is_some() {
                ", and holds an embedded message"
            } else {
                ""
            }
        ));
    }
    Ok(())
}

fn get(props: &[Prop], tag: PropTag) -> Option<&PropValue> {
    props
        .iter()
        .find(|p| p.key == PropKey::Id(tag.id()))
        .map(|p| &p.value)
}

/// The recipients of `m` as the scenario made them: (display name, email) for 1..=n.
fn expected_recipients(h: &Harness, m: &str) -> Vec<(String, String)> {
    let n = h.subobjects.get(m).map_or(0, |s| s.recipients);
    (1..=n)
        .map(|i| (recipient_name(m, i), recipient_email(m, i)))
        .collect()
}

/// Whether the (display name, email) pairs of `got` are those expected, in any order.
fn recipients_match(got: &[(Option<String>, Option<String>)], want: &[(String, String)]) -> bool {
    let mut g: Vec<_> = got.to_vec();
    let mut w: Vec<_> = want
        .iter()
        .map(|(n, e)| (Some(n.clone()), Some(e.clone())))
        .collect();
    g.sort();
    w.sort();
    g == w
}

async fn replica_intact(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let local = h
        .client
        .replica()
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    let want = expected_recipients(h, &m);
    let got: Vec<_> = local
        .recipients
        .iter()
        .map(|r| {
            (
                get(r, PID_TAG_DISPLAY_NAME).and_then(text),
                get(r, PID_TAG_EMAIL_ADDRESS).and_then(text),
            )
        })
        .collect();
    if !recipients_match(&got, &want) {
        return Err(format!(
            "the replica's {m} has the recipients {got:?}, not {want:?}"
        ));
    }
    let n = h.attachment_count(&m);
    if local.attachments.len() != n as usize {
        return Err(format!(
            "the replica's {m} has {} attachments, not {n}",
            local.attachments.len()
        ));
    }
    let mut numbers = Vec::new();
    for i in 1..=n {
        let name = attachment_file_name(&m, i);
        let att = local
            .attachments
            .iter()
            .find(|a| get(a, PID_TAG_ATTACH_LONG_FILENAME).and_then(text) == Some(name.clone()))
            .ok_or_else(|| format!("the replica's {m} has no attachment {name:?}"))?;
        if get(att, PID_TAG_ATTACH_DATA_BINARY) != Some(&PropValue::Binary(attachment_data(&m, i)))
        {
            return Err(format!(
                "attachment {name:?} of the replica's {m} has the data {:?}",
                get(att, PID_TAG_ATTACH_DATA_BINARY)
            ));
        }
        numbers.push(get(att, PID_TAG_ATTACH_NUMBER).cloned());
    }
    numbers.sort_by_key(|v| format!("{v:?}"));
    numbers.dedup();
    if numbers.len() != n as usize || numbers.iter().any(Option::is_none) {
        return Err(format!(
            "the attachments of the replica's {m} do not have distinct PidTagAttachNumbers: {numbers:?}"
        ));
    }
    Ok(())
}

async fn every_change_recipients(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let cs = last(h)?.contents()?;
    let mut seen = 0;
    for item in &cs.changes {
        let ft::ContentsSyncItem::Change {
            change: ft::MessageChange::Full(f),
            ..
        } = item
        else {
            continue;
        };
        let fai = matches!(
            find_prop(&f.header, tags::PID_TAG_ASSOCIATED),
            Some(PropValue::Boolean(true))
        );
        if fai {
            continue;
        }
        let name = match find_prop(&f.header, tags::PID_TAG_SOURCE_KEY) {
            Some(PropValue::Binary(sk)) => h.name_of_key(sk),
            _ => None,
        }
        .ok_or("a message change of an unknown message")?;
        let ch = &f.children;
        if !ch.del_recipients {
            return Err(format!(
                "the change for {name} has no MetaTagFXDelProp for PidTagMessageRecipients"
            ));
        }
        // [MS-OXCFXICS] 2.2.4.3.23 / ftstream.md §6.11: PidTagRowid first.
        if let Some(r) = ch
            .recipients
            .iter()
            .find(|r| r.props.first().map(|p| p.tag) != Some(PID_TAG_ROWID))
        {
            return Err(format!(
                "a recipient of {name} does not start with PidTagRowid: {:?}",
                r.props.first().map(|p| p.tag)
            ));
        }
        let got: Vec<_> = ch
            .recipients
            .iter()
            .map(|r| {
                let v = |t: PropTag| {
                    r.props
                        .iter()
                        .find(|p| p.tag.id() == t.id())
                        .and_then(|p| text(&p.value))
                };
                (v(PID_TAG_DISPLAY_NAME), v(PID_TAG_EMAIL_ADDRESS))
            })
            .collect();
        let want = expected_recipients(h, &name);
        if !recipients_match(&got, &want) {
            return Err(format!(
                "the change for {name} holds the recipients {got:?}, not {want:?}"
            ));
        }
        seen += want.len();
    }
    if seen == 0 {
        return Err("no normal message change was expected to hold a recipient".into());
    }
    Ok(())
}
