//! Atoms and legal split points ([MS-OXCFXICS] 2.2.4.1, spec digest §4.1).
//!
//! A stream may be split between two atoms or anywhere inside a
//! varSizeValue, never inside an atom. Atoms: `marker`, `propDef` (tag plus
//! the whole namedPropInfo of a named property), `fixedSizeValue`, `length`.

use std::ops::Range;

use thiserror::Error;

use crate::ftstream::lexer::{Class, ElementRef, ElementRefKind, Lexer, StreamError, classify};

/// The kinds of atoms (and the varSizeValue bodies between them).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize)]
pub enum AtomKind {
    /// A 4-byte marker.
    Marker,
    /// Tag, plus GUID, kind and LID / name for a named property.
    PropDef,
    /// A fixed-size value (2, 4, 8 or 16 bytes).
    FixedSizeValue,
    /// A 4-byte length (or multi-valued count).
    Length,
    /// A varSizeValue body: not an atom, splittable anywhere.
    VarSizeValue,
}

/// One atom (or varSizeValue body) with its absolute byte range.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Atom {
    /// What it is.
    pub kind: AtomKind,
    /// Absolute byte range.
    pub range: Range<usize>,
}

/// A requested or needed split that the rules forbid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SplitError {
    /// The stream itself does not lex.
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The split point falls strictly inside an atom (R982).
    #[error("split at offset {offset} falls inside a {kind:?} atom at {}..{}", atom.start, atom.end)]
    InsideAtom {
        /// The requested split offset.
        offset: usize,
        /// The atom's kind.
        kind: AtomKind,
        /// The atom's byte range.
        atom: Range<usize>,
    },
    /// An atom is larger than the buffer, so no legal split exists.
    #[error("{kind:?} atom at {}..{} is larger than the buffer size {buffer_size}", atom.start, atom.end)]
    AtomTooLarge {
        /// The atom's kind.
        kind: AtomKind,
        /// The atom's byte range.
        atom: Range<usize>,
        /// The buffer size asked for.
        buffer_size: usize,
    },
    /// A split offset beyond the end of the stream, or a zero buffer size.
    #[error("split offset {offset} is outside the stream of {len} bytes")]
    OutOfRange {
        /// The offset.
        offset: usize,
        /// Stream length.
        len: usize,
    },
}

/// Calls `f` for each atom of one lexed element, `bytes` being the element's
/// own encoded bytes (starting at `e.offset`).
pub fn element_atoms(e: &ElementRef<'_>, bytes: &[u8], mut f: impl FnMut(Atom)) {
    let base = e.offset;
    let mut emit = |kind, start: usize, len: usize| {
        f(Atom {
            kind,
            range: base + start..base + start + len,
        });
    };
    let p = match &e.kind {
        ElementRefKind::Marker(_) => return emit(AtomKind::Marker, 0, 4),
        ElementRefKind::Prop(p) => p,
    };
    // The propDef is everything before the value.
    let value_len = match classify(p.tag) {
        Some(Class::Fixed(w)) => w,
        Some(Class::Var) => 4 + p.value.bytes().map_or(0, <[u8]>::len),
        Some(Class::MultiFixed(_)) | Some(Class::MultiVar) => match &p.value {
            crate::ftstream::lexer::ValueRef::Multi { body, .. } => 4 + body.len(),
            _ => 0,
        },
        None => 0,
    };
    let def_len = e.len - value_len;
    emit(AtomKind::PropDef, 0, def_len);
    let mut pos = def_len;
    match classify(p.tag) {
        Some(Class::Fixed(w)) => emit(AtomKind::FixedSizeValue, pos, w),
        Some(Class::Var) => {
            emit(AtomKind::Length, pos, 4);
            if e.len > pos + 4 {
                emit(AtomKind::VarSizeValue, pos + 4, e.len - pos - 4);
            }
        }
        Some(Class::MultiFixed(w)) => {
            emit(AtomKind::Length, pos, 4);
            pos += 4;
            while pos < e.len {
                emit(AtomKind::FixedSizeValue, pos, w);
                pos += w;
            }
        }
        Some(Class::MultiVar) => {
            emit(AtomKind::Length, pos, 4);
            pos += 4;
            while pos < e.len {
                let len = u32::from_le_bytes([
                    bytes[pos],
                    bytes[pos + 1],
                    bytes[pos + 2],
                    bytes[pos + 3],
                ]) as usize;
                emit(AtomKind::Length, pos, 4);
                if len > 0 {
                    emit(AtomKind::VarSizeValue, pos + 4, len);
                }
                pos += 4 + len;
            }
        }
        None => {}
    }
}

