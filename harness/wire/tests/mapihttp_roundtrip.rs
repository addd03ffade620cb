//! Property tests: body encode/decode round trips, payload chains with every
//! flag combination, and split invariance of the PROCESSING/DONE parser.

use ics_wire::mapihttp::*;
use ics_wire::prop::Utf16String;
use proptest::prelude::*;
use std::num::NonZeroU32;

fn ascii() -> impl Strategy<Value = String> {
    "[\\x01-\\x7f]{0,80}"
}

fn utf16() -> impl Strategy<Value = Utf16String> {
    proptest::collection::vec(1u16.., 0..40).prop_map(Utf16String)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn failure() -> impl Strategy<Value = Failure> {
    (1u32.., bytes(40)).prop_map(|(s, a)| Failure {
        status_code: NonZeroU32::new(s).unwrap(),
        auxiliary_buffer: a,
    })
}

fn connect_request() -> impl Strategy<Value = ConnectRequest> {
    (ascii(), any::<[u32; 4]>(), bytes(40)).prop_map(|(user_dn, n, a)| ConnectRequest {
        user_dn,
        flags: n[0],
        default_code_page: n[1],
        lcid_sort: n[2],
        lcid_string: n[3],
        auxiliary_buffer: a,
    })
}

fn connect_response() -> impl Strategy<Value = ConnectResponse> {
    prop_oneof![
        (any::<[u32; 4]>(), ascii(), utf16(), bytes(40)).prop_map(
            |(n, dn_prefix, display_name, a)| {
                ConnectResponse::Success(ConnectSuccess {
                    error_code: n[0],
                    polls_max: n[1],
                    retry_count: n[2],
                    retry_delay: n[3],
                    dn_prefix,
                    display_name,
                    auxiliary_buffer: a,
                })
            }
        ),
        failure().prop_map(ConnectResponse::Failure),
    ]
}

fn execute_request() -> impl Strategy<Value = ExecuteRequest> {
    (any::<u32>(), bytes(300), any::<u32>(), bytes(40)).prop_map(|(f, rop, m, a)| ExecuteRequest {
        flags: ExecuteFlags(f),
        rop_buffer: rop,
        max_rop_out: m,
        auxiliary_buffer: a,
    })
}

fn execute_response() -> impl Strategy<Value = ExecuteResponse> {
    prop_oneof![
        (any::<u32>(), any::<u32>(), bytes(300), bytes(40)).prop_map(|(e, f, rop, a)| {
            ExecuteResponse::Success(ExecuteSuccess {
                error_code: e,
                flags: f,
                rop_buffer: rop,
                auxiliary_buffer: a,
            })
        }),
        failure().prop_map(ExecuteResponse::Failure),
    ]
}

fn disconnect_response() -> impl Strategy<Value = DisconnectResponse> {
    prop_oneof![
        (any::<u32>(), bytes(40)).prop_map(|(e, a)| {
            DisconnectResponse::Success(DisconnectSuccess {
                error_code: e,
                auxiliary_buffer: a,
            })
        }),
        failure().prop_map(DisconnectResponse::Failure),
    ]
}

fn notification_wait_response() -> impl Strategy<Value = NotificationWaitResponse> {
    prop_oneof![
        (any::<u32>(), any::<u32>(), bytes(40)).prop_map(|(e, p, a)| {
            NotificationWaitResponse::Success(NotificationWaitSuccess {
                error_code: e,
                event_pending: p,
                auxiliary_buffer: a,
            })
        }),
        failure().prop_map(NotificationWaitResponse::Failure),
    ]
}

/// Payloads that are sometimes compressible, sometimes not.
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        bytes(600),
        (bytes(12), 1usize..200).prop_map(|(s, n)| s.repeat(n)),
        (any::<u8>(), 0usize..MAX_PAYLOAD + 1).prop_map(|(b, n)| vec![b; n]),
    ]
}

fn frame() -> impl Strategy<Value = ResponseFrame> {
    let header = ("[A-Za-z][A-Za-z0-9-]{0,20}", "([!-~]([ -~]{0,30}[!-~])?)?");
    (
        0usize..4,
        proptest::collection::vec(header, 0..5),
        bytes(300),
    )
        .prop_map(|(pending, headers, body)| {
            let mut meta_tags = vec![MetaTag::Processing];
            meta_tags.extend(std::iter::repeat_n(MetaTag::Pending, pending));
            meta_tags.push(MetaTag::Done);
            ResponseFrame {
                meta_tags,
                unknown_lines: vec![],
                headers,
                body,
            }
        })
}

