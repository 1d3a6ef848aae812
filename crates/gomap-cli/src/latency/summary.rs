//! What a pass's timings reduce to: percentiles ([`Summary`]), one value per plot column
//! ([`Columns`]), the slowest operations ([`Spike`]) and what the thread CPU clock says about
//! them ([`CpuSummary`]).

use serde::Serialize;

use super::OpResult;
use crate::report::fmt_ns;

/// Percentiles of one set of timings, in nanoseconds.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Summary {
    /// Operations timed.
    pub(crate) count: usize,
    /// Median.
    #[serde(rename = "p50_ns")]
    pub(crate) p50: u64,
    /// 99th percentile.
    #[serde(rename = "p99_ns")]
    pub(crate) p99: u64,
    /// 99.9th percentile.
    #[serde(rename = "p999_ns")]
    pub(crate) p999: u64,
    /// 99.99th percentile.
    #[serde(rename = "p9999_ns")]
    pub(crate) p9999: u64,
    /// The slowest.
    #[serde(rename = "max_ns")]
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
    pub(super) fn of_sorting(lat: &mut [u32], max_index: usize) -> Summary {
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
}

/// Timings reduced to one value per pixel column of a plot, so that a spike among millions of
/// operations stays visible: each column keeps its worst, its 99th percentile and its median.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct Columns {
    /// Operations per column (the last one may hold fewer).
    #[serde(rename = "per_column")]
    pub(crate) per: usize,
    /// Worst of each column, ns.
    #[serde(rename = "max_ns")]
    pub(crate) max: Vec<u32>,
    /// 99th percentile of each column, ns.
    #[serde(rename = "p99_ns")]
    pub(crate) p99: Vec<u32>,
    /// Median of each column, ns.
    #[serde(rename = "p50_ns")]
    pub(crate) p50: Vec<u32>,
    /// The most CPU time one operation of the column used itself, ns (with the CPU check on):
    /// the worst case with preemption taken out.
    #[serde(rename = "cpu_max_ns")]
    pub(crate) cpu_max: Vec<u32>,
}

/// Pixel columns in a latency plot.
pub(super) const COLUMNS: usize = 1000;

impl Columns {
    pub(super) fn of(lat: &[u32], scratch: &mut Vec<u32>) -> Columns {
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
    pub(super) fn with_cpu(mut self, lat: &[u32], cpu: &[u32]) -> Columns {
        self.cpu_max = lat
            .chunks(self.per)
            .zip(cpu.chunks(self.per))
            .map(|(l, c)| l.iter().zip(c).map(|(&w, &c)| w.min(c)).max().unwrap_or(0))
            .collect();
        self
    }
}

/// One of the slowest operations of a pass, and what happened at that index.
#[derive(Clone, Debug, Serialize)]
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
}

/// What the thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`, read after every operation, outside
/// the timed region) says about a pass: how much of each operation's wall time the thread
/// actually ran. An operation that was slow because another process had the CPU (preemption,
/// common on a shared machine) used little CPU time; one that was slow because of the map's own
/// work (a rehash, page faults, a large free) used it all. On a virtual machine, time the
/// hypervisor takes the virtual CPU away (steal) still counts as CPU time, so a rare CPU-time
/// spike there can be the host's.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct CpuSummary {
    /// Operations that spent over 20 µs off the CPU (wall time minus CPU time).
    pub(crate) preempted: usize,
    /// Operations that used over 100 µs of CPU time (the clock read is included: ~0.2 µs).
    #[serde(rename = "cpu_over_100us")]
    pub(crate) over_100us: usize,
    /// Operations that used over 1 ms of CPU time.
    #[serde(rename = "cpu_over_1ms")]
    pub(crate) over_1ms: usize,
    /// The most CPU time one operation used, ns.
    #[serde(rename = "cpu_max_ns")]
    pub(crate) max_ns: u64,
    /// Its index.
    #[serde(rename = "cpu_max_index")]
    pub(crate) max_index: usize,
    /// The operations that used the most CPU time themselves, heaviest first: the map's own
    /// worst cases, with preemption taken out.
    pub(crate) heaviest: Vec<Spike>,
}

/// Off-CPU time above which an operation counts as preempted, ns.
pub(super) const PREEMPTED_NS: u64 = 20_000;

impl CpuSummary {
    /// From the wall times and CPU times of the same operations (before any sorting).
    pub(super) fn of(lat: &[u32], cpu: &[u32]) -> CpuSummary {
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
}

/// Index and value of the maximum (first one on ties).
pub(super) fn argmax(lat: &[u32]) -> usize {
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
pub(super) fn spikes(
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
pub(super) fn reduce(
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
