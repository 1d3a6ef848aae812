//! Pipelined lookups: the table's half of [`HashMap::get_many`](crate::HashMap::get_many).
//!
//! A lookup in a large map waits twice on memory: for its bucket's tags, then for the slot a
//! tag matched. One lookup at a time, those waits queue up. A batch of lookups overlaps them, as
//! Valkey and Redis do for `HMGET` and batched commands: a key is hashed and its tags and slot
//! lines prefetched several keys before it is resolved ([`RawTable::batch_start`]); by the time
//! [`RawTable::batch_find`] runs, the lines are usually in cache.

use super::{search, Position, RawTable};
use crate::bucket::{tophash, Bucket};

/// A lookup under way: its hash and the head of the chain to search. Only
/// [`RawTable::batch_start`] makes one, and it is only valid for that table while the table is
/// borrowed shared (the caller holds `&RawTable` for as long as it holds this).
pub(crate) struct Pending<K, V> {
    hash: u64,
    head: Bucket<K, V>,
}

impl<K, V> Clone for Pending<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Pending<K, V> {}

impl<K, V, A: allocator_api2::alloc::Allocator> RawTable<K, V, A> {
    /// Starts a lookup of `hash`: finds its chain head and prefetches its tags.
    #[inline(always)]
    pub(crate) fn batch_start(&self, hash: u64) -> Pending<K, V> {
        let head = self.lookup_head(hash);
        head.prefetch_tags();
        // All of the bucket's slot lines, now: waiting for the tags to say which one to fetch
        // (a second, dependent stage) measured slower here (docs/DESIGN.md, section 8).
        head.prefetch_slots();
        Pending { hash, head }
    }

    /// Resolves a pending lookup: the entry whose key satisfies `eq`.
    #[inline(always)]
    pub(crate) fn batch_find(
        &self,
        p: &Pending<K, V>,
        eq: impl FnMut(&K) -> bool,
    ) -> Option<Position<K, V>> {
        // SAFETY: `p` came from `batch_start` on this table, which has been borrowed shared
        // since, so `p.head` is still the initialised head `lookup_head` gave for `hash`, of a
        // chain that holds no evacuation marks.
        unsafe { search(p.head, tophash(p.hash), eq) }
    }
}
