//! Behaviour profile and fault injection: the control API beside the ROPs
//! (issue 5 "Fault injection"). Where the spec allows several outcomes
//! (server-rules.md groups X, Y) the profile picks the one this server gives.

/// Which of the allowed outcomes this server produces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// `strict`: Reserved1/Reserved2 SendOptions fail like the unknown bit
    /// (2010 [MS-OXCSYNC] R-331); default: ignored (current [MS-OXCFXICS]).
    pub strict_send_options: bool,
    /// GetTransferState during a download returns a checkpoint of what was
    /// sent so far (Exchange 2007, <2>) instead of the initial state
    /// (Exchange 2010+, the default).
    pub checkpoint_transfer_state: bool,
    /// Busy GetBuffer answers use the legacy [MS-OXCSYNC] 2010 code
    /// 0x8004010B without BackoffTime (Note D-1) instead of 0x00000480.
    pub legacy_busy_code: bool,
    /// Exchange 2007 behaviour: the unknown SendOptions bit 0x80 is accepted
    /// (a SHOULD not met, table Y).
    pub accept_unknown_send_options: bool,
    /// Exchange 2003/2007 behaviour: ImportDeletes HardDelete fails with
    /// ecNotSupported (R-223, <19>).
    pub no_hard_delete_import: bool,
    /// Exchange 2007 behaviour: the Move flag of RopFastTransferSourceCopyTo
    /// and CopyProperties is supported (R-033, <34>) instead of refused
    /// (Exchange 2010+: CopyTo 0x80070057, CopyProperties 0x80040FFF).
    pub copy_move_supported: bool,
    /// Exchange 2007/2010 behaviour: expired public-folder messages are
    /// reported in MetaTagIdsetExpired; the default (2013+)
    /// reports them in MetaTagIdsetDeleted.
    pub idset_expired: bool,
}

impl Profile {
    /// The `strict` profile.
    pub fn strict() -> Self {
        Profile {
            strict_send_options: true,
            ..Profile::default()
        }
    }

    /// Exchange 2007-like outcomes where the spec allows several.
    pub fn exchange2007() -> Self {
        Profile {
            checkpoint_transfer_state: true,
            accept_unknown_send_options: true,
            no_hard_delete_import: true,
            copy_move_supported: true,
            idset_expired: true,
            ..Profile::default()
        }
    }
}

/// One busy answer and when the next GetBuffer on that context arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusyRecord {
    /// Time (ms, caller's clock) of the busy answer.
    pub answered_at: u64,
    /// BackoffTime sent (ms).
    pub backoff: u32,
    /// Time of the retry, once it arrived.
    pub retry_at: Option<u64>,
}

/// Faults to inject.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Answer this many next GetBuffer calls with 0x00000480.
    pub busy_remaining: u32,
    /// BackoffTime of those answers (ms).
    pub busy_backoff: u32,
    /// Busy answers given, with retry arrival times.
    pub busy_log: Vec<BusyRecord>,
    /// Drop the connection once a download has handed out this many bytes
    /// (the GetBuffer that would cross the limit is lost).
    pub cut_after_bytes: Option<usize>,
}
