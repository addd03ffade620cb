//! Uploads of local changes by the client engine, recorded as an [`UploadRec`].

use super::{Harness, UploadRec};

impl Harness {
    /// The client engine uploads the local changes of a folder (ICS upload: collector,
    /// state upload, imports, GetTransferState), then its state is saved.
    pub async fn upload(&mut self, folder: &str) -> UploadRec {
        let start = self.trace_len();
        let mut rec = UploadRec::default();
        match self.folder(folder) {
            Err(e) => rec.error = Some(e),
            Ok(fid) => match self.start_session().await {
                Err(e) => rec.error = Some(e),
                Ok(()) => match self.client.upload_contents(fid.to_u64_le()).await {
                    Ok(r) => rec.report = Some(r),
                    Err(e) => rec.error = Some(e.to_string()),
                },
            },
        }
        if let Ok(scope) = self.scope(folder, false) {
            rec.state = self.client.replica().state(&scope).ok();
        }
        rec.trace = (start, self.trace_len());
        self.uploads.push(rec.clone());
        rec
    }
}
