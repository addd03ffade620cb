//! The response body preamble: meta-tags, additional headers, blank line,
//! binary body ([MS-OXCMAPIHTTP] 2.2.2.2, 2.2.7, 3.2.5.2), as a sans-IO
//! incremental parser over the de-chunked bytes (transport.md §4.2).
//!
//! ```text
//! PROCESSING\r\n  *(PENDING\r\n)  DONE\r\n  *(Name: value\r\n)  \r\n  <body>
//! ```
//! Lines before DONE that are not meta-tags (gromox's de-chunked
//! `PENDINGPROCESSING`) are reported as [`FrameEvent::UnknownLine`] and kept in
//! [`ResponseFrame::unknown_lines`]; a blank line before DONE, a malformed
//! header line, a bare LF, a control byte or an over-long line is an error.
//! Events and errors do not depend on how the input is split.

use super::headers::{ResponseCode, UnknownHeaderValue};
use thiserror::Error;

/// Longest accepted line, CRLF included.
pub const MAX_LINE: usize = 8192;

/// A meta-tag line ([MS-OXCMAPIHTTP] 2.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MetaTag {
    /// The request was queued; sent at once.
    Processing,
    /// Keep-alive, about every X-PendingPeriod ms.
    Pending,
    /// Processing finished; additional headers follow.
    Done,
}

impl MetaTag {
    /// The line without CRLF.
    pub fn as_str(self) -> &'static str {
        match self {
            MetaTag::Processing => "PROCESSING",
            MetaTag::Pending => "PENDING",
            MetaTag::Done => "DONE",
        }
    }

    /// The line with CRLF, as the server writes it.
    pub fn line(self) -> &'static [u8] {
        match self {
            MetaTag::Processing => b"PROCESSING\r\n",
            MetaTag::Pending => b"PENDING\r\n",
            MetaTag::Done => b"DONE\r\n",
        }
    }
}

/// What the parser recognised, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A meta-tag line.
    Meta(MetaTag),
    /// A non-blank line before DONE that is no meta-tag.
    UnknownLine(String),
    /// An additional header after DONE.
    Header {
        /// Name as received.
        name: String,
        /// Value without surrounding whitespace.
        value: String,
    },
    /// The blank line: every later byte is body.
    BodyStart,
}

/// A malformed preamble. Offsets count from the first byte fed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FramingError {
    /// A line longer than [`MAX_LINE`].
    #[error("line at offset {offset} is longer than {MAX_LINE} bytes")]
    LineTooLong {
        /// Start of the line.
        offset: usize,
    },
    /// LF without CR before it.
    #[error("bare LF at offset {offset} (lines end with CRLF)")]
    BareLf {
        /// Offset of the LF.
        offset: usize,
    },
    /// A byte that may not appear in a preamble line.
    #[error("byte {byte:#04x} at offset {offset} is not allowed in a preamble line")]
    BadByte {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The blank line came before DONE.
    #[error("blank line at offset {offset} before the DONE meta-tag")]
    BlankBeforeDone {
        /// Start of the blank line.
        offset: usize,
    },
    /// A line after DONE that is not `Name: value`.
    #[error("line at offset {offset} after DONE is not a header: {line:?}")]
    BadHeaderLine {
        /// Start of the line.
        offset: usize,
        /// The line (at most 64 characters).
        line: String,
    },
    /// The input ended before the blank line after the additional headers.
    #[error("response ended at offset {offset} before {missing}")]
    Incomplete {
        /// Bytes fed in total.
        offset: usize,
        /// What was still expected.
        missing: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    BeforeDone,
    Headers,
    Body,
}

/// A complete parsed response: meta-tags, additional headers, body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseFrame {
    /// Meta-tags in order, ending with [`MetaTag::Done`].
    pub meta_tags: Vec<MetaTag>,
    /// Unrecognised lines before DONE, in order.
    pub unknown_lines: Vec<String>,
    /// Additional headers after DONE (X-ElapsedTime, X-StartTime, X-ResponseCode …).
    pub headers: Vec<(String, String)>,
    /// The binary response body.
    pub body: Vec<u8>,
}

impl ResponseFrame {
    /// First additional header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The late X-ResponseCode, if the server sent one after DONE (§2.2.7).
    pub fn response_code(&self) -> Option<Result<ResponseCode, UnknownHeaderValue>> {
        self.header("X-ResponseCode").map(str::parse)
    }

    /// Encodes the frame as a server sends it (unknown lines are not written).
    /// Fails unless `meta_tags` holds exactly one DONE, last, and every header
    /// is a token name with a value free of control characters.
    pub fn encode(&self) -> Result<Vec<u8>, &'static str> {
        let done = self
            .meta_tags
            .iter()
            .filter(|t| **t == MetaTag::Done)
            .count();
        if done != 1 || self.meta_tags.last() != Some(&MetaTag::Done) {
            return Err("meta_tags must end with the only DONE");
        }
        let mut out = Vec::new();
        for t in &self.meta_tags {
            out.extend_from_slice(t.line());
        }
        for (n, v) in &self.headers {
            if n.is_empty() || !n.bytes().all(is_token) {
                return Err("header name is not a token");
            }
            if v.bytes().any(|b| !is_text(b)) || v.trim() != v {
                return Err("header value has control characters or surrounding blanks");
            }
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        Ok(out)
    }
}

