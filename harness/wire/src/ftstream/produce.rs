//! Producer: typed tree -> bytes ([MS-OXCFXICS] 2.2.4, spec digest §15
//! "Producer"). Writes u32 lengths, 2-byte booleans, string terminators, and
//! MetaTagIdsetGiven with the 0x40170003 tag when the tree says so. Splitting
//! into GetBuffer-sized portions is [`produce_split`] (legal points only).

use thiserror::Error;

use crate::cursor::WriteLe;
use crate::ftstream::atoms::{SplitError, split_points};
use crate::ftstream::element::{Element, ElementKind, FtProp};
use crate::ftstream::grammar::*;
use crate::ftstream::lexer::{MAX_NAME_BYTES, classify};
use crate::ftstream::markers::{Marker, MetaProp, ics_tags::*};
use crate::prop::{NameKind, PropTag, PropType, PropValue, Utf16String};

/// A value the producer refuses because its bytes would not read back as it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProduceError {
    /// Tag, name and value do not agree (see [`FtProp`]'s invariants).
    #[error("property {tag}: {reason}")]
    Inconsistent {
        /// The tag.
        tag: PropTag,
        /// What is wrong.
        reason: &'static str,
    },
    /// A value or count does not fit the u32 `length`.
    #[error("property {tag}: value too long for a u32 length")]
    TooLong {
        /// The tag.
        tag: PropTag,
    },
    /// Splitting failed.
    #[error(transparent)]
    Split(#[from] SplitError),
}

/// Writes a marker.
pub fn write_marker(out: &mut Vec<u8>, m: Marker) {
    out.put_u32(m.value());
}

/// Writes one propValue (ordinary or meta). Rejects a property whose tag is a
/// marker value, or whose tag, name and value disagree; nothing is written then.
pub fn write_prop(out: &mut Vec<u8>, p: &FtProp) -> Result<(), ProduceError> {
    let start = out.len();
    let r = write_prop_inner(out, p);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

fn write_prop_inner(out: &mut Vec<u8>, p: &FtProp) -> Result<(), ProduceError> {
    let tag = p.tag;
    let bad = |reason| ProduceError::Inconsistent { tag, reason };
    if Marker::from_u32(tag.0).is_some() {
        return Err(bad("the tag is a marker value"));
    }
    if !p.is_consistent() {
        return Err(bad("name presence or value type does not match the tag"));
    }
    if classify(tag).is_none() {
        return Err(bad("the type is not a FastTransfer property type"));
    }
    out.put_u32(tag.0);
    if let Some(name) = &p.name {
        out.put_bytes(&name.guid.0);
        match &name.kind {
            NameKind::Lid(lid) => {
                out.put_u8(0);
                out.put_u32(*lid);
            }
            NameKind::Name(s) => {
                if s.0.contains(&0) || s.0.len() * 2 > MAX_NAME_BYTES {
                    return Err(bad(
                        "a property name must have no NUL and at most 1024 bytes",
                    ));
                }
                out.put_u8(1);
                put_utf16(out, s);
                out.put_u16(0);
            }
        }
    }
    let len32 = |n: usize| u32::try_from(n).map_err(|_| ProduceError::TooLong { tag });
    use PropValue::*;
    match &p.value {
        I16(v) => out.put_u16(*v as u16),
        I32(v) => out.put_u32(*v as u32),
        F32(v) => out.put_u32(v.to_bits()),
        F64(v) | FloatingTime(v) => out.put_u64(v.to_bits()),
        Currency(v) | I64(v) => out.put_u64(*v as u64),
        ErrorCode(v) => out.put_u32(*v),
        Boolean(v) => out.put_u16(*v as u16),
        Time(v) => out.put_u64(*v),
        Guid(g) => out.put_bytes(&g.0),
        String8(b) => {
            out.put_u32(len32(b.len() + 1)?);
            out.put_bytes(b);
            out.put_u8(0);
        }
        Unicode(s) => {
            out.put_u32(len32(s.0.len() * 2 + 2)?);
            put_utf16(out, s);
            out.put_u16(0);
        }
        ServerId(b) | Binary(b) | Object(b) => {
            out.put_u32(len32(b.len())?);
            out.put_bytes(b);
        }
        CodePageString { cpid, bytes } => {
            let utf16 = matches!(cpid & 0x7FFF, 1200 | 1201);
            if utf16 && bytes.len() % 2 != 0 {
                return Err(bad("a UTF-16 code page string needs an even byte count"));
            }
            let term = if utf16 { 2 } else { 1 };
            out.put_u32(len32(bytes.len() + term)?);
            out.put_bytes(bytes);
            out.extend(std::iter::repeat_n(0, term));
        }
        MvI16(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u16(*x as u16)),
        MvI32(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u32(*x as u32)),
        MvF32(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u32(x.to_bits())),
        MvF64(v) | MvFloatingTime(v) => {
            mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u64(x.to_bits()))
        }
        MvCurrency(v) | MvI64(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u64(*x as u64)),
        MvTime(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_u64(*x)),
        MvGuid(v) => mv_fixed(out, len32(v.len())?, v, |o, x| o.put_bytes(&x.0)),
        MvString8(v) => {
            out.put_u32(len32(v.len())?);
            for b in v {
                out.put_u32(len32(b.len() + 1)?);
                out.put_bytes(b);
                out.put_u8(0);
            }
        }
        MvUnicode(v) => {
            out.put_u32(len32(v.len())?);
            for s in v {
                out.put_u32(len32(s.0.len() * 2 + 2)?);
                put_utf16(out, s);
                out.put_u16(0);
            }
        }
        MvBinary(v) => {
            out.put_u32(len32(v.len())?);
            for b in v {
                out.put_u32(len32(b.len())?);
                out.put_bytes(b);
            }
        }
    }
    Ok(())
}

