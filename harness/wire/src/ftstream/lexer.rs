//! Lexer: one element at a time from a byte slice ([MS-OXCFXICS] 2.2.4.1,
//! spec digest §2.2). Values borrow from the input; [`ElementRef::to_owned`]
//! converts to the owned [`Element`].
//!
//! [`lex_one`] tells "need more bytes" ([`Lexed::Incomplete`]) apart from
//! "the bytes are wrong" ([`LexError`]), so a streaming caller knows whether
//! to wait or to give up.

use thiserror::Error;

use crate::ftstream::element::{Element, ElementKind, FtProp};
use crate::ftstream::markers::{Marker, ics_tags};
use crate::guid::Guid;
use crate::prop::{NameKind, PropTag, PropType, PropValue, PropertyName, Utf16String};

/// Longest named-property name accepted, in bytes without the terminator
/// (gromox caps names at 1024 bytes, spec digest §1.4).
pub const MAX_NAME_BYTES: usize = 1024;

/// A lexical error: the bytes cannot be a FastTransfer element.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LexError {
    /// The property type is not a FastTransfer stream type (§2.2.4.1.1).
    #[error(
        "offset {offset}: tag {tag} has type {ty:#06x}, which is not a FastTransfer property type"
    )]
    UnknownType {
        /// Offset of the tag.
        offset: usize,
        /// The tag.
        tag: PropTag,
        /// Its type.
        ty: u16,
    },
    /// The named-property kind byte is neither 0x00 (LID) nor 0x01 (name).
    #[error(
        "offset {offset}: named property kind {kind:#04x} is neither 0x00 (dispid) nor 0x01 (name)"
    )]
    BadNameKind {
        /// Offset of the kind byte.
        offset: usize,
        /// The byte.
        kind: u8,
    },
    /// A named property's name has no terminator within [`MAX_NAME_BYTES`].
    #[error(
        "offset {offset}: named property name longer than {MAX_NAME_BYTES} bytes (no 00 00 terminator)"
    )]
    NameTooLong {
        /// Offset of the name.
        offset: usize,
    },
    /// A PtypString (or code page 1200/1201) value with an odd byte count.
    #[error("offset {offset}: {what} length {length} is odd")]
    OddStringLength {
        /// Offset of the length.
        offset: usize,
        /// Which value.
        what: &'static str,
        /// The length.
        length: u32,
    },
    /// A value longer than the configured limit (2.2.4.3.21: fail, not truncate).
    #[error("offset {offset}: value length {length} exceeds the limit {limit}")]
    TooLong {
        /// Offset of the length.
        offset: usize,
        /// The length.
        length: u64,
        /// The limit.
        limit: u64,
    },
}

impl LexError {
    /// Offset of the faulty field.
    pub fn offset(&self) -> usize {
        match *self {
            LexError::UnknownType { offset, .. }
            | LexError::BadNameKind { offset, .. }
            | LexError::NameTooLong { offset }
            | LexError::OddStringLength { offset, .. }
            | LexError::TooLong { offset, .. } => offset,
        }
    }
}

/// A property value borrowing from the input.
#[derive(Clone, Debug, PartialEq)]
pub enum ValueRef<'a> {
    /// A fixed-size value, decoded (no allocation).
    Fixed(PropValue),
    /// A varSizeValue: `ty` is the effective type (PtypBinary for
    /// MetaTagIdsetGiven), `bytes` the body as on the wire (terminator included).
    Var {
        /// Effective value type.
        ty: PropType,
        /// The body.
        bytes: &'a [u8],
    },
    /// A multi-valued value: `count` values in `body` (after the count).
    Multi {
        /// The multi-valued type.
        ty: PropType,
        /// Number of values.
        count: u32,
        /// The values as on the wire.
        body: &'a [u8],
    },
}

