//! Client headers (OnlySpecifiedProperties, completed by CopyMessages) and the back-in-time check.

use super::*;

/// client headers: with OnlySpecifiedProperties only the listed
/// properties arrive.
#[tokio::test]
async fn client_headers_only_specified_properties() {
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "header only", false);
    let opts = SyncOptions {
        only_specified: Some(vec![tags::PID_TAG_SUBJECT]),
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 1);
    let m = &c.replica().messages_in_fid(f.to_u64_le()).unwrap()[0];
    assert!(
        m.props
            .iter()
            .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT))
    );
    assert!(
        !m.props
            .iter()
            .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_BODY)),
        "{:?}",
        m.props
    );
}

/// against ics-server: a header downloaded with
/// OnlySpecifiedProperties is completed into the full item through
/// RopFastTransferSourceCopyMessages with SendEntryId; the ICS state is not
/// changed, so the next sync brings nothing.
#[tokio::test]
async fn client_headers_completed_by_copy_messages() {
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    add(&mut s, f, "hdr", false);
    let opts = SyncOptions {
        only_specified: Some(vec![tags::PID_TAG_SUBJECT]),
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let sk = c.replica().messages_in_fid(fid).unwrap()[0]
        .source_key
        .clone();
    let has = |c: &C, t: PropTag| {
        c.replica()
            .message(&sk)
            .unwrap()
            .unwrap()
            .props
            .iter()
            .any(|p| p.key == PropKey::of_tag(t))
    };
    assert!(has(&c, tags::PID_TAG_SUBJECT) && !has(&c, tags::PID_TAG_BODY));
    assert_eq!(
        c.complete_headers(fid, std::slice::from_ref(&sk), &cancel)
            .await
            .unwrap(),
        1
    );
    assert!(has(&c, tags::PID_TAG_SUBJECT) && has(&c, tags::PID_TAG_BODY));
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let m = c.replica().message(&sk).unwrap().unwrap();
    let on_server = srv(&mut c)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .next()
        .unwrap()
        .last_modified;
    assert_eq!(m.last_modification_time, on_server);
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.download.partial), (0, 0));
}

/// against ics-server: the back-in-time counter lives in a
/// client-owned FAI message read back with CopyMessages; a replica or a
/// server that went back in time is detected.
#[tokio::test]
async fn back_in_time_detection_against_reference_server() {
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    add(&mut s, f, "m", false);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 0);
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 1);
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 2);
    let sk = c.replica().back_in_time_message().unwrap().unwrap();
    assert!(c.replica().message(&sk).unwrap().unwrap().fai);
    let fai_on_server = srv(&mut c)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .filter(|m| m.fai)
        .count();
    assert_eq!(fai_on_server, 1, "the counter message reached the server");
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.upload.imported), (0, 0));
    c.replica_mut().set_back_in_time_counter(1).unwrap();
    match c.check_back_in_time(fid, &cancel).await {
        Err(SyncError::BackInTime {
            local: 1,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    c.replica_mut().set_back_in_time_counter(7).unwrap();
    match c.check_back_in_time(fid, &cancel).await {
        Err(SyncError::BackInTime {
            local: 7,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    c.replica_mut().set_back_in_time_counter(2).unwrap();
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 3);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}
