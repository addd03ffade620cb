//! RopSynchronizationConfigure validation and translation into engine
//! options ([MS-OXCFXICS] 2.2.3.2.1.1, 3.2.5.9.1.1; server-rules.md groups F,
//! G, H and the SendOptions "Project decision" of group Y).

use ics_wire::prop::PropValue;
use ics_wire::rop::ErrorCode;
use ics_wire::rop::flags::{
    SendOptions, SynchronizationExtraFlags as X, SynchronizationFlags as F, SynchronizationType,
};
use ics_wire::rop::restriction::Restriction as WireRestriction;
use ics_wire::rop::sync::SynchronizationConfigureRequest;

use super::profile::Profile;
use crate::ics::{RelOp, Restriction, StringForm, SyncKind, SyncOptions};

/// ecTooComplex: a restriction this server cannot evaluate.
pub const EC_TOO_COMPLEX: u32 = 0x8004_0117;

/// Validates a configure request and returns the engine options, or the
/// ReturnValue to fail the ROP with.
pub fn configure(
    req: &SynchronizationConfigureRequest,
    profile: &Profile,
) -> Result<SyncOptions, ErrorCode> {
    let kind = match req.synchronization_type {
        SynchronizationType::CONTENTS => SyncKind::Contents,
        SynchronizationType::HIERARCHY => SyncKind::Hierarchy,
        _ => return Err(ErrorCode::InvalidParameter),
    };
    let so = req.send_options;
    // Group Y project decision: the unknown bit 0x80 always fails; Reserved1/2
    // are ignored by default (current [MS-OXCFXICS]) and fail under `strict`
    // (2010 [MS-OXCSYNC] R-331).
    if so.unknown_bits() != 0 && !profile.accept_unknown_send_options {
        return Err(ErrorCode::InvalidParameter);
    }
    if profile.strict_send_options
        && (so.contains(SendOptions::RESERVED1) || so.contains(SendOptions::RESERVED2))
    {
        return Err(ErrorCode::InvalidParameter);
    }
    let sf = req.synchronization_flags;
    // Reserved 0x1000 MUST fail; R-077: unknown bits SHOULD fail.
    if sf.contains(F::RESERVED) || sf.unknown_bits() != 0 {
        return Err(ErrorCode::InvalidParameter);
    }
    // unknown SynchronizationExtraFlags are ignored.
    let xf = req.synchronization_extra_flags;
    if kind == SyncKind::Hierarchy && req.restriction_data.is_some() {
        return Err(ErrorCode::InvalidParameter); // R-072, table Y
    }
    let restriction = match &req.restriction_data {
        Some(r) => Some(convert(r).ok_or(ErrorCode::from_u32(EC_TOO_COMPLEX))?),
        None => None,
    };
    let strings = if so.contains(SendOptions::USE_CPID) {
        StringForm::UseCpid
    } else if so.contains(SendOptions::FORCE_UNICODE) {
        StringForm::ForceUnicode
    } else if so.contains(SendOptions::UNICODE) || sf.contains(F::UNICODE) {
        StringForm::AsStored
    } else {
        StringForm::CodePage
    };
    let contents = kind == SyncKind::Contents;
    Ok(SyncOptions {
        kind,
        // Contents-only flags are ignored for hierarchy (R-073, table Y).
        normal: contents && sf.contains(F::NORMAL),
        fai: contents && sf.contains(F::FAI),
        read_state: contents && sf.contains(F::READ_STATE),
        no_deletions: sf.contains(F::NO_DELETIONS),
        ignore_no_longer_in_scope: sf.contains(F::IGNORE_NO_LONGER_IN_SCOPE),
        only_specified_properties: contents && sf.contains(F::ONLY_SPECIFIED_PROPERTIES),
        ignore_specified_on_fai: contents && sf.contains(F::IGNORE_SPECIFIED_ON_FAI),
        no_foreign_identifiers: sf.contains(F::NO_FOREIGN_IDENTIFIERS),
        best_body: sf.contains(F::BEST_BODY),
        progress: contents && sf.contains(F::PROGRESS),
        eid: xf.contains(X::EID),
        message_size: contents && xf.contains(X::MESSAGE_SIZE),
        change_number: contents && xf.contains(X::CN),
        order_by_delivery_time: contents && xf.contains(X::ORDER_BY_DELIVERY_TIME),
        recover_mode: so.contains(SendOptions::RECOVER_MODE),
        partial_item: contents && so.contains(SendOptions::PARTIAL_ITEM),
        strings,
        property_tags: req.property_tags.clone(),
        restriction,
        expired: contents && profile.idset_expired,
    })
}

fn rel_op(v: u8) -> Option<RelOp> {
    Some(match v {
        0 => RelOp::Lt,
        1 => RelOp::Le,
        2 => RelOp::Gt,
        3 => RelOp::Ge,
        4 => RelOp::Eq,
        5 => RelOp::Ne,
        _ => return None,
    })
}

fn text(v: &PropValue) -> Option<String> {
    match v {
        PropValue::Unicode(s) => Some(s.to_string_lossy()),
        PropValue::String8(b) => Some(b.iter().map(|&c| c as char).collect()),
        _ => None,
    }
}

/// The evaluable subset of [MS-OXCDATA] 2.12: And, Or, Not, Exist,
/// Property, BitMask, Content (FL_FULLSTRING / FL_SUBSTRING, FL_IGNORECASE).
pub fn convert(r: &WireRestriction) -> Option<Restriction> {
    Some(match r {
        WireRestriction::And(v) => Restriction::And(v.iter().map(convert).collect::<Option<_>>()?),
        WireRestriction::Or(v) => Restriction::Or(v.iter().map(convert).collect::<Option<_>>()?),
        WireRestriction::Not(x) => Restriction::Not(Box::new(convert(x)?)),
        WireRestriction::Exist { prop_tag } => Restriction::Exist(*prop_tag),
        WireRestriction::Property {
            rel_op: op,
            prop_tag,
            tagged_value,
        } => Restriction::Property {
            op: rel_op(*op)?,
            tag: *prop_tag,
            value: tagged_value.0.value.clone(),
        },
        WireRestriction::BitMask {
            bitmap_rel_op,
            prop_tag,
            mask,
        } => Restriction::Bitmask {
            tag: *prop_tag,
            mask: *mask,
            nonzero: match bitmap_rel_op {
                0 => false,
                1 => true,
                _ => return None,
            },
        },
        WireRestriction::Content {
            fuzzy_level_low,
            fuzzy_level_high,
            property_tag,
            tagged_value,
        } => {
            let t = text(&tagged_value.0.value)?;
            let ignore_case = fuzzy_level_high & 0x0001 != 0;
            match fuzzy_level_low {
                0 if !ignore_case => Restriction::Property {
                    op: RelOp::Eq,
                    tag: *property_tag,
                    value: tagged_value.0.value.clone(),
                },
                1 => Restriction::Substring {
                    tag: *property_tag,
                    text: t,
                    ignore_case,
                },
                _ => return None,
            }
        }
        other => return crate::ics::restriction::convert_more(other, convert),
    })
}
