//! Evaluating a restriction against a message ([MS-OXCDATA] 2.12): the
//! RestrictionData of RopSynchronizationConfigure narrows the scope of a
//! contents download.
//!
//! This is the evaluation model; RestrictionData bytes are decoded by the
//! ROP layer and converted into this form (`session::config::convert`, with
//! [`convert_more`] for CompareProperties, Size, SubObject and Comment).
//! Of the twelve restriction types only CountRestriction (2.12.12), which
//! limits matches over a table rather than testing one message, and
//! RELOP_RE / RELOP_MEMBER_OF_DL operators are not evaluated: a configure
//! with them fails with ecTooComplex (0x80040117, group Y "Malformed
//! RestrictionData").

use std::cmp::Ordering;

use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::rop::restriction::Restriction as WireRestriction;

use crate::mailbox::{Message, MessageContent, PropertyBag};

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

impl RelOp {
    /// The RelOp byte ([MS-OXCDATA] 2.12.5: RELOP_LT 0x00 .. RELOP_NE 0x05);
    /// `None` for RELOP_RE, RELOP_MEMBER_OF_DL and unknown values.
    pub fn from_wire(v: u8) -> Option<Self> {
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

    fn holds(self, ord: Ordering) -> bool {
        match self {
            RelOp::Lt => ord == Ordering::Less,
            RelOp::Le => ord != Ordering::Greater,
            RelOp::Gt => ord == Ordering::Greater,
            RelOp::Ge => ord != Ordering::Less,
            RelOp::Eq => ord == Ordering::Equal,
            RelOp::Ne => ord != Ordering::Equal,
        }
    }
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
    /// RES_COMPAREPROPS (2.12.6): two properties of the object compared.
    CompareProps {
        /// Operator.
        op: RelOp,
        /// First property.
        tag1: PropTag,
        /// Second property.
        tag2: PropTag,
    },
    /// RES_SIZE (2.12.8): the byte size of a property value compared.
    Size {
        /// Operator.
        op: RelOp,
        /// Property.
        tag: PropTag,
        /// Size in bytes.
        size: u32,
    },
    /// RES_SUBRESTRICTION (2.12.10): some recipient (or attachment) of the
    /// message satisfies the restriction.
    SubObject {
        /// PidTagMessageAttachments (true) or PidTagMessageRecipients (false).
        attachments: bool,
        /// Restriction on the subobject's properties.
        restriction: Box<Restriction>,
    },
    /// RES_COMMENT (2.12.11): its restriction if present, else true.
    Comment(Option<Box<Restriction>>),
}

impl Restriction {
    /// True if the message satisfies the restriction. A missing property
    /// fails every comparison ([MS-OXCDATA] 2.12.5).
    pub fn matches(&self, m: &Message) -> bool {
        self.eval(&|t| value_of(m, t), Some(&m.content))
    }

