//! Local folder deletions uploaded with RopSynchronizationImportDeletes
//! (Hierarchy) and the SyncNoParent recovery of the hierarchy upload, by the
//! engine against the reference server through ROP buffers ([MS-OXCFXICS]
//! 3.2.5.9.4.5, 3.3.4.3.3.1.1, 3.3.5.8.8, 3.3.5.8.10).

use std::future::Future;

use ics_client::model::Scope;
use ics_client::replica::{FolderRef, Replica};
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SYNC_NO_PARENT, SyncOptions, filetime_now};
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{DeleteKind, Mailbox};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_wire::idset::ReplGuidSet;
use ics_wire::{Fid, Gid};

struct InProcess(Session);

impl RopTransport for InProcess {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        std::future::ready(
            self.0
                .execute_at(&request, 0)
                .map_err(|e| TransportError::Other(e.to_string())),
        )
    }
}

type C = Client<RopSession<InProcess>>;

fn srv(c: &mut C) -> &mut Session {
    &mut c.ops_mut().transport_mut().0
}

fn given(c: &C, scope: &Scope) -> ReplGuidSet {
    let b = c.replica().state(scope).unwrap().idset_given;
    if b.is_empty() {
        ReplGuidSet::new()
    } else {
        ReplGuidSet::decode_replguid(&b).unwrap()
    }
}

fn holds(set: &ReplGuidSet, sk: &[u8]) -> bool {
    let g = Gid::decode(sk).unwrap();
    set.contains(g.replguid, g.globcnt)
}

/// The server's folder names below `root`, sorted.
fn server_names(s: &Session, root: Fid) -> Vec<String> {
    let mb = s.mailbox();
    let mut v: Vec<String> = mb
        .descendants(root)
        .into_iter()
        .filter(|f| *f != root)
        .map(|f| mb.folder(f).unwrap().display_name())
        .collect();
    v.sort();
    v
}

