//! The connection to a target: a ROP transport (request buffer in, response buffer out) that
//! records every exchange in the ROP trace, and the control capabilities beside the ROPs
//! (fault injection, behaviour profiles) that a third-party target may lack.
//!
//! The default target is the in-process reference server (`ics-server`): its session sits
//! behind the client's [`RopTransport`]; control goes through the server's control API
//! ([`Session::faults_mut`], [`Session::set_profile`], [`Mailbox::set_unreadable`]), never
//! through ROPs.
//!
//! [`Mailbox::set_unreadable`]: ics_server::mailbox::Mailbox::set_unreadable

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use ics_client::transport::{RopTransport, ServerVersion, TransportError};
use ics_server::mailbox::Mailbox;
use ics_server::session::mailboxes::{Store, second_identity};
use ics_server::session::profile::{BusyRecord, Profile};
use ics_server::session::{Session, SessionError};
use ics_wire::Mid;
use ics_wire::rop::RopRequestBuffer;
use ics_wire::rop::ids::ROP_FAST_TRANSFER_SOURCE_GET_BUFFER;

/// One request/response exchange of the ROP trace.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// When the request was sent.
    pub sent: Instant,
    /// When the response came back.
    pub answered: Instant,
    /// The ROP request buffer.
    pub request: Vec<u8>,
    /// The ROP response buffer, or the transport failure.
    pub response: Result<Vec<u8>, TransportError>,
}

/// The ROP trace of one connection.
pub type Trace = Arc<Mutex<Vec<Exchange>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Control of the reference server beside the ROPs.
#[derive(Debug, Default)]
struct Arming {
    /// Answer GetBuffer call `n` (1-based, counted from arming) with busy and this BackoffTime.
    busy_at: Option<(u32, u32)>,
    /// GetBuffer calls seen since arming.
    get_buffers: u32,
    /// A request buffer (another session's change) to run right after the next GetBuffer.
    after_get_buffer: Option<Vec<u8>>,
}

/// The in-process reference server shared by the connections of one scenario.
#[derive(Clone)]
pub struct Reference {
    session: Arc<Mutex<Session>>,
    arming: Arc<Mutex<Arming>>,
    /// The backup `@needs-server-rollback` restores.
    backup: Arc<Mutex<Option<ics_server::mailbox::Snapshot>>>,
    /// `@needs-second-mailbox`: the mailbox not presented to logons now.
    other_mailbox: Arc<Mutex<Option<Store>>>,
    start: Instant,
}

impl std::fmt::Debug for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reference").finish_non_exhaustive()
    }
}

impl Default for Reference {
    fn default() -> Self {
        Self::new()
    }
}

impl Reference {
    /// A fresh mailbox with the default behaviour profile.
    pub fn new() -> Self {
        Reference {
            session: Arc::new(Mutex::new(public_folders(Session::new(
                Mailbox::default(),
                Profile::default(),
            )))),
            arming: Arc::default(),
            backup: Arc::default(),
            other_mailbox: Arc::default(),
            start: Instant::now(),
        }
    }

    /// `@needs-fault-injection`: runs `request` (a ROP buffer of another session) right
    /// after the next GetBuffer, so that the change races the download.
    pub fn after_first_get_buffer(&mut self, request: Vec<u8>) {
        lock(&self.arming).after_get_buffer = Some(request);
    }

    /// A connection; `trace` records its exchanges.
    pub fn connect(&self, trace: Option<Trace>) -> InProc {
        InProc {
            target: self.clone(),
            trace,
            output_buffer: None,
        }
    }
}

