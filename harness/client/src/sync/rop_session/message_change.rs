//! RopSynchronizationImportMessageChange and the message it opens: content, save, release.

use ics_wire::prop::PropValue;
use ics_wire::rop::flags::{ImportFlag, SaveFlags};
use ics_wire::rop::import::*;
use ics_wire::rop::message::SaveChangesMessageRequest;
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::state::*;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use crate::model::{Children, Prop};
use crate::sync::ops::*;
use crate::transport::RopTransport;

use super::{LOGON_ID, RopSession, SYNC_CONFLICT, SYNC_IGNORE, SYNC_OBJECT_DELETED, binary};

impl<T: RopTransport + Send> RopSession<T> {
    /// One ImportMessageChange ([MS-OXCFXICS] 2.2.3.2.4.2), then the imported message's
    /// properties, recipients and attachments, RopSaveChangesMessage and RopRelease.
    pub(super) async fn message_change(
        &mut self,
        collector: Obj,
        fai: bool,
        header: &ImportHeader,
        props: &[Prop],
        children: &Children,
    ) -> Result<ImportOutcome, OpError> {
        use ics_wire::prop::tags;
        self.named_ids(props).await?;
        let values = vec![
            binary(tags::PID_TAG_SOURCE_KEY, &header.source_key),
            TaggedPropertyValue::new(
                tags::PID_TAG_LAST_MODIFICATION_TIME,
                PropValue::Time(header.last_modification_time),
            ),
            binary(tags::PID_TAG_CHANGE_KEY, &header.change_key),
            binary(tags::PID_TAG_PREDECESSOR_CHANGE_LIST, &header.pcl),
        ];
        let req = SynchronizationImportMessageChangeRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            import_flag: ImportFlag(
                if fai { ImportFlag::ASSOCIATED.0 } else { 0 }
                    | if header.fail_on_conflict {
                        ImportFlag::FAIL_ON_CONFLICT.0
                    } else {
                        0
                    },
            ),
            property_values: values,
        };
        let (r, handles) = self
            .one(
                RopRequest::SynchronizationImportMessageChange(req),
                collector.0,
            )
            .await?;
        let RopResponse::SynchronizationImportMessageChange(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationImportMessageChange",
                &r,
            ));
        };
        match r.result.return_value().to_u32() {
            0 => {}
            SYNC_IGNORE => return Ok(ImportOutcome::Ignored),
            SYNC_OBJECT_DELETED => return Ok(ImportOutcome::ObjectDeleted),
            SYNC_CONFLICT => return Ok(ImportOutcome::Conflict),
            c => return Ok(ImportOutcome::Failed(c)),
        }
        let message = Self::output(
            "RopSynchronizationImportMessageChange",
            ErrorCode::Success,
            &handles,
        )?;
        let has_children = children.recipients.as_ref().is_some_and(|r| !r.is_empty())
            || children.attachments.as_ref().is_some_and(|a| !a.is_empty());
        if has_children {
            // Recipients and attachments travel in a messageContent stream
            // through a FastTransfer upload context on the message.
            self.put_message_content(message, props, children).await?;
        }
        let mut rops = Vec::with_capacity(3);
        if !has_children {
            let values = props
                .iter()
                .map(|p| self.tagged(p))
                .collect::<Result<Vec<_>, _>>()?;
            rops.push(RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: LOGON_ID,
                input_handle_index: 0,
                property_values: values,
            }));
        }
        rops.push(RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: LOGON_ID,
            response_handle_index: 0,
            input_handle_index: 0,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }));
        rops.push(RopRequest::Release(InputHandleRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
        }));
        let (rops, _) = self.call(rops, vec![message.0]).await?;
        let mut it = rops.into_iter();
        if !has_children {
            match it.next() {
                Some(RopResponse::SetProperties(r)) => {
                    Self::check("RopSetProperties", r.result.return_value())?;
                }
                Some(r) => return Err(Self::unexpected("RopSetProperties", &r)),
                None => return Err(OpError::Protocol("RopSetProperties: no response".into())),
            }
        }
        // Conflict resolution happens at save: its code decides.
        match it.next() {
            Some(RopResponse::SaveChangesMessage(r)) => {
                Ok(match r.result.return_value().to_u32() {
                    0 => ImportOutcome::Imported,
                    SYNC_IGNORE => ImportOutcome::Ignored,
                    SYNC_OBJECT_DELETED => ImportOutcome::ObjectDeleted,
                    SYNC_CONFLICT => ImportOutcome::Conflict,
                    c => ImportOutcome::Failed(c),
                })
            }
            Some(r) => Err(Self::unexpected("RopSaveChangesMessage", &r)),
            None => Err(OpError::Protocol(
                "RopSaveChangesMessage: no response".into(),
            )),
        }
    }
}
