//! The producer behind every parallel iterator: a range of chains, split in halves.
//!
//! Iteration enumerates chains by index over the larger of the two arrays while resizing (an old
//! chain not yet evacuated is visited once, at its own index), so any partition of that range
//! into disjoint sub-ranges visits every entry exactly once. A producer covers one sub-range; splitting halves
//! it. Producers only read the table's memory (tophash bytes, keys and values), and different
//! producers read different chains, so they run on any threads at once.
//!
//! An *owned* producer (for `into_par_iter` and `par_drain`) moves each entry out as it yields
//! it and drops, when it is dropped, the entries of its range it has not yielded (the consumer
//! was full, or a panic unwound through it). The table's memory is freed by the caller after
//! every producer is gone, without dropping anything: each entry is moved out or dropped once.

use core::marker::PhantomData;

use ::rayon::iter::plumbing::{bridge_unindexed, Folder, UnindexedConsumer, UnindexedProducer};

use allocator_api2::alloc::Global;

use crate::table::{drop_remaining, Position, RawIter, RawTable};

/// How a producer turns a live position into an item.
pub(crate) trait Access<K, V> {
    /// The item: references into the table, or the entry itself.
    type Item;
    /// Whether items are moved out (then unyielded entries are dropped with the producer).
    const OWNED: bool;

    /// # Safety
    /// `pos` is live, yielded once by the producer's iterator; the table outlives the item's
    /// borrows, and for an owned access the entry is not read or dropped again.
    unsafe fn get(pos: Position<K, V>) -> Self::Item;
}

/// `(&'a K, &'a V)`: the table is borrowed shared for `'a`.
pub(crate) struct Shared<'a, K, V>(PhantomData<&'a (K, V)>);

impl<'a, K: 'a, V: 'a> Access<K, V> for Shared<'a, K, V> {
    type Item = (&'a K, &'a V);
    const OWNED: bool = false;

    #[inline]
    unsafe fn get(pos: Position<K, V>) -> Self::Item {
        // SAFETY: forwarded; the table is borrowed shared for 'a.
        unsafe { (&*pos.key(), &*pos.value()) }
    }
}

/// `(&'a K, &'a mut V)`: the table is borrowed mutably for `'a`; each position is yielded once,
/// so the `&mut V`s never alias.
pub(crate) struct Exclusive<'a, K, V>(PhantomData<(&'a K, &'a mut V)>);

impl<'a, K: 'a, V: 'a> Access<K, V> for Exclusive<'a, K, V> {
    type Item = (&'a K, &'a mut V);
    const OWNED: bool = false;

    #[inline]
    unsafe fn get(pos: Position<K, V>) -> Self::Item {
        // SAFETY: forwarded; the table is borrowed mutably for 'a and each position is yielded
        // by exactly one producer, once.
        unsafe { (&*pos.key(), &mut *pos.value()) }
    }
}

/// `(K, V)`: the entries are moved out of a table that is then freed without dropping them.
pub(crate) struct Owned<K, V>(PhantomData<(K, V)>);

impl<K, V> Access<K, V> for Owned<K, V> {
    type Item = (K, V);
    const OWNED: bool = true;

    #[inline]
    unsafe fn get(pos: Position<K, V>) -> Self::Item {
        // SAFETY: forwarded; the caller gives the slot up. The parallel iterators serve maps in
        // the global allocator only.
        unsafe { pos.take(&Global) }
    }
}

/// A producer over the chains of one sub-range.
///
/// It is `Send` exactly when its access is: `Shared` needs `K: Sync, V: Sync`, `Exclusive`
/// needs `K: Sync, V: Send`, `Owned` needs `K: Send, V: Send`. (`RawIter` itself is a cursor
/// that grants nothing.)
pub(crate) struct ChainProducer<K, V, A: Access<K, V>> {
    iter: RawIter<K, V>,
    _access: PhantomData<A>,
}

impl<K, V, A: Access<K, V>> ChainProducer<K, V, A> {
    /// # Safety
    /// `iter` is a fresh range iterator over a table that stays alive and unchanged (except
    /// through this producer family) until every producer split from this one is gone; the
    /// access matches how the table is held (shared, mutably, or owned with its entries given
    /// up to the producers).
    unsafe fn new(iter: RawIter<K, V>) -> Self {
        ChainProducer {
            iter,
            _access: PhantomData,
        }
    }
}

