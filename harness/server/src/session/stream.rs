//! Turning engine elements into FastTransfer stream bytes with `ics_wire`'s
//! producer, and handing them out in GetBuffer portions that end only at
//! legal split points ([MS-OXCFXICS] 2.2.4.1; ftstream.md §4.1).

use std::collections::VecDeque;

use ics_wire::ftstream::atoms::{AtomKind, atoms};
use ics_wire::ftstream::produce::write_marker;
use ics_wire::ftstream::{self as ft, FtProp, Marker, ProduceError, Writer, ics_tags, write_prop};
use ics_wire::prop::{PropValue, TaggedValue};
use ics_wire::state::SynchronizationType;

use super::structs::{extended_error_info, progress_information, property_group_info};
use crate::ics::materialize::{AttachmentOut, ContentOut};
use crate::ics::{ChangeBody, Download, DownloadError, Element, SyncKind};
use crate::mailbox::Mailbox;
use crate::mailbox::groups::GROUP_MAPPING_ID;

/// ecNotFound, the ErrorCode an errorInfo reports for an unreadable message.
pub const EC_NOT_FOUND: u32 = 0x8004_010F;

fn ftp(mb: &Mailbox, v: &TaggedValue) -> FtProp {
    match mb.named().name_of(v.tag.id()) {
        Some(name) if v.tag.is_named() => FtProp {
            tag: v.tag,
            name: Some(name.clone()),
            value: v.value.clone(),
        },
        _ => FtProp::with_tag(v.tag, v.value.clone()),
    }
}

fn ftps(mb: &Mailbox, vs: &[TaggedValue]) -> Vec<FtProp> {
    vs.iter().map(|v| ftp(mb, v)).collect()
}

fn children(mb: &Mailbox, c: &ContentOut) -> ft::MessageChildren {
    ft::MessageChildren {
        del_recipients: c.recipients.is_some(),
        recipients: c
            .recipients
            .iter()
            .flatten()
            .map(|r| ft::Recipient { props: ftps(mb, r) })
            .collect(),
        del_attachments: c.attachments.is_some(),
        attachments: c
            .attachments
            .iter()
            .flatten()
            .map(|a| attachment(mb, a))
            .collect(),
    }
}

fn attachment(mb: &Mailbox, a: &AttachmentOut) -> ft::Attachment {
    ft::Attachment {
        attach_number: a.number,
        content: ft::AttachmentContent {
            dn_prefix: None,
            props: ftps(mb, &a.props),
            embedded: a.embedded.as_ref().map(|e| {
                Box::new(ft::MessageContent {
                    dn_prefix: None,
                    props: ftps(mb, &e.props),
                    children: children(mb, e),
                })
            }),
        },
    }
}

fn binary(tag: ics_wire::prop::PropTag, b: Vec<u8>) -> FtProp {
    FtProp::with_tag(tag, PropValue::Binary(b))
}

/// The stream bytes of one engine element (ftstream.md §5 contentsSync /
/// hierarchySync productions).
pub fn element_bytes(mb: &Mailbox, kind: SyncKind, e: &Element) -> Result<Vec<u8>, ProduceError> {
    let mut w = Writer { out: Vec::new() };
    match e {
        Element::ProgressTotal(p) => {
            write_marker(&mut w.out, Marker::IncrSyncProgressMode);
            write_prop(
                &mut w.out,
                &binary(ics_tags::UNTAGGED_BINARY, progress_information(p)),
            )?;
        }
        Element::MessageChange(c) => {
            if let Some((size, fai)) = c.progress {
                write_marker(&mut w.out, Marker::IncrSyncProgressPerMsg);
                write_prop(
                    &mut w.out,
                    &FtProp::with_tag(ics_tags::UNTAGGED_INTEGER32, PropValue::I32(size as i32)),
                )?;
                write_prop(
                    &mut w.out,
                    &FtProp::with_tag(ics_tags::UNTAGGED_BOOLEAN, PropValue::Boolean(fai)),
                )?;
            }
            let change = match &c.body {
                ChangeBody::Full(content) => ft::MessageChange::Full(ft::MessageChangeFull {
                    header: ftps(mb, &c.header),
                    props: ftps(mb, &content.props),
                    children: children(mb, content),
                }),
                ChangeBody::Partial(groups) => {
                    ft::MessageChange::Partial(ft::MessageChangePartial {
                        group_info: Some(ft::GroupInfo {
                            props: vec![binary(ics_tags::UNTAGGED_BINARY, property_group_info())],
                        }),
                        group_id: Some(GROUP_MAPPING_ID),
                        header: ftps(mb, &c.header),
                        groups: groups
                            .iter()
                            .map(|(i, p)| ft::PartialGroup {
                                index: *i,
                                props: ftps(mb, p),
                            })
                            .collect(),
                        children: ft::MessageChildren::default(),
                    })
                }
            };
            w.message_change(&change)?;
        }
        Element::FolderChange(c) => {
            write_marker(&mut w.out, Marker::IncrSyncChg);
            for p in ftps(mb, &c.props) {
                write_prop(&mut w.out, &p)?;
            }
        }
        Element::ErrorInfo { fid, mid } => {
            let info =
                extended_error_info(EC_NOT_FOUND, mb.ids().gid_of(fid.0), mb.ids().gid_of(mid.0));
            w.error_info(&ft::ErrorInfo {
                props: vec![binary(ics_tags::UNTAGGED_BINARY, info)],
            })?;
        }
        Element::Deletions {
            deleted,
            no_longer_in_scope,
        } => {
            write_marker(&mut w.out, Marker::IncrSyncDel);
            if !deleted.is_empty() {
                write_prop(
                    &mut w.out,
                    &binary(ics_tags::META_TAG_IDSET_DELETED, deleted.encode_replid()),
                )?;
            }
            if !no_longer_in_scope.is_empty() {
                write_prop(
                    &mut w.out,
                    &binary(
                        ics_tags::META_TAG_IDSET_NO_LONGER_IN_SCOPE,
                        no_longer_in_scope.encode_replid(),
                    ),
                )?;
            }
        }
        Element::ReadStateChanges { read, unread, .. } => {
            write_marker(&mut w.out, Marker::IncrSyncRead);
            if !read.is_empty() {
                write_prop(
                    &mut w.out,
                    &binary(ics_tags::META_TAG_IDSET_READ, read.encode_replid()),
                )?;
            }
            if !unread.is_empty() {
                write_prop(
                    &mut w.out,
                    &binary(ics_tags::META_TAG_IDSET_UNREAD, unread.encode_replid()),
                )?;
            }
        }
        Element::State(s) => {
            let st = s.to_ics(mb.ids());
            let k = match kind {
                SyncKind::Contents => SynchronizationType::Contents,
                SyncKind::Hierarchy => SynchronizationType::Hierarchy,
            };
            let props = st
                .to_props(k)
                .into_iter()
                .map(|v| FtProp::with_tag(v.tag, v.value))
                .collect();
            w.state(&ft::State { props })?;
            write_marker(&mut w.out, Marker::IncrSyncEnd);
        }
    }
    Ok(w.out)
}