impl ValueRef<'_> {
    /// The owned value (strings lose their terminator).
    pub fn to_owned(&self) -> PropValue {
        match self {
            ValueRef::Fixed(v) => v.clone(),
            ValueRef::Var { ty, bytes } => var_value(*ty, bytes),
            ValueRef::Multi { ty, count, body } => multi_value(*ty, *count, body),
        }
    }

    /// The body of a varSizeValue.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            ValueRef::Var { bytes, .. } => Some(bytes),
            _ => None,
        }
    }
}

/// A property value element borrowing from the input.
#[derive(Clone, Debug, PartialEq)]
pub struct PropRef<'a> {
    /// The tag as on the wire.
    pub tag: PropTag,
    /// The name of a named property.
    pub name: Option<PropertyName>,
    /// The value.
    pub value: ValueRef<'a>,
}

/// What a borrowed element is.
#[derive(Clone, Debug, PartialEq)]
pub enum ElementRefKind<'a> {
    /// A marker.
    Marker(Marker),
    /// A propValue.
    Prop(PropRef<'a>),
}

/// One lexical element borrowing from the input.
#[derive(Clone, Debug, PartialEq)]
pub struct ElementRef<'a> {
    /// Absolute offset of the first byte.
    pub offset: usize,
    /// Encoded length in bytes.
    pub len: usize,
    /// The element.
    pub kind: ElementRefKind<'a>,
}

impl ElementRef<'_> {
    /// The owned element.
    pub fn to_owned(&self) -> Element {
        Element {
            offset: self.offset,
            kind: match &self.kind {
                ElementRefKind::Marker(m) => ElementKind::Marker(*m),
                ElementRefKind::Prop(p) => ElementKind::Prop(FtProp {
                    tag: p.tag,
                    name: p.name.clone(),
                    value: p.value.to_owned(),
                }),
            },
        }
    }

    /// The marker, if this is one.
    pub fn marker(&self) -> Option<Marker> {
        match self.kind {
            ElementRefKind::Marker(m) => Some(m),
            ElementRefKind::Prop(_) => None,
        }
    }
}

/// Result of lexing one element.
#[derive(Clone, Debug, PartialEq)]
pub enum Lexed<'a> {
    /// A complete element and the number of bytes it used.
    Done(ElementRef<'a>, usize),
    /// The input ends inside an element: at least this many more bytes are needed.
    Incomplete(usize),
}

/// How a property type is encoded (§1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Fixed size in bytes.
    Fixed(usize),
    /// `length` + bytes.
    Var,
    /// Count + fixed-size values.
    MultiFixed(usize),
    /// Count + (`length` + bytes) values.
    MultiVar,
}

/// Width of a fixed-size type.
pub(crate) const fn fixed_width(ty: u16) -> Option<usize> {
    Some(match ty {
        0x0002 | 0x000B => 2,
        0x0003 | 0x0004 | 0x000A => 4,
        0x0005 | 0x0006 | 0x0007 | 0x0014 | 0x0040 => 8,
        0x0048 => 16,
        _ => return None,
    })
}

/// The encoding class of the value of `tag` (MetaTagIdsetGiven quirk included).
pub(crate) fn classify(tag: PropTag) -> Option<Class> {
    if tag == ics_tags::META_TAG_IDSET_GIVEN {
        return Some(Class::Var);
    }
    let ty = tag.prop_type().0;
    if ty & 0x8000 != 0 {
        return Some(Class::Var);
    }
    if let Some(w) = fixed_width(ty) {
        return Some(Class::Fixed(w));
    }
    match ty {
        0x001E | 0x001F | 0x00FB | 0x0102 | 0x000D => Some(Class::Var),
        // The multi-valued types PropValue can hold (spec digest §1.2).
        0x1002 | 0x1003 | 0x1004 | 0x1005 | 0x1006 | 0x1007 | 0x1014 | 0x1040 | 0x1048 => {
            fixed_width(ty & 0x0FFF).map(Class::MultiFixed)
        }
        0x101E | 0x101F | 0x1102 => Some(Class::MultiVar),
        _ => None,
    }
}

