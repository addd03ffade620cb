//! Fuzz oracles for the ftstream codec.
