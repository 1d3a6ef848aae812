//! [`HashTable<T>`]: the table without a key/value split (hashbrown's `HashTable`), for types
//! that compute their own hashes and equality, such as an index into a `Vec` (indexmap's
//! design) or a value that carries its key.
//!
//! It is the same Go-style table as [`HashMap`](crate::HashMap)'s (8-slot buckets with tophash
//! bytes, overflow chains, incremental growth), holding `T`s. The caller passes each operation
//! the element's 64-bit `hash` and an `eq` closure; operations that may grow the table also take
//! a `hasher` closure that recomputes the hash of a stored element, because evacuation moves
//! elements into the larger array a few chains per write, by hash. Growth stays incremental: no
//! single insert rehashes the table.
//!
//! Every `hash` given for an element must be the one `hasher` returns for it, and equal elements
//! must have equal hashes; otherwise lookups may miss (never undefined behaviour).
//!
//! ```
//! use gomap::hash_table::{Entry, HashTable};
//! use std::hash::BuildHasher;
//!
//! // Words stored once, looked up by &str, with a hasher the caller keeps.
//! let state = gomap::DefaultHashBuilder::default();
//! let hasher = |w: &String| state.hash_one(w.as_str());
//! let mut words: HashTable<String> = HashTable::new();
//! for w in ["go", "map", "go"] {
//!     let hash = state.hash_one(w);
//!     if let Entry::Vacant(v) = words.entry(hash, |s| s == w, hasher) {
//!         v.insert(w.to_string());
//!     }
//! }
//! assert_eq!(words.len(), 2);
//! let hash = state.hash_one("map");
//! assert_eq!(words.find(hash, |s| s == "map").map(String::as_str), Some("map"));
//! ```

mod entry;
mod iter;

use core::fmt;

use allocator_api2::alloc::{Allocator, Global};

pub use self::entry::{AbsentEntry, Entry, OccupiedEntry, VacantEntry};
pub use self::iter::{ExtractIf, IterMut};
pub use crate::set::{Drain, IntoIter, Iter};

use crate::iter::{Drain as MapDrain, IntoIter as MapIntoIter, IntoKeys, Iter as MapIter, Keys};
use crate::map::assert_disjoint;
use crate::snapshot::Snapshot;
use crate::stats::Stats;
use crate::table::RawTable;
use crate::TryReserveError;

/// A hash table of `T`s whose hashes and equality the caller supplies: hashbrown's
/// `HashTable` API on gomap's incrementally growing table. See the [module docs](self).
pub struct HashTable<T, A: Allocator = Global> {
    table: RawTable<T, (), A>,
}

impl<T> HashTable<T, Global> {
    /// Creates an empty table. It allocates nothing until the first insert. **O(1)**.
    ///
    /// ```
    /// let table: gomap::HashTable<u64> = gomap::HashTable::new();
    /// assert_eq!(table.capacity(), 0);
    /// ```
    pub const fn new() -> Self {
        HashTable {
            table: RawTable::new(),
        }
    }

    /// Creates an empty table with room for at least `capacity` elements before its bucket array
    /// is replaced. **O(1)**: one allocation, written as buckets are first used.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let table: gomap::HashTable<u64> = gomap::HashTable::with_capacity(100);
    /// assert!(table.capacity() >= 100);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::with_capacity_in(capacity, Global)
    }
}

impl<T, A: Allocator> HashTable<T, A> {
    /// Creates an empty table whose memory comes from `alloc`. **O(1)**; allocates nothing.
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let table: gomap::HashTable<u64> = gomap::HashTable::new_in(Global);
    /// assert!(table.is_empty());
    /// ```
    pub const fn new_in(alloc: A) -> Self {
        HashTable {
            table: RawTable::new_in(alloc),
        }
    }

