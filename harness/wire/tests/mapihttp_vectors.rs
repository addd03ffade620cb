//! Byte examples of transport.md §4.2, §5, §6, §8.1, §10.5 and §15 as tests.

use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, ConnectSuccess, DisconnectRequest, ExecuteFlags,
    ExecuteRequest, ExecuteResponse, FrameEvent, FramingError, MapiHttpError, MetaTag,
    PayloadOptions, RequestType, ResponseCode, ResponseParser, RpcHeaderExt, RpcHeaderFlags,
    XOR_MAGIC, decode_payloads, encode_payloads, xor_magic,
};
use ics_wire::prop::Utf16String;

/// Bytes of a hex dump: `0000: 2F 6F …` rows, annotations after the 16 bytes ignored.
fn dump(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in s.lines() {
        let Some((_, rest)) = line.split_once(": ") else {
            continue;
        };
        for tok in rest.split_whitespace().take(16) {
            match u8::from_str_radix(tok, 16) {
                Ok(b) if tok.len() == 2 => out.push(b),
                _ => break,
            }
        }
    }
    out
}

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .filter(|t| *t != "|")
        .map(|t| u8::from_str_radix(t, 16).unwrap())
        .collect()
}

const DN: &str =
    "/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=user1";

const CONNECT_REQUEST: &str = "
0000: 2F 6F 3D 43 6F 6E 74 6F 73 6F 2F 6F 75 3D 45 78
0010: 63 68 61 6E 67 65 20 41 64 6D 69 6E 69 73 74 72
0020: 61 74 69 76 65 20 47 72 6F 75 70 20 28 46 59 44
0030: 49 42 4F 48 46 32 33 53 50 44 4C 54 29 2F 63 6E
0040: 3D 52 65 63 69 70 69 65 6E 74 73 2F 63 6E 3D 75
0050: 73 65 72 31 00 00 00 00 00 E4 04 00 00 09 04 00
0060: 00 09 04 00 00 00 00 00 00";

#[test]
fn transport_5_1_connect_request_105_bytes() {
    let b = dump(CONNECT_REQUEST);
    assert_eq!(b.len(), 105);
    let want = ConnectRequest {
        user_dn: DN.into(),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x0409,
        lcid_string: 0x0409,
        auxiliary_buffer: vec![],
    };
    assert_eq!(ConnectRequest::decode(&b).unwrap(), want);
    assert_eq!(want.encode().unwrap(), b);
}

#[test]
fn transport_5_2_connect_success_response() {
    let b = dump(
        "
0000: 00 00 00 00 00 00 00 00 60 EA 00 00 06 00 00 00
0010: 10 27 00 00 2F 6F 3D 43 6F 6E 74 6F 73 6F 00 55
0020: 00 73 00 65 00 72 00 20 00 4F 00 6E 00 65 00 00
0030: 00 00 00 00 00",
    );
    let want = ConnectResponse::Success(ConnectSuccess {
        error_code: 0,
        polls_max: 60000,
        retry_count: 6,
        retry_delay: 10000,
        dn_prefix: "/o=Contoso".into(),
        display_name: Utf16String::from("User One"),
        auxiliary_buffer: vec![],
    });
    assert_eq!(ConnectResponse::decode(&b).unwrap(), want);
    assert_eq!(want.encode().unwrap(), b);
}

