//! Small helpers: random ids, RFC 1123 dates, cookie lists.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// 64 random bits from the standard library's per-process random keys.
pub fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// A random GUID in registry format without braces (upper case).
pub fn random_guid() -> String {
    let (a, b) = (random_u64(), random_u64());
    format!(
        "{:08X}-{:04X}-{:04X}-{:04X}-{:012X}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFFF,
        b >> 48,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// `Sat, 21 Nov 2026 12:00:00 GMT` for X-StartTime.
pub fn rfc1123(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WD: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        WD[days.rem_euclid(7) as usize],
        day,
        MON[(month - 1) as usize],
        year,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `name=value` pairs of a Cookie header (`a=b; c=d`).
pub fn parse_cookie_header(v: &str) -> impl Iterator<Item = (&str, &str)> {
    v.split(';')
        .filter_map(|p| p.trim().split_once('='))
        .map(|(n, v)| (n.trim(), v.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rfc1123_dates() {
        assert_eq!(rfc1123(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        // transport.md §4.2 example date.
        let t = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
        assert_eq!(rfc1123(t), "Tue, 02 Jan 2024 03:04:05 GMT");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // leap day 2000
        assert_eq!(rfc1123(t), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn cookie_pairs() {
        let v: Vec<_> = parse_cookie_header("sid=abc; sequence=3;bad").collect();
        assert_eq!(v, [("sid", "abc"), ("sequence", "3")]);
    }

    #[test]
    fn guids_differ_and_have_the_registry_shape() {
        let (a, b) = (random_guid(), random_guid());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
