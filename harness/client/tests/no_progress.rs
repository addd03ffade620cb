//! A server that answers every RopFastTransferSourceGetBuffer with an empty
//! Partial portion (no data, never Done) does not make the client loop: the
//! engine gives up after MAX_EMPTY_PORTIONS such responses and keeps its
//! replica. The reference server never answers so (an output buffer without
//! room gets RopBufferTooSmall or ecBufferTooSmall, R-009/R-010), so this
//! transport rewrites its GetBuffer responses.

use std::future::Future;

use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, MAX_EMPTY_PORTIONS, SyncError, SyncOptions};
use ics_client::sync::ops::OpError;
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse;
use ics_wire::rop::flags::TransferStatus;
use ics_wire::rop::{ResponseContext, RopRequestBuffer, RopResponse, RopResponseBuffer};

/// The reference server, with every GetBuffer answer emptied to Partial.
struct NoProgress {
    session: Session,
    get_buffers: u32,
}

impl NoProgress {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        let bytes = self
            .session
            .execute(request)
            .map_err(|e| TransportError::Other(e.to_string()))?;
        let req =
            RopRequestBuffer::decode(request).map_err(|e| TransportError::Other(e.to_string()))?;
        let mut resp = RopResponseBuffer::decode(&bytes, &req, &ResponseContext::default())
            .map_err(|e| TransportError::Other(e.to_string()))?;
        for r in &mut resp.rops {
            if let RopResponse::FastTransferSourceGetBuffer(g) = r {
                self.get_buffers += 1;
                *g = FastTransferSourceGetBufferResponse::data(
                    g.input_handle_index,
                    TransferStatus::PARTIAL,
                    Vec::new(),
                );
            }
        }
        resp.encode()
            .map_err(|e| TransportError::Other(e.to_string()))
    }
}

impl RopTransport for NoProgress {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        std::future::ready(self.exchange(&request))
    }
}

#[tokio::test]
async fn empty_partial_portions_for_ever_are_given_up() {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let f = s.special_folders()[4];
    let subject = TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode("m"),
    };
    s.mailbox_mut()
        .create_message(f, false, MessageContent::with_props([subject]))
        .unwrap();
    let t = NoProgress {
        session: s,
        get_buffers: 0,
    };
    let mut c = Client::connect(
        RopSession::new(t, "/o=ics/ou=harness/cn=Recipients/cn=user"),
        Replica::open_in_memory().unwrap(),
        SyncOptions::default(),
    )
    .await
    .unwrap();
    let r = c.sync_contents(f.to_u64_le(), &CancelToken::new()).await;
    match r {
        Err(SyncError::Op(OpError::Protocol(m))) => assert!(m.contains("no progress"), "{m}"),
        other => panic!("{other:?}"),
    }
    let calls = c.ops_mut().transport_mut().get_buffers;
    assert!(
        (MAX_EMPTY_PORTIONS..=MAX_EMPTY_PORTIONS + 1).contains(&calls),
        "{calls} GetBuffer calls"
    );
    let scope = ics_client::model::Scope::contents(f.to_u64_le());
    assert_eq!(
        c.replica().state(&scope).unwrap(),
        ics_client::model::StateBlobs::default(),
        "the state is not advanced"
    );
}
