//! A `#![no_std]` library that uses gomap built without its `std` feature (core + alloc only).
//! `.ci/run` builds it for `thumbv7em-none-eabihf`, a target that has no std at all, so any use
//! of std in gomap (or in what it depends on without `std`) fails the build; where that target
//! is not installed, it builds for the host, which still checks gomap's own `#![no_std]`.
//!
//! It exercises the API a no_std user reaches for: a map with a hasher the user supplies (FNV-1a
//! here), the default hasher (foldhash's no_std form), a set, entries, and growth.

#![no_std]

extern crate alloc;

use core::hash::{BuildHasher, Hasher};

use gomap::{HashMap, HashSet};

/// FNV-1a, a hasher a no_std user might bring: no seed, no std. O(1) per byte.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        // FNV's high bits are weak; fold the low ones in (gomap takes its tophash from the top).
        self.0 ^ self.0.rotate_left(32)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Builds [`Fnv`] hashers.
#[derive(Clone, Copy, Debug, Default)]
pub struct BuildFnv;

impl BuildHasher for BuildFnv {
    type Hasher = Fnv;

    fn build_hasher(&self) -> Fnv {
        Fnv::default()
    }
}

/// How often each word occurs, in a map with the user's hasher. O(words) expected.
pub fn word_counts<'a>(words: &[&'a str]) -> HashMap<&'a str, usize, BuildFnv> {
    let mut counts = HashMap::with_hasher(BuildFnv);
    for &w in words {
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
}

/// How many distinct values `values` holds, in a set with the default hasher. O(values)
/// expected.
pub fn distinct(values: &[u64]) -> usize {
    let mut set = HashSet::new();
    for &v in values {
        set.insert(v);
    }
    set.len()
}

/// Inserts `0..n` as keys, removes the even ones and returns the sum of the rest: growth,
/// removal and iteration. O(n).
pub fn grow_and_shrink(n: u64) -> u64 {
    let mut map: HashMap<u64, u64, BuildFnv> = HashMap::with_capacity_and_hasher(8, BuildFnv);
    for k in 0..n {
        map.insert(k, k);
    }
    map.retain(|k, _| k % 2 == 1);
    map.shrink_to_fit();
    map.values().sum()
}
