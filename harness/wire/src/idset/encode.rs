//! GLOBSET encoder ([MS-OXCFXICS] 3.1.5.4.3.1.x; `idset.md` §9).
//!
//! Canonical: the output is a function of the set alone (the ranges are
//! always sorted and maximal). Compact: the common high-order bytes of a
//! group of ranges are pushed once when that is shorter; a range whose low
//! and high share more than 2 bytes beyond the stack gets its own Push; up
//! to 5 ranges within 9 values under a 5-byte prefix become one Bitmask;
//! a singleton is the Push that completes 6 bytes. Never emits Pop on an
//! empty stack, End with stacked bytes, or a Bitmask crossing 0xFF.

use super::decode::{BITMASK, END, POP, RANGE};
use super::globset::GlobSet;

/// Number of equal leading bytes of two 48-bit values (6 if equal).
#[inline]
fn common_len(a: u64, b: u64) -> usize {
    (((a ^ b) << 16).leading_zeros() as usize / 8).min(6)
}

/// Bytes `from..to` (0 = most significant) of a 48-bit value, as the low
/// `to - from` bytes of the result.
#[inline]
fn bytes(v: u64, from: usize, to: usize) -> u128 {
    ((v & (0xFFFF_FFFF_FFFF >> (8 * from))) >> (8 * (6 - to))) as u128
}

/// The output vector. Each command goes out as one fixed-size copy and a
/// truncate: cheaper than a variable-length append.
struct Out {
    v: Vec<u8>,
}

impl Out {
    /// Appends the first `n` (at most 8) bytes of `x`, big-endian.
    #[inline(always)]
    fn put8(&mut self, x: u64, n: usize) {
        let len = self.v.len();
        self.v.extend_from_slice(&x.to_be_bytes());
        self.v.truncate(len + n);
    }

    /// Appends the first `n` (at most 16) bytes of `x`, big-endian.
    #[inline(always)]
    fn put16(&mut self, x: u128, n: usize) {
        let len = self.v.len();
        self.v.extend_from_slice(&x.to_be_bytes());
        self.v.truncate(len + n);
    }

    /// Appends one byte.
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.v.push(b);
    }

    /// Appends bytes `from..to` of a 48-bit value.
    #[inline]
    fn bytes(&mut self, v: u64, from: usize, to: usize) {
        self.put16(bytes(v, from, to) << (8 * (16 - (to - from))), to - from);
    }
}

/// One range at stack depth `k` (its low and high share the `k` stacked bytes).
#[inline(always)]
fn single(out: &mut Out, lo: u64, hi: u64, k: usize) {
    let d = common_len(lo, hi);
    let m = 6 - k;
    let low = (1u64 << (8 * m)) - 1;
    if d == 6 {
        // Push completing the stack: a singleton, popped automatically.
        let v = ((m as u64) << (8 * m)) | (lo & low);
        out.put8(v << (8 * (7 - m)), 1 + m);
    } else if d - k <= 2 && m <= 3 {
        // Range with m-byte operands, 1 + 2m <= 7 bytes.
        let v = ((RANGE as u64) << (16 * m)) | ((lo & low) << (8 * m)) | (hi & low);
        out.put8(v << (8 * (7 - 2 * m)), 1 + 2 * m);
    } else {
        single_wide(out, lo, hi, k, d);
    }
}

/// [`single`] for outputs of up to 16 bytes: long Ranges near the root, and
/// Push(d-k)+Range+Pop.
#[cold]
fn single_wide(out: &mut Out, lo: u64, hi: u64, k: usize, d: usize) {
    // Commands are packed big-endian into `acc`, `n` bytes so far.
    let mut acc: u128 = 0;
    let mut n = 0usize;
    let mut add = |v: u128, len: usize| {
        acc = (acc << (8 * len)) | v;
        n += len;
    };
    if d - k > 2 {
        // Push(d-k)+Range+Pop = 15-k-d bytes < Range alone = 13-2k bytes.
        add((d - k) as u128, 1);
        add(bytes(lo, k, d), d - k);
        add(RANGE as u128, 1);
        add(bytes(lo, d, 6), 6 - d);
        add(bytes(hi, d, 6), 6 - d);
        add(POP as u128, 1);
    } else {
        add(RANGE as u128, 1);
        add(bytes(lo, k, 6), 6 - k);
        add(bytes(hi, k, 6), 6 - k);
    }
    out.put16(acc << (8 * (16 - n)), n);
}

