//! Building the property lists of change elements from stored objects:
//! headers ([MS-OXCFXICS] 2.2.4.3.5, 2.2.4.3.14), property filters
//! (3.2.5.9.1.1, 3.2.5.10, R-089– ), string forms
//! and SourceKeys (3.2.5.5).

use ics_wire::ids::Fid;
use ics_wire::prop::{PropTag, PropType, PropValue, TaggedValue, Utf16String, tags};

use super::options::{StringForm, SyncOptions};
use crate::mailbox::{
    Attachment, Folder, Mailbox, Message, MessageContent, folder_change_key, folder_pcl,
    is_computed,
    message::{MF_READ, PID_TAG_ATTACH_NUMBER},
    message_change_key, message_pcl,
};

/// PidTagMessageRecipients: names the recipient subobjects in filters.
pub const PID_TAG_MESSAGE_RECIPIENTS: PropTag = PropTag(0x0E12_000D);
/// PidTagMessageAttachments: names the attachment subobjects in filters.
pub const PID_TAG_MESSAGE_ATTACHMENTS: PropTag = PropTag(0x0E13_000D);
/// PidTagAttachDataObject: names an attachment's embedded message in
/// filters (2.2.1.7, R-109, R-110).
pub const PID_TAG_ATTACH_DATA_OBJECT: PropTag = PropTag(0x3701_000D);
/// The untagged PtypInteger32 placeholder of an empty changed group.
pub const EMPTY_GROUP_PLACEHOLDER: PropTag = PropTag(0x0000_0003);

/// An attachment as output.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentOut {
    /// PidTagAttachNumber (its index).
    pub number: u32,
    /// Attachment properties.
    pub props: Vec<TaggedValue>,
    /// Embedded message.
    pub embedded: Option<Box<ContentOut>>,
}

/// A message content as output: properties and subobject lists; a `None`
/// subobject list is filtered out (no MetaTagFXDelProp, R-046).
#[derive(Debug, Clone, PartialEq)]
pub struct ContentOut {
    /// Properties.
    pub props: Vec<TaggedValue>,
    /// Recipients (each propList starts with PidTagRowid), if filtered in.
    pub recipients: Option<Vec<Vec<TaggedValue>>>,
    /// Attachments, if filtered in.
    pub attachments: Option<Vec<AttachmentOut>>,
}

fn bin(tag: PropTag, b: Vec<u8>) -> TaggedValue {
    TaggedValue {
        tag,
        value: PropValue::Binary(b),
    }
}

/// PidTagSourceKey of a message: the persisted one unless NoForeignIdentifiers,
/// else the GID XID of its MID.
pub fn message_source_key(mb: &Mailbox, m: &Message, opts: &SyncOptions) -> Vec<u8> {
    match (&m.persisted_source_key, opts.no_foreign_identifiers) {
        (Some(sk), false) => sk.clone(),
        _ => mb.source_key_of(m.mid.0),
    }
}

/// PidTagSourceKey of a folder.
pub fn folder_source_key(mb: &Mailbox, f: &Folder, opts: &SyncOptions) -> Vec<u8> {
    match (&f.persisted_source_key, opts.no_foreign_identifiers) {
        (Some(sk), false) => sk.clone(),
        _ => mb.source_key_of(f.fid.0),
    }
}

