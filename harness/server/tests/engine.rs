//! ICS download engine scenarios ([MS-OXCFXICS] 3.2.5.3; idset.md §14).

use ics_server::ics::invariants::check;
use ics_server::ics::replica::Replica;
use ics_server::ics::{
    ChangeBody, Download, DownloadError, Element, RelOp, Restriction, SyncOptions, SyncState,
};
use ics_server::mailbox::{DeleteKind, Mailbox, MessageContent};
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};

mod common;
use common::{server_edit, subject as subj};

fn tv(tag: PropTag, value: PropValue) -> TaggedValue {
    TaggedValue { tag, value }
}

struct Fx {
    mb: Mailbox,
    inbox: Fid,
}

fn fx() -> Fx {
    let mut mb = Mailbox::default();
    let inbox = mb.create_folder(mb.root(), "Inbox").unwrap();
    Fx { mb, inbox }
}

impl Fx {
    fn msg(&mut self, s: &str) -> Mid {
        self.mb
            .create_message(self.inbox, false, MessageContent::with_props([subj(s)]))
            .unwrap()
    }

    /// Runs a download, checks the invariants, applies it to `rep`, returns the elements.
    fn sync(&self, rep: &mut Replica, opts: &SyncOptions) -> Vec<Element> {
        let initial = rep.state.clone();
        let els = Download::new(&self.mb, self.inbox, opts.clone(), initial.clone())
            .unwrap()
            .collect(&self.mb)
            .unwrap();
        check(&initial, &els).unwrap();
        rep.apply(&els);
        els
    }

    fn assert_converged(&self, rep: &Replica, opts: &SyncOptions) {
        assert_eq!(rep.objects, Replica::expected(&self.mb, self.inbox, opts));
    }
}

fn changes(els: &[Element]) -> Vec<Mid> {
    els.iter()
        .filter_map(|e| match e {
            Element::MessageChange(c) => Some(c.mid),
            _ => None,
        })
        .collect()
}

fn deletions(els: &[Element]) -> Option<(Vec<Mid>, Vec<Mid>)> {
    els.iter().find_map(|e| match e {
        Element::Deletions {
            deleted,
            no_longer_in_scope,
            ..
        } => Some((
            deleted.iter().map(|(r, g)| Mid::new(r, g)).collect(),
            no_longer_in_scope
                .iter()
                .map(|(r, g)| Mid::new(r, g))
                .collect(),
        )),
        _ => None,
    })
}

/// idset.md §14.3: an empty state brings every message and a
/// final state that covers them; a second sync with it brings nothing.
#[test]
fn empty_state_bootstrap_then_nothing() {
    let mut f = fx();
    let a = f.msg("a");
    let b = f.msg("b");
    let fai =
        f.mb.create_message(f.inbox, true, MessageContent::with_props([subj("view")]))
            .unwrap();
    let opts = SyncOptions::contents();
    let mut rep = Replica::default();
    let els = f.sync(&mut rep, &opts);
    let mut got = changes(&els);
    got.sort_by_key(|m| m.globcnt());
    assert_eq!(got, vec![a, b, fai]);
    assert!(deletions(&els).is_none());
    f.assert_converged(&rep, &opts);
    let st = rep.state.clone();
    let again = f.sync(&mut rep, &opts);
    assert_eq!(again, vec![Element::State(st)]);
}

/// Incremental sync: modified and new messages as changes, deletions, and a
/// read-state change.
#[test]
fn incremental_changes_deletions_and_read_state() {
    let mut f = fx();
    let a = f.msg("a");
    let b = f.msg("b");
    let c = f.msg("c");
    let opts = SyncOptions::contents();
    let mut rep = Replica::default();
    f.sync(&mut rep, &opts);
    server_edit(&mut f.mb, a, vec![subj("a2")], vec![]);
    f.mb.delete_message(b, DeleteKind::Soft).unwrap();
    f.mb.set_read(c, true).unwrap();
    let d = f.msg("d");
    let els = f.sync(&mut rep, &opts);
    assert_eq!(changes(&els), vec![a, d]);
    assert_eq!(deletions(&els), Some((vec![b], vec![])));
    let read = els.iter().find_map(|e| match e {
        Element::ReadStateChanges { read, unread, .. } => {
            Some((read.iter().count(), unread.iter().count()))
        }
        _ => None,
    });
    assert_eq!(read, Some((1, 0)));
    f.assert_converged(&rep, &opts);
    // A message both modified and read in between is a change, not a read change (I11).
    f.mb.set_read(a, true).unwrap();
    server_edit(&mut f.mb, a, vec![subj("a3")], vec![]);
    let els = f.sync(&mut rep, &opts);
    assert_eq!(changes(&els), vec![a]);
    assert!(
        !els.iter()
            .any(|e| matches!(e, Element::ReadStateChanges { .. }))
    );
    f.assert_converged(&rep, &opts);
}

