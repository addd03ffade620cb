//! Local folder changes in the client's replica, their upload through the client engine
//! (RopSynchronizationImportHierarchyChange, [MS-OXCFXICS] 3.3.5.8.8), the probes of that
//! ROP, and what the trace shows of the import ROPs (their responses and outcomes).

use ics_client::replica::FolderRef;
use ics_client::sync::ops::{BufferSize, Configure, GetBufferReply, IcsOps, Obj, TransferStatus};
use ics_client::sync::rop_session::RopSession;
use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::import::SynchronizationImportHierarchyChangeRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{RopRequest, RopResponse, RopResult};
use ics_wire::{Fid, Gid, GlobCnt};

use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, UploadRec, find_prop, return_value, source_key};
use crate::outcome::Observed;
use crate::world::SuiteWorld;

/// One second in FILETIME units.
const SECOND: u64 = 10_000_000;
/// PidTagContainerClass, the property every local folder gets.
const PID_TAG_CONTAINER_CLASS: PropTag = PropTag(0x3613_001F);
/// The name under which a probe's new folder is known (no scenario folder name has a space).
const NEW_FOLDER: &str = "new folder";

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client (creates|moves) folder ([A-Z]\w*) locally under ([A-Z]\w*)$" => local_folder,
        r#"^the client renames folder ([A-Z]\w*) locally to "([^"]*)"(, later than the server change)?$"# => local_rename,
        r"^the client uploads its local hierarchy changes(?: of folder ([A-Z]\w*))?$" => upload_hierarchy,
        r"^every ImportHierarchyChange held exactly ((?:PidTag\w+)(?:, PidTag\w+)*)$" => every_hierarchy_held,
        r"^the ImportHierarchyChange for ([A-Z]\w*) had a zero-length PidTagParentSourceKey$" => zero_parent_sent,
        r"^the ImportHierarchyChange for ([A-Z]\w*) came before the one for ([A-Z]\w*)$" => came_before,
        r"^every (ImportMessageChange|ImportHierarchyChange|ImportMessageMove) response carried (MessageId|FolderId) (0x[0-9A-Fa-f]+|\d+)$" => response_carried,
        r"^every (ImportHierarchyChange|ImportMessageMove) ((?:succeeds|succeeded|fails|failed|answers)\b.*)$" => every_outcome,
        r"^the upload state's CnsetSeen (covers|does not cover) the change number of ([A-Z]\w*)$" => upload_state_covers_folder,
        r"^the client imports a folder change whose parent source key is unknown to the server$" => import_orphan,
        r#"^the client imports a new folder change with PidTagDisplayName "([^"]*)" and also "([^"]*)" in PropertyValues$"# => import_duplicate_name,
        r#"^on the server, the new folder is named "([^"]*)"$"# => new_folder_named,
    ]
}

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

/// The current time as FILETIME.
pub(super) fn now() -> u64 {
    ics_client::sync::engine::filetime_now()
}

/// The source key of a named folder (the GID of its FID).
pub(super) fn folder_key(h: &Harness, name: &str) -> Result<Vec<u8>, String> {
    Ok(source_key(h.replguid, h.folder(name)?.0.globcnt))
}

/// How the replica knows a named folder: by source key once it has one (downloaded or created
/// locally), else by FID (a scope folder).
pub(super) fn folder_ref(h: &Harness, name: &str) -> Result<(u64, Vec<u8>, bool), String> {
    let fid = h.folder(name)?.to_u64_le();
    let sk = folder_key(h, name)?;
    let by_sk = h
        .client
        .replica()
        .folder_by_source_key(&sk)
        .map_err(|e| e.to_string())?
        .is_some();
    Ok((fid, sk, by_sk))
}

pub(super) fn as_ref(r: &(u64, Vec<u8>, bool)) -> FolderRef<'_> {
    if r.2 {
        FolderRef::SourceKey(&r.1)
    } else {
        FolderRef::Fid(r.0)
    }
}

async fn local_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let (what, f, parent) = (a.s(1).to_owned(), a.s(2).to_owned(), a.s(3).to_owned());
    let h = w.harness().await?;
    let p = folder_ref(h, &parent)?;
    if what == "moves" {
        let x = folder_ref(h, &f)?;
        h.client
            .replica_mut()
            .move_local_folder(as_ref(&x), as_ref(&p), now())
            .map_err(|e| format!("the client cannot move {f}: {e}"))?;
        h.parents.insert(f, parent);
        return Ok(());
    }
    h.client
        .ensure_ids()
        .await
        .map_err(|e| format!("reserving IDs: {e}"))?;
    let props = [ics_client::model::Prop::tagged(
        PID_TAG_CONTAINER_CLASS,
        PropValue::unicode("IPF.Note"),
    )];
    let sk = h
        .client
        .replica_mut()
        .create_local_folder(as_ref(&p), &f, &props, now())
        .map_err(|e| format!("creating folder {f} locally: {e}"))?;
    let gid = Gid::decode(&sk).map_err(|e| e.to_string())?;
    let fid = Fid::new(h.client.logon_info().replid, gid.globcnt);
    h.folders.insert(f.clone(), fid);
    h.parents.insert(f, parent);
    Ok(())
}

