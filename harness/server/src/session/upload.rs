//! ICS upload: the synchronization upload context (collector) and the
//! import ROPs ([MS-OXCFXICS] 2.2.3.2.4, 3.2.5.9.4; server-rules.md groups
//! S, T).
//!
//! Conflicts (3.1.5.6): detection compares PCLs for every imported version;
//! resolution is last writer wins for folders, FAI messages and normal
//! messages in a folder with PidTagResolveMethod RESOLVE_METHOD_LAST_WRITER_WINS
//! (PidTagLastModificationTime, then ChangeKey NamespaceGuid, then the
//! imported version; folders keep the server version on a tie); other normal
//! messages get a conflict resolve message (`conflict.rs`). The result
//! of a conflict the server resolved is never claimed in the upload
//! context's CnsetSeen (whichever side won, its merged PCL is new to the
//! client), so the client's next download brings it (3.2.5.9.4.2, R-246).

use ics_wire::ids::{ExchangeId, Fid, Gid, Mid, Xid};
use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::common::{OutputHandleResponse, RopResult};
use ics_wire::rop::flags::{ImportDeleteFlags, ImportFlag};
use ics_wire::rop::idmgmt::SetLocalReplicaMidsetDeletedRequest;
use ics_wire::rop::import::*;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};
use ics_wire::state::IcsState;

use super::conflict;
use super::setup::{MessageCtx, Pending};
use super::{Object, Session, SessionError, StateUpload, input_response, state_stream};
use crate::mailbox::{
    DeleteKind, ImportedChange, folder_change_key, folder_pcl, key, message_change_key, message_pcl,
};
use crate::sets::GlobSet;

/// A synchronization upload context.
#[derive(Debug)]
pub struct CollectorCtx {
    pub(super) folder: Fid,
    pub(super) contents: bool,
    pub(super) upload: StateUpload,
    /// An import ROP ran (state upload must come first).
    pub(super) imported: bool,
    pub(super) seen_add: GlobSet,
    pub(super) seen_fai_add: GlobSet,
    pub(super) read_add: GlobSet,
}

/// Change identity of an imported version.
pub(super) struct Version {
    pub source_key: Gid,
    pub change: ImportedChange,
}

fn binary(v: &TaggedValue) -> Option<&[u8]> {
    match &v.value {
        PropValue::Binary(b) => Some(b),
        _ => None,
    }
}

/// SourceKey, LastModificationTime, ChangeKey, PCL at positions 0–3.
fn version(vals: &[TaggedValue]) -> Result<Version, ErrorCode> {
    let bad = ErrorCode::InvalidParameter;
    let [sk, lmt, ck, pcl, ..] = vals else {
        return Err(bad);
    };
    if sk.tag != tags::PID_TAG_SOURCE_KEY
        || lmt.tag != tags::PID_TAG_LAST_MODIFICATION_TIME
        || ck.tag != tags::PID_TAG_CHANGE_KEY
        || pcl.tag != tags::PID_TAG_PREDECESSOR_CHANGE_LIST
    {
        return Err(bad);
    }
    let source_key = Gid::decode(binary(sk).ok_or(bad)?).map_err(|_| bad)?;
    let PropValue::Time(last_modified) = lmt.value else {
        return Err(bad);
    };
    let change_key = Xid::decode(binary(ck).ok_or(bad)?).map_err(|_| bad)?;
    let pcl = Pcl::decode_lenient(binary(pcl).ok_or(bad)?).map_err(|_| bad)?;
    Ok(Version {
        source_key,
        change: ImportedChange {
            change_key,
            pcl,
            last_modified,
        },
    })
}

/// Last writer wins ([MS-OXCFXICS] 3.1.5.6.2.2): true if the imported
/// version wins.
pub(super) fn imported_wins(
    imported: &ImportedChange,
    server_lmt: u64,
    server_ck: &Xid,
    folder: bool,
) -> bool {
    if imported.last_modified != server_lmt {
        return imported.last_modified > server_lmt;
    }
    if folder {
        return false;
    }
    imported.change_key.namespace_guid >= server_ck.namespace_guid
}

