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

/// Asserts that `o` is a usage error: exit status 2, and clap's `error: ` format naming `needle`.
pub(crate) fn assert_usage_error(o: &Output, needle: &str) {
    assert_error(o, 2, needle);
    assert!(
        stderr(o).contains("--help"),
        "a usage error points to --help: {}",
        stderr(o)
    );
}

/// Asserts that `o` failed while running: exit status 1, one `error: ` line naming `needle`.
pub(crate) fn assert_runtime_error(o: &Output, needle: &str) {
    assert_error(o, 1, needle);
}

fn assert_error(o: &Output, code: i32, needle: &str) {
    let err = stderr(o);
    assert_eq!(
        o.status.code(),
        Some(code),
        "expected exit status {code}; stdout: {}\nstderr: {err}",
        stdout(o)
    );
    let first = err
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no `error: ` line in {err:?}"));
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert!(first.len() > "error: ".len(), "an empty message");
    assert!(stdout(o).is_empty(), "nothing on standard output on error");
}