/// NoDeletions suppresses the deletions element; the deleted id
/// stays in IdsetGiven (I1 with AllDeleted = ∅).
#[test]
fn no_deletions_keeps_given() {
    let mut f = fx();
    let a = f.msg("a");
    let mut opts = SyncOptions::contents();
    opts.no_deletions = true;
    let mut rep = Replica::default();
    f.sync(&mut rep, &opts);
    f.mb.delete_message(a, DeleteKind::Hard).unwrap();
    let els = f.sync(&mut rep, &opts);
    assert!(deletions(&els).is_none());
    assert!(rep.state.idset_given.contains(a.replid(), a.globcnt()));
    // Without the flag the deletion is reported afterwards.
    let els = f.sync(&mut rep, &SyncOptions::contents());
    assert_eq!(deletions(&els), Some((vec![a], vec![])));
}

/// Normal and FAI flags filter output; they do not change scope.
#[test]
fn normal_and_fai_filters() {
    let mut f = fx();
    let n = f.msg("n");
    let fai =
        f.mb.create_message(f.inbox, true, MessageContent::default())
            .unwrap();
    let mut normal_only = SyncOptions::contents();
    normal_only.fai = false;
    let mut rep = Replica::default();
    assert_eq!(changes(&f.sync(&mut rep, &normal_only)), vec![n]);
    assert!(rep.state.cnset_seen_fai.is_empty());
    let mut fai_only = SyncOptions::contents();
    fai_only.normal = false;
    assert_eq!(changes(&f.sync(&mut rep, &fai_only)), vec![fai]);
    assert!(changes(&f.sync(&mut rep, &SyncOptions::contents())).is_empty());
}

/// a change inside one property group goes out as a partial
/// change with the complete group; the replica keeps the other groups.
#[test]
fn partial_item_sends_only_changed_groups() {
    let mut f = fx();
    let body = tv(tags::PID_TAG_BODY, PropValue::unicode("hello"));
    let a =
        f.mb.create_message(
            f.inbox,
            false,
            MessageContent::with_props([subj("a"), body]),
        )
        .unwrap();
    let mut opts = SyncOptions::contents();
    opts.partial_item = true;
    let mut rep = Replica::default();
    let first = f.sync(&mut rep, &opts);
    assert!(
        matches!(&first[0], Element::MessageChange(c) if matches!(c.body, ChangeBody::Full(_))),
        "not in IdsetGiven: full"
    );
    server_edit(
        &mut f.mb,
        a,
        vec![tv(tags::PID_TAG_BODY, PropValue::unicode("bye"))],
        vec![],
    );
    server_edit(&mut f.mb, a, vec![], vec![tags::PID_TAG_SUBJECT]);
    let els = f.sync(&mut rep, &opts);
    let Element::MessageChange(c) = &els[0] else {
        panic!("{els:?}")
    };
    let ChangeBody::Partial(groups) = &c.body else {
        panic!("expected partial: {c:?}")
    };
    assert_eq!(groups.iter().map(|g| g.0).collect::<Vec<_>>(), vec![0, 1]);
    // Group 0 now holds only the delivery time; the subject is gone from the replica.
    assert!(groups[0].1.iter().all(|v| v.tag != tags::PID_TAG_SUBJECT));
    f.assert_converged(&rep, &opts);
    // Outside the groups: full change.
    server_edit(
        &mut f.mb,
        a,
        vec![tv(PropTag(0x8005_0003), PropValue::I32(1))],
        vec![],
    );
    let els = f.sync(&mut rep, &opts);
    assert!(matches!(&els[0], Element::MessageChange(c) if matches!(c.body, ChangeBody::Full(_))));
    f.assert_converged(&rep, &opts);
}

