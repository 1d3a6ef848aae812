//! The raw table: Go's classic map algorithm over untyped bucket memory.
//!
//! A table is a header plus an array of `2^B` buckets. A key's 64-bit hash picks its bucket with
//! the low `B` bits; its top byte is the slot's tophash, kept at the front of the bucket so that
//! most non-matching slots are rejected eight at a time without touching a key. A bucket holds 8
//! entries; when all 8 are taken, an overflow bucket from the pool is chained on.
//!
//! When a new key would push the average load past 6.5 entries per bucket, an array twice as large
//! is installed and the old one is *evacuated* incrementally: every later insert or remove moves
//! the old chain that feeds its target bucket, plus the chain at `nevacuate`, so no single write
//! rehashes the whole table. When churn has left about as many overflow buckets as buckets, a
//! *same-size* grow rehashes into a fresh array of the same size, which compacts the chains.
//!
//! Evacuating old chain `i` of `2^b` old buckets sends each entry to new bucket `i` (X) or
//! `i + 2^b` (Y), chosen by hash bit `b`; a same-size grow sends everything to `i`. The
//! destinations are initialised right then: the new array is allocated uninitialised, so starting
//! a grow costs O(1) and no write ever pays for zeroing a whole array (DESIGN.md section 3).
//!
//! The one invariant: **an old chain is evacuated all or nothing, and slot 0 of its head says
//! which.** Lookups check that mark and read the old chain until it moves; a new bucket is read
//! only once its source chain has moved (which is when it was initialised). Evacuation copies
//! before it commits, so a `Hash` that panics half-way leaves the chain where it was.
//!
//! Iteration enumerates chains by new-bucket index `j`: the old chain `j & old_mask` while it has
//! not moved (once, at its own index), else new bucket `j`. That yields every entry exactly once
//! without rehashing, in an order that is stable while the table is unchanged.

use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ptr;

use crate::alloc::{alloc_array, free_array, OverflowPool};
use crate::bucket::{
    is_evacuated, match_empty, match_live, match_tag, tophash, BucketPtr, Layout, SlotMask,
    BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST, EVACUATED_EMPTY, EVACUATED_X, EVACUATED_Y,
};
use crate::TryReserveError;

/// Load factor numerator: grow when the average load passes `LOAD_NUM / LOAD_DEN` = 6.5.
///
/// Go measured (runtime/map.go) for loads 4.0 .. 8.0 the overflow fraction, bytes per entry and
/// probes per hit and miss; 6.5 balances memory (about 20 bytes of overhead per u64 entry) against
/// chain length (about 20% of buckets overflow just before a grow).
const LOAD_NUM: usize = 13;
const LOAD_DEN: usize = 2;

/// Go's `overLoadFactor`: whether `count` entries are too many for `2^b` buckets.
#[inline]
pub(crate) fn over_load_factor(count: usize, b: u8) -> bool {
    count > BUCKET_SLOTS && count > LOAD_NUM.saturating_mul(bucket_count(b) / LOAD_DEN)
}

/// Go's `tooManyOverflowBuckets`: whether churn has left about as many overflow buckets as
/// buckets (capped at 2^15, so huge tables still compact), which triggers a same-size grow.
#[inline]
pub(crate) fn too_many_overflow_buckets(noverflow: usize, b: u8) -> bool {
    noverflow >= 1usize << b.min(15)
}

/// `2^b`, saturating for out-of-range `b` (used only in comparisons).
#[inline]
fn bucket_count(b: u8) -> usize {
    1usize.checked_shl(b as u32).unwrap_or(usize::MAX)
}

/// The smallest `b` whose array holds `count` entries without passing the load factor.
pub(crate) fn log2_buckets_for(count: usize) -> Result<u8, TryReserveError> {
    let mut b = 0u8;
    while over_load_factor(count, b) {
        b += 1;
        if b as u32 >= usize::BITS - 1 {
            return Err(TryReserveError::CapacityOverflow);
        }
    }
    Ok(b)
}

/// The most entries `2^b` buckets hold before a doubling grow.
#[inline]
pub(crate) fn capacity_of(b: u8) -> usize {
    BUCKET_SLOTS.max(LOAD_NUM.saturating_mul(bucket_count(b) / LOAD_DEN))
}

/// Where a new entry goes: a free slot of the target chain (the chain already holds it).
pub(crate) struct InsertSlot<K, V> {
    bucket: BucketPtr<K, V>,
    index: usize,
}

impl<K, V> InsertSlot<K, V> {
    /// The slot's index within its bucket.
    pub(crate) fn index(&self) -> usize {
        self.index
    }
}

