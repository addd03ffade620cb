//! The mailbox store of the reference server.
//!
//! Every creation or modification gets a new change number from the
//! mailbox's GLOBCNT counter, the object's ChangeKey becomes the XID of that
//! CN and the XID is merged into its PCL ([MS-OXCFXICS] 3.1.5.3). Folder CNs
//! change only when the folder itself changes. Read state has its own
//! CN and does not touch the message CN. Deletions leave tombstones
//! that keep the CN of the deletion. Changes are indexed by CN per folder so
//! that "changed since CnsetSeen" is a range scan.

pub mod change;
pub mod folder;
mod folder_deletes;
pub mod groups;
pub mod ids;
pub mod message;
pub mod named;
pub mod permissions;
pub mod props;
mod snapshot;
pub use snapshot::Snapshot;

use std::collections::HashMap;

use ics_wire::Guid;
use ics_wire::ids::{ExchangeId, Fid, GlobCnt, Mid, ReplGuid, Xid};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};

pub use change::{Pcl, xid_of_cn};
pub use folder::{DeleteKind, Folder, Tombstone};
pub use ids::{IdAllocator, IdKey, LOCAL_REPLID, key};
pub use message::{Attachment, Message, MessageContent};
pub use named::NamedProps;
pub use props::PropertyBag;

use crate::clock::{Clock, FileTime, SteppingClock};
use groups::{GROUP_COUNT, group_of};

/// Errors of mailbox operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    /// No live folder with this id.
    #[error("no folder {0:?}")]
    NoSuchFolder(Fid),
    /// No live message with this id.
    #[error("no message {0:?}")]
    NoSuchMessage(Mid),
    /// The id is already used by a live or deleted object.
    #[error("id {0:?} is already in use")]
    IdInUse(ExchangeId),
    /// A folder cannot become its own descendant, and the root cannot move.
    #[error("moving folder {0:?} there would break the hierarchy")]
    BadFolderMove(Fid),
    /// The root folder cannot be deleted.
    #[error("the root folder cannot be deleted")]
    RootFolder,
    /// Identifier allocation failed.
    #[error(transparent)]
    Ids(#[from] ids::IdError),
}

/// Identity of a new mailbox.
#[derive(Debug, Clone, Copy)]
pub struct MailboxIdentity {
    /// The mailbox instance GUID returned by RopLogon ([MS-OXCSTOR] 2.2.1.1).
    pub mailbox_guid: Guid,
    /// The REPLGUID of the mailbox's replica (REPLID 1).
    pub replguid: ReplGuid,
}

impl Default for MailboxIdentity {
    /// Fixed GUIDs, so test runs are reproducible.
    fn default() -> Self {
        MailboxIdentity {
            mailbox_guid: Guid::from_fields(0x1c5_0b0c5, 0x1cb0, 0x4a11, *b"ICSHARNS"),
            replguid: ReplGuid(Guid::from_fields(
                0xc4b9_af5a,
                0x0d67,
                0x4a1e,
                [0x9b, 0x3c, 0x2f, 0x1e, 0x5d, 0x6c, 0x7b, 0x8a],
            )),
        }
    }
}

/// Edits of one message applied as one change (one new CN).
#[derive(Debug, Clone, Default)]
pub struct MessageEdit {
    /// Properties to set.
    pub set: Vec<TaggedValue>,
    /// Properties to delete.
    pub delete: Vec<PropTag>,
    /// New recipient rows (replace all), if any.
    pub recipients: Option<Vec<PropertyBag>>,
    /// New attachments (replace all), if any.
    pub attachments: Option<Vec<Attachment>>,
}

/// Change identity given by an import instead of the server's own
/// ([MS-OXCFXICS] 3.1.5.3: ChangeKey and PCL as given).
#[derive(Debug, Clone)]
pub struct ImportedChange {
    /// PidTagChangeKey.
    pub change_key: Xid,
    /// PidTagPredecessorChangeList.
    pub pcl: Pcl,
    /// PidTagLastModificationTime.
    pub last_modified: FileTime,
}

