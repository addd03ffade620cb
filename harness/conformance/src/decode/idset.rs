//! `decode idset` / `decode globset`: a serialized IDSET ([MS-OXCFXICS]
//! 2.2.2.4, REPLGUID form unless `--replid`) or a bare GLOBSET (2.2.2.6).
//!
//! JSON: `{"replicas":[{"replguid":"<guid>"|"replid":<n>,"ranges":[[low,high],...]}]}`
//! and `{"ranges":[[low,high],...]}`, GLOBCNTs as unsigned integers, ranges
//! merged and sorted. Text: one line per replica and range, plus the
//! tolerated format deviations. Bad input: exit 1, one stderr line with the
//! offset and the reason.

use std::fmt::Write as _;
use std::process::ExitCode;

use ics_wire::idset::{FormatNote, GlobSet, IdSet, ReplicaKey};
use ics_wire::{ReplGuid, ReplId};

use crate::cli::Common;

pub fn run_idset(common: &Common, replid: bool) -> ExitCode {
    if replid {
        run::<ReplId>(common, "REPLID")
    } else {
        run::<ReplGuid>(common, "REPLGUID")
    }
}

fn run<K: ReplicaKey + KeyText>(common: &Common, form: &str) -> ExitCode {
    let data = match super::read_input(&common.file) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let (set, notes) = match IdSet::<K>::decode_with_notes(&data) {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    if common.json {
        println!("{}", serde_json::to_string(&set).expect("serializable"));
        return ExitCode::SUCCESS;
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "IDSET ({form} form, {} bytes): {} replicas, {} ids",
        data.len(),
        set.replicas().len(),
        set.count()
    );
    for (k, g) in set.replicas() {
        let _ = writeln!(out, "{} {}:", K::FIELD, k.text());
        ranges_text(&mut out, g);
    }
    notes_text(&mut out, &notes);
    print!("{out}");
    ExitCode::SUCCESS
}

pub fn run_globset(common: &Common) -> ExitCode {
    let data = match super::read_input(&common.file) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let (set, notes) = match GlobSet::decode_with_notes(&data) {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    if common.json {
        let v = serde_json::json!({ "ranges": set });
        println!("{v}");
        return ExitCode::SUCCESS;
    }
    let mut out = String::new();
    let _ = writeln!(out, "GLOBSET ({} bytes):", data.len());
    ranges_text(&mut out, &set);
    notes_text(&mut out, &notes);
    print!("{out}");
    ExitCode::SUCCESS
}

/// How a replica key reads in the text form.
trait KeyText {
    fn text(&self) -> String;
}

impl KeyText for ReplId {
    fn text(&self) -> String {
        format!("{} (0x{:04X})", self.0, self.0)
    }
}

impl KeyText for ReplGuid {
    fn text(&self) -> String {
        self.0.to_string()
    }
}

fn ranges_text(out: &mut String, g: &GlobSet) {
    let _ = writeln!(out, "  {} ranges, {} ids", g.range_count(), g.count());
    for (lo, hi) in g.ranges() {
        if lo == hi {
            let _ = writeln!(out, "  0x{:012X}", lo.value());
        } else {
            let _ = writeln!(out, "  0x{:012X}-0x{:012X}", lo.value(), hi.value());
        }
    }
}

fn notes_text(out: &mut String, notes: &[FormatNote]) {
    for n in notes {
        let (offset, what) = match *n {
            FormatNote::RangesNotAscending { offset } => (offset, "range below the previous one"),
            FormatNote::RangesOverlap { offset } => (offset, "range overlaps the previous one"),
            FormatNote::RangesNotMerged { offset } => {
                (offset, "range adjacent to the previous one")
            }
            FormatNote::EmptyGlobSet { offset } => (offset, "replica with an empty GLOBSET"),
            FormatNote::ReplicasNotAscending { offset } => {
                (offset, "replica below the previous one")
            }
            FormatNote::DuplicateReplica { offset } => (offset, "replica given twice (merged)"),
        };
        let _ = writeln!(
            out,
            "note: offset {offset}: {what} (not a formatted IDSET, 3.1.5.4.1)"
        );
    }
}
