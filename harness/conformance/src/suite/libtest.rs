//! Makes the `harness = false` cucumber binary tolerate what `cargo test [FILTER] -- ...` and
//! `cargo nextest run` pass to every test binary (tooling.md 1.8): libtest flags are dropped,
//! `--list` answers one pseudo-test, and positional filters select or skip the whole suite.

/// The one pseudo-test this binary reports to libtest-style callers.
pub const PSEUDO_TEST: &str = "conformance";

/// What the binary should do with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Run the suite with these arguments (program name first).
    Run(Vec<String>),
    /// Print this (possibly empty) text and exit successfully without running.
    Exit(String),
}

/// Our options and cucumber's that take a separate value (so the value is not a filter).
const VALUED: &[&str] = &[
    "-n",
    "--name",
    "--scenario-name",
    "-t",
    "--tags",
    "--scenario-tags",
    "-c",
    "--concurrency",
    "--retry",
    "--retry-after",
    "--retry-tag-filter",
    "--color",
    "--junit-v",
    "-i",
    "--input",
    "--target",
    "--capabilities",
    "--features",
    "--expectations",
    "--junit",
    "--json",
    "--report",
];
/// libtest flags without a value.
const LIBTEST_FLAGS: &[&str] = &[
    "--nocapture",
    "--show-output",
    "-q",
    "--quiet",
    "--include-ignored",
    "--ignored",
    "--exact",
    "--list",
    "--test",
    "--bench",
    "--force-run-in-process",
];
/// libtest options with a value.
const LIBTEST_VALUED: &[&str] = &[
    "--test-threads",
    "--format",
    "--skip",
    "-Z",
    "--logfile",
    "--report-time",
    "--shuffle-seed",
    "--color-libtest",
];

/// Sorts the process arguments into an [`Invocation`].
pub fn libtest_compat(args: impl IntoIterator<Item = String>) -> Invocation {
    let mut it = args.into_iter();
    let mut out = vec![it.next().unwrap_or_default()];
    let (mut filters, mut list, mut ignored, mut exact) = (Vec::new(), false, false, false);
    let mut it = it.peekable();
    while let Some(arg) = it.next() {
        let flag = arg.split('=').next().unwrap_or_default();
        match arg.as_str() {
            "--list" => list = true,
            "--ignored" => ignored = true,
            "--exact" => exact = true,
            a if LIBTEST_FLAGS.contains(&a) => {}
            _ if LIBTEST_VALUED.contains(&flag) => {
                if !arg.contains('=') {
                    it.next();
                }
            }
            a if VALUED.contains(&a) => {
                out.push(arg.clone());
                out.extend(it.next());
            }
            a if !a.starts_with('-') => filters.push(arg.clone()),
            _ => out.push(arg.clone()),
        }
    }
    let selected = filters.is_empty()
        || filters.iter().any(|f| {
            if exact {
                f == PSEUDO_TEST
            } else {
                PSEUDO_TEST.contains(f.as_str())
            }
        });
    if list {
        // `--list --ignored` lists the ignored tests: there are none.
        let listed = selected && !ignored;
        return Invocation::Exit(if listed {
            format!("{PSEUDO_TEST}: test")
        } else {
            String::new()
        });
    }
    if ignored {
        return Invocation::Exit(String::new());
    }
    if !selected {
        return Invocation::Exit(format!(
            "{PSEUDO_TEST}: not run, filter {filters:?} does not match the pseudo-test {PSEUDO_TEST:?}"
        ));
    }
    Invocation::Run(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        std::iter::once("bin")
            .chain(a.iter().copied())
            .map(String::from)
            .collect()
    }

    #[test]
    fn libtest_flags_are_dropped_and_ours_kept() {
        assert_eq!(
            libtest_compat(args(&[
                "--nocapture",
                "--test-threads",
                "1",
                "--format=terse",
                "--tags",
                "@R-136 and not @wip",
                "--target",
                "reference",
                "-v"
            ])),
            Invocation::Run(args(&[
                "--tags",
                "@R-136 and not @wip",
                "--target",
                "reference",
                "-v"
            ]))
        );
    }

    #[test]
    fn positional_filters_select_or_skip_the_suite() {
        assert!(matches!(
            libtest_compat(args(&["conform"])),
            Invocation::Run(_)
        ));
        assert!(
            matches!(libtest_compat(args(&["roundtrip"])), Invocation::Exit(m) if m.contains("not run"))
        );
        assert!(matches!(
            libtest_compat(args(&["conform", "--exact"])),
            Invocation::Exit(_)
        ));
        assert!(matches!(
            libtest_compat(args(&["conformance", "--exact"])),
            Invocation::Run(_)
        ));
    }

    #[test]
    fn list_and_ignored_are_answered_without_running() {
        assert_eq!(
            libtest_compat(args(&["--list", "--format", "terse"])),
            Invocation::Exit("conformance: test".into())
        );
        assert_eq!(
            libtest_compat(args(&["--list", "--ignored"])),
            Invocation::Exit(String::new())
        );
        assert_eq!(
            libtest_compat(args(&["--ignored"])),
            Invocation::Exit(String::new())
        );
    }
}
