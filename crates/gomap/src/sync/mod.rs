//! [`SyncMap`]: Go's `sync.Map` for Rust (feature `sync`), with lock-free reads and no O(n) step.
//!
//! ```
//! use gomap::sync::SyncMap;
//! use std::thread;
//!
//! let map = SyncMap::new();
//! thread::scope(|s| {
//!     for t in 0..4u64 {
//!         let map = &map;
//!         s.spawn(move || {
//!             for i in 0..100 {
//!                 map.insert(t * 1000 + i, i);
//!             }
//!         });
//!     }
//! });
//! assert_eq!(map.len(), 400);
//! assert_eq!(*map.get(&3042).unwrap(), 42);
//! assert_eq!(map.get_cloned(&7), Some(7));
//! ```
//!
//! ## The design
//!
//! Go's `sync.Map` keeps a **read map**, published through one atomic pointer and read without a
//! lock, and a **dirty map** behind a mutex that holds the new keys; both map a key to the same
//! *entry*, whose value pointer is updated with atomics, so that reading, replacing or removing
//! an existing key never locks. After enough misses the dirty map is promoted to be the read
//! map, and the next new key copies the whole read map into a new dirty map. Its faults, which
//! this map does not have:
//! - **The copy after a promotion is O(n) in one call** (0.54 s growing to 4M keys).
//! - **Every absent-key lookup takes the mutex** once any new key exists (its `amended` flag,
//!   golang/go#21032), and so does every read of a key stored since the last promotion.
//! - **Every new key serialises on one mutex** (golang/go#21035).
//!
//! Here the map is split in **shards** by hash (128 per available core, rounded to a power of
//! two, at most 256), each with one **table** of 8-byte slots (a 16-bit tag of the hash and the
//! node's pointer, linear probing) and a mutex. That many shards, because a shard's lock is held while an
//! insert's first write to a fresh page faults it in (a few microseconds), and a waiter that
//! goes to sleep costs more: two threads growing a map to 4M keys made 2.1 Mop/s with 8
//! shards, 3.0 with 64 and 4.9 with 256 (`gomap bench --concurrent --workloads grow`, 2 cores;
//! one thread: 2.4-2.5 with each). An empty map costs about 100 KiB (256-byte shards, each
//! with its own arena and writer state). A **node** holds a key and an atomic pointer to its value (a
//! value type without drop glue starts out inline in the node), as Go's entry does.
//! - **Reads never lock.** A lookup probes the shard's published table and reads the node's
//!   value pointer; an absent key ends at an empty slot. New keys are visible to readers as soon
//!   as they are stored, absent keys never take a lock, and there is no promotion to wait for.
//! - **Existing keys are updated in place** without a lock: `insert`, `swap`, `remove` and the
//!   `compare_and_*` methods compare-and-swap the node's value pointer (a remove stores null).
//! - **New keys are appended in place** by the shard's lock holder: a slot is written once (one
//!   word, with release ordering) and never changed, so readers probing the
//!   same table concurrently see either the empty slot or the whole entry. Reviving a removed
//!   key's node also takes the lock (it counts as an addition for the table's sizing).
//! - **Tables are replaced incrementally**, as gomap's own table evacuates: once a table is 5/8
//!   full (removed nodes included), the next table is allocated (zeroed pages: O(1)) for the live
//!   entries and the migration's additions at half full at most (so that a map whose keys come
//!   and go at a steady size does not migrate all the time: at 1M keys replaced one by one, 13%
//!   of shards migrating instead of 52%, an insert and a remove 378 ns instead of 509), so it
//!   may be smaller, and every addition then visits 8 slots of the
//!   published table: a live node is copied, a removed one is *expunged* (its value pointer set
//!   to a mark that writers holding it see, so they look again) and left out. Nodes added
//!   meanwhile go into both tables. When every slot was visited the next table is published in
//!   one pointer swap. No call does more than this bounded work, and a map whose keys come and
//!   go neither grows without bound nor keeps its dead nodes past one migration.
//! - **No user code under a lock.** Hashes are computed and keys compared before locking: an
//!   insert probes lock-free, compares its key with each node of its hash, and under the lock
//!   only checks (by pointer) that the table and that set of nodes are unchanged before it
//!   appends; otherwise it looks again. Values are dropped by the collector, never under the
//!   lock. A panic in `Hash`, `Eq`, `Clone`, a closure or a `Drop` therefore leaves every lock
//!   free and the map consistent. A value or key dropped by the collector (not by your call)
//!   that panics has its panic caught there (the panic hook still reports it).
//! - Nodes are carved out of a per-shard arena (chunks doubling from 32 nodes up to 2 MiB), not
//!   allocated one by one: an insert allocates nothing in the common case, and nodes sit densely
//!   (a `u64 -> u64` node is 32 bytes). A freed node (through the collector) returns to the
//!   arena's free list for the shard's next inserts; the chunks go back to the OS when the map,
//!   and every deferred free still pending, are gone. So a map keeps the node memory of its
//!   largest size until it is dropped (`clear` included).
//!
//! Why not Go's read/dirty pair: it was built first (2026-11/12), with the dirty map rebuilt
//! incrementally and a per-read-map filter for absent keys. Every new key then cost a node copy
//! into the next dirty map per promotion cycle, plus the promotion's bookkeeping, and reads of
//! new keys locked until the next promotion; with one table appended in place, `gomap bench
//! --concurrent` went from 4.1 to 5.3 Mop/s on mixed and from 8.3 to 9.5 on read at one thread
//! (the same run's best other map: 16 and 20). Why not gomap's own table: a published table
//! must never move an entry that a reader may be probing for, which in-place incremental growth
//! does; and a hit through tags, slot and node cost three dependent cache misses instead of two.
//!
//! ## Reclamation: crossbeam-epoch
//!
//! Replaced values, removed nodes and replaced tables are freed by
//! [crossbeam-epoch](https://docs.rs/crossbeam-epoch): each operation pins the current thread
//! (a [`Guard`]), and memory unlinked while some thread is pinned is freed only after it unpins.
//! Chosen over seize (papaya's) and arc-swap because it is already in the dependency tree of
//! gomap's `rayon` feature, it is the most used of them, it has a loom build (the models in
//! `tests/sync_loom.rs` run the real collector), and its pin writes only the pinning thread's
//! own record: a read hit costs one thread-local increment and a fence, and no reference count
//! on a shared line (arc-swap's fallback path and `Arc` clones do write one). seize's pin,
//! measured the same way, was 12-17 ns against crossbeam's 15-20 (a loop of pin + one load):
//! not enough to give up the loom models.
//! What a read hit costs, measured at 1M `u64` keys on a 2-core KVM guest (a loop of
//! `get_cloned` against one of `get_with` under a held guard, and `perf`): two dependent cache
//! misses, the table slot and then the node (the node's about twice the slot's), and the pin,
//! about 16 ns, whose `SeqCst` fence (a locked instruction on x86) also waits for the previous
//! operation's misses. dashmap's and `RwLock`'s reads pay one such locked instruction too, but
//! their tables keep one cache miss per hit (the control bytes stay in L2), so a SyncMap hit is
//! about 2x slower than theirs at one thread. The node hop is Go's design (the entry that
//! readers and writers share); removing it would take the key and value cells in the table's
//! slots, moved into the next table by the migration behind a forwarding mark that writers
//! follow. That is not built; `sync_probe` models it (`inline32`: 32-byte cells with the hash,
//! key, value pointer and inline value, at the same load). At 1M keys on a 2-core VM whose
//! dependent load costs ~140 ns past 16 MiB, two runs, ns per hit: `inline32` 58 / 65 without
//! a pin and 73 / 82 with one crossbeam pin per lookup, against dashmap's `get` 67 / 75 and
//! `get_cloned` 124 / 124 (the model of today's layout with a pin, `model8+pin`, 121 / 125,
//! reproduces it). seize's pin (with its `fast-barrier`: a compiler fence on the read side) cost
//! the same there (`model8+seize` 129 / 123). So with one pin per read, no layout makes a
//! one-thread read hit here as fast as dashmap's; an inline layout under a held guard
//! (`get_with`) would be. Tried on the read path and dropped, each measured with a loop of
//! `get_with` under a held guard at 1M keys against gomap's `HashMap::get` in the same process:
//! probing groups of four slots aligned to a line (97 -> 155 ns: coarser home positions
//! cluster more), a branch-free four-slot window at the home slot (82 -> 116 ns), transparent
//! huge pages for tables and nodes (78 -> 75 ns, not worth a huge-page fault's stall under a
//! lock). Explained since (`examples/sync_probe.rs`, one process): on this VM one dependent
//! load costs ~37 ns within 4 MiB, ~48 within 16 MiB and ~155-180 ns past 64 MiB, so a hit's two
//! dependent misses are ~300 ns of latency, and the measured 60-100 ns per lookup is that
//! latency divided by the lookups the core keeps in flight at once. Throughput then follows
//! the instructions per lookup (the window) and the table's size (how many slot loads stay in
//! the L3); a safe-code model of the same path (`model16` there) reproduces the figures, where
//! the earlier synthetic chase (~20 instructions a lookup, 33 ns) kept far more in flight.
//! Hence the 8-byte slots (see `index`) and the prefetch of the home slot before the pin.
//! Because deferred drops may run on another thread and later, keys and values must be
//! `Send + 'static`.
//!
//! ## Memory model
//!
//! As Go's: every write (`insert`, `get_or_insert*` storing, `remove`, `swap`,
//! `compare_and_*` succeeding, `clear`) *happens before* any operation that observes its effect,
//! so what was written to a value before it was stored is visible to the thread that reads it.
//! Every operation is linearizable per key. `len` is exact when no write runs concurrently.
//! `iter`, `retain` and `snapshot` visit each key at most once and see every key that was present
//! throughout the call; for a key changed during the call they may see any of its values.
//!
//! ## Costs
//!
//! n is the shard's size, c the number of shards. Every addition (a new key, or a removed key
//! stored again) may add O(1) bounded work: visiting 8 slots of a migration, handing 4 nodes to
//! the collector, a new arena chunk or table (zeroed mappings).
//!
//! | method | cost | lock |
//! |---|---|---|
//! | `get`, `get_cloned`, `contains_key`, present or absent | O(1) | none |
//! | `insert`, `swap`, `remove`, `compare_and_*` of a present key | O(1) | none |
//! | `insert`, `get_or_insert*` of a new or removed key | O(1) | the shard's, once (again on a race) |
//! | `len`, `is_empty` | O(c) | none |
//! | `iter`, `retain`, `snapshot`, `Debug`, serialising | O(n) | none |
//! | `clear` | O(n) | the shard's, O(1) under it |
//!
//! ## What a read writes to shared memory
//!
//! A `get` loads the table pointer (alone on its cache line: the shard's lock word and counter,
//! which writers change, are on other lines), the table's slot and the node (which holds an
//! inline value, or points to the value's box): reads only. It writes nothing that another
//! thread reads in the read path: the epoch pin writes the thread's own participant record (a
//! cache line no other thread writes), and every 128th pin of a thread tries to advance the
//! global epoch, which reads every participant's record and, when they all are current, writes
//! the global epoch word once. So the read path's lines stay shared in every core's cache: past
//! 2 cores, reads scale with the number of cores (no line ping-pongs), unlike a reader-writer
//! lock or dashmap's shard locks, whose every read writes a shared lock word. What does not
//! scale is what Go's design does not scale either: new keys serialise per shard (on c shards,
//! new-key inserts from many cores contend about c times less than on Go's single mutex), and a
//! new key's slot write invalidates that slot's line in the readers' caches.

