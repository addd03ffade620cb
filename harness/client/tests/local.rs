//! Local changes (IDs from reserved ranges, foreign change keys, PCLs) and
//! conflict resolution on download ([MS-OXCFXICS] 3.1.5.3, 3.1.5.6, 3.3.5.2;
//! [MS-OXCSYNC] 3.1.5.4).

mod common;

use common::{FOLDER, subject};
use ics_client::model::*;
use ics_client::replica::{Replica, schema};
use ics_wire::ids::Xid;
use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropValue, tags};
use ics_wire::{GlobCnt, Guid, ReplGuid};

const SERVER: Guid = Guid::from_bytes([0x50; 16]);

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

fn version(n: u8, cn: u64, pcl: &[u64], last_mod: u64, props: Vec<Prop>, fai: bool) -> Change {
    Change::MessageFull(MessageFull {
        header: MessageHeader {
            source_key: sk(n),
            last_modification_time: last_mod,
            change_key: server_xid(cn).to_bytes(),
            pcl: server_pcl(pcl),
            associated: fai,
            mid: None,
            cn: None,
            message_size: None,
        },
        props,
        children: Children::default(),
    })
}

fn download(r: &mut Replica, changes: &[Change]) -> ics_client::replica::DownloadSummary {
    let mut t = r.begin_download(&Scope::contents(FOLDER)).unwrap();
    for c in changes {
        t.apply(c).unwrap();
    }
    t.commit(&StateBlobs::default()).unwrap()
}

fn replica_with_one_message() -> Replica {
    let mut r = Replica::open_in_memory().unwrap();
    download(
        &mut r,
        &[version(1, 1, &[1], 100, vec![subject("base")], false)],
    );
    r
}

/// a new local message takes the next reserved
/// ID, a change key in the client's namespace with an 8-byte LocalId, PCL = {ChangeKey}.
#[test]
fn create_modify_delete_read_locally() {
    let mut r = replica_with_one_message();
    let g = ReplGuid(Guid::from_bytes([0x77; 16]));
    r.add_id_range(g, GlobCnt::new(0x500).unwrap(), 16).unwrap();
    let ns = r.client_namespace().unwrap();
    assert_ne!(ns, SERVER);
    let a = r
        .create_local_message(FOLDER, false, &[subject("new")], 200)
        .unwrap();
    let b = r.create_local_message(FOLDER, false, &[], 201).unwrap();
    assert_eq!(a[..16], g.0.to_bytes());
    assert_eq!(a[16..], [0, 0, 0, 0, 5, 0]);
    assert_eq!(b[16..], [0, 0, 0, 0, 5, 1], "consecutive IDs (R-310)");
    let ma = r.message(&a).unwrap().unwrap();
    let ck = Xid::decode(&ma.change_key).unwrap();
    assert_eq!(ck.namespace_guid, ns);
    assert_eq!(ck.local_id().len(), 8, "never GID-sized (R-263)");
    assert_eq!(Pcl::decode(&ma.pcl).unwrap(), Pcl::single(ck));
    assert_eq!(ma.local, schema::LOCAL_CREATED);

    // Modify the downloaded message: new change key, PCL = base ∪ {ck}.
    r.modify_local_message(&sk(1), &[subject("mine")], &[], 300)
        .unwrap();
    let m1 = r.message(&sk(1)).unwrap().unwrap();
    let ck1 = Xid::decode(&m1.change_key).unwrap();
    assert!(ck1 > ck, "change keys increase");
    let pcl = Pcl::decode(&m1.pcl).unwrap();
    assert_eq!(
        pcl.compare(&Pcl::decode(&server_pcl(&[1])).unwrap()),
        PclOrdering::Newer
    );
    assert_eq!(m1.local, schema::LOCAL_MODIFIED);
    assert_eq!(m1.last_modification_time, 300);

    r.set_read_local(&sk(1), true).unwrap();
    r.delete_local_message(&b).unwrap();
    let p = r.pending(FOLDER).unwrap();
    let changed: Vec<_> = p.changes.iter().map(|m| m.source_key.clone()).collect();
    assert_eq!(changed, vec![sk(1), a.clone()]);
    assert_eq!(p.deletes, vec![b.clone()]);
    assert!(
        p.reads.is_empty(),
        "read state of a modified message travels with the change"
    );

    r.upload_done_change(&sk(1), None).unwrap();
    r.upload_done_change(&a, None).unwrap();
    r.upload_done_delete(&b, None).unwrap();
    assert!(r.message(&b).unwrap().is_none());
    let p = r.pending(FOLDER).unwrap();
    assert!(p.changes.is_empty() && p.deletes.is_empty() && p.reads.is_empty());
    r.set_read_local(&sk(1), false).unwrap();
    assert_eq!(r.pending(FOLDER).unwrap().reads, vec![(sk(1), false)]);
    r.upload_done_read(&sk(1)).unwrap();
    assert!(r.pending(FOLDER).unwrap().reads.is_empty());
}

