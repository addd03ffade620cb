//! Mailbox set-up, changes on the server (the other session, ordinary ROPs), faults and
//! control of the target, and request parameters.

use ics_client::sync::ops::BufferSize;
use ics_wire::prop::{PropValue, TaggedValue};

use super::parse::{self, EXTRA_FLAGS, SEND_OPTIONS, SYNC_FLAGS};
use super::{Args, Res, steps};
use crate::world::SuiteWorld;

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^a folder with (\d+|0x[0-9A-Fa-f]+) messages?(?: and (\d+|0x[0-9A-Fa-f]+) FAI messages?)?(?: with ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) (.+))?$" => folder_with,
        r"^an empty folder$" => empty_folder,
        r"^on the server, message ([mf]\d+) is (modified|hard deleted|soft deleted|marked as read|marked as unread)$" => server_message,
        r"^on the server, property ((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}) of message ([mf]\d+) is (?:set to (.+)|(deleted))$" => server_property,
        r"^on the server, (\d+) new (FAI )?messages? (?:is|are) created(?: in folder ([A-Z]\w*))?$" => server_new,
        r"^the server answers the next (\d+) GetBuffer calls with ecServerBusy and a BackoffTime of (\d+) ms$" => busy_next,
        r"^the server answers GetBuffer call (\d+) with ecServerBusy and a BackoffTime of (\d+) ms$" => busy_at,
        r"^message ([mf]\d+) is unreadable on the server$" => unreadable,
        r"^the server follows the (\w+) behaviour profile$" => profile,
        r"^the (synchronization flags|extra flags|send options|property tags) are (.+)$" => request_field,
        r"^the client reads the stream with BufferSize (\d+|0x[0-9A-Fa-f]+)(?: and MaximumBufferSize (\d+|0x[0-9A-Fa-f]+))?$" => buffer_size,
        r"^the client uploads state in pieces of at most (\d+) bytes$" => state_pieces,
        r"^the client retries a busy GetBuffer at most (\d+) times$" => retries,
    ]
}

async fn folder_with(w: &mut SuiteWorld, a: Args) -> Res {
    let (n, fai) = (a.n(1)?, if a.has(2) { a.n(2)? } else { 0 });
    let extra = if a.has(3) {
        let tag = parse::prop(a.s(3))?;
        vec![TaggedValue {
            tag,
            value: parse::value(a.s(4), tag)?,
        }]
    } else {
        Vec::new()
    };
    let h = w.harness().await?;
    h.create_folder("root", "Sync")?;
    for _ in 0..n {
        h.create_message("Sync", false, &extra)?;
    }
    for _ in 0..fai {
        h.create_message("Sync", true, &[])?;
    }
    Ok(())
}

async fn empty_folder(w: &mut SuiteWorld, _: Args) -> Res {
    w.harness().await?.create_folder("root", "Sync")?;
    Ok(())
}

async fn server_message(w: &mut SuiteWorld, a: Args) -> Res {
    let (m, what) = (a.s(1).to_owned(), a.s(2).to_owned());
    let h = w.harness().await?;
    match what.as_str() {
        "modified" => h.set_property(
            &m,
            ics_wire::prop::tags::PID_TAG_SUBJECT,
            PropValue::unicode(&format!("modified subject of {m}")),
        ),
        "hard deleted" => h.delete_message(&m, true),
        "soft deleted" => h.delete_message(&m, false),
        "marked as read" => h.set_read(&m, true),
        _ => h.set_read(&m, false),
    }
}

async fn server_property(w: &mut SuiteWorld, a: Args) -> Res {
    let tag = parse::prop(a.s(1))?;
    let m = a.s(2).to_owned();
    let h = w.harness().await?;
    if a.has(4) {
        h.delete_property(&m, tag)
    } else {
        let v = parse::value(a.s(3), tag)?;
        h.set_property(&m, tag, v)
    }
}

async fn server_new(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let fai = a.has(2);
    let folder = if a.has(3) {
        a.s(3).to_owned()
    } else {
        "Sync".into()
    };
    let h = w.harness().await?;
    for _ in 0..n {
        h.create_message(&folder, fai, &[])?;
    }
    Ok(())
}

async fn busy_next(w: &mut SuiteWorld, a: Args) -> Res {
    let (n, ms) = (a.n(1)? as u32, a.n(2)? as u32);
    w.control("fault-injection").await?.busy_next(n, ms);
    Ok(())
}

async fn busy_at(w: &mut SuiteWorld, a: Args) -> Res {
    let (n, ms) = (a.n(1)? as u32, a.n(2)? as u32);
    w.control("fault-injection").await?.busy_at(n, ms);
    Ok(())
}

async fn unreadable(w: &mut SuiteWorld, a: Args) -> Res {
    let mid = w.harness().await?.message(a.s(1))?.mid;
    w.control("fault-injection").await?.unreadable(mid)
}

async fn profile(w: &mut SuiteWorld, a: Args) -> Res {
    let name = a.s(1).to_owned();
    w.control("behaviour-profile").await?.profile(&name)
}

async fn request_field(w: &mut SuiteWorld, a: Args) -> Res {
    let (field, list) = (a.s(1).to_owned(), a.s(2).to_owned());
    let h = w.harness().await?;
    match field.as_str() {
        "synchronization flags" => {
            let v = parse::flags(&list, SYNC_FLAGS)? as u16;
            h.params.contents_flags = v;
            h.params.hierarchy_flags = v;
        }
        "extra flags" => h.params.extra_flags = parse::flags(&list, EXTRA_FLAGS)?,
        "send options" => h.params.send_options = parse::flags(&list, SEND_OPTIONS)? as u8,
        _ => {
            h.params.property_tags = if list == "none" {
                Vec::new()
            } else {
                parse::props(&list)?
            }
        }
    }
    Ok(())
}

async fn buffer_size(w: &mut SuiteWorld, a: Args) -> Res {
    let size = a.n(1)? as u16;
    let max = if a.has(2) { a.n(2)? as u16 } else { 32767 };
    w.harness().await?.params.buffer = if size == 0xBABE {
        BufferSize::Babe { max }
    } else {
        BufferSize::Fixed(size)
    };
    Ok(())
}

async fn state_pieces(w: &mut SuiteWorld, a: Args) -> Res {
    w.harness().await?.params.state_chunk = a.n(1)? as usize;
    Ok(())
}

async fn retries(w: &mut SuiteWorld, a: Args) -> Res {
    w.harness().await?.params.max_retries = a.n(1)? as u32;
    Ok(())
}
