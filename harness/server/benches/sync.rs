//! ICS download engine benchmarks.
//!
//! * `incremental_10_of_1m`: 10 changed messages in a 1,000,000-message
//!   folder, from the state of a complete earlier sync (target < 1 ms).
//! * `full_1m`: the full sync of the same folder, for the ratio.
//! * `full_100k`: initial full sync of 100,000 messages, counted in
//!   messages (target >= 200,000 messages/s).
//!
//! Peak RSS (VmHWM) is printed after the fixtures are built.

use std::sync::OnceLock;

use divan::counter::ItemsCount;
use ics_server::ics::{Download, Element, SyncOptions, SyncState};
use ics_server::mailbox::{Mailbox, MessageContent, MessageEdit};
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropValue, TaggedValue, tags};

fn main() {
    divan::main();
    eprintln!("peak RSS (VmHWM): {}", peak_rss());
}

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "n/a".into())
}

struct Fixture {
    mb: Mailbox,
    folder: Fid,
    /// State after a complete sync, before the 10 changes.
    state: SyncState,
}

fn build(n: usize, changes: usize) -> Fixture {
    let mut mb = Mailbox::default();
    let folder = mb.create_folder(mb.root(), "Big").unwrap();
    let mut mids: Vec<Mid> = Vec::with_capacity(n);
    for i in 0..n {
        let content = MessageContent::with_props([
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode(&format!("message {i}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_MESSAGE_CLASS,
                value: PropValue::unicode("IPM.Note"),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("Hello, this is a short body."),
            },
        ]);
        mids.push(mb.create_message(folder, false, content).unwrap());
    }
    let state = complete_state(&mb, folder);
    let step = (n / changes.max(1)).max(1);
    for i in 0..changes {
        let mid = mids[(i * step + 7) % n];
        let set = vec![TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("changed"),
        }];
        mb.modify_message(
            mid,
            MessageEdit {
                set,
                ..Default::default()
            },
            None,
        )
        .unwrap();
    }
    eprintln!(
        "fixture {n} messages built; peak RSS so far {}; message record {} bytes",
        peak_rss(),
        std::mem::size_of::<ics_server::mailbox::Message>()
    );
    Fixture { mb, folder, state }
}

fn complete_state(mb: &Mailbox, folder: Fid) -> SyncState {
    let mut d = Download::new(mb, folder, SyncOptions::contents(), SyncState::empty()).unwrap();
    let mut last = None;
    while let Some(e) = d.next(mb).unwrap() {
        last = Some(e);
    }
    match last {
        Some(Element::State(s)) => s,
        other => panic!("no final state: {other:?}"),
    }
}

fn big() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(1_000_000, 10))
}

fn medium() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| build(100_000, 0))
}

fn run(f: &Fixture, st: &SyncState) -> usize {
    let mut d = Download::new(&f.mb, f.folder, SyncOptions::contents(), st.clone()).unwrap();
    let mut n = 0;
    while let Some(e) = d.next(&f.mb).unwrap() {
        if matches!(e, Element::MessageChange(_)) {
            n += 1;
        }
        divan::black_box(e);
    }
    n
}

#[divan::bench(sample_count = 50)]
fn incremental_10_of_1m(b: divan::Bencher) {
    let f = big();
    assert_eq!(run(f, &f.state), 10);
    b.bench(|| run(f, &f.state));
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn full_1m(b: divan::Bencher) {
    let f = big();
    let empty = SyncState::empty();
    b.counter(ItemsCount::new(1_000_000usize))
        .bench(|| run(f, &empty));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn full_100k(b: divan::Bencher) {
    let f = medium();
    let empty = SyncState::empty();
    b.counter(ItemsCount::new(100_000usize))
        .bench(|| run(f, &empty));
}
