//! The bucket: 8 slots, their tophash bytes, and the overflow link, kept hot and cold apart.
//!
//! A bucket array of `n = 2^B` buckets keeps what every lookup scans apart from what only a hit
//! reads (see `alloc.rs` for the whole allocation):
//!
//! ```text
//!  tags   [u64; n]        8 tophash bytes per bucket, dense: 8 buckets per cache line
//!  links  [*mut u8; n]    each bucket's overflow link, read only when its tags hold no EMPTY_REST
//!  slots  [Slots; n]      8 (key, value) slots per bucket, cache-line aligned
//! ```
//!
//! An *overflow block* (from the array's spares or a later chunk) keeps the same three parts
//! together, since it is reached through a link anyway: `[tags u64][link][slots]`.
//!
//! A [`Bucket`] handle carries the three addresses, so the code that walks chains does not care
//! which kind of bucket it holds.
//!
//! Inside a bucket's slots, Go keeps the 8 keys and the 8 values in two arrays so that
//! `map[int64]int8` needs no padding. gomap does the same when a (key, value) pair would need
//! padding, and stores pairs otherwise (`u64 -> u64`, `String -> u64`, ...): a lookup that hits
//! then reads its key and value from one cache line.
//!
//! A key or value larger than [`MAX_INLINE`] bytes is stored out of line, as Go does: its slot
//! holds a `*mut T` to an allocation of the map's allocator. [`Layout`] computes the offsets as constants, so every
//! branch on them folds away at compile time.
//!
//! Tophash marks (one byte per slot):
//! - [`EMPTY_REST`] (0): this slot and every later slot of the chain is empty; lookups stop here.
//!   Zeroed tags are all `EMPTY_REST`.
//! - [`EMPTY_ONE`] (1): this slot is empty.
//! - [`EVACUATED_X`] / [`EVACUATED_Y`] (2, 3): old array only; the entry moved to the low / high
//!   destination of a doubling grow.
//! - [`EVACUATED_EMPTY`] (4): old array only; the slot was empty when its chain was evacuated.
//! - live slots hold `top = hash >> 56`, bumped by [`MIN_TOPHASH`] when below it, so 5..=255.
//!
//! The invariant everything depends on: a chain in the old array is evacuated all or nothing, and
//! slot 0 of its head bucket says which ([`is_evacuated_mark`]).

#![allow(
    clippy::cast_ptr_alignment,
    reason = "bucket memory is addressed in bytes; `Layout` aligns every field it casts to (tags and links to 8, slots to their type)"
)]

use core::alloc::Layout as AllocLayout;
use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{handle_alloc_error, Allocator};

/// Moves `value` into a fresh allocation of `alloc` (an out-of-line key or value).
#[inline]
fn box_in<T, A: Allocator>(value: T, alloc: &A) -> *mut T {
    let layout = AllocLayout::new::<T>();
    match alloc.allocate(layout) {
        Ok(block) => {
            let p = block.cast::<T>().as_ptr();
            // SAFETY: a fresh allocation of `T`'s layout.
            unsafe { p.write(value) };
            p
        }
        Err(_) => handle_alloc_error(layout),
    }
}

/// Moves the value out of an allocation made by [`box_in`] and frees it.
///
/// # Safety
/// `p` came from `box_in(.., alloc)` and is not used afterwards.
#[inline]
unsafe fn unbox_in<T, A: Allocator>(p: *mut T, alloc: &A) -> T {
    // SAFETY: forwarded; the allocation holds an initialised `T` and has `T`'s layout.
    unsafe {
        let value = p.read();
        alloc.deallocate(
            NonNull::new_unchecked(p.cast::<u8>()),
            AllocLayout::new::<T>(),
        );
        value
    }
}

/// Slots per bucket.
pub(crate) const BUCKET_SLOTS: usize = 8;
/// Keys and values larger than this many bytes are stored out of line (boxed).
pub const MAX_INLINE: usize = 128;

