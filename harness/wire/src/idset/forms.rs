//! Serialized IDSET: REPLID form (2.2.2.4.1) and REPLGUID form (2.2.2.4.2)
//! of [MS-OXCFXICS]; `idset.md` §5, §6.
//!
//! A sequence of `key ‖ GLOBSET` pairs, no count, no terminator: the value
//! length delimits it, and the empty IDSET is zero bytes. The encoder writes
//! pairs ascending by the key's wire bytes and never an empty GLOBSET. The
//! decoder accepts unsorted and repeated keys and empty GLOBSETs (`idset.md`
//! §17 A3, A13), merging repeats, and reports them as [`FormatNote`]s.

use std::collections::btree_map::Entry;

use crate::cursor::Reader;
use crate::ids::{ReplGuid, ReplId};

use super::decode::read_globset;
use super::error::{FormatNote, IdSetError};
use super::set::{IdSet, ReplicaKey};

impl<K: ReplicaKey> IdSet<K> {
    /// Appends the serialized pairs in ascending key order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        for (k, s) in &self.map {
            k.write(out);
            s.encode(out);
        }
    }

    /// The serialized IDSET in the form of its key type.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }

    /// Decodes a whole value as a serialized IDSET in the form of `K`.
    pub fn decode(b: &[u8]) -> Result<Self, IdSetError> {
        decode_pairs(b, None)
    }

    /// Like [`IdSet::decode`], also returning the tolerated deviations from
    /// the formatted-IDSET rules.
    pub fn decode_with_notes(b: &[u8]) -> Result<(Self, Vec<FormatNote>), IdSetError> {
        let mut notes = Vec::new();
        let s = decode_pairs(b, Some(&mut notes))?;
        Ok((s, notes))
    }
}

fn decode_pairs<K: ReplicaKey>(
    b: &[u8],
    mut notes: Option<&mut Vec<FormatNote>>,
) -> Result<IdSet<K>, IdSetError> {
    let mut r = Reader::new(b);
    let mut out = IdSet::<K>::new();
    let mut prev: Option<K> = None;
    // Keys met so far (also those of empty GLOBSETs, which are not stored).
    let mut seen = std::collections::BTreeSet::new();
    while !r.is_empty() {
        let at = r.offset();
        let field = if K::SIZE == 2 { "REPLID" } else { "REPLGUID" };
        let k = K::from_wire(r.bytes(K::SIZE, field)?);
        let set = read_globset(&mut r, notes.as_deref_mut())?;
        let mut note = |n| {
            if let Some(v) = notes.as_deref_mut() {
                v.push(n);
            }
        };
        if set.is_empty() {
            note(FormatNote::EmptyGlobSet { offset: at });
        }
        if !seen.insert(k) {
            note(FormatNote::DuplicateReplica { offset: at });
        } else if prev.is_some_and(|p| k < p) {
            note(FormatNote::ReplicasNotAscending { offset: at });
        }
        prev = Some(k);
        if set.is_empty() {
            continue;
        }
        match out.map.entry(k) {
            Entry::Vacant(e) => {
                e.insert(set);
            }
            Entry::Occupied(mut e) => {
                let u = e.get().union(&set);
                e.insert(u);
            }
        }
    }
    Ok(out)
}

impl IdSet<ReplId> {
    /// The REPLID-form serialization (2.2.2.4.1).
    pub fn encode_replid(&self) -> Vec<u8> {
        self.to_bytes()
    }

    /// Decodes a REPLID-form IDSET (2.2.2.4.1).
    pub fn decode_replid(b: &[u8]) -> Result<Self, IdSetError> {
        Self::decode(b)
    }
}

impl IdSet<ReplGuid> {
    /// The REPLGUID-form serialization (2.2.2.4.2).
    pub fn encode_replguid(&self) -> Vec<u8> {
        self.to_bytes()
    }

    /// Decodes a REPLGUID-form IDSET (2.2.2.4.2).
    pub fn decode_replguid(b: &[u8]) -> Result<Self, IdSetError> {
        Self::decode(b)
    }
}
