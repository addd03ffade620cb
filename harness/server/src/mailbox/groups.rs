//! The server-defined property group mapping used for partial item download
//! ([MS-OXCFXICS] 3.2.5.7, 2.2.2.8; ftstream.md §10).
//!
//! Groups are keyed by property id (a string property stored as PtypString8
//! or PtypString is the same property). A change to a property outside every
//! group, or to recipients/attachments, makes the next download of that
//! message a full change: the server never needs the ambiguous "no group"
//! index 0xFFFFFFFF (ftstream.md §10).

use ics_wire::prop::{PropTag, PropType};

/// The id of the one mapping this server defines (MetaTagIncrSyncGroupId).
pub const GROUP_MAPPING_ID: u32 = 1;

/// Property ids of each group, by group index.
pub const GROUPS: [&[u16]; 3] = [
    // 0: envelope
    &[
        0x0017, // PidTagImportance
        0x001A, // PidTagMessageClass
        0x0037, // PidTagSubject
        0x0039, // PidTagClientSubmitTime
        0x003D, // PidTagSubjectPrefix
        0x0042, // PidTagSentRepresentingName
        0x0C1A, // PidTagSenderName
        0x0E03, // PidTagDisplayCc
        0x0E04, // PidTagDisplayTo
        0x0E06, // PidTagMessageDeliveryTime
        0x0E1D, // PidTagNormalizedSubject
    ],
    // 1: body
    &[
        0x1000, // PidTagBody
        0x1009, // PidTagRtfCompressed
        0x1013, // PidTagHtml
        0x1016, // PidTagNativeBody
        0x3FDE, // PidTagInternetCodepage
    ],
    // 2: follow-up flags
    &[
        0x0E2B, // PidTagToDoItemFlags
        0x1080, // PidTagIconIndex
        0x1090, // PidTagFlagStatus
        0x1091, // PidTagFlagCompleteTime
        0x1095, // PidTagFollowupIcon
    ],
];

/// Number of groups.
pub const GROUP_COUNT: usize = GROUPS.len();

/// The group of a property, if any.
pub fn group_of(tag: PropTag) -> Option<usize> {
    GROUPS.iter().position(|g| g.contains(&tag.id()))
}

/// The canonical tags of a group, for PropertyGroupInfo: strings as
/// PtypString, others with their defined type.
pub fn group_tags(group: usize) -> Vec<PropTag> {
    GROUPS[group]
        .iter()
        .map(|&id| PropTag::new(id, canonical_type(id)))
        .collect()
}

fn canonical_type(id: u16) -> PropType {
    match id {
        0x0017 | 0x0E2B | 0x1080 | 0x1090 | 0x1095 | 0x3FDE => PropType::INTEGER32,
        0x0039 | 0x0E06 | 0x1091 => PropType::TIME,
        0x1009 | 0x1013 => PropType::BINARY,
        0x1016 => PropType::INTEGER32,
        _ => PropType::STRING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::prop::tags;

    #[test]
    fn groups_are_disjoint_and_typed() {
        let mut all: Vec<u16> = GROUPS.iter().flat_map(|g| g.iter().copied()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a property id is in two groups");
        assert_eq!(group_of(tags::PID_TAG_SUBJECT), Some(0));
        assert_eq!(group_of(tags::PID_TAG_BODY), Some(1));
        assert_eq!(group_of(tags::PID_TAG_MESSAGE_FLAGS), None);
        assert!(group_tags(0).contains(&tags::PID_TAG_MESSAGE_DELIVERY_TIME));
    }
}
