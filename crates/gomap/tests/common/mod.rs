//! Helpers shared by the integration tests: a seeded random generator, the test-size knob, an
//! invariant checker built on `HashMap::stats()` / `snapshot()`, hashers of bad quality, and a
//! `Tracked` type that counts its instances and can be told to panic in `Hash`, `Eq`, `Clone`
//! or `Drop`; and in `ops` the operations of the differential specification.
//!
//! Each test file compiles this module separately and uses only part of it; the fuzz target
//! (`fuzz/fuzz_targets/map_ops.rs`) compiles it too, so it uses nothing but std and gomap.
#![allow(dead_code)]

pub(crate) mod ops;

use std::collections::HashSet as StdHashSet;
use std::hash::{BuildHasher, Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

use gomap::allocator::Allocator;
use gomap::HashMap;

// ---------------------------------------------------------------------------------------------
// Sizes.
// ---------------------------------------------------------------------------------------------

/// Whether `GOMAP_TEST_SCALE=small` asks for short runs (as `scripts/valgrind.sh` does).
pub(crate) fn small() -> bool {
    std::env::var("GOMAP_TEST_SCALE").is_ok_and(|s| s == "small")
}

/// `n`, or a twentieth of it (at least 1) when the tests run small.
pub(crate) fn scaled(n: usize) -> usize {
    if small() {
        (n / 20).max(1)
    } else {
        n
    }
}

// ---------------------------------------------------------------------------------------------
// A seeded random generator (splitmix64): reproducible runs without a dependency.
// ---------------------------------------------------------------------------------------------

/// splitmix64, the generator behind Go's and Java's seeding.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The splitmix64 finaliser: a good 64-bit mix.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------------------------
// Hashers of bad quality: the map must stay correct (only slower) with any of them.
// ---------------------------------------------------------------------------------------------

/// What a [`BadHasher`] keeps of a good hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Badness {
    /// Every key hashes to the same value: one chain holds everything.
    Constant,
    /// Only the lowest `n` bits survive: a few buckets, and every tophash the same.
    LowBits(u32),
    /// Only the top byte survives: every key lands in bucket 0, tophashes differ.
    TopByte,
}

/// A `BuildHasher` that mixes the bytes it is fed well, then throws most of the result away.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BadHasher(pub(crate) Badness);

/// The hasher of [`BadHasher`].
pub(crate) struct BadHasherState {
    badness: Badness,
    acc: u64,
}

impl BuildHasher for BadHasher {
    type Hasher = BadHasherState;
    fn build_hasher(&self) -> BadHasherState {
        BadHasherState {
            badness: self.0,
            acc: 0x1234_5678,
        }
    }
}