/// Where a stream's bytes come from.
#[derive(Debug)]
pub enum Source {
    /// An ICS download produced element by element.
    Ics(Box<Download>),
    /// A stream produced in one piece (GetTransferState, FastTransfer copies).
    Bytes(Vec<u8>),
}

/// Why a portion cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StreamFailure {
    /// The engine failed (unreadable message without RecoverMode, ...).
    #[error(transparent)]
    Download(#[from] DownloadError),
    /// The producer refused a value.
    #[error("producer: {0}")]
    Produce(String),
    /// The next atom is larger than the buffer size.
    #[error("the next atom needs {needed} bytes, the buffer holds {size}")]
    AtomTooLarge {
        /// Atom size.
        needed: usize,
        /// Buffer size asked for.
        size: usize,
    },
}

/// A stream being handed out in portions.
#[derive(Debug)]
pub struct Streamer {
    source: Source,
    kind: SyncKind,
    /// Produced, unsent bytes; `buf[0]` is stream offset `base`.
    buf: Vec<u8>,
    base: usize,
    /// Atoms of `buf` by absolute range.
    atoms: VecDeque<(AtomKind, usize, usize)>,
    exhausted: bool,
    /// Total bytes handed out.
    pub sent: usize,
}

impl Streamer {
    /// A streamer over a source.
    pub fn new(source: Source, kind: SyncKind) -> Self {
        let mut s = Streamer {
            source: Source::Bytes(Vec::new()),
            kind,
            buf: Vec::new(),
            base: 0,
            atoms: VecDeque::new(),
            exhausted: false,
            sent: 0,
        };
        match source {
            Source::Bytes(b) => {
                s.push(b);
                s.exhausted = true;
            }
            other => s.source = other,
        }
        s
    }

    fn push(&mut self, bytes: Vec<u8>) {
        let start = self.base + self.buf.len();
        if let Ok(list) = atoms(&bytes) {
            self.atoms.extend(
                list.into_iter()
                    .map(|a| (a.kind, start + a.range.start, start + a.range.end)),
            );
        }
        self.buf.extend_from_slice(&bytes);
    }

    /// The download behind the stream, if it is an ICS download.
    pub fn download(&self) -> Option<&Download> {
        match &self.source {
            Source::Ics(d) => Some(d),
            Source::Bytes(_) => None,
        }
    }

    /// True once every byte was handed out.
    pub fn is_done(&self) -> bool {
        self.exhausted && self.buf.is_empty()
    }

    /// The next portion of at most `size` bytes, ending at a legal split
    /// point; `(bytes, done)`.
    pub fn next_portion(
        &mut self,
        mb: &Mailbox,
        size: usize,
    ) -> Result<(Vec<u8>, bool), StreamFailure> {
        while !self.exhausted && self.buf.len() < size {
            let Source::Ics(d) = &mut self.source else {
                break;
            };
            match d.next(mb)? {
                Some(e) => {
                    let b = element_bytes(mb, self.kind, &e)
                        .map_err(|e| StreamFailure::Produce(e.to_string()))?;
                    self.push(b);
                }
                None => self.exhausted = true,
            }
        }
        let limit = self.base + size.min(self.buf.len());
        // Largest legal cut <= limit: between atoms, or inside a varSizeValue.
        let mut cut = self.base;
        for &(kind, start, end) in &self.atoms {
            if end <= limit {
                cut = end;
                continue;
            }
            if kind == AtomKind::VarSizeValue && start < limit {
                cut = limit;
            } else if start <= limit {
                cut = cut.max(start);
            }
            break;
        }
        if cut == self.base && !self.buf.is_empty() {
            let needed = self.atoms.front().map_or(self.buf.len(), |a| a.2 - a.1);
            return Err(StreamFailure::AtomTooLarge { needed, size });
        }
        let out: Vec<u8> = self.buf.drain(..cut - self.base).collect();
        self.base = cut;
        while self.atoms.front().is_some_and(|a| a.2 <= cut) {
            self.atoms.pop_front();
        }
        if let Some(front) = self.atoms.front_mut() {
            front.1 = front.1.max(cut);
        }
        self.sent += out.len();
        Ok((out, self.is_done()))
    }
}