    /// Creates an empty table with room for `capacity` elements, in `alloc`. **O(1)**.
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let table: gomap::HashTable<u64> = gomap::HashTable::with_capacity_in(10, Global);
    /// assert!(table.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        HashTable {
            table: RawTable::try_with_capacity_in(capacity, alloc).unwrap_or_else(|e| e.handle()),
        }
    }

    /// The table's allocator. **O(1)**.
    pub fn allocator(&self) -> &A {
        self.table.allocator()
    }

    /// The element with hash `hash` for which `eq` returns `true`. **O(1)** on average; a
    /// lookup never moves elements (in the middle of a grow it reads the old array for chains
    /// not evacuated yet).
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(7, (1, "one"), |_| 7);
    /// assert_eq!(table.find(7, |&(k, _)| k == 1), Some(&(1, "one")));
    /// assert_eq!(table.find(7, |&(k, _)| k == 2), None);
    /// ```
    #[inline]
    pub fn find(&self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&T> {
        let pos = self.table.find(hash, eq)?;
        // SAFETY: the position is live and the table is borrowed for the reference's lifetime.
        Some(unsafe { &*pos.key() })
    }

    /// A mutable reference to the element with hash `hash` for which `eq` returns `true`.
    /// **O(1)** on average. The element's hash must not change through it.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(7, (1, 10), |_| 7);
    /// table.find_mut(7, |&(k, _)| k == 1).unwrap().1 += 1;
    /// assert_eq!(table.find(7, |&(k, _)| k == 1), Some(&(1, 11)));
    /// ```
    #[inline]
    pub fn find_mut(&mut self, hash: u64, eq: impl FnMut(&T) -> bool) -> Option<&mut T> {
        let pos = self.table.find(hash, eq)?;
        // SAFETY: as in `find`, with the table borrowed mutably.
        Some(unsafe { &mut *pos.key() })
    }

    /// The occupied entry of the element with hash `hash` for which `eq` returns `true`, or an
    /// absent entry that gives the table back. **O(1)** on average. Like [`find`](Self::find)
    /// it does no grow work (it takes no hasher); removing through the entry is still O(1).
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(7, "a", |_| 7);
    /// let entry = table.find_entry(7, |&s| s == "a").unwrap();
    /// let (removed, _vacant) = entry.remove();
    /// assert_eq!(removed, "a");
    /// assert!(table.find_entry(7, |&s| s == "a").is_err());
    /// ```
    pub fn find_entry(
        &mut self,
        hash: u64,
        eq: impl FnMut(&T) -> bool,
    ) -> Result<OccupiedEntry<'_, T, A>, AbsentEntry<'_, T, A>> {
        match self.table.find(hash, eq) {
            Some(pos) => Ok(OccupiedEntry::new(self, hash, pos)),
            None => Err(AbsentEntry::new(self)),
        }
    }

    /// The entry for an element with hash `hash` for which `eq` returns `true`: occupied, or
    /// vacant with a free slot prepared for such an element. **O(1)** on average; as a write,
    /// it does a share of grow work (which calls `hasher` on the elements it moves) and may start
    /// a grow.
    ///
    /// ```
    /// use gomap::hash_table::Entry;
    ///
    /// let mut table: gomap::HashTable<(u32, u32)> = gomap::HashTable::new();
    /// let hasher = |&(k, _): &(u32, u32)| u64::from(k).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    /// for k in [1, 2, 1] {
    ///     let hash = hasher(&(k, 0));
    ///     match table.entry(hash, |&(x, _)| x == k, hasher) {
    ///         Entry::Occupied(mut e) => e.get_mut().1 += 1,
    ///         Entry::Vacant(e) => {
    ///             e.insert((k, 1));
    ///         }
    ///     }
    /// }
    /// assert_eq!(table.find(hasher(&(1, 0)), |&(x, _)| x == 1), Some(&(1, 2)));
    /// ```
    pub fn entry(
        &mut self,
        hash: u64,
        eq: impl FnMut(&T) -> bool,
        hasher: impl Fn(&T) -> u64,
    ) -> Entry<'_, T, A> {
        match self.table.find_or_prepare_insert(hash, eq, hasher) {
            Ok(pos) => Entry::Occupied(OccupiedEntry::new(self, hash, pos)),
            Err(slot) => Entry::Vacant(VacantEntry::new(self, hash, slot)),
        }
    }

    /// Inserts `value` with hash `hash` without looking for an equal element (the caller knows
    /// there is none), returning its occupied entry. **O(1)** on average; as a write, it does a
    /// share of grow work, calling `hasher` on the elements it moves.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// let e = table.insert_unique(42, "x", |_| 42);
    /// assert_eq!(e.get(), &"x");
    /// assert_eq!(table.len(), 1);
    /// ```
    pub fn insert_unique(
        &mut self,
        hash: u64,
        value: T,
        hasher: impl Fn(&T) -> u64,
    ) -> OccupiedEntry<'_, T, A> {
        let Err(slot) = self.table.find_or_prepare_insert(hash, |_| false, hasher) else {
            unreachable!("`eq` matched nothing");
        };
        // SAFETY: the slot was just prepared for this hash, with no change to the table since.
        let pos = unsafe { self.table.insert_in_slot(hash, slot, value, ()) };
        OccupiedEntry::new(self, hash, pos)
    }

    /// Removes every element, keeping the bucket array (the capacity). **O(capacity)**.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, 1, |_| 1);
    /// table.clear();
    /// assert!(table.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.table.clear();
    }

    /// Shrinks the capacity as much as the elements allow. **O(1)** itself: like every change
    /// of size, the shrink is carried out by later writes (which take their own hasher);
    /// `hasher` is accepted for hashbrown's signature. An empty table frees its memory at once.
    ///
    /// ```
    /// let mut table: gomap::HashTable<u64> = gomap::HashTable::with_capacity(1000);
    /// table.insert_unique(1, 1, |&x| x);
    /// table.shrink_to_fit(|&x| x);
    /// assert!(table.capacity() < 1000);
    /// ```
    pub fn shrink_to_fit(&mut self, hasher: impl Fn(&T) -> u64) {
        self.shrink_to(0, hasher);
    }

    /// Shrinks the capacity, keeping at least `min_capacity` (and room for every element);
    /// incremental, like [`shrink_to_fit`](Self::shrink_to_fit). **O(1)** itself.
    ///
    /// ```
    /// let mut table: gomap::HashTable<u64> = gomap::HashTable::with_capacity(1000);
    /// table.shrink_to(100, |&x| x);
    /// assert!(table.capacity() >= 100 && table.capacity() < 1000);
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize, hasher: impl Fn(&T) -> u64) {
        let _ = hasher;
        self.table.shrink_to(min_capacity);
    }

    /// Makes room for `additional` more elements: the next `additional` inserts do not replace
    /// the bucket array and (for random hashes) make no allocator call. **O(1)**, or **O(old
    /// buckets)** when a grow under way must be finished first (which calls `hasher`).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; aborts if the allocation fails.
    ///
    /// ```
    /// let mut table: gomap::HashTable<u64> = gomap::HashTable::new();
    /// table.reserve(10, |&x| x);
    /// assert!(table.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn reserve(&mut self, additional: usize, hasher: impl Fn(&T) -> u64) {
        self.try_reserve(additional, hasher)
            .unwrap_or_else(|e| e.handle());
    }

    /// Like [`reserve`](Self::reserve), but returns an error instead of panicking or aborting.
    /// Costs as `reserve`.
    ///
    /// ```
    /// let mut table: gomap::HashTable<u64> = gomap::HashTable::new();
    /// assert!(table.try_reserve(10, |&x| x).is_ok());
    /// assert!(table.try_reserve(usize::MAX, |&x| x).is_err());
    /// ```
    pub fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&T) -> u64,
    ) -> Result<(), TryReserveError> {
        self.table.try_reserve(additional, hasher)
    }

    /// Finishes a grow or shrink under way now (**O(old buckets)**, calling `hasher` on the
    /// elements it moves) rather than over later writes. Does nothing when not resizing.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// for x in 0..1000u64 {
    ///     table.insert_unique(x, x, |&x| x);
    /// }
    /// table.finish_growth(|&x| x);
    /// assert!(!table.stats().growing);
    /// ```
    pub fn finish_growth(&mut self, hasher: impl Fn(&T) -> u64) {
        self.table.finish_growth(hasher);
    }

    /// How many elements the table holds before its bucket array is replaced by a larger one.
    /// **O(1)**.
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    /// The number of elements. **O(1)**.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether the table holds no elements. **O(1)**.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    /// An iterator over the elements in arbitrary order, stable while the table is unchanged.
    /// A whole pass is **O(capacity)**.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, 'a', |_| 1);
    /// table.insert_unique(2, 'b', |_| 2);
    /// let mut all: Vec<char> = table.iter().copied().collect();
    /// all.sort();
    /// assert_eq!(all, ['a', 'b']);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(Keys {
            inner: MapIter::new(self.table.raw_iter()),
        })
    }

    /// An iterator over mutable references to the elements, in arbitrary order. A whole pass
    /// is **O(capacity)**. Their hashes must not change.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, (1, 10), |_| 1);
    /// table.iter_mut().for_each(|(_, v)| *v += 1);
    /// assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 11)));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut::new(self.table.raw_iter())
    }

    /// Keeps only the elements for which `f` returns `true`, visiting each once. **O(capacity)**;
    /// it never moves elements between arrays.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// for x in 0..10u64 {
    ///     table.insert_unique(x, x, |&x| x);
    /// }
    /// table.retain(|x| *x % 2 == 0);
    /// assert_eq!(table.len(), 5);
    /// ```
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

    /// Removes every element and returns them as an iterator, keeping the capacity. A whole
    /// pass and the drop are **O(capacity)**; a leaked `Drain` leaves the table empty.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, 1, |_| 1);
    /// assert_eq!(table.drain().collect::<Vec<_>>(), [1]);
    /// assert!(table.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T, A> {
        Drain::new(MapDrain::new(&mut self.table))
    }

    /// Removes and yields the elements for which `pred` returns `true`, visiting each once;
    /// elements it does not reach stay. A whole pass is **O(capacity)**.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// for x in 0..10u64 {
    ///     table.insert_unique(x, x, |&x| x);
    /// }
    /// let mut odd: Vec<u64> = table.extract_if(|x| *x % 2 == 1).collect();
    /// odd.sort();
    /// assert_eq!(odd, [1, 3, 5, 7, 9]);
    /// assert_eq!(table.len(), 5);
    /// ```
    pub fn extract_if<F>(&mut self, pred: F) -> ExtractIf<'_, T, F, A>
    where
        F: FnMut(&mut T) -> bool,
    {
        ExtractIf::new(&mut self.table, pred)
    }

    /// Mutable references to `N` elements at once, found by hash and `eq(i, element)` for the
    /// `i`-th; `None` for one not found. N lookups plus **O(N²)** address comparisons.
    ///
    /// # Panics
    /// Panics if two of the lookups find the same element.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, (1, 'a'), |_| 1);
    /// table.insert_unique(2, (2, 'b'), |_| 2);
    /// let [a, b, c] = table.get_disjoint_mut([1, 2, 3], |i, &(k, _)| k == [1, 2, 3][i]);
    /// std::mem::swap(&mut a.unwrap().1, &mut b.unwrap().1);
    /// assert!(c.is_none());
    /// assert_eq!(table.find(1, |&(k, _)| k == 1), Some(&(1, 'b')));
    /// ```
    #[track_caller]
    pub fn get_disjoint_mut<const N: usize>(
        &mut self,
        hashes: [u64; N],
        mut eq: impl FnMut(usize, &T) -> bool,
    ) -> [Option<&mut T>; N] {
        let mut i = 0;
        let ptrs = hashes.map(|hash| {
            let found = self
                .table
                .find(hash, |t| eq(i, t))
                // SAFETY: the position is live.
                .map(|pos| unsafe { pos.key() });
            i += 1;
            found
        });
        assert_disjoint(
            &ptrs,
            "get_disjoint_mut: two lookups found the same element",
        )
        // SAFETY: the pointers are live elements of the mutably borrowed table, pairwise
        // distinct.
        .map(|p| p.map(|p| unsafe { &mut *p }))
    }

    /// A summary of the table's internal state (see [`Stats`]).
    /// **O(buckets)**.
    ///
    /// ```
    /// let mut table = gomap::HashTable::new();
    /// table.insert_unique(1, 1u64, |&x| x);
    /// assert_eq!(table.stats().len, 1);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats::of(&self.table)
    }

    /// A picture of every bucket's tophash bytes (see
    /// [`Snapshot`]). **O(buckets)**.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::of(&self.table)
    }

    /// Bytes of heap memory the table holds (as [`HashMap::allocation_size`]). **O(1)**.
    ///
    /// [`HashMap::allocation_size`]: crate::HashMap::allocation_size
    pub fn allocation_size(&self) -> usize {
        self.table.heap_bytes()
    }
}

impl<T, A: Allocator + Default> Default for HashTable<T, A> {
    /// An empty table. **O(1)**.
    fn default() -> Self {
        HashTable::new_in(A::default())
    }
}

impl<T: Clone, A: Allocator + Clone> Clone for HashTable<T, A> {
    /// Clones the table structure for structure (same buckets, chains and growth state), each
    /// element cloned into the same slot; nothing is hashed. **O(capacity)**.
    fn clone(&self) -> Self {
        HashTable {
            table: self
                .table
                .clone_with(self.table.allocator().clone(), |t, ()| (t.clone(), ())),
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

    /// Consumes the table into an iterator over its elements; those not yielded are dropped
    /// with it.
    fn into_iter(self) -> IntoIter<T, A> {
        IntoIter::new(IntoKeys {
            inner: MapIntoIter::new(self.table),
        })
    }
}
