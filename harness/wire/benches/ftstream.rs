//! Benchmarks for the ftstream codec, on two 100 MB contentsSync streams:
//! `attach` (messages with one 1 MiB PidTagAttachDataBinary each) and
//! `dense` (messages with many small properties). `memcpy` of the same
//! 100 MB runs in the same process for comparison.
//!
//! `cargo bench -p ics-wire --bench ftstream` (throughput in bytes/s).

use std::sync::LazyLock;

use divan::Bencher;
use divan::counter::BytesCount;
use ics_wire::ftstream::*;
use ics_wire::prop::{PropTag, PropValue, Utf16String, tags};

const TARGET: usize = 100 << 20;

fn header(n: u64) -> PropList {
    vec![
        FtProp::with_tag(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(vec![7; 22])),
        FtProp::with_tag(
            tags::PID_TAG_LAST_MODIFICATION_TIME,
            PropValue::Time(0x01DA_3D28_5848_C080),
        ),
        FtProp::with_tag(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(vec![8; 22])),
        FtProp::with_tag(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(vec![9; 23]),
        ),
        FtProp::with_tag(tags::PID_TAG_ASSOCIATED, PropValue::Boolean(false)),
        FtProp::with_tag(tags::PID_TAG_MID, PropValue::I64(n as i64)),
    ]
}

fn state() -> State {
    State {
        props: vec![
            FtProp::with_tag(
                ics_tags::META_TAG_IDSET_GIVEN,
                PropValue::Binary(vec![1; 30]),
            ),
            FtProp::with_tag(
                ics_tags::META_TAG_CNSET_SEEN,
                PropValue::Binary(vec![2; 30]),
            ),
        ],
    }
}

fn change(n: u64, props: PropList, attachments: Vec<Attachment>) -> ContentsSyncItem {
    ContentsSyncItem::Change {
        progress: None,
        change: MessageChange::Full(MessageChangeFull {
            header: header(n),
            props,
            children: MessageChildren {
                del_recipients: true,
                recipients: vec![],
                del_attachments: true,
                attachments,
            },
        }),
    }
}

fn contents(changes: Vec<ContentsSyncItem>) -> Root {
    Root::ContentsSync(ContentsSync {
        progress_total: None,
        changes,
        deletions: None,
        read_state_changes: None,
        state: state(),
    })
}

/// Attachment-heavy: 1 MiB binaries.
fn attach_tree() -> Root {
    let mut changes = Vec::new();
    let mut size = 0;
    let mut n = 0;
    while size < TARGET {
        let data: Vec<u8> = (0..1 << 20).map(|i| (i * 7 + n) as u8).collect();
        size += data.len();
        let att = Attachment {
            attach_number: 0,
            content: AttachmentContent {
                dn_prefix: None,
                props: vec![
                    FtProp::with_tag(PropTag(0x3705_0003), PropValue::I32(1)),
                    FtProp::with_tag(PropTag(0x3701_0102), PropValue::Binary(data)),
                ],
                embedded: None,
            },
        };
        changes.push(change(
            n as u64,
            vec![FtProp::with_tag(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode("attachment"),
            )],
            vec![att],
        ));
        n += 1;
    }
    contents(changes)
}

/// Property-dense: 40 small properties per message.
fn dense_tree() -> Root {
    let mut changes = Vec::new();
    let mut size = 0;
    let mut n = 0u64;
    while size < TARGET {
        let mut props = Vec::with_capacity(40);
        for i in 0..10u16 {
            props.push(FtProp::tagged(0x1000 + i, PropValue::I32(i as i32)));
            props.push(FtProp::tagged(0x2000 + i, PropValue::I64(n as i64)));
            props.push(FtProp::tagged(
                0x3000 + i,
                PropValue::Unicode(Utf16String::from("subject line")),
            ));
            props.push(FtProp::tagged(
                0x3100 + i,
                PropValue::Binary(vec![i as u8; 16]),
            ));
        }
        size += 40 * 22 + 200;
        changes.push(change(n, props, vec![]));
        n += 1;
    }
    contents(changes)
}

struct Data {
    tree: Root,
    bytes: Vec<u8>,
}

fn data(tree: Root) -> Data {
    let bytes = produce(&tree).unwrap();
    Data { tree, bytes }
}

static ATTACH: LazyLock<Data> = LazyLock::new(|| data(attach_tree()));
static DENSE: LazyLock<Data> = LazyLock::new(|| data(dense_tree()));

fn pick(which: &str) -> &'static Data {
    if which == "attach" { &ATTACH } else { &DENSE }
}

const ARGS: [&str; 2] = ["attach", "dense"];

fn main() {
    divan::main();
}

/// Copy of the same number of bytes into a buffer that is already mapped.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn memcpy(b: Bencher, which: &str) {
    let d = pick(which);
    let mut dst = vec![0u8; d.bytes.len()];
    b.counter(BytesCount::of_slice(&d.bytes)).bench_local(|| {
        dst.copy_from_slice(divan::black_box(&d.bytes));
        divan::black_box(&dst);
    });
}

/// Lexer over the whole stream, values borrowed.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn lex_borrowed(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes)).bench(|| {
        let mut n = 0usize;
        for e in Lexer::new(divan::black_box(&d.bytes)) {
            n += e.unwrap().len;
        }
        n
    });
}

/// Streaming lexer fed 32 KiB portions (GetBuffer-like), elements borrowed.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn stream_32k(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes)).bench(|| {
        let mut p = StreamParser::new();
        let mut n = 0usize;
        for chunk in d.bytes.chunks(32 << 10) {
            p.feed_with(chunk, |e| n += e.len).unwrap();
        }
        p.finish().unwrap();
        n
    });
}

/// Full parse into the owned typed tree (one copy of every value).
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn parse_tree(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes))
        .bench(|| parse(RootKind::ContentsSync, divan::black_box(&d.bytes)).unwrap());
}

/// Producer: typed tree to bytes.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn produce_tree(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes))
        .bench(|| produce(divan::black_box(&d.tree)).unwrap());
}

/// Producer plus splitting into 32 KiB buffers at legal points.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn split_32k(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes)).bench(|| {
        split_points(divan::black_box(&d.bytes), 32 << 10)
            .unwrap()
            .len()
    });
}

/// Lexer plus conversion of every element to the owned form.
#[divan::bench(args = ARGS, sample_count = 10, sample_size = 1)]
fn lex_owned(b: Bencher, which: &str) {
    let d = pick(which);
    b.counter(BytesCount::of_slice(&d.bytes))
        .bench(|| lex_all(divan::black_box(&d.bytes)).unwrap().len());
}
