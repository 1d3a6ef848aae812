//! `gomap bench --concurrent`: gomap's `SyncMap` against papaya, dashmap, scc and
//! `RwLock<hashbrown::HashMap>`, on the workloads of the Go sync.Map anchor
//! (`../shared/anchors/go-sync/README.md`): same keys, per-thread random streams, op schedule,
//! live windows and latency histogram, so that its results (`scripts/go-sync-anchor.sh`) merge in
//! as `go:syncmap` and `go:rwmap` columns after a key checksum check.
//!
//! Implementations run interleaved in one process: for each workload and thread count, every
//! repetition runs each implementation once, the starting one rotating.
//!
//! The showcase runs a short configuration of it ([`ConcurrentConfig::showcase`]) and draws its
//! results ([`ConcurrentResults`]) as throughput bars, latency percentiles, a table and verdict
//! sentences ([`show`]).

mod show;

use std::hash::BuildHasher;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, RwLock};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::BenchArgs;
use crate::args::{CliError, CliResult};

type Fold = foldhash::fast::RandomState;

// ---------------------------------------------------------------------------------------------
// Keys, random streams and the latency histogram, as the Go anchor defines them.
// ---------------------------------------------------------------------------------------------

const SEED: u64 = 0x0123_4567_89AB_CDEF;
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const RNG_SEED: u64 = 0xDEAD_BEEF_CAFE_F00D;
/// The anchor's prefill size, which its `check` line covers.
const ANCHOR_N: u64 = 1_000_000;

fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The i-th (0-based) output of splitmix64 seeded with [`SEED`].
fn key(i: u64) -> u64 {
    mix64(SEED.wrapping_add((i + 1).wrapping_mul(GAMMA)))
}

/// Thread `t`'s stream.
struct Rng(u64);

impl Rng {
    fn new(thread: usize) -> Self {
        Rng(RNG_SEED ^ (thread as u64 + 1))
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(GAMMA);
        ((mix64(self.0) as u128 * n as u128) >> 64) as u64
    }
}

/// The anchor's `check` fields, computed here.
fn check_fields() -> Vec<(&'static str, String)> {
    let (mut sum, mut xor) = (0u64, 0u64);
    for g in 0..ANCHOR_N {
        sum = sum.wrapping_add(key(g));
        xor ^= key(g).rotate_left((g % 64) as u32);
    }
    let mut r = Rng::new(0);
    let rng_sum: u64 = (0..1000).map(|_| r.below(ANCHOR_N)).sum();
    vec![
        ("key0", format!("{:016x}", key(0))),
        ("key1", format!("{:016x}", key(1))),
        ("key_last", format!("{:016x}", key(ANCHOR_N - 1))),
        ("sum", format!("{sum:016x}")),
        ("xor", format!("{xor:016x}")),
        ("rng_sum", rng_sum.to_string()),
    ]
}

const EXACT: usize = 1024;
const SUB: usize = 128;
const MAXEXP: usize = 42;

/// Exact below 1024 ns, then 128 linear sub-buckets per power of two; the max is exact.
#[derive(Clone)]
struct Hist {
    b: Vec<u64>,
    n: u64,
    max: u64,
    over_1ms: u64,
}

impl Hist {
    fn new() -> Self {
        Hist {
            b: vec![0; EXACT + (MAXEXP - 10) * SUB],
            n: 0,
            max: 0,
            over_1ms: 0,
        }
    }
    fn index(v: u64) -> usize {
        if v < EXACT as u64 {
            return v as usize;
        }
        let e = (63 - v.leading_zeros() as usize).min(MAXEXP - 1);
        let s = (v >> (e - 7)) as usize & (SUB - 1);
        EXACT + (e - 10) * SUB + s
    }
    fn lower(i: usize) -> u64 {
        if i < EXACT {
            return i as u64;
        }
        let e = (i - EXACT) / SUB + 10;
        let s = (i - EXACT) % SUB;
        ((SUB + s) as u64) << (e - 7)
    }
    #[inline]
    fn record(&mut self, v: u64) {
        self.b[Self::index(v)] += 1;
        self.n += 1;
        self.max = self.max.max(v);
        self.over_1ms += u64::from(v > 1_000_000);
    }
    fn merge(&mut self, o: &Hist) {
        for (a, b) in self.b.iter_mut().zip(&o.b) {
            *a += b;
        }
        self.n += o.n;
        self.max = self.max.max(o.max);
        self.over_1ms += o.over_1ms;
    }
    fn pct(&self, p: f64) -> u64 {
        let need = ((p * self.n as f64).ceil() as u64).max(1);
        let mut c = 0;
        for (i, &x) in self.b.iter().enumerate() {
            c += x;
            if c >= need {
                return Self::lower(i);
            }
        }
        self.max
    }
    fn summary(&self) -> Latency {
        Latency {
            n: self.n,
            p50_ns: self.pct(0.5),
            p99_ns: self.pct(0.99),
            p999_ns: self.pct(0.999),
            p9999_ns: self.pct(0.9999),
            max_ns: self.max,
            gt1ms: self.over_1ms,
        }
    }
}

