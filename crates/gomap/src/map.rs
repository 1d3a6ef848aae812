//! `HashMap`: std's API over the raw table.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FromIterator;
use core::mem;
use core::ops::Index;

use allocator_api2::alloc::{Allocator, Global};
use equivalent::Equivalent;

use crate::batch::{ContainsMany, GetMany};
use crate::entry::{Entry, OccupiedEntry, VacantEntry};
use crate::hash::{reseed_default, DefaultHashBuilder, Reseed};
use crate::iter::{
    Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
};
use crate::snapshot::Snapshot;
use crate::stats::Stats;
use crate::table::RawTable;
use crate::TryReserveError;

/// A hash map built like Go's runtime map: buckets of 8 slots with a tophash byte each,
/// overflow chains, and incremental growth, so no single insert pays for a whole rehash.
///
/// The API is `std::collections::HashMap`'s, with the same names and semantics; lookups also
/// accept any `Q: Hash + Equivalent<K>` (as hashbrown's do), which includes every `Q` with
/// `K: Borrow<Q>`. See the [crate documentation](crate) for the design.
///
/// ```
/// use gomap::HashMap;
///
/// let mut books = HashMap::new();
/// books.insert("Adventures of Huckleberry Finn".to_string(), "My favorite book.");
/// books.insert("Grimms' Fairy Tales".to_string(), "Masterpiece.");
/// assert!(books.contains_key("Grimms' Fairy Tales"));
/// assert_eq!(books.remove("Grimms' Fairy Tales"), Some("Masterpiece."));
/// assert_eq!(books.len(), 1);
/// ```
pub struct HashMap<K, V, S = DefaultHashBuilder, A: Allocator = Global> {
    pub(crate) table: RawTable<K, V, A>,
    pub(crate) hash_builder: S,
    pub(crate) reseed: Reseed<S>,
}

impl<K, V> HashMap<K, V, DefaultHashBuilder> {
    /// Creates an empty map. It allocates nothing until the first insert. **O(1)**.
    ///
    /// ```
    /// let map: gomap::HashMap<u32, u32> = gomap::HashMap::new();
    /// assert_eq!(map.capacity(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates an empty map that holds at least `capacity` entries before its bucket array is
    /// replaced. `with_capacity(0)` allocates nothing. **O(1)**: one allocation, not written
    /// until buckets are used.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let map: gomap::HashMap<u32, u32> = gomap::HashMap::with_capacity(100);
    /// assert!(map.capacity() >= 100);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        let mut map = Self::with_capacity_and_hasher(capacity, DefaultHashBuilder::default());
        map.reseed = reseed_default();
        map
    }
}

impl<K, V, S> HashMap<K, V, S> {
    /// Creates an empty map that hashes with `hash_builder`. It allocates nothing. **O(1)**.
    ///
    /// The map never replaces a hasher given this way (see [`crate::hash`]).
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let mut map = gomap::HashMap::with_hasher(RandomState::new());
    /// map.insert(1, 2);
    /// ```
    pub const fn with_hasher(hash_builder: S) -> Self {
        HashMap {
            table: RawTable::new(),
            hash_builder,
            reseed: None,
        }
    }

