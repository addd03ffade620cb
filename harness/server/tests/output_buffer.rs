//! The ROP output buffer ([MS-OXCROPS] 3.2.4.3; R-009): when responses stop with
//! RopBufferTooSmall, the whole output, RopBufferTooSmall and the unprocessed requests it
//! carries included, fits the output buffer (every limit here holds the request itself).

mod common;

use common::Client;
use ics_server::session::profile::Profile;
use ics_wire::prop::PropTag;
use ics_wire::rop::property::GetPropertiesSpecificRequest;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse};

fn read_display_name() -> RopRequest {
    RopRequest::GetPropertiesSpecific(GetPropertiesSpecificRequest {
        logon_id: 0,
        input_handle_index: 1,
        property_size_limit: 0,
        want_unicode: 1,
        property_tags: vec![PropTag(0x3001_001F)],
    })
}

#[test]
fn the_buffer_too_small_response_and_its_requests_fit_the_output_buffer() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    for limit in [600usize, 680, 760] {
        c.s.set_max_output(limit);
        let rops: Vec<RopRequest> = (0..40).map(|_| read_display_name()).collect();
        let req = RopRequestBuffer {
            rops: rops.clone(),
            handles: c.h.to_vec(),
        };
        let out = c.s.execute(&req.encode().unwrap()).unwrap();
        assert!(
            out.len() <= limit,
            "{} bytes for an output buffer of {limit}",
            out.len()
        );
        let r = c.call(rops.clone());
        let k = r.rops.len() - 1;
        let RopResponse::BufferTooSmall(b) = &r.rops[k] else {
            panic!("{limit}: no RopBufferTooSmall: {:?}", r.rops.last())
        };
        assert!(k > 0, "{limit}: at least one response fits");
        let mut rest = Vec::new();
        for q in &rops[k..] {
            q.encode(&mut rest).unwrap();
        }
        assert_eq!(b.request_buffers, rest, "{limit}: the unprocessed requests");
    }
}
