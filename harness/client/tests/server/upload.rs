//! Uploads to the reference server: IDs, changes, deletions, read states, subobjects, order.

use super::*;

/// Upload through the collector: IDs from GetLocalReplicaIds, changes,
/// deletions and read state; the server ends equal and nothing comes back.
#[tokio::test]
async fn upload_against_reference_server() {
    let (s, f, _) = seeded(5);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let fid = f.to_u64_le();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert!(c.ensure_ids().await.unwrap());
    let keys: Vec<_> = c
        .replica()
        .messages_in_fid(fid)
        .unwrap()
        .into_iter()
        .map(|m| m.source_key)
        .collect();
    let rep = c.replica_mut();
    rep.create_local_message(
        fid,
        false,
        &[
            subject("from the client"),
            Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("b")),
        ],
        130_000_000_000_000_000,
    )
    .unwrap();
    rep.modify_local_message(
        &keys[0],
        &[subject("edited locally")],
        &[],
        130_000_000_000_000_001,
    )
    .unwrap();
    rep.delete_local_message(&keys[1]).unwrap();
    rep.set_read_local(&keys[2], true).unwrap();
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(
        (r.upload.imported, r.upload.deletes, r.upload.reads),
        (2, 1, 1),
        "{:?}",
        r.upload
    );
    assert!(r.upload.failed.is_empty());
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(
        (r.download.full, r.download.partial, r.download.deleted),
        (0, 0, 0),
        "our uploads do not come back"
    );
}

/// reserved IDs that will never be used are reported with
/// RopSetLocalReplicaMidsetDeleted and never handed out again.
#[tokio::test]
async fn unused_reserved_ids_are_reported() {
    let s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let mut c = connect(
        s,
        SyncOptions {
            id_batch: 0x200,
            ..SyncOptions::default()
        },
    )
    .await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    c.replica_mut()
        .create_local_message(fid, false, &[subject("one")], 134_115_552_010_000_000)
        .unwrap();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(c.release_unused_ids(fid).await.unwrap(), 0x1FF);
    assert_eq!(c.replica().reserved_ids().unwrap(), (0, 0x200));
    assert_eq!(
        c.release_unused_ids(fid).await.unwrap(),
        0,
        "nothing left to report"
    );
    assert!(
        c.replica_mut()
            .create_local_message(fid, false, &[], 1)
            .is_err(),
        "never reused (R-309)"
    );
}

