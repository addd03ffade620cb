//! ROP buffer codec throughput (bytes of buffer per second).

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse;
use ics_wire::rop::flags::TransferStatus;
use ics_wire::rop::import::SynchronizationImportMessageChangeRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

fn main() {
    divan::main();
}

/// 64 ImportMessageChange requests with four properties each.
fn import_requests() -> Vec<u8> {
    let values = vec![
        TaggedPropertyValue::new(PropTag(0x65E0_0102), PropValue::Binary(vec![0x11; 22])),
        TaggedPropertyValue::new(PropTag(0x3008_0040), PropValue::Time(0x01D9_0000_0000_0000)),
        TaggedPropertyValue::new(PropTag(0x65E2_0102), PropValue::Binary(vec![0x22; 22])),
        TaggedPropertyValue::new(PropTag(0x65E3_0102), PropValue::Binary(vec![0x33; 23])),
    ];
    let rops = (0..64)
        .map(|i| {
            RopRequest::SynchronizationImportMessageChange(
                SynchronizationImportMessageChangeRequest {
                    logon_id: 0,
                    input_handle_index: 1,
                    output_handle_index: 2 + (i % 200) as u8,
                    import_flag: Default::default(),
                    property_values: values.clone(),
                },
            )
        })
        .collect();
    RopRequestBuffer {
        rops,
        handles: vec![0x21; 202],
    }
    .encode()
    .unwrap()
}

/// A GetBuffer request and a 30 000-byte GetBuffer response.
fn get_buffer_pair() -> (RopRequestBuffer, Vec<u8>) {
    let req = RopRequestBuffer::decode(&[
        0x09, 0x00, 0x4E, 0x00, 0x01, 0xBE, 0xBA, 0x00, 0x80, 0, 0, 0, 0, 0x42, 0, 0, 0,
    ])
    .unwrap();
    let resp = RopResponseBuffer {
        rops: vec![RopResponse::FastTransferSourceGetBuffer(
            FastTransferSourceGetBufferResponse::data(
                1,
                TransferStatus::PARTIAL,
                vec![0x5A; 30_000],
            ),
        )],
        handles: vec![0, 0x42],
    };
    (req, resp.encode().unwrap())
}

#[divan::bench]
fn decode_request_import_message_change(b: Bencher) {
    let bytes = import_requests();
    b.counter(BytesCount::of_slice(&bytes))
        .bench(|| RopRequestBuffer::decode(black_box(&bytes)).unwrap());
}

#[divan::bench]
fn encode_request_import_message_change(b: Bencher) {
    let buf = RopRequestBuffer::decode(&import_requests()).unwrap();
    let n = import_requests().len();
    b.counter(BytesCount::new(n))
        .bench(|| black_box(&buf).encode().unwrap());
}

#[divan::bench]
fn decode_response_get_buffer(b: Bencher) {
    let (req, bytes) = get_buffer_pair();
    let ctx = ResponseContext::default();
    b.counter(BytesCount::of_slice(&bytes))
        .bench(|| RopResponseBuffer::decode(black_box(&bytes), &req, &ctx).unwrap());
}