/// Percentiles of one latency histogram, in nanoseconds.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Latency {
    n: u64,
    p50_ns: u64,
    p99_ns: u64,
    p999_ns: u64,
    p9999_ns: u64,
    max_ns: u64,
    gt1ms: u64,
}

// ---------------------------------------------------------------------------------------------
// The maps.
// ---------------------------------------------------------------------------------------------

/// What every benchmarked map offers, on `u64 -> u64`.
trait CMap: Sync {
    fn new() -> Self;
    fn get(&self, k: u64) -> Option<u64>;
    fn insert(&self, k: u64, v: u64);
    fn remove(&self, k: u64) -> bool;
}

impl CMap for gomap::sync::SyncMap<u64, u64, Fold> {
    fn new() -> Self {
        Self::default()
    }
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.get_cloned(&k)
    }
    #[inline]
    fn insert(&self, k: u64, v: u64) {
        gomap::sync::SyncMap::insert(self, k, v);
    }
    #[inline]
    fn remove(&self, k: u64) -> bool {
        gomap::sync::SyncMap::remove(self, &k).is_some()
    }
}

impl CMap for papaya::HashMap<u64, u64, Fold> {
    fn new() -> Self {
        papaya::HashMap::with_hasher(Fold::default())
    }
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.pin().get(&k).copied()
    }
    #[inline]
    fn insert(&self, k: u64, v: u64) {
        self.pin().insert(k, v);
    }
    #[inline]
    fn remove(&self, k: u64) -> bool {
        self.pin().remove(&k).is_some()
    }
}

impl CMap for dashmap::DashMap<u64, u64, Fold> {
    fn new() -> Self {
        dashmap::DashMap::with_hasher(Fold::default())
    }
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        dashmap::DashMap::get(self, &k).map(|r| *r)
    }
    #[inline]
    fn insert(&self, k: u64, v: u64) {
        dashmap::DashMap::insert(self, k, v);
    }
    #[inline]
    fn remove(&self, k: u64) -> bool {
        dashmap::DashMap::remove(self, &k).is_some()
    }
}

impl CMap for scc::HashMap<u64, u64, Fold> {
    fn new() -> Self {
        scc::HashMap::with_hasher(Fold::default())
    }
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.read_sync(&k, |_, v| *v)
    }
    #[inline]
    fn insert(&self, k: u64, v: u64) {
        self.upsert_sync(k, v);
    }
    #[inline]
    fn remove(&self, k: u64) -> bool {
        self.remove_sync(&k).is_some()
    }
}

/// `RwLock<hashbrown::HashMap>` (hashbrown's default hasher is foldhash).
struct RwHashbrown(RwLock<hashbrown::HashMap<u64, u64, Fold>>);

impl CMap for RwHashbrown {
    fn new() -> Self {
        RwHashbrown(RwLock::new(
            hashbrown::HashMap::with_hasher(Fold::default()),
        ))
    }
    #[inline]
    fn get(&self, k: u64) -> Option<u64> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&k)
            .copied()
    }
    #[inline]
    fn insert(&self, k: u64, v: u64) {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(k, v);
    }
    #[inline]
    fn remove(&self, k: u64) -> bool {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&k)
            .is_some()
    }
}

/// A benchmarked implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CImpl {
    SyncMap,
    Papaya,
    Dashmap,
    Scc,
    RwLock,
}

impl CImpl {
    const ALL: [CImpl; 5] = [
        CImpl::SyncMap,
        CImpl::Papaya,
        CImpl::Dashmap,
        CImpl::Scc,
        CImpl::RwLock,
    ];

