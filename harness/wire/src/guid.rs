//! GUID in the Windows packet layout ([MS-DTYP] 2.3.4.2, [MS-OXCDATA] 2.5).

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A GUID stored as its 16 wire bytes: Data1 (u32 LE), Data2 (u16 LE),
/// Data3 (u16 LE), Data4 (8 bytes as-is). Ordering is byte-wise on the wire
/// form, as the PCL sort rule of [MS-OXCFXICS] 2.2.2.3 needs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Guid(pub [u8; 16]);

/// A GUID text that is not of the form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("not a GUID in standard text form: {0:?}")]
pub struct GuidParseError(pub String);

impl Guid {
    /// The nil GUID.
    pub const NIL: Guid = Guid([0; 16]);

    /// From the wire bytes.
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Guid(b)
    }

    /// The wire bytes.
    pub const fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// From the fields of the text form (`data1-data2-data3-data4`).
    pub const fn from_fields(d1: u32, d2: u16, d3: u16, d4: [u8; 8]) -> Self {
        let a = d1.to_le_bytes();
        let b = d2.to_le_bytes();
        let c = d3.to_le_bytes();
        Guid([
            a[0], a[1], a[2], a[3], b[0], b[1], c[0], c[1], d4[0], d4[1], d4[2], d4[3], d4[4],
            d4[5], d4[6], d4[7],
        ])
    }

    /// Data1, Data2, Data3, Data4.
    pub fn fields(&self) -> (u32, u16, u16, [u8; 8]) {
        let b = &self.0;
        let mut d4 = [0u8; 8];
        d4.copy_from_slice(&b[8..]);
        (
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            d4,
        )
    }
}

impl fmt::Display for Guid {
    /// Lowercase standard text form, e.g. `00020329-0000-0000-c000-000000000046`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (d1, d2, d3, d4) = self.fields();
        write!(
            f,
            "{d1:08x}-{d2:04x}-{d3:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            d4[0], d4[1], d4[2], d4[3], d4[4], d4[5], d4[6], d4[7]
        )
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({self})")
    }
}

impl FromStr for Guid {
    type Err = GuidParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || GuidParseError(s.to_owned());
        let t = s.trim_start_matches('{').trim_end_matches('}');
        let parts: Vec<&str> = t.split('-').collect();
        let lens = [8, 4, 4, 4, 12];
        if parts.len() != 5
            || parts
                .iter()
                .zip(lens)
                .any(|(p, l)| p.len() != l || !p.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(err());
        }
        let d1 = u32::from_str_radix(parts[0], 16).map_err(|_| err())?;
        let d2 = u16::from_str_radix(parts[1], 16).map_err(|_| err())?;
        let d3 = u16::from_str_radix(parts[2], 16).map_err(|_| err())?;
        let tail = format!("{}{}", parts[3], parts[4]);
        let mut d4 = [0u8; 8];
        for (i, b) in d4.iter_mut().enumerate() {
            *b = u8::from_str_radix(&tail[2 * i..2 * i + 2], 16).map_err(|_| err())?;
        }
        Ok(Guid::from_fields(d1, d2, d3, d4))
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PS_PUBLIC_STRINGS, [MS-OXPROPS] 1.3.2: text form and wire bytes.
    #[test]
    fn ps_public_strings_layout() {
        let g: Guid = "00020329-0000-0000-C000-000000000046".parse().unwrap();
        assert_eq!(
            g.to_bytes(),
            [
                0x29, 0x03, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0, 0, 0, 0, 0, 0x46
            ]
        );
        assert_eq!(g.to_string(), "00020329-0000-0000-c000-000000000046");
    }

    #[test]
    fn rejects_bad_text() {
        for s in [
            "",
            "0002032-0000-0000-C000-000000000046",
            "zz020329-0000-0000-C000-000000000046",
        ] {
            assert!(s.parse::<Guid>().is_err(), "{s}");
        }
    }
}
