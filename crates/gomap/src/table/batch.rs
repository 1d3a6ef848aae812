//! Pipelined lookups: the table's half of [`HashMap::get_many`](crate::HashMap::get_many).
//!
//! A lookup in a large map waits twice on memory: for its bucket's tags, then for the slot a
//! tag matched. One lookup at a time, those waits queue up. A batch of lookups overlaps them, as
//! Valkey and Redis do for `HMGET` and batched commands: a key is hashed and its tags line
//! prefetched several keys before it is resolved ([`RawTable::batch_start`]), and half-way there
//! its tags are read and the slot line of the first tag match is prefetched
//! ([`RawTable::batch_prefetch_slot`]); by the time [`RawTable::batch_find`] runs, both lines are
//! usually in cache.

use super::{search, Position, RawTable};
use crate::bucket::{tophash, Bucket};
use crate::group::match_tag;

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

impl<K, V> RawTable<K, V> {
    /// Starts a lookup of `hash`: finds its chain head and prefetches its tags.
    #[inline(always)]
    pub(crate) fn batch_start(&self, hash: u64) -> Pending<K, V> {
        let head = self.lookup_head(hash);
        head.prefetch_tags();
        Pending { hash, head }
    }

    /// Reads the pending lookup's tags (prefetched by `batch_start`) and prefetches the slot
    /// line of the first tag match, if any.
    #[inline(always)]
    pub(crate) fn batch_prefetch_slot(&self, p: &Pending<K, V>) {
        // SAFETY: `p` came from `batch_start` on this table, which has been borrowed shared
        // since, so `p.head` is still an initialised chain head.
        let word = unsafe { p.head.tag_word() };
        let m = match_tag(word, tophash(p.hash));
        if !m.is_empty() {
            p.head.prefetch_key(m.lowest());
        }
    }

    /// Resolves a pending lookup: the entry whose key satisfies `eq`.
    #[inline(always)]
    pub(crate) fn batch_find(
        &self,
        p: &Pending<K, V>,
        eq: impl FnMut(&K) -> bool,
    ) -> Option<Position<K, V>> {
        // SAFETY: as in `batch_prefetch_slot`; `lookup_head` gave the head of the chain that
        // holds `hash`, which holds no evacuation marks.
        unsafe { search(p.head, tophash(p.hash), eq) }
    }
}