/// True for the provider-internal property ids that clients cannot set
/// (0x6600–0x67FF, R-045) and for the properties this store computes.
pub fn is_computed(tag: PropTag) -> bool {
    let id = tag.id();
    (0x6600..=0x67FF).contains(&id)
        || id == tags::PID_TAG_LAST_MODIFICATION_TIME.id()
        || id == tags::PID_TAG_MESSAGE_SIZE.id()
}

/// The mailbox.
pub struct Mailbox {
    identity: MailboxIdentity,
    ids: IdAllocator,
    clock: Box<dyn Clock>,
    root: Fid,
    folders: HashMap<IdKey, Folder>,
    folder_tombstones: HashMap<IdKey, Tombstone>,
    folder_by_cn: std::collections::BTreeMap<GlobCnt, IdKey>,
    mid_index: HashMap<IdKey, IdKey>,
    named: NamedProps,
}

impl std::fmt::Debug for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("identity", &self.identity)
            .field("folders", &self.folders.len())
            .field("messages", &self.mid_index.len())
            .finish()
    }
}

impl Default for Mailbox {
    fn default() -> Self {
        Mailbox::new(
            MailboxIdentity::default(),
            Box::new(SteppingClock::default()),
        )
    }
}

impl Mailbox {
    /// An empty mailbox with a root folder.
    pub fn new(identity: MailboxIdentity, mut clock: Box<dyn Clock>) -> Self {
        let mut ids = IdAllocator::new(identity.replguid);
        let root = Fid(ids.allocate_id().expect("fresh counter"));
        let cn = ids.allocate_cn().expect("fresh counter");
        let now = clock.now();
        let mut folders = HashMap::new();
        folders.insert(key(root.0), Folder::new(root, None, "Root", cn, now));
        let mut folder_by_cn = std::collections::BTreeMap::new();
        folder_by_cn.insert(cn, key(root.0));
        Mailbox {
            identity,
            ids,
            clock,
            root,
            folders,
            folder_tombstones: HashMap::new(),
            folder_by_cn,
            mid_index: HashMap::new(),
            named: NamedProps::default(),
        }
    }

    /// Mailbox and replica GUIDs.
    pub fn identity(&self) -> MailboxIdentity {
        self.identity
    }

    /// The REPLGUID of the local replica.
    pub fn replguid(&self) -> ReplGuid {
        self.identity.replguid
    }

    /// The root folder.
    pub fn root(&self) -> Fid {
        self.root
    }

    /// Id allocator and replica map.
    pub fn ids(&self) -> &IdAllocator {
        &self.ids
    }

    /// Id allocator, for imports that map foreign REPLGUIDs.
    pub fn ids_mut(&mut self) -> &mut IdAllocator {
        &mut self.ids
    }

    /// Named property map.
    pub fn named(&self) -> &NamedProps {
        &self.named
    }

    /// Named property map, to map new names.
    pub fn named_mut(&mut self) -> &mut NamedProps {
        &mut self.named
    }

    /// The current time of the injected clock.
    pub fn now(&mut self) -> FileTime {
        self.clock.now()
    }

    /// The last change number handed out.
    pub fn last_cn(&self) -> GlobCnt {
        self.ids.last_cn()
    }

    /// A live folder.
    pub fn folder(&self, fid: Fid) -> Option<&Folder> {
        self.folders.get(&key(fid.0))
    }

    /// All live folders (no order).
    pub fn folders(&self) -> impl Iterator<Item = &Folder> {
        self.folders.values()
    }

    /// Tombstone of a deleted folder.
    pub fn folder_tombstone(&self, fid: Fid) -> Option<&Tombstone> {
        self.folder_tombstones.get(&key(fid.0))
    }

