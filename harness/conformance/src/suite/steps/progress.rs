//! Progress elements: progressTotal and progressPerMessage ([MS-OXCFXICS] 2.2.4.3.18-19).

use ics_wire::ftstream as ft;
use ics_wire::prop::{PropValue, tags};

use super::download::last;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the download starts with a progressTotal element with Version (\d+|0x[0-9A-Fa-f]+)$" => progress_version,
        r"^the progressTotal counts (\d+) normal and (\d+) FAI messages$" => progress_counts,
        r"^every message change is preceded by a progressPerMessage element$" => per_message,
        r"^the progressPerMessage before ([mf]\d+) has the FAI flag set$" => per_message_fai,
        r"^the download holds no progress elements$" => no_progress,
    ]
}

fn progress_info(h: &Harness) -> Result<Vec<u8>, String> {
    let cs = last(h)?.contents()?;
    let pt = cs
        .progress_total
        .as_ref()
        .ok_or("the download holds no progressTotal")?;
    pt.progress_information()
        .map(<[u8]>::to_vec)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| "the progressTotal holds no 32-byte ProgressInformation".into())
}

async fn progress_version(w: &mut SuiteWorld, a: Args) -> Res {
    let b = progress_info(h_of(w)?)?;
    let v = u64::from(u16::from_le_bytes([b[0], b[1]]));
    (v == a.n(1)?)
        .then_some(())
        .ok_or_else(|| format!("ProgressInformation Version {v}"))
}

async fn progress_counts(w: &mut SuiteWorld, a: Args) -> Res {
    let b = progress_info(h_of(w)?)?;
    let u32_at = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    let (fai, normal) = (u32_at(4), u32_at(16));
    (normal == a.n(1)? && fai == a.n(2)?)
        .then_some(())
        .ok_or_else(|| format!("the progressTotal counts {normal} normal and {fai} FAI messages"))
}

async fn per_message(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = last(h_of(w)?)?.contents()?;
    let mut n = 0;
    for i in &cs.changes {
        if let ft::ContentsSyncItem::Change { progress, .. } = i {
            n += 1;
            if progress.is_none() {
                return Err("a message change without a progressPerMessage".into());
            }
        }
    }
    (n > 0)
        .then_some(())
        .ok_or_else(|| "no message change".into())
}

async fn per_message_fai(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let sk = h.message_key(a.s(1))?;
    for i in &last(h)?.contents()?.changes {
        let ft::ContentsSyncItem::Change { progress, change } = i else {
            continue;
        };
        let header = match change {
            ft::MessageChange::Full(f) => &f.header,
            ft::MessageChange::Partial(p) => &p.header,
        };
        if !matches!(find_prop(header, tags::PID_TAG_SOURCE_KEY), Some(PropValue::Binary(b)) if *b == sk)
        {
            continue;
        }
        let p = progress.as_ref().ok_or("no progressPerMessage before it")?;
        return match p.props.get(1).map(|x| &x.value) {
            Some(PropValue::Boolean(true)) => Ok(()),
            other => Err(format!("the FAI flag is {other:?}")),
        };
    }
    Err(format!("no change for {}", a.s(1)))
}

async fn no_progress(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = last(h_of(w)?)?.contents()?;
    let per = cs.changes.iter().any(|i| {
        matches!(
            i,
            ft::ContentsSyncItem::Change {
                progress: Some(_),
                ..
            }
        )
    });
    (cs.progress_total.is_none() && !per)
        .then_some(())
        .ok_or_else(|| "the download holds progress elements".into())
}
