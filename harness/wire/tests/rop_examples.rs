//! Byte examples of the spec digests (rops.md, transport.md §10.5 / §11) as
//! exact-byte tests: decode to the expected value, encode back to the bytes.

use ics_wire::guid::Guid;
use ics_wire::ids::{Fid, Gid, GlobCnt, ReplGuid, ReplId};
use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse;
use ics_wire::rop::flags::*;
use ics_wire::rop::import::SynchronizationImportDeletesRequest;
use ics_wire::rop::logon::{
    LogonPrivateSuccess, LogonRequest, LogonResponse, LogonResult, LogonTime,
};
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::sync::SynchronizationConfigureRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

const ESSDN: &str =
    "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user1";

/// transport.md §10.5: the ROP buffer inside the Execute request with RopLogon.
fn logon_request_bytes() -> Vec<u8> {
    let mut b = hex("65 00 FE 00 00 01 00 00 00 01 00 00 00 00 55 00");
    b.extend_from_slice(ESSDN.as_bytes());
    b.push(0);
    b.extend_from_slice(&[0xFF; 4]);
    b
}

/// transport.md §10.5: RopLogon request, private mailbox, handle table [0xFFFFFFFF].
#[test]
fn transport_10_5_rop_logon_request() {
    let bytes = logon_request_bytes();
    assert_eq!(bytes.len(), 0x65 + 4);
    let buf = RopRequestBuffer::decode(&bytes).unwrap();
    let expected = RopRequestBuffer {
        rops: vec![RopRequest::Logon(LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: LogonFlags::PRIVATE,
            open_flags: OpenFlags::USE_PER_MDB_REPLID_MAPPING,
            store_state: 0,
            essdn: Some(ESSDN.as_bytes().to_vec()),
        })],
        handles: vec![0xFFFF_FFFF],
    };
    assert_eq!(buf, expected);
    assert_eq!(expected.encode().unwrap(), bytes);
}

fn fid(n: u64) -> Fid {
    Fid::new(ReplId(1), GlobCnt::new(n).unwrap())
}

/// transport.md §10.5: the private RopLogon success response (166 bytes) and handle 0x21.
#[test]
fn transport_10_5_rop_logon_response() {
    let mut b = hex("A8 00 FE 00 00 00 00 00 01");
    for i in 1..=13u8 {
        b.extend_from_slice(&[0x01, 0, 0, 0, 0, 0, 0, i]);
    }
    b.extend(hex("03 11111111 2222 3333 4444 555555555555 0100"));
    b.extend(hex("5AAFB9C4 670D 1E4A 9B3C 2F1E5D6C7B8A"));
    b.extend(hex(
        "05 04 03 02 02 01 E807 0000000000000000 00000000 21000000",
    ));
    assert_eq!(b.len(), 0xA8 + 4);
    let req = RopRequestBuffer::decode(&logon_request_bytes()).unwrap();
    let resp = RopResponseBuffer::decode(&b, &req, &ResponseContext::default()).unwrap();
    let repl_guid: Guid = "c4b9af5a-0d67-4a1e-9b3c-2f1e5d6c7b8a".parse().unwrap();
    let expected = RopResponseBuffer {
        rops: vec![RopResponse::Logon(LogonResponse {
            output_handle_index: 0,
            result: LogonResult::PrivateSuccess(LogonPrivateSuccess {
                logon_flags: LogonFlags::PRIVATE,
                folder_ids: std::array::from_fn(|i| fid(i as u64 + 1)),
                response_flags: ResponseFlags(0x03),
                mailbox_guid: "11111111-2222-3333-4444-555555555555".parse().unwrap(),
                repl_id: ReplId(1),
                repl_guid: ReplGuid(repl_guid),
                logon_time: LogonTime {
                    seconds: 5,
                    minutes: 4,
                    hour: 3,
                    day_of_week: 2,
                    day: 2,
                    month: 1,
                    year: 2024,
                },
                gwart_time: 0,
                store_state: 0,
            }),
        })],
        handles: vec![0x21],
    };
    assert_eq!(resp, expected);
    assert_eq!(expected.encode().unwrap(), b);
}

/// transport.md §10.5: RopOpenFolder of the Inbox with the logon handle in slot 0.
#[test]
fn transport_10_5_rop_open_folder_request() {
    let bytes = hex("0F 00 02 00 00 01 01 00 00 00 00 00 00 05 00 21 00 00 00 FF FF FF FF");
    let buf = RopRequestBuffer::decode(&bytes).unwrap();
    let expected = RopRequestBuffer {
        rops: vec![RopRequest::OpenFolder(folder::OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: fid(5),
            open_mode_flags: FolderOpenModeFlags(0),
        })],
        handles: vec![0x21, 0xFFFF_FFFF],
    };
    assert_eq!(buf, expected);
    assert_eq!(expected.encode().unwrap(), bytes);
}

