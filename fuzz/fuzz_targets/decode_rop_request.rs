#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ics_wire::fuzz_bodies::rop::decode_rop_request(data);
});
