//! The client's ID reservations ([MS-OXCSYNC] 3.1.3.1.1; [MS-OXCFXICS] 3.3.5.2.1):
//! RopGetLocalReplicaIds again only when most of the last batch is used (R-256,
//! R-307), or when the objects about to be created need more IDs than are left.

mod common;

use common::fake::*;
use common::subject;
use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};

const F: u64 = 0x0001_0000_0000_0001;

async fn client(batch: u32) -> Client<FakeServer> {
    let mut s = FakeServer::default();
    s.folder(F);
    let opts = SyncOptions {
        id_batch: batch,
        ..SyncOptions::default()
    };
    let mut c = Client::connect(s, Replica::open_in_memory().unwrap(), opts)
        .await
        .unwrap();
    c.sync_contents(F, &CancelToken::new()).await.unwrap();
    c
}

fn create(c: &mut Client<FakeServer>, n: u64) {
    for i in 0..n {
        c.replica_mut()
            .create_local_message(F, false, &[subject(&format!("c{i}"))], 1000 + i)
            .unwrap();
    }
}

/// The IdCount of every RopGetLocalReplicaIds.
fn counts(c: &mut Client<FakeServer>) -> Vec<u32> {
    c.ops_mut().reserved.iter().map(|r| r.1).collect()
}

#[tokio::test]
async fn a_small_batch_is_mostly_used_before_the_next_reservation() {
    let mut c = client(8).await;
    assert!(c.ensure_ids_for(3).await.unwrap());
    create(&mut c, 3);
    // 5 of 8 left: not mostly used, enough for 3 more (the old fixed margin of
    // 16 reserved again here).
    assert!(!c.ensure_ids_for(3).await.unwrap());
    create(&mut c, 3);
    // 2 of 8 left: fewer than asked for, so reserve.
    assert!(c.ensure_ids_for(3).await.unwrap());
    create(&mut c, 3);
    assert_eq!(counts(&mut c), [8, 8]);
}

#[tokio::test]
async fn more_ids_than_a_batch_are_reserved_at_once() {
    let mut c = client(8).await;
    assert!(c.ensure_ids_for(20).await.unwrap());
    create(&mut c, 20);
    assert_eq!(counts(&mut c), [20]);
    // With the default batch: again once fewer than a quarter (128) are left.
    let mut c = client(0x200).await;
    assert!(c.ensure_ids().await.unwrap());
    create(&mut c, 0x200 - 128);
    assert!(!c.ensure_ids().await.unwrap());
    create(&mut c, 1);
    assert!(c.ensure_ids().await.unwrap());
}