/// transport.md §10.5: RopRelease of slot 1 is `01 00 01`; it has no response.
#[test]
fn transport_10_5_rop_release() {
    let bytes = hex("05 00 01 00 01");
    let buf = RopRequestBuffer::decode(&bytes).unwrap();
    let rel = RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 1,
    });
    assert_eq!(
        buf,
        RopRequestBuffer {
            rops: vec![rel.clone()],
            handles: vec![]
        }
    );
    assert!(!rel.has_response());
    assert_eq!(buf.encode().unwrap(), bytes);
    // An empty response answers it.
    let resp = RopResponseBuffer::decode(&hex("02 00"), &buf, &ResponseContext::default()).unwrap();
    assert!(resp.rops.is_empty());
}

/// rops.md §6: contents sync, Unicode, flags 0x0139, Eid|CN, no restriction, no tags.
#[test]
fn rops_6_synchronization_configure_request() {
    let rop = hex("70 00 00 01 01 01 39 01 00 00 05 00 00 00 00 00");
    let mut r = ics_wire::cursor::Reader::new(&rop);
    let q = RopRequest::decode(&mut r, &RequestContext::default()).unwrap();
    assert!(r.is_empty());
    let expected = RopRequest::SynchronizationConfigure(SynchronizationConfigureRequest {
        logon_id: 0,
        input_handle_index: 0,
        output_handle_index: 1,
        synchronization_type: SynchronizationType::CONTENTS,
        send_options: SendOptions::UNICODE,
        synchronization_flags: SynchronizationFlags(0x0139),
        restriction_data: None,
        synchronization_extra_flags: SynchronizationExtraFlags::EID | SynchronizationExtraFlags::CN,
        property_tags: vec![],
    });
    assert_eq!(q, expected);
    let mut out = Vec::new();
    expected.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}

/// rops.md §6: the ExistRestriction example inside a SynchronizationConfigure.
#[test]
fn rops_6_restriction_data_example() {
    let rop = hex("70 00 00 01 01 01 39 01 05 00 08 1F 00 1A 00 05 00 00 00 00 00");
    let q = RopRequest::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        &RequestContext::default(),
    )
    .unwrap();
    let RopRequest::SynchronizationConfigure(c) = &q else {
        panic!("{q:?}")
    };
    assert_eq!(
        c.restriction_data,
        Some(restriction::Restriction::Exist {
            prop_tag: ics_wire::prop::tags::PID_TAG_MESSAGE_CLASS
        })
    );
    let mut out = Vec::new();
    q.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}

/// rops.md §4.5: the GetBuffer busy example (0x480, BackoffTime 1000 ms).
#[test]
fn rops_4_5_get_buffer_busy_example() {
    let rop = hex("4E 01 80 04 00 00 00 00 00 00 00 00 00 00 00 E8 03 00 00");
    let mut r = ics_wire::cursor::Reader::new(&rop);
    let resp = RopResponse::decode(&mut r, 0x4E, &ResponseHint::default()).unwrap();
    assert!(r.is_empty());
    assert_eq!(
        resp,
        RopResponse::FastTransferSourceGetBuffer(FastTransferSourceGetBufferResponse::busy(
            1, 1000
        ))
    );
    let mut out = Vec::new();
    resp.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}

/// rops.md §8.5: ImportDeletes of one message (the GID is ours).
#[test]
fn rops_8_5_import_deletes_example() {
    let gid = Gid {
        replguid: ReplGuid(Guid::from_bytes([7; 16])),
        globcnt: GlobCnt::new(0x1234).unwrap(),
    };
    let mut rop = hex("74 00 01 00 01 00 02 11 00 00 01 00 00 00 16 00");
    rop.extend_from_slice(&gid.to_bytes());
    let q = RopRequest::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        &RequestContext::default(),
    )
    .unwrap();
    let expected = RopRequest::SynchronizationImportDeletes(SynchronizationImportDeletesRequest {
        logon_id: 0,
        input_handle_index: 1,
        import_delete_flags: ImportDeleteFlags(0),
        property_values: vec![TaggedPropertyValue::new(
            PropTag(0x0000_1102),
            PropValue::MvBinary(vec![gid.to_bytes().to_vec()]),
        )],
    });
    assert_eq!(q, expected);
    let mut out = Vec::new();
    expected.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}

