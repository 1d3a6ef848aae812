//! Growth: installing a new bucket array and evacuating the old one into it, a unit at a time.
//!
//! A grow replaces an array of `2^old_b` buckets by one of `2^b`, where `b - old_b` is between
//! `-MAX_STEP` and `+MAX_STEP`:
//!
//! - **growing** (`b > old_b`): the *unit* of evacuation is old chain `u`; each entry goes to new
//!   bucket `u + d * 2^old_b`, where `d` is hash bits `old_b..b` (for a doubling, `d` is Go's
//!   X/Y bit);
//! - **same size** (`b == old_b`): old chain `u` goes to new bucket `u`, compacting its overflow;
//! - **shrinking** (`b < old_b`): the unit is new bucket `u`, fed by the old chains
//!   `u + m * 2^b`, which are evacuated together.
//!
//! Either way every destination bucket has exactly one unit feeding it, so it is *fresh* when the
//! unit is evacuated: it is initialised right then (the new array is allocated uninitialised, so
//! starting a grow is O(1)), and entries fill it densely, in order.
//!
//! Every write while growing evacuates the unit holding its key and then the unit at `nevacuate`,
//! so a grow finishes within `units` writes (at most the old bucket count). Load-triggered grows
//! are Go's: double past 6.5 entries per bucket, same size when overflow buckets pile up.
//! [`RawTable::try_reserve`] grows straight to the size it needs (up to 64x in one grow) and
//! [`RawTable::shrink_to`] shrinks in steps of up to 64x, each step incremental.
//!
//! **Panics.** Evacuating a unit calls the user's `Hash`. Entries are *copied* to their
//! destinations and their old slots marked; a [`TagLog`] on the stack remembers each moved
//! entry's original tophash. If `Hash` panics, [`Rollback`] restores the old tophash bytes from
//! the log and resets the destinations, so the unit is exactly as it was: not evacuated.

use core::mem::{self, ManuallyDrop};

use super::{bucket_count_checked, RawTable};
use crate::alloc::{alloc_array, array_layout, release_floor, release_pages};
use crate::bucket::{
    is_evacuated, match_empty, match_live, BucketPtr, Layout, BUCKET_SLOTS, EMPTY_ONE,
    EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y,
};
use crate::table::{log2_buckets_for, over_load_factor};
use crate::TryReserveError;

/// The largest change of size one grow makes: `2^MAX_STEP` = 64 times larger or smaller. It
/// bounds the work of evacuating one unit (64 destinations, or 64 source chains).
pub(crate) const MAX_STEP: u8 = 6;

impl<K, V> RawTable<K, V> {
    /// Units of evacuation: old chains when growing or keeping the size, new buckets when
    /// shrinking.
    #[inline(always)]
    pub(super) fn units(&self) -> usize {
        1usize << self.b.min(self.old_b)
    }

    /// The unit old chain `i` belongs to.
    #[inline(always)]
    fn unit_of(&self, i: usize) -> usize {
        i & (self.units() - 1)
    }

    /// Starts the grow Go starts on an insert: doubling when the new key would pass the load
    /// factor, same size (compacting) when overflow buckets piled up. O(1).
    #[cold]
    #[inline(never)]
    pub(super) fn start_load_grow(&mut self) {
        let new_b = if over_load_factor(self.len + 1, self.b) {
            self.b + 1
        } else {
            self.b
        };
        self.pending_shrink = None;
        self.start_grow_to(new_b).unwrap_or_else(|e| e.handle());
    }

    /// Installs an uninitialised array of `2^new_b` buckets and keeps the current one as the old
    /// array. O(1): nothing moves and nothing is zeroed.
    fn start_grow_to(&mut self, new_b: u8) -> Result<(), TryReserveError> {
        debug_assert!(!self.is_growing() && self.is_allocated());
        debug_assert!(new_b.abs_diff(self.b) <= MAX_STEP);
        let new = alloc_array::<K, V>(bucket_count_checked(new_b)?, false)?;
        self.old = mem::replace(&mut self.buckets, new);
        self.old_b = mem::replace(&mut self.b, new_b);
        self.old_noverflow = mem::replace(&mut self.noverflow, 0);
        self.nevacuate = 0;
        self.set_limits();
        Ok(())
    }

