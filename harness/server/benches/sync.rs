//! ICS download benchmarks.
//!
//! Engine level (elements, no bytes):
//! * `incremental_10_of_1m`: 10 changed messages in a 1,000,000-message
//!   folder, from the state of a complete earlier sync (target < 1 ms).
//! * `full_1m`: the full sync of the same folder, for the ratio.
//! * `full_100k`: initial full sync of 100,000 messages, counted in messages
//!   (target >= 200,000 messages/s).
//!
//! Through the ROP session (OpenFolder, Configure, state upload, GetBuffer
//! 0xBABE until Done, Release: FastTransfer encoding, legal-point splitting
//! and ROP framing included):
//! * `rops_incremental_10_of_1m`, `rops_full_100k`.
//!
//! Peak RSS (VmHWM) is printed after each fixture is built and at the end.
//!
//! On a loaded machine wall-clock samples are noisy: `ICS_CPU=N cargo bench
//! -p ics-server --bench sync` instead runs every case N times (the two
//! incremental ones 100 N times) and prints the CPU time of the bench thread
//! (/proc/thread-self/schedstat, Linux; the bench is single-threaded) per run.

use std::sync::{Mutex, OnceLock};

use divan::counter::{BytesCount, ItemsCount};
use ics_server::ics::{Download, Element, SyncOptions, SyncState};
use ics_server::mailbox::{Mailbox, MessageContent, MessageEdit};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::FastTransferSourceGetBufferRequest;
use ics_wire::rop::flags::{
    LogonFlags, OpenFlags, SendOptions, SynchronizationExtraFlags, SynchronizationFlags,
    SynchronizationType, TransferStatus,
};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::logon::LogonRequest;
use ics_wire::rop::state::{
    InputHandleRequest, SynchronizationUploadStateStreamBeginRequest,
    SynchronizationUploadStateStreamContinueRequest,
};
use ics_wire::rop::sync::SynchronizationConfigureRequest;
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::state::IcsState;

fn main() {
    match std::env::var("ICS_CPU") {
        Ok(n) => cpu_mode(n.parse().expect("ICS_CPU=N, a number of runs")),
        Err(_) => divan::main(),
    }
    eprintln!("peak RSS (VmHWM): {}", peak_rss());
}

/// CPU time of the calling thread in ns (/proc/thread-self/schedstat, field 1:
/// time spent on the CPU; nanosecond resolution, where utime/stime count 10 ms ticks).
fn cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    s.split(' ').next().unwrap().parse().unwrap()
}

/// CPU seconds per run of `f`, over `runs` runs.
fn cpu_per_run(runs: usize, mut f: impl FnMut()) -> f64 {
    let t0 = cpu_ns();
    for _ in 0..runs {
        f();
    }
    (cpu_ns() - t0) as f64 / 1e9 / runs as f64
}

fn cpu_mode(n: usize) {
    let (b, m) = (big(), medium());
    let empty = SyncState::empty();
    assert_eq!(run(b, &b.state), 10);
    assert_eq!(rops_sync(b, &b.wire_state).0, 10);
    let report = |name: &str, runs: usize, items: Option<f64>, secs: f64| match items {
        Some(k) => println!(
            "{name}: {:.3} ms CPU per run over {runs} runs, {:.0} messages per CPU-second",
            secs * 1e3,
            k / secs
        ),
        None => println!("{name}: {:.3} ms CPU per run over {runs} runs", secs * 1e3),
    };
    let t = cpu_per_run(100 * n, || {
        divan::black_box(run(b, &b.state));
    });
    report("incremental_10_of_1m", 100 * n, None, t);
    let t = cpu_per_run(n, || {
        divan::black_box(run(b, &empty));
    });
    report("full_1m", n, Some(1e6), t);
    let t = cpu_per_run(n, || {
        divan::black_box(run(m, &empty));
    });
    report("full_100k", n, Some(1e5), t);
    let t = cpu_per_run(100 * n, || {
        divan::black_box(rops_sync(b, &b.wire_state));
    });
    report("rops_incremental_10_of_1m", 100 * n, None, t);
    let t = cpu_per_run(n, || {
        divan::black_box(rops_sync(m, &IcsState::new()));
    });
    report("rops_full_100k", n, Some(1e5), t);
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
    session: Mutex<Session>,
    folder: Fid,
    /// State after a complete sync, before the changes.
    state: SyncState,
    /// The same state in wire form.
    wire_state: IcsState,
}

fn build(n: usize, changes: usize) -> Fixture {
    let mut session = Session::new(Mailbox::default(), Profile::default());
    let folder = session.special_folders()[4];
    let mb = session.mailbox_mut();
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
    let state = complete_state(mb, folder);
    let wire_state = state.to_ics(mb.ids());
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
    let mut s = session;
    logon(&mut s);
    eprintln!("fixture {n} messages built; peak RSS so far {}", peak_rss());
    Fixture {
        session: Mutex::new(s),
        folder,
        state,
        wire_state,
    }
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
    let s = f.session.lock().unwrap();
    let mb = s.mailbox();
    let mut d = Download::new(mb, f.folder, SyncOptions::contents(), st.clone()).unwrap();
    let mut n = 0;
    while let Some(e) = d.next(mb).unwrap() {
        if matches!(e, Element::MessageChange(_)) {
            n += 1;
        }
        divan::black_box(e);
    }
    n
}

