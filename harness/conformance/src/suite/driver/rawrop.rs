//! Raw ROP probes on the client's traced connection: request buffers the reference client
//! would not build (ROP framing and handle processing, [MS-OXCROPS] 2.2.1, 3.2.5; server-rules.md
//! group A), and the FastTransfer copy/upload round trip ([MS-OXCFXICS] 3.3.4.1, 3.3.4.2; group
//! E) driven ROP by ROP. Every exchange goes into the ROP trace; nothing is interpreted beyond
//! the ROP layouts.

use ics_client::transport::{RopTransport, TransportError};
use ics_wire::rop::fasttransfer::{
    BUFFER_SIZE_SENTINEL, FastTransferDestinationConfigureRequest,
    FastTransferDestinationPutBufferRequest, FastTransferSourceGetBufferRequest,
};
use ics_wire::rop::flags::{
    DestinationConfigureCopyFlags, MessageOpenModeFlags, SaveFlags, SourceOperation, TransferStatus,
};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::message::{CreateMessageRequest, OpenMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::{Fid, Mid};

use super::{Harness, NO_HANDLE, return_value};
use crate::outcome::Observed;

/// What came back for one raw request buffer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// The whole RPC failed with this code (Execute ErrorCode / EcDoRpcExt2 return).
    Rpc(u32),
    /// The transport failed otherwise.
    Transport(String),
    /// A ROP response buffer; `decoded` is its decoding against the request (an error names
    /// what did not match).
    Buffer {
        bytes: Vec<u8>,
        decoded: Result<RopResponseBuffer, String>,
    },
}

/// One raw request buffer and its reply.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The request, when it was built from ROPs (not for hand-made bytes).
    pub request: Option<RopRequestBuffer>,
    pub reply: Reply,
}

impl Probe {
    /// The decoded response buffer, or why there is none.
    pub fn responses(&self) -> Result<&RopResponseBuffer, String> {
        match &self.reply {
            Reply::Rpc(c) => Err(format!("the whole RPC failed with 0x{c:08X}")),
            Reply::Transport(e) => Err(format!("the transport failed: {e}")),
            Reply::Buffer { decoded, .. } => decoded.as_ref().map_err(Clone::clone),
        }
    }

    /// How the ROP at request position `i` ended (RopBufferTooSmall in its place, or no
    /// response, count as such); an RPC-level failure for every position.
    pub fn observed(&self, i: usize) -> Observed {
        match &self.reply {
            Reply::Rpc(c) => Observed {
                rpc_failure: Some(*c),
                ..Observed::default()
            },
            Reply::Transport(_) => Observed {
                rpc_failure: Some(0xFFFF_FFFF),
                ..Observed::default()
            },
            Reply::Buffer { decoded, .. } => {
                let (Ok(resp), Some(req)) = (decoded, &self.request) else {
                    return Observed::default();
                };
                // Responses answer the requests that have one, in order.
                let k = req.rops.iter().take(i).filter(|r| r.has_response()).count();
                match resp.rops.get(k) {
                    Some(RopResponse::BufferTooSmall(_)) => Observed {
                        buffer_too_small: true,
                        ..Observed::default()
                    },
                    Some(r) => Observed {
                        return_value: return_value(r),
                        ..Observed::default()
                    },
                    None => Observed::default(),
                }
            }
        }
    }
}

/// The RopOpenFolder request of `fid` from slot `input` into slot `output`.
pub fn open_folder_rop(input: u8, output: u8, fid: Fid) -> RopRequest {
    RopRequest::OpenFolder(OpenFolderRequest {
        logon_id: 0,
        input_handle_index: input,
        output_handle_index: output,
        folder_id: fid,
        open_mode_flags: Default::default(),
    })
}

/// RopRelease of slot `slot`.
pub fn release_rop(slot: u8) -> RopRequest {
    RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: slot,
    })
}

