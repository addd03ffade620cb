//! `Arbitrary` for the grammar tree, producing only well-formed values (the
//! element rules of §6 hold, tags and values agree), so that
//! `parse(produce(x)) == x` must hold for every generated `x`.

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::ftstream::element::FtProp;
use crate::ftstream::grammar::*;
use crate::ftstream::markers::ics_tags::*;
use crate::prop::tags::*;
use crate::prop::{NameKind, PropTag, PropValue, PropertyName, Utf16String};

const MAX_DEPTH: u32 = 2;

/// A value that a FastTransfer stream can carry and read back equal.
fn stream_value(u: &mut Unstructured<'_>) -> Result<PropValue> {
    let mut v = PropValue::arbitrary(u)?;
    if let PropValue::CodePageString { cpid, bytes } = &mut v {
        *cpid &= 0x7FFF;
        if matches!(*cpid, 1200 | 1201) && bytes.len() % 2 != 0 {
            bytes.pop();
        }
    }
    Ok(v)
}

fn name_of(u: &mut Unstructured<'_>) -> Result<PropertyName> {
    let mut n = PropertyName::arbitrary(u)?;
    if let NameKind::Name(s) = &mut n.kind {
        s.0.retain(|&c| c != 0);
        s.0.truncate(512);
    }
    Ok(n)
}

/// An ordinary property (never a marker, meta-property or ICS property):
/// tagged ids 0x0001..=0x3FFF, or named ids 0x8000..=0xFFFE.
pub fn ordinary_prop(u: &mut Unstructured<'_>) -> Result<FtProp> {
    let value = stream_value(u)?;
    if u.ratio(1, 8)? {
        let id = u.int_in_range(0x8000..=0xFFFE)?;
        Ok(FtProp::named(id, name_of(u)?, value))
    } else {
        Ok(FtProp::tagged(u.int_in_range(0x0001..=0x3FFF)?, value))
    }
}

fn prop_list(u: &mut Unstructured<'_>) -> Result<PropList> {
    let n = u.int_in_range(0..=6)?;
    (0..n).map(|_| ordinary_prop(u)).collect()
}

fn bytes(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let n = u.int_in_range(0..=40)?;
    Ok(u.bytes(n)?.to_vec())
}

fn bin(u: &mut Unstructured<'_>, tag: PropTag) -> Result<FtProp> {
    Ok(FtProp::with_tag(tag, PropValue::Binary(bytes(u)?)))
}

fn text(u: &mut Unstructured<'_>) -> Result<PropValue> {
    let mut s = Utf16String::arbitrary(u)?;
    s.0.truncate(20);
    Ok(PropValue::Unicode(s))
}

/// Picks a subset of `tags` (in order), at least one if `nonempty`.
fn subset(u: &mut Unstructured<'_>, tags: &[PropTag], nonempty: bool) -> Result<Vec<PropTag>> {
    let mut out: Vec<PropTag> = Vec::new();
    for t in tags {
        if u.arbitrary()? {
            out.push(*t);
        }
    }
    if nonempty && out.is_empty() {
        out.push(*u.choose(tags)?);
    }
    Ok(out)
}

fn header(u: &mut Unstructured<'_>) -> Result<PropList> {
    let mut h = vec![
        bin(u, PID_TAG_SOURCE_KEY)?,
        FtProp::with_tag(
            PID_TAG_LAST_MODIFICATION_TIME,
            PropValue::Time(u.arbitrary()?),
        ),
        bin(u, PID_TAG_CHANGE_KEY)?,
        bin(u, PID_TAG_PREDECESSOR_CHANGE_LIST)?,
        FtProp::with_tag(PID_TAG_ASSOCIATED, PropValue::Boolean(u.arbitrary()?)),
    ];
    for t in subset(
        u,
        &[PID_TAG_MID, PID_TAG_MESSAGE_SIZE, PID_TAG_CHANGE_NUMBER],
        false,
    )? {
        let v = if t == PID_TAG_MESSAGE_SIZE {
            PropValue::I32(u.arbitrary()?)
        } else {
            PropValue::I64(u.arbitrary()?)
        };
        h.push(FtProp::with_tag(t, v));
    }
    Ok(h)
}

fn one_binary(u: &mut Unstructured<'_>) -> Result<PropList> {
    Ok(vec![bin(u, UNTAGGED_BINARY)?])
}

fn state(u: &mut Unstructured<'_>, hierarchy: bool) -> Result<State> {
    let mut props = Vec::new();
    if u.arbitrary()? {
        let tag = if u.arbitrary()? {
            META_TAG_IDSET_GIVEN
        } else {
            META_TAG_IDSET_GIVEN_BINARY
        };
        props.push(bin(u, tag)?);
    }
    let rest: &[PropTag] = if hierarchy {
        &[META_TAG_CNSET_SEEN]
    } else {
        &[
            META_TAG_CNSET_SEEN,
            META_TAG_CNSET_SEEN_FAI,
            META_TAG_CNSET_READ,
        ]
    };
    for t in subset(u, rest, false)? {
        props.push(bin(u, t)?);
    }
    Ok(State { props })
}