/// The atom strictly containing relative split point `at` of one element, if
/// any (`None` means the split is legal).
pub fn atom_containing(e: &ElementRef<'_>, bytes: &[u8], at: usize) -> Option<Atom> {
    let abs = e.offset + at;
    let mut found = None;
    element_atoms(e, bytes, |a| {
        if found.is_none()
            && a.kind != AtomKind::VarSizeValue
            && a.range.start < abs
            && abs < a.range.end
        {
            found = Some(a);
        }
    });
    found
}

/// Every atom of a whole stream, in order.
pub fn atoms(stream: &[u8]) -> Result<Vec<Atom>, StreamError> {
    let mut out = Vec::new();
    for e in Lexer::new(stream) {
        let e = e?;
        element_atoms(&e, &stream[e.offset..e.offset + e.len], |a| out.push(a));
    }
    Ok(out)
}

/// Checks that the stream may be split at `offset` (buffer 2 starts there).
pub fn check_split(stream: &[u8], offset: usize) -> Result<(), SplitError> {
    if offset > stream.len() {
        return Err(SplitError::OutOfRange {
            offset,
            len: stream.len(),
        });
    }
    for e in Lexer::new(stream) {
        let e = e?;
        if e.offset + e.len <= offset {
            continue;
        }
        if e.offset >= offset {
            break;
        }
        let bytes = &stream[e.offset..e.offset + e.len];
        if let Some(a) = atom_containing(&e, bytes, offset - e.offset) {
            return Err(SplitError::InsideAtom {
                offset,
                kind: a.kind,
                atom: a.range,
            });
        }
        break;
    }
    Ok(())
}

/// Splits a stream into buffers of at most `buffer_size` bytes, each as full
/// as the splitting rules allow (the way a server fills
/// RopFastTransferSourceGetBuffer responses). Returns the buffers' ranges.
pub fn split_points(stream: &[u8], buffer_size: usize) -> Result<Vec<Range<usize>>, SplitError> {
    if buffer_size == 0 {
        return Err(SplitError::OutOfRange {
            offset: 0,
            len: stream.len(),
        });
    }
    let all = atoms(stream)?;
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0; // first atom not wholly before `start`
    while stream.len() - start > buffer_size {
        let want = start + buffer_size;
        while all[i].range.end <= want && all[i].range.end < stream.len() {
            i += 1;
        }
        // `want` lies in all[i] (or at its end); legal if at a boundary or in a body.
        let a = &all[i];
        let cut = if a.range.start == want
            || a.range.end == want
            || (a.kind == AtomKind::VarSizeValue && a.range.start < want)
        {
            want
        } else {
            a.range.start
        };
        if cut <= start {
            return Err(SplitError::AtomTooLarge {
                kind: a.kind,
                atom: a.range.clone(),
                buffer_size,
            });
        }
        out.push(start..cut);
        start = cut;
    }
    out.push(start..stream.len());
    Ok(out)
}

/// [`split_points`] as slices.
pub fn split_buffers(stream: &[u8], buffer_size: usize) -> Result<Vec<&[u8]>, SplitError> {
    Ok(split_points(stream, buffer_size)?
        .into_iter()
        .map(|r| &stream[r])
        .collect())
}
