//! The array pair and the one rule that says which chain holds index `t` during a grow.
//!
//! While a grow runs, a table has two arrays: the current one (`2^b` buckets) and the old one
//! (`2^old_b`). Which chain is authoritative for chain index `t`, over the larger of the two
//! arrays, is decided here and nowhere else:
//!
//! - old chain `i = t & old_mask` while it has not moved, at its own index only (`i == t`);
//! - else new bucket `t`, when `t < 2^b` (it was initialised when its source moved);
//! - else nothing.
//!
//! An old chain has moved when its unit is below `nevacuate` (its memory may already be back
//! with the OS, so it is not read) or when slot 0 of its head carries an evacuation mark.
//! Iteration, cloning, `stats`, `snapshot` and clearing all enumerate chains through
//! [`Arrays::chain_at`], so they agree on every entry being visited exactly once.

use core::marker::PhantomData;

use crate::alloc::RawArray;
use crate::bucket::{is_evacuated, Bucket};

/// A copy of a table's array addresses and growth state: what is needed to find any bucket.
/// It does not borrow the table; whoever holds one keeps the table alive and unchanged.
pub(crate) struct Arrays<K, V> {
    pub(crate) cur: RawArray,
    cur_links: *mut *mut u8,
    pub(crate) b: u8,
    /// `RawArray::NULL` when not growing.
    pub(crate) old: RawArray,
    old_links: *mut *mut u8,
    pub(crate) old_b: u8,
    /// `units - 1` while growing (units: old chains when growing, new buckets when shrinking).
    pub(crate) units_mask: usize,
    pub(crate) nevacuate: usize,
    _marker: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for Arrays<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Arrays<K, V> {}

/// Which array a chain found by [`Arrays::chain_at`] lives in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Side {
    /// The current array.
    Current,
    /// The old array (a chain that has not moved yet).
    Old,
}

impl<K, V> Arrays<K, V> {
    pub(crate) fn new(cur: RawArray, b: u8, old: RawArray, old_b: u8, nevacuate: usize) -> Self {
        let units_mask = if old.is_null() {
            0
        } else {
            (1usize << b.min(old_b)) - 1
        };
        Arrays {
            cur,
            cur_links: cur.links(1 << b),
            b,
            old,
            old_links: old.links(1 << old_b),
            old_b,
            units_mask,
            nevacuate,
            _marker: PhantomData,
        }
    }

    /// Whether an old array is being evacuated.
    #[inline(always)]
    pub(crate) fn growing(&self) -> bool {
        !self.old.is_null()
    }

    /// Current bucket `j`, computed without reading memory.
    #[inline(always)]
    pub(crate) fn cur_bucket(&self, j: usize) -> Bucket<K, V> {
        Bucket::main(self.cur.tags, self.cur_links, self.cur.slots, j)
    }

    /// Old bucket `i`, computed without reading memory.
    #[inline(always)]
    pub(crate) fn old_bucket(&self, i: usize) -> Bucket<K, V> {
        Bucket::main(self.old.tags, self.old_links, self.old.slots, i)
    }

    /// Chain indices to enumerate: the larger of the two arrays.
    pub(crate) fn num_chains(&self) -> usize {
        if self.growing() {
            1usize << self.b.max(self.old_b)
        } else {
            1usize << self.b
        }
    }

    /// Whether old chain `i` has moved. Units below `nevacuate` have (their memory may have been
    /// released, so their heads are not read).
    ///
    /// # Safety
    /// Growing, `i < 2^old_b`, and the arrays are those of a live, unchanged table.
    #[inline(always)]
    pub(crate) unsafe fn old_moved(&self, i: usize) -> bool {
        // SAFETY: forwarded; an old head at or past `nevacuate` is initialised.
        (i & self.units_mask) < self.nevacuate || unsafe { is_evacuated(self.old_bucket(i)) }
    }

    /// The authoritative chain at index `t` (see the module comment), or `None`.
    ///
    /// # Safety
    /// `t < num_chains()`, and the arrays are those of a live, unchanged table.
    #[inline(always)]
    pub(crate) unsafe fn chain_at(&self, t: usize) -> Option<(Side, Bucket<K, V>)> {
        if self.growing() {
            let i = t & ((1usize << self.old_b) - 1);
            // SAFETY: forwarded.
            if !unsafe { self.old_moved(i) } {
                return (i == t).then(|| (Side::Old, self.old_bucket(i)));
            }
        }
        (t >> self.b == 0).then(|| (Side::Current, self.cur_bucket(t)))
    }
}
