//! Builders shared by the replica tests.
#![allow(dead_code)]

pub mod fake;

use ics_client::model::*;
use ics_client::replica::Replica;
use ics_wire::prop::{PropTag, PropValue, tags};

pub const FOLDER: u64 = 0x0001_0000_0000_0101;

/// A 22-byte GID-shaped source key with counter `n`.
pub fn sk(n: u64) -> Vec<u8> {
    let mut v = vec![0xAB; 16];
    v.extend_from_slice(&n.to_be_bytes()[2..]);
    v
}

pub fn header(n: u64, version: u64, fai: bool) -> MessageHeader {
    MessageHeader {
        source_key: sk(n),
        last_modification_time: 1_000 + version,
        change_key: sk(0x1000 + version),
        pcl: vec![22, version as u8],
        associated: fai,
        mid: Some(n),
        cn: Some(version),
        message_size: None,
    }
}

pub fn subject(s: &str) -> Prop {
    Prop::tagged(tags::PID_TAG_SUBJECT, PropValue::unicode(s))
}

pub fn tagged(tag: u32, v: PropValue) -> Prop {
    Prop::tagged(PropTag(tag), v)
}

pub fn full(n: u64, version: u64, props: Vec<Prop>) -> Change {
    Change::MessageFull(MessageFull {
        header: header(n, version, false),
        props,
        children: Children::default(),
    })
}

pub fn fai(n: u64, version: u64, props: Vec<Prop>) -> Change {
    Change::MessageFull(MessageFull {
        header: header(n, version, true),
        props,
        children: Children::default(),
    })
}

pub fn state(tag: u8) -> StateBlobs {
    StateBlobs {
        idset_given: vec![tag, 1],
        cnset_seen: vec![tag, 2],
        cnset_seen_fai: vec![tag, 3],
        cnset_read: vec![tag, 4],
    }
}

/// (source key, read, FAI, properties but PidTagMessageFlags) of every
/// message of folder `fid` in the replica, by source key: the form
/// [`fake::FakeServer::content`] gives for the server side.
pub fn replica_content(r: &Replica, fid: u64) -> Vec<(Vec<u8>, bool, bool, Vec<Prop>)> {
    let mut v: Vec<_> = r
        .messages_in_fid(fid)
        .unwrap()
        .into_iter()
        .map(|m| {
            let props = m
                .props
                .into_iter()
                .filter(|p| p.key != PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS))
                .collect();
            (m.source_key, m.read, m.fai, props)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
