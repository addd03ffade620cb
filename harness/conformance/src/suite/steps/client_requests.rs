//! The client's configure requests and the ChangeKeys and PCLs of its imports; mailbox bindings.

use ics_wire::ExchangeId;
use ics_wire::ids::Xid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::RopRequest;

use super::download::changes;
use super::parse::{self, SYNC_FLAGS};
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::{Harness, find_prop};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^no configure request had the Reserved bit (0x[0-9A-Fa-f]+|\d+) set$" => no_reserved_bit,
        r"^every configure request set NoForeignIdentifiers$" => every_nfi,
        r"^the hierarchy configure request set none of (.+)$" => hierarchy_none_of,
        r"^the replica records the mailbox GUID returned by RopLogon$" => mailbox_guid,
        r"^every ChangeKey the client sent is an XID whose NamespaceGuid is not the mailbox's REPLGUID and whose LocalId is not 6 bytes long$" => client_change_keys,
        r"^the client's XIDs of one NamespaceGuid all have the same LocalId length and increase$" => client_xids_increase,
        r"^every PCL the client sent is sorted by NamespaceGuid and holds the previous ChangeKey of the message$" => client_pcls,
        r"^on the server, message ([mf]\d+) has a PidTagChangeNumber of the mailbox's REPLGUID$" => server_cn_namespace,
    ]
}

/// The configure requests of the whole scenario.
fn configures(h: &Harness) -> Vec<ics_wire::rop::sync::SynchronizationConfigureRequest> {
    h.trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopRequest::SynchronizationConfigure(c) => Some(c),
            _ => None,
        })
        .collect()
}

async fn no_reserved_bit(w: &mut SuiteWorld, a: Args) -> Res {
    let bit = a.n(1)? as u16;
    let cs = configures(h_of(w)?);
    if cs.is_empty() {
        return Err("no configure request".into());
    }
    cs.iter()
        .all(|c| c.synchronization_flags.0 & bit == 0)
        .then_some(())
        .ok_or_else(|| format!("a configure request set {bit:#06x}"))
}

async fn every_nfi(w: &mut SuiteWorld, _: Args) -> Res {
    let cs = configures(h_of(w)?);
    (!cs.is_empty() && cs.iter().all(|c| c.synchronization_flags.0 & 0x0100 != 0))
        .then_some(())
        .ok_or_else(|| "a configure request lacked NoForeignIdentifiers".into())
}

async fn hierarchy_none_of(w: &mut SuiteWorld, a: Args) -> Res {
    let bits = parse::flags(a.s(1), SYNC_FLAGS)? as u16;
    let cs: Vec<_> = configures(h_of(w)?)
        .into_iter()
        .filter(|c| c.synchronization_type.0 == 0x02)
        .collect();
    if cs.is_empty() {
        return Err("no hierarchy configure request".into());
    }
    cs.iter()
        .all(|c| c.synchronization_flags.0 & bits == 0)
        .then_some(())
        .ok_or_else(|| format!("a hierarchy configure set one of {bits:#06x}"))
}

async fn mailbox_guid(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let bound = h
        .client
        .replica()
        .mailbox_guid()
        .map_err(|e| e.to_string())?;
    let logon = h.client.logon_info().mailbox_guid;
    (bound == Some(logon))
        .then_some(())
        .ok_or_else(|| format!("the replica records {bound:?}, RopLogon returned {logon}"))
}

