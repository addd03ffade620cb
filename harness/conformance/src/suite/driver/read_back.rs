//! Read-backs on the other session: what the server holds, by fresh downloads and property reads.

use ics_client::model::{StateBlobs, SyncType};
use ics_client::sync::ops::{BufferSize, Configure, GetBufferReply, IcsOps, Obj, TransferStatus};
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::flags::MessageOpenModeFlags;
use ics_wire::rop::message::OpenMessageRequest;
use ics_wire::rop::{RopRequest, RopResponse};

use super::{Harness, Ops, ServerMessage, find_prop};

impl Harness {
    /// A contents download of `folder` on the other session from `state` with `cfg`, parsed:
    /// a read-back that leaves the client, its ROP trace and its downloads alone.
    pub async fn read_back_from_state(
        &mut self,
        folder: &str,
        cfg: &Configure,
        state: &StateBlobs,
    ) -> Result<ft::ContentsSync, String> {
        let fid = self.folder(folder)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let bytes = read_back_stream(ops, f, cfg, Some(state)).await?;
        match ft::parse(RootKind::ContentsSync, &bytes) {
            Ok(ft::Root::ContentsSync(cs)) => Ok(cs),
            Ok(r) => Err(format!("read-back download: a {}", r.kind().name())),
            Err(e) => Err(format!("read-back download: {e}")),
        }
    }

    /// The folders below `root` as the server has them, read back with a fresh hierarchy
    /// download on the other session: (source key, parent source key, display name).
    pub async fn server_folders(
        &mut self,
        root: &str,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>, String)>, String> {
        let fid = self.folder(root)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let cfg = Configure {
            sync_type: SyncType::Hierarchy,
            send_options: 0x01,
            sync_flags: 0x0001 | 0x0100,
            restriction: Vec::new(),
            extra_flags: 0x1,
            property_tags: Vec::new(),
        };
        let bytes = read_back_stream(ops, f, &cfg, None).await?;
        let Ok(ft::Root::HierarchySync(hs)) = ft::parse(RootKind::HierarchySync, &bytes) else {
            return Err("read-back download: not a hierarchySync".into());
        };
        let bin = |p: &[ft::FtProp], t| match find_prop(p, t) {
            Some(PropValue::Binary(b)) => b.clone(),
            _ => Vec::new(),
        };
        Ok(hs
            .folder_changes
            .iter()
            .map(|c| {
                let name = match find_prop(&c.props, tags::PID_TAG_DISPLAY_NAME) {
                    Some(PropValue::Unicode(u)) => u.to_string_lossy(),
                    Some(PropValue::String8(b)) => String::from_utf8_lossy(b).into_owned(),
                    _ => String::new(),
                };
                (
                    bin(&c.props, tags::PID_TAG_SOURCE_KEY),
                    bin(&c.props, tags::PID_TAG_PARENT_SOURCE_KEY),
                    name,
                )
            })
            .collect())
    }

