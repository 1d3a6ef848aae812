//! Parallel iterators (feature `rayon`).
//!
//! [`HashMap`](crate::HashMap) and [`HashSet`](crate::HashSet) implement rayon's
//! `IntoParallelIterator` (by value, by reference, and for maps by mutable reference, which gives
//! them `par_iter` and `par_iter_mut` through rayon's prelude), `ParallelExtend` and
//! `FromParallelIterator`, and have `par_keys`, `par_values`, `par_values_mut` and `par_drain`;
//! sets also have hashbrown's parallel set operations (`par_difference`, `par_union`, ...,
//! `par_is_subset`, `par_eq`), and maps `par_eq`.
//!
//! The iterators are real parallel producers, not a sequential walk into a `Vec`: iteration
//! visits chains by bucket index (an old chain that has not been evacuated yet is visited once, at
//! its own index), and each split hands half of the remaining index range to another thread.
//! A map in the middle of a grow or a shrink is iterated as it stands; nothing moves. Collecting
//! (`ParallelExtend`, `FromParallelIterator`) gathers items in parallel into per-thread vectors,
//! then inserts them in one thread.
//!
//! ```
//! use rayon::prelude::*;
//!
//! let map: gomap::HashMap<u64, u64> = (0..10_000u64).into_par_iter().map(|i| (i, i * i)).collect();
//! let evens: gomap::HashSet<u64> = map.par_keys().filter(|k| *k % 2 == 0).copied().collect();
//! assert_eq!(evens.len(), 5_000);
//! ```

pub mod hash_map;
pub mod hash_set;
mod raw;
