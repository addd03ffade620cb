//! Throughput of the LZ77 + DIRECT2 codec on 1 MB inputs: text-like,
//! repetitive and random. `cargo bench -p ics-wire --bench lz77`; the ratios
//! are printed once before the timings.

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use ics_wire::lz77::{compress, decompress_exact};

const SIZE: usize = 1 << 20;

fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// Words of a mailbox-ish vocabulary in pseudo-random order.
fn text_like() -> Vec<u8> {
    let words: Vec<&str> =
        "the of and to a in is that for it as with was on be by this are from at or an \
        message folder synchronization state change number server client Exchange property \
        PidTagSourceKey PidTagChangeKey IDSET GLOBCNT replica mailbox subject body recipient \
        attachment meeting invitation please review the attached document regards thanks \
        hello world report quarterly results project schedule update\r\n"
            .split(' ')
            .collect();
    let mut r = xorshift(42);
    let mut out = Vec::with_capacity(SIZE + 64);
    while out.len() < SIZE {
        out.extend_from_slice(words[(r() % words.len() as u64) as usize].as_bytes());
        out.push(b' ');
    }
    out.truncate(SIZE);
    out
}

/// A 300-byte record repeated with a counter, like a table of similar rows.
fn repetitive() -> Vec<u8> {
    let row =
        b"IPM.Note\0From: user1@contoso.com\0To: user2@contoso.com\0Subject: status\0".repeat(4);
    let mut out = Vec::with_capacity(SIZE + row.len());
    let mut i = 0u32;
    while out.len() < SIZE {
        out.extend_from_slice(&row);
        out.extend_from_slice(&i.to_le_bytes());
        i += 1;
    }
    out.truncate(SIZE);
    out
}

fn random() -> Vec<u8> {
    let mut r = xorshift(7);
    (0..SIZE).map(|_| r() as u8).collect()
}

fn input(kind: &str) -> Vec<u8> {
    match kind {
        "text" => text_like(),
        "repetitive" => repetitive(),
        _ => random(),
    }
}

const KINDS: [&str; 3] = ["text", "repetitive", "random"];

#[divan::bench(args = KINDS)]
fn compress_1mb(bencher: Bencher, kind: &str) {
    let src = input(kind);
    bencher
        .counter(BytesCount::new(src.len()))
        .bench(|| compress(black_box(&src)));
}

#[divan::bench(args = KINDS)]
fn decompress_1mb(bencher: Bencher, kind: &str) {
    let src = input(kind);
    let c = compress(&src);
    bencher
        .counter(BytesCount::new(src.len()))
        .bench(|| decompress_exact(black_box(&c), src.len()).unwrap());
}

fn main() {
    for kind in KINDS {
        let src = input(kind);
        let c = compress(&src);
        println!(
            "lz77 ratio {kind}: {} -> {} bytes ({:.1}% of input)",
            src.len(),
            c.len(),
            100.0 * c.len() as f64 / src.len() as f64
        );
    }
    divan::main();
}