/// Where a FastTransfer upload goes ([MS-OXCFXICS] 2.2.3.1.2.1: a Folder, Message or
/// Attachment object).
#[derive(Clone, Debug)]
pub enum UploadTarget {
    /// A message made with RopCreateMessage in the folder.
    NewMessage(Fid),
    /// An existing message opened read-write.
    Message(Fid, Mid),
    /// The folder itself.
    Folder(Fid),
}

/// The ROPs of one FastTransfer upload and how each ended.
#[derive(Clone, Debug, Default)]
pub struct Upload {
    /// RopFastTransferDestinationConfigure.
    pub configure: Observed,
    /// Each PutBuffer: its TransferDataSize and its response.
    pub put_buffers: Vec<(usize, RopResponse)>,
    /// The last ROP sent and how it ended.
    pub last: Option<(String, Observed)>,
    /// The open Message object (`without saving it`), for a later RopSaveChangesMessage.
    pub message: Option<u32>,
}

impl Harness {
    /// The client's logon handle.
    pub fn client_logon(&mut self) -> Result<u32, String> {
        self.client
            .ops_mut()
            .logon_object()
            .ok_or_else(|| "the client is not logged on".to_string())
    }

    /// Sends hand-made request bytes on the client's traced connection.
    pub async fn probe_bytes(&mut self, bytes: Vec<u8>) -> Probe {
        let out = self.client.ops_mut().transport_mut().execute(bytes).await;
        Probe {
            request: None,
            reply: match out {
                Ok(bytes) => Reply::Buffer {
                    bytes,
                    decoded: Err("hand-made request: the response is not decoded".into()),
                },
                Err(TransportError::RpcStatus(c)) => Reply::Rpc(c),
                Err(e) => Reply::Transport(e.to_string()),
            },
        }
    }

    /// Sends one request buffer on the client's traced connection.
    pub async fn probe(&mut self, req: RopRequestBuffer) -> Result<Probe, String> {
        let bytes = req.encode().map_err(|e| format!("the probe: {e}"))?;
        let out = self.client.ops_mut().transport_mut().execute(bytes).await;
        let reply = match out {
            Ok(bytes) => {
                let decoded = RopResponseBuffer::decode(&bytes, &req, &ResponseContext::default())
                    .map_err(|e| format!("the response buffer does not answer the request: {e}"));
                Reply::Buffer { bytes, decoded }
            }
            Err(TransportError::RpcStatus(c)) => Reply::Rpc(c),
            Err(e) => Reply::Transport(e.to_string()),
        };
        Ok(Probe {
            request: Some(req),
            reply,
        })
    }

    /// Sends `rops` with the handle table `handles`; every ROP must succeed. Returns the
    /// output handle table.
    pub async fn probe_ok(
        &mut self,
        rops: Vec<RopRequest>,
        handles: Vec<u32>,
        what: &str,
    ) -> Result<Vec<u32>, String> {
        let p = self.probe(RopRequestBuffer { rops, handles }).await?;
        let resp = p.responses().map_err(|e| format!("{what}: {e}"))?;
        for r in &resp.rops {
            let rv = return_value(r).unwrap_or(u32::MAX);
            if rv != 0 {
                return Err(format!("{what}: {} failed with 0x{rv:08X}", r.name()));
            }
        }
        Ok(resp.handles.clone())
    }

    /// Opens the named folder on the client's connection; its handle.
    pub async fn open_folder_handle(&mut self, folder: &str) -> Result<u32, String> {
        let fid = self.folder(folder)?;
        let logon = self.client_logon()?;
        let out = self
            .probe_ok(
                vec![open_folder_rop(0, 1, fid)],
                vec![logon, NO_HANDLE],
                "RopOpenFolder",
            )
            .await?;
        out.get(1)
            .copied()
            .filter(|h| *h != NO_HANDLE)
            .ok_or_else(|| "RopOpenFolder returned no handle".to_string())
    }

    /// Releases handles of the client's connection (RopRelease has no response; R-007).
    pub async fn release_handles(&mut self, handles: &[u32]) {
        if handles.is_empty() {
            return;
        }
        let rops = (0..handles.len() as u8).map(release_rop).collect();
        let _ = self
            .probe(RopRequestBuffer {
                rops,
                handles: handles.to_vec(),
            })
            .await;
    }

