//! Shared helpers for the integration tests of `ics-wire`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The repository's top-level folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file of `corpus/<target>/` and `corpus/<target>/regressions/`
/// (crash inputs saved by `fuzz/run-nightly`), sorted, with their bytes.
pub fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = repo_root().join("corpus").join(target);
    let mut files = Vec::new();
    for d in [dir.clone(), dir.join("regressions")] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                files.push(p);
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, b)
        })
        .collect()
}

/// Runs `body` on every corpus file of `target`; fails naming each file that
/// panicked. Asserts the corpus is not empty, so a lost corpus cannot pass.
pub fn replay(target: &str, body: impl Fn(&[u8]) + std::panic::RefUnwindSafe) {
    let files = corpus(target);
    assert!(!files.is_empty(), "corpus/{target}/ is empty");
    let mut failed = Vec::new();
    for (path, data) in &files {
        if std::panic::catch_unwind(|| body(data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: oracle panicked on {failed:?}");
}