/// RFC 9110 token characters.
fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Visible ASCII, space and tab.
fn is_text(b: u8) -> bool {
    b == b'\t' || (0x20..0x7F).contains(&b)
}

/// Incremental parser: [`feed`](Self::feed) de-chunked bytes as they
/// arrive, then [`finish`](Self::finish) at the end of the HTTP body.
#[derive(Debug, Clone)]
pub struct ResponseParser {
    state: State,
    line: Vec<u8>,
    line_start: usize,
    fed: usize,
    frame: ResponseFrame,
    failed: Option<FramingError>,
}

impl Default for ResponseParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseParser {
    /// A parser at the start of a response body.
    pub fn new() -> Self {
        ResponseParser {
            state: State::BeforeDone,
            line: Vec::new(),
            line_start: 0,
            fed: 0,
            frame: ResponseFrame::default(),
            failed: None,
        }
    }

    /// True once the blank line was seen: the rest is body.
    pub fn in_body(&self) -> bool {
        self.state == State::Body
    }

    /// The frame parsed so far (e.g. to see PENDING keep-alives).
    pub fn frame(&self) -> &ResponseFrame {
        &self.frame
    }

    /// Consumes `data`, appending the events it completed to `events` (also
    /// those before an error). After an error the parser keeps returning it.
    pub fn feed(&mut self, data: &[u8], events: &mut Vec<FrameEvent>) -> Result<(), FramingError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.feed_inner(data, events);
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn feed_inner(
        &mut self,
        mut data: &[u8],
        events: &mut Vec<FrameEvent>,
    ) -> Result<(), FramingError> {
        while !data.is_empty() {
            if self.state == State::Body {
                self.frame.body.extend_from_slice(data);
                self.fed += data.len();
                break;
            }
            let (part, complete) = match data.iter().position(|&b| b == b'\n') {
                Some(i) => (&data[..=i], true),
                None => (data, false),
            };
            if self.line.len() + part.len() > MAX_LINE {
                return Err(FramingError::LineTooLong {
                    offset: self.line_start,
                });
            }
            self.line.extend_from_slice(part);
            self.fed += part.len();
            data = &data[part.len()..];
            if complete {
                let line = std::mem::take(&mut self.line);
                events.push(self.line_done(&line)?);
                self.line_start = self.fed;
            }
        }
        Ok(())
    }

    /// Classifies one complete line (ending in LF).
    fn line_done(&mut self, line: &[u8]) -> Result<FrameEvent, FramingError> {
        let lf_at = self.line_start + line.len() - 1;
        let Some(text) = line.strip_suffix(b"\r\n") else {
            return Err(FramingError::BareLf { offset: lf_at });
        };
        if let Some(i) = text.iter().position(|&b| !is_text(b)) {
            return Err(FramingError::BadByte {
                offset: self.line_start + i,
                byte: text[i],
            });
        }
        // Only printable ASCII is left, so this is valid UTF-8.
        let text: String = text.iter().map(|&b| char::from(b)).collect();
        match self.state {
            State::BeforeDone => {
                let tag = [MetaTag::Processing, MetaTag::Pending, MetaTag::Done]
                    .into_iter()
                    .find(|t| t.as_str() == text);
                match tag {
                    Some(t) => {
                        self.frame.meta_tags.push(t);
                        if t == MetaTag::Done {
                            self.state = State::Headers;
                        }
                        Ok(FrameEvent::Meta(t))
                    }
                    None if text.is_empty() => Err(FramingError::BlankBeforeDone {
                        offset: self.line_start,
                    }),
                    None => {
                        self.frame.unknown_lines.push(text.clone());
                        Ok(FrameEvent::UnknownLine(text))
                    }
                }
            }
            // Body never gets here: `feed` stops splitting lines there.
            State::Headers | State::Body => {
                if text.is_empty() {
                    self.state = State::Body;
                    return Ok(FrameEvent::BodyStart);
                }
                let bad = || FramingError::BadHeaderLine {
                    offset: self.line_start,
                    line: text.chars().take(64).collect(),
                };
                let (name, value) = text.split_once(':').ok_or_else(bad)?;
                if name.is_empty() || !name.bytes().all(is_token) {
                    return Err(bad());
                }
                let (name, value) = (
                    name.to_string(),
                    value.trim_matches([' ', '\t']).to_string(),
                );
                self.frame.headers.push((name.clone(), value.clone()));
                Ok(FrameEvent::Header { name, value })
            }
        }
    }

    /// Ends the input: the frame if the blank line after the headers was seen.
    pub fn finish(self) -> Result<ResponseFrame, FramingError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        match self.state {
            State::Body => Ok(self.frame),
            State::BeforeDone => Err(FramingError::Incomplete {
                offset: self.fed,
                missing: "DONE",
            }),
            State::Headers => Err(FramingError::Incomplete {
                offset: self.fed,
                missing: "the blank line after the additional headers",
            }),
        }
    }

    /// Parses a complete de-chunked body in one go.
    pub fn parse(data: &[u8]) -> Result<ResponseFrame, FramingError> {
        let mut p = Self::new();
        p.feed(data, &mut Vec::new())?;
        p.finish()
    }
}
