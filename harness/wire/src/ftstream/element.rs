//! Owned lexical elements of a FastTransfer stream ([MS-OXCFXICS] 2.2.4.1):
//! a marker or a property value (ordinary or meta-property).

use crate::ftstream::markers::{Marker, MetaProp, ics_tags};
use crate::prop::{PropTag, PropType, PropValue, PropertyName};

/// A property value as it appears in a FastTransfer stream: the tag as on the
/// wire, the name of a named property, and the value.
///
/// Invariants the producer checks (and the lexer guarantees):
/// * `name.is_some()` exactly when `tag.is_named()` (id >= 0x8000), and the
///   tag's id is then the *sender's* local id for that name;
/// * `value.prop_type() == tag.prop_type()`, except for MetaTagIdsetGiven
///   sent as 0x40170003, whose value is a [`PropValue::Binary`] (3.2.5.2.1).
///
/// String values carry no terminator; the producer writes one.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FtProp {
    /// The tag: `(id << 16) | type` (wire type first, little-endian).
    pub tag: PropTag,
    /// The name of a named property (`namedPropInfo`), `None` for tagged ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<PropertyName>,
    /// The value.
    pub value: PropValue,
}

impl FtProp {
    /// A tagged property (id < 0x8000) whose tag type is the value's type.
    pub fn tagged(id: u16, value: PropValue) -> Self {
        FtProp {
            tag: PropTag::new(id, value.prop_type()),
            name: None,
            value,
        }
    }

    /// A property with an explicit tag (no name).
    pub fn with_tag(tag: PropTag, value: PropValue) -> Self {
        FtProp {
            tag,
            name: None,
            value,
        }
    }

    /// A named property with local id `id` (>= 0x8000).
    pub fn named(id: u16, name: PropertyName, value: PropValue) -> Self {
        FtProp {
            tag: PropTag::new(id, value.prop_type()),
            name: Some(name),
            value,
        }
    }

    /// The meta-property this is, if any.
    pub fn meta(&self) -> Option<MetaProp> {
        MetaProp::from_tag(self.tag)
    }

    /// The value as a u32, for PtypInteger32 / PtypErrorCode values.
    pub fn as_u32(&self) -> Option<u32> {
        match self.value {
            PropValue::I32(v) => Some(v as u32),
            PropValue::ErrorCode(v) => Some(v),
            _ => None,
        }
    }

    /// The bytes of a binary-like value (PtypBinary, PtypServerId, PtypObject).
    pub fn as_binary(&self) -> Option<&[u8]> {
        match &self.value {
            PropValue::Binary(b) | PropValue::ServerId(b) | PropValue::Object(b) => Some(b),
            _ => None,
        }
    }

    /// True if the tag/type/name invariants above hold.
    pub fn is_consistent(&self) -> bool {
        if self.name.is_some() != self.tag.is_named() {
            return false;
        }
        let vt = self.value.prop_type();
        if self.tag == ics_tags::META_TAG_IDSET_GIVEN {
            return vt == PropType::BINARY;
        }
        vt == self.tag.prop_type()
    }
}

/// What a lexical element is.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum ElementKind {
    /// A marker (2.2.4.1.4).
    Marker(Marker),
    /// A propValue: an ordinary property or a meta-property (2.2.4.1.5).
    Prop(FtProp),
}

/// One lexical element with the absolute offset of its first byte.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Element {
    /// Offset of the element's first byte in the stream.
    pub offset: usize,
    /// The element.
    pub kind: ElementKind,
}

impl Element {
    /// The marker, if this element is one.
    pub fn marker(&self) -> Option<Marker> {
        match self.kind {
            ElementKind::Marker(m) => Some(m),
            ElementKind::Prop(_) => None,
        }
    }

    /// The property, if this element is one.
    pub fn prop(&self) -> Option<&FtProp> {
        match &self.kind {
            ElementKind::Marker(_) => None,
            ElementKind::Prop(p) => Some(p),
        }
    }
}
