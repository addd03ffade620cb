//! A model client replica that applies downloads the way [MS-OXCSYNC]
//! 3.1.5.3.2 / 3.1.5.3.4 describe (full change replaces, partial change
//! replaces only the groups sent), and the view of a server folder it must
//! converge to. Used by tests to prove "a replica built from every download
//! equals the folder".

use std::collections::BTreeMap;

use ics_wire::ids::{Fid, GlobCnt, ReplId};
use ics_wire::prop::{PropValue, TaggedValue, tags};

use super::download::{ChangeBody, Element};
use super::materialize::{
    AttachmentOut, EMPTY_GROUP_PLACEHOLDER, folder_change, message_content, message_header,
};
use super::options::{SyncKind, SyncOptions};
use super::state::SyncState;
use crate::mailbox::groups::GROUPS;
use crate::mailbox::message::MF_READ;
use crate::mailbox::{IdKey, Mailbox, PropertyBag, key};

/// One object of the replica.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaObject {
    /// Header (message) or folderChange properties, as last received.
    pub header: PropertyBag,
    /// Message properties (empty for folders).
    pub props: PropertyBag,
    /// Recipients.
    pub recipients: Vec<Vec<TaggedValue>>,
    /// Attachments.
    pub attachments: Vec<AttachmentOut>,
}

/// A client replica of one sync scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replica {
    /// Objects by id.
    pub objects: BTreeMap<IdKey, ReplicaObject>,
    /// The ICS state to upload next time.
    pub state: SyncState,
}

/// The header without the optional Eid/MessageSize/CN fields.
fn core_header(h: &[TaggedValue]) -> PropertyBag {
    PropertyBag::from_values(
        h.iter()
            .filter(|v| {
                v.tag != tags::PID_TAG_MID
                    && v.tag != tags::PID_TAG_MESSAGE_SIZE
                    && v.tag != tags::PID_TAG_CHANGE_NUMBER
            })
            .cloned(),
    )
}

impl Replica {
    /// Applies one complete download.
    pub fn apply(&mut self, elements: &[Element]) {
        for e in elements {
            match e {
                Element::MessageChange(c) => {
                    let k = key(c.mid.0);
                    let header = core_header(&c.header);
                    match &c.body {
                        ChangeBody::Full(content) => {
                            self.objects.insert(
                                k,
                                ReplicaObject {
                                    header,
                                    props: PropertyBag::from_values(content.props.iter().cloned()),
                                    recipients: content.recipients.clone().unwrap_or_default(),
                                    attachments: content.attachments.clone().unwrap_or_default(),
                                },
                            );
                        }
                        ChangeBody::Partial(groups) => {
                            let o = self
                                .objects
                                .get_mut(&k)
                                .expect("partial change for an object the replica has");
                            o.header = header;
                            for (g, values) in groups {
                                for id in GROUPS[*g as usize] {
                                    o.props.remove(ics_wire::prop::PropTag::new(
                                        *id,
                                        ics_wire::prop::PropType::NULL,
                                    ));
                                }
                                for v in values.iter().filter(|v| v.tag != EMPTY_GROUP_PLACEHOLDER)
                                {
                                    o.props.set(v.tag, v.value.clone());
                                }
                            }
                        }
                    }
                }
                Element::FolderChange(c) => {
                    self.objects.insert(
                        key(c.fid.0),
                        ReplicaObject {
                            header: PropertyBag::from_values(c.props.iter().cloned()),
                            props: PropertyBag::new(),
                            recipients: Vec::new(),
                            attachments: Vec::new(),
                        },
                    );
                }
                Element::Deletions {
                    deleted,
                    no_longer_in_scope,
                    expired,
                } => {
                    for (r, g) in deleted
                        .iter()
                        .chain(no_longer_in_scope.iter())
                        .chain(expired.iter())
                    {
                        self.objects.remove(&(r, g));
                    }
                }
                Element::ReadStateChanges { read, unread, .. } => {
                    for (set, is_read) in [(read, true), (unread, false)] {
                        for (r, g) in set.iter() {
                            if let Some(o) = self.objects.get_mut(&(r, g)) {
                                let f = match o.props.get(tags::PID_TAG_MESSAGE_FLAGS) {
                                    Some(PropValue::I32(f)) => *f,
                                    _ => 0,
                                };
                                let f = if is_read { f | MF_READ } else { f & !MF_READ };
                                o.props.set(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(f));
                            }
                        }
                    }
                }
                Element::State(s) => self.state = s.clone(),
                Element::ProgressTotal(_) | Element::ErrorInfo { .. } => {}
            }
        }
    }

    /// What the replica must hold after a complete sync of `folder` with
    /// `opts`: every object in scope, as a full download would show it.
    pub fn expected(
        mb: &Mailbox,
        folder: Fid,
        opts: &SyncOptions,
    ) -> BTreeMap<IdKey, ReplicaObject> {
        let mut out = BTreeMap::new();
        match opts.kind {
            SyncKind::Contents => {
                let Some(f) = mb.folder(folder) else {
                    return out;
                };
                for m in f.messages() {
                    if (m.fai && !opts.fai) || (!m.fai && !opts.normal) || m.unreadable {
                        continue;
                    }
                    if opts.restriction.as_ref().is_some_and(|r| !r.matches(m)) {
                        continue;
                    }
                    let c = message_content(m, opts);
                    out.insert(
                        key(m.mid.0),
                        ReplicaObject {
                            header: core_header(&message_header(mb, m, opts)),
                            props: PropertyBag::from_values(c.props),
                            recipients: c.recipients.unwrap_or_default(),
                            attachments: c.attachments.unwrap_or_default(),
                        },
                    );
                }
            }
            SyncKind::Hierarchy => {
                for d in mb.descendants(folder) {
                    let f = mb.folder(d).expect("descendant");
                    out.insert(
                        key(d.0),
                        ReplicaObject {
                            header: PropertyBag::from_values(folder_change(mb, f, folder, opts)),
                            props: PropertyBag::new(),
                            recipients: Vec::new(),
                            attachments: Vec::new(),
                        },
                    );
                }
            }
        }
        out
    }

    /// Ids in the replica, as (REPLID, GLOBCNT).
    pub fn ids(&self) -> Vec<(ReplId, GlobCnt)> {
        self.objects.keys().copied().collect()
    }
}
