//! The server invariants of a download ([MS-OXCFXICS] 3.2.5.3; idset.md
//! §14.5, I1–I11) and the element order of contentsSync / hierarchySync
//! (ftstream.md §9.5), checked over a produced element list. Usable from
//! tests of any layer.

use ics_wire::ids::Fid;

use super::download::{ChangeBody, Element};
use super::options::SyncKind;
use super::state::SyncState;
use crate::mailbox::{LOCAL_REPLID, Mailbox, ids::id_of};
use crate::sets::{GlobSet, ReplIdSet};

/// A broken invariant, named as in idset.md §14.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// "I1" ... "I11", or "order".
    pub rule: &'static str,
    /// What was found.
    pub detail: String,
}

fn v(rule: &'static str, detail: impl Into<String>) -> Violation {
    Violation {
        rule,
        detail: detail.into(),
    }
}

/// Checks I1–I11 and the element order. IdsetGiven must be exact;
/// the CNSET rules I2–I4 are checked as "contains", since a server may add
/// CNs that never change the differences (R-135, idset.md §11). Whether the
/// extras are harmless shows only on later syncs: the convergence proptest
/// covers that.
pub fn check(initial: &SyncState, elements: &[Element]) -> Result<(), Vec<Violation>> {
    let mut out = Vec::new();
    let (mut change_ids, mut partial_ids) = (ReplIdSet::new(), ReplIdSet::new());
    let (mut normal_cns, mut fai_cns) = (ReplIdSet::new(), ReplIdSet::new());
    let (mut deleted, mut read_ids) = (ReplIdSet::new(), ReplIdSet::new());
    let mut read_cns = ReplIdSet::new();
    let mut final_state = None;
    let mut rank: Option<u8> = None;
    for (i, e) in elements.iter().enumerate() {
        let r = match e {
            Element::ProgressTotal(_) => 0,
            Element::MessageChange(_) | Element::FolderChange(_) | Element::ErrorInfo { .. } => 1,
            Element::Deletions { .. } => 2,
            Element::ReadStateChanges { .. } => 3,
            Element::State(_) => 4,
        };
        if let Some(prev) = rank
            && (r < prev || (r == prev && r != 1) || final_state.is_some())
        {
            out.push(v("order", format!("element {i} out of place")));
        }
        rank = Some(r);
        match e {
            Element::MessageChange(c) => {
                let k = (c.mid.0.replid, c.mid.0.globcnt);
                change_ids.insert(k.0, k.1);
                if matches!(c.body, ChangeBody::Partial(_)) {
                    partial_ids.insert(k.0, k.1);
                    if c.fai {
                        out.push(v("I5", format!("partial change for FAI {:?}", c.mid)));
                    }
                }
                if c.fai { &mut fai_cns } else { &mut normal_cns }.insert(LOCAL_REPLID, c.cn);
                if let Some(r) = c.read_cn {
                    if !matches!(c.body, ChangeBody::Full(_)) {
                        out.push(v(
                            "I4",
                            format!("read CN {r:?} conveyed by a partial change"),
                        ));
                    }
                    read_cns.insert(LOCAL_REPLID, r);
                }
            }
            Element::FolderChange(c) => {
                change_ids.insert(c.fid.0.replid, c.fid.0.globcnt);
                normal_cns.insert(LOCAL_REPLID, c.cn);
            }
            Element::Deletions {
                deleted: d,
                no_longer_in_scope: n,
                expired: x,
            } => {
                if d.is_empty() && n.is_empty() && x.is_empty() {
                    out.push(v("order", "empty deletions element"));
                }
                deleted = d.union(n).union(x);
            }
            Element::ReadStateChanges {
                read,
                unread,
                read_cns: c,
            } => {
                if !read.intersection(unread).is_empty() {
                    out.push(v("I7", "an id is both read and unread"));
                }
                read_ids = read.union(unread);
                for g in c.iter() {
                    read_cns.insert(LOCAL_REPLID, g);
                }
            }
            Element::State(s) => final_state = Some(s.clone()),
            _ => {}
        }
    }
    let Some(fin) = final_state else {
        out.push(v("order", "no state element"));
        return Err(out);
    };
    let i = initial;
    if fin.idset_given != i.idset_given.union(&change_ids).difference(&deleted) {
        out.push(v(
            "I1",
            "IdsetGiven_C != (IdsetGiven_I ∪ changes) \\ AllDeleted",
        ));
    }
    if !fin.cnset_seen.is_superset(&i.cnset_seen.union(&normal_cns)) {
        out.push(v("I2", "CnsetSeen_C lacks CnsetSeen_I ∪ normal change CNs"));
    }
    let hierarchy = elements
        .iter()
        .any(|e| matches!(e, Element::FolderChange(_)));
    if !hierarchy
        && !fin
            .cnset_seen_fai
            .is_superset(&i.cnset_seen_fai.union(&fai_cns))
    {
        out.push(v(
            "I3",
            "CnsetSeenFAI_C lacks CnsetSeenFAI_I ∪ FAI change CNs",
        ));
    }
    if !hierarchy && !fin.cnset_read.is_superset(&i.cnset_read.union(&read_cns)) {
        out.push(v("I4", "CnsetRead_C lacks CnsetRead_I ∪ read CNs"));
    }
    if !partial_ids.difference(&i.idset_given).is_empty() {
        out.push(v("I5", "partial change for an id the client lacks"));
    }
    if !read_ids.difference(&i.idset_given).is_empty() {
        out.push(v("I6", "read-state change for an id the client lacks"));
    }
    if !change_ids.intersection(&deleted).is_empty() {
        out.push(v("I8", "an id is both changed and deleted"));
    }
    let all_cns = normal_cns.union(&fai_cns);
    if !all_cns
        .intersection(&i.cnset_seen.union(&i.cnset_seen_fai))
        .is_empty()
    {
        out.push(v("I9", "a change already seen was sent again"));
    }
    if !read_ids.intersection(&deleted).is_empty() {
        out.push(v("I10", "an id is both read-changed and deleted"));
    }
    if !read_ids.intersection(&change_ids).is_empty() {
        out.push(v("I11", "an id is both changed and read-changed"));
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// R-135 (idset.md §11): the CNs a server adds to a CNSET (range
/// collapsing) must never change the downloaded differences. Checked right
/// after a complete download, against the mailbox as it is then: every
/// object in scope whose current change CN (read CN for CnsetRead) the final
/// state claims was claimed by the initial state or sent in this download.
///
/// Everything else a collapsed range covers is harmless and allowed: CNs of
/// FAI changes in CnsetSeen and of normal changes in CnsetSeenFAI, CNs of
/// other folders' objects, of deleted objects, of superseded versions. Each
/// CN names one change of one object and any later change of any object gets
/// a new, larger CN, so such an extra can never match a version the client
/// lacks (the checks above therefore test I2–I4 as "contains").
pub fn check_no_hidden_changes(
    mb: &Mailbox,
    folder: Fid,
    kind: SyncKind,
    initial: &SyncState,
    elements: &[Element],
) -> Result<(), Vec<Violation>> {
    let Some(Element::State(fin)) = elements.last() else {
        return Err(vec![v("order", "no final state element")]);
    };
    let mut sent = std::collections::BTreeSet::new();
    let mut read_sent = GlobSet::new();
    for e in elements {
        match e {
            Element::MessageChange(c) => {
                sent.insert((c.mid.0.to_u64_le(), c.cn));
                if let Some(r) = c.read_cn {
                    read_sent.insert(r);
                }
            }
            Element::FolderChange(c) => {
                sent.insert((c.fid.0.to_u64_le(), c.cn));
            }
            Element::ReadStateChanges { read_cns, .. } => read_sent = read_sent.union(read_cns),
            _ => {}
        }
    }
    let claimed = |set: &ReplIdSet, initial: &ReplIdSet, cn| {
        set.contains(LOCAL_REPLID, cn) && !initial.contains(LOCAL_REPLID, cn)
    };
    let mut out = Vec::new();
    match kind {
        SyncKind::Contents => {
            let Some(f) = mb.folder(folder) else {
                return Ok(());
            };
            for m in f.messages() {
                let (set, init) = if m.fai {
                    (&fin.cnset_seen_fai, &initial.cnset_seen_fai)
                } else {
                    (&fin.cnset_seen, &initial.cnset_seen)
                };
                if claimed(set, init, m.cn) && !sent.contains(&(m.mid.0.to_u64_le(), m.cn)) {
                    out.push(v(
                        "R-135",
                        format!("change {:?} of {:?} claimed but not sent", m.cn, m.mid),
                    ));
                }
                if let Some(r) = m.read_cn.filter(|_| !m.fai)
                    && claimed(&fin.cnset_read, &initial.cnset_read, r)
                    && !read_sent.contains(r)
                {
                    out.push(v(
                        "R-135",
                        format!("read change {r:?} of {:?} claimed but not sent", m.mid),
                    ));
                }
            }
        }
        SyncKind::Hierarchy => {
            let mut todo: Vec<Fid> = mb
                .folder(folder)
                .map(|f| f.children().map(|k| Fid(id_of(k))).collect())
                .unwrap_or_default();
            while let Some(fid) = todo.pop() {
                let Some(f) = mb.folder(fid) else { continue };
                todo.extend(f.children().map(|k| Fid(id_of(k))));
                if claimed(&fin.cnset_seen, &initial.cnset_seen, f.cn)
                    && !sent.contains(&(fid.0.to_u64_le(), f.cn))
                {
                    out.push(v(
                        "R-135",
                        format!("change {:?} of folder {fid:?} claimed but not sent", f.cn),
                    ));
                }
            }
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::download::{ChangeBody, MessageChange};
    use crate::ics::materialize::ContentOut;
    use crate::sets::GlobSet;
    use ics_wire::ids::{GlobCnt, Mid};

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }

    fn change(mid: u64, cn: u64, partial: bool) -> Element {
        Element::MessageChange(MessageChange {
            mid: Mid::new(LOCAL_REPLID, g(mid)),
            cn: g(cn),
            fai: false,
            read_cn: None,
            progress: None,
            header: vec![],
            body: if partial {
                ChangeBody::Partial(vec![])
            } else {
                ChangeBody::Full(ContentOut {
                    props: vec![],
                    recipients: None,
                    attachments: None,
                })
            },
        })
    }

    fn state(given: &[u64], seen: &[u64]) -> SyncState {
        let mut s = SyncState::empty();
        for x in given {
            s.idset_given.insert(LOCAL_REPLID, g(*x));
        }
        for x in seen {
            s.cnset_seen.insert(LOCAL_REPLID, g(*x));
        }
        s
    }

    fn rules(initial: &SyncState, els: &[Element]) -> Vec<&'static str> {
        check(initial, els)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.rule)
            .collect()
    }

    #[test]
    fn accepts_a_consistent_download() {
        let i = state(&[1], &[10]);
        let els = vec![
            change(2, 11, false),
            Element::State(state(&[1, 2], &[10, 11])),
        ];
        assert_eq!(rules(&i, &els), Vec::<&str>::new());
    }

    #[test]
    fn detects_each_broken_rule() {
        let i = state(&[1], &[10]);
        // I1 + I2: the state forgets the change.
        assert_eq!(
            rules(&i, &[change(2, 11, false), Element::State(i.clone())]),
            vec!["I1", "I2"]
        );
        // I2 allows extra CNs; I1 allows no extra id.
        assert!(
            rules(
                &i,
                &[
                    change(2, 11, false),
                    Element::State(state(&[1, 2], &[5, 10, 11]))
                ]
            )
            .is_empty()
        );
        assert_eq!(
            rules(
                &i,
                &[
                    change(2, 11, false),
                    Element::State(state(&[1, 2, 3], &[10, 11]))
                ]
            ),
            vec!["I1"]
        );
        // I5: partial change for an id the client lacks.
        assert!(
            rules(
                &i,
                &[
                    change(2, 11, true),
                    Element::State(state(&[1, 2], &[10, 11]))
                ]
            )
            .contains(&"I5")
        );
        // I9: re-sending a seen CN.
        assert!(
            rules(
                &i,
                &[change(1, 10, false), Element::State(state(&[1], &[10]))]
            )
            .contains(&"I9")
        );
        // I8: changed and deleted.
        let mut del = ReplIdSet::new();
        del.insert(LOCAL_REPLID, g(1));
        let els = vec![
            change(1, 11, false),
            Element::Deletions {
                deleted: del.clone(),
                no_longer_in_scope: ReplIdSet::new(),
                expired: ReplIdSet::new(),
            },
            Element::State(state(&[], &[10, 11])),
        ];
        assert!(rules(&i, &els).contains(&"I8"));
        // I11 and I6: read change for a changed id / an id the client lacks.
        let els = vec![
            change(2, 11, false),
            Element::ReadStateChanges {
                read: {
                    let mut r = ReplIdSet::new();
                    r.insert(LOCAL_REPLID, g(2));
                    r
                },
                unread: ReplIdSet::new(),
                read_cns: GlobSet::new(),
            },
            Element::State(state(&[1, 2], &[10, 11])),
        ];
        let r = rules(&i, &els);
        assert!(r.contains(&"I11") && r.contains(&"I6"));
        // Order: state before a change, and a missing state.
        assert!(rules(&i, &[Element::State(i.clone()), change(2, 11, false)]).contains(&"order"));
        assert_eq!(rules(&i, &[]), vec!["order"]);
    }
}