/// This slot and all later slots in the chain are empty.
pub(crate) const EMPTY_REST: u8 = 0;
/// This slot is empty.
pub(crate) const EMPTY_ONE: u8 = 1;
/// The entry moved to the low destination (`X`) of a doubling grow, or to the same index.
pub(crate) const EVACUATED_X: u8 = 2;
/// The entry moved to the high destination (`Y`) of a doubling grow.
pub(crate) const EVACUATED_Y: u8 = 3;
/// The slot was empty when its chain was evacuated.
pub(crate) const EVACUATED_EMPTY: u8 = 4;
/// The smallest tophash of a live slot.
pub(crate) const MIN_TOPHASH: u8 = 5;

/// The tophash of a hash: its top byte, moved out of the reserved marks.
#[inline(always)]
pub(crate) fn tophash(hash: u64) -> u8 {
    let top = (hash >> 56) as u8;
    if top < MIN_TOPHASH {
        top + MIN_TOPHASH
    } else {
        top
    }
}

/// Whether a tophash byte marks a chain slot that was evacuated.
#[inline(always)]
pub(crate) fn is_evacuated_mark(top: u8) -> bool {
    (EVACUATED_X..=EVACUATED_EMPTY).contains(&top)
}

// ---------------------------------------------------------------------------------------------
// Layout.
// ---------------------------------------------------------------------------------------------

const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

pub(crate) const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

/// Byte offsets of a bucket's slots of `K`s and `V`s, and of an overflow block, as constants.
pub(crate) struct Layout<K, V>(PhantomData<fn() -> (K, V)>);

impl<K, V> Layout<K, V> {
    /// Keys are boxed: the slot holds a `*mut K`.
    pub(crate) const KEY_BOXED: bool = size_of::<K>() > MAX_INLINE;
    /// Values are boxed: the slot holds a `*mut V`.
    pub(crate) const VALUE_BOXED: bool = size_of::<V>() > MAX_INLINE;
    const KEY_SLOT: usize = if Self::KEY_BOXED {
        size_of::<*mut K>()
    } else {
        size_of::<K>()
    };
    const KEY_ALIGN: usize = if Self::KEY_BOXED {
        align_of::<*mut K>()
    } else {
        align_of::<K>()
    };
    const VALUE_SLOT: usize = if Self::VALUE_BOXED {
        size_of::<*mut V>()
    } else {
        size_of::<V>()
    };
    const VALUE_ALIGN: usize = if Self::VALUE_BOXED {
        align_of::<*mut V>()
    } else {
        align_of::<V>()
    };
    /// Keys and values are stored as (key, value) pairs, not as two arrays: chosen when a pair
    /// needs no padding (`u64 -> u64`, `String -> u64`), so a lookup that hits reads the key and
    /// the value from one cache line. Types that would pad (`u64 -> u8`) keep Go's two arrays.
    pub(crate) const PAIRED: bool =
        Self::KEY_SLOT % Self::VALUE_ALIGN == 0 && Self::VALUE_SLOT % Self::KEY_ALIGN == 0;
    /// Offset of key slot 0 within a bucket's slots.
    pub(crate) const KEYS: usize = 0;
    /// Distance between consecutive key slots.
    pub(crate) const KEY_STRIDE: usize = if Self::PAIRED {
        Self::KEY_SLOT + Self::VALUE_SLOT
    } else {
        Self::KEY_SLOT
    };
    /// Offset of value slot 0 within a bucket's slots.
    pub(crate) const VALUES: usize = if Self::PAIRED {
        Self::KEY_SLOT
    } else {
        round_up(BUCKET_SLOTS * Self::KEY_SLOT, Self::VALUE_ALIGN)
    };
    /// Distance between consecutive value slots.
    pub(crate) const VALUE_STRIDE: usize = if Self::PAIRED {
        Self::KEY_SLOT + Self::VALUE_SLOT
    } else {
        Self::VALUE_SLOT
    };
    /// Alignment of a bucket's slots.
    pub(crate) const SLOTS_ALIGN: usize = max(Self::KEY_ALIGN, Self::VALUE_ALIGN);
    /// Size of a bucket's slots, a multiple of their alignment (the stride of the slot array).
    pub(crate) const SLOTS_SIZE: usize = round_up(
        if Self::PAIRED {
            BUCKET_SLOTS * (Self::KEY_SLOT + Self::VALUE_SLOT)
        } else {
            Self::VALUES + BUCKET_SLOTS * Self::VALUE_SLOT
        },
        Self::SLOTS_ALIGN,
    );
    /// Offset of the slots in an overflow block, after its tags and link.
    pub(crate) const OVF_SLOTS: usize = round_up(16, Self::SLOTS_ALIGN);
    /// Alignment of an overflow block.
    pub(crate) const OVF_ALIGN: usize = max(8, Self::SLOTS_ALIGN);
    /// Size of an overflow block (the stride of a run of them).
    pub(crate) const OVF_SIZE: usize =
        round_up(Self::OVF_SLOTS + Self::SLOTS_SIZE, Self::OVF_ALIGN);
}

