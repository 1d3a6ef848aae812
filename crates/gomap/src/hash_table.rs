//! [`HashTable<T>`]: the table without a key/value split, found by a hash and an equality
//! closure the caller gives (hashbrown's `HashTable` API), on gomap's buckets with incremental
//! growth.
//!
//! It is what to build a map with its own key handling on (indexmap-style: a table of indices
//! into a vector, hashed by the entries they point to). Nothing here hashes by itself: every
//! operation that may have to place values takes `hash` (the value's hash) and, when it may
//! rehash others (grow, evacuate), a `hasher: impl Fn(&T) -> u64` that must agree with the
//! hashes given.
//!
//! ```
//! use std::hash::BuildHasher;
//! use gomap::{DefaultHashBuilder, HashTable};
//!
//! let mut table = HashTable::new();
//! let hasher = DefaultHashBuilder::default();
//! let hasher = |val: &_| hasher.hash_one(val);
//! table.insert_unique(hasher(&1), 1, hasher);
//! table.insert_unique(hasher(&2), 2, hasher);
//! table.insert_unique(hasher(&3), 3, hasher);
//! assert_eq!(table.find(hasher(&2), |&val| val == 2), Some(&2));
//! assert_eq!(table.find(hasher(&4), |&val| val == 4), None);
//! ```

use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use allocator_api2::alloc::{Allocator, Global};

use crate::table::{InsertSlot, Position, RawIter, RawTable};
use crate::{Stats, TryReserveError};

/// A hash table of `T`s found by a caller-given hash and equality (hashbrown's `HashTable`),
/// built like gomap's maps: 8-slot buckets with tophash bytes, overflow chains, incremental
/// growth (no insert rehashes the whole table). See the [module docs](self).
///
/// Values larger than [`MAX_INLINE`](crate::MAX_INLINE) bytes are stored out of line, one
/// allocation each (in `A`).
pub struct HashTable<T, A: Allocator = Global> {
    table: RawTable<T, (), A>,
}

impl<T> HashTable<T> {
    /// An empty table. It allocates nothing until the first insert. O(1).
    pub const fn new() -> Self {
        HashTable {
            table: RawTable::new(),
        }
    }

    /// An empty table that holds at least `capacity` values before its bucket array is
    /// replaced. `with_capacity(0)` allocates nothing. O(1) for the global allocator's fresh
    /// pages (a large array comes zeroed), else O(capacity / 8).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_in(capacity, Global)
    }
}

impl<T, A: Allocator> HashTable<T, A> {
    /// An empty table in allocator `alloc`. It allocates nothing until the first insert. O(1).
    pub const fn new_in(alloc: A) -> Self {
        HashTable {
            table: RawTable::new_in(alloc),
        }
    }