/// Where an entry lives: its chain's head, its bucket and its slot.
pub(crate) struct Position<K, V> {
    pub(crate) head: BucketPtr<K, V>,
    pub(crate) bucket: BucketPtr<K, V>,
    pub(crate) index: usize,
}

impl<K, V> Clone for Position<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Position<K, V> {}

impl<K, V> Position<K, V> {
    /// The key of this entry.
    ///
    /// # Safety
    /// The position is live, and the returned pointer is used only while it stays live.
    #[inline(always)]
    pub(crate) unsafe fn key(self) -> *mut K {
        // SAFETY: forwarded.
        unsafe { self.bucket.key(self.index) }
    }

    /// The value of this entry.
    ///
    /// # Safety
    /// As for [`key`](Self::key).
    #[inline(always)]
    pub(crate) unsafe fn value(self) -> *mut V {
        // SAFETY: forwarded.
        unsafe { self.bucket.value(self.index) }
    }
}

/// The raw table. Not generic over the hasher: every operation that may rehash takes a
/// `hasher: impl Fn(&K) -> u64`, every lookup an `eq: impl FnMut(&K) -> bool`.
pub(crate) struct RawTable<K, V> {
    /// The current array of `2^b` buckets, or null before the first allocation.
    buckets: *mut u8,
    /// log2 of the current bucket count.
    b: u8,
    /// log2 of the old bucket count (meaningful while growing).
    old_b: u8,
    /// Live entries.
    len: usize,
    /// Overflow buckets linked into the current array's chains.
    noverflow: usize,
    /// The old array while growing, else null.
    old: *mut u8,
    /// Every old chain below this index has been evacuated.
    nevacuate: usize,
    /// Overflow buckets still linked into the old array's chains.
    old_noverflow: usize,
    /// Where overflow buckets come from.
    pool: OverflowPool<K, V>,
    /// The table became empty since the map last renewed its hasher (see `hash.rs`).
    emptied: bool,
    /// The table owns `K`s and `V`s (for the drop checker).
    _marker: PhantomData<(K, V)>,
}

// SAFETY: the table owns its entries exclusively (like a `Vec<(K, V)>`); the raw pointers are
// never shared with anything outside it.
unsafe impl<K: Send, V: Send> Send for RawTable<K, V> {}
// SAFETY: `&RawTable` only hands out `&K` and `&V`.
unsafe impl<K: Sync, V: Sync> Sync for RawTable<K, V> {}

impl<K, V> RawTable<K, V> {
    /// An empty table that owns no memory.
    pub(crate) const fn new() -> Self {
        RawTable {
            buckets: ptr::null_mut(),
            b: 0,
            old_b: 0,
            len: 0,
            noverflow: 0,
            old: ptr::null_mut(),
            nevacuate: 0,
            old_noverflow: 0,
            pool: OverflowPool::new(),
            emptied: false,
            _marker: PhantomData,
        }
    }

    /// An empty table whose array holds `capacity` entries without growing.
    pub(crate) fn try_with_capacity(capacity: usize) -> Result<Self, TryReserveError> {
        let mut table = Self::new();
        if capacity > 0 {
            let b = log2_buckets_for(capacity)?;
            table.buckets = alloc_array::<K, V>(bucket_count_checked(b)?, true)?;
            table.b = b;
        }
        Ok(table)
    }

