//! Back-off on a busy RopFastTransferSourceGetBuffer ([MS-OXCFXICS] 3.3.5.9.1,
//! [MS-OXCSYNC] 3.1.5.3.7, note D-1 of the rules digest).
//!
//! On ReturnValue 0x00000480 the client waits at least BackoffTime
//! milliseconds and re-issues the same GetBuffer. The legacy 2010 code
//! 0x8004010B is accepted as busy too and reported as such; without a
//! BackoffTime the configured default delay is used. Retries are bounded.
//! Every busy reply is recorded with the wait actually taken (tokio time, so
//! tests run with paused time).

use std::time::Duration;

use tokio::time::Instant;

use super::cancel::CancelToken;

/// ecServerBusy as current [MS-OXCFXICS]/[MS-OXCROPS] use it for GetBuffer.
pub const EC_SERVER_BUSY: u32 = 0x0000_0480;
/// The code [MS-OXCSYNC] 2010 names for a busy GetBuffer (MAPI_E_BUSY).
pub const EC_BUSY_LEGACY: u32 = 0x8004_010B;

/// Whether a GetBuffer ReturnValue means "busy, retry later".
pub const fn is_busy(code: u32) -> bool {
    code == EC_SERVER_BUSY || code == EC_BUSY_LEGACY
}

/// How the client reacts to busy replies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusyPolicy {
    /// Busy replies tolerated for one GetBuffer before giving up.
    pub max_retries: u32,
    /// Wait used when the reply carries no BackoffTime (legacy code).
    pub default_backoff: Duration,
    /// A BackoffTime above this fails the sync instead of being waited out
    /// (the client never waits less than asked).
    pub max_backoff: Duration,
}

impl Default for BusyPolicy {
    fn default() -> Self {
        BusyPolicy {
            max_retries: 8,
            default_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// One busy reply and what the client did about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusyEvent {
    /// The ReturnValue seen (0x00000480, or the legacy 0x8004010B).
    pub code: u32,
    /// BackoffTime in milliseconds, when the reply carried one (0 is noted:
    /// [MS-OXCSYNC] says nonzero).
    pub backoff_ms: Option<u32>,
    /// The wait actually taken before the retry.
    pub waited: Duration,
    /// 1 for the first retry of this GetBuffer, 2 for the second ...
    pub retry: u32,
}

impl BusyEvent {
    /// True when the code is the legacy [MS-OXCSYNC] 2010 one (a warning, not a failure).
    pub fn is_legacy_code(&self) -> bool {
        self.code == EC_BUSY_LEGACY
    }
}

/// Why backing off ended the sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusyOutcome {
    /// Waited; retry now.
    Retry,
    /// More than `max_retries` busy replies for one GetBuffer.
    TooManyRetries,
    /// The requested back-off exceeds `max_backoff`.
    BackoffTooLong,
    /// Cancelled while waiting.
    Cancelled,
}

impl BusyPolicy {
    /// The minimum wait for a reply with `backoff_ms`.
    pub fn wait_for(&self, backoff_ms: Option<u32>) -> Duration {
        backoff_ms.map_or(self.default_backoff, |ms| {
            Duration::from_millis(u64::from(ms))
        })
    }

    /// Handles busy reply number `retry` (1-based) of one GetBuffer: waits at
    /// least the back-off (or returns why not), and records the event.
    pub async fn back_off(
        &self,
        code: u32,
        backoff_ms: Option<u32>,
        retry: u32,
        cancel: &CancelToken,
        log: &mut Vec<BusyEvent>,
    ) -> BusyOutcome {
        if retry > self.max_retries {
            log.push(BusyEvent {
                code,
                backoff_ms,
                waited: Duration::ZERO,
                retry,
            });
            return BusyOutcome::TooManyRetries;
        }
        let wait = self.wait_for(backoff_ms);
        if wait > self.max_backoff {
            log.push(BusyEvent {
                code,
                backoff_ms,
                waited: Duration::ZERO,
                retry,
            });
            return BusyOutcome::BackoffTooLong;
        }
        let start = Instant::now();
        let outcome = tokio::select! {
            _ = tokio::time::sleep(wait) => BusyOutcome::Retry,
            _ = cancel.cancelled() => BusyOutcome::Cancelled,
        };
        log.push(BusyEvent {
            code,
            backoff_ms,
            waited: start.elapsed(),
            retry,
        });
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// the wait is at least BackoffTime; the event records code, value and wait.
    #[tokio::test(start_paused = true)]
    async fn r056_waits_at_least_backoff_time() {
        let p = BusyPolicy::default();
        let mut log = Vec::new();
        let t0 = Instant::now();
        let o = p
            .back_off(EC_SERVER_BUSY, Some(1500), 1, &CancelToken::new(), &mut log)
            .await;
        assert_eq!(o, BusyOutcome::Retry);
        assert!(t0.elapsed() >= Duration::from_millis(1500));
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].code, EC_SERVER_BUSY);
        assert_eq!(log[0].backoff_ms, Some(1500));
        assert!(log[0].waited >= Duration::from_millis(1500));
        assert!(!log[0].is_legacy_code());
    }

    /// Note D-1: the legacy code without BackoffTime waits the default delay.
    #[tokio::test(start_paused = true)]
    async fn legacy_code_uses_default_backoff() {
        let p = BusyPolicy {
            default_backoff: Duration::from_millis(700),
            ..BusyPolicy::default()
        };
        let mut log = Vec::new();
        let o = p
            .back_off(EC_BUSY_LEGACY, None, 1, &CancelToken::new(), &mut log)
            .await;
        assert_eq!(o, BusyOutcome::Retry);
        assert!(log[0].waited >= Duration::from_millis(700));
        assert!(log[0].is_legacy_code());
        assert!(is_busy(EC_BUSY_LEGACY) && is_busy(EC_SERVER_BUSY) && !is_busy(0x8004_0102));
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_retries_and_backoff() {
        let p = BusyPolicy {
            max_retries: 2,
            max_backoff: Duration::from_secs(10),
            ..BusyPolicy::default()
        };
        let mut log = Vec::new();
        let c = CancelToken::new();
        assert_eq!(
            p.back_off(EC_SERVER_BUSY, Some(1), 3, &c, &mut log).await,
            BusyOutcome::TooManyRetries
        );
        assert_eq!(
            p.back_off(EC_SERVER_BUSY, Some(10_001), 1, &c, &mut log)
                .await,
            BusyOutcome::BackoffTooLong
        );
        assert_eq!(log.len(), 2);
        assert!(log.iter().all(|e| e.waited == Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn cancel_interrupts_the_wait() {
        let p = BusyPolicy::default();
        let c = CancelToken::new();
        let c2 = c.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            c2.cancel();
        });
        let mut log = Vec::new();
        let o = p
            .back_off(EC_SERVER_BUSY, Some(60_000), 1, &c, &mut log)
            .await;
        assert_eq!(o, BusyOutcome::Cancelled);
        assert!(log[0].waited < Duration::from_millis(60_000));
    }
}
