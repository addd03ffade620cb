//! A minimal ROP client over an in-process [`Session`], for the tests.
#![allow(dead_code)]

use ics_server::mailbox::{Mailbox, MessageContent, MessageEdit};
use ics_server::session::profile::Profile;
use ics_server::session::{Session, SessionError};
use ics_wire::ftstream::{self as ft, FtProp, Root, RootKind};
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::{BUFFER_SIZE_SENTINEL, FastTransferSourceGetBufferRequest};
use ics_wire::rop::flags::{
    ContentsTableFlags, LogonFlags, MessageOpenModeFlags, OpenFlags, QueryRowsFlags, SendOptions,
    SetColumnsFlags, SynchronizationExtraFlags, SynchronizationFlags, SynchronizationType,
    TransferStatus,
};
use ics_wire::rop::folder::{GetContentsTableRequest, OpenFolderRequest};
use ics_wire::rop::logon::LogonRequest;
use ics_wire::rop::message::OpenMessageRequest;
use ics_wire::rop::state::{
    InputHandleRequest, InputOutputHandleRequest, SynchronizationUploadStateStreamBeginRequest,
    SynchronizationUploadStateStreamContinueRequest,
};
use ics_wire::rop::sync::SynchronizationConfigureRequest;
use ics_wire::rop::table::{QueryRowsRequest, SetColumnsRequest};
use ics_wire::rop::{
    ErrorCode, ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::state::IcsState;

pub const EMPTY: u32 = 0xFFFF_FFFF;

/// PidTagSubject = `s`.
pub fn subject(s: &str) -> TaggedValue {
    TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode(s),
    }
}

/// Stores a normal message with subject `s` in `folder` (no ROP).
pub fn message_with_subject(mb: &mut Mailbox, folder: Fid, s: &str) -> Mid {
    mb.create_message(folder, false, MessageContent::with_props([subject(s)]))
        .unwrap()
}

/// The server changes a stored message itself (no ROP, no client change
/// key): sets `set`, deletes `delete`.
pub fn server_edit(mb: &mut Mailbox, mid: Mid, set: Vec<TaggedValue>, delete: Vec<PropTag>) {
    mb.modify_message(
        mid,
        MessageEdit {
            set,
            delete,
            ..Default::default()
        },
        None,
    )
    .unwrap();
}

/// The ICS state a `state` element's meta-properties hold.
pub fn ics_state(props: &[FtProp]) -> IcsState {
    let props: Vec<TaggedValue> = props
        .iter()
        .map(|p| TaggedValue {
            tag: p.tag,
            value: p.value.clone(),
        })
        .collect();
    IcsState::from_props(&props).unwrap()
}

/// RopOpenMessage (read-only) of `mid` in `folder`: folder in slot 1,
/// message to slot 4.
pub fn open_message_rop(folder: Fid, mid: Mid) -> RopRequest {
    RopRequest::OpenMessage(OpenMessageRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 4,
        code_page_id: 0x0FFF,
        folder_id: folder,
        open_mode_flags: MessageOpenModeFlags(0),
        message_id: mid,
    })
}

/// RopSetColumns `cols` + RopQueryRows (forward, `rows`) on the table in slot 4.
pub fn query_rows_rops(cols: Vec<PropTag>, rows: u16) -> Vec<RopRequest> {
    vec![
        RopRequest::SetColumns(SetColumnsRequest {
            logon_id: 0,
            input_handle_index: 4,
            set_columns_flags: SetColumnsFlags(0),
            property_tags: cols,
        }),
        RopRequest::QueryRows(QueryRowsRequest {
            logon_id: 0,
            input_handle_index: 4,
            query_rows_flags: QueryRowsFlags(0),
            forward_read: 1,
            row_count: rows,
        }),
    ]
}

/// RopGetContentsTable of the folder in slot 1 to slot 4, then
/// [`query_rows_rops`].
pub fn contents_table_rops(flags: u8, cols: Vec<PropTag>, rows: u16) -> Vec<RopRequest> {
    let mut v = vec![RopRequest::GetContentsTable(GetContentsTableRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 4,
        table_flags: ContentsTableFlags(flags),
    })];
    v.extend(query_rows_rops(cols, rows));
    v
}

pub struct Client {
    pub s: Session,
    /// Server handles by slot: 0 logon, 1 folder, 2 context, 3 state stream.
    pub h: [u32; 8],
}

impl Client {
    pub fn new(profile: Profile) -> Self {
        let s = Session::new(ics_server::mailbox::Mailbox::default(), profile);
        let mut c = Client { s, h: [EMPTY; 8] };
        c.logon();
        c
    }

