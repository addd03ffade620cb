//! The ROP trace of the client's connection, decoded.

use ics_wire::rop::{ResponseContext, RopRequestBuffer, RopResponseBuffer};

use super::{Decoded, Harness, lock};

impl Harness {
    /// The ROP trace from position `from`, decoded.
    pub fn trace_from(&self, from: usize) -> Vec<Decoded> {
        lock(&self.trace)
            .iter()
            .skip(from)
            .map(|x| {
                let request = RopRequestBuffer::decode(&x.request).ok();
                let response = match (&request, &x.response) {
                    (Some(q), Ok(r)) => {
                        RopResponseBuffer::decode(r, q, &ResponseContext::default()).ok()
                    }
                    _ => None,
                };
                Decoded {
                    exchange: x.clone(),
                    request,
                    response,
                }
            })
            .collect()
    }

    /// The length of the ROP trace.
    pub fn trace_len(&self) -> usize {
        lock(&self.trace).len()
    }
}
