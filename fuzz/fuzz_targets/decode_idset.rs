//! Raw bytes as GLOBSET, REPLID / REPLGUID IDSET and PCL ([MS-OXCFXICS] 2.2.2).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ics_wire::fuzz_bodies::idset::decode_idset(data));