/// a changed group that is now empty is sent with the placeholder.
#[test]
fn empty_changed_group_has_placeholder() {
    let mut f = fx();
    let a =
        f.mb.create_message(
            f.inbox,
            false,
            MessageContent::with_props([tv(tags::PID_TAG_BODY, PropValue::unicode("x"))]),
        )
        .unwrap();
    let mut opts = SyncOptions::contents();
    opts.partial_item = true;
    let mut rep = Replica::default();
    f.sync(&mut rep, &opts);
    server_edit(&mut f.mb, a, vec![], vec![tags::PID_TAG_BODY]);
    let els = f.sync(&mut rep, &opts);
    let Element::MessageChange(c) = &els[0] else {
        panic!()
    };
    let ChangeBody::Partial(groups) = &c.body else {
        panic!("{c:?}")
    };
    assert_eq!(groups, &vec![(1, vec![tv(PropTag(3), PropValue::I32(0))])]);
    f.assert_converged(&rep, &opts);
}

/// an unreadable message becomes errorInfo with RecoverMode and
/// stays out of the state; without RecoverMode the download fails, and keeps failing.
#[test]
fn recover_mode_and_unreadable_messages() {
    let mut f = fx();
    let good = f.msg("good");
    let bad = f.msg("bad");
    f.mb.set_unreadable(bad, true).unwrap();
    let mut opts = SyncOptions::contents();
    opts.recover_mode = true;
    let mut rep = Replica::default();
    let els = f.sync(&mut rep, &opts);
    assert!(els.contains(&Element::ErrorInfo {
        fid: f.inbox,
        mid: bad
    }));
    assert_eq!(changes(&els), vec![good]);
    assert!(!rep.state.idset_given.contains(bad.replid(), bad.globcnt()));
    let mut d = Download::new(&f.mb, f.inbox, SyncOptions::contents(), SyncState::empty()).unwrap();
    let mut err = None;
    for _ in 0..5 {
        match d.next(&f.mb) {
            Err(e) => err = Some(e),
            Ok(Some(_)) => continue,
            Ok(None) => break,
        }
    }
    assert_eq!(err, Some(DownloadError::Unreadable(bad)));
    assert_eq!(d.next(&f.mb), Err(DownloadError::Unreadable(bad)));
}

/// a message that stops matching the restriction is reported in
/// IdsetNoLongerInScope, unless IgnoreNoLongerInScope.
#[test]
fn restriction_and_no_longer_in_scope() {
    let mut f = fx();
    let a = f.msg("report one");
    let b = f.msg("other");
    let mut opts = SyncOptions::contents();
    opts.restriction = Some(Restriction::Substring {
        tag: tags::PID_TAG_SUBJECT,
        text: "report".into(),
        ignore_case: true,
    });
    let mut rep = Replica::default();
    assert_eq!(changes(&f.sync(&mut rep, &opts)), vec![a]);
    server_edit(&mut f.mb, a, vec![subj("plain")], vec![]);
    server_edit(&mut f.mb, b, vec![subj("Report two")], vec![]);
    let mut ignoring = opts.clone();
    ignoring.ignore_no_longer_in_scope = true;
    let probe = Download::new(&f.mb, f.inbox, ignoring, rep.state.clone())
        .unwrap()
        .collect(&f.mb)
        .unwrap();
    assert!(deletions(&probe).is_none());
    let els = f.sync(&mut rep, &opts);
    assert_eq!(changes(&els), vec![b]);
    assert_eq!(deletions(&els), Some((vec![], vec![a])));
    f.assert_converged(&rep, &opts);
    let _ = RelOp::Eq;
}

/// OrderByDeliveryTime sends the newest delivery time first.
#[test]
fn order_by_delivery_time() {
    let mut f = fx();
    let t = |x: u64| tv(tags::PID_TAG_MESSAGE_DELIVERY_TIME, PropValue::Time(x));
    let old =
        f.mb.create_message(f.inbox, false, MessageContent::with_props([t(100)]))
            .unwrap();
    let new =
        f.mb.create_message(f.inbox, false, MessageContent::with_props([t(300)]))
            .unwrap();
    let mid =
        f.mb.create_message(f.inbox, false, MessageContent::with_props([t(200)]))
            .unwrap();
    let mut opts = SyncOptions::contents();
    opts.order_by_delivery_time = true;
    assert_eq!(
        changes(&f.sync(&mut Replica::default(), &opts)),
        vec![new, mid, old]
    );
}