fn deletions(u: &mut Unstructured<'_>, hierarchy: bool) -> Result<Option<Deletions>> {
    if !u.arbitrary()? {
        return Ok(None);
    }
    let allowed: &[PropTag] = if hierarchy {
        &[META_TAG_IDSET_DELETED]
    } else {
        &[
            META_TAG_IDSET_DELETED,
            META_TAG_IDSET_NO_LONGER_IN_SCOPE,
            META_TAG_IDSET_EXPIRED,
        ]
    };
    let props = subset(u, allowed, true)?
        .into_iter()
        .map(|t| bin(u, t))
        .collect::<Result<_>>()?;
    Ok(Some(Deletions { props }))
}

fn children(u: &mut Unstructured<'_>, depth: u32) -> Result<MessageChildren> {
    let del_recipients = u.arbitrary()?;
    let nr = u.int_in_range(0..=2)?;
    let mut recipients = Vec::new();
    for _ in 0..nr {
        let mut props = vec![FtProp::with_tag(
            PID_TAG_ROWID,
            PropValue::I32(u.arbitrary()?),
        )];
        props.extend(prop_list(u)?);
        recipients.push(Recipient { props });
    }
    let del_attachments = u.arbitrary()?;
    let na = u.int_in_range(0..=2)?;
    let mut attachments = Vec::new();
    for _ in 0..na {
        attachments.push(Attachment {
            attach_number: u.arbitrary()?,
            content: attachment_content(u, depth)?,
        });
    }
    Ok(MessageChildren {
        del_recipients,
        recipients,
        del_attachments,
        attachments,
    })
}

fn opt_bytes(u: &mut Unstructured<'_>) -> Result<Option<Vec<u8>>> {
    if u.ratio(1, 4)? {
        Ok(Some(bytes(u)?))
    } else {
        Ok(None)
    }
}

fn attachment_content(u: &mut Unstructured<'_>, depth: u32) -> Result<AttachmentContent> {
    let dn_prefix = opt_bytes(u)?;
    let props = prop_list(u)?;
    let embedded = if depth < MAX_DEPTH && u.ratio(1, 3)? {
        Some(Box::new(message_content(u, depth + 1)?))
    } else {
        None
    };
    Ok(AttachmentContent {
        dn_prefix,
        props,
        embedded,
    })
}

fn message_content(u: &mut Unstructured<'_>, depth: u32) -> Result<MessageContent> {
    Ok(MessageContent {
        dn_prefix: opt_bytes(u)?,
        props: prop_list(u)?,
        children: children(u, depth)?,
    })
}

fn message_list(u: &mut Unstructured<'_>, depth: u32) -> Result<MessageList> {
    let n = u.int_in_range(0..=4)?;
    let mut items = Vec::new();
    for _ in 0..n {
        items.push(match u.int_in_range(0..=5)? {
            0 => MessageListItem::DnPrefix(bytes(u)?),
            1 => MessageListItem::EcWarning(u.arbitrary()?),
            2 => MessageListItem::Error(ErrorInfo {
                props: one_binary(u)?,
            }),
            _ => MessageListItem::Message(Message {
                fai: u.arbitrary()?,
                content: message_content(u, depth)?,
            }),
        });
    }
    Ok(MessageList { items })
}

fn change(u: &mut Unstructured<'_>) -> Result<MessageChange> {
    if u.ratio(2, 3)? {
        return Ok(MessageChange::Full(MessageChangeFull {
            header: header(u)?,
            props: prop_list(u)?,
            children: children(u, 0)?,
        }));
    }
    let group_info = if u.arbitrary()? {
        Some(GroupInfo {
            props: one_binary(u)?,
        })
    } else {
        None
    };
    let group_id = u.arbitrary()?;
    let header = header(u)?;
    let n = u.int_in_range(0..=3)?;
    let mut groups = Vec::new();
    for _ in 0..n {
        groups.push(PartialGroup {
            index: u.arbitrary()?,
            props: prop_list(u)?,
        });
    }
    Ok(MessageChange::Partial(MessageChangePartial {
        group_info,
        group_id,
        header,
        groups,
        children: children(u, 0)?,
    }))
}

fn subfolder_props(u: &mut Unstructured<'_>) -> Result<PropList> {
    let mut p = vec![
        FtProp::with_tag(PID_TAG_FOLDER_ID, PropValue::I64(u.arbitrary()?)),
        FtProp::with_tag(PID_TAG_DISPLAY_NAME, text(u)?),
        FtProp::with_tag(PID_TAG_COMMENT, text(u)?),
    ];
    p.extend(prop_list(u)?);
    Ok(p)
}