/// A read-back of the folders below `root` on a session of its own (not the client's
/// traced one): every folder change of a full hierarchy download.
async fn server_folder_changes(h: &Harness, root: &str) -> Result<Vec<ft::FolderChange>, String> {
    let fid = h.folder(root)?.to_u64_le();
    let mut ops = RopSession::new(h.target.connect(None), &h.target.mailbox_dn());
    ops.logon().await.map_err(|e| e.to_string())?;
    let folder = ops.open_folder(fid).await.map_err(|e| e.to_string())?;
    let cfg = Configure {
        sync_type: ics_client::model::SyncType::Hierarchy,
        send_options: 0x01,
        sync_flags: 0x0001 | 0x0100,
        restriction: Vec::new(),
        extra_flags: 0x1,
        property_tags: Vec::new(),
    };
    let bytes = read_stream(&mut ops, folder, &cfg, None).await?;
    match ft::parse(RootKind::HierarchySync, &bytes) {
        Ok(ft::Root::HierarchySync(hs)) => Ok(hs.folder_changes),
        _ => Err("read-back download: not a hierarchySync".into()),
    }
}

/// Configure on `folder`, upload `state` (the empty state if `None`), GetBuffer until Done;
/// the context and the folder are released.
async fn read_stream<O: IcsOps + Send>(
    ops: &mut O,
    folder: Obj,
    cfg: &Configure,
    state: Option<&[(PropTag, Vec<u8>)]>,
) -> Result<Vec<u8>, String> {
    let r = async {
        let ctx = ops
            .configure(folder, cfg)
            .await
            .map_err(|e| e.to_string())?;
        let r = async {
            for (tag, data) in state.unwrap_or_default() {
                let size = u32::try_from(data.len()).map_err(|e| e.to_string())?;
                ops.state_begin(ctx, *tag, size)
                    .await
                    .map_err(|e| e.to_string())?;
                if !data.is_empty() {
                    ops.state_continue(ctx, data)
                        .await
                        .map_err(|e| e.to_string())?;
                }
                ops.state_end(ctx).await.map_err(|e| e.to_string())?;
            }
            let mut bytes = Vec::new();
            loop {
                match ops
                    .get_buffer(ctx, BufferSize::Babe { max: 32767 })
                    .await
                    .map_err(|e| e.to_string())?
                {
                    GetBufferReply::Data { status, buffer, .. } => {
                        bytes.extend_from_slice(&buffer);
                        match status {
                            TransferStatus::Done => return Ok(bytes),
                            TransferStatus::Partial | TransferStatus::NoRoom => {}
                            s => return Err(format!("probe download: {s:?}")),
                        }
                    }
                    other => return Err(format!("probe download: {other:?}")),
                }
            }
        }
        .await;
        let _ = ops.release(ctx).await;
        r
    }
    .await;
    let _ = ops.release(folder).await;
    r
}

fn time_of(props: &[ft::FtProp]) -> Option<u64> {
    match find_prop(props, tags::PID_TAG_LAST_MODIFICATION_TIME) {
        Some(PropValue::Time(t)) => Some(*t),
        _ => None,
    }
}

fn bin(props: &[ft::FtProp], t: PropTag) -> Option<&[u8]> {
    match find_prop(props, t) {
        Some(PropValue::Binary(b)) => Some(b),
        _ => None,
    }
}

async fn local_rename(w: &mut SuiteWorld, a: Args) -> Res {
    let (f, name) = (a.s(1).to_owned(), a.s(2).to_owned());
    let later = a.has(3);
    let h = w.harness().await?;
    let x = folder_ref(h, &f)?;
    let time = if later {
        let root = h.parents.get(&f).cloned().unwrap_or_else(|| "root".into());
        let server = server_folder_changes(h, &root)
            .await?
            .into_iter()
            .find(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY) == Some(&x.1[..]))
            .and_then(|c| time_of(&c.props))
            .ok_or_else(|| format!("the server's folder {f} has no PidTagLastModificationTime"))?;
        server.max(now()) + SECOND
    } else {
        now()
    };
    h.client
        .replica_mut()
        .rename_local_folder(as_ref(&x), &name, time)
        .map_err(|e| format!("the client cannot rename {f}: {e}"))
}

