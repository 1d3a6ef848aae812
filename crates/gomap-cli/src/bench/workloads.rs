//! The benchmark workloads, generic over the map ([`BenchMap`]) and the key type ([`BenchKey`]).
//!
//! This module is shared by `gomap bench` and the criterion benches (`benches/maps.rs` includes
//! it by path), so both time exactly the same code. It depends only on `crate::keys`.
//!
//! Every workload mirrors `../shared/anchors/go/main.go`: one *iteration* does `n` operations on
//! a map of `n` entries and returns only the timed part of its work, and [`measure`] repeats
//! iterations until at least `min_ns` of timed work has accumulated, giving ns per operation.
//! What is inside the timed region, per workload:
//!
//! - `insert_grow`: creating the empty map and the `n` inserts (keys moved in, value = index).
//!   Preparing the owned keys and dropping the full map are outside (Go's map is freed by its GC,
//!   outside the timed region too).
//! - `insert_presized`: the `n` inserts only; `with_capacity(n)` happens before the clock starts.
//! - `lookup_hit`: `n` lookups of the present keys, in the shuffled order, summing the values.
//! - `lookup_hit_batched` (not in the Go anchor): the same lookups as `lookup_hit`, handed to the
//!   map as one batch: gomap's pipelined `get_many`; for the other maps, their plain `get` loop
//!   (they offer nothing else), so the ratio is gomap's batch against their best.
//! - `lookup_miss`: `n` lookups of the absent keys.
//! - `remove`: removing all `n` keys in the shuffled order; the map is rebuilt by `n` inserts from
//!   empty before the clock starts (as Go rebuilds it; so it may be caught mid-growth, as Go's).
//!   Removed `String` keys are set aside and freed after the clock stops (Go's GC frees them later).
//! - `iterate`: summing all values by iteration.
//! - `churn` (not in the Go anchor): at constant size `n`, one operation removes the oldest key
//!   and inserts a new one (a sliding window over the `2n` keys: present then absent ones, reused
//!   cyclically). The map persists across iterations, so this is a steady state of deletes and
//!   inserts: it exercises gomap's same-size grow. Keys move between the map and a spare pool, so
//!   no allocation happens inside the timed region.

use std::hash::Hash;
use std::hint::black_box;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crate::keys;

/// A key type the workloads run on: `u64`, or `String` (the 16-byte hex form of the u64 keys).
pub(crate) trait BenchKey: Hash + Eq + Clone + 'static {
    /// The key type's name in results: `"u64"` or `"str"`.
    const NAME: &'static str;
    /// The key made from the shared u64 key stream.
    fn from_u64(k: u64) -> Self;
}

impl BenchKey for u64 {
    const NAME: &'static str = "u64";
    fn from_u64(k: u64) -> Self {
        k
    }
}

impl BenchKey for String {
    const NAME: &'static str = "str";
    fn from_u64(k: u64) -> Self {
        keys::hex16(k)
    }
}

/// The few map operations the workloads use, so one generic body measures every implementation.
pub(crate) trait BenchMap<K>: 'static {
    /// The implementation's name in results.
    const NAME: &'static str;
    /// An empty map with the implementation's default hasher.
    fn new() -> Self;
    /// An empty map with room for `n` entries.
    fn with_capacity(n: usize) -> Self;
    /// Inserts or overwrites.
    fn insert(&mut self, k: K, v: u64) -> Option<u64>;
    /// Looks a key up.
    fn get(&self, k: &K) -> Option<u64>;
    /// Removes a key, handing back the stored key and value.
    fn remove_entry(&mut self, k: &K) -> Option<(K, u64)>;
    /// The number of entries.
    fn len(&self) -> usize;
    /// The wrapping sum of all values, by iteration.
    fn sum_values(&self) -> u64;
    /// The wrapping sum of the values of `keys` (present ones), looked up as one batch.
    fn sum_batch(&self, keys: &[K]) -> u64;
}

/// How each map looks up a batch of keys: gomap's `get_many`, else a plain loop.
trait Batch<K> {
    fn sum_batch_impl(&self, keys: &[K]) -> u64;
}

impl<K: BenchKey> Batch<K> for GomapMap<K> {
    #[inline]
    fn sum_batch_impl(&self, keys: &[K]) -> u64 {
        self.get_many(keys)
            .fold(0u64, |a, v| a.wrapping_add(v.copied().unwrap_or(0)))
    }
}

