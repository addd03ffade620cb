//! End-to-end sync benchmarks, in process: server stream production, GetBuffer
//! portions, FastTransfer parsing, conversion, and the SQLite transaction
//! (file database in WAL mode). The server is the test fake behind `IcsOps`
//! (tests/common/fake.rs) until the reference server's ROP session lands.
//!
//! Run: `nice cargo bench -p ics-client --bench sync`

#[allow(unused_imports)]
#[path = "../tests/common/mod.rs"]
mod common;

use common::fake::FakeServer;
use common::subject;
use divan::Bencher;
use divan::counter::ItemsCount;
use ics_client::model::Prop;
use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_wire::prop::{PropValue, tags};

const F: u64 = 0x0001_0000_0000_0001;

fn main() {
    divan::main();
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

fn server(n: usize) -> FakeServer {
    let mut s = FakeServer::default();
    s.folder(F);
    s.chunk = 32 * 1024;
    for i in 0..n {
        let body = Prop::tagged(
            tags::PID_TAG_BODY,
            PropValue::unicode("a short message body of some forty chars"),
        );
        s.add(F, vec![subject(&format!("message {i}")), body], false);
    }
    s
}

fn temp_db(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("ics-client-bench-{}-{tag}.db", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

/// Initial full sync of N messages into an empty file replica.
#[divan::bench(args = [10_000, 100_000], sample_count = 3, sample_size = 1)]
fn full_sync(b: Bencher, n: usize) {
    let rt = runtime();
    let base = server(n);
    b.counter(ItemsCount::new(n))
        .with_inputs(|| {
            let mut s = FakeServer::default();
            s.folders = base.folders.clone();
            s.chunk = base.chunk;
            let path = temp_db("full");
            let r = Replica::open(&path).unwrap();
            rt.block_on(Client::connect(s, r, SyncOptions::default()))
                .unwrap()
        })
        .bench_local_values(|mut c| {
            let rep = rt
                .block_on(c.sync_contents(F, &CancelToken::new()))
                .unwrap();
            assert_eq!(rep.download.full as usize, n);
            c
        });
}

/// Incremental sync of 10 changed messages in a folder of N already synced.
#[divan::bench(args = [10_000, 100_000], sample_count = 10, sample_size = 1)]
fn incremental_10(b: Bencher, n: usize) {
    let rt = runtime();
    let path = temp_db("incr");
    let mut c = rt
        .block_on(Client::connect(
            server(n),
            Replica::open(&path).unwrap(),
            SyncOptions::default(),
        ))
        .unwrap();
    rt.block_on(c.sync_contents(F, &CancelToken::new()))
        .unwrap();
    let keys: Vec<u64> = c.ops_mut().folders[&F].keys().copied().collect();
    let mut round = 0usize;
    b.counter(ItemsCount::new(10usize)).bench_local(|| {
        round += 1;
        for k in 0..10 {
            let g = keys[(round * 10 + k) % keys.len()];
            c.ops_mut()
                .modify(F, g, vec![subject(&format!("round {round}"))]);
        }
        let rep = rt
            .block_on(c.sync_contents(F, &CancelToken::new()))
            .unwrap();
        assert_eq!(rep.download.full, 10);
    });
}

/// The reference server in process, behind ROP buffers.
mod reference {
    use std::future::Future;

    use ics_client::transport::{RopTransport, TransportError};
    use ics_server::session::Session;

    pub struct InProcess(pub Session);

    impl RopTransport for InProcess {
        fn execute(
            &mut self,
            request: Vec<u8>,
        ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
            std::future::ready(
                self.0
                    .execute(&request)
                    .map_err(|e| TransportError::Other(e.to_string())),
            )
        }
    }
}

fn reference_server(n: usize) -> (ics_server::session::Session, ics_wire::Fid) {
    use ics_server::mailbox::{Mailbox, MessageContent};
    use ics_server::session::{Session, profile::Profile};
    use ics_wire::prop::TaggedValue;
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let f = s.special_folders()[4];
    for i in 0..n {
        let props = [
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode(&format!("message {i}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("a short message body of some forty chars"),
            },
        ];
        s.mailbox_mut()
            .create_message(f, false, MessageContent::with_props(props))
            .unwrap();
    }
    (s, f)
}

type RefClient = Client<ics_client::sync::rop_session::RopSession<reference::InProcess>>;

fn reference_client(rt: &tokio::runtime::Runtime, n: usize, tag: &str) -> (RefClient, u64) {
    let (s, f) = reference_server(n);
    let ops =
        ics_client::sync::rop_session::RopSession::new(reference::InProcess(s), "/o=ics/cn=user");
    let c = rt
        .block_on(Client::connect(
            ops,
            Replica::open(temp_db(tag)).unwrap(),
            SyncOptions::default(),
        ))
        .unwrap();
    (c, f.to_u64_le())
}

/// Initial full sync of N messages from the reference server through ROP buffers.
#[divan::bench(args = [10_000, 100_000], sample_count = 3, sample_size = 1)]
fn full_sync_reference_server(b: Bencher, n: usize) {
    let rt = runtime();
    b.counter(ItemsCount::new(n))
        .with_inputs(|| reference_client(&rt, n, "ref-full"))
        .bench_local_values(|(mut c, fid)| {
            let rep = rt
                .block_on(c.sync_contents(fid, &CancelToken::new()))
                .unwrap();
            assert_eq!(rep.download.full as usize, n);
            c
        });
}

/// Incremental sync of 10 changes (property edits, partial items) from the
/// reference server, in a folder of N synced messages.
#[divan::bench(args = [10_000, 100_000], sample_count = 10, sample_size = 1)]
fn incremental_10_reference_server(b: Bencher, n: usize) {
    use ics_server::mailbox::MessageEdit;
    use ics_wire::prop::TaggedValue;
    let rt = runtime();
    let (mut c, fid) = reference_client(&rt, n, "ref-incr");
    rt.block_on(c.sync_contents(fid, &CancelToken::new()))
        .unwrap();
    let mids: Vec<ics_wire::Mid> = {
        let s = &c.ops_mut().transport_mut().0;
        let f = s.special_folders()[4];
        s.mailbox()
            .folder(f)
            .unwrap()
            .messages()
            .map(|m| m.mid)
            .take(1000)
            .collect()
    };
    let mut round = 0usize;
    b.counter(ItemsCount::new(10usize)).bench_local(|| {
        round += 1;
        let mb = c.ops_mut().transport_mut().0.mailbox_mut();
        for k in 0..10 {
            let mid = mids[(round * 10 + k) % mids.len()];
            let edit = MessageEdit {
                set: vec![TaggedValue {
                    tag: tags::PID_TAG_SUBJECT,
                    value: PropValue::unicode(&format!("round {round}")),
                }],
                ..MessageEdit::default()
            };
            mb.modify_message(mid, edit, None).unwrap();
        }
        let rep = rt
            .block_on(c.sync_contents(fid, &CancelToken::new()))
            .unwrap();
        assert_eq!(rep.download.full + rep.download.partial, 10);
    });
}