/// (SourceKey, ChangeKey, PCL) of every ImportMessageChange the client sent.
fn imports(h: &Harness) -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    h.trace_from(0)
        .into_iter()
        .filter_map(|x| x.request)
        .flat_map(|r| r.rops)
        .filter_map(|r| match r {
            RopRequest::SynchronizationImportMessageChange(i) => {
                let get = |t: ics_wire::prop::PropTag| {
                    i.property_values
                        .iter()
                        .find(|v| v.0.tag.id() == t.id())
                        .and_then(|v| match &v.0.value {
                            PropValue::Binary(b) => Some(b.clone()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                Some((
                    get(tags::PID_TAG_SOURCE_KEY),
                    get(tags::PID_TAG_CHANGE_KEY),
                    get(tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
                ))
            }
            _ => None,
        })
        .collect()
}

async fn client_change_keys(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let im = imports(h);
    if im.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (_, ck, _) in im {
        let x = Xid::decode(&ck).map_err(|e| format!("a ChangeKey: {e}"))?;
        if x.namespace_guid == h.replguid.0 || x.local_id().len() == 6 {
            return Err(format!(
                "the ChangeKey {ck:02x?} is in the server's XID form"
            ));
        }
    }
    Ok(())
}

async fn client_xids_increase(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let mut by_ns: std::collections::BTreeMap<String, Vec<Vec<u8>>> = Default::default();
    for (_, ck, _) in imports(h) {
        let x = Xid::decode(&ck).map_err(|e| e.to_string())?;
        by_ns
            .entry(x.namespace_guid.to_string())
            .or_default()
            .push(x.local_id().to_vec());
    }
    if by_ns.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (ns, ids) in by_ns {
        if ids
            .windows(2)
            .any(|p| p[0].len() != p[1].len() || p[0] >= p[1])
        {
            return Err(format!(
                "the LocalIds of {ns} do not increase with one length: {ids:02x?}"
            ));
        }
    }
    Ok(())
}

async fn client_pcls(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let im = imports(h);
    if im.is_empty() {
        return Err("the client sent no ImportMessageChange".into());
    }
    for (sk, ck, pcl) in im {
        // The PCL as sent: SizedXid after SizedXid ([MS-OXCFXICS] 2.2.2.3).
        let mut xids: Vec<Xid> = Vec::new();
        let mut rest = &pcl[..];
        while let Some((&n, tail)) = rest.split_first() {
            let n = usize::from(n);
            if tail.len() < n {
                return Err(format!("a PCL is truncated: {pcl:02x?}"));
            }
            xids.push(Xid::decode(&tail[..n]).map_err(|e| format!("a PCL: {e}"))?);
            rest = &tail[n..];
        }
        if xids
            .windows(2)
            .any(|w| w[0].namespace_guid.to_bytes() > w[1].namespace_guid.to_bytes())
        {
            return Err("a PCL is not sorted by NamespaceGuid".into());
        }
        let own = Xid::decode(&ck).map_err(|e| e.to_string())?;
        if !xids.contains(&own) {
            return Err(format!("the PCL of {sk:02x?} does not hold its ChangeKey"));
        }
        // The previous ChangeKey: the server's version the client had downloaded.
        let had = h.downloads.iter().rev().find_map(|d| {
            changes(h, d).ok()?.iter().find_map(|c| {
                match (
                    find_prop(c.header, tags::PID_TAG_SOURCE_KEY),
                    find_prop(c.header, tags::PID_TAG_CHANGE_KEY),
                ) {
                    (Some(PropValue::Binary(s)), Some(PropValue::Binary(k))) if *s == sk => {
                        Some(k.clone())
                    }
                    _ => None,
                }
            })
        });
        if let Some(prev) = had {
            let prev = Xid::decode(&prev).map_err(|e| e.to_string())?;
            if !xids
                .iter()
                .any(|x| x.namespace_guid == prev.namespace_guid && x.local_id() >= prev.local_id())
            {
                return Err(format!(
                    "the PCL of {sk:02x?} does not hold the previous ChangeKey"
                ));
            }
        }
    }
    Ok(())
}

async fn server_cn_namespace(w: &mut SuiteWorld, a: Args) -> Res {
    let m = a.s(1).to_owned();
    let h = w.harness().await?;
    let sk = h.message_key(&m)?;
    let s = h.server_messages("Sync").await?;
    let msg = s
        .iter()
        .find(|x| x.source_key == sk)
        .ok_or_else(|| format!("the server does not hold {m}"))?;
    let cn = msg.cn.ok_or("the server sent no PidTagChangeNumber")?;
    let id = ExchangeId::from_u64_le(cn);
    (id.replid == h.client.logon_info().replid)
        .then_some(())
        .ok_or_else(|| format!("the change number {id:?} is not in the mailbox's namespace"))
}