/// progress and the optional header fields.
#[test]
fn progress_and_header_fields() {
    let mut f = fx();
    f.msg("a");
    f.mb.create_message(f.inbox, true, MessageContent::default())
        .unwrap();
    let mut opts = SyncOptions::contents();
    opts.progress = true;
    opts.eid = true;
    opts.message_size = true;
    opts.change_number = true;
    let els = f.sync(&mut Replica::default(), &opts);
    let Element::ProgressTotal(p) = &els[0] else {
        panic!()
    };
    assert_eq!((p.normal_count, p.fai_count), (1, 1));
    for e in &els {
        if let Element::MessageChange(c) = e {
            assert!(c.progress.is_some());
            let tags_: Vec<PropTag> = c.header.iter().map(|v| v.tag).collect();
            assert_eq!(
                &tags_[..5],
                &[
                    tags::PID_TAG_SOURCE_KEY,
                    tags::PID_TAG_LAST_MODIFICATION_TIME,
                    tags::PID_TAG_CHANGE_KEY,
                    tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                    tags::PID_TAG_ASSOCIATED
                ]
            );
            assert_eq!(
                &tags_[5..],
                &[
                    tags::PID_TAG_MID,
                    tags::PID_TAG_MESSAGE_SIZE,
                    tags::PID_TAG_CHANGE_NUMBER
                ]
            );
            assert_eq!(c.header[5].value, PropValue::I64(c.mid.to_u64_le() as i64));
        }
    }
    let plain = f.sync(&mut Replica::default(), &SyncOptions::contents());
    for e in &plain {
        if let Element::MessageChange(c) = e {
            assert_eq!(c.header.len(), 5);
            assert!(c.progress.is_none());
        }
    }
}