    /// An empty table in allocator `alloc` with room for `capacity` values. Cost as for
    /// [`with_capacity`](HashTable::with_capacity).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; calls `handle_alloc_error` (aborting by
    /// default) if `alloc` fails.
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        HashTable {
            table: RawTable::try_with_capacity_in(capacity, alloc).unwrap_or_else(|e| e.handle()),
        }
    }

    /// The table's allocator. O(1).
    pub fn allocator(&self) -> &A {
        self.table.allocator()
    }

    /// The value with hash `hash` for which `eq` returns `true`, if any. Expected O(1); `eq` is
    /// called only on values whose tophash matches.
    pub fn find(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        let pos = self.table.find(hash, eq)?;
        // SAFETY: a live position of a table borrowed for the result's lifetime.
        Some(unsafe { &*pos.key() })
    }

    /// The value with hash `hash` for which `eq` returns `true`, mutably. Changing it must not
    /// change its hash. Expected O(1).
    pub fn find_mut(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&mut T> {
        let pos = self.table.find(hash, eq)?;
        // SAFETY: a live position of a table borrowed mutably for the result's lifetime.
        Some(unsafe { &mut *pos.key() })
    }

    /// The entry of the value with hash `hash` for which `eq` returns `true`: occupied (to read,
    /// change or remove it), or absent. Expected O(1). It does no grow work (it has no hasher),
    /// so a removal through it does not advance a grow; inserts do.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// let mut table = gomap::HashTable::new();
    /// let s = gomap::DefaultHashBuilder::default();
    /// let hasher = |v: &u32| s.hash_one(v);
    /// table.insert_unique(hasher(&1), 1, hasher);
    /// let entry = table.find_entry(hasher(&1), |&v| v == 1).ok().unwrap();
    /// let (value, _vacant) = entry.remove();
    /// assert_eq!(value, 1);
    /// assert!(table.is_empty());
    /// assert!(table.find_entry(hasher(&1), |&v| v == 1).is_err());
    /// ```
    pub fn find_entry(
        &mut self,
        hash: u64,
        eq: impl FnMut(&T) -> bool,
    ) -> Result<OccupiedEntry<'_, T, A>, AbsentEntry<'_, T, A>> {
        match self.table.find(hash, eq) {
            Some(pos) => Ok(OccupiedEntry {
                table: self,
                hash,
                pos,
            }),
            None => Err(AbsentEntry { table: self }),
        }
    }

    /// The entry of the value with hash `hash` for which `eq` returns `true`, or a vacant entry
    /// with a free slot prepared for a value of that hash (growing the table first if a new
    /// value needs that, rehashing with `hasher`). Expected O(1); does the grow work of a write.
    ///
    /// ```
    /// use std::hash::BuildHasher;
    /// use gomap::hash_table::Entry;
    /// let mut table = gomap::HashTable::new();
    /// let s = gomap::DefaultHashBuilder::default();
    /// let hasher = |v: &(&str, u32)| s.hash_one(v.0);
    /// for word in ["a", "b", "a"] {
    ///     match table.entry(s.hash_one(word), |v| v.0 == word, hasher) {
    ///         Entry::Occupied(mut e) => e.get_mut().1 += 1,
    ///         Entry::Vacant(e) => {
    ///             e.insert((word, 1));
    ///         }
    ///     }
    /// }
    /// assert_eq!(table.find(s.hash_one("a"), |v| v.0 == "a"), Some(&("a", 2)));
    /// ```
    pub fn entry(
        &mut self,
        hash: u64,
        eq: impl FnMut(&T) -> bool,
        hasher: impl Fn(&T) -> u64,
    ) -> Entry<'_, T, A> {
        match self.table.find_or_prepare_insert(hash, eq, hasher) {
            Ok(pos) => Entry::Occupied(OccupiedEntry {
                table: self,
                hash,
                pos,
            }),
            Err(slot) => Entry::Vacant(VacantEntry {
                table: self,
                hash,
                slot,
            }),
        }
    }

    /// Inserts `value` (of hash `hash`) without checking whether an equal value is present
    /// (the caller knows it is not), growing first if needed (rehashing with `hasher`), and
    /// returns its entry. Expected O(1) amortized; no insert rehashes the whole table.
    pub fn insert_unique(
        &mut self,
        hash: u64,
        value: T,
        hasher: impl Fn(&T) -> u64,
    ) -> OccupiedEntry<'_, T, A> {
        match self.entry(hash, |_| false, hasher) {
            Entry::Vacant(e) => e.insert(value),
            Entry::Occupied(_) => unreachable!("`eq` matches nothing"),
        }
    }

    /// Values held. O(1).
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the table holds no value. O(1).
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// Values the table holds before its bucket array is replaced by a larger one. O(1).
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// Removes every value, keeping the bucket array. O(capacity).
    pub fn clear(&mut self) {
        self.table.clear();
    }

    /// Makes room for `additional` more values, so the next `additional` inserts do not
    /// replace the array (a larger one is installed now and filled by later writes). O(1)
    /// usually; see [`HashMap::reserve`](crate::HashMap::reserve) for the rare O(n) cases.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    #[track_caller]
    pub fn reserve(&mut self, additional: usize, hasher: impl Fn(&T) -> u64) {
        self.table
            .try_reserve(additional, hasher)
            .unwrap_or_else(|e| e.handle());
    }

    /// [`reserve`](HashTable::reserve), returning an error instead of panicking or aborting.
    pub fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&T) -> u64,
    ) -> Result<(), TryReserveError> {
        self.table.try_reserve(additional, hasher)
    }

    /// Shrinks the array as far as the values allow, in incremental steps carried out by later
    /// writes; an empty table frees its memory at once. O(1). `hasher` is taken for hashbrown's
    /// signature; gomap does not call it here (the writes that carry the shrink out bring theirs).
    pub fn shrink_to_fit(&mut self, hasher: impl Fn(&T) -> u64) {
        self.shrink_to(0, hasher);
    }

    /// Shrinks the array as far as `min_capacity` and the values allow, as
    /// [`shrink_to_fit`](HashTable::shrink_to_fit) does. O(1).
    pub fn shrink_to(&mut self, min_capacity: usize, hasher: impl Fn(&T) -> u64) {
        let _ = hasher;
        self.table.shrink_to(min_capacity);
    }

    /// Completes a grow or shrink under way at once. O(old buckets).
    pub fn finish_growth(&mut self, hasher: impl Fn(&T) -> u64) {
        self.table.finish_growth(hasher);
    }

    /// An iterator over the values, in arbitrary order (stable while the table is unchanged).
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            raw: self.table.raw_iter(),
            _marker: PhantomData,
        }
    }

    /// An iterator over the values, mutably. Changing a value must not change its hash.
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut {
            raw: self.table.raw_iter(),
            _marker: PhantomData,
        }
    }

    /// Removes every value and yields them, keeping the capacity; values not yielded are
    /// dropped with the iterator. A leaked `Drain` leaves the table empty.
    pub fn drain(&mut self) -> Drain<'_, T, A> {
        Drain {
            inner: crate::iter::Drain::new(&mut self.table),
        }
    }

    /// Keeps only the values for which `f` returns `true`, visiting each once. O(capacity).
    pub fn retain(&mut self, mut f: impl FnMut(&mut T) -> bool) {
        for pos in self.table.raw_iter() {
            // SAFETY: `pos` is live; removing it leaves the iterator's later positions valid.
            unsafe {
                if !f(&mut *pos.key()) {
                    drop(self.table.remove_at(pos));
                }
            }
        }
    }

    /// A summary of the table's internal state (see [`HashMap::stats`](crate::HashMap::stats)).
    /// O(buckets).
    pub fn stats(&self) -> Stats {
        Stats::of(&self.table)
    }
}