    /// Its name in results and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CImpl::SyncMap => "syncmap",
            CImpl::Papaya => "papaya",
            CImpl::Dashmap => "dashmap",
            CImpl::Scc => "scc",
            CImpl::RwLock => "rwlock",
        }
    }

    fn run(self, w: CWorkload, threads: usize, cfg: &Sizes) -> Run {
        match self {
            CImpl::SyncMap => w.run::<gomap::sync::SyncMap<u64, u64, Fold>>(threads, cfg),
            CImpl::Papaya => w.run::<papaya::HashMap<u64, u64, Fold>>(threads, cfg),
            CImpl::Dashmap => w.run::<dashmap::DashMap<u64, u64, Fold>>(threads, cfg),
            CImpl::Scc => w.run::<scc::HashMap<u64, u64, Fold>>(threads, cfg),
            CImpl::RwLock => w.run::<RwHashbrown>(threads, cfg),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The workloads.
// ---------------------------------------------------------------------------------------------

/// A workload of the anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CWorkload {
    Read,
    ReadMostly,
    Mixed,
    Grow,
    ReadLat,
}

impl CWorkload {
    const ALL: [CWorkload; 5] = [
        CWorkload::Read,
        CWorkload::ReadMostly,
        CWorkload::Mixed,
        CWorkload::Grow,
        CWorkload::ReadLat,
    ];

    /// Its name in results and on the command line.
    pub(crate) fn name(self) -> &'static str {
        match self {
            CWorkload::Read => "read",
            CWorkload::ReadMostly => "readmostly",
            CWorkload::Mixed => "mixed",
            CWorkload::Grow => "grow",
            CWorkload::ReadLat => "readlat",
        }
    }

    /// The thread counts it runs at (readlat is one reader and one writer).
    fn threads(self) -> &'static [usize] {
        match self {
            CWorkload::ReadLat => &[2],
            _ => &[1, 2],
        }
    }

    fn run<M: CMap>(self, threads: usize, s: &Sizes) -> Run {
        match self {
            CWorkload::Read | CWorkload::ReadMostly | CWorkload::Mixed => {
                run_rw::<M>(self, threads, s)
            }
            CWorkload::Grow => run_grow::<M>(threads, s),
            CWorkload::ReadLat => run_readlat::<M>(s),
        }
    }
}

/// The sizes of a run: the anchor's, or a fraction of them.
#[derive(Clone, Debug)]
pub(crate) struct Sizes {
    /// Keys prefilled before read, readmostly, mixed and readlat.
    n: u64,
    /// Keys grow inserts, from empty.
    grow_n: u64,
    /// readlat's writer inserts keys `n..readlat_to` while the reader gets.
    readlat_to: u64,
    /// Seconds measured per throughput run ...
    secs: f64,
    /// ... after this many seconds of warm-up.
    warm: f64,
}

impl Sizes {
    /// The anchor's sizes divided by `div`, with `secs` measured after `secs / 4` of warm-up.
    fn divided(div: u64, secs: f64) -> Sizes {
        Sizes {
            n: ANCHOR_N / div,
            grow_n: 4_000_000 / div,
            readlat_to: 5_000_000 / div,
            secs,
            warm: secs / 4.0,
        }
    }
}

/// What `gomap bench --concurrent` runs: implementations, workloads, repetitions and sizes.
#[derive(Clone, Debug)]
pub(crate) struct ConcurrentConfig {
    impls: Vec<CImpl>,
    workloads: Vec<CWorkload>,
    reps: usize,
    sizes: Sizes,
}

impl ConcurrentConfig {
    /// The showcase's short run: every implementation and workload, a tenth of the anchor's
    /// sizes (prefill 100K, grow to 400K, readlat's writer to 500K), 0.2 s measured per
    /// throughput run, 3 repetitions: about half a minute on a 2-core machine. `quick`: a
    /// hundredth of the anchor's sizes, 0.01 s, 1 repetition (under a second, for tests).
    pub(crate) fn showcase(quick: bool) -> ConcurrentConfig {
        let (div, secs, reps) = if quick { (100, 0.01, 1) } else { (10, 0.2, 3) };
        ConcurrentConfig {
            impls: CImpl::ALL.to_vec(),
            workloads: CWorkload::ALL.to_vec(),
            reps,
            sizes: Sizes::divided(div, secs),
        }
    }

    /// Every (workload, thread count) measured, in run order.
    fn cases(&self) -> Vec<(CWorkload, usize)> {
        self.workloads
            .iter()
            .flat_map(|&w| w.threads().iter().map(move |&t| (w, t)))
            .collect()
    }

