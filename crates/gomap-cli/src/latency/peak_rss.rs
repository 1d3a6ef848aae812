//! Peak resident memory per map, each measured in a child process of its own.
//!
//! Measured one map after another in one process, the figure means little: the allocator keeps
//! pages that an earlier map freed and hands them to the next one, which then grows without
//! raising the process's peak (a showcase once reported 4 MiB for gomap and 0 B for std, for
//! maps whose peak heap was over 100 MiB). So `gomap latency` runs this binary again as
//! `gomap peak-rss --map M --n N` for each map: a fresh process generates the keys, resets
//! Linux's peak counter (`VmHWM`) and inserts the N keys, and prints how far the peak rose
//! above its resident size before the first insert.

use std::hint::black_box;
use std::process::Command;

use super::measure::Subject;
use super::{LatencyReport, MapKind};
use crate::args::{self, CliResult};
use crate::keys;
use crate::rss;

/// Options of the hidden `gomap peak-rss` (the child process).
#[derive(clap::Args, Debug)]
pub(crate) struct PeakRssArgs {
    /// The map to grow.
    #[arg(long, value_enum)]
    map: MapKind,
    /// Entries to insert.
    #[arg(long, value_parser = args::size, allow_hyphen_values = true)]
    n: usize,
}

/// Grows an `M` to all of `keys`, inserted in order.
fn grow<M: Subject>(keys: &[u64]) {
    let mut m = M::new();
    for (i, &k) in keys.iter().enumerate() {
        black_box(m.insert(k, i as u64));
    }
    black_box(&m);
}

/// In the child: the peak resident bytes above the start while growing the map, printed as one
/// number on standard output.
pub(crate) fn child(a: &PeakRssArgs) -> CliResult {
    let (hit, _) = keys::gen_keys(a.n);
    let base = rss::current_bytes().ok_or("no resident size here (/proc/self/status)")?;
    if !rss::reset_peak() {
        return Err("cannot reset the peak resident size (/proc/self/clear_refs)".into());
    }
    match a.map {
        MapKind::Gomap => grow::<gomap::HashMap<u64, u64>>(&hit),
        MapKind::Hashbrown => grow::<hashbrown::HashMap<u64, u64>>(&hit),
        MapKind::Std => grow::<std::collections::HashMap<u64, u64>>(&hit),
    }
    let peak = rss::peak_bytes().ok_or("no peak resident size here (/proc/self/status)")?;
    println!("{}", peak.saturating_sub(base));
    Ok(())
}

/// Runs the child for one map; `None` if it could not run or said nothing usable.
fn measure_one(kind: MapKind, n: usize) -> Option<usize> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(["peak-rss", "--map", kind.name(), "--n", &n.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

impl LatencyReport {
    /// Fills in every map's `peak_rss`, one child process per map (about as long as building
    /// the maps once more, untimed). Maps whose child failed keep `None`.
    pub(crate) fn measure_peak_rss(&mut self) {
        for m in &mut self.maps {
            m.peak_rss = measure_one(m.kind, self.n);
        }
    }
}
