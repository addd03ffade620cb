//! Collects the GetBuffer portions of one download and parses them once the
//! stream is complete ([MS-OXCFXICS] 2.2.4.1, 3.3.5.9.1: portions are decoded
//! as they arrive; nothing is applied before the whole stream, with its final
//! state, is known).

use ics_wire::ftstream::{
    Element, FeedError, ParseError, Root, RootKind, StreamParser, parse_elements,
};
use thiserror::Error;

/// Errors of the download stream.
#[derive(Debug, Error)]
pub enum StreamDecodeError {
    /// A portion does not lex, or a split violated 2.2.4.1.
    #[error("stream lexing: {0}")]
    Feed(#[from] FeedError),
    /// The elements do not follow the grammar.
    #[error("stream grammar: {0}")]
    Parse(#[from] ParseError),
    /// The incremental reader of a sync stream failed.
    #[error("sync stream: {0}")]
    Reader(#[from] ics_wire::ftstream::SyncError),
}

/// One download stream being received.
#[derive(Debug)]
pub struct DownloadStream {
    kind: RootKind,
    parser: StreamParser,
    elements: Vec<Element>,
    bytes: u64,
    portions: u64,
}

impl DownloadStream {
    /// A stream whose root is `kind` (the ROP that configured it decides, 2.2.4.4).
    pub fn new(kind: RootKind) -> Self {
        DownloadStream {
            kind,
            parser: StreamParser::new(),
            elements: Vec::new(),
            bytes: 0,
            portions: 0,
        }
    }

    /// Takes one TransferBuffer.
    pub fn feed(&mut self, portion: &[u8]) -> Result<(), StreamDecodeError> {
        self.bytes += portion.len() as u64;
        self.portions += 1;
        let mut els = self.parser.feed(portion)?;
        self.elements.append(&mut els);
        Ok(())
    }

    /// Bytes received.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Portions received.
    pub fn portions(&self) -> u64 {
        self.portions
    }

    /// Ends the stream and parses it.
    pub fn finish(mut self) -> Result<Root, StreamDecodeError> {
        self.parser.finish()?;
        let end = self.parser.offset();
        Ok(parse_elements(self.kind, self.elements, end)?)
    }
}
