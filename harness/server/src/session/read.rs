//! Reading properties and tables ([MS-OXCPRPT] 2.2.2, 2.2.4; [MS-OXCTABL]
//! 2.2.2): RopGetPropertiesSpecific, RopGetPropertiesAll (on Folder, Message,
//! Attachment and embedded Message objects), RopGetContentsTable,
//! RopGetHierarchyTable, RopSetColumns, RopQueryRows; and RopMoveCopyMessages
//! ([MS-OXCFOLD] 2.2.1.6). Computed properties (ids, SourceKey, ChangeKey,
//! PCL, CN, flags, size, times, EntryID) are added to the stored ones.

use ics_wire::ids::{Cn, Fid};
use ics_wire::prop::{PropTag, PropType, PropValue, TaggedValue, tags};
use ics_wire::rop::common::RopResult;
use ics_wire::rop::flags::{Bookmark, ContentsTableFlags, TableStatus};
use ics_wire::rop::folder::{GetTableResponse, RowCountSuccess};
use ics_wire::rop::message::MoveCopyMessagesResponse;
use ics_wire::rop::property::*;
use ics_wire::rop::table::*;
use ics_wire::rop::value::{Flagged, FlaggedCell, PropertyRow, StandardCell, TaggedPropertyValue};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use super::{Object, Session};
use crate::ics::StringForm;
use crate::ics::materialize::convert_string;
use crate::mailbox::{
    LOCAL_REPLID, Mailbox, Message, PropertyBag, folder_change_key, folder_pcl, message_change_key,
    message_pcl,
};

/// PidTagEntryId.
pub const PID_TAG_ENTRY_ID: PropTag = PropTag(0x0FFF_0102);
/// PidTagContentCount.
pub const PID_TAG_CONTENT_COUNT: PropTag = PropTag(0x3602_0003);
/// PidTagSubfolders.
pub const PID_TAG_SUBFOLDERS: PropTag = PropTag(0x360A_000B);

/// A table object.
#[derive(Debug)]
pub struct TableCtx {
    folder: Fid,
    hierarchy: bool,
    fai: bool,
    /// An attachment table (RopGetAttachmentTable): its rows.
    attachments: Option<Vec<PropertyBag>>,
    columns: Vec<PropTag>,
    pos: usize,
}

impl TableCtx {
    /// An attachment table over these rows ([MS-OXCMSG] 3.2.5.17).
    pub(super) fn attachments(rows: Vec<PropertyBag>) -> Self {
        TableCtx {
            folder: Fid::from_u64_le(0),
            hierarchy: false,
            fai: false,
            attachments: Some(rows),
            columns: Vec::new(),
            pos: 0,
        }
    }
}

/// All properties of a message, stored and computed.
pub fn message_props(mb: &Mailbox, folder: Fid, m: &Message) -> PropertyBag {
    let g = mb.replguid();
    let mut b = m.content.props.clone();
    let mut put = |t: PropTag, v: PropValue| b.set(t, v);
    put(tags::PID_TAG_MID, PropValue::I64(m.mid.to_u64_le() as i64));
    put(
        tags::PID_TAG_PARENT_FOLDER_ID,
        PropValue::I64(folder.to_u64_le() as i64),
    );
    put(
        tags::PID_TAG_MESSAGE_FLAGS,
        PropValue::I32(m.message_flags()),
    );
    put(
        tags::PID_TAG_MESSAGE_SIZE,
        PropValue::I32(m.size().min(i32::MAX as usize) as i32),
    );
    put(
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        PropValue::Time(m.last_modified),
    );
    put(
        tags::PID_TAG_SOURCE_KEY,
        PropValue::Binary(mb.source_key_of(m.mid.0)),
    );
    put(
        tags::PID_TAG_CHANGE_KEY,
        PropValue::Binary(message_change_key(m, g).to_bytes()),
    );
    put(
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        PropValue::Binary(message_pcl(m, g).to_bytes()),
    );
    put(
        tags::PID_TAG_CHANGE_NUMBER,
        PropValue::I64(Cn::new(LOCAL_REPLID, m.cn).to_u64_le() as i64),
    );
    put(tags::PID_TAG_ASSOCIATED, PropValue::Boolean(m.fai));
    put(tags::PID_TAG_READ, PropValue::Boolean(m.read));
    put(
        PID_TAG_ENTRY_ID,
        PropValue::Binary(super::copy::message_entry_id(mb, folder, m.mid)),
    );
    b
}

