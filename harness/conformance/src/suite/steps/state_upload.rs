//! The state upload of a download: property tags, Begin/Continue/End pieces, probes.

use ics_wire::rop::RopRequest;

use super::download::last;
use super::probes::h_of;
use super::{Args, Res, steps};
use crate::driver::Harness;
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^the client uploads MetaTagIdsetGiven with the property tag (0x[0-9A-Fa-f]{8})$" => idset_given_tag,
        r"^the client adds an UploadStateStreamContinue with StreamDataSize 0 to each state property$" => zero_continue,
        r"^every state property was uploaded with Begin, several Continue and End$" => pieces,
        r"^no UploadStateStreamContinue had StreamDataSize 0$" => no_zero_continue,
        r"^no UploadStateStreamBegin was sent while another property upload was open$" => no_nested_begin,
        r"^the final state's MetaTagIdsetGiven has the property tag (0x[0-9A-Fa-f]{8}), or (0x[0-9A-Fa-f]{8}) with a warning$" => final_given_tag,
        r"^every final state property is an IDSET in REPLGUID form$" => final_replguid_form,
        r"^the client sends (UploadStateStreamContinue without Begin|UploadStateStreamEnd without Begin|UploadStateStreamBegin while another upload is open|UploadStateStreamBegin with the property tag (0x[0-9A-Fa-f]{8}))$" => state_probe,
    ]
}

async fn idset_given_tag(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = ics_wire::prop::PropTag(a.n(1)? as u32);
    w.harness().await?.params.idset_given_tag = tag;
    Ok(())
}

async fn zero_continue(w: &mut SuiteWorld, _: Args) -> Res {
    w.harness().await?.params.zero_continue = true;
    Ok(())
}

/// The state upload ROPs of the last download: per property, (tag, Continue sizes, ended).
fn state_uploads(h: &Harness) -> Result<Vec<(u32, Vec<usize>, bool)>, String> {
    let d = last(h)?;
    let mut out: Vec<(u32, Vec<usize>, bool)> = Vec::new();
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        for q in x.request.map(|r| r.rops).unwrap_or_default() {
            match q {
                RopRequest::SynchronizationUploadStateStreamBegin(b) => {
                    out.push((b.state_property.0, Vec::new(), false))
                }
                RopRequest::SynchronizationUploadStateStreamContinue(c) => {
                    if let Some(u) = out.last_mut() {
                        u.1.push(c.stream_data.len());
                    }
                }
                RopRequest::SynchronizationUploadStateStreamEnd(_) => {
                    if let Some(u) = out.last_mut() {
                        u.2 = true;
                    }
                }
                _ => {}
            }
        }
    }
    if out.is_empty() {
        return Err("no state upload in the last synchronization".into());
    }
    Ok(out)
}

async fn pieces(w: &mut SuiteWorld, _: Args) -> Res {
    for (tag, sizes, ended) in state_uploads(h_of(w)?)? {
        if sizes.len() < 2 || !ended {
            return Err(format!(
                "{tag:#010x} was uploaded with {} Continue, End {ended}",
                sizes.len()
            ));
        }
    }
    Ok(())
}

async fn no_zero_continue(w: &mut SuiteWorld, _: Args) -> Res {
    for (tag, sizes, _) in state_uploads(h_of(w)?)? {
        if sizes.contains(&0) {
            return Err(format!("{tag:#010x} had a Continue with StreamDataSize 0"));
        }
    }
    Ok(())
}

async fn no_nested_begin(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    let d = last(h)?;
    let mut open = false;
    for x in h
        .trace_from(d.trace.0)
        .into_iter()
        .take(d.trace.1 - d.trace.0)
    {
        for q in x.request.map(|r| r.rops).unwrap_or_default() {
            match q {
                RopRequest::SynchronizationUploadStateStreamBegin(_) if open => {
                    return Err("a Begin was sent while another upload was open".into());
                }
                RopRequest::SynchronizationUploadStateStreamBegin(_) => open = true,
                RopRequest::SynchronizationUploadStateStreamEnd(_) => open = false,
                _ => {}
            }
        }
    }
    Ok(())
}

async fn final_given_tag(w: &mut SuiteWorld, a: Args) -> Res {
    let (want, warned) = (a.n(1)? as u32, a.n(2)? as u32);
    let h = h_of(w)?;
    let d = last(h)?;
    let props = &d.contents()?.state.props;
    let tag = props
        .iter()
        .find(|p| p.tag.id() == 0x4017)
        .map(|p| p.tag.0)
        .ok_or("the final state has no MetaTagIdsetGiven")?;
    if tag == want {
        Ok(())
    } else if tag == warned {
        w.warn(format!("MetaTagIdsetGiven came with the tag {tag:#010x}"));
        Ok(())
    } else {
        Err(format!("MetaTagIdsetGiven came with the tag {tag:#010x}"))
    }
}

async fn final_replguid_form(w: &mut SuiteWorld, _: Args) -> Res {
    let h = h_of(w)?;
    for p in &last(h)?.contents()?.state.props {
        let b = p
            .as_binary()
            .ok_or_else(|| format!("{:#010x} is not binary", p.tag.0))?;
        if !b.is_empty() {
            ics_wire::idset::ReplGuidSet::decode_replguid(b)
                .map_err(|e| format!("{:#010x} is not a REPLGUID-form IDSET: {e}", p.tag.0))?;
        }
    }
    Ok(())
}

async fn state_probe(w: &mut SuiteWorld, a: Args) -> Res {
    use ics_client::sync::ops::IcsOps;
    let probe = a.s(1).to_owned();
    let h = w.harness().await?;
    let ctx = h.open_ctx.ok_or("no configured context is open")?;
    let ops = h.client.ops_mut();
    let given = ics_wire::state::META_TAG_IDSET_GIVEN;
    let r = if probe.starts_with("UploadStateStreamContinue") {
        ops.state_continue(ctx, &[0x01]).await
    } else if probe.starts_with("UploadStateStreamEnd") {
        ops.state_end(ctx).await
    } else if probe.contains("while another") {
        match ops.state_begin(ctx, given, 0).await {
            Ok(()) => {
                ops.state_begin(ctx, ics_wire::state::META_TAG_CNSET_SEEN, 0)
                    .await
            }
            Err(e) => Err(e),
        }
    } else {
        let tag = ics_wire::prop::PropTag(a.n(2)? as u32);
        ops.state_begin(ctx, tag, 0).await
    };
    h.last = Some((probe, crate::driver::observed_of(&r)));
    Ok(())
}
