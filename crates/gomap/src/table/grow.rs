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
//! Every write while growing evacuates the next two units in order (at `nevacuate`), so a grow
//! finishes within `units / 2` writes (at most half the old bucket count). A write whose key's
//! old chain has not moved goes into that chain (`RawTable::write_head`); Go instead evacuates
//! the unit holding the key first, a random chain whose cache misses cost more than the sweep. Load-triggered grows
//! are Go's: double past 6.5 entries per bucket, same size when overflow buckets pile up.
//! [`RawTable::try_reserve`] grows straight to the size it needs (up to 64x in one grow) and
//! [`RawTable::shrink_to`] shrinks in steps of up to 64x, each step incremental.
//!
//! **Ending a grow is O(1) too.** The old array's tags, links and slots go back to the OS piece
//! by piece as `nevacuate` passes them (`release_evacuated`). Its overflow blocks cannot: they are
//! scattered over its spare region and chunks, and in use until the last chain moves. So a large
//! finished old array is *retired*: each later write hands 256 KiB of its overflow memory back,
//! and the array is freed when nothing is left mapped (`retire_step`).
//!
//! The hasher is passed as `&dyn Fn(&K) -> u64`: growth code is compiled once per map type, not
//! once per call site's closure (hashbrown does the same).
//!
//! **Panics.** Evacuating a unit calls the user's `Hash`. Entries are *copied* to their
//! destinations, and each source bucket's tag word is replaced by its marks in one store once all
//! its entries are copied; a [`TagLog`] on the stack remembers each replaced word. If `Hash`
//! panics, [`Rollback`] restores those words from the log and resets the destinations, so the
//! unit is exactly as it was: not evacuated. (Measured with callgrind at 1K u64 inserts from empty:
//! ~58 instructions per moved entry, most of them the hasher call and the branch-free choice of
//! destination.)

use core::alloc::Layout as AllocLayout;
use core::mem::{self, ManuallyDrop};
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{handle_alloc_error, Allocator};

use super::{bucket_count_checked, Growth, RawTable};
use crate::alloc::{
    alloc_array, ensure_blocks, forget_overflow, free_array, give_back_block, may_release,
    noverflow, overflow_regions, release_floor, release_pages, spares_for, RawArray,
};
use crate::bucket::{
    is_evacuated, Bucket, Layout, BUCKET_SLOTS, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y,
};
use crate::group::{generic, match_live};
use crate::table::{log2_buckets_for, over_load_factor, too_many_overflow_buckets};
use crate::TryReserveError;

/// The largest change of size one grow makes: `2^MAX_STEP` = 64 times larger or smaller. It
/// bounds the work of evacuating one unit (64 destinations, or 64 source chains).
pub(crate) const MAX_STEP: u8 = 6;

/// How much memory one write hands back to the OS (evacuated old-array pieces, or a retired
/// array's overflow memory): ~10-15 us of `madvise` here.
const PIECE: usize = 256 << 10;

/// Old arrays smaller than this are freed at once (their pages cost little to unmap).
const MIN_RELEASE: usize = 1 << 20;

/// The hasher as the growth code takes it.
pub(crate) type DynHasher<'a, K> = &'a dyn Fn(&K) -> u64;

// The doubling paths compute the mark as `EVACUATED_X + d`.
const _: () = assert!(EVACUATED_Y == EVACUATED_X + 1);
impl<K, V, A: Allocator> RawTable<K, V, A> {
    fn g(&self) -> &Growth {
        self.core.growth.as_ref().expect("growth state")
    }

    fn g_mut(&mut self) -> &mut Growth {
        self.core.growth.as_mut().expect("growth state")
    }

    fn old_b(&self) -> u8 {
        self.g().old_b
    }

    /// The old array's bucket count (growing only).
    fn old_count(&self) -> usize {
        1usize << self.old_b()
    }

    /// Units of evacuation: old chains when growing or keeping the size, new buckets when
    /// shrinking.
    #[inline(always)]
    pub(super) fn units(&self) -> usize {
        1usize << self.b().min(self.old_b())
    }

