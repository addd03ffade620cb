//! The ICS download engine ([MS-OXCFXICS] 3.2.5.3; idset.md §14; ftstream.md §9).
//!
//! [`Download::new`] plans the download: it range-scans the folder's CN
//! indexes over the gaps of the initial CnsetSeen / CnsetSeenFAI, so the cost
//! is proportional to the changes, not to the folder. [`Download::next`] then
//! yields the elements of the contentsSync / hierarchySync stream one at a
//! time, built from the mailbox as it is at that moment (no transactional
//! isolation, R-153): the final state records what was sent.
//!
//! CNSET collapsing (R-135, idset.md §11): at the end of a complete
//! download the CNSETs also receive every CN up to the last CN allocated when
//! the download was planned, except the CNs of candidates that were not
//! sent. Any later change gets a larger CN, so this never hides a change, and
//! it keeps the client's CNSETs at a handful of ranges, so the next plan's
//! gap scan stays cheap. CnsetSeen/CnsetSeenFAI are collapsed only when both
//! Normal and FAI were scanned (I9 spans both sets); CnsetRead only with
//! ReadState. The collapsed CnsetSeen therefore also covers FAI CNs (and
//! CnsetSeenFAI normal CNs): allowed, since a CN names one change of one
//! object and can never match a version of the other kind
//! ([`crate::ics::invariants::check_no_hidden_changes`] checks that nothing
//! in scope is claimed without being sent).

use ics_wire::ids::{Fid, GlobCnt, Mid};
use ics_wire::prop::TaggedValue;

use super::materialize::{
    ContentOut, folder_change, group_content, message_content, message_header, version_change,
};
use super::options::{SyncKind, SyncOptions};
use super::state::SyncState;
use crate::mailbox::{IdKey, LOCAL_REPLID, Mailbox, Message, ids::id_of, key};
use crate::session::conflict::versions_to_send;
use crate::sets::{GlobSet, ReplIdSet, gaps};

/// Why a download cannot go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DownloadError {
    /// The synchronized folder does not exist (any more).
    #[error("folder {0:?} does not exist")]
    NoSuchFolder(Fid),
    /// A message could not be read and RecoverMode was not set.
    #[error("message {0:?} cannot be read")]
    Unreadable(Mid),
}

/// ProgressInformation totals ([MS-OXCFXICS] 2.2.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressTotal {
    /// FAIMessageCount.
    pub fai_count: u32,
    /// FAIMessageTotalSize.
    pub fai_size: u64,
    /// NormalMessageCount.
    pub normal_count: u32,
    /// NormalMessageTotalSize.
    pub normal_size: u64,
}

/// What follows a message change header.
#[derive(Debug, Clone, PartialEq)]
pub enum ChangeBody {
    /// messageChangeFull: all properties and subobjects (after filters).
    Full(ContentOut),
    /// messageChangePartial: (group index, complete group content) for each
    /// changed group of mapping [`crate::mailbox::groups::GROUP_MAPPING_ID`].
    Partial(Vec<(u32, Vec<TaggedValue>)>),
}

/// One message change.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageChange {
    /// MID.
    pub mid: Mid,
    /// CN of the version sent.
    pub cn: GlobCnt,
    /// FAI.
    pub fai: bool,
    /// Read-state CN conveyed by a full change (its PidTagMessageFlags carries
    /// the read state); it joins CnsetRead (R-135 allows the extra CN).
    pub read_cn: Option<GlobCnt>,
    /// progressPerMessage (size, FAI) when Progress is set.
    pub progress: Option<(u32, bool)>,
    /// messageChangeHeader propList.
    pub header: Vec<TaggedValue>,
    /// Full or partial body.
    pub body: ChangeBody,
}

/// One folder change.
#[derive(Debug, Clone, PartialEq)]
pub struct FolderChange {
    /// FID.
    pub fid: Fid,
    /// CN of the version sent.
    pub cn: GlobCnt,
    /// The folderChange propList.
    pub props: Vec<TaggedValue>,
}

