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

/// Appends bytes `from..to` (0 = most significant) of a 48-bit value.
#[inline]
fn put(out: &mut Vec<u8>, v: u64, from: usize, to: usize) {
    let b = v.to_be_bytes();
    out.extend_from_slice(&b[2 + from..2 + to]);
}

/// One range at stack depth `k` (its low and high share the `k` stacked bytes).
#[inline]
fn single(out: &mut Vec<u8>, lo: u64, hi: u64, k: usize) {
    let d = common_len(lo, hi);
    if d == 6 {
        // Push completing the stack: a singleton, popped automatically.
        out.push((6 - k) as u8);
        put(out, lo, k, 6);
    } else if d - k > 2 {
        // Push(d-k)+Range+Pop = 15-k-d bytes < Range alone = 13-2k bytes.
        out.push((d - k) as u8);
        put(out, lo, k, d);
        out.push(RANGE);
        put(out, lo, d, 6);
        put(out, hi, d, 6);
        out.push(POP);
    } else {
        out.push(RANGE);
        put(out, lo, k, 6);
        put(out, hi, k, 6);
    }
}

/// Ranges sharing the 5 stacked bytes: greedy Bitmask for 2+ ranges that fit
/// in the 9 values from the first one's low byte, otherwise one at a time.
fn level5(out: &mut Vec<u8>, r: &[(u64, u64)]) {
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
            out.extend_from_slice(&[BITMASK, sv as u8, bm as u8]);
            i = j;
        } else {
            single(out, r[i].0, r[i].1, 5);
            i += 1;
        }
    }
}

/// Ranges sharing the `k` stacked bytes.
fn level(out: &mut Vec<u8>, r: &[(u64, u64)], k: usize) {
    if k == 5 {
        return level5(out, r);
    }
    let shift = 8 * (5 - k);
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
        let mut j = i + 1;
        while j < r.len() && r[j].1 >> shift == key {
            j += 1;
        }
        if j == i + 1 {
            single(out, lo, hi, k);
        } else {
            let g = &r[i..j];
            let c = common_len(g[0].0, g[g.len() - 1].1);
            let start = out.len();
            out.push((c - k) as u8);
            put(out, lo, k, c);
            level(out, g, c);
            out.push(POP);
            // Pushing saves >= (c-k) per range against 2 + (c-k) overhead, so it
            // can only lose for two ranges and a 1-byte push: compare then.
            if g.len() == 2 && c == k + 1 {
                let pushed = out.len() - start;
                let flat: usize = g.iter().map(|&(a, b)| single_len(a, b, k)).sum();
                if flat < pushed {
                    out.truncate(start);
                    for &(a, b) in g {
                        single(out, a, b, k);
                    }
                }
            }
        }
        i = j;
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
        level(out, &self.ranges, 0);
        out.push(END);
    }

    /// The canonical GLOBSET command encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(8 + 6 * self.ranges.len());
        self.encode(&mut v);
        v
    }
}
