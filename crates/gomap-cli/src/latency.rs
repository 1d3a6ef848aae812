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

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use crate::alloc_counter;
use crate::args;
use crate::keys;
use crate::output;
use crate::progress;
use crate::report::html::{Cell, Table, Tone};
use crate::report::svg::{stack, Attrs, Axis, Plot};
use crate::report::{fmt_bytes, fmt_count, fmt_ns, json_str};

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
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
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

/// The operations a measured map offers; one implementation per map, so each pass is
/// monomorphised and nothing but the map's own code runs between the two clock reads.
trait Subject {
    fn new() -> Self;
    fn insert(&mut self, k: u64, v: u64) -> Option<u64>;
    fn remove(&mut self, k: &u64) -> Option<u64>;
    fn get(&self, k: &u64) -> Option<&u64>;
    fn capacity(&self) -> usize;
    /// Old bucket count when a grow is under way (gomap only; O(buckets), so called rarely).
    fn old_buckets(&self) -> Option<usize> {
        None
    }
}

macro_rules! subject {
    ($t:ty) => {
        impl Subject for $t {
            fn new() -> Self {
                <$t>::default()
            }
            #[inline(always)]
            fn insert(&mut self, k: u64, v: u64) -> Option<u64> {
                <$t>::insert(self, k, v)
            }
            #[inline(always)]
            fn remove(&mut self, k: &u64) -> Option<u64> {
                <$t>::remove(self, k)
            }
            #[inline(always)]
            fn get(&self, k: &u64) -> Option<&u64> {
                <$t>::get(self, k)
            }
            fn capacity(&self) -> usize {
                <$t>::capacity(self)
            }
        }
    };
}

subject!(hashbrown::HashMap<u64, u64>);
subject!(std::collections::HashMap<u64, u64>);

impl Subject for gomap::HashMap<u64, u64> {
    fn new() -> Self {
        gomap::HashMap::new()
    }
    #[inline(always)]
    fn insert(&mut self, k: u64, v: u64) -> Option<u64> {
        gomap::HashMap::insert(self, k, v)
    }
    #[inline(always)]
    fn remove(&mut self, k: &u64) -> Option<u64> {
        gomap::HashMap::remove(self, k)
    }
    #[inline(always)]
    fn get(&self, k: &u64) -> Option<&u64> {
        gomap::HashMap::get(self, k)
    }
    fn capacity(&self) -> usize {
        gomap::HashMap::capacity(self)
    }
    fn old_buckets(&self) -> Option<usize> {
        let s = self.stats();
        s.growing.then_some(s.old_buckets)
    }
}

/// Percentiles of one set of timings, in nanoseconds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Summary {
    /// Operations timed.
    pub(crate) count: usize,
    /// Median.
    pub(crate) p50: u64,
    /// 99th percentile.
    pub(crate) p99: u64,
    /// 99.9th percentile.
    pub(crate) p999: u64,
    /// 99.99th percentile.
    pub(crate) p9999: u64,
    /// The slowest.
    pub(crate) max: u64,
    /// Index of the slowest operation (its insert/remove/lookup number, from 0).
    pub(crate) max_index: usize,
    /// Operations over 100 µs.
    pub(crate) over_100us: usize,
    /// Operations over 1 ms.
    pub(crate) over_1ms: usize,
}

impl Summary {
    /// Summarises `lat`, sorting it in place (`max_index` must be found before: pass it).
    fn of_sorting(lat: &mut [u32], max_index: usize) -> Summary {
        lat.sort_unstable();
        let n = lat.len();
        if n == 0 {
            return Summary::default();
        }
        // Nearest rank: the smallest value with at least p of the data at or below it.
        let pct = |p: f64| lat[(((p * n as f64).ceil() as usize).max(1) - 1).min(n - 1)] as u64;
        Summary {
            count: n,
            p50: pct(0.50),
            p99: pct(0.99),
            p999: pct(0.999),
            p9999: pct(0.9999),
            max: lat[n - 1] as u64,
            max_index,
            over_100us: n - lat.partition_point(|&x| x <= 100_000),
            over_1ms: n - lat.partition_point(|&x| x <= 1_000_000),
        }
    }

    fn to_json(&self) -> String {
        format!(
            "{{\"count\":{},\"p50_ns\":{},\"p99_ns\":{},\"p999_ns\":{},\"p9999_ns\":{},\"max_ns\":{},\
             \"max_index\":{},\"over_100us\":{},\"over_1ms\":{}}}",
            self.count,
            self.p50,
            self.p99,
            self.p999,
            self.p9999,
            self.max,
            self.max_index,
            self.over_100us,
            self.over_1ms
        )
    }
}

/// Timings reduced to one value per pixel column of a plot, so that a spike among millions of
/// operations stays visible: each column keeps its worst, its 99th percentile and its median.
#[derive(Clone, Debug, Default)]
pub(crate) struct Columns {
    /// Operations per column (the last one may hold fewer).
    pub(crate) per: usize,
    /// Worst of each column, ns.
    pub(crate) max: Vec<u32>,
    /// 99th percentile of each column, ns.
    pub(crate) p99: Vec<u32>,
    /// Median of each column, ns.
    pub(crate) p50: Vec<u32>,
    /// The most CPU time one operation of the column used itself, ns (with the CPU check on):
    /// the worst case with preemption taken out.
    pub(crate) cpu_max: Vec<u32>,
}

/// The colour of the own-CPU-time series in every plot.
const CPU_COLOUR: &str = "#6a3d9a";

/// Pixel columns in a latency plot.
const COLUMNS: usize = 1000;

