//! Property ROPs ([MS-OXCROPS] 2.2.8.3 RopGetPropertiesSpecific, 2.2.8.4
//! RopGetPropertiesAll, 2.2.8.6 RopSetProperties, 2.2.8.8
//! RopDeleteProperties, 2.2.8.1 RopGetPropertyIdsFromNames; [MS-OXCPRPT] 2.2).

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::codes::ErrorCode;
use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeResult, RopError};
use super::flags::GetPropertyIdsFromNamesFlags;
use super::value::{
    PropertyRow, RopPropertyName, TaggedPropertyValue, check_len, put_count16, read_tag,
    read_tag_array16, write_tag_array16,
};

/// RopGetPropertiesSpecific request, 0x07 (2.2.8.3.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesSpecificRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// PropertySizeLimit.
    pub property_size_limit: u16,
    /// WantUnicode (u16; non-zero asks for PtypString).
    pub want_unicode: u16,
    /// PropertyTags.
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl GetPropertiesSpecificRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            property_size_limit: r.u16("PropertySizeLimit")?,
            want_unicode: r.u16("WantUnicode")?,
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u16(self.property_size_limit);
        out.put_u16(self.want_unicode);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}

/// Success fields of RopGetPropertiesSpecific (2.2.8.3.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesSpecificSuccess {
    /// RowData: one PropertyRow in the order of the requested tags.
    pub row_data: PropertyRow,
}

/// RopGetPropertiesSpecific response (2.2.8.3.2 / 2.2.8.3.3). Decoding needs
/// the request's PropertyTags ([`ResponseHint::columns`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesSpecificResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<GetPropertiesSpecificSuccess>,
}

impl GetPropertiesSpecificResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, hint: &ResponseHint<'_>) -> DecodeResult<Self> {
        let offset = r.offset();
        let input_handle_index = r.u8("InputHandleIndex")?;
        let result = RopResult::read(r, |r| {
            let columns = hint.columns.ok_or(RopError::NoColumns {
                offset,
                handle_index: input_handle_index,
            })?;
            Ok(GetPropertiesSpecificSuccess {
                row_data: PropertyRow::read(r, columns, "RowData")?,
            })
        })?;
        Ok(Self {
            input_handle_index,
            result,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result
            .write(out, |s, out| s.row_data.write(out, "RowData"))
    }
}

/// RopGetPropertiesAll request, 0x08 (2.2.8.4.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesAllRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// PropertySizeLimit.
    pub property_size_limit: u16,
    /// WantUnicode.
    pub want_unicode: u16,
}

impl GetPropertiesAllRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            property_size_limit: r.u16("PropertySizeLimit")?,
            want_unicode: r.u16("WantUnicode")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u16(self.property_size_limit);
        out.put_u16(self.want_unicode);
        Ok(())
    }
}

/// Success fields of RopGetPropertiesAll (2.2.8.4.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesAllSuccess {
    /// PropertyValues (u16 PropertyValueCount).
    pub property_values: Vec<TaggedPropertyValue>,
}

/// RopGetPropertiesAll response (2.2.8.4.2 / 2.2.8.4.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertiesAllResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<GetPropertiesAllSuccess>,
}

impl GetPropertiesAllResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let n = r.u16("PropertyValueCount")? as usize;
                Ok(GetPropertiesAllSuccess {
                    property_values: TaggedPropertyValue::read_many(r, n, "PropertyValues")?,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            put_count16(out, s.property_values.len(), "PropertyValueCount")?;
            for v in &s.property_values {
                v.write(out, "PropertyValues")?;
            }
            Ok(())
        })
    }
}

/// RopSetProperties request, 0x0A (2.2.8.6.1). PropertyValueSize counts
/// PropertyValueCount and PropertyValues; the decoder requires an exact match.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SetPropertiesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// PropertyValues.
    pub property_values: Vec<TaggedPropertyValue>,
}