/// The messageChangeHeader propList (ftstream.md §6.2): SourceKey,
/// LastModificationTime, ChangeKey, PCL, Associated, then Mid / MessageSize /
/// ChangeNumber iff Eid / MessageSize / CN.
pub fn message_header(mb: &Mailbox, m: &Message, opts: &SyncOptions) -> Vec<TaggedValue> {
    let g = mb.replguid();
    let mut h = Vec::with_capacity(8);
    h.push(bin(
        tags::PID_TAG_SOURCE_KEY,
        message_source_key(mb, m, opts),
    ));
    h.push(TaggedValue {
        tag: tags::PID_TAG_LAST_MODIFICATION_TIME,
        value: PropValue::Time(m.last_modified),
    });
    h.push(bin(
        tags::PID_TAG_CHANGE_KEY,
        message_change_key(m, g).to_bytes(),
    ));
    h.push(bin(
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        message_pcl(m, g).to_bytes(),
    ));
    h.push(TaggedValue {
        tag: tags::PID_TAG_ASSOCIATED,
        value: PropValue::Boolean(m.fai),
    });
    if opts.eid {
        h.push(TaggedValue {
            tag: tags::PID_TAG_MID,
            value: PropValue::I64(m.mid.to_u64_le() as i64),
        });
    }
    if opts.message_size {
        h.push(TaggedValue {
            tag: tags::PID_TAG_MESSAGE_SIZE,
            value: PropValue::I32(m.size().min(i32::MAX as usize) as i32),
        });
    }
    if opts.change_number {
        let cn = ics_wire::ids::Cn::new(crate::mailbox::LOCAL_REPLID, m.cn);
        h.push(TaggedValue {
            tag: tags::PID_TAG_CHANGE_NUMBER,
            value: PropValue::I64(cn.to_u64_le() as i64),
        });
    }
    h
}

/// The folderChange propList (ftstream.md §6.1). `root` is the folder the
/// hierarchy sync runs on: its direct children get a zero-length
/// ParentSourceKey (2.2.4.3.9).
pub fn folder_change(mb: &Mailbox, f: &Folder, root: Fid, opts: &SyncOptions) -> Vec<TaggedValue> {
    let g = mb.replguid();
    let parent_sk = match f.parent {
        Some(p) if p != root => mb
            .folder(p)
            .map(|pf| folder_source_key(mb, pf, opts))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut v = vec![
        bin(tags::PID_TAG_PARENT_SOURCE_KEY, parent_sk),
        bin(tags::PID_TAG_SOURCE_KEY, folder_source_key(mb, f, opts)),
        TaggedValue {
            tag: tags::PID_TAG_LAST_MODIFICATION_TIME,
            value: PropValue::Time(f.last_modified),
        },
        bin(tags::PID_TAG_CHANGE_KEY, folder_change_key(f, g).to_bytes()),
        bin(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            folder_pcl(f, g).to_bytes(),
        ),
    ];
    let name = f
        .props
        .get(tags::PID_TAG_DISPLAY_NAME)
        .cloned()
        .unwrap_or_else(|| PropValue::unicode(""));
    v.push(convert_string(
        TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: name,
        },
        opts.strings,
    ));
    if opts.eid {
        v.push(TaggedValue {
            tag: tags::PID_TAG_FOLDER_ID,
            value: PropValue::I64(f.fid.to_u64_le() as i64),
        });
    }
    if (opts.no_foreign_identifiers || opts.eid)
        && let Some(p) = f.parent
    {
        v.push(TaggedValue {
            tag: tags::PID_TAG_PARENT_FOLDER_ID,
            value: PropValue::I64(p.to_u64_le() as i64),
        });
    }
    for p in f.props.values() {
        if p.tag.id() == tags::PID_TAG_DISPLAY_NAME.id() || !outputtable(p) {
            continue;
        }
        // without OnlySpecifiedProperties the list excludes.
        if !opts.only_specified_properties && listed(&opts.property_tags, p.tag) {
            continue;
        }
        v.push(convert_string(p.clone(), opts.strings));
    }
    v
}

fn listed(list: &[PropTag], tag: PropTag) -> bool {
    list.iter().any(|t| t.id() == tag.id())
}

/// Never output: computed/internal ids and error values.
fn outputtable(v: &TaggedValue) -> bool {
    !is_computed(v.tag) && v.value.prop_type() != PropType::ERROR_CODE
}

/// Which properties of a top-level message pass the filter.
pub struct MessageFilter<'a> {
    list: &'a [PropTag],
    include: bool,
}

impl<'a> MessageFilter<'a> {
    /// The filter for a top-level message of this kind.
    pub fn new(opts: &'a SyncOptions, fai: bool) -> Self {
        let all = opts.only_specified_properties && fai && opts.ignore_specified_on_fai;
        if all {
            MessageFilter {
                list: &[],
                include: false,
            }
        } else {
            MessageFilter {
                list: &opts.property_tags,
                include: opts.only_specified_properties,
            }
        }
    }