    /// Creates an empty map with room for `capacity` entries, hashing with `hash_builder`.
    /// **O(1)**: the bucket array is allocated but not written (buckets are initialised as they
    /// are first used), so even a large capacity costs one allocator call.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: gomap::HashMap<u32, u32, _> =
    ///     gomap::HashMap::with_capacity_and_hasher(10, RandomState::new());
    /// assert!(map.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn with_capacity_and_hasher(capacity: usize, hash_builder: S) -> Self {
        Self::with_capacity_and_hasher_in(capacity, hash_builder, Global)
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A> {
    /// The map's hasher. **O(1)**.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// let map: gomap::HashMap<u32, u32, _> = gomap::HashMap::with_hasher(RandomState::new());
    /// let _hasher: &RandomState = map.hasher();
    /// ```
    pub fn hasher(&self) -> &S {
        &self.hash_builder
    }

    /// The number of entries the map holds before its bucket array is replaced by a larger one.
    ///
    /// After `reserve(n)`, the next `n` inserts do not replace the bucket array by a larger one,
    /// and, for keys that hash at random, do not call the allocator at all: the overflow buckets
    /// they need come from spares allocated with the array. Never less than `len()`; 0 for a map
    /// that holds no memory. After `shrink_to`, it is the capacity the shrink is heading for,
    /// even while the shrink is still being carried out by later writes. **O(1)**.
    ///
    /// ```
    /// let map: gomap::HashMap<u32, u32> = gomap::HashMap::with_capacity(100);
    /// assert!(map.capacity() >= 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The number of entries. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::new();
    /// map.insert(1, "a");
    /// assert_eq!(map.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the map holds no entries. **O(1)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::new();
    /// assert!(map.is_empty());
    /// map.insert(1, "a");
    /// assert!(!map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// An iterator over `(&K, &V)` in arbitrary order, stable while the map is unchanged.
    /// Creating it is **O(1)**; a whole pass is **O(capacity)** (it visits every bucket, skipping
    /// runs of empty ones eight at a time), also in the middle of a grow.
    ///
    /// ```
    /// let map = gomap::HashMap::from([(1, "a"), (2, "b")]);
    /// let mut pairs: Vec<_> = map.iter().collect();
    /// pairs.sort();
    /// assert_eq!(pairs, [(&1, &"a"), (&2, &"b")]);
    /// ```
    pub fn iter(&self) -> Iter<'_, K, V> {
        Iter::new(self.table.raw_iter())
    }