async fn upload_hierarchy(w: &mut SuiteWorld, a: Args) -> Res {
    let folder = if a.has(1) { a.s(1) } else { "Sync" }.to_owned();
    let h = w.harness().await?;
    let fid = h.folder(&folder)?.to_u64_le();
    let start = h.trace_len();
    let mut rec = UploadRec::default();
    match h.client.upload_hierarchy(fid).await {
        Ok(r) => rec.report = Some(r),
        Err(e) => rec.error = Some(e.to_string()),
    }
    rec.state = h
        .client
        .replica()
        .state(&ics_client::model::Scope::hierarchy(fid))
        .ok();
    rec.trace = (start, h.trace_len());
    h.uploads.push(rec.clone());
    match (rec.error, rec.report) {
        (Some(e), _) => Err(format!("the upload failed: {e}")),
        (None, Some(r)) if !r.failed.is_empty() => Err(format!(
            "folder changes failed: {:x?}",
            r.failed.iter().map(|(_, c)| *c).collect::<Vec<_>>()
        )),
        _ => Ok(()),
    }
}

/// The requests and responses of the ROPs named `rop` since the first upload.
pub(super) fn since_upload(
    h: &Harness,
    rop: &str,
) -> Result<Vec<(RopRequest, Option<RopResponse>)>, String> {
    let from = h
        .uploads
        .first()
        .map(|u| u.trace.0)
        .ok_or("the client uploaded nothing")?;
    let mut out = Vec::new();
    for x in h.trace_from(from) {
        let (Some(q), resp) = (x.request, x.response) else {
            continue;
        };
        let mut resps = resp.map(|r| r.rops).unwrap_or_default().into_iter();
        for req in q.rops {
            // RopRelease has no response (R-007); every other ROP has one.
            let r = if matches!(req, RopRequest::Release(_)) {
                None
            } else {
                resps.next()
            };
            if req.name() == rop {
                out.push((req, r));
            }
        }
    }
    Ok(out)
}

fn hierarchy_changes(
    h: &Harness,
) -> Result<Vec<SynchronizationImportHierarchyChangeRequest>, String> {
    let v: Vec<_> = since_upload(h, "RopSynchronizationImportHierarchyChange")?
        .into_iter()
        .filter_map(|(q, _)| match q {
            RopRequest::SynchronizationImportHierarchyChange(c) => Some(c),
            _ => None,
        })
        .collect();
    if v.is_empty() {
        return Err("the uploads sent no ImportHierarchyChange".into());
    }
    Ok(v)
}

fn value_bin(v: &TaggedPropertyValue) -> Option<&[u8]> {
    match &v.0.value {
        PropValue::Binary(b) => Some(b),
        _ => None,
    }
}

/// The position of the ImportHierarchyChange whose PidTagSourceKey is that of folder `f`.
fn change_for(
    changes: &[SynchronizationImportHierarchyChangeRequest],
    h: &Harness,
    f: &str,
) -> Result<usize, String> {
    let sk = folder_key(h, f)?;
    changes
        .iter()
        .position(|c| c.hierarchy_values.get(1).and_then(value_bin) == Some(&sk[..]))
        .ok_or_else(|| format!("no ImportHierarchyChange for {f}"))
}

async fn every_hierarchy_held(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let want: Vec<u32> = parse::props(a.s(1))?.iter().map(|t| t.0).collect();
    for c in hierarchy_changes(h)? {
        let got: Vec<u32> = c.hierarchy_values.iter().map(|v| v.0.tag.0).collect();
        // PidTagDisplayName may be PtypString or PtypString8 (2.2.3.2.4.3.1).
        let same = got.len() == want.len()
            && got.iter().zip(&want).all(|(g, w)| {
                g == w || (g >> 16 == 0x3001 && w >> 16 == 0x3001 && (g & 0xFFFF) == 0x001E)
            });
        if !same {
            return Err(format!(
                "an ImportHierarchyChange held {got:08x?}, expected {want:08x?}"
            ));
        }
        if c.property_values.is_empty() {
            return Err("an ImportHierarchyChange had PropertyValueCount 0 (R-213)".into());
        }
    }
    Ok(())
}

