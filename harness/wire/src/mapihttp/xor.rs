//! XorMagic obfuscation ([MS-OXCRPC] 3.1.4.1.1.3).

/// The byte every payload byte is XORed with when RPC_HEADER_EXT Flags has XorMagic.
pub const XOR_MAGIC: u8 = 0xA5;

/// XORs every byte with [`XOR_MAGIC`] in place; applying it twice restores the input.
pub fn xor_magic(buf: &mut [u8]) {
    for b in buf {
        *b ^= XOR_MAGIC;
    }
}
