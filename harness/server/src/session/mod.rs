//! A sans-IO ROP session: one connection's logon, handle table and objects
//! ([MS-OXCROPS] 3.2.5). [`Session::execute`] takes a ROP request buffer
//! (RopSize, RopsList, handle table) and returns the response buffer.
//!
//! Every ROP `ics-wire` decodes is answered: RopLogon (private mailbox),
//! RopRelease, RopOpenFolder, RopCreateFolder, RopDeleteFolder,
//! RopGetHierarchyTable, RopGetContentsTable, RopSetColumns, RopQueryRows,
//! RopOpenMessage, RopCreateMessage, RopSetProperties, RopDeleteProperties,
//! RopGetPropertiesSpecific, RopGetPropertiesAll, RopSaveChangesMessage,
//! RopDeleteMessages, RopHardDeleteMessages, RopSetMessageReadFlag,
//! RopSetReadFlags, RopMoveCopyMessages, RopGetPropertyIdsFromNames, the
//! FastTransfer source and destination ROPs, RopTellVersion, the
//! synchronization download and upload ROPs, RopGetLocalReplicaIds and
//! RopSetLocalReplicaMidsetDeleted. Limits are named where they apply
//! (public folders, folder-level CopyTo, conflict resolve messages).

mod attach;
pub mod config;
pub mod conflict;
mod copy;
mod destination;
mod embedded;
pub mod mailboxes;
mod notify;
pub mod profile;
pub mod public;
mod read;
mod recipients;
mod rop_dispatch;
mod setup;
pub mod stream;
pub mod structs;
mod transfer;
mod upload;

pub use copy::message_entry_id;

use std::collections::{BTreeMap, BTreeSet};

use ics_wire::cursor::Reader;
use ics_wire::ids::Fid;
use ics_wire::idset::ReplGuidSet;
use ics_wire::prop::{PropValue, TaggedValue};
use ics_wire::rop::common::{InputHandleResponse, ResponseHint};
use ics_wire::rop::fasttransfer::BUFFER_SIZE_SENTINEL;
use ics_wire::rop::utility::BufferTooSmallResponse;
use ics_wire::rop::{ErrorCode, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};
use ics_wire::state::{IcsState, StateProperty};

use crate::ics::SyncOptions;
use crate::mailbox::Mailbox;
use profile::{Faults, Profile};
use stream::Streamer;

/// Errors that fail the whole request (RPC level) instead of one ROP.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// The request buffer cannot be parsed: ecRpcFormat 0x000004B6.
    #[error("request buffer cannot be parsed: {0}")]
    RpcFormat(String),
    /// Fault injection cut the connection; call [`Session::reconnect`].
    #[error("connection lost")]
    ConnectionLost,
    /// A response could not be encoded (a server defect).
    #[error("response encoding: {0}")]
    Encode(String),
}

/// State upload in progress on a context ([MS-OXCFXICS] 3.2.5.9.2).
#[derive(Debug, Default)]
struct StateUpload {
    current: Option<(StateProperty, u32, Vec<u8>)>,
    props: BTreeMap<u8, ReplGuidSet>,
}

#[derive(Debug)]
struct DownloadCtx {
    folder: Fid,
    opts: SyncOptions,
    upload: StateUpload,
    stream: Option<Streamer>,
    failed: Option<ErrorCode>,
}

#[derive(Debug)]
enum Object {
    Logon,
    Folder(Fid),
    Download(Box<DownloadCtx>),
    Stream(Box<Streamer>),
    Collector(Box<upload::CollectorCtx>),
    Message(Box<setup::MessageCtx>),
    Attachment(Box<attach::AttachmentCtx>),
    Embedded(Box<embedded::EmbeddedCtx>),
    Destination(Box<destination::DestinationCtx>),
    Table(Box<read::TableCtx>),
}

/// Output buffer size this server assumes for each response buffer
/// (MAPI/HTTP and RPC clients commonly allow 0x8000).
pub const DEFAULT_MAX_OUTPUT: usize = 0x8000;

/// One connection.
pub struct Session {
    mb: Mailbox,
    profile: Profile,
    faults: Faults,
    objects: BTreeMap<u32, Object>,
    /// Connection owning each handle (R-008: another logon's handle is
    /// ecAccessDenied).
    owner: BTreeMap<u32, u32>,
    /// The connection of the request being processed.
    conn: u32,
    next_conn: u32,
    /// Connections cut by fault injection.
    lost_conns: BTreeSet<u32>,
    released: BTreeSet<u32>,
    next_handle: u32,
    special: [Fid; 13],
    max_output: usize,
    now_ms: u64,
    pending_retry: Option<usize>,
    check_invariants: bool,
    checked: usize,
    violations: Vec<crate::ics::invariants::Violation>,
    /// Public folders: the store this session hands public logons to, or
    /// this session's being one ([`public`]).
    public: Option<public::PublicRole>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("objects", &self.objects.len())
            .finish()
    }
}