macro_rules! plain_batch {
    ($ty:ty) => {
        impl<K: BenchKey> Batch<K> for $ty {
            #[inline]
            fn sum_batch_impl(&self, keys: &[K]) -> u64 {
                keys.iter().fold(0u64, |a, k| {
                    a.wrapping_add(self.get(k).copied().unwrap_or(0))
                })
            }
        }
    };
}
plain_batch!(HashbrownMap<K>);
plain_batch!(StdMap<K>);
plain_batch!(StdFoldMap<K>);

macro_rules! bench_map {
    ($ty:ty, $name:literal, $new:expr, $cap:expr) => {
        impl<K: BenchKey> BenchMap<K> for $ty {
            const NAME: &'static str = $name;
            #[inline]
            fn new() -> Self {
                $new
            }
            #[inline]
            fn with_capacity(n: usize) -> Self {
                $cap(n)
            }
            #[inline]
            fn insert(&mut self, k: K, v: u64) -> Option<u64> {
                <$ty>::insert(self, k, v)
            }
            #[inline]
            fn get(&self, k: &K) -> Option<u64> {
                <$ty>::get(self, k).copied()
            }
            #[inline]
            fn remove_entry(&mut self, k: &K) -> Option<(K, u64)> {
                <$ty>::remove_entry(self, k)
            }
            #[inline]
            fn len(&self) -> usize {
                <$ty>::len(self)
            }
            #[inline]
            fn sum_values(&self) -> u64 {
                self.values().fold(0u64, |a, &v| a.wrapping_add(v))
            }
            #[inline]
            fn sum_batch(&self, keys: &[K]) -> u64 {
                <$ty as Batch<K>>::sum_batch_impl(self, keys)
            }
        }
    };
}

/// gomap with its default hasher (foldhash, seeded per map).
pub(crate) type GomapMap<K> = gomap::HashMap<K, u64>;
/// hashbrown with its default hasher (foldhash).
pub(crate) type HashbrownMap<K> = hashbrown::HashMap<K, u64>;
/// std with its default hasher (SipHash-1-3, `RandomState`).
pub(crate) type StdMap<K> = std::collections::HashMap<K, u64>;
/// std with foldhash, to separate the table from the hash function.
pub(crate) type StdFoldMap<K> = std::collections::HashMap<K, u64, foldhash::fast::RandomState>;

bench_map!(
    GomapMap<K>,
    "gomap",
    GomapMap::new(),
    GomapMap::with_capacity
);
bench_map!(
    HashbrownMap<K>,
    "hashbrown",
    HashbrownMap::new(),
    HashbrownMap::with_capacity
);
bench_map!(StdMap<K>, "std", StdMap::new(), StdMap::with_capacity);
bench_map!(StdFoldMap<K>, "std+foldhash", StdFoldMap::default(), |n| {
    StdFoldMap::with_capacity_and_hasher(n, Default::default())
});

/// One of the workloads (see the module docs for what each times).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Workload {
    /// Insert `n` keys into a map that starts empty.
    InsertGrow,
    /// Insert `n` keys into a map made with `with_capacity(n)`.
    InsertPresized,
    /// Look up the `n` present keys in shuffled order.
    LookupHit,
    /// The same lookups as one batch (`get_many` for gomap).
    LookupHitBatched,
    /// Look up `n` absent keys.
    LookupMiss,
    /// Remove all `n` keys in shuffled order.
    Remove,
    /// Sum the values by iteration.
    Iterate,
    /// Remove one key and insert another, at constant size `n`.
    Churn,
}

impl Workload {
    /// Every workload, in the order they run and print.
    pub(crate) const ALL: [Workload; 8] = [
        Workload::InsertGrow,
        Workload::InsertPresized,
        Workload::LookupHit,
        Workload::LookupHitBatched,
        Workload::LookupMiss,
        Workload::Remove,
        Workload::Iterate,
        Workload::Churn,
    ];

    /// The workload's name, as in the Go anchor's results without the key-type prefix.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Workload::InsertGrow => "insert_grow",
            Workload::InsertPresized => "insert_presized",
            Workload::LookupHit => "lookup_hit",
            Workload::LookupHitBatched => "lookup_hit_batched",
            Workload::LookupMiss => "lookup_miss",
            Workload::Remove => "remove",
            Workload::Iterate => "iterate",
            Workload::Churn => "churn",
        }
    }

    /// Whether it reads the shared, prebuilt map of `n` entries.
    pub(crate) fn uses_base(self) -> bool {
        matches!(
            self,
            Workload::LookupHit
                | Workload::LookupHitBatched
                | Workload::LookupMiss
                | Workload::Iterate
        )
    }
}

