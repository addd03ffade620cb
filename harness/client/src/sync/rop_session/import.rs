//! RopSynchronizationImportHierarchyChange and
//! RopSynchronizationImportMessageMove request buffers ([MS-OXCFXICS]
//! 2.2.3.2.4.3, 2.2.3.2.4.4; [MS-OXCROPS] 2.2.13.4, 2.2.13.6).

use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::import::{
    SynchronizationImportHierarchyChangeRequest, SynchronizationImportMessageMoveRequest,
};
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{RopRequest, RopResponse};

use super::{LOGON_ID, RopSession, SYNC_CONFLICT, SYNC_IGNORE, SYNC_OBJECT_DELETED, binary};
use crate::model::{Prop, PropKey};
use crate::sync::ops::*;
use crate::transport::RopTransport;

/// SyncClientChangeNewer ([MS-OXCFXICS] 2.2.3.2.4.4.2).
const SYNC_CLIENT_CHANGE_NEWER: u32 = 0x0004_0821;

impl<T: RopTransport + Send> RopSession<T> {
    /// One ImportHierarchyChange: HierarchyValues in the order of R-213,
    /// PropertyValues from `change.props`. PropertyValueCount must not be 0
    /// a folder with no other property sends PidTagDisplayName
    /// again, which the server ignores as a duplicate.
    pub(super) async fn hierarchy_change(
        &mut self,
        collector: Obj,
        change: &HierarchyImport,
    ) -> Result<ImportOutcome, OpError> {
        self.named_ids(&change.props).await?;
        let name = TaggedPropertyValue::new(
            tags::PID_TAG_DISPLAY_NAME,
            PropValue::unicode(&change.display_name),
        );
        let hierarchy_values = vec![
            binary(tags::PID_TAG_PARENT_SOURCE_KEY, &change.parent_source_key),
            binary(tags::PID_TAG_SOURCE_KEY, &change.source_key),
            TaggedPropertyValue::new(
                tags::PID_TAG_LAST_MODIFICATION_TIME,
                PropValue::Time(change.last_modification_time),
            ),
            binary(tags::PID_TAG_CHANGE_KEY, &change.change_key),
            binary(tags::PID_TAG_PREDECESSOR_CHANGE_LIST, &change.pcl),
            name.clone(),
        ];
        let mut property_values = change
            .props
            .iter()
            .filter(|p| !matches!(p.key, PropKey::Id(id) if id == tags::PID_TAG_DISPLAY_NAME.id()))
            .map(|p: &Prop| self.tagged(p))
            .collect::<Result<Vec<_>, _>>()?;
        if property_values.is_empty() {
            property_values.push(name);
        }
        let req = SynchronizationImportHierarchyChangeRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            hierarchy_values,
            property_values,
        };
        let (r, _) = self
            .one(
                RopRequest::SynchronizationImportHierarchyChange(req),
                collector.0,
            )
            .await?;
        let RopResponse::SynchronizationImportHierarchyChange(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationImportHierarchyChange",
                &r,
            ));
        };
        Ok(match r.result.return_value().to_u32() {
            0 => ImportOutcome::Imported,
            SYNC_IGNORE => ImportOutcome::Ignored,
            SYNC_OBJECT_DELETED => ImportOutcome::ObjectDeleted,
            SYNC_CONFLICT => ImportOutcome::Conflict,
            c => ImportOutcome::Failed(c),
        })
    }

    /// One ImportMessageMove; every field must be non-empty.
    pub(super) async fn message_move(
        &mut self,
        collector: Obj,
        mv: &MoveImport,
    ) -> Result<MoveOutcome, OpError> {
        let fields = [
            ("SourceFolderId", &mv.source_folder_key),
            ("SourceMessageId", &mv.source_message_key),
            ("PredecessorChangeList", &mv.pcl),
            ("DestinationMessageId", &mv.destination_message_key),
            ("ChangeNumber", &mv.change_key),
        ];
        if let Some((name, _)) = fields.iter().find(|(_, v)| v.is_empty()) {
            return Err(OpError::Protocol(format!(
                "RopSynchronizationImportMessageMove: {name} is empty (R-218)"
            )));
        }
        let req = SynchronizationImportMessageMoveRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            source_folder_id: mv.source_folder_key.clone(),
            source_message_id: mv.source_message_key.clone(),
            predecessor_change_list: mv.pcl.clone(),
            destination_message_id: mv.destination_message_key.clone(),
            change_number: mv.change_key.clone(),
        };
        let (r, _) = self
            .one(
                RopRequest::SynchronizationImportMessageMove(req),
                collector.0,
            )
            .await?;
        let RopResponse::SynchronizationImportMessageMove(r) = r else {
            return Err(Self::unexpected("RopSynchronizationImportMessageMove", &r));
        };
        Ok(match r.result.return_value().to_u32() {
            0 => MoveOutcome::Moved,
            SYNC_CLIENT_CHANGE_NEWER => MoveOutcome::ClientChangeNewer,
            SYNC_OBJECT_DELETED => MoveOutcome::ObjectDeleted,
            c => MoveOutcome::Failed(c),
        })
    }
}