const SPECIAL_NAMES: [&str; 12] = [
    "Deferred Action",
    "Spooler Queue",
    "Top of Information Store",
    "Inbox",
    "Outbox",
    "Sent Items",
    "Deleted Items",
    "Common Views",
    "Schedule",
    "Finder",
    "Views",
    "Shortcuts",
];

impl Session {
    /// A session over `mb`; creates the 13 special folders RopLogon returns
    /// ([MS-OXCSTOR] 2.2.1.1.3) below the root, the IPM folders (Inbox ...)
    /// below "Top of Information Store".
    pub fn new(mut mb: Mailbox, profile: Profile) -> Self {
        let root = mb.root();
        let mut special = [root; 13];
        for (i, name) in SPECIAL_NAMES.iter().enumerate() {
            let parent = if (3..=6).contains(&i) {
                special[3]
            } else {
                root
            };
            special[i + 1] = mb.create_folder(parent, name).expect("fresh mailbox");
        }
        Session {
            mb,
            profile,
            faults: Faults::default(),
            objects: BTreeMap::new(),
            released: BTreeSet::new(),
            next_handle: 1,
            special,
            max_output: DEFAULT_MAX_OUTPUT,
            owner: BTreeMap::new(),
            conn: 0,
            next_conn: 1,
            lost_conns: BTreeSet::new(),
            now_ms: 0,
            pending_retry: None,
            check_invariants: false,
            checked: 0,
            violations: Vec::new(),
            public: None,
        }
    }

    /// The mailbox (setup and inspection beside the ROPs).
    pub fn mailbox(&self) -> &Mailbox {
        &self.mb
    }

    /// The mailbox, mutable (setup and fault injection beside the ROPs).
    pub fn mailbox_mut(&mut self) -> &mut Mailbox {
        &mut self.mb
    }

    /// The special folders in RopLogon order (Root, Deferred Action, Spooler
    /// Queue, IPM subtree, Inbox, Outbox, Sent Items, Deleted Items, Common
    /// Views, Schedule, Finder, Views, Shortcuts).
    pub fn special_folders(&self) -> [Fid; 13] {
        self.special
    }

    /// Fault injection settings and records.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Fault injection, mutable.
    pub fn faults_mut(&mut self) -> &mut Faults {
        &mut self.faults
    }

    /// The behaviour profile.
    pub fn set_profile(&mut self, p: Profile) {
        self.public_profile(&p);
        self.profile = p;
    }

    /// Check the idset.md §14.5 invariants (I1–I11) of every ICS download
    /// this session completes; violations are kept for
    /// [`Session::invariant_violations`]. Costs a copy of each element's ids.
    pub fn set_check_invariants(&mut self, on: bool) {
        self.check_invariants = on;
    }

    /// Number of completed downloads whose invariants were checked.
    pub fn checked_downloads(&self) -> usize {
        self.checked
    }

    /// Invariant violations found in completed downloads (empty when none,
    /// or when checking is off).
    pub fn invariant_violations(&self) -> &[crate::ics::invariants::Violation] {
        &self.violations
    }

    /// The largest response buffer (default [`DEFAULT_MAX_OUTPUT`]).
    pub fn set_max_output(&mut self, n: usize) {
        self.max_output = n;
    }

    /// The largest response buffer now in force.
    pub fn max_output(&self) -> usize {
        self.max_output
    }

    /// After a cut connection: connection 0 starts afresh on the same
    /// mailbox (its handles gone).
    pub fn reconnect(&mut self) {
        self.disconnect(0);
        self.faults.cut_after_bytes = None;
    }

    /// Opens another connection to the same mailbox (a second client);
    /// connection 0 exists from the start.
    pub fn connect(&mut self) -> u32 {
        let c = self.next_conn;
        self.next_conn += 1;
        c
    }

    /// Closes a connection: its objects are released.
    pub fn disconnect(&mut self, conn: u32) {
        let mine: Vec<u32> = self
            .owner
            .iter()
            .filter(|(_, c)| **c == conn)
            .map(|(h, _)| *h)
            .collect();
        for h in mine {
            self.objects.remove(&h);
            self.owner.remove(&h);
            self.released.insert(h);
        }
        self.lost_conns.remove(&conn);
        self.disconnect_public(conn);
    }

