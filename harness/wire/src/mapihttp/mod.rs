//! MAPI over HTTP bodies, RPC_HEADER_EXT and XOR obfuscation ([MS-OXCMAPIHTTP] 2.2.4, [MS-OXCRPC] 2.2.2.1).
