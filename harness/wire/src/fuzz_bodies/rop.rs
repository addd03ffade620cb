//! Fuzz oracles for the rop codec.
//!
//! Corpus file conventions:
//! * `decode_rop_request`: a ROP request buffer (RopSize, RopsList, handle table).
//! * `decode_rop_response`: `u16 LE n | n bytes of the request buffer | the
//!   response buffer` — a response only decodes against its request.
//! * `rop_roundtrip`: raw bytes for `arbitrary` ([`RopRoundTrip`]).
//!
//! The RecipientRow bytes that the recipient ROPs carry ([MS-OXCDATA] 2.8.3)
//! go through [`recipient_rows`] wherever their columns are known.

use crate::prop::PropTag;
use crate::rop::recipient_row::RecipientRow;
use crate::rop::{
    EncodeError, ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

/// Splits a `decode_rop_response` input into (request, response) bytes.
pub fn split_response_input(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = u16::from_le_bytes([*data.first()?, *data.get(1)?]) as usize;
    let rest = &data[2..];
    (rest.len() >= n).then(|| rest.split_at(n))
}

/// Decoding never panics; what decodes re-encodes to the same bytes.
pub fn decode_rop_request(data: &[u8]) {
    let Ok(buf) = RopRequestBuffer::decode(data) else {
        return;
    };
    let bytes = buf.encode().expect("a decoded request buffer encodes");
    assert_eq!(bytes, data, "request re-encodes byte for byte");
    for rop in &buf.rops {
        if let RopRequest::ModifyRecipients(m) = rop {
            let rows = m.recipient_rows.iter().map(|r| &r.recipient_row[..]);
            recipient_rows(rows, &m.recipient_columns);
        }
    }
}

/// RecipientRow bytes decoded under `columns`: whatever decodes re-encodes
/// byte for byte ([MS-OXCDATA] 2.8.3.2 leaves no choice in the layout).
pub fn recipient_rows<'a>(rows: impl Iterator<Item = &'a [u8]>, columns: &[PropTag]) {
    for bytes in rows {
        if let Ok(row) = RecipientRow::decode(bytes, columns) {
            let again = row.to_bytes().expect("a decoded RecipientRow encodes");
            assert_eq!(again, bytes, "RecipientRow re-encodes byte for byte");
        }
    }
}

/// Decoding a response against its request never panics; what decodes
/// re-encodes to the same bytes.
pub fn decode_rop_response(data: &[u8]) {
    let Some((req, resp)) = split_response_input(data) else {
        return;
    };
    let Ok(request) = RopRequestBuffer::decode(req) else {
        return;
    };
    let Ok(buf) = RopResponseBuffer::decode(resp, &request, &ResponseContext::default()) else {
        return;
    };
    let bytes = buf.encode().expect("a decoded response buffer encodes");
    assert_eq!(bytes, resp, "response re-encodes byte for byte");
    for rop in &buf.rops {
        match rop {
            RopResponse::OpenMessage(o) => {
                if let Some(s) = o.result.success() {
                    let rows = s.recipient_rows.iter().map(|r| &r.recipient_row[..]);
                    recipient_rows(rows, &s.recipient_columns);
                }
            }
            // The columns are those of an earlier RopOpenMessage: rows that
            // carry no properties decode without them.
            RopResponse::ReadRecipients(r) => {
                if let Some(s) = r.result.success() {
                    recipient_rows(s.recipient_rows.iter().map(|r| &r.recipient_row[..]), &[]);
                }
            }
            _ => {}
        }
    }
}

/// A value for the structured round-trip target.
#[derive(Debug)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RopRoundTrip {
    /// A request buffer.
    Request(RopRequestBuffer),
    /// A response buffer.
    Response(RopResponseBuffer),
    /// A consistent RecipientRow and the columns it decodes under.
    RecipientRow(Box<RecipientRowCase>),
}

/// A consistent RecipientRow with columns it decodes under
/// ([`crate::rop::recipient_row::arb::row_and_columns`]).
#[derive(Debug)]
pub struct RecipientRowCase {
    /// The row.
    pub row: RecipientRow,
    /// RecipientColumns (at least the row's RecipientColumnCount).
    pub columns: Vec<PropTag>,
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for RecipientRowCase {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let (row, columns) = crate::rop::recipient_row::arb::row_and_columns(u)?;
        Ok(Self { row, columns })
    }
}

/// Encode errors an arbitrary value may legitimately hit: a list or string
/// longer than its count field. Anything else means `Arbitrary` built a value
/// the encoder refuses, or the encoder refuses what it should write.
pub fn expected_encode_error(e: &EncodeError) -> bool {
    matches!(e, EncodeError::TooLong { .. })
}

/// value -> encode -> decode (with the context the value implies) -> same
/// value. Returns false when the value was skipped (it implies no consistent
/// request or context, or outgrew a count field).
pub fn rop_roundtrip(v: RopRoundTrip) -> bool {
    match v {
        RopRoundTrip::Request(buf) => {
            let Some(ctx) = buf.implied_context() else {
                return false;
            };
            let bytes = match buf.encode() {
                Ok(b) => b,
                Err(e) if expected_encode_error(&e) => return false,
                Err(e) => panic!("encode refused an arbitrary request: {e}"),
            };
            let back =
                RopRequestBuffer::decode_with(&bytes, &ctx).expect("encoded request decodes");
            assert_eq!(back, buf);
            true
        }
        RopRoundTrip::Response(mut buf) => {
            // RopBufferTooSmall ends RopsList: drop what an arbitrary value put after it.
            if let Some(i) = buf
                .rops
                .iter()
                .position(|r| matches!(r, RopResponse::BufferTooSmall(_)))
            {
                buf.rops.truncate(i + 1);
            }
            let Some((request, ctx)) = buf.implied_request() else {
                return false;
            };
            let bytes = match buf.encode() {
                Ok(b) => b,
                Err(e) if expected_encode_error(&e) => return false,
                Err(e) => panic!("encode refused an arbitrary response: {e}"),
            };
            let back = RopResponseBuffer::decode(&bytes, &request, &ctx)
                .expect("encoded response decodes");
            assert_eq!(back, buf);
            true
        }
        RopRoundTrip::RecipientRow(case) => {
            let RecipientRowCase { row, columns } = *case;
            let bytes = match row.to_bytes() {
                Ok(b) => b,
                Err(e) if expected_encode_error(&e) => return false,
                Err(e) => panic!("encode refused an arbitrary RecipientRow: {e}"),
            };
            let back =
                RecipientRow::decode(&bytes, &columns).expect("encoded RecipientRow decodes");
            assert_eq!(back, row);
            true
        }
    }
}
