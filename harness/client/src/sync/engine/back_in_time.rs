//! The back-in-time check: a counter in a FAI message compared on both sides.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropValue, tags};

use crate::error::ReplicaError;
use crate::sync::cancel::CancelToken;
use crate::sync::ops::*;

use super::{
    COPY_SEND_ENTRY_ID, Client, SEND_UNICODE, SyncError, SyncReport, filetime_now, gid_of,
};

impl<O: IcsOps + Send> Client<O> {
    /// Back-in-time detection ([MS-OXCSYNC] 3.1.3.1.1.1; ): a
    /// per-replica counter is kept with the replica and, on the server, in an
    /// FAI message of folder `fid` that this client owns. The server's value
    /// is read with RopFastTransferSourceCopyMessages (independent of the ICS
    /// state); it must equal the local one, else one side went back in time.
    /// Then the counter is incremented on both sides. Returns the new value.
    pub async fn check_back_in_time(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<u64, SyncError> {
        let local = self.replica.back_in_time_counter()?;
        let now = filetime_now();
        let sk = match self.replica.back_in_time_message()? {
            None => {
                self.ensure_ids().await?;
                let props = [
                    counter_prop(local),
                    crate::model::Prop::tagged(
                        tags::PID_TAG_MESSAGE_CLASS,
                        PropValue::unicode(COUNTER_CLASS),
                    ),
                ];
                let sk = self.replica.create_local_message(fid, true, &props, now)?;
                self.replica.set_back_in_time_message(&sk)?;
                sk
            }
            Some(sk) => {
                let server = self.read_counter(fid, &sk, cancel).await?;
                // A bump uploaded but never confirmed (cut connection) is not a rollback.
                let pending = self
                    .replica
                    .message(&sk)?
                    .filter(|m| m.local != 0)
                    .and_then(|m| counter_of(&m.props));
                match server {
                    Some(v) if v == local => {}
                    Some(v) if Some(v) == pending => self.replica.set_back_in_time_counter(v)?,
                    _ => return Err(SyncError::BackInTime { local, server }),
                }
                let next = self.replica.back_in_time_counter()? + 1;
                self.replica
                    .modify_local_message(&sk, &[counter_prop(next)], &[], now)?;
                sk
            }
        };
        self.upload_contents(fid).await?;
        let m = self
            .replica
            .message(&sk)?
            .ok_or_else(|| ReplicaError::UnknownMessage(crate::replica::hex(&sk)))?;
        if m.local == 0 {
            let v = counter_of(&m.props).unwrap_or(local);
            self.replica.set_back_in_time_counter(v)?;
        }
        self.replica.back_in_time_counter().map_err(Into::into)
    }

    async fn read_counter(
        &mut self,
        fid: u64,
        sk: &[u8],
        cancel: &CancelToken,
    ) -> Result<Option<u64>, SyncError> {
        let g = gid_of(sk)
            .ok_or_else(|| ReplicaError::Corrupt("counter source key is not a GID".into()))?;
        let replid = self.map.id(g.replguid).ok_or_else(|| {
            ReplicaError::Corrupt(format!("no REPLID for REPLGUID {}", g.replguid.0))
        })?;
        let mid = ics_wire::Mid::new(replid, g.globcnt).to_u64_le();
        let folder = self.ops.open_folder(fid).await?;
        let mut report = SyncReport::default();
        let r = async {
            let ctx = self
                .ops
                .copy_messages(folder, &[mid], COPY_SEND_ENTRY_ID, SEND_UNICODE)
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
        let root = match r {
            Ok(root) => root,
            // The counter message is gone from the server (ecNotFound); any
            // other failure (e.g. CopyMessages unsupported) is not a verdict.
            Err(SyncError::Op(OpError::Rop {
                code: 0x8004_010F, ..
            })) => return Ok(None),
            Err(e) => return Err(e),
        };
        released?;
        let ft::Root::MessageList(list) = root else {
            return Err(SyncError::UnexpectedRoot(root.kind().name()));
        };
        Ok(list.items.iter().find_map(|i| match i {
            ft::MessageListItem::Message(m) => {
                let props: Vec<_> = m.content.props.iter().map(crate::convert::prop).collect();
                counter_of(&props)
            }
            _ => None,
        }))
    }
}

/// PidTagMessageClass of the counter message.
pub const COUNTER_CLASS: &str = "IPM.Microsoft.ICS.ReplicaCounter";

/// The named property holding the back-in-time counter (a property set of this harness).
pub fn counter_name() -> ics_wire::prop::PropertyName {
    ics_wire::prop::PropertyName {
        guid: ics_wire::Guid::from_bytes(*b"ics-harness-bit\0"),
        kind: ics_wire::prop::NameKind::Name("ReplicaCounter".into()),
    }
}

fn counter_prop(v: u64) -> crate::model::Prop {
    crate::model::Prop {
        key: crate::model::PropKey::Named(counter_name()),
        value: PropValue::I64(v as i64),
    }
}

fn counter_of(props: &[crate::model::Prop]) -> Option<u64> {
    props.iter().find_map(|p| match (&p.key, &p.value) {
        (crate::model::PropKey::Named(n), PropValue::I64(v)) if *n == counter_name() => {
            Some(*v as u64)
        }
        _ => None,
    })
}
