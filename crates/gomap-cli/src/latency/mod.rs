//! `gomap latency`: the cost of every single operation while a map grows from empty to N and
//! shrinks back, for gomap, hashbrown and std.
//!
//! A hash map that doubles its array by rehashing everything in one insert has a few very slow
//! inserts; gomap evacuates the old array a couple of buckets per write instead, so its worst
//! insert should stay close to its typical one. This command measures exactly that.
//!
//! For each map, one after the other in this process, it runs four passes over the same
//! splitmix64 keys (see [`crate::keys`]):
//! 1. **insert**: N inserts into an empty map (default hasher), each timed on its own;
//! 2. **remove**: every key removed again in a shuffled order, each timed on its own;
//! 3. **lookup**: a fresh map is built with untimed inserts, and after every insert one lookup
//!    of a random key already present is timed; the lookups that fall where gomap is certainly
//!    mid-grow (see [`grow_windows`](MapResult::grow_windows)) are also summarised apart.
//!
//! and one pass for the clock itself: N empty intervals timed the same way give the timer's
//! overhead and noise floor (what the machine adds to every measurement: interrupts,
//! preemption by other processes).
//!
//! Timing: `Instant::now()` before and after each operation (on Linux, `clock_gettime` through
//! the vDSO, about 20 ns a pair: the timer pass reports it, and every number includes it). The
//! durations go to `u32` nanosecond buffers allocated *and written* before timing starts (a
//! `vec![0; n]` would leave the pages untouched, and the first write to each page would then fault
//! inside the timed region). Heap bytes (from the counting allocator) and capacity changes are
//! sampled between operations, outside the timed region.
//!
//! Outputs in `--out`: `latency.svg` (insert latency against insert index, per pixel column the
//! worst, 99th percentile and median), `latency-remove.svg`, `latency-lookup.svg`, `memory.svg`
//! (heap bytes while growing and shrinking) and `latency.json` (everything, for other tools).

mod measure;
pub(crate) mod peak_rss;
mod plots;
mod summary;
mod tables;

use std::path::PathBuf;

use serde::Serialize;

use crate::args;
use crate::output;
pub(crate) use measure::measure_all;
#[cfg(test)]
use summary::spikes;
use summary::{Columns, CpuSummary, Spike, Summary};

/// Options of `gomap latency`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct LatencyArgs {
    /// Entries to insert into each map (and then remove); K, M, G suffixes allowed.
    #[arg(long, default_value = "10M", value_parser = args::size, allow_hyphen_values = true)]
    pub(crate) n: usize,
    /// Directory for latency.svg, latency-remove.svg, latency-lookup.svg, memory.svg and
    /// latency.json (created if missing).
    #[arg(long, default_value = "gomap-report")]
    pub(crate) out: PathBuf,
    /// Maps to measure, comma-separated (they run in the order gomap, hashbrown, std).
    #[arg(long, value_delimiter = ',', default_value = "gomap,hashbrown,std")]
    pub(crate) maps: Vec<MapKind>,
    /// Skip reading the thread CPU clock after every operation (it tells preemption by other
    /// processes from the map's own slowness; it runs outside the timed region, but between
    /// operations, and costs a system call each).
    #[arg(long)]
    pub(crate) no_cpu_check: bool,
}

/// A map implementation under test.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MapKind {
    /// `gomap::HashMap` with its default hasher.
    Gomap,
    /// `hashbrown::HashMap` with its default hasher.
    Hashbrown,
    /// `std::collections::HashMap` with its default hasher.
    Std,
}

impl MapKind {
    /// The name used in tables, plots and JSON.
    pub(crate) fn name(self) -> &'static str {
        match self {
            MapKind::Gomap => "gomap",
            MapKind::Hashbrown => "hashbrown",
            MapKind::Std => "std",
        }
    }

    /// The colour of this map in every plot.
    pub(crate) fn colour(self) -> &'static str {
        match self {
            MapKind::Gomap => "#d55e00",
            MapKind::Hashbrown => "#0072b2",
            MapKind::Std => "#009e73",
        }
    }

    /// The default hasher's type, as the compiler names it.
    fn hasher(self) -> &'static str {
        match self {
            MapKind::Gomap => std::any::type_name::<gomap::DefaultHashBuilder>(),
            MapKind::Hashbrown => std::any::type_name::<hashbrown::DefaultHashBuilder>(),
            MapKind::Std => std::any::type_name::<std::collections::hash_map::RandomState>(),
        }
    }
}

