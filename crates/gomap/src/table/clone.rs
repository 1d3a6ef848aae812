//! Cloning a table structure for structure: the same arrays, chains and growth state, each entry
//! cloned into the same slot. No key is hashed, so cloning asks nothing of `Hash` or the hasher
//! (std's bounds: `K: Clone, V: Clone`), and the clone iterates in the same order.
//!
//! The clone is built into zeroed arrays (a zeroed bucket is empty; a zeroed old head reads as an
//! old chain that has not moved and holds nothing) chain by chain, in iteration order, with `len`
//! counting the entries cloned so far. If a `Clone` panics, the partial clone is a valid table
//! holding exactly those entries, and dropping it drops each once.

use allocator_api2::alloc::Allocator;

use super::{bucket_count_checked, RawTable, Side};
use crate::alloc::{alloc_array, spares, take_block, RawArray};
use crate::bucket::{Bucket, BUCKET_SLOTS, EVACUATED_EMPTY, MIN_TOPHASH};
use crate::group::match_live;

impl<K, V, A: Allocator> RawTable<K, V, A> {
    /// A copy of this table in allocator `alloc`, with every entry cloned by `clone`.
    pub(crate) fn clone_with<B: Allocator>(
        &self,
        alloc: B,
        mut clone: impl FnMut(&K, &V) -> (K, V),
    ) -> RawTable<K, V, B> {
        let mut out = RawTable::new_in(alloc);
        if !self.is_allocated() {
            return out;
        }
        let alloc_like = |out: &RawTable<K, V, B>, arr: RawArray, b: u8| {
            let n = bucket_count_checked(b).expect("the original has this many buckets");
            // SAFETY: `arr` is a live array of this table.
            let spares = unsafe { spares(arr) };
            alloc_array(&out.alloc, &Self::SHAPE, n, spares, true).unwrap_or_else(|e| e.handle())
        };
        let cur = alloc_like(&out, self.current(), self.b());
        out.install(cur, self.b());
        let from = self.arrays();
        if let Some(g) = &self.core.growth {
            // Only the parts a clone keeps: the old array and a queued shrink (a retiring array
            // holds no entries and is not cloned).
            if from.growing() || g.pending_shrink.is_some() {
                let old = if from.growing() {
                    alloc_like(&out, g.old, g.old_b)
                } else {
                    RawArray::NULL
                };
                let h = out.growth_mut();
                if from.growing() {
                    h.old = old;
                    h.old_b = g.old_b;
                    h.nevacuate = g.nevacuate;
                }
                h.pending_shrink = g.pending_shrink;
            }
        }
        let to = out.arrays();
        for t in 0..from.num_chains() {
            if from.growing() {
                let i = t & ((1usize << from.old_b) - 1);
                if i == t {
                    if (i & from.units_mask) < from.nevacuate {
                        // Moved, and possibly released: the clone gets plain evacuated marks.
                        // SAFETY: the clone's old array has this index.
                        unsafe {
                            to.old_bucket(i)
                                .set_tag_word(u64::from_ne_bytes([EVACUATED_EMPTY; 8]))
                        };
                    } else {
                        let head = from.old_bucket(i);
                        // SAFETY: an old head at or past `nevacuate` is initialised.
                        if unsafe { crate::bucket::is_evacuated(head) } {
                            // Copy the marks before cloning what moved, so the clone's iteration
                            // (and drop) sees the new buckets this chain fed.
                            // SAFETY: both heads are initialised; the source holds only marks.
                            unsafe { to.old_bucket(i).set_tag_word(head.tag_word()) };
                        }
                    }
                }
            }
            // SAFETY: `t < num_chains()` of this live, unchanged table.
            let Some((side, src)) = (unsafe { from.chain_at(t) }) else {
                continue;
            };
            let (dst, arr) = match side {
                Side::Old => (to.old_bucket(t), to.old),
                Side::Current => (to.cur_bucket(t), to.cur),
            };
            // SAFETY: `src` is an initialised chain of `self`; `dst` is the zeroed head of the
            // same chain in `out`, in array `arr`.
            unsafe { out.clone_chain(src, dst, arr, &mut clone) };
        }
        out.set_limits();
        out
    }

    /// Clones chain `src` (of another table) into this table's zeroed head `dst`, slot for slot,
    /// counting entries into `len` as they are written.
    ///
    /// # Safety
    /// `src` is an initialised chain; `dst` is a zeroed head of this table in array `arr`.
    unsafe fn clone_chain(
        &mut self,
        mut src: Bucket<K, V>,
        mut dst: Bucket<K, V>,
        arr: RawArray,
        clone: &mut impl FnMut(&K, &V) -> (K, V),
    ) {
        loop {
            // SAFETY: the caller's contract; live source slots hold entries, and each is written
            // into the same, still empty slot of `dst` before its tophash makes it live.
            unsafe {
                let word = src.tag_word();
                for s in match_live(word) {
                    let (k, v) = clone(&*src.key(s), &*src.value(s));
                    dst.write(s, src.tag(s), k, v, &self.alloc);
                    self.core.len += 1;
                }
                // Empty marks (EMPTY_ONE vs EMPTY_REST) are copied too, for an identical layout.
                for s in 0..BUCKET_SLOTS {
                    let top = src.tag(s);
                    if top < MIN_TOPHASH {
                        dst.set_tag(s, top);
                    }
                }
                src = src.overflow();
                if src.is_null() {
                    return;
                }
                let next = Bucket::block(take_block(&self.alloc, &Self::SHAPE, arr));
                dst.set_overflow(next);
                dst = next;
            }
        }
    }
}
