//! GetBuffer and configure probes on the client's connection, and errorInfo elements.

use ics_wire::ftstream as ft;

use super::download::last;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client calls GetBuffer again on the (finished|failed) context$" => get_buffer_again,
        r"^the client configures a synchronization of type (\d+|0x[0-9A-Fa-f]+)$" => configure_type,
        r"^the download holds (an errorInfo for ([mf]\d+)|no errorInfo)$" => error_info,
        r"^the errorInfo's ExtendedErrorInfo has Version (\d+|0x[0-9A-Fa-f]+) and the MessageGID of ([mf]\d+)$" => extended_error_info,
    ]
}

async fn get_buffer_again(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let obs = h.get_buffer_again().await?;
    h.last = Some(("GetBuffer".into(), obs));
    Ok(())
}

async fn configure_type(w: &mut SuiteWorld, a: Args) -> Res {
    let t = a.n(1)? as u8;
    let h = w.harness().await?;
    let obs = h.configure_raw_type(t).await?;
    h.last = Some(("configure".into(), obs));
    Ok(())
}

fn error_infos(h: &Harness) -> Result<Vec<&ft::ErrorInfo>, String> {
    let d = last(h)?;
    Ok(match &d.root {
        Some(ft::Root::ContentsSync(cs)) => cs
            .changes
            .iter()
            .filter_map(|i| match i {
                ft::ContentsSyncItem::Error(e) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

fn eei(e: &ft::ErrorInfo) -> Result<ics_client::adapt::ExtendedErrorInfo, String> {
    let b = e
        .extended_error_info()
        .ok_or("an errorInfo without ExtendedErrorInfo")?;
    ics_client::adapt::extended_error_info(b).map_err(|e| e.to_string())
}

async fn error_info(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let infos = error_infos(h)?;
    if !a.has(2) {
        // Also no errorInfo bytes in a failed stream: FXErrorInfo 0x40180003.
        let raw = last(h)?
            .bytes
            .windows(4)
            .any(|x| x == [0x03, 0x00, 0x18, 0x40]);
        return (infos.is_empty() && !raw)
            .then_some(())
            .ok_or_else(|| "the download holds an errorInfo".into());
    }
    let sk = h.message_key(a.s(2))?;
    for e in infos {
        if eei(e)?.message_gid.map(|g| g.to_vec()) == Some(sk.clone()) {
            return Ok(());
        }
    }
    Err(format!("no errorInfo names {}", a.s(2)))
}

async fn extended_error_info(w: &mut SuiteWorld, a: Args) -> Res {
    let h = h_of(w)?;
    let sk = h.message_key(a.s(2))?;
    let want = a.n(1)? as u16;
    let e = error_infos(h)?.into_iter().next().ok_or("no errorInfo")?;
    let b = e.extended_error_info().ok_or("no ExtendedErrorInfo")?;
    let version = u16::from_le_bytes([*b.first().unwrap_or(&0xFF), *b.get(1).unwrap_or(&0xFF)]);
    let x = eei(e)?;
    (version == want && x.message_gid.map(|g| g.to_vec()) == Some(sk.clone()))
        .then_some(())
        .ok_or_else(|| {
            format!(
                "ExtendedErrorInfo Version {version}, MessageGID {:02x?}",
                x.message_gid
            )
        })
}
