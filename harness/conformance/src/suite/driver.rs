//! What a scenario drives: the target (through ROP buffers only), the reference client with
//! its replica, the "other session" that makes server-side changes with ordinary setup ROPs,
//! the request parameters in force, and every download, kept raw and parsed.

use std::collections::BTreeMap;
use std::time::Duration;

use ics_client::convert::Converter;
use ics_client::model::{Scope, StateBlobs, SyncType};
use ics_client::sync::busy::{BusyEvent, BusyPolicy};
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_client::sync::ids::ReplicaMap;
use ics_client::sync::ops::{
    BufferSize, Configure, GetBufferReply, IcsOps, Obj, OpError, TransferStatus,
};
use ics_client::sync::rop_session::RopSession;
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::{FolderType, MessageOpenModeFlags, ReadFlags, SaveFlags};
use ics_wire::rop::folder::{CreateFolderRequest, FolderString, OpenFolderRequest};
use ics_wire::rop::message::{
    CreateMessageRequest, DeleteMessagesRequest, OpenMessageRequest, SaveChangesMessageRequest,
    SetMessageReadFlagRequest,
};
use ics_wire::rop::property::{DeletePropertiesRequest, SetPropertiesRequest};
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::state::IcsState;
use ics_wire::{Fid, Gid, GlobCnt, Mid, ReplGuid};

use crate::lifecycle::{Lifecycle, is_connection_lost};
use crate::outcome::Observed;
use crate::remote::{self, Conn, TargetHandle};
use crate::target::Trace;

pub mod attach;
pub mod attachments_read;
pub mod owner_inbox;
pub mod rawrop;
mod rollback;

/// The client's ROP layer over the traced connection.
mod public;

pub type Ops = RopSession<Conn>;

const NO_HANDLE: u32 = 0xFFFF_FFFF;
/// PidTagImportance.
pub const PID_TAG_IMPORTANCE: PropTag = PropTag(0x0017_0003);
/// The base delivery time of the set-up messages (2026-01-01, FILETIME).
const DELIVERY_BASE: u64 = 134_115_552_000_000_000;

/// Request parameters in force (features/README.md, "Default request parameters").
#[derive(Clone, Debug)]
pub struct Params {
    pub send_options: u8,
    pub contents_flags: u16,
    pub hierarchy_flags: u16,
    pub extra_flags: u32,
    pub property_tags: Vec<PropTag>,
    pub restriction: Vec<u8>,
    pub buffer: BufferSize,
    pub state_chunk: usize,
    pub max_retries: u32,
    /// The tag the client uploads MetaTagIdsetGiven with.
    pub idset_given_tag: PropTag,
    /// A probe: an empty UploadStateStreamContinue after each property's data.
    pub zero_continue: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            send_options: 0x01,
            contents_flags: 0x0001 | 0x0020 | 0x0010 | 0x0008 | 0x0100,
            hierarchy_flags: 0x0001 | 0x0100,
            extra_flags: 0,
            property_tags: Vec::new(),
            restriction: Vec::new(),
            buffer: BufferSize::Babe { max: 32767 },
            state_chunk: 4096,
            max_retries: 8,
            idset_given_tag: ics_wire::state::META_TAG_IDSET_GIVEN,
            zero_continue: false,
        }
    }
}

/// How the state is uploaded before a download.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateMode {
    Empty,
    Saved,
    None,
    /// An empty state except for one property with the given bytes (a probe).
    Property(PropTag, Vec<u8>),
}

/// The position of a state property tag in [`StateBlobs`] order.
fn state_slot(tag: PropTag) -> Option<u8> {
    match tag.id() {
        0x4017 => Some(0),
        0x6796 => Some(1),
        0x67DA => Some(2),
        0x67D2 => Some(3),
        _ => None,
    }
}

/// One GetBuffer answer of a download.
#[derive(Clone, Debug)]
pub struct GetBufferRec {
    pub reply: GetBufferReply,
}

/// One download: what was asked, what came back, what was applied.
#[derive(Clone, Debug, Default)]
pub struct DownloadRec {
    pub scope: Option<Scope>,
    pub configure: Observed,
    pub configure_request: Option<Configure>,
    pub state_upload: Option<Observed>,
    pub get_buffers: Vec<GetBufferRec>,
    pub first_get_buffer: Option<Observed>,
    /// How the download ended (the last GetBuffer, or the failure before it).
    pub download: Observed,
    pub busy: Vec<BusyEvent>,
    pub bytes: Vec<u8>,
    pub root: Option<ft::Root>,
    pub final_state: Option<IcsState>,
    pub initial_state: StateBlobs,
    pub error: Option<String>,
    /// The trace positions of this download (first, end).
    pub trace: (usize, usize),
}

impl DownloadRec {
    /// The contentsSync of the download.
    pub fn contents(&self) -> Result<&ft::ContentsSync, String> {
        match &self.root {
            Some(ft::Root::ContentsSync(cs)) => Ok(cs),
            Some(r) => Err(format!("the download is a {}", r.kind().name())),
            None => Err(format!(
                "the download produced no stream ({})",
                self.error.as_deref().unwrap_or("no error recorded")
            )),
        }
    }

    /// The hierarchySync of the download.
    pub fn hierarchy(&self) -> Result<&ft::HierarchySync, String> {
        match &self.root {
            Some(ft::Root::HierarchySync(hs)) => Ok(hs),
            Some(r) => Err(format!("the download is a {}", r.kind().name())),
            None => Err("the download produced no stream".into()),
        }
    }

    /// The final state element.
    pub fn state(&self) -> Result<&IcsState, String> {
        self.final_state
            .as_ref()
            .ok_or_else(|| "the download has no final state".to_string())
    }
}

/// A message the scenario knows by name.
#[derive(Clone, Copy, Debug)]
pub struct Named {
    pub folder: Fid,
    pub mid: Mid,
    pub fai: bool,
}

/// A message as the server has it, read back with a fresh full download.
#[derive(Clone, Debug)]
pub struct ServerMessage {
    pub source_key: Vec<u8>,
    pub last_modified: u64,
    pub cn: Option<u64>,
    pub fai: bool,
    pub props: Vec<ft::FtProp>,
    /// The messageChangeHeader (PidTagChangeKey, PidTagPredecessorChangeList ...).
    pub header: Vec<ft::FtProp>,
    /// Its recipients and attachments.
    pub children: ft::MessageChildren,
}