    /// Live entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entries the current array holds before a doubling grow; 0 before the first allocation.
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        if self.buckets.is_null() {
            0
        } else {
            capacity_of(self.b)
        }
    }

    /// log2 of the current bucket count.
    #[inline]
    pub(crate) fn log2_buckets(&self) -> u8 {
        self.b
    }

    /// Buckets in the current array (0 before the first allocation).
    #[inline]
    pub(crate) fn num_buckets(&self) -> usize {
        if self.buckets.is_null() {
            0
        } else {
            1 << self.b
        }
    }

    /// Whether an old array is being evacuated.
    #[inline(always)]
    pub(crate) fn is_growing(&self) -> bool {
        !self.old.is_null()
    }

    #[inline(always)]
    fn mask(&self) -> usize {
        (1usize << self.b) - 1
    }

    #[inline(always)]
    fn old_count(&self) -> usize {
        1usize << self.old_b
    }

    /// Whether the grow under way doubles (rather than keeping the size).
    #[inline(always)]
    fn doubling(&self) -> bool {
        self.b != self.old_b
    }

    /// Bucket `j` of the current array.
    ///
    /// # Safety
    /// The array is allocated and `j < 2^b`.
    #[inline(always)]
    unsafe fn bucket(&self, j: usize) -> BucketPtr<K, V> {
        // SAFETY: forwarded.
        unsafe { BucketPtr::at(self.buckets, j) }
    }

    /// Chain `i` of the old array.
    ///
    /// # Safety
    /// The table is growing and `i < 2^old_b`.
    #[inline(always)]
    unsafe fn old_bucket(&self, i: usize) -> BucketPtr<K, V> {
        // SAFETY: forwarded.
        unsafe { BucketPtr::at(self.old, i) }
    }

    /// The head of `hash`'s chain in the current array, where writes go (after grow work).
    #[inline]
    pub(crate) fn head_for(&self, hash: u64) -> BucketPtr<K, V> {
        assert!(!self.buckets.is_null());
        // SAFETY: allocated, and masking keeps the index in range.
        unsafe { self.bucket(hash as usize & self.mask()) }
    }

    /// The head of the chain a lookup of `hash` must search. The array must be allocated.
    #[inline(always)]
    fn lookup_head(&self, hash: u64) -> BucketPtr<K, V> {
        let h = hash as usize;
        // SAFETY: the array is allocated (callers check `len > 0`), and masking keeps the index
        // in range.
        let head = unsafe { self.bucket(h & self.mask()) };
        if self.is_growing() {
            // SAFETY: growing, and the old mask keeps the index in range; old heads are always
            // initialised.
            unsafe {
                let old = self.old_bucket(h & (self.old_count() - 1));
                if !is_evacuated(old) {
                    return old;
                }
            }
        }
        head
    }

    /// Finds the entry whose key satisfies `eq`. Never moves entries.
    #[inline]
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<Position<K, V>> {
        if self.len == 0 {
            return None;
        }
        let top = tophash(hash);
        let head = self.lookup_head(hash);
        head.prefetch_slots();
        let mut bucket = head;
        loop {
            // SAFETY: every bucket reachable from a searched head is initialised, and matched
            // slots are live (tag matches are checked against live tags only: marks are < 5).
            unsafe {
                for index in match_tag(bucket.tophash_word(), top) {
                    if eq(&*bucket.key(index)) {
                        return Some(Position {
                            head,
                            bucket,
                            index,
                        });
                    }
                }
                bucket = bucket.overflow();
            }
            if bucket.is_null() {
                return None;
            }
        }
    }

    /// Finds the entry whose key satisfies `eq` for a write (removal): does the grow work of a
    /// write first, so the result is in the current array.
    #[inline]
    pub(crate) fn find_for_write(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: impl Fn(&K) -> u64,
    ) -> Option<Position<K, V>> {
        if self.len == 0 {
            return None;
        }
        if self.is_growing() {
            self.grow_work(hash, &hasher);
        }
        self.find(hash, eq)
    }

    /// Finds the entry whose key satisfies `eq`, or prepares a free slot for a new one, growing
    /// as needed. Does the grow work of a write first, so the result is in the current array.
    #[inline]
    pub(crate) fn find_or_prepare_insert(
        &mut self,
        hash: u64,
        mut eq: impl FnMut(&K) -> bool,
        hasher: impl Fn(&K) -> u64,
    ) -> Result<Position<K, V>, InsertSlot<K, V>> {
        if self.buckets.is_null() {
            self.allocate_first();
        }
        if self.is_growing() {
            self.grow_work(hash, &hasher);
        }
        let top = tophash(hash);
        loop {
            // SAFETY: the array is allocated, and after grow work the target's source chain has
            // moved, so the target chain is initialised.
            let head = unsafe { self.bucket(hash as usize & self.mask()) };
            head.prefetch_slots();
            let mut bucket = head;
            let mut free: Option<(BucketPtr<K, V>, usize)> = None;
            let last = loop {
                // SAFETY: as above; matched slots are live.
                unsafe {
                    let word = bucket.tophash_word();
                    for index in match_tag(word, top) {
                        if eq(&*bucket.key(index)) {
                            return Ok(Position {
                                head,
                                bucket,
                                index,
                            });
                        }
                    }
                    if free.is_none() {
                        let empty = match_empty(word);
                        if !empty.is_empty() {
                            free = Some((bucket, empty.lowest()));
                        }
                    }
                    let next = bucket.overflow();
                    if next.is_null() {
                        break bucket;
                    }
                    bucket = next;
                }
            };
            if !self.is_growing()
                && (over_load_factor(self.len + 1, self.b)
                    || too_many_overflow_buckets(self.noverflow, self.b))
            {
                self.start_grow();
                self.grow_work(hash, &hasher);
                continue;
            }
            let (bucket, index) = match free {
                Some(slot) => slot,
                None => (self.link_overflow(last), 0),
            };
            return Err(InsertSlot { bucket, index });
        }
    }

    /// Writes a new entry into a slot from [`find_or_prepare_insert`](Self::find_or_prepare_insert).
    ///
    /// # Safety
    /// `slot` came from `find_or_prepare_insert(hash, ..)` on this table, with no other change to
    /// the table since.
    #[inline]
    pub(crate) unsafe fn insert_in_slot(
        &mut self,
        hash: u64,
        slot: InsertSlot<K, V>,
        key: K,
        value: V,
    ) -> BucketPtr<K, V> {
        // SAFETY: the slot is a free slot of an initialised bucket of this table.
        unsafe { slot.bucket.write(slot.index, tophash(hash), key, value) };
        self.len += 1;
        slot.bucket
    }

    /// Chains a fresh overflow bucket after `last` (the tail of a current-array chain).
    fn link_overflow(&mut self, last: BucketPtr<K, V>) -> BucketPtr<K, V> {
        let next = self.pool.take();
        // SAFETY: `last` is an initialised bucket of this table.
        unsafe { last.set_overflow(next) };
        self.noverflow += 1;
        next
    }

    /// Removes the entry at `pos` and returns it, marking the slot empty and turning trailing
    /// `EMPTY_ONE`s into `EMPTY_REST` so that later misses stop early.
    ///
    /// # Safety
    /// `pos` is a live position of this table.
    pub(crate) unsafe fn remove_at(&mut self, pos: Position<K, V>) -> (K, V) {
        // SAFETY: the slot is live; it is marked empty before anything else can observe it.
        let entry = unsafe { pos.bucket.take(pos.index) };
        self.len -= 1;
        self.emptied |= self.len == 0;
        // SAFETY: the position's buckets are initialised buckets of this table.
        unsafe { self.mark_empty(pos) };
        entry
    }

    /// # Safety
    /// `pos` is a position of this table whose slot was just emptied.
    unsafe fn mark_empty(&mut self, pos: Position<K, V>) {
        let Position {
            head,
            mut bucket,
            mut index,
        } = pos;
        // SAFETY: every bucket touched is in `pos`'s chain, which is initialised.
        unsafe {
            bucket.set_tophash(index, EMPTY_ONE);
            // Is every later slot of the chain empty?
            if index == BUCKET_SLOTS - 1 {
                let next = bucket.overflow();
                if !next.is_null() && next.tophash(0) != EMPTY_REST {
                    return;
                }
            } else if bucket.tophash(index + 1) != EMPTY_REST {
                return;
            }
            // Walk back, turning EMPTY_ONE into EMPTY_REST.
            loop {
                bucket.set_tophash(index, EMPTY_REST);
                if index == 0 {
                    if bucket == head {
                        break;
                    }
                    let this = bucket;
                    bucket = head;
                    while bucket.overflow() != this {
                        bucket = bucket.overflow();
                    }
                    index = BUCKET_SLOTS - 1;
                } else {
                    index -= 1;
                }
                if bucket.tophash(index) != EMPTY_ONE {
                    break;
                }
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn allocate_first(&mut self) {
        debug_assert!(self.buckets.is_null() && !self.is_growing());
        self.buckets = alloc_array::<K, V>(1, true).unwrap_or_else(|e| e.handle());
        self.b = 0;
    }

    // -----------------------------------------------------------------------------------------
    // Growth.
    // -----------------------------------------------------------------------------------------

    /// Installs a new array (twice as large, or the same size when the table is not over its load
    /// factor) and keeps the old one for evacuation. O(1): nothing moves and nothing is zeroed.
    #[cold]
    #[inline(never)]
    fn start_grow(&mut self) {
        debug_assert!(!self.is_growing());
        let new_b = if over_load_factor(self.len + 1, self.b) {
            self.b + 1
        } else {
            self.b
        };
        let n = bucket_count_checked(new_b).unwrap_or_else(|e| e.handle());
        let new = alloc_array::<K, V>(n, false).unwrap_or_else(|e| e.handle());
        self.old = mem::replace(&mut self.buckets, new);
        self.old_b = mem::replace(&mut self.b, new_b);
        self.old_noverflow = mem::replace(&mut self.noverflow, 0);
        self.nevacuate = 0;
    }

    /// Go's `growWork`: evacuates the old chain feeding `hash`'s bucket, then one more.
    #[inline]
    fn grow_work(&mut self, hash: u64, hasher: &impl Fn(&K) -> u64) {
        self.evacuate(hash as usize & (self.old_count() - 1), hasher);
        if self.is_growing() {
            self.evacuate(self.nevacuate, hasher);
        }
    }

    /// Evacuates every old chain that has not moved yet.
    pub(crate) fn finish_growth(&mut self, hasher: impl Fn(&K) -> u64) {
        while self.is_growing() {
            self.evacuate(self.nevacuate, &hasher);
        }
    }

    /// Moves old chain `i` to the new array (if it has not moved) and advances `nevacuate`.
    fn evacuate(&mut self, i: usize, hasher: &impl Fn(&K) -> u64) {
        // SAFETY: growing, and `i` is an old index (masked by callers or below the old count).
        let src = unsafe { self.old_bucket(i) };
        // SAFETY: old heads are initialised.
        if !unsafe { is_evacuated(src) } {
            self.evacuate_chain(i, src, hasher);
        }
        if i == self.nevacuate {
            self.advance_evacuation_mark();
        }
    }

    #[inline(never)]
    fn evacuate_chain(&mut self, i: usize, src: BucketPtr<K, V>, hasher: &impl Fn(&K) -> u64) {
        let doubling = self.doubling();
        let old_count = self.old_count();
        // SAFETY: `i < old_count <= 2^b`, and `i + old_count < 2^b` when doubling. These
        // destinations are fed by chain `i` alone and have not been initialised yet.
        let (x, y) = unsafe {
            let x = self.bucket(i);
            x.init();
            let y = if doubling {
                let y = self.bucket(i + old_count);
                y.init();
                y
            } else {
                BucketPtr::null()
            };
            (x, y)
        };
        // Copy every live entry; on a panic in `hasher`, `Rollback` puts the chain back.
        let guard = Rollback {
            table: self,
            src,
            x,
            y,
        };
        let mut dest_x = (x, 0usize);
        let mut dest_y = (y, 0usize);
        let mut bucket = src;
        while !bucket.is_null() {
            // SAFETY: `bucket` is in the initialised old chain; live slots hold entries.
            unsafe {
                let word = bucket.tophash_word();
                for s in match_live(word) {
                    let to_y = doubling && hasher(&*bucket.key(s)) as usize & old_count != 0;
                    let (dest, mark) = if to_y {
                        (&mut dest_y, EVACUATED_Y)
                    } else {
                        (&mut dest_x, EVACUATED_X)
                    };
                    if dest.1 == BUCKET_SLOTS {
                        dest.0 = guard.table.link_overflow(dest.0);
                        dest.1 = 0;
                    }
                    dest.0.copy_from(dest.1, bucket, s);
                    dest.1 += 1;
                    bucket.set_tophash(s, mark);
                }
                for s in match_empty(word) {
                    bucket.set_tophash(s, EVACUATED_EMPTY);
                }
                bucket = bucket.overflow();
            }
        }
        mem::forget(guard);
        // Commit: give the old overflow buckets back to the pool.
        let mut bucket = src;
        while !bucket.is_null() {
            // SAFETY: `bucket` is in the old chain; after this loop nothing links to the
            // overflow buckets given back (the head's link is cleared last).
            unsafe {
                let next = bucket.overflow();
                if bucket != src {
                    self.pool.give_back(bucket);
                    self.old_noverflow -= 1;
                }
                bucket = next;
            }
        }
        // SAFETY: the head is initialised.
        unsafe { src.set_overflow(BucketPtr::null()) };
    }

    /// Go's `advanceEvacuationMark`: moves `nevacuate` past evacuated chains (at most 1024 at a
    /// time), and ends the grow when every chain has moved.
    fn advance_evacuation_mark(&mut self) {
        self.nevacuate += 1;
        let old_count = self.old_count();
        let stop = (self.nevacuate + 1024).min(old_count);
        // SAFETY: indices below the old count; old heads are initialised.
        while self.nevacuate != stop && unsafe { is_evacuated(self.old_bucket(self.nevacuate)) } {
            self.nevacuate += 1;
        }
        if self.nevacuate == old_count {
            debug_assert_eq!(self.old_noverflow, 0);
            // SAFETY: every chain has moved; nothing points into the old array any more.
            unsafe { free_array::<K, V>(self.old, old_count) };
            self.old = ptr::null_mut();
            self.nevacuate = 0;
        }
    }

    // -----------------------------------------------------------------------------------------
    // Capacity.
    // -----------------------------------------------------------------------------------------

    /// Makes room for `additional` more entries without replacing the array by a larger one.
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
        let n = bucket_count_checked(new_b)?;
        crate::alloc::array_layout::<K, V>(n)?;
        if self.len == 0 {
            // Nothing to move: replace the storage outright.
            let fresh = Self::try_with_capacity(need)?;
            self.free_storage();
            *self = fresh;
            return Ok(());
        }
        self.finish_growth(&hasher);
        self.rebuild(new_b, &hasher)
    }

    /// Shrinks the array as far as `min_capacity` (and the entries) allow.
    pub(crate) fn shrink_to(&mut self, min_capacity: usize, hasher: impl Fn(&K) -> u64) {
        let target = self.len.max(min_capacity);
        if target == 0 {
            if self.len == 0 && !self.buckets.is_null() {
                self.free_storage();
            }
            return;
        }
        let Ok(new_b) = log2_buckets_for(target) else {
            return;
        };
        if self.buckets.is_null() || new_b >= self.b {
            return;
        }
        self.finish_growth(&hasher);
        // A failed allocation of a smaller array leaves the table as it was.
        let _ = self.rebuild(new_b, &hasher);
    }

    /// Moves every entry into a fresh array of `2^new_b` buckets, all at once. The copy is made
    /// before anything changes, so a panicking `hasher` leaves the table as it was.
    fn rebuild(&mut self, new_b: u8, hasher: &impl Fn(&K) -> u64) -> Result<(), TryReserveError> {
        debug_assert!(!over_load_factor(self.len, new_b));
        let mut fresh = ManuallyDrop::new(Self::new());
        fresh.buckets = alloc_array::<K, V>(bucket_count_checked(new_b)?, true)?;
        fresh.b = new_b;
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

    // -----------------------------------------------------------------------------------------
    // Clearing and dropping.
    // -----------------------------------------------------------------------------------------

    /// Drops every entry; keeps the current array (its capacity) and frees the rest.
    pub(crate) fn clear(&mut self) {
        struct ResetOnExit<'a, K, V>(&'a mut RawTable<K, V>);
        impl<K, V> Drop for ResetOnExit<'_, K, V> {
            fn drop(&mut self) {
                self.0.clear_no_drop();
            }
        }
        let guard = ResetOnExit(self);
        // SAFETY: the entries are dropped once each; the guard then marks every slot empty,
        // also if a destructor panics.
        unsafe { guard.0.drop_entries() };
    }

    /// Forgets every entry (the caller moved them out) and empties the table, keeping the
    /// current array.
    pub(crate) fn clear_no_drop(&mut self) {
        if self.is_growing() {
            // SAFETY: the old array came from `alloc_array` with this count.
            unsafe { free_array::<K, V>(self.old, self.old_count()) };
            self.old = ptr::null_mut();
            self.nevacuate = 0;
            self.old_noverflow = 0;
        }
        for j in 0..self.num_buckets() {
            // SAFETY: `j < 2^b`; writing a header initialises the bucket.
            unsafe { self.bucket(j).init() };
        }
        self.pool.release_all();
        self.noverflow = 0;
        self.len = 0;
        self.emptied = true;
    }

    /// Whether the table became empty since this was last asked (then clears the flag).
    pub(crate) fn take_emptied(&mut self) -> bool {
        mem::replace(&mut self.emptied, false)
    }

    /// Drops every live entry, continuing past a panicking destructor. The table's marks are
    /// left as they were: the caller must forget or reset them.
    ///
    /// # Safety
    /// Afterwards no entry may be read or dropped again.
    unsafe fn drop_entries(&mut self) {
        if !Layout::<K, V>::KEY_BOXED
            && !Layout::<K, V>::VALUE_BOXED
            && !mem::needs_drop::<K>()
            && !mem::needs_drop::<V>()
        {
            return;
        }
        let mut iter = self.raw_iter();
        // SAFETY: forwarded; every live entry is yielded once.
        unsafe { drop_remaining(&mut iter) };
    }

    /// Frees all memory without dropping entries, leaving an empty table that owns nothing.
    pub(crate) fn free_storage(&mut self) {
        if self.is_growing() {
            // SAFETY: allocated by `alloc_array` with this count.
            unsafe { free_array::<K, V>(self.old, self.old_count()) };
        }
        if !self.buckets.is_null() {
            // SAFETY: as above.
            unsafe { free_array::<K, V>(self.buckets, 1 << self.b) };
        }
        self.pool.release_all();
        // Field by field: assigning a whole new table would run `Drop` on this one.
        self.buckets = ptr::null_mut();
        self.old = ptr::null_mut();
        self.b = 0;
        self.old_b = 0;
        self.len = 0;
        self.noverflow = 0;
        self.nevacuate = 0;
        self.old_noverflow = 0;
    }

    // -----------------------------------------------------------------------------------------
    // Iteration and introspection.
    // -----------------------------------------------------------------------------------------

    /// An iterator over the live positions. It does not borrow the table: the caller keeps the
    /// table alive and unchanged, except for removals of positions already yielded.
    pub(crate) fn raw_iter(&self) -> RawIter<K, V> {
        RawIter::new(self, 0, self.num_buckets(), self.len)
    }

    /// An iterator over the chains whose new-bucket index is in `start..end`, for splitting
    /// work (its length is unknown). Same contract as [`raw_iter`](Self::raw_iter).
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn raw_iter_range(&self, start: usize, end: usize) -> RawIter<K, V> {
        RawIter::new(self, start, end.min(self.num_buckets()), usize::MAX)
    }

    /// Visits every chain of both arrays, for `stats` and `snapshot`: `visit(old, index, head)`
    /// with `head` null for a new bucket that is not initialised yet.
    pub(crate) fn for_each_chain(&self, mut visit: impl FnMut(bool, usize, BucketPtr<K, V>)) {
        if self.is_growing() {
            for i in 0..self.old_count() {
                // SAFETY: old heads are initialised.
                visit(true, i, unsafe { self.old_bucket(i) });
            }
        }
        for j in 0..self.num_buckets() {
            let initialised = !self.is_growing() || {
                // SAFETY: old index, initialised head.
                unsafe { is_evacuated(self.old_bucket(j & (self.old_count() - 1))) }
            };
            let head = if initialised {
                // SAFETY: `j < 2^b`, initialised.
                unsafe { self.bucket(j) }
            } else {
                BucketPtr::null()
            };
            visit(false, j, head);
        }
    }

    /// The growth state: `(old log2 buckets, nevacuate, old overflow buckets)` while growing.
    pub(crate) fn growth(&self) -> Option<(u8, usize, usize)> {
        self.is_growing()
            .then_some((self.old_b, self.nevacuate, self.old_noverflow))
    }

    /// Overflow buckets linked into the current array.
    pub(crate) fn noverflow(&self) -> usize {
        self.noverflow
    }

    /// Bytes of heap memory the table holds (arrays, overflow slabs, boxed keys and values).
    pub(crate) fn heap_bytes(&self) -> usize {
        let mut bytes = self.num_buckets() * Layout::<K, V>::SIZE + self.pool.heap_bytes();
        if self.is_growing() {
            bytes += self.old_count() * Layout::<K, V>::SIZE;
        }
        if Layout::<K, V>::KEY_BOXED {
            bytes += self.len * mem::size_of::<K>();
        }
        if Layout::<K, V>::VALUE_BOXED {
            bytes += self.len * mem::size_of::<V>();
        }
        bytes
    }
}

