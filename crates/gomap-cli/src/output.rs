//! Output paths, treated alike by every subcommand: missing parent directories are created, a
//! path component that is a file is named in the error, and everything is checked before any
//! measuring starts, so a typo never costs a whole run.

use std::path::{Path, PathBuf};

/// The first ancestor of `path` (itself included) that exists but is not a directory.
fn file_in_the_way(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.exists() && !a.is_dir())
        .map(Path::to_path_buf)
}

/// Creates directory `dir` and its parents; `what` names the option in errors (`--out`).
pub(crate) fn create_dir(dir: &Path, what: &str) -> Result<(), String> {
    if let Some(file) = file_in_the_way(dir) {
        return Err(format!(
            "{what} {}: {} is a file, not a directory",
            dir.display(),
            file.display()
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("{what} {}: cannot create the directory: {e}", dir.display()))
}

/// Checks before a run that the directory `dir` exists or can be created, and can be written in.
pub(crate) fn prepare_dir(dir: &Path, what: &str) -> Result<(), String> {
    create_dir(dir, what)?;
    let probe = dir.join(".gomap-write-test");
    std::fs::write(&probe, b"")
        .map_err(|e| format!("{what} {}: cannot write in it: {e}", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// The directory a file path lives in (`.` for a bare file name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks before a run that the file `path` can be written: it names a file (not a directory),
/// and its directory exists or can be created and is writable. Creates the directory; leaves
/// the file itself alone.
pub(crate) fn prepare_file(path: &Path, what: &str) -> Result<(), String> {
    if path.as_os_str().is_empty() || path.file_name().is_none() || path.is_dir() {
        return Err(format!(
            "{what} {}: must name a file, not a directory",
            path.display()
        ));
    }
    prepare_dir(&parent_of(path), what).map_err(|e| {
        // Name the file asked for, not its directory.
        let dir = parent_of(path);
        e.replacen(
            &format!("{what} {}:", dir.display()),
            &format!("{what} {}:", path.display()),
            1,
        )
    })
}

/// Writes `contents` to `path`, creating its directory first.
pub(crate) fn write_file(path: &Path, contents: &str) -> Result<(), String> {
    create_dir(&parent_of(path), "output")?;
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("gomap-output-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn missing_parents_are_created() {
        let d = scratch("parents");
        let f = d.join("a/b/c.json");
        prepare_file(&f, "--json").unwrap();
        assert!(d.join("a/b").is_dir());
        write_file(&f, "{}").unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "{}");
        prepare_dir(&d.join("x/y"), "--out").unwrap();
        assert!(d.join("x/y").is_dir());
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_named() {
        let d = scratch("in-the-way");
        let file = d.join("afile");
        std::fs::write(&file, "").unwrap();
        let e = prepare_file(&file.join("x.html"), "--out").unwrap_err();
        assert!(
            e.contains(&format!("{} is a file, not a directory", file.display())),
            "{e}"
        );
        let e = prepare_dir(&file.join("sub/dir"), "--out").unwrap_err();
        assert!(e.contains("is a file, not a directory"), "{e}");
        let e = prepare_file(&d, "--json").unwrap_err();
        assert!(e.contains("must name a file"), "{e}");
        std::fs::remove_dir_all(d).unwrap();
    }
}
