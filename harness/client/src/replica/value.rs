//! Property values as typed SQLite rows: `(ptype INTEGER, val INTEGER|BLOB)`.
//!
//! Integers, booleans and FILETIMEs go into an INTEGER column; floats go in as
//! their bit pattern (SQLite turns NaN into NULL, and we keep NaN payloads);
//! strings, binaries and GUIDs into a BLOB (UTF-16LE for PtypString, so an
//! unpaired surrogate survives); multi-valued properties into a BLOB of
//! `count:u32` followed by fixed-size elements or `len:u32 + bytes` elements.
//! This is storage, not a wire format: all integers little-endian.

use ics_wire::Guid;
use ics_wire::prop::{PropType, PropValue, Utf16String};
use rusqlite::types::Value;

use crate::error::ReplicaError;

/// Splits a value into its stored type code and column value.
pub fn encode(v: &PropValue) -> (i64, Value) {
    use PropValue::*;
    let ty = i64::from(v.prop_type().0);
    let val = match v {
        I16(x) => Value::Integer(i64::from(*x)),
        I32(x) => Value::Integer(i64::from(*x)),
        I64(x) | Currency(x) => Value::Integer(*x),
        ErrorCode(x) => Value::Integer(i64::from(*x)),
        Boolean(x) => Value::Integer(i64::from(*x)),
        Time(x) => Value::Integer(*x as i64),
        F32(x) => Value::Integer(i64::from(x.to_bits())),
        F64(x) | FloatingTime(x) => Value::Integer(x.to_bits() as i64),
        String8(b) | ServerId(b) | Binary(b) | Object(b) => Value::Blob(b.clone()),
        CodePageString { bytes, .. } => Value::Blob(bytes.clone()),
        Unicode(s) => Value::Blob(s.to_le_bytes()),
        Guid(g) => Value::Blob(g.to_bytes().to_vec()),
        MvI16(xs) => Value::Blob(fixed(xs.iter().map(|x| x.to_le_bytes()))),
        MvI32(xs) => Value::Blob(fixed(xs.iter().map(|x| x.to_le_bytes()))),
        MvF32(xs) => Value::Blob(fixed(xs.iter().map(|x| x.to_bits().to_le_bytes()))),
        MvF64(xs) | MvFloatingTime(xs) => {
            Value::Blob(fixed(xs.iter().map(|x| x.to_bits().to_le_bytes())))
        }
        MvI64(xs) | MvCurrency(xs) => Value::Blob(fixed(xs.iter().map(|x| x.to_le_bytes()))),
        MvTime(xs) => Value::Blob(fixed(xs.iter().map(|x| x.to_le_bytes()))),
        MvGuid(xs) => Value::Blob(fixed(xs.iter().map(|g| g.to_bytes()))),
        MvString8(xs) | MvBinary(xs) => Value::Blob(varlen(xs.iter().map(|b| b.as_slice()))),
        MvUnicode(xs) => {
            let bytes: Vec<Vec<u8>> = xs.iter().map(|s| s.to_le_bytes()).collect();
            Value::Blob(varlen(bytes.iter().map(|b| b.as_slice())))
        }
    };
    (ty, val)
}

fn fixed<const N: usize>(items: impl ExactSizeIterator<Item = [u8; N]>) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + items.len() * N);
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for it in items {
        out.extend_from_slice(&it);
    }
    out
}

fn varlen<'a>(items: impl ExactSizeIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(items.len() as u32).to_le_bytes());
    for it in items {
        out.extend_from_slice(&(it.len() as u32).to_le_bytes());
        out.extend_from_slice(it);
    }
    out
}

