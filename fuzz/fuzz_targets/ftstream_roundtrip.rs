#![no_main]
libfuzzer_sys::fuzz_target!(
    |data: &[u8]| ics_wire::fuzz_bodies::ftstream::ftstream_roundtrip(data)
);