    /// Starts the grow Go starts on an insert: doubling when the new key would pass the load
    /// factor, same size (compacting) when overflow buckets piled up. O(1). Returns false when
    /// neither holds (a stale threshold, now recomputed).
    #[cold]
    #[inline(never)]
    pub(super) fn start_load_grow(&mut self) -> bool {
        let b = self.b();
        let new_b = if over_load_factor(self.core.len + 1, b) {
            b + 1
        } else if too_many_overflow_buckets(self.noverflow(), b) {
            b
        } else {
            self.set_limits();
            return false;
        };
        if let Some(g) = &mut self.core.growth {
            g.pending_shrink = None;
        }
        self.start_grow_to(new_b, None)
            .unwrap_or_else(|e| e.handle());
        true
    }

    /// Installs an uninitialised array of `2^new_b` buckets and keeps the current one as the old
    /// array. O(1): nothing moves and nothing is zeroed. `load`, when given, sizes the new
    /// array's spare overflow blocks for that many entries (see `alloc::spares_for`).
    fn start_grow_to(&mut self, new_b: u8, load: Option<usize>) -> Result<(), TryReserveError> {
        debug_assert!(!self.is_growing() && self.is_allocated());
        debug_assert!(new_b.abs_diff(self.b()) <= MAX_STEP);
        let spares = spares_for(new_b, load);
        let new = alloc_array(
            &self.alloc,
            &Self::SHAPE,
            bucket_count_checked(new_b)?,
            spares,
            false,
        )?;
        let old = self.current();
        let old_b = self.b();
        // A grow right after another (reserve, shrink): no time left to spread the release.
        self.free_retiring();
        let g = self.growth_mut();
        g.old = old;
        g.old_b = old_b;
        g.nevacuate = 0;
        g.released = 0;
        self.install(new, new_b);
        Ok(())
    }

    /// Before a write: the grow work (two units at `nevacuate`, see [`grow_work`](Self::grow_work)),
    /// the next step of a pending shrink, or handing back a piece of a retired array. Free when
    /// there is no growth state.
    #[inline(always)]
    pub(super) fn prepare_write(&mut self, hasher: &impl Fn(&K) -> u64) {
        if self.core.growth.is_some() {
            self.write_work(hasher);
        }
    }

    /// Out of line: a write pays a call only while growth state exists.
    #[inline(never)]
    fn write_work(&mut self, hasher: DynHasher<'_, K>) {
        if self.is_growing() {
            self.grow_work(hasher);
        } else if self.queued_shrink().is_some() {
            self.continue_shrink();
            if self.is_growing() {
                self.grow_work(hasher);
            }
        }
        self.retire_step();
        self.drop_idle_growth();
    }

    /// Evacuates the unit at `nevacuate`, twice (two units, in order).
    ///
    /// Go's `growWork` evacuates the unit the write goes to and then one at `nevacuate`, because
    /// Go writes into the new array only. gomap writes a key whose old chain has not moved into
    /// that old chain (`RawTable::write_head`), which moves with it later, so the write needs no
    /// evacuation of its own and both units come from the in-order sweep. Measured: the unit of
    /// a random key is a random old chain and two random destinations, ~8 cache lines that miss
    /// at 1M entries and more; the sweep reads and writes its arrays in order, which the
    /// hardware prefetchers follow (DESIGN.md section 3).
    pub(super) fn grow_work(&mut self, hasher: DynHasher<'_, K>) {
        self.evacuate(self.g().nevacuate, hasher);
        if self.is_growing() {
            self.evacuate(self.g().nevacuate, hasher);
        }
    }

    /// Evacuates the unit holding `hash`'s old chain (growing only): Go's first step of
    /// `growWork`, which gomap takes only for an insert whose unmoved old chain is full (see
    /// `RawTable::write_head`).
    pub(super) fn evacuate_chain_of(&mut self, hash: u64, hasher: DynHasher<'_, K>) {
        let unit = hash as usize & (self.old_count() - 1) & (self.units() - 1);
        self.evacuate(unit, hasher);
    }

    /// Evacuates every unit that has not moved yet, including further steps of a pending
    /// shrink, and frees a retired array.
    pub(crate) fn finish_growth(&mut self, hasher: impl Fn(&K) -> u64) {
        let hasher: DynHasher<'_, K> = &hasher;
        loop {
            while self.is_growing() {
                self.evacuate(self.g().nevacuate, hasher);
            }
            if self.queued_shrink().is_none() {
                break;
            }
            self.continue_shrink();
        }
        self.free_retiring();
        self.drop_idle_growth();
    }