/// The timings of one kind of operation in one map.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct OpResult {
    /// Percentiles over all operations.
    pub(crate) summary: Summary,
    /// Per-column reduction for plots.
    pub(crate) columns: Columns,
    /// The slowest operations, slowest first.
    pub(crate) spikes: Vec<Spike>,
    /// Preemption and CPU time per operation, when measured.
    pub(crate) cpu: Option<CpuSummary>,
}

/// Everything measured for one map.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MapResult {
    /// Which map.
    #[serde(rename = "map")]
    pub(crate) kind: MapKind,
    /// Its hasher's type name.
    pub(crate) hasher: &'static str,
    /// Inserts into a growing map.
    pub(crate) insert: OpResult,
    /// Removes until empty.
    pub(crate) remove: OpResult,
    /// Lookups of present keys, one after each insert of a growing map.
    pub(crate) lookup: OpResult,
    /// The lookups at the indices where gomap was certainly mid-grow (when gomap was measured).
    pub(crate) lookup_mid_grow: Option<Summary>,
    /// Insert indices where `capacity()` changed.
    pub(crate) resizes: Vec<usize>,
    /// gomap only: `[start, end)` lookup indices during which a grow was certainly under way:
    /// from the insert that started it for `old_buckets / 2 - 1` more inserts (each write
    /// evacuates at most two old buckets, so the grow cannot have finished sooner).
    pub(crate) grow_windows: Vec<(usize, usize)>,
    /// `(entries, heap bytes)` every N/1000 inserts.
    #[serde(rename = "memory_insert")]
    pub(crate) mem_insert: Vec<(usize, usize)>,
    /// `(keys removed, heap bytes)` every N/1000 removes.
    #[serde(rename = "memory_remove")]
    pub(crate) mem_remove: Vec<(usize, usize)>,
    /// Highest heap bytes while inserting (allocated bytes, from the counting allocator).
    #[serde(rename = "peak_heap_bytes")]
    pub(crate) peak_heap: usize,
    /// Highest resident memory while inserting, above what the process held before (Linux's
    /// `VmHWM`): pages really held, where `peak_heap` counts allocations (see `rss.rs`).
    /// Measured in a child process of its own per map (see [`peak_rss`]), so that pages freed
    /// by an earlier map cannot be reused unseen; `None` where that failed or was not run.
    #[serde(rename = "peak_rss_bytes")]
    pub(crate) peak_rss: Option<usize>,
    /// Heap bytes at N entries.
    #[serde(rename = "heap_bytes_at_n")]
    pub(crate) full_heap: usize,
    /// Heap bytes after removing every key.
    #[serde(rename = "heap_bytes_after_remove")]
    pub(crate) empty_heap: usize,
}

/// The result of a `gomap latency` run.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct LatencyReport {
    /// Entries per map.
    pub(crate) n: usize,
    /// The timer's own overhead and noise: N empty intervals.
    pub(crate) timer: OpResult,
    /// One per map, in the order run.
    pub(crate) maps: Vec<MapResult>,
}

/// A rough wall-clock estimate of a latency run, in seconds: about 1 µs per operation with the
/// CPU check (two thread-CPU clock reads are system calls) and 0.4 µs without, for four passes
/// of N operations per map (the lookup pass also inserts, untimed), plus the timer pass, plus
/// about 0.15 µs per insert for growing each map once more in its peak-RSS child process.
pub(crate) fn estimate_secs(n: usize, maps: usize, cpu_check: bool) -> f64 {
    let per_op = if cpu_check { 1e-6 } else { 0.4e-6 };
    (4 * maps + 1) as f64 * n as f64 * per_op + (maps * n) as f64 * 0.15e-6
}

