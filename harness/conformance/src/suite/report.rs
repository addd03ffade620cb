//! The Markdown conformance report: the coverage figure (requirement ids of the counted
//! groups with a passing scenario / all ids of those groups), a matrix of every requirement id
//! with its scenarios and their verdicts, the observations the steps recorded, and the
//! scenarios that did not pass.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::requirements::{self, GROUPS, ReqId};
use crate::results::{ScenarioRecord, Summary, Verdict};
use crate::targets::Target;

/// Coverage of a set of requirement ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Ids in the set.
    pub ids: usize,
    /// Ids with at least one scenario (whatever its verdict).
    pub with_scenario: usize,
    /// Ids with at least one passing scenario.
    pub passing: usize,
}

impl Coverage {
    /// `passing / ids` in percent (0 for an empty set).
    pub fn percent(&self) -> f64 {
        if self.ids == 0 {
            0.0
        } else {
            100.0 * self.passing as f64 / self.ids as f64
        }
    }
}

/// The records of each requirement id, from the `@R-nnn` tags.
pub fn by_requirement(records: &[ScenarioRecord]) -> BTreeMap<ReqId, Vec<&ScenarioRecord>> {
    let mut map: BTreeMap<ReqId, Vec<&ScenarioRecord>> = BTreeMap::new();
    for r in records {
        for id in requirements::ids_in_tags(&r.tags) {
            map.entry(id).or_default().push(r);
        }
    }
    map
}

fn coverage_of(
    ids: impl Iterator<Item = ReqId>,
    map: &BTreeMap<ReqId, Vec<&ScenarioRecord>>,
) -> Coverage {
    let mut c = Coverage::default();
    for id in ids {
        c.ids += 1;
        if let Some(rs) = map.get(&id) {
            c.with_scenario += 1;
            if rs.iter().any(|r| r.verdict == Verdict::Passed) {
                c.passing += 1;
            }
        }
    }
    c
}