impl Columns {
    fn of(lat: &[u32], scratch: &mut Vec<u32>) -> Columns {
        let per = lat.len().div_ceil(COLUMNS).max(1);
        let mut c = Columns {
            per,
            ..Columns::default()
        };
        for chunk in lat.chunks(per) {
            scratch.clear();
            scratch.extend_from_slice(chunk);
            let k = scratch.len();
            let p99 = ((k as f64 * 0.99).ceil() as usize).clamp(1, k) - 1;
            let p50 = k.div_ceil(2) - 1;
            let (_, &mut v99, _) = scratch.select_nth_unstable(p99);
            let (_, &mut v50, _) = scratch[..=p99].select_nth_unstable(p50);
            c.max.push(chunk.iter().copied().max().unwrap_or(0));
            c.p99.push(v99);
            c.p50.push(v50);
        }
        c
    }

    /// Adds the per-column worst own CPU time (`min(cpu, wall)` per operation).
    fn with_cpu(mut self, lat: &[u32], cpu: &[u32]) -> Columns {
        self.cpu_max = lat
            .chunks(self.per)
            .zip(cpu.chunks(self.per))
            .map(|(l, c)| l.iter().zip(c).map(|(&w, &c)| w.min(c)).max().unwrap_or(0))
            .collect();
        self
    }

    fn to_json(&self) -> String {
        let list = |v: &[u32]| {
            let mut s = String::from("[");
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                let _ = write!(s, "{x}");
            }
            s.push(']');
            s
        };
        format!(
            "{{\"per_column\":{},\"max_ns\":{},\"p99_ns\":{},\"p50_ns\":{},\"cpu_max_ns\":{}}}",
            self.per,
            list(&self.max),
            list(&self.p99),
            list(&self.p50),
            list(&self.cpu_max)
        )
    }
}

/// One of the slowest operations of a pass, and what happened at that index.
#[derive(Clone, Debug)]
pub(crate) struct Spike {
    /// Operation index.
    pub(crate) index: usize,
    /// Its duration, ns.
    pub(crate) ns: u32,
    /// What the map did then, as far as can be seen from outside: `capacity change` (a resize,
    /// or for gomap the start of a grow), `heap freed` (a large block was freed during the
    /// operation, e.g. gomap's old array at the end of a grow), or `-` (nothing visible: the
    /// operation itself, or the machine, e.g. an interrupt), or `preempted` (the thread was
    /// switched out during the operation and used less than half its wall time on the CPU).
    pub(crate) cause: &'static str,
    /// CPU time the thread used over the operation, ns (with the CPU check on): much less
    /// than `ns` means the thread was off the CPU, i.e. another process ran.
    pub(crate) cpu_ns: Option<u32>,
}

impl Spike {
    /// `2.1 ms @1234 (capacity change, cpu 2.1 ms)`.
    pub(crate) fn describe(&self) -> String {
        match self.cpu_ns {
            Some(c) => format!(
                "{} @{} ({}, cpu {})",
                fmt_ns(self.ns as f64),
                self.index,
                self.cause,
                fmt_ns(c as f64)
            ),
            None => format!(
                "{} @{} ({})",
                fmt_ns(self.ns as f64),
                self.index,
                self.cause
            ),
        }
    }

    fn to_json(&self) -> String {
        format!(
            "{{\"index\":{},\"ns\":{},\"cpu_ns\":{},\"cause\":{}}}",
            self.index,
            self.ns,
            self.cpu_ns.map_or("null".to_string(), |u| u.to_string()),
            json_str(self.cause)
        )
    }
}

/// What the thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`, read after every operation, outside
/// the timed region) says about a pass: how much of each operation's wall time the thread
/// actually ran. An operation that was slow because another process had the CPU (preemption,
/// common on a shared machine) used little CPU time; one that was slow because of the map's own
/// work (a rehash, page faults, a large free) used it all. On a virtual machine, time the
/// hypervisor takes the virtual CPU away (steal) still counts as CPU time, so a rare CPU-time
/// spike there can be the host's.
#[derive(Clone, Debug, Default)]
pub(crate) struct CpuSummary {
    /// Operations that spent over 20 µs off the CPU (wall time minus CPU time).
    pub(crate) preempted: usize,
    /// Operations that used over 100 µs of CPU time (the clock read is included: ~0.2 µs).
    pub(crate) over_100us: usize,
    /// Operations that used over 1 ms of CPU time.
    pub(crate) over_1ms: usize,
    /// The most CPU time one operation used, ns.
    pub(crate) max_ns: u64,
    /// Its index.
    pub(crate) max_index: usize,
    /// The operations that used the most CPU time themselves, heaviest first: the map's own
    /// worst cases, with preemption taken out.
    pub(crate) heaviest: Vec<Spike>,
}

/// Off-CPU time above which an operation counts as preempted, ns.
const PREEMPTED_NS: u64 = 20_000;

impl CpuSummary {
    /// From the wall times and CPU times of the same operations (before any sorting).
    fn of(lat: &[u32], cpu: &[u32]) -> CpuSummary {
        let mut c = CpuSummary::default();
        for (i, (&wall, &cpu)) in lat.iter().zip(cpu).enumerate() {
            // The CPU interval spans a little more than the timed one (the bookkeeping between
            // operations), so the operation's own CPU time is at most its wall time.
            let own = cpu.min(wall) as u64;
            if wall as u64 > own + PREEMPTED_NS {
                c.preempted += 1;
            }
            if own > 100_000 {
                c.over_100us += 1;
            }
            if own > 1_000_000 {
                c.over_1ms += 1;
            }
            if own > c.max_ns {
                c.max_ns = own;
                c.max_index = i;
            }
        }
        c
    }

    fn to_json(&self) -> String {
        let heaviest: Vec<String> = self.heaviest.iter().map(Spike::to_json).collect();
        format!(
            "{{\"preempted\":{},\"cpu_over_100us\":{},\"cpu_over_1ms\":{},\"cpu_max_ns\":{},\"cpu_max_index\":{},\"heaviest\":[{}]}}",
            self.preempted,
            self.over_100us,
            self.over_1ms,
            self.max_ns,
            self.max_index,
            heaviest.join(",")
        )
    }
}

/// The calling thread's CPU time in ns (`CLOCK_THREAD_CPUTIME_ID`: precise, but a system call,
/// about 0.2-0.5 µs); `None` where it is not available.
#[cfg(unix)]
fn thread_cpu_ns() -> Option<u64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable `timespec` for the call to fill in.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}