fn mv_fixed<T>(out: &mut Vec<u8>, n: u32, v: &[T], f: impl Fn(&mut Vec<u8>, &T)) {
    out.put_u32(n);
    for x in v {
        f(out, x);
    }
}

fn put_utf16(out: &mut Vec<u8>, s: &Utf16String) {
    out.reserve(s.0.len() * 2);
    for u in &s.0 {
        out.put_u16(*u);
    }
}

/// Writes lexical elements back to bytes.
pub fn produce_elements(elements: &[Element]) -> Result<Vec<u8>, ProduceError> {
    let mut out = Vec::new();
    for e in elements {
        match &e.kind {
            ElementKind::Marker(m) => write_marker(&mut out, *m),
            ElementKind::Prop(p) => write_prop(&mut out, p)?,
        }
    }
    Ok(out)
}

/// Produces the bytes of a tree.
pub fn produce(root: &Root) -> Result<Vec<u8>, ProduceError> {
    let mut w = Writer { out: Vec::new() };
    w.root(root)?;
    Ok(w.out)
}

/// Produces a tree and splits it into portions of at most `buffer_size`
/// bytes at legal points (R981/R982).
pub fn produce_split(root: &Root, buffer_size: usize) -> Result<Vec<Vec<u8>>, ProduceError> {
    let bytes = produce(root)?;
    Ok(split_points(&bytes, buffer_size)?
        .into_iter()
        .map(|r| bytes[r].to_vec())
        .collect())
}

/// Appends a tree's bytes to a buffer.
pub struct Writer {
    /// The bytes written so far.
    pub out: Vec<u8>,
}

type W = Result<(), ProduceError>;

impl Writer {
    fn marker(&mut self, m: Marker) {
        write_marker(&mut self.out, m);
    }

    /// A propList: ordinary properties only (a meta-property would end it).
    fn props(&mut self, props: &[FtProp]) -> W {
        for p in props {
            if MetaProp::from_tag(p.tag).is_some() {
                return Err(ProduceError::Inconsistent {
                    tag: p.tag,
                    reason: "a meta-property cannot be written inside a propList",
                });
            }
            write_prop(&mut self.out, p)?;
        }
        Ok(())
    }

    fn meta_u32(&mut self, m: MetaProp, v: u32) {
        self.out.put_u32(m.tag().0);
        self.out.put_u32(v);
    }

    fn meta_bytes(&mut self, m: MetaProp, b: &[u8]) -> W {
        let value = if m == MetaProp::DnPrefix {
            PropValue::String8(b.to_vec())
        } else {
            PropValue::Binary(b.to_vec())
        };
        write_prop(
            &mut self.out,
            &FtProp {
                tag: m.tag(),
                name: None,
                value,
            },
        )
    }