    /// Before a write of `hash`: Go's `growWork` (evacuate the unit holding the key, then the
    /// unit at `nevacuate`), or the next step of a pending shrink.
    #[inline]
    pub(super) fn prepare_write(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) {
        if self.is_growing() {
            self.grow_work(hash, hasher);
        } else if self.pending_shrink.is_some() {
            self.continue_shrink();
            if self.is_growing() {
                self.grow_work(hash, hasher);
            }
        }
    }

    /// Out of line: a write pays a call only while growing, and the hot path stays small.
    #[inline(never)]
    pub(super) fn grow_work(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) {
        let unit = self.unit_of(hash as usize & (self.old_count() - 1));
        self.evacuate(unit, hasher);
        if self.is_growing() {
            self.evacuate(self.nevacuate, hasher);
        }
    }

    /// Evacuates every unit that has not moved yet, including further steps of a pending
    /// shrink.
    pub(crate) fn finish_growth(&mut self, hasher: impl Fn(&K) -> u64) {
        loop {
            while self.is_growing() {
                self.evacuate(self.nevacuate, &hasher);
            }
            if self.pending_shrink.is_none() {
                return;
            }
            self.continue_shrink();
        }
    }

    /// Starts the next step of a pending shrink, or drops it when it is no longer wanted.
    #[cold]
    fn continue_shrink(&mut self) {
        let Some(target) = self.pending_shrink else {
            return;
        };
        let floor = log2_buckets_for(self.len).unwrap_or(self.b);
        let step = target.max(floor).max(self.b.saturating_sub(MAX_STEP));
        if step >= self.b || self.start_grow_to(step).is_err() {
            self.pending_shrink = None;
        }
    }

    /// Evacuates unit `u` (if it has not moved) and advances `nevacuate`.
    fn evacuate(&mut self, u: usize, hasher: &impl Fn(&K) -> u64) {
        // SAFETY: growing, and `u < units <= 2^old_b`.
        let moved = unsafe { self.old_moved(u) };
        if !moved {
            self.evacuate_unit(u, hasher);
        }
        if u == self.nevacuate {
            self.advance_evacuation_mark();
        }
    }

    /// The sources (old chains) and destinations (new buckets) of unit `u`, as (first, count,
    /// stride) triples.
    #[inline]
    fn unit_shape(&self, u: usize) -> ((usize, usize, usize), (usize, usize, usize)) {
        let (old_count, new_count) = (self.old_count(), 1usize << self.b);
        if self.b >= self.old_b {
            ((u, 1, 0), (u, new_count / old_count, old_count))
        } else {
            ((u, old_count / new_count, new_count), (u, 1, 0))
        }
    }

    /// Evacuates unit `u`, with room for `N` destination cursors on the stack (2 covers
    /// doubling, same-size and shrinking grows; reserve's larger steps take 64).
    #[inline(never)]
    fn evacuate_unit(&mut self, u: usize, hasher: &impl Fn(&K) -> u64) {
        if self.b <= self.old_b + 1 {
            self.evacuate_unit_with::<2>(u, hasher);
        } else {
            self.evacuate_unit_with::<{ 1 << MAX_STEP }>(u, hasher);
        }
    }

