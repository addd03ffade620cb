//! Chunk-by-chunk grammar for ICS download streams: [`SyncReader`] takes
//! GetBuffer portions of a `contentsSync` or `hierarchySync` and returns each
//! top-level item (progressTotal, a message change or errorInfo, a folder
//! change, deletions, readStateChanges, state, end) as soon as the element
//! that follows it has arrived, so a client can apply changes while the
//! download goes on ([MS-OXCFXICS] 3.3.5.9.1: clients SHOULD decode
//! incrementally).
//!
//! Top-level items are delimited by markers that never occur inside one
//! (spec digest §5): IncrSyncChg, IncrSyncProgressPerMsg, IncrSyncGroupInfo,
//! MetaTagIncrSyncGroupId, IncrSyncChgPartial (each unless it continues the
//! prefix of the same change), FXErrorInfo, IncrSyncDel, IncrSyncRead,
//! IncrSyncStateBegin, IncrSyncEnd. Each item is parsed with the same rules
//! as [`crate::ftstream::parse()`]; the items assemble into the same tree.

use crate::ftstream::element::{Element, ElementKind};
use crate::ftstream::grammar::*;
use crate::ftstream::markers::{Marker, MetaProp};
use crate::ftstream::parse::{ParseError, Segment, parse_segment};
use crate::ftstream::stream::{FeedError, StreamParser};

/// One top-level item of a sync stream.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum SyncItem {
    /// `progressTotal` (contentsSync).
    ProgressTotal(ProgressTotal),
    /// A message change or an errorInfo (contentsSync).
    Change(ContentsSyncItem),
    /// A `folderChange` (hierarchySync).
    FolderChange(FolderChange),
    /// `deletions`.
    Deletions(Deletions),
    /// `readStateChanges` (contentsSync).
    ReadStateChanges(ReadStateChanges),
    /// The final `state`.
    State(State),
    /// IncrSyncEnd: the stream is complete.
    End,
}

/// An error of the incremental reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// Lexical level (includes a stream ending inside an element).
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// Grammar level.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// Only contentsSync and hierarchySync are read incrementally.
    #[error("{0:?} is not an ICS download root")]
    NotSync(RootKind),
}

/// Where in the root's grammar the reader is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Start,
    Changes,
    Deletions,
    ReadState,
    State,
    End,
}

/// Incremental reader of a contentsSync / hierarchySync stream.
#[derive(Debug)]
pub struct SyncReader {
    root: RootKind,
    lexer: StreamParser,
    pending: Vec<Element>,
    phase: Phase,
    index: usize,
    failed: bool,
}

impl SyncReader {
    /// A reader for `root` (ContentsSync or HierarchySync).
    pub fn new(root: RootKind) -> Result<Self, SyncError> {
        if !matches!(root, RootKind::ContentsSync | RootKind::HierarchySync) {
            return Err(SyncError::NotSync(root));
        }
        Ok(SyncReader {
            root,
            lexer: StreamParser::new(),
            pending: Vec::new(),
            phase: Phase::Start,
            index: 0,
            failed: false,
        })
    }

    /// Uses a configured lexer (strict splits, value limit).
    pub fn with_lexer(mut self, lexer: StreamParser) -> Self {
        self.lexer = lexer;
        self
    }

    /// The streaming lexer (e.g. for its split violations).
    pub fn lexer(&self) -> &StreamParser {
        &self.lexer
    }

