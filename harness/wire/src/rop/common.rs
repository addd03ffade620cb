//! Shapes shared by many ROPs: header-only responses, the success/failure
//! pair, and what a response decoder needs to know about its request.

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::codes::ErrorCode;
use super::error::{DecodeResult, EncodeError, EncodeResult};

/// Serializes bytes as lowercase hex (JSON and snapshots stay readable).
pub fn ser_hex<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    let mut t = String::with_capacity(b.len() * 2);
    for x in b {
        t.push_str(&format!("{x:02x}"));
    }
    s.serialize_str(&t)
}

/// Serializes a PropertyTag as `0xAAAABBBB`.
pub fn ser_tag<S: serde::Serializer>(t: &PropTag, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Serializes PropertyTags as `["0xAAAABBBB", ...]`.
pub fn ser_tags<S: serde::Serializer>(t: &[PropTag], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(t.iter().map(|t| t.to_string()))
}

/// What a response decoder needs from the request it answers (and from
/// earlier buffers): the columns of a QueryRows table or the tags of a
/// GetPropertiesSpecific request, and whether a RopLogon asked for a private
/// mailbox.
#[derive(Clone, Copy, Debug, Default)]
pub struct ResponseHint<'a> {
    /// Columns of the rows (QueryRows) or PropertyTags (GetPropertiesSpecific).
    pub columns: Option<&'a [PropTag]>,
    /// RopLogon: the request's LogonFlags had Private set.
    pub logon_private: bool,
}

/// A single-form response holding only `RopId | OutputHandleIndex | ReturnValue`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OutputHandleResponse {
    /// OutputHandleIndex (echo of the request's).
    pub output_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
}

impl OutputHandleResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(OutputHandleResponse {
            output_handle_index: r.u8("OutputHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        out.put_u32(self.return_value.to_u32());
        Ok(())
    }
}

/// A single-form response holding only `RopId | InputHandleIndex | ReturnValue`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct InputHandleResponse {
    /// InputHandleIndex (echo of the request's).
    pub input_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
}

impl InputHandleResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(InputHandleResponse {
            input_handle_index: r.u8("InputHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        out.put_u32(self.return_value.to_u32());
        Ok(())
    }
}

/// The outcome of a ROP with separate success and failure response buffers
/// ([MS-OXCROPS] "Success Response Buffer" / "Failure Response Buffer"). The
/// failure form (RopId, handle index, ReturnValue only) is used for **every**
/// non-zero ReturnValue, warnings included (rops.md §2, §12 D3).
#[derive(Clone, Debug, PartialEq)]
pub enum RopResult<T> {
    /// ReturnValue 0x00000000 and the success fields.
    Success(T),
    /// A non-zero ReturnValue; no further fields.
    Failure(ErrorCode),
}

impl<T> RopResult<T> {
    /// The ReturnValue.
    pub fn return_value(&self) -> ErrorCode {
        match self {
            RopResult::Success(_) => ErrorCode::Success,
            RopResult::Failure(e) => *e,
        }
    }

    /// The success fields, if any.
    pub fn success(&self) -> Option<&T> {
        match self {
            RopResult::Success(t) => Some(t),
            RopResult::Failure(_) => None,
        }
    }

    /// Reads ReturnValue, then the success fields with `f` when it is 0.
    pub fn read(
        r: &mut Reader<'_>,
        f: impl FnOnce(&mut Reader<'_>) -> DecodeResult<T>,
    ) -> DecodeResult<Self> {
        match r.u32("ReturnValue")? {
            0 => Ok(RopResult::Success(f(r)?)),
            e => Ok(RopResult::Failure(ErrorCode::from_u32(e))),
        }
    }

    /// Writes ReturnValue, then the success fields with `f`.
    pub fn write(
        &self,
        out: &mut Vec<u8>,
        f: impl FnOnce(&T, &mut Vec<u8>) -> EncodeResult,
    ) -> EncodeResult {
        match self {
            RopResult::Success(t) => {
                out.put_u32(0);
                f(t, out)
            }
            RopResult::Failure(e) if e.is_success() => Err(EncodeError::Inconsistent {
                field: "ReturnValue",
                reason: "a failure response needs a non-zero ReturnValue",
            }),
            RopResult::Failure(e) => {
                out.put_u32(e.to_u32());
                Ok(())
            }
        }
    }
}

impl<T: serde::Serialize> serde::Serialize for RopResult<T> {
    /// `{"return_value": "...", <success fields>}` so it can be flattened
    /// into the response struct.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Out<'a, T> {
            return_value: ErrorCode,
            #[serde(flatten, skip_serializing_if = "Option::is_none")]
            success: Option<&'a T>,
        }
        Out {
            return_value: self.return_value(),
            success: self.success(),
        }
        .serialize(s)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a, T: arbitrary::Arbitrary<'a>> arbitrary::Arbitrary<'a> for RopResult<T> {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(if u.arbitrary()? {
            RopResult::Success(u.arbitrary()?)
        } else {
            let v: u32 = u.arbitrary()?;
            RopResult::Failure(ErrorCode::from_u32(if v == 0 { 0x8000_4005 } else { v }))
        })
    }
}
