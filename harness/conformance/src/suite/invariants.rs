//! The harness's own check of the difference invariants of [MS-OXCFXICS] 3.2.5.3 (digest
//! R-143 ... R-150, ftstream.md 9.4) over an initial state, what a download reported and its
//! final state: the step "the final state satisfies the invariants of MS-OXCFXICS 3.2.5.3".
//! It is independent of the reference server's own checks, so it judges any server.
//!
//! Sets hold identifiers of one kind (e.g. `(REPLGUID, GLOBCNT)` pairs); CNSETs in the final
//! state may hold more than required (R-135 allows servers to collapse ranges of CNSETs), so
//! they are checked as supersets; IdsetGiven must be exact.

use std::collections::BTreeSet;
use std::fmt::Debug;

/// The four properties of an ICS state ([MS-OXCFXICS] 2.2.1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IcsState<T: Ord> {
    pub idset_given: BTreeSet<T>,
    pub cnset_seen: BTreeSet<T>,
    pub cnset_seen_fai: BTreeSet<T>,
    pub cnset_read: BTreeSet<T>,
}

impl<T: Ord> Default for IcsState<T> {
    fn default() -> Self {
        Self {
            idset_given: BTreeSet::new(),
            cnset_seen: BTreeSet::new(),
            cnset_seen_fai: BTreeSet::new(),
            cnset_read: BTreeSet::new(),
        }
    }
}

/// One change element of the download (messageChangeFull / messageChangePartial / folderChange).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change<T> {
    pub id: T,
    /// The change number, when the stream reveals it (PidTagChangeNumber with the CN extra
    /// flag, or the ChangeKey of a server change).
    pub cn: Option<T>,
    pub fai: bool,
    pub partial: bool,
}

/// What a download reported besides its final state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download<T: Ord> {
    pub changes: Vec<Change<T>>,
    pub deleted: BTreeSet<T>,
    pub no_longer_in_scope: BTreeSet<T>,
    pub expired: BTreeSet<T>,
    pub read: BTreeSet<T>,
    pub unread: BTreeSet<T>,
}

impl<T: Ord> Default for Download<T> {
    fn default() -> Self {
        Self {
            changes: Vec::new(),
            deleted: BTreeSet::new(),
            no_longer_in_scope: BTreeSet::new(),
            expired: BTreeSet::new(),
            read: BTreeSet::new(),
            unread: BTreeSet::new(),
        }
    }
}

/// One broken invariant, with the requirement id and the offending elements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub requirement: &'static str,
    pub message: String,
}

fn violation<T: Debug>(requirement: &'static str, what: &str, items: &[T]) -> Violation {
    Violation {
        requirement,
        message: format!("{what}: {items:?}"),
    }
}

