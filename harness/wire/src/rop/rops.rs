//! The [`RopRequest`] and [`RopResponse`] enums: one variant per ROP, named as
//! the spec names the ROP without its `Rop` prefix.

use crate::cursor::{Reader, WriteLe};

use super::attachment::*;
use super::buffer::RequestContext;
use super::common::{InputHandleResponse, OutputHandleResponse, ResponseHint};
use super::embedded::*;
use super::error::{DecodeResult, EncodeResult, RopError};
use super::fasttransfer::*;
use super::folder::*;
use super::idmgmt::*;
use super::ids::*;
use super::import::*;
use super::logon::*;
use super::message::*;
use super::property::*;
use super::recipient::*;
use super::state::*;
use super::sync::*;
use super::table::*;
use super::utility::{BackoffResponse, BufferTooSmallResponse};

macro_rules! rops {
    (
        request_only { $($ro:ident($rot:ty) = $roid:ident,)* }
        pairs { $($v:ident($qt:ty => $st:ty) = $id:ident,)* }
    ) => {
        /// A ROP request ([MS-OXCROPS] 2.2.3–2.2.15).
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum RopRequest {
            $(#[doc = concat!("`", stringify!($roid), "`")] $ro($rot),)*
            $(#[doc = concat!("`", stringify!($id), "`")] $v($qt),)*
        }

        /// A ROP response ([MS-OXCROPS] 2.2.3–2.2.15), including the
        /// response-only RopBackoff and RopBufferTooSmall.
        #[derive(Clone, Debug, PartialEq, serde::Serialize)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum RopResponse {
            $(#[doc = concat!("`", stringify!($id), "`")] $v($st),)*
            /// `ROP_BACKOFF` (0xF9), answers no request.
            Backoff(BackoffResponse),
            /// `ROP_BUFFER_TOO_SMALL` (0xFF), last in the list.
            BufferTooSmall(BufferTooSmallResponse),
        }

        impl RopRequest {
            /// The RopId.
            pub fn rop_id(&self) -> u8 {
                match self {
                    $(RopRequest::$ro(_) => $roid,)*
                    $(RopRequest::$v(_) => $id,)*
                }
            }

            fn read_body(rop_id: u8, r: &mut Reader<'_>) -> DecodeResult<Option<Self>> {
                Ok(Some(match rop_id {
                    $($roid => RopRequest::$ro(<$rot>::read(r)?),)*
                    $($id => RopRequest::$v(<$qt>::read(r)?),)*
                    _ => return Ok(None),
                }))
            }

            fn write_body(&self, out: &mut Vec<u8>) -> EncodeResult {
                match self {
                    $(RopRequest::$ro(x) => x.write(out),)*
                    $(RopRequest::$v(x) => x.write(out),)*
                }
            }

            /// False for ROPs that never get a response (RopRelease).
            pub fn has_response(&self) -> bool {
                !matches!(self, $(RopRequest::$ro(_))|*)
            }
        }

        impl RopResponse {
            /// The RopId.
            pub fn rop_id(&self) -> u8 {
                match self {
                    $(RopResponse::$v(_) => $id,)*
                    RopResponse::Backoff(_) => ROP_BACKOFF,
                    RopResponse::BufferTooSmall(_) => ROP_BUFFER_TOO_SMALL,
                }
            }

            fn read_body(rop_id: u8, r: &mut Reader<'_>, hint: &ResponseHint<'_>) -> DecodeResult<Option<Self>> {
                Ok(Some(match rop_id {
                    $($id => RopResponse::$v(<$st>::read(r, hint)?),)*
                    ROP_BACKOFF => RopResponse::Backoff(BackoffResponse::read(r)?),
                    ROP_BUFFER_TOO_SMALL => RopResponse::BufferTooSmall(BufferTooSmallResponse::read(r)?),
                    _ => return Ok(None),
                }))
            }

            fn write_body(&self, out: &mut Vec<u8>) -> EncodeResult {
                match self {
                    $(RopResponse::$v(x) => x.write(out),)*
                    RopResponse::Backoff(x) => x.write(out),
                    RopResponse::BufferTooSmall(x) => x.write(out),
                }
            }

            /// A request of the same ROP with default fields (see
            /// [`RopResponse::implied_request`]).
            fn default_request(&self) -> Option<RopRequest> {
                match self {
                    $(RopResponse::$v(_) => Some(RopRequest::$v(<$qt>::default())),)*
                    RopResponse::Backoff(_) | RopResponse::BufferTooSmall(_) => None,
                }
            }
        }
    };
}

rops! {
    request_only {
        Release(InputHandleRequest) = ROP_RELEASE,
    }
    pairs {
        Logon(LogonRequest => LogonResponse) = ROP_LOGON,
        OpenFolder(OpenFolderRequest => OpenFolderResponse) = ROP_OPEN_FOLDER,
        CreateFolder(CreateFolderRequest => CreateFolderResponse) = ROP_CREATE_FOLDER,
        DeleteFolder(DeleteFolderRequest => PartialCompletionResponse) = ROP_DELETE_FOLDER,
        GetHierarchyTable(GetHierarchyTableRequest => GetTableResponse) = ROP_GET_HIERARCHY_TABLE,
        GetContentsTable(GetContentsTableRequest => GetTableResponse) = ROP_GET_CONTENTS_TABLE,
        SetColumns(SetColumnsRequest => SetColumnsResponse) = ROP_SET_COLUMNS,
        QueryRows(QueryRowsRequest => QueryRowsResponse) = ROP_QUERY_ROWS,
        OpenMessage(OpenMessageRequest => OpenMessageResponse) = ROP_OPEN_MESSAGE,
        CreateMessage(CreateMessageRequest => CreateMessageResponse) = ROP_CREATE_MESSAGE,
        SetProperties(SetPropertiesRequest => PropertyProblemsResponse) = ROP_SET_PROPERTIES,
        DeleteProperties(DeletePropertiesRequest => PropertyProblemsResponse) = ROP_DELETE_PROPERTIES,
        GetPropertiesSpecific(GetPropertiesSpecificRequest => GetPropertiesSpecificResponse) = ROP_GET_PROPERTIES_SPECIFIC,
        GetPropertiesAll(GetPropertiesAllRequest => GetPropertiesAllResponse) = ROP_GET_PROPERTIES_ALL,
        SaveChangesMessage(SaveChangesMessageRequest => SaveChangesMessageResponse) = ROP_SAVE_CHANGES_MESSAGE,
        DeleteMessages(DeleteMessagesRequest => PartialCompletionResponse) = ROP_DELETE_MESSAGES,
        HardDeleteMessages(DeleteMessagesRequest => PartialCompletionResponse) = ROP_HARD_DELETE_MESSAGES,
        SetMessageReadFlag(SetMessageReadFlagRequest => SetMessageReadFlagResponse) = ROP_SET_MESSAGE_READ_FLAG,
        SetReadFlags(SetReadFlagsRequest => PartialCompletionResponse) = ROP_SET_READ_FLAGS,
        MoveCopyMessages(MoveCopyMessagesRequest => MoveCopyMessagesResponse) = ROP_MOVE_COPY_MESSAGES,
        GetPropertyIdsFromNames(GetPropertyIdsFromNamesRequest => GetPropertyIdsFromNamesResponse) = ROP_GET_PROPERTY_IDS_FROM_NAMES,
        RemoveAllRecipients(RemoveAllRecipientsRequest => InputHandleResponse) = ROP_REMOVE_ALL_RECIPIENTS,
        ModifyRecipients(ModifyRecipientsRequest => InputHandleResponse) = ROP_MODIFY_RECIPIENTS,
        ReadRecipients(ReadRecipientsRequest => ReadRecipientsResponse) = ROP_READ_RECIPIENTS,
        OpenAttachment(OpenAttachmentRequest => OutputHandleResponse) = ROP_OPEN_ATTACHMENT,
        CreateAttachment(CreateAttachmentRequest => CreateAttachmentResponse) = ROP_CREATE_ATTACHMENT,
        DeleteAttachment(DeleteAttachmentRequest => InputHandleResponse) = ROP_DELETE_ATTACHMENT,
        SaveChangesAttachment(SaveChangesAttachmentRequest => SaveChangesAttachmentResponse) = ROP_SAVE_CHANGES_ATTACHMENT,
        GetAttachmentTable(GetAttachmentTableRequest => OutputHandleResponse) = ROP_GET_ATTACHMENT_TABLE,
        OpenEmbeddedMessage(OpenEmbeddedMessageRequest => OpenEmbeddedMessageResponse) = ROP_OPEN_EMBEDDED_MESSAGE,
        FastTransferSourceCopyTo(FastTransferSourceCopyToRequest => OutputHandleResponse) = ROP_FAST_TRANSFER_SOURCE_COPY_TO,
        FastTransferSourceCopyProperties(FastTransferSourceCopyPropertiesRequest => OutputHandleResponse) = ROP_FAST_TRANSFER_SOURCE_COPY_PROPERTIES,
        FastTransferSourceCopyMessages(FastTransferSourceCopyMessagesRequest => OutputHandleResponse) = ROP_FAST_TRANSFER_SOURCE_COPY_MESSAGES,
        FastTransferSourceCopyFolder(FastTransferSourceCopyFolderRequest => OutputHandleResponse) = ROP_FAST_TRANSFER_SOURCE_COPY_FOLDER,
        FastTransferSourceGetBuffer(FastTransferSourceGetBufferRequest => FastTransferSourceGetBufferResponse) = ROP_FAST_TRANSFER_SOURCE_GET_BUFFER,
        FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest => OutputHandleResponse) = ROP_FAST_TRANSFER_DESTINATION_CONFIGURE,
        FastTransferDestinationPutBuffer(FastTransferDestinationPutBufferRequest => FastTransferDestinationPutBufferResponse) = ROP_FAST_TRANSFER_DESTINATION_PUT_BUFFER,
        FastTransferDestinationPutBufferExtended(FastTransferDestinationPutBufferRequest => FastTransferDestinationPutBufferExtendedResponse) = ROP_FAST_TRANSFER_DESTINATION_PUT_BUFFER_EXTENDED,
        TellVersion(TellVersionRequest => InputHandleResponse) = ROP_TELL_VERSION,
        SynchronizationConfigure(SynchronizationConfigureRequest => OutputHandleResponse) = ROP_SYNCHRONIZATION_CONFIGURE,
        SynchronizationUploadStateStreamBegin(SynchronizationUploadStateStreamBeginRequest => InputHandleResponse) = ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_BEGIN,
        SynchronizationUploadStateStreamContinue(SynchronizationUploadStateStreamContinueRequest => InputHandleResponse) = ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_CONTINUE,
        SynchronizationUploadStateStreamEnd(InputHandleRequest => InputHandleResponse) = ROP_SYNCHRONIZATION_UPLOAD_STATE_STREAM_END,
        SynchronizationGetTransferState(InputOutputHandleRequest => OutputHandleResponse) = ROP_SYNCHRONIZATION_GET_TRANSFER_STATE,
        SynchronizationOpenCollector(SynchronizationOpenCollectorRequest => OutputHandleResponse) = ROP_SYNCHRONIZATION_OPEN_COLLECTOR,
        SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest => SynchronizationImportMessageChangeResponse) = ROP_SYNCHRONIZATION_IMPORT_MESSAGE_CHANGE,
        SynchronizationImportHierarchyChange(SynchronizationImportHierarchyChangeRequest => SynchronizationImportHierarchyChangeResponse) = ROP_SYNCHRONIZATION_IMPORT_HIERARCHY_CHANGE,
        SynchronizationImportMessageMove(SynchronizationImportMessageMoveRequest => SynchronizationImportMessageMoveResponse) = ROP_SYNCHRONIZATION_IMPORT_MESSAGE_MOVE,
        SynchronizationImportDeletes(SynchronizationImportDeletesRequest => InputHandleResponse) = ROP_SYNCHRONIZATION_IMPORT_DELETES,
        SynchronizationImportReadStateChanges(SynchronizationImportReadStateChangesRequest => InputHandleResponse) = ROP_SYNCHRONIZATION_IMPORT_READ_STATE_CHANGES,
        GetLocalReplicaIds(GetLocalReplicaIdsRequest => GetLocalReplicaIdsResponse) = ROP_GET_LOCAL_REPLICA_IDS,
        SetLocalReplicaMidsetDeleted(SetLocalReplicaMidsetDeletedRequest => InputHandleResponse) = ROP_SET_LOCAL_REPLICA_MIDSET_DELETED,
    }
}

