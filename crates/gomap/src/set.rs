//! `HashSet`: std's set API over a `HashMap<T, ()>`.

mod entry;
mod iter;
mod ops;

use core::fmt;
use core::hash::{BuildHasher, Hash};
use core::iter::FromIterator;
use core::mem;

use allocator_api2::alloc::{Allocator, Global};
use equivalent::Equivalent;

use crate::hash::DefaultHashBuilder;
use crate::snapshot::Snapshot;
use crate::stats::Stats;
use crate::table::{InsertSlot, Position};
use crate::{HashMap, TryReserveError};

pub use self::entry::{Entry, OccupiedEntry, VacantEntry};
pub use self::iter::{
    Difference, Drain, ExtractIf, Intersection, IntoIter, Iter, SymmetricDifference, Union,
};

/// A hash set built like Go's runtime map: buckets of 8 slots with a tophash byte each,
/// overflow chains, and incremental growth, so no single insert pays for a whole rehash.
///
/// It is a [`HashMap<T, (), S, A>`](HashMap) underneath, and its API is
/// `std::collections::HashSet`'s, with the same names and semantics. Lookups accept any
/// `Q: Hash + Equivalent<T>` (as hashbrown's do), which includes every `Q` with `T: Borrow<Q>`.
/// See the [crate documentation](crate) for the design.
///
/// Iteration order is arbitrary, but stable while the set is unchanged.
///
/// ```
/// use gomap::HashSet;
///
/// let mut books = HashSet::new();
/// books.insert("A Dance With Dragons".to_string());
/// books.insert("To Kill a Mockingbird".to_string());
/// books.insert("The Odyssey".to_string());
/// assert!(!books.insert("The Odyssey".to_string()));
///
/// assert!(books.contains("The Odyssey"));
/// assert!(books.remove("The Odyssey"));
/// assert_eq!(books.len(), 2);
/// ```
pub struct HashSet<T, S = DefaultHashBuilder, A: Allocator = Global> {
    pub(crate) map: HashMap<T, (), S, A>,
}

impl<T> HashSet<T, DefaultHashBuilder> {
    /// Creates an empty set. It allocates nothing until the first insert.
    ///
    /// Computes in **O(1)** time.
    ///
    /// ```
    /// let set: gomap::HashSet<i32> = gomap::HashSet::new();
    /// assert_eq!(set.capacity(), 0);
    /// ```
    pub fn new() -> Self {
        HashSet {
            map: HashMap::new(),
        }
    }

    /// Creates an empty set that holds at least `capacity` values before its bucket array is
    /// replaced. `with_capacity(0)` allocates nothing.
    ///
    /// Computes in **O(capacity)** time (the bucket array is zeroed).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let set: gomap::HashSet<i32> = gomap::HashSet::with_capacity(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        HashSet {
            map: HashMap::with_capacity(capacity),
        }
    }
}

impl<T, S> HashSet<T, S> {
    /// Creates an empty set that hashes with `hasher`. It allocates nothing.
    ///
    /// The set never replaces a hasher given this way (see [`crate::hash`]).
    ///
    /// Computes in **O(1)** time.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut set = gomap::HashSet::with_hasher(RandomState::new());
    /// set.insert(2);
    /// ```
    pub const fn with_hasher(hasher: S) -> Self {
        HashSet {
            map: HashMap::with_hasher(hasher),
        }
    }

    /// Creates an empty set with room for `capacity` values, hashing with `hasher`.
    ///
    /// Computes in **O(capacity)** time (the bucket array is zeroed).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    ///
    /// let mut set = gomap::HashSet::with_capacity_and_hasher(10, RandomState::new());
    /// set.insert(1);
    /// assert!(set.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn with_capacity_and_hasher(capacity: usize, hasher: S) -> Self {
        HashSet {
            map: HashMap::with_capacity_and_hasher(capacity, hasher),
        }
    }
}

impl<T, S, A: Allocator> HashSet<T, S, A> {
    /// Returns a reference to the set's hasher.
    ///
    /// Computes in **O(1)** time.
    pub fn hasher(&self) -> &S {
        self.map.hasher()
    }

