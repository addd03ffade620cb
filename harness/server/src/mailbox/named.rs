//! Named property mapping ([MS-OXCDATA] 2.6.1, [MS-OXPROPS] 1.3.2): property
//! names to the ids 0x8000..=0xFFFE this mailbox assigned them.

use std::collections::HashMap;

use ics_wire::prop::PropertyName;

/// First id handed out for a named property.
pub const FIRST_NAMED_ID: u16 = 0x8000;
/// Last id that can be handed out (0xFFFF is invalid).
pub const LAST_NAMED_ID: u16 = 0xFFFE;

/// Name <-> id map of one mailbox. Ids are never reused.
#[derive(Debug, Clone, Default)]
pub struct NamedProps {
    by_name: HashMap<PropertyName, u16>,
    by_id: Vec<PropertyName>,
}

impl NamedProps {
    /// The id of `name`, if mapped.
    pub fn id_of(&self, name: &PropertyName) -> Option<u16> {
        self.by_name.get(name).copied()
    }

    /// The name mapped to `id`, if any.
    pub fn name_of(&self, id: u16) -> Option<&PropertyName> {
        let i = id.checked_sub(FIRST_NAMED_ID)? as usize;
        self.by_id.get(i)
    }

    /// The id of `name`, mapping it first if needed (RopGetPropertyIdsFromNames
    /// with the create flag). `None` when all 0x7FFF ids are used.
    pub fn get_or_create(&mut self, name: &PropertyName) -> Option<u16> {
        if let Some(id) = self.id_of(name) {
            return Some(id);
        }
        let next = FIRST_NAMED_ID as usize + self.by_id.len();
        if next > LAST_NAMED_ID as usize {
            return None;
        }
        let id = next as u16;
        self.by_id.push(name.clone());
        self.by_name.insert(name.clone(), id);
        Some(id)
    }

    /// Number of mapped names.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no name is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;
    use ics_wire::prop::NameKind;

    #[test]
    fn ids_are_stable_and_sequential() {
        let mut n = NamedProps::default();
        let a = PropertyName {
            guid: Guid([1; 16]),
            kind: NameKind::Lid(0x8501),
        };
        let b = PropertyName {
            guid: Guid([1; 16]),
            kind: NameKind::Name("Keywords".into()),
        };
        assert_eq!(n.get_or_create(&a), Some(0x8000));
        assert_eq!(n.get_or_create(&b), Some(0x8001));
        assert_eq!(n.get_or_create(&a), Some(0x8000));
        assert_eq!(n.name_of(0x8001), Some(&b));
        assert_eq!(n.name_of(0x8002), None);
        assert_eq!(n.name_of(0x0037), None);
    }
}
