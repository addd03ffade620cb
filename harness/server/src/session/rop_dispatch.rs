//! The ROP dispatcher: each request ROP to its handler, its response or its failure form.

use ics_wire::idset::ReplGuidSet;
use ics_wire::rop::common::{OutputHandleResponse, RopResult};
use ics_wire::rop::flags::{LogonFlags, ResponseFlags};
use ics_wire::rop::folder::{OpenFolderResponse, OpenFolderSuccess};
use ics_wire::rop::idmgmt::{GetLocalReplicaIdsResponse, GetLocalReplicaIdsSuccess};
use ics_wire::rop::logon::{LogonPrivateSuccess, LogonResponse, LogonResult, LogonTime};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};
use ics_wire::state::StateProperty;

use crate::ics::SyncKind;

use super::stream::{Source, Streamer};
use super::{
    DownloadCtx, Object, Session, SessionError, StateUpload, config, failure_response,
    input_response,
};

impl Session {
    pub(super) fn dispatch(
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
}
