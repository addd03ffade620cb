//! ICS state properties ([MS-OXCFXICS] 2.2.1.1.x, 3.1.5.2, 3.2.5.2.1;
//! `idset.md` §12, server-rules J).
//!
//! The state is four REPLGUID-form IDSETs carried as PtypBinary values: in
//! the `state` element of a FastTransfer stream (2.2.4.3.25) and uploaded
//! with RopSynchronizationUploadStateStream*. MetaTagIdsetGiven is sent with
//! the PtypInteger32 tag 0x40170003 although its data is binary; 0x40170102
//! is accepted too (3.2.5.2.1). The empty state is four zero-length values
//! (3.1.5.2, `idset.md` §10 E10).

use thiserror::Error;

use crate::idset::{IdSetError, ReplGuidSet};
use crate::prop::{PropTag, PropType, PropValue, TaggedValue};

/// MetaTagIdsetGiven as sent: PtypInteger32 tag, binary data (2.2.1.1.1).
pub const META_TAG_IDSET_GIVEN: PropTag = PropTag(0x4017_0003);
/// MetaTagIdsetGiven with the PtypBinary tag, also accepted (3.2.5.2.1).
pub const META_TAG_IDSET_GIVEN_BINARY: PropTag = PropTag(0x4017_0102);
/// MetaTagCnsetSeen (2.2.1.1.2).
pub const META_TAG_CNSET_SEEN: PropTag = PropTag(0x6796_0102);
/// MetaTagCnsetSeenFAI (2.2.1.1.3), contents synchronization only.
pub const META_TAG_CNSET_SEEN_FAI: PropTag = PropTag(0x67DA_0102);
/// MetaTagCnsetRead (2.2.1.1.4), contents synchronization only.
pub const META_TAG_CNSET_READ: PropTag = PropTag(0x67D2_0102);

/// SynchronizationType of RopSynchronizationConfigure ([MS-OXCFXICS]
/// 2.2.3.2.1.1.1): which state properties apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SynchronizationType {
    /// 0x01: messages of a folder; all four properties.
    Contents,
    /// 0x02: the folder hierarchy; IdsetGiven and CnsetSeen only.
    Hierarchy,
}

/// Which state property, independent of the tag variant used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum StateProperty {
    /// MetaTagIdsetGiven (0x4017).
    IdsetGiven,
    /// MetaTagCnsetSeen (0x6796).
    CnsetSeen,
    /// MetaTagCnsetSeenFAI (0x67DA).
    CnsetSeenFai,
    /// MetaTagCnsetRead (0x67D2).
    CnsetRead,
}

impl StateProperty {
    /// The property a tag denotes, if it is one of the four (accepting both
    /// tags of MetaTagIdsetGiven).
    pub fn from_tag(tag: PropTag) -> Option<Self> {
        match tag {
            META_TAG_IDSET_GIVEN | META_TAG_IDSET_GIVEN_BINARY => Some(Self::IdsetGiven),
            META_TAG_CNSET_SEEN => Some(Self::CnsetSeen),
            META_TAG_CNSET_SEEN_FAI => Some(Self::CnsetSeenFai),
            META_TAG_CNSET_READ => Some(Self::CnsetRead),
            _ => None,
        }
    }

    /// The tag this crate sends (0x40170003 for IdsetGiven).
    pub fn tag(self) -> PropTag {
        match self {
            Self::IdsetGiven => META_TAG_IDSET_GIVEN,
            Self::CnsetSeen => META_TAG_CNSET_SEEN,
            Self::CnsetSeenFai => META_TAG_CNSET_SEEN_FAI,
            Self::CnsetRead => META_TAG_CNSET_READ,
        }
    }

