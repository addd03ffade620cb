//! What a scenario drives: the target (through ROP buffers only), the reference client with
//! its replica, the "other session" that makes server-side changes with ordinary setup ROPs,
//! the request parameters in force, and every download, kept raw and parsed.

use std::collections::BTreeMap;

use ics_client::model::{Scope, StateBlobs};
use ics_client::sync::busy::BusyEvent;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_client::sync::ops::{BufferSize, Configure, GetBufferReply, IcsOps, Obj, OpError};
use ics_client::sync::rop_session::RopSession;
use ics_wire::ftstream as ft;
use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::{RopRequestBuffer, RopResponse, RopResponseBuffer};
use ics_wire::state::IcsState;
use ics_wire::{Fid, Gid, GlobCnt, Mid, ReplGuid};

use crate::lifecycle::Lifecycle;
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

mod copy;
mod download;
mod names;
mod probes;
mod read_back;
mod setup;
mod setup_messages;
mod trace;
mod upload;

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
}