/// Without reserved IDs a new message cannot be created.
#[test]
fn create_without_reserved_ids_fails_cleanly() {
    let mut r = replica_with_one_message();
    let before = r.dump().unwrap();
    assert!(r.create_local_message(FOLDER, false, &[], 1).is_err());
    assert!(r.create_local_message(FOLDER + 9, false, &[], 1).is_err());
    assert_eq!(r.dump().unwrap(), before);
}

/// an incoming version that includes the local one (our upload came back) is applied, clean.
#[test]
fn incoming_successor_of_local_version_is_applied() {
    let mut r = replica_with_one_message();
    r.modify_local_message(&sk(1), &[subject("mine")], &[], 300)
        .unwrap();
    let mine = Pcl::decode(&r.message(&sk(1)).unwrap().unwrap().pcl).unwrap();
    let mut theirs = mine.clone();
    theirs.insert(server_xid(5));
    let mut c = version(1, 5, &[], 400, vec![subject("server saw mine")], false);
    if let Change::MessageFull(m) = &mut c {
        m.header.pcl = theirs.to_bytes();
    }
    let s = download(&mut r, &[c]);
    assert_eq!((s.full, s.conflicts), (1, 0));
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(m.local, schema::LOCAL_CLEAN);
    assert_eq!(m.props, vec![subject("server saw mine")]);
}

/// an incoming version older than the local one is ignored.
#[test]
fn incoming_predecessor_of_local_version_is_ignored() {
    let mut r = replica_with_one_message();
    r.modify_local_message(&sk(1), &[subject("mine")], &[], 300)
        .unwrap();
    let s = download(
        &mut r,
        &[version(1, 1, &[1], 100, vec![subject("base")], false)],
    );
    assert_eq!(s.kept_local, 1);
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(m.props, vec![subject("mine")]);
    assert_eq!(m.local, schema::LOCAL_MODIFIED);
}

fn conflict(local_time: u64, server_time: u64) -> Replica {
    let mut r = replica_with_one_message();
    r.modify_local_message(&sk(1), &[subject("mine")], &[], local_time)
        .unwrap();
    let s = download(
        &mut r,
        &[version(
            1,
            2,
            &[2],
            server_time,
            vec![subject("theirs")],
            false,
        )],
    );
    assert_eq!(s.conflicts, 1);
    r
}