fn folder_content(u: &mut Unstructured<'_>, depth: u32, sub: bool) -> Result<FolderContent> {
    let dn_prefix = opt_bytes(u)?;
    let props = if sub {
        subfolder_props(u)?
    } else {
        prop_list(u)?
    };
    let ec_warning = if u.ratio(1, 4)? {
        Some(u.arbitrary()?)
    } else {
        None
    };
    let messages = if u.ratio(1, 5)? {
        FolderMessages::NewFXFolder(bytes(u)?)
    } else {
        let n = u.int_in_range(0..=2)?;
        let mut lists = Vec::new();
        for _ in 0..n {
            let del_prop = *u.choose(&[
                PID_TAG_CONTAINER_CONTENTS,
                PID_TAG_FOLDER_ASSOCIATED_CONTENTS,
            ])?;
            lists.push(DelPropMessageList {
                del_prop,
                list: message_list(u, 0)?,
            });
        }
        FolderMessages::Lists(lists)
    };
    let subfolders = if depth < MAX_DEPTH && u.arbitrary()? {
        let n = u.int_in_range(0..=2)?;
        Some(
            (0..n)
                .map(|_| folder_content(u, depth + 1, true))
                .collect::<Result<_>>()?,
        )
    } else {
        None
    };
    Ok(FolderContent {
        dn_prefix,
        props,
        ec_warning,
        messages,
        subfolders,
    })
}

fn folder_no_del(
    u: &mut Unstructured<'_>,
    depth: u32,
    sub: bool,
) -> Result<FolderContentNoDelProps> {
    let props = if sub {
        subfolder_props(u)?
    } else {
        prop_list(u)?
    };
    let messages = if u.ratio(1, 5)? {
        FolderMessagesNoDelProps::NewFXFolder(bytes(u)?)
    } else {
        FolderMessagesNoDelProps::List(message_list(u, 0)?)
    };
    let n = if depth < MAX_DEPTH {
        u.int_in_range(0..=2)?
    } else {
        0
    };
    let subfolders = (0..n)
        .map(|_| folder_no_del(u, depth + 1, true))
        .collect::<Result<_>>()?;
    Ok(FolderContentNoDelProps {
        props,
        messages,
        subfolders,
    })
}

impl<'a> Arbitrary<'a> for ContentsSync {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let progress_total = if u.arbitrary()? {
            Some(ProgressTotal {
                props: one_binary(u)?,
            })
        } else {
            None
        };
        let n = u.int_in_range(0..=4)?;
        let mut changes = Vec::new();
        for _ in 0..n {
            if u.ratio(1, 6)? {
                changes.push(ContentsSyncItem::Error(ErrorInfo {
                    props: one_binary(u)?,
                }));
                continue;
            }
            let progress = if u.arbitrary()? {
                Some(ProgressPerMessage {
                    props: vec![
                        FtProp::with_tag(UNTAGGED_INTEGER32, PropValue::I32(u.arbitrary()?)),
                        FtProp::with_tag(UNTAGGED_BOOLEAN, PropValue::Boolean(u.arbitrary()?)),
                    ],
                })
            } else {
                None
            };
            changes.push(ContentsSyncItem::Change {
                progress,
                change: change(u)?,
            });
        }
        let deletions = deletions(u, false)?;
        let read_state_changes = if u.arbitrary()? {
            let tags = subset(u, &[META_TAG_IDSET_READ, META_TAG_IDSET_UNREAD], true)?;
            Some(ReadStateChanges {
                props: tags.into_iter().map(|t| bin(u, t)).collect::<Result<_>>()?,
            })
        } else {
            None
        };
        Ok(ContentsSync {
            progress_total,
            changes,
            deletions,
            read_state_changes,
            state: state(u, false)?,
        })
    }
}

impl<'a> Arbitrary<'a> for HierarchySync {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(0..=4)?;
        let mut folder_changes = Vec::new();
        for _ in 0..n {
            let mut props = vec![
                bin(u, PID_TAG_PARENT_SOURCE_KEY)?,
                bin(u, PID_TAG_SOURCE_KEY)?,
                FtProp::with_tag(
                    PID_TAG_LAST_MODIFICATION_TIME,
                    PropValue::Time(u.arbitrary()?),
                ),
                bin(u, PID_TAG_CHANGE_KEY)?,
                bin(u, PID_TAG_PREDECESSOR_CHANGE_LIST)?,
                FtProp::with_tag(PID_TAG_DISPLAY_NAME, text(u)?),
            ];
            props.extend(prop_list(u)?);
            folder_changes.push(FolderChange { props });
        }
        Ok(HierarchySync {
            folder_changes,
            deletions: deletions(u, true)?,
            state: state(u, true)?,
        })
    }
}

impl<'a> Arbitrary<'a> for MessageList {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        message_list(u, 0)
    }
}

impl<'a> Arbitrary<'a> for Root {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=7)? {
            0 => Root::ContentsSync(ContentsSync::arbitrary(u)?),
            1 => Root::HierarchySync(HierarchySync::arbitrary(u)?),
            2 => Root::State(state(u, false)?),
            3 => Root::FolderContent(folder_content(u, 0, false)?),
            4 => Root::MessageContent(message_content(u, 0)?),
            5 => Root::AttachmentContent(attachment_content(u, 0)?),
            6 => Root::MessageList(message_list(u, 0)?),
            _ => Root::TopFolder(TopFolder {
                dn_prefix: opt_bytes(u)?,
                content: folder_no_del(u, 0, false)?,
            }),
        })
    }
}
