//! The passes themselves: every operation timed alone between two clock reads, with the
//! bookkeeping (CPU clock, heap and capacity samples, progress) outside the timed region.

use std::hint::black_box;
use std::time::Instant;

use super::summary::{reduce, Summary, COLUMNS};
use super::{LatencyReport, MapKind, MapResult, OpResult};
use crate::alloc_counter;
use crate::keys;
use crate::progress;

/// The operations a measured map offers; one implementation per map, so each pass is
/// monomorphised and nothing but the map's own code runs between the two clock reads.
pub(super) trait Subject {
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

/// The calling thread's CPU time in ns (`CLOCK_THREAD_CPUTIME_ID`: precise, but a system call,
/// about 0.2-0.5 µs); `None` where it is not available.
#[cfg(unix)]
pub(super) fn thread_cpu_ns() -> Option<u64> {
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
pub(super) fn thread_cpu_ns() -> Option<u64> {
    None
}

/// Records, after each operation, the thread CPU time it used.
pub(super) struct CpuProbe<'a> {
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

/// Buffers allocated and written before any timing.
pub(super) struct Buffers {
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
pub(super) struct Recorder<'a, T> {
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
pub(super) struct Watch<'a> {
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
pub(super) fn ns32(d: std::time::Duration) -> u32 {
    u32::try_from(d.as_nanos()).unwrap_or(u32::MAX)
}

/// A heap drop during one operation at least this large counts as `heap freed`.
pub(super) const FREE_EVENT_BYTES: usize = 256 * 1024;

/// Heap bytes above `base` (saturating).
pub(super) fn heap_above(base: usize) -> usize {
    alloc_counter::live_bytes().saturating_sub(base)
}

/// Runs the four passes on one map type.
pub(super) fn measure<M: Subject>(
    kind: MapKind,
    keys: &[u64],
    remove_order: &[u64],
    windows: Option<&[(usize, usize)]>,
    buf: &mut Buffers,
    cpu_check: bool,
) -> MapResult {
    let n = keys.len();
    let step = (n / COLUMNS).max(1);
    // Progress in operations: n inserts, n removes, then n untimed inserts and n lookups.
    let bar = progress::bar(4 * n as u64, &format!("latency: {}", kind.name()));

    // Pass 1: inserts.
    let (insert, resizes, mem_insert, peak_heap, full_heap, mut map) = {
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
        let full_heap = heap_above(base);
        let resizes = watch.resizes.to_vec();
        let frees = watch.frees.to_vec();
        let mem_insert = watch.mem.to_vec();
        let insert = reduce(lat, probe.records(n), scratch, &resizes, &frees);
        (insert, resizes, mem_insert, peak_heap, full_heap, map)
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
                bar.set_position((2 * n + 2 * (i + 1)) as u64);
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
        peak_rss: None,
        full_heap,
        empty_heap,
    }
}

/// The timer pass: N empty intervals, timed exactly like the operations.
pub(super) fn measure_timer(n: usize, buf: &mut Buffers, cpu_check: bool) -> OpResult {
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
