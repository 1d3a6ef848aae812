//! Resident memory from `/proc/self/status` (Linux): the pages the process really holds.
//!
//! The counting allocator sees allocations, not pages: gomap hands an old bucket array's pages
//! back to the OS as evacuation passes them (`madvise`), but the array stays allocated until the
//! grow ends, so allocated bytes overstate what a growing gomap map occupies. The peak resident
//! size (`VmHWM`, which writing `5` to `/proc/self/clear_refs` resets) shows the other side.

use std::fs;

/// Resets the peak resident size to the current one. False where that is not possible.
pub(crate) fn reset_peak() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak resident size since the last [`reset_peak`], in bytes.
pub(crate) fn peak_bytes() -> Option<usize> {
    status_kib("VmHWM:").map(|k| k * 1024)
}

/// The current resident size, in bytes.
pub(crate) fn current_bytes() -> Option<usize> {
    status_kib("VmRSS:").map(|k| k * 1024)
}

/// A `kB` field of `/proc/self/status`.
fn status_kib(field: &str) -> Option<usize> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn resident_size_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            let now = super::current_bytes().expect("VmRSS");
            assert!(now > 0);
            assert!(super::reset_peak());
            assert!(super::peak_bytes().expect("VmHWM") >= now / 2);
        }
    }
}
