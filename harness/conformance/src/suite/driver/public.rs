//! The scenario's switch to public folders (`@needs-public-folders`): the client under test
//! and the other session log on again without the Private flag ([MS-OXCSTOR] 2.2.1.1.4),
//! and `root` becomes the public store's IPM_SUBTREE (FolderIds[1]).

use ics_client::Replica;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_client::sync::ops::IcsOps;
use ics_client::sync::rop_session::RopSession;
use ics_wire::Fid;

use super::Harness;

impl Harness {
    /// Logs the client (with a fresh replica) and the other session on to the target's public
    /// folders; the folders and messages named so far are forgotten.
    pub async fn use_public_folders(&mut self) -> Result<(), String> {
        let dn = self.target.mailbox_dn();
        let ops =
            RopSession::new(self.target.connect(Some(self.trace.clone())), &dn).public_folders();
        let client = Client::connect(
            ops,
            Replica::open_in_memory().map_err(|e| e.to_string())?,
            SyncOptions::default(),
        )
        .await
        .map_err(|e| format!("the client cannot log on to public folders: {e}"))?;
        let mut admin = RopSession::new(self.target.connect(None), &dn).public_folders();
        let info = admin
            .logon()
            .await
            .map_err(|e| format!("the other session cannot log on to public folders: {e}"))?;
        let ipm = Fid::from_u64_le(
            *info
                .folder_ids
                .get(1)
                .ok_or("RopLogon: no public IPM_SUBTREE")?,
        );
        self.client = client;
        self.admin = admin;
        self.admin_raw = self.target.connect(None);
        self.admin_logon = info.logon.0;
        self.replguid = info.replguid;
        self.ipm = ipm;
        self.folders.clear();
        self.folders.insert("root".to_owned(), ipm);
        self.parents.clear();
        self.messages.clear();
        self.numbering.clear();
        Ok(())
    }
}
