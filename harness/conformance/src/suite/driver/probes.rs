//! Probes the reference client would not send: raw ROPs and configures, collectors, GetBuffer.

use ics_client::model::Scope;
use ics_client::sync::ops::{BufferSize, GetBufferReply, IcsOps, Obj, TransferStatus};
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::TaggedValue;
use ics_wire::rop::{ResponseContext, RopRequest, RopRequestBuffer, RopResponseBuffer};
use ics_wire::state::IcsState;

use crate::outcome::Observed;

use super::{Harness, NO_HANDLE, observed_of, return_value};

impl Harness {
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
}