/// The outcome of comparing an imported version with the server's.
pub(super) enum Verdict {
    /// Apply the imported version: newer (`conflict` false), or the winner
    /// of a conflict (`conflict` true; its PCL is then the merge, R-238).
    Apply {
        /// ChangeKey, PCL, LMT to store.
        change: ImportedChange,
        /// The server resolved a conflict.
        conflict: bool,
    },
    /// Keep the server's content, PCL merged (conflict lost).
    KeepMerged(Pcl),
}

impl Verdict {
    /// Whether the stored result is exactly the client's version, so the
    /// upload context's state may claim its CN. After a
    /// conflict the server resolved, the result is not what the client
    /// has — the server's content when it won, the merged PCL either way —
    /// and claiming it would hide the result from the client's next
    /// download (3.2.5.9.4.2, 3.1.5.6.2; R-246 states it for folders).
    pub(super) fn client_has_result(&self) -> bool {
        matches!(
            self,
            Verdict::Apply {
                conflict: false,
                ..
            }
        )
    }
}

pub(super) fn decide(
    imported: ImportedChange,
    server_pcl: &Pcl,
    server_lmt: u64,
    server_ck: &Xid,
    folder: bool,
    fail_on_conflict: bool,
) -> Result<Verdict, ErrorCode> {
    match imported.pcl.compare(server_pcl) {
        PclOrdering::Newer => Ok(Verdict::Apply {
            change: imported,
            conflict: false,
        }),
        PclOrdering::Equal | PclOrdering::Older => Err(ErrorCode::SyncIgnore),
        PclOrdering::Conflict if fail_on_conflict => Err(ErrorCode::SyncConflict),
        PclOrdering::Conflict => {
            let merged = imported.pcl.merge(server_pcl);
            if imported_wins(&imported, server_lmt, server_ck, folder) {
                Ok(Verdict::Apply {
                    change: ImportedChange {
                        pcl: merged,
                        ..imported
                    },
                    conflict: true,
                })
            } else {
                Ok(Verdict::KeepMerged(merged))
            }
        }
    }
}

impl Session {
    pub(super) fn collector_state_bytes(&self, ctx: &CollectorCtx) -> Result<Vec<u8>, ErrorCode> {
        // a checkpoint of the upload, without IdsetGiven.
        let mut st = IcsState::new();
        for (k, set) in &ctx.upload.props {
            match k {
                1 => st.cnset_seen = set.clone(),
                2 => st.cnset_seen_fai = set.clone(),
                3 => st.cnset_read = set.clone(),
                _ => {}
            }
        }
        let g = self.mb.replguid();
        st.cnset_seen.insert_globset(g, &ctx.seen_add);
        st.cnset_seen_fai.insert_globset(g, &ctx.seen_fai_add);
        st.cnset_read.insert_globset(g, &ctx.read_add);
        let k = if ctx.contents {
            ics_wire::state::SynchronizationType::Contents
        } else {
            ics_wire::state::SynchronizationType::Hierarchy
        };
        state_stream(&st, k)
    }

    fn collector(&mut self, handles: &[u32], idx: u8) -> Result<(u32, Fid, bool), ErrorCode> {
        let h = self.resolve(handles, idx)?;
        match self.objects.get_mut(&h) {
            Some(Object::Collector(c)) => {
                if c.upload.current.is_some() {
                    return Err(ErrorCode::GeneralFailure); // state upload not ended
                }
                c.imported = true;
                Ok((h, c.folder, c.contents))
            }
            _ => Err(ErrorCode::NotSupported),
        }
    }

    fn collector_mut(&mut self, h: u32) -> &mut CollectorCtx {
        match self.objects.get_mut(&h) {
            Some(Object::Collector(c)) => c,
            _ => unreachable!("checked by collector()"),
        }
    }