/// Coverage of the counted groups (D, F-V, Z) taken together.
pub fn coverage(records: &[ScenarioRecord]) -> Coverage {
    coverage_of(requirements::counted_ids(), &by_requirement(records))
}

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report.
pub fn markdown(target: &Target, records: &[ScenarioRecord], summary: &Summary) -> String {
    let map = by_requirement(records);
    let mut out = String::new();
    let caps: Vec<&str> = target.capabilities.iter().map(String::as_str).collect();
    let _ = writeln!(out, "# ICS conformance report: target `{}`\n", target.name);
    let _ = writeln!(
        out,
        "Capabilities beyond the ROPs: {}.\n",
        if caps.is_empty() {
            "none".to_owned()
        } else {
            caps.join(", ")
        }
    );
    let _ = writeln!(out, "`{summary}`  \n`{}`\n", summary.detail_line());

    let total = coverage(records);
    let _ = writeln!(out, "## Coverage\n");
    let _ = writeln!(
        out,
        "Requirement ids of groups D, F-V and Z with a passing scenario: **{} / {} ({:.1} %)**; \
         with any scenario: {}.\n",
        total.passing,
        total.ids,
        total.percent(),
        total.with_scenario
    );
    let _ = writeln!(
        out,
        "| group | title | ids | with a scenario | passing | counted |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for g in GROUPS {
        let c = coverage_of(g.ids(), &map);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            g.letter,
            cell(g.title),
            c.ids,
            c.with_scenario,
            c.passing,
            if g.counted { "yes" } else { "no" }
        );
    }

    let _ = writeln!(out, "\n## Conformance matrix\n");
    let _ = writeln!(out, "| requirement | group | scenarios and verdicts |");
    let _ = writeln!(out, "|---|---|---|");
    for g in GROUPS {
        for id in g.ids() {
            let scenarios = match map.get(&id) {
                None => "no scenario".to_owned(),
                Some(rs) => rs
                    .iter()
                    .map(|r| format!("{}: `{}` {}", r.verdict.label(), r.key, cell(&r.name)))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            };
            let _ = writeln!(out, "| {id} | {} | {scenarios} |", g.letter);
        }
    }

    let noted: Vec<&ScenarioRecord> = records.iter().filter(|r| !r.notes.is_empty()).collect();
    if !noted.is_empty() {
        let _ = writeln!(out, "\n## Observations and warnings\n");
        for r in noted {
            for note in &r.notes {
                let _ = writeln!(out, "- `{}` {}: {}", r.key, r.name, note);
            }
        }
    }

    let not_passed: Vec<&ScenarioRecord> = records
        .iter()
        .filter(|r| !matches!(r.verdict, Verdict::Passed | Verdict::NotRun(_)))
        .collect();
    if !not_passed.is_empty() {
        let _ = writeln!(out, "\n## Scenarios that did not pass\n");
        for r in not_passed {
            let _ = writeln!(
                out,
                "- {} `{}` {}: {}",
                r.verdict.label(),
                r.key,
                r.name,
                r.verdict.detail().unwrap_or_default()
            );
        }
    }

    let uncovered: Vec<String> = requirements::counted_ids()
        .filter(|id| !map.contains_key(id))
        .map(|id| id.to_string())
        .collect();
    let _ = writeln!(
        out,
        "\n## Counted requirement ids without a scenario\n\n{}",
        if uncovered.is_empty() {
            "none".to_owned()
        } else {
            uncovered.join(", ")
        }
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ScenarioKey;

    fn record(line: usize, tags: &[&str], verdict: Verdict, notes: &[&str]) -> ScenarioRecord {
        ScenarioRecord {
            key: ScenarioKey {
                feature: "download/bootstrap.feature".into(),
                line,
            },
            name: format!("scenario {line}"),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            verdict,
            notes: notes.iter().map(|n| (*n).to_owned()).collect(),
        }
    }

    fn synthetic() -> Vec<ScenarioRecord> {
        vec![
            // R-136 (K): one passing, one failing scenario -> covered.
            record(10, &["R-136", "R-137"], Verdict::Passed, &[]),
            record(20, &["R-136"], Verdict::Failed("boom".into()), &[]),
            // R-048 (D): only skipped -> has a scenario, not passing.
            record(
                30,
                &["R-048"],
                Verdict::Skipped("target lacks capability `fault-injection`".into()),
                &[],
            ),
            // R-001 (A, not counted) passing.
            record(
                40,
                &["R-001", "wip"],
                Verdict::Passed,
                &["SendOptions edition: current"],
            ),
            // R-331 (Z): expected failure is not a pass.
            record(
                50,
                &["R-331"],
                Verdict::ExpectedFailure("known".into()),
                &[],
            ),
            record(60, &["R-340"], Verdict::NotRun("@wip".into()), &[]),
        ]
    }

    #[test]
    fn coverage_counts_ids_of_counted_groups_with_a_passing_scenario() {
        let c = coverage(&synthetic());
        assert_eq!(c.ids, 266);
        assert_eq!(c.with_scenario, 5, "R-048, R-136, R-137, R-331, R-340");
        assert_eq!(c.passing, 2, "R-136 and R-137");
        assert!((c.percent() - 200.0 / 266.0).abs() < 1e-9);
        assert_eq!(Coverage::default().percent(), 0.0);
    }

    #[test]
    fn the_report_has_the_matrix_observations_and_failures() {
        let records = synthetic();
        let target = Target::resolve("reference", None).unwrap();
        let summary = Summary::of(&records, 0);
        let md = markdown(&target, &records, &summary);
        assert!(md.starts_with("# ICS conformance report: target `reference`"));
        assert!(md.contains(
            "Capabilities beyond the ROPs: behaviour-profile, fault-injection, permissions, property-groups, public-folders, second-mailbox, server-rollback, server-version."
        ));
        assert!(md.contains("**2 / 266 (0.8 %)**; with any scenario: 5."));
        assert!(md.contains(
            "| R-136 | K | passed: `download/bootstrap.feature:10` scenario 10<br>FAILED: `download/bootstrap.feature:20` scenario 20 |"
        ));
        assert!(md.contains("| R-002 | A | no scenario |"));
        assert!(md.contains("| K | Empty-state bootstrap | 4 | 2 | 2 | yes |"));
        assert!(md.contains(
            "- `download/bootstrap.feature:40` scenario 40: SendOptions edition: current"
        ));
        assert!(md.contains(
            "- skipped `download/bootstrap.feature:30` scenario 30: target lacks capability `fault-injection`"
        ));
        assert!(
            md.contains("- expected failure `download/bootstrap.feature:50` scenario 50: known")
        );
        assert!(
            !md.contains("scenario 60: @wip"),
            "not-run scenarios are not listed as not passed"
        );
        let uncovered = md
            .split("## Counted requirement ids without a scenario")
            .nth(1)
            .unwrap();
        assert!(
            uncovered.contains("R-049")
                && !uncovered.contains("R-048")
                && !uncovered.contains("R-001")
        );
    }

    #[test]
    fn table_cells_are_escaped() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