/// a changed message is uploaded whole: with recipients and
/// attachments it goes through a FastTransfer upload context (messageContent),
/// and the server keeps them.
#[tokio::test]
async fn upload_keeps_recipients_and_attachments() {
    use ics_server::mailbox::{Attachment, PropertyBag};
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let recipient = PropertyBag::from_values([
        TaggedValue {
            tag: PropTag(0x3000_0003),
            value: PropValue::I32(0),
        },
        TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: PropValue::unicode("Alice"),
        },
    ]);
    let attachment = Attachment {
        props: PropertyBag::from_values([TaggedValue {
            tag: PropTag(0x3704_001F),
            value: PropValue::unicode("a.txt"),
        }]),
        embedded: None,
    };
    let content = MessageContent {
        props: PropertyBag::from_values([text("with children"), body("b")]),
        recipients: vec![recipient],
        attachments: vec![attachment],
    };
    let mid = s.mailbox_mut().create_message(f, false, content).unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let sk = c.replica().messages_in_fid(fid).unwrap()[0]
        .source_key
        .clone();
    let m = c.replica().message(&sk).unwrap().unwrap();
    assert_eq!(
        (m.recipients.len(), m.attachments.len()),
        (1, 1),
        "children downloaded"
    );
    c.replica_mut()
        .modify_local_message(&sk, &[subject("edited")], &[], 134_115_552_090_000_000)
        .unwrap();
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(r.upload.imported, 1, "{:?}", r.upload);
    let sent = &c.ops_mut().sent_rops;
    assert!(
        sent.contains(&0x53) && sent.contains(&0x54),
        "DestinationConfigure + PutBuffer used"
    );
    let sm = srv(&mut c).mailbox().message(mid).unwrap().clone();
    assert_eq!(
        sm.content.props.get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("edited"))
    );
    assert_eq!(
        sm.content.recipients.len(),
        1,
        "recipients kept on the server"
    );
    assert_eq!(
        sm.content.attachments.len(),
        1,
        "attachments kept on the server"
    );
    assert_eq!(
        sm.content.attachments[0].props.get(PropTag(0x3704_001F)),
        Some(&PropValue::unicode("a.txt"))
    );
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// end to end: the Message object of an ImportMessageChange
/// for an existing message starts purged, so the client's upload (through
/// its RopSession, ROP bytes only) replaces the whole message: props only
/// drops the server's recipients and attachments; a messageContent upload
/// with one recipient leaves exactly that recipient. The next download
/// brings the replica to the same content.
#[tokio::test]
async fn import_replaces_recipients_and_attachments() {
    use ics_client::model::{Children, Prop as P};
    use ics_client::sync::ops::{IcsOps, ImportHeader, ImportOutcome};
    use ics_server::mailbox::{Attachment, PropertyBag};
    use ics_wire::pcl::Pcl;
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let recipient = |name: &str| {
        PropertyBag::from_values([
            TaggedValue {
                tag: PropTag(0x3000_0003),
                value: PropValue::I32(0),
            },
            TaggedValue {
                tag: tags::PID_TAG_DISPLAY_NAME,
                value: PropValue::unicode(name),
            },
        ])
    };
    let content = MessageContent {
        props: PropertyBag::from_values([text("old"), body("old body")]),
        recipients: vec![recipient("Alice"), recipient("Bob")],
        attachments: vec![Attachment {
            props: PropertyBag::from_values([TaggedValue {
                tag: PropTag(0x3704_001F),
                value: PropValue::unicode("a.txt"),
            }]),
            embedded: None,
        }],
    };
    let mid = s.mailbox_mut().create_message(f, false, content).unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let m = c.replica().messages_in_fid(fid).unwrap().remove(0);
    assert_eq!((m.recipients.len(), m.attachments.len()), (2, 1));
    let ns = ics_wire::Guid::from_bytes([0xC7; 16]);
    let mut pcl = Pcl::decode_lenient(&m.pcl).unwrap();
    let upload = |n: u64, pcl: &mut Pcl| {
        let ck = ics_wire::ids::Xid::new(ns, &n.to_be_bytes()).unwrap();
        pcl.insert(ck);
        ImportHeader {
            source_key: m.source_key.clone(),
            last_modification_time: 134_200_000_000_000_000 + n,
            change_key: ck.to_bytes(),
            pcl: pcl.to_bytes(),
            fail_on_conflict: true,
        }
    };
    let server_children = |c: &mut C| {
        let sm = srv(c).mailbox().message(mid).unwrap().clone();
        (
            sm.content.props.get(tags::PID_TAG_SUBJECT).cloned(),
            sm.content.props.get(tags::PID_TAG_BODY).cloned(),
            sm.content.recipients.len(),
            sm.content.attachments.len(),
        )
    };
    // Properties only (SetProperties path).
    let h = upload(1, &mut pcl);
    let ops = c.ops_mut();
    let folder = ops.open_folder(fid).await.unwrap();
    let col = ops.open_collector(folder, true).await.unwrap();
    let props = [subject("props only")];
    let out = ops
        .import_message(col, false, &h, &props, &Children::default())
        .await
        .unwrap();
    assert_eq!(out, ImportOutcome::Imported);
    assert_eq!(
        server_children(&mut c),
        (Some(PropValue::unicode("props only")), None, 0, 0),
        "nothing of the old message survives"
    );
    // messageContent path with one new recipient.
    let h = upload(2, &mut pcl);
    let rcpt = vec![
        P::tagged(PropTag(0x3000_0003), PropValue::I32(0)),
        P::tagged(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("Carol")),
    ];
    let children = Children {
        recipients: Some(vec![rcpt]),
        attachments: Some(vec![]),
    };
    let props = [subject("with Carol")];
    let ops = c.ops_mut();
    let out = ops
        .import_message(col, false, &h, &props, &children)
        .await
        .unwrap();
    assert_eq!(out, ImportOutcome::Imported);
    ops.release(col).await.unwrap();
    ops.release(folder).await.unwrap();
    assert_eq!(
        server_children(&mut c),
        (Some(PropValue::unicode("with Carol")), None, 1, 0)
    );
    let sm = srv(&mut c).mailbox().message(mid).unwrap().clone();
    assert_eq!(
        sm.content.recipients[0].get(tags::PID_TAG_DISPLAY_NAME),
        Some(&PropValue::unicode("Carol"))
    );
    // These uploads bypassed the replica: the next download brings them.
    c.sync_contents(fid, &cancel).await.unwrap();
    let m = c.replica().messages_in_fid(fid).unwrap().remove(0);
    assert_eq!((m.recipients.len(), m.attachments.len()), (1, 0));
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// Three messages synchronized, then local changes of every kind: m1
/// deleted, m2 marked read, one message created.
async fn local_changes_of_every_kind(opts: SyncOptions) -> (C, Fid) {
    let mut s = session();
    let f = inbox(&s);
    let mids: Vec<Mid> = (1..=3)
        .map(|i| add(&mut s, f, &format!("m{i}"), false))
        .collect();
    let sks: Vec<Vec<u8>> = mids
        .iter()
        .map(|m| s.mailbox().source_key_of(m.0))
        .collect();
    let mut c = connect(s, opts).await;
    let fid = f.to_u64_le();
    c.sync_contents(fid, &CancelToken::new()).await.unwrap();
    c.ensure_ids().await.unwrap();
    c.replica_mut().delete_local_message(&sks[0]).unwrap();
    assert!(c.replica_mut().set_read_local(&sks[1], true).unwrap());
    c.replica_mut()
        .create_local_message(fid, false, &[subject("new")], 134_115_552_010_000_000)
        .unwrap();
    (c, f)
}

/// R-231 ([MS-OXCFXICS] 3.3.4.3.3.2): the import ROPs may come in any
/// order on one collector; read states first, then deletions, then changes
/// give the same result.
#[tokio::test]
async fn imports_in_another_order_converge() {
    use ics_client::sync::engine::ImportKind;
    let opts = SyncOptions {
        import_order: [
            ImportKind::ReadStates,
            ImportKind::Deletes,
            ImportKind::Changes,
        ],
        ..SyncOptions::default()
    };
    let (mut c, f) = local_changes_of_every_kind(opts).await;
    let up = c.upload_contents(f.to_u64_le()).await.unwrap();
    assert_eq!((up.reads, up.deletes, up.imported), (1, 1, 1), "{up:?}");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!((r.download.full, r.download.deleted), (0, 0), "{r:?}");
}

/// R-139 ([MS-OXCFXICS] 3.3.4.3.3): an upload without state upload works;
/// the saved CnsetSeen stays as it was, so the uploaded change comes down
/// once more, equal to the client's version, and then nothing.
#[tokio::test]
async fn upload_without_state_upload() {
    let opts = SyncOptions {
        upload_state_before_import: false,
        ..SyncOptions::default()
    };
    let (mut c, f) = local_changes_of_every_kind(opts).await;
    let scope = Scope::contents(f.to_u64_le());
    let before = c.replica().state(&scope).unwrap();
    let up = c.upload_contents(f.to_u64_le()).await.unwrap();
    assert_eq!(up.imported, 1);
    let after = c.replica().state(&scope).unwrap();
    assert_eq!(after.cnset_seen, before.cnset_seen);
    assert_ne!(after.idset_given, before.idset_given, "R-212");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let cancel = CancelToken::new();
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full, 1, "the upload comes back once: {r:?}");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full, 0, "{r:?}");
}

/// the same version uploaded again (its acknowledgment lost)
/// is answered with SyncIgnore, which the engine counts as done, not as a
/// failure; the upload completes with its state.
#[tokio::test]
async fn reimport_answered_with_sync_ignore_is_not_fatal() {
    let mut s = session();
    let f = inbox(&s);
    let mid = add(&mut s, f, "m1", false);
    let sk = s.mailbox().source_key_of(mid.0);
    let mut c = connect(s, SyncOptions::default()).await;
    let (fid, cancel) = (f.to_u64_le(), CancelToken::new());
    c.sync_contents(fid, &cancel).await.unwrap();
    c.replica_mut()
        .modify_local_message(&sk, &[subject("local")], &[], 134_115_552_010_000_000)
        .unwrap();
    assert_eq!(c.upload_contents(fid).await.unwrap().imported, 1);
    assert!(c.replica_mut().mark_unacknowledged(&sk).unwrap());
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.upload.ignored, r.upload.imported), (1, 0), "{r:?}");
    assert!(r.upload.failed.is_empty());
    assert!(c.replica().pending(fid).unwrap().changes.is_empty());
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}
