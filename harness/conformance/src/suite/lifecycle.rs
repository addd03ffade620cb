//! The reference client's life cycle in a scenario. Its replica is a SQLite database that
//! outlives the client: a named in-memory database in SQLite's shared cache, kept open by the
//! harness like a disk that survives the client process (a file per scenario would cost the
//! suite its time budget in disk writes). So the client can be restarted from its database,
//! crash in the middle of applying a download (the open transaction dies with its connection),
//! keep a copy of its replica (a file in a directory of the scenario, removed with it) and be
//! restarted from that copy ([MS-OXCSYNC] 3.1.5.3.9, 3.1.3.1.1.1; [MS-OXCFXICS] 3.3.4.3.1).
//!
//! It also keeps what the life-cycle steps check: the changes the client applied although its
//! replica already held that version (a download applied twice), and why the client refused
//! to synchronize.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use ics_client::Replica;
use ics_client::model::Change;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncError};
use ics_client::sync::ops::{IcsOps, Obj, OpError};
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::TransportError;
use ics_wire::Fid;

use crate::driver::Harness;

/// A directory of one scenario, removed with it.
#[derive(Debug)]
struct ScenarioDir(PathBuf);

impl ScenarioDir {
    fn new() -> Result<Self, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("ics-harness-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p)
            .map_err(|e| format!("the replica directory {}: {e}", p.display()))?;
        Ok(ScenarioDir(p))
    }
}

impl Drop for ScenarioDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Why the client refused a synchronization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The back-in-time counters differ ([MS-OXCSYNC] 3.1.3.1.1.1): `local` is the replica's,
    /// `server` the one read from the server (`None`: the counter message is gone).
    BackInTime { local: u64, server: Option<u64> },
    /// The replica was abandoned earlier.
    Abandoned(String),
    /// The client crashed and was not restarted.
    Crashed,
    /// RopLogon returned another mailbox GUID than the replica's ([MS-OXCFXICS] 3.3.5.4).
    WrongMailbox(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::BackInTime { local, server } => write!(
                f,
                "back in time: replica counter {local}, server counter {server:?}"
            ),
            Refusal::Abandoned(r) => write!(f, "the replica was abandoned ({r})"),
            Refusal::Crashed => f.write_str("the client crashed and was not restarted"),
            Refusal::WrongMailbox(e) => write!(f, "another mailbox: {e}"),
        }
    }
}

/// The life-cycle state of the client of one scenario.
#[derive(Debug)]
pub struct Lifecycle {
    /// The directory of the copies, made on first use.
    dir: Option<ScenarioDir>,
    /// Keeps the in-memory database alive while the client restarts.
    _keeper: Replica,
    /// The database the client runs on: the name of the in-memory one, or a copy's file.
    pub db: PathBuf,
    /// The copy kept by "the client keeps a copy of its replica".
    pub copy: Option<PathBuf>,
    /// With back-in-time detection: the folder holding the counter message; each
    /// synchronization and upload then starts a session with the counter check.
    pub sessions_in: Option<Fid>,
    /// Why the client refused the last synchronization or upload.
    pub refusal: Option<Refusal>,
    /// The trace position where the server was rolled back (`@needs-server-rollback`).
    pub rolled_back_at: Option<usize>,
    /// A crash is armed for the next download the client applies.
    pub crash_next: bool,
    /// The client crashed applying a download and was not restarted yet.
    pub crashed: bool,
    /// Message changes the client applied while its replica already held that version
    /// (same PidTagSourceKey and PidTagChangeKey), by name.
    pub reapplied: Vec<String>,
    /// The last download failed because the connection was lost.
    pub connection_lost: bool,
    /// The collector left open by "the client opens a contents collector ...": (folder,
    /// collector).
    pub collector: Option<(Obj, Obj)>,
    /// The GetTransferState context kept unread.
    pub kept_ctx: Option<Obj>,
    /// The source key of the last change imported on the open collector.
    pub last_import: Option<Vec<u8>>,
    /// The target presents another (or the original) mailbox: the next client session starts
    /// with a new RopLogon (`@needs-second-mailbox`).
    pub logon_next: bool,
    /// The replica's dump before the last synchronization ("the replica is unchanged").
    pub replica_before: Option<String>,
    /// The property group emptied on the server, named by one of its properties
    /// (`@needs-property-groups`).
    pub emptied_group_of: Option<ics_wire::prop::PropTag>,
    files: u32,
}

