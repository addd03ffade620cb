//! Restrictions ([MS-OXCDATA] 2.12) in the ROP-buffer encoding (u16 counts),
//! as RopSynchronizationConfigure's RestrictionData carries them
//! ([MS-OXCFXICS] 2.2.3.2.1.1.1).

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::error::{DecodeResult, EncodeError, EncodeResult, RopError};
use super::value::{TaggedPropertyValue, put_count8, put_count16, read_tag};

/// Deepest nesting the decoder and encoder accept (guards the stack).
pub const MAX_DEPTH: usize = 32;

/// A restriction packet ([MS-OXCDATA] 2.12.1–2.12.12); RestrictType first.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Restriction {
    /// 0x00 AndRestriction (2.12.1).
    And(Vec<Restriction>),
    /// 0x01 OrRestriction (2.12.2).
    Or(Vec<Restriction>),
    /// 0x02 NotRestriction (2.12.3).
    Not(Box<Restriction>),
    /// 0x03 ContentRestriction (2.12.4).
    Content {
        /// FuzzyLevelLow.
        fuzzy_level_low: u16,
        /// FuzzyLevelHigh.
        fuzzy_level_high: u16,
        /// PropertyTag.
        #[serde(serialize_with = "super::common::ser_tag")]
        property_tag: PropTag,
        /// TaggedValue.
        tagged_value: TaggedPropertyValue,
    },
    /// 0x04 PropertyRestriction (2.12.5).
    Property {
        /// RelOp.
        rel_op: u8,
        /// PropTag.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag: PropTag,
        /// TaggedValue.
        tagged_value: TaggedPropertyValue,
    },
    /// 0x05 ComparePropertiesRestriction (2.12.6).
    CompareProperties {
        /// RelOp.
        rel_op: u8,
        /// PropTag1.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag1: PropTag,
        /// PropTag2.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag2: PropTag,
    },
    /// 0x06 BitMaskRestriction (2.12.7).
    BitMask {
        /// BitmapRelOp.
        bitmap_rel_op: u8,
        /// PropTag.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag: PropTag,
        /// Mask.
        mask: u32,
    },
    /// 0x07 SizeRestriction (2.12.8).
    Size {
        /// RelOp.
        rel_op: u8,
        /// PropTag.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag: PropTag,
        /// Size.
        size: u32,
    },
    /// 0x08 ExistRestriction (2.12.9).
    Exist {
        /// PropTag.
        #[serde(serialize_with = "super::common::ser_tag")]
        prop_tag: PropTag,
    },
    /// 0x09 SubObjectRestriction (2.12.10).
    SubObject {
        /// Subobject (PidTagMessageRecipients or PidTagMessageAttachments).
        #[serde(serialize_with = "super::common::ser_tag")]
        subobject: PropTag,
        /// Restriction.
        restriction: Box<Restriction>,
    },
    /// 0x0A CommentRestriction (2.12.11).
    Comment {
        /// TaggedValues (TaggedValuesCount is one byte).
        tagged_values: Vec<TaggedPropertyValue>,
        /// Restriction, present iff RestrictionPresent is 0x01.
        restriction: Option<Box<Restriction>>,
    },
    /// 0x0B CountRestriction (2.12.12).
    Count {
        /// Count.
        count: u32,
        /// SubRestriction.
        sub_restriction: Box<Restriction>,
    },
}