    /// An iterator over `(&K, &mut V)` in arbitrary order. A pass is **O(capacity)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("a", 1), ("b", 2)]);
    /// for (_, v) in map.iter_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!(map["b"], 20);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        IterMut::new(self.table.raw_iter())
    }

    /// An iterator over the keys, in arbitrary order. A pass is **O(capacity)**.
    ///
    /// ```
    /// let map = gomap::HashMap::from([("a", 1), ("b", 2)]);
    /// let mut keys: Vec<_> = map.keys().copied().collect();
    /// keys.sort();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn keys(&self) -> Keys<'_, K, V> {
        Keys { inner: self.iter() }
    }

    /// An iterator over the values, in arbitrary order. A pass is **O(capacity)**.
    ///
    /// ```
    /// let map = gomap::HashMap::from([("a", 1), ("b", 2)]);
    /// assert_eq!(map.values().sum::<i32>(), 3);
    /// ```
    pub fn values(&self) -> Values<'_, K, V> {
        Values { inner: self.iter() }
    }

    /// An iterator over mutable references to the values. A pass is **O(capacity)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([("a", 1), ("b", 2)]);
    /// map.values_mut().for_each(|v| *v += 1);
    /// assert_eq!(map.values().sum::<i32>(), 5);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        ValuesMut {
            inner: self.iter_mut(),
        }
    }

    /// Consumes the map into an iterator over its keys; values are dropped as it goes. A pass
    /// is **O(capacity)**.
    ///
    /// ```
    /// let map = gomap::HashMap::from([(1, "a"), (2, "b")]);
    /// let mut keys: Vec<i32> = map.into_keys().collect();
    /// keys.sort();
    /// assert_eq!(keys, [1, 2]);
    /// ```
    pub fn into_keys(self) -> IntoKeys<K, V, A> {
        IntoKeys {
            inner: self.into_iter(),
        }
    }

    /// Consumes the map into an iterator over its values; keys are dropped as it goes. A pass
    /// is **O(capacity)**.
    ///
    /// ```
    /// let map = gomap::HashMap::from([(1, 10), (2, 20)]);
    /// assert_eq!(map.into_values().sum::<i32>(), 30);
    /// ```
    pub fn into_values(self) -> IntoValues<K, V, A> {
        IntoValues {
            inner: self.into_iter(),
        }
    }

    /// Removes every entry and returns them as an iterator, keeping the capacity. Creating it
    /// is **O(1)**; a whole pass and the drop are **O(capacity)**.
    ///
    /// Entries the iterator does not yield are dropped with it. If it is leaked
    /// (`mem::forget`), the map is left empty and the entries are leaked.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, 'a'), (2, 'b')]);
    /// let mut drained: Vec<_> = map.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [(1, 'a'), (2, 'b')]);
    /// assert!(map.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, K, V, A> {
        Drain::new(&mut self.table)
    }

    /// Removes and yields the entries for which `pred` returns `true`, visiting each entry once.
    /// Entries not visited (the iterator dropped early) stay in the map. A whole pass is
    /// **O(capacity)**; it never moves entries between arrays.
    ///
    /// ```
    /// let mut map: gomap::HashMap<i32, i32> = (0..8).map(|x| (x, x)).collect();
    /// let mut evens: Vec<_> = map.extract_if(|k, _| k % 2 == 0).map(|(k, _)| k).collect();
    /// evens.sort();
    /// assert_eq!(evens, [0, 2, 4, 6]);
    /// assert_eq!(map.len(), 4);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, K, V, F, A>
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        ExtractIf::new(&mut self.table, pred)
    }

    /// Keeps only the entries for which `f` returns `true`. Visits each entry once; never moves
    /// entries between arrays. **O(capacity)**.
    ///
    /// ```
    /// let mut map: gomap::HashMap<i32, i32> = (0..8).map(|x| (x, x * 10)).collect();
    /// map.retain(|&k, _| k % 2 == 0);
    /// assert_eq!(map.len(), 4);
    /// ```
    pub fn retain<F>(&mut self, mut f: F)
    where
        F: FnMut(&K, &mut V) -> bool,
    {
        for pos in self.table.raw_iter() {
            // SAFETY: `pos` is live; removing it leaves the iterator's later positions valid.
            unsafe {
                if !f(&*pos.key(), &mut *pos.value()) {
                    drop(self.table.remove_at(pos));
                }
            }
        }
    }

    /// Removes every entry, keeping the bucket array (the capacity). **O(capacity)**.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, 2)]);
    /// map.clear();
    /// assert!(map.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.table.clear();
    }

    /// A summary of the map's internal state: bucket counts, overflow chains, growth progress,
    /// the chain-length histogram and heap bytes (see [`Stats`](crate::introspect::Stats)).
    /// **O(buckets)**.
    ///
    /// ```
    /// let map: gomap::HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
    /// let stats = map.stats();
    /// assert_eq!(stats.len, 100);
    /// assert!(stats.load_factor() <= 6.5);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats::of(&self.table)
    }

    /// A picture of every bucket's tophash bytes, for drawing the layout (see
    /// [`Snapshot`](crate::introspect::Snapshot)). **O(buckets)**.
    ///
    /// ```
    /// let map: gomap::HashMap<u32, u32> = (0..10).map(|i| (i, i)).collect();
    /// let snap = map.snapshot();
    /// assert_eq!(snap.buckets.len(), 1 << snap.log2_buckets);
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.table)
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    #[inline]
    fn hash_of<Q: Hash + ?Sized>(&self, q: &Q) -> u64 {
        self.hash_builder.hash_one(q)
    }

    /// Before a key goes into an empty map that owns an array: renew a hasher the map built
    /// itself (see [`crate::hash`]). Every way of emptying a map leaves it with an array and
    /// `len == 0` (or frees the array and renews the hasher at once: `shrink_to`), so no flag
    /// has to remember that it was emptied. A map made with room reserved but never filled gets
    /// a fresh seed on its first insert too, which is harmless; a fresh `new()` map keeps its
    /// seed.
    #[inline]
    pub(crate) fn before_insert(&mut self) {
        if self.table.len() == 0 && self.table.is_allocated() {
            self.renew_seed();
        }
    }

    #[cold]
    fn renew_seed(&mut self) {
        if let Some(reseed) = self.reseed {
            reseed(&mut self.hash_builder);
        }
    }

    /// Makes room for `additional` more entries: the next `additional` inserts do not replace
    /// the bucket array, and (for keys that hash at random) make no allocator call.
    ///
    /// **Cost**: O(1) when the array is large enough, or when it grows: the larger array is
    /// installed at once and filled by later writes, a few chains at a time. **O(old buckets)**
    /// when a grow is already under way and the request goes past it: that grow is finished
    /// first. A request more than 64 times the current size rebuilds at once (the entries are
    /// then few next to the request).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let mut map: gomap::HashMap<u32, u32> = gomap::HashMap::new();
    /// map.reserve(10);
    /// assert!(map.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) {
        self.try_reserve(additional).unwrap_or_else(|e| e.handle())
    }

    /// Like [`reserve`](Self::reserve), but returns an error instead of panicking or aborting:
    /// [`TryReserveError`] says whether the capacity overflowed or the allocator failed. Costs
    /// as `reserve`.
    ///
    /// ```
    /// let mut map: gomap::HashMap<u64, u64> = gomap::HashMap::new();
    /// assert!(map.try_reserve(1000).is_ok());
    /// assert!(map.try_reserve(usize::MAX).is_err());
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        let hb = &self.hash_builder;
        self.table.try_reserve(additional, |k| hb.hash_one(k))
    }

    /// Shrinks the capacity as much as the entries allow.
    ///
    /// Like every change of size in gomap, the shrink is incremental: `capacity()` drops at
    /// once, and the entries move to the smaller array over the next writes, a few at a time
    /// (the larger array is freed when the last one has moved). A shrink asked for while a grow
    /// or shrink is under way starts when that one ends. Call
    /// [`finish_growth`](Self::finish_growth) to complete everything now. An empty map frees its
    /// memory at once. **O(1)** itself.
    ///
    /// ```
    /// let mut map: gomap::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// map.retain(|&k, _| k < 10);
    /// map.shrink_to_fit();
    /// assert!(map.capacity() < 100);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Shrinks the capacity, keeping at least `min_capacity` (and room for every entry);
    /// incremental, like [`shrink_to_fit`](Self::shrink_to_fit). **O(1)** itself (the entries
    /// move over later writes); a capacity already below `min_capacity` is left as it is.
    ///
    /// ```
    /// let mut map: gomap::HashMap<u32, u32> = gomap::HashMap::with_capacity(1000);
    /// map.insert(1, 2);
    /// map.shrink_to(100);
    /// assert!(map.capacity() >= 100 && map.capacity() < 1000);
    /// map.shrink_to(0);
    /// assert!(map.capacity() >= 1);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        let was_allocated = self.table.is_allocated();
        self.table.shrink_to(min_capacity);
        if was_allocated && !self.table.is_allocated() {
            // An empty map gave its array back: it would not know it was emptied any more.
            self.renew_seed();
        }
    }

    /// Finishes a grow or shrink under way now (**O(old buckets)**) rather than over later
    /// writes.
    ///
    /// Only writes move entries. A map that is built and then only read can stay mid-grow, and
    /// every lookup of a key whose old chain has not moved reads the old array. Call this after
    /// bulk loading to put the map in its final shape. Does nothing when not growing.
    ///
    /// ```
    /// let mut map: gomap::HashMap<u32, u32> = (0..1000).map(|i| (i, i)).collect();
    /// map.finish_growth();
    /// assert!(!map.stats().growing);
    /// ```
    pub fn finish_growth(&mut self) {
        let hb = &self.hash_builder;
        self.table.finish_growth(|k| hb.hash_one(k));
    }

    /// Gets the entry for `key`, for in-place manipulation. **O(1)** on average; like
    /// [`insert`](Self::insert), it does a write's grow work and, for an absent key, prepares
    /// the free slot (so the vacant entry's insert is O(1) too). See also
    /// [`entry_ref`](Self::entry_ref) for a borrowed key.
    ///
    /// ```
    /// let mut letters = gomap::HashMap::new();
    /// for ch in "a short treatise on fungi".chars() {
    ///     *letters.entry(ch).or_insert(0) += 1;
    /// }
    /// assert_eq!(letters[&'s'], 2);
    /// ```
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V, S, A> {
        self.before_insert();
        let hash = self.hash_of(&key);
        let hb = &self.hash_builder;
        match self
            .table
            .find_or_prepare_insert(hash, |k| *k == key, |k| hb.hash_one(k))
        {
            Ok(pos) => Entry::Occupied(OccupiedEntry::new(self, pos)),
            Err(slot) => Entry::Vacant(VacantEntry::new(self, hash, key, slot)),
        }
    }

    /// A reference to the value for `k`. **O(1)** on average. A lookup never moves entries:
    /// in the middle of a grow it reads the old array for chains not evacuated yet.
    ///
    /// ```
    /// let map = gomap::HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get("a"), Some(&1));
    /// assert_eq!(map.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash_of(k);
        let pos = self.table.find(hash, |key| k.equivalent(key))?;
        // SAFETY: the position is live and the map is borrowed for the reference's lifetime.
        Some(unsafe { &*pos.value() })
    }

    /// The values for many keys at once, in order: like `keys.map(|k| map.get(k))`, but
    /// pipelined. Each key is hashed and its bucket's memory requested 16 keys before its
    /// lookup completes, so on a map larger than the CPU cache the memory waits of consecutive
    /// lookups overlap instead of adding up (the technique Valkey and Redis use for batched
    /// commands). On a map that fits in cache it costs about what the plain loop costs.
    ///
    /// **O(1)** per key on average; the iterator holds up to 16 pending keys. Lazy: nothing is
    /// looked up until the iterator is advanced.
    ///
    /// ```
    /// let map: gomap::HashMap<u64, u64> = (0..1000).map(|i| (i, i * 2)).collect();
    /// let keys = [3, 2000, 999];
    /// let found: Vec<Option<&u64>> = map.get_many(&keys).collect();
    /// assert_eq!(found, [Some(&6), None, Some(&1998)]);
    /// let total: u64 = map.get_many(&keys).flatten().sum();
    /// assert_eq!(total, 2004);
    /// ```
    #[inline]
    pub fn get_many<'a, 'q, Q, I>(&'a self, keys: I) -> GetMany<'a, 'q, K, V, S, Q, I::IntoIter, A>
    where
        Q: Hash + Equivalent<K> + ?Sized + 'q,
        I: IntoIterator<Item = &'q Q>,
    {
        GetMany::new(self, keys.into_iter())
    }

    /// Whether the map holds each of many keys, in order: like
    /// `keys.map(|k| map.contains_key(k))`, pipelined as [`get_many`](Self::get_many) is.
    /// **O(1)** per key on average.
    ///
    /// ```
    /// let map = gomap::HashMap::from([("a", 1), ("b", 2)]);
    /// let hits = map.contains_many(["a", "z", "b"].iter()).filter(|&hit| hit).count();
    /// assert_eq!(hits, 2);
    /// ```
    #[inline]
    pub fn contains_many<'a, 'q, Q, I>(
        &'a self,
        keys: I,
    ) -> ContainsMany<'a, 'q, K, V, S, Q, I::IntoIter, A>
    where
        Q: Hash + Equivalent<K> + ?Sized + 'q,
        I: IntoIterator<Item = &'q Q>,
    {
        ContainsMany::new(self, keys.into_iter())
    }

    /// The stored key and value for `k`. **O(1)** on average.
    ///
    /// ```
    /// let map = gomap::HashMap::from([("a".to_string(), 1)]);
    /// assert_eq!(map.get_key_value("a"), Some((&"a".to_string(), &1)));
    /// assert_eq!(map.get_key_value("b"), None);
    /// ```
    #[inline]
    pub fn get_key_value<Q>(&self, k: &Q) -> Option<(&K, &V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash_of(k);
        let pos = self.table.find(hash, |key| k.equivalent(key))?;
        // SAFETY: as in `get`.
        Some(unsafe { (&*pos.key(), &*pos.value()) })
    }

    /// A mutable reference to the value for `k`. **O(1)** on average; a lookup, so it does no
    /// grow work.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, "a")]);
    /// if let Some(v) = map.get_mut(&1) {
    ///     *v = "b";
    /// }
    /// assert_eq!(map[&1], "b");
    /// ```
    #[inline]
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash_of(k);
        let pos = self.table.find(hash, |key| k.equivalent(key))?;
        // SAFETY: as in `get`, with the map borrowed mutably.
        Some(unsafe { &mut *pos.value() })
    }

    /// Mutable references to the values of `N` keys at once; `None` for a missing key.
    /// **O(N²)** comparisons of addresses plus N lookups.
    ///
    /// # Panics
    /// Panics if two of the keys are the same entry.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, 10), (2, 20)]);
    /// let [a, b, c] = map.get_disjoint_mut([&1, &2, &3]);
    /// std::mem::swap(a.unwrap(), b.unwrap());
    /// assert!(c.is_none());
    /// assert_eq!(map[&1], 20);
    /// ```
    #[track_caller]
    pub fn get_disjoint_mut<Q, const N: usize>(&mut self, ks: [&Q; N]) -> [Option<&mut V>; N]
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        assert_disjoint(
            &self.value_ptrs(ks),
            "get_disjoint_mut: duplicate keys found",
        )
        // SAFETY: the pointers are live values of the mutably borrowed map, pairwise distinct.
        .map(|p| p.map(|p| unsafe { &mut *p }))
    }

    /// Like [`get_disjoint_mut`](Self::get_disjoint_mut), without checking that the keys are
    /// distinct. N lookups.
    ///
    /// # Safety
    /// No two keys may refer to the same entry (that would alias `&mut`s).
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, 10), (2, 20)]);
    /// // SAFETY: the keys 1 and 2 are different entries.
    /// let [a, b] = unsafe { map.get_disjoint_unchecked_mut([&1, &2]) };
    /// std::mem::swap(a.unwrap(), b.unwrap());
    /// assert_eq!(map[&1], 20);
    /// ```
    pub unsafe fn get_disjoint_unchecked_mut<Q, const N: usize>(
        &mut self,
        ks: [&Q; N],
    ) -> [Option<&mut V>; N]
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        // SAFETY: the caller promises the entries are distinct.
        self.value_ptrs(ks).map(|p| p.map(|p| unsafe { &mut *p }))
    }

    fn value_ptrs<Q, const N: usize>(&self, ks: [&Q; N]) -> [Option<*mut V>; N]
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        ks.map(|k| {
            let hash = self.hash_of(k);
            self.table
                .find(hash, |key| k.equivalent(key))
                // SAFETY: the position is live.
                .map(|pos| unsafe { pos.value() })
        })
    }

    /// Whether the map holds `k`. **O(1)** on average.
    ///
    /// ```
    /// let map = gomap::HashMap::from([(1, "a")]);
    /// assert!(map.contains_key(&1));
    /// assert!(!map.contains_key(&2));
    /// ```
    #[inline]
    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash_of(k);
        self.table.find(hash, |key| k.equivalent(key)).is_some()
    }

    /// Inserts `v` under `k`, returning the value it replaces. The stored key is not updated
    /// when present. **O(1)** on average; while growing, also moves up to two old chains.
    ///
    /// ```
    /// let mut map = gomap::HashMap::new();
    /// assert_eq!(map.insert(37, "a"), None);
    /// assert_eq!(map.insert(37, "b"), Some("a"));
    /// ```
    #[inline]
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.before_insert();
        let hash = self.hash_of(&k);
        let hb = &self.hash_builder;
        match self
            .table
            .find_or_prepare_insert(hash, |key| *key == k, |key| hb.hash_one(key))
        {
            // SAFETY: the position is live.
            Ok(pos) => Some(mem::replace(unsafe { &mut *pos.value() }, v)),
            Err(slot) => {
                // SAFETY: the slot was just prepared for this hash.
                unsafe { self.table.insert_in_slot(hash, slot, k, v) };
                None
            }
        }
    }

    /// Removes `k`, returning its value. **O(1)** on average; while growing, also moves up to
    /// two old chains.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, "a")]);
    /// assert_eq!(map.remove(&1), Some("a"));
    /// assert_eq!(map.remove(&1), None);
    /// ```
    #[inline]
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        self.remove_entry(k).map(|(_, v)| v)
    }

    /// Removes `k`, returning the stored key and value. **O(1)** on average; while growing,
    /// also moves up to two old chains (as every write does).
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, "a")]);
    /// assert_eq!(map.remove_entry(&1), Some((1, "a")));
    /// assert_eq!(map.remove_entry(&1), None);
    /// ```
    #[inline]
    pub fn remove_entry<Q>(&mut self, k: &Q) -> Option<(K, V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        if self.table.len() == 0 {
            return None;
        }
        let hash = self.hash_of(k);
        let hb = &self.hash_builder;
        let pos =
            self.table
                .find_for_write(hash, |key| k.equivalent(key), |key| hb.hash_one(key))?;
        // SAFETY: the position is live and nothing changed since it was found.
        Some(unsafe { self.table.remove_at(pos) })
    }
}