/// The keys of one size: the same for every implementation.
pub(crate) struct KeySet<K> {
    /// The `n` present keys, in insertion order (value = index).
    pub(crate) hit: Vec<K>,
    /// `n` absent keys (separately allocated from `hit` when `K = String`).
    pub(crate) miss: Vec<K>,
    /// The present keys in shuffled order (separate allocations: no pointer-equality shortcut).
    pub(crate) query: Vec<K>,
    /// The sum of all values, `0 + 1 + ... + (n - 1)`.
    pub(crate) expect: u64,
}

impl<K: BenchKey> KeySet<K> {
    /// The keys of size `n`, from [`keys::gen_keys`] and [`keys::shuffled`].
    pub(crate) fn new(n: usize) -> Self {
        let (hit, miss) = keys::gen_keys(n);
        let query = keys::shuffled(&hit);
        KeySet {
            hit: hit.iter().map(|&k| K::from_u64(k)).collect(),
            miss: miss.iter().map(|&k| K::from_u64(k)).collect(),
            query: query.iter().map(|&k| K::from_u64(k)).collect(),
            expect: (0..n as u64).fold(0u64, |a, v| a.wrapping_add(v)),
        }
    }

    /// The number of present keys.
    pub(crate) fn n(&self) -> usize {
        self.hit.len()
    }

    /// Key `i` of the churn stream: the present keys, then the absent ones.
    #[inline]
    fn stream(&self, i: usize) -> &K {
        let n = self.hit.len();
        if i < n {
            &self.hit[i]
        } else {
            &self.miss[i - n]
        }
    }
}

/// A map of the `n` present keys, grown from empty by inserts (value = index).
pub(crate) fn build<K: BenchKey, M: BenchMap<K>>(keys: &KeySet<K>) -> M {
    let mut m = M::new();
    for (i, k) in keys.hit.iter().enumerate() {
        m.insert(k.clone(), i as u64);
    }
    m
}

/// The state of the churn workload: the map, and the keys that are not in it.
struct Churn<K, M> {
    map: M,
    /// `pool[i]` holds stream key `i` while it is not in the map.
    pool: Vec<Option<K>>,
    /// The oldest key in the map: the window is `pos .. pos + n` (mod `2n`).
    pos: usize,
}

/// Runs the workloads of one implementation `M` on one key set, keeping the maps that several
/// iterations share (the prebuilt map for lookups and iteration, the churn map).
pub(crate) struct Runner<K, M> {
    keys: Rc<KeySet<K>>,
    base: Option<M>,
    churn: Option<Churn<K, M>>,
}

/// A [`Runner`] with its types erased, so that `gomap bench` can interleave implementations.
pub(crate) trait DynRunner {
    /// One iteration of `w` (`n` operations); returns the timed part.
    fn one(&mut self, w: Workload) -> Duration;
    /// Drops the maps that no workload in `remaining` needs.
    fn release(&mut self, remaining: &[Workload]);
}

impl<K: BenchKey, M: BenchMap<K>> Runner<K, M> {
    /// A runner on `keys`; it builds nothing until a workload needs it.
    pub(crate) fn new(keys: Rc<KeySet<K>>) -> Self {
        Runner {
            keys,
            base: None,
            churn: None,
        }
    }

    /// One iteration of `w` (`n` operations); returns the timed part.
    ///
    /// # Panics
    /// If a map gives a wrong answer (a lost key, a wrong sum): the numbers would be meaningless.
    pub(crate) fn one(&mut self, w: Workload) -> Duration {
        match w {
            Workload::InsertGrow => self.insert(false),
            Workload::InsertPresized => self.insert(true),
            Workload::LookupHit => self.lookup_hit(),
            Workload::LookupHitBatched => self.lookup_hit_batched(),
            Workload::LookupMiss => self.lookup_miss(),
            Workload::Remove => self.remove(),
            Workload::Iterate => self.iterate(),
            Workload::Churn => self.churn(),
        }
    }

    fn base(&mut self) -> &M {
        let keys = &self.keys;
        self.base.get_or_insert_with(|| build(keys))
    }

    fn insert(&mut self, presized: bool) -> Duration {
        let n = self.keys.n();
        let mut owned: Vec<K> = self.keys.hit.clone();
        let d;
        let m = if presized {
            let mut m = M::with_capacity(n);
            let t = Instant::now();
            for (i, k) in owned.drain(..).enumerate() {
                m.insert(k, i as u64);
            }
            let m = black_box(m);
            d = t.elapsed();
            m
        } else {
            let t = Instant::now();
            let mut m = M::new();
            for (i, k) in owned.drain(..).enumerate() {
                m.insert(k, i as u64);
            }
            let m = black_box(m);
            d = t.elapsed();
            m
        };
        assert_eq!(m.len(), n, "{}: insert lost keys", M::NAME);
        d
    }

