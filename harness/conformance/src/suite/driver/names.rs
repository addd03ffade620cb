//! The scenario's names: folders and messages by name and by source key, numbering, scopes.

use ics_client::model::Scope;
use ics_wire::Fid;

use super::{Harness, Named, source_key};

impl Harness {
    /// The folder id of a folder name.
    pub fn folder(&self, name: &str) -> Result<Fid, String> {
        self.folders
            .get(name)
            .copied()
            .ok_or_else(|| format!("no folder named {name}"))
    }

    /// The scope folder `Sync`.
    pub fn sync_folder(&self) -> Result<Fid, String> {
        self.folder("Sync")
    }

    /// A named message.
    pub fn message(&self, name: &str) -> Result<Named, String> {
        self.messages
            .get(name)
            .copied()
            .ok_or_else(|| format!("no message named {name}"))
    }

    /// The name of the folder that holds a named message.
    pub fn folder_name_of(&self, m: &str) -> Result<String, String> {
        let fid = self.message(m)?.folder;
        self.folders
            .iter()
            .find(|(_, f)| **f == fid)
            .map(|(n, _)| n.clone())
            .ok_or_else(|| format!("the folder of {m} is unknown"))
    }

    /// The source key of a named message.
    pub fn message_key(&self, name: &str) -> Result<Vec<u8>, String> {
        Ok(source_key(self.replguid, self.message(name)?.mid.globcnt()))
    }

    /// The name of the message with that source key.
    pub fn name_of_key(&self, sk: &[u8]) -> Option<String> {
        self.messages
            .iter()
            .filter(|(n, _)| !n.contains('/'))
            .find(|(_, m)| source_key(self.replguid, m.mid.globcnt()) == sk)
            .map(|(n, _)| n.clone())
    }

    /// The name of the folder with that source key.
    pub fn folder_of_key(&self, sk: &[u8]) -> Option<String> {
        self.folders
            .iter()
            .find(|(_, f)| source_key(self.replguid, f.0.globcnt) == sk)
            .map(|(n, _)| n.clone())
    }

    /// The next message name in a folder.
    pub fn next_name(&mut self, fid: Fid, fai: bool) -> String {
        let n = self.numbering.entry((fid.to_u64_le(), fai)).or_insert(0);
        *n += 1;
        format!("{}{n}", if fai { 'f' } else { 'm' })
    }

    /// Records a message under `folder/name`, and under `name` unless the scope folder has it.
    pub fn name_message(&mut self, folder: &str, name: &str, m: Named) {
        self.messages.insert(format!("{folder}/{name}"), m);
        if folder == "Sync" || !self.messages.contains_key(name) {
            self.messages.insert(name.to_owned(), m);
        }
    }

    /// The scope of a folder.
    pub fn scope(&self, folder: &str, hierarchy: bool) -> Result<Scope, String> {
        let fid = self.folder(folder)?.to_u64_le();
        Ok(if hierarchy {
            Scope::hierarchy(fid)
        } else {
            Scope {
                restriction: self.params.restriction.clone(),
                ..Scope::contents(fid)
            }
        })
    }
}