    /// True if the property (or subobject tag) is output.
    pub fn passes(&self, tag: PropTag) -> bool {
        listed(self.list, tag) == self.include
    }

    /// True if nothing is filtered.
    pub fn is_identity(&self) -> bool {
        !self.include && self.list.is_empty()
    }
}

/// The full content of a top-level message after filters and string form. A conflict
/// resolve message goes out as its winning version, without the versions in conflict
/// ([MS-OXCFXICS] 3.1.5.6.2.1; `session::conflict::synchronized_content`); an ICS
/// download sends its versions instead ([`version_change`]).
pub fn message_content(m: &Message, opts: &SyncOptions) -> ContentOut {
    let view = crate::session::conflict::synchronized_content(&m.content);
    let content = view.as_ref().unwrap_or(&m.content);
    content_out(content, m.message_flags(), m.fai, opts)
}

/// The header and content of one version in conflict of a conflict resolve
/// message `m`, sent as its own messageChange (3.1.5.6.2.1): the message's
/// header with the version's LastModificationTime, ChangeKey and PCL, and
/// the version's content (its read state from its PidTagMessageFlags, else
/// the message's).
pub fn version_change(
    mb: &Mailbox,
    m: &Message,
    version: &MessageContent,
    opts: &SyncOptions,
) -> (Vec<TaggedValue>, ContentOut) {
    const IDENTITY: [PropTag; 3] = [
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        tags::PID_TAG_CHANGE_KEY,
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
    ];
    let mut header = message_header(mb, m, opts);
    for h in header.iter_mut() {
        if IDENTITY.iter().any(|t| t.id() == h.tag.id())
            && let Some(v) = version.props.get(h.tag)
        {
            h.value = v.clone();
        }
    }
    let mut content = version.clone();
    for t in IDENTITY {
        content.props.remove(t);
    }
    // The read state belongs to the message, not to a version: every version
    // carries the message's current one (R-164: it changes with its own CN).
    let flags = match version.props.get(tags::PID_TAG_MESSAGE_FLAGS) {
        Some(PropValue::I32(f)) => (*f & !MF_READ) | (m.message_flags() & MF_READ),
        _ => m.message_flags(),
    };
    (header, content_out(&content, flags, m.fai, opts))
}

/// A content after filters and string form, with `flags` as its
/// PidTagMessageFlags.
fn content_out(content: &MessageContent, flags: i32, fai: bool, opts: &SyncOptions) -> ContentOut {
    let filter = MessageFilter::new(opts, fai);
    let mut props: Vec<TaggedValue> = Vec::with_capacity(content.props.len() + 1);
    let flags = TaggedValue {
        tag: tags::PID_TAG_MESSAGE_FLAGS,
        value: PropValue::I32(flags),
    };
    let mut flags_done = false;
    for p in content.props.values() {
        if p.tag.id() > flags.tag.id() && !flags_done {
            flags_done = true;
            if filter.passes(flags.tag) {
                props.push(flags.clone());
            }
        }
        if p.tag.id() == flags.tag.id() {
            continue;
        }
        if outputtable(p) && filter.passes(p.tag) {
            props.push(convert_string(p.clone(), opts.strings));
        }
    }
    if !flags_done && filter.passes(flags.tag) {
        props.push(flags);
    }
    if opts.best_body {
        best_body_only(&mut props);
    }
    let recipients = filter.passes(PID_TAG_MESSAGE_RECIPIENTS).then(|| {
        content
            .recipients
            .iter()
            .map(|r| recipient_out(r.values(), opts.strings))
            .collect()
    });
    let attachments = filter
        .passes(PID_TAG_MESSAGE_ATTACHMENTS)
        .then(|| attachments_out(content, opts.strings));
    ContentOut {
        props,
        recipients,
        attachments,
    }
}

