//! The raw table: Go's classic map algorithm over untyped bucket memory.
//!
//! A table is a small header plus an array of `2^B` buckets (`alloc.rs` lays it out: dense tags,
//! links, slots, spare overflow blocks). A key's 64-bit hash picks its bucket with the low `B`
//! bits; its top byte is the slot's tophash, so most non-matching slots are rejected eight at a
//! time (`group`) without touching a key. A bucket holds 8 entries; when all 8 are taken, an
//! overflow block from the array's pool is chained on.
//!
//! When a new key would push the average load past 6.5 entries per bucket, an array twice as large
//! is installed and the old one is *evacuated* incrementally: every later insert or remove moves
//! the next two old chains in order (from `nevacuate`), so no single write rehashes the whole
//! table. A write whose key's old chain has not moved yet goes into that old chain, which then
//! moves with it (Go evacuates that chain first instead; `write_head` says why we do not). When churn has left about as many overflow buckets as buckets, a
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
//! commits, so a `Hash` that panics half-way leaves the chain where it was. Which chain holds an
//! index during a grow is decided in one place, `arrays.rs`.
//!
//! **The header is small** (48 bytes): the current array, its mask, `len` and the grow
//! threshold. Everything a grow needs (the old array, `nevacuate`, a queued shrink, an old array
//! whose overflow memory is being handed back) lives out of line in a [`Growth`] box, as Go's
//! `mapextra` does, allocated when a grow starts; lookups only test whether the box exists.
//!
//! Modules: `arrays` (the array pair and `chain_at`), `grow` (growth and evacuation), `iter`
//! (the raw iterator), `clone` (structural cloning), `batch` (pipelined lookups).

use core::alloc::Layout as AllocLayout;
use core::marker::PhantomData;
use core::mem;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use alloc_crate::vec::Vec;
use allocator_api2::alloc::{handle_alloc_error, Allocator, Global};

mod arrays;
mod batch;
mod clone;
mod grow;
mod iter;

pub(crate) use self::arrays::{Arrays, Side};
pub(crate) use self::batch::Pending;
pub(crate) use self::iter::{drop_remaining, RawIter};

use crate::alloc::{
    alloc_array, array_bytes, free_array, noverflow, reset_blocks, take_block, RawArray, Shape,
};
use crate::bucket::{tophash, Bucket, Layout, BUCKET_SLOTS, EMPTY_ONE, EMPTY_REST};
use crate::group::{has_empty_rest, match_empty, match_tag};
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

/// The bucket array of a table that owns no memory: one bucket's empty tags and null link,
/// shared by every such table and never written. Lookups in an empty map read it like any
/// bucket and miss, so they need no "is it allocated?" test (hashbrown's trick).
#[repr(C, align(64))]
struct EmptyArray([u64; 2]);
static EMPTY_ARRAY: EmptyArray = EmptyArray([0; 2]);

/// The address of [`EMPTY_ARRAY`]'s tags.
#[inline(always)]
const fn empty_tags() -> *mut u64 {
    (&raw const EMPTY_ARRAY).cast::<u64>().cast_mut()
}

/// Tables whose slot array is at least this large have inserts and removals prefetch a bucket's
/// slot lines while its tags load, so the two loads overlap: below it the slots fit in L2 and the
/// prefetches are extra instructions (measured with the old layout; rechecked in DESIGN.md).
/// Plain lookups do not (see `find`): for a miss the lines are wasted traffic.
const PREFETCH_MIN_BYTES: usize = 256 << 10;

/// Where a new entry goes: a free slot of the target chain.
pub(crate) struct InsertSlot<K, V> {
    head: Bucket<K, V>,
    bucket: Bucket<K, V>,
    index: usize,
    top: u8,
}

/// Where an entry lives: its chain's head, its bucket and its slot.
pub(crate) struct Position<K, V> {
    pub(crate) head: Bucket<K, V>,
    pub(crate) bucket: Bucket<K, V>,
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

    /// Moves the entry out, leaving its tag as it was (the caller forgets or re-marks it).
    ///
    /// # Safety
    /// The position is live in a table whose allocator is `alloc`; afterwards its slot must be
    /// treated as empty.
    #[inline(always)]
    pub(crate) unsafe fn take<A: Allocator>(self, alloc: &A) -> (K, V) {
        // SAFETY: forwarded.
        unsafe { self.bucket.take(self.index, alloc) }
    }

    /// Drops the entry in place.
    ///
    /// # Safety
    /// As for [`take`](Self::take).
    #[inline]
    pub(crate) unsafe fn drop_entry<A: Allocator>(self, alloc: &A) {
        // SAFETY: forwarded.
        unsafe { self.bucket.drop_entry(self.index, alloc) }
    }
}

/// The out-of-line state of a table that is growing, has a shrink queued, or is handing an old
/// array's overflow memory back (Go's `mapextra`).
pub(crate) struct Growth {
    /// The old array while growing, else `RawArray::NULL`.
    pub(crate) old: RawArray,
    /// log2 of the old bucket count (meaningful while growing).
    pub(crate) old_b: u8,
    /// Every unit below this index has been evacuated.
    pub(crate) nevacuate: usize,
    /// The old array's memory for units below this index went back to the OS (never read).
    pub(crate) released: usize,
    /// A shrink asked for by `shrink_to` that takes more than one grow: the log2 bucket count to
    /// reach, one step after another.
    pub(crate) pending_shrink: Option<u8>,
    /// A finished old array whose overflow memory is being handed back a piece per write before
    /// it is freed (`RawArray::NULL` when none), its bucket count, and the bytes released.
    pub(crate) retiring: RawArray,
    pub(crate) retiring_n: usize,
    pub(crate) retired_bytes: usize,
}