    /// Returns the number of values the set holds before its bucket array is replaced by a
    /// larger one (see [`HashMap::capacity`]); 0 for a set that holds no memory.
    ///
    /// Computes in **O(1)** time.
    ///
    /// ```
    /// let set: gomap::HashSet<i32> = gomap::HashSet::with_capacity(100);
    /// assert!(set.capacity() >= 100);
    /// ```
    pub fn capacity(&self) -> usize {
        self.map.capacity()
    }

    /// Returns the number of values in the set.
    ///
    /// Computes in **O(1)** time.
    ///
    /// ```
    /// let mut set = gomap::HashSet::new();
    /// assert_eq!(set.len(), 0);
    /// set.insert(1);
    /// assert_eq!(set.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Returns `true` if the set contains no values.
    ///
    /// Computes in **O(1)** time.
    ///
    /// ```
    /// let mut set = gomap::HashSet::new();
    /// assert!(set.is_empty());
    /// set.insert(1);
    /// assert!(!set.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Returns an iterator over the values, in arbitrary order (stable while the set is
    /// unchanged). A whole pass is **O(capacity)**.
    ///
    /// ```
    /// let set = gomap::HashSet::from(["a", "b"]);
    /// let mut values: Vec<_> = set.iter().copied().collect();
    /// values.sort();
    /// assert_eq!(values, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(self.map.keys())
    }

    /// Removes every value and returns them as an iterator, keeping the capacity. A whole pass
    /// and the drop are **O(capacity)**.
    ///
    /// Values the iterator does not yield are dropped with it. If it is leaked
    /// (`mem::forget`), the set is left empty and the values are leaked.
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([1, 2, 3]);
    /// assert!(!set.is_empty());
    /// let mut drained: Vec<_> = set.drain().collect();
    /// drained.sort();
    /// assert_eq!(drained, [1, 2, 3]);
    /// assert!(set.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T, A> {
        Drain::new(self.map.drain())
    }

    /// Returns an iterator that removes and yields the values for which `pred` returns `true`,
    /// visiting each value once. Values it does not reach (the iterator dropped early) stay in
    /// the set. A whole pass is **O(capacity)**.
    ///
    /// ```
    /// let mut set: gomap::HashSet<i32> = (0..8).collect();
    /// let mut evens: Vec<_> = set.extract_if(|v| v % 2 == 0).collect();
    /// evens.sort();
    /// assert_eq!(evens, [0, 2, 4, 6]);
    /// assert_eq!(set.len(), 4);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, T, F, A>
    where
        F: FnMut(&T) -> bool,
    {
        ExtractIf::new(&mut self.map.table, pred)
    }

    /// Keeps only the values for which `f` returns `true`, visiting each value once.
    ///
    /// Computes in **O(capacity)** time.
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([1, 2, 3, 4, 5, 6]);
    /// set.retain(|&v| v % 2 == 0);
    /// assert_eq!(set, gomap::HashSet::from([2, 4, 6]));
    /// ```
    pub fn retain<F>(&mut self, mut f: F)
    where
        F: FnMut(&T) -> bool,
    {
        self.map.retain(|k, _| f(k));
    }

    /// Removes every value, keeping the bucket array (the capacity).
    ///
    /// Computes in **O(capacity)** time.
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([1]);
    /// set.clear();
    /// assert!(set.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.map.clear();
    }

    /// Returns a summary of the set's internal state (see [`HashMap::stats`]).
    ///
    /// Computes in **O(buckets)** time.
    ///
    /// ```
    /// let set: gomap::HashSet<u32> = (0..100).collect();
    /// assert_eq!(set.stats().len, 100);
    /// ```
    pub fn stats(&self) -> Stats {
        self.map.stats()
    }

    /// Returns a picture of every bucket's tophash bytes, for drawing the layout (see
    /// [`HashMap::snapshot`]).
    ///
    /// Computes in **O(buckets)** time.
    pub fn snapshot(&self) -> Snapshot {
        self.map.snapshot()
    }
}