mod arena;
mod index;
mod prims;
mod shard;

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;

use equivalent::Equivalent;

use crate::hash::DefaultHashBuilder;
use shard::{Located, Node, Pending, Shard, Slot};

#[cfg(feature = "serde")]
mod serde;

/// Hands this thread's deferred frees (values and nodes a [`SyncMap`] unlinked) to the global
/// collector and frees those that no pinned thread can still see. Never needed for correctness
/// (the collector does this on its own every so many pins); useful before measuring memory, or in
/// tests that count drops. O(frees run).
pub fn reclaim() {
    crossbeam_epoch::pin().flush();
}

/// A pinned epoch: while it lives, nothing that was reachable from a [`SyncMap`] when it was
/// made is freed. Made by [`SyncMap::guard`]; needed by [`SyncMap::iter`] and
/// [`SyncMap::get_with`]. Holding one for long delays reclamation (memory grows), never
/// correctness. Not `Send`: a guard belongs to its thread.
pub struct Guard {
    inner: crossbeam_epoch::Guard,
}

impl fmt::Debug for Guard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Guard { .. }")
    }
}

/// A reference to a value in a [`SyncMap`], with the guard that keeps it alive (see [`Guard`]).
/// The value may be replaced or removed from the map meanwhile; the reference still reads the
/// value it was given.
pub struct Ref<'m, V> {
    _guard: crossbeam_epoch::Guard,
    value: NonNull<V>,
    _map: PhantomData<&'m V>,
}

