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
//! `reserve` and `shrink_to` use the same machinery with larger steps (see `grow.rs`).
//!
//! Destinations are initialised when their old chain is evacuated: the new array is allocated
//! uninitialised, so starting a grow costs O(1) and no write ever pays for zeroing a whole array
//! (DESIGN.md section 3).
//!
//! The one invariant: **an old chain is evacuated all or nothing, and slot 0 of its head says
//! which.** Lookups check that mark and read the old chain until it moves; a new bucket is read
//! only once its source has moved (which is when it was initialised). Evacuation copies before it
//! commits, so a `Hash` that panics half-way leaves the chain where it was.
//!
//! Modules: `grow` (growth and evacuation), `iter` (the raw iterator), `clone` (structural
//! cloning).

use core::marker::PhantomData;
use core::mem;
use core::ptr;

mod clone;
mod grow;
mod iter;

pub(crate) use self::iter::{drop_remaining, RawIter};

use crate::alloc::{alloc_array, free_array, OverflowPool};
use crate::bucket::{
    is_evacuated, match_empty, match_live, match_tag, tophash, BucketPtr, Layout, BUCKET_SLOTS,
    EMPTY_ONE, EMPTY_REST,
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
/// buckets, which triggers a same-size grow.
///
/// Go writes `noverflow >= 2^min(B, 15)`, but for `B > 15` Go's `noverflow` is not a count: it is
/// incremented with probability `2^(15-B)`, so the rule still means "about `2^B`". gomap counts
/// overflow buckets exactly, so it compares with `2^B` itself. (The literal rule started a
/// same-size grow of a healthy 10M-entry map, whose 2M buckets have ~110K overflow buckets.)
#[inline]
pub(crate) fn too_many_overflow_buckets(noverflow: usize, b: u8) -> bool {
    noverflow >= bucket_count(b)
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

/// The bucket array of a table that owns no memory: one empty header (all slots `EMPTY_REST`,
/// no overflow), shared by every such table and never written. Lookups in an empty map read it
/// like any bucket and miss, so they need no "is it allocated?" test (hashbrown's trick).
#[repr(C, align(16))]
struct EmptyBucket([u64; 2]);
static EMPTY_BUCKET: EmptyBucket = EmptyBucket([0; 2]);

/// The address of [`EMPTY_BUCKET`].
#[inline(always)]
const fn empty_bucket() -> *mut u8 {
    (&raw const EMPTY_BUCKET).cast::<u8>().cast_mut()
}

/// Tables at least this large (log2 buckets) prefetch a bucket's slot lines on lookup: below
/// it the array fits in L2 and the prefetches are only extra instructions.
const PREFETCH_MIN_BYTES: usize = 256 << 10;

/// Where a new entry goes: a free slot of the target chain (the chain already holds it).
pub(crate) struct InsertSlot<K, V> {
    bucket: BucketPtr<K, V>,
    index: usize,
    top: u8,
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
    /// The current array of `2^b` buckets, or [`empty_bucket`] before the first allocation.
    buckets: *mut u8,
    /// `capacity_of(b)`: inserting a new key when `len` has reached it starts a doubling grow.
    grow_at: usize,
    /// `2^b`: as many overflow buckets as this start a same-size grow.
    overflow_at: usize,
    /// `2^b - 1` (0 when unallocated): the hash bits that pick a bucket.
    bucket_mask: usize,
    /// Whether the array is too big for the cache, so lookups prefetch slot lines.
    prefetch: bool,
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
    /// Every unit below this index has been evacuated.
    nevacuate: usize,
    /// The old array's memory for units below this index went back to the OS (never read).
    released: usize,
    /// Overflow buckets still linked into the old array's chains.
    old_noverflow: usize,
    /// A shrink asked for by `shrink_to` that takes more than one grow: the log2 bucket count to
    /// reach, one step after another.
    pending_shrink: Option<u8>,
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
            buckets: empty_bucket(),
            grow_at: 0,
            overflow_at: 0,
            bucket_mask: 0,
            prefetch: false,
            b: 0,
            old_b: 0,
            len: 0,
            noverflow: 0,
            old: ptr::null_mut(),
            nevacuate: 0,
            released: 0,
            old_noverflow: 0,
            pending_shrink: None,
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
            table.set_limits();
        }
        Ok(table)
    }

    /// Whether the table owns a bucket array (else `buckets` is the shared empty bucket).
    #[inline(always)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.buckets != empty_bucket()
    }

    /// Recomputes the grow thresholds after `buckets` or `b` changed.
    fn set_limits(&mut self) {
        if self.is_allocated() {
            self.grow_at = capacity_of(self.b);
            self.overflow_at = bucket_count(self.b);
        } else {
            self.grow_at = 0;
            self.overflow_at = 0;
        }
        self.bucket_mask = (1usize << self.b) - 1;
        self.prefetch =
            Layout::<K, V>::SIZE > 64 && Layout::<K, V>::SIZE << self.b >= PREFETCH_MIN_BYTES;
    }

    /// Live entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Entries the map holds before its array is replaced by a larger one; 0 before the first
    /// allocation.
    ///
    /// That is the load-factor limit of the current array, or of the size a queued shrink is
    /// heading for. It is never less than `len`: keys inserted while a same-size grow or a shrink
    /// runs cannot start another grow, so the table may end up past its limit (then the next new
    /// key starts a doubling grow).
    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        if !self.is_allocated() {
            0
        } else {
            let b = self.pending_shrink.map_or(self.b, |t| t.min(self.b));
            capacity_of(b).max(self.len)
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
        if !self.is_allocated() {
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
        self.bucket_mask
    }

    #[inline(always)]
    fn old_count(&self) -> usize {
        1usize << self.old_b
    }

    /// Whether old chain `i` has moved. Units below `nevacuate` have, and their memory may have
    /// been released, so their heads are not read.
    ///
    /// # Safety
    /// The table is growing and `i < 2^old_b`.
    #[inline(always)]
    unsafe fn old_moved(&self, i: usize) -> bool {
        // SAFETY: forwarded; the head is read only when its unit is at or past `nevacuate`.
        (i & (self.units() - 1)) < self.nevacuate || unsafe { is_evacuated(self.old_bucket(i)) }
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
        assert!(self.is_allocated());
        // SAFETY: allocated, and masking keeps the index in range.
        unsafe { self.bucket(hash as usize & self.mask()) }
    }

    /// Starts loading the slot lines of `head` early, when the table is too big for the cache.
    #[inline(always)]
    fn prefetch(&self, head: BucketPtr<K, V>) {
        if self.prefetch {
            head.prefetch_slots();
        }
    }

    /// The head of the chain a lookup of `hash` must search. The array must be allocated.
    #[inline(always)]
    fn lookup_head(&self, hash: u64) -> BucketPtr<K, V> {
        let h = hash as usize;
        // SAFETY: the array is allocated (callers check `len > 0`), and masking keeps the index
        // in range.
        let head = unsafe { self.bucket(h & self.mask()) };
        if self.is_growing() {
            let i = h & (self.old_count() - 1);
            // SAFETY: growing, and the old mask keeps the index in range.
            if !unsafe { self.old_moved(i) } {
                // SAFETY: as above; a head that has not moved is initialised.
                return unsafe { self.old_bucket(i) };
            }
        }
        head
    }

    /// Finds the entry whose key satisfies `eq`. Never moves entries.
    #[inline]
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(&K) -> bool) -> Option<Position<K, V>> {
        // No `len == 0` test: an empty table's buckets (or the shared empty bucket) just miss.
        let top = tophash(hash);
        let head = self.lookup_head(hash);
        self.prefetch(head);
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
    /// write first, so the result is in the current array. Callers skip empty tables before they
    /// hash (as Go's `mapdelete` does); an empty table would simply miss.
    #[inline]
    pub(crate) fn find_for_write(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: impl Fn(&K) -> u64,
    ) -> Option<Position<K, V>> {
        debug_assert!(self.len > 0, "callers skip empty tables");
        self.prepare_write(hash, &hasher);
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
        if !self.is_allocated() {
            self.allocate_first();
        }
        self.prepare_write(hash, &hasher);
        let top = tophash(hash);
        loop {
            // SAFETY: the array is allocated, and after grow work the target's source chain has
            // moved, so the target chain is initialised.
            let head = unsafe { self.bucket(hash as usize & self.mask()) };
            self.prefetch(head);
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
            // Go's `overLoadFactor(len + 1, B) || tooManyOverflowBuckets(noverflow, B)`, with
            // both thresholds precomputed.
            debug_assert!(
                self.is_growing()
                    || (self.len >= self.grow_at) == over_load_factor(self.len + 1, self.b)
                        && (self.noverflow >= self.overflow_at)
                            == too_many_overflow_buckets(self.noverflow, self.b)
            );
            if !self.is_growing()
                && (self.len >= self.grow_at || self.noverflow >= self.overflow_at)
            {
                self.start_load_grow();
                self.grow_work(hash, &hasher);
                continue;
            }
            let (bucket, index) = match free {
                Some(slot) => slot,
                None => (self.link_overflow(last), 0),
            };
            return Err(InsertSlot { bucket, index, top });
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
        debug_assert_eq!(slot.top, tophash(hash));
        // SAFETY: the slot is a free slot of an initialised bucket of this table.
        unsafe { slot.bucket.write(slot.index, slot.top, key, value) };
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
            index,
        } = pos;
        // SAFETY: every bucket touched is in `pos`'s chain, which is initialised.
        unsafe {
            let shift = 8 * index;
            let mut word = bucket.tophash_word() & !(0xff << shift) | (EMPTY_ONE as u64) << shift;
            // Are all later slots of this bucket EMPTY_REST? (Two shifts: `<< 64` is not a shift.)
            let rest_empty = word & ((u64::MAX << shift) << 8) == 0;
            let next = bucket.overflow();
            if next.is_null() {
                // The common case, written without a branch on "was this the last live slot?"
                // (true about a third of the time in random order: as a branch it mispredicted
                // and cost ~3 ns per remove). Keep the bytes up to the highest live slot when the
                // rest of the chain is empty, all of them otherwise; one 8-byte store.
                let live = match_live(word).0;
                let keep = if live == 0 {
                    0
                } else {
                    u64::MAX >> live.leading_zeros()
                };
                let keep = keep | (rest_empty as u64).wrapping_sub(1);
                bucket.set_tophash_word(word & keep);
                if keep != 0 || bucket == head {
                    return;
                }
                // An overflow bucket became all empty: go on in the bucket before it (rare).
                let this = bucket;
                bucket = head;
                while bucket.overflow() != this {
                    bucket = bucket.overflow();
                }
                word = bucket.tophash_word();
            } else if !rest_empty || next.tophash(0) != EMPTY_REST {
                bucket.set_tophash(index, EMPTY_ONE);
                return;
            }
            // Go walks back turning EMPTY_ONE into EMPTY_REST, slot by slot, until a live slot.
            // On the word: keep the bytes up to the highest live slot, zero the rest, in one
            // store. (A slot before a live one is never EMPTY_REST, so this is the same.)
            loop {
                let live = match_live(word);
                if !live.is_empty() {
                    let h = live.highest();
                    let keep = if h == BUCKET_SLOTS - 1 {
                        u64::MAX
                    } else {
                        (1u64 << (8 * (h + 1))) - 1
                    };
                    bucket.set_tophash_word(word & keep);
                    return;
                }
                bucket.set_tophash_word(0);
                if bucket == head {
                    return;
                }
                // The whole bucket was empty: go on in the bucket before it (rare).
                let this = bucket;
                bucket = head;
                while bucket.overflow() != this {
                    bucket = bucket.overflow();
                }
                word = bucket.tophash_word();
            }
        }
    }

    #[cold]
    #[inline(never)]
    fn allocate_first(&mut self) {
        debug_assert!(!self.is_allocated() && !self.is_growing());
        self.buckets = alloc_array::<K, V>(1, true).unwrap_or_else(|e| e.handle());
        self.b = 0;
        self.set_limits();
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
        self.unlink_overflow();
        if self.is_growing() {
            self.old_noverflow = 0;
            self.release_old_array();
        }
        // A queued shrink stays queued: `capacity()` reports it, and clearing keeps capacity.
        for j in 0..self.num_buckets() {
            // SAFETY: `j < 2^b`; writing a header initialises the bucket.
            unsafe { self.bucket(j).init() };
        }
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
        self.unlink_overflow();
        if self.is_growing() {
            // SAFETY: allocated by `alloc_array` with this count.
            unsafe { free_array::<K, V>(self.old, self.old_count()) };
        }
        if self.is_allocated() {
            // SAFETY: as above.
            unsafe { free_array::<K, V>(self.buckets, 1 << self.b) };
        }
        self.pool.release_free();
        // Field by field: assigning a whole new table would run `Drop` on this one.
        self.buckets = empty_bucket();
        self.old = ptr::null_mut();
        self.b = 0;
        self.old_b = 0;
        self.len = 0;
        self.noverflow = 0;
        self.nevacuate = 0;
        self.released = 0;
        self.old_noverflow = 0;
        self.pending_shrink = None;
        self.set_limits();
    }

    /// Unlinks every overflow bucket from both arrays and gives it back to the pool (clear, drop,
    /// rebuild: the chains' entries are gone or moved elsewhere). **O(buckets)**.
    fn unlink_overflow(&mut self) {
        if self.noverflow + self.old_noverflow == 0 {
            return;
        }
        if self.is_growing() {
            let units = self.units();
            for i in 0..self.old_count() {
                // Units below `nevacuate` moved: their heads have no overflow (and may be
                // released memory), so they are not read.
                if (i & (units - 1)) < self.nevacuate {
                    continue;
                }
                // SAFETY: an old head at or past `nevacuate` is initialised.
                unsafe { self.unlink_chain(self.old_bucket(i)) };
            }
        }
        for j in 0..self.num_buckets() {
            // SAFETY: growing, and the index is masked to the old array.
            if self.is_growing() && !unsafe { self.old_moved(j & (self.old_count() - 1)) } {
                continue; // not initialised yet
            }
            // SAFETY: `j < 2^b`, initialised.
            unsafe { self.unlink_chain(self.bucket(j)) };
        }
        self.noverflow = 0;
        self.old_noverflow = 0;
    }

    /// Gives the overflow buckets after `head` back to the pool.
    ///
    /// # Safety
    /// `head` is an initialised head of this table whose chain's entries are gone or moved.
    unsafe fn unlink_chain(&mut self, head: BucketPtr<K, V>) {
        // SAFETY: every bucket after an initialised head came from the pool; it is unlinked
        // before it is given back.
        unsafe {
            let mut next = head.overflow();
            head.set_overflow(BucketPtr::null());
            while !next.is_null() {
                let after = next.overflow();
                self.pool.give_back(next);
                next = after;
            }
        }
    }

    /// Frees the old array at the end of a grow (or when clearing).
    fn release_old_array(&mut self) {
        debug_assert!(self.is_growing());
        // SAFETY: every unit has moved (or the table is being cleared): nothing points into the
        // old array any more, and it came from `alloc_array` with this count.
        unsafe { free_array::<K, V>(self.old, self.old_count()) };
        self.old = ptr::null_mut();
        self.nevacuate = 0;
        self.released = 0;
    }

    // -----------------------------------------------------------------------------------------
    // Iteration and introspection.
    // -----------------------------------------------------------------------------------------

    /// An iterator over the live positions. It does not borrow the table: the caller keeps the
    /// table alive and unchanged, except for removals of positions already yielded.
    pub(crate) fn raw_iter(&self) -> RawIter<K, V> {
        RawIter::new(self, 0, self.num_chains(), self.len)
    }

    /// How many chain indices iteration visits: the larger of the two arrays.
    pub(crate) fn num_chains(&self) -> usize {
        if self.is_growing() {
            self.num_buckets().max(self.old_count())
        } else {
            self.num_buckets()
        }
    }

    /// An iterator over the chains whose new-bucket index is in `start..end`, for splitting
    /// work (its length is unknown). Same contract as [`raw_iter`](Self::raw_iter).
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn raw_iter_range(&self, start: usize, end: usize) -> RawIter<K, V> {
        RawIter::new(self, start, end.min(self.num_chains()), usize::MAX)
    }

    /// Visits every chain of both arrays, for `stats` and `snapshot`: `visit(old, index, head)`
    /// with `head` null for a new bucket that is not initialised yet, or for an old chain that
    /// was evacuated and whose memory went back to the OS.
    pub(crate) fn for_each_chain(&self, mut visit: impl FnMut(bool, usize, BucketPtr<K, V>)) {
        if self.is_growing() {
            let units = self.units();
            for i in 0..self.old_count() {
                let head = if (i & (units - 1)) < self.released {
                    BucketPtr::null()
                } else {
                    // SAFETY: old heads whose memory was not released are initialised.
                    unsafe { self.old_bucket(i) }
                };
                visit(true, i, head);
            }
        }
        for j in 0..self.num_buckets() {
            let initialised = !self.is_growing() || {
                // SAFETY: growing, and the index is masked to the old array.
                unsafe { self.old_moved(j & (self.old_count() - 1)) }
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

    /// The log2 bucket count a queued shrink is heading for.
    pub(crate) fn queued_shrink(&self) -> Option<u8> {
        self.pending_shrink
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

/// `2^b` as a count, or an error when it does not fit.
fn bucket_count_checked(b: u8) -> Result<usize, TryReserveError> {
    1usize
        .checked_shl(b as u32)
        .filter(|_| (b as u32) < usize::BITS - 1)
        .ok_or(TryReserveError::CapacityOverflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bucket::MIN_TOPHASH;

    /// Go's `mapdelete` tail, byte by byte: mark the slot EMPTY_ONE, and if every later slot of
    /// the chain is EMPTY_REST, walk back turning EMPTY_ONE into EMPTY_REST.
    fn go_mark_empty(chain: &mut [[u8; 8]], b: usize, i: usize) {
        chain[b][i] = EMPTY_ONE;
        let later_empty = if i == 7 {
            b + 1 == chain.len() || chain[b + 1][0] == EMPTY_REST
        } else {
            chain[b][i + 1] == EMPTY_REST
        };
        if !later_empty {
            return;
        }
        let (mut b, mut i) = (b, i);
        loop {
            chain[b][i] = EMPTY_REST;
            if i == 0 {
                if b == 0 {
                    return;
                }
                b -= 1;
                i = 7;
            } else {
                i -= 1;
            }
            if chain[b][i] != EMPTY_ONE {
                return;
            }
        }
    }

    /// Every chain of up to 3 buckets whose slots are live (9) or EMPTY_ONE, with EMPTY_REST
    /// after the last live slot (the invariant), from a small generator.
    fn chains() -> Vec<Vec<[u8; 8]>> {
        let mut out = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for n in 1..=3usize {
            for _ in 0..400 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let mut slots: Vec<u8> = (0..8 * n)
                    .map(|k| {
                        if seed >> (k % 64) & 1 == 1 {
                            9
                        } else {
                            EMPTY_ONE
                        }
                    })
                    .collect();
                if let Some(last) = slots.iter().rposition(|&t| t == 9) {
                    for t in &mut slots[last + 1..] {
                        *t = EMPTY_REST;
                    }
                }
                out.push(slots.chunks(8).map(|c| c.try_into().unwrap()).collect());
            }
        }
        out
    }

    #[test]
    fn removal_marks_match_go_slot_by_slot() {
        for chain in chains() {
            for b in 0..chain.len() {
                for i in 0..8 {
                    if chain[b][i] < MIN_TOPHASH {
                        continue;
                    }
                    let mut expected = chain.clone();
                    go_mark_empty(&mut expected, b, i);

                    let arr = alloc_array::<u64, u64>(chain.len(), true).unwrap();
                    // SAFETY: `arr` holds `chain.len()` initialised buckets, linked into one
                    // chain here; their slots are never read (only tophash bytes).
                    let got = unsafe {
                        let buckets: Vec<BucketPtr<u64, u64>> =
                            (0..chain.len()).map(|k| BucketPtr::at(arr, k)).collect();
                        for k in 0..chain.len() {
                            buckets[k].set_tophash_word(u64::from_le_bytes(chain[k]));
                            if k + 1 < chain.len() {
                                buckets[k].set_overflow(buckets[k + 1]);
                            }
                        }
                        let mut table = RawTable::<u64, u64>::new();
                        table.mark_empty(Position {
                            head: buckets[0],
                            bucket: buckets[b],
                            index: i,
                        });
                        let got: Vec<[u8; 8]> = buckets
                            .iter()
                            .map(|b| b.tophash_word().to_le_bytes())
                            .collect();
                        free_array::<u64, u64>(arr, chain.len());
                        got
                    };
                    assert_eq!(got, expected, "chain {chain:?}, removing ({b}, {i})");
                }
            }
        }
    }
}
