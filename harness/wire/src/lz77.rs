//! LZ77 + DIRECT2 compression ([MS-OXCRPC] 3.1.4.1.1.2).