impl<T, S, A: Allocator> HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    /// Makes room for `additional` more values: the next `additional` inserts do not replace
    /// the bucket array. Like [`HashMap::reserve`], it finishes a resize under way, and a larger
    /// array it installs is filled incrementally by later writes. **O(1)**, or **O(old
    /// buckets)** when a grow under way has to be finished first.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let mut set: gomap::HashSet<i32> = gomap::HashSet::new();
    /// set.reserve(10);
    /// assert!(set.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) {
        self.map.reserve(additional);
    }

    /// Like [`reserve`](Self::reserve), but returns an error instead of panicking or aborting.
    /// Costs as `reserve`.
    ///
    /// ```
    /// let mut set: gomap::HashSet<i32> = gomap::HashSet::new();
    /// assert!(set.try_reserve(10).is_ok());
    /// assert!(set.try_reserve(usize::MAX).is_err());
    /// ```
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), TryReserveError> {
        self.map.try_reserve(additional)
    }

    /// Shrinks the capacity as much as the values allow.
    ///
    /// Like every change of size, the shrink is incremental (see [`HashMap::shrink_to_fit`]):
    /// the values move to the smaller array over later writes, or at once with
    /// [`finish_growth`](Self::finish_growth). An empty set frees its memory at once. **O(1)**.
    ///
    /// ```
    /// let mut set: gomap::HashSet<u32> = (0..1000).collect();
    /// set.retain(|&v| v < 10);
    /// set.shrink_to_fit();
    /// assert!(set.capacity() < 100);
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    /// Shrinks the capacity, keeping at least `min_capacity` (and room for every value);
    /// incremental, like [`shrink_to_fit`](Self::shrink_to_fit). **O(1)**.
    ///
    /// ```
    /// let mut set: gomap::HashSet<u32> = (0..1000).collect();
    /// set.retain(|&v| v < 10);
    /// set.shrink_to(200);
    /// assert!(set.capacity() >= 200);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        self.map.shrink_to(min_capacity);
    }

    /// Finishes a grow or shrink under way now rather than over later writes (see
    /// [`HashMap::finish_growth`]). Does nothing when not resizing.
    ///
    /// Computes in **O(old buckets)** time.
    pub fn finish_growth(&mut self) {
        self.map.finish_growth();
    }

    /// Returns an iterator over the values in `self` but not in `other`, in `self`'s order.
    /// A whole pass is **O(self's capacity)**, one lookup in `other` per value.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([4, 2, 3, 4]);
    /// let diff: Vec<_> = a.difference(&b).collect();
    /// assert_eq!(diff, [&1]);
    /// ```
    pub fn difference<'a>(&'a self, other: &'a HashSet<T, S, A>) -> Difference<'a, T, S, A> {
        Difference::new(self.iter(), other)
    }

    /// Returns an iterator over the values in `self` or in `other` but not in both. A whole
    /// pass is **O(both capacities)**.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([4, 2, 3, 4]);
    /// let mut diff: Vec<_> = a.symmetric_difference(&b).copied().collect();
    /// diff.sort();
    /// assert_eq!(diff, [1, 4]);
    /// ```
    pub fn symmetric_difference<'a>(
        &'a self,
        other: &'a HashSet<T, S, A>,
    ) -> SymmetricDifference<'a, T, S, A> {
        SymmetricDifference::new(self.difference(other).chain(other.difference(self)))
    }

    /// Returns an iterator over the values in both `self` and `other`. It walks the smaller
    /// set and looks each value up in the larger one, and yields the smaller set's values: a
    /// whole pass is **O(the smaller set's capacity)**.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([4, 2, 3, 4]);
    /// let mut both: Vec<_> = a.intersection(&b).copied().collect();
    /// both.sort();
    /// assert_eq!(both, [2, 3]);
    /// ```
    pub fn intersection<'a>(&'a self, other: &'a HashSet<T, S, A>) -> Intersection<'a, T, S, A> {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        Intersection::new(small.iter(), large)
    }

    /// Returns an iterator over the values in `self` or in `other`, each once. It yields the
    /// larger set's values, then the smaller set's values that are not in the larger one. A
    /// whole pass is **O(both capacities)**.
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let b = gomap::HashSet::from([4, 2, 3, 4]);
    /// let mut all: Vec<_> = a.union(&b).copied().collect();
    /// all.sort();
    /// assert_eq!(all, [1, 2, 3, 4]);
    /// ```
    pub fn union<'a>(&'a self, other: &'a HashSet<T, S, A>) -> Union<'a, T, S, A> {
        let (large, small) = if self.len() >= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        Union::new(large.iter().chain(small.difference(large)))
    }

    /// Returns `true` if the set contains a value equivalent to `value`.
    ///
    /// Computes in **O(1)** time (average).
    ///
    /// ```
    /// let set = gomap::HashSet::from([1, 2, 3]);
    /// assert!(set.contains(&1));
    /// assert!(!set.contains(&4));
    /// ```
    #[inline]
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.contains_key(value)
    }

    /// Returns a reference to the stored value equivalent to `value`, if any.
    ///
    /// Computes in **O(1)** time (average).
    ///
    /// ```
    /// let set = gomap::HashSet::from(["a".to_string()]);
    /// assert_eq!(set.get("a"), Some(&"a".to_string()));
    /// assert_eq!(set.get("b"), None);
    /// ```
    #[inline]
    pub fn get<Q>(&self, value: &Q) -> Option<&T>
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.get_key_value(value).map(|(k, _)| k)
    }

    /// Inserts `value` if it is absent, then returns a reference to the stored value (the one
    /// already there, or `value`).
    ///
    /// Computes in **O(1)** time (amortized average).
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([1, 2, 3]);
    /// assert_eq!(set.len(), 3);
    /// assert_eq!(set.get_or_insert(2), &2);
    /// assert_eq!(set.get_or_insert(100), &100);
    /// assert_eq!(set.len(), 4);
    /// ```
    pub fn get_or_insert(&mut self, value: T) -> &T {
        let (hash, found) = self.find_or_prepare(&value);
        let key = match found {
            // SAFETY: the position is live.
            Ok(pos) => unsafe { pos.key() },
            // SAFETY: the slot was just prepared for this hash, with no change since; the slot
            // is live afterwards.
            Err(slot) => unsafe { self.map.table.insert_in_slot(hash, slot, value, ()).key() },
        };
        // SAFETY: the key is live, and the set stays borrowed for the reference's lifetime.
        unsafe { &*key }
    }

    /// Inserts the value `f(value)` if no value equivalent to `value` is present, then returns
    /// a reference to the stored value.
    ///
    /// Computes in **O(1)** time (amortized average).
    ///
    /// # Panics
    /// Panics if the value `f` makes is not equivalent to `value`.
    ///
    /// ```
    /// let mut set: gomap::HashSet<String> = ["cat", "dog", "horse"]
    ///     .iter()
    ///     .map(|&pet| pet.to_owned())
    ///     .collect();
    /// assert_eq!(set.len(), 3);
    /// for &pet in &["cat", "dog", "fish"] {
    ///     let value = set.get_or_insert_with(pet, str::to_owned);
    ///     assert_eq!(value, pet);
    /// }
    /// assert_eq!(set.len(), 4);
    /// ```
    #[track_caller]
    pub fn get_or_insert_with<Q, F>(&mut self, value: &Q, f: F) -> &T
    where
        Q: Hash + Equivalent<T> + ?Sized,
        F: FnOnce(&Q) -> T,
    {
        let (hash, found) = self.find_or_prepare(value);
        let key = match found {
            // SAFETY: the position is live.
            Ok(pos) => unsafe { pos.key() },
            Err(slot) => {
                let new = f(value);
                assert!(
                    value.equivalent(&new),
                    "get_or_insert_with: the new value is not equivalent to the lookup value"
                );
                // SAFETY: the slot was prepared for this hash; `f` only saw `value`, so the
                // table did not change since. The slot is live afterwards.
                unsafe { self.map.table.insert_in_slot(hash, slot, new, ()).key() }
            }
        };
        // SAFETY: the key is live, and the set stays borrowed for the reference's lifetime.
        unsafe { &*key }
    }

    /// Adds `value` to the set. Returns `true` if it was absent; if an equal value is present,
    /// the set keeps that one (it is not replaced: see [`replace`](Self::replace)) and `value`
    /// is dropped.
    ///
    /// Computes in **O(1)** time (amortized average); while growing, it also moves up to two
    /// old chains.
    ///
    /// ```
    /// let mut set = gomap::HashSet::new();
    /// assert!(set.insert(2));
    /// assert!(!set.insert(2));
    /// assert_eq!(set.len(), 1);
    /// ```
    #[inline]
    pub fn insert(&mut self, value: T) -> bool {
        self.map.insert(value, ()).is_none()
    }

    /// Adds `value` to the set, replacing the stored equal value if there is one, which is
    /// returned.
    ///
    /// Computes in **O(1)** time (amortized average).
    ///
    /// ```
    /// let mut set = gomap::HashSet::new();
    /// set.insert(Vec::<i32>::new());
    /// assert_eq!(set.get(&[][..]).unwrap().capacity(), 0);
    /// assert_eq!(set.replace(Vec::with_capacity(10)), Some(Vec::new()));
    /// assert_eq!(set.get(&[][..]).unwrap().capacity(), 10);
    /// ```
    pub fn replace(&mut self, value: T) -> Option<T> {
        let (hash, found) = self.find_or_prepare(&value);
        match found {
            // SAFETY: the position is live and the set is borrowed mutably. The new key equals
            // the old one, so it hashes the same and belongs in the same slot.
            Ok(pos) => Some(mem::replace(unsafe { &mut *pos.key() }, value)),
            Err(slot) => {
                // SAFETY: the slot was just prepared for this hash, with no change since.
                unsafe { self.map.table.insert_in_slot(hash, slot, value, ()) };
                None
            }
        }
    }

    /// Removes the value equivalent to `value`. Returns `true` if it was present.
    ///
    /// Computes in **O(1)** time (average).
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([2]);
    /// assert!(set.remove(&2));
    /// assert!(!set.remove(&2));
    /// ```
    #[inline]
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.remove(value).is_some()
    }

    /// Removes the value equivalent to `value` and returns it, if it was present.
    ///
    /// Computes in **O(1)** time (average).
    ///
    /// ```
    /// let mut set = gomap::HashSet::from([2]);
    /// assert_eq!(set.take(&2), Some(2));
    /// assert_eq!(set.take(&2), None);
    /// ```
    #[inline]
    pub fn take<Q>(&mut self, value: &Q) -> Option<T>
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        self.map.remove_entry(value).map(|(k, ())| k)
    }

    /// Returns `true` if `self` and `other` have no value in common. It walks the smaller set.
    ///
    /// Computes in **O(min(n, m))** time (average).
    ///
    /// ```
    /// let a = gomap::HashSet::from([1, 2, 3]);
    /// let mut b = gomap::HashSet::new();
    /// assert!(a.is_disjoint(&b));
    /// b.insert(4);
    /// assert!(a.is_disjoint(&b));
    /// b.insert(1);
    /// assert!(!a.is_disjoint(&b));
    /// ```
    pub fn is_disjoint(&self, other: &HashSet<T, S, A>) -> bool {
        let (small, large) = if self.len() <= other.len() {
            (self, other)
        } else {
            (other, self)
        };
        small.iter().all(|v| !large.contains(v))
    }

    /// Returns `true` if every value of `self` is in `other`.
    ///
    /// Computes in **O(n)** time (average), `n` being `self.len()`.
    ///
    /// ```
    /// let sup = gomap::HashSet::from([1, 2, 3]);
    /// let mut set = gomap::HashSet::new();
    /// assert!(set.is_subset(&sup));
    /// set.insert(2);
    /// assert!(set.is_subset(&sup));
    /// set.insert(4);
    /// assert!(!set.is_subset(&sup));
    /// ```
    pub fn is_subset(&self, other: &HashSet<T, S, A>) -> bool {
        self.len() <= other.len() && self.iter().all(|v| other.contains(v))
    }

    /// Returns `true` if every value of `other` is in `self`.
    ///
    /// Computes in **O(m)** time (average), `m` being `other.len()`.
    ///
    /// ```
    /// let sub = gomap::HashSet::from([1, 2]);
    /// let mut set = gomap::HashSet::new();
    /// assert!(!set.is_superset(&sub));
    /// set.insert(0);
    /// set.insert(1);
    /// assert!(!set.is_superset(&sub));
    /// set.insert(2);
    /// assert!(set.is_superset(&sub));
    /// ```
    pub fn is_superset(&self, other: &HashSet<T, S, A>) -> bool {
        other.is_subset(self)
    }

    /// Renews a hasher the set built itself when it was emptied (as the map does before an
    /// insert), then looks `value` up for a write: its position, or a free slot prepared for it.
    fn find_or_prepare<Q>(&mut self, value: &Q) -> (u64, Found<T>)
    where
        Q: Hash + Equivalent<T> + ?Sized,
    {
        let map = &mut self.map;
        map.before_insert();
        let hb = &map.hash_builder;
        let hash = hb.hash_one(value);
        let found =
            map.table
                .find_or_prepare_insert(hash, |k| value.equivalent(k), |k| hb.hash_one(k));
        (hash, found)
    }
}

