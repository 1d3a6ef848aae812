//! `gomap bench`: gomap against hashbrown, std (SipHash) and std with foldhash, on the workloads
//! of [`workloads`], with the Go anchor's results merged in as a `go` column.
//!
//! Implementations run **interleaved in one process**: for each cell (workload x key type x N),
//! every repetition measures each implementation once (the starting implementation rotates from
//! one repetition to the next), so machine noise hits them all alike. Timing mirrors the Go
//! anchor (`anchors/go/main.go`): a measurement repeats the workload until `min_ms` of
//! timed work has accumulated and reports ns per operation; a discarded warm-up measurement comes
//! first when N < 1M; the cell reports the median of the repetitions.

pub(crate) mod concurrent;
mod frozen;
mod go;
mod json;
mod table;
pub(crate) mod workloads;

use std::path::PathBuf;
use std::rc::Rc;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::alloc_counter;
use crate::args::{self, CliError, CliResult};
use crate::build_info;
use crate::keys;
use crate::output;
use crate::progress;
use workloads::{
    BenchKey, BenchMap, DynRunner, GomapMap, HashbrownMap, KeySet, Runner, StdFoldMap, StdMap,
    Workload,
};

/// The command-line options of `gomap bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct BenchArgs {
    /// Sizes N, comma-separated; K, M and G suffixes allowed (1K = 1000).
    #[arg(
        long,
        default_value = "1K,100K,1M,10M",
        value_delimiter = ',',
        value_parser = args::size,
        allow_hyphen_values = true
    )]
    n: Vec<usize>,
    /// Workloads, comma-separated, or "all": insert_grow, insert_presized, lookup_hit,
    /// lookup_hit_batched, lookup_miss, remove, iterate, churn.
    #[arg(long, default_value = "all")]
    workloads: String,
    /// Key types: u64, str or all.
    #[arg(long, default_value = "all")]
    keys: String,
    /// Implementations, comma-separated, or "all": gomap, hashbrown, std, std+foldhash.
    #[arg(long, default_value = "all")]
    impls: String,
    /// Repetitions per cell (default: as the Go anchor, 7 below N = 1M, else 5).
    #[arg(long)]
    reps: Option<usize>,
    /// Minimum timed work per measurement, in milliseconds (the Go anchor's default is 20).
    #[arg(long, default_value_t = 20)]
    min_ms: u64,
    /// Write every number (each repetition, medians, ratios, machine info) as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Merge the Go anchor's output (`scripts/go-anchor.sh > FILE`) as a `go` column; `-` reads
    /// standard input.
    #[arg(long, visible_alias = "go")]
    go_results: Option<PathBuf>,
    /// Skip the heap bytes per entry measurement.
    #[arg(long)]
    no_memory: bool,
    /// Run the short showcase configuration instead (other sizing options are ignored); with
    /// --concurrent, the showcase's concurrent run (with --quick, its tiny one).
    #[arg(long)]
    showcase: bool,
    /// Run the concurrent-map benchmark instead (`bench::concurrent`): SyncMap, papaya, dashmap,
    /// scc and RwLock<hashbrown> on the Go sync.Map anchor's workloads (read, readmostly, mixed,
    /// grow, readlat). Uses --impls, --workloads, --reps, --json and --go-results.
    #[arg(long)]
    concurrent: bool,
    /// Benchmark gomap::frozen against odht, rkyv, fst, gomap and hashbrown instead (sizes
    /// from --n, e.g. --n 100K,1M,10M; repetitions from --reps).
    #[arg(long)]
    frozen: bool,
    /// With --concurrent: a hundredth of the anchor's sizes and 0.05 s per measurement.
    #[arg(long)]
    quick: bool,
    /// With --concurrent: seconds measured per throughput run (default 1.0; a quarter of it
    /// warms up first).
    #[arg(long)]
    secs: Option<f64>,
}

/// A key type of the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyType {
    /// `u64` keys.
    U64,
    /// 16-byte `String` keys: the hex form of the u64 keys.
    Str,
}

impl KeyType {
    /// Its name in results: `"u64"` or `"str"`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            KeyType::U64 => "u64",
            KeyType::Str => "str",
        }
    }
}

