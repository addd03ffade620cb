//! RopFastTransferSourceCopyMessages downloads of named messages ([MS-OXCFXICS] 2.2.3.1.1.3).

use ics_client::sync::ops::IcsOps;
use ics_wire::ftstream::{self as ft, RootKind};

use super::{DownloadRec, Harness, observed_of};

impl Harness {
    /// RopFastTransferSourceCopyMessages of the named messages of the Sync folder, its
    /// stream read with the scenario's GetBuffer sizes and parsed as a `messageList`
    /// ([MS-OXCFXICS] 2.2.3.1.1.3, 2.2.4.3.17). Recorded as the last download.
    pub async fn copy_messages(
        &mut self,
        names: &[String],
        copy_flags: u8,
        send_options: u8,
    ) -> DownloadRec {
        self.release_open_context().await;
        let start = self.trace_len();
        let mut rec = DownloadRec::default();
        if let Err(e) = self
            .copy_in(names, copy_flags, send_options, &mut rec)
            .await
        {
            rec.error = Some(e);
        }
        rec.trace = (start, self.trace_len());
        self.last = Some((
            "RopFastTransferSourceCopyMessages".into(),
            rec.download.clone(),
        ));
        self.downloads.push(rec.clone());
        rec
    }

    async fn copy_in(
        &mut self,
        names: &[String],
        copy_flags: u8,
        send_options: u8,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        let mids = names
            .iter()
            .map(|n| self.message(n).map(|m| m.mid.to_u64_le()))
            .collect::<Result<Vec<_>, _>>()?;
        // The folder of the named messages (the copy source), the Sync folder if none.
        let fid = match names.first() {
            Some(n) => self.message(n)?.folder,
            None => self.sync_folder()?,
        };
        let ops = self.client.ops_mut();
        let folder = ops
            .open_folder(fid.to_u64_le())
            .await
            .map_err(|e| format!("RopOpenFolder: {e}"))?;
        let copied = ops
            .copy_messages(folder, &mids, copy_flags, send_options)
            .await;
        let _ = self.client.ops_mut().release(folder).await;
        let ctx = match copied {
            Ok(ctx) => ctx,
            Err(e) => {
                let message = format!("RopFastTransferSourceCopyMessages: {e}");
                rec.download = observed_of(&Err(e));
                return Err(message);
            }
        };
        self.open_ctx = Some(ctx);
        self.read_stream(ctx, rec).await?;
        rec.root = Some(
            ft::parse(RootKind::MessageList, &rec.bytes).map_err(|e| format!("the stream: {e}"))?,
        );
        Ok(())
    }
}
