//! Placeholder values of the phrase syntax: numbers, flag lists, property names, names.

use ics_wire::prop::{PropTag, tags};
use ics_wire::state;

/// `{n}`: decimal or 0x-hex.
pub fn number(s: &str) -> Result<u64, String> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("`{s}` is not a number"))
}

/// SendOptions ([MS-OXCFXICS] 2.2.3.1.1.1.1).
pub const SEND_OPTIONS: &[(&str, u32)] = &[
    ("Unicode", 0x01),
    ("UseCpid", 0x02),
    ("RecoverMode", 0x04),
    ("ForceUnicode", 0x08),
    ("PartialItem", 0x10),
    ("Reserved1", 0x20),
    ("Reserved2", 0x40),
];

/// SynchronizationFlags ([MS-OXCFXICS] 2.2.3.2.1.1.1).
pub const SYNC_FLAGS: &[(&str, u32)] = &[
    ("Unicode", 0x0001),
    ("NoDeletions", 0x0002),
    ("IgnoreNoLongerInScope", 0x0004),
    ("ReadState", 0x0008),
    ("FAI", 0x0010),
    ("Normal", 0x0020),
    ("OnlySpecifiedProperties", 0x0080),
    ("NoForeignIdentifiers", 0x0100),
    ("Reserved", 0x1000),
    ("BestBody", 0x2000),
    ("IgnoreSpecifiedOnFAI", 0x4000),
    ("Progress", 0x8000),
];

/// SynchronizationExtraFlags ([MS-OXCFXICS] 2.2.3.2.1.1.1).
pub const EXTRA_FLAGS: &[(&str, u32)] = &[
    ("Eid", 0x1),
    ("MessageSize", 0x2),
    ("CN", 0x4),
    ("OrderByDeliveryTime", 0x8),
];

/// `{list}`: `none` or flag names / hex values, ORed.
pub fn flags(list: &str, table: &[(&str, u32)]) -> Result<u32, String> {
    if list.trim() == "none" {
        return Ok(0);
    }
    let mut v = 0;
    for item in list.split(',').map(str::trim) {
        v |= match table.iter().find(|(n, _)| *n == item) {
            Some((_, b)) => *b,
            None if item.starts_with("0x") => number(item)? as u32,
            None => return Err(format!("unknown flag `{item}`")),
        };
    }
    Ok(v)
}

