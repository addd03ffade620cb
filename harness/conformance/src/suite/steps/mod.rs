//! Step definitions for the vocabulary of `features/README.md`, a file per topic. Every
//! phrase is registered once and accepted after Given, When and Then alike (the README's
//! `And`/`But` rule); a step whose phrase has no definition here fails with that reason.
//!
//! A definition is an async function `(&mut SuiteWorld, Args) -> Result<(), String>`; an
//! `Err` fails the scenario with its message.

mod attachments;
mod client;
mod conflict_notification;
mod conflicts;
mod destination;
mod download;
mod folder_deletes;
mod framing;
mod hierarchy;
mod hierarchy_upload;
mod imports;
mod local;
mod message_move;
mod parse;
mod permissions;
mod persistence;
mod probes;
mod property_groups;
mod public_folders;
mod read_state;
mod reserved_ids;
mod rollback;
mod second_mailbox;
mod server_version;
mod setup;
mod state;
mod sync;
mod upload;
mod versions;

// Outcome and probe steps by topic, registered after `local`.
mod change_children;
mod change_props;
mod client_calls;
mod client_requests;
mod error_info;
mod get_buffer;
mod ids_and_states;
mod local_replica_ids;
mod progress;
mod prop_types;
mod races;
mod read_state_imports;
mod state_upload;
mod transfer_state;

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;

use regex::Regex;

use crate::world::SuiteWorld;

/// The result of a step.
pub type Res = Result<(), String>;

/// The captures and the data table of a matched step.
#[derive(Clone, Debug, Default)]
pub struct Args {
    pub caps: Vec<Option<String>>,
    pub table: Vec<Vec<String>>,
}

impl Args {
    /// Capture `i` (1-based), or "".
    pub fn s(&self, i: usize) -> &str {
        self.caps.get(i).and_then(|c| c.as_deref()).unwrap_or("")
    }
    /// Whether capture `i` matched.
    pub fn has(&self, i: usize) -> bool {
        self.caps.get(i).is_some_and(Option::is_some)
    }
    /// Capture `i` as a number (decimal or 0x-hex).
    pub fn n(&self, i: usize) -> Result<u64, String> {
        parse::number(self.s(i))
    }
}

type StepFuture<'a> = Pin<Box<dyn Future<Output = Res> + 'a>>;
type Handler = for<'a> fn(&'a mut SuiteWorld, Args) -> StepFuture<'a>;

macro_rules! steps {
    ($($re:literal => $f:path),* $(,)?) => {
        vec![$(($re, {
            fn wrap(w: &mut SuiteWorld, a: crate::steps::Args) -> crate::steps::StepFuture<'_> {
                Box::pin($f(w, a))
            }
            wrap as crate::steps::Handler
        })),*]
    };
}
pub(crate) use steps;

static STEPS: LazyLock<Vec<(Regex, Handler)>> = LazyLock::new(|| {
    let mut all = Vec::new();
    all.extend(framing::steps());
    all.extend(destination::steps());
    all.extend(hierarchy_upload::steps());
    all.extend(rollback::steps());
    all.extend(second_mailbox::steps());
    all.extend(property_groups::steps());
    all.extend(permissions::steps());
    all.extend(server_version::steps());
    all.extend(folder_deletes::steps());
    all.extend(public_folders::steps());
    all.extend(conflict_notification::steps());
    all.extend(message_move::steps());
    // Before `upload`: it owns "the client imports the change of {m} again" (through the engine).
    all.extend(conflicts::steps());
    all.extend(versions::steps());
    all.extend(imports::steps());
    // First: its phrases are more specific than the generic outcome phrases after `local`.
    all.extend(upload::steps());
    all.extend(persistence::steps());
    all.extend(attachments::steps());
    all.extend(setup::steps());
    all.extend(sync::steps());
    all.extend(download::steps());
    all.extend(state::steps());
    all.extend(hierarchy::steps());
    all.extend(local::steps());
    all.extend(progress::steps());
    all.extend(races::steps());
    all.extend(client_requests::steps());
    all.extend(get_buffer::steps());
    all.extend(prop_types::steps());
    all.extend(error_info::steps());
    all.extend(ids_and_states::steps());
    all.extend(change_props::steps());
    all.extend(client_calls::steps());
    all.extend(change_children::steps());
    all.extend(local_replica_ids::steps());
    all.extend(state_upload::steps());
    all.extend(read_state_imports::steps());
    all.extend(transfer_state::steps());
    all.extend(client::steps());
    all.extend(probes::steps());
    all.extend(read_state::steps());
    all.extend(reserved_ids::steps());
    all.into_iter()
        .map(|(re, h): (&str, Handler)| {
            (
                Regex::new(re).unwrap_or_else(|e| panic!("step regex `{re}`: {e}")),
                h,
            )
        })
        .collect()
});

/// Runs the step definition of `text`.
pub async fn run_step(
    w: &mut SuiteWorld,
    text: &str,
    table: Option<&cucumber::gherkin::Table>,
) -> Res {
    let Some((re, handler)) = STEPS.iter().find(|(re, _)| re.is_match(text)) else {
        return Err(format!("no step definition for `{text}` yet"));
    };
    let caps = re
        .captures(text)
        .map(|c| c.iter().map(|m| m.map(|m| m.as_str().to_owned())).collect())
        .unwrap_or_default();
    let args = Args {
        caps,
        table: table.map(|t| t.rows.clone()).unwrap_or_default(),
    };
    handler(w, args).await
}

fn dispatch(
    w: &mut SuiteWorld,
    ctx: cucumber::step::Context,
) -> Pin<Box<dyn Future<Output = ()> + '_>> {
    Box::pin(async move {
        if let Err(e) = run_step(w, &ctx.step.value, ctx.step.table.as_ref()).await {
            panic!("{e}");
        }
    })
}

/// The catch-all regex the dispatcher is registered with.
pub fn any() -> Regex {
    Regex::new("^(.*)$").expect("valid regex")
}

/// The dispatcher as a cucumber step.
pub fn step() -> cucumber::step::Step<SuiteWorld> {
    dispatch
}
