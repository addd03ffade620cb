//! A conflict resolve message downloads as its versions ([MS-OXCFXICS]
//! 3.1.5.6.2.1): one messageChange per version in conflict, all with the
//! message's SourceKey, each with its own ChangeKey, PCL,
//! LastModificationTime and content; the final state claims the message.

use super::conflicts::conflicting;
use super::*;
use ics_server::ics::{ChangeBody, Download, Element, MessageChange, SyncOptions, SyncState};

fn header(c: &MessageChange, tag: PropTag) -> &PropValue {
    &c.header
        .iter()
        .find(|v| v.tag.id() == tag.id())
        .unwrap_or_else(|| panic!("{tag:?} in the header"))
        .value
}

fn binary(v: &PropValue) -> Vec<u8> {
    match v {
        PropValue::Binary(b) => b.clone(),
        other => panic!("binary expected: {other:?}"),
    }
}

/// (subject, ChangeKey, PCL, LastModificationTime) of each change of `mid`.
fn versions_sent(els: &[Element], mid: Mid) -> Vec<(String, Vec<u8>, Pcl, PropValue)> {
    let changes: Vec<&MessageChange> = els
        .iter()
        .filter_map(|e| match e {
            Element::MessageChange(c) if c.mid == mid => Some(c),
            _ => None,
        })
        .collect();
    let sk = binary(header(changes[0], tags::PID_TAG_SOURCE_KEY));
    changes
        .iter()
        .map(|c| {
            assert_eq!(binary(header(c, tags::PID_TAG_SOURCE_KEY)), sk);
            let ChangeBody::Full(content) = &c.body else {
                panic!("a full change")
            };
            assert_eq!(content.attachments.as_deref().map(<[_]>::len), Some(0));
            for v in &content.props {
                assert_ne!(v.tag.id(), 0x0E17, "no msInConflict status: {v:?}");
                assert_ne!(v.tag.id(), tags::PID_TAG_CHANGE_KEY.id(), "CK in content");
            }
            let subject = content
                .props
                .iter()
                .find(|v| v.tag.id() == tags::PID_TAG_SUBJECT.id())
                .map(|v| match &v.value {
                    PropValue::Unicode(s) => s.to_string_lossy(),
                    other => format!("{other:?}"),
                })
                .unwrap_or_default();
            (
                subject,
                binary(header(c, tags::PID_TAG_CHANGE_KEY)),
                Pcl::decode(&binary(header(c, tags::PID_TAG_PREDECESSOR_CHANGE_LIST))).unwrap(),
                header(c, tags::PID_TAG_LAST_MODIFICATION_TIME).clone(),
            )
        })
        .collect()
}

fn download(u: &Up) -> Vec<Element> {
    let mb = u.c.s.mailbox();
    let els = Download::new(
        mb,
        u.c.inbox(),
        SyncOptions::contents(),
        SyncState::default(),
    )
    .unwrap()
    .collect(mb)
    .unwrap();
    ics_server::ics::invariants::check(&SyncState::default(), &els).unwrap();
    els
}

/// Two versions in conflict: two messageChanges, the server's version and
/// the imported one with their own identities; the state claims the message.
#[test]
fn conflict_resolve_message_downloads_as_its_versions() {
    let mut u = Up::new();
    let (gid, mid, server_pcl) = conflicting(&mut u, false);
    let ck2 = client_xid(2);
    let lmt = u64::MAX / 2;
    let r = u.import(gid, lmt, ck2, &Pcl::single(ck2), 0, "client");
    assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
    let els = download(&u);
    let mut sent = versions_sent(&els, mid);
    sent.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(sent.len(), 2, "{sent:?}");
    let (client, server) = (&sent[0], &sent[1]);
    assert_eq!(client.0, "client");
    assert_eq!(client.1, ck2.to_bytes());
    assert_eq!(client.2, Pcl::single(ck2));
    assert_eq!(client.3, PropValue::Time(lmt));
    assert_eq!(server.0, "server");
    assert_eq!(server.2, server_pcl);
    assert_ne!(server.1, client.1);
    assert_ne!(
        client.2.compare(&server.2),
        ics_wire::pcl::PclOrdering::Newer
    );
    let Some(Element::State(st)) = els.last() else {
        panic!("state last")
    };
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert!(
        SyncState::has_local(&st.cnset_seen, m.cn),
        "the CN is claimed"
    );
    let k = (m.mid.0.replid, m.mid.0.globcnt);
    assert!(st.idset_given.contains(k.0, k.1));
}

/// Three versions: three messageChanges; with Progress, progressTotal counts
/// each version.
#[test]
fn every_version_is_sent() {
    let mut u = Up::new();
    let (gid, mid, _) = conflicting(&mut u, false);
    let (ck2, ck3) = (client_xid(2), client_xid(3));
    u.import(gid, u64::MAX / 4, ck2, &Pcl::single(ck2), 0, "client");
    u.import(gid, u64::MAX / 2, ck3, &Pcl::single(ck3), 0, "third");
    let mut sent: Vec<String> = versions_sent(&download(&u), mid)
        .into_iter()
        .map(|v| v.0)
        .collect();
    sent.sort();
    assert_eq!(sent, ["client", "server", "third"]);
    let mut opts = SyncOptions::contents();
    opts.progress = true;
    let mb = u.c.s.mailbox();
    let els = Download::new(mb, u.c.inbox(), opts, SyncState::default())
        .unwrap()
        .collect(mb)
        .unwrap();
    ics_server::ics::invariants::check(&SyncState::default(), &els).unwrap();
    let Some(Element::ProgressTotal(p)) = els.first() else {
        panic!("progressTotal first")
    };
    let changes = els
        .iter()
        .filter(|e| matches!(e, Element::MessageChange(c) if !c.fai))
        .count();
    assert_eq!(p.normal_count as usize, changes);
}
