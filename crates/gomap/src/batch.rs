//! Batched lookups: [`HashMap::get_many`] and [`HashMap::contains_many`].
//!
//! The iterators look a few keys ahead: each key is hashed, and its bucket's tags and slot lines
//! prefetched, [`AHEAD`] keys before it is resolved (see `table/batch.rs`). On a map larger than
//! the cache that overlaps the memory waits of consecutive lookups instead of queueing them; on
//! a map that fits in cache the iterators just look each key up.

use core::hash::{BuildHasher, Hash};
use core::iter::FusedIterator;

use allocator_api2::alloc::{Allocator, Global};
use equivalent::Equivalent;

use crate::table::Pending;
use crate::HashMap;

/// How many keys a batched lookup runs ahead of the one it resolves. Measured at 1M and 10M
/// u64 keys (docs/DESIGN.md, section 8): 8 was too few to hide a DRAM load, 32 no better than 16.
pub(crate) const AHEAD: usize = 16;

/// The iterator returned by [`HashMap::get_many`]: the value for each key, in order.
///
/// It holds up to 16 keys that it has hashed but not yet resolved.
pub struct GetMany<'a, 'q, K, V, S, Q: ?Sized, I, A: Allocator = Global> {
    map: &'a HashMap<K, V, S, A>,
    keys: I,
    ring: [Option<(Pending<K, V>, &'q Q)>; AHEAD],
    /// Index of the oldest pending lookup in `ring`.
    front: usize,
    /// Pending lookups in `ring`.
    len: usize,
    /// Whether to pipeline at all: not for a map that fits in cache, where the ring only costs
    /// (measured at 1K u64 keys: 4.7 ns per key pipelined, 2.7 ns plain).
    pipelined: bool,
}

impl<'a, 'q, K, V, S, Q, I, A: Allocator> GetMany<'a, 'q, K, V, S, Q, I, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    Q: Hash + Equivalent<K> + ?Sized + 'q,
    I: Iterator<Item = &'q Q>,
{
    pub(crate) fn new(map: &'a HashMap<K, V, S, A>, keys: I) -> Self {
        GetMany {
            map,
            keys,
            ring: [None; AHEAD],
            front: 0,
            len: 0,
            pipelined: map.table.prefetches(),
        }
    }

    /// Hashes keys until `AHEAD` lookups are pending or the keys run out.
    #[inline]
    fn fill(&mut self) {
        while self.len < AHEAD {
            let Some(q) = self.keys.next() else {
                return;
            };
            let hash = self.map.hash_builder.hash_one(q);
            let p = self.map.table.batch_start(hash);
            self.ring[(self.front + self.len) % AHEAD] = Some((p, q));
            self.len += 1;
        }
    }
}

impl<'a, 'q, K, V, S, Q, I, A: Allocator> Iterator for GetMany<'a, 'q, K, V, S, Q, I, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    Q: Hash + Equivalent<K> + ?Sized + 'q,
    I: Iterator<Item = &'q Q>,
{
    type Item = Option<&'a V>;

    #[inline]
    fn next(&mut self) -> Option<Option<&'a V>> {
        if !self.pipelined {
            let map = self.map;
            return self.keys.next().map(|q| map.get(q));
        }
        self.fill();
        if self.len == 0 {
            return None;
        }
        let (p, q) = self.ring[self.front].take().expect("a pending lookup");
        self.front = (self.front + 1) % AHEAD;
        self.len -= 1;
        let pos = self.map.table.batch_find(&p, |k| q.equivalent(k));
        // SAFETY: the position is live, and the map stays borrowed shared for 'a.
        Some(pos.map(|pos| unsafe { &*pos.value() }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (lo, hi) = self.keys.size_hint();
        (
            lo.saturating_add(self.len),
            hi.and_then(|h| h.checked_add(self.len)),
        )
    }
}

/// `FusedIterator` and `ExactSizeIterator` when the keys' iterator is.
macro_rules! marker_traits {
    ($name:ident) => {
        impl<'q, K, V, S, Q, I, A: Allocator> FusedIterator for $name<'_, 'q, K, V, S, Q, I, A>
        where
            K: Eq + Hash,
            S: BuildHasher,
            Q: Hash + Equivalent<K> + ?Sized + 'q,
            I: FusedIterator<Item = &'q Q>,
        {
        }

        impl<'q, K, V, S, Q, I, A: Allocator> ExactSizeIterator for $name<'_, 'q, K, V, S, Q, I, A>
        where
            K: Eq + Hash,
            S: BuildHasher,
            Q: Hash + Equivalent<K> + ?Sized + 'q,
            I: ExactSizeIterator<Item = &'q Q>,
        {
        }
    };
}
marker_traits!(GetMany);
marker_traits!(ContainsMany);

/// The iterator returned by [`HashMap::contains_many`]: whether the map holds each key, in
/// order.
pub struct ContainsMany<'a, 'q, K, V, S, Q: ?Sized, I, A: Allocator = Global>(
    GetMany<'a, 'q, K, V, S, Q, I, A>,
);

impl<'a, 'q, K, V, S, Q, I, A: Allocator> ContainsMany<'a, 'q, K, V, S, Q, I, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    Q: Hash + Equivalent<K> + ?Sized + 'q,
    I: Iterator<Item = &'q Q>,
{
    pub(crate) fn new(map: &'a HashMap<K, V, S, A>, keys: I) -> Self {
        ContainsMany(GetMany::new(map, keys))
    }
}

impl<'q, K, V, S, Q, I, A: Allocator> Iterator for ContainsMany<'_, 'q, K, V, S, Q, I, A>
where
    K: Eq + Hash,
    S: BuildHasher,
    Q: Hash + Equivalent<K> + ?Sized + 'q,
    I: Iterator<Item = &'q Q>,
{
    type Item = bool;

    #[inline]
    fn next(&mut self) -> Option<bool> {
        self.0.next().map(|v| v.is_some())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}
