//! ROP input/output buffers ([MS-OXCROPS] 2.2.1): `RopSize (u16) | RopsList |
//! ServerObjectHandleTable (u32 each, to the end)`, with RopSize counting
//! itself and RopsList. Decoding a response needs the request buffer it
//! answers (and, for RopQueryRows on a table whose columns were set in an
//! earlier buffer, a [`ResponseContext`]).

use std::collections::BTreeMap;

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::common::ResponseHint;
use super::error::{DecodeResult, EncodeError, EncodeResult, RopError};
use super::ids::{ROP_BACKOFF, ROP_BUFFER_TOO_SMALL, rop_name};
use super::rops::{RopRequest, RopResponse};
use super::value::check_len;

/// What a request decoder must know that the buffer does not say: which
/// LogonIds belong to public-folder logons (RopSetMessageReadFlag then
/// carries ClientData, [MS-OXCROPS] 2.2.6.11.1). Default: all private.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// LogonIds of public-folder logons.
    pub public_logons: Vec<u8>,
}

impl RequestContext {
    /// True if `logon_id` is a public-folder logon.
    pub fn is_public(&self, logon_id: u8) -> bool {
        self.public_logons.contains(&logon_id)
    }
}

/// What a response decoder must know from earlier buffers: the columns set
/// with RopSetColumns on tables, by server object handle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseContext {
    /// Server object handle of a table -> its columns.
    pub table_columns: BTreeMap<u32, Vec<PropTag>>,
}

impl ResponseContext {
    /// Records the columns of every RopSetColumns of `request` that `response`
    /// answered with success, keyed by the table's handle (taken from the
    /// response's handle table, else the request's).
    pub fn observe(&mut self, request: &RopRequestBuffer, response: &RopResponseBuffer) {
        let mut answers = response.rops.iter().filter(|r| r.answers_request());
        for req in &request.rops {
            if !req.has_response() {
                continue;
            }
            let Some(resp) = answers.next() else { break };
            if let (RopRequest::SetColumns(sc), RopResponse::SetColumns(ok)) = (req, resp)
                && ok.result.return_value().is_success()
            {
                let i = sc.input_handle_index as usize;
                if let Some(h) = response.handles.get(i).or(request.handles.get(i)) {
                    self.table_columns.insert(*h, sc.property_tags.clone());
                }
            }
        }
    }
}

/// A ROP request buffer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RopRequestBuffer {
    /// RopsList, in order.
    pub rops: Vec<RopRequest>,
    /// ServerObjectHandleTable.
    #[serde(serialize_with = "ser_handles")]
    pub handles: Vec<u32>,
}

/// A ROP response buffer.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct RopResponseBuffer {
    /// RopsList, in order (RopBackoff and RopBufferTooSmall included).
    pub rops: Vec<RopResponse>,
    /// ServerObjectHandleTable.
    #[serde(serialize_with = "ser_handles")]
    pub handles: Vec<u32>,
}

fn ser_handles<S: serde::Serializer>(h: &[u32], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(h.iter().map(|h| format!("{h:#010x}")))
}

/// Splits a buffer into RopsList (with its absolute offset) and handles.
fn split(bytes: &[u8]) -> DecodeResult<(Reader<'_>, Vec<u32>)> {
    let mut r = Reader::new(bytes);
    let rop_size = r.u16("RopSize")?;
    if rop_size < 2 || rop_size as usize > bytes.len() {
        return Err(RopError::BadRopSize {
            offset: 0,
            rop_size,
            len: bytes.len(),
        });
    }
    let list = Reader::with_base(r.bytes(rop_size as usize - 2, "RopsList")?, 2);
    let table_off = r.offset();
    if !r.remaining().is_multiple_of(4) {
        return Err(RopError::BadHandleTable {
            offset: table_off,
            len: r.remaining(),
        });
    }
    let n = r.remaining() / 4;
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        handles.push(r.u32("ServerObjectHandleTable")?);
    }
    Ok((list, handles))
}

/// Writes `RopSize | list | handles`.
fn join(list: &[u8], handles: &[u32]) -> EncodeResult<Vec<u8>> {
    check_len(list.len() + 2, u16::MAX as usize, "RopSize")?;
    let mut out = Vec::with_capacity(2 + list.len() + 4 * handles.len());
    out.put_u16((list.len() + 2) as u16);
    out.put_bytes(list);
    for h in handles {
        out.put_u32(*h);
    }
    Ok(out)
}

impl RopRequestBuffer {
    /// Decodes a request buffer, all logons private.
    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        Self::decode_with(bytes, &RequestContext::default())
    }

    /// Decodes a request buffer with a [`RequestContext`].
    pub fn decode_with(bytes: &[u8], ctx: &RequestContext) -> DecodeResult<Self> {
        let (mut list, handles) = split(bytes)?;
        let mut rops = Vec::new();
        while !list.is_empty() {
            rops.push(RopRequest::decode(&mut list, ctx)?);
        }
        Ok(RopRequestBuffer { rops, handles })
    }

    /// Encodes the buffer.
    pub fn encode(&self) -> EncodeResult<Vec<u8>> {
        let mut list = Vec::new();
        for r in &self.rops {
            r.encode(&mut list)?;
        }
        join(&list, &self.handles)
    }

    /// The RequestContext under which this buffer decodes to itself: LogonIds
    /// of RopSetMessageReadFlag requests that carry ClientData are public.
    /// `None` if two such requests disagree about one LogonId.
    pub fn implied_context(&self) -> Option<RequestContext> {
        let mut public = BTreeMap::new();
        for r in &self.rops {
            if let RopRequest::SetMessageReadFlag(x) = r
                && *public.entry(x.logon_id).or_insert(x.client_data.is_some())
                    != x.client_data.is_some()
            {
                return None;
            }
        }
        Some(RequestContext {
            public_logons: public
                .into_iter()
                .filter(|(_, p)| *p)
                .map(|(k, _)| k)
                .collect(),
        })
    }
}

