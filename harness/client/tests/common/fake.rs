//! A small in-memory server behind the `IcsOps` interface, for engine tests
//! until the reference server lands. It computes downloads the way
//! [MS-OXCFXICS] 3.2.5.3 says (changes by CN not in the uploaded CNSETs,
//! deletions from IdsetGiven, read-state changes by read CN), produces the
//! stream with `ics_wire::ftstream` and serves it in GetBuffer portions, with
//! fault injection (busy replies, a cut connection, unreadable items).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use ics_client::model::{MSGFLAG_READ, Prop, PropKey, SyncType};
use ics_client::sync::ops::*;
use ics_client::transport::TransportError;
use ics_wire::ftstream::{self as ft, FtProp, ics_tags};
use ics_wire::ids::Xid;
use ics_wire::idset::{ReplGuidSet, ReplIdSet};
use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::{GlobCnt, Guid, Mid, ReplGuid, ReplId};

pub const REPLGUID: ReplGuid = ReplGuid(Guid::from_bytes([0x11; 16]));
pub const MAILBOX: Guid = Guid::from_bytes([0x22; 16]);

#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    pub cn: u64,
    pub read: bool,
    pub read_cn: u64,
    pub fai: bool,
    pub props: Vec<Prop>,
    pub ck: Vec<u8>,
    pub pcl: Vec<u8>,
    pub last_mod: u64,
}

/// A state property upload in progress: (tag, bytes so far, announced size).
type Upload = Option<(PropTag, Vec<u8>, u32)>;

#[derive(Debug)]
enum Object {
    Logon,
    Folder(u64),
    Download {
        fid: u64,
        cfg: Configure,
        state: BTreeMap<u32, Vec<u8>>,
        upload: Upload,
        portions: Option<VecDeque<Vec<u8>>>,
    },
    Collector {
        fid: u64,
        state: BTreeMap<u32, Vec<u8>>,
        upload: Upload,
        seen: Vec<u64>,
        seen_fai: Vec<u64>,
        read: Vec<u64>,
    },
    Stream(VecDeque<Vec<u8>>),
}

#[derive(Debug)]
pub struct FakeServer {
    next: u64,
    pub folders: BTreeMap<u64, BTreeMap<u64, Msg>>,
    pub tombstones: BTreeSet<u64>,
    objects: HashMap<u32, Object>,
    next_handle: u32,
    pub chunk: usize,
    pub mailbox: Guid,
    /// Busy replies to give to the next GetBuffer calls.
    pub busy: VecDeque<(u32, Option<u32>)>,
    /// When each GetBuffer arrived (tokio time).
    pub get_buffer_at: Vec<tokio::time::Instant>,
    /// Cut the connection at this GetBuffer call number (1-based, counted over the session).
    pub cut_at_get_buffer: Option<u64>,
    pub get_buffer_calls: u64,
    pub unreadable: BTreeSet<u64>,
    /// StreamData sizes of every UploadStateStreamContinue.
    pub continue_sizes: Vec<usize>,
    /// (tag, bytes) of every state property upload completed.
    pub uploaded_state: Vec<(PropTag, Vec<u8>)>,
    pub ops: Vec<&'static str>,
    pub reserved: Vec<(u64, u32)>,
}

pub fn sk_of(g: u64) -> Vec<u8> {
    let mut v = REPLGUID.0.to_bytes().to_vec();
    v.extend_from_slice(&g.to_be_bytes()[2..]);
    v
}

pub fn g_of(sk: &[u8]) -> Option<u64> {
    (sk.len() == 22 && sk[..16] == REPLGUID.0.to_bytes()).then(|| {
        let mut b = [0u8; 8];
        b[2..].copy_from_slice(&sk[16..]);
        u64::from_be_bytes(b)
    })
}

fn gc(v: u64) -> GlobCnt {
    GlobCnt::new(v).unwrap()
}

fn decode(b: &[u8]) -> ReplGuidSet {
    if b.is_empty() {
        ReplGuidSet::new()
    } else {
        ReplGuidSet::decode_replguid(b).expect("state from client")
    }
}

