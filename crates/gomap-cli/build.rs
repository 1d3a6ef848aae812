//! Records what the `gomap` binary is built from, so that its reports name the commit and
//! compiler of the binary that ran, not whatever `git` and `rustc` the current directory and
//! PATH happen to hold at run time.
//!
//! Sets `GOMAP_BUILD_COMMIT` (`git rev-parse HEAD` of the source tree, with `+dirty` when
//! tracked files differ from it; `unknown` outside a git checkout) and `GOMAP_BUILD_RUSTC` (the
//! `--version` of the compiler cargo builds with).

use std::path::Path;
use std::process::Command;

fn run(cmd: &str, args: &[&str], dir: &Path) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    out.status.success().then_some(s)
}

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&dir);
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let rustc_version = run(&rustc, &["--version"], dir).unwrap_or_else(|| "unknown".into());

    let commit = match run("git", &["rev-parse", "HEAD"], dir).filter(|s| !s.is_empty()) {
        Some(head) => {
            let dirty = run(
                "git",
                &["status", "--porcelain", "--untracked-files=no"],
                dir,
            )
            .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{head}+dirty")
            } else {
                head
            }
        }
        None => "unknown".to_string(),
    };
    println!("cargo:rustc-env=GOMAP_BUILD_COMMIT={commit}");
    println!("cargo:rustc-env=GOMAP_BUILD_RUSTC={rustc_version}");

    // Rerun when the commit or the sources change (the dirty mark follows the sources).
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=../gomap/src");
    println!("cargo:rerun-if-env-changed=RUSTC");
    for git_path in ["HEAD", "logs/HEAD", "index"] {
        if let Some(p) = run(
            "git",
            &[
                "rev-parse",
                "--path-format=absolute",
                "--git-path",
                git_path,
            ],
            dir,
        ) {
            if Path::new(&p).exists() {
                println!("cargo:rerun-if-changed={p}");
            }
        }
    }
}