/// One element of the download stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Element {
    /// progressTotal.
    ProgressTotal(ProgressTotal),
    /// messageChangeFull / messageChangePartial.
    MessageChange(MessageChange),
    /// folderChange.
    FolderChange(FolderChange),
    /// errorInfo for a message that could not be read (RecoverMode).
    ErrorInfo {
        /// The folder.
        fid: Fid,
        /// The message.
        mid: Mid,
    },
    /// deletions (REPLID-form IDSETs).
    Deletions {
        /// MetaTagIdsetDeleted.
        deleted: ReplIdSet,
        /// MetaTagIdsetNoLongerInScope.
        no_longer_in_scope: ReplIdSet,
        /// MetaTagIdsetExpired (contents, [`SyncOptions::expired`]).
        expired: ReplIdSet,
    },
    /// readStateChanges.
    ReadStateChanges {
        /// MetaTagIdsetRead.
        read: ReplIdSet,
        /// MetaTagIdsetUnread.
        unread: ReplIdSet,
        /// The read CNs reported (not on the wire; they go into CnsetRead).
        read_cns: GlobSet,
    },
    /// The final state; IncrSyncEnd follows it.
    State(SyncState),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Progress,
    Changes,
    Deletions,
    ReadState,
    State,
    Done,
}

/// A download in progress.
#[derive(Debug, Clone)]
pub struct Download {
    folder: Fid,
    opts: SyncOptions,
    initial: SyncState,
    seen: GlobSet,
    seen_fai: GlobSet,
    queue: Vec<(GlobCnt, IdKey)>,
    pos: usize,
    hi: GlobCnt,
    unsent: GlobSet,
    read_skipped: GlobSet,
    read_done: bool,
    progress: Option<ProgressTotal>,
    phase: Phase,
    failed: Option<DownloadError>,
    changed: ReplIdSet,
    seen_add: GlobSet,
    seen_fai_add: GlobSet,
    read_add: GlobSet,
    all_deleted: ReplIdSet,
    /// The remaining versions of a conflict resolve message being sent
    /// (3.1.5.6.2.1).
    pending: std::collections::VecDeque<MessageChange>,
}

impl Download {
    /// Plans a download of `folder` from the client's `initial` state.
    pub fn new(
        mb: &Mailbox,
        folder: Fid,
        opts: SyncOptions,
        initial: SyncState,
    ) -> Result<Self, DownloadError> {
        let f = mb
            .folder(folder)
            .ok_or(DownloadError::NoSuchFolder(folder))?;
        let seen = SyncState::local(&initial.cnset_seen);
        let seen_fai = SyncState::local(&initial.cnset_seen_fai);
        let lo = GlobCnt::new(1).expect("1 fits");
        let hi = mb.last_cn();
        let mut queue: Vec<(GlobCnt, IdKey)> = Vec::new();
        let mut progress = None;
        match opts.kind {
            SyncKind::Contents => {
                if opts.fai && hi >= lo {
                    for (a, b) in gaps(&seen_fai, lo, hi) {
                        queue.extend(f.changes_in(true, a, b));
                    }
                }
                if opts.normal && hi >= lo {
                    for (a, b) in gaps(&seen, lo, hi) {
                        queue.extend(f.changes_in(false, a, b));
                    }
                }
                if opts.order_by_delivery_time {
                    // newest delivery (or modification) time first.
                    queue.sort_by_key(|(_, k)| {
                        let m = f.message(*k).expect("planned from the index");
                        (std::cmp::Reverse(m.delivery_time()), *k)
                    });
                }
                if opts.progress {
                    let mut p = ProgressTotal::default();
                    for (_, k) in &queue {
                        let m = f.message(*k).expect("planned from the index");
                        if opts.restriction.as_ref().is_some_and(|r| !r.matches(m)) {
                            continue;
                        }
                        if m.fai {
                            p.fai_count += 1;
                            p.fai_size += m.size() as u64;
                        } else {
                            // One messageChange per version in conflict.
                            let versions = versions_to_send(m);
                            if versions.is_empty() {
                                p.normal_count += 1;
                                p.normal_size += m.size() as u64;
                            }
                            for v in versions {
                                p.normal_count += 1;
                                p.normal_size += v.approx_size() as u64;
                            }
                        }
                    }
                    progress = Some(p);
                }
            }
            SyncKind::Hierarchy => {
                for d in mb.descendants(folder) {
                    let df = mb.folder(d).expect("descendant exists");
                    if !seen.contains(df.cn) {
                        queue.push((df.cn, key(d.0)));
                    }
                }
            }
        }
        Ok(Download {
            folder,
            phase: if progress.is_some() {
                Phase::Progress
            } else {
                Phase::Changes
            },
            opts,
            initial,
            seen,
            seen_fai,
            queue,
            pos: 0,
            hi,
            unsent: GlobSet::new(),
            read_skipped: GlobSet::new(),
            read_done: false,
            progress,
            failed: None,
            changed: ReplIdSet::new(),
            seen_add: GlobSet::new(),
            seen_fai_add: GlobSet::new(),
            read_add: GlobSet::new(),
            all_deleted: ReplIdSet::new(),
            pending: std::collections::VecDeque::new(),
        })
    }