    /// Starts the next step of a pending shrink, or drops it when it is no longer wanted.
    #[cold]
    fn continue_shrink(&mut self) {
        let Some(target) = self.queued_shrink() else {
            return;
        };
        let b = self.b();
        let floor = log2_buckets_for(self.core.len).unwrap_or(b);
        let step = target.max(floor).max(b.saturating_sub(MAX_STEP));
        if step >= b || self.start_grow_to(step, Some(self.core.len)).is_err() {
            self.g_mut().pending_shrink = None;
        }
    }

    /// Evacuates unit `u` (if it has not moved) and advances `nevacuate`.
    fn evacuate(&mut self, u: usize, hasher: DynHasher<'_, K>) {
        // SAFETY: growing, `u < units <= 2^old_b`, and the arrays are this table's.
        let moved = unsafe { self.arrays().old_moved(u) };
        if !moved {
            self.evacuate_unit(u, hasher);
        }
        if u == self.g().nevacuate {
            self.advance_evacuation_mark();
        }
    }

    /// The sources (old chains) and destinations (new buckets) of unit `u`, as (first, count,
    /// stride) triples.
    #[inline]
    fn unit_shape(&self, u: usize) -> ((usize, usize, usize), (usize, usize, usize)) {
        let (old_count, new_count) = (self.old_count(), self.core.mask + 1);
        if self.b() >= self.old_b() {
            ((u, 1, 0), (u, new_count / old_count, old_count))
        } else {
            ((u, old_count / new_count, new_count), (u, 1, 0))
        }
    }

    /// Evacuates unit `u`, with room for `N` destination cursors on the stack (2 covers
    /// doubling, same-size and shrinking grows; reserve's larger steps take 64).
    fn evacuate_unit(&mut self, u: usize, hasher: DynHasher<'_, K>) {
        let (b, old_b) = (self.b(), self.old_b());
        if b == old_b + 1 {
            self.evacuate_doubling(u, hasher);
        } else if b <= old_b + 1 {
            self.evacuate_unit_with::<2>(u, hasher);
        } else {
            self.evacuate_unit_with::<{ 1 << MAX_STEP }>(u, hasher);
        }
    }

    /// Evacuates old chain `u` of a doubling grow into new buckets `u` (X) and `u + 2^old_b`
    /// (Y): what every load-triggered grow does, so it has its own loop. The two destination
    /// cursors live in registers, and each entry picks one with masks rather than a branch on its
    /// hash bit (a coin flip, which as a branch mispredicts half the time). Same commit and
    /// rollback as [`evacuate_unit_with`](Self::evacuate_unit_with).
    #[inline(never)]
    fn evacuate_doubling(&mut self, u: usize, hasher: DynHasher<'_, K>) {
        let arrays = self.arrays();
        let old_b = arrays.old_b;
        debug_assert!(arrays.b == old_b + 1 && u < 1usize << old_b);
        let x = arrays.cur_bucket(u);
        let y = arrays.cur_bucket(u + (1usize << old_b));
        // SAFETY: both are allocated buckets of the current array; this unit alone feeds them
        // and has not moved, so they are not initialised yet.
        unsafe {
            x.init();
            y.init();
        }
        // The guard lives in this block and is dropped in place at its end (a `drop(guard)`
        // would copy it into the call).
        let moved_overflow = {
            let mut guard = Rollback {
                table: self,
                unit: u,
                log: TagLog::new(),
                armed: true,
            };
            // Each cursor: the bucket being filled, its slots used, and their tags so far (written
            // as one word when the bucket is full or the unit is done).
            let (mut xb, mut xn, mut xt) = (x, 0usize, 0u64);
            let (mut yb, mut yn, mut yt) = (y, 0usize, 0u64);
            let mut bucket = arrays.old_bucket(u);
            let mut moved_overflow = 0usize;
            loop {
                // SAFETY: `bucket` is in the initialised old chain `u`, which has not moved; live
                // slots hold entries; the cursors point at fresh, initialised buckets whose slots
                // below the cursor's count are the only ones written.
                unsafe {
                    let word = bucket.tag_word();
                    // One byte per slot: 1 where the entry went to Y.
                    let mut to_y = 0u64;
                    for s in match_live(word) {
                        let top = word >> (8 * s) & 0xff;
                        let d = (hasher(&*bucket.key(s)) >> old_b) as usize & 1;
                        let mut n = if d == 0 { xn } else { yn };
                        if n == BUCKET_SLOTS {
                            // The chosen destination is full: chain an overflow block (rare).
                            if d == 0 {
                                xb.set_tag_word(xt);
                                xb = guard.table.link_overflow(xb);
                                (xn, xt) = (0, 0);
                            } else {
                                yb.set_tag_word(yt);
                                yb = guard.table.link_overflow(yb);
                                (yn, yt) = (0, 0);
                            }
                            n = 0;
                        }
                        let dest = if d == 0 { xb } else { yb };
                        dest.copy_slot_from(n, bucket, s);
                        let y_mask = (d as u64).wrapping_neg();
                        let tag = top << (8 * n);
                        xt |= tag & !y_mask;
                        yt |= tag & y_mask;
                        xn += 1 - d;
                        yn += d;
                        to_y |= (d as u64) << (8 * s);
                    }
                    // Live slots become EVACUATED_X or EVACUATED_Y (X + 1), the others
                    // EVACUATED_EMPTY; one store for the word.
                    let live = generic::match_live(word).0 >> 7;
                    let marks = live * EVACUATED_X as u64
                        + to_y
                        + (!live.wrapping_mul(0xff) & u64::from_ne_bytes([EVACUATED_EMPTY; 8]));
                    guard.log.push(word, &guard.table.alloc);
                    bucket.set_tag_word(marks);
                    bucket = bucket.overflow();
                    if bucket.is_null() {
                        break;
                    }
                    moved_overflow += 1;
                }
            }
            // SAFETY: both cursors' buckets are initialised; their first `xn` / `yn` slots were
            // written.
            unsafe {
                xb.set_tag_word(xt);
                yb.set_tag_word(yt);
            }
            guard.armed = false;
            moved_overflow
        };
        // Commit, as in `evacuate_unit_with`.
        // SAFETY: the old array is live and its chain linked these blocks.
        unsafe { forget_overflow(arrays.old, moved_overflow) };
    }

