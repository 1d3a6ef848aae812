//! What this binary was built from, recorded at build time by `build.rs`.

/// The commit of the source tree (`+dirty` when tracked files differed from it), or `unknown`.
pub(crate) const COMMIT: &str = env!("GOMAP_BUILD_COMMIT");

/// The compiler's `--version`.
pub(crate) const RUSTC: &str = env!("GOMAP_BUILD_RUSTC");

/// `gomap --version`: the crate version, the commit and the compiler.
pub(crate) const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("GOMAP_BUILD_COMMIT"),
    ", ",
    env!("GOMAP_BUILD_RUSTC"),
    ")"
);