    pub fn logon(&mut self) {
        let c = self;
        let r = c.call(vec![RopRequest::Logon(LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: LogonFlags::PRIVATE,
            open_flags: OpenFlags::USE_PER_MDB_REPLID_MAPPING,
            store_state: 0,
            essdn: Some(b"/o=test/cn=user".to_vec()),
        })]);
        assert!(
            matches!(&r.rops[0], RopResponse::Logon(x) if matches!(x.result, ics_wire::rop::logon::LogonResult::PrivateSuccess(_)))
        );
    }

    pub fn inbox(&self) -> Fid {
        self.s.special_folders()[4]
    }

    pub fn call(&mut self, rops: Vec<RopRequest>) -> RopResponseBuffer {
        self.try_call(rops).unwrap()
    }

    pub fn try_call(&mut self, rops: Vec<RopRequest>) -> Result<RopResponseBuffer, SessionError> {
        let req = RopRequestBuffer {
            rops,
            handles: self.h.to_vec(),
        };
        let bytes = self.s.execute(&req.encode().unwrap())?;
        let resp = RopResponseBuffer::decode(&bytes, &req, &ResponseContext::default()).unwrap();
        for (i, h) in resp.handles.iter().enumerate().take(8) {
            self.h[i] = *h;
        }
        Ok(resp)
    }

    pub fn open(&mut self, fid: Fid) {
        let r = self.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: fid,
            ..Default::default()
        })]);
        assert!(
            matches!(&r.rops[0], RopResponse::OpenFolder(x) if x.result.return_value() == ErrorCode::Success)
        );
    }

    pub fn configure(
        &mut self,
        kind: SynchronizationType,
        so: u8,
        flags: u16,
        extra: u32,
    ) -> ErrorCode {
        let r = self.call(vec![RopRequest::SynchronizationConfigure(
            SynchronizationConfigureRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                synchronization_type: kind,
                send_options: SendOptions(so),
                synchronization_flags: SynchronizationFlags(flags),
                restriction_data: None,
                synchronization_extra_flags: SynchronizationExtraFlags(extra),
                property_tags: vec![],
            },
        )]);
        match &r.rops[0] {
            RopResponse::SynchronizationConfigure(x) => x.return_value,
            other => panic!("{other:?}"),
        }
    }

    /// Uploads the state (Begin / one Continue per `chunk` bytes / End per property).
    pub fn upload_state(
        &mut self,
        st: &IcsState,
        kind: ics_wire::state::SynchronizationType,
        chunk: usize,
    ) {
        let mut rops = Vec::new();
        for p in st.to_props(kind) {
            let PropValue::Binary(data) = p.value else {
                panic!()
            };
            rops.push(RopRequest::SynchronizationUploadStateStreamBegin(
                SynchronizationUploadStateStreamBeginRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    state_property: p.tag,
                    transfer_buffer_size: data.len() as u32,
                },
            ));
            for c in data.chunks(chunk) {
                rops.push(RopRequest::SynchronizationUploadStateStreamContinue(
                    SynchronizationUploadStateStreamContinueRequest {
                        logon_id: 0,
                        input_handle_index: 2,
                        stream_data: c.to_vec(),
                    },
                ));
            }
            rops.push(RopRequest::SynchronizationUploadStateStreamEnd(
                InputHandleRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                },
            ));
        }
        let r = self.call(rops);
        for x in &r.rops {
            let rv = match x {
                RopResponse::SynchronizationUploadStateStreamBegin(x)
                | RopResponse::SynchronizationUploadStateStreamContinue(x)
                | RopResponse::SynchronizationUploadStateStreamEnd(x) => x.return_value,
                other => panic!("{other:?}"),
            };
            assert_eq!(rv, ErrorCode::Success);
        }
    }

    pub fn get_buffer(
        &mut self,
        slot: u8,
        size: u16,
    ) -> ics_wire::rop::fasttransfer::FastTransferSourceGetBufferResponse {
        let r = self.call(vec![RopRequest::FastTransferSourceGetBuffer(
            FastTransferSourceGetBufferRequest {
                logon_id: 0,
                input_handle_index: slot,
                buffer_size: size,
                maximum_buffer_size: (size == BUFFER_SIZE_SENTINEL).then_some(0x7000),
            },
        )]);
        match r.rops.into_iter().next() {
            Some(RopResponse::FastTransferSourceGetBuffer(x)) => x,
            other => panic!("{other:?}"),
        }
    }

    /// RopSynchronizationGetTransferState on the context in slot `input`
    /// (to slot `output`), downloaded whole and decoded.
    pub fn transfer_state(&mut self, input: u8, output: u8) -> IcsState {
        self.call(vec![RopRequest::SynchronizationGetTransferState(
            InputOutputHandleRequest {
                logon_id: 0,
                input_handle_index: input,
                output_handle_index: output,
            },
        )]);
        let bytes = self.download(output, BUFFER_SIZE_SENTINEL).concat();
        let Root::State(s) = ft::parse(RootKind::State, &bytes).unwrap() else {
            panic!("not a state stream")
        };
        ics_state(&s.props)
    }

    /// GetBuffer until Done; returns the portions.
    pub fn download(&mut self, slot: u8, size: u16) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for _ in 0..100_000 {
            let x = self.get_buffer(slot, size);
            assert_eq!(x.return_value, ErrorCode::Success);
            if size != BUFFER_SIZE_SENTINEL {
                assert!(x.transfer_buffer.len() <= size as usize);
            }
            out.push(x.transfer_buffer);
            if x.transfer_status == TransferStatus::DONE {
                return out;
            }
            assert_eq!(x.transfer_status, TransferStatus::PARTIAL);
        }
        panic!("no Done");
    }
}
