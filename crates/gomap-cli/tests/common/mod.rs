//! What the CLI's end-to-end tests share: running the built binary, and scratch directories.

#![allow(dead_code, reason = "each test file uses part of it")]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs the built `gomap` binary with `args`.
pub(crate) fn gomap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gomap"))
        .args(args)
        .output()
        .expect("the gomap binary runs")
}

/// Its standard output, as text.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Its standard error, as text.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch directory for one test (`suite` keeps the test files apart).
pub(crate) fn scratch(suite: &str, name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("gomap-{suite}-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