/// The control capabilities of a target (features/README.md, "Faults and control").
pub trait Control {
    /// `@needs-fault-injection`: the next `n` GetBuffer calls answer busy with `backoff_ms`.
    fn busy_next(&mut self, n: u32, backoff_ms: u32);
    /// `@needs-fault-injection`: GetBuffer call `n` (1-based, from now) answers busy.
    fn busy_at(&mut self, n: u32, backoff_ms: u32);
    /// `@needs-fault-injection`: reading the message fails on the server.
    fn unreadable(&mut self, mid: Mid) -> Result<(), String>;
    /// `@needs-fault-injection`: the connection breaks after `n` stream bytes.
    fn cut_after(&mut self, n: usize);
    /// `@needs-behaviour-profile`: selects a profile by name (`default`, `strict`).
    fn profile(&mut self, name: &str) -> Result<(), String>;
    /// The busy answers the server gave, with retry arrival times (ms).
    fn busy_log(&self) -> Vec<BusyRecord>;
    /// `@needs-public-folders`: the server's age policy removes the public-folder message
    /// `mid` as expired ([MS-OXCFXICS] 2.2.1.3.3).
    fn expire(&mut self, mid: Mid) -> Result<(), String>;
    /// `@needs-server-rollback`: backs the mailbox up now (replacing an earlier backup).
    fn backup(&mut self) -> Result<(), String>;
    /// `@needs-server-rollback`: restores the backup, as a server restored from an older
    /// backup is ([MS-OXCFXICS] 3.3.5.3): objects, change numbers and ID counters go back.
    fn roll_back(&mut self) -> Result<(), String>;
    /// `@needs-second-mailbox`: the next logon under the same name opens another mailbox
    /// (another mailbox GUID), or the original one again when `original`
    /// ([MS-OXCFXICS] 3.3.5.4).
    fn present_mailbox(&mut self, original: bool) -> Result<(), String>;
    /// `@needs-property-groups`: the target's property-group mapping, given out of band
    /// ([MS-OXCFXICS] 2.2.2.8, 3.2.5.7): the property tags of each group, by group index.
    fn property_groups(&self) -> Result<Vec<Vec<ics_wire::prop::PropTag>>, String>;
    /// `@needs-permissions`: the user loses the read permission on the message
    /// ([MS-OXCFXICS] 3.2.5.8.1); unlike [`Control::unreadable`], reading it is refused, not
    /// failed.
    fn deny_read(&mut self, mid: Mid) -> Result<(), String>;
}

impl Control for Reference {
    fn busy_next(&mut self, n: u32, backoff_ms: u32) {
        let mut s = lock(&self.session);
        s.faults_mut().busy_remaining = n;
        s.faults_mut().busy_backoff = backoff_ms;
    }

    fn busy_at(&mut self, n: u32, backoff_ms: u32) {
        let mut a = lock(&self.arming);
        a.busy_at = Some((n, backoff_ms));
        a.get_buffers = 0;
    }

    fn unreadable(&mut self, mid: Mid) -> Result<(), String> {
        lock(&self.session)
            .mailbox_mut()
            .set_unreadable(mid, true)
            .map_err(|e| e.to_string())
    }

    fn cut_after(&mut self, n: usize) {
        lock(&self.session).faults_mut().cut_after_bytes = Some(n);
    }

    fn profile(&mut self, name: &str) -> Result<(), String> {
        let p = match name {
            "default" => Profile::default(),
            "strict" => Profile::strict(),
            "exchange2007" => Profile::exchange2007(),
            other => return Err(format!("the reference server has no `{other}` profile")),
        };
        lock(&self.session).set_profile(p);
        Ok(())
    }

    fn busy_log(&self) -> Vec<BusyRecord> {
        lock(&self.session).faults().busy_log.clone()
    }

    fn expire(&mut self, mid: Mid) -> Result<(), String> {
        lock(&self.session)
            .expire_public_message(mid)
            .map_err(|e| e.to_string())
    }

    fn backup(&mut self) -> Result<(), String> {
        let snapshot = lock(&self.session).mailbox().snapshot();
        *lock(&self.backup) = Some(snapshot);
        Ok(())
    }

    fn roll_back(&mut self) -> Result<(), String> {
        let snapshot = lock(&self.backup)
            .clone()
            .ok_or("no backup of the mailbox was taken")?;
        lock(&self.session).mailbox_mut().restore(snapshot);
        Ok(())
    }

    fn present_mailbox(&mut self, original: bool) -> Result<(), String> {
        let mut s = lock(&self.session);
        let second = s.mailbox().identity().mailbox_guid == second_identity().mailbox_guid;
        if second != original {
            return Ok(()); // already presented
        }
        let mut other = lock(&self.other_mailbox);
        let next = match other.take() {
            Some(store) => store,
            None => Store::new(second_identity()),
        };
        *other = Some(s.swap_mailbox(next));
        Ok(())
    }

