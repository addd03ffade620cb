//! Per-target expectations (`features/expectations/<target>.toml`): known failures and known
//! skips, each with a reason. A known failure that passes fails the run, and an entry that
//! names no scenario is an error, so the list cannot go stale.
//!
//! ```toml
//! [[expect]]
//! scenario = "download/backoff.feature: The client waits at least BackoffTime ..."
//! line = 16            # optional: one example of an outline
//! outcome = "fail"     # or "skip" (not run at all)
//! reason = "the server sends BackoffTime 0"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::{Catalog, ScenarioInfo};

/// What a target is known to do with a scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// The scenario runs and is known to fail.
    Fail,
    /// The scenario is not run (e.g. it would hang the target).
    Skip,
}

/// One entry of an expectations file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `<feature path relative to features/>: <scenario name>`.
    pub scenario: String,
    /// Restricts the entry to the scenario (outline example) at this line.
    pub line: Option<usize>,
    pub outcome: Expected,
    pub reason: String,
}

impl Entry {
    /// Whether the entry names this scenario.
    pub fn names(&self, s: &ScenarioInfo) -> bool {
        let Some((feature, name)) = self.scenario.split_once(": ") else {
            return false;
        };
        feature.trim() == s.key.feature
            && name.trim() == s.name
            && self.line.is_none_or(|l| l == s.key.line)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    expect: Vec<Entry>,
}

/// Problems with an expectations file.
#[derive(Debug, thiserror::Error)]
pub enum ExpectationsError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: entry `{scenario}` must have a non-empty reason")]
    NoReason { path: PathBuf, scenario: String },
    #[error("{path}: stale entry `{scenario}`{line}: no such scenario", line = line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Stale {
        path: PathBuf,
        scenario: String,
        line: Option<usize>,
    },
}

/// The expectations of one target.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
}

impl Expectations {
    /// Reads `path`; a missing file means no expectations.
    pub fn load(path: &Path) -> Result<Self, ExpectationsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                path: path.to_path_buf(),
                entries: Vec::new(),
            }),
            Err(source) => Err(ExpectationsError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses the text of an expectations file (`path` is for messages).
    pub fn parse(path: &Path, text: &str) -> Result<Self, ExpectationsError> {
        let file: File = toml::from_str(text).map_err(|e| ExpectationsError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        if let Some(e) = file.expect.iter().find(|e| e.reason.trim().is_empty()) {
            return Err(ExpectationsError::NoReason {
                path: path.to_path_buf(),
                scenario: e.scenario.clone(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            entries: file.expect,
        })
    }

    /// The entry naming a scenario (the first one if several do).
    pub fn lookup(&self, s: &ScenarioInfo) -> Option<&Entry> {
        self.entries.iter().find(|e| e.names(s))
    }

    /// Fails on the first entry that names no scenario of the catalog.
    pub fn check_against(&self, catalog: &Catalog) -> Result<(), ExpectationsError> {
        match self
            .entries
            .iter()
            .find(|e| !catalog.scenarios.iter().any(|s| e.names(s)))
        {
            Some(e) => Err(ExpectationsError::Stale {
                path: self.path.clone(),
                scenario: e.scenario.clone(),
                line: e.line,
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ScenarioKey;

    fn scenario(feature: &str, line: usize, name: &str) -> ScenarioInfo {
        ScenarioInfo {
            key: ScenarioKey {
                feature: feature.into(),
                line,
            },
            name: name.into(),
            tags: vec![],
            steps: vec![],
        }
    }

    const TEXT: &str = r#"
[[expect]]
scenario = "download/backoff.feature: Busy (MS-OXCFXICS 3.3.5.9.1)"
outcome = "fail"
reason = "BackoffTime 0"

[[expect]]
scenario = "configure/sync-type.feature: Type 0x04 fails"
line = 17
outcome = "skip"
reason = "hangs"
"#;

    #[test]
    fn parses_and_looks_up_by_name_and_line() {
        let e = Expectations::parse(Path::new("t.toml"), TEXT).unwrap();
        assert_eq!(e.entries.len(), 2);
        let busy = scenario(
            "download/backoff.feature",
            16,
            "Busy (MS-OXCFXICS 3.3.5.9.1)",
        );
        assert_eq!(e.lookup(&busy).unwrap().outcome, Expected::Fail);
        let t17 = scenario("configure/sync-type.feature", 17, "Type 0x04 fails");
        let t18 = scenario("configure/sync-type.feature", 18, "Type 0x04 fails");
        assert_eq!(e.lookup(&t17).unwrap().reason, "hangs");
        assert!(e.lookup(&t18).is_none());
        let other = scenario("download/backoff.feature", 16, "Busy");
        assert!(e.lookup(&other).is_none());
    }

    #[test]
    fn stale_entries_are_errors() {
        let e = Expectations::parse(Path::new("t.toml"), TEXT).unwrap();
        let catalog = Catalog {
            root: PathBuf::new(),
            scenarios: vec![scenario(
                "download/backoff.feature",
                16,
                "Busy (MS-OXCFXICS 3.3.5.9.1)",
            )],
        };
        let err = e.check_against(&catalog).unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.toml: stale entry `configure/sync-type.feature: Type 0x04 fails` (line 17): no such scenario"
        );
    }

    #[test]
    fn entries_need_a_reason_and_known_fields() {
        let no_reason = "[[expect]]\nscenario = \"a: b\"\noutcome = \"fail\"\nreason = \" \"\n";
        assert!(matches!(
            Expectations::parse(Path::new("t.toml"), no_reason),
            Err(ExpectationsError::NoReason { .. })
        ));
        let bad_outcome = "[[expect]]\nscenario = \"a: b\"\noutcome = \"pass\"\nreason = \"r\"\n";
        assert!(matches!(
            Expectations::parse(Path::new("t.toml"), bad_outcome),
            Err(ExpectationsError::Syntax { .. })
        ));
        let extra =
            "[[expect]]\nscenario = \"a: b\"\noutcome = \"fail\"\nreason = \"r\"\nwhy = 1\n";
        assert!(Expectations::parse(Path::new("t.toml"), extra).is_err());
    }

    #[test]
    fn a_missing_file_means_no_expectations() {
        let e = Expectations::load(Path::new("/nonexistent/ics/expectations.toml")).unwrap();
        assert!(e.entries.is_empty());
    }
}