/// All properties of a folder, stored and computed.
pub fn folder_props(mb: &Mailbox, fid: Fid) -> Option<PropertyBag> {
    let f = mb.folder(fid)?;
    let g = mb.replguid();
    let mut b = f.props.clone();
    b.set(
        tags::PID_TAG_FOLDER_ID,
        PropValue::I64(fid.to_u64_le() as i64),
    );
    if let Some(p) = f.parent {
        b.set(
            tags::PID_TAG_PARENT_FOLDER_ID,
            PropValue::I64(p.to_u64_le() as i64),
        );
    }
    b.set(
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        PropValue::Time(f.last_modified),
    );
    b.set(
        tags::PID_TAG_SOURCE_KEY,
        PropValue::Binary(mb.source_key_of(fid.0)),
    );
    b.set(
        tags::PID_TAG_CHANGE_KEY,
        PropValue::Binary(folder_change_key(f, g).to_bytes()),
    );
    b.set(
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        PropValue::Binary(folder_pcl(f, g).to_bytes()),
    );
    b.set(
        tags::PID_TAG_CHANGE_NUMBER,
        PropValue::I64(Cn::new(LOCAL_REPLID, f.cn).to_u64_le() as i64),
    );
    b.set(
        PID_TAG_CONTENT_COUNT,
        PropValue::I32(f.messages().filter(|m| !m.fai).count() as i32),
    );
    b.set(
        PID_TAG_SUBFOLDERS,
        PropValue::Boolean(f.children().next().is_some()),
    );
    Some(b)
}

/// The value of `col` in `bag` with the column's type (strings convert
/// between PtypString and PtypString8), or `None`.
fn cell(bag: &PropertyBag, col: PropTag) -> Option<PropValue> {
    let v = bag.get(col)?.clone();
    let want = col.prop_type();
    if want == v.prop_type() || want == PropType::UNSPECIFIED {
        return Some(v);
    }
    let form = match want {
        PropType::STRING | PropType::MULTIPLE_STRING => StringForm::ForceUnicode,
        PropType::STRING8 | PropType::MULTIPLE_STRING8 => StringForm::CodePage,
        _ => return None,
    };
    let c = convert_string(TaggedValue { tag: col, value: v }, form);
    (c.value.prop_type() == want).then_some(c.value)
}

/// A row for `columns`: standard if every value exists, else flagged with
/// ecNotFound cells ([MS-OXCDATA] 2.8.1).
pub fn row(bag: &PropertyBag, columns: &[PropTag]) -> PropertyRow {
    let cells: Vec<Option<PropValue>> = columns.iter().map(|c| cell(bag, *c)).collect();
    if cells.iter().all(Option::is_some) {
        PropertyRow::Standard(
            cells
                .into_iter()
                .zip(columns)
                .map(|(v, c)| {
                    let v = v.expect("all present");
                    if c.prop_type() == PropType::UNSPECIFIED {
                        StandardCell::Typed(v)
                    } else {
                        StandardCell::Value(v)
                    }
                })
                .collect(),
        )
    } else {
        PropertyRow::Flagged(
            cells
                .into_iter()
                .zip(columns)
                .map(|(v, c)| {
                    let f = v.map_or(Flagged::Error(ErrorCode::NotFound), Flagged::Value);
                    if c.prop_type() == PropType::UNSPECIFIED {
                        FlaggedCell::WithType {
                            property_type: PropType::ERROR_CODE,
                            value: f,
                        }
                    } else {
                        FlaggedCell::Flagged(f)
                    }
                })
                .collect(),
        )
    }
}