/// Rebuilds a value from its stored type code and column value.
pub fn decode(ty: i64, val: Value) -> Result<PropValue, ReplicaError> {
    let bad = |why: &'static str| ReplicaError::CorruptValue { ptype: ty, why };
    let ptype = u16::try_from(ty)
        .map(PropType)
        .map_err(|_| bad("type code out of range"))?;
    let int = |v: &Value| match v {
        Value::Integer(i) => Ok(*i),
        _ => Err(bad("expected an INTEGER column")),
    };
    let blob = |v: Value| match v {
        Value::Blob(b) => Ok(b),
        _ => Err(bad("expected a BLOB column")),
    };
    use PropValue as P;
    Ok(match ptype {
        PropType::INTEGER16 => {
            P::I16(i16::try_from(int(&val)?).map_err(|_| bad("I16 out of range"))?)
        }
        PropType::INTEGER32 => {
            P::I32(i32::try_from(int(&val)?).map_err(|_| bad("I32 out of range"))?)
        }
        PropType::INTEGER64 => P::I64(int(&val)?),
        PropType::CURRENCY => P::Currency(int(&val)?),
        PropType::ERROR_CODE => {
            P::ErrorCode(u32::try_from(int(&val)?).map_err(|_| bad("error code out of range"))?)
        }
        PropType::BOOLEAN => P::Boolean(int(&val)? != 0),
        PropType::TIME => P::Time(int(&val)? as u64),
        PropType::FLOATING32 => P::F32(f32::from_bits(
            u32::try_from(int(&val)?).map_err(|_| bad("F32 bits out of range"))?,
        )),
        PropType::FLOATING64 => P::F64(f64::from_bits(int(&val)? as u64)),
        PropType::FLOATING_TIME => P::FloatingTime(f64::from_bits(int(&val)? as u64)),
        PropType::STRING8 => P::String8(blob(val)?),
        PropType::SERVER_ID => P::ServerId(blob(val)?),
        PropType::BINARY => P::Binary(blob(val)?),
        PropType::OBJECT => P::Object(blob(val)?),
        PropType::STRING => {
            let b = blob(val)?;
            if !b.len().is_multiple_of(2) {
                return Err(bad("odd UTF-16 byte count"));
            }
            P::Unicode(Utf16String::from_le_bytes(&b))
        }
        PropType::GUID => {
            let b: [u8; 16] = blob(val)?
                .try_into()
                .map_err(|_| bad("GUID is not 16 bytes"))?;
            P::Guid(Guid::from_bytes(b))
        }
        PropType::MULTIPLE_INTEGER16 => P::MvI16(
            read_fixed::<2>(&blob(val)?, ty)?
                .map(i16::from_le_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_INTEGER32 => P::MvI32(
            read_fixed::<4>(&blob(val)?, ty)?
                .map(i32::from_le_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_FLOATING32 => P::MvF32(
            read_fixed::<4>(&blob(val)?, ty)?
                .map(|b| f32::from_bits(u32::from_le_bytes(b)))
                .collect(),
        ),
        PropType::MULTIPLE_FLOATING64 => P::MvF64(
            read_fixed::<8>(&blob(val)?, ty)?
                .map(|b| f64::from_bits(u64::from_le_bytes(b)))
                .collect(),
        ),
        PropType::MULTIPLE_FLOATING_TIME => P::MvFloatingTime(
            read_fixed::<8>(&blob(val)?, ty)?
                .map(|b| f64::from_bits(u64::from_le_bytes(b)))
                .collect(),
        ),
        PropType::MULTIPLE_INTEGER64 => P::MvI64(
            read_fixed::<8>(&blob(val)?, ty)?
                .map(i64::from_le_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_CURRENCY => P::MvCurrency(
            read_fixed::<8>(&blob(val)?, ty)?
                .map(i64::from_le_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_TIME => P::MvTime(
            read_fixed::<8>(&blob(val)?, ty)?
                .map(u64::from_le_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_GUID => P::MvGuid(
            read_fixed::<16>(&blob(val)?, ty)?
                .map(Guid::from_bytes)
                .collect(),
        ),
        PropType::MULTIPLE_STRING8 => P::MvString8(read_varlen(&blob(val)?, ty)?),
        PropType::MULTIPLE_BINARY => P::MvBinary(read_varlen(&blob(val)?, ty)?),
        PropType::MULTIPLE_STRING => {
            let items = read_varlen(&blob(val)?, ty)?;
            if items.iter().any(|b| !b.len().is_multiple_of(2)) {
                return Err(bad("odd UTF-16 byte count"));
            }
            P::MvUnicode(
                items
                    .iter()
                    .map(|b| Utf16String::from_le_bytes(b))
                    .collect(),
            )
        }
        t if t.0 & 0x8000 != 0 && !t.is_multi() => P::CodePageString {
            cpid: t.0 & 0x7FFF,
            bytes: blob(val)?,
        },
        _ => return Err(bad("unsupported property type")),
    })
}

fn count(b: &[u8], ty: i64) -> Result<(usize, &[u8]), ReplicaError> {
    let bad = |why| ReplicaError::CorruptValue { ptype: ty, why };
    let (n, rest) = b
        .split_first_chunk::<4>()
        .ok_or(bad("multi-value count missing"))?;
    Ok((u32::from_le_bytes(*n) as usize, rest))
}

fn read_fixed<const N: usize>(
    b: &[u8],
    ty: i64,
) -> Result<impl Iterator<Item = [u8; N]> + '_, ReplicaError> {
    let (n, rest) = count(b, ty)?;
    if rest.len() != n.saturating_mul(N) {
        return Err(ReplicaError::CorruptValue {
            ptype: ty,
            why: "multi-value length mismatch",
        });
    }
    Ok(rest.chunks_exact(N).map(|c| {
        let mut a = [0u8; N];
        a.copy_from_slice(c);
        a
    }))
}

fn read_varlen(b: &[u8], ty: i64) -> Result<Vec<Vec<u8>>, ReplicaError> {
    let bad = |why| ReplicaError::CorruptValue { ptype: ty, why };
    let (n, mut rest) = count(b, ty)?;
    // Each element needs at least its 4-byte length: cap the allocation.
    if n > rest.len() / 4 {
        return Err(bad("multi-value count exceeds data"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let (len, r) = rest
            .split_first_chunk::<4>()
            .ok_or(bad("element length missing"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if r.len() < len {
            return Err(bad("element truncated"));
        }
        out.push(r[..len].to_vec());
        rest = &r[len..];
    }
    if !rest.is_empty() {
        return Err(bad("trailing bytes after multi-value"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples() -> Vec<PropValue> {
        use PropValue::*;
        vec![
            I16(-5),
            I32(i32::MIN),
            I64(i64::MAX),
            Currency(-1),
            ErrorCode(0x8004_010F),
            Boolean(true),
            Time(u64::MAX),
            F32(f32::from_bits(0x7FC0_1234)),
            F64(f64::NAN),
            FloatingTime(-0.0),
            String8(b"abc".to_vec()),
            PropValue::unicode("h\u{e9}llo"),
            Unicode(Utf16String(vec![0xD800, 0x41])),
            Guid(ics_wire::Guid::from_bytes([7; 16])),
            ServerId(vec![1, 2]),
            Binary(vec![]),
            Object(vec![9]),
            CodePageString {
                cpid: 1252,
                bytes: b"x".to_vec(),
            },
            MvI16(vec![1, -1]),
            MvI32(vec![]),
            MvF32(vec![1.5]),
            MvF64(vec![f64::INFINITY]),
            MvCurrency(vec![3]),
            MvFloatingTime(vec![2.0]),
            MvI64(vec![i64::MIN]),
            MvString8(vec![b"a".to_vec(), vec![]]),
            MvUnicode(vec![Utf16String::from("z"), Utf16String(vec![0xDC00])]),
            MvTime(vec![5, 6]),
            MvGuid(vec![ics_wire::Guid::NIL]),
            MvBinary(vec![vec![0; 3], vec![1]]),
        ]
    }

    #[test]
    fn every_type_round_trips() {
        for v in samples() {
            let (ty, val) = encode(&v);
            assert_eq!(decode(ty, val).unwrap(), v, "{v:?}");
        }
    }

    #[test]
    fn corrupt_rows_are_errors() {
        assert!(decode(0x0003, Value::Integer(1 << 40)).is_err());
        assert!(decode(0x0003, Value::Blob(vec![])).is_err());
        assert!(decode(0x0048, Value::Blob(vec![0; 15])).is_err());
        assert!(decode(0x001F, Value::Blob(vec![0; 3])).is_err());
        assert!(decode(0x1102, Value::Blob(vec![0xFF, 0xFF, 0xFF, 0xFF])).is_err());
        assert!(decode(0x1003, Value::Blob(vec![2, 0, 0, 0, 1, 0, 0, 0])).is_err());
        assert!(decode(0x1102, Value::Blob(vec![1, 0, 0, 0, 9, 0, 0, 0, 1])).is_err());
        assert!(decode(0x0099, Value::Integer(0)).is_err());
        assert!(decode(-1, Value::Integer(0)).is_err());
    }
}