    fn dn_prefix(&mut self, d: &Option<Vec<u8>>) -> W {
        match d {
            Some(b) => self.meta_bytes(MetaProp::DnPrefix, b),
            None => Ok(()),
        }
    }

    /// Writes any root.
    pub fn root(&mut self, r: &Root) -> W {
        match r {
            Root::ContentsSync(c) => self.contents_sync(c),
            Root::HierarchySync(h) => self.hierarchy_sync(h),
            Root::State(s) => self.state(s),
            Root::FolderContent(f) => self.folder_content(f),
            Root::MessageContent(m) => self.message_content(m),
            Root::AttachmentContent(a) => self.attachment_content(a),
            Root::MessageList(l) => self.message_list(l),
            Root::TopFolder(t) => self.top_folder(t),
        }
    }

    /// `contentsSync`.
    pub fn contents_sync(&mut self, c: &ContentsSync) -> W {
        if let Some(p) = &c.progress_total {
            self.marker(Marker::IncrSyncProgressMode);
            self.props(&p.props)?;
        }
        for item in &c.changes {
            match item {
                ContentsSyncItem::Change { progress, change } => {
                    if let Some(p) = progress {
                        self.marker(Marker::IncrSyncProgressPerMsg);
                        self.props(&p.props)?;
                    }
                    self.message_change(change)?;
                }
                ContentsSyncItem::Error(e) => self.error_info(e)?,
            }
        }
        self.deletions(&c.deletions)?;
        if let Some(r) = &c.read_state_changes {
            self.marker(Marker::IncrSyncRead);
            self.props(&r.props)?;
        }
        self.state(&c.state)?;
        self.marker(Marker::IncrSyncEnd);
        Ok(())
    }

    /// `messageChange`.
    pub fn message_change(&mut self, c: &MessageChange) -> W {
        match c {
            MessageChange::Full(f) => {
                self.marker(Marker::IncrSyncChg);
                self.props(&f.header)?;
                self.marker(Marker::IncrSyncMessage);
                self.props(&f.props)?;
                self.message_children(&f.children)
            }
            MessageChange::Partial(p) => {
                if let Some(g) = &p.group_info {
                    self.marker(Marker::IncrSyncGroupInfo);
                    self.props(&g.props)?;
                }
                if let Some(id) = p.group_id {
                    self.meta_u32(MetaProp::IncrSyncGroupId, id);
                }
                self.marker(Marker::IncrSyncChgPartial);
                self.props(&p.header)?;
                for g in &p.groups {
                    self.meta_u32(MetaProp::IncrementalSyncMessagePartial, g.index);
                    self.props(&g.props)?;
                }
                self.message_children(&p.children)
            }
        }
    }

    /// `errorInfo`.
    pub fn error_info(&mut self, e: &ErrorInfo) -> W {
        self.marker(Marker::FXErrorInfo);
        self.props(&e.props)
    }

    fn deletions(&mut self, d: &Option<Deletions>) -> W {
        if let Some(d) = d {
            self.marker(Marker::IncrSyncDel);
            self.props(&d.props)?;
        }
        Ok(())
    }

    /// `state`.
    pub fn state(&mut self, s: &State) -> W {
        self.marker(Marker::IncrSyncStateBegin);
        self.props(&s.props)?;
        self.marker(Marker::IncrSyncStateEnd);
        Ok(())
    }

    /// `hierarchySync`.
    pub fn hierarchy_sync(&mut self, h: &HierarchySync) -> W {
        for f in &h.folder_changes {
            self.marker(Marker::IncrSyncChg);
            self.props(&f.props)?;
        }
        self.deletions(&h.deletions)?;
        self.state(&h.state)?;
        self.marker(Marker::IncrSyncEnd);
        Ok(())
    }

    /// `messageChildren`.
    pub fn message_children(&mut self, c: &MessageChildren) -> W {
        if c.del_recipients {
            self.meta_u32(MetaProp::FXDelProp, PID_TAG_MESSAGE_RECIPIENTS.0);
        }
        for r in &c.recipients {
            self.marker(Marker::StartRecip);
            self.props(&r.props)?;
            self.marker(Marker::EndToRecip);
        }
        if c.del_attachments {
            self.meta_u32(MetaProp::FXDelProp, PID_TAG_MESSAGE_ATTACHMENTS.0);
        }
        for a in &c.attachments {
            self.marker(Marker::NewAttach);
            self.out.put_u32(PID_TAG_ATTACH_NUMBER.0);
            self.out.put_u32(a.attach_number);
            self.attachment_content(&a.content)?;
            self.marker(Marker::EndAttach);
        }
        Ok(())
    }