impl Growth {
    /// A fresh growth box in `alloc`. Aborts (`handle_alloc_error`) if the allocation fails.
    fn new_in<A: Allocator>(alloc: &A) -> GrowthBox {
        let layout = AllocLayout::new::<Growth>();
        let Ok(block) = alloc.allocate(layout) else {
            handle_alloc_error(layout)
        };
        let p = block.cast::<Growth>();
        // SAFETY: a fresh allocation with `Growth`'s layout.
        unsafe {
            p.as_ptr().write(Growth {
                old: RawArray::NULL,
                old_b: 0,
                nevacuate: 0,
                released: 0,
                pending_shrink: None,
                retiring: RawArray::NULL,
                retiring_n: 0,
                retired_bytes: 0,
            })
        };
        GrowthBox(p)
    }

    /// Whether the box still has a job (else the table drops it).
    fn in_use(&self) -> bool {
        !self.old.is_null() || self.pending_shrink.is_some() || !self.retiring.is_null()
    }
}

/// A [`Growth`] allocated in the table's allocator: a `Box` that does not know its allocator,
/// so the table frees it (`RawTable::drop_growth`); dropping it unfreed leaks.
pub(crate) struct GrowthBox(NonNull<Growth>);

impl GrowthBox {
    /// Frees the box.
    ///
    /// # Safety
    /// The box came from `Growth::new_in(alloc)`.
    unsafe fn free_in<A: Allocator>(self, alloc: &A) {
        // SAFETY: forwarded; `Growth` has no destructor.
        unsafe { alloc.deallocate(self.0.cast::<u8>(), AllocLayout::new::<Growth>()) };
    }
}

impl Deref for GrowthBox {
    type Target = Growth;
    #[inline(always)]
    fn deref(&self) -> &Growth {
        // SAFETY: a live, initialised allocation owned by this box.
        unsafe { self.0.as_ref() }
    }
}

impl DerefMut for GrowthBox {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut Growth {
        // SAFETY: as in `deref`; `&mut self` is the only access.
        unsafe { self.0.as_mut() }
    }
}

/// A table's storage, without its allocator: the header fields. `RawTable` is a `Core` plus the
/// allocator; `Drain` and `rebuild` move a `Core` out of a table and back, since a second
/// allocator cannot be made up. It owns nothing by itself (no `Drop`): whoever holds one taken
/// out must put it back into a table with the same allocator.
pub(crate) struct Core<K, V> {
    /// The current array's tags, or [`empty_tags`] before the first allocation.
    tags: *mut u64,
    /// The current array's slots (dangling before the first allocation; never read then).
    slots: *mut u8,
    /// `2^b - 1` (0 when unallocated): the hash bits that pick a bucket.
    mask: usize,
    /// Live entries.
    len: usize,
    /// Inserting a new key when `len` has reached this starts a grow check: `capacity_of(b)`, or
    /// 0 once overflow buckets reach `2^b` (so the next insert starts a same-size grow, as Go's
    /// `tooManyOverflowBuckets` on every insert would), and 0 when unallocated.
    grow_at: usize,
    /// Growth state, out of line (see [`Growth`]).
    growth: Option<GrowthBox>,
    /// The table owns `K`s and `V`s (for the drop checker).
    _marker: PhantomData<(K, V)>,
}

impl<K, V> Core<K, V> {
    /// The storage of a table that owns no memory.
    const EMPTY: Core<K, V> = Core {
        tags: empty_tags(),
        slots: empty_tags().cast::<u8>(),
        mask: 0,
        len: 0,
        grow_at: 0,
        growth: None,
        _marker: PhantomData,
    };
}

// SAFETY: as for `RawTable` (below): a `Core` is a table's storage, owned exclusively.
unsafe impl<K: Send, V: Send> Send for Core<K, V> {}
// SAFETY: as for `RawTable`.
unsafe impl<K: Sync, V: Sync> Sync for Core<K, V> {}

/// The raw table. Not generic over the hasher: every operation that may rehash takes a
/// `hasher: &dyn Fn(&K) -> u64` (or an `impl Fn` that it passes on as one), every lookup an
/// `eq: impl FnMut(&K) -> bool`.
///
/// Generic over the allocator `A`: every allocation (arrays, overflow chunks, the growth box,
/// out-of-line keys and values) goes through `self.alloc`.
pub(crate) struct RawTable<K, V, A: Allocator = Global> {
    /// The header: current array, mask, `len`, grow threshold, growth box.
    core: Core<K, V>,
    /// Where the table's memory comes from (zero-sized for `Global`).
    alloc: A,
}

// SAFETY: the table owns its entries exclusively (like a `Vec<(K, V), A>`); the raw pointers are
// never shared with anything outside it.
unsafe impl<K: Send, V: Send, A: Allocator + Send> Send for RawTable<K, V, A> {}
// SAFETY: `&RawTable` only hands out `&K`, `&V` and `&A`.
unsafe impl<K: Sync, V: Sync, A: Allocator + Sync> Sync for RawTable<K, V, A> {}