/// transport.md §11: version 15.01.2507.006 is sent as `01 0F CB 89 06 00`.
#[test]
fn transport_11_tell_version_bytes() {
    let rop = hex("86 00 02 01 0F CB 89 06 00");
    let q = RopRequest::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        &RequestContext::default(),
    )
    .unwrap();
    let RopRequest::TellVersion(t) = &q else {
        panic!("{q:?}")
    };
    assert_eq!(t.version, [0x0F01, 0x89CB, 0x0006]);
}

#[test]
fn framing_errors_name_offset_and_field() {
    assert!(matches!(
        RopRequestBuffer::decode(&hex("01 00")),
        Err(RopError::BadRopSize { rop_size: 1, .. })
    ));
    assert!(matches!(
        RopRequestBuffer::decode(&hex("09 00 01")),
        Err(RopError::BadRopSize { rop_size: 9, .. })
    ));
    assert!(matches!(
        RopRequestBuffer::decode(&hex("02 00 FF FF")),
        Err(RopError::BadHandleTable { offset: 2, len: 2 })
    ));
    assert!(matches!(
        RopRequestBuffer::decode(&hex("05 00 2A 00 00")),
        Err(RopError::UnknownRopId {
            offset: 2,
            rop_id: 0x2A,
            direction: "request"
        })
    ));
    // A ROP that runs past RopSize is truncated at the end of RopsList even if handles follow.
    let e = RopRequestBuffer::decode(&hex("04 00 01 00 21 00 00 00")).unwrap_err();
    assert!(
        matches!(e, RopError::Truncated(ref t) if t.offset == 4 && t.field == "InputHandleIndex"),
        "{e:?}"
    );
}

#[test]
fn responses_must_follow_the_request() {
    let req = RopRequestBuffer::decode(&hex(
        "0F 00 02 00 00 01 01 00 00 00 00 00 00 05 00 21 00 00 00 FF FF FF FF",
    ))
    .unwrap();
    let ctx = ResponseContext::default();
    // OpenFolder failure form: RopId, OutputHandleIndex, ReturnValue.
    let ok =
        RopResponseBuffer::decode(&hex("08 00 02 01 0F 01 04 80 21 00 00 00"), &req, &ctx).unwrap();
    assert_eq!(ok.rops[0].clone(), {
        let r = folder::OpenFolderResponse {
            output_handle_index: 1,
            result: RopResult::Failure(ErrorCode::NotFound),
        };
        RopResponse::OpenFolder(r)
    });
    // A response for a ROP that was not sent.
    let e = RopResponseBuffer::decode(&hex("08 00 70 01 00 00 00 00"), &req, &ctx).unwrap_err();
    assert!(
        matches!(
            e,
            RopError::UnexpectedResponse {
                offset: 2,
                rop_id: 0x70,
                ..
            }
        ),
        "{e:?}"
    );
    // Two responses for one request.
    let e = RopResponseBuffer::decode(
        &hex("0E 00 02 01 0F 01 04 80 02 01 0F 01 04 80"),
        &req,
        &ctx,
    )
    .unwrap_err();
    assert!(
        matches!(e, RopError::UnexpectedResponse { offset: 8, .. }),
        "{e:?}"
    );
    // RopBackoff may come first; RopBufferTooSmall must be last.
    let b = hex("14 00 F9 00 10 00 00 00 01 02 20 00 00 00 00 00 FF 10 00 AA");
    let resp = RopResponseBuffer::decode(&b, &req, &ctx).unwrap();
    assert_eq!(resp.rops.len(), 2);
    assert_eq!(resp.encode().unwrap(), b);
}

