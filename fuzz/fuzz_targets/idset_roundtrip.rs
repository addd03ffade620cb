//! Sets built by a byte program -> encode -> decode -> equal, in both forms.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ics_wire::fuzz_bodies::idset::idset_roundtrip(data));
