//! Local folder changes and message moves in the replica, without a server:
//! pending lists, refused changes, and an incoming folder version meeting a
//! pending local one ([MS-OXCFXICS] 3.1.5.6.1, 3.3.5.8.8, 3.3.5.8.9).

use ics_client::error::ReplicaError;
use ics_client::model::*;
use ics_client::replica::{FolderRef, Replica};
use ics_wire::ids::Xid;
use ics_wire::pcl::Pcl;
use ics_wire::{GlobCnt, Guid, ReplGuid};

const SERVER: Guid = Guid::from_bytes([0x50; 16]);
const ROOT: u64 = 0x0001_0000_0000_0042;
const OTHER: u64 = 0x0001_0000_0000_0043;

fn server_xid(n: u64) -> Xid {
    Xid::new(SERVER, &n.to_be_bytes()[2..]).unwrap()
}

fn server_pcl(ns: &[u64]) -> Vec<u8> {
    let mut p = Pcl::new();
    for n in ns {
        p.insert(server_xid(*n));
    }
    p.to_bytes()
}

fn sk(n: u8) -> Vec<u8> {
    let mut v = SERVER.to_bytes().to_vec();
    v.extend([0, 0, 0, 0, 0, n]);
    v
}

fn folder(n: u8, name: &str, cn: u64, pcl: &[u64], last_mod: u64) -> Change {
    Change::Folder(FolderChange {
        source_key: sk(n),
        parent_source_key: Vec::new(),
        fid: None,
        last_modification_time: last_mod,
        change_key: server_xid(cn).to_bytes(),
        pcl: server_pcl(pcl),
        display_name: name.into(),
        props: Vec::new(),
    })
}

fn apply(
    r: &mut Replica,
    scope: &Scope,
    changes: &[Change],
) -> ics_client::replica::DownloadSummary {
    let mut t = r.begin_download(scope).unwrap();
    for c in changes {
        t.apply(c).unwrap();
    }
    t.commit(&StateBlobs::default()).unwrap()
}

/// A replica with folder A (source key `sk(1)`, PCL {S1}, time 100) below the root.
fn replica() -> Replica {
    let mut r = Replica::open_in_memory().unwrap();
    r.add_id_range(
        ReplGuid(Guid::from_bytes([0x77; 16])),
        GlobCnt::new(0x1000).unwrap(),
        64,
    )
    .unwrap();
    apply(
        &mut r,
        &Scope::hierarchy(ROOT),
        &[folder(1, "A", 1, &[1], 100)],
    );
    r
}

fn name_of(r: &Replica, key: &[u8]) -> String {
    r.folder_by_source_key(key).unwrap().unwrap().display_name
}

#[test]
fn local_versions_are_pending_parents_first() {
    let mut r = replica();
    let p = r
        .create_local_folder(FolderRef::Fid(ROOT), "P", &[], 200)
        .unwrap();
    r.move_local_folder(FolderRef::SourceKey(&sk(1)), FolderRef::SourceKey(&p), 201)
        .unwrap();
    let pending = r.pending_folders(ROOT).unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(
        (pending[0].display_name.as_str(), pending[0].created),
        ("P", true)
    );
    assert!(pending[0].parent_source_key.is_empty(), "R-214");
    assert_eq!(
        pending[1].parent_source_key, p,
        "R-217: the move is a new parent"
    );
    // The moved folder's PCL succeeds the server's version.
    let mine = Pcl::decode(&pending[1].pcl).unwrap();
    assert!(mine.includes(&Pcl::decode(&server_pcl(&[1])).unwrap()));
    assert_eq!(
        pending[1].change_key.len(),
        24,
        "client XID with an 8-byte LocalId"
    );
    assert!(matches!(
        r.move_local_folder(FolderRef::SourceKey(&p), FolderRef::SourceKey(&sk(1)), 202),
        Err(ReplicaError::InvalidLocalChange(_))
    ));
    assert!(matches!(
        r.rename_local_folder(FolderRef::SourceKey(&p), "", 202),
        Err(ReplicaError::InvalidLocalChange(_))
    ));
    assert!(matches!(
        r.rename_local_folder(FolderRef::SourceKey(&sk(9)), "x", 202),
        Err(ReplicaError::UnknownFolder(_))
    ));
}

