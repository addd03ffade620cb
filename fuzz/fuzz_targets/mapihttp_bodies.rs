#![no_main]
//! Thin wrapper over `ics_wire::fuzz_bodies::mapihttp::mapihttp_bodies`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| ics_wire::fuzz_bodies::mapihttp::mapihttp_bodies(data));