impl RopResponseBuffer {
    /// Decodes a response buffer answering `request`. Responses must come in
    /// request order (requests without a response, RopRelease, are skipped);
    /// RopBackoff may appear anywhere; RopBufferTooSmall must be last; the
    /// server may answer fewer requests than were sent ([MS-OXCROPS] 3.1.5).
    pub fn decode(
        bytes: &[u8],
        request: &RopRequestBuffer,
        ctx: &ResponseContext,
    ) -> DecodeResult<Self> {
        let (mut list, handles) = split(bytes)?;
        let mut pending = request.rops.iter().peekable();
        // Columns per handle slot set by RopSetColumns earlier in this request.
        let mut slot_columns: BTreeMap<u8, &[PropTag]> = BTreeMap::new();
        let mut rops = Vec::new();
        while !list.is_empty() {
            let offset = list.offset();
            let rop_id = list.peek_u8().unwrap_or_default();
            if rop_id == ROP_BACKOFF || rop_id == ROP_BUFFER_TOO_SMALL {
                let resp = RopResponse::decode(&mut list, rop_id, &ResponseHint::default())?;
                if rop_id == ROP_BUFFER_TOO_SMALL && !list.is_empty() {
                    return Err(RopError::Misplaced {
                        offset,
                        what: "RopBufferTooSmall must be the last response",
                    });
                }
                rops.push(resp);
                continue;
            }
            // The next request that has a response.
            let req = loop {
                match pending.next() {
                    None => {
                        return Err(RopError::UnexpectedResponse {
                            offset,
                            rop_id,
                            expected: "no more requests".into(),
                        });
                    }
                    Some(q) => {
                        track_columns(q, &mut slot_columns);
                        if q.has_response() {
                            break q;
                        }
                    }
                }
            };
            if req.rop_id() != rop_id {
                return Err(RopError::UnexpectedResponse {
                    offset,
                    rop_id,
                    expected: format!("{} {:#04x}", rop_name(req.rop_id()), req.rop_id()),
                });
            }
            let mut hint = req.response_hint();
            if let RopRequest::QueryRows(q) = req {
                let slot = q.input_handle_index;
                hint.columns = slot_columns.get(&slot).copied().or_else(|| {
                    request
                        .handles
                        .get(slot as usize)
                        .and_then(|h| ctx.table_columns.get(h))
                        .map(Vec::as_slice)
                });
            }
            rops.push(RopResponse::decode(&mut list, rop_id, &hint)?);
        }
        Ok(RopResponseBuffer { rops, handles })
    }

    /// Encodes the buffer. RopBufferTooSmall, whose RequestBuffers runs to
    /// the end of RopsList, must be the last response.
    pub fn encode(&self) -> EncodeResult<Vec<u8>> {
        let mut list = Vec::new();
        for (i, r) in self.rops.iter().enumerate() {
            if matches!(r, RopResponse::BufferTooSmall(_)) && i + 1 != self.rops.len() {
                return Err(EncodeError::Inconsistent {
                    field: "RopBufferTooSmall",
                    reason: "must be the last response of RopsList",
                });
            }
            r.encode(&mut list)?;
        }
        join(&list, &self.handles)
    }

    /// A request buffer and context under which this response decodes to
    /// itself (for round-trip tests): one request per response that answers
    /// one, with the fields the decoder looks at; QueryRows tables get their
    /// columns through the context. `None` if no such request exists (rows
    /// that fit no single column set, more than 256 QueryRows).
    pub fn implied_request(&self) -> Option<(RopRequestBuffer, ResponseContext)> {
        let mut rops = Vec::new();
        let mut ctx = ResponseContext::default();
        // Slot 0 is where the other implied requests point (their defaults):
        // QueryRows tables get slots 1.. so no RopSetColumns shadows their columns.
        let mut handles = vec![0];
        for r in &self.rops {
            if !r.answers_request() {
                continue;
            }
            let mut q = r.implied_request()?;
            if let (RopRequest::QueryRows(q), RopResponse::QueryRows(resp)) = (&mut q, r) {
                let slot = u8::try_from(handles.len()).ok()?;
                let columns = match &resp.result {
                    super::common::RopResult::Success(s) => {
                        super::value::columns_for_rows(&s.row_data)?
                    }
                    super::common::RopResult::Failure(_) => Vec::new(),
                };
                let h = 0x1000 + slot as u32;
                q.input_handle_index = slot;
                handles.push(h);
                ctx.table_columns.insert(h, columns);
            }
            rops.push(q);
        }
        Some((RopRequestBuffer { rops, handles }, ctx))
    }
}

/// Keeps `slots` up to date with the columns of the request's tables.
fn track_columns<'a>(q: &'a RopRequest, slots: &mut BTreeMap<u8, &'a [PropTag]>) {
    if let RopRequest::SetColumns(sc) = q {
        slots.insert(sc.input_handle_index, &sc.property_tags);
    } else if let Some(o) = q.output_handle_index() {
        slots.remove(&o);
    }
}
