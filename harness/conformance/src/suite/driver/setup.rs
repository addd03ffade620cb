//! The other session's raw setup ROPs, and the folder changes made with them.

use ics_client::sync::ops::IcsOps;
use ics_wire::Fid;
use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::rop::flags::FolderType;
use ics_wire::rop::folder::{CreateFolderRequest, FolderString, OpenFolderRequest};
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

use super::{Harness, NO_HANDLE, return_value};

impl Harness {
    /// The other session logs on again (after a lost connection took its handles).
    pub async fn relogon_other_session(&mut self) -> Result<(), String> {
        let info = self
            .admin
            .logon()
            .await
            .map_err(|e| format!("the other session cannot log on again: {e}"))?;
        self.admin_logon = info.logon.0;
        Ok(())
    }

    /// One raw request buffer of the other session; `handles[0]` is the logon.
    pub(super) fn admin_call(
        &mut self,
        rops: Vec<RopRequest>,
        extra: usize,
    ) -> Result<Vec<RopResponse>, String> {
        let mut handles = vec![self.admin_logon];
        handles.extend(std::iter::repeat_n(NO_HANDLE, extra));
        let req = RopRequestBuffer { rops, handles };
        let bytes = req.encode().map_err(|e| e.to_string())?;
        let out = self.admin_raw.exchange(&bytes).map_err(|e| e.to_string())?;
        let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
            .map_err(|e| e.to_string())?;
        Ok(resp.rops)
    }

    pub(super) fn open_folder_rop(fid: Fid) -> RopRequest {
        RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: fid,
            open_mode_flags: Default::default(),
        })
    }

    pub(super) fn release_rop(slot: u8) -> RopRequest {
        RopRequest::Release(InputHandleRequest {
            logon_id: 0,
            input_handle_index: slot,
        })
    }

    pub(super) fn check(resps: &[RopResponse], what: &str) -> Result<(), String> {
        for r in resps {
            let code = return_value(r).unwrap_or(u32::MAX);
            if code != 0 {
                return Err(format!("{what}: {} failed with 0x{code:08X}", r.name()));
            }
        }
        Ok(())
    }

    /// RopCreateFolder under `parent` (setup ROPs of the other session).
    pub fn create_folder(&mut self, parent_name: &str, name: &str) -> Result<Fid, String> {
        let parent = self.folder(parent_name)?;
        let rops = vec![
            Self::open_folder_rop(parent),
            RopRequest::CreateFolder(CreateFolderRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                folder_type: FolderType::GENERIC,
                use_unicode_strings: true,
                open_existing: 0,
                reserved: 0,
                display_name: FolderString::Unicode(name.into()),
                comment: FolderString::Unicode("".into()),
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, "RopCreateFolder")?;
        let fid = resps
            .iter()
            .find_map(|r| match r {
                RopResponse::CreateFolder(c) => c.result.success().map(|s| s.folder_id),
                _ => None,
            })
            .ok_or("RopCreateFolder: no FolderId")?;
        self.folders.insert(name.to_owned(), fid);
        self.parents.insert(name.to_owned(), parent_name.to_owned());
        Ok(fid)
    }

    /// Sets one property of a folder on the server (RopSetProperties on the folder).
    pub fn set_folder_property(
        &mut self,
        name: &str,
        tag: PropTag,
        value: PropValue,
    ) -> Result<(), String> {
        let fid = self.folder(name)?;
        let rops = vec![
            Self::open_folder_rop(fid),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 1,
                property_values: vec![TaggedPropertyValue::new(tag, value)],
            }),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 1)?;
        Self::check(&resps, "setting a folder property")
    }

    /// Renames a folder on the server (RopSetProperties on the folder).
    pub fn rename_folder(&mut self, name: &str, new: &str) -> Result<(), String> {
        let fid = self.folder(name)?;
        let rops = vec![
            Self::open_folder_rop(fid),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 1,
                property_values: vec![TaggedPropertyValue::new(
                    tags::PID_TAG_DISPLAY_NAME,
                    PropValue::unicode(new),
                )],
            }),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 1)?;
        Self::check(&resps, "renaming a folder")
    }

    /// RopDeleteFolder with hard delete on the parent.
    pub fn hard_delete_folder(&mut self, name: &str) -> Result<(), String> {
        let fid = self.folder(name)?;
        let parent = self
            .parents
            .get(name)
            .cloned()
            .ok_or_else(|| format!("the parent of {name} is unknown"))?;
        let rops = vec![
            Self::open_folder_rop(self.folder(&parent)?),
            RopRequest::DeleteFolder(ics_wire::rop::folder::DeleteFolderRequest {
                logon_id: 0,
                input_handle_index: 1,
                delete_folder_flags: ics_wire::rop::flags::DeleteFolderFlags(0x01 | 0x04 | 0x10),
                folder_id: fid,
            }),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 1)?;
        Self::check(&resps, "deleting a folder")
    }
}
