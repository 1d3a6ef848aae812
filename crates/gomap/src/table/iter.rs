//! The raw iterator: live positions, chain by chain.
//!
//! Chains are enumerated by index `t` over the larger of the two arrays: old chain `t & old_mask`
//! while it has not moved (once, at its own index), else new bucket `t` (when it exists). That
//! yields every entry exactly once, during a grow or a shrink, without hashing anything, in an
//! order that is stable while the table is unchanged.

use core::iter::FusedIterator;
use core::mem;

use super::RawTable;
use crate::bucket::{is_evacuated, match_live, BucketPtr, Layout, SlotMask};
use crate::table::Position;

/// Drops the entries `iter` has not yielded yet, continuing past a panicking destructor (a
/// second panic while unwinding aborts, as with a slice).
///
/// # Safety
/// Every position `iter` yields is live and is not read or dropped again afterwards.
pub(crate) unsafe fn drop_remaining<K, V>(iter: &mut RawIter<K, V>) {
    if !Layout::<K, V>::KEY_BOXED
        && !Layout::<K, V>::VALUE_BOXED
        && !mem::needs_drop::<K>()
        && !mem::needs_drop::<V>()
    {
        return;
    }
    struct DropRest<'a, K, V>(&'a mut RawIter<K, V>);
    impl<K, V> Drop for DropRest<'_, K, V> {
        fn drop(&mut self) {
            for pos in self.0.by_ref() {
                // SAFETY: runs only while unwinding from the loop below, which stopped right
                // after the panicking entry; the rest are live and dropped once.
                unsafe { pos.bucket.drop_entry(pos.index) };
            }
        }
    }
    let rest = DropRest(iter);
    for pos in rest.0.by_ref() {
        // SAFETY: the caller promises each yielded position is live and dropped only here.
        unsafe { pos.bucket.drop_entry(pos.index) };
    }
    mem::forget(rest);
}

/// An iterator over live positions, chain by chain (see the module comment for the order).
pub(crate) struct RawIter<K, V> {
    buckets: *mut u8,
    b: u8,
    old: *mut u8,
    old_b: u8,
    /// Units below `nevacuate` have moved (their old heads are not read).
    units_mask: usize,
    nevacuate: usize,
    /// The next chain index to visit.
    next_chain: usize,
    /// One past the last chain index to visit.
    end_chain: usize,
    /// The current chain's head and bucket (null between chains).
    head: BucketPtr<K, V>,
    bucket: BucketPtr<K, V>,
    /// Live slots of `bucket` not yielded yet.
    live: SlotMask,
    /// Entries not yielded yet (counting down from `usize::MAX` when unknown).
    remaining: usize,
    /// Whether `remaining` is known (a whole-table iterator, not a range).
    exact: bool,
}

impl<K, V> Clone for RawIter<K, V> {
    fn clone(&self) -> Self {
        RawIter { ..*self }
    }
}

// SAFETY: a `RawIter` is a cursor that gives no access by itself; the iterator types that hold
// one carry a `PhantomData` (`&'a (K, V)`, `&'a mut (K, V)`) or a table that decides their
// auto traits.
unsafe impl<K, V> Send for RawIter<K, V> {}
// SAFETY: as above.
unsafe impl<K, V> Sync for RawIter<K, V> {}

impl<K, V> RawIter<K, V> {
    pub(super) fn new(table: &RawTable<K, V>, start: usize, end: usize, remaining: usize) -> Self {
        RawIter {
            buckets: table.buckets,
            b: table.b,
            old: table.old,
            old_b: table.old_b,
            units_mask: if table.is_growing() {
                table.units() - 1
            } else {
                0
            },
            nevacuate: table.nevacuate,
            next_chain: start,
            end_chain: end.max(start),
            head: BucketPtr::null(),
            bucket: BucketPtr::null(),
            live: SlotMask(0),
            remaining,
            exact: remaining != usize::MAX,
        }
    }

    /// An iterator that yields nothing.
    pub(crate) fn empty() -> Self {
        RawIter::new(&RawTable::new(), 0, 0, 0)
    }

    /// Entries not yielded yet, when known.
    #[inline]
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn remaining(&self) -> usize {
        self.remaining
    }

    /// The chain indices not started yet, for splitting (`start..end`).
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn chain_range(&self) -> (usize, usize) {
        (self.next_chain, self.end_chain)
    }

    /// Shortens this iterator to end before chain `mid`, and returns one over `mid..end`.
    /// Only for iterators that have not started a chain (fresh range iterators).
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn split_at(&mut self, mid: usize) -> Self {
        debug_assert!(self.bucket.is_null() && self.live.is_empty());
        let mut right = self.clone();
        right.next_chain = mid;
        self.end_chain = mid;
        right
    }

    /// The chain at index `t`: old chain `t & old_mask` while it has not moved (only at its own
    /// index), else new bucket `t` if there is one; null for none.
    #[inline(always)]
    fn chain_at(&self, t: usize) -> BucketPtr<K, V> {
        if !self.old.is_null() {
            let i = t & ((1usize << self.old_b) - 1);
            // SAFETY: `i` is an old index; its head is read only when its unit is at or past
            // `nevacuate` (below it, the memory may have been released), and is initialised.
            let old = unsafe { BucketPtr::<K, V>::at(self.old, i) };
            let moved = (i & self.units_mask) < self.nevacuate
                // SAFETY: as above.
                || unsafe { is_evacuated(old) };
            if !moved {
                return if i == t { old } else { BucketPtr::null() };
            }
        }
        if t >> self.b != 0 {
            return BucketPtr::null();
        }
        // SAFETY: `t < 2^b`, and its source unit has moved (or the table is not growing), so
        // the bucket is initialised.
        unsafe { BucketPtr::at(self.buckets, t) }
    }
}

impl<K, V> RawIter<K, V> {
    /// Moves to the next bucket that has live slots; false at the end. Called once per bucket,
    /// so `next` stays small enough to inline into every iterator.
    #[inline]
    fn advance(&mut self) -> bool {
        if self.remaining == 0 {
            return false;
        }
        loop {
            if !self.bucket.is_null() {
                // SAFETY: the current bucket is initialised.
                self.bucket = unsafe { self.bucket.overflow() };
            }
            if self.bucket.is_null() {
                if self.next_chain >= self.end_chain {
                    self.remaining = 0;
                    return false;
                }
                self.head = self.chain_at(self.next_chain);
                self.bucket = self.head;
                self.next_chain += 1;
                if self.bucket.is_null() {
                    continue;
                }
            }
            // SAFETY: a non-null bucket reached from an iterable head is initialised.
            self.live = match_live(unsafe { self.bucket.tophash_word() });
            if !self.live.is_empty() {
                return true;
            }
        }
    }
}

impl<K, V> Iterator for RawIter<K, V> {
    type Item = Position<K, V>;

    #[inline(always)]
    fn next(&mut self) -> Option<Position<K, V>> {
        if self.live.is_empty() && !self.advance() {
            return None;
        }
        let index = self.live.lowest();
        self.live = self.live.remove_lowest();
        // Range iterators start from `usize::MAX` and never count down to 0.
        self.remaining -= 1;
        Some(Position {
            head: self.head,
            bucket: self.bucket,
            index,
        })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.exact {
            (self.remaining, Some(self.remaining))
        } else {
            (0, None)
        }
    }
}

impl<K, V> FusedIterator for RawIter<K, V> {}
