//! Synchronization actions and the outcomes of ROPs (judged with the outcome expressions of
//! the acceptance matrix, digest group Y).

use std::collections::BTreeMap;

use super::{Args, Res, run_step, steps};
use crate::driver::StateMode;
use crate::outcome::{self, Alternative, Judgement, Observed};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client synchronizes (contents|the hierarchy)(?: of folder ([A-Z]\w*))? with (an empty state|its saved state|no state upload|the state property MetaTag\w+ set to [0-9a-f]{2}(?: [0-9a-f]{2})*)(?:, allowing (the configure|the state upload|the download) to fail)?(, allowing it to be refused)?$" => synchronize,
        r"^the client has synchronized (contents|the hierarchy)(?: of folder ([A-Z]\w*))?$" => has_synchronized,
        r"^the client configures a (contents|hierarchy) synchronization$" => configure_only,
        r"^(the last ROP|the configure|the state upload|the download|the first GetBuffer|the state upload or the first GetBuffer) ((?:succeeds|succeeded|fails|failed|was answered|returns|answers|both succeed)\b.*)$" => rop_outcome,
        r"^no download context was returned when the ROP failed$" => no_context,
    ]
}

async fn sync_scope(
    w: &mut SuiteWorld,
    hierarchy: bool,
    folder: Option<&str>,
    mode: StateMode,
) -> Result<crate::driver::DownloadRec, String> {
    let h = w.harness().await?;
    let scope = h.scope(folder.unwrap_or("Sync"), hierarchy)?;
    let rec = h.synchronize(&scope, mode).await;
    Ok(rec)
}

async fn synchronize(w: &mut SuiteWorld, a: Args) -> Res {
    let hierarchy = a.s(1) == "the hierarchy";
    let mode = match a.s(3) {
        "an empty state" => StateMode::Empty,
        "its saved state" => StateMode::Saved,
        "no state upload" => StateMode::None,
        other => {
            let rest = other.trim_start_matches("the state property ");
            let (name, bytes) = rest
                .split_once(" set to ")
                .ok_or("a malformed state phrase")?;
            let bytes = bytes
                .split(' ')
                .map(|b| u8::from_str_radix(b, 16).map_err(|e| e.to_string()))
                .collect::<Result<Vec<u8>, String>>()?;
            StateMode::Property(super::parse::prop(name)?, bytes)
        }
    };
    let folder = a.has(2).then(|| a.s(2).to_owned());
    let rec = sync_scope(w, hierarchy, folder.as_deref(), mode).await?;
    let allowed = a.has(4) || a.has(5);
    let error = rec.error.clone();
    w.harness().await?.downloads.push(rec);
    match error {
        Some(e) if !allowed => Err(format!("the synchronization failed: {e}")),
        _ => Ok(()),
    }
}

async fn has_synchronized(w: &mut SuiteWorld, a: Args) -> Res {
    let hierarchy = a.s(1) == "the hierarchy";
    let folder = a.has(2).then(|| a.s(2).to_owned());
    let rec = sync_scope(w, hierarchy, folder.as_deref(), StateMode::Saved).await?;
    let error = rec.error.clone();
    w.harness().await?.downloads.push(rec);
    match error {
        Some(e) => Err(format!("the synchronization failed: {e}")),
        None => Ok(()),
    }
}

async fn configure_only(w: &mut SuiteWorld, a: Args) -> Res {
    let hierarchy = a.s(1) == "hierarchy";
    let h = w.harness().await?;
    let scope = h.scope("Sync", hierarchy)?;
    let obs = h.configure_only(&scope).await?;
    h.last = Some(("configure".into(), obs));
    Ok(())
}

/// The observed result of the ROP(s) a subject names.
fn subject(w: &mut SuiteWorld, what: &str) -> Result<Observed, String> {
    let h = w.harness.as_deref().ok_or("nothing was done yet")?;
    let last_dl = h.downloads.last();
    let from_last = |name: &str| -> Option<Observed> {
        h.last
            .as_ref()
            .filter(|(n, _)| n == name)
            .map(|(_, o)| o.clone())
    };
    let o = match what {
        "the last ROP" => h.last.as_ref().map(|(_, o)| o.clone()),
        "the configure" => from_last("configure").or_else(|| last_dl.map(|d| d.configure.clone())),
        "the state upload" => last_dl.and_then(|d| d.state_upload.clone()),
        "the download" => last_dl.map(|d| d.download.clone()),
        "the first GetBuffer" => last_dl.and_then(|d| d.first_get_buffer.clone()),
        _ => last_dl.and_then(|d| match &d.state_upload {
            Some(s) if s.return_value != Some(0) => Some(s.clone()),
            _ => d.first_get_buffer.clone(),
        }),
    };
    o.ok_or_else(|| format!("{what}: no such ROP in the last action"))
}

/// Judges an outcome expression; context alternatives are evaluated as steps.
pub(super) async fn judge(w: &mut SuiteWorld, observed: &Observed, expression: &str) -> Res {
    let alternatives = outcome::parse(expression).map_err(|e| e.to_string())?;
    let mut checks = BTreeMap::new();
    for alt in &alternatives {
        if let Alternative::Check(phrase) = alt {
            let holds = Box::pin(run_step(w, phrase, None)).await.is_ok();
            checks.insert(phrase.clone(), holds);
        }
    }
    match outcome::judge(&alternatives, observed, |p| checks.get(p).copied()) {
        Judgement::Pass => Ok(()),
        Judgement::PassWithWarning(m) => {
            w.warn(m);
            Ok(())
        }
        Judgement::Fail(m) => Err(format!("expected `{expression}`: {m}")),
    }
}

async fn rop_outcome(w: &mut SuiteWorld, a: Args) -> Res {
    let observed = subject(w, a.s(1))?;
    judge(w, &observed, a.s(2)).await
}

async fn no_context(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    match h.last_configure_handle {
        Some((rv, handle)) if rv != 0 && handle != 0xFFFF_FFFF => Err(format!(
            "the failed configure (0x{rv:08X}) returned the handle {handle:#x}"
        )),
        Some(_) => Ok(()),
        None => Err("no configure was sent".into()),
    }
}