/// PidTagBody, PidTagRtfCompressed and PidTagHtml, from the plainest form.
const BODY_IDS: [u16; 3] = [0x1000, 0x1009, 0x1013];
/// PidTagNativeBody ([MS-OXCMSG] 2.2.1.49.1): 1 plain text, 2 RTF, 3 HTML.
const PID_TAG_NATIVE_BODY: u16 = 0x1016;

/// BestBody: bodies in their original format only. This store
/// keeps the body forms it was given; when a message has several, the one
/// PidTagNativeBody names is the original, else the richest (HTML, then RTF,
/// then plain text), and the others are left out.
fn best_body_only(props: &mut Vec<TaggedValue>) {
    let present: Vec<u16> = BODY_IDS
        .into_iter()
        .filter(|id| props.iter().any(|p| p.tag.id() == *id))
        .collect();
    if present.len() < 2 {
        return;
    }
    let native = props.iter().find_map(|p| match (p.tag.id(), &p.value) {
        (PID_TAG_NATIVE_BODY, PropValue::I32(n)) => match n {
            1 => Some(0x1000),
            2 => Some(0x1009),
            3 => Some(0x1013),
            _ => None,
        },
        _ => None,
    });
    let keep = native
        .filter(|id| present.contains(id))
        .or(present.last().copied());
    props.retain(|p| !BODY_IDS.contains(&p.tag.id()) || Some(p.tag.id()) == keep);
}

fn recipient_out(values: &[TaggedValue], sf: StringForm) -> Vec<TaggedValue> {
    // PidTagRowid is required first (ftstream.md §6.11).
    let row = crate::mailbox::message::PID_TAG_ROWID;
    let mut v: Vec<TaggedValue> = values
        .iter()
        .filter(|p| p.tag.id() == row.id())
        .cloned()
        .collect();
    v.extend(
        values
            .iter()
            .filter(|p| p.tag.id() != row.id() && outputtable(p))
            .map(|p| convert_string(p.clone(), sf)),
    );
    v
}

fn attachments_out(c: &MessageContent, sf: StringForm) -> Vec<AttachmentOut> {
    c.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| AttachmentOut {
            number: i as u32,
            props: a
                .props
                .values()
                .iter()
                .filter(|p| p.tag.id() != PID_TAG_ATTACH_NUMBER.id() && outputtable(p))
                .map(|p| convert_string(p.clone(), sf))
                .collect(),
            embedded: a.embedded.as_ref().map(|e| Box::new(embedded_out(e, sf))),
        })
        .collect()
}

/// One attachment as the root of RopFastTransferSourceCopyTo /
/// CopyProperties (`attachmentContent`, ftstream.md §8): `list` filters its
/// properties and, through PidTagAttachDataObject, its embedded message
/// (an exclusion list, or an inclusion list when `include`); nothing below
/// the attachment is filtered.
pub fn attachment_content_out(
    a: &Attachment,
    list: &[PropTag],
    include: bool,
    sf: StringForm,
) -> (Vec<TaggedValue>, Option<ContentOut>) {
    let keeps = |t: PropTag| listed(list, t) == include;
    let props = a
        .props
        .values()
        .iter()
        .filter(|p| p.tag.id() != PID_TAG_ATTACH_NUMBER.id() && outputtable(p) && keeps(p.tag))
        .map(|p| convert_string(p.clone(), sf))
        .collect();
    let embedded = a
        .embedded
        .as_ref()
        .filter(|_| keeps(PID_TAG_ATTACH_DATA_OBJECT))
        .map(|e| embedded_out(e, sf));
    (props, embedded)
}

/// An embedded message: filters do not apply below the top level.
fn embedded_out(c: &MessageContent, sf: StringForm) -> ContentOut {
    ContentOut {
        props: c
            .props
            .values()
            .iter()
            .filter(|p| outputtable(p))
            .map(|p| convert_string(p.clone(), sf))
            .collect(),
        recipients: Some(
            c.recipients
                .iter()
                .map(|r| recipient_out(r.values(), sf))
                .collect(),
        ),
        attachments: Some(attachments_out(c, sf)),
    }
}