    /// Feeds the next portion; returns the items it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SyncItem>, SyncError> {
        if self.failed {
            return Err(FeedError::Closed.into());
        }
        let elements = match self.lexer.feed(chunk) {
            Ok(e) => e,
            Err(e) => {
                self.failed = true;
                return Err(e.into());
            }
        };
        let mut out = Vec::new();
        for e in elements {
            if let Err(err) = self.element(e, &mut out) {
                self.failed = true;
                return Err(err);
            }
        }
        Ok(out)
    }

    /// Ends the stream: everything must be complete, up to IncrSyncEnd.
    pub fn finish(&mut self) -> Result<(), SyncError> {
        if self.failed {
            return Err(FeedError::Closed.into());
        }
        self.failed = true;
        self.lexer.finish()?;
        if self.phase == Phase::End {
            return Ok(());
        }
        // Let the segment parser report what is missing, as `parse` would.
        let end = self.lexer.offset();
        let mut out = Vec::new();
        self.flush(None, end, &mut out)?;
        Err(self
            .error(end, "marker IncrSyncEnd", "end of stream".into())
            .into())
    }

    fn error(&self, offset: usize, expected: &str, found: String) -> ParseError {
        ParseError::Grammar {
            offset,
            path: self.root.name().into(),
            expected: expected.into(),
            found,
        }
    }

    fn element(&mut self, e: Element, out: &mut Vec<SyncItem>) -> Result<(), SyncError> {
        if self.phase == Phase::End {
            return Err(self.error(e.offset, "end of stream", describe(&e)).into());
        }
        if self.starts_item(&e) && !self.pending.is_empty() {
            let end = e.offset;
            self.flush(Some(&e), end, out)?;
        }
        if e.marker() == Some(Marker::IncrSyncEnd) {
            if self.phase < Phase::State {
                return Err(self
                    .error(e.offset, "marker IncrSyncStateBegin", describe(&e))
                    .into());
            }
            self.phase = Phase::End;
            out.push(SyncItem::End);
            return Ok(());
        }
        self.pending.push(e);
        Ok(())
    }

    /// Does `e` begin a new top-level item, given what is pending?
    fn starts_item(&self, e: &Element) -> bool {
        let contents = self.root == RootKind::ContentsSync;
        let is_group_id =
            |x: &Element| x.prop().and_then(|p| p.meta()) == Some(MetaProp::IncrSyncGroupId);
        let change_started = self.pending.iter().any(|p| {
            matches!(
                p.marker(),
                Some(Marker::IncrSyncChg | Marker::IncrSyncChgPartial)
            )
        });
        // Pending holds only the beginning of a change (progressPerMessage,
        // groupInfo, group id): the element may continue it.
        let prefix_of_change = contents
            && !change_started
            && self.pending.first().is_some_and(|p| {
                matches!(
                    p.marker(),
                    Some(Marker::IncrSyncProgressPerMsg | Marker::IncrSyncGroupInfo)
                ) || is_group_id(p)
            });
        let has_group_info = self
            .pending
            .iter()
            .any(|p| p.marker() == Some(Marker::IncrSyncGroupInfo));
        let has_group_id = self.pending.iter().any(is_group_id);
        match &e.kind {
            ElementKind::Marker(m) => match m {
                Marker::IncrSyncChg | Marker::IncrSyncChgPartial => !prefix_of_change,
                Marker::IncrSyncGroupInfo => !prefix_of_change || has_group_info || has_group_id,
                Marker::IncrSyncProgressMode
                | Marker::IncrSyncProgressPerMsg
                | Marker::FXErrorInfo
                | Marker::IncrSyncDel
                | Marker::IncrSyncRead
                | Marker::IncrSyncStateBegin
                | Marker::IncrSyncEnd => true,
                _ => false,
            },
            ElementKind::Prop(_) => {
                contents && is_group_id(e) && (!prefix_of_change || has_group_id)
            }
        }
    }

    /// Parses the pending elements as one item.
    fn flush(
        &mut self,
        next: Option<&Element>,
        end: usize,
        out: &mut Vec<SyncItem>,
    ) -> Result<(), SyncError> {
        let elements = std::mem::take(&mut self.pending);
        let Some(first) = elements.first() else {
            return Ok(());
        };
        let contents = self.root == RootKind::ContentsSync;
        let (seg, phase) = match first.marker() {
            Some(Marker::IncrSyncProgressMode) if contents => {
                (Segment::ProgressTotal, Phase::Start)
            }
            Some(Marker::IncrSyncChg) if !contents => {
                (Segment::FolderChange(self.index), Phase::Changes)
            }
            Some(Marker::IncrSyncDel) => (Segment::Deletions, Phase::Deletions),
            Some(Marker::IncrSyncRead) if contents => (Segment::ReadStateChanges, Phase::ReadState),
            Some(Marker::IncrSyncStateBegin) => (Segment::State, Phase::State),
            _ if contents => (Segment::Change(self.index), Phase::Changes),
            _ => (Segment::State, Phase::State),
        };
        // Order of the root's parts (§5): each phase at most once, in order;
        // changes repeat.
        let repeat = phase == Phase::Changes && self.phase == Phase::Changes;
        let first_item = phase == Phase::Start && self.phase == Phase::Start && self.index == 0;
        if !(repeat || first_item || phase > self.phase) {
            return Err(self
                .error(
                    first.offset,
                    "the parts of the root in grammar order",
                    describe(first),
                )
                .into());
        }
        if let Some(item) = parse_segment(self.root, seg, elements, next, end)? {
            out.push(item);
        }
        if phase == Phase::Changes {
            self.index += 1;
        }
        // After progressTotal only changes and later parts may come.
        self.phase = if phase == Phase::Start {
            Phase::Changes
        } else {
            phase
        };
        Ok(())
    }
}

fn describe(e: &Element) -> String {
    match &e.kind {
        ElementKind::Marker(m) => format!("marker {}", m.name()),
        ElementKind::Prop(p) => format!("property {}", p.tag),
    }
}

/// Assembles items read by a [`SyncReader`] into the tree [`crate::ftstream::parse()`] gives.
pub fn assemble(root: RootKind, items: Vec<SyncItem>) -> Option<Root> {
    let mut progress_total = None;
    let mut changes = Vec::new();
    let mut folder_changes = Vec::new();
    let mut deletions = None;
    let mut read_state_changes = None;
    let mut state = None;
    for item in items {
        match item {
            SyncItem::ProgressTotal(p) => progress_total = Some(p),
            SyncItem::Change(c) => changes.push(c),
            SyncItem::FolderChange(f) => folder_changes.push(f),
            SyncItem::Deletions(d) => deletions = Some(d),
            SyncItem::ReadStateChanges(r) => read_state_changes = Some(r),
            SyncItem::State(s) => state = Some(s),
            SyncItem::End => {}
        }
    }
    let state = state?;
    Some(match root {
        RootKind::ContentsSync => Root::ContentsSync(ContentsSync {
            progress_total,
            changes,
            deletions,
            read_state_changes,
            state,
        }),
        _ => Root::HierarchySync(HierarchySync {
            folder_changes,
            deletions,
            state,
        }),
    })
}
