//! Fuzz oracles for the LZ77 codec and the MAPI/HTTP codecs.

use crate::lz77;
use crate::mapihttp::{
    ConnectRequest, ConnectResponse, DisconnectRequest, DisconnectResponse, ExecuteRequest,
    ExecuteResponse, MAX_AUX, NotificationWaitRequest, NotificationWaitResponse, PayloadOptions,
    ResponseParser, decode_aux_blocks, decode_aux_buffer, decode_payloads, encode_aux_blocks,
    encode_payloads,
};

/// `lz77_decompress`: the first two bytes are the output limit (like
/// RPC_HEADER_EXT SizeActual), the rest is compressed input. The decoder
/// must not panic nor exceed the limit; what it produces must survive our own
/// compress/decompress round trip, and so must the raw input.
pub fn lz77_decompress(data: &[u8]) {
    let (max, src) = match data {
        [a, b, rest @ ..] => (usize::from(u16::from_le_bytes([*a, *b])), rest),
        _ => (0, data),
    };
    if let Ok(out) = lz77::decompress(src, max) {
        assert!(out.len() <= max, "output {} over limit {max}", out.len());
        let c = lz77::compress(&out);
        assert_eq!(
            lz77::decompress_exact(&c, out.len()).as_deref(),
            Ok(&out[..])
        );
    }
    let c = lz77::compress(data);
    assert_eq!(lz77::decompress_exact(&c, data.len()).as_deref(), Ok(data));
}

/// Decodes `body` as `T`; on success re-encodes, checks the value survives
/// and gives it back.
macro_rules! round_trip {
    ($t:ty, $body:expr) => {
        <$t>::decode($body).ok().inspect(|v| {
            let bytes = v
                .encode()
                .expect(concat!(stringify!($t), ": decoded value must re-encode"));
            assert_eq!(<$t>::decode(&bytes).as_ref(), Ok(v), stringify!($t));
        })
    };
}

/// An AuxiliaryBuffer ([MS-OXCMAPIHTTP] 2.2.4; [MS-OXCRPC] 2.2.2.2): what
/// decodes as AUX blocks re-encodes to one payload that decodes to the same
/// blocks.
fn aux_buffer(buf: &[u8]) {
    if let Ok(blocks) = decode_aux_buffer(buf, 0) {
        let p = encode_aux_blocks(&blocks).expect("blocks of at most 0x1008 bytes encode");
        assert_eq!(decode_aux_blocks(&p, 0), Ok(blocks), "AUX blocks");
    }
}

/// `mapihttp_bodies`: the first byte picks the decoder, the rest is its input.
/// Every decoder must not panic; whatever decodes must re-encode to a value
/// that decodes equal; payload chains must re-encode and decode to the same
/// plain payloads; the response parser must give the same result for any split.
pub fn mapihttp_bodies(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let aux = match sel % 10 {
        0 => round_trip!(ConnectRequest, body).map(|v| v.auxiliary_buffer),
        1 => match round_trip!(ConnectResponse, body) {
            Some(ConnectResponse::Success(s)) => Some(s.auxiliary_buffer),
            _ => None,
        },
        2 => round_trip!(ExecuteRequest, body).map(|v| v.auxiliary_buffer),
        3 => match round_trip!(ExecuteResponse, body) {
            Some(ExecuteResponse::Success(s)) => Some(s.auxiliary_buffer),
            _ => None,
        },
        4 => round_trip!(DisconnectRequest, body).map(|v| v.auxiliary_buffer),
        5 => match round_trip!(DisconnectResponse, body) {
            Some(DisconnectResponse::Success(s)) => Some(s.auxiliary_buffer),
            _ => None,
        },
        6 => round_trip!(NotificationWaitRequest, body).map(|v| v.auxiliary_buffer),
        7 => match round_trip!(NotificationWaitResponse, body) {
            Some(NotificationWaitResponse::Success(s)) => Some(s.auxiliary_buffer),
            _ => None,
        },
        8 => {
            payload_chain(body);
            None
        }
        _ => {
            framing(body);
            None
        }
    };
    if let Some(buf) = aux {
        aux_buffer(&buf);
    }
}

fn payload_chain(body: &[u8]) {
    let Ok(payloads) = decode_payloads(body, 0, 0x10_0000) else {
        return;
    };
    let plain: Vec<&[u8]> = payloads.iter().map(|p| &p.data[..]).collect();
    for (compress, xor_magic) in [(false, false), (true, true)] {
        let Ok(enc) = encode_payloads(
            &plain,
            PayloadOptions {
                compress,
                xor_magic,
            },
        ) else {
            // Only payloads over 32 KB are refused by the encoder.
            assert!(plain.iter().any(|p| p.len() > crate::mapihttp::MAX_PAYLOAD));
            return;
        };
        let again = decode_payloads(&enc, 0, 0x10_0000).expect("re-encoded chain must decode");
        let again: Vec<&[u8]> = again.iter().map(|p| &p.data[..]).collect();
        assert_eq!(again, plain);
    }
    // Each payload read as an auxiliary payload: whatever decodes re-encodes to the same
    // bytes (known blocks have fixed sizes, unknown ones are kept raw).
    for p in &plain {
        if let Ok(blocks) = decode_aux_blocks(p, 0)
            && p.len() <= MAX_AUX
        {
            assert_eq!(
                encode_aux_blocks(&blocks).as_deref(),
                Ok(*p),
                "AUX blocks must re-encode to their bytes"
            );
        }
    }
}

fn framing(body: &[u8]) {
    let whole = ResponseParser::parse(body);
    // Byte-by-byte feeding gives the same frame or the same error.
    let mut p = ResponseParser::new();
    let mut events = Vec::new();
    let mut err = None;
    for b in body.chunks(1) {
        if let Err(e) = p.feed(b, &mut events) {
            err = Some(e);
            break;
        }
    }
    let mut one_shot = Vec::new();
    let _ = ResponseParser::new().feed(body, &mut one_shot);
    assert_eq!(events, one_shot);
    let split = match err {
        Some(e) => Err(e),
        None => p.finish(),
    };
    assert_eq!(split, whole);
    if let Ok(frame) = whole
        && frame.unknown_lines.is_empty()
    {
        let bytes = frame.encode().expect("a parsed frame re-encodes");
        assert_eq!(ResponseParser::parse(&bytes), Ok(frame));
    }
}
