//! Bounds-checked little-endian reader and writer shared by all codecs.
//!
//! The [`Reader`] knows its absolute offset (for error messages) and never
//! reads past the bytes present; every length a decoder takes from the wire is
//! checked against [`Reader::remaining`] before anything is allocated.

use thiserror::Error;

/// Not enough bytes for a field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("truncated at offset {offset}: {field} needs {needed} bytes, {available} available")]
pub struct Truncated {
    /// Absolute offset where the field starts.
    pub offset: usize,
    /// The field being read.
    pub field: &'static str,
    /// Bytes the field needs.
    pub needed: usize,
    /// Bytes that were left.
    pub available: usize,
}

/// A cursor over a byte slice with an absolute base offset.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `buf` whose first byte is at absolute offset 0.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_base(buf, 0)
    }

    /// A reader over `buf` whose first byte is at absolute offset `base`.
    pub fn with_base(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub fn offset(&self) -> usize {
        self.base + self.pos
    }

    /// Position relative to the start of this reader.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    fn need(&self, n: usize, field: &'static str) -> Result<(), Truncated> {
        if self.remaining() < n {
            Err(Truncated {
                offset: self.offset(),
                field,
                needed: n,
                available: self.remaining(),
            })
        } else {
            Ok(())
        }
    }

    /// Takes `n` bytes.
    pub fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], Truncated> {
        self.need(n, field)?;
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Takes a fixed-size array.
    pub fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Truncated> {
        let s = self.bytes(N, field)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Looks at the next byte without consuming it.
    pub fn peek_u8(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// Reads a u8.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, Truncated> {
        Ok(self.array::<1>(field)?[0])
    }

    /// Reads a little-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, Truncated> {
        Ok(u16::from_le_bytes(self.array(field)?))
    }

    /// Reads a little-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, Truncated> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// Reads a little-endian u64.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, Truncated> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// Skips `n` bytes.
    pub fn skip(&mut self, n: usize, field: &'static str) -> Result<(), Truncated> {
        self.bytes(n, field).map(|_| ())
    }

    /// Checks that a count of items of at least `min_item_size` bytes each can
    /// fit in the remaining input, so a caller may allocate `count` items.
    pub fn check_count(
        &self,
        count: usize,
        min_item_size: usize,
        field: &'static str,
    ) -> Result<(), Truncated> {
        let needed = count.saturating_mul(min_item_size.max(1));
        self.need(needed, field)
    }
}

/// Little-endian writer helpers on a `Vec<u8>`.
pub trait WriteLe {
    /// Appends a u8.
    fn put_u8(&mut self, v: u8);
    /// Appends a little-endian u16.
    fn put_u16(&mut self, v: u16);
    /// Appends a little-endian u32.
    fn put_u32(&mut self, v: u32);
    /// Appends a little-endian u64.
    fn put_u64(&mut self, v: u64);
    /// Appends raw bytes.
    fn put_bytes(&mut self, v: &[u8]);
}

impl WriteLe for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_le_bytes());
    }
    fn put_bytes(&mut self, v: &[u8]) {
        self.extend_from_slice(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_names_offset_and_field() {
        let mut r = Reader::with_base(&[1, 2, 3], 10);
        assert_eq!(r.u16("a").unwrap(), 0x0201);
        let e = r.u32("b").unwrap_err();
        assert_eq!(
            e,
            Truncated {
                offset: 12,
                field: "b",
                needed: 4,
                available: 1
            }
        );
        assert_eq!(r.offset(), 12, "a failed read consumes nothing");
    }

    #[test]
    fn check_count_guards_allocation() {
        let r = Reader::new(&[0; 8]);
        assert!(r.check_count(2, 4, "x").is_ok());
        assert!(r.check_count(3, 4, "x").is_err());
        assert!(r.check_count(usize::MAX, 4, "x").is_err());
    }
}