/// Everything one scenario drives.
pub struct Harness {
    pub target: TargetHandle,
    pub trace: Trace,
    pub client: Client<Ops>,
    admin: Ops,
    admin_raw: Conn,
    admin_logon: u32,
    pub replguid: ReplGuid,
    pub ipm: Fid,
    pub folders: BTreeMap<String, Fid>,
    /// The parent of each created folder.
    pub parents: BTreeMap<String, String>,
    pub messages: BTreeMap<String, Named>,
    /// The last message number per folder and kind (names are `m<n>` / `f<n>` per folder).
    numbering: BTreeMap<(u64, bool), u32>,
    created: u64,
    pub params: Params,
    pub downloads: Vec<DownloadRec>,
    /// The last ROP of the last action and how it ended.
    pub last: Option<(String, Observed)>,
    /// The saved state of the scope before the last synchronization.
    pub state_before: Option<StateBlobs>,
    /// The uploads of the scenario.
    pub uploads: Vec<UploadRec>,
    /// The state read from a GetTransferState context.
    pub returned_state: Option<IcsState>,
    /// The reservations made with RopGetLocalReplicaIds.
    pub reservations: Vec<Reservation>,
    /// The download context of the last synchronization, still open.
    pub open_ctx: Option<Obj>,
    /// The ReturnValue and the returned handle of the last configure-only action.
    pub last_configure_handle: Option<(u32, u32)>,
    /// The client's life cycle: its database file, restarts, crashes, copies.
    pub life: Lifecycle,
    /// The server's PCL of each message with a local change, read right before the last
    /// upload without FailOnConflict (source key, PCL): the versions a conflict resolve
    /// message must succeed.
    pub server_pcls_before_upload: BTreeMap<Vec<u8>, Vec<u8>>,
    /// The recipients and attachments the scenario gave each message ([`attach`]).
    pub subobjects: BTreeMap<String, attach::Subobjects>,
}

/// One RopGetLocalReplicaIds of the scenario.
#[derive(Clone, Debug)]
pub struct Reservation {
    pub count: u32,
    pub observed: Observed,
    pub range: Option<(ReplGuid, GlobCnt)>,
}

/// One upload of local changes by the client engine.
#[derive(Clone, Debug, Default)]
pub struct UploadRec {
    pub report: Option<ics_client::sync::engine::UploadReport>,
    pub error: Option<String>,
    /// The saved state right after the upload (the upload state merged by the client).
    pub state: Option<StateBlobs>,
    pub trace: (usize, usize),
}