/// Feeds `data` cut at `cuts` (positions taken modulo the length).
fn feed_split(
    data: &[u8],
    cuts: &[usize],
) -> (Vec<FrameEvent>, Result<ResponseFrame, FramingError>) {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.push(0);
    cuts.push(data.len());
    cuts.sort_unstable();
    let mut p = ResponseParser::new();
    let mut events = Vec::new();
    for w in cuts.windows(2) {
        if let Err(e) = p.feed(&data[w[0]..w[1]], &mut events) {
            return (events, Err(e));
        }
    }
    (events, p.finish())
}

proptest! {
    #[test]
    fn connect_request_round_trips(v in connect_request()) {
        prop_assert_eq!(ConnectRequest::decode(&v.encode().unwrap()).unwrap(), v);
    }

    #[test]
    fn connect_response_round_trips(v in connect_response()) {
        prop_assert_eq!(ConnectResponse::decode(&v.encode().unwrap()).unwrap(), v);
    }

    #[test]
    fn execute_request_round_trips(v in execute_request()) {
        prop_assert_eq!(ExecuteRequest::decode(&v.encode().unwrap()).unwrap(), v);
    }

    #[test]
    fn execute_response_round_trips(v in execute_response()) {
        prop_assert_eq!(ExecuteResponse::decode(&v.encode().unwrap()).unwrap(), v);
    }

    #[test]
    fn disconnect_round_trips(a in bytes(40), v in disconnect_response()) {
        let req = DisconnectRequest { auxiliary_buffer: a };
        prop_assert_eq!(DisconnectRequest::decode(&req.encode().unwrap()).unwrap(), req);
        prop_assert_eq!(DisconnectResponse::decode(&v.encode().unwrap()).unwrap(), v);
    }

    #[test]
    fn notification_wait_round_trips(f in any::<u32>(), a in bytes(40), v in notification_wait_response()) {
        let req = NotificationWaitRequest { flags: f, auxiliary_buffer: a };
        prop_assert_eq!(NotificationWaitRequest::decode(&req.encode().unwrap()).unwrap(), req);
        prop_assert_eq!(NotificationWaitResponse::decode(&v.encode().unwrap()).unwrap(), v);
    }

    /// A truncated body never decodes (every field is required).
    #[test]
    fn truncated_execute_request_fails(v in execute_request(), cut in any::<prop::sample::Index>()) {
        let b = v.encode().unwrap();
        let n = cut.index(b.len());
        prop_assert!(ExecuteRequest::decode(&b[..n]).is_err());
    }

    #[test]
    fn payload_chain_round_trips(ps in proptest::collection::vec(payload(), 1..5), compress: bool, xor_magic: bool) {
        let refs: Vec<&[u8]> = ps.iter().map(|p| &p[..]).collect();
        let chain = encode_payloads(&refs, PayloadOptions { compress, xor_magic }).unwrap();
        let back = decode_payloads(&chain, 0, usize::MAX).unwrap();
        prop_assert_eq!(back.len(), ps.len());
        for (i, (b, p)) in back.iter().zip(&ps).enumerate() {
            prop_assert_eq!(&b.data, p);
            prop_assert_eq!(b.header.flags.contains(RpcHeaderFlags::LAST), i + 1 == ps.len());
            prop_assert_eq!(b.header.flags.contains(RpcHeaderFlags::XOR_MAGIC), xor_magic);
            if b.header.flags.contains(RpcHeaderFlags::COMPRESSED) {
                prop_assert!(compress && b.header.size < b.header.size_actual);
            }
        }
    }

    /// Chunked PROCESSING/DONE parsing is split-invariant and round-trips.
    #[test]
    fn framing_is_split_invariant(f in frame(), cuts in proptest::collection::vec(any::<usize>(), 0..12)) {
        let wire = f.encode().unwrap();
        let (all_events, whole) = feed_split(&wire, &[]);
        prop_assert_eq!(whole.as_ref(), Ok(&f));
        let (events, split) = feed_split(&wire, &cuts);
        prop_assert_eq!(events, all_events);
        prop_assert_eq!(split, whole);
    }

    /// Also on arbitrary preambles, errors included.
    #[test]
    fn framing_garbage_is_split_invariant(
        lines in proptest::collection::vec(prop_oneof![
            Just(b"PROCESSING\r\n".to_vec()), Just(b"PENDING\r\n".to_vec()), Just(b"DONE\r\n".to_vec()),
            Just(b"\r\n".to_vec()), Just(b"X-A: b\r\n".to_vec()), bytes(12),
        ], 0..8),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let wire = lines.concat();
        let (all_events, whole) = feed_split(&wire, &[]);
        let (events, split) = feed_split(&wire, &cuts);
        prop_assert_eq!(split, whole);
        prop_assert_eq!(events, all_events);
    }
}