impl<K, V> RawTable<K, V> {
    /// An empty table that owns no memory, in the global allocator.
    pub(crate) const fn new() -> Self {
        Self::new_in(Global)
    }
}

impl<K, V, A: Allocator> RawTable<K, V, A> {
    const SHAPE: Shape = Shape::of::<K, V>();

    /// An empty table that owns no memory, allocating from `alloc` once it needs memory.
    pub(crate) const fn new_in(alloc: A) -> Self {
        RawTable {
            core: Core::EMPTY,
            alloc,
        }
    }

    /// The table's allocator.
    #[inline(always)]
    pub(crate) fn allocator(&self) -> &A {
        &self.alloc
    }

    /// An empty table whose array holds `capacity` entries without growing, and without
    /// allocating for overflow buckets (std's promise), for keys that hash at random.
    pub(crate) fn try_with_capacity_in(capacity: usize, alloc: A) -> Result<Self, TryReserveError> {
        let mut table = Self::new_in(alloc);
        if capacity > 0 {
            let (arr, b) = table.alloc_for(capacity)?;
            table.install(arr, b);
        }
        Ok(table)
    }

    /// An initialised array (not installed) that holds `capacity > 0` entries without growing
    /// or allocating overflow blocks, and its log2 bucket count.
    fn alloc_for(&self, capacity: usize) -> Result<(RawArray, u8), TryReserveError> {
        let b = log2_buckets_for(capacity)?;
        let spares = crate::alloc::spares_for(b, Some(capacity));
        let arr = alloc_array(
            &self.alloc,
            &Self::SHAPE,
            bucket_count_checked(b)?,
            spares,
            true,
        )?;
        Ok((arr, b))
    }

    /// Moves the storage out, leaving this table empty (owning nothing) with its allocator.
    pub(crate) fn take_core(&mut self) -> Core<K, V> {
        mem::replace(&mut self.core, Core::EMPTY)
    }

    /// Puts storage taken by [`take_core`](Self::take_core) back into a table that owns
    /// nothing.
    ///
    /// # Safety
    /// `core` came from `take_core` on a table with this allocator (or one its memory may be
    /// given back to), and this table owns no storage.
    pub(crate) unsafe fn put_core(&mut self, core: Core<K, V>) {
        debug_assert!(!self.is_allocated() && self.core.growth.is_none());
        self.core = core;
    }

    /// Drops the growth box, if any, freeing it.
    fn drop_growth(&mut self) {
        if let Some(g) = self.core.growth.take() {
            // SAFETY: every growth box of this table came from its allocator.
            unsafe { g.free_in(&self.alloc) };
        }
    }

    /// The growth box, allocated if there is none.
    fn growth_mut(&mut self) -> &mut Growth {
        let alloc = &self.alloc;
        self.core
            .growth
            .get_or_insert_with(|| Growth::new_in(alloc))
    }

    /// Makes `arr` (of `2^b` buckets) the current array and recomputes the thresholds.
    fn install(&mut self, arr: RawArray, b: u8) {
        self.core.tags = arr.tags;
        self.core.slots = arr.slots;
        self.core.mask = (1usize << b) - 1;
        self.set_limits();
    }

    /// The current array, or `RawArray::NULL` when unallocated.
    #[inline(always)]
    pub(crate) fn current(&self) -> RawArray {
        if self.is_allocated() {
            RawArray {
                tags: self.core.tags,
                slots: self.core.slots,
            }
        } else {
            RawArray::NULL
        }
    }

    /// Whether the table owns a bucket array (else `tags` is the shared empty array).
    #[inline(always)]
    pub(crate) fn is_allocated(&self) -> bool {
        self.core.tags != empty_tags()
    }

    /// Recomputes the grow threshold after the current array changed.
    fn set_limits(&mut self) {
        self.core.grow_at =
            if !self.is_allocated() || too_many_overflow_buckets(self.noverflow(), self.b()) {
                0
            } else {
                capacity_of(self.b())
            };
    }

    /// log2 of the current bucket count.
    #[inline(always)]
    fn b(&self) -> u8 {
        (self.core.mask + 1).trailing_zeros() as u8
    }