/// The calling thread's CPU time: not available here.
#[cfg(not(unix))]
fn thread_cpu_ns() -> Option<u64> {
    None
}

/// Records, after each operation, the thread CPU time it used.
struct CpuProbe<'a> {
    buf: &'a mut [u32],
    prev: Option<u64>,
}

impl<'a> CpuProbe<'a> {
    /// A probe writing into `buf`, or a disabled one (`on == false`, or no thread CPU clock).
    fn new(buf: &'a mut [u32], on: bool) -> Self {
        let prev = if on { thread_cpu_ns() } else { None };
        CpuProbe { buf, prev }
    }

    /// Starts a new interval now (when untimed work came before the operation).
    #[inline]
    fn restart(&mut self) {
        if self.prev.is_some() {
            self.prev = thread_cpu_ns();
        }
    }

    /// Records operation `i` (call right after its timed region).
    #[inline]
    fn record(&mut self, i: usize) {
        if let Some(c0) = self.prev {
            if let Some(c) = thread_cpu_ns() {
                self.buf[i] = u32::try_from(c.saturating_sub(c0)).unwrap_or(u32::MAX);
                self.prev = Some(c);
            }
        }
    }

    /// The records of the first `n` operations, if the probe was on.
    fn records(&self, n: usize) -> Option<&[u32]> {
        self.prev.map(|_| &self.buf[..n])
    }
}

/// The timings of one kind of operation in one map.
#[derive(Clone, Debug, Default)]
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
#[derive(Clone, Debug)]
pub(crate) struct MapResult {
    /// Which map.
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
    pub(crate) mem_insert: Vec<(usize, usize)>,
    /// `(keys removed, heap bytes)` every N/1000 removes.
    pub(crate) mem_remove: Vec<(usize, usize)>,
    /// Highest heap bytes while inserting (allocated bytes, from the counting allocator).
    pub(crate) peak_heap: usize,
    /// Highest resident memory while inserting, above what the process held before (Linux's
    /// `VmHWM`): pages really held, where `peak_heap` counts allocations (see `rss.rs`).
    pub(crate) peak_rss: Option<usize>,
    /// Heap bytes at N entries.
    pub(crate) full_heap: usize,
    /// Heap bytes after removing every key.
    pub(crate) empty_heap: usize,
}

/// The result of a `gomap latency` run.
#[derive(Clone, Debug)]
pub(crate) struct LatencyReport {
    /// Entries per map.
    pub(crate) n: usize,
    /// The timer's own overhead and noise: N empty intervals.
    pub(crate) timer: OpResult,
    /// One per map, in the order run.
    pub(crate) maps: Vec<MapResult>,
}

/// Buffers allocated and written before any timing.
struct Buffers {
    lat: Vec<u32>,
    cpu: Vec<u32>,
    scratch: Vec<u32>,
    mem: Vec<(usize, usize)>,
    events: Vec<usize>,
    frees: Vec<usize>,
}

impl Buffers {
    fn new(n: usize) -> Buffers {
        // `vec![MAX; n]` writes every element, so every page is faulted in here, not while timing.
        Buffers {
            lat: vec![u32::MAX; n],
            cpu: vec![u32::MAX; n],
            scratch: vec![u32::MAX; n.div_ceil(COLUMNS) + 1],
            mem: vec![(usize::MAX, usize::MAX); COLUMNS + 2],
            events: vec![usize::MAX; 256],
            frees: vec![usize::MAX; 256],
        }
    }
}

/// Fixed-capacity recorder into a pre-written buffer: never allocates, drops what does not fit.
struct Recorder<'a, T> {
    buf: &'a mut [T],
    len: usize,
}

impl<'a, T: Copy> Recorder<'a, T> {
    fn new(buf: &'a mut [T]) -> Self {
        Recorder { buf, len: 0 }
    }
    #[inline]
    fn push(&mut self, v: T) {
        if self.len < self.buf.len() {
            self.buf[self.len] = v;
            self.len += 1;
        }
    }
    fn to_vec(&self) -> Vec<T> {
        self.buf[..self.len].to_vec()
    }
}

/// What the insert and remove passes note after each timed operation, outside the timed region:
/// capacity changes, large frees, a heap sample every `step` operations, and progress.
struct Watch<'a> {
    base: usize,
    step: usize,
    /// Added to the operation index for the progress bar (earlier passes' operations).
    progress_offset: u64,
    cap: usize,
    live: usize,
    mem: Recorder<'a, (usize, usize)>,
    resizes: Recorder<'a, usize>,
    frees: Recorder<'a, usize>,
}

impl<'a> Watch<'a> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        base: usize,
        step: usize,
        progress_offset: u64,
        cap: usize,
        mem: &'a mut [(usize, usize)],
        resizes: &'a mut [usize],
        frees: &'a mut [usize],
    ) -> Self {
        let mut w = Watch {
            base,
            step,
            progress_offset,
            cap,
            live: heap_above(base),
            mem: Recorder::new(mem),
            resizes: Recorder::new(resizes),
            frees: Recorder::new(frees),
        };
        w.mem.push((0, w.live));
        w
    }

    /// Notes the state after operation `i`, given the map's capacity now.
    #[inline]
    fn after(&mut self, i: usize, capacity: usize, bar: &indicatif::ProgressBar) {
        if capacity != self.cap {
            self.cap = capacity;
            self.resizes.push(i);
        }
        let now = heap_above(self.base);
        if now + FREE_EVENT_BYTES <= self.live {
            self.frees.push(i);
        }
        self.live = now;
        if (i + 1) % self.step == 0 {
            self.mem.push((i + 1, self.live));
            if (i + 1) % (self.step * 16) == 0 {
                bar.set_position(self.progress_offset + (i + 1) as u64);
            }
        }
    }
}

/// Nanoseconds as `u32`, saturating (4.29 s).
#[inline(always)]
fn ns32(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_nanos()).unwrap_or(u32::MAX)
}

