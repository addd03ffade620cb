//! Reading a message's attachments on the other session, outside synchronization
//! ([MS-OXCMSG] 3.1.4.17, 3.1.5.16): RopGetAttachmentTable + RopSetColumns /
//! RopQueryRows for the AttachmentIDs (PidTagAttachNumber), RopOpenAttachment +
//! RopGetPropertiesAll for each attachment, and for an afEmbeddedMessage attachment
//! RopOpenEmbeddedMessage + RopGetPropertiesAll. This sees what no download shows: a
//! conflict resolve message's versions and PidTagInConflict, which lies in the
//! non-transmittable range 0x6600-0x67FF ([MS-OXCFXICS] 3.1.5.6.2.1, R-045).

use ics_wire::prop::{PropTag, PropValue, TaggedValue};
use ics_wire::rop::attachment::OpenAttachmentRequest;
use ics_wire::rop::common::RopResult;
use ics_wire::rop::embedded::{GetAttachmentTableRequest, OpenEmbeddedMessageRequest};
use ics_wire::rop::flags::{MessageOpenModeFlags, QueryRowsFlags, SetColumnsFlags};
use ics_wire::rop::message::OpenMessageRequest;
use ics_wire::rop::property::GetPropertiesAllRequest;
use ics_wire::rop::table::{QueryRowsRequest, SetColumnsRequest};
use ics_wire::rop::value::{Flagged, FlaggedCell, PropertyRow, StandardCell};
use ics_wire::rop::{RopRequest, RopResponse};

use super::Harness;

/// PidTagAttachNumber ([MS-OXCMSG] 2.2.2.6).
pub const PID_TAG_ATTACH_NUMBER: PropTag = PropTag(0x0E21_0003);
/// PidTagAttachMethod ([MS-OXCMSG] 2.2.2.9) and its afEmbeddedMessage value.
const PID_TAG_ATTACH_METHOD: PropTag = PropTag(0x3705_0003);
const AF_EMBEDDED_MESSAGE: i32 = 5;

/// One attachment as the server shows it.
#[derive(Clone, Debug)]
pub struct ServerAttachment {
    /// Its AttachmentID (PidTagAttachNumber in the attachment table).
    pub number: u32,
    /// RopGetPropertiesAll of the Attachment object.
    pub props: Vec<TaggedValue>,
    /// RopGetPropertiesAll of the embedded message (afEmbeddedMessage attachments).
    pub embedded: Option<Vec<TaggedValue>>,
}

fn get_all(slot: u8) -> RopRequest {
    RopRequest::GetPropertiesAll(GetPropertiesAllRequest {
        logon_id: 0,
        input_handle_index: slot,
        property_size_limit: 0,
        want_unicode: 1,
    })
}

fn all_props(r: Option<&RopResponse>, what: &str) -> Result<Vec<TaggedValue>, String> {
    match r {
        Some(RopResponse::GetPropertiesAll(x)) => match &x.result {
            RopResult::Success(s) => Ok(s.property_values.iter().map(|v| v.0.clone()).collect()),
            RopResult::Failure(e) => Err(format!("RopGetPropertiesAll of {what}: {e:?}")),
        },
        other => Err(format!(
            "RopGetPropertiesAll of {what}: got {:?}",
            other.map(|r| r.name())
        )),
    }
}

/// The AttachmentID in a row of the one-column table.
fn attach_number(row: &PropertyRow) -> Option<u32> {
    let v = match row {
        PropertyRow::Standard(c) => match c.first()? {
            StandardCell::Value(v) | StandardCell::Typed(v) => v,
        },
        PropertyRow::Flagged(c) => match c.first()? {
            FlaggedCell::Flagged(Flagged::Value(v))
            | FlaggedCell::WithType {
                value: Flagged::Value(v),
                ..
            } => v,
            _ => return None,
        },
    };
    match v {
        PropValue::I32(n) => u32::try_from(*n).ok(),
        _ => None,
    }
}