/// `gomap latency`: says what it will run, measures, prints the table and writes the plots and
/// JSON.
pub(crate) fn run(args: &LatencyArgs) -> Result<LatencyReport, String> {
    output::prepare_dir(&args.out, "--out")?;
    let names: Vec<&str> = args.maps.iter().map(|m| m.name()).collect();
    eprintln!(
        "gomap latency: {} inserts, then as many removes and lookups, each timed alone, for {}: about {}",
        args::show_size(args.n),
        names.join(", "),
        args::show_duration(estimate_secs(args.n, args.maps.len(), !args.no_cpu_check))
    );
    let mut report = measure_all(args.n, &args.maps, !args.no_cpu_check)?;
    report.measure_peak_rss();
    print!("{}", report.render_text());
    report.write_files(&args.out)?;
    println!(
        "wrote {}/{{latency.svg, latency-remove.svg, latency-lookup.svg, memory.svg, latency.json}}",
        args.out.display()
    );
    Ok(report)
}

impl LatencyReport {
    /// Everything as JSON (compact: the plot columns hold thousands of numbers), with the clock
    /// named.
    pub(crate) fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            clock: &'static str,
            #[serde(flatten)]
            report: &'a LatencyReport,
        }
        let json = Json {
            clock: "std::time::Instant",
            report: self,
        };
        serde_json::to_string(&json).expect("plain data serialises") + "\n"
    }

    /// Writes the plots and JSON into `dir`.
    pub(crate) fn write_files(&self, dir: &std::path::Path) -> Result<(), String> {
        output::create_dir(dir, "--out")?;
        output::write_file(&dir.join("latency.svg"), &self.insert_svg())?;
        output::write_file(&dir.join("latency-remove.svg"), &self.remove_svg())?;
        output::write_file(&dir.join("latency-lookup.svg"), &self.lookup_svg())?;
        output::write_file(&dir.join("memory.svg"), &self.memory_svg())?;
        output::write_file(&dir.join("latency.json"), &self.to_json())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_percentiles_by_nearest_rank() {
        let mut v: Vec<u32> = (1..=10_000).rev().collect();
        let s = Summary::of_sorting(&mut v, 0);
        assert_eq!(s.count, 10_000);
        assert_eq!(s.p50, 5_000);
        assert_eq!(s.p99, 9_900);
        assert_eq!(s.p999, 9_990);
        assert_eq!(s.p9999, 9_999);
        assert_eq!(s.max, 10_000);
        assert_eq!(s.over_100us, 0);
    }

    #[test]
    fn columns_keep_spikes() {
        let mut v = vec![10u32; 5000];
        v[1234] = 1_000_000;
        let c = Columns::of(&v, &mut Vec::new());
        assert_eq!(c.per, 5);
        assert_eq!(c.max.len(), 1000);
        assert_eq!(c.max[1234 / 5], 1_000_000);
        assert_eq!(c.p50[1234 / 5], 10);
    }

    #[test]
    fn spikes_slowest_first() {
        let v = [5u32, 9, 1, 7, 9, 3];
        let cpu = [5u32, 9, 1, 1, 9, 3];
        let s = spikes(&v, Some(&cpu), false, 3, &[4], &[]);
        let got: Vec<(usize, u32)> = s.iter().map(|s| (s.index, s.ns)).collect();
        assert_eq!(got, vec![(1, 9), (4, 9), (3, 7)]);
        assert_eq!(s[0].cause, "-");
        assert_eq!(s[1].cause, "capacity change");
        assert_eq!(s[2].cause, "preempted");
        assert_eq!(s[2].cpu_ns, Some(1));
        let c = CpuSummary::of(&v, &cpu);
        assert_eq!(c.max_ns, 9);
        let h = spikes(&v, Some(&cpu), true, 3, &[], &[]);
        let got: Vec<usize> = h.iter().map(|s| s.index).collect();
        assert_eq!(got, vec![1, 4, 0]);
    }

    #[test]
    fn small_run_measures_every_map() {
        let r = measure_all(3000, &[MapKind::Std, MapKind::Gomap], true).unwrap();
        assert_eq!(r.maps.len(), 2);
        assert_eq!(r.maps[0].kind, MapKind::Gomap);
        assert_eq!(r.maps[0].insert.summary.count, 3000);
        assert!(!r.maps[0].grow_windows.is_empty());
        assert!(r.maps[1].lookup_mid_grow.is_some());
        if cfg!(unix) {
            assert!(r.maps[0].insert.cpu.is_some() && r.timer.cpu.is_some());
        }
        assert!(r.to_json().starts_with('{'));
        assert!(r.insert_svg().starts_with("<svg"));
    }
}