    /// Live entries.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.core.len
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
            let b = self.queued_shrink().map_or(self.b(), |t| t.min(self.b()));
            capacity_of(b).max(self.core.len)
        }
    }

    /// log2 of the current bucket count.
    #[inline]
    pub(crate) fn log2_buckets(&self) -> u8 {
        self.b()
    }

    /// Buckets in the current array (0 before the first allocation).
    #[inline]
    pub(crate) fn num_buckets(&self) -> usize {
        if !self.is_allocated() {
            0
        } else {
            self.core.mask + 1
        }
    }

    /// Whether an old array is being evacuated.
    #[inline(always)]
    pub(crate) fn is_growing(&self) -> bool {
        self.core.growth.as_ref().is_some_and(|g| !g.old.is_null())
    }

    /// The current array and growth state, for finding any bucket.
    #[inline]
    pub(crate) fn arrays(&self) -> Arrays<K, V> {
        let cur = RawArray {
            tags: self.core.tags,
            slots: self.core.slots,
        };
        match &self.core.growth {
            Some(g) if !g.old.is_null() => Arrays::new(cur, self.b(), g.old, g.old_b, g.nevacuate),
            _ => Arrays::new(cur, self.b(), RawArray::NULL, 0, 0),
        }
    }

    /// Bucket `j` of the current array (computed, not read).
    #[inline(always)]
    fn bucket(&self, j: usize) -> Bucket<K, V> {
        Bucket::main(
            self.core.tags,
            self.core
                .tags
                .wrapping_add(self.core.mask + 1)
                .cast::<*mut u8>(),
            self.core.slots,
            j,
        )
    }

    /// The head of `hash`'s chain in the current array, where writes go (after grow work).
    #[inline(always)]
    fn head_for(&self, hash: u64) -> Bucket<K, V> {
        self.bucket(hash as usize & self.core.mask)
    }

    /// Whether lookups prefetch slot lines (the slot array is too big for the cache).
    #[inline(always)]
    pub(crate) fn prefetches(&self) -> bool {
        Layout::<K, V>::SLOTS_SIZE > 0
            && self.core.mask >= PREFETCH_MIN_BYTES / Layout::<K, V>::SLOTS_SIZE.max(1)
    }

    /// The head of the chain a lookup of `hash` must search.
    #[inline(always)]
    pub(crate) fn lookup_head(&self, hash: u64) -> Bucket<K, V> {
        if self.core.growth.is_none() {
            self.head_for(hash)
        } else {
            self.lookup_head_growing(hash)
        }
    }

    /// [`lookup_head`](Self::lookup_head) with a growth box: the old chain while it has not moved.
    #[inline]
    fn lookup_head_growing(&self, hash: u64) -> Bucket<K, V> {
        let arrays = self.arrays();
        if arrays.growing() {
            let i = hash as usize & ((1usize << arrays.old_b) - 1);
            // SAFETY: growing, the index is masked to the old array, and the arrays are this
            // table's.
            if !unsafe { arrays.old_moved(i) } {
                return arrays.old_bucket(i);
            }
        }
        self.head_for(hash)
    }

    /// The head of the chain a write of `hash` goes to (after its grow work), and the array that
    /// chain belongs to: the old chain while it has not moved, else the current array's. (An old
    /// chain takes entries only into free slots it already has: when it is full, the insert
    /// moves it and writes into the current array, so old arrays never take overflow blocks.)
    ///
    /// Go writes into the current array only, so each write first evacuates the old chain that
    /// feeds its bucket. A write into the unmoved old chain is as valid: lookups search that
    /// chain until it moves, and it moves as a whole, new entries included. So the grow work of
    /// a write is the in-order sweep alone (`grow_work`), with no random chain to move first.
    #[inline(always)]
    fn write_head(&self, hash: u64) -> (Bucket<K, V>, RawArray) {
        if self.core.growth.is_some() {
            self.write_head_growing(hash)
        } else {
            (self.head_for(hash), self.current())
        }
    }

    /// [`write_head`](Self::write_head) with a growth box.
    #[inline]
    fn write_head_growing(&self, hash: u64) -> (Bucket<K, V>, RawArray) {
        let arrays = self.arrays();
        if arrays.growing() {
            let i = hash as usize & ((1usize << arrays.old_b) - 1);
            // SAFETY: growing, the index is masked to the old array, and the arrays are this
            // table's.
            if !unsafe { arrays.old_moved(i) } {
                return (arrays.old_bucket(i), arrays.old);
            }
        }
        (self.head_for(hash), self.current())
    }

    /// Finds the entry whose key satisfies `eq`. Never moves entries.
    #[inline]
    pub(crate) fn find(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Position<K, V>> {
        // No `len == 0` test: an empty table's buckets (or the shared empty array) just miss.
        if self.core.growth.is_some() {
            return self.find_growing(hash, eq);
        }
        // Two paths rather than one merged head: a head that comes back from an out-of-line
        // call is spilled to the stack (measured: 55 -> 45 instructions per hit at 1K).
        // No slot prefetch here (removals and inserts have one): a lookup may well miss, and for
        // a miss the slot lines are wasted memory traffic. Measured in one `gomap bench` run per
        // variant over hits and misses of u64 and String keys at 1M and 10M (8 cells), gomap /
        // hashbrown geomean: 1.56 prefetching both slot lines, 1.35 the first only, 1.23 none
        // (10M u64 misses 3.05x -> 1.75x; hits moved within noise). DESIGN.md section 8.
        let head = self.head_for(hash);
        // SAFETY: the current array's chains are initialised when nothing is growing.
        unsafe { search(head, tophash(hash), eq) }
    }

    /// [`find`](Self::find) with growth state: the old chain while it has not moved.
    #[inline(never)]
    fn find_growing(&self, hash: u64, eq: impl FnMut(&K) -> bool) -> Option<Position<K, V>> {
        let head = self.lookup_head_growing(hash);
        // SAFETY: `lookup_head_growing` gives the initialised head of the chain holding `hash`.
        unsafe { search(head, tophash(hash), eq) }
    }

    /// Finds the entry whose key satisfies `eq` for a write (removal): does the grow work of a
    /// write first. The result is in the current array, or in an old chain that has not moved
    /// (see [`write_head`](Self::write_head)). Callers skip empty tables before they
    /// hash (as Go's `mapdelete` does).
    #[inline]
    pub(crate) fn find_for_write(
        &mut self,
        hash: u64,
        eq: impl FnMut(&K) -> bool,
        hasher: impl Fn(&K) -> u64,
    ) -> Option<Position<K, V>> {
        debug_assert!(self.core.len > 0, "callers skip empty tables");
        self.prepare_write(&hasher);
        if self.prefetches() {
            // A removal is mostly of a present key: all its slot lines are worth loading.
            self.lookup_head(hash).prefetch_slots();
        }
        self.find(hash, eq)
    }

    /// Finds the entry whose key satisfies `eq`, or prepares a free slot for a new one, growing
    /// as needed. Does the grow work of a write first; the result is in the chain
    /// [`write_head`](Self::write_head) picks (an unmoved old chain, or the current array's).
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
        self.prepare_write(&hasher);
        let top = tophash(hash);
        loop {
            let (head, arr) = self.write_head(hash);
            if self.prefetches() {
                head.prefetch_slots();
            }
            let mut bucket = head;
            let mut free: Option<(Bucket<K, V>, usize)> = None;
            // SAFETY: the array is allocated, and `write_head` gives an initialised head: an old
            // chain that has not moved, or a current-array chain whose source has moved; matched
            // slots are live (see `group`: neither kind of chain holds evacuation marks).
            let tail = unsafe {
                loop {
                    let word = bucket.tag_word();
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
                    if has_empty_rest(word) {
                        break bucket; // the chain ends here, and `free` is set
                    }
                    let next = bucket.overflow();
                    if next.is_null() {
                        break bucket;
                    }
                    bucket = next;
                }
            };
            if self.core.len >= self.core.grow_at && !self.is_growing() && self.start_load_grow() {
                self.grow_work(&hasher);
                continue;
            }
            let (bucket, index) = match free {
                Some(slot) => slot,
                None if arr.tags != self.core.tags => {
                    // A full, unmoved old chain: move it now (Go's way) and write into the
                    // current array, rather than chain a block from the old array's pool (which
                    // would allocate for an array on its way out, and break `reserve`'s promise
                    // that the next inserts do not allocate).
                    self.evacuate_chain_of(hash, &hasher);
                    continue;
                }
                None => (self.link_overflow(tail), 0),
            };
            return Err(InsertSlot {
                head,
                bucket,
                index,
                top,
            });
        }
    }

    /// Writes a new entry into a slot from [`find_or_prepare_insert`](Self::find_or_prepare_insert)
    /// and returns its position.
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
    ) -> Position<K, V> {
        debug_assert_eq!(slot.top, tophash(hash));
        // SAFETY: forwarded.
        unsafe { self.fill_slot(slot, key, value) }
    }

    /// Writes an entry into a free slot with the slot's tag; the one write behind
    /// [`insert_in_slot`](Self::insert_in_slot) and the slots `take_at` hands back.
    ///
    /// # Safety
    /// `slot` is a free slot of an initialised bucket of this table, from `find_or_prepare_insert`
    /// or `take_at`, with no other change to the table since.
    #[inline(always)]
    unsafe fn fill_slot(&mut self, slot: InsertSlot<K, V>, key: K, value: V) -> Position<K, V> {
        // SAFETY: the caller's promise.
        unsafe {
            slot.bucket
                .write(slot.index, slot.top, key, value, &self.alloc)
        };
        self.core.len += 1;
        Position {
            head: slot.head,
            bucket: slot.bucket,
            index: slot.index,
        }
    }

    /// Chains a fresh overflow block after `last` (the tail of a current-array chain).
    fn link_overflow(&mut self, last: Bucket<K, V>) -> Bucket<K, V> {
        // SAFETY: the current array is allocated (a chain of it is being extended).
        let next = Bucket::block(unsafe { take_block(&self.alloc, &Self::SHAPE, self.current()) });
        // SAFETY: `last` is an initialised bucket of this table.
        unsafe { last.set_overflow(next) };
        if too_many_overflow_buckets(self.noverflow(), self.b()) {
            self.core.grow_at = 0;
        }
        next
    }

    /// Removes the entry at `pos` and returns it, marking the slot empty and turning trailing
    /// `EMPTY_ONE`s into `EMPTY_REST` so that later misses stop early.
    ///
    /// # Safety
    /// `pos` is a live position of this table.
    pub(crate) unsafe fn remove_at(&mut self, pos: Position<K, V>) -> (K, V) {
        // SAFETY: the slot is live; it is marked empty before anything else can observe it.
        let entry = unsafe { pos.take(&self.alloc) };
        self.core.len -= 1;
        // SAFETY: the position's buckets are initialised buckets of this table.
        unsafe { mark_empty(pos) };
        entry
    }

    /// Replaces the entry at `pos` with what `f` makes of its value, or removes it and returns
    /// the key when `f` returns `None`. While `f` runs, the slot is marked `EMPTY_ONE` and `len`
    /// leaves it out, with the key and value owned here: a panic in `f` drops both and leaves the
    /// table consistent, without the entry (hashbrown's `replace_bucket_with` does the same).
    ///
    /// # Safety
    /// `pos` is a live position of this table.
    pub(crate) unsafe fn replace_at_with(
        &mut self,
        pos: Position<K, V>,
        f: impl FnOnce(&K, V) -> Option<V>,
    ) -> Result<(), K> {
        // SAFETY: forwarded; from here the table holds nothing it would drop or yield in the
        // slot (unwinding from `f` included), and `EMPTY_ONE` keeps every chain searchable.
        let ((key, value), slot) = unsafe { self.take_at(pos) };
        match f(&key, value) {
            Some(value) => {
                // SAFETY: the slot is the one just emptied, with the key's own tag; nothing else
                // changed the table while `f` ran (`&mut self`).
                unsafe { self.fill_slot(slot, key, value) };
                Ok(())
            }
            None => {
                // SAFETY: the slot is empty and its chain initialised; `mark_empty` turns it and
                // the trailing empties into `EMPTY_REST` where it can.
                unsafe { mark_empty(pos) };
                Err(key)
            }
        }
    }

    /// Removes the entry at `pos` and returns it with its slot, ready for an entry of the same
    /// hash (hashbrown's `OccupiedEntry::remove` hands back a vacant entry). The slot is marked
    /// `EMPTY_ONE` only, not turned into `EMPTY_REST` with the empties after it: a live slot has
    /// no `EMPTY_REST` before it in its chain, so the emptied slot stays a valid place for a new
    /// entry of that chain, whichever array it is in. Writing it back restores the table as it
    /// was; leaving it empty is valid too (misses then look one slot further).
    ///
    /// # Safety
    /// `pos` is a live position of this table.
    pub(crate) unsafe fn take_at(&mut self, pos: Position<K, V>) -> ((K, V), InsertSlot<K, V>) {
        // SAFETY: the slot is live; it is marked empty as its entry moves out.
        let (top, entry) = unsafe {
            let top = pos.bucket.tag(pos.index);
            pos.bucket.set_tag(pos.index, EMPTY_ONE);
            (top, pos.take(&self.alloc))
        };
        self.core.len -= 1;
        let slot = InsertSlot {
            head: pos.head,
            bucket: pos.bucket,
            index: pos.index,
            top,
        };
        (entry, slot)
    }

    #[cold]
    #[inline(never)]
    fn allocate_first(&mut self) {
        debug_assert!(!self.is_allocated() && !self.is_growing());
        let arr = alloc_array(&self.alloc, &Self::SHAPE, 1, 0, true).unwrap_or_else(|e| e.handle());
        self.install(arr, 0);
    }

    // -----------------------------------------------------------------------------------------
    // Clearing and dropping.
    // -----------------------------------------------------------------------------------------

    /// Drops every entry; keeps the current array (its capacity) and frees the rest.
    pub(crate) fn clear(&mut self) {
        struct ResetOnExit<'a, K, V, A: Allocator>(&'a mut RawTable<K, V, A>);
        impl<K, V, A: Allocator> Drop for ResetOnExit<'_, K, V, A> {
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
    /// current array. O(buckets).
    pub(crate) fn clear_no_drop(&mut self) {
        self.free_old_arrays();
        // A queued shrink stays queued: `capacity()` reports it, and clearing keeps capacity.
        if self.is_allocated() {
            let n = self.num_buckets();
            // SAFETY: the current array is live; writing zero tags and null links initialises
            // every bucket, after which no chain links an overflow block.
            unsafe {
                core::ptr::write_bytes(self.core.tags.cast::<u8>(), 0, 16 * n);
                reset_blocks(&Self::SHAPE, self.current(), n);
            }
        }
        self.core.len = 0;
        self.set_limits();
    }

    /// Frees the old array (if growing) and an array being retired, keeping a queued shrink.
    fn free_old_arrays(&mut self) {
        if let Some(g) = &mut self.core.growth {
            if !g.old.is_null() {
                // SAFETY: the old array came from `alloc_array` with this count and nothing
                // will read it again (its entries were dropped or moved by the caller).
                unsafe { free_array(&self.alloc, &Self::SHAPE, g.old, 1 << g.old_b) };
                g.old = RawArray::NULL;
                g.nevacuate = 0;
                g.released = 0;
            }
        }
        self.free_retiring();
        self.drop_idle_growth();
    }

    /// Frees a retired old array now, whatever is left of its piecewise release.
    pub(super) fn free_retiring(&mut self) {
        if let Some(g) = &mut self.core.growth {
            if !g.retiring.is_null() {
                // SAFETY: a retiring array came from `alloc_array` with this count, holds no
                // entries, and nothing links into it or reads it again.
                unsafe { free_array(&self.alloc, &Self::SHAPE, g.retiring, g.retiring_n) };
                g.retiring = RawArray::NULL;
            }
        }
    }

    /// Drops the growth box once it has no job left (lookups then skip the growing path).
    pub(super) fn drop_idle_growth(&mut self) {
        if self.core.growth.as_ref().is_some_and(|g| !g.in_use()) {
            self.drop_growth();
        }
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
        unsafe { drop_remaining(&mut iter, &self.alloc) };
    }

    /// Frees all memory without dropping entries, leaving an empty table that owns nothing.
    pub(crate) fn free_storage(&mut self) {
        if let Some(g) = &mut self.core.growth {
            g.pending_shrink = None;
        }
        self.free_old_arrays();
        debug_assert!(self.core.growth.is_none());
        if self.is_allocated() {
            // SAFETY: allocated by `alloc_array` with this count, and no longer read.
            unsafe {
                free_array(
                    &self.alloc,
                    &Self::SHAPE,
                    self.current(),
                    self.core.mask + 1,
                )
            };
        }
        // The header only: assigning a whole new table would run `Drop` on this one.
        self.core = Core::EMPTY;
    }

    // -----------------------------------------------------------------------------------------
    // Iteration and introspection.
    // -----------------------------------------------------------------------------------------

    /// An iterator over the live positions. It does not borrow the table: the caller keeps the
    /// table alive and unchanged, except for removals of positions already yielded.
    pub(crate) fn raw_iter(&self) -> RawIter<K, V> {
        let arrays = self.arrays();
        RawIter::new(arrays, 0, arrays.num_chains(), self.core.len)
    }

    /// An iterator over the chains whose index is in `start..end`, for splitting work (its
    /// length is unknown). Same contract as [`raw_iter`](Self::raw_iter).
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    pub(crate) fn raw_iter_range(&self, start: usize, end: usize) -> RawIter<K, V> {
        let arrays = self.arrays();
        RawIter::new(arrays, start, end.min(arrays.num_chains()), usize::MAX)
    }

    /// Visits every chain of both arrays, for `stats` and `snapshot`: `visit(side, tags)` with
    /// the tag words of the chain's buckets in order; `tags` is empty for a new bucket that is
    /// not initialised yet, and `None` marks an old chain that was evacuated and whose memory
    /// went back to the OS. Old chains come first, by index, then the current array's.
    pub(crate) fn for_each_chain(&self, mut visit: impl FnMut(Side, Option<&[u64]>)) {
        let arrays = self.arrays();
        let mut words = Vec::new();
        let walk = |head: Bucket<K, V>, words: &mut Vec<u64>| {
            words.clear();
            let mut bucket = head;
            while !bucket.is_null() {
                // SAFETY: the head is initialised, and so is every bucket of its chain.
                unsafe {
                    words.push(bucket.tag_word());
                    bucket = bucket.overflow();
                }
            }
        };
        if arrays.growing() {
            let released = self.core.growth.as_ref().map_or(0, |g| g.released);
            for i in 0..1usize << arrays.old_b {
                if (i & arrays.units_mask) < released {
                    visit(Side::Old, None);
                } else {
                    walk(arrays.old_bucket(i), &mut words);
                    visit(Side::Old, Some(&words));
                }
            }
        }
        for j in 0..self.num_buckets() {
            let initialised = !arrays.growing()
                // SAFETY: growing, and the index is masked to the old array.
                || unsafe { arrays.old_moved(j & ((1usize << arrays.old_b) - 1)) };
            if initialised {
                walk(arrays.cur_bucket(j), &mut words);
            } else {
                words.clear();
            }
            visit(Side::Current, Some(&words));
        }
    }

    /// The growth state: `(old log2 buckets, nevacuate, old overflow buckets)` while growing.
    pub(crate) fn growth(&self) -> Option<(u8, usize, usize)> {
        let g = self.core.growth.as_ref().filter(|g| !g.old.is_null())?;
        // SAFETY: the old array is live.
        Some((g.old_b, g.nevacuate, unsafe { noverflow(g.old) }))
    }

    /// The log2 bucket count a queued shrink is heading for.
    pub(crate) fn queued_shrink(&self) -> Option<u8> {
        self.core.growth.as_ref().and_then(|g| g.pending_shrink)
    }

    /// Overflow buckets linked into the current array.
    pub(crate) fn noverflow(&self) -> usize {
        if self.is_allocated() {
            // SAFETY: the current array is live.
            unsafe { noverflow(self.current()) }
        } else {
            0
        }
    }

    /// Bytes of heap memory the table holds (arrays with their overflow blocks, boxed keys and
    /// values, the growth box).
    pub(crate) fn heap_bytes(&self) -> usize {
        let mut bytes = 0;
        if self.is_allocated() {
            // SAFETY: the current array is live.
            bytes += unsafe { array_bytes(&Self::SHAPE, self.current(), self.core.mask + 1) };
        }
        if let Some(g) = &self.core.growth {
            bytes += mem::size_of::<Growth>();
            if !g.old.is_null() {
                // SAFETY: the old array is live.
                bytes += unsafe { array_bytes(&Self::SHAPE, g.old, 1 << g.old_b) };
            }
            if !g.retiring.is_null() {
                // SAFETY: the retiring array is live.
                bytes += unsafe { array_bytes(&Self::SHAPE, g.retiring, g.retiring_n) };
            }
        }
        if Layout::<K, V>::KEY_BOXED {
            bytes += self.core.len * mem::size_of::<K>();
        }
        if Layout::<K, V>::VALUE_BOXED {
            bytes += self.core.len * mem::size_of::<V>();
        }
        bytes
    }
}