impl Session {
    /// The cursor of a table behind a handle slot.
    pub(super) fn table_pos(&self, handles: &[u32], idx: u8) -> Option<(u32, usize)> {
        let h = self.resolve(handles, idx).ok()?;
        match self.objects.get(&h) {
            Some(Object::Table(t)) => Some((h, t.pos)),
            _ => None,
        }
    }

    /// Puts a table cursor back.
    pub(super) fn set_table_pos(&mut self, h: u32, pos: usize) {
        if let Some(Object::Table(t)) = self.objects.get_mut(&h) {
            t.pos = pos;
        }
    }

    fn object_props(&self, h: u32) -> Result<PropertyBag, ErrorCode> {
        match self.objects.get(&h) {
            Some(Object::Folder(f)) => folder_props(&self.mb, *f).ok_or(ErrorCode::ObjectDeleted),
            Some(Object::Message(m)) => match m.pending_mid() {
                Some(mid) => {
                    let folder = self.mb.folder_of(mid).ok_or(ErrorCode::ObjectDeleted)?;
                    let msg = self.mb.message(mid).ok_or(ErrorCode::ObjectDeleted)?;
                    let mut b = message_props(&self.mb, folder, msg);
                    for v in m.staged().values() {
                        b.set(v.tag, v.value.clone());
                    }
                    Ok(b)
                }
                None => Ok(m.staged().clone()),
            },
            Some(Object::Logon) => Ok(PropertyBag::new()),
            Some(Object::Attachment(_) | Object::Embedded(_)) => {
                self.subobject_props(h).ok_or(ErrorCode::NotSupported)
            }
            _ => Err(ErrorCode::NotSupported),
        }
    }

    fn table_rows(&self, t: &TableCtx) -> Vec<PropertyBag> {
        if let Some(rows) = &t.attachments {
            return rows.clone();
        }
        let Some(f) = self.mb.folder(t.folder) else {
            return Vec::new();
        };
        if t.hierarchy {
            f.children()
                .filter_map(|k| folder_props(&self.mb, Fid(crate::mailbox::ids::id_of(k))))
                .collect()
        } else {
            f.messages()
                .filter(|m| m.fai == t.fai)
                .map(|m| message_props(&self.mb, t.folder, m))
                .collect()
        }
    }

