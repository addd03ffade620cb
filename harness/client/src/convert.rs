//! From the FastTransfer grammar tree (`ics_wire::ftstream`) to the typed
//! changes the replica applies ([`crate::model::Change`]).
//!
//! Checks the element rules the client relies on: the message change
//! header carries SourceKey, LastModificationTime, ChangeKey, PCL and
//! Associated ([MS-OXCFXICS] 2.2.4.3.14); a folderChange carries
//! ParentSourceKey, SourceKey, LastModificationTime, ChangeKey, PCL and
//! DisplayName (2.2.4.3.5). Group mappings (groupInfo) are remembered for the
//! whole download and MetaTagIncrSyncGroupId stays in force until reset
//! (2.2.4.3.15, R-180).

use std::collections::HashMap;

use ics_wire::ftstream::{self as ft, FtProp};
use ics_wire::prop::{PropTag, PropValue, tags};
use thiserror::Error;

use crate::adapt::{self, StructError};
use crate::model::{
    Change, Children, DeletionKind, FolderChange, MessageFull, MessageHeader, MessagePartial, Prop,
    PropKey, SourceKey, StateBlobs,
};

/// Errors turning a parsed stream into changes.
#[derive(Debug, Error)]
pub enum ConvertError {
    /// A required property is missing from an element.
    #[error("{element} #{index}: required property {tag} is missing")]
    Missing {
        /// The element (grammar name).
        element: &'static str,
        /// Its position among the elements of the download.
        index: usize,
        /// The property.
        tag: PropTag,
    },
    /// A property has a value of the wrong type.
    #[error("{element} #{index}: property {tag} has type {found:#06x}")]
    WrongType {
        /// The element.
        element: &'static str,
        /// Its position.
        index: usize,
        /// The property.
        tag: PropTag,
        /// The type found.
        found: u16,
    },
    /// groupInfo, errorInfo or another embedded structure is malformed.
    #[error("{element} #{index}: {source}")]
    Struct {
        /// The element.
        element: &'static str,
        /// Its position.
        index: usize,
        /// The decoding error.
        source: StructError,
    },
    /// A partial change names a mapping that no groupInfo defined.
    #[error(
        "messageChangePartial #{index}: group mapping {group_id:?} was never defined by a groupInfo"
    )]
    UnknownMapping {
        /// Position of the change.
        index: usize,
        /// MetaTagIncrSyncGroupId in force (None: never set).
        group_id: Option<u32>,
    },
    /// An IDSET in deletions / readStateChanges cannot be decoded or mapped.
    #[error("{element}: {why}")]
    IdSet {
        /// The element.
        element: &'static str,
        /// What went wrong.
        why: String,
    },
    /// An embedded message cannot be re-serialized for storage.
    #[error("change #{index}: embedded message: {why}")]
    Embedded {
        /// Position of the change.
        index: usize,
        /// The producer's error.
        why: String,
    },
    /// The stream's root is not the one the operation produces.
    #[error("expected a {expected} stream, got {found}")]
    WrongRoot {
        /// The expected root.
        expected: &'static str,
        /// The root found.
        found: &'static str,
    },
}

/// PidTagAttachDataObject ([MS-OXPROPS]): the embedded message of an attachment.
pub const PID_TAG_ATTACH_DATA_OBJECT: PropTag = PropTag(0x3701_000D);

/// Decodes a REPLID-form IDSET (deletions, read-state changes; R-159) into
/// the source keys (GIDs) of the objects.
pub type IdsetResolver<'a> = dyn Fn(&[u8]) -> Result<Vec<SourceKey>, String> + 'a;

/// Stateful converter for one download.
pub struct Converter<'a> {
    resolve: &'a IdsetResolver<'a>,
    mappings: HashMap<u32, Vec<Vec<PropKey>>>,
    current: Option<u32>,
    index: usize,
}

impl std::fmt::Debug for Converter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Converter")
            .field("mappings", &self.mappings.len())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// A property of the stream as a replica property.
pub fn prop(p: &FtProp) -> Prop {
    let key = match &p.name {
        Some(name) => PropKey::Named(name.clone()),
        None => PropKey::Id(p.tag.id()),
    };
    Prop {
        key,
        value: p.value.clone(),
    }
}

fn find(props: &[FtProp], tag: PropTag) -> Option<&FtProp> {
    props
        .iter()
        .find(|p| p.tag.id() == tag.id() && p.name.is_none())
}

