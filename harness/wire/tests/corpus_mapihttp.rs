//! Replays corpus/lz77_decompress/ and corpus/mapihttp_bodies/ (seeds and
//! saved crash inputs) through the fuzz oracles, and checks that the seeds
//! exercise the success paths, so a corpus of garbage cannot pass unnoticed.

mod common;

use ics_wire::fuzz_bodies::mapihttp::{lz77_decompress, mapihttp_bodies};

#[test]
fn replay_lz77_decompress() {
    common::replay("lz77_decompress", lz77_decompress);
}

#[test]
fn replay_mapihttp_bodies() {
    common::replay("mapihttp_bodies", mapihttp_bodies);
}

#[test]
fn lz77_seeds_mostly_decode() {
    let files = common::corpus("lz77_decompress");
    let ok = files
        .iter()
        .filter(|(_, d)| {
            let max = usize::from(u16::from_le_bytes([d[0], d[1]]));
            ics_wire::lz77::decompress_exact(&d[2..], max).is_ok()
        })
        .count();
    assert!(
        ok >= 10,
        "only {ok} of {} lz77 seeds decode to their SizeActual",
        files.len()
    );
}

#[test]
fn mapihttp_seeds_decode() {
    use ics_wire::mapihttp::*;
    for (path, d) in common::corpus("mapihttp_bodies") {
        if path.parent().is_some_and(|p| p.ends_with("regressions")) {
            continue;
        }
        let body = &d[1..];
        let ok = match d[0] {
            0 => ConnectRequest::decode(body).is_ok(),
            1 => ConnectResponse::decode(body).is_ok(),
            2 => ExecuteRequest::decode(body).is_ok(),
            3 => ExecuteResponse::decode(body).is_ok(),
            4 => DisconnectRequest::decode(body).is_ok(),
            5 => DisconnectResponse::decode(body).is_ok(),
            6 => NotificationWaitRequest::decode(body).is_ok(),
            7 => NotificationWaitResponse::decode(body).is_ok(),
            8 => decode_payloads(body, 0, 0x40000).is_ok(),
            _ => ResponseParser::parse(body).is_ok(),
        };
        assert!(ok, "seed {} does not decode", path.display());
    }
}