impl Default for FakeServer {
    fn default() -> Self {
        FakeServer {
            next: 0x100,
            folders: BTreeMap::new(),
            tombstones: BTreeSet::new(),
            objects: HashMap::new(),
            next_handle: 1,
            chunk: 512,
            mailbox: MAILBOX,
            busy: VecDeque::new(),
            get_buffer_at: Vec::new(),
            cut_at_get_buffer: None,
            get_buffer_calls: 0,
            unreadable: BTreeSet::new(),
            continue_sizes: Vec::new(),
            uploaded_state: Vec::new(),
            ops: Vec::new(),
            reserved: Vec::new(),
        }
    }
}

impl FakeServer {
    fn alloc(&mut self) -> u64 {
        self.next += 1;
        self.next
    }

    fn new_version(&mut self, prev_pcl: &[u8]) -> (u64, Vec<u8>, Vec<u8>) {
        let cn = self.alloc();
        let xid = Xid::new(REPLGUID.0, &cn.to_be_bytes()[2..]).unwrap();
        let mut p = Pcl::decode_lenient(prev_pcl).unwrap();
        p.insert(xid);
        (cn, xid.to_bytes(), p.to_bytes())
    }

    pub fn folder(&mut self, fid: u64) {
        self.folders.entry(fid).or_default();
    }

    /// Creates a message on the server; returns its globcnt.
    pub fn add(&mut self, fid: u64, props: Vec<Prop>, fai: bool) -> u64 {
        let g = self.alloc();
        let (cn, ck, pcl) = self.new_version(&[]);
        let read_cn = self.alloc();
        let t = 1000 + cn;
        self.folders.entry(fid).or_default().insert(
            g,
            Msg {
                cn,
                read: false,
                read_cn,
                fai,
                props,
                ck,
                pcl,
                last_mod: t,
            },
        );
        g
    }

    pub fn modify(&mut self, fid: u64, g: u64, props: Vec<Prop>) {
        let pcl = self.folders[&fid][&g].pcl.clone();
        let (cn, ck, pcl) = self.new_version(&pcl);
        let m = self.folders.get_mut(&fid).unwrap().get_mut(&g).unwrap();
        m.cn = cn;
        m.ck = ck;
        m.pcl = pcl;
        m.props = props;
        m.last_mod = 1000 + cn;
    }

    pub fn delete(&mut self, fid: u64, g: u64) {
        self.folders.get_mut(&fid).unwrap().remove(&g);
        self.tombstones.insert(g);
    }

    pub fn set_read(&mut self, fid: u64, g: u64, read: bool) {
        let rc = self.alloc();
        let m = self.folders.get_mut(&fid).unwrap().get_mut(&g).unwrap();
        if !m.fai {
            m.read = read;
            m.read_cn = rc;
        }
    }

    fn handle(&mut self, o: Object) -> Obj {
        let h = self.next_handle;
        self.next_handle += 1;
        self.objects.insert(h, o);
        Obj(h)
    }

    fn props_with_flags(m: &Msg) -> Vec<FtProp> {
        let mut named = 0x8000u16;
        let mut v: Vec<FtProp> = m
            .props
            .iter()
            .map(|p| match &p.key {
                PropKey::Id(id) => {
                    FtProp::with_tag(PropTag::new(*id, p.value.prop_type()), p.value.clone())
                }
                PropKey::Named(n) => {
                    named += 1;
                    FtProp::named(named, n.clone(), p.value.clone())
                }
            })
            .collect();
        v.push(FtProp::with_tag(
            tags::PID_TAG_MESSAGE_FLAGS,
            PropValue::I32(if m.read { MSGFLAG_READ } else { 0 }),
        ));
        v
    }