impl Hasher for BadHasherState {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.acc = mix64(self.acc ^ b as u64);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.acc = mix64(self.acc ^ n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.acc = mix64(self.acc ^ n);
    }
    fn finish(&self) -> u64 {
        match self.badness {
            Badness::Constant => 0xdead_beef_dead_beef,
            Badness::LowBits(n) => self.acc & ((1u64 << n) - 1),
            Badness::TopByte => self.acc & 0xff00_0000_0000_0000,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Invariants, checked through the introspection API after every step.
// ---------------------------------------------------------------------------------------------

/// What a step did, as far as the growth rules care.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Step {
    /// Inserted a new key or removed a present one: a write that must do grow work.
    pub(crate) write: bool,
    /// Added a key by any means.
    pub(crate) added: bool,
    /// Asked for capacity (`reserve`, `try_reserve`, `extend`): may start a grow of any
    /// power-of-two step up to 64x.
    pub(crate) reserve: bool,
    /// Asked to shrink (`shrink_to`, `shrink_to_fit`): may start shrinking steps, now or on
    /// later writes.
    pub(crate) shrink: bool,
}

/// A grow being watched.
#[derive(Clone, Copy, Debug)]
struct Watch {
    old_buckets: usize,
    buckets: usize,
    /// Units of evacuation: `min(old_buckets, buckets)`; the grow ends within this many writes.
    units: usize,
    /// Writes counted since the grow was first seen.
    writes: usize,
}

/// Checks a map's structural invariants after each step of a test, and that a grow, once seen,
/// finishes within `min(old_buckets, buckets)` writes (so within `old_buckets`).
///
/// The growth model (DESIGN.md, and `src/table/grow.rs`): a grow started by an insert doubles
/// (past 6.5 entries per bucket) or keeps the size (when overflow buckets piled up); `reserve`
/// may grow straight to its final size (up to 64x in one step); `shrink_to`/`shrink_to_fit`
/// shrink in steps of up to 64x. All of them are incremental.
///
/// What counts as a write for the growth bound is what the spec promises: an insert of a new key
/// or a removal of a present key (both do grow work first). Operations that end a grow at once
/// (`clear`, `drain`, `reserve`, `finish_growth`) simply end the watch.
#[derive(Debug, Default)]
pub(crate) struct Checker {
    watch: Option<Watch>,
    /// After a grow ends, keys added during it may leave the load above 6.5 per bucket (Go has
    /// the same slack) until the next new key starts a grow: at most one per unit.
    overfull_allowance: usize,
    /// A shrink was asked for at some point: shrinking grows may be seen.
    shrink_requested: bool,
    /// Grows seen starting, by kind.
    pub(crate) doubling_grows: usize,
    pub(crate) same_size_grows: usize,
    pub(crate) reserve_grows: usize,
    pub(crate) shrinks: usize,
    /// Steps checked.
    pub(crate) steps: usize,
    /// Run the O(buckets) checks (stats, iteration, snapshot) every this many steps; 0: adapt
    /// to the size (every `buckets / cheap_buckets` steps).
    sparse_every: usize,
    cheap_buckets: usize,
    last_capacity: usize,
}

impl Checker {
    /// A checker that runs every check after every step.
    pub(crate) fn new() -> Self {
        Checker {
            sparse_every: 1,
            ..Checker::default()
        }
    }

    /// A checker for big maps: the O(buckets) checks run every `max(1, buckets / 32)` steps (so
    /// they cost O(32) per step on average), and whenever the capacity changed (which every grow
    /// but a same-size one does). The growth bound is then checked at those points, counting
    /// writes from the step where the grow was first seen, which can only make it tighter.
    pub(crate) fn adaptive() -> Self {
        Checker {
            sparse_every: 0,
            cheap_buckets: 32,
            ..Checker::default()
        }
    }

    /// Checks `map` after a step that did `step`.
    #[track_caller]
    pub(crate) fn check<K, V, S, A: Allocator>(&mut self, map: &HashMap<K, V, S, A>, step: Step) {
        self.steps += 1;
        if step.added {
            self.overfull_allowance = 0;
        }
        if step.shrink {
            self.shrink_requested = true;
        }
        if let Some(w) = self.watch.as_mut() {
            if step.write {
                w.writes += 1;
            }
        }
        assert!(
            map.capacity() >= map.len(),
            "capacity() >= len(), as std: {} < {}",
            map.capacity(),
            map.len()
        );
        let capacity_changed = self.last_capacity != map.capacity();
        self.last_capacity = map.capacity();
        let buckets = map.capacity() * 2 / 13;
        let every = if self.sparse_every == 0 {
            (buckets / self.cheap_buckets.max(1)).max(1)
        } else {
            self.sparse_every
        };
        if capacity_changed || step.reserve || step.shrink || self.steps % every == 0 {
            self.full_check(map, step);
        }
    }

    #[track_caller]
    fn full_check<K, V, S, A: Allocator>(&mut self, map: &HashMap<K, V, S, A>, step: Step) {
        let s = map.stats();
        assert_eq!(s.len, map.len(), "stats().len");
        assert_eq!(s.capacity, map.capacity(), "stats().capacity");
        if s.buckets == 0 {
            assert_eq!(map.len(), 0, "a map without buckets holds nothing");
            assert_eq!(map.capacity(), 0);
            assert!(!s.growing);
        } else {
            assert_eq!(s.buckets, 1usize << s.log2_buckets, "buckets == 2^B");
        }
        if s.growing {
            self.check_grow(&s, step);
        } else {
            assert_eq!(s.old_buckets, 0);
            assert_eq!(s.nevacuate, 0);
            assert_eq!(s.evacuated, 0);
            assert!(!s.same_size_grow);
            if let Some(w) = self.watch.take() {
                self.overfull_allowance = w.units;
            }
            self.check_load(&s);
        }
        let hist_chains: usize = s.chain_histogram.iter().sum();
        let max = s.chain_histogram.iter().rposition(|&n| n > 0).unwrap_or(0);
        assert_eq!(max, s.max_chain, "max_chain agrees with the histogram");
        if !s.growing {
            assert_eq!(hist_chains, s.buckets, "every bucket heads one chain");
            let overflow: usize = s
                .chain_histogram
                .iter()
                .enumerate()
                .map(|(n, &c)| n.saturating_sub(1) * c)
                .sum();
            assert!(overflow <= s.overflow_buckets);
        }
        assert_eq!(map.iter().count(), map.len(), "iter().count() == len()");
        let snap = map.snapshot();
        assert_eq!(snap.log2_buckets, s.log2_buckets);
        assert_eq!(snap.buckets.len(), s.buckets);
        assert_eq!(snap.old.is_some(), s.growing);
        let live: usize = snap.buckets.iter().map(|c| c.live()).sum::<usize>()
            + snap
                .old
                .as_ref()
                .map_or(0, |o| o.chains.iter().map(|c| c.live()).sum());
        assert_eq!(live, map.len(), "snapshot live slots == len()");
    }

    #[track_caller]
    fn check_grow(&mut self, s: &gomap::introspect::Stats, step: Step) {
        let (old, new) = (s.old_buckets, s.buckets);
        assert!(old.is_power_of_two(), "{s:?}");
        assert_eq!(s.same_size_grow, old == new, "same_size_grow: {s:?}");
        assert!(
            new <= old * 64 && old <= new * 64,
            "at most 64x per grow: {s:?}"
        );
        let units = old.min(new);
        assert!(s.nevacuate < units, "nevacuate below the unit count: {s:?}");
        assert!(s.evacuated <= old);
        assert!(
            s.evacuated >= s.nevacuate,
            "every unit below nevacuate is evacuated: {s:?}"
        );
        let same = self
            .watch
            .is_some_and(|w| (w.old_buckets, w.buckets) == (old, new));
        if same {
            let w = self.watch.unwrap();
            assert!(
                w.writes < w.units,
                "a grow from {old} to {new} buckets is still under way after {} writes: {s:?}",
                w.writes
            );
            return;
        }
        // A grow seen for the first time.
        if new == old {
            self.same_size_grows += 1;
        } else if new == 2 * old {
            self.doubling_grows += 1;
        } else if new > old {
            assert!(
                step.reserve,
                "only reserve grows more than 2x (from {old} to {new}): {s:?}"
            );
            self.reserve_grows += 1;
        } else {
            assert!(
                self.shrink_requested,
                "a shrink (from {old} to {new}) nobody asked for: {s:?}"
            );
            self.shrinks += 1;
        }
        self.watch = Some(Watch {
            old_buckets: old,
            buckets: new,
            units,
            writes: 0,
        });
    }

    /// Not growing: the load is at most 6.5 per bucket (8 entries for a single bucket).
    ///
    /// One exception, inherited from Go: a grow that does not double (same size, or a shrink)
    /// starts with room for the entries of the moment, and more keys may arrive while it runs
    /// (at most one per unit of evacuation), so right after it ends the load may be higher, until
    /// the next new key starts a doubling grow.
    #[track_caller]
    fn check_load(&self, s: &gomap::introspect::Stats) {
        let limit = if s.buckets <= 1 {
            8
        } else {
            13 * s.buckets / 2
        };
        assert!(
            s.len <= limit + self.overfull_allowance,
            "load factor exceeded while not growing: {s:?} (allowance {})",
            self.overfull_allowance
        );
        if s.buckets == 0 {
            assert_eq!(s.capacity, 0);
        } else if self.shrink_requested {
            // A queued shrink lowers capacity() at once, to the size it will reach.
            assert!(s.capacity <= limit.max(s.len), "{s:?}");
        } else {
            assert_eq!(s.capacity, limit.max(s.len), "capacity: {s:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Tracked: a key/value type that accounts for every instance.
// ---------------------------------------------------------------------------------------------

/// Counts the instances of [`Tracked`] made against it, and holds the switches that make them
/// panic. Trackers are leaked on purpose (and kept reachable from a static, so leak checkers do
/// not report them): a `Tracked` holds a plain `&'static Tracker`, so even a double drop, which
/// the tests look for, cannot corrupt a reference count.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    next_serial: AtomicU64,
    created: AtomicUsize,
    dropped: AtomicUsize,
    dropped_serials: Mutex<StdHashSet<u64>>,
    double_drops: AtomicUsize,
    /// Hash panics for keys whose id is in `hash_panic_ids` while this is set.
    hash_panics: AtomicBool,
    hash_panic_ids: Mutex<Option<StdHashSet<u64>>>,
    /// Eq panics (either side) while set.
    eq_panics: AtomicBool,
    /// Clone panics when this countdown reaches zero (negative: never).
    clone_countdown: AtomicI64,
    /// Drop panics once, for the instance with this id (u64::MAX: none).
    drop_panic_id: AtomicU64,
    /// Drops that panicked.
    drop_panics: AtomicUsize,
}

static TRACKERS: Mutex<Vec<&'static Tracker>> = Mutex::new(Vec::new());

impl Tracker {
    /// A fresh tracker for one test.
    pub(crate) fn new() -> &'static Tracker {
        let t: &'static Tracker = Box::leak(Box::new(Tracker {
            clone_countdown: AtomicI64::new(-1),
            drop_panic_id: AtomicU64::new(u64::MAX),
            ..Tracker::default()
        }));
        TRACKERS.lock().unwrap().push(t);
        t
    }

    /// A new instance with `id` (which decides `Hash` and `Eq`).
    pub(crate) fn make(&'static self, id: u64) -> Tracked {
        self.created.fetch_add(1, SeqCst);
        Tracked {
            id,
            serial: self.next_serial.fetch_add(1, SeqCst),
            tracker: self,
        }
    }

    /// Instances made (including clones).
    pub(crate) fn created(&self) -> usize {
        self.created.load(SeqCst)
    }

    /// Instances dropped.
    pub(crate) fn dropped(&self) -> usize {
        self.dropped.load(SeqCst)
    }

    /// Instances alive: made and not yet dropped.
    pub(crate) fn live(&self) -> usize {
        self.created() - self.dropped()
    }

    /// Drops of an instance that was already dropped.
    pub(crate) fn double_drops(&self) -> usize {
        self.double_drops.load(SeqCst)
    }

    /// Asserts that nothing was dropped twice and that exactly `live` instances are alive.
    #[track_caller]
    pub(crate) fn assert_live(&self, live: usize) {
        assert_eq!(self.double_drops(), 0, "an instance was dropped twice");
        assert_eq!(self.live(), live, "live instances");
    }

    /// Makes `Hash` panic for the given ids (`None`: stop panicking).
    pub(crate) fn panic_in_hash_for(&self, ids: Option<StdHashSet<u64>>) {
        self.hash_panics.store(ids.is_some(), SeqCst);
        *self.hash_panic_ids.lock().unwrap() = ids;
    }

    /// Makes `Eq` panic (or stop panicking).
    pub(crate) fn panic_in_eq(&self, on: bool) {
        self.eq_panics.store(on, SeqCst);
    }

    /// Makes the `n`-th clone from now panic (0: the next one); `None`: never.
    pub(crate) fn panic_in_clone_after(&self, n: Option<i64>) {
        self.clone_countdown.store(n.unwrap_or(-1), SeqCst);
    }

    /// Makes the drop of the instance with `id` panic, once.
    pub(crate) fn panic_in_drop_of(&self, id: u64) {
        self.drop_panic_id.store(id, SeqCst);
    }

    /// Drops that panicked so far.
    pub(crate) fn drop_panics(&self) -> usize {
        self.drop_panics.load(SeqCst)
    }
}

/// A key or value that tells its [`Tracker`] when it is made, cloned and dropped. `Hash` and `Eq`
/// look only at `id`; `serial` tells instances apart.
#[derive(Debug)]
pub(crate) struct Tracked {
    pub(crate) id: u64,
    serial: u64,
    tracker: &'static Tracker,
}

impl Tracked {
    /// The instance's unique serial number.
    pub(crate) fn serial(&self) -> u64 {
        self.serial
    }
}

impl Hash for Tracked {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let t = self.tracker;
        if t.hash_panics.load(SeqCst) {
            let guard = t.hash_panic_ids.lock().unwrap();
            let hit = guard.as_ref().is_some_and(|ids| ids.contains(&self.id));
            drop(guard);
            if hit {
                panic!("Tracked::hash panics on command (id {})", self.id);
            }
        }
        self.id.hash(state);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        if self.tracker.eq_panics.load(SeqCst) {
            panic!("Tracked::eq panics on command");
        }
        self.id == other.id
    }
}
impl Eq for Tracked {}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        let t = self.tracker;
        let n = t.clone_countdown.load(SeqCst);
        if n == 0 {
            t.clone_countdown.store(-1, SeqCst);
            panic!("Tracked::clone panics on command (id {})", self.id);
        } else if n > 0 {
            t.clone_countdown.store(n - 1, SeqCst);
        }
        t.make(self.id)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let t = self.tracker;
        if !t.dropped_serials.lock().unwrap().insert(self.serial) {
            t.double_drops.fetch_add(1, SeqCst);
            return;
        }
        t.dropped.fetch_add(1, SeqCst);
        if t.drop_panic_id
            .compare_exchange(self.id, u64::MAX, SeqCst, SeqCst)
            .is_ok()
        {
            t.drop_panics.fetch_add(1, SeqCst);
            panic!("Tracked::drop panics on command (id {})", self.id);
        }
    }
}

