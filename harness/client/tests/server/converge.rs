//! Property: random server changes, random client changes and random
//! faults (busy, cut connection, cancel) end with the replica equal to the
//! reference server's folder once fault-free syncs ran.

use super::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    ServerAdd(bool),
    ServerModify(usize),
    ServerDeleteBody(usize),
    ServerDelete(usize, bool),
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
    Busy(u32),
    Cut(u16),
    Cancel,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<bool>().prop_map(Op::ServerAdd),
        2 => any::<usize>().prop_map(Op::ServerModify),
        1 => any::<usize>().prop_map(Op::ServerDeleteBody),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, h)| Op::ServerDelete(i, h)),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ServerRead(i, r)),
        2 => Just(Op::ClientCreate),
        2 => any::<usize>().prop_map(Op::ClientModify),
        1 => any::<usize>().prop_map(Op::ClientDelete),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ClientRead(i, r)),
        3 => prop_oneof![
            Just(Fault::None),
            (1u32..3).prop_map(Fault::Busy),
            (1u16..2000).prop_map(Fault::Cut),
            Just(Fault::Cancel),
        ]
        .prop_map(Op::Sync),
    ]
}

async fn sync(c: &mut C, fid: u64, cancel: &CancelToken) -> Result<(), SyncError> {
    let r = c.sync_contents(fid, cancel).await;
    if let Err(SyncError::Op(OpError::Transport(TransportError::ConnectionLost))) = &r {
        srv(c).reconnect();
        c.reconnect().await?;
    }
    r.map(|_| ())
}

/// `fail_on_conflict`: the client resolves conflicts (true) or leaves
/// them to the server (false, [MS-OXCFXICS] 3.2.5.9.4.2).
fn run(ops: Vec<Op>, fail_on_conflict: bool) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async move {
        let s = session();
        let f = inbox(&s);
        let fid = f.to_u64_le();
        let opts = SyncOptions {
            buffer: ics_client::sync::ops::BufferSize::Babe { max: 2048 },
            state_chunk: 64,
            fail_on_conflict,
            ..SyncOptions::default()
        };
        let mut c = connect(s, opts).await;
        c.sync_contents(fid, &CancelToken::new()).await.unwrap();
        let mut t = 134_115_552_000_000_000u64;
        for (n, op) in ops.into_iter().enumerate() {
            t += 10_000_000;
            let mids: Vec<Mid> = srv(&mut c)
                .mailbox()
                .folder(f)
                .unwrap()
                .messages()
                .map(|m| m.mid)
                .collect();
            let local: Vec<Vec<u8>> = c
                .replica()
                .messages_in_fid(fid)
                .unwrap()
                .into_iter()
                .filter(|m| m.local != ics_client::replica::schema::LOCAL_DELETED)
                .map(|m| m.source_key)
                .collect();
            let pick = |i: usize| mids[i % mids.len()];
            match op {
                Op::ServerAdd(fai) => {
                    add(srv(&mut c), f, &format!("s{n}"), fai);
                }
                Op::ServerModify(i) if !mids.is_empty() => {
                    let e = MessageEdit {
                        set: vec![text(&format!("sm{n}"))],
                        ..MessageEdit::default()
                    };
                    srv(&mut c)
                        .mailbox_mut()
                        .modify_message(pick(i), e, None)
                        .unwrap();
                }
                Op::ServerDeleteBody(i) if !mids.is_empty() => {
                    let e = MessageEdit {
                        delete: vec![tags::PID_TAG_BODY],
                        ..MessageEdit::default()
                    };
                    srv(&mut c)
                        .mailbox_mut()
                        .modify_message(pick(i), e, None)
                        .unwrap();
                }
                Op::ServerDelete(i, hard) if !mids.is_empty() => {
                    let kind = if hard {
                        DeleteKind::Hard
                    } else {
                        DeleteKind::Soft
                    };
                    srv(&mut c)
                        .mailbox_mut()
                        .delete_message(pick(i), kind)
                        .unwrap();
                }
                Op::ServerRead(i, r) if !mids.is_empty() => {
                    srv(&mut c).mailbox_mut().set_read(pick(i), r).unwrap();
                }
                Op::ClientCreate => {
                    if c.ensure_ids().await.is_err() {
                        srv(&mut c).reconnect();
                        c.reconnect().await.unwrap();
                        c.ensure_ids().await.unwrap();
                    }
                    let props = [
                        subject(&format!("c{n}")),
                        Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("cb")),
                    ];
                    c.replica_mut()
                        .create_local_message(fid, false, &props, t)
                        .unwrap();
                }
                Op::ClientModify(i) if !local.is_empty() => {
                    let sk = &local[i % local.len()];
                    c.replica_mut()
                        .modify_local_message(sk, &[subject(&format!("cm{n}"))], &[], t)
                        .unwrap();
                }
                Op::ClientDelete(i) if !local.is_empty() => {
                    let sk = local[i % local.len()].clone();
                    c.replica_mut().delete_local_message(&sk).unwrap();
                }
                Op::ClientRead(i, r) if !local.is_empty() => {
                    let sk = local[i % local.len()].clone();
                    c.replica_mut().set_read_local(&sk, r).unwrap();
                }
                Op::Sync(fault) => {
                    let cancel = CancelToken::new();
                    match fault {
                        Fault::None => {}
                        Fault::Busy(k) => {
                            srv(&mut c).faults_mut().busy_remaining = k;
                            srv(&mut c).faults_mut().busy_backoff = 100;
                        }
                        Fault::Cut(b) => {
                            srv(&mut c).faults_mut().cut_after_bytes = Some(usize::from(b))
                        }
                        Fault::Cancel => cancel.cancel(),
                    }
                    let r = sync(&mut c, fid, &cancel).await;
                    srv(&mut c).faults_mut().cut_after_bytes = None;
                    if matches!(fault, Fault::None | Fault::Busy(_)) {
                        prop_assert!(r.is_ok(), "fault-free sync failed: {r:?}");
                    }
                }
                _ => {}
            }
        }
        for _ in 0..3 {
            sync(&mut c, fid, &CancelToken::new()).await.unwrap();
        }
        prop_assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
        let p = c.replica().pending(fid).unwrap();
        prop_assert!(
            p.changes.is_empty() && p.deletes.is_empty() && p.reads.is_empty(),
            "{p:?}"
        );
        Ok(())
    })
}

proptest! {
    // ICS_CONVERGE_CASES raises the case count for a longer run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("ICS_CONVERGE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn replica_converges_to_reference_server(ops in proptest::collection::vec(op(), 1..30)) {
        run(ops, true)?;
    }

    #[test]
    fn replica_converges_with_server_resolved_conflicts(ops in proptest::collection::vec(op(), 1..30)) {
        run(ops, false)?;
    }
}