/// The ICS state of a `state` element (2.2.4.3.25); missing properties are empty.
pub fn state_blobs(s: &ft::State) -> StateBlobs {
    StateBlobs {
        idset_given: s.idset_given().map(<[u8]>::to_vec).unwrap_or_default(),
        cnset_seen: s.cnset_seen().map(<[u8]>::to_vec).unwrap_or_default(),
        cnset_seen_fai: s.cnset_seen_fai().map(<[u8]>::to_vec).unwrap_or_default(),
        cnset_read: s.cnset_read().map(<[u8]>::to_vec).unwrap_or_default(),
    }
}

impl<'a> Converter<'a> {
    /// A converter whose REPLID-form IDSETs are decoded by `resolve`.
    pub fn new(resolve: &'a IdsetResolver<'a>) -> Self {
        Converter {
            resolve,
            mappings: HashMap::new(),
            current: None,
            index: 0,
        }
    }

    fn binary(
        &self,
        el: &'static str,
        props: &[FtProp],
        tag: PropTag,
    ) -> Result<Vec<u8>, ConvertError> {
        let p = find(props, tag).ok_or(ConvertError::Missing {
            element: el,
            index: self.index,
            tag,
        })?;
        match &p.value {
            PropValue::Binary(b) => Ok(b.clone()),
            v => Err(self.wrong(el, tag, v)),
        }
    }

    fn time(&self, el: &'static str, props: &[FtProp], tag: PropTag) -> Result<u64, ConvertError> {
        let p = find(props, tag).ok_or(ConvertError::Missing {
            element: el,
            index: self.index,
            tag,
        })?;
        match &p.value {
            PropValue::Time(t) => Ok(*t),
            v => Err(self.wrong(el, tag, v)),
        }
    }

    fn opt_i64(
        &self,
        el: &'static str,
        props: &[FtProp],
        tag: PropTag,
    ) -> Result<Option<u64>, ConvertError> {
        match find(props, tag).map(|p| &p.value) {
            None => Ok(None),
            Some(PropValue::I64(v)) => Ok(Some(*v as u64)),
            Some(v) => Err(self.wrong(el, tag, v)),
        }
    }

    fn wrong(&self, element: &'static str, tag: PropTag, v: &PropValue) -> ConvertError {
        ConvertError::WrongType {
            element,
            index: self.index,
            tag,
            found: v.prop_type().0,
        }
    }

    /// messageChangeHeader (2.2.4.3.14).
    pub fn header(&self, el: &'static str, h: &[FtProp]) -> Result<MessageHeader, ConvertError> {
        let associated = match find(h, tags::PID_TAG_ASSOCIATED).map(|p| &p.value) {
            Some(PropValue::Boolean(b)) => *b,
            Some(v) => return Err(self.wrong(el, tags::PID_TAG_ASSOCIATED, v)),
            None => {
                return Err(ConvertError::Missing {
                    element: el,
                    index: self.index,
                    tag: tags::PID_TAG_ASSOCIATED,
                });
            }
        };
        let message_size = match find(h, tags::PID_TAG_MESSAGE_SIZE).map(|p| &p.value) {
            None => None,
            Some(PropValue::I32(v)) => Some(*v as u32),
            Some(v) => return Err(self.wrong(el, tags::PID_TAG_MESSAGE_SIZE, v)),
        };
        Ok(MessageHeader {
            source_key: self.binary(el, h, tags::PID_TAG_SOURCE_KEY)?,
            last_modification_time: self.time(el, h, tags::PID_TAG_LAST_MODIFICATION_TIME)?,
            change_key: self.binary(el, h, tags::PID_TAG_CHANGE_KEY)?,
            pcl: self.binary(el, h, tags::PID_TAG_PREDECESSOR_CHANGE_LIST)?,
            associated,
            mid: self.opt_i64(el, h, tags::PID_TAG_MID)?,
            cn: self.opt_i64(el, h, tags::PID_TAG_CHANGE_NUMBER)?,
            message_size,
        })
    }

    fn children(&self, c: &ft::MessageChildren, partial: bool) -> Result<Children, ConvertError> {
        children_at(c, partial, self.index)
    }