/// A value's position in the table, or a free slot prepared for it.
type Found<T> = Result<Position<T, ()>, InsertSlot<T, ()>>;

impl<T, S: Default, A: Allocator + Default> Default for HashSet<T, S, A> {
    /// An empty set with `S::default()`, which it may renew when emptied (see [`crate::hash`]).
    fn default() -> Self {
        HashSet {
            map: HashMap::default(),
        }
    }
}

impl<T: Clone, S: Clone, A: Allocator + Clone> Clone for HashSet<T, S, A> {
    /// Clones the set structure for structure (see `HashMap::clone`); hashes nothing.
    fn clone(&self) -> Self {
        HashSet {
            map: self.map.clone(),
        }
    }
}

impl<T: fmt::Debug, S, A: Allocator> fmt::Debug for HashSet<T, S, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<T, S, A: Allocator> PartialEq for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.is_subset(other)
    }
}

impl<T: Eq + Hash, S: BuildHasher, A: Allocator> Eq for HashSet<T, S, A> {}

impl<T, S, A: Allocator> From<HashMap<T, (), S, A>> for HashSet<T, S, A> {
    /// Wraps a map of keys to `()` as a set, without moving anything.
    ///
    /// ```
    /// let map = gomap::HashMap::from([(1, ()), (2, ())]);
    /// let set: gomap::HashSet<_> = map.into();
    /// assert!(set.contains(&2));
    /// ```
    fn from(map: HashMap<T, (), S, A>) -> Self {
        HashSet { map }
    }
}

