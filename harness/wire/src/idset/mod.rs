//! IDSET / CNSET / GLOBSET ([MS-OXCFXICS] 2.2.2.4, 2.2.2.6, 3.1.5.4).
//!
//! * [`GlobSet`]: the GLOBCNTs of one replica as sorted, merged ranges, and
//!   the GLOBSET command codec (Push 0x01–0x06, Pop 0x50, Bitmask 0x42,
//!   Range 0x52, End 0x00): [`GlobSet::encode`], [`GlobSet::decode`].
//! * [`IdSet`]: per replica a [`GlobSet`], keyed by [`ReplId`](crate::ReplId)
//!   ([`ReplIdSet`], REPLID form 2.2.2.4.1) or [`ReplGuid`](crate::ReplGuid)
//!   ([`ReplGuidSet`], REPLGUID form 2.2.2.4.2).
//!
//! Nothing in the bytes says which form a buffer uses: the property tag does
//! (`idset.md` §6).

#[cfg(feature = "arbitrary")]
mod arbitrary;
mod decode;
mod encode;
mod error;
mod forms;
mod globset;
mod set;
#[cfg(test)]
mod spec_examples;

pub use decode::{BITMASK, END, POP, PUSH_MAX, RANGE};
pub use error::{FormatNote, GlobSetError, IdSetError};
pub use globset::GlobSet;
pub use set::{IdSet, ReplGuidSet, ReplIdSet, ReplicaKey};