    /// A rough wall-clock cost of the run in seconds, for the showcase's announcement: each
    /// throughput run its warm-up and measured seconds plus the prefill, each grow and readlat
    /// run its inserts, at ballpark figures of this machine (about 0.25 µs per prefill key with
    /// its checking gets, 0.3 µs per timed insert).
    pub(crate) fn estimate_secs(&self) -> f64 {
        let s = &self.sizes;
        let prefill = s.n as f64 * 0.25e-6;
        let per_impl: f64 = self
            .cases()
            .iter()
            .map(|&(w, _)| match w {
                CWorkload::Grow => s.grow_n as f64 * 0.3e-6,
                CWorkload::ReadLat => prefill + (s.readlat_to - s.n) as f64 * 0.3e-6,
                _ => prefill + s.warm + s.secs,
            })
            .sum();
        per_impl * (self.impls.len() * self.reps) as f64
    }

    /// What the run does and about how long it takes, in one line.
    pub(crate) fn plan(&self) -> String {
        let s = &self.sizes;
        format!(
            "{} maps x {} workload/thread cases, {} repetition{} of {} s after {} s warm-up; \
             prefill {}, grow to {}: about {}",
            self.impls.len(),
            self.cases().len(),
            self.reps,
            if self.reps == 1 { "" } else { "s" },
            s.secs,
            s.warm,
            crate::args::show_size(s.n as usize),
            crate::args::show_size(s.grow_n as usize),
            crate::args::show_duration(self.estimate_secs())
        )
    }
}

/// Everything a `--concurrent` run measured, with the sizes and machine it ran on.
#[derive(Clone, Debug)]
pub(crate) struct ConcurrentResults {
    machine: super::MachineInfo,
    sizes: Sizes,
    reps: usize,
    /// One row per workload, thread count and implementation (Go's included when merged).
    rows: Vec<Row>,
}

impl ConcurrentResults {
    /// The row of one implementation on one workload and thread count.
    fn find(&self, workload: &str, threads: usize, imp: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.workload == workload && r.threads == threads && r.implementation == imp)
    }

    /// Every (workload, thread count), in the order first measured.
    fn cases(&self) -> Vec<(String, usize)> {
        let mut cases: Vec<(String, usize)> = Vec::new();
        for r in &self.rows {
            if !cases
                .iter()
                .any(|(w, t)| *w == r.workload && *t == r.threads)
            {
                cases.push((r.workload.clone(), r.threads));
            }
        }
        cases
    }

    /// Every implementation, in the order first measured (SyncMap first when it ran).
    fn implementations(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.rows {
            if !names.contains(&r.implementation) {
                names.push(r.implementation.clone());
            }
        }
        names
    }

    /// SyncMap's Mop/s on `workload` at `threads`, and the best of the other Rust maps there
    /// (name, Mop/s); `None` unless both ran.
    fn against_best(&self, workload: &str, threads: usize) -> Option<(f64, &str, f64)> {
        let ours = self.find(workload, threads, CImpl::SyncMap.name())?.mops;
        let best = CImpl::ALL[1..]
            .iter()
            .filter_map(|i| self.find(workload, threads, i.name()))
            .max_by(|a, b| a.mops.total_cmp(&b.mops))?;
        Some((ours, &best.implementation, best.mops))
    }

    /// The first row with wrong results, as an error message.
    pub(crate) fn failure(&self) -> Option<String> {
        self.rows.iter().find(|r| r.errors > 0).map(|bad| {
            format!(
                "{} on {} x{}: {} wrong results",
                bad.implementation, bad.workload, bad.threads, bad.errors
            )
        })
    }

    /// The tables as `gomap bench --concurrent` prints them.
    pub(crate) fn render_table(&self) -> String {
        render(&self.rows, &self.sizes)
    }

    /// The pretty-printed JSON `--json` writes.
    pub(crate) fn to_json(&self) -> String {
        let report = Report {
            machine: &self.machine,
            secs: self.sizes.secs,
            warm_secs: self.sizes.warm,
            prefill: self.sizes.n,
            grow_to: self.sizes.grow_n,
            readlat_to: self.sizes.readlat_to,
            reps: self.reps,
            rows: &self.rows,
        };
        serde_json::to_string_pretty(&report).expect("JSON of plain data")
    }
}

/// One measurement.
struct Run {
    mops: f64,
    errors: u64,
    get: Option<Hist>,
    ins: Option<Hist>,
}

const OP_GET: u8 = 0;
const OP_INS: u8 = 1;
const OP_DEL: u8 = 2;