/// A heap drop during one operation at least this large counts as `heap freed`.
const FREE_EVENT_BYTES: usize = 256 * 1024;

/// Index and value of the maximum (first one on ties).
fn argmax(lat: &[u32]) -> usize {
    let mut best = 0;
    for (i, &x) in lat.iter().enumerate() {
        if x > lat[best] {
            best = i;
        }
    }
    best
}

/// The `k` slowest operations, slowest first, with what happened at their index: by wall time,
/// or with `by_cpu` by the CPU time they used themselves.
fn spikes(
    lat: &[u32],
    cpu: Option<&[u32]>,
    by_cpu: bool,
    k: usize,
    resizes: &[usize],
    frees: &[usize],
) -> Vec<Spike> {
    let own = |i: usize| match cpu {
        Some(c) if by_cpu => c[i].min(lat[i]),
        _ => lat[i],
    };
    let mut top: Vec<(u32, usize)> = Vec::with_capacity(k + 1);
    for i in 0..lat.len() {
        let x = own(i);
        if top.len() < k || x > top[top.len() - 1].0 {
            let pos = top.partition_point(|&(y, _)| y >= x);
            top.insert(pos, (x, i));
            top.truncate(k);
        }
    }
    top.into_iter()
        .map(|(_, index)| {
            let ns = lat[index];
            let cpu_ns = cpu.map(|c| c[index].min(ns));
            let preempted = cpu_ns.is_some_and(|c| (c as u64) < ns as u64 / 2);
            (ns, index, cpu_ns, preempted)
        })
        .map(|(ns, index, cpu_ns, preempted)| Spike {
            index,
            ns,
            cpu_ns,
            cause: if resizes.contains(&index) {
                "capacity change"
            } else if frees.contains(&index) {
                "heap freed"
            } else if preempted {
                "preempted"
            } else {
                "-"
            },
        })
        .collect()
}

/// Reduces a filled timing buffer: spikes, columns, then (sorting it) percentiles.
fn reduce(
    lat: &mut [u32],
    cpu: Option<&[u32]>,
    scratch: &mut Vec<u32>,
    resizes: &[usize],
    frees: &[usize],
) -> OpResult {
    let slowest = spikes(lat, cpu, false, 8, resizes, frees);
    let mut columns = Columns::of(lat, scratch);
    if let Some(c) = cpu {
        columns = columns.with_cpu(lat, c);
    }
    let cpu_summary = cpu.map(|c| {
        let mut summary = CpuSummary::of(lat, c);
        summary.heaviest = spikes(lat, Some(c), true, 8, resizes, frees);
        summary
    });
    let max_index = argmax(lat);
    let summary = Summary::of_sorting(lat, max_index);
    OpResult {
        summary,
        columns,
        spikes: slowest,
        cpu: cpu_summary,
    }
}

/// Heap bytes above `base` (saturating).
fn heap_above(base: usize) -> usize {
    alloc_counter::live_bytes().saturating_sub(base)
}

/// Runs the four passes on one map type.
fn measure<M: Subject>(
    kind: MapKind,
    keys: &[u64],
    remove_order: &[u64],
    windows: Option<&[(usize, usize)]>,
    buf: &mut Buffers,
    cpu_check: bool,
) -> MapResult {
    let n = keys.len();
    let step = (n / COLUMNS).max(1);
    let bar = progress::bar(3 * n as u64, &format!("latency: {}", kind.name()));

    // Pass 1: inserts.
    let (insert, resizes, mem_insert, peak_heap, peak_rss, full_heap, mut map) = {
        let Buffers {
            lat,
            cpu,
            scratch,
            mem,
            events,
            frees,
        } = buf;
        let mut probe = CpuProbe::new(cpu, cpu_check);
        let base = alloc_counter::live_bytes();
        alloc_counter::reset_peak();
        let rss_base = crate::rss::current_bytes().filter(|_| crate::rss::reset_peak());
        let mut map = M::new();
        black_box(&mut map);
        let mut watch = Watch::new(base, step, 0, map.capacity(), mem, events, frees);
        for (i, &k) in keys.iter().enumerate() {
            let t0 = Instant::now();
            black_box(map.insert(k, i as u64));
            let dt = t0.elapsed();
            lat[i] = ns32(dt);
            probe.record(i);
            // Outside the timed region: capacity and heap changes, samples, progress.
            watch.after(i, map.capacity(), &bar);
        }
        let peak_heap = alloc_counter::peak_bytes().saturating_sub(base);
        let peak_rss = rss_base.and_then(|b| crate::rss::peak_bytes().map(|p| p.saturating_sub(b)));
        let full_heap = heap_above(base);
        let resizes = watch.resizes.to_vec();
        let frees = watch.frees.to_vec();
        let mem_insert = watch.mem.to_vec();
        let insert = reduce(lat, probe.records(n), scratch, &resizes, &frees);
        (
            insert, resizes, mem_insert, peak_heap, peak_rss, full_heap, map,
        )
    };

    // Pass 2: removes in shuffled order, back to empty.
    let (remove, mem_remove, empty_heap) = {
        let Buffers {
            lat,
            cpu,
            scratch,
            mem,
            events,
            frees,
        } = buf;
        let mut probe = CpuProbe::new(cpu, cpu_check);
        // The map's heap is measured from the same base as pass 1: base = now - full.
        let base = alloc_counter::live_bytes().saturating_sub(full_heap);
        let mut watch = Watch::new(base, step, n as u64, map.capacity(), mem, events, frees);
        for (i, k) in remove_order.iter().enumerate() {
            let t0 = Instant::now();
            black_box(map.remove(k));
            let dt = t0.elapsed();
            lat[i] = ns32(dt);
            probe.record(i);
            watch.after(i, map.capacity(), &bar);
        }
        let empty_heap = heap_above(base);
        let remove = reduce(
            lat,
            probe.records(n),
            scratch,
            &watch.resizes.to_vec(),
            &watch.frees.to_vec(),
        );
        (remove, watch.mem.to_vec(), empty_heap)
    };
    drop(map);

    // Pass 3: untimed inserts, each followed by one timed lookup of a random present key.
    let (lookup, lookup_mid_grow, grow_windows) = {
        let Buffers {
            lat,
            cpu,
            scratch,
            events,
            ..
        } = buf;
        let mut probe = CpuProbe::new(cpu, cpu_check);
        let mut window_rec = Recorder::new(events);
        let mut map = M::new();
        black_box(&mut map);
        let mut cap = map.capacity();
        let mut rng = keys::SEED_SHUFFLE ^ 0x5555;
        for (i, &k) in keys.iter().enumerate() {
            black_box(map.insert(k, i as u64));
            let c = map.capacity();
            if c != cap {
                cap = c;
                // A grow started with this insert; gomap can say how big the old array is.
                if let Some(old) = map.old_buckets() {
                    window_rec.push(i);
                    window_rec.push(i + (old / 2).saturating_sub(1));
                }
            }
            let key = keys[(keys::splitmix64(&mut rng) % (i as u64 + 1)) as usize];
            probe.restart();
            let t0 = Instant::now();
            let hit = black_box(map.get(black_box(&key)));
            let dt = t0.elapsed();
            debug_assert!(hit.is_some());
            lat[i] = ns32(dt);
            probe.record(i);
            if (i + 1) % (step * 16) == 0 {
                bar.set_position((2 * n + i + 1) as u64);
            }
        }
        let flat = window_rec.to_vec();
        let own: Vec<(usize, usize)> = flat.chunks_exact(2).map(|w| (w[0], w[1])).collect();
        let windows = windows.unwrap_or(&own);
        let mid = if windows.is_empty() {
            None
        } else {
            let mut sub: Vec<u32> = Vec::new();
            let mut worst = (0u32, 0usize);
            for &(a, b) in windows {
                for (j, &x) in lat.iter().enumerate().take(b.min(n)).skip(a) {
                    sub.push(x);
                    if x > worst.0 {
                        worst = (x, j);
                    }
                }
            }
            Some(Summary::of_sorting(&mut sub, worst.1))
        };
        (reduce(lat, probe.records(n), scratch, &[], &[]), mid, own)
    };
    bar.finish_and_clear();

    MapResult {
        kind,
        hasher: kind.hasher(),
        insert,
        remove,
        lookup,
        lookup_mid_grow,
        resizes,
        grow_windows,
        mem_insert,
        mem_remove,
        peak_heap,
        peak_rss,
        full_heap,
        empty_heap,
    }
}