fn conflict_items(m: &ics_client::replica::MessageRow) -> Vec<Vec<u8>> {
    m.props
        .iter()
        .find_map(|p| match (&p.key, &p.value) {
            (k, PropValue::MvBinary(v)) if *k == PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS) => {
                Some(v.clone())
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn subject_of(m: &ics_client::replica::MessageRow) -> Option<PropValue> {
    m.props
        .iter()
        .find(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT))
        .map(|p| p.value.clone())
}

/// the newer server version wins; the local version is kept
/// in the conflicts folder and linked through PidTagConflictItems; the
/// resolved version succeeds both and is uploaded next.
#[test]
fn r340_conflict_server_newer_wins() {
    let r = conflict(300, 400);
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(subject_of(&m), Some(PropValue::unicode("theirs")));
    assert_eq!(m.local, schema::LOCAL_MODIFIED);
    assert_eq!(m.last_modification_time, 400);
    let pcl = Pcl::decode(&m.pcl).unwrap();
    assert!(pcl.includes(&Pcl::decode(&server_pcl(&[2])).unwrap()));
    let losers = r.messages_in_folder(r.conflicts_folder().unwrap()).unwrap();
    assert_eq!(losers.len(), 1);
    assert_eq!(subject_of(&losers[0]), Some(PropValue::unicode("mine")));
    assert!(
        pcl.includes(&Pcl::decode(&losers[0].pcl).unwrap()),
        "successor of the loser too"
    );
    assert_eq!(conflict_items(&m), vec![losers[0].source_key.clone()]);
}

#[test]
fn r340_conflict_local_newer_wins() {
    let r = conflict(500, 400);
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(subject_of(&m), Some(PropValue::unicode("mine")));
    assert_eq!(m.local, schema::LOCAL_MODIFIED);
    let losers = r.messages_in_folder(r.conflicts_folder().unwrap()).unwrap();
    assert_eq!(losers.len(), 1);
    assert_eq!(subject_of(&losers[0]), Some(PropValue::unicode("theirs")));
    assert_eq!(conflict_items(&m), vec![losers[0].source_key.clone()]);
    let pcl = Pcl::decode(&m.pcl).unwrap();
    assert!(
        pcl.includes(&Pcl::decode(&server_pcl(&[2])).unwrap()),
        "the upload will not conflict again"
    );
}

/// equal times: the larger ChangeKey NamespaceGuid wins (byte-wise).
#[test]
fn r242_tie_broken_by_change_key_namespace() {
    let mut r = replica_with_one_message();
    r.modify_local_message(&sk(1), &[subject("mine")], &[], 400)
        .unwrap();
    let ns = r.client_namespace().unwrap();
    let s = download(
        &mut r,
        &[version(1, 2, &[2], 400, vec![subject("theirs")], false)],
    );
    assert_eq!(s.conflicts, 1);
    let (win, lose) = if SERVER.to_bytes() >= ns.to_bytes() {
        ("theirs", "mine")
    } else {
        ("mine", "theirs")
    };
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(subject_of(&m), Some(PropValue::unicode(win)));
    let losers = r.messages_in_folder(r.conflicts_folder().unwrap()).unwrap();
    assert_eq!(subject_of(&losers[0]), Some(PropValue::unicode(lose)));
}

/// FAI conflicts are resolved by last writer wins without keeping versions.
#[test]
fn r174_fai_conflict_keeps_no_versions() {
    let mut r = Replica::open_in_memory().unwrap();
    download(
        &mut r,
        &[version(1, 1, &[1], 100, vec![subject("cfg")], true)],
    );
    r.modify_local_message(&sk(1), &[subject("mine")], &[], 300)
        .unwrap();
    let s = download(
        &mut r,
        &[version(1, 2, &[2], 400, vec![subject("theirs")], true)],
    );
    assert_eq!(s.conflicts, 1);
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(subject_of(&m), Some(PropValue::unicode("theirs")));
    assert!(conflict_items(&m).is_empty());
    assert!(
        r.messages_in_folder(r.conflicts_folder().unwrap())
            .unwrap()
            .is_empty()
    );
}

/// A change on the server outlives a local deletion not yet uploaded.
#[test]
fn server_change_beats_pending_local_delete() {
    let mut r = replica_with_one_message();
    r.delete_local_message(&sk(1)).unwrap();
    download(
        &mut r,
        &[version(1, 2, &[2], 400, vec![subject("theirs")], false)],
    );
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(m.local, schema::LOCAL_CLEAN);
    assert!(r.pending(FOLDER).unwrap().deletes.is_empty());
}