async fn zero_parent_sent(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let changes = hierarchy_changes(h)?;
    let c = &changes[change_for(&changes, h, a.s(1))?];
    match c.hierarchy_values.first() {
        Some(v) if v.0.tag == tags::PID_TAG_PARENT_SOURCE_KEY && value_bin(v) == Some(&[]) => {
            Ok(())
        }
        other => Err(format!(
            "the ImportHierarchyChange for {} had PidTagParentSourceKey {other:02x?}",
            a.s(1)
        )),
    }
}

async fn came_before(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let changes = hierarchy_changes(h)?;
    let (i, j) = (
        change_for(&changes, h, a.s(1))?,
        change_for(&changes, h, a.s(2))?,
    );
    (i < j).then_some(()).ok_or_else(|| {
        format!(
            "the ImportHierarchyChange for {} came after the one for {}",
            a.s(1),
            a.s(2)
        )
    })
}

/// The success-shaped trailing field of an import response, or `None` for the failure shape.
pub(super) fn carried(r: &RopResponse) -> Option<Option<u64>> {
    Some(match r {
        RopResponse::SynchronizationImportMessageChange(x) => match &x.result {
            RopResult::Success(s) => Some(s.message_id.to_u64_le()),
            RopResult::Failure(_) => None,
        },
        RopResponse::SynchronizationImportHierarchyChange(x) => match &x.result {
            RopResult::Success(s) => Some(s.folder_id.to_u64_le()),
            RopResult::Failure(_) => None,
        },
        RopResponse::SynchronizationImportMessageMove(x) => match &x.result {
            RopResult::Success(s) => Some(s.message_id.to_u64_le()),
            RopResult::Failure(_) => None,
        },
        _ => return None,
    })
}

async fn response_carried(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let rop = format!("RopSynchronization{}", a.s(1));
    let want = a.n(3)?;
    let mut n = 0;
    for (_, r) in since_upload(h, &rop)? {
        let r = r.ok_or_else(|| format!("a {rop} got no response"))?;
        match carried(&r) {
            Some(Some(v)) if v == want => n += 1,
            Some(Some(v)) => return Err(format!("a {rop} response carried {} {v:#018x}", a.s(2))),
            // The failure shape has no such field; the outcome steps judge its code.
            Some(None) => {}
            None => return Err(format!("a {rop} was answered with {}", r.name())),
        }
    }
    if n == 0 {
        return Err(format!("no successful {rop} response since the upload"));
    }
    Ok(())
}

async fn every_outcome(w: &mut SuiteWorld, a: Args) -> Res {
    let rop = format!("RopSynchronization{}", a.s(1));
    let expression = a.s(2).to_owned();
    let observed: Vec<Observed> = since_upload(h_of(w)?, &rop)?
        .into_iter()
        .map(|(_, r)| match r {
            Some(r) => Observed {
                return_value: return_value(&r),
                buffer_too_small: !r.answers_request(),
                has_message_id: matches!(carried(&r), Some(Some(_))),
                ..Observed::default()
            },
            None => Observed {
                rpc_failure: Some(0xFFFF_FFFF),
                ..Observed::default()
            },
        })
        .collect();
    if observed.is_empty() {
        return Err(format!("the uploads sent no {rop}"));
    }
    for o in &observed {
        super::sync::judge(w, o, &expression).await?;
    }
    Ok(())
}

/// A hierarchy download on the client's connection with the upload's saved state, read and
/// not applied: the folder's change comes iff its change number is not in CnsetSeen
/// ([MS-OXCFXICS] 3.2.5.3), the only way a client sees a folder's change number.
async fn upload_state_covers_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let covers = a.s(1) == "covers";
    let f = a.s(2).to_owned();
    let h = w.harness().await?;
    let state = h
        .uploads
        .last()
        .and_then(|u| u.state.clone())
        .ok_or("the upload saved no state")?;
    // The scope of the upload: the nearest ancestor of the folder whose saved state it is.
    let mut root = h.parents.get(&f).cloned();
    let scope = loop {
        let Some(r) = root else {
            return Err(format!("no ancestor of {f} has the upload's state"));
        };
        let s = h.scope(&r, true)?;
        if h.client.replica().state(&s).ok().as_ref() == Some(&state) {
            break s;
        }
        root = h.parents.get(&r).cloned();
    };
    let cfg = h.configure_request(&scope);
    let props = vec![
        (ics_wire::state::META_TAG_IDSET_GIVEN, state.idset_given),
        (ics_wire::state::META_TAG_CNSET_SEEN, state.cnset_seen),
    ];
    let ops = h.client.ops_mut();
    let folder = ops
        .open_folder(scope.folder_fid)
        .await
        .map_err(|e| e.to_string())?;
    let bytes = read_stream(ops, folder, &cfg, Some(&props)).await?;
    let Ok(ft::Root::HierarchySync(hs)) = ft::parse(RootKind::HierarchySync, &bytes) else {
        return Err("the probe download is not a hierarchySync".into());
    };
    let sk = folder_key(h, &f)?;
    let sent = hs
        .folder_changes
        .iter()
        .any(|c| bin(&c.props, tags::PID_TAG_SOURCE_KEY) == Some(&sk[..]));
    if sent == covers {
        return Err(format!(
            "CnsetSeen {} the change number of {f}: a download with the upload state {} it",
            if covers { "does not cover" } else { "covers" },
            if sent { "brings" } else { "does not bring" }
        ));
    }
    Ok(())
}