/// End of the run of ranges from `i` whose high value has `key` above
/// `shift` (the run is sorted, so this is monotonic): galloping search, so
/// a run costs O(log length), a singleton one comparison.
#[inline]
fn run_end(r: &[(u64, u64)], i: usize, shift: u32, key: u64) -> usize {
    let inside = |j: usize| r[j].1 >> shift == key;
    let mut lo = i + 1; // first index not yet known to be inside
    let mut step = 1;
    while lo < r.len() && inside(lo) {
        let next = lo + step;
        if next >= r.len() || !inside(next) {
            // Answer in (lo, min(next, len)].
            let hi = next.min(r.len());
            return lo + 1 + r[lo + 1..hi].partition_point(|x| x.1 >> shift == key);
        }
        lo = next + 1;
        step *= 2;
    }
    lo
}

/// Ranges sharing the 5 stacked bytes: greedy Bitmask for 2+ ranges that fit
/// in the 9 values from the first one's low byte, otherwise one at a time.
fn level5(out: &mut Out, r: &[(u64, u64)]) {
    let mut i = 0;
    while i < r.len() {
        let sv = r[i].0 & 0xFF;
        let w = (sv + 8).min(0xFF);
        let mut j = i;
        while j < r.len() && (r[j].1 & 0xFF) <= w {
            j += 1;
        }
        if j - i >= 2 {
            let mut bm = 0u32;
            for &(lo, hi) in &r[i..j] {
                for v in (lo & 0xFF).max(sv + 1)..=(hi & 0xFF) {
                    bm |= 1 << (v - sv - 1);
                }
            }
            out.put8(
                ((BITMASK as u64) << 56) | (sv << 48) | ((bm as u64) << 40),
                3,
            );
            i = j;
        } else {
            single(out, r[i].0, r[i].1, 5);
            i += 1;
        }
    }
}

/// Ranges sharing the `k` stacked bytes.
fn level(out: &mut Out, r: &[(u64, u64)], k: usize) {
    if k == 5 {
        return level5(out, r);
    }
    let shift = 8 * (5 - k) as u32;
    let mut i = 0;
    while i < r.len() {
        let (lo, hi) = r[i];
        let key = lo >> shift;
        if hi >> shift != key {
            // Spans several values of byte k: a Range at this depth.
            single(out, lo, hi, k);
            i += 1;
            continue;
        }
        // The run of ranges lying wholly under the same k+1 bytes.
        let j = run_end(r, i, shift, key);
        if j == i + 1 {
            single(out, lo, hi, k);
        } else {
            let g = &r[i..j];
            let c = common_len(g[0].0, g[g.len() - 1].1);
            // Pushing saves >= (c-k) per range against 2 + (c-k) overhead, so
            // it can only lose for two ranges and a 1-byte push: compare then.
            let flat = g.len() == 2 && c == k + 1 && {
                let (a, b) = (g[0], g[1]);
                let flat = single_len(a.0, a.1, k) + single_len(b.0, b.1, k);
                flat < 2 + (c - k) + pair_len(a, b, c)
            };
            if flat {
                single(out, g[0].0, g[0].1, k);
                single(out, g[1].0, g[1].1, k);
            } else {
                out.byte((c - k) as u8);
                out.bytes(lo, k, c);
                level(out, g, c);
                out.byte(POP);
            }
        }
        i = j;
    }
}

/// Length of [`level`]'s output for two ranges at depth `c`, where their
/// low and high differ at byte `c` (so below depth 5 each is a single).
fn pair_len(a: (u64, u64), b: (u64, u64), c: usize) -> usize {
    if c == 5 && (b.1 & 0xFF) <= ((a.0 & 0xFF) + 8).min(0xFF) {
        3 // one Bitmask, as level5 does
    } else {
        single_len(a.0, a.1, c) + single_len(b.0, b.1, c)
    }
}

/// Length of [`single`]'s output.
fn single_len(lo: u64, hi: u64, k: usize) -> usize {
    let d = common_len(lo, hi);
    if d == 6 {
        7 - k
    } else if d - k > 2 {
        15 - k - d
    } else {
        13 - 2 * k
    }
}

impl GlobSet {
    /// Appends the canonical GLOBSET command encoding, End included
    /// ([MS-OXCFXICS] 2.2.2.6). The empty set is the single byte `00`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut w = Out {
            v: std::mem::take(out),
        };
        // Typical outputs take 2-8 bytes per range; one reservation up front.
        w.v.reserve(6 * self.ranges.len() + 16);
        level(&mut w, &self.ranges, 0);
        w.byte(END);
        *out = w.v;
    }

    /// The canonical GLOBSET command encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + 6 * self.ranges.len());
        self.encode(&mut v);
        v
    }
}