/// A map implementation under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Impl {
    /// `gomap::HashMap` with its default hasher (foldhash).
    Gomap,
    /// `hashbrown::HashMap` with its default hasher (foldhash).
    Hashbrown,
    /// `std::collections::HashMap` with SipHash-1-3.
    Std,
    /// `std::collections::HashMap` with `foldhash::fast::RandomState`.
    StdFoldhash,
}

impl Impl {
    /// Every implementation, in column order.
    pub(crate) const ALL: [Impl; 4] = [Impl::Gomap, Impl::Hashbrown, Impl::Std, Impl::StdFoldhash];

    /// Its name in results.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Impl::Gomap => "gomap",
            Impl::Hashbrown => "hashbrown",
            Impl::Std => "std",
            Impl::StdFoldhash => "std+foldhash",
        }
    }

    fn runner<K: BenchKey>(self, keys: &Rc<KeySet<K>>) -> Box<dyn DynRunner> {
        let keys = Rc::clone(keys);
        match self {
            Impl::Gomap => Box::new(Runner::<K, GomapMap<K>>::new(keys)),
            Impl::Hashbrown => Box::new(Runner::<K, HashbrownMap<K>>::new(keys)),
            Impl::Std => Box::new(Runner::<K, StdMap<K>>::new(keys)),
            Impl::StdFoldhash => Box::new(Runner::<K, StdFoldMap<K>>::new(keys)),
        }
    }

    fn memory(self, hit: &[u64]) -> (usize, usize) {
        match self {
            Impl::Gomap => memory_of::<GomapMap<u64>>(hit),
            Impl::Hashbrown => memory_of::<HashbrownMap<u64>>(hit),
            Impl::Std => memory_of::<StdMap<u64>>(hit),
            Impl::StdFoldhash => memory_of::<StdFoldMap<u64>>(hit),
        }
    }
}

/// What to measure and how.
#[derive(Clone, Debug)]
pub(crate) struct BenchConfig {
    /// Sizes N, each at least 1.
    pub(crate) sizes: Vec<usize>,
    /// Workloads, in run order.
    pub(crate) workloads: Vec<Workload>,
    /// Key types.
    pub(crate) keys: Vec<KeyType>,
    /// Implementations, in column order.
    pub(crate) impls: Vec<Impl>,
    /// Repetitions per cell; `None` for the Go anchor's default (7 below N = 1M, else 5).
    pub(crate) reps: Option<usize>,
    /// Minimum timed work per measurement, in milliseconds.
    pub(crate) min_ms: u64,
    /// Whether to measure heap bytes per entry.
    pub(crate) memory: bool,
    /// Whether to draw a progress bar on standard error (it stays hidden when that is not a
    /// terminal).
    pub(crate) progress: bool,
    /// The Go anchor's output to merge as a `go` column.
    pub(crate) go_results: Option<PathBuf>,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            sizes: vec![1_000, 100_000, 1_000_000, 10_000_000],
            workloads: Workload::ALL.to_vec(),
            keys: vec![KeyType::U64, KeyType::Str],
            impls: Impl::ALL.to_vec(),
            reps: None,
            min_ms: 20,
            memory: true,
            progress: true,
            go_results: None,
        }
    }
}

impl BenchConfig {
    /// A short run for the showcase (about 70 s on a busy 2-core machine): N = 1K and 1M, both
    /// key types, every workload and implementation, 5 repetitions of at least 10 ms.
    pub(crate) fn showcase() -> Self {
        BenchConfig {
            sizes: vec![1_000, 1_000_000],
            reps: Some(5),
            min_ms: 10,
            ..BenchConfig::default()
        }
    }

    /// The configuration the command-line options ask for.
    pub(crate) fn from_args(args: &BenchArgs) -> Result<Self, String> {
        let mut cfg = if args.showcase {
            BenchConfig::showcase()
        } else {
            BenchConfig {
                sizes: args.n.clone(),
                workloads: parse_list(&args.workloads, "workload", &Workload::ALL, |w| w.name())?,
                keys: parse_list(&args.keys, "key type", &[KeyType::U64, KeyType::Str], |k| {
                    k.name()
                })?,
                reps: args.reps,
                min_ms: args.min_ms,
                ..BenchConfig::default()
            }
        };
        cfg.impls = parse_list(&args.impls, "implementation", &Impl::ALL, |i| i.name())?;
        cfg.memory = !args.no_memory;
        cfg.go_results.clone_from(&args.go_results);
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks what `run` needs: at least one of everything, N >= 1, reps >= 1.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.sizes.is_empty() || self.sizes.contains(&0) {
            return Err("--n: every size must be at least 1".into());
        }
        if self.workloads.is_empty() || self.keys.is_empty() || self.impls.is_empty() {
            return Err("nothing to run: no workload, key type or implementation selected".into());
        }
        if self.reps == Some(0) {
            return Err("--reps must be at least 1".into());
        }
        Ok(())
    }