/// An 8-byte LocalId XID of the client's namespace and a PCL holding it (2.2.2.2, 2.2.2.3).
fn client_version(h: &mut Harness) -> Result<(Vec<u8>, Vec<u8>), String> {
    let ns = h
        .client
        .replica_mut()
        .client_namespace()
        .map_err(|e| e.to_string())?;
    let mut ck = ns.to_bytes().to_vec();
    ck.extend_from_slice(&now().to_be_bytes());
    let mut pcl = vec![ck.len() as u8];
    pcl.extend_from_slice(&ck);
    Ok((ck, pcl))
}

fn tv(tag: PropTag, value: PropValue) -> TaggedPropertyValue {
    TaggedPropertyValue(TaggedValue { tag, value })
}

/// RopSynchronizationImportHierarchyChange of a new folder (an ID from the client's reserved
/// range) under `parent` on a fresh hierarchy collector of Sync, recorded as the last ROP.
async fn import_folder_raw(
    h: &mut Harness,
    parent: Vec<u8>,
    name: &str,
    props: Vec<TaggedPropertyValue>,
) -> Result<Vec<u8>, String> {
    h.client
        .ensure_ids()
        .await
        .map_err(|e| format!("reserving IDs: {e}"))?;
    let gid = h
        .client
        .replica_mut()
        .allocate_ids(1)
        .map_err(|e| e.to_string())?[0];
    let sk = gid.to_bytes().to_vec();
    let (ck, pcl) = client_version(h)?;
    let req = SynchronizationImportHierarchyChangeRequest {
        logon_id: 0,
        input_handle_index: 0,
        hierarchy_values: vec![
            tv(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(parent)),
            tv(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(sk.clone())),
            tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(now())),
            tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck)),
            tv(
                tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                PropValue::Binary(pcl),
            ),
            tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode(name)),
        ],
        property_values: props,
    };
    let (folder, collector) = h.open_collector(false).await?;
    let r = h
        .raw_rop(
            collector,
            RopRequest::SynchronizationImportHierarchyChange(req),
        )
        .await;
    let _ = h.client.ops_mut().release(collector).await;
    let _ = h.client.ops_mut().release(folder).await;
    h.last = Some(("RopSynchronizationImportHierarchyChange".into(), r?));
    Ok(sk)
}

async fn import_orphan(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    // A GID of the mailbox's REPLGUID whose GLOBCNT the server never assigned.
    let parent = source_key(h.replguid, GlobCnt::new_truncating(0xFFFF_FFF0_0000));
    let props = vec![tv(PID_TAG_CONTAINER_CLASS, PropValue::unicode("IPF.Note"))];
    import_folder_raw(h, parent, "orphan", props).await?;
    Ok(())
}

async fn import_duplicate_name(w: &mut SuiteWorld, a: Args) -> Res {
    let (x, y) = (a.s(1).to_owned(), a.s(2).to_owned());
    let h = w.harness().await?;
    let props = vec![tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode(&y))];
    let sk = import_folder_raw(h, Vec::new(), &x, props).await?;
    let gid = Gid::decode(&sk).map_err(|e| e.to_string())?;
    let fid = Fid::new(h.client.logon_info().replid, gid.globcnt);
    h.folders.insert(NEW_FOLDER.into(), fid);
    h.parents.insert(NEW_FOLDER.into(), "Sync".into());
    Ok(())
}

async fn new_folder_named(w: &mut SuiteWorld, a: Args) -> Res {
    let h = w.harness().await?;
    let sk = folder_key(h, NEW_FOLDER).map_err(|_| "no new folder was imported")?;
    let (_, _, name) = h
        .server_folders("Sync")
        .await?
        .into_iter()
        .find(|(k, _, _)| *k == sk)
        .ok_or("the server does not hold the new folder")?;
    (name == a.s(1))
        .then_some(())
        .ok_or_else(|| format!("on the server, the new folder is named {name:?}"))
}