    /// True if the property belongs to a state of this kind (2.2.4.3.25:
    /// SeenFAI and Read MUST NOT appear for hierarchy synchronization).
    pub fn applies_to(self, kind: SynchronizationType) -> bool {
        kind == SynchronizationType::Contents || matches!(self, Self::IdsetGiven | Self::CnsetSeen)
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// A state property list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StateError {
    /// A property other than the four state properties (2.2.4.3.25).
    #[error("property #{index} {tag}: not an ICS state property")]
    UnexpectedProperty {
        /// Position in the list.
        index: usize,
        /// Its tag.
        tag: PropTag,
    },
    /// The same state property twice (3.3.5.8.2).
    #[error("property #{index} {tag}: {property:?} given twice")]
    DuplicateProperty {
        /// Position of the second one.
        index: usize,
        /// Its tag.
        tag: PropTag,
        /// Which property.
        property: StateProperty,
    },
    /// The value is not binary data.
    #[error("property #{index} {tag}: value is {found:?}, not binary data")]
    NotBinary {
        /// Position in the list.
        index: usize,
        /// Its tag.
        tag: PropTag,
        /// The value's type.
        found: PropType,
    },
    /// The value is not a REPLGUID-form IDSET; offsets are within the value.
    #[error("property #{index} {tag}: {source}")]
    IdSet {
        /// Position in the list.
        index: usize,
        /// Its tag.
        tag: PropTag,
        /// The decoding error.
        source: IdSetError,
    },
    /// SeenFAI or Read in a hierarchy state (2.2.4.3.25).
    #[error("{property:?} is not allowed in a hierarchy synchronization state")]
    NotForHierarchy {
        /// Which property.
        property: StateProperty,
    },
}

/// The ICS state: what the client already has and has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IcsState {
    /// MetaTagIdsetGiven: FIDs/MIDs in the client's replica (2.2.1.1.1).
    pub idset_given: ReplGuidSet,
    /// MetaTagCnsetSeen: CNs of folder / normal message changes seen (2.2.1.1.2).
    pub cnset_seen: ReplGuidSet,
    /// MetaTagCnsetSeenFAI: CNs of FAI message changes seen (2.2.1.1.3).
    pub cnset_seen_fai: ReplGuidSet,
    /// MetaTagCnsetRead: CNs of read-state changes seen (2.2.1.1.4).
    pub cnset_read: ReplGuidSet,
}

impl IcsState {
    /// The empty state (first synchronization of a scope, 3.1.5.2).
    pub fn new() -> Self {
        Self::default()
    }

    /// True if all four sets are empty.
    pub fn is_empty(&self) -> bool {
        self.idset_given.is_empty()
            && self.cnset_seen.is_empty()
            && self.cnset_seen_fai.is_empty()
            && self.cnset_read.is_empty()
    }

    /// The set of one property.
    pub fn get(&self, p: StateProperty) -> &ReplGuidSet {
        match p {
            StateProperty::IdsetGiven => &self.idset_given,
            StateProperty::CnsetSeen => &self.cnset_seen,
            StateProperty::CnsetSeenFai => &self.cnset_seen_fai,
            StateProperty::CnsetRead => &self.cnset_read,
        }
    }

    fn get_mut(&mut self, p: StateProperty) -> &mut ReplGuidSet {
        match p {
            StateProperty::IdsetGiven => &mut self.idset_given,
            StateProperty::CnsetSeen => &mut self.cnset_seen,
            StateProperty::CnsetSeenFai => &mut self.cnset_seen_fai,
            StateProperty::CnsetRead => &mut self.cnset_read,
        }
    }

    /// The property list of a `state` element or an upload: IdsetGiven
    /// (tag 0x40170003, binary data), CnsetSeen, and for contents
    /// synchronization CnsetSeenFAI and CnsetRead; every value a REPLGUID-form
    /// IDSET, zero bytes when empty. A hierarchy state omits SeenFAI/Read
    /// whatever they hold.
    pub fn to_props(&self, kind: SynchronizationType) -> Vec<TaggedValue> {
        [
            StateProperty::IdsetGiven,
            StateProperty::CnsetSeen,
            StateProperty::CnsetSeenFai,
            StateProperty::CnsetRead,
        ]
        .into_iter()
        .filter(|p| p.applies_to(kind))
        .map(|p| TaggedValue {
            tag: p.tag(),
            value: PropValue::Binary(self.get(p).encode_replguid()),
        })
        .collect()
    }

