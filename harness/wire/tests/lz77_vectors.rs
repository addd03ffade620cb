//! Byte examples of transport.md §8.2 and [MS-OXCRPC] 3.1.4.1.1.2.2 for the LZ77 + DIRECT2 codec.

use ics_wire::lz77::{Lz77Error, compress, decompress, decompress_exact};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Checks both directions: our encoder emits exactly `bytes` and the decoder
/// turns `bytes` back into `plain`.
fn both_ways(plain: &[u8], bytes: &str) {
    let bytes = hex(bytes);
    assert_eq!(
        compress(plain),
        bytes,
        "compress({:?})",
        String::from_utf8_lossy(plain)
    );
    assert_eq!(decompress_exact(&bytes, plain.len()).unwrap(), plain);
}

#[test]
fn transport_8_2_abcabcdef() {
    both_ways(b"ABCABCDEF", "00 00 00 11 41 42 43 10 00 44 45 46");
}

#[test]
fn transport_8_2_abcabcdef_samba_style_trailing_ones_decode_the_same() {
    let b = hex("FF FF FF 11 41 42 43 10 00 44 45 46");
    assert_eq!(decompress_exact(&b, 9).unwrap(), b"ABCABCDEF");
}

#[test]
fn transport_8_2_abcabcdefg_end_bit_is_ninth_bit() {
    both_ways(b"ABCABCDEFG", "00 00 80 10 41 42 43 10 00 44 45 46 47");
}

#[test]
fn transport_8_2_abc_times_10_plus_x_length_27_uses_extra_byte() {
    let mut p = b"abc".repeat(10);
    p.push(b'X');
    both_ways(&p, "00 00 00 14 61 62 63 17 00 0F 02 58");
}

#[test]
fn transport_8_2_a_times_30_run_with_offset_1() {
    both_ways(&[b'A'; 30], "00 00 00 60 41 07 00 0F 04");
}

/// The public vector of tooling.md §5 (also [MS-XCA] style): "abc" × 100,
/// encoded by another encoder with trailing 1 bits and a u16 length.
#[test]
fn public_vector_abc_times_100() {
    let b = hex("ffffff1f 61626317 000fff26 01");
    assert_eq!(decompress_exact(&b, 300).unwrap(), b"abc".repeat(100));
}

/// [MS-OXCRPC] 3.1.4.1.1.2.2.1: flags 0x01000000 = 7 literals, 1 match, then
/// 24 literals; the end bit then needs a flag word of its own.
#[test]
fn oxcrpc_3_1_4_1_1_2_2_1_flags_0x01000000() {
    let mut p = b"abcdefgabc".to_vec();
    p.extend_from_slice(b"ABCDEFGHIJKLMNOPQRSTUVWX");
    let mut want = hex("00 00 00 01");
    want.extend_from_slice(b"abcdefg");
    want.extend_from_slice(&[0x30, 0x00]); // offset 7, length 3
    want.extend_from_slice(b"ABCDEFGHIJKLMNOPQRSTUVWX");
    want.extend_from_slice(&hex("00 00 00 80"));
    assert_eq!(compress(&p), want);
    assert_eq!(decompress_exact(&want, p.len()).unwrap(), p);
}

/// The tail of an encoded run `a` + match(offset 1, `len`): the bytes after md.
fn length_tail(len: usize) -> Vec<u8> {
    let c = compress(&vec![b'a'; len + 1]);
    assert_eq!(&c[4..5], b"a");
    assert_eq!(decompress_exact(&c, len + 1).unwrap(), vec![b'a'; len + 1]);
    c[5..].to_vec()
}

/// [MS-OXCRPC] 3.1.4.1.1.2.2.4 length encodings (transport.md §8.2).
#[test]
fn oxcrpc_3_1_4_1_1_2_2_4_length_encodings() {
    assert_eq!(length_tail(3), hex("00 00"), "len3 b'000'");
    assert_eq!(length_tail(9), hex("06 00"), "len3 b'110'");
    assert_eq!(length_tail(10), hex("07 00 00"), "b'111' + nibble 0");
    assert_eq!(length_tail(24), hex("07 00 0E"), "24: nibble 1110");
    assert_eq!(
        length_tail(25),
        hex("07 00 0F 00"),
        "25: nibble 1111 + byte 00"
    );
    assert_eq!(length_tail(26), hex("07 00 0F 01"), "26: byte 01");
    assert_eq!(length_tail(279), hex("07 00 0F FE"), "279: byte FE");
    assert_eq!(
        length_tail(280),
        hex("07 00 0F FF 15 01"),
        "280: byte FF + u16 0x0115"
    );
    assert_eq!(
        length_tail(281),
        hex("07 00 0F FF 16 01"),
        "281: u16 0x0116"
    );
}

/// transport.md §14 item 8: an encoder may omit the end bit; the decoder
/// stops when the input ends where a new flag word would start.
#[test]
fn transport_14_8_missing_end_bit_is_tolerated_at_word_boundary() {
    let mut b = hex("00 00 00 00");
    b.extend(0..32u8);
    assert_eq!(
        decompress_exact(&b, 32).unwrap(),
        (0..32u8).collect::<Vec<_>>()
    );
    // But a literal promised by a flag bit and missing is an error.
    assert!(matches!(
        decompress(&b[..35], 32),
        Err(Lz77Error::Truncated {
            field: "literal",
            offset: 35,
            ..
        })
    ));
}