// ---------------------------------------------------------------------------------------------
// Bucket handles.
// ---------------------------------------------------------------------------------------------

/// A handle to one bucket: the addresses of its tag word, its overflow link and its slots.
///
/// Copyable; every access is `unsafe` and requires a handle made by `main`/`block` (or
/// `overflow`) for memory that is still allocated; reads of the tags and link also require the
/// bucket to be *initialised* (tags and link written), and key/value accesses require the slot
/// to be live.
pub(crate) struct Bucket<K, V> {
    tags: *mut u64,
    link: *mut *mut u8,
    slots: *mut u8,
    _marker: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for Bucket<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for Bucket<K, V> {}

impl<K, V> PartialEq for Bucket<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.tags == other.tags
    }
}

impl<K, V> Bucket<K, V> {
    /// The null handle (end of a chain).
    #[inline(always)]
    pub(crate) fn null() -> Self {
        Bucket {
            tags: ptr::null_mut(),
            link: ptr::null_mut(),
            slots: ptr::null_mut(),
            _marker: PhantomData,
        }
    }

    /// Whether this is the null handle.
    #[inline(always)]
    pub(crate) fn is_null(self) -> bool {
        self.tags.is_null()
    }

    /// Main bucket `j` of an array whose tags, links and slots start at the given addresses.
    /// Computing a handle reads nothing; the addresses are formed with wrapping arithmetic, so
    /// this is safe even for the shared empty array, whose slots are never read.
    #[inline(always)]
    pub(crate) fn main(tags: *mut u64, links: *mut *mut u8, slots: *mut u8, j: usize) -> Self {
        Bucket {
            tags: tags.wrapping_add(j),
            link: links.wrapping_add(j),
            slots: slots.wrapping_add(j * Layout::<K, V>::SLOTS_SIZE),
            _marker: PhantomData,
        }
    }

    /// The overflow block at `block` (null for null).
    #[inline(always)]
    pub(crate) fn block(block: *mut u8) -> Self {
        Bucket {
            tags: block.cast::<u64>(),
            link: block.wrapping_add(8).cast::<*mut u8>(),
            slots: block.wrapping_add(Layout::<K, V>::OVF_SLOTS),
            _marker: PhantomData,
        }
    }

    /// The address a link stores for this bucket (an overflow block's start).
    #[inline(always)]
    pub(crate) fn as_block(self) -> *mut u8 {
        self.tags.cast::<u8>()
    }

