//! The sync engine: drives downloads and uploads through a [`crate::transport::RopTransport`].

pub mod busy;
pub mod cancel;
pub mod ids;
pub mod stream;
