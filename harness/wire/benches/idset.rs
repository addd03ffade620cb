//! Benchmarks for the idset codec: GLOBSET / IDSET decode and encode
//! throughput, in bytes of serialized data (`cargo bench -p ics-wire --bench idset`).
//!
//! Inputs: a set of 1,000,000 ranges (random lengths 1..=41 and gaps
//! 2..=600, so Push/Range/singleton commands under shared prefixes), and a
//! dense set of 1,000,000 counters with random 1..=2 gaps that encodes
//! almost entirely as Bitmask commands.

use divan::Bencher;
use divan::counter::BytesCount;
use ics_wire::idset::{GlobSet, ReplGuidSet};
use ics_wire::{GlobCnt, Guid, ReplGuid};

fn main() {
    divan::main();
}

/// xorshift64*: deterministic inputs without a rand dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn g(v: u64) -> GlobCnt {
    GlobCnt::new(v).unwrap()
}

fn million_ranges() -> GlobSet {
    let mut rng = Rng(0x1234_5678);
    let mut cur = 0x0000_1000_0000u64;
    let mut r = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        let len = rng.next() % 41;
        r.push((g(cur), g(cur + len)));
        cur += len + 2 + rng.next() % 599;
    }
    let s = GlobSet::from_ranges(r);
    assert_eq!(s.range_count(), 1_000_000);
    s
}

fn dense_bitmask() -> GlobSet {
    let mut rng = Rng(0x9E37_79B9);
    let mut cur = 0x0000_2000_0000u64;
    let mut s = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        s.push(g(cur));
        cur += 1 + (rng.next() & 1) + 1;
    }
    s.into_iter().collect()
}

fn report(name: &str, s: &GlobSet) -> Vec<u8> {
    let b = s.to_bytes();
    eprintln!(
        "{name}: {} ranges, {} ids, {} bytes encoded ({:.2} bytes/range)",
        s.range_count(),
        s.count(),
        b.len(),
        b.len() as f64 / s.range_count() as f64
    );
    b
}

#[divan::bench(sample_count = 20)]
fn decode_1m_ranges(bencher: Bencher) {
    let b = report("1m_ranges", &million_ranges());
    bencher
        .counter(BytesCount::new(b.len()))
        .bench_local(|| GlobSet::decode(divan::black_box(&b)).unwrap());
}

#[divan::bench(sample_count = 20)]
fn encode_1m_ranges(bencher: Bencher) {
    let s = million_ranges();
    let len = s.to_bytes().len();
    let mut out = Vec::with_capacity(len);
    bencher.counter(BytesCount::new(len)).bench_local(|| {
        out.clear();
        divan::black_box(&s).encode(&mut out);
        divan::black_box(out.len())
    });
}

#[divan::bench(sample_count = 20)]
fn decode_dense_bitmask(bencher: Bencher) {
    let b = report("dense_bitmask", &dense_bitmask());
    bencher
        .counter(BytesCount::new(b.len()))
        .bench_local(|| GlobSet::decode(divan::black_box(&b)).unwrap());
}

#[divan::bench(sample_count = 20)]
fn encode_dense_bitmask(bencher: Bencher) {
    let s = dense_bitmask();
    let len = s.to_bytes().len();
    let mut out = Vec::with_capacity(len);
    bencher.counter(BytesCount::new(len)).bench_local(|| {
        out.clear();
        divan::black_box(&s).encode(&mut out);
        divan::black_box(out.len())
    });
}

/// The REPLGUID form as the ICS state carries it: 4 replicas of 250,000 ranges.
#[divan::bench(sample_count = 20)]
fn decode_replguid_form_1m_ranges(bencher: Bencher) {
    let all: Vec<(GlobCnt, GlobCnt)> = million_ranges().ranges().collect();
    let mut set = ReplGuidSet::new();
    for (i, chunk) in all.chunks(250_000).enumerate() {
        set.insert_globset(
            ReplGuid(Guid([i as u8; 16])),
            &GlobSet::from_ranges(chunk.iter().copied()),
        );
    }
    let b = set.encode_replguid();
    bencher
        .counter(BytesCount::new(b.len()))
        .bench_local(|| ReplGuidSet::decode_replguid(divan::black_box(&b)).unwrap());
}
