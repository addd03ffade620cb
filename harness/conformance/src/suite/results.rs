//! What happened to each scenario, the verdict once the target's expectations are applied,
//! and the closing line `N passed, N failed, N skipped` (tooling.md 1.7).

use std::fmt;

use crate::catalog::ScenarioKey;
use crate::expectations::{Entry, Expected};
use crate::selection::Selection;

/// What cucumber reported for a scenario that was executed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunOutcome {
    Passed,
    /// A step failed (or had no step definition, or a hook failed), with the message.
    Failed(String),
}

/// The final word on one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed(String),
    /// Not executed, with the reason (missing capability, known skip).
    Skipped(String),
    /// Failed as the expectations say, with the expectation's reason.
    ExpectedFailure(String),
    /// Listed as a known failure but passed: the list is stale, the run fails.
    UnexpectedPass(String),
    /// Not part of this run (`@wip`, outside the user's filter).
    NotRun(String),
}

impl Verdict {
    /// Combines the selection, the run outcome (if it ran) and the expectation.
    pub fn of(
        selection: &Selection,
        outcome: Option<&RunOutcome>,
        expected: Option<&Entry>,
    ) -> Self {
        match (selection, outcome) {
            (Selection::Deselected(why), _) => Self::NotRun(why.clone()),
            (Selection::Skipped(why), _) => Self::Skipped(why.clone()),
            (Selection::Run, None) => {
                Self::Failed("selected but never reported by the runner".into())
            }
            (Selection::Run, Some(outcome)) => {
                match (outcome, expected.map(|e| (e.outcome, &e.reason))) {
                    (RunOutcome::Passed, Some((Expected::Fail, reason))) => {
                        Self::UnexpectedPass(reason.clone())
                    }
                    (RunOutcome::Failed(_), Some((Expected::Fail, reason))) => {
                        Self::ExpectedFailure(reason.clone())
                    }
                    (RunOutcome::Passed, _) => Self::Passed,
                    (RunOutcome::Failed(message), _) => Self::Failed(message.clone()),
                }
            }
        }
    }

    /// A short label for reports.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Passed => "passed",
            Self::Failed(_) => "FAILED",
            Self::Skipped(_) => "skipped",
            Self::ExpectedFailure(_) => "expected failure",
            Self::UnexpectedPass(_) => "UNEXPECTED PASS",
            Self::NotRun(_) => "not run",
        }
    }

    /// The reason or message attached to the verdict, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Passed => None,
            Self::Failed(s)
            | Self::Skipped(s)
            | Self::ExpectedFailure(s)
            | Self::UnexpectedPass(s)
            | Self::NotRun(s) => Some(s),
        }
    }
}

/// One scenario with its verdict and the notes (warnings, records) its steps left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioRecord {
    pub key: ScenarioKey,
    pub name: String,
    pub tags: Vec<String>,
    pub verdict: Verdict,
    pub notes: Vec<String>,
}

/// Counts of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
    pub expected_failures: usize,
    pub unexpected_passes: usize,
    pub not_run: usize,
    /// Parse and hook errors cucumber reported outside any scenario.
    pub errors: usize,
}

impl Summary {
    /// Counts the records; `errors` are added to the failures.
    pub fn of(records: &[ScenarioRecord], errors: usize) -> Self {
        let mut s = Self {
            errors,
            ..Self::default()
        };
        for r in records {
            match r.verdict {
                Verdict::Passed => s.passed += 1,
                Verdict::Failed(_) => s.failed += 1,
                Verdict::Skipped(_) => s.skipped += 1,
                Verdict::ExpectedFailure(_) => s.expected_failures += 1,
                Verdict::UnexpectedPass(_) => s.unexpected_passes += 1,
                Verdict::NotRun(_) => s.not_run += 1,
            }
        }
        s
    }

    /// Whether the run fails: a failed scenario, a known failure that passed, or an error.
    pub fn is_failure(&self) -> bool {
        self.failed + self.unexpected_passes + self.errors > 0
    }

    /// What the plain closing line counts as failed: failures, unexpected passes, errors.
    pub fn failed_total(&self) -> usize {
        self.failed + self.unexpected_passes + self.errors
    }

    /// What the plain closing line counts as skipped: skips and known (expected) failures,
    /// which do not fail the run.
    pub fn skipped_total(&self) -> usize {
        self.skipped + self.expected_failures
    }

    /// The detail line printed before the closing line.
    pub fn detail_line(&self) -> String {
        format!(
            "conformance: {} expected failures, {} unexpected passes, {} errors, {} scenarios not run (@wip or filtered out)",
            self.expected_failures, self.unexpected_passes, self.errors, self.not_run
        )
    }
}

impl fmt::Display for Summary {
    /// The plain closing line: `conformance: N passed, N failed, N skipped`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "conformance: {} passed, {} failed, {} skipped",
            self.passed,
            self.failed_total(),
            self.skipped_total()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(outcome: Expected) -> Entry {
        Entry {
            scenario: "a: b".into(),
            line: None,
            outcome,
            reason: "known".into(),
        }
    }

    #[test]
    fn verdicts_apply_the_expectations() {
        let run = Selection::Run;
        let pass = RunOutcome::Passed;
        let fail = RunOutcome::Failed("step 3 panicked".into());
        let known = entry(Expected::Fail);
        assert_eq!(Verdict::of(&run, Some(&pass), None), Verdict::Passed);
        assert_eq!(
            Verdict::of(&run, Some(&fail), None),
            Verdict::Failed("step 3 panicked".into())
        );
        assert_eq!(
            Verdict::of(&run, Some(&fail), Some(&known)),
            Verdict::ExpectedFailure("known".into())
        );
        assert_eq!(
            Verdict::of(&run, Some(&pass), Some(&known)),
            Verdict::UnexpectedPass("known".into())
        );
        assert_eq!(
            Verdict::of(&Selection::Skipped("lacks x".into()), None, None),
            Verdict::Skipped("lacks x".into())
        );
        assert_eq!(
            Verdict::of(&Selection::Deselected("@wip".into()), None, None),
            Verdict::NotRun("@wip".into())
        );
        assert!(matches!(Verdict::of(&run, None, None), Verdict::Failed(_)));
    }

    fn record(verdict: Verdict) -> ScenarioRecord {
        ScenarioRecord {
            key: ScenarioKey {
                feature: "f.feature".into(),
                line: 1,
            },
            name: "s".into(),
            tags: vec![],
            verdict,
            notes: vec![],
        }
    }

    #[test]
    fn the_closing_line_counts_known_failures_as_skipped_and_stale_ones_as_failed() {
        let records = [
            record(Verdict::Passed),
            record(Verdict::Passed),
            record(Verdict::Failed("x".into())),
            record(Verdict::Skipped("y".into())),
            record(Verdict::ExpectedFailure("z".into())),
            record(Verdict::UnexpectedPass("w".into())),
            record(Verdict::NotRun("@wip".into())),
        ];
        let s = Summary::of(&records, 1);
        assert_eq!(s.to_string(), "conformance: 2 passed, 3 failed, 2 skipped");
        assert!(s.is_failure());
        assert_eq!(
            s.detail_line(),
            "conformance: 1 expected failures, 1 unexpected passes, 1 errors, 1 scenarios not run (@wip or filtered out)"
        );
        let ok = Summary::of(
            &[
                record(Verdict::Passed),
                record(Verdict::ExpectedFailure("z".into())),
            ],
            0,
        );
        assert!(!ok.is_failure());
        assert_eq!(ok.to_string(), "conformance: 1 passed, 0 failed, 1 skipped");
    }
}
