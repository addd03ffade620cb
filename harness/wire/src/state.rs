//! ICS state properties ([MS-OXCFXICS] 2.2.1.1).
