//! ROP request and response buffers ([MS-OXCROPS] 2.2).