    /// [`Session::execute_at`] with the time unchanged.
    pub fn execute(&mut self, request: &[u8]) -> Result<Vec<u8>, SessionError> {
        self.execute_at(request, self.now_ms)
    }

    /// Processes one ROP request buffer on connection 0; `now_ms` is the
    /// caller's clock, used to record when retries after a busy answer arrive.
    pub fn execute_at(&mut self, request: &[u8], now_ms: u64) -> Result<Vec<u8>, SessionError> {
        self.execute_on(0, request, now_ms)
    }

    /// Processes one ROP request buffer on connection `conn`.
    pub fn execute_on(
        &mut self,
        conn: u32,
        request: &[u8],
        now_ms: u64,
    ) -> Result<Vec<u8>, SessionError> {
        if let Some(r) = self.route_public(conn, request, now_ms) {
            return r;
        }
        if self.lost_conns.contains(&conn) {
            return Err(SessionError::ConnectionLost);
        }
        self.conn = conn;
        self.now_ms = now_ms;
        let req = RopRequestBuffer::decode(request)
            .map_err(|e| SessionError::RpcFormat(e.to_string()))?;
        let mut handles = req.handles.clone();
        let mut rops = Vec::with_capacity(req.rops.len());
        let mut used = 2 + 4 * handles.len();
        // bytes of the requests from position i on, for the RopBufferTooSmall
        // (RopId, SizeNeeded, RequestBuffers) that may have to follow a response.
        let mut rest_len = vec![0usize; req.rops.len() + 1];
        for (i, r) in req.rops.iter().enumerate().rev() {
            let mut b = Vec::new();
            r.encode(&mut b)
                .map_err(|e| SessionError::Encode(e.to_string()))?;
            rest_len[i] = rest_len[i + 1] + b.len();
        }
        for (i, rop) in req.rops.iter().enumerate() {
            if let RopRequest::FastTransferSourceGetBuffer(g) = rop {
                // a fixed BufferSize that cannot fit stops processing;
                // so does 0xBABE without room for the smallest portion.
                let overhead = 16;
                let room = stream::room_needed(g.buffer_size);
                if used + overhead + room > self.max_output {
                    if g.buffer_size == BUFFER_SIZE_SENTINEL && rops.is_empty() {
                        // even an empty output buffer is too small.
                        rops.push(failure_response(rop, ErrorCode::BufferTooSmall)?);
                        continue;
                    }
                    let mut rest = Vec::new();
                    for r in &req.rops[i..] {
                        r.encode(&mut rest)
                            .map_err(|e| SessionError::Encode(e.to_string()))?;
                    }
                    rops.push(RopResponse::BufferTooSmall(BufferTooSmallResponse {
                        size_needed: (room + overhead).min(u16::MAX as usize) as u16,
                        request_buffers: rest,
                    }));
                    break;
                }
            }
            let residual = self.max_output.saturating_sub(used);
            let read_only = matches!(
                rop,
                RopRequest::GetPropertiesSpecific(_)
                    | RopRequest::GetPropertiesAll(_)
                    | RopRequest::QueryRows(_)
            );
            let saved_pos = match rop {
                RopRequest::QueryRows(q) => self.table_pos(&handles, q.input_handle_index),
                _ => None,
            };
            if let Some(resp) = self.dispatch(rop, &mut handles, residual)? {
                let mut b = Vec::new();
                resp.encode(&mut b)
                    .map_err(|e| SessionError::Encode(e.to_string()))?;
                // a read-only response that does not fit, with
                // room for the RopBufferTooSmall the requests after it may need,
                // is undone and answered with RopBufferTooSmall (or, as the only
                // ROP whose response cannot fit at all, failed with
                // ecBufferTooSmall).
                let reserve = match rest_len[i + 1] {
                    0 => 0,
                    n => 3 + n,
                };
                if read_only && used + b.len() + reserve > self.max_output {
                    if let (Some((h, pos)), RopRequest::QueryRows(_)) = (saved_pos, rop) {
                        self.set_table_pos(h, pos);
                    }
                    if rops.is_empty() && used + b.len() > self.max_output {
                        rops.push(failure_response(rop, ErrorCode::BufferTooSmall)?);
                        continue;
                    }
                    let mut rest = Vec::new();
                    for r in &req.rops[i..] {
                        r.encode(&mut rest)
                            .map_err(|e| SessionError::Encode(e.to_string()))?;
                    }
                    rops.push(RopResponse::BufferTooSmall(BufferTooSmallResponse {
                        size_needed: b.len().min(u16::MAX as usize) as u16,
                        request_buffers: rest,
                    }));
                    break;
                }
                used += b.len();
                rops.push(resp);
            }
        }
        RopResponseBuffer { rops, handles }
            .encode()
            .map_err(|e| SessionError::Encode(e.to_string()))
    }