    fn lookup_hit_batched(&mut self) -> Duration {
        let keys = Rc::clone(&self.keys);
        let base = black_box(self.base());
        let t = Instant::now();
        let sum = black_box(base.sum_batch(&keys.query));
        let d = t.elapsed();
        assert_eq!(sum, keys.expect, "{}: lookup_hit_batched sum", M::NAME);
        d
    }

    fn lookup_hit(&mut self) -> Duration {
        let keys = Rc::clone(&self.keys);
        let base = black_box(self.base());
        let t = Instant::now();
        let mut sum = 0u64;
        for k in &keys.query {
            if let Some(v) = base.get(k) {
                sum = sum.wrapping_add(v);
            }
        }
        let sum = black_box(sum);
        let d = t.elapsed();
        assert_eq!(sum, keys.expect, "{}: lookup_hit sum", M::NAME);
        d
    }

    fn lookup_miss(&mut self) -> Duration {
        let keys = Rc::clone(&self.keys);
        let base = black_box(self.base());
        let t = Instant::now();
        let mut hits = 0u64;
        for k in &keys.miss {
            if let Some(v) = base.get(k) {
                hits = hits.wrapping_add(1 + v);
            }
        }
        let hits = black_box(hits);
        let d = t.elapsed();
        assert_eq!(hits, 0, "{}: lookup_miss found an absent key", M::NAME);
        d
    }

    fn remove(&mut self) -> Duration {
        let keys = &self.keys;
        let mut m: M = build(keys);
        let mut removed: Vec<K> = Vec::with_capacity(keys.n());
        let t = Instant::now();
        let mut sum = 0u64;
        for k in &keys.query {
            if let Some((k, v)) = m.remove_entry(k) {
                sum = sum.wrapping_add(v);
                if std::mem::needs_drop::<K>() {
                    removed.push(k);
                }
            }
        }
        let sum = black_box(sum);
        let d = t.elapsed();
        assert_eq!(m.len(), 0, "{}: remove left keys", M::NAME);
        assert_eq!(sum, keys.expect, "{}: remove sum", M::NAME);
        d
    }

    fn iterate(&mut self) -> Duration {
        let expect = self.keys.expect;
        let base = black_box(self.base());
        let t = Instant::now();
        let sum = black_box(base.sum_values());
        let d = t.elapsed();
        assert_eq!(sum, expect, "{}: iterate sum", M::NAME);
        d
    }

    fn churn(&mut self) -> Duration {
        let keys = Rc::clone(&self.keys);
        let n = keys.n();
        let c = self.churn.get_or_insert_with(|| {
            let map = build(&keys);
            let pool = (0..2 * n)
                .map(|i| (i >= n).then(|| keys.stream(i).clone()))
                .collect();
            Churn { map, pool, pos: 0 }
        });
        let t = Instant::now();
        let mut pos = c.pos;
        for _ in 0..n {
            let incoming = if pos + n < 2 * n { pos + n } else { pos - n };
            let (k, v) = c
                .map
                .remove_entry(keys.stream(pos))
                .expect("churn: a key in the window is missing");
            c.pool[pos] = Some(k);
            let k = c.pool[incoming].take().expect("churn: pool key missing");
            c.map.insert(k, v);
            pos = if pos + 1 == 2 * n { 0 } else { pos + 1 };
        }
        black_box(&c.map);
        let d = t.elapsed();
        c.pos = pos;
        assert_eq!(c.map.len(), n, "{}: churn changed the size", M::NAME);
        d
    }
}

impl<K: BenchKey, M: BenchMap<K>> DynRunner for Runner<K, M> {
    fn one(&mut self, w: Workload) -> Duration {
        Runner::one(self, w)
    }

    fn release(&mut self, remaining: &[Workload]) {
        if !remaining.iter().any(|w| w.uses_base()) {
            self.base = None;
        }
        if !remaining.contains(&Workload::Churn) {
            self.churn = None;
        }
    }
}

/// Runs `one` (returning the timed part of one iteration of `ops` operations) until at least
/// `min_ns` of timed work has accumulated, as the Go anchor's `measure` does; returns ns per
/// operation and the number of iterations.
pub(crate) fn measure(min_ns: u64, ops: usize, mut one: impl FnMut() -> Duration) -> (f64, u64) {
    let mut total: u128 = 0;
    let mut iters: u64 = 0;
    while iters == 0 || total < u128::from(min_ns) {
        total += one().as_nanos();
        iters += 1;
    }
    (total as f64 / (iters as f64 * ops as f64), iters)
}