/// Checks every invariant of [MS-OXCFXICS] 3.2.5.3 that the stream lets a client observe;
/// returns the violations (empty: all hold).
pub fn check<T: Ord + Clone + Debug>(
    initial: &IcsState<T>,
    download: &Download<T>,
    final_state: &IcsState<T>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    // AllDeleted = IdsetDeleted ∪ IdsetNoLongerInScope ∪ IdsetExpired.
    let all_deleted: BTreeSet<T> = download
        .deleted
        .iter()
        .chain(&download.no_longer_in_scope)
        .chain(&download.expired)
        .cloned()
        .collect();
    let change_ids: BTreeSet<T> = download.changes.iter().map(|c| c.id.clone()).collect();
    let read_ids: BTreeSet<T> = download.read.union(&download.unread).cloned().collect();

    // IdsetGiven_C = (IdsetGiven_I ∪ {change.Id}) \ AllDeleted, exactly.
    let expected_given: BTreeSet<T> = initial
        .idset_given
        .union(&change_ids)
        .filter(|id| !all_deleted.contains(id))
        .cloned()
        .collect();
    let missing: Vec<_> = expected_given
        .difference(&final_state.idset_given)
        .collect();
    if !missing.is_empty() {
        out.push(violation(
            "R-144",
            "IdsetGiven of the final state lacks",
            &missing,
        ));
    }
    let extra: Vec<_> = final_state
        .idset_given
        .difference(&expected_given)
        .collect();
    if !extra.is_empty() {
        out.push(violation(
            "R-144",
            "IdsetGiven of the final state has extra IDs",
            &extra,
        ));
    }

    // the CNSETs of the final state cover the initial ones and the downloaded CNs.
    let covers =
        |name: &str, final_set: &BTreeSet<T>, initial_set: &BTreeSet<T>, fai: Option<bool>| {
            let missing: Vec<T> = initial_set
                .iter()
                .cloned()
                .chain(
                    download
                        .changes
                        .iter()
                        .filter(|c| fai.is_none_or(|f| c.fai == f))
                        .filter_map(|c| c.cn.clone()),
                )
                .filter(|cn| !final_set.contains(cn))
                .collect::<BTreeSet<T>>()
                .into_iter()
                .collect();
            (!missing.is_empty()).then(|| {
                violation(
                    "R-145",
                    &format!("{name} of the final state lacks"),
                    &missing,
                )
            })
        };
    out.extend(covers(
        "CnsetSeen",
        &final_state.cnset_seen,
        &initial.cnset_seen,
        Some(false),
    ));
    out.extend(covers(
        "CnsetSeenFAI",
        &final_state.cnset_seen_fai,
        &initial.cnset_seen_fai,
        Some(true),
    ));
    // Read CNs are never sent: only the initial CnsetRead can be checked.
    let lost_read: Vec<_> = initial
        .cnset_read
        .difference(&final_state.cnset_read)
        .collect();
    if !lost_read.is_empty() {
        out.push(violation(
            "R-145",
            "CnsetRead of the final state lost",
            &lost_read,
        ));
    }

    // partial changes only for messages the client has.
    let partial_unknown: Vec<_> = download
        .changes
        .iter()
        .filter(|c| c.partial && !initial.idset_given.contains(&c.id))
        .map(|c| &c.id)
        .collect();
    if !partial_unknown.is_empty() {
        out.push(violation(
            "R-146",
            "partial changes for IDs not in the initial IdsetGiven",
            &partial_unknown,
        ));
    }
    // read-state changes only for messages the client has.
    let read_unknown: Vec<_> = read_ids.difference(&initial.idset_given).collect();
    if !read_unknown.is_empty() {
        out.push(violation(
            "R-147",
            "read-state changes for IDs not in the initial IdsetGiven",
            &read_unknown,
        ));
    }
    // nothing both changed (or read) and deleted.
    let changed_deleted: Vec<_> = change_ids.intersection(&all_deleted).collect();
    if !changed_deleted.is_empty() {
        out.push(violation(
            "R-148",
            "IDs both changed and deleted",
            &changed_deleted,
        ));
    }
    let read_deleted: Vec<_> = read_ids.intersection(&all_deleted).collect();
    if !read_deleted.is_empty() {
        out.push(violation(
            "R-148",
            "IDs with a read-state change and deleted",
            &read_deleted,
        ));
    }
    // never re-send a seen change.
    let resent: Vec<_> = download
        .changes
        .iter()
        .filter_map(|c| c.cn.as_ref())
        .filter(|cn| initial.cnset_seen.contains(cn) || initial.cnset_seen_fai.contains(cn))
        .collect();
    if !resent.is_empty() {
        out.push(violation(
            "R-149",
            "changes whose CN the initial state had seen",
            &resent,
        ));
    }
    // no read-state change for a message changed in this download.
    let read_and_changed: Vec<_> = read_ids.intersection(&change_ids).collect();
    if !read_and_changed.is_empty() {
        out.push(violation(
            "R-150",
            "IDs with both a change and a read-state change",
            &read_and_changed,
        ));
    }
    // Read and unread of the same message in one download contradict each other.
    let both: Vec<_> = download.read.intersection(&download.unread).collect();
    if !both.is_empty() {
        out.push(violation(
            "R-147",
            "IDs both in IdsetRead and IdsetUnread",
            &both,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[u64]) -> BTreeSet<u64> {
        v.iter().copied().collect()
    }

    fn change(id: u64, cn: u64, fai: bool) -> Change<u64> {
        Change {
            id,
            cn: Some(cn),
            fai,
            partial: false,
        }
    }

    /// An incremental download that obeys every rule: m1 (id 1) changed with CN 21, f1 (id 9)
    /// changed with CN 29, m2 (id 2) deleted, m3 (id 3) read, m4 (id 4) new with CN 24.
    fn good() -> (IcsState<u64>, Download<u64>, IcsState<u64>) {
        let initial = IcsState {
            idset_given: set(&[1, 2, 3, 9]),
            cnset_seen: set(&[11, 12, 13]),
            cnset_seen_fai: set(&[19]),
            cnset_read: set(&[30]),
        };
        let download = Download {
            changes: vec![
                change(1, 21, false),
                change(9, 29, true),
                change(4, 24, false),
            ],
            deleted: set(&[2]),
            read: set(&[3]),
            ..Download::default()
        };
        let final_state = IcsState {
            idset_given: set(&[1, 3, 4, 9]),
            // CNSETs may be collapsed into ranges: 11..=24 is fine.
            cnset_seen: (11..=24).collect(),
            cnset_seen_fai: set(&[19, 29]),
            cnset_read: set(&[30, 31]),
        };
        (initial, download, final_state)
    }

    #[test]
    fn a_correct_download_has_no_violation() {
        let (i, d, f) = good();
        assert_eq!(check(&i, &d, &f), []);
    }

    #[test]
    fn idset_given_must_be_exact() {
        let (i, d, mut f) = good();
        f.idset_given.insert(2); // the deleted message kept
        f.idset_given.remove(&4); // the new message missing
        let v = check(&i, &d, &f);
        assert_eq!(v.len(), 2);
        assert!(v.iter().all(|v| v.requirement == "R-144"));
        assert!(v[0].message.ends_with("lacks: [4]"), "{v:?}");
        assert!(v[1].message.ends_with("extra IDs: [2]"), "{v:?}");
    }

    #[test]
    fn cnsets_must_cover_the_downloaded_changes_per_kind() {
        let (i, d, mut f) = good();
        f.cnset_seen_fai.remove(&29);
        f.cnset_seen = set(&[11, 12, 13, 21]); // CN 24 of the new message missing
        let v = check(&i, &d, &f);
        let messages: Vec<_> = v.iter().map(|v| v.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "CnsetSeen of the final state lacks: [24]",
                "CnsetSeenFAI of the final state lacks: [29]"
            ]
        );
    }

    #[test]
    fn the_intersection_rules() {
        let (i, mut d, mut f) = good();
        d.changes.push(change(2, 22, false)); // changed and deleted
        d.changes.push(change(3, 12, false)); // re-sent seen CN 12 and read
        d.changes.push(Change {
            id: 7,
            cn: Some(27),
            fai: false,
            partial: true, // partial for an unknown message
        });
        d.unread.insert(5); // read change for an unknown message
        f.idset_given.extend([7]);
        f.cnset_seen.extend([22, 27]);
        let reqs: BTreeSet<_> = check(&i, &d, &f).iter().map(|v| v.requirement).collect();
        assert_eq!(
            reqs,
            ["R-146", "R-147", "R-148", "R-149", "R-150"]
                .into_iter()
                .collect()
        );
    }

    #[test]
    fn the_initial_cnset_read_must_survive() {
        let (i, d, mut f) = good();
        f.cnset_read.clear();
        let v = check(&i, &d, &f);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].message, "CnsetRead of the final state lost: [30]");
    }
}
