//! FastTransfer stream: lexer, streaming parser, grammar and producer ([MS-OXCFXICS] 2.2.4).
