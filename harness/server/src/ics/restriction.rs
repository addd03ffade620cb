//! Evaluating a restriction against a message ([MS-OXCDATA] 2.12): the
//! RestrictionData of RopSynchronizationConfigure narrows the scope of a
//! contents download.
//!
//! This is the evaluation model only; RestrictionData bytes are decoded by
//! the ROP layer and converted into this form.

use std::cmp::Ordering;

use ics_wire::prop::{PropTag, PropValue, tags};

use crate::mailbox::Message;

/// Relational operator of a property restriction ([MS-OXCDATA] 2.12.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelOp {
    /// RELOP_LT.
    Lt,
    /// RELOP_LE.
    Le,
    /// RELOP_GT.
    Gt,
    /// RELOP_GE.
    Ge,
    /// RELOP_EQ.
    Eq,
    /// RELOP_NE.
    Ne,
}

/// A restriction tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Restriction {
    /// RES_AND.
    And(Vec<Restriction>),
    /// RES_OR.
    Or(Vec<Restriction>),
    /// RES_NOT.
    Not(Box<Restriction>),
    /// RES_EXIST.
    Exist(PropTag),
    /// RES_PROPERTY: compare the property with a value.
    Property {
        /// Operator.
        op: RelOp,
        /// Property.
        tag: PropTag,
        /// Operand.
        value: PropValue,
    },
    /// RES_CONTENT with FL_SUBSTRING.
    Substring {
        /// String property.
        tag: PropTag,
        /// Text looked for.
        text: String,
        /// FL_IGNORECASE.
        ignore_case: bool,
    },
    /// RES_BITMASK.
    Bitmask {
        /// PtypInteger32 property.
        tag: PropTag,
        /// Mask.
        mask: u32,
        /// BMR_NEZ (true) or BMR_EQZ (false).
        nonzero: bool,
    },
}

impl Restriction {
    /// True if the message satisfies the restriction. A missing property
    /// fails every comparison ([MS-OXCDATA] 2.12.5).
    pub fn matches(&self, m: &Message) -> bool {
        match self {
            Restriction::And(rs) => rs.iter().all(|r| r.matches(m)),
            Restriction::Or(rs) => rs.iter().any(|r| r.matches(m)),
            Restriction::Not(r) => !r.matches(m),
            Restriction::Exist(t) => value_of(m, *t).is_some(),
            Restriction::Property { op, tag, value } => {
                let Some(v) = value_of(m, *tag) else {
                    return false;
                };
                let Some(ord) = compare(&v, value) else {
                    return false;
                };
                match op {
                    RelOp::Lt => ord == Ordering::Less,
                    RelOp::Le => ord != Ordering::Greater,
                    RelOp::Gt => ord == Ordering::Greater,
                    RelOp::Ge => ord != Ordering::Less,
                    RelOp::Eq => ord == Ordering::Equal,
                    RelOp::Ne => ord != Ordering::Equal,
                }
            }
            Restriction::Substring {
                tag,
                text,
                ignore_case,
            } => match value_of(m, *tag).as_ref().and_then(text_of) {
                Some(s) if *ignore_case => s.to_lowercase().contains(&text.to_lowercase()),
                Some(s) => s.contains(text.as_str()),
                None => false,
            },
            Restriction::Bitmask { tag, mask, nonzero } => match value_of(m, *tag) {
                Some(PropValue::I32(v)) => ((v as u32 & mask) != 0) == *nonzero,
                _ => false,
            },
        }
    }
}

fn value_of(m: &Message, tag: PropTag) -> Option<PropValue> {
    if tag.id() == tags::PID_TAG_MESSAGE_FLAGS.id() {
        return Some(PropValue::I32(m.message_flags()));
    }
    if tag.id() == tags::PID_TAG_LAST_MODIFICATION_TIME.id() {
        return Some(PropValue::Time(m.last_modified));
    }
    m.content.props.get(tag).cloned()
}

fn text_of(v: &PropValue) -> Option<String> {
    match v {
        PropValue::Unicode(s) => Some(s.to_string_lossy()),
        PropValue::String8(b) => Some(b.iter().map(|&c| c as char).collect()),
        _ => None,
    }
}

fn number_of(v: &PropValue) -> Option<i128> {
    Some(match v {
        PropValue::I16(x) => i128::from(*x),
        PropValue::I32(x) => i128::from(*x),
        PropValue::I64(x) | PropValue::Currency(x) => i128::from(*x),
        PropValue::Time(x) => i128::from(*x),
        PropValue::Boolean(b) => i128::from(*b),
        PropValue::ErrorCode(x) => i128::from(*x),
        _ => return None,
    })
}

fn compare(a: &PropValue, b: &PropValue) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (number_of(a), number_of(b)) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (text_of(a), text_of(b)) {
        return Some(x.cmp(&y));
    }
    match (a, b) {
        (PropValue::Binary(x), PropValue::Binary(y)) => Some(x.cmp(y)),
        (PropValue::Guid(x), PropValue::Guid(y)) => Some(x.cmp(y)),
        (PropValue::F64(x), PropValue::F64(y)) => x.partial_cmp(y),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::{Mailbox, MessageContent};
    use ics_wire::prop::TaggedValue;

    #[test]
    fn evaluates_tree() {
        let mut mb = Mailbox::default();
        let f = mb.create_folder(mb.root(), "F").unwrap();
        let mid = mb
            .create_message(
                f,
                false,
                MessageContent::with_props([
                    TaggedValue {
                        tag: tags::PID_TAG_SUBJECT,
                        value: PropValue::unicode("Quarterly Report"),
                    },
                    TaggedValue {
                        tag: PropTag(0x0017_0003),
                        value: PropValue::I32(2),
                    },
                ]),
            )
            .unwrap();
        let m = mb.message(mid).unwrap();
        let sub = Restriction::Substring {
            tag: tags::PID_TAG_SUBJECT,
            text: "report".into(),
            ignore_case: true,
        };
        let imp = Restriction::Property {
            op: RelOp::Ge,
            tag: PropTag(0x0017_0003),
            value: PropValue::I32(2),
        };
        assert!(Restriction::And(vec![sub.clone(), imp.clone()]).matches(m));
        assert!(!Restriction::Not(Box::new(imp)).matches(m));
        assert!(
            !Restriction::Substring {
                tag: tags::PID_TAG_SUBJECT,
                text: "report".into(),
                ignore_case: false
            }
            .matches(m)
        );
        assert!(!Restriction::Exist(tags::PID_TAG_BODY).matches(m));
        let unread = Restriction::Bitmask {
            tag: tags::PID_TAG_MESSAGE_FLAGS,
            mask: 1,
            nonzero: false,
        };
        assert!(unread.matches(m));
        assert!(
            !Restriction::Property {
                op: RelOp::Eq,
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("x")
            }
            .matches(m)
        );
    }
}