#[test]
fn transport_5_2_connect_failure_form_has_only_status_and_aux() {
    let b = hex("03 00 00 00 02 00 00 00 AA BB");
    match ConnectResponse::decode(&b).unwrap() {
        ConnectResponse::Failure(f) => {
            assert_eq!(f.status_code.get(), 3);
            assert_eq!(f.auxiliary_buffer, [0xAA, 0xBB]);
            assert_eq!(ConnectResponse::Failure(f).encode().unwrap(), b);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn transport_5_5_disconnect_request_is_four_zero_bytes_and_empty_is_tolerated() {
    assert_eq!(DisconnectRequest::default().encode().unwrap(), [0, 0, 0, 0]);
    assert_eq!(
        DisconnectRequest::decode(&[0, 0, 0, 0]).unwrap(),
        DisconnectRequest::default()
    );
    assert_eq!(
        DisconnectRequest::decode(&[]).unwrap(),
        DisconnectRequest::default()
    );
    assert!(matches!(
        DisconnectRequest::decode(&[0, 0, 0]),
        Err(MapiHttpError::Truncated(t)) if t.field == "AuxiliaryBufferSize"
    ));
}

const EXECUTE_LOGON_REQUEST: &str = "
0000: 03 00 00 00 71 00 00 00 00 00 04 00 69 00 69 00
0010: 65 00 FE 00 00 01 00 00 00 01 00 00 00 00 55 00
0020: 2F 6F 3D 43 6F 6E 74 6F 73 6F 2F 6F 75 3D 45 78
0030: 63 68 61 6E 67 65 20 41 64 6D 69 6E 69 73 74 72
0040: 61 74 69 76 65 20 47 72 6F 75 70 20 28 46 59 44
0050: 49 42 4F 48 46 32 33 53 50 44 4C 54 29 2F 63 6E
0060: 3D 52 65 63 69 70 69 65 6E 74 73 2F 63 6E 3D 75
0070: 73 65 72 31 00 FF FF FF FF 00 00 04 00 00 00 00
0080: 00";

#[test]
fn transport_10_5_execute_request_with_roplogon_129_bytes() {
    let b = dump(EXECUTE_LOGON_REQUEST);
    assert_eq!(b.len(), 129);
    let req = ExecuteRequest::decode(&b).unwrap();
    assert_eq!(
        req.flags,
        ExecuteFlags::NO_COMPRESSION | ExecuteFlags::NO_XOR_MAGIC
    );
    assert_eq!(req.flags.undefined_bits(), 0);
    assert_eq!(req.max_rop_out, 0x40000);
    assert!(req.auxiliary_buffer.is_empty());
    assert_eq!(req.rop_buffer.len(), 0x71);
    let p = req.rop_payloads(0x40000).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].header,
        RpcHeaderExt {
            version: 0,
            flags: RpcHeaderFlags::LAST,
            size: 0x69,
            size_actual: 0x69
        }
    );
    // RopSize 0x65, RopLogon FE …, the Essdn, then the handle table.
    let rop = &p[0].data;
    assert_eq!(&rop[..2], &[0x65, 0x00]);
    assert_eq!(rop[2], 0xFE);
    assert_eq!(&rop[16..16 + DN.len()], DN.as_bytes());
    assert_eq!(&rop[0x65..], &[0xFF; 4]);
    // Re-encoding the plain payload reproduces rgbIn and the whole body.
    let rgb_in = encode_payloads(&[rop], PayloadOptions::default()).unwrap();
    assert_eq!(rgb_in, req.rop_buffer);
    assert_eq!(req.encode().unwrap(), b);
}

const EXECUTE_LOGON_RESPONSE: &str = "
0000: 00 00 00 00 00 00 00 00 00 00 00 00 B4 00 00 00
0010: 00 00 04 00 AC 00 AC 00 A8 00 FE 00 00 00 00 00
0020: 01 01 00 00 00 00 00 00 01 01 00 00 00 00 00 00
0030: 02 01 00 00 00 00 00 00 03 01 00 00 00 00 00 00
0040: 04 01 00 00 00 00 00 00 05 01 00 00 00 00 00 00
0050: 06 01 00 00 00 00 00 00 07 01 00 00 00 00 00 00
0060: 08 01 00 00 00 00 00 00 09 01 00 00 00 00 00 00
0070: 0A 01 00 00 00 00 00 00 0B 01 00 00 00 00 00 00
0080: 0C 01 00 00 00 00 00 00 0D 03 11 11 11 11 22 22
0090: 33 33 44 44 55 55 55 55 55 55 01 00 5A AF B9 C4
00A0: 67 0D 1E 4A 9B 3C 2F 1E 5D 6C 7B 8A 05 04 03 02
00B0: 02 01 E8 07 00 00 00 00 00 00 00 00 00 00 00 00
00C0: 21 00 00 00 00 00 00 00";

#[test]
fn transport_10_5_execute_success_response_with_roplogon_200_bytes() {
    let b = dump(EXECUTE_LOGON_RESPONSE);
    assert_eq!(b.len(), 200);
    let ExecuteResponse::Success(s) = ExecuteResponse::decode(&b).unwrap() else {
        panic!("failure form")
    };
    assert_eq!((s.error_code, s.flags, s.rop_buffer.len()), (0, 0, 0xB4));
    let p = s.rop_payloads(0x40000).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].header.flags, RpcHeaderFlags::LAST);
    assert_eq!(p[0].data.len(), 0xAC);
    let rop = &p[0].data;
    assert_eq!(u16::from_le_bytes([rop[0], rop[1]]), 0xA8, "RopSize");
    assert_eq!(rop[2], 0xFE);
    // FolderIds[0] at body offset 0x21 = payload offset 0x21 - 0x18 + 2.
    assert_eq!(&b[0x21..0x29], &[1, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(&rop[0xA8..], &[0x21, 0, 0, 0], "handle table");
    assert_eq!(ExecuteResponse::Success(s).encode().unwrap(), b);
}

#[test]
fn transport_10_5_openfolder_and_release_rop_buffers_as_payloads() {
    let open = hex("0F 00 | 02 00 00 01 01 00 00 00 00 00 00 05 00 | 21 00 00 00 FF FF FF FF");
    let release = hex("01 00 01");
    for rop in [&open, &release] {
        let chain = encode_payloads(&[rop], PayloadOptions::default()).unwrap();
        let mut want = vec![0, 0, 4, 0];
        want.extend_from_slice(&(rop.len() as u16).to_le_bytes());
        want.extend_from_slice(&(rop.len() as u16).to_le_bytes());
        want.extend_from_slice(rop);
        assert_eq!(chain, want);
        assert_eq!(decode_payloads(&chain, 0, 0x40000).unwrap()[0].data, *rop);
    }
}

#[test]
fn transport_8_1_xor_magic_is_self_inverse() {
    let mut b = [0u8; 5];
    xor_magic(&mut b);
    assert_eq!(b, [0xA5; 5]);
    assert_eq!(XOR_MAGIC, 0xA5);
    xor_magic(&mut b);
    assert_eq!(b, [0; 5]);
}

/// transport.md §6.1: XOR is undone first, then LZ77 (the sender compressed, then XORed).
#[test]
fn transport_6_1_xor_then_decompress_order() {
    // transport.md §8.2: "abc" x 10 + "X" (31 bytes) compresses to 12 bytes.
    let mut plain = b"abc".repeat(10);
    plain.push(b'X');
    let mut body = hex("00 00 00 14 61 62 63 17 00 0F 02 58");
    xor_magic(&mut body);
    let mut chain = hex("00 00 07 00 0C 00 1F 00"); // Compressed|XorMagic|Last, Size 12, SizeActual 31
    chain.extend_from_slice(&body);
    let p = decode_payloads(&chain, 0, 100).unwrap();
    assert_eq!(p[0].data, plain);
    // Our encoder picks the same layout for this payload.
    let enc = encode_payloads(
        &[&plain],
        PayloadOptions {
            compress: true,
            xor_magic: true,
        },
    )
    .unwrap();
    assert_eq!(enc, chain);
    // "ABCABCDEF" would grow (12 > 9 bytes): sent uncompressed, only XORed.
    let enc = encode_payloads(
        &[b"ABCABCDEF"],
        PayloadOptions {
            compress: true,
            xor_magic: true,
        },
    )
    .unwrap();
    assert_eq!(&enc[..8], &hex("00 00 06 00 09 00 09 00")[..]);
}

/// transport.md §6.1: several header+payload pairs, only the last flagged Last.
#[test]
fn transport_6_1_chained_payloads() {
    let chain = hex("00 00 00 00 02 00 02 00 AA BB 00 00 04 00 01 00 01 00 CC");
    let p = decode_payloads(&chain, 0, 100).unwrap();
    assert_eq!(
        p.iter().map(|p| p.data.clone()).collect::<Vec<_>>(),
        [vec![0xAA, 0xBB], vec![0xCC]]
    );
    assert_eq!(
        encode_payloads(&[&[0xAA, 0xBB], &[0xCC]], PayloadOptions::default()).unwrap(),
        chain
    );
}

#[test]
fn transport_6_1_header_rules_are_enforced() {
    let e = |h: &str| decode_payloads(&hex(h), 100, 1000).unwrap_err();
    assert_eq!(
        e("01 00 04 00 00 00 00 00"),
        MapiHttpError::BadVersion {
            offset: 100,
            version: 1
        }
    );
    assert_eq!(
        e("00 00 0C 00 00 00 00 00"),
        MapiHttpError::UnknownFlags {
            offset: 100,
            flags: 0x0C
        }
    );
    assert!(matches!(
        e("00 00 04 00 01 00 02 00 AA"),
        MapiHttpError::BadSizes {
            compressed: false,
            ..
        }
    ));
    assert!(matches!(
        e("00 00 05 00 02 00 02 00 AA BB"),
        MapiHttpError::BadSizes {
            compressed: true,
            ..
        }
    ));
    assert_eq!(
        e("00 00 00 00 01 00 01 00 AA"),
        MapiHttpError::MissingLast { offset: 109 }
    );
    assert!(matches!(
        e("00 00 04 00 01 00 01 00 AA BB"),
        MapiHttpError::TrailingBytes {
            offset: 109,
            count: 1,
            ..
        }
    ));
    assert!(
        matches!(e("00 00 04 00 05 00 05 00 AA"), MapiHttpError::Truncated(t) if t.offset == 108)
    );
    assert_eq!(
        decode_payloads(&hex("00 00 04 00 05 00 05 00 AA BB CC DD EE"), 0, 4).unwrap_err(),
        MapiHttpError::TooLarge {
            offset: 0,
            limit: 4
        }
    );
    // A compressed payload that does not decompress to SizeActual.
    assert!(matches!(
        e("00 00 05 00 04 00 05 00 00 00 00 80"),
        MapiHttpError::Lz77 { offset: 108, .. }
    ));
}

/// transport.md §4.2: the constructed chunked Execute response, de-chunked
/// (chunk framing is the HTTP layer's), then parsed.
#[test]
fn transport_4_2_chunked_execute_response_preamble() {
    let body = dump(EXECUTE_LOGON_RESPONSE);
    let done = b"DONE\r\nX-ElapsedTime: 7\r\nX-StartTime: Tue, 02 Jan 2024 03:04:05 GMT\r\n\r\n";
    let mut last = done.to_vec();
    last.extend_from_slice(&body);
    let mut wire = b"c\r\nPROCESSING\r\n\r\n9\r\nPENDING\r\n\r\n".to_vec();
    wire.extend_from_slice(format!("{:x}\r\n", last.len()).as_bytes());
    wire.extend_from_slice(&last);
    wire.extend_from_slice(b"\r\n0\r\n\r\n");
    let dechunked = dechunk(&wire);
    let mut p = ResponseParser::new();
    let mut events = Vec::new();
    for chunk in [&dechunked[..12], &dechunked[12..21], &dechunked[21..]] {
        p.feed(chunk, &mut events).unwrap();
    }
    assert_eq!(
        events,
        [
            FrameEvent::Meta(MetaTag::Processing),
            FrameEvent::Meta(MetaTag::Pending),
            FrameEvent::Meta(MetaTag::Done),
            FrameEvent::Header {
                name: "X-ElapsedTime".into(),
                value: "7".into()
            },
            FrameEvent::Header {
                name: "X-StartTime".into(),
                value: "Tue, 02 Jan 2024 03:04:05 GMT".into()
            },
            FrameEvent::BodyStart,
        ]
    );
    let f = p.finish().unwrap();
    assert_eq!(f.body, body);
    assert_eq!(f.header("x-elapsedtime"), Some("7"));
    assert!(f.response_code().is_none());
    assert!(ExecuteResponse::decode(&f.body).is_ok());
}

/// Test-side de-chunker for the §4.2 example (HTTP/1.1 chunked coding).
fn dechunk(mut wire: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let eol = wire.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&wire[..eol]).unwrap(), 16).unwrap();
        wire = &wire[eol + 2..];
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&wire[..n]);
        assert_eq!(&wire[n..n + 2], b"\r\n");
        wire = &wire[n + 2..];
    }
}

