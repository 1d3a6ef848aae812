//! # gomap: Go's runtime hash map, in Rust
//!
//! `gomap` rebuilds the hash map that Go shipped from 1.0 through 1.23 as a drop-in replacement
//! for `std::collections::HashMap` and `HashSet`: same names, same semantics, and it does not
//! stall when it grows.
//!
//! ```
//! use gomap::HashMap;
//!
//! let mut scores = HashMap::new();
//! scores.insert("blue", 10);
//! *scores.entry("yellow").or_insert(0) += 50;
//! assert_eq!(scores["yellow"], 50);
//! println!("{}", scores.stats()); // what the map looks like inside
//! ```
//!
//! ## The design
//!
//! A map is a small header plus an array of `2^B` buckets. A key's 64-bit hash picks its bucket
//! with the low `B` bits; its top 8 bits become the slot's *tophash*. Each bucket holds 8 slots.
//! The array keeps hot and cold apart: every bucket's 8 tophash bytes sit in one dense array
//! (8 buckets to a cache line), so a lookup rejects most slots eight at a time (SSE2 on x86_64,
//! NEON on aarch64, SWAR elsewhere) and a miss normally touches that one line; the overflow links
//! sit in a second array, read only when a bucket is full; the keys and values (as pairs when
//! that wastes no padding, else as Go's two arrays) sit in a third, read after a tag matched. A
//! full bucket chains an overflow bucket from the spares allocated with the array.
//!
//! When the average load passes **6.5 entries per bucket**, an array twice as large is installed
//! and the old one is **evacuated incrementally**: each later insert or remove moves the old
//! chain that feeds its target bucket, plus one more, so no single operation rehashes the map.
//! Until a chain moves, lookups read it in the old array. When churn leaves about as many
//! overflow buckets as buckets, a *same-size* grow compacts the chains the same way.
//!
//! Where gomap goes past Go:
//! - **Starting a grow is O(1), and so is ending one.** The new array is allocated
//!   uninitialised; each destination bucket is initialised when its old chain is evacuated, and
//!   the old array is handed back to the OS piece by piece as evacuation passes it.
//! - **Every change of size is incremental**: `reserve` installs its final array at once (up to
//!   64x larger), `shrink_to`/`shrink_to_fit` shrink in steps carried out by later writes.
//! - **Hot/cold layout** (above), and a **48-byte table header**: the growth state lives out of
//!   line while a grow runs, as Go's `mapextra` does.
//! - **`reserve` keeps std's promise**: after `with_capacity(n)`, `reserve(n)` or
//!   `try_reserve(n)`, the next `n` inserts of keys that hash at random make no allocator call;
//!   the array's spare overflow blocks are sized for the reserved load.
//! - **Batched lookups**: [`HashMap::get_many`] and [`HashMap::contains_many`] hash ahead and
//!   prefetch each key's memory before resolving it, overlapping the cache misses of a large map.
//! - **Panic safety.** Evacuation copies entries before it commits, so a `Hash` that panics
//!   mid-grow leaves the map as it was; a panicking `Drop` does not stop the others.
//! - **[`HashTable<T>`]**: the same table without the key/value split, the caller supplying
//!   hashes and equality (hashbrown's `HashTable` API), for indexes and values that carry their
//!   own keys.
//! - **Seeing inside**: [`HashMap::stats`] and [`HashMap::snapshot`] (types in [`introspect`]).
//!
//! The design as built, with the measurements behind each departure from Go, is in the
//! repository's `docs/DESIGN.md`.
//!
//! ## What to know as a user
//! - **Hashing**: [`DefaultHashBuilder`] is foldhash's fast, per-map randomly seeded hasher;
//!   any `BuildHasher` works. See [`hash`] for what that does and does not promise against
//!   HashDoS, and for when a map renews its seed.
//! - **Capacity**: [`HashMap::capacity`] is how many entries fit before the bucket array is
//!   replaced by a larger one. Inserts below it chain overflow buckets from spares allocated with
//!   the array; only keys that collide far beyond chance (a broken or hostile hasher) can use up
//!   the spares and make an insert allocate more.
//! - **Growth finishes on writes.** A map built and then only read can stay mid-grow, and then
//!   its lookups read the old array's fuller chains (measured: 1.4x slower right after a grow
//!   started at 1.7M keys). [`HashMap::finish_growth`] completes a grow or shrink at once.
//! - **Big types**: keys or values larger than [`introspect::MAX_INLINE`] (128) bytes are stored out of line,
//!   one allocation per entry, as Go does; it keeps buckets small.
//! - **Iteration order** is arbitrary but stable while the map is unchanged.
//! - **Allocators**: `HashMap<K, V, S, A>` and `HashSet<T, S, A>` take an allocator `A`
//!   (allocator-api2's `Allocator`, [`allocator::Global`] by default), as hashbrown does: every
//!   allocation the map makes goes through it (see [`allocator`]: arenas, counting allocators;
//!   pages are handed back to the OS early only for the global allocator).
//! - **Features**: `std` (on by default; without it the crate is `#![no_std]` on core + alloc:
//!   no early page release, and the default hasher is foldhash's no_std form, seeded from
//!   addresses and a global counter instead of per-thread state; `serde`, `rayon`, `sync` and
//!   `frozen` turn `std` on), `nightly` (allocator-api2 on core's unstable `allocator_api`),
//!   `serde` (Serialize/Deserialize), `rayon` (parallel iterators), `sync`
//!   ([`sync::SyncMap`], Go's `sync.Map`: a concurrent map with lock-free reads and no O(n)
//!   step, reclaiming memory with crossbeam-epoch), `frozen` ([`frozen`]: a map written to bytes
//!   or a file and read back in place, zero copies, safe on any input; `HashMap::freeze`), `mmap`
//!   (memory-mapped frozen maps).