// hashbrown's additions to std's API.
impl<K, V, S, A: Allocator> HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    /// The stored key and a mutable reference to the value for `k` (hashbrown's
    /// `get_key_value_mut`). **O(1)** on average. The key is shared: changing it could move it
    /// out of its bucket.
    ///
    /// ```
    /// let mut map = gomap::HashMap::from([(1, "a")]);
    /// let (k, v) = map.get_key_value_mut(&1).unwrap();
    /// assert_eq!(k, &1);
    /// *v = "b";
    /// assert_eq!(map[&1], "b");
    /// assert!(map.get_key_value_mut(&2).is_none());
    /// ```
    #[inline]
    pub fn get_key_value_mut<Q>(&mut self, k: &Q) -> Option<(&K, &mut V)>
    where
        Q: Hash + Equivalent<K> + ?Sized,
    {
        let hash = self.hash_of(k);
        let pos = self.table.find(hash, |key| k.equivalent(key))?;
        // SAFETY: as in `get_mut`; the key and the value are distinct places.
        Some(unsafe { (&*pos.key(), &mut *pos.value()) })
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A> {
    /// Bytes of heap memory the map holds: its bucket arrays with their spare and chained
    /// overflow blocks (both arrays in the middle of a grow), and keys or values stored out of
    /// line; not memory that keys and values own themselves (a `String`'s text). hashbrown's
    /// `allocation_size`; the same figure as [`Stats::heap_bytes`](crate::introspect::Stats).
    /// **O(1)** (plus one step per extra overflow chunk, a handful at most).
    ///
    /// ```
    /// let mut map: gomap::HashMap<u64, u64> = gomap::HashMap::new();
    /// assert_eq!(map.allocation_size(), 0);
    /// map.reserve(1000);
    /// assert!(map.allocation_size() >= 1000 * 16);
    /// ```
    pub fn allocation_size(&self) -> usize {
        self.table.heap_bytes()
    }
}

impl<K, V, S: Default, A: Allocator + Default> Default for HashMap<K, V, S, A> {
    /// An empty map with `S::default()`, which it may renew when emptied (see [`crate::hash`]).
    fn default() -> Self {
        HashMap {
            table: RawTable::new_in(A::default()),
            hash_builder: S::default(),
            reseed: reseed_default(),
        }
    }
}

impl<K: Clone, V: Clone, S: Clone, A: Allocator + Clone> Clone for HashMap<K, V, S, A> {
    /// Clones the map structure for structure: the same buckets, chains and growth state, each
    /// entry cloned into the same slot. No key is hashed, and the clone iterates in the same
    /// order. **O(capacity)**.
    fn clone(&self) -> Self {
        HashMap {
            table: self
                .table
                .clone_with(self.table.allocator().clone(), |k, v| {
                    (k.clone(), v.clone())
                }),
            hash_builder: self.hash_builder.clone(),
            reseed: self.reseed,
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug, S, A: Allocator> fmt::Debug for HashMap<K, V, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V, S, A: Allocator> PartialEq for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    V: PartialEq,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| *v == *w))
    }
}