    /// Runs a FastTransfer download on the client's connection: `opens` fill slots 1..,
    /// `copy` (RopFastTransferSourceCopy*) writes the context into slot `opens.len() + 1`,
    /// then GetBuffer (0xBABE) until Done. Returns the stream; every handle is released.
    pub async fn ft_download(
        &mut self,
        opens: Vec<RopRequest>,
        copy: RopRequest,
    ) -> Result<Vec<u8>, String> {
        let logon = self.client_logon()?;
        let n = opens.len() + 2;
        let ctx_slot = (n - 1) as u8;
        let mut rops = opens;
        rops.push(copy);
        let mut handles = vec![logon];
        handles.extend(std::iter::repeat_n(NO_HANDLE, n - 1));
        let handles = self.probe_ok(rops, handles, "the copy").await?;
        let mut stream = Vec::new();
        let mut result = Err("no TransferStatus Done after 10000 GetBuffer calls".to_string());
        for _ in 0..10_000 {
            let get = RopRequest::FastTransferSourceGetBuffer(FastTransferSourceGetBufferRequest {
                logon_id: 0,
                input_handle_index: ctx_slot,
                buffer_size: BUFFER_SIZE_SENTINEL,
                maximum_buffer_size: Some(0x7000),
            });
            let p = self
                .probe(RopRequestBuffer {
                    rops: vec![get],
                    handles: handles.clone(),
                })
                .await?;
            let g = match p.responses()?.rops.first() {
                Some(RopResponse::FastTransferSourceGetBuffer(g)) => g.clone(),
                other => {
                    result = Err(format!("GetBuffer answered {other:?}"));
                    break;
                }
            };
            if !g.return_value.is_success() {
                result = Err(format!(
                    "GetBuffer failed with 0x{:08X}",
                    g.return_value.to_u32()
                ));
                break;
            }
            stream.extend_from_slice(&g.transfer_buffer);
            if g.transfer_status == TransferStatus::DONE {
                result = Ok(());
                break;
            }
            if g.transfer_status != TransferStatus::PARTIAL
                && g.transfer_status != TransferStatus::NO_ROOM
            {
                result = Err(format!("GetBuffer answered {:?}", g.transfer_status));
                break;
            }
        }
        let mut owned: Vec<u32> = handles.iter().skip(1).copied().collect();
        owned.reverse(); // owned objects before their owners
        self.release_handles(&owned).await;
        result.map(|()| stream)
    }

    /// Opens the object an upload goes to: (its handle, the handles to release after it).
    pub async fn open_upload_target(
        &mut self,
        t: &UploadTarget,
    ) -> Result<(u32, Vec<u32>), String> {
        let logon = self.client_logon()?;
        let (fid, second) = match t {
            UploadTarget::Folder(f) => (*f, None),
            UploadTarget::NewMessage(f) => (
                *f,
                Some(RopRequest::CreateMessage(CreateMessageRequest {
                    logon_id: 0,
                    input_handle_index: 1,
                    output_handle_index: 2,
                    code_page_id: 0x0FFF,
                    folder_id: *f,
                    associated_flag: 0,
                })),
            ),
            UploadTarget::Message(f, m) => (
                *f,
                Some(RopRequest::OpenMessage(OpenMessageRequest {
                    logon_id: 0,
                    input_handle_index: 1,
                    output_handle_index: 2,
                    code_page_id: 0x0FFF,
                    folder_id: *f,
                    open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                    message_id: *m,
                })),
            ),
        };
        let mut rops = vec![open_folder_rop(0, 1, fid)];
        let two = second.is_some();
        rops.extend(second);
        let handles = vec![logon, NO_HANDLE, NO_HANDLE];
        let out = self
            .probe_ok(rops, handles, "opening the upload target")
            .await?;
        let folder = out.get(1).copied().unwrap_or(NO_HANDLE);
        if two {
            let msg = out.get(2).copied().unwrap_or(NO_HANDLE);
            Ok((msg, vec![folder]))
        } else {
            Ok((folder, Vec::new()))
        }
    }

