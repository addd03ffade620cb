//! What a download context was configured with, in engine terms
//! ([MS-OXCFXICS] 2.2.3.2.1.1.1, 2.2.3.1.1.1.1; ftstream.md §9.2).
//!
//! The session turns the ROP's typed flags into this struct after validating
//! them; the engine only reads booleans.

use ics_wire::prop::PropTag;

use super::restriction::Restriction;

/// SynchronizationType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    /// 0x01: messages of one folder.
    Contents,
    /// 0x02: the folders below one folder.
    Hierarchy,
}

/// How string properties are written (R-044, ftstream.md §9.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringForm {
    /// No Unicode flag: PtypString8 in the connection code page.
    #[default]
    CodePage,
    /// Unicode: as stored.
    AsStored,
    /// ForceUnicode: always PtypString.
    ForceUnicode,
    /// UseCpid: code page string types (Unicode-stored as 0x84B0).
    UseCpid,
}

/// The options of one ICS download.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Contents or hierarchy.
    pub kind: SyncKind,
    /// SynchronizationFlags.Normal (contents).
    pub normal: bool,
    /// SynchronizationFlags.FAI (contents).
    pub fai: bool,
    /// SynchronizationFlags.ReadState (contents).
    pub read_state: bool,
    /// SynchronizationFlags.NoDeletions (implies IgnoreNoLongerInScope, R-084).
    pub no_deletions: bool,
    /// SynchronizationFlags.IgnoreNoLongerInScope.
    pub ignore_no_longer_in_scope: bool,
    /// SynchronizationFlags.OnlySpecifiedProperties: `property_tags` is an
    /// include list (else an exclude list).
    pub only_specified_properties: bool,
    /// SynchronizationFlags.IgnoreSpecifiedOnFAI (only with OnlySpecifiedProperties, R-091).
    pub ignore_specified_on_fai: bool,
    /// SynchronizationFlags.NoForeignIdentifiers.
    pub no_foreign_identifiers: bool,
    /// SynchronizationFlags.BestBody (CopyFlags BestBody for the copy ROPs):
    /// bodies in their original format only; of several stored body forms
    /// the one PidTagNativeBody names, else the richest (materialize.rs).
    pub best_body: bool,
    /// SynchronizationFlags.Progress.
    pub progress: bool,
    /// SynchronizationExtraFlags.Eid.
    pub eid: bool,
    /// SynchronizationExtraFlags.MessageSize.
    pub message_size: bool,
    /// SynchronizationExtraFlags.CN.
    pub change_number: bool,
    /// SynchronizationExtraFlags.OrderByDeliveryTime.
    pub order_by_delivery_time: bool,
    /// SendOptions.RecoverMode: unreadable messages become errorInfo.
    pub recover_mode: bool,
    /// SendOptions.PartialItem: messageChangePartial allowed.
    pub partial_item: bool,
    /// String representation from Unicode / ForceUnicode / UseCpid.
    pub strings: StringForm,
    /// PropertyTags of the configure request.
    pub property_tags: Vec<PropTag>,
    /// RestrictionData (contents only; part of the scope).
    pub restriction: Option<Restriction>,
    /// Report expired messages in MetaTagIdsetExpired (contents only, R-158;
    /// a behaviour of Exchange 2007/2010, R-160); else in MetaTagIdsetDeleted.
    pub expired: bool,
}

impl SyncOptions {
    /// A contents download of normal and FAI messages with read state,
    /// Unicode strings and nothing else set.
    pub fn contents() -> Self {
        SyncOptions {
            kind: SyncKind::Contents,
            normal: true,
            fai: true,
            read_state: true,
            no_deletions: false,
            ignore_no_longer_in_scope: false,
            only_specified_properties: false,
            ignore_specified_on_fai: false,
            no_foreign_identifiers: false,
            best_body: false,
            progress: false,
            eid: false,
            message_size: false,
            change_number: false,
            order_by_delivery_time: false,
            recover_mode: false,
            partial_item: false,
            strings: StringForm::AsStored,
            property_tags: Vec::new(),
            restriction: None,
            expired: false,
        }
    }

    /// A hierarchy download with Unicode strings.
    pub fn hierarchy() -> Self {
        SyncOptions {
            kind: SyncKind::Hierarchy,
            normal: false,
            fai: false,
            read_state: false,
            ..Self::contents()
        }
    }

    /// True when deletions are reported (NoDeletions clear, R-083).
    pub fn reports_deletions(&self) -> bool {
        !self.no_deletions
    }

    /// True when out-of-scope messages are reported.
    pub fn reports_no_longer_in_scope(&self) -> bool {
        self.kind == SyncKind::Contents && !self.no_deletions && !self.ignore_no_longer_in_scope
    }
}