/// True if values of this type are UTF-16 (terminator is 2 bytes, length even).
fn is_utf16(ty: PropType) -> bool {
    matches!(ty.0 & 0x0FFF, 0x001F) && ty.0 & 0x8000 == 0
        || matches!(ty.code_page(), Some(1200) | Some(1201))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Lexes one element at the start of `input`, whose first byte is at
/// absolute offset `base`. `max_value` caps a single value's byte length (and
/// a multi-valued count times its minimum value size).
pub fn lex_one(input: &[u8], base: usize, max_value: u64) -> Result<Lexed<'_>, LexError> {
    if input.len() < 4 {
        return Ok(Lexed::Incomplete(4 - input.len()));
    }
    let raw = u32_at(input, 0);
    if let Some(m) = Marker::from_u32(raw) {
        let e = ElementRef {
            offset: base,
            len: 4,
            kind: ElementRefKind::Marker(m),
        };
        return Ok(Lexed::Done(e, 4));
    }
    let tag = PropTag(raw);
    let Some(class) = classify(tag) else {
        return Err(LexError::UnknownType {
            offset: base,
            tag,
            ty: tag.prop_type().0,
        });
    };
    let mut pos = 4;
    let mut name = None;
    if tag.is_named() {
        // namedPropInfo = propertySet ( %x00 dispid / %x01 name )
        if input.len() < pos + 17 {
            return Ok(Lexed::Incomplete(pos + 17 - input.len()));
        }
        let mut g = [0u8; 16];
        g.copy_from_slice(&input[pos..pos + 16]);
        let kind = input[pos + 16];
        pos += 17;
        let kind = match kind {
            0x00 => {
                if input.len() < pos + 4 {
                    return Ok(Lexed::Incomplete(pos + 4 - input.len()));
                }
                let lid = u32_at(input, pos);
                pos += 4;
                NameKind::Lid(lid)
            }
            0x01 => {
                let start = pos;
                let rest = &input[start..];
                let limit = rest.len().min(MAX_NAME_BYTES + 2);
                let term = rest[..limit]
                    .chunks_exact(2)
                    .position(|c| c == [0, 0])
                    .map(|i| i * 2);
                match term {
                    Some(t) => {
                        pos = start + t + 2;
                        NameKind::Name(Utf16String::from_le_bytes(&rest[..t]))
                    }
                    None if rest.len() >= MAX_NAME_BYTES + 2 => {
                        return Err(LexError::NameTooLong {
                            offset: base + start,
                        });
                    }
                    None => return Ok(Lexed::Incomplete(2 - rest.len() % 2)),
                }
            }
            k => {
                return Err(LexError::BadNameKind {
                    offset: base + pos - 1,
                    kind: k,
                });
            }
        };
        name = Some(PropertyName {
            guid: Guid(g),
            kind,
        });
    }
    let ty = tag.prop_type();
    let (value, end) = match class {
        Class::Fixed(w) => {
            if input.len() < pos + w {
                return Ok(Lexed::Incomplete(pos + w - input.len()));
            }
            (
                ValueRef::Fixed(fixed_value(ty, &input[pos..pos + w])),
                pos + w,
            )
        }
        Class::Var => {
            if input.len() < pos + 4 {
                return Ok(Lexed::Incomplete(pos + 4 - input.len()));
            }
            let len = u32_at(input, pos);
            check_len(base + pos, len as u64, max_value)?;
            let vty = if tag == ics_tags::META_TAG_IDSET_GIVEN {
                PropType::BINARY
            } else {
                ty
            };
            if is_utf16(vty) && !len.is_multiple_of(2) {
                return Err(LexError::OddStringLength {
                    offset: base + pos,
                    what: "string",
                    length: len,
                });
            }
            pos += 4;
            let end = pos + len as usize;
            if input.len() < end {
                return Ok(Lexed::Incomplete(end - input.len()));
            }
            (
                ValueRef::Var {
                    ty: vty,
                    bytes: &input[pos..end],
                },
                end,
            )
        }
        Class::MultiFixed(w) => {
            if input.len() < pos + 4 {
                return Ok(Lexed::Incomplete(pos + 4 - input.len()));
            }
            let count = u32_at(input, pos);
            let total = count as u64 * w as u64;
            check_len(base + pos, total, max_value)?;
            pos += 4;
            let end = pos + total as usize;
            if input.len() < end {
                return Ok(Lexed::Incomplete(end - input.len()));
            }
            (
                ValueRef::Multi {
                    ty,
                    count,
                    body: &input[pos..end],
                },
                end,
            )
        }
        Class::MultiVar => {
            if input.len() < pos + 4 {
                return Ok(Lexed::Incomplete(pos + 4 - input.len()));
            }
            let count = u32_at(input, pos);
            check_len(base + pos, count as u64 * 4, max_value)?;
            pos += 4;
            let start = pos;
            let utf16 = is_utf16(ty.base());
            for _ in 0..count {
                if input.len() < pos + 4 {
                    return Ok(Lexed::Incomplete(pos + 4 - input.len()));
                }
                let len = u32_at(input, pos);
                check_len(base + pos, len as u64, max_value)?;
                if utf16 && !len.is_multiple_of(2) {
                    return Err(LexError::OddStringLength {
                        offset: base + pos,
                        what: "multi-valued string",
                        length: len,
                    });
                }
                pos += 4;
                let end = pos + len as usize;
                if input.len() < end {
                    return Ok(Lexed::Incomplete(end - input.len()));
                }
                pos = end;
            }
            (
                ValueRef::Multi {
                    ty,
                    count,
                    body: &input[start..pos],
                },
                pos,
            )
        }
    };
    let e = ElementRef {
        offset: base,
        len: end,
        kind: ElementRefKind::Prop(PropRef { tag, name, value }),
    };
    Ok(Lexed::Done(e, end))
}

