//! Local folder deletions uploaded with RopSynchronizationImportDeletes on a hierarchy
//! collector ([MS-OXCFXICS] 2.2.3.2.4.5, 3.3.5.8.10), and the client's SyncNoParent recovery
//! ([MS-OXCFXICS] 3.3.4.3.3.1.1, 3.3.5.8.8; R-229), as the ROP trace shows them.

use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::{RopRequest, RopResponse};

use super::hierarchy_upload::{as_ref, folder_key, folder_ref, since_upload};
use super::parse;
use super::{Args, Res, steps};
use crate::driver::{Harness, return_value};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client deletes folder ([A-Z]\w*) locally$" => delete_folder,
        r"^the client's upload of folder ([A-Z]\w*) was lost$" => upload_lost,
        r"^one ImportDeletes with ImportDeleteFlags (\w+(?:, \w+)*) carried the source keys of folders? ([A-Z]\w*(?:, [A-Z]\w*)*)$" => deletes_carried,
        r"^the ImportHierarchyChanges were sent for ([A-Z]\w*(?:, [A-Z]\w*)*) and answered (0x[0-9A-Fa-f]{8}(?:, 0x[0-9A-Fa-f]{8})*)$" => changes_sent,
    ]
}

/// ImportDeleteFlags ([MS-OXCFXICS] 2.2.3.2.4.5.1).
const IMPORT_DELETE_FLAGS: &[(&str, u32)] = &[("Hierarchy", 0x01), ("HardDelete", 0x02)];

fn h_of(w: &SuiteWorld) -> Result<&Harness, String> {
    w.harness
        .as_deref()
        .ok_or_else(|| "nothing was done yet".to_string())
}

async fn delete_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let f = a.s(1).to_owned();
    let h = w.harness().await?;
    let x = folder_ref(h, &f)?;
    h.client
        .replica_mut()
        .delete_local_folder(as_ref(&x))
        .map_err(|e| format!("the client cannot delete folder {f}: {e}"))
}

/// The client records its pending version of the folder as uploaded without sending it: the
/// server never got the folder (a lost upload, or a server restored from a backup).
async fn upload_lost(w: &mut SuiteWorld, a: Args) -> Res {
    let f = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = folder_key(h, &f)?;
    let root = h.sync_folder()?.to_u64_le();
    let rep = h.client.replica_mut();
    let v = rep
        .pending_folders(root)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|p| p.source_key == sk)
        .ok_or_else(|| format!("folder {f} has no local change below Sync"))?;
    rep.upload_done_folder(&sk, &v.change_key, None, None)
        .map_err(|e| e.to_string())
}

async fn deletes_carried(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let flags = parse::flags(a.s(1), IMPORT_DELETE_FLAGS)?;
    let mut want = parse::names(a.s(2))
        .iter()
        .map(|n| folder_key(h, n))
        .collect::<Result<Vec<_>, _>>()?;
    want.sort();
    let mut seen = Vec::new();
    for (q, _) in since_upload(h, "RopSynchronizationImportDeletes")? {
        let RopRequest::SynchronizationImportDeletes(d) = q else {
            continue;
        };
        let got_flags = u32::from(d.import_delete_flags.0);
        let keys = match d.property_values.as_slice() {
            [v] if v.0.tag.0 == 0x0000_1102 => match &v.0.value {
                PropValue::MvBinary(k) => k.clone(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        let mut got = keys.clone();
        got.sort();
        if got_flags == flags && got == want {
            return Ok(());
        }
        seen.push(format!("flags {got_flags:#04x} with {} keys", keys.len()));
    }
    Err(format!(
        "no ImportDeletes had ImportDeleteFlags {flags:#04x} and exactly those source keys; seen: {seen:?}"
    ))
}

async fn changes_sent(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let names = parse::names(a.s(1));
    let codes = a
        .s(2)
        .split(", ")
        .map(|c| parse::number(c).map(|v| v as u32))
        .collect::<Result<Vec<_>, _>>()?;
    if names.len() != codes.len() {
        return Err("the step names as many folders as codes".into());
    }
    let mut want = Vec::new();
    for (n, c) in names.iter().zip(&codes) {
        want.push((folder_key(h, n)?, Some(*c)));
    }
    let got: Vec<(Vec<u8>, Option<u32>)> =
        since_upload(h, "RopSynchronizationImportHierarchyChange")?
            .into_iter()
            .filter_map(|(q, r)| match q {
                RopRequest::SynchronizationImportHierarchyChange(c) => {
                    let sk = c
                        .hierarchy_values
                        .iter()
                        .find(|v| v.0.tag == tags::PID_TAG_SOURCE_KEY)
                        .and_then(|v| match &v.0.value {
                            PropValue::Binary(b) => Some(b.clone()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    Some((sk, r.as_ref().and_then(rv)))
                }
                _ => None,
            })
            .collect();
    if got == want {
        return Ok(());
    }
    let shown: Vec<String> = got
        .iter()
        .map(|(sk, c)| {
            let name = names
                .iter()
                .find(|n| folder_key(h, n).ok().as_deref() == Some(&sk[..]))
                .cloned()
                .unwrap_or_else(|| "another folder".into());
            format!("{name}: {c:#010x?}")
        })
        .collect();
    Err(format!("the ImportHierarchyChanges were {shown:?}"))
}

fn rv(r: &RopResponse) -> Option<u32> {
    return_value(r)
}
