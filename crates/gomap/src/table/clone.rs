//! Cloning a table structure for structure: the same arrays, chains and growth state, each entry
//! cloned into the same slot. No key is hashed, so cloning asks nothing of `Hash` or the hasher
//! (std's bounds: `K: Clone, V: Clone`), and the clone iterates in the same order.
//!
//! The clone is built into zeroed arrays (a zeroed bucket is empty; a zeroed old head reads as an
//! old chain that has not moved and holds nothing) chain by chain, in iteration order, with `len`
//! counting the entries cloned so far. If a `Clone` panics, the partial clone is a valid table
//! holding exactly those entries, and dropping it drops each once.

use super::RawTable;
use crate::alloc::alloc_array;
use crate::bucket::{match_live, BucketPtr, EVACUATED_EMPTY};

impl<K, V> RawTable<K, V> {
    /// A copy of this table with every entry cloned by `clone`.
    pub(crate) fn clone_with(&self, mut clone: impl FnMut(&K, &V) -> (K, V)) -> Self {
        let mut out = Self::new();
        if !self.is_allocated() {
            return out;
        }
        out.buckets = alloc_array::<K, V>(self.num_buckets(), true).unwrap_or_else(|e| e.handle());
        out.b = self.b;
        out.set_limits();
        if self.is_growing() {
            out.old = alloc_array::<K, V>(self.old_count(), true).unwrap_or_else(|e| e.handle());
            out.old_b = self.old_b;
            out.nevacuate = self.nevacuate;
        }
        out.pending_shrink = self.pending_shrink;
        out.emptied = self.emptied;
        let units_mask = if self.is_growing() {
            self.units() - 1
        } else {
            0
        };
        for t in 0..self.num_chains() {
            let mut from_old = false;
            if self.is_growing() {
                let i = t & (self.old_count() - 1);
                if i == t && i & units_mask >= self.nevacuate {
                    // SAFETY: an old head at or past `nevacuate` is initialised, and the clone's
                    // old array has the same count.
                    unsafe {
                        let head = self.old_bucket(i);
                        if crate::bucket::is_evacuated(head) {
                            // Copy the marks before cloning what moved, so the clone's iteration
                            // (and drop) sees the new buckets this chain fed.
                            copy_marks(head, out.old_bucket(i));
                        } else {
                            from_old = true;
                        }
                    }
                } else if i == t {
                    // Moved, and possibly released: the clone gets plain evacuated marks.
                    for s in 0..crate::bucket::BUCKET_SLOTS {
                        // SAFETY: the clone's old array has this index.
                        unsafe { out.old_bucket(i).set_tophash(s, EVACUATED_EMPTY) };
                    }
                }
            }
            let (src, dst) = if from_old {
                // SAFETY: `t` is an old index, as checked above.
                unsafe { (self.old_bucket(t), out.old_bucket(t)) }
            } else {
                let src = self.chain_at_for_clone(t);
                if src.is_null() {
                    continue;
                }
                // SAFETY: `t < 2^b` when `chain_at_for_clone` yields a bucket, and both tables'
                // current arrays have `2^b` buckets.
                (src, unsafe { out.bucket(t) })
            };
            // SAFETY: `src` is an initialised chain of `self`; `dst` is the zeroed head of the
            // same chain in `out`.
            unsafe { out.clone_chain(src, dst, from_old, &mut clone) };
        }
        out
    }

    /// The current-array bucket iteration visits at index `t`, or null (see `iter::chain_at`).
    fn chain_at_for_clone(&self, t: usize) -> BucketPtr<K, V> {
        if self.is_growing() {
            let i = t & (self.old_count() - 1);
            // SAFETY: `i` is an old index.
            if !unsafe { self.old_moved(i) } {
                return BucketPtr::null();
            }
        }
        if t >> self.b != 0 {
            return BucketPtr::null();
        }
        // SAFETY: `t < 2^b` and its source has moved (or the table is not growing).
        unsafe { self.bucket(t) }
    }

    /// Clones chain `src` (of another table) into this table's zeroed head `dst`, slot for slot,
    /// counting entries into `len` as they are written.
    ///
    /// # Safety
    /// `src` is an initialised chain; `dst` is a zeroed head of this table, in the old array when
    /// `old`.
    unsafe fn clone_chain(
        &mut self,
        mut src: BucketPtr<K, V>,
        mut dst: BucketPtr<K, V>,
        old: bool,
        clone: &mut impl FnMut(&K, &V) -> (K, V),
    ) {
        loop {
            // SAFETY: the caller's contract; live source slots hold entries, and each is written
            // into the same, still empty slot of `dst` before its tophash makes it live.
            unsafe {
                for s in match_live(src.tophash_word()) {
                    let (k, v) = clone(&*src.key(s), &*src.value(s));
                    dst.write(s, src.tophash(s), k, v);
                    self.len += 1;
                }
                // Empty marks (EMPTY_ONE vs EMPTY_REST) are copied too, for an identical layout.
                for s in 0..crate::bucket::BUCKET_SLOTS {
                    let top = src.tophash(s);
                    if top < crate::bucket::MIN_TOPHASH {
                        dst.set_tophash(s, top);
                    }
                }
                src = src.overflow();
                if src.is_null() {
                    return;
                }
                let next = self.pool.take();
                dst.set_overflow(next);
                if old {
                    self.old_noverflow += 1;
                } else {
                    self.noverflow += 1;
                }
                dst = next;
            }
        }
    }
}

/// Copies the tophash bytes of an evacuated old head (all marks, no entries).
///
/// # Safety
/// Both are initialised heads; `from` is evacuated.
unsafe fn copy_marks<K, V>(from: BucketPtr<K, V>, to: BucketPtr<K, V>) {
    for s in 0..crate::bucket::BUCKET_SLOTS {
        // SAFETY: forwarded.
        unsafe { to.set_tophash(s, from.tophash(s)) };
    }
}