impl Restriction {
    /// Reads one restriction.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Self::read_depth(r, 0)
    }

    fn read_depth(r: &mut Reader<'_>, depth: usize) -> DecodeResult<Self> {
        let offset = r.offset();
        if depth >= MAX_DEPTH {
            return Err(RopError::TooDeep {
                offset,
                max: MAX_DEPTH,
            });
        }
        let sub = |r: &mut Reader<'_>| Self::read_depth(r, depth + 1).map(Box::new);
        const F: &str = "RestrictionData";
        Ok(match r.u8("RestrictType")? {
            t @ (0x00 | 0x01) => {
                let n = r.u16("RestrictCount")? as usize;
                r.check_count(n, 1, "Restricts")?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(Self::read_depth(r, depth + 1)?);
                }
                if t == 0 {
                    Restriction::And(v)
                } else {
                    Restriction::Or(v)
                }
            }
            0x02 => Restriction::Not(sub(r)?),
            0x03 => Restriction::Content {
                fuzzy_level_low: r.u16("FuzzyLevelLow")?,
                fuzzy_level_high: r.u16("FuzzyLevelHigh")?,
                property_tag: read_tag(r, "PropertyTag")?,
                tagged_value: TaggedPropertyValue::read(r, "TaggedValue")?,
            },
            0x04 => Restriction::Property {
                rel_op: r.u8("RelOp")?,
                prop_tag: read_tag(r, "PropTag")?,
                tagged_value: TaggedPropertyValue::read(r, "TaggedValue")?,
            },
            0x05 => Restriction::CompareProperties {
                rel_op: r.u8("RelOp")?,
                prop_tag1: read_tag(r, "PropTag1")?,
                prop_tag2: read_tag(r, "PropTag2")?,
            },
            0x06 => Restriction::BitMask {
                bitmap_rel_op: r.u8("BitmapRelOp")?,
                prop_tag: read_tag(r, "PropTag")?,
                mask: r.u32("Mask")?,
            },
            0x07 => Restriction::Size {
                rel_op: r.u8("RelOp")?,
                prop_tag: read_tag(r, "PropTag")?,
                size: r.u32("Size")?,
            },
            0x08 => Restriction::Exist {
                prop_tag: read_tag(r, "PropTag")?,
            },
            0x09 => Restriction::SubObject {
                subobject: read_tag(r, "Subobject")?,
                restriction: sub(r)?,
            },
            0x0A => {
                let n = r.u8("TaggedValuesCount")? as usize;
                let tagged_values = TaggedPropertyValue::read_many(r, n, "TaggedValues")?;
                let p_off = r.offset();
                let restriction = match r.u8("RestrictionPresent")? {
                    0 => None,
                    1 => Some(sub(r)?),
                    v => {
                        return Err(RopError::BadValue {
                            offset: p_off,
                            field: "RestrictionPresent",
                            value: v as u64,
                            reason: "must be 0x00 or 0x01",
                        });
                    }
                };
                Restriction::Comment {
                    tagged_values,
                    restriction,
                }
            }
            0x0B => Restriction::Count {
                count: r.u32("Count")?,
                sub_restriction: sub(r)?,
            },
            v => {
                return Err(RopError::BadValue {
                    offset,
                    field: F,
                    value: v as u64,
                    reason: "unknown RestrictType",
                });
            }
        })
    }

    /// Writes it.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        self.write_depth(out, 0)
    }

    fn write_depth(&self, out: &mut Vec<u8>, depth: usize) -> EncodeResult {
        if depth >= MAX_DEPTH {
            return Err(EncodeError::TooLong {
                field: "Restriction nesting",
                len: depth + 1,
                max: MAX_DEPTH,
            });
        }
        let d = depth + 1;
        match self {
            Restriction::And(v) | Restriction::Or(v) => {
                out.put_u8(if matches!(self, Restriction::And(_)) {
                    0
                } else {
                    1
                });
                put_count16(out, v.len(), "RestrictCount")?;
                for x in v {
                    x.write_depth(out, d)?;
                }
            }
            Restriction::Not(x) => {
                out.put_u8(2);
                x.write_depth(out, d)?;
            }
            Restriction::Content {
                fuzzy_level_low,
                fuzzy_level_high,
                property_tag,
                tagged_value,
            } => {
                out.put_u8(3);
                out.put_u16(*fuzzy_level_low);
                out.put_u16(*fuzzy_level_high);
                out.put_u32(property_tag.0);
                tagged_value.write(out, "TaggedValue")?;
            }
            Restriction::Property {
                rel_op,
                prop_tag,
                tagged_value,
            } => {
                out.put_u8(4);
                out.put_u8(*rel_op);
                out.put_u32(prop_tag.0);
                tagged_value.write(out, "TaggedValue")?;
            }
            Restriction::CompareProperties {
                rel_op,
                prop_tag1,
                prop_tag2,
            } => {
                out.put_u8(5);
                out.put_u8(*rel_op);
                out.put_u32(prop_tag1.0);
                out.put_u32(prop_tag2.0);
            }
            Restriction::BitMask {
                bitmap_rel_op,
                prop_tag,
                mask,
            } => {
                out.put_u8(6);
                out.put_u8(*bitmap_rel_op);
                out.put_u32(prop_tag.0);
                out.put_u32(*mask);
            }
            Restriction::Size {
                rel_op,
                prop_tag,
                size,
            } => {
                out.put_u8(7);
                out.put_u8(*rel_op);
                out.put_u32(prop_tag.0);
                out.put_u32(*size);
            }
            Restriction::Exist { prop_tag } => {
                out.put_u8(8);
                out.put_u32(prop_tag.0);
            }
            Restriction::SubObject {
                subobject,
                restriction,
            } => {
                out.put_u8(9);
                out.put_u32(subobject.0);
                restriction.write_depth(out, d)?;
            }
            Restriction::Comment {
                tagged_values,
                restriction,
            } => {
                out.put_u8(0x0A);
                put_count8(out, tagged_values.len(), "TaggedValuesCount")?;
                for t in tagged_values {
                    t.write(out, "TaggedValues")?;
                }
                match restriction {
                    None => out.put_u8(0),
                    Some(x) => {
                        out.put_u8(1);
                        x.write_depth(out, d)?;
                    }
                }
            }
            Restriction::Count {
                count,
                sub_restriction,
            } => {
                out.put_u8(0x0B);
                out.put_u32(*count);
                sub_restriction.write_depth(out, d)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prop::tags;

    /// rops.md §6: ExistRestriction on PidTagMessageClass, `08 1F 00 1A 00`.
    #[test]
    fn rops_md_6_exist_restriction_example() {
        let bytes = [0x08, 0x1F, 0x00, 0x1A, 0x00];
        let r = Restriction::read(&mut Reader::new(&bytes)).unwrap();
        assert_eq!(
            r,
            Restriction::Exist {
                prop_tag: tags::PID_TAG_MESSAGE_CLASS
            }
        );
        let mut out = Vec::new();
        r.write(&mut out).unwrap();
        assert_eq!(out, bytes);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let bytes = vec![0x02u8; 100_000];
        let e = Restriction::read(&mut Reader::new(&bytes)).unwrap_err();
        assert!(matches!(e, RopError::TooDeep { .. }), "{e:?}");
    }
}
