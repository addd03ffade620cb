//! Fuzz oracles for the idset codec.