    /// Evaluates against the properties `get` gives; `content` holds the
    /// subobjects a SubObject restriction looks at (none below a subobject).
    fn eval(
        &self,
        get: &dyn Fn(PropTag) -> Option<PropValue>,
        content: Option<&MessageContent>,
    ) -> bool {
        match self {
            Restriction::And(rs) => rs.iter().all(|r| r.eval(get, content)),
            Restriction::Or(rs) => rs.iter().any(|r| r.eval(get, content)),
            Restriction::Not(r) => !r.eval(get, content),
            Restriction::Exist(t) => get(*t).is_some(),
            Restriction::Property { op, tag, value } => get(*tag)
                .and_then(|v| compare(&v, value))
                .is_some_and(|o| op.holds(o)),
            Restriction::Substring {
                tag,
                text,
                ignore_case,
            } => match get(*tag).as_ref().and_then(text_of) {
                Some(s) if *ignore_case => s.to_lowercase().contains(&text.to_lowercase()),
                Some(s) => s.contains(text.as_str()),
                None => false,
            },
            Restriction::Bitmask { tag, mask, nonzero } => match get(*tag) {
                Some(PropValue::I32(v)) => ((v as u32 & mask) != 0) == *nonzero,
                _ => false,
            },
            Restriction::CompareProps { op, tag1, tag2 } => match (get(*tag1), get(*tag2)) {
                (Some(a), Some(b)) => compare(&a, &b).is_some_and(|o| op.holds(o)),
                _ => false,
            },
            Restriction::Size { op, tag, size } => get(*tag)
                .and_then(|v| value_size(&v))
                .is_some_and(|n| op.holds(n.cmp(size))),
            Restriction::SubObject {
                attachments,
                restriction,
            } => {
                let Some(c) = content else { return false };
                let bags: Vec<&PropertyBag> = if *attachments {
                    c.attachments.iter().map(|a| &a.props).collect()
                } else {
                    c.recipients.iter().collect()
                };
                bags.into_iter()
                    .any(|b| restriction.eval(&|t| b.get(t).cloned(), None))
            }
            Restriction::Comment(r) => r.as_ref().is_none_or(|r| r.eval(get, content)),
        }
    }
}

/// PidTagMessageRecipients / PidTagMessageAttachments (2.12.10 Subobject).
const SUBOBJECT_RECIPIENTS: u32 = 0x0E12_000D;
const SUBOBJECT_ATTACHMENTS: u32 = 0x0E13_000D;

/// The wire restrictions `session::config::convert` does not map itself:
/// CompareProperties, Size, SubObject (recipients or attachments) and
/// Comment; `convert` maps their children. `None` (ecTooComplex) for Count,
/// other subobjects and operators that are not evaluated.
pub fn convert_more(
    r: &WireRestriction,
    convert: fn(&WireRestriction) -> Option<Restriction>,
) -> Option<Restriction> {
    Some(match r {
        WireRestriction::CompareProperties {
            rel_op,
            prop_tag1,
            prop_tag2,
        } => Restriction::CompareProps {
            op: RelOp::from_wire(*rel_op)?,
            tag1: *prop_tag1,
            tag2: *prop_tag2,
        },
        WireRestriction::Size {
            rel_op,
            prop_tag,
            size,
        } => Restriction::Size {
            op: RelOp::from_wire(*rel_op)?,
            tag: *prop_tag,
            size: *size,
        },
        WireRestriction::SubObject {
            subobject,
            restriction,
        } => Restriction::SubObject {
            attachments: match subobject.0 {
                SUBOBJECT_RECIPIENTS => false,
                SUBOBJECT_ATTACHMENTS => true,
                _ => return None,
            },
            restriction: Box::new(convert(restriction)?),
        },
        WireRestriction::Comment { restriction, .. } => Restriction::Comment(match restriction {
            Some(x) => Some(Box::new(convert(x)?)),
            None => None,
        }),
        _ => return None,
    })
}

/// Byte size of a value as [MS-OXCDATA] 2.12.8 compares it: the value's
/// bytes without count fields or terminators (UTF-16 strings two bytes a
/// unit), multi-valued properties summed.
fn value_size(v: &PropValue) -> Option<u32> {
    use PropValue as V;
    let n: usize = match v {
        V::I16(_) => 2,
        V::I32(_) | V::F32(_) | V::ErrorCode(_) => 4,
        V::I64(_) | V::F64(_) | V::Currency(_) | V::Time(_) | V::FloatingTime(_) => 8,
        V::Boolean(_) => 1,
        V::Guid(_) => 16,
        V::Unicode(s) => 2 * s.0.len(),
        V::String8(b) | V::Binary(b) | V::ServerId(b) | V::Object(b) => b.len(),
        V::MvUnicode(xs) => xs.iter().map(|s| 2 * s.0.len()).sum(),
        V::MvString8(xs) | V::MvBinary(xs) => xs.iter().map(Vec::len).sum(),
        V::MvI16(xs) => 2 * xs.len(),
        V::MvI32(xs) => 4 * xs.len(),
        V::MvF32(xs) => 4 * xs.len(),
        V::MvI64(xs) | V::MvCurrency(xs) => 8 * xs.len(),
        V::MvTime(xs) => 8 * xs.len(),
        V::MvF64(xs) | V::MvFloatingTime(xs) => 8 * xs.len(),
        V::MvGuid(xs) => 16 * xs.len(),
        _ => return None,
    };
    u32::try_from(n).ok()
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

    #[test]
    fn compare_size_subobject_comment_and_count() {
        use crate::mailbox::{Attachment, PropertyBag};
        use ics_wire::rop::value::TaggedPropertyValue;
        let mut mb = Mailbox::default();
        let f = mb.create_folder(mb.root(), "F").unwrap();
        let display = PropTag(0x3001_001F);
        let mut content = MessageContent::with_props([
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("abc"),
            },
            TaggedValue {
                tag: PropTag(0x0E1D_001F), // PidTagNormalizedSubject
                value: PropValue::unicode("abc"),
            },
        ]);
        content
            .recipients
            .push(PropertyBag::from_values([TaggedValue {
                tag: display,
                value: PropValue::unicode("Bob"),
            }]));
        content.attachments.push(Attachment::default());
        let mid = mb.create_message(f, false, content).unwrap();
        let m = mb.message(mid).unwrap();
        let eq = Restriction::CompareProps {
            op: RelOp::Eq,
            tag1: tags::PID_TAG_SUBJECT,
            tag2: PropTag(0x0E1D_001F),
        };
        assert!(eq.matches(m));
        let size = |op, size| Restriction::Size {
            op,
            tag: tags::PID_TAG_SUBJECT,
            size,
        };
        assert!(size(RelOp::Eq, 6).matches(m));
        assert!(!size(RelOp::Gt, 6).matches(m));
        let bob = |attachments| Restriction::SubObject {
            attachments,
            restriction: Box::new(Restriction::Property {
                op: RelOp::Eq,
                tag: display,
                value: PropValue::unicode("Bob"),
            }),
        };
        assert!(bob(false).matches(m));
        assert!(!bob(true).matches(m));
        assert!(Restriction::Comment(None).matches(m));
        assert!(!Restriction::Comment(Some(Box::new(bob(true)))).matches(m));
        // Wire forms: Count and unknown subobjects stay ecTooComplex.
        let exist = WireRestriction::Exist {
            prop_tag: tags::PID_TAG_SUBJECT,
        };
        fn conv(r: &WireRestriction) -> Option<Restriction> {
            match r {
                WireRestriction::Exist { prop_tag } => Some(Restriction::Exist(*prop_tag)),
                _ => None,
            }
        }
        assert_eq!(
            convert_more(
                &WireRestriction::SubObject {
                    subobject: PropTag(0x0E12_000D),
                    restriction: Box::new(exist.clone()),
                },
                conv
            ),
            Some(Restriction::SubObject {
                attachments: false,
                restriction: Box::new(Restriction::Exist(tags::PID_TAG_SUBJECT))
            })
        );
        assert_eq!(
            convert_more(
                &WireRestriction::SubObject {
                    subobject: PropTag(0x3701_000D),
                    restriction: Box::new(exist.clone()),
                },
                conv
            ),
            None
        );
        assert_eq!(
            convert_more(
                &WireRestriction::Count {
                    count: 1,
                    sub_restriction: Box::new(exist.clone()),
                },
                conv
            ),
            None
        );
        assert_eq!(
            convert_more(
                &WireRestriction::Size {
                    rel_op: 6, // RELOP_RE
                    prop_tag: tags::PID_TAG_SUBJECT,
                    size: 1,
                },
                conv
            ),
            None
        );
        assert_eq!(
            convert_more(
                &WireRestriction::Comment {
                    tagged_values: vec![TaggedPropertyValue::new(
                        tags::PID_TAG_SUBJECT,
                        PropValue::unicode("c")
                    )],
                    restriction: None,
                },
                conv
            ),
            Some(Restriction::Comment(None))
        );
    }
}