    /// The options.
    pub fn options(&self) -> &SyncOptions {
        &self.opts
    }

    /// The initial state.
    pub fn initial(&self) -> &SyncState {
        &self.initial
    }

    /// The folder downloaded (contents) or the top of the hierarchy.
    pub fn folder(&self) -> Fid {
        self.folder
    }

    /// Number of planned changes.
    pub fn planned(&self) -> usize {
        self.queue.len()
    }

    /// True once the state element has been produced.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The next element, `Ok(None)` after the state. After an error every
    /// call returns the same error.
    pub fn next(&mut self, mb: &Mailbox) -> Result<Option<Element>, DownloadError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.step(mb);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn step(&mut self, mb: &Mailbox) -> Result<Option<Element>, DownloadError> {
        loop {
            match self.phase {
                Phase::Progress => {
                    self.phase = Phase::Changes;
                    if let Some(p) = self.progress {
                        return Ok(Some(Element::ProgressTotal(p)));
                    }
                }
                Phase::Changes => {
                    if let Some(c) = self.pending.pop_front() {
                        return Ok(Some(Element::MessageChange(c)));
                    }
                    let Some(&(cn, k)) = self.queue.get(self.pos) else {
                        self.phase = Phase::Deletions;
                        continue;
                    };
                    self.pos += 1;
                    let el = match self.opts.kind {
                        SyncKind::Contents => self.message_element(mb, k)?,
                        SyncKind::Hierarchy => self.folder_element(mb, k),
                    };
                    match &el {
                        Some(Element::MessageChange(_)) | Some(Element::FolderChange(_)) => {}
                        _ => {
                            self.unsent.insert(cn);
                        }
                    }
                    if el.is_some() {
                        return Ok(el);
                    }
                }
                Phase::Deletions => {
                    self.phase = Phase::ReadState;
                    if let Some(el) = self.deletions(mb)? {
                        return Ok(Some(el));
                    }
                }
                Phase::ReadState => {
                    self.phase = Phase::State;
                    self.read_done = true;
                    if self.opts.kind == SyncKind::Contents
                        && self.opts.read_state
                        && let Some(el) = self.read_changes(mb)?
                    {
                        return Ok(Some(el));
                    }
                }
                Phase::State => {
                    self.phase = Phase::Done;
                    return Ok(Some(Element::State(self.final_state())));
                }
                Phase::Done => return Ok(None),
            }
        }
    }