    #[inline(never)]
    fn evacuate_unit_with<const N: usize>(&mut self, u: usize, hasher: DynHasher<'_, K>) {
        let ((src0, nsrc, src_stride), (dst0, ndst, dst_stride)) = self.unit_shape(u);
        debug_assert!(ndst <= N);
        let arrays = self.arrays();
        // A cursor per destination: its bucket, the slots filled, and their tags so far (the
        // tag word is written once per bucket, not a byte per entry).
        let mut cursors = [(Bucket::<K, V>::null(), 0usize, 0u64); N];
        for (d, cursor) in cursors.iter_mut().enumerate().take(ndst) {
            // Destination indices are below 2^b; this unit alone feeds them and has not moved,
            // so they are not initialised yet.
            let dest = arrays.cur_bucket(dst0 + d * dst_stride);
            // SAFETY: allocated.
            unsafe { dest.init() };
            *cursor = (dest, 0, 0);
        }
        let old_b = arrays.old_b;
        let mut guard = Rollback {
            table: self,
            unit: u,
            log: TagLog::new(),
            armed: true,
        };
        let mut moved_overflow = 0;
        for m in 0..nsrc {
            // Source indices are below 2^old_b; old chains are initialised.
            let mut bucket = arrays.old_bucket(src0 + m * src_stride);
            let mut first = true;
            while !bucket.is_null() {
                if !first {
                    moved_overflow += 1;
                }
                first = false;
                // SAFETY: `bucket` is in an initialised old chain; live slots hold entries; the
                // destination cursors point at fresh, initialised buckets whose slots below the
                // cursor's count are the only ones written.
                unsafe {
                    let word = bucket.tag_word();
                    let mut marks = 0u64;
                    for s in match_live(word) {
                        let d = if ndst > 1 {
                            (hasher(&*bucket.key(s)) >> old_b) as usize & (ndst - 1)
                        } else {
                            0
                        };
                        // `d < ndst <= N`, N a power of two: the mask states it for the
                        // compiler, which then needs no bounds check.
                        let cursor = &mut cursors[d & (N - 1)];
                        if cursor.1 == BUCKET_SLOTS {
                            cursor.0.set_tag_word(cursor.2);
                            cursor.0 = guard.table.link_overflow(cursor.0);
                            cursor.1 = 0;
                            cursor.2 = 0;
                        }
                        cursor.0.copy_slot_from(cursor.1, bucket, s);
                        cursor.2 |= (word >> (8 * s) & 0xff) << (8 * cursor.1);
                        cursor.1 += 1;
                        // Doubling (N = 2): destination 0 is X, 1 is Y (`EVACUATED_Y` is
                        // `EVACUATED_X + 1`), without a branch on the key's hash bit.
                        let mark = if N == 2 {
                            EVACUATED_X + d as u8
                        } else if d < ndst / 2 || ndst == 1 {
                            EVACUATED_X
                        } else {
                            EVACUATED_Y
                        };
                        marks |= (mark as u64) << (8 * s);
                    }
                    // Every slot that moved nothing is EVACUATED_EMPTY; one store for the word.
                    let moved = (generic::match_live(word).0 >> 7).wrapping_mul(0xff);
                    marks |= !moved & u64::from_ne_bytes([EVACUATED_EMPTY; 8]);
                    guard.log.push(word, &guard.table.alloc);
                    bucket.set_tag_word(marks);
                    bucket = bucket.overflow();
                }
            }
        }
        for cursor in &cursors[..ndst] {
            // SAFETY: the destination is initialised; its first `cursor.1` slots were written.
            unsafe { cursor.0.set_tag_word(cursor.2) };
        }
        guard.armed = false;
        drop(guard);
        // Commit: the old chains' overflow blocks stay where they are (they die with the old
        // array) but no longer count as linked.
        // SAFETY: the old array is live and its chains linked these blocks.
        unsafe { forget_overflow(arrays.old, moved_overflow) };
    }