/// transport.md §4.2 correction: gromox's NotificationWait de-chunks to
/// `PENDINGPROCESSING`; tolerated as an unknown line, reported.
#[test]
fn transport_4_2_gromox_pendingprocessing_is_an_unknown_line() {
    let f = ResponseParser::parse(
        b"PROCESSING\r\nPENDINGPROCESSING\r\nDONE\r\nX-ElapsedTime: 0\r\n\r\nBODY",
    )
    .unwrap();
    assert_eq!(f.meta_tags, [MetaTag::Processing, MetaTag::Done]);
    assert_eq!(f.unknown_lines, ["PENDINGPROCESSING"]);
    assert_eq!(f.body, b"BODY");
}

/// transport.md §4.2/§2.2.7: a late X-ResponseCode after DONE.
#[test]
fn transport_4_2_late_response_code() {
    let f = ResponseParser::parse(b"PROCESSING\r\nDONE\r\nX-ResponseCode: 12\r\n\r\n").unwrap();
    assert_eq!(
        f.response_code(),
        Some(Ok(ResponseCode::InvalidRequestBody))
    );
    assert!(f.body.is_empty());
}

/// transport.md §15: Gromox sends PROCESSING, DONE, headers and body in one
/// chunk, X-ElapsedTime in seconds.
#[test]
fn transport_15_gromox_single_chunk_execute_response() {
    let mut wire = b"PROCESSING\r\nDONE\r\nX-ElapsedTime: 0\r\nX-StartTime: Sat, 21 Nov 2026 10:00:00 GMT\r\n\r\n".to_vec();
    wire.extend_from_slice(&dump(EXECUTE_LOGON_RESPONSE));
    let f = ResponseParser::parse(&wire).unwrap();
    assert_eq!(f.meta_tags, [MetaTag::Processing, MetaTag::Done]);
    assert_eq!(f.header("X-ElapsedTime"), Some("0"));
    assert!(matches!(
        ExecuteResponse::decode(&f.body),
        Ok(ExecuteResponse::Success(_))
    ));
    // And the frame re-encodes to the same bytes.
    assert_eq!(f.encode().unwrap(), wire);
}