    pub(super) fn dispatch_upload(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Result<Option<RopResponse>, SessionError> {
        use RopRequest as Q;
        Ok(Some(match rop {
            Q::SynchronizationOpenCollector(r) => {
                let rv = match self.resolve(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(h) => match self.objects[&h] {
                        Object::Folder(fid) => {
                            let ctx = CollectorCtx {
                                folder: fid,
                                contents: r.is_contents_collector != 0,
                                upload: StateUpload::default(),
                                imported: false,
                                seen_add: GlobSet::new(),
                                seen_fai_add: GlobSet::new(),
                                read_add: GlobSet::new(),
                            };
                            let nh = self.alloc(Object::Collector(Box::new(ctx)));
                            Self::set_output(handles, r.output_handle_index, nh);
                            ErrorCode::Success
                        }
                        _ => ErrorCode::NotSupported,
                    },
                };
                RopResponse::SynchronizationOpenCollector(OutputHandleResponse {
                    output_handle_index: r.output_handle_index,
                    return_value: rv,
                })
            }
            Q::SynchronizationImportMessageChange(r) => {
                let result = match self.import_message_change(r, handles) {
                    Ok(()) => RopResult::Success(ImportMessageChangeSuccess {
                        message_id: Mid::default(),
                    }),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::SynchronizationImportMessageChange(
                    SynchronizationImportMessageChangeResponse {
                        output_handle_index: r.output_handle_index,
                        result,
                    },
                )
            }
            Q::SynchronizationImportHierarchyChange(r) => {
                let result = match self.import_hierarchy_change(r, handles) {
                    Ok(()) => RopResult::Success(ImportHierarchyChangeSuccess {
                        folder_id: Fid::default(),
                    }),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::SynchronizationImportHierarchyChange(
                    SynchronizationImportHierarchyChangeResponse {
                        input_handle_index: r.input_handle_index,
                        result,
                    },
                )
            }
            Q::SynchronizationImportDeletes(r) => {
                let rv = self
                    .import_deletes(r, handles)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                input_response(rop, r.input_handle_index, rv)
            }
            Q::SynchronizationImportReadStateChanges(r) => {
                let rv = self
                    .import_read_states(r, handles)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                input_response(rop, r.input_handle_index, rv)
            }
            Q::SynchronizationImportMessageMove(r) => {
                let result = match self.import_message_move(r, handles) {
                    Ok(ErrorCode::Success) => RopResult::Success(ImportMessageMoveSuccess {
                        message_id: Mid::default(),
                    }),
                    Ok(e) | Err(e) => RopResult::Failure(e),
                };
                RopResponse::SynchronizationImportMessageMove(
                    SynchronizationImportMessageMoveResponse {
                        input_handle_index: r.input_handle_index,
                        result,
                    },
                )
            }
            Q::SetLocalReplicaMidsetDeleted(r) => {
                let rv = self
                    .midset_deleted(r, handles)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                input_response(rop, r.input_handle_index, rv)
            }
            _ => return Ok(None),
        }))
    }

    fn id_of_gid(&mut self, gid: Gid) -> Result<ExchangeId, ErrorCode> {
        self.mb
            .ids_mut()
            .id_of_gid(gid)
            .map_err(|_| ErrorCode::OutOfMemory)
    }

    fn import_message_change(
        &mut self,
        r: &SynchronizationImportMessageChangeRequest,
        handles: &mut [u32],
    ) -> Result<(), ErrorCode> {
        let (ch, folder, contents) = self.collector(handles, r.input_handle_index)?;
        if !contents {
            return Err(ErrorCode::NotSupported);
        }
        // unknown ImportFlag bits fail (Exchange 2010+).
        if r.import_flag.unknown_bits() != 0 {
            return Err(ErrorCode::InvalidParameter);
        }
        let vals: Vec<TaggedValue> = r.property_values.iter().map(|v| v.0.clone()).collect();
        if vals.len() != 4 {
            return Err(ErrorCode::InvalidParameter);
        }
        let v = version(&vals)?;
        let mid = Mid(self.id_of_gid(v.source_key)?);
        let fai = r.import_flag.contains(ImportFlag::ASSOCIATED);
        let fail_on_conflict = r.import_flag.contains(ImportFlag::FAIL_ON_CONFLICT);
        let pending = match self.mb.message(mid) {
            Some(m) => {
                if self.mb.folder_of(mid) != Some(folder) {
                    return Err(ErrorCode::InvalidParameter);
                }
                let g = self.mb.replguid();
                let (server_ck, server_lmt) = (message_change_key(m, g), m.last_modified);
                let imported = v.change.clone();
                let verdict = decide(
                    v.change,
                    &message_pcl(m, g),
                    server_lmt,
                    &server_ck,
                    false,
                    fail_on_conflict,
                )?;
                let claim = verdict.client_has_result();
                // a conflict on a normal message keeps a
                // conflict resolve message unless the folder says last writer wins.
                let lww = fai
                    || self.mb.folder(folder).map(conflict::resolve_method)
                        == Some(conflict::ResolveMethod::LastWriterWins);
                match verdict {
                    Verdict::Apply {
                        change,
                        conflict: true,
                    } if !lww => Pending::Resolve(Box::new(conflict::ResolvePlan {
                        mid,
                        imported,
                        result: change,
                        import_wins: true,
                    })),
                    Verdict::KeepMerged(pcl) if !lww => {
                        Pending::Resolve(Box::new(conflict::ResolvePlan {
                            mid,
                            imported,
                            result: ImportedChange {
                                change_key: server_ck,
                                pcl,
                                last_modified: server_lmt,
                            },
                            import_wins: false,
                        }))
                    }
                    Verdict::Apply { change, .. } => Pending::Replace { mid, change, claim },
                    Verdict::KeepMerged(pcl) => Pending::KeepServer { mid, pcl },
                }
            }
            None if self.mb.folder(folder).is_some_and(|f| {
                f.tombstone(key(mid.0)).is_some() || f.in_midset_deleted(key(mid.0))
            }) =>
            {
                // a deletion recorded for an id never seen also
                // prevents its resurrection ([MS-OXCFXICS] 3.2.5.9.4.5).
                return Err(ErrorCode::SyncObjectDeleted);
            }
            None if self.mb.folder_of(mid).is_none() && self.mb.message(mid).is_none() => {
                Pending::Create {
                    mid,
                    change: v.change,
                }
            }
            None => return Err(ErrorCode::InvalidParameter),
        };
        // the returned Message object starts empty.
        let ctx = MessageCtx::new(folder, fai, pending, Some(ch));
        let nh = self.alloc(Object::Message(Box::new(ctx)));
        Self::set_output(handles, r.output_handle_index, nh);
        Ok(())
    }

    /// Called by SaveChangesMessage for an imported message: records the new
    /// CN in the collector's state.
    pub(super) fn note_import_saved(&mut self, collector: u32, fai: bool, cn: ics_wire::GlobCnt) {
        if let Some(Object::Collector(c)) = self.objects.get_mut(&collector) {
            if fai {
                &mut c.seen_fai_add
            } else {
                &mut c.seen_add
            }
            .insert(cn);
        }
    }

    fn import_hierarchy_change(
        &mut self,
        r: &SynchronizationImportHierarchyChangeRequest,
        handles: &mut [u32],
    ) -> Result<(), ErrorCode> {
        let (ch, root, contents) = self.collector(handles, r.input_handle_index)?;
        if contents {
            return Err(ErrorCode::NotSupported);
        }
        let hv: Vec<TaggedValue> = r.hierarchy_values.iter().map(|v| v.0.clone()).collect();
        // ParentSourceKey, SourceKey, LMT, ChangeKey, PCL, DisplayName.
        if hv.len() != 6
            || hv[0].tag != tags::PID_TAG_PARENT_SOURCE_KEY
            || hv[5].tag.id() != tags::PID_TAG_DISPLAY_NAME.id()
        {
            return Err(ErrorCode::InvalidParameter);
        }
        let v = version(&hv[1..5])?;
        let name = match &hv[5].value {
            PropValue::Unicode(s) => s.to_string_lossy(),
            PropValue::String8(b) => String::from_utf8_lossy(b).into_owned(),
            _ => return Err(ErrorCode::InvalidParameter),
        };
        let parent_sk = binary(&hv[0]).ok_or(ErrorCode::InvalidParameter)?;
        let parent = if parent_sk.is_empty() {
            root
        } else {
            let g = Gid::decode(parent_sk).map_err(|_| ErrorCode::InvalidParameter)?;
            Fid(self.id_of_gid(g)?)
        };
        if self.mb.folder(parent).is_none() {
            return Err(ErrorCode::SyncNoParent);
        }
        let fid = Fid(self.id_of_gid(v.source_key)?);
        // PropertyValues duplicating HierarchyValues are ignored.
        let extra: Vec<TaggedValue> = r
            .property_values
            .iter()
            .map(|x| x.0.clone())
            .filter(|x| !hv.iter().any(|h| h.tag.id() == x.tag.id()))
            .collect();
        let mut set = extra;
        set.push(TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: PropValue::unicode(&name),
        });
        let g = self.mb.replguid();
        match self.mb.folder(fid) {
            Some(f) => {
                let verdict = decide(
                    v.change,
                    &folder_pcl(f, g),
                    f.last_modified,
                    &folder_change_key(f, g),
                    true,
                    false,
                )?;
                let claim = verdict.client_has_result();
                match verdict {
                    Verdict::Apply { change, .. } => {
                        if f.parent != Some(parent) {
                            self.mb
                                .move_folder(fid, parent, Some(change.clone()))
                                .map_err(|_| ErrorCode::InvalidParameter)?;
                        }
                        self.mb
                            .set_folder_properties(fid, &set, &[], Some(change))
                            .map_err(|_| ErrorCode::GeneralFailure)?;
                    }
                    Verdict::KeepMerged(pcl) => {
                        // The server version stays, as a successor of both
                        // same ChangeKey and LMT, merged PCL, new CN.
                        let keep = ImportedChange {
                            change_key: folder_change_key(f, g),
                            pcl,
                            last_modified: f.last_modified,
                        };
                        self.mb
                            .set_folder_properties(fid, &[], &[], Some(keep))
                            .map_err(|_| ErrorCode::GeneralFailure)?;
                    }
                }
                if !claim {
                    return Ok(()); // resolved, Success, CnsetSeen not updated
                }
            }
            None if self.mb.folder_tombstone(fid).is_some() => {
                return Err(ErrorCode::SyncObjectDeleted);
            }
            None => {
                // the folder keeps the imported ChangeKey, PCL and
                // time; the other properties are part of the same version.
                self.mb
                    .create_folder_with_id(parent, fid, &name, Some(v.change.clone()))
                    .map_err(|_| ErrorCode::InvalidParameter)?;
                self.mb
                    .set_folder_properties(fid, &set, &[], Some(v.change))
                    .map_err(|_| ErrorCode::GeneralFailure)?;
            }
        }
        let cn = self
            .mb
            .folder(fid)
            .map(|f| f.cn)
            .ok_or(ErrorCode::GeneralFailure)?;
        self.collector_mut(ch).seen_add.insert(cn);
        Ok(())
    }

    fn import_deletes(
        &mut self,
        r: &SynchronizationImportDeletesRequest,
        handles: &mut [u32],
    ) -> Result<(), ErrorCode> {
        let (_, folder, contents) = self.collector(handles, r.input_handle_index)?;
        let f = r.import_delete_flags;
        if f.unknown_bits() != 0 || f.contains(ImportDeleteFlags::HIERARCHY) == contents {
            return Err(ErrorCode::InvalidParameter);
        }
        if f.contains(ImportDeleteFlags::HARD_DELETE) && self.profile.no_hard_delete_import {
            return Err(ErrorCode::NotSupported);
        }
        let kind = if f.contains(ImportDeleteFlags::HARD_DELETE) {
            DeleteKind::Hard
        } else {
            DeleteKind::Soft
        };
        let [v] = r.property_values.as_slice() else {
            return Err(ErrorCode::InvalidParameter);
        };
        let PropValue::MvBinary(keys) = &v.0.value else {
            return Err(ErrorCode::InvalidParameter);
        };
        // check every id before deleting anything.
        let gids: Vec<Gid> = keys
            .iter()
            .map(|k| Gid::decode(k))
            .collect::<Result<_, _>>()
            .map_err(|_| ErrorCode::InvalidParameter)?;
        for g in gids {
            let id = self.id_of_gid(g)?;
            if contents {
                match self.mb.folder_of(Mid(id)) {
                    Some(fo) if fo == folder => self
                        .mb
                        .delete_message(Mid(id), kind)
                        .map_err(|_| ErrorCode::GeneralFailure)?,
                    Some(_) => {}
                    // R-224 already deleted: ignore; R-161 never existed: record.
                    None => self
                        .mb
                        .add_midset_deleted(folder, &[(id, id)])
                        .map_err(|_| ErrorCode::GeneralFailure)?,
                }
            } else if self.mb.folder(Fid(id)).is_some() {
                if self.mb.is_ancestor_or_self(folder, Fid(id)) && Fid(id) != folder {
                    self.mb
                        .delete_folder(Fid(id), kind)
                        .map_err(|_| ErrorCode::GeneralFailure)?;
                }
            } else {
                // R-224 already deleted: ignore; R-161 never existed: record.
                self.mb
                    .record_folder_deleted(Fid(id), kind)
                    .map_err(|_| ErrorCode::GeneralFailure)?;
            }
        }
        Ok(())
    }

    fn import_read_states(
        &mut self,
        r: &SynchronizationImportReadStateChangesRequest,
        handles: &mut [u32],
    ) -> Result<(), ErrorCode> {
        let (ch, folder, contents) = self.collector(handles, r.input_handle_index)?;
        if !contents {
            return Err(ErrorCode::NotSupported);
        }
        // validate all before applying any.
        let mut todo = Vec::new();
        for s in &r.message_read_states {
            let g = Gid::decode(&s.message_id).map_err(|_| ErrorCode::InvalidParameter)?;
            todo.push((g, s.mark_as_read != 0));
        }
        for (g, read) in todo {
            let mid = Mid(self.id_of_gid(g)?);
            if self.mb.folder_of(mid) != Some(folder) {
                continue;
            }
            // FAI ignored (set_read does nothing for FAI).
            if self
                .mb
                .set_read(mid, read)
                .map_err(|_| ErrorCode::GeneralFailure)?
                && let Some(rcn) = self.mb.message(mid).and_then(|m| m.read_cn)
            {
                self.collector_mut(ch).read_add.insert(rcn);
            }
        }
        Ok(())
    }

    fn import_message_move(
        &mut self,
        r: &SynchronizationImportMessageMoveRequest,
        handles: &mut [u32],
    ) -> Result<ErrorCode, ErrorCode> {
        let (ch, folder, contents) = self.collector(handles, r.input_handle_index)?;
        if !contents {
            return Err(ErrorCode::NotSupported);
        }
        let bad = ErrorCode::InvalidParameter;
        let fields = [
            &r.source_folder_id,
            &r.source_message_id,
            &r.predecessor_change_list,
            &r.destination_message_id,
            &r.change_number,
        ];
        if fields.iter().any(|f| f.is_empty()) {
            return Err(bad);
        }
        let src_folder = Fid(self.id_of_gid(Gid::decode(&r.source_folder_id).map_err(|_| bad)?)?);
        let src = Mid(self.id_of_gid(Gid::decode(&r.source_message_id).map_err(|_| bad)?)?);
        let dst = Mid(self.id_of_gid(Gid::decode(&r.destination_message_id).map_err(|_| bad)?)?);
        let pcl = Pcl::decode_lenient(&r.predecessor_change_list).map_err(|_| bad)?;
        let ck = Xid::decode(&r.change_number).map_err(|_| bad)?;
        if self.mb.folder_of(src) != Some(src_folder) {
            let gone = self
                .mb
                .folder(src_folder)
                .is_some_and(|f| f.tombstone(key(src.0)).is_some());
            return Err(if gone {
                ErrorCode::SyncObjectDeleted
            } else {
                ErrorCode::NotFound
            });
        }
        let m = self.mb.message(src).ok_or(ErrorCode::NotFound)?;
        let g = self.mb.replguid();
        let server_pcl = message_pcl(m, g);
        let (fai, lmt) = (m.fai, m.last_modified);
        // The client's PCL names the version it moved. Same version: the
        // move carries the client's ChangeNumber. Client newer: the
        // server moves its older version, applies neither ChangeNumber nor
        // PCL and answers SyncClientChangeNewer so the client uploads its
        // change. Server newer or conflicting: the server's version moves and
        // comes back to the client on the next download.
        let ordering = pcl.compare(&server_pcl);
        let client_newer = ordering == PclOrdering::Newer;
        let imported = match ordering {
            PclOrdering::Equal => {
                let mut p = pcl.clone();
                p.insert(ck);
                Some(ImportedChange {
                    change_key: ck,
                    pcl: p,
                    last_modified: lmt,
                })
            }
            // 2.2.3.2.4.4.2: "the ChangeNumber and PCL were not applied": the
            // moved message keeps the server version's ChangeKey and PCL, so
            // the client's newer version that follows is a successor of it.
            PclOrdering::Newer => Some(ImportedChange {
                change_key: message_change_key(m, g),
                pcl: server_pcl.clone(),
                last_modified: lmt,
            }),
            PclOrdering::Older | PclOrdering::Conflict => None,
        };
        self.mb
            .move_message_to_id(src, folder, dst, imported)
            .map_err(|_| bad)?;
        let cn = self
            .mb
            .message(dst)
            .map(|m| m.cn)
            .ok_or(ErrorCode::GeneralFailure)?;
        let c = self.collector_mut(ch);
        if fai {
            &mut c.seen_fai_add
        } else {
            &mut c.seen_add
        }
        .insert(cn);
        if ordering == PclOrdering::Older || ordering == PclOrdering::Conflict {
            // The version that moved is not the one the client moved: after
            // the move (whose CN the state records, R-219) it gets a CN the
            // state does not claim, same ChangeKey and PCL, so it comes down
            // in the next download (3.2.5.9.4.4; idset.md §14).
            self.mb
                .renew_cn(dst, None)
                .map_err(|_| ErrorCode::GeneralFailure)?;
        }
        Ok(if client_newer {
            ErrorCode::SyncClientChangeNewer
        } else {
            ErrorCode::Success
        })
    }

    fn midset_deleted(
        &mut self,
        r: &SetLocalReplicaMidsetDeletedRequest,
        handles: &mut [u32],
    ) -> Result<(), ErrorCode> {
        let h = self.resolve(handles, r.input_handle_index)?;
        let Some(Object::Folder(fid)) = self.objects.get(&h) else {
            return Err(ErrorCode::NotSupported);
        };
        let fid = *fid;
        let mut ranges = Vec::new();
        for x in &r.long_term_id_ranges {
            let (a, b) = (x.min_long_term_id.gid, x.max_long_term_id.gid);
            if a.replguid != b.replguid || a.globcnt > b.globcnt {
                return Err(ErrorCode::InvalidParameter);
            }
            ranges.push((self.id_of_gid(a)?, self.id_of_gid(b)?));
        }
        self.mb
            .add_midset_deleted(fid, &ranges)
            .map_err(|_| ErrorCode::GeneralFailure)
    }
}
