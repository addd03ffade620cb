//! The sync engine: drives downloads and uploads through a [`crate::transport::RopTransport`].

pub mod busy;
pub mod cancel;
pub mod checkpoint;
pub mod engine;
pub mod ids;
mod lifecycle;
pub mod ops;
pub mod progress;
pub mod rop_session;
pub mod stream;
