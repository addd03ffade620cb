//! FastTransfer stream: lexer, streaming parser, grammar and producer ([MS-OXCFXICS] 2.2.4).
//!
//! Layers (spec digest `ftstream.md`):
//! * [`markers`]: the 24 markers, meta-properties and ICS property tags (§3);
//! * [`lexer`]: one element at a time from a slice, values borrowed (§2);
//! * [`stream`]: sans-IO chunked lexing ([`StreamParser`]: `feed` / `finish`, §4.3);
//! * [`atoms`]: atoms, legal split points and buffer splitting (§4.1);
//! * [`element`]: owned lexical elements ([`Element`], [`FtProp`]);
//! * [`grammar`]: the typed syntactic tree, one type per grammar rule (§5);
//! * [`parse`]: elements -> tree, with the element rules of §6 as checks;
//! * [`produce`]: tree -> bytes, and splitting into buffers at legal points.

#[cfg(feature = "arbitrary")]
pub mod arbitrary_tree;
pub mod atoms;
pub mod element;
pub mod grammar;
pub mod lexer;
pub mod markers;
pub mod parse;
pub mod produce;
pub mod stream;
pub mod text;

pub use atoms::{AtomKind, SplitError, check_split, split_buffers, split_points};
pub use element::{Element, ElementKind, FtProp};
pub use grammar::*;
pub use lexer::{ElementRef, LexError, Lexed, Lexer, StreamError, ValueRef, lex_all, lex_one};
pub use markers::{Marker, MetaProp, ics_tags, tag_name};
pub use parse::{ParseError, guess_root, parse, parse_elements, parse_iter};
pub use produce::{ProduceError, Writer, produce, produce_elements, produce_split, write_prop};
pub use stream::{FeedError, SplitViolation, StreamParser};