impl<K, V, A: Allocator> Drop for RawTable<K, V, A> {
    fn drop(&mut self) {
        struct FreeOnExit<'a, K, V, A: Allocator>(&'a mut RawTable<K, V, A>);
        impl<K, V, A: Allocator> Drop for FreeOnExit<'_, K, V, A> {
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

/// Searches the chain headed by `head` for a key with tag `top` that satisfies `eq`.
///
/// # Safety
/// `head` is an initialised head of a live table's chain that holds no evacuation marks (a
/// current-array chain, or an old chain that has not moved).
#[inline(always)]
pub(crate) unsafe fn search<K, V>(
    head: Bucket<K, V>,
    top: u8,
    mut eq: impl FnMut(&K) -> bool,
) -> Option<Position<K, V>> {
    let mut bucket = head;
    loop {
        // SAFETY: every bucket of such a chain is initialised, and a slot `match_tag` reports in
        // it is live (see `group`: no marks 2..=4, so even SWAR's false positives are live).
        unsafe {
            let word = bucket.tag_word();
            for index in match_tag(word, top) {
                if eq(&*bucket.key(index)) {
                    return Some(Position {
                        head,
                        bucket,
                        index,
                    });
                }
            }
            // EMPTY_REST: every later slot of the chain is empty, so the chain ends here.
            if has_empty_rest(word) {
                return None;
            }
            bucket = bucket.overflow();
        }
        if bucket.is_null() {
            return None;
        }
    }
}

/// Marks `pos`'s slot empty, turning it and the empty slots before it into `EMPTY_REST` when
/// the rest of the chain is empty (Go's `mapdelete` tail, on whole tag words).
///
/// # Safety
/// `pos` is a position of a live table whose slot was just emptied.
unsafe fn mark_empty<K, V>(pos: Position<K, V>) {
    let Position {
        head,
        mut bucket,
        index,
    } = pos;
    // The live mask comes from the portable backend, whose one-bit-per-byte form turns into the
    // byte mask `bytes_through_highest` wants with one shift (the SSE2 form needs a `bsr`).
    use crate::group::generic::match_live;
    // SAFETY: every bucket touched is in `pos`'s chain, which is initialised.
    unsafe {
        let shift = 8 * index;
        let mut word = bucket.tag_word() & !(0xff << shift) | (EMPTY_ONE as u64) << shift;
        // Are all later slots of this bucket EMPTY_REST? (Two shifts: `<< 64` is not a shift.)
        let rest_empty = word & ((u64::MAX << shift) << 8) == 0;
        let next = bucket.overflow();
        if next.is_null() {
            // The common case, written without a branch on "was this the last live slot?"
            // (true about a third of the time in random order: as a branch it mispredicted
            // and cost ~3 ns per remove). Keep the bytes up to the highest live slot when the
            // rest of the chain is empty, all of them otherwise; one 8-byte store.
            let keep = match_live(word).bytes_through_highest();
            let keep = keep | (rest_empty as u64).wrapping_sub(1);
            bucket.set_tag_word(word & keep);
            if keep != 0 || bucket == head {
                return;
            }
            // An overflow bucket became all empty: go on in the bucket before it (rare).
            bucket = previous(head, bucket);
            word = bucket.tag_word();
        } else if !rest_empty || next.tag(0) != EMPTY_REST {
            bucket.set_tag(index, EMPTY_ONE);
            return;
        }
        // Go walks back turning EMPTY_ONE into EMPTY_REST, slot by slot, until a live slot.
        // On the word: keep the bytes up to the highest live slot, zero the rest, in one
        // store. (A slot before a live one is never EMPTY_REST, so this is the same.)
        loop {
            let keep = match_live(word).bytes_through_highest();
            bucket.set_tag_word(word & keep);
            if keep != 0 || bucket == head {
                return;
            }
            // The whole bucket was empty: go on in the bucket before it (rare).
            bucket = previous(head, bucket);
            word = bucket.tag_word();
        }
    }
}

/// The bucket before `this` in the chain headed by `head` (chains link forward only).
///
/// # Safety
/// `this` is a bucket of the initialised chain headed by `head`, other than `head`.
unsafe fn previous<K, V>(head: Bucket<K, V>, this: Bucket<K, V>) -> Bucket<K, V> {
    let mut bucket = head;
    // SAFETY: every bucket of the chain is initialised, and `this` is reached before its end.
    unsafe {
        while bucket.overflow() != this {
            bucket = bucket.overflow();
        }
    }
    bucket
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

                    let shape = Shape::of::<u64, u64>();
                    let arr = alloc_array(&Global, &shape, 1, chain.len(), true).unwrap();
                    // SAFETY: `arr` is a live one-bucket array; its head and the blocks taken
                    // from its pool are linked into one chain here, and their slots are never
                    // read (only tags).
                    let got = unsafe {
                        let mut buckets: Vec<Bucket<u64, u64>> =
                            vec![Bucket::main(arr.tags, arr.links(1), arr.slots, 0)];
                        for _ in 1..chain.len() {
                            buckets.push(Bucket::block(take_block(&Global, &shape, arr)));
                        }
                        for k in 0..chain.len() {
                            buckets[k].set_tag_word(u64::from_le_bytes(chain[k]));
                            if k + 1 < chain.len() {
                                buckets[k].set_overflow(buckets[k + 1]);
                            }
                        }
                        mark_empty(Position {
                            head: buckets[0],
                            bucket: buckets[b],
                            index: i,
                        });
                        let got: Vec<[u8; 8]> =
                            buckets.iter().map(|b| b.tag_word().to_le_bytes()).collect();
                        free_array(&Global, &shape, arr, 1);
                        got
                    };
                    assert_eq!(got, expected, "chain {chain:?}, removing ({b}, {i})");
                }
            }
        }
    }
}
