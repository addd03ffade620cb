//! Hostile input never panics the session, and every response buffer it
//! returns decodes against its request ([MS-OXCROPS] 3.2.5.1–3.2.5.2, R-001,
//!

mod common;

use arbitrary::{Arbitrary, Unstructured};
use common::Client;
use ics_server::session::SessionError;
use ics_server::session::profile::Profile;
use ics_wire::rop::{ResponseContext, RopRequest, RopRequestBuffer, RopResponseBuffer};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// A session with a logon (slot 0), the Inbox (slot 1) and a configured
/// download context (slot 2), plus some messages.
fn ready() -> Client {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    for _ in 0..3 {
        c.s.mailbox_mut()
            .create_message(inbox, false, Default::default())
            .unwrap();
    }
    c.open(inbox);
    c.configure(
        ics_wire::rop::flags::SynchronizationType::CONTENTS,
        0x01,
        0x0039,
        0,
    );
    c
}

fn run(seed: &[u8]) -> Result<(), TestCaseError> {
    let mut c = ready();
    let mut u = Unstructured::new(seed);
    for _ in 0..4 {
        let Ok(mut rops) = Vec::<RopRequest>::arbitrary(&mut u) else {
            break;
        };
        rops.truncate(6);
        // Point most handle slots at live objects so ROPs get past the
        // handle check.
        let mut handles = c.h.to_vec();
        if let Ok(extra) = u.arbitrary::<u32>() {
            handles.push(extra);
        }
        let req = RopRequestBuffer { rops, handles };
        let Ok(bytes) = req.encode() else { continue };
        match c.s.execute(&bytes) {
            Ok(out) => {
                let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default());
                prop_assert!(
                    resp.is_ok(),
                    "undecodable response {:?} to {:?}",
                    resp.err(),
                    req.rops
                );
                let resp = resp.unwrap();
                prop_assert_eq!(resp.handles.len(), req.handles.len(), "R-006");
            }
            Err(SessionError::RpcFormat(_)) | Err(SessionError::ConnectionLost) => {}
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases()) })]

    #[test]
    fn arbitrary_rop_buffers(seed in prop::collection::vec(any::<u8>(), 0..2048)) {
        run(&seed)?;
    }

    #[test]
    fn raw_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut c = ready();
        let _ = c.s.execute(&bytes);
    }
}