impl<T, A: Allocator + Default> Default for HashTable<T, A> {
    fn default() -> Self {
        Self::new_in(A::default())
    }
}

impl<T: Clone, A: Allocator + Clone> Clone for HashTable<T, A> {
    /// Clones structure for structure (the same buckets, chains and growth state); hashes
    /// nothing. O(capacity).
    fn clone(&self) -> Self {
        HashTable {
            table: self
                .table
                .clone_with(self.table.allocator().clone(), |v, _| (v.clone(), ())),
        }
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for HashTable<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a, T, A: Allocator> IntoIterator for &'a HashTable<T, A> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T, A: Allocator> IntoIterator for &'a mut HashTable<T, A> {
    type Item = &'a mut T;
    type IntoIter = IterMut<'a, T>;

    fn into_iter(self) -> IterMut<'a, T> {
        self.iter_mut()
    }
}

impl<T, A: Allocator> IntoIterator for HashTable<T, A> {
    type Item = T;
    type IntoIter = IntoIter<T, A>;

    /// Consumes the table into an iterator over its values; values not yielded are dropped
    /// with it.
    fn into_iter(self) -> IntoIter<T, A> {
        IntoIter {
            inner: crate::iter::IntoIter::new(self.table),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Entries.
// ---------------------------------------------------------------------------------------------

/// A view into one entry of a [`HashTable`], from [`HashTable::entry`].
pub enum Entry<'a, T, A: Allocator = Global> {
    /// A value matched.
    Occupied(OccupiedEntry<'a, T, A>),
    /// None did; a slot is prepared.
    Vacant(VacantEntry<'a, T, A>),
}

impl<'a, T, A: Allocator> Entry<'a, T, A> {
    /// Inserts `value` if vacant, replaces the value if occupied; returns the entry. O(1).
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(mut e) => {
                *e.get_mut() = value;
                e
            }
            Entry::Vacant(e) => e.insert(value),
        }
    }

    /// The entry, inserting `default` if vacant. O(1).
    pub fn or_insert(self, default: T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(default),
        }
    }

    /// The entry, inserting `default()` if vacant. O(1).
    pub fn or_insert_with(self, default: impl FnOnce() -> T) -> OccupiedEntry<'a, T, A> {
        match self {
            Entry::Occupied(e) => e,
            Entry::Vacant(e) => e.insert(default()),
        }
    }

