//! `decode ftstream FILE [--json] [--tree]`: a FastTransfer stream
//! ([MS-OXCFXICS] 2.2.4) as its lexical elements or its syntactic tree.
//!
//! The root is guessed from the elements (`ics_wire::ftstream::guess_root`).
//! On a lexical or grammar error the elements read before the error are
//! still printed, then `error: offset N: reason` goes to stderr, exit 1.

use std::process::ExitCode;

use ics_wire::ftstream::{
    Element, ElementKind, FtProp, Lexer, ParseError, guess_root, parse_elements, tag_name, text,
};
use ics_wire::prop::{NameKind, PropValue};
use serde_json::{Value, json};

use crate::cli::Common;

pub fn run(common: &Common, tree: bool) -> ExitCode {
    let bytes = match super::read_input(&common.file) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let mut elements = Vec::new();
    let mut lex_error = None;
    for e in Lexer::new(&bytes) {
        match e {
            Ok(e) => elements.push(e.to_owned()),
            Err(err) => {
                lex_error = Some(err);
                break;
            }
        }
    }
    let kind = guess_root(&elements);
    let parsed = match lex_error {
        Some(e) => Err(ParseError::Stream(e)),
        None => parse_elements(kind, elements.iter().cloned(), bytes.len()),
    };
    match parsed {
        Ok(root) if tree => {
            if common.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({ "root": root })).unwrap_or_default()
                );
            } else {
                print!("{}", text::tree_text(&root));
            }
            ExitCode::SUCCESS
        }
        Ok(_) => {
            print_elements(&elements, common.json);
            ExitCode::SUCCESS
        }
        Err(e) => {
            let at = e.offset();
            elements.retain(|el| el.offset < at);
            print_elements(&elements, common.json);
            super::fail(format!("{e} (as {})", kind.name()))
        }
    }
}

fn print_elements(elements: &[Element], json: bool) {
    if json {
        let v: Vec<Value> = elements.iter().map(element_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({ "elements": v })).unwrap_or_default()
        );
    } else {
        print!("{}", text::elements_text(elements));
    }
}

/// `{"offset", "marker"}` or `{"offset", "tag", ["tagName"], ["named"], "type", "value"}`.
pub fn element_json(e: &Element) -> Value {
    match &e.kind {
        ElementKind::Marker(m) => json!({ "offset": e.offset, "marker": m.name() }),
        ElementKind::Prop(p) => prop_json(e.offset, p),
    }
}

fn prop_json(offset: usize, p: &FtProp) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("offset".into(), json!(offset));
    o.insert("tag".into(), json!(p.tag.to_string()));
    if let Some(n) = tag_name(p.tag) {
        o.insert("tagName".into(), json!(n));
    }
    if let Some(name) = &p.name {
        let named = match &name.kind {
            NameKind::Lid(l) => json!({ "guid": name.guid.to_string(), "lid": l }),
            NameKind::Name(n) => {
                json!({ "guid": name.guid.to_string(), "name": n.to_string_lossy() })
            }
        };
        o.insert("named".into(), named);
    }
    let ty = p.value.prop_type();
    o.insert(
        "type".into(),
        json!(
            ty.name()
                .map_or_else(|| format!("0x{:04X}", ty.0), str::to_owned)
        ),
    );
    o.insert("value".into(), value_json(&p.value));
    Value::Object(o)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// Integers and booleans as JSON numbers / booleans, strings as text,
/// binaries as uppercase hex, GUIDs as text, multi-valued as arrays.
pub fn value_json(v: &PropValue) -> Value {
    use PropValue::*;
    match v {
        I16(x) => json!(x),
        I32(x) => json!(x),
        F32(x) => json!(x),
        F64(x) | FloatingTime(x) => json!(x),
        Currency(x) | I64(x) => json!(x),
        ErrorCode(x) => json!(x),
        Boolean(x) => json!(x),
        Time(x) => json!(x),
        String8(b) => json!(String::from_utf8_lossy(b)),
        Unicode(s) => json!(s.to_string_lossy()),
        Guid(g) => json!(g.to_string()),
        ServerId(b) | Binary(b) | Object(b) => json!(hex(b)),
        CodePageString { cpid, bytes } => json!({ "cpid": cpid, "bytes": hex(bytes) }),
        MvI16(v) => json!(v),
        MvI32(v) => json!(v),
        MvF32(v) => json!(v),
        MvF64(v) | MvFloatingTime(v) => json!(v),
        MvCurrency(v) | MvI64(v) => json!(v),
        MvString8(v) => json!(
            v.iter()
                .map(|b| String::from_utf8_lossy(b))
                .collect::<Vec<_>>()
        ),
        MvUnicode(v) => json!(v.iter().map(|s| s.to_string_lossy()).collect::<Vec<_>>()),
        MvTime(v) => json!(v),
        MvGuid(v) => json!(v.iter().map(|g| g.to_string()).collect::<Vec<_>>()),
        MvBinary(v) => json!(v.iter().map(|b| hex(b)).collect::<Vec<_>>()),
    }
}