impl Lifecycle {
    /// A fresh database for the client.
    pub fn new() -> Result<Self, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let db = PathBuf::from(format!(
            "file:ics-harness-replica-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        ));
        let keeper = Replica::open(&db).map_err(|e| format!("the replica database: {e}"))?;
        Ok(Lifecycle {
            db,
            _keeper: keeper,
            dir: None,
            copy: None,
            sessions_in: None,
            refusal: None,
            rolled_back_at: None,
            crash_next: false,
            logon_next: false,
            replica_before: None,
            emptied_group_of: None,
            crashed: false,
            reapplied: Vec::new(),
            connection_lost: false,
            collector: None,
            kept_ctx: None,
            last_import: None,
            files: 0,
        })
    }

    /// The client's replica, opened from its database file.
    pub fn open_replica(&self) -> Result<Replica, String> {
        Replica::open(&self.db).map_err(|e| format!("the replica {}: {e}", self.db.display()))
    }

    /// A new file name in the scenario's directory (made on first use).
    pub fn new_file(&mut self, stem: &str) -> Result<PathBuf, String> {
        if self.dir.is_none() {
            self.dir = Some(ScenarioDir::new()?);
        }
        let dir = self
            .dir
            .as_ref()
            .map(|d| d.0.as_path())
            .unwrap_or(Path::new("."));
        self.files += 1;
        Ok(dir.join(format!("{stem}-{}.db", self.files)))
    }
}

/// Whether an operation failed because the connection was lost.
pub fn is_connection_lost(e: &OpError) -> bool {
    matches!(e, OpError::Transport(TransportError::ConnectionLost))
}

/// Counts the changes applied so far; the crash hook trips once half are applied.
#[derive(Clone, Debug, Default)]
pub struct ApplyProgress(Option<Arc<AtomicUsize>>);

impl ApplyProgress {
    /// One more change applied.
    pub fn applied_one(&self) {
        if let Some(n) = &self.0 {
            n.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Whether a crash was armed for this download.
    pub fn armed(&self) -> bool {
        self.0.is_some()
    }
}

impl Harness {
    /// Before the client applies a download: notes the message changes whose version the
    /// replica already holds, and arms the crash point if one was asked for (the replica's
    /// fault hook stops the download at its first write once half of the changes are applied).
    pub fn before_apply(&mut self, changes: &[Change]) -> ApplyProgress {
        for c in changes {
            let h = match c {
                Change::MessageFull(m) => &m.header,
                Change::MessagePartial(m) => &m.header,
                _ => continue,
            };
            let held = self
                .client
                .replica()
                .message(&h.source_key)
                .ok()
                .flatten()
                .is_some_and(|r| !r.change_key.is_empty() && r.change_key == h.change_key);
            if held {
                let name = self
                    .name_of_key(&h.source_key)
                    .unwrap_or_else(|| format!("{:02x?}", h.source_key));
                self.life.reapplied.push(name);
            }
        }
        if !std::mem::take(&mut self.life.crash_next) {
            return ApplyProgress(None);
        }
        let half = changes.len().div_ceil(2).max(1);
        let applied = Arc::new(AtomicUsize::new(0));
        let seen = applied.clone();
        self.client
            .replica_mut()
            .set_fault_hook(Some(Box::new(move |_, _| {
                seen.load(Ordering::SeqCst) >= half
            })));
        ApplyProgress(Some(applied))
    }

    /// After the client applied (or failed to apply) a download: a crash armed for it has
    /// happened if the apply failed; the hook is removed.
    pub fn after_apply(&mut self, progress: &ApplyProgress, failed: bool) {
        if progress.armed() {
            self.client.replica_mut().set_fault_hook(None);
            self.life.crashed = failed;
        }
    }

    /// The client process starts again on the database `db` (its own, or a restored copy):
    /// a new connection, a new RopLogon (the mailbox GUID is compared again, R-271), the
    /// replica opened from the file. The old client is dropped without any further ROP.
    pub async fn restart_client(&mut self, db: PathBuf) -> Result<(), String> {
        let replica =
            Replica::open(&db).map_err(|e| format!("the replica {}: {e}", db.display()))?;
        self.life.db = db;
        let ops = RopSession::new(
            self.target.connect(Some(self.trace.clone())),
            &self.target.mailbox_dn(),
        );
        let opts = self.client.options_mut().clone();
        let client = Client::connect(ops, replica, opts)
            .await
            .map_err(|e| format!("the restarted client cannot log on: {e}"))?;
        drop(std::mem::replace(&mut self.client, client));
        self.open_ctx = None;
        self.life.collector = None;
        self.life.kept_ctx = None;
        self.life.crashed = false;
        Ok(())
    }

    /// The check a client session starts with, when the scenario asked for back-in-time
    /// detection; a refusal is recorded and returned as the error.
    pub async fn start_session(&mut self) -> Result<(), String> {
        if self.life.crashed {
            self.life.refusal = Some(Refusal::Crashed);
            return Err(Refusal::Crashed.to_string());
        }
        if self.life.logon_next {
            self.logon_again().await?;
        }
        let Some(fid) = self.life.sessions_in else {
            return Ok(());
        };
        match self
            .client
            .start_session(fid.to_u64_le(), &CancelToken::new())
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => {
                let refusal = match e {
                    SyncError::BackInTime { local, server } => {
                        Refusal::BackInTime { local, server }
                    }
                    SyncError::Abandoned(r) => Refusal::Abandoned(r),
                    e => return Err(format!("the back-in-time check failed: {e}")),
                };
                let message = format!("the client refused: {refusal}");
                self.life.refusal = Some(refusal);
                Err(message)
            }
        }
    }

    /// A new RopLogon of the client, which compares the mailbox GUID it returns with the
    /// replica's: another mailbox's GUID is a refusal, recorded and
    /// returned as the error; the next session logs on again.
    async fn logon_again(&mut self) -> Result<(), String> {
        match self.client.reconnect().await {
            Ok(()) => {
                self.life.logon_next = false;
                Ok(())
            }
            Err(SyncError::Replica(e @ ics_client::ReplicaError::WrongMailbox { .. })) => {
                let refusal = Refusal::WrongMailbox(e.to_string());
                let message = format!("the client refused: {refusal}");
                self.life.refusal = Some(refusal);
                Err(message)
            }
            Err(e) => Err(format!("the client cannot log on again: {e}")),
        }
    }

    /// After a lost connection every handle is gone: the client logs on again
    /// ([`Client::reconnect`], which compares the mailbox GUID again, R-271), and so does the
    /// other session.
    pub async fn reconnect_after_loss(&mut self) -> Result<(), String> {
        self.open_ctx = None;
        self.client
            .reconnect()
            .await
            .map_err(|e| format!("the client cannot log on again: {e}"))?;
        self.relogon_other_session().await
    }

    /// Releases the collector and the kept context of the open-collector steps.
    pub async fn release_collector(&mut self) {
        let ops = self.client.ops_mut();
        if let Some(ctx) = self.life.kept_ctx.take() {
            let _ = ops.release(ctx).await;
        }
        if let Some((folder, coll)) = self.life.collector.take() {
            let _ = ops.release(coll).await;
            let _ = ops.release(folder).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_client::model::{Scope, StateBlobs};

    #[test]
    fn the_database_outlives_the_clients_connection_and_copies_are_removed_with_the_scenario() {
        let mut life = Lifecycle::new().unwrap();
        let other = Lifecycle::new().unwrap();
        assert_ne!(life.db, other.db, "every scenario has its own database");
        let state = StateBlobs {
            idset_given: vec![1],
            ..StateBlobs::default()
        };
        let mut client = life.open_replica().unwrap();
        client.set_state(&Scope::contents(5), &state).unwrap();
        drop(client);
        let reopened = life.open_replica().unwrap();
        assert_eq!(reopened.state(&Scope::contents(5)).unwrap(), state);
        assert!(
            other
                .open_replica()
                .unwrap()
                .saved_scopes()
                .unwrap()
                .is_empty()
        );

        let copy = life.new_file("copy").unwrap();
        reopened.copy_to(&copy).unwrap();
        let dir = copy.parent().unwrap().to_path_buf();
        assert!(copy.exists());
        assert_ne!(life.new_file("copy").unwrap(), copy);
        drop((reopened, life));
        assert!(!dir.exists(), "the scenario's directory is removed with it");
    }
}