impl<T, S, A> FromIterator<T> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher + Default,
    A: Allocator + Default,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = HashSet::default();
        set.extend(iter);
        set
    }
}

impl<T: Eq + Hash, const N: usize> From<[T; N]> for HashSet<T, DefaultHashBuilder> {
    /// ```
    /// let set1 = gomap::HashSet::from([1, 2, 3, 4]);
    /// let set2: gomap::HashSet<_> = [1, 2, 3, 4].into();
    /// assert_eq!(set1, set2);
    /// ```
    fn from(arr: [T; N]) -> Self {
        arr.into_iter().collect()
    }
}

impl<T, S, A: Allocator> Extend<T> for HashSet<T, S, A>
where
    T: Eq + Hash,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|k| (k, ())));
    }
}

impl<'a, T, S, A: Allocator> Extend<&'a T> for HashSet<T, S, A>
where
    T: 'a + Eq + Hash + Copy,
    S: BuildHasher,
{
    fn extend<I: IntoIterator<Item = &'a T>>(&mut self, iter: I) {
        self.extend(iter.into_iter().copied());
    }
}

impl<'a, T, S, A: Allocator> IntoIterator for &'a HashSet<T, S, A> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T, S, A: Allocator> IntoIterator for HashSet<T, S, A> {
    type Item = T;
    type IntoIter = IntoIter<T, A>;

    /// Consumes the set into an iterator over its values, in arbitrary order; values not
    /// yielded are dropped with the iterator.
    ///
    /// ```
    /// let set = gomap::HashSet::from(["a".to_string(), "b".to_string()]);
    /// let mut v: Vec<String> = set.into_iter().collect();
    /// v.sort();
    /// assert_eq!(v, ["a", "b"]);
    /// ```
    fn into_iter(self) -> IntoIter<T, A> {
        IntoIter::new(self.map.into_keys())
    }
}