    /// One messageChange.
    pub fn message_change(&mut self, c: &ft::MessageChange) -> Result<Change, ConvertError> {
        self.index += 1;
        match c {
            ft::MessageChange::Full(f) => Ok(Change::MessageFull(MessageFull {
                header: self.header("messageChangeFull", &f.header)?,
                props: f.props.iter().map(prop).collect(),
                children: self.children(&f.children, false)?,
            })),
            ft::MessageChange::Partial(p) => {
                const EL: &str = "messageChangePartial";
                if let Some(gi) = &p.group_info {
                    let bytes = gi.property_group_info().ok_or(ConvertError::Missing {
                        element: "groupInfo",
                        index: self.index,
                        tag: ft::ics_tags::UNTAGGED_BINARY,
                    })?;
                    let info = adapt::property_group_info(bytes).map_err(|source| {
                        ConvertError::Struct {
                            element: "groupInfo",
                            index: self.index,
                            source,
                        }
                    })?;
                    self.mappings.insert(info.group_id, info.groups);
                }
                if let Some(id) = p.group_id {
                    self.current = Some(id);
                }
                let mapping = self
                    .current
                    .and_then(|id| self.mappings.get(&id))
                    .ok_or(ConvertError::UnknownMapping {
                        index: self.index,
                        group_id: self.current,
                    })?
                    .clone();
                Ok(Change::MessagePartial(MessagePartial {
                    header: self.header(EL, &p.header)?,
                    mapping,
                    groups: p
                        .groups
                        .iter()
                        .map(|g| (g.index, g.props.iter().map(prop).collect()))
                        .collect(),
                    children: self.children(&p.children, true)?,
                }))
            }
        }
    }

    /// An errorInfo (2.2.4.3.4).
    pub fn error_info(&mut self, e: &ft::ErrorInfo) -> Result<Change, ConvertError> {
        self.index += 1;
        let bytes = e.extended_error_info().ok_or(ConvertError::Missing {
            element: "errorInfo",
            index: self.index,
            tag: ft::ics_tags::UNTAGGED_BINARY,
        })?;
        let x = adapt::extended_error_info(bytes).map_err(|source| ConvertError::Struct {
            element: "errorInfo",
            index: self.index,
            source,
        })?;
        Ok(Change::ErrorInfo {
            error_code: x.error_code,
            folder: x.folder_gid.map(|g| g.to_vec()),
            message: x.message_gid.map(|g| g.to_vec()),
        })
    }

    fn ids(&self, element: &'static str, b: Option<&[u8]>) -> Result<Vec<SourceKey>, ConvertError> {
        match b {
            None => Ok(Vec::new()),
            Some(b) => (self.resolve)(b).map_err(|why| ConvertError::IdSet { element, why }),
        }
    }

    /// deletions (2.2.4.3.3): one change per meta-property present.
    pub fn deletions(&self, d: &ft::Deletions) -> Result<Vec<Change>, ConvertError> {
        let mut out = Vec::new();
        for (kind, bytes, name) in [
            (
                DeletionKind::Deleted,
                d.idset_deleted(),
                "MetaTagIdsetDeleted",
            ),
            (
                DeletionKind::NoLongerInScope,
                d.idset_no_longer_in_scope(),
                "MetaTagIdsetNoLongerInScope",
            ),
            (
                DeletionKind::Expired,
                d.idset_expired(),
                "MetaTagIdsetExpired",
            ),
        ] {
            if bytes.is_some() {
                out.push(Change::Deletions {
                    kind,
                    ids: self.ids(name, bytes)?,
                });
            }
        }
        Ok(out)
    }

    /// readStateChanges (2.2.4.3.22).
    pub fn read_state(&self, r: &ft::ReadStateChanges) -> Result<Change, ConvertError> {
        Ok(Change::ReadState {
            read: self.ids("MetaTagIdsetRead", r.idset_read())?,
            unread: self.ids("MetaTagIdsetUnread", r.idset_unread())?,
        })
    }