    /// Reads a state property list: only the four properties (IdsetGiven
    /// with either tag), each at most once, binary REPLGUID-form IDSETs.
    /// Absent properties are empty (3.1.5.2); use [`StateProps`] to tell
    /// absent from empty.
    pub fn from_props(props: &[TaggedValue]) -> Result<Self, StateError> {
        StateProps::parse(props).map(StateProps::into_state)
    }
}

/// A state property list as given: each property absent or present, and
/// the tag MetaTagIdsetGiven came with. For conformance checks where
/// absence matters (3.3.4.3.1 requirement matrix, 2.2.4.3.25).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateProps {
    /// The sets, indexed like [`StateProperty`] (IdsetGiven, CnsetSeen,
    /// CnsetSeenFAI, CnsetRead); `None` when absent.
    pub sets: [Option<ReplGuidSet>; 4],
    /// The tag MetaTagIdsetGiven was sent with, when present.
    pub idset_given_tag: Option<PropTag>,
}

impl StateProps {
    /// Parses a property list (see [`IcsState::from_props`]).
    pub fn parse(props: &[TaggedValue]) -> Result<Self, StateError> {
        let mut out = StateProps::default();
        for (index, tv) in props.iter().enumerate() {
            let tag = tv.tag;
            let property = StateProperty::from_tag(tag)
                .ok_or(StateError::UnexpectedProperty { index, tag })?;
            let slot = &mut out.sets[property.index()];
            if slot.is_some() {
                return Err(StateError::DuplicateProperty {
                    index,
                    tag,
                    property,
                });
            }
            let PropValue::Binary(data) = &tv.value else {
                return Err(StateError::NotBinary {
                    index,
                    tag,
                    found: tv.value.prop_type(),
                });
            };
            let set = ReplGuidSet::decode_replguid(data).map_err(|source| StateError::IdSet {
                index,
                tag,
                source,
            })?;
            *slot = Some(set);
            if property == StateProperty::IdsetGiven {
                out.idset_given_tag = Some(tag);
            }
        }
        Ok(out)
    }

    /// The property's set, if present.
    pub fn get(&self, p: StateProperty) -> Option<&ReplGuidSet> {
        self.sets[p.index()].as_ref()
    }

    /// Fails if a property that does not belong to `kind` is present
    /// (2.2.4.3.25: no SeenFAI/Read for hierarchy).
    pub fn check_kind(&self, kind: SynchronizationType) -> Result<(), StateError> {
        for p in [StateProperty::CnsetSeenFai, StateProperty::CnsetRead] {
            if !p.applies_to(kind) && self.get(p).is_some() {
                return Err(StateError::NotForHierarchy { property: p });
            }
        }
        Ok(())
    }

    /// The properties `kind` requires for a download that are absent
    /// (3.3.4.3.1; a server treats them as empty, 3.1.5.2).
    pub fn missing(&self, kind: SynchronizationType) -> Vec<StateProperty> {
        [
            StateProperty::IdsetGiven,
            StateProperty::CnsetSeen,
            StateProperty::CnsetSeenFai,
            StateProperty::CnsetRead,
        ]
        .into_iter()
        .filter(|p| p.applies_to(kind) && self.get(*p).is_none())
        .collect()
    }