impl RopRequest {
    /// Decodes one request (RopId first).
    pub fn decode(r: &mut Reader<'_>, ctx: &RequestContext) -> DecodeResult<Self> {
        let offset = r.offset();
        let rop_id = r.u8("RopId")?;
        if rop_id == ROP_SET_MESSAGE_READ_FLAG {
            let public = r.peek_u8().is_some_and(|logon_id| ctx.is_public(logon_id));
            return Ok(RopRequest::SetMessageReadFlag(
                SetMessageReadFlagRequest::read_with(r, public)?,
            ));
        }
        Self::read_body(rop_id, r)?.ok_or(RopError::UnknownRopId {
            offset,
            rop_id,
            direction: "request",
        })
    }

    /// Encodes it (RopId first).
    pub fn encode(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.rop_id());
        self.write_body(out)
    }

    /// The spec name.
    pub fn name(&self) -> &'static str {
        rop_name(self.rop_id())
    }

    /// The OutputHandleIndex of an object-creating ROP.
    pub fn output_handle_index(&self) -> Option<u8> {
        use RopRequest as Q;
        Some(match self {
            Q::FastTransferSourceCopyTo(x) => x.output_handle_index,
            Q::FastTransferSourceCopyProperties(x) => x.output_handle_index,
            Q::FastTransferSourceCopyMessages(x) => x.output_handle_index,
            Q::FastTransferSourceCopyFolder(x) => x.output_handle_index,
            Q::FastTransferDestinationConfigure(x) => x.output_handle_index,
            Q::SynchronizationConfigure(x) => x.output_handle_index,
            Q::SynchronizationGetTransferState(x) => x.output_handle_index,
            Q::SynchronizationOpenCollector(x) => x.output_handle_index,
            Q::SynchronizationImportMessageChange(x) => x.output_handle_index,
            Q::Logon(x) => x.output_handle_index,
            Q::OpenFolder(x) => x.output_handle_index,
            Q::CreateFolder(x) => x.output_handle_index,
            Q::GetHierarchyTable(x) => x.output_handle_index,
            Q::GetContentsTable(x) => x.output_handle_index,
            Q::OpenMessage(x) => x.output_handle_index,
            Q::CreateMessage(x) => x.output_handle_index,
            Q::OpenAttachment(x) => x.output_handle_index,
            Q::CreateAttachment(x) => x.output_handle_index,
            Q::GetAttachmentTable(x) => x.output_handle_index,
            Q::OpenEmbeddedMessage(x) => x.output_handle_index,
            _ => return None,
        })
    }

    /// What the response decoder needs from this request.
    pub fn response_hint(&self) -> ResponseHint<'_> {
        match self {
            RopRequest::Logon(x) => ResponseHint {
                logon_private: x.logon_flags.contains(super::flags::LogonFlags::PRIVATE),
                ..Default::default()
            },
            RopRequest::GetPropertiesSpecific(x) => ResponseHint {
                columns: Some(&x.property_tags),
                ..Default::default()
            },
            _ => ResponseHint::default(),
        }
    }
}