impl<K, V> Drop for RawTable<K, V> {
    fn drop(&mut self) {
        struct FreeOnExit<'a, K, V>(&'a mut RawTable<K, V>);
        impl<K, V> Drop for FreeOnExit<'_, K, V> {
            fn drop(&mut self) {
                self.0.free_storage();
            }
        }
        let guard = FreeOnExit(self);
        // SAFETY: the table is going away; each entry is dropped once, then the guard frees the
        // memory (also when a destructor panics).
        unsafe { guard.0.drop_entries() };
    }
}

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

/// `2^b` as a count, or an error when it does not fit.
fn bucket_count_checked(b: u8) -> Result<usize, TryReserveError> {
    1usize
        .checked_shl(b as u32)
        .filter(|_| (b as u32) < usize::BITS - 1)
        .ok_or(TryReserveError::CapacityOverflow)
}

/// Puts an old chain back as it was when its evacuation is interrupted by a panicking hasher.
///
/// Entries are copied, not moved, so the old slots still hold them; only their tophash bytes were
/// overwritten by `EVACUATED_X`/`EVACUATED_Y` (empty slots by `EVACUATED_EMPTY`, which goes back
/// to `EMPTY_ONE`: always a correct mark for an empty slot). The k-th `X` mark in chain order is the k-th entry
/// of the X destination (destinations fill densely, in order), which still holds the original
/// tophash; likewise for Y. The destinations are then reset, and their overflow buckets returned.
struct Rollback<'a, K, V> {
    table: &'a mut RawTable<K, V>,
    src: BucketPtr<K, V>,
    x: BucketPtr<K, V>,
    y: BucketPtr<K, V>,
}