/// The complete current content of one property group of a message, for a
/// messageChangePartial; an empty group gets the placeholder.
pub fn group_content(m: &Message, group: usize, sf: StringForm) -> Vec<TaggedValue> {
    let ids = crate::mailbox::groups::GROUPS[group];
    let v: Vec<TaggedValue> = m
        .content
        .props
        .values()
        .iter()
        .filter(|p| ids.contains(&p.tag.id()) && outputtable(p))
        .map(|p| convert_string(p.clone(), sf))
        .collect();
    if v.is_empty() {
        vec![TaggedValue {
            tag: EMPTY_GROUP_PLACEHOLDER,
            value: PropValue::I32(0),
        }]
    } else {
        v
    }
}

/// Code page 1252's printable subset used for String8 output: Latin-1 code
/// points map to themselves, everything else to '?'.
fn to_codepage(s: &Utf16String) -> Vec<u8> {
    s.to_string_lossy()
        .chars()
        .map(|c| if (c as u32) < 0x100 { c as u8 } else { b'?' })
        .collect()
}

fn from_codepage(b: &[u8]) -> Utf16String {
    Utf16String(b.iter().map(|&c| u16::from(c)).collect())
}

/// Applies the string form to one value (R-044, ftstream.md §9.6).
pub fn convert_string(v: TaggedValue, sf: StringForm) -> TaggedValue {
    let value = match (sf, v.value) {
        (StringForm::CodePage, PropValue::Unicode(s)) => PropValue::String8(to_codepage(&s)),
        (StringForm::CodePage, PropValue::MvUnicode(xs)) => {
            PropValue::MvString8(xs.iter().map(to_codepage).collect())
        }
        (StringForm::ForceUnicode, PropValue::String8(b)) => PropValue::Unicode(from_codepage(&b)),
        (StringForm::ForceUnicode, PropValue::MvString8(xs)) => {
            PropValue::MvUnicode(xs.iter().map(|b| from_codepage(b)).collect())
        }
        (StringForm::UseCpid, PropValue::Unicode(s)) => PropValue::CodePageString {
            cpid: 1200,
            bytes: s.to_le_bytes(),
        },
        (StringForm::UseCpid, PropValue::String8(b)) => PropValue::CodePageString {
            cpid: 1252,
            bytes: b,
        },
        (_, other) => other,
    };
    TaggedValue {
        tag: v.tag.with_type(value.prop_type()),
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_body_keeps_the_native_or_richest_form() {
        let v = |id: u32, value: PropValue| TaggedValue {
            tag: PropTag(id),
            value,
        };
        let mut props = vec![
            v(0x1000_001F, PropValue::unicode("plain")),
            v(0x1013_0102, PropValue::Binary(b"<p/>".to_vec())),
        ];
        best_body_only(&mut props);
        assert_eq!(props.len(), 1);
        assert_eq!(props[0].tag.id(), 0x1013);
        let mut props = vec![
            v(0x1000_001F, PropValue::unicode("plain")),
            v(0x1013_0102, PropValue::Binary(b"<p/>".to_vec())),
            v(0x1016_0003, PropValue::I32(1)),
        ];
        best_body_only(&mut props);
        assert_eq!(
            props.iter().map(|p| p.tag.id()).collect::<Vec<_>>(),
            vec![0x1000, 0x1016]
        );
        let mut one = vec![v(0x1000_001F, PropValue::unicode("plain"))];
        best_body_only(&mut one);
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn string_forms() {
        let v = TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("Aé€"),
        };
        let s8 = convert_string(v.clone(), StringForm::CodePage);
        assert_eq!(s8.tag, PropTag(0x0037_001E));
        assert_eq!(s8.value, PropValue::String8(vec![b'A', 0xE9, b'?']));
        assert_eq!(convert_string(v.clone(), StringForm::AsStored), v);
        let back = convert_string(s8, StringForm::ForceUnicode);
        assert_eq!(back.tag, tags::PID_TAG_SUBJECT);
        let cp = convert_string(v, StringForm::UseCpid);
        assert_eq!(cp.tag, PropTag(0x0037_84B0));
    }
}
