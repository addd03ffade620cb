//! Fuzz oracles for the mapihttp codec.
