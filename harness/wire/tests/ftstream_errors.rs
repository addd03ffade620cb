//! Bad input: each error names what and where (offset, element path), never
//! a panic (spec digest §2.2, §2.3, §5, §6, §14).

mod ftstream_examples;

use ftstream_examples::*;
use ics_wire::ftstream::*;
use ics_wire::prop::{PropTag, PropValue, PropertyName};

fn corpus(name: &str) -> Vec<u8> {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/decode_ftstream/");
    std::fs::read(format!("{p}{name}")).unwrap()
}

fn grammar_err(kind: RootKind, bytes: &[u8]) -> (usize, String, String, String) {
    match parse(kind, bytes) {
        Err(ParseError::Grammar {
            offset,
            path,
            expected,
            found,
        }) => (offset, path, expected, found),
        other => panic!("expected a grammar error, got {other:?}"),
    }
}

#[test]
fn unknown_type_is_a_lexical_error() {
    let b = corpus("bad_unknown_type.bin");
    let e = lex_all(&b).unwrap_err();
    assert_eq!(
        e,
        StreamError::Lex(LexError::UnknownType {
            offset: 4,
            tag: PropTag(0x0037_0001),
            ty: 1
        })
    );
    assert_eq!(
        e.to_string(),
        "offset 4: tag 0x00370001 has type 0x0001, which is not a FastTransfer property type"
    );
}

#[test]
fn named_property_kind_must_be_0_or_1() {
    let e = lex_all(&corpus("bad_name_kind.bin")).unwrap_err();
    assert_eq!(
        e,
        StreamError::Lex(LexError::BadNameKind {
            offset: 20,
            kind: 2
        })
    );
}

#[test]
fn odd_unicode_length() {
    let e = lex_all(&corpus("bad_odd_unicode_length.bin")).unwrap_err();
    assert_eq!(
        e,
        StreamError::Lex(LexError::OddStringLength {
            offset: 4,
            what: "string",
            length: 3
        })
    );
}

#[test]
fn unterminated_name_is_capped() {
    let e = lex_all(&corpus("bad_name_unterminated.bin")).unwrap_err();
    assert_eq!(e, StreamError::Lex(LexError::NameTooLong { offset: 21 }));
}

/// Truncation inside an atom: "need more bytes", reported at the element start.
#[test]
fn truncated_stream() {
    let b = corpus("bad_truncated_filetime.bin");
    assert_eq!(
        lex_all(&b).unwrap_err(),
        StreamError::Truncated {
            offset: 0x60,
            needed: 4
        }
    );
    assert!(matches!(
        parse(RootKind::ContentsSync, &b),
        Err(ParseError::Stream(_))
    ));
    // The streaming parser holds the element back, then fails at finish().
    let mut p = StreamParser::new();
    let els = p.feed(&b).unwrap();
    assert_eq!(els.len(), 7);
    assert_eq!(p.held_back(), 8);
    assert_eq!(
        p.finish(),
        Err(FeedError::Stream(StreamError::Truncated {
            offset: 0x60,
            needed: 4
        }))
    );
}

/// Huge lengths and counts allocate nothing: they are just not there (§2.3).
#[test]
fn huge_length_and_count() {
    let e = lex_all(&corpus("bad_huge_length.bin")).unwrap_err();
    assert_eq!(
        e,
        StreamError::Truncated {
            offset: 0,
            needed: 0xFFFF_FFFF - 2
        }
    );
    let e = lex_all(&corpus("bad_mv_count_overflow.bin")).unwrap_err();
    assert!(
        matches!(e, StreamError::Truncated { offset: 0, .. }),
        "{e:?}"
    );
    // The streaming parser refuses to wait for more than its limit.
    let mut p = StreamParser::new().max_value_len(1 << 20);
    let e = p.feed(&corpus("bad_huge_length.bin")).unwrap_err();
    assert_eq!(
        e,
        FeedError::Stream(StreamError::Lex(LexError::TooLong {
            offset: 4,
            length: 0xFFFF_FFFF,
            limit: 1 << 20
        }))
    );
    assert_eq!(p.feed(&[0]), Err(FeedError::Closed));
}

#[test]
fn header_missing_required_property() {
    let (offset, path, expected, found) = grammar_err(
        RootKind::ContentsSync,
        &corpus("bad_header_missing_associated.bin"),
    );
    assert_eq!(offset, 0xA9);
    assert_eq!(
        path,
        "contentsSync/messageChangeFull[0]/messageChangeHeader"
    );
    assert_eq!(expected, "messageChangeHeader: 0x67AA000B at position 5");
    assert_eq!(found, "property 0x674A0014 (PidTagMid)");
}

#[test]
fn recipient_without_rowid() {
    let (offset, path, expected, _) = grammar_err(
        RootKind::ContentsSync,
        &corpus("bad_recipient_without_rowid.bin"),
    );
    assert_eq!(offset, 0x107);
    assert_eq!(path, "contentsSync/messageChangeFull[0]/recipient[0]");
    assert!(expected.contains("PidTagRowid"), "{expected}");
}

#[test]
fn trailing_element_after_the_root() {
    let b = corpus("bad_trailing_after_end.bin");
    let (offset, path, expected, found) = grammar_err(RootKind::HierarchySync, &b);
    assert_eq!(
        (offset, path.as_str(), expected.as_str()),
        (281, "", "end of stream")
    );
    assert_eq!(found, "marker IncrSyncChg");
}