    /// Go's `advanceEvacuationMark`: moves `nevacuate` past evacuated units (at most 1024 at a
    /// time), and ends the grow when every unit has moved.
    fn advance_evacuation_mark(&mut self) {
        let units = self.units();
        let arrays = self.arrays();
        let g = self.g_mut();
        g.nevacuate += 1;
        let stop = (g.nevacuate + 1024).min(units);
        // SAFETY: indices below the unit count; old heads at or past `nevacuate` are initialised.
        while g.nevacuate != stop && unsafe { is_evacuated(arrays.old_bucket(g.nevacuate)) } {
            g.nevacuate += 1;
        }
        if g.nevacuate == units {
            self.end_grow();
        } else {
            self.release_evacuated();
        }
    }

    /// Every unit has moved: the old array is freed, or retired when it is large (see the
    /// module comment).
    fn end_grow(&mut self) {
        let old_n = self.old_count();
        let g = self.core.growth.as_mut().expect("growing");
        let old = mem::replace(&mut g.old, RawArray::NULL);
        // SAFETY: the old array is live; nothing reads it any more.
        debug_assert_eq!(unsafe { noverflow(old) }, 0);
        g.nevacuate = 0;
        g.released = 0;
        // SAFETY: as above.
        let bytes = unsafe { crate::alloc::array_bytes(&Self::SHAPE, old, old_n) };
        if bytes >= MIN_RELEASE && g.retiring.is_null() && may_release::<A>() {
            g.retiring = old;
            g.retiring_n = old_n;
            g.retired_bytes = 0;
        } else {
            // SAFETY: every unit has moved: nothing points into the old array any more.
            unsafe { free_array(&self.alloc, &Self::SHAPE, old, old_n) };
        }
    }

    /// Hands the next piece of a retired array's overflow memory back to the OS, and frees the
    /// array once all of it is back.
    fn retire_step(&mut self) {
        let Some(g) = &mut self.core.growth else {
            return;
        };
        if g.retiring.is_null() {
            return;
        }
        let (from, to) = (g.retired_bytes, g.retired_bytes + PIECE);
        let mut seen = 0;
        // SAFETY: the retiring array is live, holds no entries, and is never read again.
        unsafe {
            overflow_regions(&Self::SHAPE, g.retiring, g.retiring_n, |start, end| {
                let len = end as usize - start as usize;
                let (lo, hi) = (from.max(seen), to.min(seen + len));
                if lo < hi {
                    let piece = start.add(lo - seen);
                    release_pages(release_floor(piece).max(start), start.add(hi - seen));
                }
                seen += len;
            });
        }
        g.retired_bytes = to;
        if to >= seen {
            self.free_retiring();
        }
    }

