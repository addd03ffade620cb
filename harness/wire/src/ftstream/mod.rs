//! FastTransfer stream: lexer, streaming parser, grammar and producer ([MS-OXCFXICS] 2.2.4).
//!
//! Layers (spec digest `ftstream.md`):
//! * [`markers`]: the 24 markers, meta-properties and ICS property tags (§3);
//! * [`lexer`]: one element at a time from a slice, values borrowed (§2);
//! * [`stream`]: sans-IO chunked lexing ([`StreamParser`]: `feed` / `finish`, §4.3);
//! * [`atoms`]: atoms, legal split points and buffer splitting (§4.1);
//! * [`element`]: owned lexical elements ([`Element`], [`FtProp`]);
//! * [`grammar`]: the typed syntactic tree, one type per grammar rule (§5).

pub mod atoms;
pub mod element;
pub mod grammar;
pub mod lexer;
pub mod markers;
pub mod stream;

pub use atoms::{AtomKind, SplitError, check_split, split_buffers, split_points};
pub use element::{Element, ElementKind, FtProp};
pub use grammar::*;
pub use lexer::{ElementRef, LexError, Lexed, Lexer, StreamError, ValueRef, lex_all, lex_one};
pub use markers::{Marker, MetaProp, ics_tags, tag_name};
pub use stream::{FeedError, SplitViolation, StreamParser};