/// One exchange of the ROP trace, decoded.
#[derive(Clone, Debug)]
pub struct Decoded {
    pub exchange: crate::target::Exchange,
    pub request: Option<RopRequestBuffer>,
    pub response: Option<RopResponseBuffer>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("messages", &self.messages.len())
            .field("downloads", &self.downloads.len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The code of a failed operation, for an [`Observed`].
pub fn observed_of(r: &Result<(), OpError>) -> Observed {
    match r {
        Ok(()) => Observed {
            return_value: Some(0),
            ..Observed::default()
        },
        Err(OpError::Rop { code, .. }) => Observed {
            return_value: Some(*code),
            ..Observed::default()
        },
        Err(OpError::Transport(ics_client::transport::TransportError::RpcStatus(c))) => Observed {
            rpc_failure: Some(*c),
            ..Observed::default()
        },
        Err(_) => Observed {
            rpc_failure: Some(0xFFFF_FFFF),
            ..Observed::default()
        },
    }
}

/// The ReturnValue of a ROP response: every response of [MS-OXCROPS] 2.2 starts with RopId,
/// a handle index and the ReturnValue. `None` for RopBufferTooSmall and RopBackoff.
pub fn return_value(r: &RopResponse) -> Option<u32> {
    if !r.answers_request() {
        return None;
    }
    let mut b = Vec::new();
    r.encode(&mut b).ok()?;
    Some(u32::from_le_bytes(b.get(2..6)?.try_into().ok()?))
}

/// The source key (GID, 22 bytes) of a server-assigned ID.
pub fn source_key(replguid: ReplGuid, globcnt: GlobCnt) -> Vec<u8> {
    Gid { replguid, globcnt }.to_bytes().to_vec()
}

/// A property of a stream element, by tag id.
pub fn find_prop(props: &[ft::FtProp], tag: PropTag) -> Option<&PropValue> {
    props
        .iter()
        .find(|p| p.name.is_none() && p.tag.id() == tag.id())
        .map(|p| &p.value)
}

impl Harness {
    /// Connects the client and the other session to a fresh reference mailbox.
    pub async fn reference() -> Result<Self, String> {
        Self::on(TargetHandle::Reference(crate::target::Reference::new())).await
    }

    /// Connects to the run's target: the in-process reference server, or a remote account
    /// leased for this scenario ([`remote::open`]).
    pub async fn open() -> Result<Self, String> {
        Self::on(remote::open().await?).await
    }

    /// Connects the client and the other session to `target`.
    pub async fn on(target: TargetHandle) -> Result<Self, String> {
        let trace = Trace::default();
        let dn = target.mailbox_dn();
        let ops = RopSession::new(target.connect(Some(trace.clone())), &dn);
        let life = Lifecycle::new()?;
        let client = Client::connect(ops, life.open_replica()?, SyncOptions::default())
            .await
            .map_err(|e| format!("the client cannot log on: {e}"))?;
        let mut admin = RopSession::new(target.connect(None), &dn);
        let info = admin
            .logon()
            .await
            .map_err(|e| format!("the other session cannot log on: {e}"))?;
        let ipm = Fid::from_u64_le(*info.folder_ids.get(3).ok_or("RopLogon: no IPM subtree")?);
        let mut folders = BTreeMap::new();
        folders.insert("root".to_owned(), ipm);
        Ok(Harness {
            admin_raw: target.connect(None),
            target,
            trace,
            replguid: info.replguid,
            admin_logon: info.logon.0,
            client,
            admin,
            ipm,
            folders,
            parents: BTreeMap::new(),
            messages: BTreeMap::new(),
            numbering: BTreeMap::new(),
            created: 0,
            params: Params::default(),
            downloads: Vec::new(),
            last: None,
            state_before: None,
            last_configure_handle: None,
            uploads: Vec::new(),
            open_ctx: None,
            reservations: Vec::new(),
            returned_state: None,
            life,
            server_pcls_before_upload: BTreeMap::new(),
            subobjects: BTreeMap::new(),
        })
    }

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
    fn admin_call(
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

    fn open_folder_rop(fid: Fid) -> RopRequest {
        RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: fid,
            open_mode_flags: Default::default(),
        })
    }

    fn release_rop(slot: u8) -> RopRequest {
        RopRequest::Release(InputHandleRequest {
            logon_id: 0,
            input_handle_index: slot,
        })
    }

    fn check(resps: &[RopResponse], what: &str) -> Result<(), String> {
        for r in resps {
            let code = return_value(r).unwrap_or(u32::MAX);
            if code != 0 {
                return Err(format!("{what}: {} failed with 0x{code:08X}", r.name()));
            }
        }
        Ok(())
    }

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

    /// The name of the folder with that source key.
    pub fn folder_of_key(&self, sk: &[u8]) -> Option<String> {
        self.folders
            .iter()
            .find(|(_, f)| source_key(self.replguid, f.0.globcnt) == sk)
            .map(|(n, _)| n.clone())
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

    /// A contents download of `folder` on the other session from `state` with `cfg`, parsed:
    /// a read-back that leaves the client, its ROP trace and its downloads alone.
    pub async fn read_back_from_state(
        &mut self,
        folder: &str,
        cfg: &Configure,
        state: &StateBlobs,
    ) -> Result<ft::ContentsSync, String> {
        let fid = self.folder(folder)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let bytes = read_back_stream(ops, f, cfg, Some(state)).await?;
        match ft::parse(RootKind::ContentsSync, &bytes) {
            Ok(ft::Root::ContentsSync(cs)) => Ok(cs),
            Ok(r) => Err(format!("read-back download: a {}", r.kind().name())),
            Err(e) => Err(format!("read-back download: {e}")),
        }
    }

    /// The folders below `root` as the server has them, read back with a fresh hierarchy
    /// download on the other session: (source key, parent source key, display name).
    pub async fn server_folders(
        &mut self,
        root: &str,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>, String)>, String> {
        let fid = self.folder(root)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let cfg = Configure {
            sync_type: SyncType::Hierarchy,
            send_options: 0x01,
            sync_flags: 0x0001 | 0x0100,
            restriction: Vec::new(),
            extra_flags: 0x1,
            property_tags: Vec::new(),
        };
        let bytes = read_back_stream(ops, f, &cfg, None).await?;
        let Ok(ft::Root::HierarchySync(hs)) = ft::parse(RootKind::HierarchySync, &bytes) else {
            return Err("read-back download: not a hierarchySync".into());
        };
        let bin = |p: &[ft::FtProp], t| match find_prop(p, t) {
            Some(PropValue::Binary(b)) => b.clone(),
            _ => Vec::new(),
        };
        Ok(hs
            .folder_changes
            .iter()
            .map(|c| {
                let name = match find_prop(&c.props, tags::PID_TAG_DISPLAY_NAME) {
                    Some(PropValue::Unicode(u)) => u.to_string_lossy(),
                    Some(PropValue::String8(b)) => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                };
                (
                    bin(&c.props, tags::PID_TAG_SOURCE_KEY),
                    bin(&c.props, tags::PID_TAG_PARENT_SOURCE_KEY),
                    name,
                )
            })
            .collect())
    }

    /// The properties every set-up message gets.
    fn setup_props(&mut self, name: &str) -> Vec<TaggedValue> {
        self.created += 1;
        vec![
            TaggedValue {
                tag: tags::PID_TAG_MESSAGE_CLASS,
                value: PropValue::unicode("IPM.Note"),
            },
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode(&format!("subject of {name}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode(&format!("body of {name}")),
            },
            TaggedValue {
                tag: tags::PID_TAG_MESSAGE_DELIVERY_TIME,
                value: PropValue::Time(DELIVERY_BASE + self.created * 10_000_000),
            },
            TaggedValue {
                tag: PID_TAG_IMPORTANCE,
                value: PropValue::I32(1),
            },
        ]
    }

    /// Creates the next normal (`m<n>`) or FAI (`f<n>`) message in `folder` through
    /// RopCreateMessage, RopSetProperties and RopSaveChangesMessage.
    pub fn create_message(
        &mut self,
        folder: &str,
        fai: bool,
        extra: &[TaggedValue],
    ) -> Result<String, String> {
        let fid = self.folder(folder)?;
        let name = self.next_name(fid, fai);
        let mut props = self.setup_props(&name);
        for e in extra {
            props.retain(|p| p.tag.id() != e.tag.id());
            props.push(e.clone());
        }
        let mut rops = vec![
            Self::open_folder_rop(fid),
            RopRequest::CreateMessage(CreateMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: fid,
                associated_flag: u8::from(fai),
            }),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 2,
                property_values: props
                    .into_iter()
                    .map(|v| TaggedPropertyValue::new(v.tag, v.value))
                    .collect(),
            }),
            RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        if !fai {
            // One recipient (features/README.md, "The mailbox").
            rops.insert(3, attach::modify_recipients_rop(2, &name, 1)?);
        }
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, "creating a message")?;
        let mid = resps
            .iter()
            .find_map(|r| match r {
                RopResponse::SaveChangesMessage(s) => s.result.success().map(|s| s.message_id),
                _ => None,
            })
            .ok_or("RopSaveChangesMessage: no MessageId")?;
        self.name_message(
            folder,
            &name,
            Named {
                folder: fid,
                mid,
                fai,
            },
        );
        if !fai {
            self.subobjects.entry(name.clone()).or_default().recipients = 1;
        }
        Ok(name)
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

    /// Opens a message and applies `rop` (SetProperties, DeleteProperties,
    /// SetMessageReadFlag) on slot 2, then saves it if `save`.
    fn edit_message(&mut self, name: &str, edit: RopRequest, save: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let mut rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                message_id: m.mid,
            }),
            edit,
        ];
        if save {
            rops.push(RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }));
        }
        rops.push(Self::release_rop(2));
        rops.push(Self::release_rop(1));
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, &format!("changing message {name}"))
    }

    /// Every property of a message as RopOpenMessage + RopGetPropertiesAll on the other
    /// session return it ([MS-OXCPRPT] 2.2.2.4): a read outside synchronization, which also
    /// sees a message that is never synchronized as such (a conflict resolve message,
    /// [MS-OXCFXICS] 3.1.5.6.2.1).
    pub fn server_message_properties(
        &mut self,
        name: &str,
    ) -> Result<Vec<ics_wire::prop::TaggedValue>, String> {
        let get = RopRequest::GetPropertiesAll(ics_wire::rop::property::GetPropertiesAllRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_size_limit: 0,
            want_unicode: 1,
        });
        let m = self.message(name)?;
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::default(),
                message_id: m.mid,
            }),
            get,
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, &format!("reading message {name}"))?;
        match &resps[2] {
            RopResponse::GetPropertiesAll(r) => match &r.result {
                ics_wire::rop::common::RopResult::Success(s) => {
                    Ok(s.property_values.iter().map(|v| v.0.clone()).collect())
                }
                ics_wire::rop::common::RopResult::Failure(e) => {
                    Err(format!("RopGetPropertiesAll of {name}: {e:?}"))
                }
            },
            other => Err(format!("reading message {name}: {}", other.name())),
        }
    }

    /// The request buffer that modifies a message (a new PidTagSubject), for a change that
    /// races a download.
    pub fn modify_request(&self, name: &str) -> Result<Vec<u8>, String> {
        let m = self.message(name)?;
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                message_id: m.mid,
            }),
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 2,
                property_values: vec![TaggedPropertyValue::new(
                    tags::PID_TAG_SUBJECT,
                    PropValue::unicode(&format!("raced subject of {name}")),
                )],
            }),
            RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 2,
                input_handle_index: 2,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        RopRequestBuffer {
            rops,
            handles: vec![self.admin_logon, NO_HANDLE, NO_HANDLE],
        }
        .encode()
        .map_err(|e| e.to_string())
    }

    /// RopMoveCopyMessages: move to a folder outside the scope, or copy into the same folder
    /// (the copy is the next `m` name).
    pub fn move_copy(&mut self, name: &str, copy: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let dest = if copy {
            m.folder
        } else {
            match self.folders.get("Elsewhere") {
                Some(f) => *f,
                None => self.create_folder("root", "Elsewhere")?,
            }
        };
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenFolder(OpenFolderRequest {
                logon_id: 0,
                input_handle_index: 0,
                output_handle_index: 2,
                folder_id: dest,
                open_mode_flags: Default::default(),
            }),
            RopRequest::MoveCopyMessages(ics_wire::rop::message::MoveCopyMessagesRequest {
                logon_id: 0,
                source_handle_index: 1,
                dest_handle_index: 2,
                message_ids: vec![m.mid],
                want_asynchronous: 0,
                want_copy: u8::from(copy),
            }),
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, "RopMoveCopyMessages")
    }

    /// RopSetProperties + RopSaveChangesMessage on the server.
    pub fn set_property(
        &mut self,
        name: &str,
        tag: PropTag,
        value: PropValue,
    ) -> Result<(), String> {
        let rop = RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_values: vec![TaggedPropertyValue::new(tag, value)],
        });
        self.edit_message(name, rop, true)
    }

    /// RopDeleteProperties + RopSaveChangesMessage on the server.
    pub fn delete_property(&mut self, name: &str, tag: PropTag) -> Result<(), String> {
        let rop = RopRequest::DeleteProperties(DeletePropertiesRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_tags: vec![tag],
        });
        self.edit_message(name, rop, true)
    }

    /// RopSetMessageReadFlag on the server.
    pub fn set_read(&mut self, name: &str, read: bool) -> Result<(), String> {
        let rop = RopRequest::SetMessageReadFlag(SetMessageReadFlagRequest {
            logon_id: 0,
            response_handle_index: 2,
            input_handle_index: 2,
            read_flags: if read {
                ReadFlags(0)
            } else {
                ReadFlags::RF_CLEAR_READ_FLAG
            },
            client_data: None,
        });
        self.edit_message(name, rop, false)
    }

    /// RopDeleteMessages / RopHardDeleteMessages on the server.
    pub fn delete_message(&mut self, name: &str, hard: bool) -> Result<(), String> {
        let m = self.message(name)?;
        let req = DeleteMessagesRequest {
            logon_id: 0,
            input_handle_index: 1,
            want_asynchronous: 0,
            notify_non_read: 0,
            message_ids: vec![m.mid],
        };
        let rops = vec![
            Self::open_folder_rop(m.folder),
            if hard {
                RopRequest::HardDeleteMessages(req)
            } else {
                RopRequest::DeleteMessages(req)
            },
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 1)?;
        Self::check(&resps, &format!("deleting message {name}"))
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

    /// The client engine uploads the local changes of a folder (ICS upload: collector,
    /// state upload, imports, GetTransferState), then its state is saved.
    pub async fn upload(&mut self, folder: &str) -> UploadRec {
        let start = self.trace_len();
        let mut rec = UploadRec::default();
        match self.folder(folder) {
            Err(e) => rec.error = Some(e),
            Ok(fid) => match self.start_session().await {
                Err(e) => rec.error = Some(e),
                Ok(()) => match self.client.upload_contents(fid.to_u64_le()).await {
                    Ok(r) => rec.report = Some(r),
                    Err(e) => rec.error = Some(e.to_string()),
                },
            },
        }
        if let Ok(scope) = self.scope(folder, false) {
            rec.state = self.client.replica().state(&scope).ok();
        }
        rec.trace = (start, self.trace_len());
        self.uploads.push(rec.clone());
        rec
    }

    /// The ROP trace from position `from`, decoded.
    pub fn trace_from(&self, from: usize) -> Vec<Decoded> {
        lock(&self.trace)
            .iter()
            .skip(from)
            .map(|x| {
                let request = RopRequestBuffer::decode(&x.request).ok();
                let response = match (&request, &x.response) {
                    (Some(q), Ok(r)) => {
                        RopResponseBuffer::decode(r, q, &ResponseContext::default()).ok()
                    }
                    _ => None,
                };
                Decoded {
                    exchange: x.clone(),
                    request,
                    response,
                }
            })
            .collect()
    }

    /// The length of the ROP trace.
    pub fn trace_len(&self) -> usize {
        lock(&self.trace).len()
    }

    /// RopSynchronizationConfigure with a raw SynchronizationType, on the client's traced
    /// connection (a probe the reference client would not send).
    pub async fn configure_raw_type(&mut self, sync_type: u8) -> Result<Observed, String> {
        self.release_open_context().await;
        let fid = self.sync_folder()?;
        let folder = self
            .client
            .ops_mut()
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        let req = RopRequestBuffer {
            rops: vec![RopRequest::SynchronizationConfigure(
                ics_wire::rop::sync::SynchronizationConfigureRequest {
                    logon_id: 0,
                    input_handle_index: 0,
                    output_handle_index: 1,
                    synchronization_type: ics_wire::rop::flags::SynchronizationType(sync_type),
                    send_options: ics_wire::rop::flags::SendOptions(self.params.send_options),
                    synchronization_flags: ics_wire::rop::flags::SynchronizationFlags(
                        self.params.contents_flags,
                    ),
                    restriction_data: None,
                    synchronization_extra_flags: ics_wire::rop::flags::SynchronizationExtraFlags(
                        self.params.extra_flags,
                    ),
                    property_tags: Vec::new(),
                },
            )],
            handles: vec![folder.0, NO_HANDLE],
        };
        let bytes = req.encode().map_err(|e| e.to_string())?;
        let out = {
            use ics_client::transport::RopTransport as _;
            self.client.ops_mut().transport_mut().execute(bytes).await
        };
        let obs = match out {
            Err(ics_client::transport::TransportError::RpcStatus(c)) => Observed {
                rpc_failure: Some(c),
                ..Observed::default()
            },
            Err(e) => return Err(e.to_string()),
            Ok(out) => {
                let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
                    .map_err(|e| e.to_string())?;
                let rv = resp.rops.first().and_then(return_value);
                let handle = resp.handles.get(1).copied().unwrap_or(NO_HANDLE);
                self.last_configure_handle = Some((rv.unwrap_or(u32::MAX), handle));
                if rv == Some(0) && handle != NO_HANDLE {
                    let _ = self.client.ops_mut().release(Obj(handle)).await;
                }
                Observed {
                    return_value: rv,
                    buffer_too_small: rv.is_none(),
                    ..Observed::default()
                }
            }
        };
        let _ = self.client.ops_mut().release(folder).await;
        Ok(obs)
    }

    /// One ROP sent as is on `obj` (a probe the reference client would not build), with
    /// room for one output handle; its ReturnValue. The output handle, if any, is released.
    pub async fn raw_rop(&mut self, obj: Obj, rop: RopRequest) -> Result<Observed, String> {
        let req = RopRequestBuffer {
            rops: vec![rop],
            handles: vec![obj.0, NO_HANDLE],
        };
        let bytes = req.encode().map_err(|e| e.to_string())?;
        let out = {
            use ics_client::transport::RopTransport as _;
            self.client.ops_mut().transport_mut().execute(bytes).await
        };
        match out {
            Err(ics_client::transport::TransportError::RpcStatus(c)) => Ok(Observed {
                rpc_failure: Some(c),
                ..Observed::default()
            }),
            Err(e) => Err(e.to_string()),
            Ok(out) => {
                let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
                    .map_err(|e| e.to_string())?;
                let rv = resp.rops.first().and_then(return_value);
                let handle = resp.handles.get(1).copied().unwrap_or(NO_HANDLE);
                if rv == Some(0) && handle != NO_HANDLE {
                    let _ = self.client.ops_mut().release(Obj(handle)).await;
                }
                Ok(Observed {
                    return_value: rv,
                    buffer_too_small: rv.is_none(),
                    ..Observed::default()
                })
            }
        }
    }

    /// RopOpenFolder of the folder of the Sync scope and RopSynchronizationOpenCollector on it
    /// (contents or hierarchy): (folder, collector).
    pub async fn open_collector(&mut self, contents: bool) -> Result<(Obj, Obj), String> {
        self.release_open_context().await;
        let fid = self.sync_folder()?;
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        match ops.open_collector(folder, contents).await {
            Ok(c) => Ok((folder, c)),
            Err(e) => {
                let _ = ops.release(folder).await;
                Err(format!("RopSynchronizationOpenCollector: {e}"))
            }
        }
    }

    /// RopOpenFolder + RopSynchronizationConfigure only (then the context is released).
    pub async fn configure_only(&mut self, scope: &Scope) -> Result<Observed, String> {
        self.release_open_context().await;
        let cfg = self.configure_request(scope);
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(scope.folder_fid)
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        let r = ops.configure(folder, &cfg).await;
        let handle = self
            .trace_from(self.trace_len().saturating_sub(1))
            .pop()
            .and_then(|d| d.response)
            .and_then(|r| r.handles.get(1).copied())
            .unwrap_or(NO_HANDLE);
        let ops = self.client.ops_mut();
        let obs = match r {
            Ok(ctx) => {
                // Kept open for probes on the configured context (released by the next action).
                self.open_ctx = Some(ctx);
                observed_of(&Ok(()))
            }
            Err(e) => observed_of(&Err(e)),
        };
        let _ = ops.release(folder).await;
        self.last_configure_handle = Some((obs.return_value.unwrap_or(u32::MAX), handle));
        Ok(obs)
    }

    /// The RopSynchronizationConfigure request of a scope under the current parameters.
    pub fn configure_request(&self, scope: &Scope) -> Configure {
        let p = &self.params;
        match scope.sync_type {
            SyncType::Contents => Configure {
                sync_type: SyncType::Contents,
                send_options: p.send_options,
                sync_flags: p.contents_flags,
                restriction: p.restriction.clone(),
                extra_flags: p.extra_flags,
                property_tags: p.property_tags.clone(),
            },
            SyncType::Hierarchy => Configure {
                sync_type: SyncType::Hierarchy,
                send_options: p.send_options,
                sync_flags: p.hierarchy_flags,
                restriction: Vec::new(),
                extra_flags: p.extra_flags,
                property_tags: p.property_tags.clone(),
            },
        }
    }

    /// A full ICS download of `scope` by the reference client: RopOpenFolder,
    /// RopSynchronizationConfigure, the state upload, GetBuffer until Done (backing off on
    /// busy answers with the client's policy), then the client applies it to its replica with
    /// the final state. Failures are recorded in the returned download, never panics.
    pub async fn synchronize(&mut self, scope: &Scope, mode: StateMode) -> DownloadRec {
        self.release_open_context().await;
        let start = lock(&self.trace).len();
        let mut rec = DownloadRec {
            scope: Some(scope.clone()),
            ..DownloadRec::default()
        };
        self.state_before = self.client.replica().state(scope).ok();
        let r = match self.start_session().await {
            Ok(()) => self.synchronize_in(scope, mode, &mut rec).await,
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            rec.error = Some(e);
        }
        if std::mem::take(&mut self.life.connection_lost)
            && let Err(e) = self.reconnect_after_loss().await
        {
            rec.error = Some(format!("{}; {e}", rec.error.unwrap_or_default()));
        }
        rec.trace = (start, lock(&self.trace).len());
        self.last = Some(("download".into(), rec.download.clone()));
        rec
    }

    async fn synchronize_in(
        &mut self,
        scope: &Scope,
        mode: StateMode,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        let cfg = self.configure_request(scope);
        rec.configure_request = Some(cfg.clone());
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(scope.folder_fid)
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        let configured = ops.configure(folder, &cfg).await;
        let ctx = match configured {
            Ok(ctx) => {
                rec.configure = observed_of(&Ok(()));
                ctx
            }
            Err(e) => {
                let message = format!("RopSynchronizationConfigure: {e}");
                rec.configure = observed_of(&Err(e));
                rec.download = rec.configure.clone();
                let _ = self.client.ops_mut().release(folder).await;
                return Err(message);
            }
        };
        let r = self.download_on(ctx, scope, mode, rec).await;
        // The folder is released at once; the download context stays open until the next
        // action, so that a probe can call GetBuffer again on the finished or failed context.
        let _ = self.client.ops_mut().release(folder).await;
        self.open_ctx = Some(ctx);
        r?;
        self.apply(scope, rec)
    }

    /// A download left in progress after one GetBuffer, or cancelled there (the context is
    /// released and the data read is discarded: nothing is applied, the state is kept).
    pub async fn start_download(
        &mut self,
        scope: &Scope,
        mode: StateMode,
        cancel: bool,
    ) -> Result<DownloadRec, String> {
        self.release_open_context().await;
        let start = self.trace_len();
        let mut rec = DownloadRec {
            scope: Some(scope.clone()),
            ..DownloadRec::default()
        };
        self.state_before = self.client.replica().state(scope).ok();
        let cfg = self.configure_request(scope);
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(scope.folder_fid)
            .await
            .map_err(|e| e.to_string())?;
        let ctx = ops
            .configure(folder, &cfg)
            .await
            .map_err(|e| e.to_string())?;
        let _ = ops.release(folder).await;
        let saved = self
            .client
            .replica()
            .state(scope)
            .map_err(|e| e.to_string())?;
        let state = if mode == StateMode::Saved {
            saved
        } else {
            StateBlobs::default()
        };
        rec.initial_state = state.clone();
        self.upload_state(ctx, scope.sync_type, &state)
            .await
            .map_err(|e| format!("state upload: {e}"))?;
        match self
            .client
            .ops_mut()
            .get_buffer(ctx, self.params.buffer)
            .await
        {
            Ok(GetBufferReply::Data { buffer, .. }) => rec.bytes = buffer,
            other => return Err(format!("the first GetBuffer: {other:?}")),
        }
        if cancel {
            let _ = self.client.ops_mut().release(ctx).await;
            rec.error = Some("cancelled by the client after the first buffer".into());
        } else {
            self.open_ctx = Some(ctx);
            rec.error = Some("left in progress after the first buffer".into());
        }
        rec.trace = (start, self.trace_len());
        Ok(rec)
    }

    /// RopSynchronizationGetTransferState on the open context, then its stream read to Done.
    pub async fn read_transfer_state(&mut self) -> Result<IcsState, String> {
        let ctx = self.open_ctx.ok_or("no synchronization context is open")?;
        let ops = self.client.ops_mut();
        let sctx = ops
            .get_transfer_state(ctx)
            .await
            .map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        loop {
            match ops.get_buffer(sctx, BufferSize::Babe { max: 32767 }).await {
                Ok(GetBufferReply::Data { status, buffer, .. }) => {
                    bytes.extend_from_slice(&buffer);
                    if status == TransferStatus::Done {
                        break;
                    }
                    if status != TransferStatus::Partial {
                        return Err(format!("the state stream: TransferStatus {status:?}"));
                    }
                }
                other => return Err(format!("the state stream: {other:?}")),
            }
        }
        let _ = ops.release(sctx).await;
        let Ok(ft::Root::State(s)) = ft::parse(RootKind::State, &bytes) else {
            return Err("the GetTransferState stream is not a state element".into());
        };
        let props: Vec<TaggedValue> = s
            .props
            .iter()
            .map(|p| TaggedValue {
                tag: p.tag,
                value: p.value.clone(),
            })
            .collect();
        IcsState::from_props(&props).map_err(|e| format!("the returned state: {e}"))
    }

    /// Releases the download context kept open by the last synchronization.
    pub async fn release_open_context(&mut self) {
        if let Some(ctx) = self.open_ctx.take() {
            let _ = self.client.ops_mut().release(ctx).await;
        }
    }

    /// One more GetBuffer on the context of the last synchronization (a probe).
    pub async fn get_buffer_again(&mut self) -> Result<Observed, String> {
        let ctx = self
            .open_ctx
            .ok_or("no context of the last synchronization is open")?;
        let earlier = self
            .downloads
            .last()
            .and_then(|d| d.download.return_value)
            .filter(|c| *c != 0);
        let r = self
            .client
            .ops_mut()
            .get_buffer(ctx, self.params.buffer)
            .await;
        let mut obs = match r {
            Ok(GetBufferReply::Data { status, buffer, .. }) => Observed {
                return_value: Some(0),
                transfer_status_error: status == TransferStatus::Error,
                done_empty: status == TransferStatus::Done && buffer.is_empty(),
                ..Observed::default()
            },
            Ok(GetBufferReply::Busy { code, .. } | GetBufferReply::Failed(code)) => Observed {
                return_value: Some(code),
                ..Observed::default()
            },
            Err(e) => observed_of(&Err(e)),
        };
        obs.earlier_getbuffer_failure = earlier;
        Ok(obs)
    }

    /// The state upload of `mode` (none for [`StateMode::None`]) and GetBuffer until Done on
    /// the configured context `ctx`, parsed into `rec`; nothing is applied.
    pub async fn download_on(
        &mut self,
        ctx: Obj,
        scope: &Scope,
        mode: StateMode,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        let saved = self
            .client
            .replica()
            .state(scope)
            .map_err(|e| e.to_string())?;
        let mut state = match mode {
            StateMode::Saved => saved,
            _ => StateBlobs::default(),
        };
        if let StateMode::Property(tag, bytes) = &mode {
            let slot = match state_slot(*tag) {
                Some(0) => &mut state.idset_given,
                Some(1) => &mut state.cnset_seen,
                Some(2) => &mut state.cnset_seen_fai,
                _ => &mut state.cnset_read,
            };
            *slot = bytes.clone();
        }
        rec.initial_state = state.clone();
        if mode != StateMode::None {
            let r = self.upload_state(ctx, scope.sync_type, &state).await;
            rec.state_upload = Some(observed_of(&r));
            if let Err(e) = r {
                rec.download = observed_of(&Err(e));
                return Err(format!("state upload: {}", rec.download));
            }
        }
        let kind = match scope.sync_type {
            SyncType::Contents => RootKind::ContentsSync,
            SyncType::Hierarchy => RootKind::HierarchySync,
        };
        self.read_stream(ctx, rec).await?;
        let root = ft::parse(kind, &rec.bytes).map_err(|e| format!("the stream: {e}"))?;
        let state_el = match &root {
            ft::Root::ContentsSync(cs) => Some(&cs.state),
            ft::Root::HierarchySync(hs) => Some(&hs.state),
            _ => None,
        };
        if let Some(s) = state_el {
            let props: Vec<TaggedValue> = s
                .props
                .iter()
                .map(|p| TaggedValue {
                    tag: p.tag,
                    value: p.value.clone(),
                })
                .collect();
            rec.final_state =
                Some(IcsState::from_props(&props).map_err(|e| format!("the final state: {e}"))?);
        }
        rec.root = Some(root);
        Ok(())
    }

    /// RopFastTransferSourceCopyMessages of the named messages of the Sync folder, its
    /// stream read with the scenario's GetBuffer sizes and parsed as a `messageList`
    /// ([MS-OXCFXICS] 2.2.3.1.1.3, 2.2.4.3.17). Recorded as the last download.
    pub async fn copy_messages(
        &mut self,
        names: &[String],
        copy_flags: u8,
        send_options: u8,
    ) -> DownloadRec {
        self.release_open_context().await;
        let start = self.trace_len();
        let mut rec = DownloadRec::default();
        if let Err(e) = self
            .copy_in(names, copy_flags, send_options, &mut rec)
            .await
        {
            rec.error = Some(e);
        }
        rec.trace = (start, self.trace_len());
        self.last = Some((
            "RopFastTransferSourceCopyMessages".into(),
            rec.download.clone(),
        ));
        self.downloads.push(rec.clone());
        rec
    }

    async fn copy_in(
        &mut self,
        names: &[String],
        copy_flags: u8,
        send_options: u8,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        let mids = names
            .iter()
            .map(|n| self.message(n).map(|m| m.mid.to_u64_le()))
            .collect::<Result<Vec<_>, _>>()?;
        let fid = self.sync_folder()?;
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        let copied = ops
            .copy_messages(folder, &mids, copy_flags, send_options)
            .await;
        let _ = self.client.ops_mut().release(folder).await;
        let ctx = match copied {
            Ok(ctx) => ctx,
            Err(e) => {
                let message = format!("RopFastTransferSourceCopyMessages: {e}");
                rec.download = observed_of(&Err(e));
                return Err(message);
            }
        };
        self.open_ctx = Some(ctx);
        self.read_stream(ctx, rec).await?;
        rec.root = Some(
            ft::parse(RootKind::MessageList, &rec.bytes).map_err(|e| format!("the stream: {e}"))?,
        );
        Ok(())
    }

    /// Begin, Continue in pieces (none for an empty value, R-123), End, per property.
    async fn upload_state(
        &mut self,
        ctx: Obj,
        ty: SyncType,
        s: &StateBlobs,
    ) -> Result<(), OpError> {
        let mut props = vec![
            (self.params.idset_given_tag, &s.idset_given),
            (ics_wire::state::META_TAG_CNSET_SEEN, &s.cnset_seen),
        ];
        if ty == SyncType::Contents {
            props.push((ics_wire::state::META_TAG_CNSET_SEEN_FAI, &s.cnset_seen_fai));
            props.push((ics_wire::state::META_TAG_CNSET_READ, &s.cnset_read));
        }
        let chunk = self.params.state_chunk.max(1);
        let zero = self.params.zero_continue;
        let ops = self.client.ops_mut();
        for (tag, data) in props {
            ops.state_begin(ctx, tag, data.len() as u32).await?;
            for piece in data.chunks(chunk) {
                ops.state_continue(ctx, piece).await?;
            }
            if zero {
                ops.state_continue(ctx, &[]).await?;
            }
            ops.state_end(ctx).await?;
        }
        Ok(())
    }

    /// GetBuffer until Done, backing off on busy answers with the client's busy policy.
    async fn read_stream(&mut self, ctx: Obj, rec: &mut DownloadRec) -> Result<(), String> {
        let policy = BusyPolicy {
            max_retries: self.params.max_retries,
            default_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
        };
        let cancel = CancelToken::new();
        let mut retry = 0;
        let mut empty = 0;
        loop {
            let r = self
                .client
                .ops_mut()
                .get_buffer(ctx, self.params.buffer)
                .await;
            let reply = match r {
                Ok(reply) => reply,
                Err(e) => {
                    self.life.connection_lost |= is_connection_lost(&e);
                    rec.download = observed_of(&Err(e));
                    if rec.first_get_buffer.is_none() {
                        rec.first_get_buffer = Some(rec.download.clone());
                    }
                    return Err(format!("GetBuffer: {}", rec.download));
                }
            };
            rec.get_buffers.push(GetBufferRec {
                reply: reply.clone(),
            });
            let obs = match &reply {
                GetBufferReply::Data { status, buffer, .. } => Observed {
                    return_value: Some(0),
                    transfer_status_error: *status == TransferStatus::Error,
                    done_empty: *status == TransferStatus::Done && buffer.is_empty(),
                    ..Observed::default()
                },
                // The client reports RopBufferTooSmall as 0x0000047D; the trace tells which.
                GetBufferReply::Failed(ics_client::sync::ops::EC_BUFFER_TOO_SMALL)
                    if self.last_answer_was_buffer_too_small() =>
                {
                    Observed {
                        buffer_too_small: true,
                        ..Observed::default()
                    }
                }
                GetBufferReply::Busy { code, .. } | GetBufferReply::Failed(code) => Observed {
                    return_value: Some(*code),
                    ..Observed::default()
                },
            };
            if rec.first_get_buffer.is_none() {
                rec.first_get_buffer = Some(obs.clone());
            }
            rec.download = obs;
            match reply {
                GetBufferReply::Data { status, buffer, .. } => {
                    retry = 0;
                    // The client's bound on responses that bring nothing (no progress).
                    empty = if buffer.is_empty() { empty + 1 } else { 0 };
                    if empty >= ics_client::sync::engine::MAX_EMPTY_PORTIONS
                        && status != TransferStatus::Done
                    {
                        return Err(format!(
                            "no progress: {empty} GetBuffer responses in a row without data"
                        ));
                    }
                    rec.bytes.extend_from_slice(&buffer);
                    match status {
                        TransferStatus::Done => return Ok(()),
                        TransferStatus::Partial | TransferStatus::NoRoom => {}
                        s => return Err(format!("GetBuffer answered TransferStatus {s:?}")),
                    }
                }
                GetBufferReply::Busy { code, backoff_ms } => {
                    retry += 1;
                    let outcome = policy
                        .back_off(code, backoff_ms, retry, &cancel, &mut rec.busy)
                        .await;
                    if outcome != ics_client::sync::busy::BusyOutcome::Retry {
                        return Err(format!("the server stayed busy: {outcome:?}"));
                    }
                }
                GetBufferReply::Failed(code) => {
                    return Err(format!("GetBuffer failed with 0x{code:08X}"));
                }
            }
        }
    }

    /// Whether the last response of the ROP trace is RopBufferTooSmall ([MS-OXCROPS] 2.2.15.1).
    fn last_answer_was_buffer_too_small(&self) -> bool {
        self.trace_from(self.trace_len().saturating_sub(1))
            .pop()
            .and_then(|d| d.response)
            .is_some_and(|r| matches!(r.rops.first(), Some(RopResponse::BufferTooSmall(_))))
    }

    /// The client applies a complete download and its final state in one transaction.
    fn apply(&mut self, scope: &Scope, rec: &DownloadRec) -> Result<(), String> {
        let info = self.client.logon_info().clone();
        let map = ReplicaMap::new(info.replid, info.replguid);
        let resolve = move |b: &[u8]| map.resolve(b);
        let mut conv = Converter::new(&resolve);
        let (changes, state) = match &rec.root {
            Some(ft::Root::ContentsSync(cs)) => conv.contents_sync(cs),
            Some(ft::Root::HierarchySync(hs)) => conv.hierarchy_sync(hs),
            _ => return Err("no stream to apply".into()),
        }
        .map_err(|e| format!("the client cannot convert the stream: {e}"))?;
        let progress = self.before_apply(&changes);
        let replica = self.client.replica_mut();
        let r = (|| {
            let mut txn = replica.begin_download(scope).map_err(|e| e.to_string())?;
            for c in &changes {
                txn.apply(c)
                    .map_err(|e| format!("applying a change: {e}"))?;
                progress.applied_one();
            }
            txn.commit(&state).map_err(|e| e.to_string())
        })();
        self.after_apply(&progress, r.is_err());
        r.map(|_| ())
    }

    /// The messages of a folder as the server has them, read back through ROPs: a fresh
    /// full download (empty state, Eid and CN) on the other session.
    pub async fn server_messages(&mut self, folder: &str) -> Result<Vec<ServerMessage>, String> {
        let fid = self.folder(folder)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let cfg = Configure {
            sync_type: SyncType::Contents,
            send_options: 0x01,
            sync_flags: 0x0001 | 0x0008 | 0x0010 | 0x0020 | 0x0100,
            restriction: Vec::new(),
            extra_flags: 0x1 | 0x4,
            property_tags: Vec::new(),
        };
        let bytes = read_back_stream(ops, f, &cfg, None).await?;
        let Ok(ft::Root::ContentsSync(cs)) = ft::parse(RootKind::ContentsSync, &bytes) else {
            return Err("read-back download: not a contentsSync".into());
        };
        let mut out = Vec::new();
        for item in &cs.changes {
            let ft::ContentsSyncItem::Change { change, .. } = item else {
                continue;
            };
            let ft::MessageChange::Full(full) = change else {
                return Err("read-back download: a partial change from an empty state".into());
            };
            let sk = match find_prop(&full.header, tags::PID_TAG_SOURCE_KEY) {
                Some(PropValue::Binary(b)) => b.clone(),
                _ => return Err("read-back download: a change without PidTagSourceKey".into()),
            };
            let cn = match find_prop(&full.header, tags::PID_TAG_CHANGE_NUMBER) {
                Some(PropValue::I64(v)) => Some(*v as u64),
                _ => None,
            };
            let fai = matches!(
                find_prop(&full.header, tags::PID_TAG_ASSOCIATED),
                Some(PropValue::Boolean(true))
            );
            let last_modified = match find_prop(&full.header, tags::PID_TAG_LAST_MODIFICATION_TIME)
            {
                Some(PropValue::Time(t)) => *t,
                _ => 0,
            };
            out.push(ServerMessage {
                source_key: sk,
                last_modified,
                cn,
                fai,
                props: full.props.clone(),
                header: full.header.clone(),
                children: full.children.clone(),
            });
        }
        Ok(out)
    }
}