impl<K: Eq + Hash, V: Eq, S: BuildHasher, A: Allocator> Eq for HashMap<K, V, S, A> {}

impl<K, Q, V, S, A: Allocator> Index<&Q> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Borrow<Q>,
    Q: Eq + Hash + ?Sized,
    S: BuildHasher,
{
    type Output = V;

    /// # Panics
    /// Panics if the key is not present.
    #[track_caller]
    fn index(&self, key: &Q) -> &V {
        self.get(key).expect("no entry found for key")
    }
}

impl<K, V, S, A: Allocator> Extend<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher,
{
    fn extend<T: IntoIterator<Item = (K, V)>>(&mut self, iter: T) {
        let iter = iter.into_iter();
        // Like std: reserve the lower bound (or half of it if the map is not empty, since keys
        // may repeat).
        let hint = iter.size_hint().0;
        let reserve = if self.is_empty() {
            hint
        } else {
            hint.div_ceil(2)
        };
        if reserve > self.capacity().saturating_sub(self.len()) && !self.table.is_growing() {
            let _ = self.try_reserve(reserve);
        }
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<'a, K, V, S, A: Allocator> Extend<&'a (K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
{
    /// Inserts copies of the pairs (hashbrown's `Extend<&(K, V)>`), as `extend` by value does.
    fn extend<I: IntoIterator<Item = &'a (K, V)>>(&mut self, iter: I) {
        self.extend(iter.into_iter().map(|&(k, v)| (k, v)));
    }
}

impl<'a, K, V, S, A: Allocator> Extend<(&'a K, &'a V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash + Copy,
    V: Copy,
    S: BuildHasher,
{
    fn extend<T: IntoIterator<Item = (&'a K, &'a V)>>(&mut self, iter: T) {
        self.extend(iter.into_iter().map(|(&k, &v)| (k, v)));
    }
}

impl<K, V, S, A> FromIterator<(K, V)> for HashMap<K, V, S, A>
where
    K: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        let mut map = HashMap::default();
        map.extend(iter);
        map
    }
}

