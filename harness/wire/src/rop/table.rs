//! Table ROPs ([MS-OXCROPS] 2.2.5.1 RopSetColumns, 2.2.5.4 RopQueryRows;
//! [MS-OXCTABL] 2.2.2.2, 2.2.2.5).

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeResult, RopError};
use super::flags::{Bookmark, QueryRowsFlags, SetColumnsFlags, TableStatus};
use super::value::{PropertyRow, put_count16, read_tag_array16, write_tag_array16};

/// RopSetColumns request, 0x12 (2.2.5.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetColumnsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Table).
    pub input_handle_index: u8,
    /// SetColumnsFlags.
    pub set_columns_flags: SetColumnsFlags,
    /// PropertyTags: the columns.
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl SetColumnsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            set_columns_flags: SetColumnsFlags(r.u8("SetColumnsFlags")?),
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.set_columns_flags.0,
        ]);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}

/// Success fields of RopSetColumns (2.2.5.1.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetColumnsSuccess {
    /// TableStatus.
    pub table_status: TableStatus,
}

/// RopSetColumns response (2.2.5.1.2 success / 2.2.5.1.3 failure).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetColumnsResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<SetColumnsSuccess>,
}

impl SetColumnsResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(SetColumnsSuccess {
                    table_status: TableStatus(r.u8("TableStatus")?),
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            out.put_u8(s.table_status.0);
            Ok(())
        })
    }
}

/// RopQueryRows request, 0x15 (2.2.5.4.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct QueryRowsRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Table).
    pub input_handle_index: u8,
    /// QueryRowsFlags.
    pub query_rows_flags: QueryRowsFlags,
    /// ForwardRead (boolean, kept as sent).
    pub forward_read: u8,
    /// RowCount: maximum rows to return.
    pub row_count: u16,
}

impl QueryRowsRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            query_rows_flags: QueryRowsFlags(r.u8("QueryRowsFlags")?),
            forward_read: r.u8("ForwardRead")?,
            row_count: r.u16("RowCount")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.query_rows_flags.0,
            self.forward_read,
        ]);
        out.put_u16(self.row_count);
        Ok(())
    }
}

/// Success fields of RopQueryRows (2.2.5.4.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct QueryRowsSuccess {
    /// Origin.
    pub origin: Bookmark,
    /// RowData: RowCount PropertyRows in the table's columns.
    pub row_data: Vec<PropertyRow>,
}

/// RopQueryRows response (2.2.5.4.2 / 2.2.5.4.3). Decoding needs the table's
/// columns ([`ResponseHint::columns`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct QueryRowsResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<QueryRowsSuccess>,
}

impl QueryRowsResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, hint: &ResponseHint<'_>) -> DecodeResult<Self> {
        let offset = r.offset();
        let input_handle_index = r.u8("InputHandleIndex")?;
        let result = RopResult::read(r, |r| {
            let origin = Bookmark(r.u8("Origin")?);
            let n = r.u16("RowCount")? as usize;
            if n == 0 {
                return Ok(QueryRowsSuccess {
                    origin,
                    row_data: Vec::new(),
                });
            }
            let columns = hint.columns.ok_or(RopError::NoColumns {
                offset,
                handle_index: input_handle_index,
            })?;
            r.check_count(n, 1, "RowData")?;
            let mut row_data = Vec::with_capacity(n);
            for _ in 0..n {
                row_data.push(PropertyRow::read(r, columns, "RowData")?);
            }
            Ok(QueryRowsSuccess { origin, row_data })
        })?;
        Ok(Self {
            input_handle_index,
            result,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            out.put_u8(s.origin.0);
            put_count16(out, s.row_data.len(), "RowCount")?;
            for row in &s.row_data {
                row.write(out, "RowData")?;
            }
            Ok(())
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for QueryRowsSuccess {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let origin = u.arbitrary()?;
        let row_data = if u.arbitrary()? {
            Vec::new()
        } else {
            super::value::arb::rows(u)?
        };
        Ok(Self { origin, row_data })
    }
}
