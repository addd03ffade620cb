//! Lints `features/`: the Gherkin parses, every step is exactly one phrase of the vocabulary in
//! `features/README.md` (so the README explains every step and the step definitions stay few),
//! every phrase is used, every tag is known, every scenario names its spec section, the
//! expectations files are valid, and the requirement tags cover at least 60 % of groups D,
//! F-V and Z (issue 7).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ics_conformance::catalog::Catalog;
use ics_conformance::expectations::Expectations;
use ics_conformance::outcome;
use ics_conformance::requirements::{self, ReqId};
use ics_conformance::selection::{NEEDS, WIP};
use ics_conformance::targets::KNOWN_CAPABILITIES;
use ics_conformance::vocabulary::{StepProblem, Vocabulary};
use regex::Regex;

fn features() -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../features"))
        .canonicalize()
        .expect("features/ exists")
}

fn catalog() -> Catalog {
    Catalog::load(&features()).expect("every feature parses")
}

fn vocabulary() -> Vocabulary {
    let text = std::fs::read_to_string(features().join("README.md")).expect("features/README.md");
    Vocabulary::from_readme(&text).expect("the vocabulary compiles")
}

#[test]
fn every_step_is_exactly_one_phrase_of_the_readme_and_every_phrase_is_used() {
    let (catalog, vocabulary) = (catalog(), vocabulary());
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for s in &catalog.scenarios {
        for step in &s.steps {
            match vocabulary.check(step) {
                Ok(phrase) => {
                    used.insert(phrase.pattern.clone());
                    if let Some(expr) = phrase.outcome_of(step)
                        && let Err(e) = outcome::parse(expr)
                    {
                        problems.push(format!(
                            "{}: the runner cannot judge it ({e}): {step}",
                            s.key
                        ));
                    }
                }
                Err(StepProblem::Unknown) => {
                    problems.push(format!("{}: not in the vocabulary: {step}", s.key))
                }
                Err(StepProblem::Ambiguous(p)) => {
                    problems.push(format!("{}: ambiguous ({p:?}): {step}", s.key))
                }
                Err(StepProblem::BadOutcome(b)) => problems.push(format!(
                    "{}: unknown outcome alternatives {b:?}: {step}",
                    s.key
                )),
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    let unused: Vec<_> = vocabulary
        .phrases
        .iter()
        .filter(|p| !used.contains(&p.pattern))
        .map(|p| p.pattern.as_str())
        .collect();
    assert!(unused.is_empty(), "phrases no scenario uses: {unused:#?}");
    assert!(
        catalog.scenarios.len() >= 150,
        "{} scenarios",
        catalog.scenarios.len()
    );
}

#[test]
fn every_tag_is_known_and_every_scenario_names_its_section() {
    let section = Regex::new(r"\(MS-OX[A-Z]+ \d+(\.\d+)*(, \d+(\.\d+)*)*\)$").unwrap();
    let mut problems = Vec::new();
    for s in &catalog().scenarios {
        if !section.is_match(&s.name) {
            problems.push(format!(
                "{}: the title does not end with its spec section: {}",
                s.key, s.name
            ));
        }
        for tag in &s.tags {
            let ok = if tag.starts_with("R-") {
                tag.parse::<ReqId>().is_ok()
            } else if let Some(cap) = tag.strip_prefix(NEEDS) {
                KNOWN_CAPABILITIES.contains(&cap)
            } else {
                [WIP, "client-duty"].contains(&tag.as_str())
            };
            if !ok {
                problems.push(format!("{}: unknown tag @{tag}", s.key));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn requirement_tags_cover_at_least_60_percent_of_the_counted_groups() {
    let tagged: BTreeSet<ReqId> = catalog()
        .scenarios
        .iter()
        .flat_map(|s| requirements::ids_in_tags(&s.tags))
        .collect();
    let counted: Vec<ReqId> = requirements::counted_ids().collect();
    let covered = counted.iter().filter(|id| tagged.contains(id)).count();
    assert!(
        covered * 10 >= counted.len() * 6,
        "{covered} of {} counted ids have a scenario",
        counted.len()
    );
}

#[test]
fn expectations_files_parse_and_name_existing_scenarios() {
    let catalog = catalog();
    let dir = features().join("expectations");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("features/expectations/") {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let e = Expectations::load(&path).unwrap_or_else(|e| panic!("{e}"));
            e.check_against(&catalog).unwrap_or_else(|e| panic!("{e}"));
            checked += 1;
        }
    }
    assert!(checked >= 1, "no expectations file in {}", dir.display());
}