    fn reps_for(&self, n: usize) -> usize {
        self.reps.unwrap_or(if n >= 1_000_000 { 5 } else { 7 })
    }

    /// Measurements per workload and implementation at size `n`: the repetitions, and the
    /// discarded warm-up below N = 1M.
    fn measurements_for(&self, n: usize) -> usize {
        self.reps_for(n) + usize::from(n < 1_000_000)
    }

    /// A rough wall-clock cost of one measurement at size `n` with key type `k`, in
    /// microseconds: the iterations needed to reach `min_ms` of timed work, each with its
    /// untimed setup. The per-operation times are ballpark figures of this benchmark on a
    /// 2-core VM (about 20 ns at 1K growing to 70 ns at 1M and 110 ns at 10M, string keys half
    /// as slow again; fitted so that the default run's estimate matches its ~11 minutes); they
    /// feed the run's time estimate and weigh its progress bar, nothing else.
    fn measurement_cost_us(&self, n: usize, k: KeyType) -> f64 {
        let per_op_ns = 20.0 * (n as f64 / 1e3).max(1.0).powf(0.19);
        let per_op_ns = if k == KeyType::Str {
            per_op_ns * 1.5
        } else {
            per_op_ns
        };
        let timed_us = n as f64 * per_op_ns / 1e3;
        let min_us = self.min_ms as f64 * 1e3;
        let iterations = (min_us / timed_us).ceil().max(1.0);
        iterations * timed_us * 1.5
    }

    /// The rough cost of the heap measurement at size `n` (one untimed build per map), in
    /// microseconds.
    fn memory_cost_us(&self, n: usize) -> f64 {
        if self.memory {
            self.measurement_cost_us(n, KeyType::U64) / 1.5 * self.impls.len() as f64
        } else {
            0.0
        }
    }

    /// The rough cost of the whole run, in seconds (see [`Self::measurement_cost_us`]).
    pub(crate) fn estimate_secs(&self) -> f64 {
        let per_size = |n: usize| {
            let cells = (self.workloads.len() * self.impls.len() * self.measurements_for(n)) as f64;
            let keys: f64 = self
                .keys
                .iter()
                .map(|&k| self.measurement_cost_us(n, k))
                .sum();
            cells * keys + self.memory_cost_us(n)
        };
        self.sizes.iter().map(|&n| per_size(n)).sum::<f64>() / 1e6
    }

    /// What the run will do and about how long it takes, in one line.
    pub(crate) fn plan(&self) -> String {
        let sizes: Vec<String> = self.sizes.iter().map(|&n| args::show_size(n)).collect();
        let reps: Vec<usize> = self.sizes.iter().map(|&n| self.reps_for(n)).collect();
        let (lo, hi) = (
            reps.iter().min().copied().unwrap_or(0),
            reps.iter().max().copied().unwrap_or(0),
        );
        format!(
            "N = {} x {} workloads x {} key type{} x {} maps, {} repetition{} of >= {} ms{}: about {}",
            sizes.join(", "),
            self.workloads.len(),
            self.keys.len(),
            if self.keys.len() == 1 { "" } else { "s" },
            self.impls.len(),
            if lo == hi { lo.to_string() } else { format!("{lo}-{hi}") },
            if hi == 1 { "" } else { "s" },
            self.min_ms,
            if self.memory { ", plus heap per entry" } else { "" },
            args::show_duration(self.estimate_secs())
        )
    }
}