#[test]
fn framing_errors_name_the_offset() {
    let e = |b: &[u8]| ResponseParser::parse(b).unwrap_err();
    assert_eq!(e(b"PROCESSING\n"), FramingError::BareLf { offset: 10 });
    assert_eq!(
        e(b"PROCESSING\r\n\r\n"),
        FramingError::BlankBeforeDone { offset: 12 }
    );
    assert!(matches!(
        e(b"DONE\r\nno colon\r\n\r\n"),
        FramingError::BadHeaderLine { offset: 6, .. }
    ));
    assert!(matches!(
        e(b"DONE\r\nbad name: x\r\n\r\n"),
        FramingError::BadHeaderLine { offset: 6, .. }
    ));
    assert_eq!(
        e(b"DONE\r\nA: \x01\r\n\r\n"),
        FramingError::BadByte { offset: 9, byte: 1 }
    );
    assert!(matches!(
        e(b"PROCESSING\r\n"),
        FramingError::Incomplete {
            missing: "DONE",
            ..
        }
    ));
    assert!(matches!(
        e(b"DONE\r\nA: b\r\n"),
        FramingError::Incomplete { offset: 12, .. }
    ));
    assert_eq!(
        e(&vec![b'P'; 9000]),
        FramingError::LineTooLong { offset: 0 }
    );
}