    /// Every property of a message as RopOpenMessage + RopGetPropertiesAll on the other
    /// session return it ([MS-OXCPRPT] 2.2.2.4): a read outside synchronization, which also
    /// sees a message that is never synchronized as such (a conflict resolve message,
    /// [MS-OXCFXICS] 3.1.5.6.2.1).
    pub fn server_message_properties(
        &mut self,
        name: &str,
    ) -> Result<Vec<ics_wire::prop::TaggedValue>, String> {
        let get = RopRequest::GetPropertiesAll(ics_wire::rop::property::GetPropertiesAllRequest {
            logon_id: 0,
            input_handle_index: 2,
            property_size_limit: 0,
            want_unicode: 1,
        });
        let m = self.message(name)?;
        let rops = vec![
            Self::open_folder_rop(m.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: m.folder,
                open_mode_flags: MessageOpenModeFlags::default(),
                message_id: m.mid,
            }),
            get,
            Self::release_rop(2),
            Self::release_rop(1),
        ];
        let resps = self.admin_call(rops, 2)?;
        Self::check(&resps, &format!("reading message {name}"))?;
        match &resps[2] {
            RopResponse::GetPropertiesAll(r) => match &r.result {
                ics_wire::rop::common::RopResult::Success(s) => {
                    Ok(s.property_values.iter().map(|v| v.0.clone()).collect())
                }
                ics_wire::rop::common::RopResult::Failure(e) => {
                    Err(format!("RopGetPropertiesAll of {name}: {e:?}"))
                }
            },
            other => Err(format!("reading message {name}: {}", other.name())),
        }
    }

    /// The scenario's message `m` as the server has it, read back with
    /// [`Self::server_messages`] of the folder that holds it.
    pub async fn server_message(&mut self, m: &str) -> Result<ServerMessage, String> {
        let sk = self.message_key(m)?;
        let folder = self.folder_name_of(m)?;
        self.server_messages(&folder)
            .await?
            .into_iter()
            .find(|x| x.source_key == sk)
            .ok_or_else(|| format!("the server does not hold {m}"))
    }

    /// The messages of a folder as the server has them, read back through ROPs: a fresh
    /// full download (empty state, Eid and CN) on the other session.
    pub async fn server_messages(&mut self, folder: &str) -> Result<Vec<ServerMessage>, String> {
        let fid = self.folder(folder)?;
        let ops = &mut self.admin;
        let f = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| e.to_string())?;
        let cfg = Configure {
            sync_type: SyncType::Contents,
            send_options: 0x01,
            sync_flags: 0x0001 | 0x0008 | 0x0010 | 0x0020 | 0x0100,
            restriction: Vec::new(),
            extra_flags: 0x1 | 0x4,
            property_tags: Vec::new(),
        };
        let bytes = read_back_stream(ops, f, &cfg, None).await?;
        let Ok(ft::Root::ContentsSync(cs)) = ft::parse(RootKind::ContentsSync, &bytes) else {
            return Err("read-back download: not a contentsSync".into());
        };
        let mut out = Vec::new();
        for item in &cs.changes {
            let ft::ContentsSyncItem::Change { change, .. } = item else {
                continue;
            };
            let ft::MessageChange::Full(full) = change else {
                return Err("read-back download: a partial change from an empty state".into());
            };
            let sk = match find_prop(&full.header, tags::PID_TAG_SOURCE_KEY) {
                Some(PropValue::Binary(b)) => b.clone(),
                _ => return Err("read-back download: a change without PidTagSourceKey".into()),
            };
            let cn = match find_prop(&full.header, tags::PID_TAG_CHANGE_NUMBER) {
                Some(PropValue::I64(v)) => Some(*v as u64),
                _ => None,
            };
            let fai = matches!(
                find_prop(&full.header, tags::PID_TAG_ASSOCIATED),
                Some(PropValue::Boolean(true))
            );
            let last_modified = match find_prop(&full.header, tags::PID_TAG_LAST_MODIFICATION_TIME)
            {
                Some(PropValue::Time(t)) => *t,
                _ => 0,
            };
            out.push(ServerMessage {
                source_key: sk,
                last_modified,
                cn,
                fai,
                props: full.props.clone(),
                header: full.header.clone(),
                children: full.children.clone(),
            });
        }
        Ok(out)
    }
}

/// Reads a whole read-back download (configure on the opened folder `f`, no state or the four
/// contents state properties of `state`, GetBuffer with 0xBABE until Done), then releases the
/// context and the folder.
async fn read_back_stream(
    ops: &mut Ops,
    f: Obj,
    cfg: &Configure,
    state: Option<&StateBlobs>,
) -> Result<Vec<u8>, String> {
    let ctx = ops.configure(f, cfg).await.map_err(|e| e.to_string())?;
    if let Some(s) = state {
        use ics_wire::state as st;
        for (tag, data) in [
            (st::META_TAG_IDSET_GIVEN, &s.idset_given),
            (st::META_TAG_CNSET_SEEN, &s.cnset_seen),
            (st::META_TAG_CNSET_SEEN_FAI, &s.cnset_seen_fai),
            (st::META_TAG_CNSET_READ, &s.cnset_read),
        ] {
            let up = async {
                ops.state_begin(ctx, tag, data.len() as u32).await?;
                if !data.is_empty() {
                    ops.state_continue(ctx, data).await?;
                }
                ops.state_end(ctx).await
            };
            up.await
                .map_err(|e| format!("read-back state upload: {e}"))?;
        }
    }
    let mut bytes = Vec::new();
    loop {
        match ops
            .get_buffer(ctx, BufferSize::Babe { max: 32767 })
            .await
            .map_err(|e| e.to_string())?
        {
            GetBufferReply::Data { status, buffer, .. } => {
                bytes.extend_from_slice(&buffer);
                if status == TransferStatus::Done {
                    break;
                }
                if status != TransferStatus::Partial {
                    return Err(format!("read-back download: {status:?}"));
                }
            }
            other => return Err(format!("read-back download: {other:?}")),
        }
    }
    let _ = ops.release(ctx).await;
    let _ = ops.release(f).await;
    Ok(bytes)
}