    pub(super) fn dispatch_read(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Option<RopResponse> {
        use RopRequest as Q;
        Some(match rop {
            Q::GetPropertiesSpecific(r) => {
                let result = match self
                    .resolve(handles, r.input_handle_index)
                    .and_then(|h| self.object_props(h))
                {
                    Ok(bag) => RopResult::Success(GetPropertiesSpecificSuccess {
                        row_data: row(&bag, &r.property_tags),
                    }),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::GetPropertiesSpecific(GetPropertiesSpecificResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::GetPropertiesAll(r) => {
                let result = match self
                    .resolve(handles, r.input_handle_index)
                    .and_then(|h| self.object_props(h))
                {
                    Ok(bag) => RopResult::Success(GetPropertiesAllSuccess {
                        property_values: bag
                            .values()
                            .iter()
                            .map(|v| TaggedPropertyValue(v.clone()))
                            .collect(),
                    }),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::GetPropertiesAll(GetPropertiesAllResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::GetContentsTable(r) => {
                let fai = r.table_flags.contains(ContentsTableFlags::ASSOCIATED);
                let result = self.open_table(
                    handles,
                    r.input_handle_index,
                    r.output_handle_index,
                    false,
                    fai,
                );
                RopResponse::GetContentsTable(GetTableResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::GetHierarchyTable(r) => {
                let result = self.open_table(
                    handles,
                    r.input_handle_index,
                    r.output_handle_index,
                    true,
                    false,
                );
                RopResponse::GetHierarchyTable(GetTableResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::SetColumns(r) => {
                let rv = match self.resolve(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(h) => match self.objects.get_mut(&h) {
                        Some(Object::Table(t)) => {
                            t.columns = r.property_tags.clone();
                            ErrorCode::Success
                        }
                        _ => ErrorCode::NotSupported,
                    },
                };
                let result = match rv {
                    ErrorCode::Success => RopResult::Success(SetColumnsSuccess {
                        table_status: TableStatus::TBLSTAT_COMPLETE,
                    }),
                    e => RopResult::Failure(e),
                };
                RopResponse::SetColumns(SetColumnsResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::QueryRows(r) => {
                let result = match self.resolve(handles, r.input_handle_index) {
                    Err(e) => RopResult::Failure(e),
                    Ok(h) => match self.objects.get(&h) {
                        Some(Object::Table(t)) if !t.columns.is_empty() => {
                            let rows = self.table_rows(t);
                            let start = t.pos.min(rows.len());
                            let end = (start + r.row_count as usize).min(rows.len());
                            let data: Vec<PropertyRow> = rows[start..end]
                                .iter()
                                .map(|b| row(b, &t.columns))
                                .collect();
                            let advance = r.query_rows_flags.0 & 0x01 == 0;
                            if let Some(Object::Table(t)) = self.objects.get_mut(&h)
                                && advance
                            {
                                t.pos = end;
                            }
                            let origin = if end >= rows.len() {
                                Bookmark::BOOKMARK_END
                            } else {
                                Bookmark::BOOKMARK_CURRENT
                            };
                            RopResult::Success(QueryRowsSuccess {
                                origin,
                                row_data: data,
                            })
                        }
                        Some(Object::Table(_)) => RopResult::Failure(ErrorCode::NullObject),
                        _ => RopResult::Failure(ErrorCode::NotSupported),
                    },
                };
                RopResponse::QueryRows(QueryRowsResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::MoveCopyMessages(r) => {
                let src = self.folder_of_handle(handles, r.source_handle_index);
                let dst = self.folder_of_handle(handles, r.dest_handle_index);
                let rv = match (src, dst) {
                    (Ok(s), Ok(d)) => {
                        let mut partial = false;
                        for mid in &r.message_ids {
                            if self.mb.folder_of(*mid) != Some(s) {
                                partial = true;
                                continue;
                            }
                            let ok = if r.want_copy != 0 {
                                self.mb.copy_message(*mid, d).is_ok()
                            } else {
                                self.mb.move_message(*mid, d).is_ok()
                            };
                            partial |= !ok;
                        }
                        if partial {
                            ErrorCode::ErrorsReturned
                        } else {
                            ErrorCode::Success
                        }
                    }
                    (Err(e), _) => e,
                    (_, Err(_)) => ErrorCode::DstNullObject,
                };
                let dest_handle_index =
                    (rv == ErrorCode::DstNullObject).then_some(u32::from(r.dest_handle_index));
                RopResponse::MoveCopyMessages(MoveCopyMessagesResponse {
                    source_handle_index: r.source_handle_index,
                    return_value: rv,
                    dest_handle_index,
                    partial_completion: 0,
                })
            }
            _ => return None,
        })
    }

    fn open_table(
        &mut self,
        handles: &mut [u32],
        idx: u8,
        out: u8,
        hierarchy: bool,
        fai: bool,
    ) -> RopResult<RowCountSuccess> {
        let folder = match self.folder_of_handle(handles, idx) {
            Ok(f) => f,
            Err(e) => return RopResult::Failure(e),
        };
        let t = TableCtx {
            folder,
            hierarchy,
            fai,
            attachments: None,
            columns: Vec::new(),
            pos: 0,
        };
        let n = self.table_rows(&t).len() as u32;
        let h = self.alloc(Object::Table(Box::new(t)));
        Self::set_output(handles, out, h);
        RopResult::Success(RowCountSuccess { row_count: n })
    }
}
