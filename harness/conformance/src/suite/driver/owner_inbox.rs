//! The Inbox of the test user's own mailbox, read on a connection of its own with a private
//! RopLogon ([MS-OXCSTOR] 2.2.1.1.1; FolderIds[4] is the Inbox), RopOpenFolder,
//! RopGetContentsTable, RopSetColumns and RopQueryRows. Used where the target delivers mail
//! to the user while the scenario works in public folders: a conflict notification message
//! for the folder's owner ([MS-OXCFXICS] 3.1.5.6.3.1).

use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::common::RopResult;
use ics_wire::rop::flags::{
    ContentsTableFlags, LogonFlags, OpenFlags, QueryRowsFlags, SetColumnsFlags,
};
use ics_wire::rop::folder::{GetContentsTableRequest, OpenFolderRequest};
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::table::{QueryRowsRequest, SetColumnsRequest};
use ics_wire::rop::value::{Flagged, FlaggedCell, PropertyRow, StandardCell};
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

use super::{Harness, NO_HANDLE};

fn cells(row: &PropertyRow) -> Vec<Option<PropValue>> {
    match row {
        PropertyRow::Standard(c) => c
            .iter()
            .map(|c| match c {
                StandardCell::Value(v) | StandardCell::Typed(v) => Some(v.clone()),
            })
            .collect(),
        PropertyRow::Flagged(c) => c
            .iter()
            .map(|c| match c {
                FlaggedCell::Flagged(Flagged::Value(v))
                | FlaggedCell::WithType {
                    value: Flagged::Value(v),
                    ..
                } => Some(v.clone()),
                _ => None,
            })
            .collect(),
    }
}

impl Harness {
    /// The rows of the user's Inbox in `columns` (a value the row lacks is `None`).
    pub fn owner_inbox_rows(
        &mut self,
        columns: &[PropTag],
    ) -> Result<Vec<Vec<Option<PropValue>>>, String> {
        let conn = self.target.connect(None);
        let dn = self.target.mailbox_dn();
        let call = |rops: Vec<RopRequest>, handles: Vec<u32>| {
            let req = RopRequestBuffer { rops, handles };
            let bytes = req.encode().map_err(|e| e.to_string())?;
            let out = conn.exchange(&bytes).map_err(|e| e.to_string())?;
            RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
                .map_err(|e| e.to_string())
        };
        let essdn = dn.into_bytes();
        let logon = call(
            vec![RopRequest::Logon(LogonRequest {
                logon_id: 0,
                output_handle_index: 0,
                logon_flags: LogonFlags::PRIVATE,
                open_flags: OpenFlags::USE_PER_MDB_REPLID_MAPPING,
                store_state: 0,
                essdn: Some(essdn),
            })],
            vec![NO_HANDLE],
        )?;
        let inbox = match logon.rops.first() {
            Some(RopResponse::Logon(l)) => match &l.result {
                LogonResult::PrivateSuccess(s) => s.folder_ids[4],
                other => return Err(format!("the private RopLogon answered {other:?}")),
            },
            other => return Err(format!("the private RopLogon: got {other:?}")),
        };
        let handle = *logon.handles.first().ok_or("RopLogon: no handle")?;
        let resp = call(
            vec![
                RopRequest::OpenFolder(OpenFolderRequest {
                    logon_id: 0,
                    input_handle_index: 0,
                    output_handle_index: 1,
                    folder_id: inbox,
                    open_mode_flags: Default::default(),
                }),
                RopRequest::GetContentsTable(GetContentsTableRequest {
                    logon_id: 0,
                    input_handle_index: 1,
                    output_handle_index: 2,
                    table_flags: ContentsTableFlags(0),
                }),
                RopRequest::SetColumns(SetColumnsRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    set_columns_flags: SetColumnsFlags(0),
                    property_tags: columns.to_vec(),
                }),
                RopRequest::QueryRows(QueryRowsRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    query_rows_flags: QueryRowsFlags(0),
                    forward_read: 1,
                    row_count: 1000,
                }),
                Self::release_rop(2),
                Self::release_rop(1),
                Self::release_rop(0),
            ],
            vec![handle, NO_HANDLE, NO_HANDLE],
        )?;
        Self::check(&resp.rops, "reading the Inbox of the user's mailbox")?;
        match resp.rops.get(3) {
            Some(RopResponse::QueryRows(q)) => match &q.result {
                RopResult::Success(s) => Ok(s.row_data.iter().map(cells).collect()),
                RopResult::Failure(e) => Err(format!("RopQueryRows of the Inbox: {e:?}")),
            },
            other => Err(format!(
                "RopQueryRows of the Inbox: got {:?}",
                other.map(|r| r.name())
            )),
        }
    }
}
