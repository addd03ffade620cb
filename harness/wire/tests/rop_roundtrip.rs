//! Round-trip property tests: for every ROP request and response type, an
//! arbitrary value encodes, and decodes (in a buffer, with the context the
//! value implies) to the same value.

use arbitrary::{Arbitrary, Unstructured};
use ics_wire::fuzz_bodies::rop::{RopRoundTrip, expected_encode_error, rop_roundtrip};
use ics_wire::rop::attachment::*;
use ics_wire::rop::common::*;
use ics_wire::rop::embedded::*;
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::folder::*;
use ics_wire::rop::idmgmt::*;
use ics_wire::rop::import::*;
use ics_wire::rop::logon::*;
use ics_wire::rop::message::*;
use ics_wire::rop::property::*;
use ics_wire::rop::recipient::*;
use ics_wire::rop::state::*;
use ics_wire::rop::sync::*;
use ics_wire::rop::table::*;
use ics_wire::rop::utility::*;
use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};
use proptest::prelude::*;

fn arb<T: for<'a> Arbitrary<'a> + std::fmt::Debug>() -> impl Strategy<Value = T> {
    proptest::collection::vec(any::<u8>(), 0..1024)
        .prop_filter_map("arbitrary rejected input", |b| {
            T::arbitrary_take_rest(Unstructured::new(&b)).ok()
        })
}

/// Encodes must succeed unless a list outgrew its count field.
fn check(v: RopRoundTrip) -> Result<(), TestCaseError> {
    let encodes = match &v {
        RopRoundTrip::Request(b) => b.encode().map(|_| ()),
        RopRoundTrip::Response(b) => b.encode().map(|_| ()),
        RopRoundTrip::RecipientRow(c) => c.row.to_bytes().map(|_| ()),
    };
    if let Err(e) = &encodes {
        prop_assert!(expected_encode_error(e), "unexpected encode error {e}");
    }
    rop_roundtrip(v);
    Ok(())
}

/// The round trip must not skip most values (a vacuous oracle would pass).
#[test]
fn most_arbitrary_buffers_are_checked() {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut bytes = vec![0u8; 1024];
    let (mut req, mut resp, mut rops) = (0, 0, 0);
    for _ in 0..200 {
        for b in bytes.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *b = state as u8;
        }
        if let Ok(b) = RopRequestBuffer::arbitrary_take_rest(Unstructured::new(&bytes)) {
            let n = b.rops.len();
            if rop_roundtrip(RopRoundTrip::Request(b)) {
                req += 1;
                rops += n;
            }
        }
        if let Ok(mut b) = RopResponseBuffer::arbitrary_take_rest(Unstructured::new(&bytes)) {
            if let Some(i) = b
                .rops
                .iter()
                .position(|r| matches!(r, RopResponse::BufferTooSmall(_)))
            {
                b.rops.truncate(i + 1);
            }
            let n = b.rops.len();
            if rop_roundtrip(RopRoundTrip::Response(b)) {
                resp += 1;
                rops += n;
            }
        }
    }
    assert!(
        req >= 150 && resp >= 150,
        "checked {req} requests and {resp} responses of 200"
    );
    assert!(rops >= 250, "only {rops} ROPs in the checked buffers");
}

macro_rules! request_roundtrips {
    ($($name:ident: $ty:ty => $var:ident,)*) => {
        proptest! {
            $(
                #[test]
                fn $name(x in arb::<$ty>()) {
                    check(RopRoundTrip::Request(RopRequestBuffer { rops: vec![RopRequest::$var(x)], handles: vec![] }))?;
                }
            )*
        }
    };
}

macro_rules! response_roundtrips {
    ($($name:ident: $ty:ty => $var:ident,)*) => {
        proptest! {
            $(
                #[test]
                fn $name(x in arb::<$ty>(), h in proptest::collection::vec(any::<u32>(), 0..4)) {
                    check(RopRoundTrip::Response(RopResponseBuffer { rops: vec![RopResponse::$var(x)], handles: h }))?;
                }
            )*
        }
    };
}

