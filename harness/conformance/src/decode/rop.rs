//! `decode rop-request` / `decode rop-response` ([MS-OXCROPS] 2.2.1): print
//! each ROP with its spec name and fields.

use std::path::Path;
use std::process::ExitCode;

use ics_wire::rop::{ResponseContext, RopRequestBuffer, RopResponseBuffer};
use serde::Serialize;

use crate::cli::Common;

/// One ROP as printed: spec name, RopId and the fields.
#[derive(Serialize)]
struct Printed {
    rop: &'static str,
    rop_id: String,
    fields: serde_json::Value,
}

#[derive(Serialize)]
struct PrintedBuffer {
    rops: Vec<Printed>,
    server_object_handle_table: Vec<String>,
}

/// `{"Variant": {...}}` -> `{...}`.
fn fields(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) if m.len() == 1 => {
            m.into_iter().next().map(|(_, v)| v).unwrap_or_default()
        }
        other => other,
    }
}

fn print(rops: Vec<Printed>, handles: &[u32], json: bool) -> ExitCode {
    let out = PrintedBuffer {
        rops,
        server_object_handle_table: handles.iter().map(|h| format!("{h:#010x}")).collect(),
    };
    if json {
        match serde_json::to_string_pretty(&out) {
            Ok(s) => println!("{s}"),
            Err(e) => return super::fail(e),
        }
    } else {
        for (i, r) in out.rops.iter().enumerate() {
            println!("[{i}] {} ({})", r.rop, r.rop_id);
            if let serde_json::Value::Object(m) = &r.fields {
                for (k, v) in m {
                    println!("    {k}: {v}");
                }
            }
        }
        println!(
            "ServerObjectHandleTable: [{}]",
            out.server_object_handle_table.join(", ")
        );
    }
    ExitCode::SUCCESS
}

fn printed<T: Serialize>(name: &'static str, id: u8, v: &T) -> Printed {
    Printed {
        rop: name,
        rop_id: format!("{id:#04x}"),
        fields: fields(serde_json::to_value(v).unwrap_or_default()),
    }
}

fn decode_request(path: &Path) -> Result<RopRequestBuffer, ExitCode> {
    let bytes = super::read_input(path)?;
    RopRequestBuffer::decode(&bytes)
        .map_err(|e| super::fail(format_args!("{}: {e}", path.display())))
}

pub fn run_request(common: &Common) -> ExitCode {
    let buf = match decode_request(&common.file) {
        Ok(b) => b,
        Err(c) => return c,
    };
    let rops = buf
        .rops
        .iter()
        .map(|r| printed(r.name(), r.rop_id(), r))
        .collect();
    print(rops, &buf.handles, common.json)
}

pub fn run_response(common: &Common, request: &Path) -> ExitCode {
    let req = match decode_request(request) {
        Ok(b) => b,
        Err(c) => return c,
    };
    let bytes = match super::read_input(&common.file) {
        Ok(b) => b,
        Err(c) => return c,
    };
    let buf = match RopResponseBuffer::decode(&bytes, &req, &ResponseContext::default()) {
        Ok(b) => b,
        Err(e) => return super::fail(format_args!("{}: {e}", common.file.display())),
    };
    let rops = buf
        .rops
        .iter()
        .map(|r| printed(r.name(), r.rop_id(), r))
        .collect();
    print(rops, &buf.handles, common.json)
}
