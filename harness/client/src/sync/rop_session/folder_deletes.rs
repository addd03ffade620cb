//! RopSynchronizationImportDeletes of folders on a hierarchy collector
//! (ImportDeleteFlags Hierarchy 0x01; [MS-OXCFXICS] 2.2.3.2.4.5.1;
//! [MS-OXCROPS] 2.2.13.5).

use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::flags::ImportDeleteFlags;
use ics_wire::rop::import::SynchronizationImportDeletesRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{RopRequest, RopResponse};

use super::{LOGON_ID, RopSession};
use crate::sync::ops::*;
use crate::transport::RopTransport;

/// The one PropertyValues entry of ImportDeletes: PtypMultipleBinary with property id 0.
const SOURCE_KEYS: PropTag = PropTag(0x0000_1102);

impl<T: RopTransport + Send> RopSession<T> {
    /// One ImportDeletes with the Hierarchy flag (and HardDelete when `hard`).
    pub(super) async fn folder_deletes(
        &mut self,
        collector: Obj,
        hard: bool,
        source_keys: &[Vec<u8>],
    ) -> Result<(), OpError> {
        let mut flags = ImportDeleteFlags::HIERARCHY.0;
        if hard {
            flags |= ImportDeleteFlags::HARD_DELETE.0;
        }
        let req = SynchronizationImportDeletesRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            import_delete_flags: ImportDeleteFlags(flags),
            property_values: vec![TaggedPropertyValue::new(
                SOURCE_KEYS,
                PropValue::MvBinary(source_keys.to_vec()),
            )],
        };
        let (r, _) = self
            .one(RopRequest::SynchronizationImportDeletes(req), collector.0)
            .await?;
        let RopResponse::SynchronizationImportDeletes(r) = r else {
            return Err(Self::unexpected("RopSynchronizationImportDeletes", &r));
        };
        Self::check("RopSynchronizationImportDeletes", r.return_value)
    }
}
