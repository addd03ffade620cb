//! The download path: configure, state upload, GetBuffer until Done, apply in one transaction.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::PropTag;
use ics_wire::state as st;

use crate::convert::Converter;
use crate::model::{Change, MessageFull, Scope, StateBlobs, SyncType};
use crate::sync::busy::{BusyEvent, BusyOutcome};
use crate::sync::cancel::CancelToken;
use crate::sync::checkpoint::Checkpointer;
use crate::sync::ops::*;
use crate::sync::progress::ProgressTracker;
use crate::sync::stream::{DownloadStream, StreamDecodeError};

use super::{Client, SyncError, SyncOptions, SyncReport, decode_given};

impl<O: IcsOps + Send> Client<O> {
    /// Synchronizes the messages of a folder: upload first, then download.
    pub async fn sync_contents(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        self.sync_contents_scope(&Scope::contents(fid), cancel)
            .await
    }

    /// [`Client::sync_contents`] for a scope with a restriction
    /// (RestrictionData, [MS-OXCDATA] 2.12): its state is kept apart.
    pub async fn sync_contents_scope(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        let upload = self.upload_scope(scope).await?;
        let mut report = self.download(scope, cancel).await?;
        report.upload = upload;
        Ok(report)
    }

    /// Synchronizes the folder tree below a folder: local folder
    /// changes are uploaded first.
    pub async fn sync_hierarchy(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        let upload = self.upload_hierarchy(fid).await?;
        let mut report = self.download(&Scope::hierarchy(fid), cancel).await?;
        report.upload = upload;
        Ok(report)
    }

    /// Uploads one state property after another: Begin, Continue in pieces
    /// (none for an empty value, R-123), End.
    pub(super) async fn upload_state(
        &mut self,
        ctx: Obj,
        ty: SyncType,
        for_upload_context: bool,
        state: &StateBlobs,
        report: &mut SyncReport,
    ) -> Result<(), SyncError> {
        let chunk = self.opts.state_chunk.max(1);
        for (tag, data) in state_props(ty, for_upload_context, state) {
            let size = u32::try_from(data.len())
                .map_err(|_| SyncError::BadState("state over 4 GiB".into()))?;
            self.ops.state_begin(ctx, tag, size).await?;
            let mut pieces = 0;
            for piece in data.chunks(chunk) {
                self.ops.state_continue(ctx, piece).await?;
                pieces += 1;
            }
            self.ops.state_end(ctx).await?;
            report.state_uploaded.push((tag, data.len(), pieces));
        }
        Ok(())
    }