fn schedule(w: CWorkload) -> [u8; 100] {
    let mut s = [OP_GET; 100];
    match w {
        CWorkload::ReadMostly => {
            s[0] = OP_INS;
            s[50] = OP_DEL;
        }
        CWorkload::Mixed => {
            for (j, op) in s.iter_mut().enumerate() {
                if j % 10 == 0 {
                    *op = OP_INS;
                } else if j % 10 == 5 {
                    *op = OP_DEL;
                }
            }
        }
        _ => {}
    }
    s
}

/// Inserts `key(0..n)`, then the untimed warm pass of n + n/8 gets; returns the misses.
fn prefill<M: CMap>(m: &M, n: u64) -> u64 {
    for g in 0..n {
        m.insert(key(g), g);
    }
    (0..n + n / 8)
        .filter(|i| m.get(key(i % n)) != Some(i % n))
        .count() as u64
}

fn run_rw<M: CMap>(w: CWorkload, threads: usize, s: &Sizes) -> Run {
    let m = M::new();
    let mut errors = prefill(&m, s.n);
    let sched = schedule(w);
    let readonly = w == CWorkload::Read;
    let barrier = Barrier::new(threads);
    let outs: Vec<(u64, f64, u64)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (m, barrier, sched) = (&m, &barrier, &sched);
                sc.spawn(move || {
                    let tt = threads as u64;
                    let (mut stride, mut off, mut lo, mut hi) = (tt, t as u64, 0u64, s.n / tt);
                    if readonly {
                        (stride, off, hi) = (1, 0, s.n);
                    }
                    let mut r = Rng::new(t);
                    let (mut errors, mut ops, mut pos) = (0u64, 0u64, 0usize);
                    barrier.wait();
                    let t0 = Instant::now();
                    let mut measure: Option<(u64, Instant)> = None;
                    loop {
                        for _ in 0..1024 {
                            let op = sched[pos];
                            pos = if pos == 99 { 0 } else { pos + 1 };
                            match op {
                                OP_GET => {
                                    let g = off + (lo + r.below(hi - lo)) * stride;
                                    errors += u64::from(m.get(key(g)) != Some(g));
                                }
                                OP_INS => {
                                    let g = off + hi * stride;
                                    m.insert(key(g), g);
                                    hi += 1;
                                }
                                _ => {
                                    let g = off + lo * stride;
                                    errors += u64::from(!m.remove(key(g)));
                                    lo += 1;
                                }
                            }
                        }
                        ops += 1024;
                        let now = Instant::now();
                        match measure {
                            None if (now - t0).as_secs_f64() >= s.warm => {
                                measure = Some((ops, now));
                            }
                            Some((ops0, m0)) if (now - m0).as_secs_f64() >= s.secs => {
                                return (ops - ops0, (now - m0).as_secs_f64(), errors);
                            }
                            _ => {}
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark thread panicked"))
            .collect()
    });
    let mut mops = 0.0;
    for (ops, secs, e) in outs {
        mops += ops as f64 / secs / 1e6;
        errors += e;
    }
    Run {
        mops,
        errors,
        get: None,
        ins: None,
    }
}

fn run_grow<M: CMap>(threads: usize, s: &Sizes) -> Run {
    let m = M::new();
    let tt = threads as u64;
    let barrier = Barrier::new(threads + 1);
    let (hists, wall) = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads as u64)
            .map(|t| {
                let (m, barrier) = (&m, &barrier);
                sc.spawn(move || {
                    let mut h = Hist::new();
                    barrier.wait();
                    let mut prev = Instant::now();
                    for g in t * s.grow_n / tt..(t + 1) * s.grow_n / tt {
                        m.insert(key(g), g);
                        let now = Instant::now();
                        h.record((now - prev).as_nanos() as u64);
                        prev = now;
                    }
                    h
                })
            })
            .collect();
        barrier.wait();
        let t0 = Instant::now();
        let hists: Vec<Hist> = handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark thread panicked"))
            .collect();
        (hists, t0.elapsed().as_secs_f64())
    });
    let mut h = Hist::new();
    for x in &hists {
        h.merge(x);
    }
    let errors = (0..s.grow_n)
        .step_by(997)
        .filter(|&g| m.get(key(g)) != Some(g))
        .count() as u64;
    Run {
        mops: s.grow_n as f64 / wall / 1e6,
        errors,
        get: None,
        ins: Some(h),
    }
}