    /// Folders by current CN in `lo..=hi`.
    pub fn folder_changes_in(
        &self,
        lo: GlobCnt,
        hi: GlobCnt,
    ) -> impl Iterator<Item = (GlobCnt, IdKey)> + '_ {
        self.folder_by_cn.range(lo..=hi).map(|(c, k)| (*c, *k))
    }

    /// The folder holding a live message.
    pub fn folder_of(&self, mid: Mid) -> Option<Fid> {
        self.mid_index.get(&key(mid.0)).map(|k| Fid(ids::id_of(*k)))
    }

    /// A live message.
    pub fn message(&self, mid: Mid) -> Option<&Message> {
        let f = self.mid_index.get(&key(mid.0))?;
        self.folders.get(f)?.messages.get(&key(mid.0))
    }

    /// Number of live messages in the mailbox.
    pub fn message_count(&self) -> usize {
        self.mid_index.len()
    }

    /// True if `ancestor` is `fid` or one of its ancestors.
    pub fn is_ancestor_or_self(&self, ancestor: Fid, fid: Fid) -> bool {
        let mut cur = Some(fid);
        while let Some(f) = cur {
            if f == ancestor {
                return true;
            }
            cur = self.folder(f).and_then(|x| x.parent);
        }
        false
    }

    /// The descendants of `fid` (not `fid` itself), parents before children.
    pub fn descendants(&self, fid: Fid) -> Vec<Fid> {
        let mut out = Vec::new();
        let mut stack = vec![key(fid.0)];
        while let Some(k) = stack.pop() {
            if let Some(f) = self.folders.get(&k) {
                for c in f.children.iter().rev() {
                    out.push(Fid(ids::id_of(*c)));
                    stack.push(*c);
                }
            }
        }
        // `out` is parent-first along each path already (pre-order).
        out
    }

    fn id_is_free(&self, id: ExchangeId) -> bool {
        let k = key(id);
        !self.folders.contains_key(&k)
            && !self.folder_tombstones.contains_key(&k)
            && !self.mid_index.contains_key(&k)
            && !self.folders.values().any(|f| f.tombstones.contains_key(&k))
    }

    fn folder_mut(&mut self, fid: Fid) -> Result<&mut Folder, MailboxError> {
        self.folders
            .get_mut(&key(fid.0))
            .ok_or(MailboxError::NoSuchFolder(fid))
    }

    fn new_cn(&mut self) -> Result<GlobCnt, MailboxError> {
        Ok(self.ids.allocate_cn()?)
    }

    /// Creates a folder under `parent`.
    pub fn create_folder(&mut self, parent: Fid, name: &str) -> Result<Fid, MailboxError> {
        let fid = Fid(self.ids.allocate_id()?);
        self.create_folder_with_id(parent, fid, name, None)?;
        Ok(fid)
    }

    /// Creates a folder with a given id (imports, reserved ids).
    pub fn create_folder_with_id(
        &mut self,
        parent: Fid,
        fid: Fid,
        name: &str,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        if self.folder(parent).is_none() {
            return Err(MailboxError::NoSuchFolder(parent));
        }
        if !self.id_is_free(fid.0) {
            return Err(MailboxError::IdInUse(fid.0));
        }
        let cn = self.new_cn()?;
        let now = self.clock.now();
        let mut f = Folder::new(fid, Some(parent), name, cn, now);
        if let Some(imp) = imported {
            f.change_key = Some(imp.change_key);
            f.pcl = Some(imp.pcl);
            f.last_modified = imp.last_modified;
        }
        self.folders.insert(key(fid.0), f);
        self.folder_by_cn.insert(cn, key(fid.0));
        self.folder_mut(parent)?.children.insert(key(fid.0));
        Ok(())
    }

    fn touch_folder(
        &mut self,
        fid: Fid,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        let cn = self.new_cn()?;
        let now = self.clock.now();
        let replguid = self.replguid();
        let f = self
            .folders
            .get_mut(&key(fid.0))
            .ok_or(MailboxError::NoSuchFolder(fid))?;
        let old_cn = f.cn;
        match imported {
            Some(imp) => {
                f.change_key = Some(imp.change_key);
                f.pcl = Some(imp.pcl);
                f.last_modified = imp.last_modified;
            }
            None => {
                let mut pcl = folder_pcl(f, replguid);
                let ck = xid_of_cn(replguid, cn);
                pcl.insert(ck);
                f.change_key = None;
                f.pcl = Some(pcl);
                f.last_modified = now;
            }
        }
        f.cn = cn;
        self.folder_by_cn.remove(&old_cn);
        self.folder_by_cn.insert(cn, key(fid.0));
        Ok(())
    }

    /// Sets and deletes folder properties as one folder change.
    pub fn set_folder_properties(
        &mut self,
        fid: Fid,
        set: &[TaggedValue],
        delete: &[PropTag],
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        let f = self.folder_mut(fid)?;
        for v in set.iter().filter(|v| !is_computed(v.tag)) {
            f.props.set(v.tag, v.value.clone());
        }
        for t in delete {
            f.props.remove(*t);
        }
        self.touch_folder(fid, imported)
    }

    /// Moves a folder under another parent (a folder change).
    pub fn move_folder(
        &mut self,
        fid: Fid,
        new_parent: Fid,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        if fid == self.root || self.is_ancestor_or_self(fid, new_parent) {
            return Err(MailboxError::BadFolderMove(fid));
        }
        if self.folder(new_parent).is_none() {
            return Err(MailboxError::NoSuchFolder(new_parent));
        }
        let old_parent = self
            .folder(fid)
            .ok_or(MailboxError::NoSuchFolder(fid))?
            .parent;
        if let Some(p) = old_parent {
            self.folder_mut(p)?.children.remove(&key(fid.0));
        }
        self.folder_mut(new_parent)?.children.insert(key(fid.0));
        self.folder_mut(fid)?.parent = Some(new_parent);
        self.touch_folder(fid, imported)
    }

    /// Deletes a folder and its whole subtree (messages included).
    pub fn delete_folder(&mut self, fid: Fid, kind: DeleteKind) -> Result<(), MailboxError> {
        if fid == self.root {
            return Err(MailboxError::RootFolder);
        }
        let parent = self
            .folder(fid)
            .ok_or(MailboxError::NoSuchFolder(fid))?
            .parent;
        let mut doomed = self.descendants(fid);
        doomed.insert(0, fid);
        for d in doomed.into_iter().rev() {
            let cn = self.new_cn()?;
            let at = self.clock.now();
            let f = self.folders.remove(&key(d.0)).expect("descendant exists");
            self.folder_by_cn.remove(&f.cn);
            for k in f.messages.keys() {
                self.mid_index.remove(k);
            }
            self.folder_tombstones.insert(
                key(d.0),
                Tombstone {
                    fai: false,
                    cn,
                    kind,
                    at,
                },
            );
        }
        if let Some(p) = parent {
            self.folder_mut(p)?.children.remove(&key(fid.0));
        }
        Ok(())
    }

    /// Creates a message in `fid` with a new MID.
    pub fn create_message(
        &mut self,
        fid: Fid,
        fai: bool,
        content: MessageContent,
    ) -> Result<Mid, MailboxError> {
        let mid = Mid(self.ids.allocate_id()?);
        self.create_message_with_id(fid, mid, fai, content, None)?;
        Ok(mid)
    }

    /// Creates a message with a given MID (imports, moves, reserved ids).
    pub fn create_message_with_id(
        &mut self,
        fid: Fid,
        mid: Mid,
        fai: bool,
        mut content: MessageContent,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        if self.folder(fid).is_none() {
            return Err(MailboxError::NoSuchFolder(fid));
        }
        if !self.id_is_free(mid.0) {
            return Err(MailboxError::IdInUse(mid.0));
        }
        strip_computed(&mut content.props);
        let cn = self.new_cn()?;
        let now = self.clock.now();
        // [MS-OXOMSG] 2.2.3.9: the server sets the delivery time when it
        // receives a message; an imported version (ICS upload, move) is the
        // client's copy, stored as given, so nothing is added that the
        // client would never download (R-212: the upload is not sent back).
        if !fai
            && imported.is_none()
            && content
                .props
                .get(tags::PID_TAG_MESSAGE_DELIVERY_TIME)
                .is_none()
        {
            content
                .props
                .set(tags::PID_TAG_MESSAGE_DELIVERY_TIME, PropValue::Time(now));
        }
        let read = matches!(content.props.get(tags::PID_TAG_MESSAGE_FLAGS), Some(PropValue::I32(f)) if f & message::MF_READ != 0);
        let (change_key, pcl, last_modified) = match imported {
            Some(i) => (Some(i.change_key), Some(i.pcl), i.last_modified),
            None => (None, None, now),
        };
        let m = Message {
            mid,
            fai,
            content,
            cn,
            change_key,
            pcl,
            last_modified,
            read,
            read_cn: None,
            persisted_source_key: None,
            group_cns: [cn; GROUP_COUNT],
            other_cn: cn,
            history: Vec::new(),
            unreadable: false,
            no_read_permission: false,
        };
        let k = key(mid.0);
        let f = self.folder_mut(fid)?;
        f.tombstones.remove(&k);
        f.messages.insert(k, m);
        f.live.insert(k.0, k.1);
        f.index_message(k);
        self.mid_index.insert(k, key(fid.0));
        Ok(())
    }

    fn locate(&self, mid: Mid) -> Result<IdKey, MailboxError> {
        self.mid_index
            .get(&key(mid.0))
            .copied()
            .ok_or(MailboxError::NoSuchMessage(mid))
    }

    /// Applies `edit` as one change: new CN, new ChangeKey, PCL merged, the
    /// changed property groups marked.
    pub fn modify_message(
        &mut self,
        mid: Mid,
        edit: MessageEdit,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        let cn = self.new_cn()?;
        let now = self.clock.now();
        let replguid = self.replguid();
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        let k = key(mid.0);
        f.unindex_message(k);
        let m = f.messages.get_mut(&k).expect("indexed message");
        let mut touched = [false; GROUP_COUNT];
        let mut other = edit.recipients.is_some() || edit.attachments.is_some();
        for v in edit.set.iter().filter(|v| !is_computed(v.tag)) {
            if m.content.props.get(v.tag) == Some(&v.value)
                && m.content.props.stored_tag(v.tag) == Some(v.tag.with_type(v.value.prop_type()))
            {
                continue;
            }
            mark(&mut touched, &mut other, v.tag);
            if let (true, PropValue::I32(fl)) =
                (v.tag.id() == tags::PID_TAG_MESSAGE_FLAGS.id(), &v.value)
            {
                m.read = fl & message::MF_READ != 0;
            }
            m.content.props.set(v.tag, v.value.clone());
        }
        for t in &edit.delete {
            if m.content.props.remove(*t) {
                mark(&mut touched, &mut other, *t);
            }
        }
        if let Some(r) = edit.recipients {
            m.content.recipients = r;
        }
        if let Some(a) = edit.attachments {
            m.content.attachments = a;
        }
        apply_change(m, cn, now, replguid, imported);
        for (g, t) in touched.iter().enumerate() {
            if *t {
                m.group_cns[g] = cn;
            }
        }
        if other {
            m.other_cn = cn;
        }
        f.index_message(k);
        Ok(())
    }

    /// Gives a message a new CN without changing its content, read state,
    /// ChangeKey or LastModificationTime; its PCL becomes `pcl` if given
    /// (a conflict's merge, R-238). Every group is marked changed. Used when
    /// a client's ICS state claims the former CN but the client does not
    /// have this version, so that it comes down again.
    pub fn renew_cn(&mut self, mid: Mid, pcl: Option<Pcl>) -> Result<GlobCnt, MailboxError> {
        let fk = self.locate(mid)?;
        let cn = self.new_cn()?;
        let now = self.clock.now();
        let replguid = self.replguid();
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        let k = key(mid.0);
        f.unindex_message(k);
        let m = f.messages.get_mut(&k).expect("indexed message");
        let keep = ImportedChange {
            change_key: message_change_key(m, replguid),
            pcl: pcl.unwrap_or_else(|| message_pcl(m, replguid)),
            last_modified: m.last_modified,
        };
        apply_change(m, cn, now, replguid, Some(keep));
        m.group_cns = [cn; GROUP_COUNT];
        m.other_cn = cn;
        f.index_message(k);
        Ok(cn)
    }

    /// Replaces the whole content of a message (a full-item upload).
    pub fn replace_message(
        &mut self,
        mid: Mid,
        mut content: MessageContent,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        strip_computed(&mut content.props);
        let cn = self.new_cn()?;
        let now = self.clock.now();
        let replguid = self.replguid();
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        let k = key(mid.0);
        f.unindex_message(k);
        let m = f.messages.get_mut(&k).expect("indexed message");
        m.read = matches!(content.props.get(tags::PID_TAG_MESSAGE_FLAGS), Some(PropValue::I32(f)) if f & message::MF_READ != 0);
        m.content = content;
        apply_change(m, cn, now, replguid, imported);
        m.group_cns = [cn; GROUP_COUNT];
        m.other_cn = cn;
        f.index_message(k);
        Ok(())
    }

    /// Sets the read state. A transition gets a new read CN and leaves the
    /// message CN alone; returns false if nothing changed (FAI
    /// messages have no read state, R-168).
    pub fn set_read(&mut self, mid: Mid, read: bool) -> Result<bool, MailboxError> {
        let fk = self.locate(mid)?;
        let k = key(mid.0);
        let m = &self.folders[&fk].messages[&k];
        if m.fai || m.read == read {
            return Ok(false);
        }
        let rcn = self.new_cn()?;
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        f.unindex_message(k);
        let m = f.messages.get_mut(&k).expect("indexed message");
        m.read = read;
        m.read_cn = Some(rcn);
        f.index_message(k);
        Ok(true)
    }

    /// Deletes a message, leaving a tombstone with the deletion's CN.
    pub fn delete_message(&mut self, mid: Mid, kind: DeleteKind) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        let cn = self.new_cn()?;
        let at = self.clock.now();
        let k = key(mid.0);
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        f.unindex_message(k);
        let m = f.messages.remove(&k).expect("indexed message");
        f.live.remove(k.0, k.1);
        f.tombstones.insert(
            k,
            Tombstone {
                fai: m.fai,
                cn,
                kind,
                at,
            },
        );
        self.mid_index.remove(&k);
        Ok(())
    }

    /// Moves a message: a copy with a new MID in `dest` and a soft delete in
    /// the source (R-157, [MS-OXCFXICS] 3.1.5.3 step 6). Returns the new MID.
    pub fn move_message(&mut self, mid: Mid, dest: Fid) -> Result<Mid, MailboxError> {
        let new_mid = Mid(self.ids.allocate_id()?);
        self.move_message_to_id(mid, dest, new_mid, None)?;
        Ok(new_mid)
    }

    /// Moves a message to a given new MID (ImportMessageMove).
    pub fn move_message_to_id(
        &mut self,
        mid: Mid,
        dest: Fid,
        new_mid: Mid,
        imported: Option<ImportedChange>,
    ) -> Result<(), MailboxError> {
        let m = self
            .message(mid)
            .ok_or(MailboxError::NoSuchMessage(mid))?
            .clone();
        if self.folder(dest).is_none() {
            return Err(MailboxError::NoSuchFolder(dest));
        }
        self.create_message_with_id(dest, new_mid, m.fai, m.content.clone(), imported.clone())?;
        if imported.is_none() {
            // Keep the lineage: the copy's PCL succeeds the original's.
            let replguid = self.replguid();
            let fk = self.locate(new_mid)?;
            let nm = self
                .folders
                .get_mut(&fk)
                .and_then(|f| f.messages.get_mut(&key(new_mid.0)))
                .expect("just created");
            let mut pcl = message_pcl(&m, replguid);
            pcl.insert(xid_of_cn(replguid, nm.cn));
            nm.pcl = Some(pcl);
        }
        if m.read {
            let fk = self.locate(new_mid)?;
            let f = self.folders.get_mut(&fk).expect("indexed");
            f.messages.get_mut(&key(new_mid.0)).expect("created").read = true;
        }
        self.delete_message(mid, DeleteKind::Soft)
    }

    /// Copies a message into `dest` with a new MID.
    pub fn copy_message(&mut self, mid: Mid, dest: Fid) -> Result<Mid, MailboxError> {
        let m = self
            .message(mid)
            .ok_or(MailboxError::NoSuchMessage(mid))?
            .clone();
        let flags = m.message_flags();
        let mut content = m.content;
        content
            .props
            .set(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(flags));
        self.create_message(dest, m.fai, content)
    }

    /// Marks a message unreadable (fault injection: reading it fails).
    pub fn set_unreadable(&mut self, mid: Mid, unreadable: bool) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        f.messages.get_mut(&key(mid.0)).expect("indexed").unreadable = unreadable;
        Ok(())
    }

    /// Stores a foreign PidTagSourceKey on a message (used unless the client
    /// sets NoForeignIdentifiers, R-093).
    pub fn set_message_source_key(
        &mut self,
        mid: Mid,
        sk: Option<Vec<u8>>,
    ) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        f.messages
            .get_mut(&key(mid.0))
            .expect("indexed")
            .persisted_source_key = sk;
        Ok(())
    }

    /// Reserves `count` ids (RopGetLocalReplicaIds); returns the REPLGUID and
    /// the first GLOBCNT of the range.
    pub fn reserve_ids(&mut self, count: u32) -> Result<(ReplGuid, GlobCnt), MailboxError> {
        Ok((self.replguid(), self.ids.reserve(count)?))
    }

    /// Records ranges of MIDs that will never be used in `fid`
    /// (RopSetLocalReplicaMidsetDeleted, R-162); deletes nothing.
    pub fn add_midset_deleted(
        &mut self,
        fid: Fid,
        ranges: &[(ExchangeId, ExchangeId)],
    ) -> Result<(), MailboxError> {
        let f = self.folder_mut(fid)?;
        f.midset_deleted
            .extend(ranges.iter().map(|(a, b)| (key(*a), key(*b))));
        Ok(())
    }

    /// The GID-form SourceKey of an id ([MS-OXCFXICS] 3.2.5.5).
    pub fn source_key_of(&self, id: ExchangeId) -> Vec<u8> {
        match self.ids.gid_of(id) {
            Some(gid) => gid.to_xid().to_bytes(),
            None => Vec::new(),
        }
    }
}

