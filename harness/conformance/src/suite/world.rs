//! The cucumber World of the suite: one per scenario. It knows the target and collects the
//! notes (SHOULD-level warnings, records such as the SendOptions edition) that go into the
//! report. The client, the server session and the recorded download join it with the step
//! definitions (features/README.md describes what they hold).

use std::sync::Mutex;

use crate::driver::Harness;
use crate::target::Control;
use crate::targets::{self, Target};

/// The target of the current run, set by the runner before any scenario starts.
static TARGET: Mutex<Option<Target>> = Mutex::new(None);

/// Sets the target every new World sees.
pub fn set_target(target: Target) {
    *TARGET.lock().unwrap_or_else(|e| e.into_inner()) = Some(target);
}

fn current_target() -> Target {
    TARGET
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(|| Target {
            name: targets::REFERENCE.into(),
            capabilities: Default::default(),
        })
}

/// Per-scenario state.
#[derive(Debug, cucumber::World)]
#[world(init = Self::new)]
pub struct SuiteWorld {
    pub target: Target,
    /// Notes for the report, in the order the steps made them.
    pub notes: Vec<String>,
    /// The connection to the target, the client and the scenario's records (made at the
    /// first step that needs them).
    pub harness: Option<Box<Harness>>,
    /// What the raw ROP probe steps kept (`steps/framing.rs`, `steps/destination.rs`).
    pub probes: crate::driver::rawrop::ProbeState,
}

impl SuiteWorld {
    fn new() -> Self {
        Self {
            target: current_target(),
            notes: Vec::new(),
            harness: None,
            probes: Default::default(),
        }
    }

    /// The harness of this scenario, connected on first use.
    pub async fn harness(&mut self) -> Result<&mut Harness, String> {
        if self.harness.is_none() {
            self.harness = Some(Box::new(Harness::open().await?));
        }
        self.harness
            .as_deref_mut()
            .ok_or_else(|| "no harness".to_string())
    }

    /// The target's control API for a capability; a target without it cannot run the step
    /// (the runner skips such scenarios before they start).
    pub async fn control(&mut self, capability: &str) -> Result<&mut dyn Control, String> {
        if !self.target.has(capability) {
            return Err(format!("target lacks {capability}"));
        }
        Ok(&mut self.harness().await?.target)
    }

    /// Records a SHOULD-level miss: reported, never a failure (features/README.md).
    pub fn warn(&mut self, message: impl Into<String>) {
        self.notes.push(format!("warning: {}", message.into()));
    }

    /// Records an observation for the report ("the report records ...").
    pub fn record(&mut self, message: impl Into<String>) {
        self.notes.push(message.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_keep_their_order_and_kind() {
        let mut w = SuiteWorld::new();
        w.record("SendOptions 0x20: ignored (current edition)");
        w.warn("unknown bit 0x80 accepted");
        assert_eq!(
            w.notes,
            [
                "SendOptions 0x20: ignored (current edition)",
                "warning: unknown bit 0x80 accepted"
            ]
        );
    }
}