impl<K, V> Drop for Rollback<'_, K, V> {
    fn drop(&mut self) {
        let mut from_x = DestSlots::new(self.x);
        let mut from_y = DestSlots::new(self.y);
        let mut bucket = self.src;
        while !bucket.is_null() {
            // SAFETY: the old chain and both destination chains are initialised; every X/Y mark
            // has a matching destination slot, filled in the same order.
            unsafe {
                for s in 0..BUCKET_SLOTS {
                    let top = match bucket.tophash(s) {
                        EVACUATED_X => from_x.next_tophash(),
                        EVACUATED_Y => from_y.next_tophash(),
                        EVACUATED_EMPTY => EMPTY_ONE,
                        _ => continue,
                    };
                    bucket.set_tophash(s, top);
                }
                bucket = bucket.overflow();
            }
        }
        for head in [self.x, self.y] {
            if head.is_null() {
                continue;
            }
            // SAFETY: the destination chain holds only bit copies; its overflow buckets came
            // from the pool and are unlinked before being returned.
            unsafe {
                let mut next = head.overflow();
                head.init();
                while !next.is_null() {
                    let after = next.overflow();
                    self.table.pool.give_back(next);
                    self.table.noverflow -= 1;
                    next = after;
                }
            }
        }
    }
}

/// Walks the slots of a densely filled destination chain in order.
struct DestSlots<K, V> {
    bucket: BucketPtr<K, V>,
    index: usize,
}