impl<K, V, A: Access<K, V>> Drop for ChainProducer<K, V, A> {
    fn drop(&mut self) {
        if A::OWNED {
            // SAFETY: an owned producer alone holds the entries of its range; those it yielded
            // were moved out, the rest are live and dropped here once.
            unsafe { drop_remaining(&mut self.iter, &Global) };
        }
    }
}

/// The items of a producer's range, in chain order.
struct Items<'p, K, V, A> {
    iter: &'p mut RawIter<K, V>,
    _access: PhantomData<A>,
}

impl<K, V, A: Access<K, V>> Iterator for Items<'_, K, V, A> {
    type Item = A::Item;

    #[inline]
    fn next(&mut self) -> Option<A::Item> {
        let pos = self.iter.next()?;
        // SAFETY: the producer's contract (`ChainProducer::new`); each position is yielded once.
        Some(unsafe { A::get(pos) })
    }
}

impl<K, V, A> UnindexedProducer for ChainProducer<K, V, A>
where
    A: Access<K, V> + Send,
    A::Item: Send,
{
    type Item = A::Item;

    fn split(mut self) -> (Self, Option<Self>) {
        // Only range iterators (of unknown length) split: a known count would be wrong in
        // both halves.
        debug_assert_eq!(self.iter.remaining(), usize::MAX);
        let (start, end) = self.iter.chain_range();
        if end - start < 2 {
            return (self, None);
        }
        let mid = start + (end - start) / 2;
        let right = self.iter.split_at(mid);
        // SAFETY: `right` covers chains this producer gave up; the contract carries over.
        (self, Some(unsafe { ChainProducer::new(right) }))
    }

    fn fold_with<F>(mut self, folder: F) -> F
    where
        F: Folder<Self::Item>,
    {
        folder.consume_iter(Items::<K, V, A> {
            iter: &mut self.iter,
            _access: PhantomData,
        })
    }
}

/// A range iterator over every chain of `table` (`raw_iter_range` clamps the end to the chain
/// count, which during a shrink is the old array's).
pub(crate) fn full_range<K, V>(table: &RawTable<K, V>) -> RawIter<K, V> {
    table.raw_iter_range(0, usize::MAX)
}

/// Runs `consumer` over every entry of a table borrowed shared.
pub(crate) fn drive_shared<'a, K, V, C>(table: &'a RawTable<K, V>, consumer: C) -> C::Result
where
    K: Sync,
    V: Sync,
    C: UnindexedConsumer<(&'a K, &'a V)>,
{
    let iter = full_range(table);
    // SAFETY: the table is borrowed shared for 'a, longer than the producers live.
    let producer = unsafe { ChainProducer::<K, V, Shared<'a, K, V>>::new(iter) };
    bridge_unindexed(producer, consumer)
}

/// Runs `consumer` over the entries of `iter` (a full range iterator over a table borrowed
/// mutably for `'a`), as `(&K, &mut V)`.
///
/// # Safety
/// `iter` came from `raw_iter_range` on a table that stays borrowed mutably for `'a` and is
/// reached through nothing else meanwhile.
pub(crate) unsafe fn drive_exclusive<'a, K, V, C>(iter: RawIter<K, V>, consumer: C) -> C::Result
where
    K: Sync,
    V: Send,
    C: UnindexedConsumer<(&'a K, &'a mut V)>,
{
    // SAFETY: forwarded.
    let producer = unsafe { ChainProducer::<K, V, Exclusive<'a, K, V>>::new(iter) };
    bridge_unindexed(producer, consumer)
}

/// Moves every entry of `table` into `consumer` (or drops it), leaving the table empty, with its
/// memory still allocated: the caller frees it or clears it without dropping anything, also when
/// this unwinds.
///
/// # Safety
/// Afterwards (also on unwinding) the caller treats every entry of the table as gone.
pub(crate) unsafe fn drive_owned<K, V, C>(table: &mut RawTable<K, V>, consumer: C) -> C::Result
where
    K: Send,
    V: Send,
    C: UnindexedConsumer<(K, V)>,
{
    let iter = full_range(table);
    // SAFETY: the table is borrowed mutably until every producer is gone (`bridge_unindexed`
    // returns or unwinds only then), and the caller gives its entries up to them.
    let producer = unsafe { ChainProducer::<K, V, Owned<K, V>>::new(iter) };
    bridge_unindexed(producer, consumer)
}
