//! FastTransfer download contexts: state upload steps, the transfer state, GetBuffer portions.

use ics_wire::rop::fasttransfer::{
    BUFFER_SIZE_SENTINEL, FastTransferSourceGetBufferRequest, FastTransferSourceGetBufferResponse,
};
use ics_wire::rop::flags::TransferStatus;
use ics_wire::rop::{ErrorCode, RopResponse};
use ics_wire::state::IcsState;

use crate::ics::{Download, SyncKind, SyncState};

use super::profile::BusyRecord;
use super::stream::{Source, StreamFailure, Streamer};
use super::{DownloadCtx, Object, Session, SessionError, StateUpload, state_stream};

impl Session {
    /// Runs a state-upload step on a download context or a collector.
    pub(super) fn with_download(
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

    pub(super) fn transfer_state_bytes(&self, ctx: &DownloadCtx) -> Result<Vec<u8>, ErrorCode> {
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

    pub(super) fn get_buffer(
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
