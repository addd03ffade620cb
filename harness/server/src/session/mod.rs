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
mod notify;
pub mod profile;
pub mod public;
mod read;
mod recipients;
mod setup;
pub mod stream;
pub mod structs;
mod upload;

pub use copy::message_entry_id;

use std::collections::{BTreeMap, BTreeSet};

use ics_wire::cursor::Reader;
use ics_wire::ids::Fid;
use ics_wire::idset::ReplGuidSet;
use ics_wire::prop::{PropValue, TaggedValue};
use ics_wire::rop::common::{InputHandleResponse, OutputHandleResponse, ResponseHint, RopResult};
use ics_wire::rop::fasttransfer::{
    BUFFER_SIZE_SENTINEL, FastTransferSourceGetBufferRequest, FastTransferSourceGetBufferResponse,
};
use ics_wire::rop::flags::{LogonFlags, ResponseFlags, TransferStatus};
use ics_wire::rop::folder::{OpenFolderResponse, OpenFolderSuccess};
use ics_wire::rop::idmgmt::{GetLocalReplicaIdsResponse, GetLocalReplicaIdsSuccess};
use ics_wire::rop::logon::{LogonPrivateSuccess, LogonResponse, LogonResult, LogonTime};
use ics_wire::rop::utility::BufferTooSmallResponse;
use ics_wire::rop::{ErrorCode, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};
use ics_wire::state::{IcsState, StateProperty};