/// Sync / {A / A1, B}, synchronized by the client.
async fn setup() -> (C, Fid, [Vec<u8>; 3], [Fid; 3]) {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let ipm = s.special_folders()[3];
    let mb = s.mailbox_mut();
    let sync = mb.create_folder(ipm, "Sync").unwrap();
    let a = mb.create_folder(sync, "A").unwrap();
    let a1 = mb.create_folder(a, "A1").unwrap();
    let b = mb.create_folder(sync, "B").unwrap();
    let keys = [a, a1, b].map(|f| s.mailbox().source_key_of(f.0));
    let mut c = Client::connect(
        RopSession::new(InProcess(s), "/o=ics/ou=harness/cn=Recipients/cn=user"),
        Replica::open_in_memory().unwrap(),
        SyncOptions::default(),
    )
    .await
    .unwrap();
    c.sync_hierarchy(sync.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    (c, sync, keys, [a, a1, b])
}

/// the deleted folder is listed alone, its subtree goes with
/// it on the server, and every FID of the subtree leaves IdsetGiven, so the
/// next download reports no deletion.
#[tokio::test]
async fn a_deleted_folder_goes_with_its_subtree() {
    let (mut c, sync, [a, a1, _], _) = setup().await;
    let root = sync.to_u64_le();
    let scope = Scope::hierarchy(root);
    assert!(holds(&given(&c, &scope), &a1));
    c.replica_mut()
        .delete_local_folder(FolderRef::SourceKey(&a))
        .unwrap();
    assert!(c.replica().folder_by_source_key(&a1).unwrap().is_none());
    let pending = c.replica().pending_folder_deletes(root).unwrap();
    assert_eq!(pending.listed, vec![a.clone()]);
    assert_eq!(pending.all, vec![a.clone(), a1.clone()]);
    // Nothing else is pending: no ImportHierarchyChange for the deleted ones.
    assert!(c.replica().pending_folders(root).unwrap().is_empty());

    let up = c.upload_hierarchy(root).await.unwrap();
    assert_eq!((up.deletes, up.failed.len()), (1, 0), "{up:?}");
    assert_eq!(server_names(srv(&mut c), sync), vec!["B".to_string()]);
    let set = given(&c, &scope);
    assert!(!holds(&set, &a) && !holds(&set, &a1));
    assert!(c.replica().pending_folder_deletes(root).unwrap().is_empty());
    let r = c.sync_hierarchy(root, &CancelToken::new()).await.unwrap();
    assert_eq!(
        (r.download.deleted, r.download.deletions_unknown),
        (0, 0),
        "{:?}",
        r.download
    );
}

/// A folder created locally and deleted before its upload is forgotten;
/// a server folder moved below it is listed itself (its parent on the
/// server is another folder).
#[tokio::test]
async fn local_folders_and_moved_server_folders() {
    let (mut c, sync, [_, _, b], _) = setup().await;
    let root = sync.to_u64_le();
    c.ensure_ids().await.unwrap();
    let now = filetime_now();
    let r = c.replica_mut();
    let p = r
        .create_local_folder(FolderRef::Fid(root), "P", &[], now)
        .unwrap();
    r.delete_local_folder(FolderRef::SourceKey(&p)).unwrap();
    assert!(r.pending_folder_deletes(root).unwrap().is_empty());
    assert!(r.pending_folders(root).unwrap().is_empty());
    assert_eq!(c.upload_hierarchy(root).await.unwrap(), Default::default());

    let r = c.replica_mut();
    let n = r
        .create_local_folder(FolderRef::Fid(root), "N", &[], now)
        .unwrap();
    r.move_local_folder(FolderRef::SourceKey(&b), FolderRef::SourceKey(&n), now)
        .unwrap();
    r.delete_local_folder(FolderRef::SourceKey(&n)).unwrap();
    assert_eq!(r.pending_folder_deletes(root).unwrap().listed, vec![b]);
    c.upload_hierarchy(root).await.unwrap();
    assert_eq!(
        server_names(srv(&mut c), sync),
        vec!["A".to_string(), "A1".to_string()]
    );
    // A synchronization root is not deleted locally.
    assert!(
        c.replica_mut()
            .delete_local_folder(FolderRef::Fid(root))
            .is_err()
    );
}

/// A server change of a folder deleted locally, and a new server folder
/// below it, are not applied: the local deletion is newer; after the
/// upload both are gone on the server and out of IdsetGiven.
#[tokio::test]
async fn server_changes_below_a_local_deletion_are_not_applied() {
    let (mut c, sync, [a, a1, _], [fa, ..]) = setup().await;
    let root = sync.to_u64_le();
    c.replica_mut()
        .delete_local_folder(FolderRef::SourceKey(&a))
        .unwrap();
    let mb = srv(&mut c).mailbox_mut();
    let a2 = mb.create_folder(fa, "A2").unwrap();
    let a2 = mb.source_key_of(a2.0);
    let scope = Scope::hierarchy(root);
    let r = c.download(&scope, &CancelToken::new()).await.unwrap();
    assert!(r.download.kept_local >= 1, "{:?}", r.download);
    assert!(c.replica().folder_by_source_key(&a).unwrap().is_none());
    assert!(c.replica().folder_by_source_key(&a2).unwrap().is_none());
    let pending = c.replica().pending_folder_deletes(root).unwrap();
    assert_eq!(pending.listed, vec![a.clone()]);
    assert!(pending.all.contains(&a2) && pending.all.contains(&a1));

    c.upload_hierarchy(root).await.unwrap();
    assert_eq!(server_names(srv(&mut c), sync), vec!["B".to_string()]);
    let set = given(&c, &scope);
    assert!(!holds(&set, &a2) && !holds(&set, &a));
}

/// R-229, 3.3.5.8.8: the server lacks two ancestors of a new folder (their
/// uploads were lost): SyncNoParent sends the client up the chain, the
/// ancestors go first, then the folder.
#[tokio::test]
async fn sync_no_parent_uploads_the_missing_chain() {
    let (mut c, sync, _, _) = setup().await;
    let root = sync.to_u64_le();
    c.ensure_ids().await.unwrap();
    let now = filetime_now();
    let r = c.replica_mut();
    let p = r
        .create_local_folder(FolderRef::Fid(root), "P", &[], now)
        .unwrap();
    let q = r
        .create_local_folder(FolderRef::SourceKey(&p), "Q", &[], now)
        .unwrap();
    // P and Q pass for uploaded while the server never got them.
    for f in r.pending_folders(root).unwrap() {
        r.upload_done_folder(&f.source_key, &f.change_key, None, None)
            .unwrap();
    }
    let x = r
        .create_local_folder(FolderRef::SourceKey(&q), "X", &[], now)
        .unwrap();
    let up = c.upload_hierarchy(root).await.unwrap();
    assert_eq!(
        (up.imported, up.parents_reuploaded, up.failed.len()),
        (1, 2, 0),
        "{up:?}"
    );
    assert_eq!(
        server_names(srv(&mut c), sync),
        ["A", "A1", "B", "P", "Q", "X"].map(String::from).to_vec()
    );
    let set = given(&c, &Scope::hierarchy(root));
    assert!([&p, &q, &x].iter().all(|k| holds(&set, k)));
    assert!(c.replica().pending_folders(root).unwrap().is_empty());
}

/// A parent deleted on the server cannot be uploaded again (SyncObjectDeleted):
/// the folder stays pending with SyncNoParent.
#[tokio::test]
async fn sync_no_parent_with_the_parent_deleted_on_the_server() {
    let (mut c, sync, [a, ..], [fa, ..]) = setup().await;
    let root = sync.to_u64_le();
    c.ensure_ids().await.unwrap();
    let mb = srv(&mut c).mailbox_mut();
    mb.delete_folder(fa, DeleteKind::Hard).unwrap();
    let x = c
        .replica_mut()
        .create_local_folder(FolderRef::SourceKey(&a), "X", &[], filetime_now())
        .unwrap();
    let up = c.upload_hierarchy(root).await.unwrap();
    assert_eq!(up.failed, vec![(x.clone(), SYNC_NO_PARENT)], "{up:?}");
    assert_eq!(up.parents_reuploaded, 0);
    assert!(c.replica().folder_is_pending(&x).unwrap());
}

/// A message moved locally into a folder that is then deleted, the move not
/// uploaded: the server still has it in the source folder, so it is deleted
/// there with the source folder's next upload.
#[tokio::test]
async fn a_message_moved_into_a_deleted_folder_is_deleted_at_its_source() {
    let (mut c, sync, [a, ..], [fa, _, fb]) = setup().await;
    let mid = srv(&mut c)
        .mailbox_mut()
        .create_message(fb, false, Default::default())
        .unwrap();
    let sk = srv(&mut c).mailbox().source_key_of(mid.0);
    let cancel = CancelToken::new();
    let (ra, rb) = (fa.to_u64_le(), fb.to_u64_le());
    c.sync_contents(rb, &cancel).await.unwrap();
    c.sync_contents(ra, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    c.replica_mut()
        .move_local_message(&sk, ra, filetime_now())
        .unwrap();
    c.replica_mut()
        .delete_local_folder(FolderRef::SourceKey(&a))
        .unwrap();
    assert_eq!(c.replica().pending(rb).unwrap().deletes, vec![sk.clone()]);
    c.upload_hierarchy(sync.to_u64_le()).await.unwrap();
    let up = c.upload_contents(rb).await.unwrap();
    assert_eq!(up.deletes, 1, "{up:?}");
    assert!(srv(&mut c).mailbox().message(mid).is_none());
    assert!(!holds(&given(&c, &Scope::contents(rb)), &sk));
}