/// The timer pass: N empty intervals, timed exactly like the operations.
fn measure_timer(n: usize, buf: &mut Buffers, cpu_check: bool) -> OpResult {
    let bar = progress::bar(n as u64, "latency: timer");
    let mut probe = CpuProbe::new(&mut buf.cpu, cpu_check);
    for i in 0..n {
        let t0 = Instant::now();
        let dt = t0.elapsed();
        buf.lat[i] = ns32(dt);
        probe.record(i);
        if (i + 1) % (1 << 20) == 0 {
            bar.set_position((i + 1) as u64);
        }
    }
    bar.finish_and_clear();
    let cpu = probe.records(n);
    reduce(&mut buf.lat[..n], cpu, &mut buf.scratch, &[], &[])
}

/// Runs the measurement (no files written).
pub(crate) fn measure_all(
    n: usize,
    maps: &[MapKind],
    cpu_check: bool,
) -> Result<LatencyReport, String> {
    if n == 0 {
        return Err("--n must be at least 1".into());
    }
    let mut kinds = maps.to_vec();
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        return Err("--maps needs at least one of gomap, hashbrown, std".into());
    }
    let (hit, _) = keys::gen_keys(n);
    let remove_order = keys::shuffled(&hit);
    let mut buf = Buffers::new(n);
    let timer = measure_timer(n, &mut buf, cpu_check);
    let mut results: Vec<MapResult> = Vec::new();
    for kind in kinds {
        let windows = results
            .iter()
            .find(|r| r.kind == MapKind::Gomap)
            .map(|r| r.grow_windows.clone());
        let r = match kind {
            MapKind::Gomap => measure::<gomap::HashMap<u64, u64>>(
                kind,
                &hit,
                &remove_order,
                windows.as_deref(),
                &mut buf,
                cpu_check,
            ),
            MapKind::Hashbrown => measure::<hashbrown::HashMap<u64, u64>>(
                kind,
                &hit,
                &remove_order,
                windows.as_deref(),
                &mut buf,
                cpu_check,
            ),
            MapKind::Std => measure::<std::collections::HashMap<u64, u64>>(
                kind,
                &hit,
                &remove_order,
                windows.as_deref(),
                &mut buf,
                cpu_check,
            ),
        };
        results.push(r);
    }
    Ok(LatencyReport {
        n,
        timer,
        maps: results,
    })
}

/// A rough wall-clock estimate of [`measure_all`], in seconds: about 1 µs per operation with
/// the CPU check (two thread-CPU clock reads are system calls) and 0.4 µs without, for four
/// passes of N operations per map (the lookup pass also inserts, untimed), plus the timer pass.
pub(crate) fn estimate_secs(n: usize, maps: usize, cpu_check: bool) -> f64 {
    let per_op = if cpu_check { 1e-6 } else { 0.4e-6 };
    (4 * maps + 1) as f64 * n as f64 * per_op
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
    let report = measure_all(args.n, &args.maps, !args.no_cpu_check)?;
    print!("{}", report.render_text());
    report.write_files(&args.out)?;
    println!(
        "wrote {}/{{latency.svg, latency-remove.svg, latency-lookup.svg, memory.svg, latency.json}}",
        args.out.display()
    );
    Ok(report)
}

/// The column order of every latency table.
const HEADERS: [&str; 10] = [
    "map", "op", "p50", "p99", "p99.9", "p99.99", "max", "max at", ">100µs", ">1ms",
];

