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

fn ftp(mb: &Mailbox, v: TaggedValue) -> FtProp {
    let name = if v.tag.is_named() {
        mb.named().name_of(v.tag.id()).cloned()
    } else {
        None
    };
    FtProp {
        tag: v.tag,
        name,
        value: v.value,
    }
}

fn ftps(mb: &Mailbox, vs: Vec<TaggedValue>) -> Vec<FtProp> {
    vs.into_iter().map(|v| ftp(mb, v)).collect()
}

fn children(mb: &Mailbox, c: ContentOut) -> ft::MessageChildren {
    ft::MessageChildren {
        del_recipients: c.recipients.is_some(),
        recipients: c
            .recipients
            .unwrap_or_default()
            .into_iter()
            .map(|r| ft::Recipient { props: ftps(mb, r) })
            .collect(),
        del_attachments: c.attachments.is_some(),
        attachments: c
            .attachments
            .unwrap_or_default()
            .into_iter()
            .map(|a| attachment(mb, a))
            .collect(),
    }
}

fn attachment(mb: &Mailbox, a: AttachmentOut) -> ft::Attachment {
    ft::Attachment {
        attach_number: a.number,
        content: ft::AttachmentContent {
            dn_prefix: None,
            props: ftps(mb, a.props),
            embedded: a.embedded.map(|e| {
                let e = *e;
                let props = ftps(mb, e.props.clone());
                Box::new(ft::MessageContent {
                    dn_prefix: None,
                    props,
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
pub fn element_bytes(mb: &Mailbox, kind: SyncKind, e: Element) -> Result<Vec<u8>, ProduceError> {
    let mut w = Writer { out: Vec::new() };
    match e {
        Element::ProgressTotal(p) => {
            write_marker(&mut w.out, Marker::IncrSyncProgressMode);
            write_prop(
                &mut w.out,
                &binary(ics_tags::UNTAGGED_BINARY, progress_information(&p)),
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
            let header = ftps(mb, c.header);
            let change = match c.body {
                ChangeBody::Full(mut content) => {
                    let props = ftps(mb, std::mem::take(&mut content.props));
                    ft::MessageChange::Full(ft::MessageChangeFull {
                        header,
                        props,
                        children: children(mb, content),
                    })
                }
                ChangeBody::Partial(groups) => {
                    ft::MessageChange::Partial(ft::MessageChangePartial {
                        group_info: Some(ft::GroupInfo {
                            props: vec![binary(ics_tags::UNTAGGED_BINARY, property_group_info())],
                        }),
                        group_id: Some(GROUP_MAPPING_ID),
                        header,
                        groups: groups
                            .into_iter()
                            .map(|(i, p)| ft::PartialGroup {
                                index: i,
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
            for p in ftps(mb, c.props) {
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
            expired,
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
            if !expired.is_empty() {
                write_prop(
                    &mut w.out,
                    &binary(ics_tags::META_TAG_IDSET_EXPIRED, expired.encode_replid()),
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

/// An element without its property values, for invariant checks.
fn stripped(e: &Element) -> Element {
    match e {
        Element::MessageChange(c) => {
            let mut c = c.clone();
            c.header.clear();
            c.body = match c.body {
                ChangeBody::Full(_) => ChangeBody::Full(ContentOut {
                    props: vec![],
                    recipients: None,
                    attachments: None,
                }),
                ChangeBody::Partial(g) => {
                    ChangeBody::Partial(g.into_iter().map(|(i, _)| (i, vec![])).collect())
                }
            };
            Element::MessageChange(c)
        }
        Element::FolderChange(c) => Element::FolderChange(crate::ics::FolderChange {
            fid: c.fid,
            cn: c.cn,
            props: vec![],
        }),
        other => other.clone(),
    }
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

/// The smallest portion that always makes progress: an atom that cannot be
/// split is at most 16 bytes (a PtypGuid value; [MS-OXCFXICS] 2.2.4.1,
/// ftstream.md §4.1), and a variable-size value splits anywhere.
pub const MIN_PORTION: usize = 16;

/// The TransferBuffer room a RopFastTransferSourceGetBuffer needs in the
/// output buffer before it is processed: BufferSize itself (R-052,
/// [MS-OXCFXICS] 3.2.5.8.1.5), and for the 0xBABE sentinel, where the server
/// picks the size, [`MIN_PORTION`], so that a full output buffer is answered
/// with RopBufferTooSmall ([MS-OXCROPS] 3.2.4.3, R-009) instead of an empty
/// Partial response that would be repeated for ever.
pub fn room_needed(buffer_size: u16) -> usize {
    if buffer_size == ics_wire::rop::fasttransfer::BUFFER_SIZE_SENTINEL {
        MIN_PORTION
    } else {
        usize::from(buffer_size)
    }
}

/// An atom kind with its absolute byte range.
type AbsAtom = (AtomKind, usize, usize);

/// A stream being handed out in portions.
///
/// Element boundaries are always legal split points; only the element that
/// straddles a portion's end is lexed into atoms to find the last legal
/// point inside it (ftstream.md §4.1), so the common case costs no lexing.
#[derive(Debug)]
pub struct Streamer {
    source: Source,
    kind: SyncKind,
    /// Bytes from absolute offset `buf_start` (start of the first element
    /// not yet completely sent).
    buf: Vec<u8>,
    buf_start: usize,
    /// Absolute offset of the next byte to send.
    pos: usize,
    /// Absolute end of the produced bytes.
    end: usize,
    /// Absolute ranges of elements not yet completely sent.
    bounds: VecDeque<(usize, usize)>,
    /// Atoms (absolute) of the element last lexed, by its start offset.
    atoms_cache: Option<(usize, Vec<AbsAtom>)>,
    exhausted: bool,
    /// Total bytes handed out.
    pub sent: usize,
    /// When checking invariants: every element produced, property values
    /// dropped (ids, CNs and sets kept).
    pub record: Option<Vec<Element>>,
    /// The error of a failed GetBuffer on a FastTransfer copy context:
    /// every later GetBuffer repeats it.
    pub failed: Option<ics_wire::rop::ErrorCode>,
}

impl Streamer {
    /// A streamer over a source.
    pub fn new(source: Source, kind: SyncKind) -> Self {
        let mut s = Streamer {
            source: Source::Bytes(Vec::new()),
            kind,
            buf: Vec::new(),
            buf_start: 0,
            pos: 0,
            end: 0,
            bounds: VecDeque::new(),
            atoms_cache: None,
            exhausted: false,
            sent: 0,
            record: None,
            failed: None,
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
        if bytes.is_empty() {
            return;
        }
        let start = self.end;
        self.end += bytes.len();
        self.bounds.push_back((start, self.end));
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
        self.exhausted && self.pos == self.end
    }

    /// The largest legal cut in `pos..=limit` inside element `(s, e)`.
    fn cut_inside(&mut self, s: usize, e: usize, limit: usize) -> usize {
        if self.atoms_cache.as_ref().is_none_or(|(at, _)| *at != s) {
            let bytes = &self.buf[s - self.buf_start..e - self.buf_start];
            let list = atoms(bytes)
                .map(|v| {
                    v.into_iter()
                        .map(|a| (a.kind, s + a.range.start, s + a.range.end))
                        .collect()
                })
                .unwrap_or_default();
            self.atoms_cache = Some((s, list));
        }
        let list = &self.atoms_cache.as_ref().expect("just set").1;
        let mut cut = self.pos;
        for &(kind, a, b) in list {
            if b <= limit {
                cut = cut.max(b);
                continue;
            }
            if kind == AtomKind::VarSizeValue && a < limit {
                cut = cut.max(limit);
            } else if a <= limit {
                cut = cut.max(a);
            }
            break;
        }
        cut
    }

    /// The next portion of at most `size` bytes, ending at a legal split
    /// point; `(bytes, done)`.
    pub fn next_portion(
        &mut self,
        mb: &Mailbox,
        size: usize,
    ) -> Result<(Vec<u8>, bool), StreamFailure> {
        while !self.exhausted && self.end - self.pos < size {
            let Source::Ics(d) = &mut self.source else {
                break;
            };
            match d.next(mb)? {
                Some(e) => {
                    if let Some(rec) = &mut self.record {
                        rec.push(stripped(&e));
                    }
                    let b = element_bytes(mb, self.kind, e)
                        .map_err(|e| StreamFailure::Produce(e.to_string()))?;
                    self.push(b);
                }
                None => self.exhausted = true,
            }
        }
        let limit = self.pos + size.min(self.end - self.pos);
        let mut cut = self.pos;
        let mut straddler = None;
        for &(s, e) in &self.bounds {
            if e <= limit {
                cut = e;
            } else {
                if s < limit {
                    straddler = Some((s, e));
                }
                break;
            }
        }
        if let Some((s, e)) = straddler {
            cut = cut.max(self.cut_inside(s, e, limit));
        }
        // No progress (also with `size` 0 and nothing produced yet): an
        // empty Partial portion would be asked for again and again.
        if cut == self.pos && !self.is_done() {
            let needed = self.bounds.front().map_or(MIN_PORTION, |b| b.1 - b.0);
            return Err(StreamFailure::AtomTooLarge { needed, size });
        }
        let out = self.buf[self.pos - self.buf_start..cut - self.buf_start].to_vec();
        self.pos = cut;
        while self.bounds.front().is_some_and(|b| b.1 <= cut) {
            self.bounds.pop_front();
        }
        let keep_from = self.bounds.front().map_or(self.end, |b| b.0);
        if keep_from > self.buf_start {
            self.buf.drain(..keep_from - self.buf_start);
            self.buf_start = keep_from;
        }
        self.sent += out.len();
        Ok((out, self.is_done()))
    }
}