#![warn(missing_docs)]
// On docs.rs (`--cfg docsrs`, nightly rustdoc), every feature-gated item shows the feature it
// needs (`doc_cfg` labels `#[cfg]` items on its own).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(all(not(feature = "std"), not(test)), no_std)]

// As `alloc_crate`: the name `alloc` is this crate's module of bucket memory.
extern crate alloc as alloc_crate;

mod alloc;
pub mod allocator;
mod batch;
mod bucket;
mod entry;
mod entry_ref;
mod error;
#[cfg(feature = "frozen")]
#[cfg_attr(docsrs, doc(cfg(feature = "frozen")))]
pub mod frozen;
mod group;
pub mod hash;
pub mod hash_table;
mod iter;
mod map;
#[cfg(feature = "rayon")]
pub mod rayon;
#[cfg(feature = "serde")]
mod serde;
mod set;
mod snapshot;
mod stats;
#[cfg(feature = "sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "sync")))]
pub mod sync;
mod table;

pub use crate::entry::{Entry, OccupiedEntry, VacantEntry};
pub use crate::error::TryReserveError;
pub use crate::hash::DefaultHashBuilder;
pub use crate::hash_table::HashTable;
pub use crate::iter::{
    Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
};
pub use crate::map::HashMap;
pub use crate::set::HashSet;
pub use equivalent::Equivalent;

/// [`HashMap`] and its iterators and entries, under the names std uses
/// (`gomap::hash_map::Iter`, ...), with std's [`RandomState`](hash_map::RandomState) and
/// [`DefaultHasher`](hash_map::DefaultHasher) (feature `std`, on by default), so that
/// `use std::collections::hash_map::{...}`
/// can become `use gomap::hash_map::{...}`.
pub mod hash_map {
    pub use crate::batch::{ContainsMany, GetMany};
    pub use crate::entry::{Entry, OccupiedEntry, VacantEntry};
    pub use crate::entry_ref::{EntryRef, VacantEntryRef};
    pub use crate::iter::{
        Drain, ExtractIf, IntoIter, IntoKeys, IntoValues, Iter, IterMut, Keys, Values, ValuesMut,
    };
    pub use crate::map::HashMap;
    #[cfg(feature = "std")]
    pub use std::collections::hash_map::{DefaultHasher, RandomState};
}

/// Seeing inside a map: what [`HashMap::stats`] and [`HashMap::snapshot`] return, and the size
/// above which keys and values are stored out of line.
///
/// The structs here are `#[non_exhaustive]`: new figures can be added without breaking code
/// that reads the existing ones.
pub mod introspect {
    pub use crate::bucket::MAX_INLINE;
    pub use crate::snapshot::{Chain, OldArray, Snapshot};
    pub use crate::stats::Stats;
}

/// [`HashSet`] and its iterators and entries, under the names std and hashbrown use
/// (`gomap::hash_set::Iter`, `gomap::hash_set::Entry`, ...).
pub mod hash_set {
    pub use crate::set::{
        Difference, Drain, Entry, ExtractIf, HashSet, Intersection, IntoIter, Iter, OccupiedEntry,
        SymmetricDifference, Union, VacantEntry,
    };
}
