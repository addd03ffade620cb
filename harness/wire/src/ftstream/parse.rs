//! Syntactic parser: elements -> typed tree ([MS-OXCFXICS] 2.2.4.2, element
//! rules 2.2.4.3.x; spec digest §5, §6).
//!
//! Recursive descent with one element of lookahead. A propList ends at the
//! first marker or meta-property (§5.1). `errorInfo` is accepted wherever a
//! marker may come: the parser unwinds to the nearest `contentsSync` change
//! loop or `messageList` and records it there (2.2.4.3.4, §11.2); elsewhere it
//! is a grammar error. An errorInfo where the enclosing element could
//! already be complete ends that element (it is kept); one where a required
//! element is missing discards the unfinished element. Required-property
//! rules stated with MUST are errors.

use std::fmt;

use thiserror::Error;

use crate::ftstream::element::{Element, ElementKind, FtProp};
use crate::ftstream::grammar::*;
use crate::ftstream::lexer::{Lexer, StreamError};
use crate::ftstream::markers::{Marker, MetaProp, ics_tags::*};
use crate::prop::tags::*;
use crate::prop::{PropTag, PropValue};

/// Why parsing stopped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The bytes do not lex (or end inside an element).
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The elements do not follow the grammar or an element rule.
    #[error("offset {offset}: {path}: expected {expected}, found {found}")]
    Grammar {
        /// Offset of the offending element (stream length at end of stream).
        offset: usize,
        /// Element path, e.g. `contentsSync/messageChangeFull[0]/messageChangeHeader`.
        path: String,
        /// What the grammar or rule wanted.
        expected: String,
        /// What was there.
        found: String,
    },
}

impl ParseError {
    /// The offset the error refers to.
    pub fn offset(&self) -> usize {
        match self {
            ParseError::Stream(e) => e.offset(),
            ParseError::Grammar { offset, .. } => *offset,
        }
    }
}

/// Parses a whole stream held in memory as root `kind`.
pub fn parse(kind: RootKind, bytes: &[u8]) -> Result<Root, ParseError> {
    run(
        kind,
        InMemory {
            lexer: Lexer::new(bytes),
            bytes,
        },
        bytes.len(),
    )
}

/// Parses already-lexed elements (e.g. from a [`crate::ftstream::StreamParser`]);
/// `end` is the stream length, used as the offset of "end of stream".
pub fn parse_elements(
    kind: RootKind,
    elements: impl IntoIterator<Item = Element>,
    end: usize,
) -> Result<Root, ParseError> {
    parse_iter(kind, elements.into_iter().map(Ok), end)
}

/// Parses from any source of elements.
pub fn parse_iter<I>(kind: RootKind, it: I, end: usize) -> Result<Root, ParseError>
where
    I: Iterator<Item = Result<Element, StreamError>>,
{
    run(kind, Elements(it), end)
}

/// Where the parser gets its elements from.
trait Source {
    /// The next element (as an iterator's `next`).
    fn next_element(&mut self) -> Option<Result<Element, StreamError>>;

    /// Appends the ordinary properties that follow directly, as far as a
    /// fast path recognises them (each with its offset); the rest goes
    /// through [`Self::next_element`]. The default recognises none.
    fn plain_props(&mut self, _offsets: &mut Vec<usize>, _props: &mut Vec<FtProp>) {}
}

/// Any iterator of owned elements.
struct Elements<I>(I);

impl<I: Iterator<Item = Result<Element, StreamError>>> Source for Elements<I> {
    fn next_element(&mut self) -> Option<Result<Element, StreamError>> {
        self.0.next()
    }
}

/// A whole stream in memory: the lexer, plus a fast path that builds
/// ordinary tagged properties straight from the bytes (no borrowed element
/// in between, see [`crate::ftstream::lexer::lex_plain_prop`]).
struct InMemory<'a> {
    lexer: Lexer<'a>,
    bytes: &'a [u8],
}

impl Source for InMemory<'_> {
    fn next_element(&mut self) -> Option<Result<Element, StreamError>> {
        self.lexer.next().map(|r| r.map(|e| e.to_owned()))
    }

    fn plain_props(&mut self, offsets: &mut Vec<usize>, props: &mut Vec<FtProp>) {
        if self.lexer.failed() {
            return;
        }
        let mut pos = self.lexer.offset();
        while let Some((p, used)) = self
            .bytes
            .get(pos..)
            .and_then(crate::ftstream::lexer::lex_plain_prop)
        {
            offsets.push(pos);
            props.push(p);
            pos += used;
        }
        self.lexer.seek(pos);
    }
}

