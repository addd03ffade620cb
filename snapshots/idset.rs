//! Snapshot tests: decoded form of every file in corpus/ for the idset codec.