/// Reads a whole read-back download (configure on the opened folder `f`, no state or the four
/// contents state properties of `state`, GetBuffer with 0xBABE until Done), then releases the
/// context and the folder.
async fn read_back_stream(
    ops: &mut Ops,
    f: Obj,
    cfg: &Configure,
    state: Option<&StateBlobs>,
) -> Result<Vec<u8>, String> {
    let ctx = ops.configure(f, cfg).await.map_err(|e| e.to_string())?;
    if let Some(s) = state {
        use ics_wire::state as st;
        for (tag, data) in [
            (st::META_TAG_IDSET_GIVEN, &s.idset_given),
            (st::META_TAG_CNSET_SEEN, &s.cnset_seen),
            (st::META_TAG_CNSET_SEEN_FAI, &s.cnset_seen_fai),
            (st::META_TAG_CNSET_READ, &s.cnset_read),
        ] {
            let up = async {
                ops.state_begin(ctx, tag, data.len() as u32).await?;
                if !data.is_empty() {
                    ops.state_continue(ctx, data).await?;
                }
                ops.state_end(ctx).await
            };
            up.await
                .map_err(|e| format!("read-back state upload: {e}"))?;
        }
    }
    let mut bytes = Vec::new();
    loop {
        match ops
            .get_buffer(ctx, BufferSize::Babe { max: 32767 })
            .await
            .map_err(|e| e.to_string())?
        {
            GetBufferReply::Data { status, buffer, .. } => {
                bytes.extend_from_slice(&buffer);
                if status == TransferStatus::Done {
                    break;
                }
                if status != TransferStatus::Partial {
                    return Err(format!("read-back download: {status:?}"));
                }
            }
            other => return Err(format!("read-back download: {other:?}")),
        }
    }
    let _ = ops.release(ctx).await;
    let _ = ops.release(f).await;
    Ok(bytes)
}