    #[inline(always)]
    fn evacuate_unit_with<const N: usize>(&mut self, u: usize, hasher: &impl Fn(&K) -> u64) {
        let ((src0, nsrc, src_stride), (dst0, ndst, dst_stride)) = self.unit_shape(u);
        debug_assert!(ndst <= N);
        let mut cursors = [(BucketPtr::<K, V>::null(), 0usize); N];
        for (d, cursor) in cursors.iter_mut().enumerate().take(ndst) {
            // SAFETY: destination indices are below 2^b; this unit alone feeds them and has not
            // moved, so they are not initialised yet.
            let dest = unsafe { self.bucket(dst0 + d * dst_stride) };
            // SAFETY: allocated.
            unsafe { dest.init() };
            *cursor = (dest, 0);
        }
        let old_b = self.old_b;
        let mut guard = Rollback {
            table: self,
            unit: u,
            log: TagLog::new(),
            armed: true,
        };
        for m in 0..nsrc {
            // SAFETY: source indices are below 2^old_b; old chains are initialised.
            let mut bucket = unsafe { guard.table.old_bucket(src0 + m * src_stride) };
            while !bucket.is_null() {
                // SAFETY: `bucket` is in an initialised old chain; live slots hold entries; the
                // destination cursors point at fresh, initialised buckets.
                unsafe {
                    let word = bucket.tophash_word();
                    for s in match_live(word) {
                        let d = if ndst > 1 {
                            (hasher(&*bucket.key(s)) >> old_b) as usize & (ndst - 1)
                        } else {
                            0
                        };
                        let cursor = &mut cursors[d];
                        if cursor.1 == BUCKET_SLOTS {
                            cursor.0 = guard.table.link_overflow(cursor.0);
                            cursor.1 = 0;
                        }
                        cursor.0.copy_from(cursor.1, bucket, s);
                        cursor.1 += 1;
                        guard.log.push(bucket.tophash(s));
                        let mark = if d < ndst / 2 || ndst == 1 {
                            EVACUATED_X
                        } else {
                            EVACUATED_Y
                        };
                        bucket.set_tophash(s, mark);
                    }
                    for s in match_empty(word) {
                        bucket.set_tophash(s, EVACUATED_EMPTY);
                    }
                    bucket = bucket.overflow();
                }
            }
        }
        guard.armed = false;
        drop(guard);
        // Commit: the old chains' overflow buckets go back to the pool.
        for m in 0..nsrc {
            // SAFETY: as above; once the head's link is cleared nothing links to the overflow
            // buckets given back.
            unsafe {
                let head = self.old_bucket(src0 + m * src_stride);
                let mut next = head.overflow();
                head.set_overflow(BucketPtr::null());
                while !next.is_null() {
                    let after = next.overflow();
                    self.pool.give_back(next);
                    self.old_noverflow -= 1;
                    next = after;
                }
            }
        }
    }

    /// Go's `advanceEvacuationMark`: moves `nevacuate` past evacuated units (at most 1024 at a
    /// time), and ends the grow when every unit has moved.
    fn advance_evacuation_mark(&mut self) {
        self.nevacuate += 1;
        let units = self.units();
        let stop = (self.nevacuate + 1024).min(units);
        // SAFETY: indices below the unit count; old heads are initialised.
        while self.nevacuate != stop && unsafe { is_evacuated(self.old_bucket(self.nevacuate)) } {
            self.nevacuate += 1;
        }
        if self.nevacuate == units {
            debug_assert_eq!(self.old_noverflow, 0);
            self.release_old_array();
        } else {
            self.release_evacuated();
        }
    }

    /// Hands the old array's memory below `nevacuate` back to the OS, 256 KiB at a time, so that
    /// freeing the array at the end of the grow does not stall (see `alloc::release_pages`).
    /// Nothing reads an old head below `nevacuate` (see `old_moved`).
    fn release_evacuated(&mut self) {
        const PIECE: usize = 256 << 10;
        const MIN_ARRAY: usize = 1 << 20;
        let size = Layout::<K, V>::SIZE;
        let old_count = self.old_count();
        if old_count.saturating_mul(size) < MIN_ARRAY {
            return;
        }
        let units = self.units();
        let sources = old_count / units;
        if (self.nevacuate - self.released) * size * sources < PIECE {
            return;
        }
        for m in 0..sources {
            let first = m * units;
            // SAFETY: the ranges lie inside the old array; their units have all moved, and
            // nothing reads an old head below `nevacuate`.
            unsafe {
                let base = self.old.add(first * size);
                // Start where the previous piece's (rounded-down) end stopped, so no page
                // between two pieces is left behind; never before the array itself.
                let from = release_floor(base.add(self.released * size)).max(base);
                release_pages(from, base.add(self.nevacuate * size));
            }
        }
        self.released = self.nevacuate;
    }

