//! Runs the features with cucumber 0.23 (tooling.md section 1): our selection ANDed with the
//! user's `--tags`/`--name`, capability skips, the target's expectations, JUnit and Cucumber
//! JSON output, the Markdown report, and the plain closing line.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};

use cucumber::event::ScenarioFinished;
use cucumber::gherkin;
use cucumber::{StatsWriter as _, World as _, WriterExt as _, cli, writer};

use crate::catalog::{self, Catalog, ScenarioKey};
use crate::expectations::{Expectations, Expected};
use crate::report;
use crate::results::{RunOutcome, ScenarioRecord, Summary, Verdict};
use crate::selection::{Selection, Selector};
use crate::steps;
use crate::targets::{self, Target};
use crate::world::{self, SuiteWorld};

/// Options of `ics-harness run` and of `cargo test --test conformance -- ...`, next to
/// cucumber's own (`--tags`, `--name`, `--concurrency`, `--fail-fast`, `-v`, ...).
#[derive(clap::Args, Clone, Debug)]
pub struct RunOptions {
    /// Target to check.
    #[arg(long, env = "ICS_TARGET", default_value = targets::REFERENCE)]
    pub target: String,
    /// Replace the target's capabilities: `none` or a comma-separated list (e.g. to see how a
    /// server without fault injection is reported).
    #[arg(long, value_name = "LIST")]
    pub capabilities: Option<String>,
    /// Features directory [default: ./features if present, else the repository's].
    #[arg(long, env = "ICS_FEATURES", value_name = "DIR")]
    pub features: Option<PathBuf>,
    /// Expectations file [default: <features>/expectations/<target>.toml].
    #[arg(long, value_name = "FILE")]
    pub expectations: Option<PathBuf>,
    /// Also run @wip scenarios (also with env CUCUMBER_WIP set).
    #[arg(long)]
    pub wip: bool,
    /// Write a JUnit XML report.
    #[arg(long, env = "CUCUMBER_JUNIT", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Cucumber JSON report.
    #[arg(long, env = "CUCUMBER_JSON", value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the Markdown conformance report.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// User of a URL target (`user`, `DOMAIN\\user` or `user@domain`). The password comes
    /// from the environment variable ICS_PASSWORD, else from a prompt; never from the command
    /// line.
    #[arg(long, env = "ICS_USER", value_name = "USER")]
    pub user: Option<String>,
    /// HTTP authentication of a URL target: basic, ntlm, negotiate (SPNEGO carrying NTLM), or
    /// auto (what the server's 401 offers: Negotiate, then NTLM, then Basic).
    #[arg(long, env = "ICS_AUTH", value_name = "SCHEME", default_value = "basic")]
    pub auth: ics_transport::AuthScheme,
    /// Control endpoint of a URL target (`ics-harness serve --control`): the target then offers
    /// fault injection and behaviour profiles, and each scenario starts on a reset mailbox.
    #[arg(long, value_name = "URL")]
    pub control: Option<String>,
    /// An https URL target's certificate or its CA (DER or PEM), trusted beside the Mozilla
    /// roots.
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// EssDN of the mailbox for RopLogon on a URL target [default: /o=ics/cn=USER].
    #[arg(long, env = "ICS_MAILBOX_DN", value_name = "DN")]
    pub mailbox_dn: Option<String>,
}

/// An in-memory sink shared with a cucumber writer, written to a file after the run. This
/// keeps the writer type the same whether or not JUnit/JSON output is asked for, so that
/// cucumber's options can be parsed for it before the run.
#[derive(Clone, Debug, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

type Opts<Wr> = cli::Opts<
    cucumber::parser::basic::Cli,
    cucumber::runner::basic::Cli,
    <Wr as cucumber::Writer<SuiteWorld>>::Cli,
    RunOptions,
>;

/// Parses cucumber's and our options for the writer `_writer` will be.
fn parse_opts<Wr: cucumber::Writer<SuiteWorld>>(
    _writer: &Wr,
    args: &[String],
) -> Result<Opts<Wr>, clap::Error> {
    use clap::{CommandFactory as _, FromArgMatches as _};
    const ABOUT: &str = "Runs the Gherkin features of features/ against a target (the \
                         in-process reference server by default) and reports which requirement \
                         ids it conforms to.";
    let command = <Opts<Wr>>::command()
        .name("ics-harness run")
        .about(ABOUT)
        .long_about(ABOUT);
    let matches = command.try_get_matches_from(args)?;
    <Opts<Wr>>::from_arg_matches(&matches)
}

