//! MAPI over HTTP mailbox-endpoint codecs ([MS-OXCMAPIHTTP] 2.2): request and
//! response bodies of Connect / Execute / Disconnect / NotificationWait, the
//! PROCESSING/PENDING/DONE response framing, the X-RequestType and
//! X-ResponseCode header values, and the rgbIn/rgbOut payload chain of
//! RPC_HEADER_EXT with XOR obfuscation and LZ77 compression ([MS-OXCRPC] 2.2.2.1).
//!
//! Everything is sans-IO: bytes in, typed values out, and back. The bodies keep
//! their auxiliary buffers raw; [`decode_aux_buffer`] turns one into AUX blocks.

mod auxiliary;
mod bodies;
mod error;
mod framing;
mod headers;
mod rpc_header;
mod xor;

pub use auxiliary::{
    AUX_TYPE_CLIENT_CONTROL, AUX_TYPE_ENDPOINT_CAPABILITIES, AUX_TYPE_EXORGINFO,
    AUX_TYPE_SERVER_CAPABILITIES, AUX_VERSION_1, AUX_VERSION_2, AuxBlock, MAX_AUX,
    decode_aux_blocks, decode_aux_buffer, encode_aux_blocks, encode_aux_buffer,
};
pub use bodies::{
    ConnectRequest, ConnectResponse, ConnectSuccess, DisconnectRequest, DisconnectResponse,
    DisconnectSuccess, ExecuteFlags, ExecuteRequest, ExecuteResponse, ExecuteSuccess, Failure,
    NotificationWaitRequest, NotificationWaitResponse, NotificationWaitSuccess,
};
pub use error::MapiHttpError;
pub use framing::{FrameEvent, FramingError, MAX_LINE, MetaTag, ResponseFrame, ResponseParser};
pub use headers::{RequestType, ResponseCode, UnknownHeaderValue};
pub use rpc_header::{
    MAX_PAYLOAD, Payload, PayloadOptions, RpcHeaderExt, RpcHeaderFlags, decode_payloads,
    encode_payload, encode_payloads,
};
pub use xor::{XOR_MAGIC, xor_magic};