    /// The state, absent properties empty.
    pub fn into_state(self) -> IcsState {
        let mut st = IcsState::new();
        let [a, b, c, d] = self.sets;
        for (p, s) in [
            (StateProperty::IdsetGiven, a),
            (StateProperty::CnsetSeen, b),
            (StateProperty::CnsetSeenFai, c),
            (StateProperty::CnsetRead, d),
        ] {
            if let Some(s) = s {
                *st.get_mut(p) = s;
            }
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guid::Guid;
    use crate::ids::{GlobCnt, ReplGuid};

    fn bin(tag: u32, b: &[u8]) -> TaggedValue {
        TaggedValue {
            tag: PropTag(tag),
            value: PropValue::Binary(b.to_vec()),
        }
    }

    /// E10: the empty state is zero-length values; IdsetGiven goes out with
    /// tag 0x40170003; hierarchy omits SeenFAI/Read.
    #[test]
    fn empty_state_props() {
        let st = IcsState::new();
        assert!(st.is_empty());
        let p = st.to_props(SynchronizationType::Contents);
        let tags: Vec<u32> = p.iter().map(|t| t.tag.0).collect();
        assert_eq!(tags, [0x4017_0003, 0x6796_0102, 0x67DA_0102, 0x67D2_0102]);
        assert!(p.iter().all(|t| t.value == PropValue::Binary(vec![])));
        let h = st.to_props(SynchronizationType::Hierarchy);
        assert_eq!(h.len(), 2);
        assert_eq!(IcsState::from_props(&p).unwrap(), st);
        assert_eq!(IcsState::from_props(&[]).unwrap(), st);
    }

    #[test]
    fn roundtrip_and_both_idset_given_tags() {
        let guid = ReplGuid(Guid([3; 16]));
        let mut st = IcsState::new();
        st.idset_given
            .insert_range(guid, GlobCnt::new(1).unwrap(), GlobCnt::new(9).unwrap());
        st.cnset_read.insert(guid, GlobCnt::new(0x77).unwrap());
        let p = st.to_props(SynchronizationType::Contents);
        assert_eq!(IcsState::from_props(&p).unwrap(), st);
        let mut p2 = p.clone();
        p2[0].tag = META_TAG_IDSET_GIVEN_BINARY;
        let sp = StateProps::parse(&p2).unwrap();
        assert_eq!(sp.idset_given_tag, Some(META_TAG_IDSET_GIVEN_BINARY));
        assert_eq!(sp.into_state(), st);
    }

    #[test]
    fn rejects_bad_lists() {
        let e = IcsState::from_props(&[bin(0x0037_001F, &[])]).unwrap_err();
        assert!(matches!(e, StateError::UnexpectedProperty { index: 0, .. }));
        let e = IcsState::from_props(&[bin(0x4017_0003, &[]), bin(0x4017_0102, &[])]).unwrap_err();
        assert!(matches!(e, StateError::DuplicateProperty { index: 1, .. }));
        let e = IcsState::from_props(&[TaggedValue {
            tag: META_TAG_CNSET_SEEN,
            value: PropValue::I32(0),
        }])
        .unwrap_err();
        assert!(matches!(e, StateError::NotBinary { .. }));
        // `00` is an empty GLOBSET without its REPLGUID.
        let e = IcsState::from_props(&[bin(0x6796_0102, &[0])]).unwrap_err();
        assert!(matches!(e, StateError::IdSet { index: 0, .. }), "{e}");
    }

    #[test]
    fn absent_versus_empty() {
        let sp = StateProps::parse(&[bin(0x6796_0102, &[]), bin(0x67DA_0102, &[])]).unwrap();
        assert_eq!(
            sp.missing(SynchronizationType::Contents),
            [StateProperty::IdsetGiven, StateProperty::CnsetRead]
        );
        assert_eq!(
            sp.missing(SynchronizationType::Hierarchy),
            [StateProperty::IdsetGiven]
        );
        assert!(sp.check_kind(SynchronizationType::Contents).is_ok());
        assert_eq!(
            sp.check_kind(SynchronizationType::Hierarchy),
            Err(StateError::NotForHierarchy {
                property: StateProperty::CnsetSeenFai
            })
        );
    }
}