    // -----------------------------------------------------------------------------------------
    // Capacity.
    // -----------------------------------------------------------------------------------------

    /// Makes room for `additional` more entries: the array reaches its final size now (O(1),
    /// evacuated by later writes), so the next `additional` inserts start no grow.
    ///
    /// Finishes a grow already under way first (O(old buckets)), and rebuilds at once when the
    /// array must grow more than `2^MAX_STEP` times (then the entries are few next to the
    /// request: fewer than 1/64 of it).
    pub(crate) fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&K) -> u64,
    ) -> Result<(), TryReserveError> {
        let need = self
            .len
            .checked_add(additional)
            .ok_or(TryReserveError::CapacityOverflow)?;
        if need <= self.capacity() {
            return Ok(());
        }
        let new_b = log2_buckets_for(need)?;
        if self.is_allocated() && new_b <= self.b {
            // The array is large enough: only a queued shrink made `capacity()` smaller. Shrink
            // less (or not at all); nothing moves.
            self.pending_shrink = (new_b < self.b).then_some(new_b);
            return Ok(());
        }
        array_layout::<K, V>(bucket_count_checked(new_b)?)?;
        if self.len == 0 {
            // Nothing to move: replace the storage outright.
            let fresh = Self::try_with_capacity(need)?;
            self.free_storage();
            *self = fresh;
            return Ok(());
        }
        self.pending_shrink = None;
        self.finish_growth(&hasher);
        if need <= self.capacity() {
            // The grow just finished made room enough.
            return Ok(());
        }
        debug_assert!(new_b > self.b);
        if new_b - self.b <= MAX_STEP {
            self.start_grow_to(new_b)
        } else {
            self.rebuild(new_b, &hasher)
        }
    }

    /// Shrinks the array as far as `min_capacity` (and the entries) allow, in incremental steps
    /// of up to 64x that later writes (or `finish_growth`) carry out. An empty table asked to
    /// shrink to 0 frees its memory at once.
    pub(crate) fn shrink_to(&mut self, min_capacity: usize) {
        let target = self.len.max(min_capacity);
        if target == 0 {
            if self.is_allocated() {
                self.free_storage();
            }
            return;
        }
        let Ok(new_b) = log2_buckets_for(target) else {
            return;
        };
        // Shrinking only: a target at or above the size already heading for is a no-op (std).
        let heading_for = self.pending_shrink.map_or(self.b, |t| t.min(self.b));
        if !self.is_allocated() || new_b >= heading_for {
            return;
        }
        self.pending_shrink = Some(new_b);
        if !self.is_growing() {
            self.continue_shrink();
        }
    }

    /// Moves every entry into a fresh array of `2^new_b` buckets, all at once. The copy is made
    /// before anything changes, so a panicking `hasher` leaves the table as it was.
    fn rebuild(&mut self, new_b: u8, hasher: &impl Fn(&K) -> u64) -> Result<(), TryReserveError> {
        debug_assert!(!self.is_growing() && !over_load_factor(self.len, new_b));
        let mut fresh = ManuallyDrop::new(Self::new());
        fresh.buckets = alloc_array::<K, V>(bucket_count_checked(new_b)?, true)?;
        fresh.b = new_b;
        fresh.set_limits();
        struct FreeOnUnwind<'a, K, V>(&'a mut RawTable<K, V>);
        impl<K, V> Drop for FreeOnUnwind<'_, K, V> {
            fn drop(&mut self) {
                // The entries are bit copies owned by the original table: free memory only.
                self.0.free_storage();
            }
        }
        let guard = FreeOnUnwind(&mut *fresh);
        for pos in self.raw_iter() {
            // SAFETY: `pos` is live in `self`; the copy in `fresh` is never dropped unless it
            // becomes the only one (below).
            unsafe {
                let hash = hasher(&*pos.key());
                let head = guard.0.bucket(hash as usize & guard.0.mask());
                let (bucket, index) = guard.0.append_slot(head);
                bucket.copy_from(index, pos.bucket, pos.index);
            }
        }
        mem::forget(guard);
        fresh.len = self.len;
        // The entries now live in `fresh`: release the old storage without dropping them.
        self.free_storage();
        *self = ManuallyDrop::into_inner(fresh);
        Ok(())
    }

    /// A free slot at the end of a densely filled chain (the chain of a table being built).
    ///
    /// # Safety
    /// `head` is an initialised head of this table.
    unsafe fn append_slot(&mut self, head: BucketPtr<K, V>) -> (BucketPtr<K, V>, usize) {
        let mut bucket = head;
        // SAFETY: the chain is initialised.
        unsafe {
            loop {
                let next = bucket.overflow();
                if next.is_null() {
                    break;
                }
                bucket = next;
            }
            let used = match_live(bucket.tophash_word()).count();
            if used < BUCKET_SLOTS {
                (bucket, used)
            } else {
                (self.link_overflow(bucket), 0)
            }
        }
    }
}