#[test]
fn query_rows_needs_columns() {
    // GetContentsTable -> slot 1, SetColumns(PidTagMid, PidTagSubject), QueryRows.
    let mut list = hex("05 00 00 01 00");
    list.extend(hex("12 00 01 00 02 00 14 00 4A 67 1F 00 37 00"));
    list.extend(hex("15 00 01 00 01 0A 00"));
    let mut req_bytes = vec![(list.len() + 2) as u8, 0];
    req_bytes.extend(&list);
    req_bytes.extend(hex("21 00 00 00 FF FF FF FF"));
    let req = RopRequestBuffer::decode(&req_bytes).unwrap();
    let mut rl = hex("05 01 00 00 00 00 01 00 00 00");
    rl.extend(hex("12 01 00 00 00 00 00"));
    // QueryRows: Origin 2, RowCount 1, standard row: Mid, "Hi".
    rl.extend(hex(
        "15 01 00 00 00 00 02 01 00 00 00 01 00 00 00 00 00 07 48 00 69 00 00 00",
    ));
    let mut resp_bytes = vec![(rl.len() + 2) as u8, 0];
    resp_bytes.extend(&rl);
    resp_bytes.extend(hex("21 00 00 00 42 00 00 00"));
    let resp = RopResponseBuffer::decode(&resp_bytes, &req, &ResponseContext::default()).unwrap();
    let RopResponse::QueryRows(q) = &resp.rops[2] else {
        panic!()
    };
    let rows = &q.result.success().unwrap().row_data;
    assert_eq!(
        rows[0],
        value::PropertyRow::Standard(vec![
            value::StandardCell::Value(PropValue::I64(0x0700_0000_0000_0100)),
            value::StandardCell::Value(PropValue::unicode("Hi")),
        ])
    );
    assert_eq!(resp.encode().unwrap(), resp_bytes);
    // The same QueryRows alone, in a later buffer: needs the context.
    let req2 = RopRequestBuffer::decode(&hex("09 00 15 00 00 00 01 0A 00 42 00 00 00")).unwrap();
    let mut rl2 = hex("15 00 00 00 00 00 02 01 00 00 00 01 00 00 00 00 00 07 48 00 69 00 00 00");
    let mut resp2 = vec![(rl2.len() + 2) as u8, 0];
    resp2.append(&mut rl2);
    let e = RopResponseBuffer::decode(&resp2, &req2, &ResponseContext::default()).unwrap_err();
    assert!(
        matches!(
            e,
            RopError::NoColumns {
                offset: 3,
                handle_index: 0
            }
        ),
        "{e:?}"
    );
    let mut ctx = ResponseContext::default();
    ctx.observe(&req, &resp);
    assert!(RopResponseBuffer::decode(&resp2, &req2, &ctx).is_ok());
}

/// [MS-OXCTABL] 4.5.3.1: RopQueryRows request `15 00 00 00 01 32 00`
/// (Advance, forward, at most 50 rows).
#[test]
fn ms_oxctabl_4_5_3_1_query_rows_request() {
    let rop = hex("15 00 00 00 01 32 00");
    let q = RopRequest::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        &RequestContext::default(),
    )
    .unwrap();
    let expected = RopRequest::QueryRows(table::QueryRowsRequest {
        logon_id: 0,
        input_handle_index: 0,
        query_rows_flags: QueryRowsFlags(0),
        forward_read: 1,
        row_count: 50,
    });
    assert_eq!(q, expected);
    let mut out = Vec::new();
    expected.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}

/// [MS-OXORULE] 4.2.2: RopSetColumns success response `12 01 00 00 00 00 00` (TBLSTAT_COMPLETE).
#[test]
fn ms_oxorule_4_2_2_set_columns_response() {
    let rop = hex("12 01 00 00 00 00 00");
    let r = RopResponse::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        0x12,
        &ResponseHint::default(),
    )
    .unwrap();
    let expected = RopResponse::SetColumns(table::SetColumnsResponse {
        input_handle_index: 1,
        result: RopResult::Success(table::SetColumnsSuccess {
            table_status: TableStatus::TBLSTAT_COMPLETE,
        }),
    });
    assert_eq!(r, expected);
    // The failure form has no TableStatus.
    let f = hex("12 01 05 40 00 80");
    let r = RopResponse::decode(
        &mut ics_wire::cursor::Reader::new(&f),
        0x12,
        &ResponseHint::default(),
    )
    .unwrap();
    let RopResponse::SetColumns(s) = r else {
        panic!()
    };
    assert_eq!(s.result, RopResult::Failure(ErrorCode::GeneralFailure));
}

/// Reserved and unknown flag bits survive decode and encode unchanged.
#[test]
fn unknown_flag_bits_are_kept_on_the_wire() {
    // SendOptions 0x80, SynchronizationFlags 0x1000|0x0040, ExtraFlags 0x80000000, SynchronizationType 0x04.
    let rop = hex("70 00 00 01 04 80 40 10 00 00 00 00 00 80 00 00");
    let q = RopRequest::decode(
        &mut ics_wire::cursor::Reader::new(&rop),
        &RequestContext::default(),
    )
    .unwrap();
    let RopRequest::SynchronizationConfigure(c) = &q else {
        panic!()
    };
    assert_eq!(c.send_options.unknown_bits(), 0x80);
    assert_eq!(c.synchronization_flags.unknown_bits(), 0x0040);
    assert!(
        c.synchronization_flags
            .contains(SynchronizationFlags::RESERVED)
    );
    assert_eq!(c.synchronization_extra_flags.unknown_bits(), 0x8000_0000);
    assert!(!c.synchronization_type.is_known());
    let mut out = Vec::new();
    q.encode(&mut out).unwrap();
    assert_eq!(out, rop);
}
