//! Property: random server changes, random client changes and random faults
//! (busy, cut connection, cancel) always end with the replica equal to the
//! server folder once a fault-free sync ran — no duplicate, no lost item.
//! Runs against the in-memory fake server (tests/common/fake.rs).

mod common;

use common::fake::*;
use common::{replica_content, subject};
use ics_client::replica::Replica;
use ics_client::sync::busy::EC_SERVER_BUSY;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};
use proptest::prelude::*;

const F: u64 = 0x0001_0000_0000_0001;

#[derive(Clone, Debug)]
enum Op {
    ServerAdd(bool),
    ServerModify(usize),
    ServerDelete(usize),
    ServerRead(usize, bool),
    ClientCreate,
    ClientModify(usize),
    ClientDelete(usize),
    ClientRead(usize, bool),
    Sync(Fault),
}

#[derive(Clone, Debug)]
enum Fault {
    None,
    Busy(u8),
    Cut(u8),
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<bool>().prop_map(Op::ServerAdd),
        2 => any::<usize>().prop_map(Op::ServerModify),
        1 => any::<usize>().prop_map(Op::ServerDelete),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ServerRead(i, r)),
        2 => Just(Op::ClientCreate),
        2 => any::<usize>().prop_map(Op::ClientModify),
        1 => any::<usize>().prop_map(Op::ClientDelete),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ClientRead(i, r)),
        3 => prop_oneof![
            Just(Fault::None),
            (1u8..4).prop_map(Fault::Busy),
            (1u8..4).prop_map(Fault::Cut),
            Just(Fault::Cancel),
        ]
        .prop_map(Op::Sync),
    ]
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let mut s = FakeServer::default();
        s.folder(F);
        s.chunk = 256;
        let mut c = Client::connect(
            s,
            Replica::open_in_memory().unwrap(),
            SyncOptions::default(),
        )
        .await
        .unwrap();
        c.sync_contents(F, &CancelToken::new()).await.unwrap();
        let mut n = 0u32;
        for op in ops {
            n += 1;
            let server_keys: Vec<u64> = c.ops_mut().folders[&F].keys().copied().collect();
            let local_keys: Vec<Vec<u8>> = c
                .replica()
                .messages_in_fid(F)
                .unwrap()
                .into_iter()
                .filter(|m| m.local != ics_client::replica::schema::LOCAL_DELETED)
                .map(|m| m.source_key)
                .collect();
            match op {
                Op::ServerAdd(fai) => {
                    c.ops_mut().add(F, vec![subject(&format!("s{n}"))], fai);
                }
                Op::ServerModify(i) if !server_keys.is_empty() => {
                    let g = server_keys[i % server_keys.len()];
                    c.ops_mut().modify(F, g, vec![subject(&format!("sm{n}"))]);
                }
                Op::ServerDelete(i) if !server_keys.is_empty() => {
                    let g = server_keys[i % server_keys.len()];
                    c.ops_mut().delete(F, g);
                }
                Op::ServerRead(i, r) if !server_keys.is_empty() => {
                    let g = server_keys[i % server_keys.len()];
                    c.ops_mut().set_read(F, g, r);
                }
                Op::ClientCreate => {
                    c.ensure_ids().await.unwrap();
                    c.replica_mut()
                        .create_local_message(
                            F,
                            false,
                            &[subject(&format!("c{n}"))],
                            10_000 + u64::from(n),
                        )
                        .unwrap();
                }
                Op::ClientModify(i) if !local_keys.is_empty() => {
                    let sk = &local_keys[i % local_keys.len()];
                    c.replica_mut()
                        .modify_local_message(
                            sk,
                            &[subject(&format!("cm{n}"))],
                            &[],
                            10_000 + u64::from(n),
                        )
                        .unwrap();
                }
                Op::ClientDelete(i) if !local_keys.is_empty() => {
                    let sk = local_keys[i % local_keys.len()].clone();
                    c.replica_mut().delete_local_message(&sk).unwrap();
                }
                Op::ClientRead(i, r) if !local_keys.is_empty() => {
                    let sk = local_keys[i % local_keys.len()].clone();
                    c.replica_mut().set_read_local(&sk, r).unwrap();
                }
                Op::Sync(fault) => {
                    let cancel = CancelToken::new();
                    match fault {
                        Fault::None => {}
                        Fault::Busy(k) => {
                            for _ in 0..k {
                                c.ops_mut().busy.push_back((EC_SERVER_BUSY, Some(100)));
                            }
                        }
                        Fault::Cut(k) => {
                            let calls = c.ops_mut().get_buffer_calls;
                            c.ops_mut().cut_at_get_buffer = Some(calls + u64::from(k));
                        }
                        Fault::Cancel => cancel.cancel(),
                    }
                    let r = c.sync_contents(F, &cancel).await;
                    c.ops_mut().cut_at_get_buffer = None;
                    if matches!(fault, Fault::None | Fault::Busy(_)) {
                        prop_assert!(r.is_ok(), "fault-free sync failed: {r:?}");
                    }
                }
                _ => {}
            }
        }
        // Fault-free syncs until nothing moves: conflicts need one more round.
        for _ in 0..3 {
            c.sync_contents(F, &CancelToken::new()).await.unwrap();
        }
        let server = c.ops_mut().content(F);
        prop_assert_eq!(replica_content(c.replica(), F), server);
        let pending = c.replica().pending(F).unwrap();
        prop_assert!(
            pending.changes.is_empty() && pending.deletes.is_empty() && pending.reads.is_empty()
        );
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replica_converges_to_server(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