    /// Hands the old array's memory below `nevacuate` back to the OS, 256 KiB at a time, so that
    /// freeing the array at the end of the grow does not stall (see `alloc::release_pages`).
    /// Nothing reads an old head below `nevacuate` (see `Arrays::old_moved`).
    fn release_evacuated(&mut self) {
        if !may_release::<A>() {
            return;
        }
        let per_bucket = 16 + Layout::<K, V>::SLOTS_SIZE;
        let old_count = self.old_count();
        if old_count.saturating_mul(per_bucket) < MIN_RELEASE {
            return;
        }
        let units = self.units();
        let sources = old_count / units;
        let g = self.g();
        let (released, nevacuate, old) = (g.released, g.nevacuate, g.old);
        if (nevacuate - released) * per_bucket * sources < PIECE {
            return;
        }
        // The three regions of the old array, as (start, bytes per bucket).
        let regions = [
            (old.tags.cast::<u8>(), 8),
            (old.links(old_count).cast::<u8>(), 8),
            (old.slots, Layout::<K, V>::SLOTS_SIZE),
        ];
        for (region, size) in regions {
            if size == 0 {
                continue;
            }
            for m in 0..sources {
                let first = m * units;
                // SAFETY: the ranges lie inside the old array's region; their units have all
                // moved, and nothing reads an old bucket below `nevacuate`.
                unsafe {
                    let base = region.add(first * size);
                    // Start where the previous piece's (rounded-down) end stopped, so no page
                    // between two pieces is left behind; never before the region itself.
                    let from = release_floor(base.add(released * size)).max(base);
                    release_pages(from, base.add(nevacuate * size));
                }
            }
        }
        self.g_mut().released = nevacuate;
    }

    // -----------------------------------------------------------------------------------------
    // Capacity.
    // -----------------------------------------------------------------------------------------

    /// Makes room for `additional` more entries: the array reaches its final size now (O(1),
    /// evacuated by later writes), so the next `additional` inserts start no grow, and enough
    /// overflow blocks are set aside that they do not allocate either (for keys that hash at
    /// random).
    ///
    /// Finishes a grow already under way first (O(old buckets)) when the array must grow past
    /// it, and rebuilds at once when the array must grow more than `2^MAX_STEP` times (then the
    /// entries are few next to the request: fewer than 1/64 of it).
    pub(crate) fn try_reserve(
        &mut self,
        additional: usize,
        hasher: impl Fn(&K) -> u64,
    ) -> Result<(), TryReserveError> {
        let hasher: DynHasher<'_, K> = &hasher;
        let need = self
            .core
            .len
            .checked_add(additional)
            .ok_or(TryReserveError::CapacityOverflow)?;
        if need <= self.capacity() {
            return self.reserve_blocks(need);
        }
        let new_b = log2_buckets_for(need)?;
        if self.is_allocated() && new_b <= self.b() {
            // The array is large enough: only a queued shrink made `capacity()` smaller. Shrink
            // less (or not at all); nothing moves. (A shrink still queued allocates its smaller
            // array when it starts, on a later write.)
            let b = self.b();
            self.g_mut().pending_shrink = (new_b < b).then_some(new_b);
            self.drop_idle_growth();
            return self.reserve_blocks(need);
        }
        bucket_count_checked(new_b)?;
        if self.core.len == 0 {
            // Nothing to move: replace the storage outright.
            let (arr, b) = self.alloc_for(need)?;
            self.free_storage();
            self.install(arr, b);
            return Ok(());
        }
        if let Some(g) = &mut self.core.growth {
            g.pending_shrink = None;
        }
        self.finish_growth(hasher);
        if new_b <= self.b() {
            // The grow just finished made room enough.
            return self.reserve_blocks(need);
        }
        if new_b - self.b() <= MAX_STEP {
            self.start_grow_to(new_b, Some(need))
        } else {
            self.rebuild(new_b, need, hasher)
        }
    }

    /// Sets aside the overflow blocks `need` entries in the current array are expected to use.
    fn reserve_blocks(&mut self, need: usize) -> Result<(), TryReserveError> {
        if !self.is_allocated() {
            return Ok(());
        }
        let want = spares_for(self.b(), Some(need)).saturating_sub(self.noverflow());
        // SAFETY: the current array is allocated (checked by the callers).
        unsafe { ensure_blocks(&self.alloc, &Self::SHAPE, self.current(), want) }
    }