/// transport.md §4.3 / §4.4: header values.
#[test]
fn transport_4_3_and_4_4_header_values() {
    assert_eq!(
        "Execute".parse::<RequestType>().unwrap(),
        RequestType::Execute
    );
    assert_eq!("PING".parse::<RequestType>().unwrap(), RequestType::Ping);
    assert_eq!(
        "dntomid".parse::<RequestType>().unwrap(),
        RequestType::DnToMId
    );
    assert!("Connectx".parse::<RequestType>().is_err());
    for r in RequestType::ALL {
        assert_eq!(r.as_str().parse::<RequestType>().unwrap(), *r);
    }
    assert_eq!(RequestType::ALL.len(), 24);
    for (n, c) in ResponseCode::ALL.iter().enumerate() {
        assert_eq!(c.code(), n as u32);
        assert_eq!(n.to_string().parse::<ResponseCode>().unwrap(), *c);
    }
    assert_eq!(
        ResponseCode::from_code(10),
        Some(ResponseCode::ContextNotFound)
    );
    assert_eq!(ResponseCode::from_code(19), None);
    assert!(" 15 ".parse::<ResponseCode>().is_ok());
    assert!("+1".parse::<ResponseCode>().is_err());
    assert!("19".parse::<ResponseCode>().is_err());
}

#[test]
fn body_decoders_reject_trailing_and_bad_strings() {
    let mut b = dump(CONNECT_REQUEST);
    b.push(0);
    assert!(matches!(
        ConnectRequest::decode(&b),
        Err(MapiHttpError::TrailingBytes {
            offset: 105,
            count: 1,
            ..
        })
    ));
    assert_eq!(
        ConnectRequest::decode(b"abc").unwrap_err(),
        MapiHttpError::Unterminated {
            offset: 0,
            field: "UserDn"
        }
    );
    assert_eq!(
        ConnectRequest::decode(b"a\xC3\0").unwrap_err(),
        MapiHttpError::NotAscii {
            offset: 1,
            field: "UserDn",
            byte: 0xC3
        }
    );
    // A RopBufferSize larger than the body is caught before allocating.
    let e = ExecuteRequest::decode(&hex("00 00 00 00 FF FF FF FF 00")).unwrap_err();
    assert!(matches!(e, MapiHttpError::Truncated(t) if t.field == "RopBuffer" && t.offset == 8));
    let bad = ConnectRequest {
        user_dn: "é".into(),
        ..ConnectRequest::decode(&dump(CONNECT_REQUEST)).unwrap()
    };
    assert!(matches!(
        bad.encode(),
        Err(MapiHttpError::Unencodable {
            field: "UserDn",
            ..
        })
    ));
}