fn run_readlat<M: CMap>(s: &Sizes) -> Run {
    let m = M::new();
    let mut errors = prefill(&m, s.n);
    let done = AtomicBool::new(false);
    let barrier = Barrier::new(2);
    let ((get, ops, secs, e), ins) = std::thread::scope(|sc| {
        let reader = sc.spawn(|| {
            let mut h = Hist::new();
            let mut r = Rng::new(0);
            let (mut ops, mut errors) = (0u64, 0u64);
            barrier.wait();
            let t0 = Instant::now();
            let mut prev = t0;
            loop {
                for _ in 0..64 {
                    let g = r.below(s.n);
                    errors += u64::from(m.get(key(g)) != Some(g));
                    let now = Instant::now();
                    h.record((now - prev).as_nanos() as u64);
                    prev = now;
                    ops += 1;
                }
                if done.load(Ordering::Relaxed) {
                    break;
                }
            }
            (h, ops, (prev - t0).as_secs_f64(), errors)
        });
        let writer = sc.spawn(|| {
            let mut h = Hist::new();
            barrier.wait();
            let mut prev = Instant::now();
            for g in s.n..s.readlat_to {
                m.insert(key(g), g);
                let now = Instant::now();
                h.record((now - prev).as_nanos() as u64);
                prev = now;
            }
            done.store(true, Ordering::Relaxed);
            h
        });
        (
            reader.join().expect("the reader panicked"),
            writer.join().expect("the writer panicked"),
        )
    });
    errors += e;
    Run {
        mops: ops as f64 / secs / 1e6,
        errors,
        get: Some(get),
        ins: Some(ins),
    }
}

// ---------------------------------------------------------------------------------------------
// The command.
// ---------------------------------------------------------------------------------------------

/// One implementation's result on one workload and thread count.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Row {
    workload: String,
    threads: usize,
    implementation: String,
    /// Mop/s summed over threads (readlat: the reader's gets).
    mops: f64,
    /// Every repetition's Mop/s, in run order.
    reps: Vec<f64>,
    /// Gets that missed or read a wrong value, removes that found nothing (must be 0).
    errors: u64,
    /// The get latencies (readlat), of the last repetition.
    get: Option<Latency>,
    /// The insert latencies (grow, readlat), of the last repetition.
    ins: Option<Latency>,
}

#[derive(Serialize)]
struct Report<'a> {
    machine: &'a super::MachineInfo,
    secs: f64,
    warm_secs: f64,
    prefill: u64,
    grow_to: u64,
    readlat_to: u64,
    reps: usize,
    rows: &'a [Row],
}

fn parse_names<T: Copy>(
    s: &str,
    what: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    if s.trim() == "all" {
        return Ok(all.to_vec());
    }
    s.split(',')
        .map(str::trim)
        .map(|p| {
            all.iter().copied().find(|&x| name(x) == p).ok_or_else(|| {
                let names: Vec<_> = all.iter().map(|&x| name(x)).collect();
                format!(
                    "--concurrent: unknown {what} {p:?} (expected one of: {}, or all)",
                    names.join(", ")
                )
            })
        })
        .collect()
}

/// Runs `gomap bench --concurrent` as the options say, prints the tables, writes the JSON.
pub(crate) fn bench(args: &BenchArgs) -> CliResult {
    let impls = parse_names(&args.impls, "implementation", &CImpl::ALL, CImpl::name)?;
    let workloads = parse_names(
        &args.workloads,
        "workload",
        &CWorkload::ALL,
        CWorkload::name,
    )?;
    let secs = args.secs.unwrap_or(if args.quick { 0.05 } else { 1.0 });
    if !(secs > 0.0 && secs < 3600.0) {
        return Err(CliError::Usage(format!(
            "--secs: {secs} is not a duration in (0, 3600) seconds"
        )));
    }
    if args.reps == Some(0) {
        return Err("--reps must be at least 1".into());
    }
    let cfg = if args.showcase {
        // The showcase's run, sizes and repetitions included, as `gomap bench --showcase`.
        ConcurrentConfig {
            impls,
            workloads,
            ..ConcurrentConfig::showcase(args.quick)
        }
    } else {
        ConcurrentConfig {
            impls,
            workloads,
            reps: args.reps.unwrap_or(1),
            sizes: Sizes::divided(if args.quick { 100 } else { 1 }, secs),
        }
    };
    // Read Go's results first: a bad file must not cost a whole run.
    let go_rows = match &args.go_results {
        Some(path) => read_go(path)?,
        None => Vec::new(),
    };
    if let Some(path) = &args.json {
        crate::output::prepare_file(path, "--json")?;
    }
    let mut results = run(&cfg);
    results.rows.extend(go_rows);
    print!("{}", results.render_table());
    if let Some(path) = &args.json {
        crate::output::write_file(path, &results.to_json())?;
        println!("json: {}", path.display());
    }
    match results.failure() {
        Some(bad) => Err(CliError::Failed(bad)),
        None => Ok(()),
    }
}

