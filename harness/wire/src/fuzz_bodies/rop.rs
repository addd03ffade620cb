//! Fuzz oracles for the rop codec.