    fn download_stream(
        &mut self,
        fid: u64,
        cfg: &Configure,
        state: &BTreeMap<u32, Vec<u8>>,
    ) -> Result<Vec<Vec<u8>>, u32> {
        let get = |t: PropTag| state.get(&t.0).cloned().unwrap_or_default();
        let given = decode(&get(ics_wire::state::META_TAG_IDSET_GIVEN));
        let seen = decode(&get(ics_wire::state::META_TAG_CNSET_SEEN));
        let seen_fai = decode(&get(ics_wire::state::META_TAG_CNSET_SEEN_FAI));
        let read_set = decode(&get(ics_wire::state::META_TAG_CNSET_READ));
        let folder = self.folders.get(&fid).cloned().unwrap_or_default();
        let (mut given2, mut seen2, mut seen_fai2, mut read2) = (
            given.clone(),
            seen.clone(),
            seen_fai.clone(),
            read_set.clone(),
        );
        let mut items = Vec::new();
        let mut changed = BTreeSet::new();
        let eid = cfg.extra_flags & 1 != 0;
        let with_cn = cfg.extra_flags & 4 != 0;
        for (g, m) in &folder {
            let want = if m.fai {
                cfg.sync_flags & 0x10 != 0 && !seen_fai.contains(REPLGUID, gc(m.cn))
            } else {
                cfg.sync_flags & 0x20 != 0 && !seen.contains(REPLGUID, gc(m.cn))
            };
            if !want {
                continue;
            }
            if self.unreadable.contains(g) {
                if cfg.send_options & 0x04 == 0 {
                    return Err(0x8004_0115);
                }
                let mut b = vec![0u8; 88];
                b[4..8].copy_from_slice(&0x8004_010Fu32.to_le_bytes());
                b[32..54].copy_from_slice(&sk_of(*g));
                items.push(ft::ContentsSyncItem::Error(ft::ErrorInfo {
                    props: vec![FtProp::with_tag(
                        ics_tags::UNTAGGED_BINARY,
                        PropValue::Binary(b),
                    )],
                }));
                continue;
            }
            let mut header = vec![
                FtProp::with_tag(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(sk_of(*g))),
                FtProp::with_tag(
                    tags::PID_TAG_LAST_MODIFICATION_TIME,
                    PropValue::Time(m.last_mod),
                ),
                FtProp::with_tag(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(m.ck.clone())),
                FtProp::with_tag(
                    tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                    PropValue::Binary(m.pcl.clone()),
                ),
                FtProp::with_tag(tags::PID_TAG_ASSOCIATED, PropValue::Boolean(m.fai)),
            ];
            if eid {
                header.push(FtProp::with_tag(
                    tags::PID_TAG_MID,
                    PropValue::I64(Mid::new(ReplId(1), gc(*g)).to_u64_le() as i64),
                ));
            }
            if with_cn {
                header.push(FtProp::with_tag(
                    tags::PID_TAG_CHANGE_NUMBER,
                    PropValue::I64(Mid::new(ReplId(1), gc(m.cn)).to_u64_le() as i64),
                ));
            }
            let mut props = Self::props_with_flags(m);
            if cfg.sync_flags & 0x80 != 0 {
                props.retain(|p| cfg.property_tags.iter().any(|t| t.id() == p.tag.id()));
            }
            items.push(ft::ContentsSyncItem::Change {
                progress: None,
                change: ft::MessageChange::Full(ft::MessageChangeFull {
                    header,
                    props,
                    children: ft::MessageChildren::default(),
                }),
            });
            changed.insert(*g);
            given2.insert(REPLGUID, gc(*g));
            if m.fai {
                seen_fai2.insert(REPLGUID, gc(m.cn));
            } else {
                seen2.insert(REPLGUID, gc(m.cn));
                read2.insert(REPLGUID, gc(m.read_cn));
            }
        }
        let mut deleted = ReplIdSet::new();
        for (k, g) in given.iter() {
            if k == REPLGUID && !folder.contains_key(&g.value()) {
                deleted.insert(ReplId(1), g);
                given2.remove(REPLGUID, g);
            }
        }
        let (mut read, mut unread) = (ReplIdSet::new(), ReplIdSet::new());
        if cfg.sync_flags & 0x08 != 0 {
            for (g, m) in &folder {
                if m.fai
                    || changed.contains(g)
                    || !given.contains(REPLGUID, gc(*g))
                    || read_set.contains(REPLGUID, gc(m.read_cn))
                {
                    continue;
                }
                if m.read {
                    read.insert(ReplId(1), gc(*g));
                } else {
                    unread.insert(ReplId(1), gc(*g));
                }
                read2.insert(REPLGUID, gc(m.read_cn));
            }
        }
        let deletions = (!deleted.is_empty()).then(|| ft::Deletions {
            props: vec![FtProp::with_tag(
                ics_tags::META_TAG_IDSET_DELETED,
                PropValue::Binary(deleted.encode_replid()),
            )],
        });
        let mut rs = Vec::new();
        if !read.is_empty() {
            rs.push(FtProp::with_tag(
                ics_tags::META_TAG_IDSET_READ,
                PropValue::Binary(read.encode_replid()),
            ));
        }
        if !unread.is_empty() {
            rs.push(FtProp::with_tag(
                ics_tags::META_TAG_IDSET_UNREAD,
                PropValue::Binary(unread.encode_replid()),
            ));
        }
        let st = state_element(&given2, &seen2, Some((&seen_fai2, &read2)));
        let root = match cfg.sync_type {
            SyncType::Contents => ft::Root::ContentsSync(ft::ContentsSync {
                progress_total: None,
                changes: items,
                deletions,
                read_state_changes: (!rs.is_empty()).then_some(ft::ReadStateChanges { props: rs }),
                state: st,
            }),
            SyncType::Hierarchy => ft::Root::HierarchySync(ft::HierarchySync {
                folder_changes: vec![],
                deletions: None,
                state: state_element(&given, &seen, None),
            }),
        };
        Ok(ft::produce_split(&root, self.chunk).unwrap())
    }