    /// Calls `f` on the value if occupied. O(1).
    pub fn and_modify(mut self, f: impl FnOnce(&mut T)) -> Self {
        if let Entry::Occupied(e) = &mut self {
            f(e.get_mut());
        }
        self
    }
}

/// An entry holding a value, from [`HashTable::entry`] or [`HashTable::find_entry`].
pub struct OccupiedEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
    hash: u64,
    pos: Position<T, ()>,
}

// SAFETY: an `&'a mut HashTable` plus a position in it, as thread-safe as those are (as the
// map's entries).
unsafe impl<T: Send, A: Allocator + Send> Send for OccupiedEntry<'_, T, A> {}
// SAFETY: as above; `&OccupiedEntry` only gives `&T`.
unsafe impl<T: Sync, A: Allocator + Sync> Sync for OccupiedEntry<'_, T, A> {}

impl<'a, T, A: Allocator> OccupiedEntry<'a, T, A> {
    /// The value. O(1).
    pub fn get(&self) -> &T {
        // SAFETY: the position is live while the entry holds the table borrowed.
        unsafe { &*self.pos.key() }
    }

    /// The value, mutably (its hash must not change). O(1).
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: as in `get`, and the entry is borrowed mutably.
        unsafe { &mut *self.pos.key() }
    }

    /// The value, mutably, for the rest of the table's borrow. O(1).
    pub fn into_mut(self) -> &'a mut T {
        // SAFETY: as in `get_mut`; the entry gives up its borrow of the table.
        unsafe { &mut *self.pos.key() }
    }

    /// Removes the value and returns it, with a vacant entry for a value of the same hash (a
    /// free slot of the same chain, so inserting there allocates nothing). O(1).
    pub fn remove(self) -> (T, VacantEntry<'a, T, A>) {
        let OccupiedEntry { table, hash, pos } = self;
        // SAFETY: the position is live in `table`, which has not changed since it was found.
        let (value, ()) = unsafe { table.table.remove_at(pos) };
        // SAFETY: `pos.head` heads an initialised chain of `table` that now has a free slot.
        let slot = unsafe { table.table.free_slot_in(pos.head, hash) };
        (value, VacantEntry { table, hash, slot })
    }

    /// Gives the table back. O(1).
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

/// An entry with room for a value of its hash, from [`HashTable::entry`] or
/// [`OccupiedEntry::remove`].
pub struct VacantEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
    hash: u64,
    slot: InsertSlot<T, ()>,
}

// SAFETY: as for `OccupiedEntry`.
unsafe impl<T: Send, A: Allocator + Send> Send for VacantEntry<'_, T, A> {}
// SAFETY: as for `OccupiedEntry`; `&VacantEntry` gives nothing out.
unsafe impl<T: Sync, A: Allocator + Sync> Sync for VacantEntry<'_, T, A> {}

