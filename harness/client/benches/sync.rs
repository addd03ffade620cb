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