impl<K: Eq + Hash, V, const N: usize> From<[(K, V); N]> for HashMap<K, V, DefaultHashBuilder> {
    /// ```
    /// let map = gomap::HashMap::from([(1, 2), (3, 4)]);
    /// assert_eq!(map[&3], 4);
    /// ```
    fn from(arr: [(K, V); N]) -> Self {
        arr.into_iter().collect()
    }
}

impl<'a, K, V, S, A: Allocator> IntoIterator for &'a HashMap<K, V, S, A> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;

    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<'a, K, V, S, A: Allocator> IntoIterator for &'a mut HashMap<K, V, S, A> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;

    fn into_iter(self) -> IterMut<'a, K, V> {
        self.iter_mut()
    }
}

impl<K, V, S, A: Allocator> IntoIterator for HashMap<K, V, S, A> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V, A>;

    /// Consumes the map into an iterator over its entries; entries not yielded are dropped with
    /// the iterator.
    fn into_iter(self) -> IntoIter<K, V, A> {
        IntoIter::new(self.table)
    }
}

/// `ptrs`, after checking that no two found entries are the same one (the check of every
/// `get_disjoint_mut`: N² address comparisons, N being small).
///
/// # Panics
/// Panics with `msg` if two of the pointers are equal.
#[track_caller]
pub(crate) fn assert_disjoint<T, const N: usize>(
    ptrs: &[Option<*mut T>; N],
    msg: &str,
) -> [Option<*mut T>; N] {
    for (i, p) in ptrs.iter().enumerate() {
        if p.is_some() {
            assert!(!ptrs[..i].contains(p), "{msg}");
        }
    }
    *ptrs
}
