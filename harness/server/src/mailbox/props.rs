//! A property bag: the properties of one object, sorted by tag, one value per
//! property id ([MS-OXCDATA] 2.9: an object holds a property id once).

use ics_wire::prop::{PropTag, PropValue, TaggedValue};

/// Properties of an object, kept sorted by property id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PropertyBag {
    values: Vec<TaggedValue>,
}

impl PropertyBag {
    /// An empty bag.
    pub fn new() -> Self {
        Self::default()
    }

    /// A bag from values; a later value for the same property id wins.
    pub fn from_values(values: impl IntoIterator<Item = TaggedValue>) -> Self {
        let mut bag = Self::new();
        for v in values {
            bag.set(v.tag, v.value);
        }
        bag
    }

    fn find(&self, id: u16) -> Result<usize, usize> {
        self.values.binary_search_by_key(&id, |v| v.tag.id())
    }

    /// Sets a property (replacing any value with the same property id,
    /// whatever its type). The tag's type is taken from the value.
    pub fn set(&mut self, tag: PropTag, value: PropValue) {
        let tag = tag.with_type(value.prop_type());
        match self.find(tag.id()) {
            Ok(i) => self.values[i] = TaggedValue { tag, value },
            Err(i) => self.values.insert(i, TaggedValue { tag, value }),
        }
    }

    /// Removes the property with this tag's id; true if it was present.
    pub fn remove(&mut self, tag: PropTag) -> bool {
        match self.find(tag.id()) {
            Ok(i) => {
                self.values.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// The value of the property with this tag's id.
    pub fn get(&self, tag: PropTag) -> Option<&PropValue> {
        self.find(tag.id()).ok().map(|i| &self.values[i].value)
    }

    /// The stored tag (with its stored type) for this tag's id.
    pub fn stored_tag(&self, tag: PropTag) -> Option<PropTag> {
        self.find(tag.id()).ok().map(|i| self.values[i].tag)
    }

    /// All values, sorted by property id.
    pub fn values(&self) -> &[TaggedValue] {
        &self.values
    }

    /// Number of properties.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the bag holds no property.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Approximate stored size in bytes (tag + value), for PidTagMessageSize
    /// ([MS-OXCFXICS] 3.2.5.4 allows a best-effort figure).
    pub fn approx_size(&self) -> usize {
        self.values.iter().map(|v| 4 + value_size(&v.value)).sum()
    }
}

/// Approximate size of a value's data in bytes.
pub fn value_size(v: &PropValue) -> usize {
    use PropValue::*;
    match v {
        I16(_) => 2,
        I32(_) | F32(_) | ErrorCode(_) => 4,
        Boolean(_) => 2,
        F64(_) | Currency(_) | FloatingTime(_) | I64(_) | Time(_) => 8,
        Guid(_) => 16,
        String8(b) | ServerId(b) | Binary(b) | Object(b) => 4 + b.len(),
        CodePageString { bytes, .. } => 4 + bytes.len(),
        Unicode(s) => 4 + 2 * s.0.len() + 2,
        MvI16(x) => 4 + 2 * x.len(),
        MvI32(x) => 4 + 4 * x.len(),
        MvF32(x) => 4 + 4 * x.len(),
        MvF64(x) | MvFloatingTime(x) => 4 + 8 * x.len(),
        MvCurrency(x) | MvI64(x) => 4 + 8 * x.len(),
        MvTime(x) => 4 + 8 * x.len(),
        MvGuid(x) => 4 + 16 * x.len(),
        MvString8(x) | MvBinary(x) => 4 + x.iter().map(|b| 4 + b.len()).sum::<usize>(),
        MvUnicode(x) => 4 + x.iter().map(|s| 4 + 2 * s.0.len() + 2).sum::<usize>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::prop::{PropType, tags};

    #[test]
    fn set_replaces_same_id_and_keeps_order() {
        let mut b = PropertyBag::new();
        b.set(tags::PID_TAG_SUBJECT, PropValue::unicode("a"));
        b.set(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(1));
        b.set(
            PropTag::new(0x0037, PropType::STRING8),
            PropValue::String8(b"b".to_vec()),
        );
        assert_eq!(b.len(), 2);
        let ids: Vec<u16> = b.values().iter().map(|v| v.tag.id()).collect();
        assert_eq!(ids, vec![0x0037, 0x0E07]);
        assert_eq!(
            b.stored_tag(tags::PID_TAG_SUBJECT),
            Some(PropTag::new(0x0037, PropType::STRING8))
        );
        assert!(b.remove(tags::PID_TAG_SUBJECT));
        assert!(!b.remove(tags::PID_TAG_SUBJECT));
        assert_eq!(b.get(tags::PID_TAG_MESSAGE_FLAGS), Some(&PropValue::I32(1)));
    }

    #[test]
    fn size_counts_strings_in_utf16() {
        let b = PropertyBag::from_values([TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("abc"),
        }]);
        assert_eq!(b.approx_size(), 4 + 4 + 6 + 2);
    }
}