impl<V> Deref for Ref<'_, V> {
    type Target = V;
    fn deref(&self) -> &V {
        // SAFETY: the pointer is a value box that was reachable when the guard was pinned; the
        // collector frees it only after the guard we own is dropped.
        unsafe { self.value.as_ref() }
    }
}

impl<V: fmt::Debug> fmt::Debug for Ref<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<V: PartialEq> PartialEq<V> for Ref<'_, V> {
    fn eq(&self, other: &V) -> bool {
        **self == *other
    }
}

/// A concurrent hash map with Go's `sync.Map` design: lock-free reads and in-place updates of
/// existing keys, new keys under a per-shard mutex, no O(n) step. See the [module
/// docs](self) for the design, memory model and costs.
///
/// Keys and values must be `Send + 'static` for the map to be used: replaced and removed values
/// are dropped by the epoch collector, possibly on another thread and later. The map is `Send`
/// when `K`, `V` and `S` are, and `Sync` when `K` and `V` are also `Sync` and `S` is `Sync`:
///
/// ```compile_fail
/// // `Rc` is neither `Send` nor `Sync`: no thread may share it.
/// fn shared<T: Sync>(_: &T) {}
/// shared(&gomap::sync::SyncMap::<u32, std::rc::Rc<u32>>::new());
/// ```
///
/// ```compile_fail
/// // `Cell` is `Send` but not `Sync`: readers on two threads would share one.
/// fn shared<T: Sync>(_: &T) {}
/// shared(&gomap::sync::SyncMap::<u32, std::cell::Cell<u32>>::new());
/// ```
pub struct SyncMap<K, V, S = DefaultHashBuilder> {
    shards: Box<[Padded<Shard<K, V>>]>,
    /// A shard is `fold(hash) >> shift & mask`.
    shift: u32,
    mask: usize,
    hasher: S,
}

