//! ICS downloads by the reference client: configure, state upload, GetBuffer until Done, apply.

use std::time::Duration;

use ics_client::convert::Converter;
use ics_client::model::{Scope, StateBlobs, SyncType};
use ics_client::sync::busy::BusyPolicy;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::ids::ReplicaMap;
use ics_client::sync::ops::{Configure, GetBufferReply, IcsOps, Obj, OpError, TransferStatus};
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::TaggedValue;
use ics_wire::rop::RopResponse;
use ics_wire::state::IcsState;

use crate::lifecycle::is_connection_lost;
use crate::outcome::Observed;

use super::{DownloadRec, GetBufferRec, Harness, StateMode, lock, observed_of, state_slot};

impl Harness {
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
        self.life.replica_before = self.client.replica().dump().ok();
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

    /// Releases the download context kept open by the last synchronization.
    pub async fn release_open_context(&mut self) {
        if let Some(ctx) = self.open_ctx.take() {
            let _ = self.client.ops_mut().release(ctx).await;
        }
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

    /// Begin, Continue in pieces (none for an empty value, R-123), End, per property.
    pub(super) async fn upload_state(
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
    pub(super) async fn read_stream(
        &mut self,
        ctx: Obj,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
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
}