    /// GetBuffer until Done, backing off on busy replies;
    /// the whole stream is parsed at the end (state and messageList roots).
    pub(super) async fn read_stream(
        &mut self,
        ctx: Obj,
        kind: RootKind,
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<ft::Root, SyncError> {
        let mut stream = DownloadStream::new(kind);
        let mut getter = PortionGetter::default();
        while let Some(buffer) = getter
            .next(&mut self.ops, &self.opts, ctx, cancel, report)
            .await?
        {
            stream.feed(&buffer)?;
        }
        report.bytes += stream.bytes();
        Ok(stream.finish()?)
    }

    /// One download of `scope`, applied with its final state in one transaction.
    pub async fn download(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
    ) -> Result<SyncReport, SyncError> {
        self.download_observed(scope, cancel, &mut |_| {}).await
    }

    /// [`Client::download`], showing each message change to `observe` once it
    /// is applied (inside the download's transaction): a caller can cancel
    /// after so many messages.
    pub async fn download_observed(
        &mut self,
        scope: &Scope,
        cancel: &CancelToken,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<SyncReport, SyncError> {
        self.refuse_abandoned()?;
        let folder = self.ops.open_folder(scope.folder_fid).await?;
        let r = self.download_in(folder, scope, cancel, observe).await;
        // Owned objects are released before their owners; a broken
        // connection makes the release fail too, which changes nothing.
        let released = self.ops.release(folder).await;
        let report = r?;
        released?;
        Ok(report)
    }

    async fn download_in(
        &mut self,
        folder: Obj,
        scope: &Scope,
        cancel: &CancelToken,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<SyncReport, SyncError> {
        let mut report = SyncReport::default();
        let cfg = self.configure_for(scope);
        let ctx = self.ops.configure(folder, &cfg).await?;
        let r = async {
            let state = self.replica.state(scope)?;
            self.upload_state(ctx, scope.sync_type, false, &state, &mut report)
                .await?;
            self.stream_and_apply(ctx, scope, cancel, &mut report, observe)
                .await
        }
        .await;
        let released = self.ops.release(ctx).await;
        r?;
        released?;
        Ok(report)
    }

    /// Reads the download portion by portion and applies each top-level item
    /// as soon as it is complete ([MS-OXCFXICS] 3.3.5.9.1), inside the one
    /// replica transaction of this download; the final state is written and
    /// the transaction committed only after IncrSyncEnd. Any failure before
    /// that rolls everything back.
    async fn stream_and_apply(
        &mut self,
        ctx: Obj,
        scope: &Scope,
        cancel: &CancelToken,
        report: &mut SyncReport,
        observe: &mut (dyn FnMut(&Change) + Send),
    ) -> Result<(), SyncError> {
        let kind = match scope.sync_type {
            SyncType::Contents => RootKind::ContentsSync,
            SyncType::Hierarchy => RootKind::HierarchySync,
        };
        let Client {
            ops,
            replica,
            opts,
            map,
            ..
        } = self;
        let resolve = |b: &[u8]| map.resolve(b);
        let mut conv = Converter::new(&resolve);
        let mut reader = ft::SyncReader::new(kind).map_err(StreamDecodeError::from)?;
        let mut checkpoint = match opts.checkpoint_every {
            Some(n) => Some(Checkpointer::new(n, &replica.state(scope)?)?),
            None => None,
        };
        let mut txn = replica.begin_download(scope)?;
        let mut getter = PortionGetter::default();
        let mut final_state = None;
        let mut ended = false;
        while let Some(buffer) = getter.next(ops, opts, ctx, cancel, report).await? {
            report.bytes += buffer.len() as u64;
            for item in reader.feed(&buffer).map_err(StreamDecodeError::from)? {
                match item {
                    ft::SyncItem::ProgressTotal(p) => {
                        report.progress_total = p.progress_information().map(<[u8]>::to_vec);
                        getter.tracker.on_progress_total(&p)?;
                    }
                    ft::SyncItem::Change(ft::ContentsSyncItem::Change { change, progress }) => {
                        report.progress_per_message += u64::from(progress.is_some());
                        if let Some(p) = &progress {
                            getter.tracker.on_per_message(p)?;
                        }
                        let c = conv.message_change(&change)?;
                        if let Change::MessageFull(MessageFull { header: h, .. })
                        | Change::MessagePartial(crate::model::MessagePartial {
                            header: h,
                            ..
                        }) = &c
                        {
                            let n = &mut report.headers;
                            n.total += 1;
                            n.with_mid += u64::from(h.mid.is_some());
                            n.with_cn += u64::from(h.cn.is_some());
                            n.with_size += u64::from(h.message_size.is_some());
                        }
                        txn.apply(&c)?;
                        observe(&c);
                        if let Some(cp) = checkpoint.as_mut()
                            && let Change::MessageFull(MessageFull { header: h, .. })
                            | Change::MessagePartial(crate::model::MessagePartial {
                                header: h,
                                ..
                            }) = &c
                            && cp.note(h, map)?
                        {
                            // what was applied so far, with the state that covers it.
                            let part = txn.commit(&cp.state())?;
                            crate::sync::checkpoint::add_summary(&mut report.download, part);
                            report.checkpoints += 1;
                            txn = replica.begin_download(scope)?;
                        }
                    }
                    ft::SyncItem::Change(ft::ContentsSyncItem::Error(e)) => {
                        txn.apply(&conv.error_info(&e)?)?
                    }
                    ft::SyncItem::FolderChange(f) => txn.apply(&conv.folder_change(&f)?)?,
                    ft::SyncItem::Deletions(d) => {
                        for c in conv.deletions(&d)? {
                            txn.apply(&c)?;
                        }
                    }
                    ft::SyncItem::ReadStateChanges(r) => txn.apply(&conv.read_state(&r)?)?,
                    ft::SyncItem::State(s) => final_state = Some(crate::convert::state_blobs(&s)),
                    ft::SyncItem::End => ended = true,
                }
            }
        }
        reader.finish().map_err(StreamDecodeError::from)?;
        report.progress_report = getter.tracker.report();
        let state = match (ended, final_state) {
            (true, Some(s)) => s,
            _ => {
                return Err(SyncError::UnexpectedRoot(
                    "a stream without IncrSyncEnd and state",
                ));
            }
        };
        // The final state must decode before it replaces the old one.
        for b in [
            &state.idset_given,
            &state.cnset_seen,
            &state.cnset_seen_fai,
            &state.cnset_read,
        ] {
            decode_given(b)?;
        }
        let part = txn.commit(&state)?;
        crate::sync::checkpoint::add_summary(&mut report.download, part);
        Ok(())
    }
}

fn state_props(ty: SyncType, for_upload_context: bool, s: &StateBlobs) -> Vec<(PropTag, &[u8])> {
    let mut v = Vec::with_capacity(4);
    // IdsetGiven is not uploaded into an upload context.
    if !for_upload_context {
        v.push((st::META_TAG_IDSET_GIVEN, s.idset_given.as_slice()));
    }
    v.push((st::META_TAG_CNSET_SEEN, s.cnset_seen.as_slice()));
    if ty == SyncType::Contents {
        v.push((st::META_TAG_CNSET_SEEN_FAI, s.cnset_seen_fai.as_slice()));
        v.push((st::META_TAG_CNSET_READ, s.cnset_read.as_slice()));
    }
    v
}

/// The GetBuffer loop of one stream: data until Done, back-off on busy
/// replies, cancellation checked before every call.
#[derive(Debug, Default)]
struct PortionGetter {
    retry: u32,
    events: Vec<BusyEvent>,
    done: bool,
    /// BufferSize after a RopBufferTooSmall.
    fallback: Option<BufferSize>,
    /// When the first GetBuffer was sent.
    started: Option<std::time::Instant>,
    /// The progress of this stream.
    tracker: ProgressTracker,
    /// Partial / NoRoom responses in a row without a byte of data.
    empty: u32,
}

/// Partial or NoRoom responses in a row with an empty TransferBuffer after
/// which a stream is given up: the server makes no progress (e.g. an output
/// buffer too small for any data), and the client never loops for ever.
pub const MAX_EMPTY_PORTIONS: u32 = 64;

impl PortionGetter {
    /// The next TransferBuffer, or `None` after the Done portion.
    async fn next<O: IcsOps + Send>(
        &mut self,
        ops: &mut O,
        opts: &SyncOptions,
        ctx: Obj,
        cancel: &CancelToken,
        report: &mut SyncReport,
    ) -> Result<Option<Vec<u8>>, SyncError> {
        if self.done {
            return Ok(None);
        }
        let started = *self.started.get_or_insert_with(std::time::Instant::now);
        loop {
            if cancel.is_cancelled() {
                return Err(SyncError::Cancelled);
            }
            match ops
                .get_buffer(ctx, self.fallback.unwrap_or(opts.buffer))
                .await?
            {
                GetBufferReply::Data {
                    status,
                    in_progress,
                    total_steps,
                    buffer,
                } => {
                    self.retry = 0;
                    self.events.clear();
                    report.get_buffer_calls += 1;
                    report.progress = Some((in_progress, total_steps));
                    self.tracker.on_get_buffer(
                        in_progress,
                        total_steps,
                        buffer.len(),
                        started.elapsed(),
                    );
                    match status {
                        TransferStatus::Done => self.done = true,
                        TransferStatus::Partial | TransferStatus::NoRoom if buffer.is_empty() => {
                            self.empty += 1;
                            if self.empty >= MAX_EMPTY_PORTIONS {
                                return Err(OpError::Protocol(format!(
                                    "no progress: {} GetBuffer responses in a row without data",
                                    self.empty
                                ))
                                .into());
                            }
                        }
                        TransferStatus::Partial | TransferStatus::NoRoom => self.empty = 0,
                        TransferStatus::Error => return Err(SyncError::TransferFailed { code: 0 }),
                        TransferStatus::Unknown(s) => {
                            return Err(
                                OpError::Protocol(format!("TransferStatus {s:#06x}")).into()
                            );
                        }
                    }
                    return Ok(Some(buffer));
                }
                GetBufferReply::Busy { code, backoff_ms } => {
                    self.retry += 1;
                    let outcome = opts
                        .busy
                        .back_off(code, backoff_ms, self.retry, cancel, &mut self.events)
                        .await;
                    report.busy.extend(self.events.last().cloned());
                    match outcome {
                        BusyOutcome::Retry => {}
                        BusyOutcome::Cancelled => return Err(SyncError::Cancelled),
                        o => {
                            return Err(SyncError::Busy {
                                outcome: o,
                                events: std::mem::take(&mut self.events),
                            });
                        }
                    }
                }
                GetBufferReply::Failed(EC_BUFFER_TOO_SMALL)
                    if self.fallback.is_none() && matches!(opts.buffer, BufferSize::Fixed(_)) =>
                {
                    // grow, i.e. let the server size the portions.
                    report.buffer_too_small += 1;
                    self.fallback = Some(BufferSize::Babe { max: 0xFFFF });
                }
                GetBufferReply::Failed(code) => return Err(SyncError::TransferFailed { code }),
            }
        }
    }
}