    /// folderChange (2.2.4.3.5).
    pub fn folder_change(&mut self, f: &ft::FolderChange) -> Result<Change, ConvertError> {
        self.index += 1;
        const EL: &str = "folderChange";
        let p = &f.props;
        let display_name = match find(p, tags::PID_TAG_DISPLAY_NAME).map(|x| &x.value) {
            Some(PropValue::Unicode(s)) => s.to_string_lossy(),
            Some(PropValue::String8(b)) => String::from_utf8_lossy(b).into_owned(),
            Some(v) => return Err(self.wrong(EL, tags::PID_TAG_DISPLAY_NAME, v)),
            None => {
                return Err(ConvertError::Missing {
                    element: EL,
                    index: self.index,
                    tag: tags::PID_TAG_DISPLAY_NAME,
                });
            }
        };
        Ok(Change::Folder(FolderChange {
            source_key: self.binary(EL, p, tags::PID_TAG_SOURCE_KEY)?,
            parent_source_key: self.binary(EL, p, tags::PID_TAG_PARENT_SOURCE_KEY)?,
            fid: self.opt_i64(EL, p, tags::PID_TAG_FOLDER_ID)?,
            last_modification_time: self.time(EL, p, tags::PID_TAG_LAST_MODIFICATION_TIME)?,
            change_key: self.binary(EL, p, tags::PID_TAG_CHANGE_KEY)?,
            pcl: self.binary(EL, p, tags::PID_TAG_PREDECESSOR_CHANGE_LIST)?,
            display_name,
            props: p.iter().map(prop).collect(),
        }))
    }

    /// A whole contentsSync: changes in stream order, then the final state.
    pub fn contents_sync(
        &mut self,
        cs: &ft::ContentsSync,
    ) -> Result<(Vec<Change>, StateBlobs), ConvertError> {
        let mut out = Vec::with_capacity(cs.changes.len() + 2);
        for item in &cs.changes {
            out.push(match item {
                ft::ContentsSyncItem::Change { change, .. } => self.message_change(change)?,
                ft::ContentsSyncItem::Error(e) => self.error_info(e)?,
            });
        }
        if let Some(d) = &cs.deletions {
            out.extend(self.deletions(d)?);
        }
        if let Some(r) = &cs.read_state_changes {
            out.push(self.read_state(r)?);
        }
        Ok((out, state_blobs(&cs.state)))
    }

    /// A whole hierarchySync.
    pub fn hierarchy_sync(
        &mut self,
        hs: &ft::HierarchySync,
    ) -> Result<(Vec<Change>, StateBlobs), ConvertError> {
        let mut out = Vec::with_capacity(hs.folder_changes.len() + 1);
        for f in &hs.folder_changes {
            out.push(self.folder_change(f)?);
        }
        if let Some(d) = &hs.deletions {
            out.extend(self.deletions(d)?);
        }
        Ok((out, state_blobs(&hs.state)))
    }
}

/// messageChildren (2.2.4.3.12) as replica children; `partial`: a subobject
/// kind not announced with MetaTagFXDelProp stays unchanged.
pub fn children(c: &ft::MessageChildren, partial: bool) -> Result<Children, ConvertError> {
    children_at(c, partial, 0)
}

fn children_at(
    c: &ft::MessageChildren,
    partial: bool,
    index: usize,
) -> Result<Children, ConvertError> {
    let recips: Vec<Vec<Prop>> = c
        .recipients
        .iter()
        .map(|r| r.props.iter().map(prop).collect())
        .collect();
    let mut atts: Vec<Vec<Prop>> = Vec::with_capacity(c.attachments.len());
    for a in &c.attachments {
        let mut v = vec![Prop::tagged(
            ft::ics_tags::PID_TAG_ATTACH_NUMBER,
            PropValue::I32(a.attach_number as i32),
        )];
        v.extend(a.content.props.iter().map(prop));
        if let Some(embedded) = &a.content.embedded {
            // The embedded message is kept as its messageContent stream
            // (2.2.4.3.16) in PidTagAttachDataObject.
            let bytes =
                ft::produce(&ft::Root::MessageContent((**embedded).clone())).map_err(|e| {
                    ConvertError::Embedded {
                        index,
                        why: e.to_string(),
                    }
                })?;
            v.push(Prop::tagged(
                PID_TAG_ATTACH_DATA_OBJECT,
                PropValue::Object(bytes),
            ));
        }
        atts.push(v);
    }
    // In a partial change a subobject kind is replaced only when the
    // server announced it with MetaTagFXDelProp (digest §10).
    let keep = |del: bool, list: Vec<Vec<Prop>>| {
        if partial && !del && list.is_empty() {
            None
        } else {
            Some(list)
        }
    };
    Ok(Children {
        recipients: keep(c.del_recipients, recips),
        attachments: keep(c.del_attachments, atts),
    })
}