impl Harness {
    fn open_message_rops_ro(&self, name: &str) -> Result<Vec<RopRequest>, String> {
        let m = self.message(name)?;
        Ok(vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags(0x00),
                message_id: m.mid,
            }),
        ])
    }

    /// Every attachment of message `name` on the server, read with the ROPs above.
    pub fn server_attachments(&mut self, name: &str) -> Result<Vec<ServerAttachment>, String> {
        let mut rops = self.open_message_rops_ro(name)?;
        rops.extend([
            RopRequest::GetAttachmentTable(GetAttachmentTableRequest {
                logon_id: 0,
                input_handle_index: 2,
                output_handle_index: 3,
                table_flags: 0x40, // Unicode
            }),
            RopRequest::SetColumns(SetColumnsRequest {
                logon_id: 0,
                input_handle_index: 3,
                set_columns_flags: SetColumnsFlags(0),
                property_tags: vec![PID_TAG_ATTACH_NUMBER],
            }),
            RopRequest::QueryRows(QueryRowsRequest {
                logon_id: 0,
                input_handle_index: 3,
                query_rows_flags: QueryRowsFlags(0),
                forward_read: 1,
                row_count: 1000,
            }),
            Self::release_rop(3),
            Self::release_rop(2),
            Self::release_rop(1),
        ]);
        let resps = self.admin_call(rops, 3)?;
        Self::check(&resps, &format!("reading the attachment table of {name}"))?;
        let rows = match resps.get(4) {
            Some(RopResponse::QueryRows(q)) => match &q.result {
                RopResult::Success(s) => s.row_data.clone(),
                RopResult::Failure(e) => return Err(format!("RopQueryRows: {e:?}")),
            },
            other => return Err(format!("RopQueryRows: got {:?}", other.map(|r| r.name()))),
        };
        let mut out = Vec::new();
        for row in &rows {
            let number = attach_number(row).ok_or_else(|| {
                format!(
                    "a row of the attachment table of {name} has no PidTagAttachNumber: {row:?}"
                )
            })?;
            out.push(self.server_attachment(name, number)?);
        }
        Ok(out)
    }

    fn server_attachment(&mut self, name: &str, number: u32) -> Result<ServerAttachment, String> {
        let what = format!("attachment {number} of {name}");
        let mut rops = self.open_message_rops_ro(name)?;
        rops.push(RopRequest::OpenAttachment(OpenAttachmentRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            open_attachment_flags: 0x00, // ReadOnly
            attachment_id: number,
        }));
        rops.push(get_all(3));
        let (opens, mut releases) = (rops.len(), vec![3, 2, 1]);
        let props = {
            let mut q = rops.clone();
            q.extend(releases.iter().map(|s| Self::release_rop(*s)));
            let resps = self.admin_call(q, 3)?;
            Self::check(&resps, &format!("reading {what}"))?;
            all_props(resps.get(opens - 1), &what)?
        };
        let embedded = matches!(
            props
                .iter()
                .find(|v| v.tag.id() == PID_TAG_ATTACH_METHOD.id())
                .map(|v| &v.value),
            Some(PropValue::I32(AF_EMBEDDED_MESSAGE))
        );
        if !embedded {
            return Ok(ServerAttachment {
                number,
                props,
                embedded: None,
            });
        }
        rops.pop();
        rops.push(RopRequest::OpenEmbeddedMessage(
            OpenEmbeddedMessageRequest {
                logon_id: 0,
                input_handle_index: 3,
                output_handle_index: 4,
                code_page_id: 0x0FFF,
                open_mode_flags: 0x00, // ReadOnly
            },
        ));
        rops.push(get_all(4));
        releases.insert(0, 4);
        let n = rops.len();
        rops.extend(releases.iter().map(|s| Self::release_rop(*s)));
        let resps = self.admin_call(rops, 4)?;
        Self::check(&resps, &format!("reading the embedded message of {what}"))?;
        let inner = all_props(resps.get(n - 1), &format!("the embedded message of {what}"))?;
        Ok(ServerAttachment {
            number,
            props,
            embedded: Some(inner),
        })
    }
}