    /// Shrinks the array as far as `min_capacity` (and the entries) allow, in incremental steps
    /// of up to 64x that later writes (or `finish_growth`) carry out. An empty table asked to
    /// shrink to 0 frees its memory at once.
    pub(crate) fn shrink_to(&mut self, min_capacity: usize) {
        let target = self.core.len.max(min_capacity);
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
        let heading_for = self.queued_shrink().map_or(self.b(), |t| t.min(self.b()));
        if !self.is_allocated() || new_b >= heading_for {
            return;
        }
        self.growth_mut().pending_shrink = Some(new_b);
        if !self.is_growing() {
            self.continue_shrink();
        }
        self.drop_idle_growth();
    }

    /// Moves every entry into a fresh array of `2^new_b` buckets, all at once. The copy is made
    /// before anything changes, so a panicking `hasher` leaves the table as it was.
    fn rebuild(
        &mut self,
        new_b: u8,
        need: usize,
        hasher: DynHasher<'_, K>,
    ) -> Result<(), TryReserveError> {
        debug_assert!(!self.is_growing() && !over_load_factor(self.core.len, new_b));
        let spares = spares_for(new_b, Some(need));
        let arr = alloc_array(
            &self.alloc,
            &Self::SHAPE,
            bucket_count_checked(new_b)?,
            spares,
            true,
        )?;
        // The old storage moves out (the allocator stays); the fresh array is built in `self`.
        let entries = self.raw_iter();
        let len = self.core.len;
        let old = self.take_core();
        self.install(arr, new_b);
        struct Restore<'a, K, V, A: Allocator> {
            table: &'a mut RawTable<K, V, A>,
            old: Option<super::Core<K, V>>,
        }
        impl<K, V, A: Allocator> Drop for Restore<'_, K, V, A> {
            fn drop(&mut self) {
                // Unwinding: the fresh array holds bit copies owned by the old storage; free its
                // memory only, and put the old storage back.
                self.table.free_storage();
                if let Some(old) = self.old.take() {
                    // SAFETY: taken from this table, which owns nothing after `free_storage`.
                    unsafe { self.table.put_core(old) };
                }
            }
        }
        let guard = Restore {
            table: self,
            old: Some(old),
        };
        for pos in entries {
            // SAFETY: `pos` is live in the old storage; the copy in the fresh array is never
            // dropped unless it becomes the only one (below).
            unsafe {
                let hash = hasher(&*pos.key());
                let head = guard.table.head_for(hash);
                let (bucket, index) = guard.table.append_slot(head);
                bucket.copy_from(index, pos.bucket, pos.index);
            }
        }
        let mut guard = ManuallyDrop::new(guard);
        let old = guard.old.take().expect("the old storage");
        let table = &mut *guard.table;
        table.core.len = len;
        // The entries now live in the fresh array: free the old storage without dropping them.
        let fresh = table.take_core();
        // SAFETY: `old` and `fresh` were taken from this table, which owns nothing in between.
        unsafe {
            table.put_core(old);
            table.free_storage();
            table.put_core(fresh);
        }
        Ok(())
    }

    /// A free slot at the end of a densely filled chain (the chain of a table being built).
    ///
    /// # Safety
    /// `head` is an initialised head of this table.
    unsafe fn append_slot(&mut self, head: Bucket<K, V>) -> (Bucket<K, V>, usize) {
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
            let used = match_live(bucket.tag_word()).count();
            if used < BUCKET_SLOTS {
                (bucket, used)
            } else {
                (self.link_overflow(bucket), 0)
            }
        }
    }
}

/// The original tag word of each source bucket an evacuation finished, in the order it visited
/// them: 8 on the stack (a chain of 8 buckets), the rest in a buffer from the table's allocator
/// (only long chains spill), which the owner frees with [`TagLog::free`].
struct TagLog {
    inline: [u64; 8],
    len: usize,
    /// `cap` words from the table's allocator (dangling when `cap == 0`); the first
    /// `len - 8` are written.
    spill: *mut u64,
    cap: usize,
}

impl TagLog {
    fn new() -> Self {
        TagLog {
            inline: [0; 8],
            len: 0,
            spill: ptr::null_mut(),
            cap: 0,
        }
    }