#[test]
fn error_info_outside_a_recovery_point() {
    let (offset, _, expected, found) = grammar_err(
        RootKind::HierarchySync,
        &corpus("bad_errorinfo_in_hierarchy.bin"),
    );
    assert_eq!(offset, 0);
    assert!(expected.contains("only recoverable"), "{expected}");
    assert_eq!(found, "FXErrorInfo");
}

/// errorInfo where a required element is missing discards the unfinished
/// message change and is recorded at the contentsSync level (§11.2).
#[test]
fn error_info_mid_message_unwinds() {
    let b = corpus("error_midmessage_unwinds.bin");
    let Root::ContentsSync(cs) = parse(RootKind::ContentsSync, &b).unwrap() else {
        panic!()
    };
    assert!(cs.progress_total.is_some());
    assert_eq!(cs.changes.len(), 2, "{:#?}", cs.changes);
    assert!(matches!(cs.changes[0], ContentsSyncItem::Error(_)));
    assert!(matches!(
        cs.changes[1],
        ContentsSyncItem::Change {
            progress: None,
            change: MessageChange::Full(_)
        }
    ));
}

/// errorInfo inside a message of a messageList unwinds to the messageList.
#[test]
fn error_info_in_message_list() {
    let msg = hex(EX_13_6);
    let err = &hex(EX_13_5)[..0x64];
    // StartMessage, PidTagMid, then the error, then the whole good message.
    let mut b = msg[..0x10].to_vec();
    b.extend_from_slice(err);
    b.extend_from_slice(&msg);
    let Root::MessageList(ml) = parse(RootKind::MessageList, &b).unwrap() else {
        panic!()
    };
    assert!(matches!(
        ml.items[..],
        [MessageListItem::Error(_), MessageListItem::Message(_)]
    ));
}

#[test]
fn wrong_root_kind() {
    let (offset, path, expected, found) = grammar_err(RootKind::TopFolder, &hex(EX_13_6));
    assert_eq!((offset, path.as_str()), (0, "topFolder"));
    assert_eq!(expected, "marker StartTopFld");
    assert_eq!(found, "marker StartMessage");
}

/// §14 item 3: zero lengths are accepted everywhere.
#[test]
fn zero_lengths_accepted() {
    let b = hex(&[
        "02 01 E1 65 00 00 00 00 1F 00 37 00 00 00 00 00 1E 00 37 00 00 00 00 00 02 11 0A 10 00 00 00 00",
    ]);
    let els = lex_all(&b).unwrap();
    assert_eq!(els.len(), 4);
    assert_eq!(els[1].prop().unwrap().value, PropValue::unicode(""));
}

/// A string without its terminator is accepted whole (2.2.4.1.3).
#[test]
fn string_without_terminator() {
    let b = hex(&["1F 00 37 00 04 00 00 00 48 00 69 00"]);
    assert_eq!(
        lex_all(&b).unwrap()[0].prop().unwrap().value,
        PropValue::unicode("Hi")
    );
}

/// Booleans: any non-zero value is TRUE (2.2.4.3.18).
#[test]
fn boolean_nonzero_is_true() {
    let b = hex(&["0B 00 AA 67 00 01"]);
    assert_eq!(
        lex_all(&b).unwrap()[0].prop().unwrap().value,
        PropValue::Boolean(true)
    );
}

#[test]
fn producer_rejects_inconsistent_properties() {
    let mut out = Vec::new();
    // Type mismatch.
    let p = FtProp {
        tag: PropTag(0x0037_001F),
        name: None,
        value: PropValue::I32(1),
    };
    assert!(matches!(
        write_prop(&mut out, &p),
        Err(ProduceError::Inconsistent { .. })
    ));
    // Named id without a name.
    let p = FtProp {
        tag: PropTag(0x8001_0003),
        name: None,
        value: PropValue::I32(1),
    };
    assert!(write_prop(&mut out, &p).is_err());
    // A tag equal to a marker value would read back as the marker.
    let p = FtProp {
        tag: PropTag(0x4009_0003),
        name: None,
        value: PropValue::I32(1),
    };
    assert!(write_prop(&mut out, &p).is_err());
    // MetaTagIdsetGiven with 0x40170003 needs a binary value.
    let p = FtProp {
        tag: ics_tags::META_TAG_IDSET_GIVEN,
        name: None,
        value: PropValue::I32(1),
    };
    assert!(write_prop(&mut out, &p).is_err());
    // A name with an embedded NUL could not be read back.
    let name = PropertyName {
        guid: ics_wire::Guid::NIL,
        kind: ics_wire::prop::NameKind::Name(ics_wire::prop::Utf16String(vec![0x61, 0, 0x62])),
    };
    assert!(write_prop(&mut out, &FtProp::named(0x8000, name, PropValue::I32(1))).is_err());
    assert!(
        out.is_empty(),
        "nothing written for rejected properties: {out:?}"
    );
    // A meta-property inside a propList.
    let root = Root::State(State {
        props: vec![FtProp::with_tag(PropTag(0x4016_0003), PropValue::I32(0))],
    });
    assert!(produce(&root).is_err());
}