    fn alloc(&mut self, o: Object) -> u32 {
        let h = self.next_handle;
        self.next_handle += 1;
        self.objects.insert(h, o);
        self.owner.insert(h, self.conn);
        h
    }

    /// The object behind a handle-table slot.
    fn resolve(&self, handles: &[u32], idx: u8) -> Result<u32, ErrorCode> {
        let h = *handles.get(idx as usize).ok_or(ErrorCode::NullObject)?;
        if self.objects.contains_key(&h) {
            if self.owner.get(&h) != Some(&self.conn) {
                return Err(ErrorCode::AccessDenied);
            }
            Ok(h)
        } else if self.released.contains(&h) {
            Err(ErrorCode::InvalidObject)
        } else {
            Err(ErrorCode::NullObject)
        }
    }

    fn set_output(handles: &mut [u32], idx: u8, h: u32) {
        if let Some(slot) = handles.get_mut(idx as usize) {
            *slot = h;
        }
    }
}

/// The `state` root: IncrSyncStateBegin propList IncrSyncStateEnd.
pub(crate) fn state_stream(
    st: &IcsState,
    k: ics_wire::state::SynchronizationType,
) -> Result<Vec<u8>, ErrorCode> {
    let props = st
        .to_props(k)
        .into_iter()
        .map(|v: TaggedValue| ics_wire::ftstream::FtProp::with_tag(v.tag, v.value))
        .collect();
    let mut w = ics_wire::ftstream::Writer { out: Vec::new() };
    w.state(&ics_wire::ftstream::State { props })
        .map_err(|_| ErrorCode::GeneralFailure)?;
    Ok(w.out)
}

pub(crate) fn input_response(rop: &RopRequest, idx: u8, rv: ErrorCode) -> RopResponse {
    let x = InputHandleResponse {
        input_handle_index: idx,
        return_value: rv,
    };
    match rop {
        RopRequest::SynchronizationUploadStateStreamBegin(_) => {
            RopResponse::SynchronizationUploadStateStreamBegin(x)
        }
        RopRequest::SynchronizationUploadStateStreamContinue(_) => {
            RopResponse::SynchronizationUploadStateStreamContinue(x)
        }
        RopRequest::SynchronizationUploadStateStreamEnd(_) => {
            RopResponse::SynchronizationUploadStateStreamEnd(x)
        }
        RopRequest::SynchronizationImportDeletes(_) => RopResponse::SynchronizationImportDeletes(x),
        RopRequest::SynchronizationImportReadStateChanges(_) => {
            RopResponse::SynchronizationImportReadStateChanges(x)
        }
        RopRequest::SetLocalReplicaMidsetDeleted(_) => RopResponse::SetLocalReplicaMidsetDeleted(x),
        _ => RopResponse::TellVersion(x),
    }
}

/// The failure form of any ROP's response: RopId, the handle index the
/// response carries, ReturnValue ([MS-OXCROPS] "Failure Response Buffer").
pub(crate) fn failure_response(
    rop: &RopRequest,
    code: ErrorCode,
) -> Result<RopResponse, SessionError> {
    let mut enc = Vec::new();
    rop.encode(&mut enc)
        .map_err(|e| SessionError::Encode(e.to_string()))?;
    // Requests start RopId, LogonId, InputHandleIndex (OutputHandleIndex
    // for RopLogon); object-creating ROPs answer with OutputHandleIndex.
    let idx = rop
        .output_handle_index()
        .unwrap_or(enc.get(2).copied().unwrap_or(0));
    let mut b = vec![rop.rop_id(), idx];
    b.extend_from_slice(&code.to_u32().to_le_bytes());
    // Some failure forms carry more fields (PutBuffer: TransferStatus,
    // counts, BufferUsedSize); they are zero in a failure.
    for pad in 0..=16 {
        let mut bytes = b.clone();
        bytes.resize(b.len() + pad, 0);
        let mut r = Reader::new(&bytes);
        if let Ok(resp) = RopResponse::decode(&mut r, rop.rop_id(), &ResponseHint::default())
            && r.is_empty()
        {
            return Ok(resp);
        }
    }
    Err(SessionError::Encode(format!(
        "no failure form for {}",
        rop.name()
    )))
}

/// A PtypBinary state value, for tests that build upload requests.
pub fn binary(v: Vec<u8>) -> PropValue {
    PropValue::Binary(v)
}