    /// A FastTransfer upload ([MS-OXCFXICS] 3.3.4.2, R-021): RopFastTransferDestinationConfigure
    /// on the target, the stream in PutBuffer pieces of at most `piece` bytes (none empty,
    /// R-066), RopRelease of the context, then RopSaveChangesMessage of a Message target
    /// unless `save` is false (the Message object then stays open in [`Upload::message`]).
    pub async fn ft_upload(
        &mut self,
        target: &UploadTarget,
        source_operation: u8,
        copy_flags: u8,
        stream: &[u8],
        piece: usize,
        save: bool,
    ) -> Result<Upload, String> {
        let (obj, owners) = self.open_upload_target(target).await?;
        let is_message = !matches!(target, UploadTarget::Folder(_));
        let mut up = Upload::default();
        let configure =
            RopRequest::FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest {
                logon_id: 0,
                input_handle_index: 0,
                output_handle_index: 1,
                source_operation: SourceOperation(source_operation),
                copy_flags: DestinationConfigureCopyFlags(copy_flags),
            });
        let p = self
            .probe(RopRequestBuffer {
                rops: vec![configure],
                handles: vec![obj, NO_HANDLE],
            })
            .await?;
        up.configure = p.observed(0);
        up.last = Some((
            "RopFastTransferDestinationConfigure".into(),
            up.configure.clone(),
        ));
        let ctx = match p.responses() {
            Ok(r) if up.configure.return_value == Some(0) => {
                r.handles.get(1).copied().unwrap_or(NO_HANDLE)
            }
            _ => NO_HANDLE,
        };
        if ctx != NO_HANDLE {
            for chunk in stream.chunks(piece.max(1)) {
                let put = RopRequest::FastTransferDestinationPutBuffer(
                    FastTransferDestinationPutBufferRequest {
                        logon_id: 0,
                        input_handle_index: 0,
                        transfer_data: chunk.to_vec(),
                    },
                );
                let p = self
                    .probe(RopRequestBuffer {
                        rops: vec![put],
                        handles: vec![ctx],
                    })
                    .await?;
                let o = p.observed(0);
                up.last = Some(("RopFastTransferDestinationPutBuffer".into(), o.clone()));
                if let Ok(r) = p.responses()
                    && let Some(resp) = r.rops.first()
                {
                    up.put_buffers.push((chunk.len(), resp.clone()));
                }
                if o.return_value != Some(0) {
                    break;
                }
            }
            self.release_handles(&[ctx]).await;
        }
        let put_ok = up
            .last
            .as_ref()
            .is_some_and(|(_, o)| o.return_value == Some(0));
        if is_message && ctx != NO_HANDLE && put_ok && save {
            up.last = Some(self.save_message(obj).await?);
        }
        if is_message && !save && put_ok {
            up.message = Some(obj);
        } else {
            self.release_handles(&[obj]).await;
        }
        self.release_handles(&owners).await;
        Ok(up)
    }

    /// RopSaveChangesMessage of an open Message object of the client's connection.
    pub async fn save_message(&mut self, msg: u32) -> Result<(String, Observed), String> {
        let save = RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 0,
            input_handle_index: 0,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        });
        let p = self
            .probe(RopRequestBuffer {
                rops: vec![save],
                handles: vec![msg],
            })
            .await?;
        Ok(("RopSaveChangesMessage".into(), p.observed(0)))
    }
}

/// What the probe steps of a scenario keep for their `Then` steps.
#[derive(Clone, Debug, Default)]
pub struct ProbeState {
    /// The last probe and the request position of the ROP it is about.
    pub last: Option<(Probe, usize)>,
    /// The last FastTransfer upload.
    pub upload: Option<Upload>,
    /// The output buffer size the last probe was sent with.
    pub output_buffer: Option<u32>,
}