    /// Asks the CPU to start loading the bucket's slot lines now. A hint only: never faults,
    /// whatever the address.
    #[inline(always)]
    pub(crate) fn prefetch_slots(self) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let mut offset = 0;
            while offset < Layout::<K, V>::SLOTS_SIZE {
                // SAFETY: prefetch is a hint that never dereferences or faults; `wrapping_add`
                // makes no claim about the address.
                unsafe {
                    _mm_prefetch::<_MM_HINT_T0>(self.slots.wrapping_add(offset).cast::<i8>())
                };
                offset += 64;
            }
        }
    }

    /// Asks the CPU to start loading the overflow block this bucket links to, if any. Reads the
    /// link, so unlike the other hints it needs an initialised bucket: that is why it is only
    /// used on the current array of a table that is not growing, where every bucket is.
    #[inline(always)]
    pub(crate) fn prefetch_overflow(self) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // A null link is not prefetched: on this AMD machine a prefetch of an unmapped
            // address costs a failed page walk (iteration at 1M went from 1.9x to 5.9x slower
            // than hashbrown with it).
            // SAFETY: callers pass buckets of a fully initialised array (see above), whose link
            // is a pointer-aligned, initialised word.
            let next = unsafe { self.link.read() };
            if !next.is_null() {
                // Every line of the block (tags, link and slots: 144 bytes for u64 -> u64, three
                // or four lines), not just its first: iteration reads all of it.
                let mut line = next.wrapping_sub(next as usize % 64);
                let end = next.wrapping_add(Layout::<K, V>::OVF_SIZE);
                while line < end {
                    // SAFETY: a hint; it never faults.
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(line.cast::<i8>()) };
                    line = line.wrapping_add(64);
                }
            }
        }
    }

    /// Asks the CPU to start loading the bucket's tag word (a hint, as above).
    #[inline(always)]
    pub(crate) fn prefetch_tags(self) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            // SAFETY: as in `prefetch_slots`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(self.tags.cast::<i8>()) };
        }
    }

    /// Writes empty tags (all `EMPTY_REST`) and no overflow.
    ///
    /// # Safety
    /// The bucket is allocated.
    #[inline(always)]
    pub(crate) unsafe fn init(self) {
        // SAFETY: an allocated bucket has a writable, 8-aligned tag word and link.
        unsafe {
            self.tags.write(0);
            self.link.write(ptr::null_mut());
        }
    }

    /// The eight tophash bytes as one little-endian word (byte `i` is slot `i`).
    ///
    /// # Safety
    /// The bucket is initialised.
    #[inline(always)]
    pub(crate) unsafe fn tag_word(self) -> u64 {
        // SAFETY: the tags are initialised and 8-aligned.
        u64::from_le(unsafe { self.tags.read() })
    }

    /// Overwrites all eight tophash bytes (byte `i` of `word` is slot `i`).
    ///
    /// # Safety
    /// The bucket is allocated, and the new tags describe its slots truthfully.
    #[inline(always)]
    pub(crate) unsafe fn set_tag_word(self, word: u64) {
        // SAFETY: the tags are 8-aligned and writable.
        unsafe { self.tags.write(word.to_le()) }
    }

    /// The tophash of slot `i`.
    ///
    /// # Safety
    /// The bucket is initialised and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn tag(self, i: usize) -> u8 {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: byte `i` of the initialised tag word.
        unsafe { self.tags.cast::<u8>().add(i).read() }
    }

    /// Sets the tophash of slot `i`.
    ///
    /// # Safety
    /// The bucket is initialised and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn set_tag(self, i: usize, top: u8) {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: byte `i` of the initialised tag word.
        unsafe { self.tags.cast::<u8>().add(i).write(top) }
    }

    /// The next bucket of the chain, or null.
    ///
    /// # Safety
    /// The bucket is initialised.
    #[inline(always)]
    pub(crate) unsafe fn overflow(self) -> Self {
        // SAFETY: the link is initialised and pointer-aligned.
        Self::block(unsafe { self.link.read() })
    }

    /// Links `next` (an overflow block, or null) as this bucket's overflow.
    ///
    /// # Safety
    /// The bucket is allocated.
    #[inline(always)]
    pub(crate) unsafe fn set_overflow(self, next: Self) {
        // SAFETY: as in `overflow`.
        unsafe { self.link.write(next.as_block()) }
    }

    /// The address of key slot `i` (which holds a `K`, or a `*mut K` when keys are boxed).
    #[inline(always)]
    fn key_slot(self, i: usize) -> *mut u8 {
        self.slots
            .wrapping_add(Layout::<K, V>::KEYS + i * Layout::<K, V>::KEY_STRIDE)
    }

    /// The address of value slot `i`.
    #[inline(always)]
    fn value_slot(self, i: usize) -> *mut u8 {
        self.slots
            .wrapping_add(Layout::<K, V>::VALUES + i * Layout::<K, V>::VALUE_STRIDE)
    }

    /// A pointer to the key in slot `i`.
    ///
    /// # Safety
    /// Slot `i` is live.
    #[inline(always)]
    pub(crate) unsafe fn key(self, i: usize) -> *mut K {
        let slot = self.key_slot(i);
        if Layout::<K, V>::KEY_BOXED {
            // SAFETY: a live boxed slot holds the pointer `box_in` returned.
            unsafe { slot.cast::<*mut K>().read() }
        } else {
            slot.cast::<K>()
        }
    }

    /// A pointer to the value in slot `i`.
    ///
    /// # Safety
    /// Slot `i` is live.
    #[inline(always)]
    pub(crate) unsafe fn value(self, i: usize) -> *mut V {
        let slot = self.value_slot(i);
        if Layout::<K, V>::VALUE_BOXED {
            // SAFETY: as in `key`.
            unsafe { slot.cast::<*mut V>().read() }
        } else {
            slot.cast::<V>()
        }
    }

    /// Moves `key` and `value` into slot `i` (boxing them in `alloc` if their type is boxed) and
    /// sets its tophash. Allocates for boxed types; the slot is live afterwards.
    ///
    /// # Safety
    /// The bucket is initialised, `i < 8` and slot `i` is empty.
    #[inline(always)]
    pub(crate) unsafe fn write<A: Allocator>(self, i: usize, top: u8, key: K, value: V, alloc: &A) {
        // SAFETY: slot `i` is empty, so its memory is ours to write; slots are aligned for
        // their type by `Layout`.
        unsafe {
            if Layout::<K, V>::KEY_BOXED {
                self.key_slot(i).cast::<*mut K>().write(box_in(key, alloc));
            } else {
                self.key_slot(i).cast::<K>().write(key);
            }
            if Layout::<K, V>::VALUE_BOXED {
                self.value_slot(i)
                    .cast::<*mut V>()
                    .write(box_in(value, alloc));
            } else {
                self.value_slot(i).cast::<V>().write(value);
            }
            self.set_tag(i, top);
        }
    }

    /// Moves the entry of slot `i` out (freeing its boxes in `alloc`). The slot's tophash is left
    /// unchanged: the caller marks it.
    ///
    /// # Safety
    /// Slot `i` is live, its boxes (if any) came from `alloc`; afterwards it must be treated as
    /// empty.
    #[inline(always)]
    pub(crate) unsafe fn take<A: Allocator>(self, i: usize, alloc: &A) -> (K, V) {
        // SAFETY: the slot is live, so both slots hold initialised data (or live boxes), which
        // the caller gives up.
        unsafe {
            let key = if Layout::<K, V>::KEY_BOXED {
                unbox_in(self.key_slot(i).cast::<*mut K>().read(), alloc)
            } else {
                self.key_slot(i).cast::<K>().read()
            };
            let value = if Layout::<K, V>::VALUE_BOXED {
                unbox_in(self.value_slot(i).cast::<*mut V>().read(), alloc)
            } else {
                self.value_slot(i).cast::<V>().read()
            };
            (key, value)
        }
    }

    /// Drops the entry of slot `i` in place (the value is dropped even if the key's drop panics).
    ///
    /// # Safety
    /// As for [`take`](Self::take).
    #[inline]
    pub(crate) unsafe fn drop_entry<A: Allocator>(self, i: usize, alloc: &A) {
        if core::mem::needs_drop::<K>()
            || core::mem::needs_drop::<V>()
            || Layout::<K, V>::KEY_BOXED
            || Layout::<K, V>::VALUE_BOXED
        {
            // SAFETY: forwarded to the caller. Dropping the tuple drops the value even when the
            // key's destructor panics.
            drop(unsafe { self.take(i, alloc) });
        }
    }

    /// Copies the key and value bytes of slot `from_i` of `from` into slot `i` of `self`,
    /// leaving the tags alone (the caller writes them). The source is left as it was: exactly one
    /// of the two may be treated as live afterwards.
    ///
    /// # Safety
    /// As for [`copy_from`](Self::copy_from).
    #[inline(always)]
    pub(crate) unsafe fn copy_slot_from(self, i: usize, from: Self, from_i: usize) {
        // SAFETY: distinct buckets, so the slots do not overlap; sizes come from `Layout`.
        unsafe {
            ptr::copy_nonoverlapping(
                from.key_slot(from_i),
                self.key_slot(i),
                Layout::<K, V>::KEY_SLOT,
            );
            ptr::copy_nonoverlapping(
                from.value_slot(from_i),
                self.value_slot(i),
                Layout::<K, V>::VALUE_SLOT,
            );
        }
    }

    /// Copies the bytes of slot `from_i` of `from` into slot `i` of `self`, tophash included.
    /// The source is left as it was: exactly one of the two may be treated as live afterwards.
    ///
    /// # Safety
    /// Both buckets are initialised, slot `from_i` is live, slot `i` is empty, and the two
    /// buckets are different.
    #[inline(always)]
    pub(crate) unsafe fn copy_from(self, i: usize, from: Self, from_i: usize) {
        // SAFETY: forwarded; the tag makes the copied slot live.
        unsafe {
            self.copy_slot_from(i, from, from_i);
            self.set_tag(i, from.tag(from_i));
        }
    }
}

