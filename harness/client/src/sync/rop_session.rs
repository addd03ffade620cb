//! [`IcsOps`] with ROP buffers ([MS-OXCROPS] 2.2.1) over a [`RopTransport`].
//!
//! Each operation sends one ROP request buffer whose handle table holds the
//! input object in slot 0 and 0xFFFFFFFF in the output slot; the
//! returned handle is the object. An imported message is filled, saved and
//! released in the buffer that follows ImportMessageChange, chaining on the
//! message's slot.

use std::collections::HashMap;

use ics_wire::prop::{PropTag, PropValue, PropertyName};
use ics_wire::rop::fasttransfer::{
    FastTransferSourceCopyMessagesRequest, FastTransferSourceGetBufferRequest,
};
use ics_wire::rop::flags::{
    CopyMessagesCopyFlags, FolderOpenModeFlags, ImportDeleteFlags, SendOptions,
    SynchronizationExtraFlags, SynchronizationFlags, SynchronizationType,
};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::idmgmt::GetLocalReplicaIdsRequest;
use ics_wire::rop::import::*;
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::state::*;
use ics_wire::rop::sync::SynchronizationConfigureRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{
    ErrorCode, ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::{Fid, Mid};

use super::busy::is_busy;
use super::ops::*;
use crate::model::{Children, Prop, SyncType};
use crate::transport::RopTransport;

mod content;
mod folder_deletes;
mod import;
mod message_change;
mod public;

const NO_HANDLE: u32 = 0xFFFF_FFFF;
const LOGON_ID: u8 = 0;

/// A ROP session over a transport.
#[derive(Debug)]
pub struct RopSession<T> {
    transport: T,
    essdn: Vec<u8>,
    logon: Option<u32>,
    named: HashMap<PropertyName, u16>,
    /// Request buffers sent (for reports and tests).
    pub requests: u64,
    /// RopIds sent, in order (for reports and tests).
    pub sent_rops: Vec<u8>,
    /// Log on to public folders ([`RopSession::public_folders`]).
    public: bool,
}

/// ImportMessageChange / SaveChangesMessage codes ([MS-OXCFXICS] 2.2.3.2.4.2.2; R-229).
const SYNC_OBJECT_DELETED: u32 = 0x8004_0800;
const SYNC_IGNORE: u32 = 0x8004_0801;
const SYNC_CONFLICT: u32 = 0x8004_0802;

impl<T: RopTransport + Send> RopSession<T> {
    /// A session that logs on as the user with legacy DN `essdn`.
    pub fn new(transport: T, essdn: &str) -> Self {
        RopSession {
            transport,
            essdn: essdn.as_bytes().to_vec(),
            logon: None,
            named: HashMap::new(),
            requests: 0,
            sent_rops: Vec::new(),
            public: false,
        }
    }

    /// The transport (e.g. to reach a fault-injecting wrapper).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Sends any ROPs as one request buffer (for scenarios that probe a
    /// server beyond what the engine does); returns the responses and the
    /// output handle table.
    pub async fn raw(
        &mut self,
        rops: Vec<RopRequest>,
        handles: Vec<u32>,
    ) -> Result<(Vec<RopResponse>, Vec<u32>), OpError> {
        self.call(rops, handles).await
    }

    /// The logon object's handle, once logged on.
    pub fn logon_object(&self) -> Option<u32> {
        self.logon
    }

    /// Sends one request buffer; returns the responses and the output handle table.
    async fn call(
        &mut self,
        rops: Vec<RopRequest>,
        handles: Vec<u32>,
    ) -> Result<(Vec<RopResponse>, Vec<u32>), OpError> {
        self.sent_rops.extend(rops.iter().map(RopRequest::rop_id));
        let req = RopRequestBuffer { rops, handles };
        let bytes = req.encode().map_err(|e| OpError::Codec(e.to_string()))?;
        self.requests += 1;
        let out = self.transport.execute(bytes).await?;
        let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
            .map_err(|e| OpError::Codec(e.to_string()))?;
        if let Some(RopResponse::Backoff(_)) = resp.rops.first() {
            return Err(OpError::Protocol(
                "RopBackoff (the ROPs were not processed)".into(),
            ));
        }
        Ok((resp.rops, resp.handles))
    }

    /// One ROP whose response is expected; `rop` names it in errors.
    async fn one(
        &mut self,
        rop: RopRequest,
        input: u32,
    ) -> Result<(RopResponse, Vec<u32>), OpError> {
        let (mut rops, handles) = self.call(vec![rop], vec![input, NO_HANDLE]).await?;
        match rops.pop() {
            Some(r) => Ok((r, handles)),
            None => Err(OpError::Protocol("no response".into())),
        }
    }

    fn logon_handle(&self) -> Result<u32, OpError> {
        self.logon
            .ok_or_else(|| OpError::Protocol("not logged on".into()))
    }

    /// Output handle of a header-only response, or the ROP's error.
    fn output(name: &'static str, code: ErrorCode, handles: &[u32]) -> Result<Obj, OpError> {
        if !code.is_success() {
            return Err(OpError::Rop {
                rop: name,
                code: code.to_u32(),
            });
        }
        match handles.get(1) {
            Some(&h) if h != NO_HANDLE => Ok(Obj(h)),
            _ => Err(OpError::Protocol(format!("{name}: no output handle"))),
        }
    }

    fn check(name: &'static str, code: ErrorCode) -> Result<(), OpError> {
        if code.is_success() {
            Ok(())
        } else {
            Err(OpError::Rop {
                rop: name,
                code: code.to_u32(),
            })
        }
    }

    fn unexpected(name: &'static str, r: &RopResponse) -> OpError {
        OpError::Protocol(format!("{name}: unexpected response {:#04x}", r.rop_id()))
    }
}

fn binary(tag: PropTag, b: &[u8]) -> TaggedPropertyValue {
    TaggedPropertyValue::new(tag, PropValue::Binary(b.to_vec()))
}

impl<T: RopTransport + Send> IcsOps for RopSession<T> {
    fn server_version(&self) -> Option<crate::transport::ServerVersion> {
        self.transport.server_version()
    }

    async fn logon(&mut self) -> Result<LogonInfo, OpError> {
        let (logon_flags, open_flags) = self.logon_flags();
        let req = LogonRequest {
            logon_id: LOGON_ID,
            output_handle_index: 0,
            logon_flags,
            open_flags,
            store_state: 0,
            essdn: Some(self.essdn.clone()),
        };
        let (mut rops, handles) = self
            .call(vec![RopRequest::Logon(req)], vec![NO_HANDLE])
            .await?;
        let r = rops
            .pop()
            .ok_or_else(|| OpError::Protocol("RopLogon: no response".into()))?;
        let RopResponse::Logon(r) = r else {
            return Err(Self::unexpected("RopLogon", &r));
        };
        let h = handles.first().copied().filter(|h| *h != NO_HANDLE);
        if let (true, LogonResult::PublicSuccess(ok), Some(h)) = (self.public, &r.result, h) {
            self.logon = Some(h);
            return Ok(public::public_info(h, ok));
        }
        let LogonResult::PrivateSuccess(ok) = r.result else {
            return Err(OpError::Protocol(format!(
                "RopLogon: not a {} success: {:?}",
                if self.public {
                    "public-folder"
                } else {
                    "private-mailbox"
                },
                r.result
            )));
        };
        let h = h.ok_or_else(|| OpError::Protocol("RopLogon: no handle".into()))?;
        self.logon = Some(h);
        Ok(LogonInfo {
            logon: Obj(h),
            mailbox_guid: ok.mailbox_guid,
            replid: ok.repl_id,
            replguid: ok.repl_guid,
            folder_ids: ok.folder_ids.iter().map(|f| f.to_u64_le()).collect(),
        })
    }

    async fn open_folder(&mut self, fid: u64) -> Result<Obj, OpError> {
        let logon = self.logon_handle()?;
        let req = OpenFolderRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: Fid::from_u64_le(fid),
            open_mode_flags: FolderOpenModeFlags(0),
        };
        let (r, handles) = self.one(RopRequest::OpenFolder(req), logon).await?;
        let RopResponse::OpenFolder(r) = r else {
            return Err(Self::unexpected("RopOpenFolder", &r));
        };
        Self::output("RopOpenFolder", r.result.return_value(), &handles)
    }

    async fn release(&mut self, obj: Obj) -> Result<(), OpError> {
        let req = InputHandleRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
        };
        self.call(vec![RopRequest::Release(req)], vec![obj.0])
            .await?;
        Ok(())
    }

    async fn configure(&mut self, folder: Obj, cfg: &Configure) -> Result<Obj, OpError> {
        let restriction_data = if cfg.restriction.is_empty() {
            None
        } else {
            let mut r = ics_wire::cursor::Reader::new(&cfg.restriction);
            Some(
                ics_wire::rop::restriction::Restriction::read(&mut r)
                    .map_err(|e| OpError::Codec(format!("RestrictionData: {e}")))?,
            )
        };
        let req = SynchronizationConfigureRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            synchronization_type: match cfg.sync_type {
                SyncType::Contents => SynchronizationType::CONTENTS,
                SyncType::Hierarchy => SynchronizationType::HIERARCHY,
            },
            send_options: SendOptions(cfg.send_options),
            synchronization_flags: SynchronizationFlags(cfg.sync_flags),
            restriction_data,
            synchronization_extra_flags: SynchronizationExtraFlags(cfg.extra_flags),
            property_tags: cfg.property_tags.clone(),
        };
        let (r, handles) = self
            .one(RopRequest::SynchronizationConfigure(req), folder.0)
            .await?;
        let RopResponse::SynchronizationConfigure(r) = r else {
            return Err(Self::unexpected("RopSynchronizationConfigure", &r));
        };
        Self::output("RopSynchronizationConfigure", r.return_value, &handles)
    }

    async fn state_begin(&mut self, ctx: Obj, tag: PropTag, size: u32) -> Result<(), OpError> {
        let req = SynchronizationUploadStateStreamBeginRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            state_property: tag,
            transfer_buffer_size: size,
        };
        let (r, _) = self
            .one(
                RopRequest::SynchronizationUploadStateStreamBegin(req),
                ctx.0,
            )
            .await?;
        let RopResponse::SynchronizationUploadStateStreamBegin(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationUploadStateStreamBegin",
                &r,
            ));
        };
        Self::check("RopSynchronizationUploadStateStreamBegin", r.return_value)
    }

    async fn state_continue(&mut self, ctx: Obj, data: &[u8]) -> Result<(), OpError> {
        let req = SynchronizationUploadStateStreamContinueRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            stream_data: data.to_vec(),
        };
        let (r, _) = self
            .one(
                RopRequest::SynchronizationUploadStateStreamContinue(req),
                ctx.0,
            )
            .await?;
        let RopResponse::SynchronizationUploadStateStreamContinue(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationUploadStateStreamContinue",
                &r,
            ));
        };
        Self::check(
            "RopSynchronizationUploadStateStreamContinue",
            r.return_value,
        )
    }

    async fn state_end(&mut self, ctx: Obj) -> Result<(), OpError> {
        let req = InputHandleRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
        };
        let (r, _) = self
            .one(RopRequest::SynchronizationUploadStateStreamEnd(req), ctx.0)
            .await?;
        let RopResponse::SynchronizationUploadStateStreamEnd(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationUploadStateStreamEnd",
                &r,
            ));
        };
        Self::check("RopSynchronizationUploadStateStreamEnd", r.return_value)
    }

    async fn get_buffer(&mut self, ctx: Obj, size: BufferSize) -> Result<GetBufferReply, OpError> {
        let (buffer_size, maximum_buffer_size) = match size {
            BufferSize::Babe { max } => (0xBABE, Some(max)),
            BufferSize::Fixed(n) => (n, None),
        };
        let req = FastTransferSourceGetBufferRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            buffer_size,
            maximum_buffer_size,
        };
        let (r, _) = self
            .one(RopRequest::FastTransferSourceGetBuffer(req), ctx.0)
            .await?;
        if let RopResponse::BufferTooSmall(_) = &r {
            return Ok(GetBufferReply::Failed(EC_BUFFER_TOO_SMALL));
        }
        let RopResponse::FastTransferSourceGetBuffer(r) = r else {
            return Err(Self::unexpected("RopFastTransferSourceGetBuffer", &r));
        };
        let code = r.return_value.to_u32();
        if is_busy(code) {
            return Ok(GetBufferReply::Busy {
                code,
                backoff_ms: r.backoff_time,
            });
        }
        if code != 0 {
            return Ok(GetBufferReply::Failed(code));
        }
        let status = match r.transfer_status.0 {
            0 => TransferStatus::Error,
            1 => TransferStatus::Partial,
            2 => TransferStatus::NoRoom,
            3 => TransferStatus::Done,
            s => TransferStatus::Unknown(s),
        };
        Ok(GetBufferReply::Data {
            status,
            in_progress: r.in_progress_count,
            total_steps: r.total_step_count,
            buffer: r.transfer_buffer,
        })
    }

    async fn get_transfer_state(&mut self, ctx: Obj) -> Result<Obj, OpError> {
        let req = InputOutputHandleRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
        };
        let (r, handles) = self
            .one(RopRequest::SynchronizationGetTransferState(req), ctx.0)
            .await?;
        let RopResponse::SynchronizationGetTransferState(r) = r else {
            return Err(Self::unexpected("RopSynchronizationGetTransferState", &r));
        };
        Self::output(
            "RopSynchronizationGetTransferState",
            r.return_value,
            &handles,
        )
    }

    async fn open_collector(&mut self, folder: Obj, contents: bool) -> Result<Obj, OpError> {
        let req = SynchronizationOpenCollectorRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            is_contents_collector: u8::from(contents),
        };
        let (r, handles) = self
            .one(RopRequest::SynchronizationOpenCollector(req), folder.0)
            .await?;
        let RopResponse::SynchronizationOpenCollector(r) = r else {
            return Err(Self::unexpected("RopSynchronizationOpenCollector", &r));
        };
        Self::output("RopSynchronizationOpenCollector", r.return_value, &handles)
    }

    async fn import_message(
        &mut self,
        collector: Obj,
        fai: bool,
        header: &ImportHeader,
        props: &[Prop],
        children: &Children,
    ) -> Result<ImportOutcome, OpError> {
        self.message_change(collector, fai, header, props, children)
            .await
    }

    async fn import_deletes(
        &mut self,
        collector: Obj,
        hard: bool,
        source_keys: &[Vec<u8>],
    ) -> Result<(), OpError> {
        let req = SynchronizationImportDeletesRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            import_delete_flags: if hard {
                ImportDeleteFlags::HARD_DELETE
            } else {
                ImportDeleteFlags(0)
            },
            property_values: vec![TaggedPropertyValue::new(
                PropTag(0x0000_1102),
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

    async fn import_read_states(
        &mut self,
        collector: Obj,
        states: &[(Vec<u8>, bool)],
    ) -> Result<(), OpError> {
        let req = SynchronizationImportReadStateChangesRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            message_read_states: states
                .iter()
                .map(|(sk, read)| MessageReadState {
                    message_id: sk.clone(),
                    mark_as_read: u8::from(*read),
                })
                .collect(),
        };
        let (r, _) = self
            .one(
                RopRequest::SynchronizationImportReadStateChanges(req),
                collector.0,
            )
            .await?;
        let RopResponse::SynchronizationImportReadStateChanges(r) = r else {
            return Err(Self::unexpected(
                "RopSynchronizationImportReadStateChanges",
                &r,
            ));
        };
        Self::check("RopSynchronizationImportReadStateChanges", r.return_value)
    }

    async fn import_hierarchy_change(
        &mut self,
        collector: Obj,
        change: &HierarchyImport,
    ) -> Result<ImportOutcome, OpError> {
        self.hierarchy_change(collector, change).await
    }

    async fn import_folder_deletes(
        &mut self,
        collector: Obj,
        hard: bool,
        source_keys: &[Vec<u8>],
    ) -> Result<(), OpError> {
        self.folder_deletes(collector, hard, source_keys).await
    }

    async fn import_message_move(
        &mut self,
        collector: Obj,
        mv: &MoveImport,
    ) -> Result<MoveOutcome, OpError> {
        self.message_move(collector, mv).await
    }

    async fn get_local_replica_ids(
        &mut self,
        logon: Obj,
        count: u32,
    ) -> Result<(ics_wire::ReplGuid, ics_wire::GlobCnt), OpError> {
        let req = GetLocalReplicaIdsRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            id_count: count,
        };
        let (r, _) = self
            .one(RopRequest::GetLocalReplicaIds(req), logon.0)
            .await?;
        let RopResponse::GetLocalReplicaIds(r) = r else {
            return Err(Self::unexpected("RopGetLocalReplicaIds", &r));
        };
        let ok = r.result.success().ok_or(OpError::Rop {
            rop: "RopGetLocalReplicaIds",
            code: r.result.return_value().to_u32(),
        })?;
        Ok((ok.repl_guid, ok.global_count))
    }

    async fn copy_messages(
        &mut self,
        folder: Obj,
        mids: &[u64],
        copy_flags: u8,
        send_options: u8,
    ) -> Result<Obj, OpError> {
        let req = FastTransferSourceCopyMessagesRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            output_handle_index: 1,
            message_ids: mids.iter().map(|m| Mid::from_u64_le(*m)).collect(),
            copy_flags: CopyMessagesCopyFlags(copy_flags),
            send_options: SendOptions(send_options),
        };
        let (r, handles) = self
            .one(RopRequest::FastTransferSourceCopyMessages(req), folder.0)
            .await?;
        let RopResponse::FastTransferSourceCopyMessages(r) = r else {
            return Err(Self::unexpected("RopFastTransferSourceCopyMessages", &r));
        };
        Self::output(
            "RopFastTransferSourceCopyMessages",
            r.return_value,
            &handles,
        )
    }

    async fn set_local_replica_midset_deleted(
        &mut self,
        folder: Obj,
        ranges: &[(ics_wire::Gid, ics_wire::Gid)],
    ) -> Result<(), OpError> {
        use ics_wire::ids::LongTermId;
        use ics_wire::rop::idmgmt::{LongTermIdRange, SetLocalReplicaMidsetDeletedRequest};
        let req = SetLocalReplicaMidsetDeletedRequest {
            logon_id: LOGON_ID,
            input_handle_index: 0,
            long_term_id_ranges: ranges
                .iter()
                .map(|(lo, hi)| LongTermIdRange {
                    min_long_term_id: LongTermId::new(*lo),
                    max_long_term_id: LongTermId::new(*hi),
                })
                .collect(),
        };
        let (r, _) = self
            .one(RopRequest::SetLocalReplicaMidsetDeleted(req), folder.0)
            .await?;
        let RopResponse::SetLocalReplicaMidsetDeleted(r) = r else {
            return Err(Self::unexpected("RopSetLocalReplicaMidsetDeleted", &r));
        };
        Self::check("RopSetLocalReplicaMidsetDeleted", r.return_value)
    }
}