/// OnlySpecifiedProperties includes, otherwise the list
/// excludes; IgnoreSpecifiedOnFAI gives FAI messages everything.
#[test]
fn property_filters() {
    let mut f = fx();
    let body = tv(tags::PID_TAG_BODY, PropValue::unicode("b"));
    f.mb.create_message(
        f.inbox,
        false,
        MessageContent::with_props([subj("s"), body.clone()]),
    )
    .unwrap();
    f.mb.create_message(f.inbox, true, MessageContent::with_props([subj("s"), body]))
        .unwrap();
    let props_of = |els: &[Element], fai: bool| -> Vec<PropTag> {
        els.iter()
            .find_map(|e| match e {
                Element::MessageChange(c) if c.fai == fai => match &c.body {
                    ChangeBody::Full(x) => Some(x.props.iter().map(|v| v.tag).collect()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap()
    };
    let mut only = SyncOptions::contents();
    only.only_specified_properties = true;
    only.property_tags = vec![tags::PID_TAG_SUBJECT];
    let els = f.sync(&mut Replica::default(), &only);
    assert_eq!(props_of(&els, false), vec![tags::PID_TAG_SUBJECT]);
    assert_eq!(props_of(&els, true), vec![tags::PID_TAG_SUBJECT]);
    only.ignore_specified_on_fai = true;
    let els = f.sync(&mut Replica::default(), &only);
    assert!(props_of(&els, true).contains(&tags::PID_TAG_BODY));
    let mut excl = SyncOptions::contents();
    excl.property_tags = vec![tags::PID_TAG_SUBJECT];
    let els = f.sync(&mut Replica::default(), &excl);
    assert!(!props_of(&els, false).contains(&tags::PID_TAG_SUBJECT));
    assert!(props_of(&els, false).contains(&tags::PID_TAG_BODY));
}

/// Hierarchy: parents before children, zero-length ParentSourceKey for direct
/// children of the sync root, folders moved out of scope are deletions
/// (R-115, R-116, [MS-OXCFXICS] 2.2.4.3.9).
#[test]
fn hierarchy_sync() {
    let mut mb = Mailbox::default();
    let top = mb.create_folder(mb.root(), "Top").unwrap();
    let a = mb.create_folder(top, "A").unwrap();
    let b = mb.create_folder(a, "B").unwrap();
    let outside = mb.create_folder(mb.root(), "Outside").unwrap();
    let mut opts = SyncOptions::hierarchy();
    opts.eid = true;
    let mut rep = Replica::default();
    let run = |mb: &Mailbox, rep: &mut Replica| {
        let initial = rep.state.clone();
        let els = Download::new(mb, top, opts.clone(), initial.clone())
            .unwrap()
            .collect(mb)
            .unwrap();
        check(&initial, &els).unwrap();
        rep.apply(&els);
        assert_eq!(rep.objects, Replica::expected(mb, top, &opts));
        els
    };
    let els = run(&mb, &mut rep);
    let order: Vec<Fid> = els
        .iter()
        .filter_map(|e| match e {
            Element::FolderChange(c) => Some(c.fid),
            _ => None,
        })
        .collect();
    assert_eq!(order, vec![a, b]);
    let Element::FolderChange(fa) = &els[0] else {
        panic!()
    };
    assert_eq!(
        fa.props[0],
        tv(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(vec![]))
    );
    assert!(fa.props.iter().any(|v| v.tag == tags::PID_TAG_FOLDER_ID));
    assert!(rep.state.cnset_seen_fai.is_empty() && rep.state.cnset_read.is_empty());
    mb.move_folder(b, outside, None).unwrap();
    let els = run(&mb, &mut rep);
    assert!(els.iter().any(|e| matches!(e, Element::Deletions { deleted, .. } if deleted.contains(b.replid(), b.globcnt()))));
    mb.move_folder(b, a, None).unwrap();
    mb.set_folder_properties(
        a,
        &[tv(PropTag(0x3004_001F), PropValue::unicode("comment"))],
        &[],
        None,
    )
    .unwrap();
    let els = run(&mut mb, &mut rep);
    assert_eq!(
        els.iter()
            .filter(|e| matches!(e, Element::FolderChange(_)))
            .count(),
        2
    );
}

/// R-135 / idset.md §11: after a complete download the CNSETs collapse to
/// few ranges (here one), and IdsetGiven stays exact.
#[test]
fn complete_download_collapses_cnsets() {
    let mut f = fx();
    let other = f.mb.create_folder(f.mb.root(), "Other").unwrap();
    for i in 0..20 {
        f.msg(&format!("m{i}"));
        // Interleave CNs of another folder.
        f.mb.create_message(other, false, MessageContent::default())
            .unwrap();
    }
    let mid = f.msg("x");
    f.mb.set_read(mid, true).unwrap();
    let mut rep = Replica::default();
    f.sync(&mut rep, &SyncOptions::contents());
    let seen = rep
        .state
        .cnset_seen
        .get(&ics_server::mailbox::LOCAL_REPLID)
        .unwrap();
    assert_eq!(seen.range_count(), 1);
    assert_eq!(rep.state.cnset_seen_fai, rep.state.cnset_seen);
    assert_eq!(rep.state.idset_given.count(), 21);
    // Without FAI in the download, CnsetSeen is not collapsed (I9 spans both sets).
    let mut normal_only = SyncOptions::contents();
    normal_only.fai = false;
    let mut rep2 = Replica::default();
    f.sync(&mut rep2, &normal_only);
    assert!(
        rep2.state
            .cnset_seen
            .get(&ics_server::mailbox::LOCAL_REPLID)
            .unwrap()
            .range_count()
            > 1
    );
}

/// R-135 (conformance finding): after a complete download the collapsed
/// CnsetSeen also covers the CNs of FAI changes (and CnsetSeenFAI those of
/// normal changes). Allowed: it never changes the downloaded differences —
/// nothing in scope is claimed without being sent (an errorInfo item stays
/// unclaimed), and later changes of either kind still come down. The
/// checker rejects a state that claims an unsent change.
#[test]
fn collapsed_cnsets_cover_fai_cns_but_hide_nothing() {
    use ics_server::ics::invariants::check_no_hidden_changes;
    use ics_server::mailbox::LOCAL_REPLID;
    let mut f = fx();
    let a = f.msg("a");
    let fai =
        f.mb.create_message(f.inbox, true, MessageContent::with_props([subj("fai")]))
            .unwrap();
    let bad = f.msg("unreadable");
    f.mb.set_unreadable(bad, true).unwrap();
    f.msg("b");
    let mut opts = SyncOptions::contents();
    opts.recover_mode = true;
    let mut rep = Replica::default();
    let initial = rep.state.clone();
    let els = f.sync(&mut rep, &opts);
    check_no_hidden_changes(&f.mb, f.inbox, opts.kind, &initial, &els).unwrap();
    let cn = |f: &Fx, m: Mid| f.mb.message(m).unwrap().cn;
    assert!(
        rep.state.cnset_seen.contains(LOCAL_REPLID, cn(&f, fai)),
        "collapsed over the FAI CN"
    );
    assert!(rep.state.cnset_seen_fai.contains(LOCAL_REPLID, cn(&f, a)));
    assert!(
        !rep.state.cnset_seen.contains(LOCAL_REPLID, cn(&f, bad)),
        "the errorInfo item is not claimed"
    );
    // A state claiming the unsent change is caught.
    let mut forged = els.clone();
    let Some(Element::State(st)) = forged.last_mut() else {
        panic!()
    };
    let mut blank = SyncState::empty();
    std::mem::swap(st, &mut blank);
    blank.cnset_seen.insert(LOCAL_REPLID, cn(&f, bad));
    *st = blank;
    let v = check_no_hidden_changes(&f.mb, f.inbox, opts.kind, &initial, &forged).unwrap_err();
    assert!(v.iter().all(|x| x.rule == "R-135") && v.len() == 1, "{v:?}");
    // The differences are unchanged: later FAI and normal changes come down.
    server_edit(&mut f.mb, fai, vec![subj("fai 2")], vec![]);
    server_edit(&mut f.mb, a, vec![subj("a 2")], vec![]);
    let initial = rep.state.clone();
    let els = f.sync(&mut rep, &opts);
    check_no_hidden_changes(&f.mb, f.inbox, opts.kind, &initial, &els).unwrap();
    let mut got = changes(&els);
    got.sort_by_key(|m| m.globcnt());
    let mut want = vec![a, fai];
    want.sort_by_key(|m| m.globcnt());
    assert_eq!(
        got, want,
        "both kinds come down; the errorInfo item is not a change"
    );
}

/// a persisted foreign SourceKey is output unless NoForeignIdentifiers,
/// which regenerates it from the MID.
#[test]
fn no_foreign_identifiers() {
    let mut f = fx();
    let a = f.msg("a");
    f.mb.set_message_source_key(a, Some(vec![0xAB; 22]))
        .unwrap();
    let sk = |els: &[Element]| match &els[0] {
        Element::MessageChange(c) => c.header[0].value.clone(),
        other => panic!("{other:?}"),
    };
    let els = f.sync(&mut Replica::default(), &SyncOptions::contents());
    assert_eq!(sk(&els), PropValue::Binary(vec![0xAB; 22]));
    let mut nfi = SyncOptions::contents();
    nfi.no_foreign_identifiers = true;
    let els = f.sync(&mut Replica::default(), &nfi);
    assert_eq!(sk(&els), PropValue::Binary(f.mb.source_key_of(a.0)));
}

/// without Unicode, strings go out as PtypString8 in the
/// connection code page; ForceUnicode turns PtypString8 into PtypString.
#[test]
fn string_forms_in_changes() {
    let mut f = fx();
    f.mb.create_message(
        f.inbox,
        false,
        MessageContent::with_props([
            subj("abc"),
            tv(PropTag(0x0E1D_001E), PropValue::String8(b"n".to_vec())),
        ]),
    )
    .unwrap();
    let types = |o: &SyncOptions| -> Vec<PropTag> {
        let els = f.sync(&mut Replica::default(), o);
        let Element::MessageChange(c) = &els[0] else {
            panic!()
        };
        let ChangeBody::Full(x) = &c.body else {
            panic!()
        };
        x.props
            .iter()
            .map(|v| v.tag)
            .filter(|t| t.id() == 0x0037 || t.id() == 0x0E1D)
            .collect()
    };
    let mut cp = SyncOptions::contents();
    cp.strings = ics_server::ics::StringForm::CodePage;
    assert_eq!(types(&cp), vec![PropTag(0x0037_001E), PropTag(0x0E1D_001E)]);
    let mut fu = SyncOptions::contents();
    fu.strings = ics_server::ics::StringForm::ForceUnicode;
    assert_eq!(types(&fu), vec![PropTag(0x0037_001F), PropTag(0x0E1D_001F)]);
    assert_eq!(
        types(&SyncOptions::contents()),
        vec![PropTag(0x0037_001F), PropTag(0x0E1D_001E)]
    );
}
