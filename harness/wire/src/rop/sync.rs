//! RopSynchronizationConfigure, 0x70 ([MS-OXCROPS] 2.2.13.1; [MS-OXCFXICS]
//! 2.2.3.2.1.1; rops.md §6). Its response is a header-only
//! [`super::common::OutputHandleResponse`].

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::error::{DecodeResult, EncodeResult, RopError};
use super::flags::{
    SendOptions, SynchronizationExtraFlags, SynchronizationFlags, SynchronizationType,
};
use super::restriction::Restriction;
use super::value::{check_len, read_tag_array16, write_tag_array16};

/// RopSynchronizationConfigure request.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationConfigureRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the synchronization download context).
    pub output_handle_index: u8,
    /// SynchronizationType.
    pub synchronization_type: SynchronizationType,
    /// SendOptions.
    pub send_options: SendOptions,
    /// SynchronizationFlags (u16).
    pub synchronization_flags: SynchronizationFlags,
    /// RestrictionData; `None` when RestrictionDataSize is 0.
    pub restriction_data: Option<Restriction>,
    /// SynchronizationExtraFlags (u32).
    pub synchronization_extra_flags: SynchronizationExtraFlags,
    /// PropertyTags (inclusion or exclusion list).
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl SynchronizationConfigureRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let output_handle_index = r.u8("OutputHandleIndex")?;
        let synchronization_type = SynchronizationType(r.u8("SynchronizationType")?);
        let send_options = SendOptions(r.u8("SendOptions")?);
        let synchronization_flags = SynchronizationFlags(r.u16("SynchronizationFlags")?);
        let size_off = r.offset();
        let size = r.u16("RestrictionDataSize")? as usize;
        let data_off = r.offset();
        let data = r.bytes(size, "RestrictionData")?;
        let restriction_data = if size == 0 {
            None
        } else {
            let mut inner = Reader::with_base(data, data_off);
            let res = Restriction::read(&mut inner)?;
            if !inner.is_empty() {
                return Err(RopError::SizeMismatch {
                    offset: size_off,
                    field: "RestrictionDataSize",
                    declared: size,
                    actual: size - inner.remaining(),
                });
            }
            Some(res)
        };
        Ok(Self {
            logon_id,
            input_handle_index,
            output_handle_index,
            synchronization_type,
            send_options,
            synchronization_flags,
            restriction_data,
            synchronization_extra_flags: SynchronizationExtraFlags(
                r.u32("SynchronizationExtraFlags")?,
            ),
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }

    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.synchronization_type.0,
            self.send_options.0,
        ]);
        out.put_u16(self.synchronization_flags.0);
        let mut res = Vec::new();
        if let Some(x) = &self.restriction_data {
            x.write(&mut res)?;
        }
        check_len(res.len(), u16::MAX as usize, "RestrictionDataSize")?;
        out.put_u16(res.len() as u16);
        out.put_bytes(&res);
        out.put_u32(self.synchronization_extra_flags.0);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}