fn check_len(offset: usize, length: u64, limit: u64) -> Result<(), LexError> {
    if length > limit {
        Err(LexError::TooLong {
            offset,
            length,
            limit,
        })
    } else {
        Ok(())
    }
}

/// Decodes a fixed-size value of type `ty` from exactly its width in bytes.
fn fixed_value(ty: PropType, b: &[u8]) -> PropValue {
    let u16le = |b: &[u8]| u16::from_le_bytes([b[0], b[1]]);
    let u64le = |b: &[u8]| {
        let mut a = [0u8; 8];
        a.copy_from_slice(&b[..8]);
        u64::from_le_bytes(a)
    };
    match ty.0 & 0x0FFF {
        0x0002 => PropValue::I16(u16le(b) as i16),
        0x0003 => PropValue::I32(u32_at(b, 0) as i32),
        0x0004 => PropValue::F32(f32::from_bits(u32_at(b, 0))),
        0x0005 => PropValue::F64(f64::from_bits(u64le(b))),
        0x0006 => PropValue::Currency(u64le(b) as i64),
        0x0007 => PropValue::FloatingTime(f64::from_bits(u64le(b))),
        0x000A => PropValue::ErrorCode(u32_at(b, 0)),
        // 2.2.4.3.18: any non-zero value is TRUE.
        0x000B => PropValue::Boolean(u16le(b) != 0),
        0x0014 => PropValue::I64(u64le(b) as i64),
        0x0040 => PropValue::Time(u64le(b)),
        _ => {
            let mut g = [0u8; 16];
            g.copy_from_slice(&b[..16]);
            PropValue::Guid(Guid(g))
        }
    }
}

/// Strips the terminator (2 zero bytes for UTF-16, 1 otherwise) if present (§1.3).
fn strip_terminator(utf16: bool, b: &[u8]) -> &[u8] {
    if utf16 {
        match b {
            [rest @ .., 0, 0] if rest.len().is_multiple_of(2) => rest,
            _ => b,
        }
    } else {
        match b {
            [rest @ .., 0] => rest,
            _ => b,
        }
    }
}