/// Runs `f` and drops its result, catching a panic in either; returns whether one happened.
pub(crate) fn panics<R>(f: impl FnOnce() -> R) -> bool {
    catch_unwind(AssertUnwindSafe(|| drop(f()))).is_err()
}

/// Silences the default panic message for the panics the tests cause on purpose (the payloads
/// say "on command"); other panics are still reported.
pub(crate) fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.contains("on command") {
                default(info);
            }
        }));
    });
}

/// Inserts keys `next, next+1, ...` (made by `make`) until the map is growing, and returns how
/// many were inserted. Panics if no grow starts within `limit` inserts.
pub(crate) fn insert_until_growing<K, V, S, A: Allocator>(
    map: &mut HashMap<K, V, S, A>,
    limit: usize,
    mut make: impl FnMut() -> (K, V),
) -> usize
where
    K: Eq + Hash,
    S: BuildHasher,
{
    for n in 1..=limit {
        let (k, v) = make();
        map.insert(k, v);
        if map.stats().growing {
            return n;
        }
    }
    panic!("no grow started within {limit} inserts");
}

/// Inserts keys made by `make` until the map is in a doubling grow from at least
/// `min_old_buckets` buckets, and returns how many were inserted.
pub(crate) fn insert_until_big_grow<K, V, S, A: Allocator>(
    map: &mut HashMap<K, V, S, A>,
    min_old_buckets: usize,
    mut make: impl FnMut() -> (K, V),
) -> usize
where
    K: Eq + Hash,
    S: BuildHasher,
{
    let mut n = 0;
    loop {
        n += insert_until_growing(map, 10_000_000, &mut make);
        let s = map.stats();
        if s.old_buckets >= min_old_buckets && !s.same_size_grow {
            return n;
        }
    }
}

/// The contents of a gomap map, sorted.
pub(crate) fn sorted<K: Ord + Clone, V: Clone, S>(map: &HashMap<K, V, S>) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The contents of a std map, sorted.
pub(crate) fn sorted_std<K: Ord + Clone, V: Clone, S>(
    map: &std::collections::HashMap<K, V, S>,
) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