impl LatencyReport {
    /// Rows of `(map, op, summary)` in table order: the timer first.
    fn rows(&self) -> Vec<(&'static str, &'static str, &Summary)> {
        let mut rows = vec![("timer", "empty", &self.timer.summary)];
        for op in ["insert", "remove", "lookup", "lookup mid-grow"] {
            for m in &self.maps {
                let s = match op {
                    "insert" => Some(&m.insert.summary),
                    "remove" => Some(&m.remove.summary),
                    "lookup" => Some(&m.lookup.summary),
                    _ => m.lookup_mid_grow.as_ref(),
                };
                if let Some(s) = s {
                    rows.push((m.kind.name(), op, s));
                }
            }
        }
        rows
    }

    /// Rows of `(map, op, cpu summary)` for the passes with a CPU check.
    fn cpu_rows(&self) -> Vec<(&'static str, &'static str, &CpuSummary)> {
        let mut rows = Vec::new();
        if let Some(c) = &self.timer.cpu {
            rows.push(("timer", "empty", c));
        }
        for op in ["insert", "remove", "lookup"] {
            for m in &self.maps {
                let r = match op {
                    "insert" => &m.insert,
                    "remove" => &m.remove,
                    _ => &m.lookup,
                };
                if let Some(c) = &r.cpu {
                    rows.push((m.kind.name(), op, c));
                }
            }
        }
        rows
    }