impl<K, V> DestSlots<K, V> {
    fn new(head: BucketPtr<K, V>) -> Self {
        DestSlots {
            bucket: head,
            index: 0,
        }
    }

    /// # Safety
    /// The chain is initialised and has another filled slot.
    unsafe fn next_tophash(&mut self) -> u8 {
        if self.index == BUCKET_SLOTS {
            // SAFETY: forwarded.
            self.bucket = unsafe { self.bucket.overflow() };
            self.index = 0;
        }
        // SAFETY: forwarded.
        let top = unsafe { self.bucket.tophash(self.index) };
        self.index += 1;
        top
    }
}

/// An iterator over live positions, chain by chain (see the module comment for the order).
pub(crate) struct RawIter<K, V> {
    buckets: *mut u8,
    old: *mut u8,
    old_b: u8,
    /// The next chain index to visit.
    next_chain: usize,
    /// One past the last chain index to visit.
    end_chain: usize,
    /// The current chain's head and bucket (null between chains).
    head: BucketPtr<K, V>,
    bucket: BucketPtr<K, V>,
    /// Live slots of `bucket` not yielded yet.
    live: SlotMask,
    /// Entries not yielded yet (`usize::MAX` when unknown).
    remaining: usize,
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
    fn new(table: &RawTable<K, V>, start: usize, end: usize, remaining: usize) -> Self {
        RawIter {
            buckets: table.buckets,
            old: table.old,
            old_b: table.old_b,
            next_chain: start,
            end_chain: end.max(start),
            head: BucketPtr::null(),
            bucket: BucketPtr::null(),
            live: SlotMask(0),
            remaining,
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

    #[inline]
    fn chain_at(&self, j: usize) -> BucketPtr<K, V> {
        // The view of a table at the time the iterator was made; the same rule as
        // `RawTable::chain_at`.
        if !self.old.is_null() {
            let i = j & ((1usize << self.old_b) - 1);
            // SAFETY: `i` is an old index; old heads are initialised.
            let old = unsafe { BucketPtr::<K, V>::at(self.old, i) };
            // SAFETY: as above.
            if !unsafe { is_evacuated(old) } {
                return if i == j { old } else { BucketPtr::null() };
            }
        }
        // SAFETY: `j < 2^b` (end_chain is at most the bucket count), initialised.
        unsafe { BucketPtr::at(self.buckets, j) }
    }
}

impl<K, V> Iterator for RawIter<K, V> {
    type Item = Position<K, V>;

    #[inline]
    fn next(&mut self) -> Option<Position<K, V>> {
        if self.remaining == 0 {
            return None;
        }
        loop {
            if !self.live.is_empty() {
                let index = self.live.lowest();
                self.live = self.live.remove_lowest();
                self.remaining = self
                    .remaining
                    .wrapping_sub((self.remaining != usize::MAX) as usize);
                return Some(Position {
                    head: self.head,
                    bucket: self.bucket,
                    index,
                });
            }
            if !self.bucket.is_null() {
                // SAFETY: the current bucket is initialised.
                self.bucket = unsafe { self.bucket.overflow() };
            }
            if self.bucket.is_null() {
                if self.next_chain >= self.end_chain {
                    self.remaining = 0;
                    return None;
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
        }
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.remaining == usize::MAX {
            (0, None)
        } else {
            (self.remaining, Some(self.remaining))
        }
    }
}

impl<K, V> core::iter::FusedIterator for RawIter<K, V> {}
