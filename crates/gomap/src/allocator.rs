//! The allocator parameter: maps and sets in memory that is not the global allocator's.
//!
//! [`HashMap<K, V, S, A>`](crate::HashMap) and [`HashSet<T, S, A>`](crate::HashSet) take an
//! allocator `A` (allocator-api2's [`Allocator`], `Global` by default), as hashbrown does: every
//! allocation the map makes goes through it, the bucket arrays, their overflow chunks, the
//! out-of-line growth state, and keys and values larger than [`MAX_INLINE`](crate::introspect::MAX_INLINE)
//! bytes. So a map can live in a bump arena (bumpalo with its `allocator-api2` feature: see the
//! `arena` example), in a NUMA-local or huge-page allocator, or in a counting allocator in tests.
//! With the `nightly` feature, `Allocator` is core's unstable `allocator_api` trait.
//!
//! **Page release.** While a large map grows, gomap hands the evacuated parts of the old array
//! back to the OS with `madvise` (Linux, see the crate docs) before it frees the array. It does
//! that only for the global allocator: another allocator's memory may be an arena, a huge-page
//! or locked mapping, or shared, and is handed back only by that allocator, when gomap frees it
//! (at the end of the grow). Large arrays from another allocator are also not requested with
//! `allocate_zeroed` (which the global allocator serves from fresh zero pages for free), so an
//! arena's arrays are initialised by gomap, 16 bytes a bucket.
//!
//! ```
//! use gomap::allocator::Global;
//! use gomap::HashMap;
//!
//! let mut map: HashMap<u32, u32, _, Global> = HashMap::new_in(Global);
//! map.insert(1, 2);
//! assert_eq!(map[&1], 2);
//! ```

use crate::hash::{reseed_default, DefaultHashBuilder};
use crate::table::RawTable;
use crate::{HashMap, HashSet};

pub use allocator_api2::alloc::{AllocError, Allocator, Global};

impl<K, V, A: Allocator> HashMap<K, V, DefaultHashBuilder, A> {
    /// Creates an empty map in allocator `alloc`, with the default hasher. It allocates
    /// nothing until the first insert. O(1).
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let map: gomap::HashMap<u32, u32, _, Global> = gomap::HashMap::new_in(Global);
    /// assert_eq!(map.capacity(), 0);
    /// ```
    pub fn new_in(alloc: A) -> Self {
        let mut map = Self::with_hasher_in(DefaultHashBuilder::default(), alloc);
        map.reseed = reseed_default();
        map
    }

    /// Creates an empty map in allocator `alloc` that holds at least `capacity` entries before
    /// its bucket array is replaced, with the default hasher. `with_capacity_in(0, ..)` allocates
    /// nothing. O(capacity / 8) to initialise the array (O(1) for the global allocator's fresh
    /// pages).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; calls `handle_alloc_error` (aborting by
    /// default) if `alloc` fails.
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let map: gomap::HashMap<u32, u32, _, _> = gomap::HashMap::with_capacity_in(100, Global);
    /// assert!(map.capacity() >= 100);
    /// ```
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        let mut map =
            Self::with_capacity_and_hasher_in(capacity, DefaultHashBuilder::default(), alloc);
        map.reseed = reseed_default();
        map
    }
}

impl<K, V, S, A: Allocator> HashMap<K, V, S, A> {
    /// Creates an empty map in allocator `alloc` that hashes with `hash_builder`. It allocates
    /// nothing. O(1). The map never replaces a hasher given this way (see [`crate::hash`]).
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// use std::collections::hash_map::RandomState;
    /// let mut map = gomap::HashMap::with_hasher_in(RandomState::new(), Global);
    /// map.insert(1, 2);
    /// ```
    pub const fn with_hasher_in(hash_builder: S, alloc: A) -> Self {
        HashMap {
            table: RawTable::new_in(alloc),
            hash_builder,
            reseed: None,
        }
    }

    /// Creates an empty map in allocator `alloc` with room for `capacity` entries, hashing with
    /// `hash_builder`. Cost as for [`with_capacity_in`](HashMap::with_capacity_in).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; calls `handle_alloc_error` (aborting by
    /// default) if `alloc` fails.
    #[track_caller]
    pub fn with_capacity_and_hasher_in(capacity: usize, hash_builder: S, alloc: A) -> Self {
        HashMap {
            table: RawTable::try_with_capacity_in(capacity, alloc).unwrap_or_else(|e| e.handle()),
            hash_builder,
            reseed: None,
        }
    }

    /// The map's allocator. O(1).
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let map: gomap::HashMap<u32, u32> = gomap::HashMap::new();
    /// let _: &Global = map.allocator();
    /// ```
    pub fn allocator(&self) -> &A {
        self.table.allocator()
    }
}

impl<T, A: Allocator> HashSet<T, DefaultHashBuilder, A> {
    /// Creates an empty set in allocator `alloc`, with the default hasher. It allocates nothing
    /// until the first insert. O(1).
    ///
    /// ```
    /// use gomap::allocator::Global;
    /// let set: gomap::HashSet<u32, _, Global> = gomap::HashSet::new_in(Global);
    /// assert_eq!(set.capacity(), 0);
    /// ```
    pub fn new_in(alloc: A) -> Self {
        HashSet {
            map: HashMap::new_in(alloc),
        }
    }

    /// Creates an empty set in allocator `alloc` that holds at least `capacity` values before
    /// its bucket array is replaced. Cost as for
    /// [`HashMap::with_capacity_in`](HashMap::with_capacity_in).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; calls `handle_alloc_error` (aborting by
    /// default) if `alloc` fails.
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, alloc: A) -> Self {
        HashSet {
            map: HashMap::with_capacity_in(capacity, alloc),
        }
    }
}

impl<T, S, A: Allocator> HashSet<T, S, A> {
    /// Creates an empty set in allocator `alloc` that hashes with `hasher`. It allocates
    /// nothing. O(1). The set never replaces a hasher given this way.
    pub const fn with_hasher_in(hasher: S, alloc: A) -> Self {
        HashSet {
            map: HashMap::with_hasher_in(hasher, alloc),
        }
    }

    /// Creates an empty set in allocator `alloc` with room for `capacity` values, hashing with
    /// `hasher`. Cost as for [`HashMap::with_capacity_in`](HashMap::with_capacity_in).
    ///
    /// # Panics
    /// Panics if the capacity overflows `usize`; calls `handle_alloc_error` (aborting by
    /// default) if `alloc` fails.
    #[track_caller]
    pub fn with_capacity_and_hasher_in(capacity: usize, hasher: S, alloc: A) -> Self {
        HashSet {
            map: HashMap::with_capacity_and_hasher_in(capacity, hasher, alloc),
        }
    }

    /// The set's allocator. O(1).
    pub fn allocator(&self) -> &A {
        self.map.allocator()
    }
}