/// Names of the bits of a flag value.
pub fn flag_names(v: u32, table: &[(&'static str, u32)]) -> Vec<&'static str> {
    table
        .iter()
        .filter(|(_, b)| v & b != 0)
        .map(|(n, _)| *n)
        .collect()
}

/// Properties by their spec names.
const PROPS: &[(&str, PropTag)] = &[
    ("PidTagSubject", tags::PID_TAG_SUBJECT),
    ("PidTagBody", tags::PID_TAG_BODY),
    ("PidTagMessageClass", tags::PID_TAG_MESSAGE_CLASS),
    ("PidTagDisplayName", tags::PID_TAG_DISPLAY_NAME),
    ("PidTagMessageFlags", tags::PID_TAG_MESSAGE_FLAGS),
    ("PidTagMessageSize", tags::PID_TAG_MESSAGE_SIZE),
    (
        "PidTagMessageDeliveryTime",
        tags::PID_TAG_MESSAGE_DELIVERY_TIME,
    ),
    (
        "PidTagLastModificationTime",
        tags::PID_TAG_LAST_MODIFICATION_TIME,
    ),
    ("PidTagAssociated", tags::PID_TAG_ASSOCIATED),
    ("PidTagFolderId", tags::PID_TAG_FOLDER_ID),
    ("PidTagParentFolderId", tags::PID_TAG_PARENT_FOLDER_ID),
    ("PidTagMid", tags::PID_TAG_MID),
    ("PidTagChangeNumber", tags::PID_TAG_CHANGE_NUMBER),
    ("PidTagSourceKey", tags::PID_TAG_SOURCE_KEY),
    ("PidTagParentSourceKey", tags::PID_TAG_PARENT_SOURCE_KEY),
    ("PidTagChangeKey", tags::PID_TAG_CHANGE_KEY),
    (
        "PidTagPredecessorChangeList",
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
    ),
    ("PidTagOriginalEntryId", tags::PID_TAG_ORIGINAL_ENTRY_ID),
    // [MS-OXCFXICS] 2.2.1.4.1: PtypInteger32 on a folder.
    ("PidTagResolveMethod", ics_wire::prop::PropTag(0x3FE7_0003)),
    ("PidTagConflictItems", tags::PID_TAG_CONFLICT_ITEMS),
    ("PidTagRead", tags::PID_TAG_READ),
    ("PidTagImportance", PropTag(0x0017_0003)),
    ("PidTagHtml", PropTag(0x1013_0102)),
    ("PidTagRtfCompressed", PropTag(0x1009_0102)),
    ("PidTagSenderName", PropTag(0x0C1A_001F)),
    ("PidTagMessageRecipients", PropTag(0x0E12_000D)),
    ("PidTagMessageAttachments", PropTag(0x0E13_000D)),
    ("PidTagLocalCommitTimeMax", PropTag(0x670A_0040)),
    ("PidTagDeletedCountTotal", PropTag(0x670B_0003)),
    ("MetaTagIdsetGiven", state::META_TAG_IDSET_GIVEN),
    ("MetaTagCnsetSeen", state::META_TAG_CNSET_SEEN),
    ("MetaTagCnsetSeenFAI", state::META_TAG_CNSET_SEEN_FAI),
    ("MetaTagCnsetRead", state::META_TAG_CNSET_READ),
    ("MetaTagIdsetDeleted", PropTag(0x67E5_0102)),
    ("MetaTagIdsetNoLongerInScope", PropTag(0x4021_0102)),
    ("MetaTagIdsetExpired", PropTag(0x6793_0102)),
    ("MetaTagIdsetRead", PropTag(0x402D_0102)),
    ("MetaTagIdsetUnread", PropTag(0x402E_0102)),
];

/// `{prop}`: a spec name or a hex tag.
pub fn prop(s: &str) -> Result<PropTag, String> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x") {
        return u32::from_str_radix(h, 16)
            .map(PropTag)
            .map_err(|_| format!("`{s}` is not a property tag"));
    }
    PROPS
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| format!("unknown property `{s}`"))
}

/// `{props}`.
pub fn props(s: &str) -> Result<Vec<PropTag>, String> {
    s.split(',').map(prop).collect()
}

/// `{names}`.
pub fn names(s: &str) -> Vec<String> {
    s.split(',').map(|n| n.trim().to_owned()).collect()
}

/// `{stateprop}`: short or full name.
pub fn state_prop(s: &str) -> Result<state::StateProperty, String> {
    let full = if s.starts_with("MetaTag") {
        s.to_owned()
    } else {
        format!("MetaTag{s}")
    };
    state::StateProperty::from_tag(prop(&full)?)
        .ok_or_else(|| format!("`{s}` is not a state property"))
}

/// `{value}`: a quoted string, an integer, hex, true or false.
pub fn value(s: &str, tag: PropTag) -> Result<ics_wire::prop::PropValue, String> {
    use ics_wire::prop::PropValue;
    if let Some(t) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        return Ok(match tag.0 & 0xFFFF {
            0x0102 => PropValue::Binary(t.as_bytes().to_vec()),
            0x001E => PropValue::String8(t.as_bytes().to_vec()),
            _ => PropValue::unicode(t),
        });
    }
    match s {
        "true" => return Ok(PropValue::Boolean(true)),
        "false" => return Ok(PropValue::Boolean(false)),
        _ => {}
    }
    let n = number(s.trim_start_matches('-'))? as i64 * if s.starts_with('-') { -1 } else { 1 };
    Ok(match tag.0 & 0xFFFF {
        0x0014 => PropValue::I64(n),
        0x0002 => PropValue::I16(n as i16),
        _ => PropValue::I32(n as i32),
    })
}