/// Parses a comma-separated list of names from `all`, or `"all"`.
fn parse_list<T: Copy>(
    s: &str,
    what: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    if s.trim() == "all" {
        return Ok(all.to_vec());
    }
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim) {
        let item = all
            .iter()
            .copied()
            .find(|&x| name(x) == part)
            .ok_or_else(|| {
                let names: Vec<_> = all.iter().map(|&x| name(x)).collect();
                format!(
                    "unknown {what} {part:?} (expected one of: {}, or all)",
                    names.join(", ")
                )
            })?;
        if !out.iter().any(|&x| name(x) == part) {
            out.push(item);
        }
    }
    Ok(out)
}

/// The measurements of one implementation on one workload, key type and N.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Cell {
    /// Workload name (`insert_grow`, ..., `churn`).
    pub(crate) workload: String,
    /// `"u64"` or `"str"`.
    pub(crate) keys: String,
    /// Number of entries.
    pub(crate) n: usize,
    /// `"gomap"`, `"hashbrown"`, `"std"`, `"std+foldhash"` or `"go"`.
    pub(crate) implementation: String,
    /// Median of the repetitions, ns per operation.
    pub(crate) median_ns: f64,
    /// Fastest repetition, ns per operation.
    pub(crate) min_ns: f64,
    /// Slowest repetition, ns per operation.
    pub(crate) max_ns: f64,
    /// Every repetition, ns per operation, in run order.
    pub(crate) reps: Vec<f64>,
}

/// Heap use of a map of N u64 -> u64 entries grown from empty.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MemoryRow {
    /// Implementation name.
    pub(crate) implementation: String,
    /// Number of entries.
    pub(crate) n: usize,
    /// Live heap bytes held by the full map, per entry.
    pub(crate) bytes_per_entry: f64,
    /// Peak live heap bytes while growing, per entry (NaN when unknown, as for Go).
    pub(crate) peak_bytes_per_entry: f64,
}

/// The key checksums of one N, as the Go anchor prints them in its `CHECK` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeyCheck {
    /// Number of keys.
    pub(crate) n: usize,
    /// The first present key.
    pub(crate) first: u64,
    /// The first absent key.
    pub(crate) first_miss: u64,
    /// The first key of the shuffled lookup order.
    pub(crate) first_shuffled: u64,
    /// Checksum of the present keys.
    pub(crate) chk_hit: u64,
    /// Checksum of the absent keys.
    pub(crate) chk_miss: u64,
    /// Checksum of the shuffled lookup order.
    pub(crate) chk_q: u64,
    /// The first present key as a string key.
    pub(crate) first_str: String,
}

impl KeyCheck {
    /// Our keys' checksums for size `n`.
    pub(crate) fn ours(n: usize) -> Self {
        let (hit, miss) = keys::gen_keys(n);
        let q = keys::shuffled(&hit);
        KeyCheck {
            n,
            first: hit[0],
            first_miss: miss[0],
            first_shuffled: q[0],
            chk_hit: keys::key_checksum(&hit),
            chk_miss: keys::key_checksum(&miss),
            chk_q: keys::key_checksum(&q),
            first_str: keys::hex16(hit[0]),
        }
    }

    /// The line in the Go anchor's `CHECK` format.
    pub(crate) fn line(&self) -> String {
        format!(
            "n={}\tfirst={:016x}\tfirst_miss={:016x}\tfirst_shuffled={:016x}\tchk_hit={:016x}\t\
             chk_miss={:016x}\tchk_q={:016x}\tfirst_str={}",
            self.n,
            self.first,
            self.first_miss,
            self.first_shuffled,
            self.chk_hit,
            self.chk_miss,
            self.chk_q,
            self.first_str
        )
    }
}

/// The machine and build the numbers come from.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct MachineInfo {
    /// Logical CPUs available to the process.
    pub(crate) nproc: usize,
    /// `model name` from /proc/cpuinfo.
    pub(crate) cpu_model: Option<String>,
    /// The `rustc --version` this binary was built with (recorded at build time).
    pub(crate) rustc: String,
    /// The commit this binary was built from (recorded at build time; `+dirty` when the tree
    /// had changes, `unknown` outside a git checkout).
    pub(crate) git_commit: String,
    /// Whether this binary was built with optimizations.
    pub(crate) optimized: bool,
    /// Kernel release, from /proc/sys/kernel/osrelease.
    pub(crate) kernel: Option<String>,
    /// Seconds since the Unix epoch when the run finished.
    pub(crate) unix_time: u64,
}