use crate::ics::{Download, SyncKind, SyncOptions, SyncState};
use crate::mailbox::Mailbox;
use profile::{BusyRecord, Faults, Profile};
use stream::{Source, StreamFailure, Streamer};

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

    fn dispatch(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
        residual: usize,
    ) -> Result<Option<RopResponse>, SessionError> {
        use RopRequest as Q;
        let resp = match rop {
            Q::Release(r) => {
                if let Ok(h) = self.resolve(handles, r.input_handle_index) {
                    self.owner.remove(&h);
                    if let Some(Object::Destination(d)) = self.objects.remove(&h) {
                        self.release_destination(*d);
                    }
                    self.released.insert(h);
                }
                return Ok(None);
            }
            Q::Logon(r) => {
                let result = if r.logon_flags.contains(LogonFlags::PRIVATE) {
                    let h = self.alloc(Object::Logon);
                    Self::set_output(handles, r.output_handle_index, h);
                    LogonResult::PrivateSuccess(LogonPrivateSuccess {
                        logon_flags: r.logon_flags,
                        folder_ids: self.special,
                        response_flags: ResponseFlags(0x01 | 0x02 | 0x04),
                        mailbox_guid: self.mb.identity().mailbox_guid,
                        repl_id: crate::mailbox::LOCAL_REPLID,
                        repl_guid: self.mb.replguid(),
                        logon_time: LogonTime {
                            seconds: 0,
                            minutes: 0,
                            hour: 0,
                            day_of_week: 4,
                            day: 1,
                            month: 1,
                            year: 2026,
                        },
                        gwart_time: 0,
                        store_state: 0,
                    })
                } else if let Some(public) = self.public_logon(r, handles) {
                    public
                } else {
                    LogonResult::Failure(ErrorCode::NotSupported)
                };
                RopResponse::Logon(LogonResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::OpenFolder(r) => {
                let result = self.resolve(handles, r.input_handle_index).and_then(|h| {
                    match self.objects[&h] {
                        Object::Logon | Object::Folder(_) => {
                            if self.mb.folder(r.folder_id).is_some() {
                                Ok(())
                            } else {
                                Err(ErrorCode::NotFound)
                            }
                        }
                        _ => Err(ErrorCode::NotSupported),
                    }
                });
                let result = match result {
                    Ok(()) => {
                        let h = self.alloc(Object::Folder(r.folder_id));
                        Self::set_output(handles, r.output_handle_index, h);
                        RopResult::Success(OpenFolderSuccess {
                            has_rules: false,
                            ghost: None,
                        })
                    }
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::OpenFolder(OpenFolderResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::SynchronizationConfigure(r) => {
                let rv = match self.resolve(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(h) => match &self.objects[&h] {
                        Object::Folder(fid) => {
                            let fid = *fid;
                            match config::configure(r, &self.profile) {
                                Ok(opts) => {
                                    let ctx = DownloadCtx {
                                        folder: fid,
                                        opts,
                                        upload: StateUpload::default(),
                                        stream: None,
                                        failed: None,
                                    };
                                    let nh = self.alloc(Object::Download(Box::new(ctx)));
                                    Self::set_output(handles, r.output_handle_index, nh);
                                    ErrorCode::Success
                                }
                                Err(e) => e,
                            }
                        }
                        _ => ErrorCode::NotSupported,
                    },
                };
                RopResponse::SynchronizationConfigure(OutputHandleResponse {
                    output_handle_index: r.output_handle_index,
                    return_value: rv,
                })
            }
            Q::SynchronizationUploadStateStreamBegin(r) => {
                let rv = self.with_download(handles, r.input_handle_index, |up, started| {
                    if started || up.current.is_some() {
                        return Err(ErrorCode::GeneralFailure); // wrong order
                    }
                    let p = StateProperty::from_tag(r.state_property)
                        .ok_or(ErrorCode::InvalidParameter)?;
                    up.current = Some((p, r.transfer_buffer_size, Vec::new()));
                    Ok(())
                });
                input_response(rop, r.input_handle_index, rv)
            }
            Q::SynchronizationUploadStateStreamContinue(r) => {
                let rv = self.with_download(handles, r.input_handle_index, |up, _| {
                    let Some((_, declared, data)) = up.current.as_mut() else {
                        return Err(ErrorCode::GeneralFailure); // Continue without Begin
                    };
                    if data.len() + r.stream_data.len() > *declared as usize {
                        return Err(ErrorCode::InvalidParameter);
                    }
                    data.extend_from_slice(&r.stream_data);
                    Ok(())
                });
                input_response(rop, r.input_handle_index, rv)
            }
            Q::SynchronizationUploadStateStreamEnd(r) => {
                let rv = self.with_download(handles, r.input_handle_index, |up, _| {
                    let Some((p, _, data)) = up.current.take() else {
                        return Err(ErrorCode::GeneralFailure); // End without Begin
                    };
                    // a malformed IDSET is ecRpcFormat.
                    let set =
                        ReplGuidSet::decode_replguid(&data).map_err(|_| ErrorCode::RpcFormat)?;
                    up.props.insert(p as u8, set);
                    Ok(())
                });
                input_response(rop, r.input_handle_index, rv)
            }
            Q::FastTransferSourceGetBuffer(r) => {
                return self.get_buffer(r, handles, residual).map(Some);
            }
            Q::TellVersion(r) => {
                let rv = self
                    .resolve(handles, r.input_handle_index)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                input_response(rop, r.input_handle_index, rv)
            }
            Q::SynchronizationGetTransferState(r) => {
                let rv =
                    match self.resolve(handles, r.input_handle_index) {
                        Err(e) => e,
                        Ok(h) => match self.objects.get(&h) {
                            Some(Object::Collector(ctx)) => {
                                let b = self.collector_state_bytes(ctx);
                                let kind = if ctx.contents {
                                    SyncKind::Contents
                                } else {
                                    SyncKind::Hierarchy
                                };
                                match b {
                                    Ok(b) => {
                                        let nh = self.alloc(Object::Stream(Box::new(
                                            Streamer::new(Source::Bytes(b), kind),
                                        )));
                                        Self::set_output(handles, r.output_handle_index, nh);
                                        ErrorCode::Success
                                    }
                                    Err(e) => e,
                                }
                            }
                            Some(Object::Download(ctx)) => {
                                let bytes = self.transfer_state_bytes(ctx);
                                let kind = ctx.opts.kind;
                                match bytes {
                                    Ok(b) => {
                                        let nh = self.alloc(Object::Stream(Box::new(
                                            Streamer::new(Source::Bytes(b), kind),
                                        )));
                                        Self::set_output(handles, r.output_handle_index, nh);
                                        ErrorCode::Success
                                    }
                                    Err(e) => e,
                                }
                            }
                            _ => ErrorCode::NotSupported,
                        },
                    };
                RopResponse::SynchronizationGetTransferState(OutputHandleResponse {
                    output_handle_index: r.output_handle_index,
                    return_value: rv,
                })
            }
            Q::GetLocalReplicaIds(r) => {
                let result = match self.resolve(handles, r.input_handle_index) {
                    Err(e) => RopResult::Failure(e),
                    Ok(h) if !matches!(self.objects[&h], Object::Logon) => {
                        RopResult::Failure(ErrorCode::NotSupported)
                    }
                    Ok(_) if r.id_count == 0 => RopResult::Failure(ErrorCode::InvalidParameter),
                    Ok(_) => match self.mb.reserve_ids(r.id_count) {
                        Ok((g, first)) => RopResult::Success(GetLocalReplicaIdsSuccess {
                            repl_guid: g,
                            global_count: first,
                        }),
                        Err(_) => RopResult::Failure(ErrorCode::OutOfMemory),
                    },
                };
                RopResponse::GetLocalReplicaIds(GetLocalReplicaIdsResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            other => match self.dispatch_more(other, handles)? {
                Some(r) => r,
                None => failure_response(other, ErrorCode::NotImplemented)?,
            },
        };
        Ok(Some(resp))
    }

    /// Runs a state-upload step on a download context or a collector.
    fn with_download(
        &mut self,
        handles: &[u32],
        idx: u8,
        f: impl FnOnce(&mut StateUpload, bool) -> Result<(), ErrorCode>,
    ) -> ErrorCode {
        let h = match self.resolve(handles, idx) {
            Ok(h) => h,
            Err(e) => return e,
        };
        match self.objects.get_mut(&h) {
            Some(Object::Download(ctx)) => {
                let started = ctx.stream.is_some();
                f(&mut ctx.upload, started)
                    .err()
                    .unwrap_or(ErrorCode::Success)
            }
            Some(Object::Collector(ctx)) => {
                let started = ctx.imported;
                f(&mut ctx.upload, started)
                    .err()
                    .unwrap_or(ErrorCode::Success)
            }
            _ => ErrorCode::NotSupported,
        }
    }

    fn initial_state(&mut self, ctx_upload: &StateUpload) -> Result<SyncState, ErrorCode> {
        // R-137 / idset.md §14.3: absent properties are empty.
        let mut st = IcsState::new();
        for (k, set) in &ctx_upload.props {
            let p = match k {
                0 => &mut st.idset_given,
                1 => &mut st.cnset_seen,
                2 => &mut st.cnset_seen_fai,
                _ => &mut st.cnset_read,
            };
            *p = set.clone();
        }
        SyncState::from_ics(&st, self.mb.ids_mut()).map_err(|_| ErrorCode::OutOfMemory)
    }

    fn transfer_state_bytes(&self, ctx: &DownloadCtx) -> Result<Vec<u8>, ErrorCode> {
        // the initial state until the stream is complete (default
        // profile, Exchange 2010+), the final state afterwards.
        let st = match ctx.stream.as_ref().and_then(|s| s.download()) {
            Some(d) if d.is_done() || self.profile.checkpoint_transfer_state => d.final_state(),
            Some(d) => d.initial().clone(),
            None => {
                let mut probe = IcsState::new();
                for (k, set) in &ctx.upload.props {
                    match k {
                        0 => probe.idset_given = set.clone(),
                        1 => probe.cnset_seen = set.clone(),
                        2 => probe.cnset_seen_fai = set.clone(),
                        _ => probe.cnset_read = set.clone(),
                    }
                }
                let k = match ctx.opts.kind {
                    SyncKind::Contents => ics_wire::state::SynchronizationType::Contents,
                    SyncKind::Hierarchy => ics_wire::state::SynchronizationType::Hierarchy,
                };
                return state_stream(&probe, k);
            }
        };
        let k = match ctx.opts.kind {
            SyncKind::Contents => ics_wire::state::SynchronizationType::Contents,
            SyncKind::Hierarchy => ics_wire::state::SynchronizationType::Hierarchy,
        };
        state_stream(&st.to_ics(self.mb.ids()), k)
    }

    fn get_buffer(
        &mut self,
        r: &FastTransferSourceGetBufferRequest,
        handles: &[u32],
        residual: usize,
    ) -> Result<RopResponse, SessionError> {
        let idx = r.input_handle_index;
        let fail = |e: ErrorCode| {
            let mut x =
                FastTransferSourceGetBufferResponse::data(idx, TransferStatus::ERROR, Vec::new());
            x.return_value = e;
            RopResponse::FastTransferSourceGetBuffer(x)
        };
        let h = match self.resolve(handles, idx) {
            Ok(h) => h,
            Err(e) => return Ok(fail(e)),
        };
        // a failed context repeats its error; it is not busy.
        let failed = match self.objects.get(&h) {
            Some(Object::Download(c)) => c.failed,
            Some(Object::Stream(s)) => s.failed,
            _ => None,
        };
        if let Some(e) = failed {
            return Ok(fail(e));
        }
        // A retry after a busy answer: record its arrival.
        if let Some(i) = self.pending_retry.take()
            && let Some(rec) = self.faults.busy_log.get_mut(i)
        {
            rec.retry_at = Some(self.now_ms);
        }
        if self.faults.busy_remaining > 0 {
            self.faults.busy_remaining -= 1;
            self.faults.busy_log.push(BusyRecord {
                answered_at: self.now_ms,
                backoff: self.faults.busy_backoff,
                retry_at: None,
            });
            self.pending_retry = Some(self.faults.busy_log.len() - 1);
            if self.profile.legacy_busy_code {
                return Ok(fail(ErrorCode::Busy));
            }
            return Ok(RopResponse::FastTransferSourceGetBuffer(
                FastTransferSourceGetBufferResponse::busy(idx, self.faults.busy_backoff),
            ));
        }
        let size = if r.buffer_size == BUFFER_SIZE_SENTINEL {
            let max = r.maximum_buffer_size.map_or(usize::MAX, usize::from);
            residual.saturating_sub(16).min(max)
        } else {
            r.buffer_size as usize
        };
        // Take the object out to borrow the mailbox alongside it.
        let Some(mut obj) = self.objects.remove(&h) else {
            return Ok(fail(ErrorCode::NullObject));
        };
        let out = self.portion(&mut obj, size);
        self.objects.insert(h, obj);
        match out {
            Ok((bytes, done)) => {
                if let Some(limit) = self.faults.cut_after_bytes {
                    let sent_before = match self.objects.get(&h) {
                        Some(Object::Download(c)) => {
                            c.stream.as_ref().map_or(0, |s| s.sent) - bytes.len()
                        }
                        Some(Object::Stream(s)) => s.sent - bytes.len(),
                        _ => 0,
                    };
                    if sent_before + bytes.len() > limit {
                        self.lost_conns.insert(self.conn);
                        return Err(SessionError::ConnectionLost);
                    }
                }
                let status = if done {
                    TransferStatus::DONE
                } else {
                    TransferStatus::PARTIAL
                };
                Ok(RopResponse::FastTransferSourceGetBuffer(
                    FastTransferSourceGetBufferResponse::data(idx, status, bytes),
                ))
            }
            Err(e) => Ok(fail(e)),
        }
    }

    fn portion(&mut self, obj: &mut Object, size: usize) -> Result<(Vec<u8>, bool), ErrorCode> {
        match obj {
            Object::Stream(s) => {
                if let Some(e) = s.failed {
                    return Err(e);
                }
                if s.is_done() {
                    return Ok((Vec::new(), true));
                }
                let r = s.next_portion(&self.mb, size).map_err(stream_error);
                if let Err(e) = r {
                    s.failed = Some(e);
                }
                r
            }
            Object::Download(ctx) => {
                if let Some(e) = ctx.failed {
                    return Err(e);
                }
                if ctx.upload.current.is_some() {
                    return Err(ErrorCode::GeneralFailure); // state upload not ended
                }
                if ctx.stream.is_none() {
                    let initial = self.initial_state(&ctx.upload)?;
                    let d = Download::new(&self.mb, ctx.folder, ctx.opts.clone(), initial)
                        .map_err(|_| ErrorCode::NotFound)?;
                    let mut st = Streamer::new(Source::Ics(Box::new(d)), ctx.opts.kind);
                    if self.check_invariants {
                        st.record = Some(Vec::new());
                    }
                    ctx.stream = Some(st);
                }
                let s = ctx.stream.as_mut().expect("just set");
                if s.is_done() {
                    return Ok((Vec::new(), true));
                }
                let r = s.next_portion(&self.mb, size).map_err(stream_error);
                if matches!(r, Ok((_, true)))
                    && let Some(rec) = s.record.take()
                    && let Some(d) = s.download()
                {
                    self.checked += 1;
                    if let Err(v) = crate::ics::invariants::check(d.initial(), &rec) {
                        self.violations.extend(v);
                    }
                    if let Err(v) = crate::ics::invariants::check_no_hidden_changes(
                        &self.mb,
                        d.folder(),
                        ctx.opts.kind,
                        d.initial(),
                        &rec,
                    ) {
                        self.violations.extend(v);
                    }
                }
                if let Err(e) = r {
                    ctx.failed = Some(e);
                }
                r
            }
            _ => Err(ErrorCode::NotSupported),
        }
    }
}

fn stream_error(e: StreamFailure) -> ErrorCode {
    match e {
        StreamFailure::Download(crate::ics::DownloadError::Unreadable(_)) => ErrorCode::NotFound,
        StreamFailure::Download(crate::ics::DownloadError::NoSuchFolder(_)) => {
            ErrorCode::ObjectDeleted
        }
        StreamFailure::Produce(_) => ErrorCode::GeneralFailure,
        StreamFailure::AtomTooLarge { .. } => ErrorCode::BufferTooSmall,
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