    /// `attachmentContent`.
    pub fn attachment_content(&mut self, a: &AttachmentContent) -> W {
        self.dn_prefix(&a.dn_prefix)?;
        self.props(&a.props)?;
        if let Some(m) = &a.embedded {
            self.marker(Marker::StartEmbed);
            self.message_content(m)?;
            self.marker(Marker::EndEmbed);
        }
        Ok(())
    }

    /// `messageContent`.
    pub fn message_content(&mut self, m: &MessageContent) -> W {
        self.dn_prefix(&m.dn_prefix)?;
        self.props(&m.props)?;
        self.message_children(&m.children)
    }

    /// `messageList`.
    pub fn message_list(&mut self, l: &MessageList) -> W {
        for item in &l.items {
            match item {
                MessageListItem::DnPrefix(b) => self.meta_bytes(MetaProp::DnPrefix, b)?,
                MessageListItem::EcWarning(v) => self.meta_u32(MetaProp::EcWarning, *v),
                MessageListItem::Message(m) => {
                    self.marker(if m.fai {
                        Marker::StartFAIMsg
                    } else {
                        Marker::StartMessage
                    });
                    self.message_content(&m.content)?;
                    self.marker(Marker::EndMessage);
                }
                MessageListItem::Error(e) => self.error_info(e)?,
            }
        }
        Ok(())
    }

    /// `folderContent`.
    pub fn folder_content(&mut self, f: &FolderContent) -> W {
        self.dn_prefix(&f.dn_prefix)?;
        self.props(&f.props)?;
        if let Some(w) = f.ec_warning {
            self.meta_u32(MetaProp::EcWarning, w);
        }
        match &f.messages {
            FolderMessages::NewFXFolder(b) => self.meta_bytes(MetaProp::NewFXFolder, b)?,
            FolderMessages::Lists(lists) => {
                for l in lists {
                    self.meta_u32(MetaProp::FXDelProp, l.del_prop.0);
                    self.message_list(&l.list)?;
                }
            }
        }
        if let Some(subs) = &f.subfolders {
            self.meta_u32(MetaProp::FXDelProp, PID_TAG_CONTAINER_HIERARCHY.0);
            for s in subs {
                self.marker(Marker::StartSubFld);
                self.folder_content(s)?;
                self.marker(Marker::EndFolder);
            }
        }
        Ok(())
    }

    /// `topFolder`.
    pub fn top_folder(&mut self, t: &TopFolder) -> W {
        self.dn_prefix(&t.dn_prefix)?;
        self.marker(Marker::StartTopFld);
        self.folder_no_del_props(&t.content)?;
        self.marker(Marker::EndFolder);
        Ok(())
    }

    fn folder_no_del_props(&mut self, f: &FolderContentNoDelProps) -> W {
        self.props(&f.props)?;
        match &f.messages {
            FolderMessagesNoDelProps::NewFXFolder(b) => {
                self.meta_bytes(MetaProp::NewFXFolder, b)?
            }
            FolderMessagesNoDelProps::List(l) => self.message_list(l)?,
        }
        for s in &f.subfolders {
            self.marker(Marker::StartSubFld);
            self.folder_no_del_props(s)?;
            self.marker(Marker::EndFolder);
        }
        Ok(())
    }
}

/// MetaTagIdsetGiven as servers SHOULD send it (tag 0x40170003, binary value).
pub fn idset_given(idset: Vec<u8>) -> FtProp {
    FtProp {
        tag: META_TAG_IDSET_GIVEN,
        name: None,
        value: PropValue::Binary(idset),
    }
}

/// A binary state / difference property (`MetaTagCnsetSeen` ...).
pub fn binary_prop(tag: PropTag, bytes: Vec<u8>) -> FtProp {
    debug_assert_eq!(tag.prop_type(), PropType::BINARY);
    FtProp {
        tag,
        name: None,
        value: PropValue::Binary(bytes),
    }
}