impl SetPropertiesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let size_off = r.offset();
        let size = r.u16("PropertyValueSize")? as usize;
        let body_off = r.offset();
        let mut inner = Reader::with_base(r.bytes(size, "PropertyValueSize")?, body_off);
        let n = inner.u16("PropertyValueCount")? as usize;
        let property_values = TaggedPropertyValue::read_many(&mut inner, n, "PropertyValues")?;
        if !inner.is_empty() {
            return Err(RopError::SizeMismatch {
                offset: size_off,
                field: "PropertyValueSize",
                declared: size,
                actual: size - inner.remaining(),
            });
        }
        Ok(Self {
            logon_id,
            input_handle_index,
            property_values,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        let mut body = Vec::new();
        put_count16(&mut body, self.property_values.len(), "PropertyValueCount")?;
        for v in &self.property_values {
            v.write(&mut body, "PropertyValues")?;
        }
        check_len(body.len(), u16::MAX as usize, "PropertyValueSize")?;
        out.put_u16(body.len() as u16);
        out.put_bytes(&body);
        Ok(())
    }
}

/// PropertyProblem ([MS-OXCDATA] 2.7).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PropertyProblem {
    /// Index into the request's list.
    pub index: u16,
    /// PropertyTag.
    #[serde(serialize_with = "super::common::ser_tag")]
    pub property_tag: PropTag,
    /// ErrorCode.
    pub error_code: ErrorCode,
}

/// Success fields of RopSetProperties / RopDeleteProperties (2.2.8.6.2, 2.2.8.8.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PropertyProblemsSuccess {
    /// PropertyProblems (u16 PropertyProblemCount).
    pub property_problems: Vec<PropertyProblem>,
}

/// RopSetProperties / RopDeleteProperties response.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PropertyProblemsResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<PropertyProblemsSuccess>,
}

impl PropertyProblemsResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let n = r.u16("PropertyProblemCount")? as usize;
                r.check_count(n, 10, "PropertyProblems")?;
                let mut property_problems = Vec::with_capacity(n);
                for _ in 0..n {
                    property_problems.push(PropertyProblem {
                        index: r.u16("PropertyProblem.Index")?,
                        property_tag: read_tag(r, "PropertyProblem.PropertyTag")?,
                        error_code: ErrorCode::from_u32(r.u32("PropertyProblem.ErrorCode")?),
                    });
                }
                Ok(PropertyProblemsSuccess { property_problems })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            put_count16(out, s.property_problems.len(), "PropertyProblemCount")?;
            for p in &s.property_problems {
                out.put_u16(p.index);
                out.put_u32(p.property_tag.0);
                out.put_u32(p.error_code.to_u32());
            }
            Ok(())
        })
    }
}

/// RopDeleteProperties request, 0x0B (2.2.8.8.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DeletePropertiesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// PropertyTags.
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl DeletePropertiesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}

/// RopGetPropertyIdsFromNames request, 0x56 (2.2.8.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertyIdsFromNamesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// Flags.
    pub flags: GetPropertyIdsFromNamesFlags,
    /// PropertyNames (u16 PropertyNameCount).
    pub property_names: Vec<RopPropertyName>,
}

impl GetPropertyIdsFromNamesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let flags = GetPropertyIdsFromNamesFlags(r.u8("Flags")?);
        let n = r.u16("PropertyNameCount")? as usize;
        r.check_count(n, 17, "PropertyNames")?;
        let mut property_names = Vec::with_capacity(n);
        for _ in 0..n {
            property_names.push(RopPropertyName::read(r)?);
        }
        Ok(Self {
            logon_id,
            input_handle_index,
            flags,
            property_names,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index, self.flags.0]);
        put_count16(out, self.property_names.len(), "PropertyNameCount")?;
        for n in &self.property_names {
            n.write(out)?;
        }
        Ok(())
    }
}

/// Success fields of RopGetPropertyIdsFromNames (2.2.8.1.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertyIdsFromNamesSuccess {
    /// PropertyIds (u16 PropertyIdCount), 0x0000 for names not found.
    pub property_ids: Vec<u16>,
}

/// RopGetPropertyIdsFromNames response (2.2.8.1.2 / 2.2.8.1.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct GetPropertyIdsFromNamesResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<GetPropertyIdsFromNamesSuccess>,
}

impl GetPropertyIdsFromNamesResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            result: RopResult::read(r, |r| {
                let n = r.u16("PropertyIdCount")? as usize;
                r.check_count(n, 2, "PropertyIds")?;
                let mut property_ids = Vec::with_capacity(n);
                for _ in 0..n {
                    property_ids.push(r.u16("PropertyIds")?);
                }
                Ok(GetPropertyIdsFromNamesSuccess { property_ids })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        self.result.write(out, |s, out| {
            put_count16(out, s.property_ids.len(), "PropertyIdCount")?;
            for id in &s.property_ids {
                out.put_u16(*id);
            }
            Ok(())
        })
    }
}