/// Keeps each shard's hot words on its own cache lines.
#[repr(align(128))]
struct Padded<T>(T);

// SAFETY: moving the map moves ownership of its nodes, keys and values (all `Send`); the raw
// node pointers are owned by the map's shards only. No `Ref` can outlive the move (it borrows
// the map).
unsafe impl<K: Send, V: Send, S: Send> Send for SyncMap<K, V, S> {}
// SAFETY: through `&SyncMap` threads insert keys and values (moved in: `Send`), share `&K` and
// `&V` across threads (`Sync`), and drop them on whatever thread removes or reclaims them
// (`Send`); the internals are atomics and a mutex.
unsafe impl<K: Send + Sync, V: Send + Sync, S: Sync> Sync for SyncMap<K, V, S> {}

impl<K, V> SyncMap<K, V, DefaultHashBuilder> {
    /// An empty map with the default hasher. Allocates the shards (up to 256, about 100 KiB in
    /// all: see the module docs), each with an empty table (no slots).
    pub fn new() -> Self {
        Self::with_hasher(DefaultHashBuilder::default())
    }
}

impl<K, V, S> SyncMap<K, V, S> {
    /// An empty map hashing with `hasher`.
    pub fn with_hasher(hasher: S) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        // One shard under loom: the models then reach migrations in few steps.
        let count = if cfg!(loom) {
            1
        } else {
            (cores * 128).next_power_of_two().min(256)
        };
        let shards = (0..count).map(|_| Padded(Shard::new())).collect();
        SyncMap {
            shards,
            shift: (64 - count.trailing_zeros()).min(63),
            mask: count - 1,
            hasher,
        }
    }

    /// The map's hasher.
    pub fn hasher(&self) -> &S {
        &self.hasher
    }

    /// Pins the current thread: see [`Guard`]. O(1).
    pub fn guard(&self) -> Guard {
        Guard {
            inner: crossbeam_epoch::pin(),
        }
    }

    /// The number of entries: exact when no write runs concurrently. O(shards).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.len()).sum()
    }

    /// The shards' table figures (see [`SyncStats`]), each shard's read under its lock in
    /// turn. O(shards).
    ///
    /// ```
    /// let map: gomap::sync::SyncMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// let stats = map.stats();
    /// assert_eq!(stats.len, 1000);
    /// assert!(stats.used >= 1000 && stats.used * 4 <= stats.slots * 3);
    /// ```
    pub fn stats(&self) -> SyncStats {
        let mut st = SyncStats {
            shards: self.shards.len(),
            len: self.len(),
            slots: 0,
            used: 0,
            max_load: 0.0,
            migrating: 0,
            next_slots: 0,
            visited: 0,
        };
        for s in self.shards.iter() {
            let (cap, used, next) = s.0.table_stats();
            st.slots += cap;
            st.used += used;
            if cap > 0 {
                st.max_load = st.max_load.max(used as f64 / cap as f64);
            }
            if let Some((next_cap, visited)) = next {
                st.migrating += 1;
                st.next_slots += next_cap;
                st.visited += visited;
            }
        }
        st
    }

    /// Whether the map holds no entry (see [`SyncMap::len`]). O(shards).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    fn shard(&self, hash: u64) -> &Shard<K, V> {
        // The top bits of a second spread of the hash (the table's probe start uses another);
        // with one shard, `shift` is 63 and the mask 0.
        let i = (shard::fold(hash, 0x2545_f491_4f6c_dd1d) >> self.shift) as usize & self.mask;
        &self.shards[i].0
    }
}

