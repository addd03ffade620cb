//! Sans-IO streaming lexer: feed RopFastTransferSourceGetBuffer (or
//! PutBuffer) portions as they arrive, get the complete elements back
//! ([MS-OXCFXICS] 2.2.4.1, spec digest §4.3).
//!
//! Only an incomplete element is held back. Bytes that complete inside the
//! chunk being fed are lexed in place (no intermediate copy). A chunk
//! boundary that falls inside an atom is a protocol violation (R982): it is
//! recorded in [`StreamParser::split_violations`], or is an error with
//! [`StreamParser::strict_splits`].

use crate::ftstream::atoms::{Atom, atom_containing};
use crate::ftstream::element::Element;
use crate::ftstream::lexer::{ElementRef, LexError, Lexed, StreamError, lex_one};

/// Default cap on one value's length while streaming (held-back bytes are
/// bounded by it): 1 GiB.
pub const DEFAULT_MAX_VALUE: u64 = 1 << 30;

/// A chunk boundary inside an atom.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SplitViolation {
    /// Absolute offset of the boundary (first byte of the later chunk).
    pub offset: usize,
    /// The atom it splits.
    pub atom: crate::ftstream::atoms::AtomKind,
    /// The atom's start.
    pub atom_start: usize,
    /// The atom's end.
    pub atom_end: usize,
}

/// An error of the streaming parser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    /// Lexical error or truncated stream at `finish`.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// A chunk boundary inside an atom, in strict mode.
    #[error("offset {}: chunk boundary inside a {:?} atom at {}..{}", .0.offset, .0.atom, .0.atom_start, .0.atom_end)]
    IllegalSplit(SplitViolation),
    /// `feed` after an error or after `finish`.
    #[error("the parser already failed or finished")]
    Closed,
}

/// The streaming lexer state.
#[derive(Clone, Debug)]
pub struct StreamParser {
    held: Vec<u8>,
    /// Absolute offset of `held[0]` (or of the next element when empty).
    offset: usize,
    /// Chunk boundaries that fell inside the held-back element.
    boundaries: Vec<usize>,
    violations: Vec<SplitViolation>,
    strict: bool,
    max_value: u64,
    closed: bool,
}

impl Default for StreamParser {
    fn default() -> Self {
        Self::new()
    }
}

impl StreamParser {
    /// A parser at offset 0 that records split violations.
    pub fn new() -> Self {
        StreamParser {
            held: Vec::new(),
            offset: 0,
            boundaries: Vec::new(),
            violations: Vec::new(),
            strict: false,
            max_value: DEFAULT_MAX_VALUE,
            closed: false,
        }
    }

    /// Makes a chunk boundary inside an atom an error.
    pub fn strict_splits(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Caps one value's length (2.2.4.3.21: fail, do not truncate).
    pub fn max_value_len(mut self, max: u64) -> Self {
        self.max_value = max;
        self
    }

    /// Chunk boundaries seen inside atoms so far.
    pub fn split_violations(&self) -> &[SplitViolation] {
        &self.violations
    }

    /// Bytes consumed into complete elements so far.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Bytes held back (an incomplete element).
    pub fn held_back(&self) -> usize {
        self.held.len()
    }

    /// Feeds the next chunk; returns the elements it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Element>, FeedError> {
        let mut out = Vec::new();
        self.feed_with(chunk, |e| out.push(e.to_owned()))?;
        Ok(out)
    }

    /// Feeds the next chunk, calling `sink` with each element it completes
    /// (borrowed; no copy of values unless the sink makes one).
    pub fn feed_with(
        &mut self,
        mut chunk: &[u8],
        mut sink: impl FnMut(&ElementRef<'_>),
    ) -> Result<(), FeedError> {
        if self.closed {
            return Err(FeedError::Closed);
        }
        if !self.held.is_empty() {
            if !chunk.is_empty() {
                self.boundaries.push(self.offset + self.held.len());
            }
            loop {
                match lex_one(&self.held, self.offset, self.max_value) {
                    Ok(Lexed::Done(e, used)) => {
                        let checked = check_boundaries(
                            &self.boundaries,
                            &e,
                            &self.held,
                            self.strict,
                            &mut self.violations,
                        );
                        if let Err(v) = checked {
                            self.closed = true;
                            return Err(v);
                        }
                        sink(&e);
                        self.offset += used;
                        self.held.drain(..used);
                        self.boundaries.clear();
                        if !self.held.is_empty() {
                            // Cannot happen: we only ever add the bytes asked for.
                            continue;
                        }
                        break;
                    }
                    Ok(Lexed::Incomplete(n)) => {
                        if chunk.is_empty() {
                            return Ok(());
                        }
                        let take = n.min(chunk.len());
                        self.held.extend_from_slice(&chunk[..take]);
                        chunk = &chunk[take..];
                    }
                    Err(e) => return Err(self.fail(e)),
                }
            }
        }
        let mut pos = 0;
        while pos < chunk.len() {
            match lex_one(&chunk[pos..], self.offset, self.max_value) {
                Ok(Lexed::Done(e, used)) => {
                    sink(&e);
                    self.offset += used;
                    pos += used;
                }
                Ok(Lexed::Incomplete(_)) => {
                    self.held.extend_from_slice(&chunk[pos..]);
                    break;
                }
                Err(e) => return Err(self.fail(e)),
            }
        }
        Ok(())
    }

    /// Ends the stream: an error if an element is incomplete.
    pub fn finish(&mut self) -> Result<(), FeedError> {
        if self.closed {
            return Err(FeedError::Closed);
        }
        self.closed = true;
        if self.held.is_empty() {
            return Ok(());
        }
        let needed = match lex_one(&self.held, self.offset, self.max_value) {
            Ok(Lexed::Incomplete(n)) => n,
            Ok(Lexed::Done(..)) => 0,
            Err(e) => return Err(StreamError::Lex(e).into()),
        };
        Err(StreamError::Truncated {
            offset: self.offset,
            needed,
        }
        .into())
    }

    fn fail(&mut self, e: LexError) -> FeedError {
        self.closed = true;
        StreamError::Lex(e).into()
    }
}

/// Checks the chunk boundaries that fell inside element `e` (whose bytes
/// start `held`): records violations, or fails in strict mode.
fn check_boundaries(
    boundaries: &[usize],
    e: &ElementRef<'_>,
    held: &[u8],
    strict: bool,
    violations: &mut Vec<SplitViolation>,
) -> Result<(), FeedError> {
    for &b in boundaries {
        if let Some(Atom { kind, range }) = atom_containing(e, &held[..e.len], b - e.offset) {
            let v = SplitViolation {
                offset: b,
                atom: kind,
                atom_start: range.start,
                atom_end: range.end,
            };
            if strict {
                return Err(FeedError::IllegalSplit(v));
            }
            violations.push(v);
        }
    }
    Ok(())
}