    fn message_element(
        &mut self,
        mb: &Mailbox,
        k: IdKey,
    ) -> Result<Option<Element>, DownloadError> {
        let f = mb
            .folder(self.folder)
            .ok_or(DownloadError::NoSuchFolder(self.folder))?;
        // Deleted, moved, or changed out of scope since planning: skip.
        let Some(m) = f.message(k) else {
            return Ok(None);
        };
        let seen = if m.fai { &self.seen_fai } else { &self.seen };
        if seen.contains(m.cn) || (m.fai && !self.opts.fai) || (!m.fai && !self.opts.normal) {
            return Ok(None);
        }
        if self
            .opts
            .restriction
            .as_ref()
            .is_some_and(|r| !r.matches(m))
        {
            return Ok(None);
        }
        if m.unreadable {
            if self.opts.recover_mode {
                return Ok(Some(Element::ErrorInfo {
                    fid: self.folder,
                    mid: m.mid,
                }));
            }
            return Err(DownloadError::Unreadable(m.mid));
        }
        let versions = if m.fai {
            Vec::new()
        } else {
            versions_to_send(m)
        };
        let body = match self.partial_groups(m, k) {
            _ if !versions.is_empty() => ChangeBody::Full(message_content(m, &self.opts)),
            Some(groups) => ChangeBody::Partial(
                groups
                    .into_iter()
                    .map(|g| (g as u32, group_content(m, g, self.opts.strings)))
                    .collect(),
            ),
            None => ChangeBody::Full(message_content(m, &self.opts)),
        };
        let read_cn = match (&body, m.read_cn) {
            (ChangeBody::Full(_), Some(r))
                if !m.fai && !SyncState::has_local(&self.initial.cnset_read, r) =>
            {
                Some(r)
            }
            _ => None,
        };
        if let Some(r) = read_cn {
            self.read_add.insert(r);
        }
        let change = MessageChange {
            mid: m.mid,
            cn: m.cn,
            fai: m.fai,
            read_cn,
            progress: self
                .progress
                .map(|_| (m.size().min(u32::MAX as usize) as u32, m.fai)),
            header: message_header(mb, m, &self.opts),
            body,
        };
        self.changed.insert(k.0, k.1);
        if m.fai {
            self.seen_fai_add.insert(m.cn);
        } else {
            self.seen_add.insert(m.cn);
        }
        if versions.is_empty() {
            return Ok(Some(Element::MessageChange(change)));
        }
        // A conflict resolve message goes out as its versions, each a
        // messageChangeFull of the same SourceKey (3.1.5.6.2.1); the first
        // carries the read-state CN.
        let mut changes = versions.into_iter().enumerate().map(|(i, v)| {
            let (header, content) = version_change(mb, m, v, &self.opts);
            MessageChange {
                header,
                body: ChangeBody::Full(content),
                read_cn: if i == 0 { change.read_cn } else { None },
                progress: self
                    .progress
                    .map(|_| (v.approx_size().min(u32::MAX as usize) as u32, false)),
                ..change.clone()
            }
        });
        let first = changes.next();
        self.pending.extend(changes);
        Ok(first.map(Element::MessageChange))
    }

    /// The groups to send as a partial change, or `None` for a full change
    /// never without PartialItem, for a MID the client lacks, or FAI).
    fn partial_groups(&self, m: &Message, k: IdKey) -> Option<Vec<usize>> {
        if !self.opts.partial_item || m.fai || !self.initial.idset_given.contains(k.0, k.1) {
            return None;
        }
        if !self.opts.property_tags.is_empty() || self.opts.only_specified_properties {
            return None;
        }
        // A pending read-state change cannot travel with a partial change
        // (I11) and the groups do not carry PidTagMessageFlags: a full change
        // conveys both in this session.
        if m.read_cn
            .is_some_and(|r| !SyncState::has_local(&self.initial.cnset_read, r))
        {
            return None;
        }
        let base = m.newest_version_in(|c| self.seen.contains(c))?;
        let groups = m.groups_changed_since(base)?;
        (!groups.is_empty()).then_some(groups)
    }

    fn folder_element(&mut self, mb: &Mailbox, k: IdKey) -> Option<Element> {
        let fid = Fid(id_of(k));
        let f = mb.folder(fid)?;
        if self.seen.contains(f.cn)
            || fid == self.folder
            || !mb.is_ancestor_or_self(self.folder, fid)
        {
            return None;
        }
        let props = folder_change(mb, f, self.folder, &self.opts);
        self.changed.insert(k.0, k.1);
        self.seen_add.insert(f.cn);
        Some(Element::FolderChange(FolderChange {
            fid,
            cn: f.cn,
            props,
        }))
    }

    fn deletions(&mut self, mb: &Mailbox) -> Result<Option<Element>, DownloadError> {
        if !self.opts.reports_deletions() {
            return Ok(None);
        }
        let given = &self.initial.idset_given;
        let (deleted, nlis) = match self.opts.kind {
            SyncKind::Contents => {
                let f = mb
                    .folder(self.folder)
                    .ok_or(DownloadError::NoSuchFolder(self.folder))?;
                // given IDs missing from the replica; an ID sent as a
                // change in this download is not reported (I8).
                let deleted = given.difference(f.live_mids()).difference(&self.changed);
                let mut nlis = ReplIdSet::new();
                if let (true, Some(r)) = (
                    self.opts.reports_no_longer_in_scope(),
                    &self.opts.restriction,
                ) {
                    for (rep, g) in given
                        .intersection(f.live_mids())
                        .difference(&self.changed)
                        .iter()
                    {
                        if f.message((rep, g)).is_some_and(|m| !r.matches(m)) {
                            nlis.insert(rep, g);
                        }
                    }
                }
                (deleted, nlis)
            }
            SyncKind::Hierarchy => {
                let mut live = ReplIdSet::new();
                for d in mb.descendants(self.folder) {
                    live.insert(d.0.replid, d.0.globcnt);
                }
                (
                    given.difference(&live).difference(&self.changed),
                    ReplIdSet::new(),
                )
            }
        };
        let (deleted, expired) = if self.opts.expired {
            super::expired::split_expired(mb, self.folder, deleted)
        } else {
            (deleted, ReplIdSet::new())
        };
        self.all_deleted = deleted.union(&nlis).union(&expired);
        if self.all_deleted.is_empty() {
            return Ok(None);
        }
        Ok(Some(Element::Deletions {
            deleted,
            no_longer_in_scope: nlis,
            expired,
        }))
    }

