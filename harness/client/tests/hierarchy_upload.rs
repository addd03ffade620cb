//! Local folder changes and message moves uploaded by the engine to the
//! reference server through ROP buffers ([MS-OXCFXICS] 3.3.5.8.8,
//! 3.3.5.8.9): ImportHierarchyChange parents first, ImportMessageMove on the
//! destination collector, and the ICS states that follow.

use std::future::Future;

use ics_client::model::{Prop, Scope};
use ics_client::replica::{FolderRef, Replica};
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions, filetime_now};
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_wire::idset::ReplGuidSet;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::{Fid, Gid, Mid};

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

async fn connect(s: Session) -> C {
    Client::connect(
        RopSession::new(InProcess(s), "/o=ics/ou=harness/cn=Recipients/cn=user"),
        Replica::open_in_memory().unwrap(),
        SyncOptions::default(),
    )
    .await
    .unwrap()
}

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

fn gid(sk: &[u8]) -> Gid {
    Gid::decode(sk).unwrap()
}

/// The server's tree below `root`: (name, parent name), sorted.
fn server_tree(s: &Session, root: Fid) -> Vec<(String, String)> {
    let mb = s.mailbox();
    let mut out: Vec<(String, String)> = mb
        .descendants(root)
        .into_iter()
        .filter(|f| *f != root)
        .map(|f| {
            let x = mb.folder(f).unwrap();
            let parent = x.parent.unwrap();
            let pname = if parent == root {
                "root".to_string()
            } else {
                mb.folder(parent).unwrap().display_name()
            };
            (x.display_name(), pname)
        })
        .collect();
    out.sort();
    out
}

/// The server's short-term id of a GID from the client's reserved range.
fn local_id(sk: &[u8]) -> ics_wire::ExchangeId {
    ics_wire::ExchangeId::new(ics_server::mailbox::LOCAL_REPLID, gid(sk).globcnt)
}