const H: [u32; 3] = [0xFFFF_FFFF; 3];

fn exec(s: &mut Session, handles: &mut Vec<u32>, rops: Vec<RopRequest>) -> RopResponseBuffer {
    let req = RopRequestBuffer {
        rops,
        handles: handles.clone(),
    };
    let out = s.execute(&req.encode().unwrap()).unwrap();
    let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default()).unwrap();
    *handles = resp.handles.clone();
    resp
}

fn logon(s: &mut Session) {
    let mut h = H.to_vec();
    exec(
        s,
        &mut h,
        vec![RopRequest::Logon(LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: LogonFlags::PRIVATE,
            open_flags: OpenFlags(0),
            store_state: 0,
            essdn: Some(b"/o=bench".to_vec()),
        })],
    );
}

/// One complete contents download over ROPs; returns (changes, stream bytes).
fn rops_sync(f: &Fixture, st: &IcsState) -> (usize, usize) {
    let mut s = f.session.lock().unwrap();
    let mut h = vec![1, 0xFFFF_FFFF, 0xFFFF_FFFF];
    let mut rops = vec![
        RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: f.folder,
            ..Default::default()
        }),
        RopRequest::SynchronizationConfigure(SynchronizationConfigureRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            synchronization_type: SynchronizationType::CONTENTS,
            send_options: SendOptions::UNICODE,
            synchronization_flags: SynchronizationFlags(0x0001 | 0x0008 | 0x0010 | 0x0020),
            restriction_data: None,
            synchronization_extra_flags: SynchronizationExtraFlags(0),
            property_tags: vec![],
        }),
    ];
    for p in st.to_props(ics_wire::state::SynchronizationType::Contents) {
        let PropValue::Binary(data) = p.value else {
            unreachable!()
        };
        rops.push(RopRequest::SynchronizationUploadStateStreamBegin(
            SynchronizationUploadStateStreamBeginRequest {
                logon_id: 0,
                input_handle_index: 2,
                state_property: p.tag,
                transfer_buffer_size: data.len() as u32,
            },
        ));
        if !data.is_empty() {
            rops.push(RopRequest::SynchronizationUploadStateStreamContinue(
                SynchronizationUploadStateStreamContinueRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    stream_data: data,
                },
            ));
        }
        rops.push(RopRequest::SynchronizationUploadStateStreamEnd(
            InputHandleRequest {
                logon_id: 0,
                input_handle_index: 2,
            },
        ));
    }
    exec(&mut s, &mut h, rops);
    let (mut bytes, mut stream) = (0, Vec::new());
    loop {
        let r = exec(
            &mut s,
            &mut h,
            vec![RopRequest::FastTransferSourceGetBuffer(
                FastTransferSourceGetBufferRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    buffer_size: 0xBABE,
                    maximum_buffer_size: Some(0x7F00),
                },
            )],
        );
        let Some(RopResponse::FastTransferSourceGetBuffer(x)) = r.rops.into_iter().next() else {
            panic!()
        };
        bytes += x.transfer_buffer.len();
        if stream.len() < 1 << 16 {
            stream.extend_from_slice(&x.transfer_buffer);
        }
        if x.transfer_status == TransferStatus::DONE {
            break;
        }
    }
    exec(
        &mut s,
        &mut h,
        vec![
            RopRequest::Release(InputHandleRequest {
                logon_id: 0,
                input_handle_index: 2,
            }),
            RopRequest::Release(InputHandleRequest {
                logon_id: 0,
                input_handle_index: 1,
            }),
        ],
    );
    // Count changes: IncrSyncChg markers (03 00 12 40) in the first 64 KiB is
    // enough for the incremental case; the full case is known.
    let changes = stream
        .windows(4)
        .filter(|w| *w == [0x03, 0x00, 0x12, 0x40])
        .count();
    (changes, bytes)
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

#[divan::bench(sample_count = 50)]
fn rops_incremental_10_of_1m(b: divan::Bencher) {
    let f = big();
    assert_eq!(rops_sync(f, &f.wire_state).0, 10);
    b.bench(|| rops_sync(f, &f.wire_state));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn rops_full_100k(b: divan::Bencher) {
    let f = medium();
    let (_, bytes) = rops_sync(f, &IcsState::new());
    eprintln!("full 100k stream: {bytes} bytes");
    b.counter(ItemsCount::new(100_000usize))
        .counter(BytesCount::new(bytes))
        .bench(|| rops_sync(f, &IcsState::new()));
}