    fn read_changes(&mut self, mb: &Mailbox) -> Result<Option<Element>, DownloadError> {
        let f = mb
            .folder(self.folder)
            .ok_or(DownloadError::NoSuchFolder(self.folder))?;
        let read_seen = SyncState::local(&self.initial.cnset_read);
        let (lo, hi) = (GlobCnt::new(1).expect("1 fits"), mb.last_cn());
        let (mut read, mut unread, mut cns) = (ReplIdSet::new(), ReplIdSet::new(), GlobSet::new());
        if hi >= lo {
            for (a, b) in gaps(&read_seen, lo, hi) {
                for (rcn, k) in f.read_changes_in(a, b) {
                    let Some(m) = f.message(k) else { continue };
                    // R-166 / I6 / I10 / I11.
                    if m.fai
                        || self.read_add.contains(rcn)
                        || !self.initial.idset_given.contains(k.0, k.1)
                        || self.changed.contains(k.0, k.1)
                        || self.all_deleted.contains(k.0, k.1)
                        || self
                            .opts
                            .restriction
                            .as_ref()
                            .is_some_and(|r| !r.matches(m))
                    {
                        if !self.read_add.contains(rcn) {
                            self.read_skipped.insert(rcn);
                        }
                        continue;
                    }
                    if m.read {
                        read.insert(k.0, k.1);
                    } else {
                        unread.insert(k.0, k.1);
                    }
                    cns.insert(rcn);
                }
            }
        }
        if read.is_empty() && unread.is_empty() {
            return Ok(None);
        }
        self.read_add = self.read_add.union(&cns);
        Ok(Some(Element::ReadStateChanges {
            read,
            unread,
            read_cns: cns,
        }))
    }

    /// The state after what was sent so far; after the last
    /// element this is the final state.
    pub fn final_state(&self) -> SyncState {
        let add = |base: &ReplIdSet, extra: &GlobSet| {
            let mut out = base.clone();
            for (a, b) in extra.ranges() {
                out.insert_range(LOCAL_REPLID, a, b);
            }
            out
        };
        let mut st = SyncState {
            idset_given: self
                .initial
                .idset_given
                .union(&self.changed)
                .difference(&self.all_deleted),
            cnset_seen: add(&self.initial.cnset_seen, &self.seen_add),
            cnset_seen_fai: add(&self.initial.cnset_seen_fai, &self.seen_fai_add),
            cnset_read: add(&self.initial.cnset_read, &self.read_add),
        };
        if self.pos >= self.queue.len() && self.phase == Phase::Done {
            let collapse = |set: &mut ReplIdSet, except: &GlobSet| {
                let mut extra = GlobSet::from_range(GlobCnt::new(1).expect("1 fits"), self.hi);
                extra = extra.difference(except);
                set.insert_globset(LOCAL_REPLID, &extra);
            };
            match self.opts.kind {
                SyncKind::Contents => {
                    if self.opts.normal && self.opts.fai {
                        collapse(&mut st.cnset_seen, &self.unsent);
                        collapse(&mut st.cnset_seen_fai, &self.unsent);
                    }
                    if self.opts.read_state && self.read_done {
                        collapse(&mut st.cnset_read, &self.read_skipped);
                    }
                }
                SyncKind::Hierarchy => collapse(&mut st.cnset_seen, &self.unsent),
            }
        }
        if self.opts.kind == SyncKind::Hierarchy {
            st.cnset_seen_fai = ReplIdSet::new();
            st.cnset_read = ReplIdSet::new();
        }
        st
    }

    /// Runs the download to the end and returns every element.
    pub fn collect(mut self, mb: &Mailbox) -> Result<Vec<Element>, DownloadError> {
        let mut out = Vec::new();
        while let Some(e) = self.next(mb)? {
            out.push(e);
        }
        Ok(out)
    }
}