request_roundtrips! {
    req_release: InputHandleRequest => Release,
    req_logon: LogonRequest => Logon,
    req_open_folder: OpenFolderRequest => OpenFolder,
    req_create_folder: CreateFolderRequest => CreateFolder,
    req_delete_folder: DeleteFolderRequest => DeleteFolder,
    req_get_hierarchy_table: GetHierarchyTableRequest => GetHierarchyTable,
    req_get_contents_table: GetContentsTableRequest => GetContentsTable,
    req_set_columns: SetColumnsRequest => SetColumns,
    req_query_rows: QueryRowsRequest => QueryRows,
    req_open_message: OpenMessageRequest => OpenMessage,
    req_create_message: CreateMessageRequest => CreateMessage,
    req_set_properties: SetPropertiesRequest => SetProperties,
    req_delete_properties: DeletePropertiesRequest => DeleteProperties,
    req_get_properties_specific: GetPropertiesSpecificRequest => GetPropertiesSpecific,
    req_get_properties_all: GetPropertiesAllRequest => GetPropertiesAll,
    req_save_changes_message: SaveChangesMessageRequest => SaveChangesMessage,
    req_delete_messages: DeleteMessagesRequest => DeleteMessages,
    req_hard_delete_messages: DeleteMessagesRequest => HardDeleteMessages,
    req_set_message_read_flag: SetMessageReadFlagRequest => SetMessageReadFlag,
    req_set_read_flags: SetReadFlagsRequest => SetReadFlags,
    req_move_copy_messages: MoveCopyMessagesRequest => MoveCopyMessages,
    req_get_property_ids_from_names: GetPropertyIdsFromNamesRequest => GetPropertyIdsFromNames,
    req_ft_copy_to: FastTransferSourceCopyToRequest => FastTransferSourceCopyTo,
    req_ft_copy_properties: FastTransferSourceCopyPropertiesRequest => FastTransferSourceCopyProperties,
    req_ft_copy_messages: FastTransferSourceCopyMessagesRequest => FastTransferSourceCopyMessages,
    req_ft_copy_folder: FastTransferSourceCopyFolderRequest => FastTransferSourceCopyFolder,
    req_ft_get_buffer: FastTransferSourceGetBufferRequest => FastTransferSourceGetBuffer,
    req_ft_destination_configure: FastTransferDestinationConfigureRequest => FastTransferDestinationConfigure,
    req_ft_put_buffer: FastTransferDestinationPutBufferRequest => FastTransferDestinationPutBuffer,
    req_ft_put_buffer_extended: FastTransferDestinationPutBufferRequest => FastTransferDestinationPutBufferExtended,
    req_tell_version: TellVersionRequest => TellVersion,
    req_sync_configure: SynchronizationConfigureRequest => SynchronizationConfigure,
    req_upload_state_begin: SynchronizationUploadStateStreamBeginRequest => SynchronizationUploadStateStreamBegin,
    req_upload_state_continue: SynchronizationUploadStateStreamContinueRequest => SynchronizationUploadStateStreamContinue,
    req_upload_state_end: InputHandleRequest => SynchronizationUploadStateStreamEnd,
    req_get_transfer_state: InputOutputHandleRequest => SynchronizationGetTransferState,
    req_open_collector: SynchronizationOpenCollectorRequest => SynchronizationOpenCollector,
    req_import_message_change: SynchronizationImportMessageChangeRequest => SynchronizationImportMessageChange,
    req_import_hierarchy_change: SynchronizationImportHierarchyChangeRequest => SynchronizationImportHierarchyChange,
    req_import_message_move: SynchronizationImportMessageMoveRequest => SynchronizationImportMessageMove,
    req_import_deletes: SynchronizationImportDeletesRequest => SynchronizationImportDeletes,
    req_import_read_state_changes: SynchronizationImportReadStateChangesRequest => SynchronizationImportReadStateChanges,
    req_get_local_replica_ids: GetLocalReplicaIdsRequest => GetLocalReplicaIds,
    req_set_local_replica_midset_deleted: SetLocalReplicaMidsetDeletedRequest => SetLocalReplicaMidsetDeleted,
    req_remove_all_recipients: RemoveAllRecipientsRequest => RemoveAllRecipients,
    req_modify_recipients: ModifyRecipientsRequest => ModifyRecipients,
    req_read_recipients: ReadRecipientsRequest => ReadRecipients,
    req_open_attachment: OpenAttachmentRequest => OpenAttachment,
    req_create_attachment: CreateAttachmentRequest => CreateAttachment,
    req_delete_attachment: DeleteAttachmentRequest => DeleteAttachment,
    req_save_changes_attachment: SaveChangesAttachmentRequest => SaveChangesAttachment,
    req_get_attachment_table: GetAttachmentTableRequest => GetAttachmentTable,
    req_open_embedded_message: OpenEmbeddedMessageRequest => OpenEmbeddedMessage,
}

