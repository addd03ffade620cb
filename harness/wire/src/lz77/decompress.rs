//! LZ77 + DIRECT2 decoder ([MS-OXCRPC] 3.1.4.1.1.2.2, [MS-XCA] 2.4).

use super::Lz77Error;

/// Bounds-checked input cursor that reports [`Lz77Error::Truncated`].
struct Input<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Input<'_> {
    fn take<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Lz77Error> {
        match self.src.get(self.pos..self.pos + N) {
            Some(s) => {
                let mut a = [0u8; N];
                a.copy_from_slice(s);
                self.pos += N;
                Ok(a)
            }
            None => Err(Lz77Error::Truncated {
                offset: self.pos,
                field,
                needed: N,
                available: self.src.len() - self.pos,
            }),
        }
    }

    fn remaining(&self) -> usize {
        self.src.len() - self.pos
    }
}

/// Decompresses `src`, producing at most `max_output` bytes.
///
/// Stops at the end marker (a `1` flag bit with no input left) or, tolerating
/// an encoder that omitted it, when the input ends exactly where a new flag
/// word would start (transport.md §14 item 8). Anything else that ends early,
/// a match reaching before the output start, or output beyond `max_output` is
/// an error; nothing is allocated beyond `max_output`.
pub fn decompress(src: &[u8], max_output: usize) -> Result<Vec<u8>, Lz77Error> {
    let mut out: Vec<u8> =
        Vec::with_capacity(max_output.min(src.len().saturating_mul(4)).min(1 << 16));
    let mut inp = Input { src, pos: 0 };
    let mut flags = 0u32;
    let mut nflags = 0u32;
    // Position of the byte whose high nibble is still unused (shared nibble).
    let mut nibble_at: Option<usize> = None;
    loop {
        if nflags == 0 {
            if inp.remaining() == 0 {
                break;
            }
            flags = u32::from_le_bytes(inp.take("flag word")?);
            nflags = 32;
        }
        nflags -= 1;
        let item_at = inp.pos;
        if (flags >> nflags) & 1 == 0 {
            let [b] = inp.take::<1>("literal")?;
            if out.len() >= max_output {
                return Err(Lz77Error::OutputTooLarge {
                    offset: item_at,
                    max: max_output,
                });
            }
            out.push(b);
            continue;
        }
        if inp.remaining() == 0 {
            break; // end marker
        }
        let md = u16::from_le_bytes(inp.take("match metadata")?);
        let distance = usize::from(md >> 3) + 1;
        let mut length = usize::from(md & 7);
        if length == 7 {
            length = match nibble_at.take() {
                Some(p) => usize::from(src[p] >> 4),
                None => {
                    nibble_at = Some(inp.pos);
                    usize::from(inp.take::<1>("length nibble")?[0] & 0x0F)
                }
            };
            if length == 15 {
                length = usize::from(inp.take::<1>("length byte")?[0]);
                if length == 255 {
                    let mut value = u32::from(u16::from_le_bytes(inp.take("length u16")?));
                    if value == 0 {
                        value = u32::from_le_bytes(inp.take("length u32")?);
                    }
                    if value < 22 {
                        return Err(Lz77Error::BadLength {
                            offset: item_at,
                            value,
                        });
                    }
                    // value = length - 3; undo the additions below.
                    length = value as usize - 22;
                }
                length += 15;
            }
            length += 7;
        }
        length += 3;
        if distance > out.len() {
            return Err(Lz77Error::OffsetBeyondOutput {
                offset: item_at,
                distance,
                produced: out.len(),
            });
        }
        if length > max_output - out.len() {
            return Err(Lz77Error::OutputTooLarge {
                offset: item_at,
                max: max_output,
            });
        }
        // Overlapping copy: the bytes from `start` on repeat with period `distance`.
        let start = out.len() - distance;
        let mut left = length;
        while left > 0 {
            let n = left.min(out.len() - start);
            out.extend_from_within(start..start + n);
            left -= n;
        }
    }
    Ok(out)
}

/// Decompresses an RPC_HEADER_EXT payload whose SizeActual is `size_actual`:
/// the output must have exactly that length ([MS-OXCRPC] 2.2.2.1).
pub fn decompress_exact(src: &[u8], size_actual: usize) -> Result<Vec<u8>, Lz77Error> {
    let out = decompress(src, size_actual)?;
    if out.len() != size_actual {
        return Err(Lz77Error::SizeMismatch {
            expected: size_actual,
            actual: out.len(),
        });
    }
    Ok(out)
}