    fn property_groups(&self) -> Result<Vec<Vec<ics_wire::prop::PropTag>>, String> {
        use ics_server::mailbox::groups::{GROUP_COUNT, group_tags};
        Ok((0..GROUP_COUNT).map(group_tags).collect())
    }

    fn deny_read(&mut self, mid: Mid) -> Result<(), String> {
        lock(&self.session)
            .mailbox_mut()
            .set_read_permission(mid, false)
            .map_err(|e| e.to_string())
    }
}

/// The reference server's public store (`@needs-public-folders`), beside the mailbox.
fn public_folders(s: Session) -> Session {
    let store = Mailbox::new(
        ics_server::session::public::public_identity(),
        Box::new(ics_server::clock::SteppingClock::default()),
    );
    s.with_public_store(store)
        .expect("a fresh public store has room for its folders")
}

/// A connection to the in-process reference server.
#[derive(Clone, Debug)]
pub struct InProc {
    target: Reference,
    trace: Option<Trace>,
    /// The ROP output buffer size of this connection's calls, when the scenario sets one.
    output_buffer: Option<u32>,
}

impl InProc {
    /// The size of the ROP output buffer the server may fill for this connection
    /// ([MS-OXCROPS] 3.2.4.3, R-009; the `pcbOut` of EcDoRpcExt2); `None`: the server's own.
    pub fn set_output_buffer(&mut self, n: Option<u32>) {
        self.output_buffer = n;
    }

    /// One exchange, answered at once (the reference server is in process).
    pub fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let get_buffer = RopRequestBuffer::decode(request).is_ok_and(|r| {
            r.rops
                .iter()
                .any(|q| q.rop_id() == ROP_FAST_TRANSFER_SOURCE_GET_BUFFER)
        });
        let mut s = lock(&self.target.session);
        if get_buffer {
            let mut a = lock(&self.target.arming);
            if let Some((n, backoff)) = a.busy_at {
                a.get_buffers += 1;
                if a.get_buffers == n {
                    s.faults_mut().busy_remaining = 1;
                    s.faults_mut().busy_backoff = backoff;
                    a.busy_at = None;
                }
            }
        }
        let now = self.target.start.elapsed().as_millis() as u64;
        let result = match self.output_buffer {
            Some(n) => {
                let before = s.max_output();
                s.set_max_output(n as usize);
                let r = s.execute_at(request, now);
                s.set_max_output(before);
                r
            }
            None => s.execute_at(request, now),
        };
        if get_buffer && let Some(race) = lock(&self.target.arming).after_get_buffer.take() {
            // The racing change's own result is not the client's business.
            let _ = s.execute_at(&race, now);
        }
        match result {
            Ok(r) => Ok(r),
            Err(SessionError::ConnectionLost) => {
                s.reconnect();
                Err(TransportError::ConnectionLost)
            }
            Err(SessionError::RpcFormat(_)) => Err(TransportError::RpcStatus(0x0000_04B6)),
            Err(e) => Err(TransportError::Other(e.to_string())),
        }
    }
}

/// The version the reference server reports: the X-ServerApplication `ics-harness serve`
/// sends (Exchange 2019's major and minor; [MS-OXCSYNC] 1.7, R-315).
pub const REFERENCE_SERVER_VERSION: ServerVersion = ServerVersion {
    major: 15,
    minor: 2,
    build: 0,
    revision: 0,
};

impl RopTransport for InProc {
    /// In process there is no EcDoConnectEx: the reference server's version stands for it.
    fn server_version(&self) -> Option<ServerVersion> {
        Some(REFERENCE_SERVER_VERSION)
    }

    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        let sent = Instant::now();
        let response = self.exchange(&request);
        if let Some(t) = &self.trace {
            lock(t).push(Exchange {
                sent,
                answered: Instant::now(),
                request,
                response: response.clone(),
            });
        }
        std::future::ready(response)
    }
}
