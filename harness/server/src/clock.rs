//! Injected time source, so that every timestamp the server writes
//! (PidTagLastModificationTime, delivery times, tombstones) is reproducible.

/// A FILETIME: 100 ns ticks since 1601-01-01 UTC ([MS-DTYP] 2.3.3).
pub type FileTime = u64;

/// FILETIME of 2026-01-01T00:00:00Z, the default start of [`SteppingClock`].
pub const FILETIME_2026: FileTime = 134_115_552_000_000_000;

/// One second in FILETIME ticks.
pub const SECOND: FileTime = 10_000_000;

/// Where the server gets the current time from.
pub trait Clock: Send + Sync {
    /// The current time. Successive calls never go backwards.
    fn now(&mut self) -> FileTime;
}

/// A deterministic clock: starts at `start` and advances by `step` on every
/// reading, so two events never share a timestamp unless `step` is 0.
#[derive(Debug, Clone)]
pub struct SteppingClock {
    next: FileTime,
    step: FileTime,
}

impl SteppingClock {
    /// A clock whose first reading is `start`.
    pub fn new(start: FileTime, step: FileTime) -> Self {
        SteppingClock { next: start, step }
    }

    /// Moves the clock forward by `d` ticks (tests that need a gap).
    pub fn advance(&mut self, d: FileTime) {
        self.next = self.next.saturating_add(d);
    }
}

impl Default for SteppingClock {
    /// Starts at 2026-01-01 and advances one second per reading.
    fn default() -> Self {
        SteppingClock::new(FILETIME_2026, SECOND)
    }
}

impl Clock for SteppingClock {
    fn now(&mut self) -> FileTime {
        let t = self.next;
        self.next = self.next.saturating_add(self.step);
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stepping_clock_is_monotonic_and_reproducible() {
        let mut a = SteppingClock::new(100, 5);
        let mut b = SteppingClock::new(100, 5);
        let xs: Vec<_> = (0..4).map(|_| a.now()).collect();
        assert_eq!(xs, vec![100, 105, 110, 115]);
        let ys: Vec<_> = (0..4).map(|_| b.now()).collect();
        assert_eq!(xs, ys);
        a.advance(1000);
        assert_eq!(a.now(), 1120);
    }
}
