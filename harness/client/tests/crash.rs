//! Crash tests: a download stopped before any single write leaves the old
//! replica with the old state; applying the download again gives exactly the
//! replica of an uninterrupted run (R-275, [MS-OXCSYNC] 3.1.4).
//!
//! Two flavours: the fault hook rolls the transaction back in process, and a
//! child process calls `abort()` in the middle of the transaction (a real
//! crash: SQLite recovers from its WAL when the file is reopened).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;
use ics_client::ReplicaError;
use ics_client::model::*;
use ics_client::replica::Replica;
use ics_wire::prop::{PropValue, tags};

fn first() -> Vec<Change> {
    vec![
        full(
            1,
            1,
            vec![
                subject("one"),
                Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("b")),
            ],
        ),
        full(2, 1, vec![subject("two")]),
        full(3, 1, vec![subject("three")]),
        fai(4, 1, vec![subject("cfg")]),
    ]
}

/// A download with every kind of change.
fn second() -> Vec<Change> {
    vec![
        full(1, 2, vec![subject("one v2")]),
        Change::MessagePartial(MessagePartial {
            header: header(2, 2, false),
            mapping: vec![vec![PropKey::of_tag(tags::PID_TAG_SUBJECT)]],
            groups: vec![(0, vec![subject("two v2")])],
            children: Children::default(),
        }),
        full(
            5,
            1,
            vec![
                subject("new"),
                Prop::tagged(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(1)),
            ],
        ),
        fai(6, 1, vec![]),
        Change::ErrorInfo {
            error_code: 0x8004_010F,
            folder: None,
            message: Some(sk(7)),
        },
        Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(3)],
        },
        Change::ReadState {
            read: vec![sk(2)],
            unread: vec![],
        },
    ]
}

fn scope() -> Scope {
    Scope::contents(FOLDER)
}

fn run(r: &mut Replica, changes: &[Change], st: &StateBlobs) -> Result<(), ReplicaError> {
    let mut t = r.begin_download(&scope())?;
    for c in changes {
        t.apply(c)?;
    }
    t.commit(st)?;
    Ok(())
}

fn temp_db(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("ics-client-crash-{}-{name}.db", std::process::id()));
    remove_db(&p);
    p
}

fn remove_db(p: &Path) {
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
}

/// (dump after the first download, dump after both, number of write points of the second).
fn reference(name: &str) -> (String, String, usize) {
    let path = temp_db(name);
    let mut r = Replica::open(&path).unwrap();
    run(&mut r, &first(), &state(1)).unwrap();
    let old = r.dump().unwrap();
    let n = Arc::new(AtomicUsize::new(0));
    let n2 = n.clone();
    r.set_fault_hook(Some(Box::new(move |_, _| {
        n2.fetch_add(1, Ordering::SeqCst);
        false
    })));
    run(&mut r, &second(), &state(2)).unwrap();
    let new = r.dump().unwrap();
    drop(r);
    remove_db(&path);
    (old, new, n.load(Ordering::SeqCst))
}

#[test]
fn stop_before_any_write_then_resync() {
    let (old, new, points) = reference("ref-hook");
    assert!(points > 20, "the second download has {points} write points");
    for k in 0..points {
        let path = temp_db(&format!("hook-{k}"));
        {
            let mut r = Replica::open(&path).unwrap();
            run(&mut r, &first(), &state(1)).unwrap();
            r.set_fault_hook(Some(Box::new(move |p, _| p == k)));
            match run(&mut r, &second(), &state(2)) {
                Err(ReplicaError::InjectedCrash { point, .. }) => assert_eq!(point, k),
                other => panic!("point {k}: {other:?}"),
            }
            assert_eq!(
                r.dump().unwrap(),
                old,
                "point {k}: the old replica must remain"
            );
        }
        let mut r = Replica::open(&path).unwrap();
        assert_eq!(r.dump().unwrap(), old, "point {k}: after reopen");
        assert_eq!(r.state(&scope()).unwrap(), state(1));
        run(&mut r, &second(), &state(2)).unwrap();
        assert_eq!(
            r.dump().unwrap(),
            new,
            "point {k}: the resync must equal the uninterrupted run"
        );
        drop(r);
        remove_db(&path);
    }
}

const CHILD_ENV: &str = "ICS_CLIENT_CRASH_CHILD";

/// Child side of the process-abort test: only does something when spawned by it.
#[test]
fn crash_child_entry() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (k, path) = spec.split_once(':').expect("K:PATH");
    let k: usize = k.parse().expect("K");
    let mut r = Replica::open(path).unwrap();
    r.set_fault_hook(Some(Box::new(move |p, _| {
        if p == k {
            std::process::abort();
        }
        false
    })));
    let _ = run(&mut r, &second(), &state(2));
    // Only reached when k is past the last point: the download committed.
    std::process::exit(3);
}

#[test]
fn process_abort_before_any_write_then_resync() {
    let (old, new, points) = reference("ref-abort");
    let exe = std::env::current_exe().unwrap();
    // Every point, plus one past the end (the child commits and exits normally).
    for k in 0..=points {
        let path = temp_db(&format!("abort-{k}"));
        {
            let mut r = Replica::open(&path).unwrap();
            run(&mut r, &first(), &state(1)).unwrap();
        }
        let status = Command::new(&exe)
            .args([
                "--exact",
                "crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{k}:{}", path.display()))
            .output()
            .unwrap()
            .status;
        let mut r = Replica::open(&path).unwrap();
        if k < points {
            assert!(
                !status.success() && status.code() != Some(3),
                "point {k}: child should abort: {status}"
            );
            assert_eq!(
                r.dump().unwrap(),
                old,
                "point {k}: after a crash the old replica remains"
            );
            run(&mut r, &second(), &state(2)).unwrap();
        } else {
            assert_eq!(
                status.code(),
                Some(3),
                "the child completes past the last point"
            );
        }
        assert_eq!(r.dump().unwrap(), new, "point {k}");
        drop(r);
        remove_db(&path);
    }
}