impl MachineInfo {
    /// The commit, shortened to 12 hex digits (its `+dirty` mark kept).
    pub(crate) fn short_commit(&self) -> String {
        let (hash, dirty) = match self.git_commit.split_once('+') {
            Some((h, d)) => (h, format!("+{d}")),
            None => (self.git_commit.as_str(), String::new()),
        };
        format!("{}{dirty}", &hash[..hash.len().min(12)])
    }
}

/// Everything a run measured.
#[derive(Clone, Debug)]
pub(crate) struct BenchResults {
    /// One cell per workload x key type x N x implementation (Go's included when merged).
    pub(crate) cells: Vec<Cell>,
    /// Heap bytes per entry of u64 maps grown from empty, per implementation and N.
    pub(crate) memory: Vec<MemoryRow>,
    /// Where and how it ran.
    pub(crate) machine: MachineInfo,
    /// Our key checksums, one per N.
    pub(crate) key_checks: Vec<KeyCheck>,
    /// Repetitions per cell, per N (as `[n, reps]`).
    pub(crate) reps: Vec<(usize, usize)>,
    /// Minimum timed work per measurement, ms.
    pub(crate) min_ms: u64,
    /// Remarks for the reader (where Go's numbers came from, and the like).
    pub(crate) notes: Vec<String>,
}

impl BenchResults {
    /// The cell of one implementation, if measured.
    pub(crate) fn cell(&self, workload: &str, keys: &str, n: usize, imp: &str) -> Option<&Cell> {
        self.cells.iter().find(|c| {
            c.workload == workload && c.keys == keys && c.n == n && c.implementation == imp
        })
    }

    /// Median time of `a` over median time of `b` on one cell (below 1: `a` is faster).
    pub(crate) fn ratio(
        &self,
        workload: &str,
        keys: &str,
        n: usize,
        a: &str,
        b: &str,
    ) -> Option<f64> {
        let x = self.cell(workload, keys, n, a)?.median_ns;
        let y = self.cell(workload, keys, n, b)?.median_ns;
        (x > 0.0 && y > 0.0).then(|| x / y)
    }

    /// Every `(workload, keys, n, ratio a/b)` where both were measured, in cell order.
    pub(crate) fn ratios(&self, a: &str, b: &str) -> Vec<(String, String, usize, f64)> {
        self.cells
            .iter()
            .filter(|c| c.implementation == a)
            .filter_map(|c| {
                let r = self.ratio(&c.workload, &c.keys, c.n, a, b)?;
                Some((c.workload.clone(), c.keys.clone(), c.n, r))
            })
            .collect()
    }

    /// The geometric mean of `a`/`b` over every cell where both were measured.
    pub(crate) fn geomean_ratio(&self, a: &str, b: &str) -> Option<f64> {
        let rs = self.ratios(a, b);
        if rs.is_empty() {
            return None;
        }
        let log_sum: f64 = rs.iter().map(|r| r.3.ln()).sum();
        Some((log_sum / rs.len() as f64).exp())
    }

    /// The cell where `a`/`b` is largest (where `a` does worst against `b`).
    pub(crate) fn worst_ratio(&self, a: &str, b: &str) -> Option<(String, String, usize, f64)> {
        self.ratios(a, b)
            .into_iter()
            .max_by(|x, y| x.3.total_cmp(&y.3))
    }

    /// Every number as pretty-printed JSON: cells with all repetitions, ratios, geometric means,
    /// memory, key checksums and machine info.
    pub(crate) fn to_json(&self) -> String {
        json::to_json(self)
    }

    /// The text table `gomap bench` prints.
    pub(crate) fn render_table(&self) -> String {
        table::render(self)
    }

    /// The implementation names present, in column order (ours first, then Go's).
    pub(crate) fn implementations(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in &self.cells {
            if !out.contains(&c.implementation) {
                out.push(c.implementation.clone());
            }
        }
        out.sort_by_key(|s| {
            Impl::ALL
                .iter()
                .position(|i| i.name() == s)
                .unwrap_or(Impl::ALL.len())
        });
        out
    }
}