    #[inline]
    fn push<A: Allocator>(&mut self, word: u64, alloc: &A) {
        if self.len < self.inline.len() {
            self.inline[self.len] = word;
        } else {
            let i = self.len - self.inline.len();
            if i == self.cap {
                self.grow(alloc);
            }
            // SAFETY: `i < cap` words of the spill buffer.
            unsafe { self.spill.add(i).write(word) };
        }
        self.len += 1;
    }

    /// Doubles the spill buffer (at least 8 words). Aborts (`handle_alloc_error`) on failure.
    #[cold]
    fn grow<A: Allocator>(&mut self, alloc: &A) {
        let cap = (self.cap * 2).max(8);
        let layout = AllocLayout::array::<u64>(cap).expect("a chain shorter than memory");
        let Ok(block) = alloc.allocate(layout) else {
            handle_alloc_error(layout)
        };
        let spill = block.cast::<u64>().as_ptr();
        // SAFETY: the old buffer holds `self.cap` written words and the new one has room for
        // twice as many; the old one came from `alloc` with the layout freed here.
        unsafe {
            if self.cap > 0 {
                ptr::copy_nonoverlapping(self.spill, spill, self.cap);
                self.free(alloc);
            }
        }
        self.spill = spill;
        self.cap = cap;
    }

    /// Frees the spill buffer, if any.
    ///
    /// # Safety
    /// `alloc` is the allocator `push` was given; the log is not read afterwards.
    unsafe fn free<A: Allocator>(&mut self, alloc: &A) {
        if self.cap > 0 {
            let layout = AllocLayout::array::<u64>(self.cap).expect("allocated with it");
            // SAFETY: allocated by `grow` with this layout and allocator.
            unsafe { alloc.deallocate(NonNull::new_unchecked(self.spill.cast::<u8>()), layout) };
            self.cap = 0;
        }
    }

    fn get(&self, n: usize) -> u64 {
        if n < self.inline.len() {
            self.inline[n]
        } else {
            debug_assert!(n - self.inline.len() < self.cap);
            // SAFETY: words below `len - 8` of the spill buffer are written.
            unsafe { self.spill.add(n - self.inline.len()).read() }
        }
    }
}

/// Puts a unit back as it was when its evacuation is interrupted by a panicking hasher.
///
/// Entries are copied, not moved, so the old slots still hold them; only the tag words of the
/// source buckets already finished were overwritten, and the log holds their originals in visit
/// order (the bucket being worked on when `Hash` panicked was not written yet). The destinations,
/// fresh before, are reset and their overflow blocks given back to the current array's pool.
struct Rollback<'a, K, V, A: Allocator> {
    table: &'a mut RawTable<K, V, A>,
    unit: usize,
    log: TagLog,
    armed: bool,
}

impl<K, V, A: Allocator> Drop for Rollback<'_, K, V, A> {
    fn drop(&mut self) {
        if self.armed {
            self.roll_back();
        }
        // SAFETY: the log's buffer came from this table's allocator; it is not read again.
        unsafe { self.log.free(&self.table.alloc) };
    }
}

impl<K, V, A: Allocator> Rollback<'_, K, V, A> {
    /// Puts the unit back as it was before the evacuation started.
    fn roll_back(&mut self) {
        let table = &mut *self.table;
        let ((src0, nsrc, src_stride), (dst0, ndst, dst_stride)) = table.unit_shape(self.unit);
        let arrays = table.arrays();
        let mut n = 0;
        for m in 0..nsrc {
            // SAFETY: the unit's old chains are initialised and their links unchanged; the
            // first `log.len` buckets in visit order are the ones whose words were replaced.
            unsafe {
                let mut bucket = arrays.old_bucket(src0 + m * src_stride);
                while !bucket.is_null() && n < self.log.len {
                    bucket.set_tag_word(self.log.get(n));
                    n += 1;
                    bucket = bucket.overflow();
                }
            }
        }
        debug_assert_eq!(n, self.log.len);
        for d in 0..ndst {
            // SAFETY: the destinations were initialised by the evacuation and hold only bit
            // copies; their overflow blocks came from the current array's pool and are unlinked
            // before they are given back.
            unsafe {
                let head = arrays.cur_bucket(dst0 + d * dst_stride);
                let mut next = head.overflow();
                head.init();
                while !next.is_null() {
                    let after = next.overflow();
                    give_back_block(arrays.cur, next.as_block());
                    next = after;
                }
            }
        }
    }
}