fn var_value(ty: PropType, b: &[u8]) -> PropValue {
    if let Some(cpid) = ty.code_page() {
        let utf16 = is_utf16(ty);
        return PropValue::CodePageString {
            cpid,
            bytes: strip_terminator(utf16, b).to_vec(),
        };
    }
    match ty.0 {
        0x001F => PropValue::Unicode(Utf16String::from_le_bytes(strip_terminator(true, b))),
        0x001E => PropValue::String8(strip_terminator(false, b).to_vec()),
        0x00FB => PropValue::ServerId(b.to_vec()),
        0x000D => PropValue::Object(b.to_vec()),
        _ => PropValue::Binary(b.to_vec()),
    }
}

fn multi_value(ty: PropType, count: u32, body: &[u8]) -> PropValue {
    let base = ty.base();
    if let Some(w) = fixed_width(base.0) {
        let vals = body.chunks_exact(w).map(|c| fixed_value(base, c));
        macro_rules! collect {
            ($variant:ident, $inner:ident) => {
                PropValue::$variant(
                    vals.map(|v| match v {
                        PropValue::$inner(x) => x,
                        _ => unreachable!("fixed_value returns the base variant"),
                    })
                    .collect(),
                )
            };
        }
        return match base.0 {
            0x0002 => collect!(MvI16, I16),
            0x0003 => collect!(MvI32, I32),
            0x0004 => collect!(MvF32, F32),
            0x0005 => collect!(MvF64, F64),
            0x0006 => collect!(MvCurrency, Currency),
            0x0007 => collect!(MvFloatingTime, FloatingTime),
            0x0014 => collect!(MvI64, I64),
            0x0040 => collect!(MvTime, Time),
            _ => collect!(MvGuid, Guid),
        };
    }
    let mut parts = Vec::with_capacity(count as usize);
    let mut pos = 0;
    for _ in 0..count {
        let len = u32_at(body, pos) as usize;
        parts.push(&body[pos + 4..pos + 4 + len]);
        pos += 4 + len;
    }
    match base.0 {
        0x001F => PropValue::MvUnicode(
            parts
                .into_iter()
                .map(|p| Utf16String::from_le_bytes(strip_terminator(true, p)))
                .collect(),
        ),
        0x001E => PropValue::MvString8(
            parts
                .into_iter()
                .map(|p| strip_terminator(false, p).to_vec())
                .collect(),
        ),
        _ => PropValue::MvBinary(parts.into_iter().map(<[u8]>::to_vec).collect()),
    }
}

/// An error of [`Lexer`]: a lexical error, or input ending inside an element.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StreamError {
    /// The bytes are not a FastTransfer element.
    #[error(transparent)]
    Lex(#[from] LexError),
    /// The stream ended inside the element starting at `offset`.
    #[error("offset {offset}: stream ends inside an element ({needed} more bytes needed at least)")]
    Truncated {
        /// Offset of the incomplete element.
        offset: usize,
        /// Bytes missing (at least).
        needed: usize,
    },
}

impl StreamError {
    /// The offset the error refers to.
    pub fn offset(&self) -> usize {
        match self {
            StreamError::Lex(e) => e.offset(),
            StreamError::Truncated { offset, .. } => *offset,
        }
    }
}

/// Iterator over the elements of a complete stream held in memory; values
/// borrow from it. Stops after the first error.
#[derive(Clone, Debug)]
pub struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    failed: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer over a whole stream.
    pub fn new(input: &'a [u8]) -> Self {
        Lexer {
            input,
            pos: 0,
            failed: false,
        }
    }

    /// Offset of the next element.
    pub fn offset(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Result<ElementRef<'a>, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.input.len() {
            return None;
        }
        match lex_one(&self.input[self.pos..], self.pos, u64::MAX) {
            Ok(Lexed::Done(e, used)) => {
                self.pos += used;
                Some(Ok(e))
            }
            Ok(Lexed::Incomplete(needed)) => {
                self.failed = true;
                Some(Err(StreamError::Truncated {
                    offset: self.pos,
                    needed,
                }))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e.into()))
            }
        }
    }
}

/// Lexes a whole stream into owned elements.
pub fn lex_all(input: &[u8]) -> Result<Vec<Element>, StreamError> {
    Lexer::new(input).map(|r| r.map(|e| e.to_owned())).collect()
}