response_roundtrips! {
    resp_logon: LogonResponse => Logon,
    resp_open_folder: OpenFolderResponse => OpenFolder,
    resp_create_folder: CreateFolderResponse => CreateFolder,
    resp_delete_folder: PartialCompletionResponse => DeleteFolder,
    resp_get_hierarchy_table: GetTableResponse => GetHierarchyTable,
    resp_get_contents_table: GetTableResponse => GetContentsTable,
    resp_set_columns: SetColumnsResponse => SetColumns,
    resp_query_rows: QueryRowsResponse => QueryRows,
    resp_open_message: OpenMessageResponse => OpenMessage,
    resp_create_message: CreateMessageResponse => CreateMessage,
    resp_set_properties: PropertyProblemsResponse => SetProperties,
    resp_delete_properties: PropertyProblemsResponse => DeleteProperties,
    resp_get_properties_specific: GetPropertiesSpecificResponse => GetPropertiesSpecific,
    resp_get_properties_all: GetPropertiesAllResponse => GetPropertiesAll,
    resp_save_changes_message: SaveChangesMessageResponse => SaveChangesMessage,
    resp_delete_messages: PartialCompletionResponse => DeleteMessages,
    resp_hard_delete_messages: PartialCompletionResponse => HardDeleteMessages,
    resp_set_message_read_flag: SetMessageReadFlagResponse => SetMessageReadFlag,
    resp_set_read_flags: PartialCompletionResponse => SetReadFlags,
    resp_move_copy_messages: MoveCopyMessagesResponse => MoveCopyMessages,
    resp_get_property_ids_from_names: GetPropertyIdsFromNamesResponse => GetPropertyIdsFromNames,
    resp_ft_copy_to: OutputHandleResponse => FastTransferSourceCopyTo,
    resp_ft_copy_properties: OutputHandleResponse => FastTransferSourceCopyProperties,
    resp_ft_copy_messages: OutputHandleResponse => FastTransferSourceCopyMessages,
    resp_ft_copy_folder: OutputHandleResponse => FastTransferSourceCopyFolder,
    resp_ft_get_buffer: FastTransferSourceGetBufferResponse => FastTransferSourceGetBuffer,
    resp_ft_destination_configure: OutputHandleResponse => FastTransferDestinationConfigure,
    resp_ft_put_buffer: FastTransferDestinationPutBufferResponse => FastTransferDestinationPutBuffer,
    resp_ft_put_buffer_extended: FastTransferDestinationPutBufferExtendedResponse => FastTransferDestinationPutBufferExtended,
    resp_tell_version: InputHandleResponse => TellVersion,
    resp_sync_configure: OutputHandleResponse => SynchronizationConfigure,
    resp_upload_state_begin: InputHandleResponse => SynchronizationUploadStateStreamBegin,
    resp_upload_state_continue: InputHandleResponse => SynchronizationUploadStateStreamContinue,
    resp_upload_state_end: InputHandleResponse => SynchronizationUploadStateStreamEnd,
    resp_get_transfer_state: OutputHandleResponse => SynchronizationGetTransferState,
    resp_open_collector: OutputHandleResponse => SynchronizationOpenCollector,
    resp_import_message_change: SynchronizationImportMessageChangeResponse => SynchronizationImportMessageChange,
    resp_import_hierarchy_change: SynchronizationImportHierarchyChangeResponse => SynchronizationImportHierarchyChange,
    resp_import_message_move: SynchronizationImportMessageMoveResponse => SynchronizationImportMessageMove,
    resp_import_deletes: InputHandleResponse => SynchronizationImportDeletes,
    resp_import_read_state_changes: InputHandleResponse => SynchronizationImportReadStateChanges,
    resp_get_local_replica_ids: GetLocalReplicaIdsResponse => GetLocalReplicaIds,
    resp_set_local_replica_midset_deleted: InputHandleResponse => SetLocalReplicaMidsetDeleted,
    resp_remove_all_recipients: InputHandleResponse => RemoveAllRecipients,
    resp_modify_recipients: InputHandleResponse => ModifyRecipients,
    resp_read_recipients: ReadRecipientsResponse => ReadRecipients,
    resp_open_attachment: OutputHandleResponse => OpenAttachment,
    resp_create_attachment: CreateAttachmentResponse => CreateAttachment,
    resp_delete_attachment: InputHandleResponse => DeleteAttachment,
    resp_save_changes_attachment: SaveChangesAttachmentResponse => SaveChangesAttachment,
    resp_get_attachment_table: OutputHandleResponse => GetAttachmentTable,
    resp_open_embedded_message: OpenEmbeddedMessageResponse => OpenEmbeddedMessage,
    resp_backoff: BackoffResponse => Backoff,
    resp_buffer_too_small: BufferTooSmallResponse => BufferTooSmall,
}

proptest! {
    /// Whole buffers with several ROPs.
    #[test]
    fn request_buffers(b in arb::<RopRequestBuffer>()) {
        check(RopRoundTrip::Request(b))?;
    }

    #[test]
    fn response_buffers(b in arb::<RopResponseBuffer>()) {
        let mut b = b;
        if let Some(i) = b.rops.iter().position(|r| matches!(r, RopResponse::BufferTooSmall(_))) {
            b.rops.truncate(i + 1);
        }
        check(RopRoundTrip::Response(b))?;
    }
}

proptest! {
    /// A consistent RecipientRow ([MS-OXCDATA] 2.8.3.2) encodes and decodes
    /// under its columns to itself.
    #[test]
    fn recipient_row(b in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let Ok((row, cols)) = ics_wire::rop::recipient_row::arb::row_and_columns(&mut Unstructured::new(&b)) else {
            return Ok(());
        };
        let bytes = match row.to_bytes() {
            Ok(b) => b,
            Err(e) => { prop_assert!(expected_encode_error(&e), "unexpected encode error {e}"); return Ok(()); }
        };
        prop_assert_eq!(RecipientRow::decode(&bytes, &cols).unwrap(), row);
    }
}
