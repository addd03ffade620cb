#![no_main]
libfuzzer_sys::fuzz_target!(|v: ics_wire::fuzz_bodies::rop::RopRoundTrip| {
    ics_wire::fuzz_bodies::rop::rop_roundtrip(v);
});
