//! Client headers completed into full items with RopFastTransferSourceCopyMessages.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropTag, PropValue, tags};

use crate::error::ReplicaError;
use crate::model::{Change, MessageFull, Scope};
use crate::sync::cancel::CancelToken;
use crate::sync::ops::*;

use super::{COPY_SEND_ENTRY_ID, Client, SEND_UNICODE, SyncError, SyncReport, gid_of};

impl<O: IcsOps + Send> Client<O> {
    /// Completes client headers into full items with
    /// RopFastTransferSourceCopyMessages and SendEntryId:
    /// each copied message replaces the stored header whose source key it
    /// carries. The ICS state is not changed.
    pub async fn complete_headers(
        &mut self,
        fid: u64,
        source_keys: &[Vec<u8>],
        cancel: &CancelToken,
    ) -> Result<u64, SyncError> {
        let mut mids = Vec::with_capacity(source_keys.len());
        for sk in source_keys {
            let m = self
                .replica
                .message(sk)?
                .ok_or_else(|| ReplicaError::UnknownMessage(crate::replica::hex(sk)))?;
            let g = gid_of(sk)
                .ok_or_else(|| ReplicaError::Corrupt("source key is not a GID".into()))?;
            let replid = self.map.id(g.replguid).ok_or_else(|| {
                ReplicaError::Corrupt(format!("no REPLID for REPLGUID {}", g.replguid.0))
            })?;
            mids.push(
                m.mid
                    .unwrap_or(ics_wire::Mid::new(replid, g.globcnt).to_u64_le()),
            );
        }
        let folder = self.ops.open_folder(fid).await?;
        let mut report = SyncReport::default();
        let r = async {
            let ctx = self
                .ops
                .copy_messages(folder, &mids, COPY_SEND_ENTRY_ID, SEND_UNICODE)
                .await?;
            let r = self
                .read_stream(ctx, RootKind::MessageList, cancel, &mut report)
                .await;
            let released = self.ops.release(ctx).await;
            let root = r?;
            released?;
            Ok::<_, SyncError>(root)
        }
        .await;
        let released = self.ops.release(folder).await;
        let root = r?;
        released?;
        let ft::Root::MessageList(list) = root else {
            return Err(SyncError::UnexpectedRoot(root.kind().name()));
        };
        let scope = Scope::contents(fid);
        let keep_state = self.replica.state(&scope)?;
        let mut txn = self.replica.begin_download(&scope)?;
        let mut n = 0;
        for item in &list.items {
            let ft::MessageListItem::Message(msg) = item else {
                continue;
            };
            let Some(full) = copied_message(msg)? else {
                continue;
            };
            txn.apply(&Change::MessageFull(full))?;
            n += 1;
        }
        txn.commit(&keep_state)?;
        Ok(n)
    }
}

/// A message of a CopyMessages stream with SendEntryId as a full change: the
/// identifying properties of R-040 become the header; the message is matched
/// by PidTagSourceKey, or by the message GID inside PidTagOriginalEntryId
/// (R-328, [MS-OXCDATA] 2.2.4.2 MessageEntryID: GID at offset 46).
fn copied_message(msg: &ft::Message) -> Result<Option<MessageFull>, SyncError> {
    let props = &msg.content.props;
    let get = |t: PropTag| {
        props
            .iter()
            .find(|p| p.tag.id() == t.id() && p.name.is_none())
            .map(|p| &p.value)
    };
    let source_key = match (
        get(tags::PID_TAG_SOURCE_KEY),
        get(tags::PID_TAG_ORIGINAL_ENTRY_ID),
    ) {
        (Some(PropValue::Binary(sk)), _) => sk.clone(),
        (_, Some(PropValue::Binary(eid))) if eid.len() >= 68 => eid[46..68].to_vec(),
        _ => return Ok(None),
    };
    let bin = |t| match get(t) {
        Some(PropValue::Binary(b)) => b.clone(),
        _ => Vec::new(),
    };
    let last_modification_time = match get(tags::PID_TAG_LAST_MODIFICATION_TIME) {
        Some(PropValue::Time(t)) => *t,
        _ => 0,
    };
    let identifying = [
        tags::PID_TAG_SOURCE_KEY,
        tags::PID_TAG_CHANGE_KEY,
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        tags::PID_TAG_ORIGINAL_ENTRY_ID,
        tags::PID_TAG_MID,
    ];
    let body: Vec<_> = props
        .iter()
        .filter(|p| p.name.is_some() || !identifying.iter().any(|t| t.id() == p.tag.id()))
        .map(crate::convert::prop)
        .collect();
    Ok(Some(MessageFull {
        header: crate::model::MessageHeader {
            source_key,
            last_modification_time,
            change_key: bin(tags::PID_TAG_CHANGE_KEY),
            pcl: bin(tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
            associated: msg.fai,
            mid: None,
            cn: None,
            message_size: None,
        },
        props: body,
        children: crate::convert::children(&msg.content.children, false)?,
    }))
}