fn run<S: Source>(kind: RootKind, it: S, end: usize) -> Result<Root, ParseError> {
    let mut p = Parser {
        it,
        peeked: None,
        end,
        path: Vec::new(),
        offsets: Vec::new(),
        scratch: Vec::new(),
    };
    let root = match p.root(kind) {
        Ok(r) => r,
        Err(Fail::Err(e)) => return Err(e),
        Err(Fail::Unwind) => {
            let off = p.peek_offset();
            return Err(p.error_at(
                off,
                "an element (errorInfo is only recoverable inside a contentsSync change loop or a messageList)",
                "FXErrorInfo".into(),
            ));
        }
    };
    match p.tok()? {
        Tok::End => Ok(root),
        t => {
            let off = p.peek_offset();
            Err(p.error_at(off, "end of stream", t.to_string()))
        }
    }
}

/// Guesses the root of a stream from its elements (for tools; the ROP that
/// produced a stream is the real authority, 2.2.4.4).
pub fn guess_root(elements: &[Element]) -> RootKind {
    let markers = || elements.iter().filter_map(Element::marker);
    let first = elements.first().map(|e| &e.kind);
    let has = |m: Marker| markers().any(|x| x == m);
    match first {
        Some(ElementKind::Marker(Marker::StartTopFld)) => return RootKind::TopFolder,
        Some(ElementKind::Marker(Marker::StartMessage | Marker::StartFAIMsg)) => {
            return RootKind::MessageList;
        }
        Some(ElementKind::Marker(Marker::IncrSyncStateBegin)) if !has(Marker::IncrSyncEnd) => {
            return RootKind::State;
        }
        Some(ElementKind::Prop(p)) if p.meta() == Some(MetaProp::DnPrefix) => {
            if let Some(ElementKind::Marker(Marker::StartTopFld)) = elements.get(1).map(|e| &e.kind)
            {
                return RootKind::TopFolder;
            }
        }
        _ => {}
    }
    if has(Marker::IncrSyncEnd) {
        let contents_only = [
            Marker::IncrSyncMessage,
            Marker::IncrSyncChgPartial,
            Marker::IncrSyncProgressMode,
            Marker::IncrSyncRead,
            Marker::IncrSyncGroupInfo,
        ];
        let state_contents = elements
            .iter()
            .filter_map(Element::prop)
            .any(|p| p.tag == META_TAG_CNSET_SEEN_FAI || p.tag == META_TAG_CNSET_READ);
        return if markers().any(|m| contents_only.contains(&m)) || state_contents {
            RootKind::ContentsSync
        } else {
            RootKind::HierarchySync
        };
    }
    if elements.iter().filter_map(Element::prop).any(|p| {
        matches!(p.meta(), Some(MetaProp::NewFXFolder))
            || (p.meta() == Some(MetaProp::FXDelProp)
                && matches!(
                    p.as_u32().map(PropTag),
                    Some(
                        PID_TAG_CONTAINER_CONTENTS
                            | PID_TAG_FOLDER_ASSOCIATED_CONTENTS
                            | PID_TAG_CONTAINER_HIERARCHY
                    )
                ))
    }) {
        return RootKind::FolderContent;
    }
    if has(Marker::StartMessage) || has(Marker::StartFAIMsg) {
        return RootKind::MessageList;
    }
    RootKind::MessageContent
}

/// Internal failure: a real error, or an errorInfo to unwind to a recovery point.
enum Fail {
    Err(ParseError),
    Unwind,
}

impl From<ParseError> for Fail {
    fn from(e: ParseError) -> Self {
        Fail::Err(e)
    }
}

type R<T> = Result<T, Fail>;

/// A one-element summary used for dispatch.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    Marker(Marker),
    Meta(MetaProp),
    Prop(PropTag),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Marker(m) => write!(f, "marker {}", m.name()),
            Tok::Meta(m) => write!(f, "{} ({})", m.name(), m.tag()),
            Tok::Prop(t) => match crate::ftstream::markers::tag_name(*t) {
                Some(n) => write!(f, "property {t} ({n})"),
                None => write!(f, "property {t}"),
            },
            Tok::End => f.write_str("end of stream"),
        }
    }
}