    /// Replica-comparable content of a folder: (source key, read, fai, props without flags).
    pub fn content(&self, fid: u64) -> Vec<(Vec<u8>, bool, bool, Vec<Prop>)> {
        let mut v: Vec<_> = self
            .folders
            .get(&fid)
            .map(|f| {
                f.iter()
                    .map(|(g, m)| {
                        let mut p = m.props.clone();
                        p.sort_by(|a, b| a.key.cmp(&b.key));
                        (sk_of(*g), m.read, m.fai, p)
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    fn upload_slot(o: &mut Object) -> (&mut BTreeMap<u32, Vec<u8>>, &mut Upload) {
        match o {
            Object::Download { state, upload, .. } | Object::Collector { state, upload, .. } => {
                (state, upload)
            }
            _ => panic!("state upload on a non-sync object"),
        }
    }
}

fn state_element(
    given: &ReplGuidSet,
    seen: &ReplGuidSet,
    contents: Option<(&ReplGuidSet, &ReplGuidSet)>,
) -> ft::State {
    let mut props = vec![
        FtProp::with_tag(
            ics_tags::META_TAG_IDSET_GIVEN,
            PropValue::Binary(given.encode_replguid()),
        ),
        FtProp::with_tag(
            ics_tags::META_TAG_CNSET_SEEN,
            PropValue::Binary(seen.encode_replguid()),
        ),
    ];
    if let Some((f, r)) = contents {
        props.push(FtProp::with_tag(
            ics_tags::META_TAG_CNSET_SEEN_FAI,
            PropValue::Binary(f.encode_replguid()),
        ));
        props.push(FtProp::with_tag(
            ics_tags::META_TAG_CNSET_READ,
            PropValue::Binary(r.encode_replguid()),
        ));
    }
    ft::State { props }
}

fn rop(code: u32, rop: &'static str) -> OpError {
    OpError::Rop { rop, code }
}

impl IcsOps for FakeServer {
    async fn logon(&mut self) -> Result<LogonInfo, OpError> {
        self.ops.push("Logon");
        let h = self.handle(Object::Logon);
        Ok(LogonInfo {
            logon: h,
            mailbox_guid: self.mailbox,
            replid: ReplId(1),
            replguid: REPLGUID,
            folder_ids: vec![],
        })
    }

    async fn open_folder(&mut self, fid: u64) -> Result<Obj, OpError> {
        self.ops.push("OpenFolder");
        if !self.folders.contains_key(&fid) {
            return Err(rop(0x8004_010F, "RopOpenFolder"));
        }
        Ok(self.handle(Object::Folder(fid)))
    }

    async fn release(&mut self, obj: Obj) -> Result<(), OpError> {
        self.ops.push("Release");
        self.objects.remove(&obj.0);
        Ok(())
    }

    async fn configure(&mut self, folder: Obj, cfg: &Configure) -> Result<Obj, OpError> {
        self.ops.push("Configure");
        let Some(Object::Folder(fid)) = self.objects.get(&folder.0) else {
            return Err(rop(0x4B9, "RopSynchronizationConfigure"));
        };
        let fid = *fid;
        Ok(self.handle(Object::Download {
            fid,
            cfg: cfg.clone(),
            state: BTreeMap::new(),
            upload: None,
            portions: None,
        }))
    }

    async fn state_begin(&mut self, ctx: Obj, tag: PropTag, size: u32) -> Result<(), OpError> {
        self.ops.push("StateBegin");
        let o = self.objects.get_mut(&ctx.0).ok_or(rop(0x4B9, "Begin"))?;
        let (_, up) = Self::upload_slot(o);
        assert!(
            up.is_none(),
            "Begin while another property upload is open (R-122)"
        );
        *up = Some((tag, Vec::new(), size));
        Ok(())
    }

    async fn state_continue(&mut self, ctx: Obj, data: &[u8]) -> Result<(), OpError> {
        self.ops.push("StateContinue");
        assert!(!data.is_empty(), "StreamDataSize 0 (R-123)");
        self.continue_sizes.push(data.len());
        let o = self.objects.get_mut(&ctx.0).ok_or(rop(0x4B9, "Continue"))?;
        let (_, up) = Self::upload_slot(o);
        up.as_mut()
            .expect("Continue without Begin")
            .1
            .extend_from_slice(data);
        Ok(())
    }

    async fn state_end(&mut self, ctx: Obj) -> Result<(), OpError> {
        self.ops.push("StateEnd");
        let o = self.objects.get_mut(&ctx.0).ok_or(rop(0x4B9, "End"))?;
        let (state, up) = Self::upload_slot(o);
        let (tag, data, size) = up.take().expect("End without Begin");
        assert_eq!(data.len(), size as usize, "TransferBufferSize");
        state.insert(tag.0, data.clone());
        self.uploaded_state.push((tag, data));
        Ok(())
    }

    async fn get_buffer(&mut self, ctx: Obj, _size: BufferSize) -> Result<GetBufferReply, OpError> {
        self.ops.push("GetBuffer");
        self.get_buffer_calls += 1;
        self.get_buffer_at.push(tokio::time::Instant::now());
        if self.cut_at_get_buffer == Some(self.get_buffer_calls) {
            return Err(OpError::Transport(TransportError::ConnectionLost));
        }
        if let Some((code, backoff_ms)) = self.busy.pop_front() {
            return Ok(GetBufferReply::Busy { code, backoff_ms });
        }
        let o = self
            .objects
            .remove(&ctx.0)
            .ok_or(rop(0x4B9, "RopFastTransferSourceGetBuffer"))?;
        let (o, portion, done) = match o {
            Object::Download {
                fid,
                cfg,
                state,
                upload,
                portions,
            } => {
                let mut p = match portions {
                    Some(p) => p,
                    None => match self.download_stream(fid, &cfg, &state) {
                        Ok(p) => p.into(),
                        Err(code) => return Ok(GetBufferReply::Failed(code)),
                    },
                };
                let portion = p.pop_front().unwrap_or_default();
                let done = p.is_empty();
                (
                    Object::Download {
                        fid,
                        cfg,
                        state,
                        upload,
                        portions: Some(p),
                    },
                    portion,
                    done,
                )
            }
            Object::Stream(mut p) => {
                let portion = p.pop_front().unwrap_or_default();
                let done = p.is_empty();
                (Object::Stream(p), portion, done)
            }
            other => {
                self.objects.insert(ctx.0, other);
                return Err(rop(0x80040108, "RopFastTransferSourceGetBuffer"));
            }
        };
        self.objects.insert(ctx.0, o);
        Ok(GetBufferReply::Data {
            status: if done {
                TransferStatus::Done
            } else {
                TransferStatus::Partial
            },
            in_progress: 0,
            total_steps: 0,
            buffer: portion,
        })
    }

    async fn get_transfer_state(&mut self, ctx: Obj) -> Result<Obj, OpError> {
        self.ops.push("GetTransferState");
        let Some(Object::Collector {
            state,
            seen: s,
            seen_fai: sf,
            read: r,
            ..
        }) = self.objects.get(&ctx.0)
        else {
            return Err(rop(0x80040108, "RopSynchronizationGetTransferState"));
        };
        let get = |t: PropTag| state.get(&t.0).cloned().unwrap_or_default();
        let mut seen = decode(&get(ics_wire::state::META_TAG_CNSET_SEEN));
        let mut seen_fai = decode(&get(ics_wire::state::META_TAG_CNSET_SEEN_FAI));
        let mut read = decode(&get(ics_wire::state::META_TAG_CNSET_READ));
        for c in s {
            seen.insert(REPLGUID, gc(*c));
        }
        for c in sf {
            seen_fai.insert(REPLGUID, gc(*c));
        }
        for c in r {
            read.insert(REPLGUID, gc(*c));
        }
        // No IdsetGiven from an upload context.
        let mut st = state_element(&ReplGuidSet::new(), &seen, Some((&seen_fai, &read)));
        st.props.remove(0);
        let portions = ft::produce_split(&ft::Root::State(st), self.chunk).unwrap();
        Ok(self.handle(Object::Stream(portions.into())))
    }

    async fn open_collector(&mut self, folder: Obj, contents: bool) -> Result<Obj, OpError> {
        self.ops.push("OpenCollector");
        assert!(contents);
        let Some(Object::Folder(fid)) = self.objects.get(&folder.0) else {
            return Err(rop(0x4B9, "OpenCollector"));
        };
        let fid = *fid;
        Ok(self.handle(Object::Collector {
            fid,
            state: BTreeMap::new(),
            upload: None,
            seen: vec![],
            seen_fai: vec![],
            read: vec![],
        }))
    }

    async fn import_message(
        &mut self,
        collector: Obj,
        fai: bool,
        header: &ImportHeader,
        props: &[Prop],
        _children: &ics_client::model::Children,
    ) -> Result<ImportOutcome, OpError> {
        self.ops.push("ImportMessageChange");
        let Some(Object::Collector { fid, .. }) = self.objects.get(&collector.0) else {
            return Err(rop(0x4B9, "Import"));
        };
        let fid = *fid;
        let g = g_of(&header.source_key).expect("client IDs come from our REPLGUID");
        if self.tombstones.contains(&g) {
            return Ok(ImportOutcome::ObjectDeleted);
        }
        let incoming = Pcl::decode(&header.pcl).expect("PCL");
        if let Some(m) = self.folders[&fid].get(&g) {
            match incoming.compare(&Pcl::decode(&m.pcl).unwrap()) {
                PclOrdering::Newer => {}
                PclOrdering::Equal | PclOrdering::Older => return Ok(ImportOutcome::Ignored),
                PclOrdering::Conflict => return Ok(ImportOutcome::Conflict),
            }
        }
        let cn = self.alloc();
        let read_cn = self.alloc();
        let read = props.iter().any(|p| {
            p.key == PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS)
                && matches!(p.value, PropValue::I32(f) if f & MSGFLAG_READ != 0)
        });
        let mut body: Vec<Prop> = props
            .iter()
            .filter(|p| p.key != PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS))
            .cloned()
            .collect();
        body.sort_by(|a, b| a.key.cmp(&b.key));
        let mut pcl = incoming;
        pcl.insert(Xid::decode(&header.change_key).unwrap());
        self.folders.get_mut(&fid).unwrap().insert(
            g,
            Msg {
                cn,
                read: read && !fai,
                read_cn,
                fai,
                props: body,
                ck: header.change_key.clone(),
                pcl: pcl.to_bytes(),
                last_mod: header.last_modification_time,
            },
        );
        if let Some(Object::Collector {
            seen,
            seen_fai,
            read: rd,
            ..
        }) = self.objects.get_mut(&collector.0)
        {
            if fai {
                seen_fai.push(cn)
            } else {
                seen.push(cn);
                rd.push(read_cn)
            }
        }
        Ok(ImportOutcome::Imported)
    }

    async fn import_deletes(
        &mut self,
        collector: Obj,
        _hard: bool,
        source_keys: &[Vec<u8>],
    ) -> Result<(), OpError> {
        self.ops.push("ImportDeletes");
        let Some(Object::Collector { fid, .. }) = self.objects.get(&collector.0) else {
            return Err(rop(0x4B9, "ImportDeletes"));
        };
        let fid = *fid;
        for sk in source_keys {
            if let Some(g) = g_of(sk) {
                // deleting what is gone is ignored.
                if self.folders.get_mut(&fid).unwrap().remove(&g).is_some() {
                    self.tombstones.insert(g);
                }
            }
        }
        Ok(())
    }

    /// The fake models folder contents only, no folder tree: NotSupported.
    async fn import_hierarchy_change(
        &mut self,
        _collector: Obj,
        _change: &HierarchyImport,
    ) -> Result<ImportOutcome, OpError> {
        self.ops.push("ImportHierarchyChange");
        Err(rop(0x8004_0102, "ImportHierarchyChange"))
    }

    /// Folder deletions are tested against the reference server (tests/hierarchy_upload.rs).
    async fn import_folder_deletes(
        &mut self,
        _collector: Obj,
        _hard: bool,
        _source_keys: &[Vec<u8>],
    ) -> Result<(), OpError> {
        self.ops.push("ImportDeletes");
        Err(rop(0x8004_0102, "ImportDeletes"))
    }

    /// Moves are tested against the reference server (tests/hierarchy_upload.rs): NotSupported.
    async fn import_message_move(
        &mut self,
        _collector: Obj,
        _mv: &MoveImport,
    ) -> Result<MoveOutcome, OpError> {
        self.ops.push("ImportMessageMove");
        Err(rop(0x8004_0102, "ImportMessageMove"))
    }

    async fn import_read_states(
        &mut self,
        collector: Obj,
        states: &[(Vec<u8>, bool)],
    ) -> Result<(), OpError> {
        self.ops.push("ImportReadStateChanges");
        let Some(Object::Collector { fid, .. }) = self.objects.get(&collector.0) else {
            return Err(rop(0x4B9, "ImportRead"));
        };
        let fid = *fid;
        let mut cns = Vec::new();
        for (sk, read) in states {
            let Some(g) = g_of(sk) else { continue };
            if self.folders[&fid].get(&g).is_some_and(|m| !m.fai) {
                let rc = self.alloc();
                let m = self.folders.get_mut(&fid).unwrap().get_mut(&g).unwrap();
                m.read = *read;
                m.read_cn = rc;
                cns.push(rc);
            }
        }
        if let Some(Object::Collector { read, .. }) = self.objects.get_mut(&collector.0) {
            read.extend(cns);
        }
        Ok(())
    }

    async fn get_local_replica_ids(
        &mut self,
        _logon: Obj,
        count: u32,
    ) -> Result<(ReplGuid, GlobCnt), OpError> {
        self.ops.push("GetLocalReplicaIds");
        let first = self.next + 1;
        self.next += u64::from(count);
        self.reserved.push((first, count));
        Ok((REPLGUID, gc(first)))
    }

    async fn copy_messages(
        &mut self,
        folder: Obj,
        mids: &[u64],
        copy_flags: u8,
        _send_options: u8,
    ) -> Result<Obj, OpError> {
        self.ops.push("CopyMessages");
        let Some(Object::Folder(fid)) = self.objects.get(&folder.0) else {
            return Err(rop(0x4B9, "CopyMessages"));
        };
        let fid = *fid;
        let mut items = Vec::new();
        for mid in mids {
            let g = Mid::from_u64_le(*mid).globcnt().value();
            let Some(m) = self.folders[&fid].get(&g) else {
                continue;
            };
            let mut props = Self::props_with_flags(m);
            if copy_flags & 0x20 != 0 {
                let mut eid = vec![0u8; 70];
                eid[46..68].copy_from_slice(&sk_of(g));
                props.push(FtProp::with_tag(
                    tags::PID_TAG_ORIGINAL_ENTRY_ID,
                    PropValue::Binary(eid),
                ));
                props.push(FtProp::with_tag(
                    tags::PID_TAG_CHANGE_KEY,
                    PropValue::Binary(m.ck.clone()),
                ));
                props.push(FtProp::with_tag(
                    tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                    PropValue::Binary(m.pcl.clone()),
                ));
                props.push(FtProp::with_tag(
                    tags::PID_TAG_LAST_MODIFICATION_TIME,
                    PropValue::Time(m.last_mod),
                ));
            }
            props.push(FtProp::with_tag(
                tags::PID_TAG_MID,
                PropValue::I64(*mid as i64),
            ));
            items.push(ft::MessageListItem::Message(ft::Message {
                fai: m.fai,
                content: ft::MessageContent {
                    dn_prefix: None,
                    props,
                    children: ft::MessageChildren::default(),
                },
            }));
        }
        let portions = ft::produce_split(
            &ft::Root::MessageList(ft::MessageList { items }),
            self.chunk,
        )
        .unwrap();
        Ok(self.handle(Object::Stream(portions.into())))
    }

    async fn set_local_replica_midset_deleted(
        &mut self,
        _folder: Obj,
        ranges: &[(ics_wire::Gid, ics_wire::Gid)],
    ) -> Result<(), OpError> {
        self.ops.push("SetLocalReplicaMidsetDeleted");
        for (lo, hi) in ranges {
            for g in lo.globcnt.value()..=hi.globcnt.value() {
                self.tombstones.insert(g);
            }
        }
        Ok(())
    }
}