impl<K, V, S> SyncMap<K, V, S>
where
    K: Eq + Hash + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    #[inline]
    fn hash<Q: ?Sized + Hash>(&self, key: &Q) -> u64 {
        self.hasher.hash_one(key)
    }

    /// A reference to the value of `key`. O(1); takes no lock and writes no shared memory (see
    /// the module docs). The `Ref` keeps the value alive, not the map
    /// locked: other threads may replace or remove it meanwhile.
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// map.insert("a", 1);
    /// assert_eq!(*map.get("a").unwrap(), 1);
    /// assert!(map.get("b").is_none());
    /// ```
    pub fn get<Q>(&self, key: &Q) -> Option<Ref<'_, V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let (hash, shard) = self.locate_prefetched(key);
        let guard = crossbeam_epoch::pin();
        let value = NonNull::from(self.present(shard, hash, key, &guard)?);
        Some(Ref {
            _guard: guard,
            value,
            _map: PhantomData,
        })
    }

    /// [`SyncMap::get`] under a guard you hold: saves the pin when you do many reads. O(1).
    ///
    /// ```
    /// let map: gomap::sync::SyncMap<u32, u32> = (0..10).map(|i| (i, i * i)).collect();
    /// let guard = map.guard();
    /// let sum: u32 = (0..10).filter_map(|i| map.get_with(&i, &guard)).sum();
    /// assert_eq!(sum, 285);
    /// ```
    pub fn get_with<'g, Q>(&'g self, key: &Q, guard: &'g Guard) -> Option<&'g V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.get_in(key, &guard.inner)
    }

    #[inline]
    fn get_in<'g, Q>(&'g self, key: &Q, guard: &'g crossbeam_epoch::Guard) -> Option<&'g V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let hash = self.hash(key);
        self.present(self.shard(hash), hash, key, guard)
    }

    /// The hash and shard of `key`, with its home slot's cache line already on its way: done
    /// before a read pins, the pin's locked instruction (which makes later loads wait) then
    /// overlaps that miss. At 1M keys, one thread: `get_cloned` 95 -> 83 ns, medians of five
    /// interleaved runs of `examples/sync_probe.rs` per build (`get_with`, which does not pin,
    /// unchanged at 70-71).
    #[inline]
    fn locate_prefetched<Q>(&self, key: &Q) -> (u64, &Shard<K, V>)
    where
        Q: ?Sized + Hash,
    {
        let hash = self.hash(key);
        let shard = self.shard(hash);
        shard.prefetch_home(hash);
        (hash, shard)
    }

    /// A clone of the value of `key` (the clone runs outside any lock). O(1) plus the clone.
    pub fn get_cloned<Q>(&self, key: &Q) -> Option<V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: Clone,
    {
        let (hash, shard) = self.locate_prefetched(key);
        let guard = crossbeam_epoch::pin();
        self.present(shard, hash, key, &guard).cloned()
    }

    /// Whether `key` is present. O(1), as [`SyncMap::get`].
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let (hash, shard) = self.locate_prefetched(key);
        let guard = crossbeam_epoch::pin();
        self.present(shard, hash, key, &guard).is_some()
    }

    /// Stores `value` for `key` (Go's `Store`/`Swap`), returning the value it replaced. The old
    /// value is dropped after the returned `Ref` and every reader that could see it are done.
    /// O(1): an existing key is updated with one compare-and-swap, a new (or removed) key takes
    /// its shard's lock once.
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// assert!(map.insert(1, "one").is_none());
    /// assert_eq!(*map.insert(1, "uno").unwrap(), "one");
    /// assert_eq!(*map.get(&1).unwrap(), "uno");
    /// ```
    pub fn insert(&self, key: K, value: V) -> Option<Ref<'_, V>> {
        let guard = crossbeam_epoch::pin();
        let hash = self.hash(&key);
        let shard = self.shard(hash);
        let mut pending = Pending::new(hash, key, value);
        loop {
            match shard.locate(hash, pending.key(), &guard) {
                Located::Node(n) => {
                    let new = pending.boxed_value_ptr();
                    loop {
                        match n.load(&guard) {
                            Slot::Expunged => break,
                            Slot::Removed => {
                                if shard.revive(n, new, &guard).is_ok() {
                                    pending.value_moved();
                                    return None;
                                }
                            }
                            Slot::Present(_, current) => {
                                if n.cas(current, new).is_ok() {
                                    pending.value_moved();
                                    let old = Self::replaced(n, current, &guard);
                                    return Some(self.value_ref(old, guard));
                                }
                            }
                        }
                    }
                }
                Located::Absent(proof) => match shard.insert_new(pending, &proof, &guard) {
                    Ok(_) => return None,
                    Err(p) => pending = p,
                },
            }
        }
    }

    /// After the value `current` was swapped out of `node` by this thread: hands it to the
    /// collector and returns it (alive while `guard` is).
    fn replaced(node: &Node<K, V>, current: *mut V, guard: &crossbeam_epoch::Guard) -> *mut V {
        // SAFETY: `current` was the node's value and we swapped it out, so we alone hand it to
        // the collector; readers pinned now (our guard among them) may still read it. `K` and
        // `V` are `Send + 'static` (this impl's bounds).
        unsafe { node.retire(guard, current) };
        current
    }

    /// The value of `key`, storing `value` first if the key is absent (Go's `LoadOrStore`).
    /// Returns the value now in the map and whether it is the one given. When the key exists,
    /// `key` and `value` are dropped (outside any lock). O(1).
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// assert_eq!(map.get_or_insert("k", 1).1, true);
    /// let (v, inserted) = map.get_or_insert("k", 2);
    /// assert_eq!((*v, inserted), (1, false));
    /// ```
    pub fn get_or_insert(&self, key: K, value: V) -> (Ref<'_, V>, bool) {
        let hash = self.hash(&key);
        self.get_or_insert_pending(Pending::new(hash, key, value))
    }

    /// Like [`SyncMap::get_or_insert`], calling `make` only when the key is absent (outside any
    /// lock; if another thread stores the key meanwhile, that value wins and `make`'s is
    /// dropped). A panic in `make` leaves the map unchanged. O(1) plus `make`.
    pub fn get_or_insert_with<F: FnOnce() -> V>(&self, key: K, make: F) -> (Ref<'_, V>, bool) {
        let guard = crossbeam_epoch::pin();
        let hash = self.hash(&key);
        let shard = self.shard(hash);
        if let Some(v) = self.present(shard, hash, &key, &guard) {
            let value = NonNull::from(v).as_ptr();
            drop(key);
            return (self.value_ref(value, guard), false);
        }
        drop(guard);
        self.get_or_insert_pending(Pending::new(hash, key, make()))
    }

    /// The present value of `key`, read without a lock.
    #[inline]
    fn present<'g, Q>(
        &self,
        shard: &Shard<K, V>,
        hash: u64,
        key: &Q,
        guard: &'g crossbeam_epoch::Guard,
    ) -> Option<&'g V>
    where
        Q: ?Sized + Equivalent<K>,
    {
        shard.read_value(hash, key, guard)
    }

    fn get_or_insert_pending(&self, mut pending: Pending<K, V>) -> (Ref<'_, V>, bool) {
        let guard = crossbeam_epoch::pin();
        let hash = pending.node_hash();
        let shard = self.shard(hash);
        loop {
            match shard.locate(hash, pending.key(), &guard) {
                Located::Node(n) => loop {
                    match n.load(&guard) {
                        Slot::Expunged => break,
                        Slot::Present(_, p) => {
                            drop(pending);
                            return (self.value_ref(p, guard), false);
                        }
                        Slot::Removed => {
                            let new = pending.boxed_value_ptr();
                            if shard.revive(n, new, &guard).is_ok() {
                                pending.value_moved();
                                return (self.value_ref(new, guard), true);
                            }
                        }
                    }
                },
                Located::Absent(proof) => match shard.insert_new(pending, &proof, &guard) {
                    Ok((_, new)) => return (self.value_ref(new, guard), true),
                    Err(p) => pending = p,
                },
            }
        }
    }

    fn value_ref(&self, value: *mut V, guard: crossbeam_epoch::Guard) -> Ref<'_, V> {
        Ref {
            _guard: guard,
            // The pointer of a box we stored: never null.
            value: NonNull::new(value).expect("a stored value box is not null"),
            _map: PhantomData,
        }
    }

    /// Removes `key`, returning its value (Go's `LoadAndDelete`). O(1), lock-free: one
    /// compare-and-swap on the key's node.
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// map.insert(5, 'x');
    /// assert_eq!(*map.remove(&5).unwrap(), 'x');
    /// assert!(map.remove(&5).is_none());
    /// ```
    pub fn remove<Q>(&self, key: &Q) -> Option<Ref<'_, V>>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.remove_if(key, |_| true).ok().flatten()
    }

    /// Removes `key` if `keep_going(value)` says so, retrying on a race. Ok(None): absent;
    /// Err(()): the predicate refused.
    fn remove_if<Q>(
        &self,
        key: &Q,
        mut pred: impl FnMut(&V) -> bool,
    ) -> Result<Option<Ref<'_, V>>, ()>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let guard = crossbeam_epoch::pin();
        let hash = self.hash(key);
        let shard = self.shard(hash);
        loop {
            let n = match shard.node(hash, key, &guard) {
                None => return Ok(None),
                Some(n) => n,
            };
            loop {
                match n.load(&guard) {
                    Slot::Expunged => break,
                    Slot::Removed => return Ok(None),
                    Slot::Present(v, p) => {
                        if !pred(v) {
                            return Err(());
                        }
                        if n.cas(p, core::ptr::null_mut()).is_ok() {
                            shard.count_removed();
                            let old = Self::replaced(n, p, &guard);
                            return Ok(Some(self.value_ref(old, guard)));
                        }
                    }
                }
            }
        }
    }

    /// Replaces the value of `key` only if the key is present, returning the old value; gives
    /// `value` back when the key is absent. O(1).
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// assert_eq!(map.swap(&1, 10).unwrap_err(), 10);
    /// map.insert(1, 1);
    /// assert_eq!(*map.swap(&1, 10).unwrap(), 1);
    /// ```
    pub fn swap<Q>(&self, key: &Q, value: V) -> Result<Ref<'_, V>, V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        self.replace_if(key, value, |_| true)
    }

    /// Replaces the value of `key` with `new` if it equals `current` (Go's `CompareAndSwap`),
    /// returning the replaced value, or `new` back. `PartialEq` runs outside any lock. O(1).
    ///
    /// ```
    /// let map = gomap::sync::SyncMap::new();
    /// map.insert("k", 1);
    /// assert_eq!(map.compare_and_swap("k", &2, 3).unwrap_err(), 3);
    /// assert_eq!(*map.compare_and_swap("k", &1, 3).unwrap(), 1);
    /// ```
    pub fn compare_and_swap<Q>(&self, key: &Q, current: &V, new: V) -> Result<Ref<'_, V>, V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: PartialEq,
    {
        self.replace_if(key, new, |v| v == current)
    }

    fn replace_if<Q>(
        &self,
        key: &Q,
        value: V,
        mut pred: impl FnMut(&V) -> bool,
    ) -> Result<Ref<'_, V>, V>
    where
        Q: ?Sized + Hash + Equivalent<K>,
    {
        let guard = crossbeam_epoch::pin();
        let hash = self.hash(key);
        let shard = self.shard(hash);
        let mut new = Box::new(value);
        loop {
            let n = match shard.node(hash, key, &guard) {
                None => return Err(*new),
                Some(n) => n,
            };
            loop {
                match n.load(&guard) {
                    Slot::Expunged => break,
                    Slot::Removed => return Err(*new),
                    Slot::Present(v, p) => {
                        if !pred(v) {
                            return Err(*new);
                        }
                        let raw = Box::into_raw(new);
                        if n.cas(p, raw).is_ok() {
                            let old = Self::replaced(n, p, &guard);
                            return Ok(self.value_ref(old, guard));
                        }
                        // SAFETY: the swap failed, so `raw` was not published: still ours.
                        new = unsafe { Box::from_raw(raw) };
                    }
                }
            }
        }
    }

    /// Removes `key` if its value equals `current` (Go's `CompareAndDelete`); returns whether it
    /// did. O(1).
    pub fn compare_and_remove<Q>(&self, key: &Q, current: &V) -> bool
    where
        Q: ?Sized + Hash + Equivalent<K>,
        V: PartialEq,
    {
        matches!(self.remove_if(key, |v| v == current), Ok(Some(_)))
    }

    /// Iterates over the entries (Go's `Range`): each key at most once, every key present
    /// throughout the iteration exactly once; no lock is taken. O(n) over the shards' tables.
    /// Items live as long as `guard`.
    ///
    /// ```
    /// let map: gomap::sync::SyncMap<u32, u32> = (0..5).map(|i| (i, 10 * i)).collect();
    /// let guard = map.guard();
    /// let mut seen: Vec<_> = map.iter(&guard).map(|(k, v)| (*k, *v)).collect();
    /// seen.sort();
    /// assert_eq!(seen, [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)]);
    /// ```
    pub fn iter<'g>(&'g self, guard: &'g Guard) -> Iter<'g, K, V> {
        let g = &guard.inner;
        Iter {
            inner: Box::new(self.shards.iter().flat_map(move |s| {
                s.0.read_nodes(g).filter_map(move |n| match n.load(g) {
                    Slot::Present(v, _) => Some((&n.key, v)),
                    _ => None,
                })
            })),
        }
    }

    /// Keeps the entries for which `keep` returns true, removing the others (each removal a
    /// compare-and-swap: a value replaced meanwhile is asked about again). O(n); `keep` runs
    /// outside any lock, and a panic in it stops the pass with the map consistent.
    ///
    /// ```
    /// let map: gomap::sync::SyncMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// map.retain(|_, v| v % 2 == 0);
    /// assert_eq!(map.len(), 5);
    /// ```
    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        let guard = crossbeam_epoch::pin();
        for s in self.shards.iter() {
            for n in s.0.read_nodes(&guard) {
                while let Slot::Present(v, p) = n.load(&guard) {
                    if keep(&n.key, v) {
                        break;
                    }
                    if n.cas(p, core::ptr::null_mut()).is_ok() {
                        s.0.count_removed();
                        // SAFETY: we swapped `p` out of the node: ours alone to retire.
                        unsafe { n.retire(&guard, p) };
                        break;
                    }
                }
            }
        }
    }

    /// Removes every entry. O(n): each shard's maps are swapped for empty ones under its lock
    /// (O(1)), then the entries are handed to the collector outside it.
    pub fn clear(&self) {
        let guard = crossbeam_epoch::pin();
        for s in self.shards.iter() {
            // SAFETY: `K` and `V` are `Send + 'static` (this impl's bounds).
            unsafe { s.0.clear(&guard) };
        }
    }

    /// A copy of the entries, as [`SyncMap::iter`] sees them: one clone of each key and value,
    /// made outside any lock. Exact when no write runs concurrently; otherwise each key's value is
    /// the one it had at some moment of the call. O(n).
    ///
    /// ```
    /// let map: gomap::sync::SyncMap<u8, char> = [(1, 'a'), (2, 'b')].into_iter().collect();
    /// let mut v = map.snapshot();
    /// v.sort();
    /// assert_eq!(v, [(1, 'a'), (2, 'b')]);
    /// ```
    pub fn snapshot(&self) -> Vec<(K, V)>
    where
        K: Clone,
        V: Clone,
    {
        let guard = self.guard();
        let mut out = Vec::with_capacity(self.len());
        out.extend(self.iter(&guard).map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// What [`SyncMap::stats`] reports: the shards' tables and migrations, summed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SyncStats {
    /// Shards (each with its own table and lock).
    pub shards: usize,
    /// Live entries ([`SyncMap::len`]).
    pub len: usize,
    /// Slots of the published tables.
    pub slots: usize,
    /// Used slots of the published tables: live entries, removed ones not yet left out by a
    /// migration, and during a migration the expunged ones. Never more than 3/4 of a table.
    pub used: usize,
    /// The largest `used / slots` of one shard.
    pub max_load: f64,
    /// Shards with a migration running.
    pub migrating: usize,
    /// Slots of the tables those migrations fill.
    pub next_slots: usize,
    /// Published-table slots those migrations visited so far.
    pub visited: usize,
}

/// The iterator of [`SyncMap::iter`]: `(&K, &V)` for as long as the guard lives.
pub struct Iter<'g, K, V> {
    inner: Box<dyn Iterator<Item = (&'g K, &'g V)> + 'g>,
}

impl<'g, K, V> Iterator for Iter<'g, K, V> {
    type Item = (&'g K, &'g V);
    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl<K, V> fmt::Debug for Iter<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Iter { .. }")
    }
}

impl<K, V, S: Default> Default for SyncMap<K, V, S> {
    fn default() -> Self {
        Self::with_hasher(S::default())
    }
}

impl<K, V, S> fmt::Debug for SyncMap<K, V, S>
where
    K: Eq + Hash + Send + 'static + fmt::Debug,
    V: Send + 'static + fmt::Debug,
    S: BuildHasher,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let guard = self.guard();
        f.debug_map().entries(self.iter(&guard)).finish()
    }
}

impl<K, V, S> Extend<(K, V)> for SyncMap<K, V, S>
where
    K: Eq + Hash + Send + 'static,
    V: Send + 'static,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V, S> FromIterator<(K, V)> for SyncMap<K, V, S>
where
    K: Eq + Hash + Send + 'static,
    V: Send + 'static,
    S: BuildHasher + Default,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::default();
        map.extend(iter);
        map
    }
}