/// a new tree, a move and a rename reach
/// the server parents first, with the client's ChangeKeys; the new FIDs join
/// IdsetGiven and the state returned claims the new versions, so the next
/// download brings none of them.
#[tokio::test]
async fn folder_tree_uploaded_parents_first() {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let ipm = s.special_folders()[3];
    let sync = s.mailbox_mut().create_folder(ipm, "Sync").unwrap();
    let a = s.mailbox_mut().create_folder(sync, "A").unwrap();
    let mut c = connect(s).await;
    let cancel = CancelToken::new();
    let root = sync.to_u64_le();
    c.sync_hierarchy(root, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    let now = filetime_now();
    let ska = srv(&mut c).mailbox().source_key_of(a.0);
    let r = c.replica_mut();
    let p = r
        .create_local_folder(FolderRef::Fid(root), "P", &[], now)
        .unwrap();
    let q = r
        .create_local_folder(FolderRef::SourceKey(&p), "Q", &[], now)
        .unwrap();
    r.move_local_folder(FolderRef::SourceKey(&ska), FolderRef::SourceKey(&p), now)
        .unwrap();
    r.rename_local_folder(FolderRef::SourceKey(&q), "Q2", now)
        .unwrap();
    // A folder cannot move below itself.
    assert!(
        r.move_local_folder(FolderRef::SourceKey(&p), FolderRef::SourceKey(&q), now)
            .is_err()
    );
    let pending = c.replica().pending_folders(root).unwrap();
    let order: Vec<&str> = pending.iter().map(|f| f.display_name.as_str()).collect();
    assert_eq!(order.first(), Some(&"P"), "{order:?}");
    assert_eq!(pending[0].parent_source_key, Vec::<u8>::new());

    let up = c.upload_hierarchy(root).await.unwrap();
    assert_eq!((up.imported, up.failed.len()), (3, 0), "{up:?}");
    assert!(c.replica().pending_folders(root).unwrap().is_empty());
    assert_eq!(
        server_tree(srv(&mut c), sync),
        vec![
            ("A".to_string(), "P".to_string()),
            ("P".to_string(), "root".to_string()),
            ("Q2".to_string(), "P".to_string()),
        ]
    );
    let mb = srv(&mut c).mailbox();
    let g = mb.replguid();
    let fq = Fid(local_id(&q));
    let scope = Scope::hierarchy(root);
    let set = given(&c, &scope);
    for sk in [&p, &q] {
        let x = gid(sk);
        assert!(set.contains(x.replguid, x.globcnt));
    }
    let f = srv(&mut c).mailbox().folder(fq).unwrap();
    assert_eq!(
        ics_server::mailbox::folder_pcl(f, g).xids().len(),
        1,
        "the server keeps the client's PCL of Q"
    );
    let r = c.sync_hierarchy(root, &cancel).await.unwrap();
    assert_eq!(r.download.folders, 0, "{:?}", r.download);
    // The uploaded folder knows its FID: a contents scope on it is the same row.
    let fp = Fid(local_id(&p)).to_u64_le();
    let by_fid = c.replica().folder_by_fid(fp).unwrap().unwrap();
    assert_eq!(by_fid.source_key.as_deref(), Some(&p[..]));
    c.sync_contents(fp, &cancel).await.unwrap();
    assert_eq!(
        c.replica().folder_by_fid(fp).unwrap().unwrap().id,
        by_fid.id
    );
}

/// a move uploaded on the destination collector; the
/// source's next download reports nothing, the destination's brings nothing.
#[tokio::test]
async fn message_move_uploaded() {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let ipm = s.special_folders()[3];
    let src = s.mailbox_mut().create_folder(ipm, "Src").unwrap();
    let dst = s.mailbox_mut().create_folder(ipm, "Dst").unwrap();
    let subject = |v: &str| TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode(v),
    };
    let m1 = s
        .mailbox_mut()
        .create_message(src, false, MessageContent::with_props([subject("one")]))
        .unwrap();
    s.mailbox_mut()
        .create_message(src, false, MessageContent::with_props([subject("two")]))
        .unwrap();
    let mut c = connect(s).await;
    let cancel = CancelToken::new();
    let (fs, fd) = (src.to_u64_le(), dst.to_u64_le());
    c.sync_contents(fs, &cancel).await.unwrap();
    c.sync_contents(fd, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    let sk1 = srv(&mut c).mailbox().source_key_of(m1.0);
    let new = c
        .replica_mut()
        .move_local_message(&sk1, fd, filetime_now())
        .unwrap();
    assert_ne!(new, sk1);
    let up = c.upload_contents(fd).await.unwrap();
    assert_eq!((up.moves, up.failed.len()), (1, 0), "{up:?}");
    let mb = srv(&mut c).mailbox();
    let moved = Mid(local_id(&new));
    assert_eq!(mb.folder_of(moved), Some(dst));
    assert_eq!(mb.folder_of(m1), None);
    // the old ID left Src's IdsetGiven; the new one joined Dst's.
    let (o, n) = (gid(&sk1), gid(&new));
    assert!(!given(&c, &Scope::contents(fs)).contains(o.replguid, o.globcnt));
    assert!(given(&c, &Scope::contents(fd)).contains(n.replguid, n.globcnt));
    let r = c.sync_contents(fs, &cancel).await.unwrap();
    assert_eq!(
        (
            r.download.deleted,
            r.download.deletions_unknown,
            r.download.full
        ),
        (0, 0, 0)
    );
    // the destination's CnsetSeen covers the moved version.
    let r = c.sync_contents(fd, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.download.partial), (0, 0));
    assert_eq!(c.replica().messages_in_fid(fd).unwrap().len(), 1);
}

/// a message modified and then moved: the move is answered
/// SyncClientChangeNewer (or succeeds) and the modification follows as an
/// ImportMessageChange of the destination message.
#[tokio::test]
async fn modified_then_moved_message_keeps_the_local_version() {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let ipm = s.special_folders()[3];
    let src = s.mailbox_mut().create_folder(ipm, "Src").unwrap();
    let dst = s.mailbox_mut().create_folder(ipm, "Dst").unwrap();
    let m1 = s
        .mailbox_mut()
        .create_message(
            src,
            false,
            MessageContent::with_props([TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("server"),
            }]),
        )
        .unwrap();
    let mut c = connect(s).await;
    let cancel = CancelToken::new();
    let (fs, fd) = (src.to_u64_le(), dst.to_u64_le());
    c.sync_contents(fs, &cancel).await.unwrap();
    c.sync_contents(fd, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    let sk1 = srv(&mut c).mailbox().source_key_of(m1.0);
    let now = filetime_now();
    c.replica_mut()
        .modify_local_message(
            &sk1,
            &[Prop::tagged(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode("local"),
            )],
            &[],
            now,
        )
        .unwrap();
    let new = c.replica_mut().move_local_message(&sk1, fd, now).unwrap();
    let up = c.upload_contents(fd).await.unwrap();
    assert_eq!((up.moves, up.imported), (1, 1), "{up:?}");
    let mb = srv(&mut c).mailbox();
    let moved = Mid(local_id(&new));
    assert_eq!(
        mb.message(moved)
            .unwrap()
            .content
            .props
            .get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("local"))
    );
    assert!(c.replica().pending(fd).unwrap().changes.is_empty());
}