fn mark(touched: &mut [bool; GROUP_COUNT], other: &mut bool, tag: PropTag) {
    match group_of(tag) {
        Some(g) => touched[g] = true,
        None => *other = true,
    }
}

fn strip_computed(props: &mut PropertyBag) {
    let doomed: Vec<PropTag> = props
        .values()
        .iter()
        .map(|v| v.tag)
        .filter(|t| is_computed(*t))
        .collect();
    for t in doomed {
        props.remove(t);
    }
}

fn apply_change(
    m: &mut Message,
    cn: GlobCnt,
    now: FileTime,
    replguid: ReplGuid,
    imported: Option<ImportedChange>,
) {
    match imported {
        Some(imp) => {
            m.change_key = Some(imp.change_key);
            m.pcl = Some(imp.pcl);
            m.last_modified = imp.last_modified;
        }
        None => {
            let mut pcl = message_pcl(m, replguid);
            pcl.insert(xid_of_cn(replguid, cn));
            m.change_key = None;
            m.pcl = Some(pcl);
            m.last_modified = now;
        }
    }
    m.bump(cn);
}

/// The ChangeKey of a message.
pub fn message_change_key(m: &Message, replguid: ReplGuid) -> Xid {
    m.change_key.unwrap_or_else(|| xid_of_cn(replguid, m.cn))
}

/// The PCL of a message.
pub fn message_pcl(m: &Message, replguid: ReplGuid) -> Pcl {
    m.pcl
        .clone()
        .unwrap_or_else(|| Pcl::single(message_change_key(m, replguid)))
}

/// The ChangeKey of a folder.
pub fn folder_change_key(f: &Folder, replguid: ReplGuid) -> Xid {
    f.change_key.unwrap_or_else(|| xid_of_cn(replguid, f.cn))
}

/// The PCL of a folder.
pub fn folder_pcl(f: &Folder, replguid: ReplGuid) -> Pcl {
    f.pcl
        .clone()
        .unwrap_or_else(|| Pcl::single(folder_change_key(f, replguid)))
}