/// Runs `cfg`: for each workload and thread count, every repetition runs each implementation
/// once, the starting one rotating; each row keeps the median Mop/s and the last repetition's
/// latencies. A progress bar on standard error (hidden when that is not a terminal).
pub(crate) fn run(cfg: &ConcurrentConfig) -> ConcurrentResults {
    let (impls, reps, s) = (&cfg.impls, cfg.reps, &cfg.sizes);
    let cases = cfg.cases();
    let bar = ProgressBar::new((cases.len() * reps * impls.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut rows = Vec::new();
    for (w, threads) in cases {
        let mut runs: Vec<Vec<Run>> = impls.iter().map(|_| Vec::new()).collect();
        for rep in 0..reps {
            for k in 0..impls.len() {
                let i = (k + rep) % impls.len();
                bar.set_message(format!("{} x{threads} {}", w.name(), impls[i].name()));
                runs[i].push(impls[i].run(w, threads, s));
                bar.inc(1);
            }
        }
        for (imp, runs) in impls.iter().zip(runs) {
            let mut m: Vec<f64> = runs.iter().map(|r| r.mops).collect();
            let reps_in_order = m.clone();
            m.sort_by(f64::total_cmp);
            let last = runs.last().expect("at least one repetition");
            rows.push(Row {
                workload: w.name().into(),
                threads,
                implementation: imp.name().into(),
                mops: m[m.len() / 2],
                reps: reps_in_order,
                errors: runs.iter().map(|r| r.errors).sum(),
                get: last.get.as_ref().map(Hist::summary),
                ins: last.ins.as_ref().map(Hist::summary),
            });
        }
    }
    bar.finish_and_clear();
    ConcurrentResults {
        machine: super::machine_info(),
        sizes: s.clone(),
        reps,
        rows,
    }
}

/// The text tables: Mop/s per workload and thread count, then the latency percentiles.
fn render(rows: &[Row], s: &Sizes) -> String {
    use std::fmt::Write;
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        if !names.contains(&r.implementation) {
            names.push(r.implementation.clone());
        }
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "gomap bench --concurrent: Mop/s summed over threads (higher is better); prefill {}, grow to {}, {} s measured after {} s warm-up; implementations interleaved",
        s.n, s.grow_n, s.secs, s.warm
    );
    let _ = write!(out, "{:<12}{:>4}", "workload", "thr");
    for n in &names {
        let _ = write!(out, "{n:>12}");
    }
    let _ = writeln!(out, "{:>14}", "syncmap/best");
    let mut cases: Vec<(String, usize)> = Vec::new();
    for r in rows {
        if !cases.contains(&(r.workload.clone(), r.threads)) {
            cases.push((r.workload.clone(), r.threads));
        }
    }
    let find = |w: &str, t: usize, imp: &str| {
        rows.iter()
            .find(|r| r.workload == w && r.threads == t && r.implementation == imp)
    };
    for (w, t) in &cases {
        let _ = write!(out, "{w:<12}{t:>4}");
        for n in &names {
            match find(w, *t, n) {
                Some(r) => {
                    let _ = write!(out, "{:>12.2}", r.mops);
                }
                None => {
                    let _ = write!(out, "{:>12}", "-");
                }
            }
        }
        let best_other = CImpl::ALL
            .iter()
            .filter(|&&i| i != CImpl::SyncMap)
            .filter_map(|i| find(w, *t, i.name()))
            .map(|r| r.mops)
            .fold(f64::NAN, f64::max);
        match find(w, *t, "syncmap") {
            Some(r) if best_other.is_finite() => {
                let _ = writeln!(out, "{:>14.2}", r.mops / best_other);
            }
            _ => {
                let _ = writeln!(out, "{:>14}", "-");
            }
        }
    }
    let _ = writeln!(
        out,
        "\nlatency (ns; one repetition): p50 / p99 / p99.9 / p99.99 / max, and operations over 1 ms"
    );
    for r in rows {
        for (what, l) in [("get", &r.get), ("insert", &r.ins)] {
            if let Some(l) = l {
                let _ = writeln!(
                    out,
                    "{:<12}{:>4} {:<7}{:<14}{:>8} {:>8} {:>8} {:>9} {:>11} {:>6}",
                    r.workload,
                    r.threads,
                    what,
                    r.implementation,
                    l.p50_ns,
                    l.p99_ns,
                    l.p999_ns,
                    l.p9999_ns,
                    l.max_ns,
                    l.gt1ms
                );
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Go's results.
// ---------------------------------------------------------------------------------------------

fn field<'a>(fields: &[&'a str], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find_map(|f| f.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

/// Reads the Go anchor's output (`scripts/go-sync-anchor.sh > FILE`): its `check` line must
/// match our keys and random streams, and each result line becomes a `go:<impl>` row.
fn read_go(path: &Path) -> Result<Vec<Row>, String> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("--go-results: {e}"))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| format!("--go-results: cannot read {}: {e}", path.display()))?
    };
    parse_go(&text).map_err(|e| format!("--go-results {}: {e}", path.display()))
}

fn parse_go(text: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    let mut checked = false;
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.trim_end().split('\t').collect();
        if field(&f, "lang") != Some("go") {
            continue;
        }
        if field(&f, "key0").is_some() {
            for (k, ours) in check_fields() {
                let theirs = field(&f, k).ok_or_else(|| format!("line {}: no {k}=", i + 1))?;
                if theirs != ours {
                    return Err(format!(
                        "line {}: Go's {k}={theirs} but ours is {ours}: not the same keys",
                        i + 1
                    ));
                }
            }
            checked = true;
            continue;
        }
        let get = |k: &str| field(&f, k).ok_or_else(|| format!("line {}: no {k}=", i + 1));
        let num = |k: &str| -> Result<f64, String> {
            get(k)?
                .parse()
                .map_err(|_| format!("line {}: bad {k}", i + 1))
        };
        let workload = get("workload")?.to_string();
        let mops = if workload == "readlat" {
            num("read_mops")?
        } else {
            num("mops")?
        };
        let lat = |p: &str| -> Option<Latency> {
            let n = |k: &str| field(&f, &format!("{p}{k}")).and_then(|v| v.parse().ok());
            Some(Latency {
                n: n("n")?,
                p50_ns: n("p50_ns")?,
                p99_ns: n("p99_ns")?,
                p999_ns: n("p999_ns")?,
                p9999_ns: n("p9999_ns")?,
                max_ns: n("max_ns")?,
                gt1ms: n("gt1ms")?,
            })
        };
        rows.push(Row {
            threads: num("threads")? as usize,
            implementation: format!("go:{}", get("impl")?),
            mops,
            reps: vec![mops],
            errors: num("errors")? as u64,
            get: lat("get_"),
            ins: lat("ins_"),
            workload,
        });
    }
    if !rows.is_empty() && !checked {
        return Err("no check line (`go-sync check`): cannot prove Go used our keys".into());
    }
    Ok(rows)
}