/// Live heap bytes of a map of `hit` grown from empty, and the peak while it grew.
fn memory_of<M: BenchMap<u64>>(hit: &[u64]) -> (usize, usize) {
    let before = alloc_counter::live_bytes();
    alloc_counter::reset_peak();
    let mut m = M::new();
    for (i, &k) in hit.iter().enumerate() {
        m.insert(k, i as u64);
    }
    let m = std::hint::black_box(m);
    let live = alloc_counter::live_bytes().saturating_sub(before);
    let peak = alloc_counter::peak_bytes().saturating_sub(before);
    drop(m);
    (live, peak)
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let k = s.len();
    if k % 2 == 1 {
        s[k / 2]
    } else {
        (s[k / 2 - 1] + s[k / 2]) / 2.0
    }
}

/// Measures the cells of one key type and size, implementations interleaved.
fn run_keys<K: BenchKey>(
    cfg: &BenchConfig,
    n: usize,
    key_type: KeyType,
    bar: &ProgressBar,
    cells: &mut Vec<Cell>,
) {
    let keys = Rc::new(KeySet::<K>::new(n));
    let mut runners: Vec<Box<dyn DynRunner>> = cfg.impls.iter().map(|i| i.runner(&keys)).collect();
    let reps = cfg.reps_for(n);
    let min_ns = cfg.min_ms.saturating_mul(1_000_000);
    for (wi, &w) in cfg.workloads.iter().enumerate() {
        bar.set_message(format!("{} {} N={}", w.name(), K::NAME, table::human_n(n)));
        let k = runners.len();
        let mut samples = vec![Vec::with_capacity(reps); k];
        let step = cfg.measurement_cost_us(n, key_type) as u64;
        if n < 1_000_000 {
            for r in runners.iter_mut() {
                workloads::measure(min_ns, n, || r.one(w));
                bar.inc(step);
            }
        }
        for rep in 0..reps {
            for j in 0..k {
                let i = (rep + j) % k;
                let (ns, _) = workloads::measure(min_ns, n, || runners[i].one(w));
                samples[i].push(ns);
                bar.inc(step);
            }
        }
        for r in runners.iter_mut() {
            r.release(&cfg.workloads[wi + 1..]);
        }
        for (imp, reps) in cfg.impls.iter().zip(samples) {
            cells.push(Cell {
                workload: w.name().to_string(),
                keys: K::NAME.to_string(),
                n,
                implementation: imp.name().to_string(),
                median_ns: median(&reps),
                min_ns: reps.iter().copied().fold(f64::INFINITY, f64::min),
                max_ns: reps.iter().copied().fold(0.0, f64::max),
                reps,
            });
        }
    }
}

/// Facts about this machine and build.
pub(crate) fn machine_info() -> MachineInfo {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string());
    MachineInfo {
        nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
        rustc: build_info::RUSTC.to_string(),
        git_commit: build_info::COMMIT.to_string(),
        optimized: !cfg!(debug_assertions),
        kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .ok()
            .map(|s| s.trim().to_string()),
        unix_time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    }
}

/// Reads and checks the Go anchor's output: its keys must be ours.
fn load_go(cfg: &BenchConfig, path: &std::path::Path) -> Result<go::GoResults, String> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| format!("--go-results: reading standard input: {e}"))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| format!("--go-results: cannot read {}: {e}", path.display()))?
    };
    let mut g = go::parse(&text).map_err(|e| format!("--go-results {}: {e}", path.display()))?;
    for check in &g.checks {
        if check.n == 0 {
            continue;
        }
        let ours = KeyCheck::ours(check.n);
        if &ours != check {
            return Err(format!(
                "--go-results {}: the Go anchor used other keys than ours for N={}\n  go:   {}\n  ours: {}",
                path.display(),
                check.n,
                check.line(),
                ours.line()
            ));
        }
    }
    let keys: Vec<&str> = cfg.keys.iter().map(|k| k.name()).collect();
    g.cells.retain(|c| {
        cfg.sizes.contains(&c.n)
            && keys.contains(&c.keys.as_str())
            && cfg.workloads.iter().any(|w| w.name() == c.workload)
    });
    g.memory.retain(|m| cfg.sizes.contains(&m.n));
    Ok(g)
}