/// Whether the chain headed by `head` was evacuated (old array only).
///
/// # Safety
/// `head` is initialised.
#[inline(always)]
pub(crate) unsafe fn is_evacuated<K, V>(head: Bucket<K, V>) -> bool {
    // SAFETY: forwarded.
    is_evacuated_mark(unsafe { head.tag(0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tophash_never_collides_with_a_mark() {
        for top in 0..=255u64 {
            let t = tophash(top << 56);
            assert!(t >= MIN_TOPHASH);
        }
        assert_eq!(tophash(0xAB << 56), 0xAB);
        assert_eq!(tophash(3 << 56), 8);
    }

    #[test]
    fn layout_pairs_when_no_padding_is_lost() {
        // Paired: (key, value) pairs; 8 u64 pairs are exactly two cache lines.
        const { assert!(Layout::<u64, u64>::PAIRED) };
        assert_eq!(Layout::<u64, u64>::VALUES, 8);
        assert_eq!(Layout::<u64, u64>::KEY_STRIDE, 16);
        assert_eq!(Layout::<u64, u64>::SLOTS_SIZE, 128);
        assert_eq!(Layout::<u64, u64>::OVF_SLOTS, 16);
        assert_eq!(Layout::<u64, u64>::OVF_SIZE, 144);
        assert_eq!(Layout::<u8, u8>::SLOTS_SIZE, 16);
        // Go's two arrays when pairs would pad.
        const { assert!(!Layout::<u64, u8>::PAIRED) };
        assert_eq!(Layout::<u64, u8>::VALUES, 64);
        assert_eq!(Layout::<u64, u8>::SLOTS_SIZE, 72);
        assert_eq!(Layout::<(), ()>::SLOTS_SIZE, 0);
        assert_eq!(Layout::<(), ()>::OVF_SIZE, 16);
        const { assert!(Layout::<[u8; 129], ()>::KEY_BOXED) };
        const { assert!(!Layout::<[u8; 128], ()>::KEY_BOXED) };
        const { assert!(!Layout::<[u8; 129], u8>::PAIRED) };
        assert_eq!(Layout::<[u8; 129], u8>::VALUES, 64);
        // Over-aligned slots push an overflow block's slots to their alignment.
        #[repr(align(64))]
        struct Wide(#[allow(dead_code)] u8);
        assert_eq!(Layout::<Wide, ()>::OVF_SLOTS, 64);
        assert_eq!(Layout::<Wide, ()>::OVF_SIZE % 64, 0);
    }
}