impl<'a, T, A: Allocator> VacantEntry<'a, T, A> {
    /// Inserts `value` (whose hash must be the entry's) into the prepared slot. O(1); allocates
    /// only for an out-of-line value.
    pub fn insert(self, value: T) -> OccupiedEntry<'a, T, A> {
        let VacantEntry { table, hash, slot } = self;
        // SAFETY: the slot was prepared for this hash on this table, which has stayed borrowed
        // (unchanged) since.
        let pos = unsafe { table.table.insert_in_slot(hash, slot, value, ()) };
        OccupiedEntry { table, hash, pos }
    }

    /// Gives the table back. O(1).
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

/// What [`HashTable::find_entry`] returns when no value matched.
pub struct AbsentEntry<'a, T, A: Allocator = Global> {
    table: &'a mut HashTable<T, A>,
}

impl<'a, T, A: Allocator> AbsentEntry<'a, T, A> {
    /// Gives the table back. O(1).
    pub fn into_table(self) -> &'a mut HashTable<T, A> {
        self.table
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for Entry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Entry::Occupied(e) => f.debug_tuple("Entry").field(e).finish(),
            Entry::Vacant(e) => f.debug_tuple("Entry").field(e).finish(),
        }
    }
}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for OccupiedEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OccupiedEntry").field(self.get()).finish()
    }
}

impl<T, A: Allocator> fmt::Debug for VacantEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VacantEntry")
    }
}

impl<T, A: Allocator> fmt::Debug for AbsentEntry<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AbsentEntry")
    }
}

// ---------------------------------------------------------------------------------------------
// Iterators.
// ---------------------------------------------------------------------------------------------

/// An iterator over `&T`, from [`HashTable::iter`].
pub struct Iter<'a, T> {
    raw: RawIter<T, ()>,
    _marker: PhantomData<&'a T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        let pos = self.raw.next()?;
        // SAFETY: the table is borrowed for 'a and each live position is yielded once.
        Some(unsafe { &*pos.key() })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter {
            raw: self.raw.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// An iterator over `&mut T`, from [`HashTable::iter_mut`].
pub struct IterMut<'a, T> {
    raw: RawIter<T, ()>,
    _marker: PhantomData<&'a mut T>,
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = &'a mut T;

    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        let pos = self.raw.next()?;
        // SAFETY: the table is borrowed mutably for 'a; each position is yielded once, so the
        // references never alias.
        Some(unsafe { &mut *pos.key() })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.raw.size_hint()
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(Iter::<T> {
                raw: self.raw.clone(),
                _marker: PhantomData,
            })
            .finish()
    }
}

/// A draining iterator, from [`HashTable::drain`].
pub struct Drain<'a, T, A: Allocator = Global> {
    inner: crate::iter::Drain<'a, T, (), A>,
}

impl<T, A: Allocator> Iterator for Drain<'_, T, A> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(v, ())| v)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator> ExactSizeIterator for Drain<'_, T, A> {}
impl<T, A: Allocator> FusedIterator for Drain<'_, T, A> {}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for Drain<'_, T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.iter().map(|(v, ())| v))
            .finish()
    }
}

/// An owning iterator, from [`HashTable::into_iter`](IntoIterator::into_iter).
pub struct IntoIter<T, A: Allocator = Global> {
    inner: crate::iter::IntoIter<T, (), A>,
}

impl<T, A: Allocator> Iterator for IntoIter<T, A> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        self.inner.next().map(|(v, ())| v)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T, A: Allocator> ExactSizeIterator for IntoIter<T, A> {}
impl<T, A: Allocator> FusedIterator for IntoIter<T, A> {}

impl<T: fmt::Debug, A: Allocator> fmt::Debug for IntoIter<T, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.iter().map(|(v, ())| v))
            .finish()
    }
}