/// A path segment: rule name and optional index.
type Seg = (&'static str, Option<usize>);

struct Parser<S> {
    it: S,
    peeked: Option<Element>,
    end: usize,
    path: Vec<Seg>,
    /// Offsets of the properties of the last propList read.
    offsets: Vec<usize>,
    /// Scratch space for the propList being read.
    scratch: Vec<FtProp>,
}

impl<S: Source> Parser<S> {
    // ------------------------------------------------------------ plumbing

    fn fill(&mut self) -> Result<(), ParseError> {
        if self.peeked.is_none() {
            match self.it.next_element() {
                Some(Ok(e)) => self.peeked = Some(e),
                Some(Err(e)) => return Err(e.into()),
                None => {}
            }
        }
        Ok(())
    }

    /// The next token, FXErrorInfo included.
    fn tok(&mut self) -> Result<Tok, ParseError> {
        self.fill()?;
        Ok(match &self.peeked {
            None => Tok::End,
            Some(e) => match &e.kind {
                ElementKind::Marker(m) => Tok::Marker(*m),
                ElementKind::Prop(p) => match p.meta() {
                    Some(m) => Tok::Meta(m),
                    None => Tok::Prop(p.tag),
                },
            },
        })
    }

    /// The next token. FXErrorInfo matches no rule, so an optional part or a
    /// loop simply ends before it; only a *required* element that finds it
    /// unwinds (see [`Self::unexpected`]).
    fn look(&mut self) -> R<Tok> {
        Ok(self.tok()?)
    }

    fn peek_offset(&self) -> usize {
        self.peeked.as_ref().map_or(self.end, |e| e.offset)
    }

    fn take(&mut self) -> Element {
        self.peeked.take().expect("take after a successful look")
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, (name, idx)) in self.path.iter().enumerate() {
            if i > 0 {
                s.push('/');
            }
            s.push_str(name);
            if let Some(n) = idx {
                s.push_str(&format!("[{n}]"));
            }
        }
        s
    }

    fn error_at(&self, offset: usize, expected: impl Into<String>, found: String) -> ParseError {
        ParseError::Grammar {
            offset,
            path: self.path_string(),
            expected: expected.into(),
            found,
        }
    }

    /// A required element is missing: unwind if an errorInfo stands there
    /// (RecoverMode), else a grammar error.
    fn unexpected<T>(&mut self, expected: &str) -> R<T> {
        let t = self.look()?;
        if t == Tok::Marker(Marker::FXErrorInfo) {
            return Err(Fail::Unwind);
        }
        let off = self.peek_offset();
        Err(self.error_at(off, expected, t.to_string()).into())
    }

    fn expect_marker(&mut self, m: Marker) -> R<()> {
        if self.look()? == Tok::Marker(m) {
            self.take();
            Ok(())
        } else {
            self.unexpected(&format!("marker {}", m.name()))
        }
    }

    fn enter(&mut self, name: &'static str, idx: Option<usize>) {
        self.path.push((name, idx));
    }

    fn leave(&mut self) {
        self.path.pop();
    }

    /// `propList = *propValue`, ending at any marker or meta-property. The
    /// properties gather in a reused scratch vector, so each list is
    /// allocated once at its exact size.
    fn prop_list(&mut self) -> R<PropList> {
        self.offsets.clear();
        self.scratch.clear();
        loop {
            if self.peeked.is_none() {
                self.it.plain_props(&mut self.offsets, &mut self.scratch);
            }
            let Tok::Prop(_) = self.tok()? else { break };
            let e = self.take();
            self.offsets.push(e.offset);
            if let ElementKind::Prop(p) = e.kind {
                self.scratch.push(p);
            }
        }
        let mut props = Vec::with_capacity(self.scratch.len());
        props.append(&mut self.scratch);
        Ok(props)
    }

    /// Offset of property `i` of the last propList (or of the next token).
    fn prop_offset(&self, i: usize) -> usize {
        self.offsets
            .get(i)
            .copied()
            .unwrap_or_else(|| self.peek_offset())
    }

    fn prop_err<T>(&self, props: &[FtProp], i: usize, expected: &str) -> R<T> {
        let found = match props.get(i) {
            Some(p) => Tok::Prop(p.tag).to_string(),
            None => "the end of the propList".to_string(),
        };
        Err(self.error_at(self.prop_offset(i), expected, found).into())
    }

    /// Takes a meta-property's u32 value.
    fn meta_u32(&mut self) -> u32 {
        self.take().prop().and_then(FtProp::as_u32).unwrap_or(0)
    }

    /// Takes a meta-property's byte value (String8 or binary).
    fn meta_bytes(&mut self) -> Vec<u8> {
        match self.take().kind {
            ElementKind::Prop(FtProp {
                value: PropValue::String8(b) | PropValue::Binary(b),
                ..
            }) => b,
            _ => Vec::new(),
        }
    }

    /// The u32 value of the next element if it is that meta-property.
    fn peek_meta_u32(&mut self, m: MetaProp) -> R<Option<u32>> {
        if self.look()? == Tok::Meta(m) {
            Ok(self
                .peeked
                .as_ref()
                .and_then(Element::prop)
                .and_then(FtProp::as_u32))
        } else {
            Ok(None)
        }
    }

    // ------------------------------------------------------------ rule checks

    /// Exactly the given tags, in order.
    fn check_exact(&self, props: &[FtProp], tags: &[PropTag], what: &str) -> R<()> {
        for (i, t) in tags.iter().enumerate() {
            if props.get(i).map(|p| p.tag) != Some(*t) {
                return self.prop_err(props, i, &format!("{what}: {t} at position {}", i + 1));
            }
        }
        if props.len() > tags.len() {
            return self.prop_err(props, tags.len(), &format!("{what}: no further property"));
        }
        Ok(())
    }

    /// Only tags from `allowed`; at least one if `nonempty`.
    fn check_allowed(
        &self,
        props: &[FtProp],
        allowed: &[PropTag],
        nonempty: bool,
        what: &str,
    ) -> R<()> {
        if nonempty && props.is_empty() {
            return self.prop_err(
                props,
                0,
                &format!("{what}: at least one of {}", list(allowed)),
            );
        }
        for (i, p) in props.iter().enumerate() {
            if !allowed.contains(&p.tag) {
                return self.prop_err(props, i, &format!("{what}: only {}", list(allowed)));
            }
        }
        Ok(())
    }

    /// messageChangeHeader (2.2.4.3.14).
    fn check_header(&self, props: &[FtProp]) -> R<()> {
        let fixed = [
            PID_TAG_SOURCE_KEY,
            PID_TAG_LAST_MODIFICATION_TIME,
            PID_TAG_CHANGE_KEY,
            PID_TAG_PREDECESSOR_CHANGE_LIST,
            PID_TAG_ASSOCIATED,
        ];
        for (i, t) in fixed.iter().enumerate() {
            if props.get(i).map(|p| p.tag) != Some(*t) {
                return self.prop_err(
                    props,
                    i,
                    &format!("messageChangeHeader: {t} at position {}", i + 1),
                );
            }
        }
        let optional = [PID_TAG_MID, PID_TAG_MESSAGE_SIZE, PID_TAG_CHANGE_NUMBER];
        for (i, p) in props.iter().enumerate().skip(fixed.len()) {
            if !optional.contains(&p.tag) {
                return self.prop_err(props, i, "messageChangeHeader: only PidTagMid, PidTagMessageSize or PidTagChangeNumber after position 5");
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------ roots

    fn root(&mut self, kind: RootKind) -> R<Root> {
        self.enter(kind.name(), None);
        let r = match kind {
            RootKind::ContentsSync => Root::ContentsSync(self.contents_sync()?),
            RootKind::HierarchySync => Root::HierarchySync(self.hierarchy_sync()?),
            RootKind::State => Root::State(self.state(false)?),
            RootKind::FolderContent => Root::FolderContent(self.folder_content(false)?),
            RootKind::MessageContent => Root::MessageContent(self.message_content()?),
            RootKind::AttachmentContent => Root::AttachmentContent(self.attachment_content()?),
            RootKind::MessageList => Root::MessageList(self.message_list()?),
            RootKind::TopFolder => Root::TopFolder(self.top_folder()?),
        };
        self.leave();
        Ok(r)
    }

    fn contents_sync(&mut self) -> R<ContentsSync> {
        let progress_total = if self.tok()? == Tok::Marker(Marker::IncrSyncProgressMode) {
            Some(self.progress_total()?)
        } else {
            None
        };
        let mut changes = Vec::new();
        let depth = self.path.len();
        loop {
            let i = changes.len();
            match self.tok()? {
                Tok::Marker(Marker::FXErrorInfo) => {
                    self.enter("errorInfo", Some(i));
                    let e = self.error_info()?;
                    self.leave();
                    changes.push(ContentsSyncItem::Error(e));
                }
                Tok::Marker(
                    Marker::IncrSyncProgressPerMsg
                    | Marker::IncrSyncChg
                    | Marker::IncrSyncGroupInfo
                    | Marker::IncrSyncChgPartial,
                )
                | Tok::Meta(MetaProp::IncrSyncGroupId) => match self.change_item(i) {
                    Ok(item) => changes.push(item),
                    Err(Fail::Unwind) => self.path.truncate(depth),
                    Err(e) => return Err(e),
                },
                _ => break,
            }
        }
        let deletions = self.deletions(false)?;
        let read_state_changes = if self.look()? == Tok::Marker(Marker::IncrSyncRead) {
            Some(self.read_state_changes()?)
        } else {
            None
        };
        let state = self.state(false)?;
        self.expect_marker(Marker::IncrSyncEnd)?;
        Ok(ContentsSync {
            progress_total,
            changes,
            deletions,
            read_state_changes,
            state,
        })
    }

    fn progress_total(&mut self) -> R<ProgressTotal> {
        self.expect_marker(Marker::IncrSyncProgressMode)?;
        self.enter("progressTotal", None);
        let props = self.prop_list()?;
        self.check_exact(&props, &[UNTAGGED_BINARY], "progressTotal")?;
        self.leave();
        Ok(ProgressTotal { props })
    }

    fn read_state_changes(&mut self) -> R<ReadStateChanges> {
        self.expect_marker(Marker::IncrSyncRead)?;
        self.enter("readStateChanges", None);
        let props = self.prop_list()?;
        self.check_allowed(
            &props,
            &[META_TAG_IDSET_READ, META_TAG_IDSET_UNREAD],
            true,
            "readStateChanges",
        )?;
        self.leave();
        Ok(ReadStateChanges { props })
    }

    fn change_item(&mut self, i: usize) -> R<ContentsSyncItem> {
        let progress = if self.look()? == Tok::Marker(Marker::IncrSyncProgressPerMsg) {
            self.take();
            self.enter("progressPerMessage", Some(i));
            let props = self.prop_list()?;
            self.check_exact(
                &props,
                &[UNTAGGED_INTEGER32, UNTAGGED_BOOLEAN],
                "progressPerMessage",
            )?;
            self.leave();
            Some(ProgressPerMessage { props })
        } else {
            None
        };
        let change = match self.look()? {
            Tok::Marker(Marker::IncrSyncChg) => {
                self.enter("messageChangeFull", Some(i));
                let c = self.message_change_full()?;
                self.leave();
                MessageChange::Full(c)
            }
            Tok::Marker(Marker::IncrSyncGroupInfo | Marker::IncrSyncChgPartial)
            | Tok::Meta(MetaProp::IncrSyncGroupId) => {
                self.enter("messageChangePartial", Some(i));
                let c = self.message_change_partial()?;
                self.leave();
                MessageChange::Partial(c)
            }
            _ => return self.unexpected("messageChange (IncrSyncChg or IncrSyncGroupInfo)"),
        };
        Ok(ContentsSyncItem::Change { progress, change })
    }

    fn message_change_full(&mut self) -> R<MessageChangeFull> {
        self.expect_marker(Marker::IncrSyncChg)?;
        self.enter("messageChangeHeader", None);
        let header = self.prop_list()?;
        self.check_header(&header)?;
        self.leave();
        self.expect_marker(Marker::IncrSyncMessage)?;
        let props = self.prop_list()?;
        let children = self.message_children()?;
        Ok(MessageChangeFull {
            header,
            props,
            children,
        })
    }

    fn message_change_partial(&mut self) -> R<MessageChangePartial> {
        let group_info = if self.look()? == Tok::Marker(Marker::IncrSyncGroupInfo) {
            self.take();
            self.enter("groupInfo", None);
            let props = self.prop_list()?;
            self.check_exact(&props, &[UNTAGGED_BINARY], "groupInfo")?;
            self.leave();
            Some(GroupInfo { props })
        } else {
            None
        };
        let group_id = match self.peek_meta_u32(MetaProp::IncrSyncGroupId)? {
            Some(v) => {
                self.take();
                Some(v)
            }
            None => None,
        };
        self.expect_marker(Marker::IncrSyncChgPartial)?;
        self.enter("messageChangeHeader", None);
        let header = self.prop_list()?;
        self.check_header(&header)?;
        self.leave();
        let mut groups = Vec::new();
        while let Some(index) = self.peek_meta_u32(MetaProp::IncrementalSyncMessagePartial)? {
            self.take();
            let props = self.prop_list()?;
            groups.push(PartialGroup { index, props });
        }
        let children = self.message_children()?;
        Ok(MessageChangePartial {
            group_info,
            group_id,
            header,
            groups,
            children,
        })
    }

    fn error_info(&mut self) -> R<ErrorInfo> {
        if self.tok()? != Tok::Marker(Marker::FXErrorInfo) {
            return self.unexpected("marker FXErrorInfo");
        }
        self.take();
        let props = self.prop_list()?;
        self.check_exact(&props, &[UNTAGGED_BINARY], "errorInfo")?;
        Ok(ErrorInfo { props })
    }

    fn deletions(&mut self, hierarchy: bool) -> R<Option<Deletions>> {
        if self.look()? != Tok::Marker(Marker::IncrSyncDel) {
            return Ok(None);
        }
        self.take();
        self.enter("deletions", None);
        let props = self.prop_list()?;
        let allowed: &[PropTag] = if hierarchy {
            &[META_TAG_IDSET_DELETED]
        } else {
            &[
                META_TAG_IDSET_DELETED,
                META_TAG_IDSET_NO_LONGER_IN_SCOPE,
                META_TAG_IDSET_EXPIRED,
            ]
        };
        self.check_allowed(&props, allowed, true, "deletions")?;
        self.leave();
        Ok(Some(Deletions { props }))
    }

    fn state(&mut self, hierarchy: bool) -> R<State> {
        self.enter("state", None);
        self.expect_marker(Marker::IncrSyncStateBegin)?;
        let props = self.prop_list()?;
        let allowed: &[PropTag] = if hierarchy {
            &[
                META_TAG_IDSET_GIVEN,
                META_TAG_IDSET_GIVEN_BINARY,
                META_TAG_CNSET_SEEN,
            ]
        } else {
            &[
                META_TAG_IDSET_GIVEN,
                META_TAG_IDSET_GIVEN_BINARY,
                META_TAG_CNSET_SEEN,
                META_TAG_CNSET_SEEN_FAI,
                META_TAG_CNSET_READ,
            ]
        };
        self.check_allowed(&props, allowed, false, "state")?;
        self.expect_marker(Marker::IncrSyncStateEnd)?;
        self.leave();
        Ok(State { props })
    }

    fn folder_change(&mut self, i: usize) -> R<FolderChange> {
        self.expect_marker(Marker::IncrSyncChg)?;
        self.enter("folderChange", Some(i));
        let props = self.prop_list()?;
        let required = [
            PID_TAG_PARENT_SOURCE_KEY,
            PID_TAG_SOURCE_KEY,
            PID_TAG_LAST_MODIFICATION_TIME,
            PID_TAG_CHANGE_KEY,
            PID_TAG_PREDECESSOR_CHANGE_LIST,
            PID_TAG_DISPLAY_NAME,
        ];
        for t in required {
            let present = props.iter().any(|p| {
                p.tag == t
                    || (t == PID_TAG_DISPLAY_NAME
                        && p.tag == t.with_type(crate::prop::PropType::STRING8))
            });
            if !present {
                return self.prop_err(
                    &props,
                    props.len(),
                    &format!(
                        "folderChange: required {t} ({})",
                        crate::ftstream::markers::tag_name(t).unwrap_or("?")
                    ),
                );
            }
        }
        self.leave();
        Ok(FolderChange { props })
    }

    fn hierarchy_sync(&mut self) -> R<HierarchySync> {
        let mut folder_changes = Vec::new();
        while self.look()? == Tok::Marker(Marker::IncrSyncChg) {
            folder_changes.push(self.folder_change(folder_changes.len())?);
        }
        let deletions = self.deletions(true)?;
        let state = self.state(true)?;
        self.expect_marker(Marker::IncrSyncEnd)?;
        Ok(HierarchySync {
            folder_changes,
            deletions,
            state,
        })
    }

    // ------------------------------------------------------------ copy roots

    fn dn_prefix(&mut self) -> R<Option<Vec<u8>>> {
        if self.look()? == Tok::Meta(MetaProp::DnPrefix) {
            Ok(Some(self.meta_bytes()))
        } else {
            Ok(None)
        }
    }

    fn message_children(&mut self) -> R<MessageChildren> {
        let mut c = MessageChildren::default();
        if self.peek_meta_u32(MetaProp::FXDelProp)? == Some(PID_TAG_MESSAGE_RECIPIENTS.0) {
            self.take();
            c.del_recipients = true;
        }
        while self.look()? == Tok::Marker(Marker::StartRecip) {
            self.take();
            self.enter("recipient", Some(c.recipients.len()));
            let props = self.prop_list()?;
            if props.first().map(|p| p.tag) != Some(PID_TAG_ROWID) {
                return self.prop_err(
                    &props,
                    0,
                    "recipient: PidTagRowid (0x30000003) at position 1",
                );
            }
            self.expect_marker(Marker::EndToRecip)?;
            self.leave();
            c.recipients.push(Recipient { props });
        }
        match self.peek_meta_u32(MetaProp::FXDelProp)? {
            Some(v) if v == PID_TAG_MESSAGE_ATTACHMENTS.0 => {
                self.take();
                c.del_attachments = true;
            }
            Some(_) => {
                return self.unexpected("MetaTagFXDelProp = PidTagMessageAttachments (0x0E13000D)");
            }
            None => {}
        }
        while self.look()? == Tok::Marker(Marker::NewAttach) {
            self.take();
            self.enter("attachment", Some(c.attachments.len()));
            let attach_number = match self.look()? {
                Tok::Prop(PID_TAG_ATTACH_NUMBER) => self.meta_u32(),
                _ => {
                    return self
                        .unexpected("PidTagAttachNumber (0x0E210003) right after NewAttach");
                }
            };
            let content = self.attachment_content()?;
            self.expect_marker(Marker::EndAttach)?;
            self.leave();
            c.attachments.push(Attachment {
                attach_number,
                content,
            });
        }
        Ok(c)
    }

    fn attachment_content(&mut self) -> R<AttachmentContent> {
        let dn_prefix = self.dn_prefix()?;
        let props = self.prop_list()?;
        let embedded = if self.look()? == Tok::Marker(Marker::StartEmbed) {
            self.take();
            self.enter("embeddedMessage", None);
            let m = self.message_content()?;
            self.expect_marker(Marker::EndEmbed)?;
            self.leave();
            Some(Box::new(m))
        } else {
            None
        };
        Ok(AttachmentContent {
            dn_prefix,
            props,
            embedded,
        })
    }

    fn message_content(&mut self) -> R<MessageContent> {
        let dn_prefix = self.dn_prefix()?;
        let props = self.prop_list()?;
        let children = self.message_children()?;
        Ok(MessageContent {
            dn_prefix,
            props,
            children,
        })
    }

    /// `messageList`, a recovery point for errorInfo.
    fn message_list(&mut self) -> R<MessageList> {
        let mut items = Vec::new();
        let depth = self.path.len();
        loop {
            let i = items.len();
            match self.tok()? {
                Tok::Marker(Marker::FXErrorInfo) => {
                    self.enter("errorInfo", Some(i));
                    let e = self.error_info()?;
                    self.leave();
                    items.push(MessageListItem::Error(e));
                }
                Tok::Meta(MetaProp::DnPrefix) => {
                    items.push(MessageListItem::DnPrefix(self.meta_bytes()))
                }
                Tok::Meta(MetaProp::EcWarning) => {
                    items.push(MessageListItem::EcWarning(self.meta_u32()))
                }
                Tok::Marker(m @ (Marker::StartMessage | Marker::StartFAIMsg)) => {
                    self.enter("message", Some(i));
                    self.take();
                    let r = self.message_content().and_then(|content| {
                        self.expect_marker(Marker::EndMessage)?;
                        Ok(content)
                    });
                    match r {
                        Ok(content) => {
                            self.leave();
                            items.push(MessageListItem::Message(Message {
                                fai: m == Marker::StartFAIMsg,
                                content,
                            }));
                        }
                        Err(Fail::Unwind) => self.path.truncate(depth),
                        Err(e) => return Err(e),
                    }
                }
                _ => break,
            }
        }
        Ok(MessageList { items })
    }

    /// Subfolders: PidTagFolderId, PidTagDisplayName, PidTagComment at 1–3 (2.2.4.3.6).
    fn check_subfolder_props(&self, props: &[FtProp]) -> R<()> {
        let want = [PID_TAG_FOLDER_ID, PID_TAG_DISPLAY_NAME, PID_TAG_COMMENT];
        for (i, t) in want.iter().enumerate() {
            // The strings may also come as String8 or, in a UseCpid stream, as a
            // code page string 0x8000 | cpid ([MS-OXCFXICS] 2.2.4.1.1.1).
            let ok = props.get(i).is_some_and(|p| {
                p.tag == *t
                    || (i > 0
                        && p.tag.id() == t.id()
                        && (p.tag.prop_type() == crate::prop::PropType::STRING8
                            || p.tag.prop_type().code_page().is_some()))
            });
            if !ok {
                return self.prop_err(
                    props,
                    i,
                    &format!("subfolder propList: {t} at position {}", i + 1),
                );
            }
        }
        Ok(())
    }

    fn folder_content(&mut self, sub: bool) -> R<FolderContent> {
        let dn_prefix = self.dn_prefix()?;
        let props = self.prop_list()?;
        if sub {
            self.check_subfolder_props(&props)?;
        }
        let ec_warning = if self.look()? == Tok::Meta(MetaProp::EcWarning) {
            Some(self.meta_u32())
        } else {
            None
        };
        let messages = if self.look()? == Tok::Meta(MetaProp::NewFXFolder) {
            FolderMessages::NewFXFolder(self.meta_bytes())
        } else {
            let mut lists = Vec::new();
            while lists.len() < 2 {
                match self.peek_meta_u32(MetaProp::FXDelProp)?.map(PropTag) {
                    Some(t @ (PID_TAG_CONTAINER_CONTENTS | PID_TAG_FOLDER_ASSOCIATED_CONTENTS)) => {
                        self.take();
                        self.enter("messageList", Some(lists.len()));
                        let list = self.message_list()?;
                        self.leave();
                        lists.push(DelPropMessageList { del_prop: t, list });
                    }
                    _ => break,
                }
            }
            FolderMessages::Lists(lists)
        };
        let subfolders = match self.peek_meta_u32(MetaProp::FXDelProp)?.map(PropTag) {
            Some(PID_TAG_CONTAINER_HIERARCHY) => {
                self.take();
                let mut subs = Vec::new();
                while self.look()? == Tok::Marker(Marker::StartSubFld) {
                    self.take();
                    self.enter("subFolder", Some(subs.len()));
                    subs.push(self.folder_content(true)?);
                    self.expect_marker(Marker::EndFolder)?;
                    self.leave();
                }
                Some(subs)
            }
            Some(_) => {
                return self.unexpected("MetaTagFXDelProp = PidTagContainerContents, PidTagFolderAssociatedContents or PidTagContainerHierarchy");
            }
            None => None,
        };
        Ok(FolderContent {
            dn_prefix,
            props,
            ec_warning,
            messages,
            subfolders,
        })
    }

    fn top_folder(&mut self) -> R<TopFolder> {
        let dn_prefix = self.dn_prefix()?;
        self.expect_marker(Marker::StartTopFld)?;
        let content = self.folder_no_del_props(false)?;
        self.expect_marker(Marker::EndFolder)?;
        Ok(TopFolder { dn_prefix, content })
    }

    fn folder_no_del_props(&mut self, sub: bool) -> R<FolderContentNoDelProps> {
        let props = self.prop_list()?;
        if sub {
            self.check_subfolder_props(&props)?;
        }
        let messages = if self.look()? == Tok::Meta(MetaProp::NewFXFolder) {
            FolderMessagesNoDelProps::NewFXFolder(self.meta_bytes())
        } else {
            self.enter("messageList", None);
            let l = self.message_list()?;
            self.leave();
            FolderMessagesNoDelProps::List(l)
        };
        let mut subfolders = Vec::new();
        while self.look()? == Tok::Marker(Marker::StartSubFld) {
            self.take();
            self.enter("subFolder", Some(subfolders.len()));
            subfolders.push(self.folder_no_del_props(true)?);
            self.expect_marker(Marker::EndFolder)?;
            self.leave();
        }
        Ok(FolderContentNoDelProps {
            props,
            messages,
            subfolders,
        })
    }
}

fn list(tags: &[PropTag]) -> String {
    tags.iter()
        .map(|t| match crate::ftstream::markers::tag_name(*t) {
            Some(n) => format!("{n} ({t})"),
            None => t.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What one top-level segment of a sync stream holds (for [`crate::ftstream::SyncReader`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    ProgressTotal,
    Change(usize),
    FolderChange(usize),
    Deletions,
    ReadStateChanges,
    State,
}

/// Parses one top-level segment of a contentsSync / hierarchySync. `next` is
/// the element that ended the segment (the lookahead the whole-stream parser
/// would see). `Ok(None)`: a change discarded by an errorInfo (unwound).
pub(crate) fn parse_segment(
    root: RootKind,
    seg: Segment,
    elements: Vec<Element>,
    next: Option<&Element>,
    end: usize,
) -> Result<Option<crate::ftstream::incremental::SyncItem>, ParseError> {
    use crate::ftstream::incremental::SyncItem;
    let next_off = next.map_or(end, |e| e.offset);
    let it = elements.into_iter().chain(next.cloned()).map(Ok);
    let mut p = Parser {
        it: Elements(it),
        peeked: None,
        end,
        path: vec![(root.name(), None)],
        offsets: Vec::new(),
        scratch: Vec::new(),
    };
    let hierarchy = root == RootKind::HierarchySync;
    let r: R<SyncItem> = match seg {
        Segment::ProgressTotal => p.progress_total().map(SyncItem::ProgressTotal),
        Segment::Change(i) => {
            if p.tok()? == Tok::Marker(Marker::FXErrorInfo) {
                p.enter("errorInfo", Some(i));
                p.error_info()
                    .map(|e| SyncItem::Change(ContentsSyncItem::Error(e)))
            } else {
                p.change_item(i).map(SyncItem::Change)
            }
        }
        Segment::FolderChange(i) => p.folder_change(i).map(SyncItem::FolderChange),
        Segment::Deletions => match p.deletions(hierarchy) {
            Ok(Some(d)) => Ok(SyncItem::Deletions(d)),
            Ok(None) => p.unexpected("marker IncrSyncDel"),
            Err(e) => Err(e),
        },
        Segment::ReadStateChanges => p.read_state_changes().map(SyncItem::ReadStateChanges),
        Segment::State => p.state(hierarchy).map(SyncItem::State),
    };
    match r {
        Ok(item) => {
            // Peek first: with nothing peeked, `peek_offset` is `end`, which
            // would let elements left over in the segment pass unseen.
            let t = p.tok()?;
            if p.peek_offset() != next_off {
                let off = p.peek_offset();
                return Err(p.error_at(
                    off,
                    format!("the next top-level element of {}", root.name()),
                    t.to_string(),
                ));
            }
            Ok(Some(item))
        }
        Err(Fail::Err(e)) => Err(e),
        Err(Fail::Unwind) if matches!(seg, Segment::Change(_)) => Ok(None),
        Err(Fail::Unwind) => {
            let off = p.peek_offset();
            Err(p.error_at(
                off,
                "an element (errorInfo is only recoverable inside a contentsSync change loop or a messageList)",
                "FXErrorInfo".into(),
            ))
        }
    }
}