    /// The table for a terminal, with hashers, heap and spikes.
    pub(crate) fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "latency: {} u64 -> u64 operations per map, each timed alone with std::time::Instant",
            self.n
        );
        for m in &self.maps {
            let _ = writeln!(out, "  {:<10} hasher {}", m.kind.name(), m.hasher);
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<10} {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7} {:>6}",
            HEADERS[0],
            HEADERS[1],
            HEADERS[2],
            HEADERS[3],
            HEADERS[4],
            HEADERS[5],
            HEADERS[6],
            HEADERS[7],
            HEADERS[8],
            HEADERS[9]
        );
        let mut last_op = "";
        for (map, op, s) in self.rows() {
            if op != last_op && !last_op.is_empty() {
                let _ = writeln!(out);
            }
            last_op = op;
            let _ = writeln!(
                out,
                "{:<10} {:<15} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>7} {:>6}",
                map,
                op,
                fmt_ns(s.p50 as f64),
                fmt_ns(s.p99 as f64),
                fmt_ns(s.p999 as f64),
                fmt_ns(s.p9999 as f64),
                fmt_ns(s.max as f64),
                s.max_index,
                s.over_100us,
                s.over_1ms
            );
        }
        let cpu_rows = self.cpu_rows();
        if !cpu_rows.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(
                out,
                "CPU check (thread CPU clock read after every operation): operations that spent over 20 µs \
                 off the CPU (preempted),\nand operations that used over 100 µs / 1 ms of CPU time \
                 themselves (time preempted excluded)"
            );
            let _ = writeln!(
                out,
                "{:<10} {:<15} {:>10} {:>10} {:>8} {:>10} {:>10}",
                "map", "op", "preempted", "cpu>100µs", "cpu>1ms", "cpu max", "at"
            );
            for (map, op, c) in cpu_rows {
                let _ = writeln!(
                    out,
                    "{:<10} {:<15} {:>10} {:>10} {:>8} {:>10} {:>10}",
                    map,
                    op,
                    c.preempted,
                    c.over_100us,
                    c.over_1ms,
                    fmt_ns(c.max_ns as f64),
                    c.max_index
                );
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<10} {:>12} {:>12} {:>12} {:>14} {:>14}",
            "heap", "peak", "at N", "N removed", "peak/entry", "peak RSS"
        );
        for m in &self.maps {
            let _ = writeln!(
                out,
                "{:<10} {:>12} {:>12} {:>12} {:>12.1} B {:>14}",
                m.kind.name(),
                fmt_bytes(m.peak_heap as f64),
                fmt_bytes(m.full_heap as f64),
                fmt_bytes(m.empty_heap as f64),
                m.peak_heap as f64 / self.n as f64,
                m.peak_rss
                    .map_or("-".to_string(), |r| fmt_bytes(r as f64).to_string())
            );
        }
        let _ = writeln!(
            out,
            "(peak = allocated bytes; peak RSS = resident pages above the start, which for gomap \
             excludes old-array pages already handed back to the OS)"
        );
        let _ = writeln!(out);
        let list = |v: &[Spike]| {
            v.iter()
                .take(5)
                .map(Spike::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        for m in &self.maps {
            let _ = writeln!(
                out,
                "slowest {} inserts (wall): {}",
                m.kind.name(),
                list(&m.insert.spikes)
            );
            if let Some(c) = &m.insert.cpu {
                let _ = writeln!(
                    out,
                    "heaviest {} inserts (own CPU time): {}",
                    m.kind.name(),
                    list(&c.heaviest)
                );
            }
        }
        if self.maps.iter().any(|m| m.lookup_mid_grow.is_some()) {
            let _ = writeln!(
                out,
                "lookup mid-grow = the lookups made while gomap was certainly growing \
                 (the same insert indices for every map)"
            );
        }
        out
    }

    /// The table as HTML, max cells over 1 ms marked.
    pub(crate) fn html_table(&self) -> Table {
        let mut t = Table::new(&HEADERS);
        for (map, op, s) in self.rows() {
            let tone = |ns: u64| {
                if ns > 1_000_000 {
                    Tone::Bad
                } else if ns > 100_000 {
                    Tone::Warn
                } else {
                    Tone::Plain
                }
            };
            t.row(vec![
                Cell::text(map),
                Cell::text(op),
                Cell::num(fmt_ns(s.p50 as f64)),
                Cell::num(fmt_ns(s.p99 as f64)),
                Cell::num(fmt_ns(s.p999 as f64)),
                Cell::num(fmt_ns(s.p9999 as f64)).tone(tone(s.p9999)),
                Cell::num(fmt_ns(s.max as f64)).tone(tone(s.max)),
                Cell::num(s.max_index.to_string()),
                Cell::num(s.over_100us.to_string()),
                Cell::num(s.over_1ms.to_string()).tone(if s.over_1ms > 0 {
                    Tone::Bad
                } else {
                    Tone::Plain
                }),
            ]);
        }
        t
    }

    /// The CPU-check table as HTML (empty when the check was off).
    pub(crate) fn html_cpu_table(&self) -> Table {
        let mut t = Table::new(&[
            "map",
            "op",
            "preempted",
            "cpu > 100 µs",
            "cpu > 1 ms",
            "cpu max",
            "at",
        ]);
        for (map, op, c) in self.cpu_rows() {
            t.row(vec![
                Cell::text(map),
                Cell::text(op),
                Cell::num(c.preempted.to_string()),
                Cell::num(c.over_100us.to_string()),
                Cell::num(c.over_1ms.to_string()).tone(if c.over_1ms > 0 {
                    Tone::Bad
                } else {
                    Tone::Plain
                }),
                Cell::num(fmt_ns(c.max_ns as f64)),
                Cell::num(c.max_index.to_string()),
            ]);
        }
        t
    }

    /// The heap table as HTML.
    pub(crate) fn html_heap_table(&self) -> Table {
        let mut t = Table::new(&[
            "map",
            "hasher",
            "peak heap",
            "heap at N",
            "after removing all",
            "peak bytes/entry",
            "peak resident (RSS)",
            "capacity changes",
        ]);
        for m in &self.maps {
            t.row(vec![
                Cell::text(m.kind.name()),
                Cell::text(m.hasher),
                Cell::num(fmt_bytes(m.peak_heap as f64)),
                Cell::num(fmt_bytes(m.full_heap as f64)),
                Cell::num(fmt_bytes(m.empty_heap as f64)),
                Cell::num(format!("{:.1}", m.peak_heap as f64 / self.n as f64)),
                Cell::num(
                    m.peak_rss
                        .map_or("-".to_string(), |r| fmt_bytes(r as f64).to_string()),
                ),
                Cell::num(m.resizes.len().to_string()),
            ]);
        }
        t
    }

    /// A latency plot of one operation: all maps' worst per column on top, then one panel per
    /// map with its worst, 99th percentile and median per column.
    fn latency_svg(
        &self,
        op: &str,
        pick: fn(&MapResult) -> &OpResult,
        mark_resizes: bool,
    ) -> String {
        let n = self.n as f64;
        let lo = self
            .maps
            .iter()
            .flat_map(|m| pick(m).columns.p50.iter().copied())
            .chain(self.timer.columns.p50.iter().copied())
            .filter(|&x| x > 0)
            .min()
            .unwrap_or(10)
            .max(1) as f64;
        let hi = self
            .maps
            .iter()
            .map(|m| pick(m).summary.max)
            .max()
            .unwrap_or(1000)
            // Room above the 1 ms reference line, whatever the worst case.
            .max(2_000_000) as f64;
        let x_label = format!("{op} number (of {})", fmt_count(n));
        let axes = || {
            (
                Axis::linear(0.0, n, &x_label, fmt_count),
                Axis::log(lo, hi, "latency", fmt_ns),
            )
        };
        let xs = |c: &Columns, v: &[u32]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(i, &y)| (((i as f64) + 0.5) * c.per as f64, y as f64))
                .collect()
        };
        let mut plots = Vec::new();
        let (x, y) = axes();
        let mut all = Plot::new(
            &format!("Every {op}, worst per pixel column ({} ops/column)", {
                self.maps.first().map_or(1, |m| pick(m).columns.per)
            }),
            1100.0,
            420.0,
            x,
            y,
        );
        all.note(&format!(
            "N = {}; each {op} timed alone with Instant; the timer alone (grey) shows the floor and the machine's noise",
            self.n
        ));
        all.line(
            xs(&self.timer.columns, &self.timer.columns.max),
            Attrs::new().stroke("#999999", 1.0).opacity(0.8),
        )
        .legend("timer alone", "#999999");
        for m in self.maps.iter().rev() {
            let c = &pick(m).columns;
            all.line(
                xs(c, &c.max),
                Attrs::new().stroke(m.kind.colour(), 1.0).opacity(0.85),
            );
        }
        for m in &self.maps {
            all.legend(m.kind.name(), m.kind.colour());
        }
        all.hline(100_000.0, "#aa0000", "100 µs")
            .hline(1_000_000.0, "#aa0000", "1 ms");
        plots.push(all);
        for m in &self.maps {
            let r = pick(m);
            let c = &r.columns;
            let (x, y) = axes();
            let mut p = Plot::new(
                &format!(
                    "{}: {op} latency per column: worst, p99, median",
                    m.kind.name()
                ),
                1100.0,
                300.0,
                x,
                y,
            );
            p.note(&format!(
                "p50 {}, p99 {}, p99.99 {}, max {} at {op} #{}",
                fmt_ns(r.summary.p50 as f64),
                fmt_ns(r.summary.p99 as f64),
                fmt_ns(r.summary.p9999 as f64),
                fmt_ns(r.summary.max as f64),
                r.summary.max_index
            ));
            if mark_resizes {
                // Where capacity() changed: a full rehash for hashbrown and std, the start of an
                // incremental grow for gomap. Only the last is labelled; early ones crowd.
                let label = if m.kind == MapKind::Gomap {
                    "grow starts"
                } else {
                    "resize"
                };
                let shown: Vec<usize> = m
                    .resizes
                    .iter()
                    .copied()
                    .filter(|&r| r >= self.n / 64)
                    .collect();
                for (j, &r) in shown.iter().enumerate() {
                    let l = if j + 1 == shown.len() { label } else { "" };
                    p.vline(r as f64, "#8a8a8a", l);
                }
            }
            p.line(xs(c, &c.max), Attrs::new().stroke(m.kind.colour(), 1.0))
                .legend("worst", m.kind.colour());
            if !c.cpu_max.is_empty() {
                p.line(xs(c, &c.cpu_max), Attrs::new().stroke(CPU_COLOUR, 1.0))
                    .legend("worst own CPU time (preemption removed)", CPU_COLOUR);
            }
            p.line(
                xs(c, &c.p99),
                Attrs::new().stroke("#444444", 1.0).dash("3 2"),
            )
            .line(xs(c, &c.p50), Attrs::new().stroke("#000000", 1.4))
            .legend("p99", "#888888")
            .legend("median", "#000000")
            .hline(100_000.0, "#aa0000", "100 µs")
            .hline(1_000_000.0, "#aa0000", "1 ms");
            plots.push(p);
        }
        stack(&plots)
    }

    /// `latency.svg`: insert latency.
    pub(crate) fn insert_svg(&self) -> String {
        self.latency_svg("insert", |m| &m.insert, true)
    }

    /// `latency-remove.svg`: remove latency.
    pub(crate) fn remove_svg(&self) -> String {
        self.latency_svg("remove", |m| &m.remove, false)
    }

    /// `latency-lookup.svg`: lookup latency while growing (capacity changes marked).
    pub(crate) fn lookup_svg(&self) -> String {
        self.latency_svg("lookup", |m| &m.lookup, true)
    }

    /// `memory.svg`: heap bytes against entries while growing, and while removing.
    pub(crate) fn memory_svg(&self) -> String {
        let n = self.n as f64;
        let top = self
            .maps
            .iter()
            .flat_map(|m| m.mem_insert.iter().chain(&m.mem_remove).map(|&(_, b)| b))
            .max()
            .unwrap_or(1)
            .max(1) as f64;
        let mut plots = Vec::new();
        for (title, x_label, pick) in [
            (
                "Heap bytes while inserting N keys",
                "entries",
                (|m: &MapResult| &m.mem_insert) as fn(&MapResult) -> &Vec<(usize, usize)>,
            ),
            (
                "Heap bytes while removing them all (shuffled order)",
                "keys removed",
                |m: &MapResult| &m.mem_remove,
            ),
        ] {
            let mut p = Plot::new(
                title,
                1100.0,
                400.0,
                Axis::linear(0.0, n, x_label, fmt_count),
                Axis::bytes(0.0, top * 1.05, "heap bytes"),
            );
            p.note("sampled every N/1000 operations from the counting allocator, between timed operations; dashed: 16 bytes per live entry (the keys and values alone)");
            let payload: Vec<(f64, f64)> = if x_label == "entries" {
                vec![(0.0, 0.0), (n, 16.0 * n)]
            } else {
                vec![(0.0, 16.0 * n), (n, 0.0)]
            };
            p.line(payload, Attrs::new().stroke("#777777", 1.0).dash("6 4"));
            for m in &self.maps {
                let pts = pick(m).iter().map(|&(i, b)| (i as f64, b as f64)).collect();
                // std is hashbrown inside: their curves coincide, so hashbrown is drawn wide and
                // std dashed on top of it.
                let attrs = match m.kind {
                    MapKind::Gomap => Attrs::new().stroke(m.kind.colour(), 2.0),
                    MapKind::Hashbrown => Attrs::new().stroke(m.kind.colour(), 4.0),
                    MapKind::Std => Attrs::new().stroke(m.kind.colour(), 1.8).dash("8 5"),
                };
                p.line(pts, attrs).legend(
                    &format!("{} (peak {})", m.kind.name(), fmt_bytes(m.peak_heap as f64)),
                    m.kind.colour(),
                );
            }
            plots.push(p);
        }
        stack(&plots)
    }

    /// Everything as JSON.
    pub(crate) fn to_json(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "{{\n\"n\":{},\n\"clock\":\"std::time::Instant\",\n\"timer\":{},\n\"timer_cpu\":{},\n\"timer_columns\":{},\n\"maps\":[",
            self.n,
            self.timer.summary.to_json(),
            self.timer
                .cpu
                .as_ref()
                .map_or("null".to_string(), CpuSummary::to_json),
            self.timer.columns.to_json()
        );
        let op_json = |r: &OpResult| {
            let spikes: Vec<String> = r.spikes.iter().map(Spike::to_json).collect();
            format!(
                "{{\"summary\":{},\"cpu\":{},\"spikes\":[{}],\"columns\":{}}}",
                r.summary.to_json(),
                r.cpu
                    .as_ref()
                    .map_or("null".to_string(), CpuSummary::to_json),
                spikes.join(","),
                r.columns.to_json()
            )
        };
        let pairs = |v: &[(usize, usize)]| {
            let items: Vec<String> = v.iter().map(|(a, b)| format!("[{a},{b}]")).collect();
            format!("[{}]", items.join(","))
        };
        for (i, m) in self.maps.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(
                s,
                "\n{{\"map\":{},\"hasher\":{},\"peak_heap_bytes\":{},\"peak_rss_bytes\":{},\
                 \"heap_bytes_at_n\":{},\"heap_bytes_after_remove\":{},\"resizes\":{:?},\"grow_windows\":{},\
                 \"insert\":{},\n\"remove\":{},\n\"lookup\":{},\n\"lookup_mid_grow\":{},\
                 \n\"memory_insert\":{},\n\"memory_remove\":{}}}",
                json_str(m.kind.name()),
                json_str(m.hasher),
                m.peak_heap,
                m.peak_rss.map_or("null".to_string(), |r| r.to_string()),
                m.full_heap,
                m.empty_heap,
                m.resizes,
                pairs(&m.grow_windows),
                op_json(&m.insert),
                op_json(&m.remove),
                op_json(&m.lookup),
                m.lookup_mid_grow
                    .as_ref()
                    .map_or("null".to_string(), Summary::to_json),
                pairs(&m.mem_insert),
                pairs(&m.mem_remove)
            );
        }
        s.push_str("\n]\n}\n");
        s
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
