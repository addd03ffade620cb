//! MaxRopOut reaches the ROP handler as the room left for each output payload
//! ([MS-OXCMAPIHTTP] 2.2.4.2.1; an 8-byte RPC_HEADER_EXT per payload, [MS-OXCRPC] 2.2.2.1),
//! so that a handler can answer RopBufferTooSmall itself ([MS-OXCROPS] 3.2.4.3).

use ics_transport::{
    ClientConfig, MapiHttpClient, MapiHttpServer, RopFailure, RopHandler, ServerConfig, Session,
    parse_users,
};
use ics_wire::mapihttp::{ConnectRequest, ConnectResponse, ExecuteFlags, PayloadOptions};
use tokio::net::TcpListener;

/// Answers each payload with the room it was given (u32, little-endian) padded to 100 bytes.
struct Room;

impl RopHandler for Room {
    fn execute(&mut self, _: &Session, _: &[u8]) -> Result<Vec<u8>, RopFailure> {
        Err(RopFailure::Rpc(0x4B6))
    }

    fn execute_limited(
        &mut self,
        _: &Session,
        _: &[u8],
        max_out: u32,
    ) -> Result<Vec<u8>, RopFailure> {
        let mut out = max_out.to_le_bytes().to_vec();
        out.resize(100, 0);
        Ok(out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_handler_gets_what_max_rop_out_leaves_for_each_payload() {
    let users = parse_users("user1:secret1\n").unwrap();
    let server = MapiHttpServer::new(
        ServerConfig {
            users,
            dn_prefix: "/o=ics".into(),
            auth: Default::default(),
        },
        |_: &Session| Room,
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(listener, async move {
        let _ = rx.await;
    }));
    let url = format!("http://{addr}/mapi/emsmdb/?MailboxId=user1@example.org");
    let mut c = MapiHttpClient::new(ClientConfig::new(url, "user1", "secret1")).unwrap();
    let connect = ConnectRequest {
        user_dn: "/o=ics/cn=Recipients/cn=user1".into(),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x409,
        lcid_string: 0x409,
        auxiliary_buffer: vec![],
    };
    assert!(matches!(
        c.connect(&connect).await.unwrap(),
        ConnectResponse::Success(_)
    ));
    let out = c
        .execute_rops(
            &[b"a", b"b"],
            PayloadOptions::default(),
            ExecuteFlags::NO_COMPRESSION | ExecuteFlags::NO_XOR_MAGIC,
            4096,
        )
        .await
        .unwrap();
    let room = |o: &Vec<u8>| u32::from_le_bytes(o[..4].try_into().unwrap());
    assert_eq!(room(&out[0]), 4096 - 8);
    assert_eq!(room(&out[1]), 4096 - 8 - 100 - 8);
    stop.send(()).unwrap();
    task.await.unwrap();
}
