//! FastTransfer stream: lexer, streaming parser, grammar and producer ([MS-OXCFXICS] 2.2.4).
//!
//! Layers (spec digest `ftstream.md`):
//! * [`markers`]: the 24 markers, meta-properties and ICS property tags (§3);
//! * [`lexer`]: one element at a time from a slice, values borrowed (§2);
//! * [`stream`]: sans-IO chunked lexing ([`StreamParser`]: `feed` / `finish`, §4.3);
//! * [`atoms`]: atoms, legal split points and buffer splitting (§4.1);
//! * [`element`]: owned lexical elements ([`Element`], [`FtProp`]);
//! * [`grammar`]: the typed syntactic tree, one type per grammar rule (§5);
//! * [`mod@parse`]: elements -> tree, with the element rules of §6 as checks;
//! * [`mod@produce`]: tree -> bytes, and splitting into buffers at legal points;
//! * [`meta_structs`]: ProgressInformation, PropertyGroupInfo and
//!   ExtendedErrorInfo, the structures inside untagged PtypBinary values (§7);
//! * [`incremental`]: chunk-by-chunk contentsSync / hierarchySync items ([`SyncReader`]);
//! * [`text`]: readable one-line-per-element and outline forms.
//!
//! Typical use:
//! * a server builds a [`Root`] (e.g. [`ContentsSync`]), calls [`produce()`]
//!   and hands out [`split_buffers`]`(&bytes, buffer_size)` portions, which
//!   only ever cut between atoms or inside a varSizeValue (§4.1);
//! * a client feeds each RopFastTransferSourceGetBuffer portion to a
//!   [`StreamParser`] (`feed` returns the complete [`Element`]s, `finish`
//!   checks nothing is left over; chunk boundaries inside atoms are recorded
//!   as [`SplitViolation`]s), then builds the tree with [`parse_elements`] —
//!   or calls [`parse()`] on the whole stream. Grammar errors carry the offset,
//!   the element path and what was expected ([`ParseError`]).
//!
//! Errors: [`LexError`] (bytes that cannot be an element), [`StreamError`]
//! (adds truncation), [`FeedError`] (streaming), [`ParseError`] (grammar),
//! [`ProduceError`], [`SplitError`]. None of them panics on any input.

#[cfg(feature = "arbitrary")]
pub mod arbitrary_tree;
pub mod atoms;
pub mod element;
pub mod grammar;
pub mod incremental;
pub mod lexer;
pub mod markers;
pub mod meta_structs;
pub mod parse;
pub mod produce;
pub mod stream;
pub mod text;

pub use atoms::{AtomKind, SplitError, check_split, split_buffers, split_points};
pub use element::{Element, ElementKind, FtProp};
pub use grammar::*;
pub use incremental::{SyncError, SyncItem, SyncReader, assemble};
pub use lexer::{ElementRef, LexError, Lexed, Lexer, StreamError, ValueRef, lex_all, lex_one};
pub use markers::{Marker, MetaProp, ics_tags, tag_name};
pub use meta_structs::{
    ExtendedErrorInfo, GroupProperty, ProgressInformation, PropertyGroupInfo, StructError,
};
pub use parse::{ParseError, guess_root, parse, parse_elements, parse_iter};
pub use produce::{ProduceError, Writer, produce, produce_elements, produce_split, write_prop};
pub use stream::{FeedError, SplitViolation, StreamParser};
