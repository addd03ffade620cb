//! The conformance suite of `ics-harness`: the runner of the Gherkin features (`features/`),
//! its scenario selection (tags, target capabilities, per-target expectations), the results and
//! the Markdown conformance report. Used by the `conformance` test target (`cargo test`) and by
//! `ics-harness run`.
#![forbid(unsafe_code)]

pub mod catalog;
pub mod driver;
pub mod expectations;
pub mod invariants;
pub mod libtest;
pub mod lifecycle;
pub mod outcome;
pub mod remote;
pub mod report;
pub mod requirements;
pub mod results;
pub mod runner;
pub mod selection;
pub mod serve;
pub mod steps;
pub mod target;
pub mod targets;
pub mod vocabulary;
pub mod world;