impl RopResponse {
    /// Decodes one response (RopId first) whose RopId must be `rop_id`.
    pub fn decode(r: &mut Reader<'_>, rop_id: u8, hint: &ResponseHint<'_>) -> DecodeResult<Self> {
        let offset = r.offset();
        let id = r.u8("RopId")?;
        if id != rop_id {
            return Err(RopError::UnexpectedResponse {
                offset,
                rop_id: id,
                expected: rop_name(rop_id).into(),
            });
        }
        Self::read_body(id, r, hint)?.ok_or(RopError::UnknownRopId {
            offset,
            rop_id: id,
            direction: "response",
        })
    }

    /// Encodes it (RopId first).
    pub fn encode(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.rop_id());
        self.write_body(out)
    }

    /// The spec name.
    pub fn name(&self) -> &'static str {
        rop_name(self.rop_id())
    }

    /// False for RopBackoff and RopBufferTooSmall.
    pub fn answers_request(&self) -> bool {
        !matches!(
            self,
            RopResponse::Backoff(_) | RopResponse::BufferTooSmall(_)
        )
    }

    /// A request this response can answer, with the fields its decoder reads
    /// (for round-trip tests). `None` for response-only ROPs and for rows
    /// that fit no column set.
    pub fn implied_request(&self) -> Option<RopRequest> {
        let mut q = self.default_request()?;
        match (&mut q, self) {
            (RopRequest::Logon(q), RopResponse::Logon(r))
                if !matches!(r.result, LogonResult::PublicSuccess(_)) =>
            {
                q.logon_flags = super::flags::LogonFlags::PRIVATE;
            }
            (RopRequest::GetPropertiesSpecific(q), RopResponse::GetPropertiesSpecific(r)) => {
                if let super::common::RopResult::Success(s) = &r.result {
                    q.property_tags =
                        super::value::columns_for_rows(std::slice::from_ref(&s.row_data))?;
                }
            }
            _ => {}
        }
        Some(q)
    }
}
