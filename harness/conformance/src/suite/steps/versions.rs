//! Versions in conflict ([MS-OXCFXICS] 3.1.5.6.2.1, R-239, R-240): a conflict resolve
//! message is synchronized as its versions, one message change each, and the receiving
//! client resolves them itself with the server's rule (R-248).

use ics_client::model::PropKey;
use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropValue, tags};

use super::local::local_subject;
use super::{Args, Res, steps};
use crate::driver::find_prop;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^a download from the empty state sends message ([mf]\d+) as (\d+) message changes whose PCLs do not include each other$" => versions_sent,
        r"^message ([mf]\d+) in the replica is the client's version, linked to the server's version kept in a conflicts folder$" => replica_winner,
    ]
}

/// A fresh full download (read back on the other session) sends `n` changes with the
/// message's SourceKey, with distinct ChangeKeys and pairwise conflicting PCLs.
async fn versions_sent(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let n: usize = a.s(2).parse().map_err(|e| format!("count: {e}"))?;
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let folder = h.folder_name_of(&m)?;
    let sent: Vec<_> = h
        .server_messages(&folder)
        .await?
        .into_iter()
        .filter(|x| x.source_key == sk)
        .collect();
    if sent.len() != n {
        return Err(format!(
            "the download sends {} message changes for {m}, not {n}",
            sent.len()
        ));
    }
    let mut pcls = Vec::new();
    let mut keys = Vec::new();
    for x in &sent {
        let pcl = match find_prop(&x.header, tags::PID_TAG_PREDECESSOR_CHANGE_LIST) {
            Some(PropValue::Binary(b)) => {
                Pcl::decode(b).map_err(|e| format!("a PCL of {m}: {e}"))?
            }
            other => return Err(format!("a change of {m} has PCL {other:?}")),
        };
        pcls.push(pcl);
        keys.push(find_prop(&x.header, tags::PID_TAG_CHANGE_KEY).cloned());
    }
    for i in 0..pcls.len() {
        for j in i + 1..pcls.len() {
            if keys[i] == keys[j] {
                return Err(format!(
                    "changes {i} and {j} of {m} have the same ChangeKey"
                ));
            }
            let o = pcls[i].compare(&pcls[j]);
            if o != PclOrdering::Conflict {
                return Err(format!(
                    "the PCLs of changes {i} and {j} of {m} compare {o:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The replica's message is the client's (the last writer's) version; its
/// PidTagConflictItems names a message of the conflicts folder that is the server's
/// version (R-240, R-340).
async fn replica_winner(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let r = h.client.replica();
    let row = r
        .message(&sk)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("the replica does not hold {m}"))?;
    let prop = |props: &[ics_client::model::Prop], t| {
        props
            .iter()
            .find(|p| p.key == PropKey::of_tag(t))
            .map(|p| p.value.clone())
    };
    let subject = prop(&row.props, tags::PID_TAG_SUBJECT);
    if subject != Some(PropValue::unicode(&local_subject(&m))) {
        return Err(format!("{m} in the replica has the subject {subject:?}"));
    }
    let items = match prop(&row.props, tags::PID_TAG_CONFLICT_ITEMS) {
        Some(PropValue::MvBinary(v)) => v,
        other => {
            return Err(format!(
                "{m} in the replica has PidTagConflictItems {other:?}"
            ));
        }
    };
    let folder = r.conflicts_folder().map_err(|e| e.to_string())?;
    let server = PropValue::unicode(&format!("modified subject of {m}"));
    let kept = r
        .messages_in_folder(folder)
        .map_err(|e| e.to_string())?
        .into_iter()
        .find(|x| prop(&x.props, tags::PID_TAG_SUBJECT).as_ref() == Some(&server))
        .ok_or_else(|| format!("no server version of {m} in the conflicts folder"))?;
    items
        .contains(&kept.source_key)
        .then_some(())
        .ok_or_else(|| format!("PidTagConflictItems of {m} does not name the server's version"))
}