/// The features directory: the option, else `./features`, else the repository's.
fn features_dir(option: Option<&Path>) -> PathBuf {
    if let Some(dir) = option {
        return dir.to_path_buf();
    }
    let local = PathBuf::from("features");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../features"))
}

/// Runs the suite with `args` (program name first) and returns the process exit code:
/// failure if a scenario failed, a known failure passed, or the run could not start.
pub fn run(args: Vec<String>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run_async(args)),
        Err(e) => {
            eprintln!("conformance: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Everything the run needs besides cucumber itself.
struct Setup {
    target: Target,
    root: PathBuf,
    catalog: Catalog,
    expectations: Expectations,
}

fn setup(options: &RunOptions) -> Result<Setup, String> {
    let mut target = Target::resolve(&options.target, options.capabilities.as_deref())
        .map_err(|e| e.to_string())?;
    if targets::is_url(&target.name) && options.control.is_some() {
        target = target.with_control(options.capabilities.is_some());
    }
    crate::remote::configure_for(&target, options)?;
    let dir = features_dir(options.features.as_deref());
    let root = dir
        .canonicalize()
        .map_err(|e| format!("features directory {}: {e}", dir.display()))?;
    let catalog = Catalog::load(&root).map_err(|e| e.to_string())?;
    let path = options.expectations.clone().unwrap_or_else(|| {
        root.join("expectations")
            .join(format!("{}.toml", target.expectations_name()))
    });
    let expectations = Expectations::load(&path).map_err(|e| e.to_string())?;
    expectations
        .check_against(&catalog)
        .map_err(|e| e.to_string())?;
    Ok(Setup {
        target,
        root,
        catalog,
        expectations,
    })
}

fn key_of(root: &Path, feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> ScenarioKey {
    ScenarioKey {
        feature: feature
            .path
            .as_deref()
            .map(|p| catalog::relative_feature_path(root, p))
            .unwrap_or_default(),
        line: scenario.position.line,
    }
}

type Shared<T> = Arc<Mutex<HashMap<ScenarioKey, T>>>;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn run_async(args: Vec<String>) -> ExitCode {
    let (junit_buf, json_buf) = (SharedBuf::default(), SharedBuf::default());
    let writer = writer::Basic::raw(io::stdout(), writer::Coloring::Auto, 0)
        .summarized()
        .tee::<SuiteWorld, _>(writer::JUnit::for_tee(junit_buf.clone(), 0))
        .tee::<SuiteWorld, _>(writer::Json::for_tee(json_buf.clone()))
        .normalized();
    let mut opts = match parse_opts(&writer, &args) {
        Ok(opts) => opts,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    // Take the user's filters from cucumber, which would *replace* ours with them.
    let mut selector_tags = opts.tags_filter.take();
    let selector_name = opts.re_filter.take();
    let options = opts.custom.clone();
    let setup = match setup(&options) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("conformance: {message}");
            return ExitCode::from(2);
        }
    };
    // A URL target that cannot be reached or refuses the account is one error, not a failure
    // of every scenario.
    if targets::is_url(&setup.target.name)
        && let Err(reason) = crate::remote::preflight().await
    {
        eprintln!("error: target {}: {reason}", setup.target.name);
        return ExitCode::from(2);
    }
    world::set_target(setup.target.clone());

    let mut selector = Selector::new(setup.target.clone());
    selector.tags = selector_tags.take();
    selector.name = selector_name;
    selector.include_wip = options.wip || std::env::var_os("CUCUMBER_WIP").is_some();
    selector.known_skips = setup
        .catalog
        .scenarios
        .iter()
        .filter_map(|s| {
            let e = setup.expectations.lookup(s)?;
            (e.outcome == Expected::Skip).then(|| (s.key.clone(), e.reason.clone()))
        })
        .collect();

    let decisions: Shared<Selection> = Arc::default();
    let outcomes: Shared<(RunOutcome, Vec<String>)> = Arc::default();
    let filter = {
        let (root, decisions) = (setup.root.clone(), decisions.clone());
        move |f: &gherkin::Feature, r: Option<&gherkin::Rule>, s: &gherkin::Scenario| {
            let key = key_of(&root, f, s);
            let decision = selector.decide(&key, &s.name, &catalog::merged_tags(f, r, s));
            let run = decision == Selection::Run;
            lock(&decisions).insert(key, decision);
            run
        }
    };
    let finished = SuiteWorld::cucumber::<PathBuf>()
        .given(steps::any(), steps::step())
        .when(steps::any(), steps::step())
        .then(steps::any(), steps::step())
        .with_writer(writer)
        .with_cli(opts)
        .after({
            let (root, outcomes) = (setup.root.clone(), outcomes.clone());
            move |f, _rule, s, ev, w| {
                let outcome = match ev {
                    ScenarioFinished::StepPassed => RunOutcome::Passed,
                    ScenarioFinished::StepSkipped => {
                        RunOutcome::Failed("a step has no matching step definition".into())
                    }
                    ScenarioFinished::StepFailed(_, _, e) => RunOutcome::Failed(e.to_string()),
                    ScenarioFinished::BeforeHookFailed(_) => {
                        RunOutcome::Failed("the before hook failed".into())
                    }
                };
                let notes = w
                    .map(|w| {
                        // The writers keep the World (in an Arc) after the hook: drop its
                        // connection now, so a leased remote account is free for the next
                        // scenario.
                        w.harness = None;
                        std::mem::take(&mut w.notes)
                    })
                    .unwrap_or_default();
                lock(&outcomes).insert(key_of(&root, f, s), (outcome, notes));
                Box::pin(std::future::ready(()))
            }
        })
        .filter_run(setup.root.clone(), filter)
        .await;
    let errors = finished.parsing_errors() + finished.hook_errors();

    let decisions = std::mem::take(&mut *lock(&decisions));
    let mut outcomes = std::mem::take(&mut *lock(&outcomes));
    let records: Vec<ScenarioRecord> = setup
        .catalog
        .scenarios
        .iter()
        .map(|s| {
            let selection = decisions
                .get(&s.key)
                .cloned()
                .unwrap_or_else(|| Selection::Deselected("not reached by the runner".into()));
            let (outcome, notes) = match outcomes.remove(&s.key) {
                Some((o, n)) => (Some(o), n),
                None => (None, Vec::new()),
            };
            ScenarioRecord {
                key: s.key.clone(),
                name: s.name.clone(),
                tags: s.tags.clone(),
                verdict: Verdict::of(&selection, outcome.as_ref(), setup.expectations.lookup(s)),
                notes,
            }
        })
        .collect();
    // A result for a scenario the catalog does not know would be lost: count it as an error.
    let strays = outcomes.len();
    for key in outcomes.keys() {
        eprintln!("conformance: result for {key}, which is not in the catalog");
    }
    let summary = Summary::of(&records, errors + strays);

    let mut out = io::stdout().lock();
    for r in &records {
        if !matches!(r.verdict, Verdict::Passed | Verdict::NotRun(_)) {
            let _ = writeln!(
                out,
                "conformance: {} {} {}: {}",
                r.verdict.label(),
                r.key,
                r.name,
                r.verdict.detail().unwrap_or_default()
            );
        }
    }
    let mut status = if summary.is_failure() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    let outputs = [
        (options.junit.as_ref(), junit_buf.take()),
        (options.json.as_ref(), json_buf.take()),
        (
            options.report.as_ref(),
            options
                .report
                .as_ref()
                .map(|_| report::markdown(&setup.target, &records, &summary).into_bytes())
                .unwrap_or_default(),
        ),
    ];
    for (path, bytes) in outputs {
        if let Some(path) = path
            && let Err(e) = std::fs::write(path, bytes)
        {
            let _ = writeln!(out, "conformance: cannot write {}: {e}", path.display());
            status = ExitCode::FAILURE;
        }
    }
    let _ = writeln!(out, "{}", summary.detail_line());
    let _ = writeln!(out, "{summary}");
    status
}
