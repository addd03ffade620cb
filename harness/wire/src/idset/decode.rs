//! GLOBSET decoder ([MS-OXCFXICS] 3.1.5.4.3.2.x; `idset.md` §8).
//!
//! Accepts every valid command sequence (any Push split, Bitmask, singletons
//! via a Push completing 6 bytes, unsorted or overlapping ranges, which are
//! merged and reported as [`FormatNote`]s) and rejects everything else with
//! the offset and the reason, never returning a partial set. Output memory is
//! bounded by the input: every command emitting ranges takes at least 2 bytes
//! and emits at most 5 ranges (a Bitmask, 3 bytes).

use crate::cursor::{Reader, Truncated};

use super::error::{FormatNote, GlobSetError};
use super::globset::{GlobSet, merge_sorted};

/// Push: 0x01..=0x06 = number of CommonBytes (2.2.2.6.1).
pub const PUSH_MAX: u8 = 0x06;
/// Pop (2.2.2.6.2).
pub const POP: u8 = 0x50;
/// Bitmask (2.2.2.6.3).
pub const BITMASK: u8 = 0x42;
/// Range (2.2.2.6.4).
pub const RANGE: u8 = 0x52;
/// End (2.2.2.6.5).
pub const END: u8 = 0x00;

/// Mask of the `depth` high-order bytes of a 48-bit value.
#[inline]
fn high_mask(depth: usize) -> u64 {
    if depth == 0 {
        0
    } else {
        (0xFFFF_FFFF_FFFF_u64 >> (8 * (6 - depth))) << (8 * (6 - depth))
    }
}

/// Big-endian value of the `n` (1..=6) bytes at `pos`, or `None` if fewer
/// remain. Reads 8 bytes at once where the buffer allows.
#[inline]
fn be_at(buf: &[u8], pos: usize, n: usize) -> Option<u64> {
    if let Some(w) = buf.get(pos..pos + 8) {
        let w = u64::from_be_bytes(w.try_into().expect("8 bytes"));
        Some(w >> (64 - 8 * n))
    } else {
        let b = buf.get(pos..pos + n)?;
        Some(b.iter().fold(0u64, |v, &x| (v << 8) | x as u64))
    }
}

/// Collects emitted ranges, merging in order and noting deviations.
struct Sink<'n> {
    ranges: Vec<(u64, u64)>,
    unsorted: bool,
    noted: [bool; 3],
    notes: Option<&'n mut Vec<FormatNote>>,
}

impl Sink<'_> {
    #[inline]
    fn emit(&mut self, lo: u64, hi: u64, at: usize) {
        let Some(last) = self.ranges.last_mut() else {
            self.ranges.push((lo, hi));
            return;
        };
        if lo > last.1 + 1 {
            self.ranges.push((lo, hi));
        } else if lo < last.0 {
            // Below the previous range: sort once at the end.
            self.unsorted = true;
            self.ranges.push((lo, hi));
            self.note(0, FormatNote::RangesNotAscending { offset: at });
        } else {
            let adjacent = lo == last.1 + 1;
            if hi > last.1 {
                last.1 = hi;
            }
            if adjacent {
                self.note(2, FormatNote::RangesNotMerged { offset: at });
            } else {
                self.note(1, FormatNote::RangesOverlap { offset: at });
            }
        }
    }

    #[cold]
    fn note(&mut self, kind: usize, n: FormatNote) {
        if !self.noted[kind] {
            self.noted[kind] = true;
            if let Some(v) = self.notes.as_deref_mut() {
                v.push(n);
            }
        }
    }

    fn finish(self) -> GlobSet {
        let mut ranges = self.ranges;
        if self.unsorted {
            ranges.sort_unstable();
            ranges = merge_sorted(ranges);
        }
        if ranges.capacity() > 2 * ranges.len() + 16 {
            ranges.shrink_to_fit();
        }
        GlobSet { ranges }
    }
}