#[test]
fn incoming_folder_versions_meet_the_local_one() {
    let scope = Scope::hierarchy(ROOT);
    // The server's version is the one the local change started from: kept local.
    let mut r = replica();
    r.rename_local_folder(FolderRef::SourceKey(&sk(1)), "mine", 300)
        .unwrap();
    let s = apply(&mut r, &scope, &[folder(1, "A", 1, &[1], 100)]);
    assert_eq!((s.kept_local, name_of(&r, &sk(1))), (1, "mine".into()));
    assert!(r.folder_is_pending(&sk(1)).unwrap());
    // A conflicting server version written earlier loses (last writer wins).
    let s = apply(&mut r, &scope, &[folder(1, "theirs", 2, &[2], 200)]);
    assert_eq!((s.kept_local, name_of(&r, &sk(1))), (1, "mine".into()));
    // A conflicting server version written later wins; nothing is pending then.
    let s = apply(&mut r, &scope, &[folder(1, "theirs", 3, &[3], 400)]);
    assert_eq!((s.folders, name_of(&r, &sk(1))), (1, "theirs".into()));
    assert!(!r.folder_is_pending(&sk(1)).unwrap());
    assert!(r.pending_folders(ROOT).unwrap().is_empty());
}

#[test]
fn a_pending_folder_deleted_by_the_server_goes() {
    let mut r = replica();
    r.rename_local_folder(FolderRef::SourceKey(&sk(1)), "mine", 300)
        .unwrap();
    let s = apply(
        &mut r,
        &Scope::hierarchy(ROOT),
        &[Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(1)],
        }],
    );
    assert_eq!(s.deleted, 1);
    assert!(r.folder_by_source_key(&sk(1)).unwrap().is_none());
    assert!(r.pending_folders(ROOT).unwrap().is_empty());
}

#[test]
fn moves_of_local_and_server_messages() {
    let mut r = replica();
    // Two scope folders.
    apply(&mut r, &Scope::contents(OTHER), &[]);
    let server_msg = Change::MessageFull(MessageFull {
        header: MessageHeader {
            source_key: sk(5),
            last_modification_time: 100,
            change_key: server_xid(5).to_bytes(),
            pcl: server_pcl(&[5]),
            associated: false,
            mid: None,
            cn: None,
            message_size: None,
        },
        props: Vec::new(),
        children: Children::default(),
    });
    apply(&mut r, &Scope::contents(ROOT), &[server_msg]);
    // A message the server never saw just changes folder.
    let local = r.create_local_message(ROOT, false, &[], 100).unwrap();
    assert_eq!(r.move_local_message(&local, OTHER, 101).unwrap(), local);
    assert!(r.pending_moves(OTHER).unwrap().is_empty());
    assert_eq!(r.pending(OTHER).unwrap().changes.len(), 1);
    // A server message gets a new ID and a move record naming the old one.
    let new = r.move_local_message(&sk(5), OTHER, 102).unwrap();
    assert_ne!(new, sk(5));
    let moves = r.pending_moves(OTHER).unwrap();
    assert_eq!(moves.len(), 1);
    let m = &moves[0];
    assert_eq!(
        (m.source_fid, &m.source_key, &m.destination_key),
        (ROOT, &sk(5), &new)
    );
    assert_eq!(m.pcl, server_pcl(&[5]), "the PCL of the version moved");
    let row = r.message(&new).unwrap().unwrap();
    assert_eq!(row.change_key, m.change_key);
    let mut want = Pcl::decode(&m.pcl).unwrap();
    want.insert(Xid::decode(&m.change_key).unwrap());
    assert_eq!(Pcl::decode(&row.pcl).unwrap(), want);
    assert!(r.message(&sk(5)).unwrap().is_none());
    assert!(matches!(
        r.move_local_message(&new, OTHER, 103),
        Err(ReplicaError::InvalidLocalChange(_))
    ));
    // Deleting the moved message locally drops its record with it once uploaded.
    r.upload_done_delete(&new, None).unwrap();
    assert!(r.pending_moves(OTHER).unwrap().is_empty());
}