/// The original tophash of each entry an evacuation moved, in the order it moved them: 64 on the
/// stack (8 full buckets), the rest on the heap (only long chains spill).
struct TagLog {
    inline: [u8; 64],
    len: usize,
    spill: Vec<u8>,
}

impl TagLog {
    fn new() -> Self {
        TagLog {
            inline: [0; 64],
            len: 0,
            spill: Vec::new(),
        }
    }

    #[inline]
    fn push(&mut self, tag: u8) {
        if self.len < self.inline.len() {
            self.inline[self.len] = tag;
        } else {
            self.spill.push(tag);
        }
        self.len += 1;
    }

    fn get(&self, n: usize) -> u8 {
        if n < self.inline.len() {
            self.inline[n]
        } else {
            self.spill[n - self.inline.len()]
        }
    }
}

/// Puts a unit back as it was when its evacuation is interrupted by a panicking hasher.
///
/// Entries are copied, not moved, so the old slots still hold them; only their tophash bytes were
/// overwritten: moved entries by `EVACUATED_X`/`EVACUATED_Y` (the n-th such mark, in source
/// order, gets back the n-th logged tag), empty slots by `EVACUATED_EMPTY` (which goes back to
/// `EMPTY_ONE`: always a correct mark for an empty slot). The destinations, fresh before, are
/// reset and their overflow buckets returned to the pool.
struct Rollback<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    unit: usize,
    log: TagLog,
    armed: bool,
}

impl<K, V> Drop for Rollback<'_, K, V> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let table = &mut *self.table;
        let ((src0, nsrc, src_stride), (dst0, ndst, dst_stride)) = table.unit_shape(self.unit);
        let mut n = 0;
        for m in 0..nsrc {
            // SAFETY: the unit's old chains are initialised; every X/Y mark in them was written
            // by the interrupted evacuation, which logged the tag it replaced.
            unsafe {
                let mut bucket = table.old_bucket(src0 + m * src_stride);
                while !bucket.is_null() {
                    for s in 0..BUCKET_SLOTS {
                        match bucket.tophash(s) {
                            EVACUATED_X | EVACUATED_Y => {
                                bucket.set_tophash(s, self.log.get(n));
                                n += 1;
                            }
                            EVACUATED_EMPTY => bucket.set_tophash(s, EMPTY_ONE),
                            _ => {}
                        }
                    }
                    bucket = bucket.overflow();
                }
            }
        }
        debug_assert_eq!(n, self.log.len);
        for d in 0..ndst {
            // SAFETY: the destinations were initialised by the evacuation and hold only bit
            // copies; their overflow buckets came from the pool and are unlinked first.
            unsafe {
                let head = table.bucket(dst0 + d * dst_stride);
                let mut next = head.overflow();
                head.init();
                while !next.is_null() {
                    let after = next.overflow();
                    table.pool.give_back(next);
                    table.noverflow -= 1;
                    next = after;
                }
            }
        }
    }
}