/// Runs the benchmark `cfg` describes.
pub(crate) fn run(cfg: &BenchConfig) -> Result<BenchResults, String> {
    cfg.validate()?;
    let go = match &cfg.go_results {
        Some(path) => Some(load_go(cfg, path)?),
        None => None,
    };
    // Progress in estimated microseconds of work, so that the ETA holds across sizes.
    let total = (cfg.estimate_secs() * 1e6) as u64;
    let bar = if cfg.progress {
        progress::bar(total, "bench")
    } else {
        ProgressBar::hidden()
    };

    let mut cells = Vec::new();
    let mut memory = Vec::new();
    let mut key_checks = Vec::new();
    for &n in &cfg.sizes {
        key_checks.push(KeyCheck::ours(n));
        for &k in &cfg.keys {
            match k {
                KeyType::U64 => run_keys::<u64>(cfg, n, k, &bar, &mut cells),
                KeyType::Str => run_keys::<String>(cfg, n, k, &bar, &mut cells),
            }
        }
        if cfg.memory {
            bar.set_message(format!("memory N={}", table::human_n(n)));
            let (hit, _) = keys::gen_keys(n);
            for &imp in &cfg.impls {
                let (live, peak) = imp.memory(&hit);
                memory.push(MemoryRow {
                    implementation: imp.name().to_string(),
                    n,
                    bytes_per_entry: live as f64 / n as f64,
                    peak_bytes_per_entry: peak as f64 / n as f64,
                });
            }
            bar.inc(cfg.memory_cost_us(n) as u64);
        }
    }
    bar.finish_and_clear();

    let mut notes = Vec::new();
    if let (Some(g), Some(path)) = (go, &cfg.go_results) {
        notes.push(format!(
            "go: {} results merged from {} (run separately, not interleaved; keys checked for N = {})",
            g.cells.len(),
            path.display(),
            g.checks
                .iter()
                .map(|c| table::human_n(c.n))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        cells.extend(g.cells);
        memory.extend(g.memory);
    }
    Ok(BenchResults {
        cells,
        memory,
        machine: machine_info(),
        key_checks,
        reps: cfg.sizes.iter().map(|&n| (n, cfg.reps_for(n))).collect(),
        min_ms: cfg.min_ms,
        notes,
    })
}

/// `gomap bench`: says what it will run, runs, prints the table, and writes the JSON file if
/// asked.
pub(crate) fn bench(args: &BenchArgs) -> CliResult {
    if args.frozen {
        return frozen::run(args).map_err(CliError::from);
    }
    if args.concurrent {
        return concurrent::bench(args);
    }
    let cfg = BenchConfig::from_args(args).map_err(CliError::Usage)?;
    // Check the JSON path first: a typo in it must not cost a whole run.
    if let Some(path) = &args.json {
        output::prepare_file(path, "--json")?;
    }
    eprintln!("gomap bench: {}", cfg.plan());
    let results = run(&cfg)?;
    print!("{}", results.render_table());
    if let Some(path) = &args.json {
        output::write_file(path, &results.to_json())?;
        println!("json: {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_reject_unknown_names() {
        let err =
            parse_list("insert_grow,nope", "workload", &Workload::ALL, |w| w.name()).unwrap_err();
        assert!(err.contains("nope"), "{err}");
        assert_eq!(
            parse_list("all", "workload", &Workload::ALL, |w| w.name())
                .unwrap()
                .len(),
            Workload::ALL.len()
        );
    }

    #[test]
    fn a_tiny_run_fills_every_cell() {
        let cfg = BenchConfig {
            sizes: vec![50],
            reps: Some(1),
            min_ms: 0,
            progress: false,
            ..BenchConfig::default()
        };
        let r = run(&cfg).unwrap();
        assert_eq!(r.cells.len(), Workload::ALL.len() * 2 * 4);
        assert!(r
            .cells
            .iter()
            .all(|c| c.median_ns > 0.0 && c.reps.len() == 1));
        assert_eq!(r.memory.len(), 4);
        assert!(r
            .ratio("lookup_hit", "u64", 50, "gomap", "hashbrown")
            .is_some());
        assert!(r.geomean_ratio("gomap", "hashbrown").is_some());
        assert!(r.geomean_ratio("gomap", "go").is_none());
        let table = r.render_table();
        assert!(table.contains("insert_grow"), "{table}");
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(
            v["cells"].as_array().unwrap().len(),
            Workload::ALL.len() * 2 * 4
        );
    }
}