/// Decodes one GLOBSET at the reader's position, up to and including its End
/// command. Deviations from 3.1.5.4.1 go to `notes` when given.
pub(crate) fn read_globset(
    r: &mut Reader<'_>,
    notes: Option<&mut Vec<FormatNote>>,
) -> Result<GlobSet, GlobSetError> {
    let buf = r.rest();
    let base = r.offset();
    let mut sink = Sink {
        // Typical encodings take 3-8 bytes per range. Capped, since `buf` is
        // the rest of the input, of which this GLOBSET may be a small part.
        ranges: Vec::with_capacity((buf.len() / 4).min(4096)),
        unsorted: false,
        noted: [false; 3],
        notes,
    };
    // The common byte stack: `prefix` holds the stacked bytes in the high
    // positions of a 48-bit value, `chunks` the size of each active Push.
    let mut prefix = 0u64;
    let mut depth = 0usize;
    let mut chunks = [0u8; 6];
    let mut nchunks = 0usize;
    let mut pos = 0usize;
    let truncated = |pos: usize, field: &'static str, needed: usize| {
        GlobSetError::Truncated(Truncated {
            offset: base + pos,
            field,
            needed,
            available: buf.len() - pos,
        })
    };
    loop {
        let Some(&cmd) = buf.get(pos) else {
            return Err(GlobSetError::MissingEnd {
                offset: base + pos,
                stacked: depth as u8,
            });
        };
        let at = pos;
        pos += 1;
        match cmd {
            1..=PUSH_MAX => {
                let n = cmd as usize;
                if depth + n > 6 {
                    return Err(GlobSetError::StackOverflow {
                        offset: base + at,
                        stacked: depth as u8,
                        push: cmd,
                    });
                }
                let Some(b) = be_at(buf, pos, n) else {
                    return Err(truncated(pos, "Push.CommonBytes", n));
                };
                pos += n;
                let v = b << (8 * (6 - depth - n));
                if depth + n == 6 {
                    // A full stack is a singleton; its bytes pop at once (3.1.5.4.3.2.1).
                    let g = prefix | v;
                    sink.emit(g, g, base + at);
                } else {
                    prefix |= v;
                    depth += n;
                    chunks[nchunks] = cmd;
                    nchunks += 1;
                }
            }
            POP => {
                if nchunks == 0 {
                    return Err(GlobSetError::PopEmptyStack { offset: base + at });
                }
                nchunks -= 1;
                depth -= chunks[nchunks] as usize;
                prefix &= high_mask(depth);
            }
            BITMASK => {
                if depth != 5 {
                    return Err(GlobSetError::BitmaskStack {
                        offset: base + at,
                        stacked: depth as u8,
                    });
                }
                let Some(&[sv, bm]) = buf.get(pos..pos + 2) else {
                    return Err(truncated(pos, "Bitmask operands", 2));
                };
                pos += 2;
                // Values sv, and sv + 1 + b for each set bit b (3.1.5.4.3.1.3).
                let top = if bm == 0 { 0 } else { 8 - bm.leading_zeros() };
                if sv as u32 + top > 0xFF {
                    return Err(GlobSetError::BitmaskOverflow {
                        offset: base + at,
                        starting_value: sv,
                        bitmask: bm,
                    });
                }
                let mut m = 1u32 | ((bm as u32) << 1);
                let mut shift = 0u32;
                let first = prefix | sv as u64;
                // Runs of one Bitmask are ascending and apart; when the first
                // lies clear above the previous range they all append as is.
                let clear = sink.ranges.last().is_none_or(|l| first > l.1 + 1);
                while m != 0 {
                    let z = m.trailing_zeros();
                    m >>= z;
                    shift += z;
                    let ones = (!m).trailing_zeros();
                    let lo = first + shift as u64;
                    let hi = lo + ones as u64 - 1;
                    if clear {
                        sink.ranges.push((lo, hi));
                    } else {
                        sink.emit(lo, hi, base + at);
                    }
                    m >>= ones;
                    shift += ones;
                }
            }
            RANGE => {
                // depth <= 5 between commands (a full Push pops at once), so n >= 1.
                let n = 6 - depth;
                let (Some(l), Some(h)) = (be_at(buf, pos, n), be_at(buf, pos + n, n)) else {
                    return Err(truncated(pos, "Range LowValue/HighValue", 2 * n));
                };
                pos += 2 * n;
                let lo = prefix | l;
                let hi = prefix | h;
                if lo > hi {
                    return Err(GlobSetError::RangeLowAboveHigh {
                        offset: base + at,
                        low: lo,
                        high: hi,
                    });
                }
                sink.emit(lo, hi, base + at);
            }
            END => {
                if depth != 0 {
                    return Err(GlobSetError::EndWithStack {
                        offset: base + at,
                        stacked: depth as u8,
                    });
                }
                r.skip(pos, "GLOBSET")?;
                return Ok(sink.finish());
            }
            _ => {
                return Err(GlobSetError::UnknownCommand {
                    offset: base + at,
                    command: cmd,
                });
            }
        }
    }
}

impl GlobSet {
    /// Decodes a standalone serialized GLOBSET: commands up to End, and
    /// nothing after it ([MS-OXCFXICS] 2.2.2.6, 3.1.5.4.3.2).
    pub fn decode(b: &[u8]) -> Result<Self, GlobSetError> {
        Self::decode_inner(b, None)
    }

    /// Like [`GlobSet::decode`], also returning the tolerated deviations
    /// from the formatted-IDSET rules (3.1.5.4.1).
    pub fn decode_with_notes(b: &[u8]) -> Result<(Self, Vec<FormatNote>), GlobSetError> {
        let mut notes = Vec::new();
        let s = Self::decode_inner(b, Some(&mut notes))?;
        Ok((s, notes))
    }

    fn decode_inner(b: &[u8], notes: Option<&mut Vec<FormatNote>>) -> Result<Self, GlobSetError> {
        let mut r = Reader::new(b);
        let s = read_globset(&mut r, notes)?;
        if !r.is_empty() {
            return Err(GlobSetError::TrailingBytes {
                offset: r.offset(),
                extra: r.remaining(),
            });
        }
        Ok(s)
    }

    /// Decodes one GLOBSET at the reader's position (for containers that
    /// embed a GLOBSET); the reader ends just after its End command.
    pub fn read(r: &mut Reader<'_>) -> Result<Self, GlobSetError> {
        read_globset(r, None)
    }
}
