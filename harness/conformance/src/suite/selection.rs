//! Which scenarios a run executes. Our own filter, ANDed with the user's `--tags` / `--name`
//! (cucumber would otherwise *replace* the filter with them, tooling.md 1.3):
//! - `@wip` scenarios (steps not written yet) are left out unless asked for;
//! - a scenario with `@needs-X` on a target without capability X, or listed as a known skip in
//!   the target's expectations, is reported **skipped with the reason**, never run or passed.

use std::collections::HashMap;

use cucumber::gherkin::tagexpr::TagOperation;
use cucumber::tag::Ext as _;
use regex::Regex;

use crate::catalog::ScenarioKey;
use crate::targets::Target;

/// The tag of scenarios whose steps are not implemented yet.
pub const WIP: &str = "wip";
/// The prefix of capability tags.
pub const NEEDS: &str = "needs-";

/// What happens to one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Run it.
    Run,
    /// Not part of this run (`@wip`, or outside `--tags` / `--name`); not reported as a result.
    Deselected(String),
    /// Part of this run but not executed; reported skipped with this reason.
    Skipped(String),
}

/// The filter of one run.
#[derive(Clone, Debug)]
pub struct Selector {
    pub target: Target,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
    pub include_wip: bool,
    /// Known skips of the target's expectations file: scenario -> reason.
    pub known_skips: HashMap<ScenarioKey, String>,
}

impl Selector {
    /// A selector with no user filter, no known skips and `@wip` left out.
    pub fn new(target: Target) -> Self {
        Self {
            target,
            tags: None,
            name: None,
            include_wip: false,
            known_skips: HashMap::new(),
        }
    }

    /// Decides for one scenario, given its merged tags (without `@`).
    pub fn decide(&self, key: &ScenarioKey, name: &str, tags: &[String]) -> Selection {
        if let Some(expr) = &self.tags
            && !expr.eval(tags)
        {
            return Selection::Deselected("outside --tags".into());
        }
        if let Some(re) = &self.name
            && !re.is_match(name)
        {
            return Selection::Deselected("outside --name".into());
        }
        // `@wip` scenarios run when asked for: `--wip`, or a `--tags` expression that selects
        // this scenario only because of its `@wip` tag (e.g. `@wip`, `@wip and @R-136`).
        let wip_asked = self.include_wip
            || self
                .tags
                .as_ref()
                .is_some_and(|e| !e.eval(tags.iter().filter(|t| *t != WIP)));
        if tags.iter().any(|t| t == WIP) && !wip_asked {
            return Selection::Deselected("@wip: steps not implemented yet".into());
        }
        let missing: Vec<&str> = tags
            .iter()
            .filter_map(|t| t.strip_prefix(NEEDS))
            .filter(|cap| !self.target.has(cap))
            .collect();
        if !missing.is_empty() {
            return Selection::Skipped(format!(
                "target `{}` lacks {}",
                self.target.name,
                missing
                    .iter()
                    .map(|c| format!("capability `{c}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        }
        if let Some(reason) = self.known_skips.get(key) {
            return Selection::Skipped(format!("known skip: {reason}"));
        }
        Selection::Run
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: usize) -> ScenarioKey {
        ScenarioKey {
            feature: "download/backoff.feature".into(),
            line,
        }
    }

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| (*s).to_owned()).collect()
    }

    fn reference() -> Selector {
        Selector::new(Target::resolve("reference", None).unwrap())
    }

    #[test]
    fn wip_is_left_out_unless_asked_for() {
        let s = reference();
        assert!(matches!(
            s.decide(&key(1), "x", &tags(&["wip", "R-136"])),
            Selection::Deselected(_)
        ));
        assert_eq!(s.decide(&key(1), "x", &tags(&["R-136"])), Selection::Run);
        let mut s = reference();
        s.tags = Some("@wip".parse().unwrap());
        assert_eq!(s.decide(&key(1), "x", &tags(&["wip"])), Selection::Run);
        s.tags = Some("@wip and @R-136".parse().unwrap());
        assert_eq!(
            s.decide(&key(1), "x", &tags(&["wip", "R-136"])),
            Selection::Run
        );
        // Selecting by requirement alone does not pull in unimplemented scenarios.
        s.tags = Some("@R-136".parse().unwrap());
        assert!(matches!(
            s.decide(&key(1), "x", &tags(&["wip", "R-136"])),
            Selection::Deselected(_)
        ));
        let mut s = reference();
        s.include_wip = true;
        assert_eq!(s.decide(&key(1), "x", &tags(&["wip"])), Selection::Run);
    }

    #[test]
    fn a_missing_capability_skips_with_the_reason_even_when_tags_select_it() {
        let mut s = Selector::new(Target::resolve("reference", Some("none")).unwrap());
        s.tags = Some("@R-056".parse().unwrap());
        let t = tags(&["R-056", "needs-fault-injection", "needs-behaviour-profile"]);
        assert_eq!(
            s.decide(&key(1), "x", &t),
            Selection::Skipped(
                "target `reference` lacks capability `fault-injection` and capability `behaviour-profile`"
                    .into()
            )
        );
        // With the capability the same scenario runs.
        let s = reference();
        assert_eq!(
            s.decide(&key(1), "x", &tags(&["needs-fault-injection"])),
            Selection::Run
        );
    }

    #[test]
    fn user_tags_and_name_are_anded_with_our_filter() {
        let mut s = reference();
        s.tags = Some("not @R-136".parse().unwrap());
        assert!(matches!(
            s.decide(&key(1), "x", &tags(&["R-136"])),
            Selection::Deselected(_)
        ));
        // `not @R-136` must not let a @wip scenario in.
        assert!(matches!(
            s.decide(&key(1), "x", &tags(&["wip"])),
            Selection::Deselected(_)
        ));
        let mut s = reference();
        s.name = Some(Regex::new("back-?off").unwrap());
        assert!(matches!(
            s.decide(&key(1), "bootstrap", &[]),
            Selection::Deselected(_)
        ));
        assert_eq!(s.decide(&key(1), "busy backoff", &[]), Selection::Run);
    }

    #[test]
    fn known_skips_of_the_expectations_are_skipped_with_their_reason() {
        let mut s = reference();
        s.known_skips.insert(key(7), "hangs the transport".into());
        assert_eq!(
            s.decide(&key(7), "x", &[]),
            Selection::Skipped("known skip: hangs the transport".into())
        );
        assert_eq!(s.decide(&key(8), "x", &[]), Selection::Run);
    }
}