/// The hasher type is `Send + Sync`, as every map here must be.
const _: fn() = || {
    fn sync<T: Sync + Send + BuildHasher>() {}
    sync::<Fold>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_streams_follow_the_anchor() {
        // The anchor's README: key0=157a3807a48faa9d.
        assert_eq!(key(0), 0x157a_3807_a48f_aa9d);
        let mut r = Rng::new(0);
        assert!((0..1000).all(|_| r.below(10) < 10));
    }

    #[test]
    fn histogram_buckets_round_down_within_one_128th() {
        for v in [0u64, 1, 1023, 1024, 5000, 1 << 20, 123_456_789] {
            let lo = Hist::lower(Hist::index(v));
            assert!(lo <= v && v - lo <= v / 128, "{v} -> {lo}");
        }
        let mut h = Hist::new();
        (1..=1000).for_each(|v| h.record(v));
        assert_eq!((h.pct(0.5), h.max), (500, 1000));
    }

    #[test]
    fn go_lines_merge_after_the_key_check() {
        let check: String = check_fields()
            .iter()
            .map(|(k, v)| format!("\t{k}={v}"))
            .collect();
        let text = format!(
            "lang=go{check}\tseq_ok=true\n\
             lang=go\timpl=syncmap\tworkload=read\tthreads=2\tmops=6.100\terrors=0\n"
        );
        let rows = parse_go(&text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].implementation.as_str(), rows[0].mops),
            ("go:syncmap", 6.1)
        );
        let bad = text.replace("key0=157a3807a48faa9d", "key0=0000000000000001");
        assert!(parse_go(&bad).unwrap_err().contains("not the same keys"));
        assert!(
            parse_go("lang=go\timpl=syncmap\tworkload=read\tthreads=1\tmops=1\terrors=0\n")
                .unwrap_err()
                .contains("no check line")
        );
    }
}
