//! LZ77 + DIRECT2 encoder ([MS-OXCRPC] 3.1.4.1.1.2.1, [MS-XCA] 2.3).
//!
//! Greedy matching over hash chains of 3-byte prefixes within the 8 KiB window.

use super::{MAX_MATCH, MAX_OFFSET, MIN_MATCH};

/// Hash table size for large inputs; small inputs get a smaller table so
/// that compressing a short ROP buffer stays cheap.
const MAX_HASH_BITS: u32 = 15;
const MIN_HASH_BITS: u32 = 8;
/// Candidates examined per position; bounds the work on repetitive input.
const MAX_CHAIN: usize = 32;
const NONE: u32 = u32::MAX;

/// Emits flag bits MSB-first and the items they describe, allocating a new
/// flag word only when the 33rd bit is needed ([MS-OXCRPC] 3.1.4.1.1.2.2.1).
struct Writer {
    out: Vec<u8>,
    flag_pos: usize,
    flags: u32,
    nbits: u32,
    /// Byte whose high nibble the next long match fills (shared nibble).
    nibble_pos: Option<usize>,
}

impl Writer {
    fn bit(&mut self, one: bool) {
        if self.nbits == 32 {
            self.flush_flags();
            self.flag_pos = self.out.len();
            self.out.extend_from_slice(&[0; 4]);
            self.flags = 0;
            self.nbits = 0;
        }
        self.flags |= u32::from(one) << (31 - self.nbits);
        self.nbits += 1;
    }

    fn flush_flags(&mut self) {
        self.out[self.flag_pos..self.flag_pos + 4].copy_from_slice(&self.flags.to_le_bytes());
    }

    fn literal(&mut self, b: u8) {
        self.bit(false);
        self.out.push(b);
    }

    /// A match of `length` bytes `distance` back ([MS-OXCRPC] 3.1.4.1.1.2.2.3–4).
    fn matched(&mut self, distance: usize, length: usize) {
        debug_assert!((1..=MAX_OFFSET).contains(&distance));
        debug_assert!((MIN_MATCH..=MAX_MATCH).contains(&length));
        self.bit(true);
        let l3 = length - 3;
        let md = (((distance - 1) << 3) | l3.min(7)) as u16;
        self.out.extend_from_slice(&md.to_le_bytes());
        if l3 < 7 {
            return;
        }
        let nib = (length - 10).min(15) as u8;
        match self.nibble_pos.take() {
            Some(p) => self.out[p] |= nib << 4,
            None => {
                self.nibble_pos = Some(self.out.len());
                self.out.push(nib);
            }
        }
        if nib < 15 {
            return;
        }
        let b = (length - 25).min(255) as u8;
        self.out.push(b);
        if b == 255 {
            self.out.extend_from_slice(&(l3 as u16).to_le_bytes());
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.bit(true); // end marker; the remaining low bits stay 0
        self.flush_flags();
        self.out
    }
}

/// Hash chains over positions of the input: `head[h]` is the latest position
/// with hash `h`, `prev[p % prev.len()]` the one before `p`. `prev` holds at
/// least the window (or the whole input when shorter), so no live entry is
/// overwritten.
struct Chains {
    head: Vec<u32>,
    prev: Vec<u32>,
    shift: u32,
}

impl Chains {
    fn new(input_len: usize) -> Self {
        let bits = input_len
            .max(1)
            .next_power_of_two()
            .trailing_zeros()
            .clamp(MIN_HASH_BITS, MAX_HASH_BITS);
        Chains {
            head: vec![NONE; 1 << bits],
            prev: vec![NONE; input_len.max(1).next_power_of_two().min(MAX_OFFSET)],
            shift: 32 - bits,
        }
    }

    fn hash3(&self, s: &[u8]) -> usize {
        let v = u32::from(s[0]) | u32::from(s[1]) << 8 | u32::from(s[2]) << 16;
        (v.wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    fn insert(&mut self, src: &[u8], p: usize) {
        if p + MIN_MATCH <= src.len() {
            let h = self.hash3(&src[p..]);
            let n = self.prev.len();
            self.prev[p % n] = self.head[h];
            self.head[h] = p as u32;
        }
    }

    /// Longest earlier match for position `p`: (distance, length).
    fn longest(&self, src: &[u8], p: usize) -> Option<(usize, usize)> {
        if p + MIN_MATCH > src.len() {
            return None;
        }
        let limit = (src.len() - p).min(MAX_MATCH);
        let mut best: Option<(usize, usize)> = None;
        let mut cand = self.head[self.hash3(&src[p..])];
        for _ in 0..MAX_CHAIN {
            if cand == NONE {
                break;
            }
            let c = cand as usize;
            if c >= p || p - c > MAX_OFFSET {
                break;
            }
            let len = src[c..]
                .iter()
                .zip(&src[p..p + limit])
                .take_while(|(a, b)| a == b)
                .count();
            if len >= MIN_MATCH && best.is_none_or(|(_, l)| len > l) {
                best = Some((p - c, len));
                if len == limit {
                    break;
                }
            }
            let next = self.prev[c % self.prev.len()];
            // A slot overwritten by a newer position ends the chain.
            if next != NONE && next as usize >= c {
                break;
            }
            cand = next;
        }
        best
    }
}

/// Compresses `src`. The output always decompresses to `src`; it ends with
/// the end-marker bit and leaves the unused flag bits 0.
pub fn compress(src: &[u8]) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::with_capacity(src.len() / 2 + 8),
        flag_pos: 0,
        flags: 0,
        nbits: 0,
        nibble_pos: None,
    };
    w.out.extend_from_slice(&[0; 4]);
    let mut chains = Chains::new(src.len());
    let mut p = 0;
    while p < src.len() {
        match chains.longest(src, p) {
            Some((distance, length)) => {
                w.matched(distance, length);
                for q in p..p + length {
                    chains.insert(src, q);
                }
                p += length;
            }
            None => {
                w.literal(src[p]);
                chains.insert(src, p);
                p += 1;
            }
        }
    }
    w.finish()
}
