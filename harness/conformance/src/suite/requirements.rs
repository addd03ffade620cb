//! Requirement ids of the spec digest (`shared/spec/server-rules.md`): R-001 ... R-340 in
//! groups A-Z, and the groups the coverage figure counts (D, F-V and Z, issue 7).

use std::fmt;
use std::str::FromStr;

/// A requirement id such as `R-136`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReqId(pub u16);

impl fmt::Display for ReqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R-{:03}", self.0)
    }
}

/// Why a tag is not a requirement id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReqIdError {
    /// The tag does not have the form `R-nnn` (three digits).
    #[error("`{0}` is not of the form R-nnn")]
    Malformed(String),
    /// The number is outside every group of the digest.
    #[error("`{0}` is not in any group of the digest (R-001 ... R-340)")]
    Unknown(String),
}

impl FromStr for ReqId {
    type Err = ReqIdError;

    /// Parses `R-136` (a tag without its `@`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .strip_prefix("R-")
            .filter(|d| d.len() == 3 && d.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| ReqIdError::Malformed(s.to_owned()))?;
        let n: u16 = digits
            .parse()
            .map_err(|_| ReqIdError::Malformed(s.to_owned()))?;
        let id = ReqId(n);
        group_of(id).ok_or_else(|| ReqIdError::Unknown(s.to_owned()))?;
        Ok(id)
    }
}

/// A group of the digest's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// The group letter (A-W, Z; X and Y hold no ids).
    pub letter: char,
    /// The group title as the digest's index gives it.
    pub title: &'static str,
    /// First and last requirement number of the group.
    pub first: u16,
    pub last: u16,
    /// Whether the coverage figure counts this group (issue 7: D, F-V and Z).
    pub counted: bool,
}

impl Group {
    /// The requirement ids of the group, in order.
    pub fn ids(&self) -> impl Iterator<Item = ReqId> + use<> {
        (self.first..=self.last).map(ReqId)
    }
}

const fn g(letter: char, title: &'static str, first: u16, last: u16, counted: bool) -> Group {
    Group {
        letter,
        title,
        first,
        last,
        counted,
    }
}

/// The groups of the digest's index, in order.
pub const GROUPS: &[Group] = &[
    g('A', "ROP framing and handle processing", 1, 14, false),
    g('B', "Operation sequencing and contexts", 15, 24, false),
    g('C', "FastTransfer download configuration", 25, 47, false),
    g(
        'D',
        "GetBuffer, buffer sizing and ecServerBusy back-off",
        48,
        61,
        true,
    ),
    g('E', "FastTransfer upload", 62, 68, false),
    g('F', "RopSynchronizationConfigure validation", 69, 81, true),
    g('G', "SynchronizationFlags semantics", 82, 99, true),
    g('H', "SynchronizationExtraFlags semantics", 100, 108, true),
    g('I', "Property filters and client headers", 109, 117, true),
    g(
        'J',
        "ICS state: upload, MetaTagIdsetGiven, download",
        118,
        135,
        true,
    ),
    g('K', "Empty-state bootstrap", 136, 139, true),
    g('L', "Difference computation and invariants", 140, 154, true),
    g('M', "Deletions, NoLongerInScope, Expired", 155, 162, true),
    g('N', "Read state", 163, 170, true),
    g('O', "FAI vs normal", 171, 174, true),
    g(
        'P',
        "Partial item download and property groups",
        175,
        186,
        true,
    ),
    g('Q', "RecoverMode / errorInfo / permissions", 187, 193, true),
    g(
        'R',
        "Checkpointing, cancellation, isolation",
        194,
        200,
        true,
    ),
    g('S', "Upload/import semantics", 201, 232, true),
    g(
        'T',
        "Conflict detection, resolution and reporting",
        233,
        250,
        true,
    ),
    g(
        'U',
        "Identifiers, ID reservation, foreign identifiers",
        251,
        266,
        true,
    ),
    g(
        'V',
        "Client-side safety: scope, back-in-time, mailbox validation",
        267,
        276,
        true,
    ),
    g('W', "IDSET / GLOBSET serialization", 277, 296, false),
    g(
        'Z',
        "Mailbox synchronization client duties ([MS-OXCSYNC])",
        297,
        340,
        true,
    ),
];

/// The group holding `id`, if any.
pub fn group_of(id: ReqId) -> Option<&'static Group> {
    GROUPS.iter().find(|g| (g.first..=g.last).contains(&id.0))
}

/// Every requirement id the coverage figure counts, in order.
pub fn counted_ids() -> impl Iterator<Item = ReqId> {
    GROUPS.iter().filter(|g| g.counted).flat_map(Group::ids)
}

/// The requirement ids among `tags` (tags without `@`; other tags are ignored).
pub fn ids_in_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> Vec<ReqId> {
    let mut ids: Vec<ReqId> = tags.into_iter().filter_map(|t| t.parse().ok()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_contiguous_and_end_at_r340() {
        let mut next = 1;
        for g in GROUPS {
            if g.letter == 'Z' {
                assert_eq!(next, 297, "W ends at R-296, Z starts at R-297");
            }
            assert_eq!(
                g.first, next,
                "group {} starts right after the previous",
                g.letter
            );
            assert!(g.last >= g.first);
            next = g.last + 1;
        }
        assert_eq!(next, 341);
    }

    #[test]
    fn counted_groups_are_d_f_to_v_and_z() {
        let letters: String = GROUPS
            .iter()
            .filter(|g| g.counted)
            .map(|g| g.letter)
            .collect();
        assert_eq!(letters, "DFGHIJKLMNOPQRSTUVZ");
        // D: 14, F-V: R-069..R-276 = 208, Z: 44.
        assert_eq!(counted_ids().count(), 14 + 208 + 44);
    }

    #[test]
    fn parses_and_prints_ids() {
        let id: ReqId = "R-136".parse().unwrap();
        assert_eq!(id, ReqId(136));
        assert_eq!(id.to_string(), "R-136");
        assert_eq!(group_of(id).unwrap().letter, 'K');
        assert_eq!(
            "R-36".parse::<ReqId>(),
            Err(ReqIdError::Malformed("R-36".into()))
        );
        assert_eq!(
            "R-341".parse::<ReqId>(),
            Err(ReqIdError::Unknown("R-341".into()))
        );
        assert!("R-000".parse::<ReqId>().is_err());
        assert!("wip".parse::<ReqId>().is_err());
    }

    #[test]
    fn ids_in_tags_ignores_other_tags_and_dedups() {
        let tags: Vec<String> = ["R-140", "wip", "R-136", "R-140", "needs-fault-injection"]
            .map(String::from)
            .to_vec();
        assert_eq!(ids_in_tags(&tags), vec![ReqId(136), ReqId(140)]);
    }
}
