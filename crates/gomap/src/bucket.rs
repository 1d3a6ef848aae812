//! The bucket: 8 slots, their tophash bytes, and the overflow link.
//!
//! A bucket is a block of raw memory laid out as
//!
//! ```text
//!  offset 0         8               16
//!  +----------------+----------------+------+------+------+------+-----+------+------+
//!  | tophash[0..8]  | overflow: *mut | key0 | val0 | key1 | val1 | ... | key7 | val7 |   paired
//!  +----------------+----------------+------+------+------+------+-----+------+------+
//!  \______ the 16-byte header ______/
//!
//!  +----------------+----------------+-----------------------+-----------------------+
//!  | tophash[0..8]  | overflow: *mut | key slots [0..8]      | value slots [0..8]    |   Go's arrays
//!  +----------------+----------------+-----------------------+-----------------------+
//! ```
//!
//! Go keeps the 8 keys and the 8 values in two arrays so that `map[int64]int8` needs no padding.
//! gomap does the same when a (key, value) pair would need padding, and stores pairs otherwise
//! (`u64 -> u64`, `String -> u64`, ...): a lookup that hits then reads its key and value from one
//! cache line instead of two (measured in docs/PERFORMANCE.md).
//!
//! Go puts the overflow pointer last, a cache line away from the tophash bytes; gomap keeps it in a
//! 16-byte header beside them (DESIGN.md section 4, "the overflow pointer's place"), so a miss that
//! has to learn "no overflow" reads only the line it already holds.
//!
//! A key or value larger than [`MAX_INLINE`] bytes is stored out of line, as Go does: its slot
//! holds a `*mut T` from `Box::into_raw`. The layout is not a Rust struct because the slot type
//! depends on the size of `K` and `V`; [`Layout`] computes the offsets as constants, so every
//! branch on them folds away at compile time.
//!
//! Tophash marks (one byte per slot):
//! - [`EMPTY_REST`] (0): this slot and every later slot of the chain is empty; lookups stop here.
//!   A zeroed bucket is all `EMPTY_REST`.
//! - [`EMPTY_ONE`] (1): this slot is empty.
//! - [`EVACUATED_X`] / [`EVACUATED_Y`] (2, 3): old array only; the entry moved to the low / high
//!   destination of a doubling grow.
//! - [`EVACUATED_EMPTY`] (4): old array only; the slot was empty when its chain was evacuated.
//! - live slots hold `top = hash >> 56`, bumped by [`MIN_TOPHASH`] when below it, so 5..=255.
//!
//! The invariant everything depends on: a chain in the old array is evacuated all or nothing, and
//! slot 0 of its head bucket says which ([`is_evacuated`]).

#![allow(
    clippy::cast_ptr_alignment,
    reason = "bucket memory is addressed in bytes; `Layout` aligns every field it casts to (headers to 8, slots to their type)"
)]

use core::marker::PhantomData;
use core::mem::{align_of, size_of};
use core::ptr;

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
// Tag matching eight at a time (SWAR over the tophash word).
// ---------------------------------------------------------------------------------------------

const LSB: u64 = 0x0101_0101_0101_0101;
const MSB: u64 = 0x8080_8080_8080_8080;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// A set of slots, one high bit per byte of the tophash word (byte `i` is slot `i`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct SlotMask(pub(crate) u64);

impl SlotMask {
    /// Whether no slot is in the set.
    #[inline(always)]
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest slot in the set. The set must not be empty.
    #[inline(always)]
    pub(crate) fn lowest(self) -> usize {
        (self.0.trailing_zeros() / 8) as usize
    }

    /// The set without its lowest slot.
    #[inline(always)]
    pub(crate) fn remove_lowest(self) -> SlotMask {
        SlotMask(self.0 & self.0.wrapping_sub(1))
    }

    /// The highest slot in the set. The set must not be empty.
    #[inline(always)]
    pub(crate) fn highest(self) -> usize {
        (63 - self.0.leading_zeros() as usize) / 8
    }

    /// How many slots are in the set.
    #[inline(always)]
    pub(crate) fn count(self) -> usize {
        self.0.count_ones() as usize
    }
}

impl Iterator for SlotMask {
    type Item = usize;
    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.is_empty() {
            None
        } else {
            let i = self.lowest();
            *self = self.remove_lowest();
            Some(i)
        }
    }
}

/// Slots whose tophash may equal `tag`. May report false positives in slots above a true match
/// (the borrow of the subtraction), never a false negative; the key comparison sorts them out.
#[inline(always)]
pub(crate) fn match_tag(word: u64, tag: u8) -> SlotMask {
    let x = word ^ (LSB.wrapping_mul(tag as u64));
    SlotMask(x.wrapping_sub(LSB) & !x & MSB)
}

/// Slots holding a live entry (tophash >= [`MIN_TOPHASH`]); exact.
#[inline(always)]
pub(crate) fn match_live(word: u64) -> SlotMask {
    // For a byte b: its high bit, or ((b & 0x7f) + 0x7b) overflowing into bit 7 when b & 0x7f >= 5.
    // The addition never carries into the next byte (0x7f + 0x7b < 0x100).
    const ADD: u64 = LSB * (0x80 - MIN_TOPHASH as u64);
    SlotMask((word | ((word & LOW7) + ADD)) & MSB)
}

/// Slots that are empty (`EMPTY_ONE` or `EMPTY_REST`) in a bucket of the current array; exact.
#[inline(always)]
pub(crate) fn match_empty(word: u64) -> SlotMask {
    SlotMask(!match_live(word).0 & MSB)
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

const fn round_up(n: usize, align: usize) -> usize {
    (n + align - 1) & !(align - 1)
}

/// Byte offsets of a bucket of `K`s and `V`s, as constants.
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
    /// Offset of key slot 0.
    pub(crate) const KEYS: usize = round_up(
        16,
        if Self::PAIRED {
            max(Self::KEY_ALIGN, Self::VALUE_ALIGN)
        } else {
            Self::KEY_ALIGN
        },
    );
    /// Distance between consecutive key slots.
    pub(crate) const KEY_STRIDE: usize = if Self::PAIRED {
        Self::KEY_SLOT + Self::VALUE_SLOT
    } else {
        Self::KEY_SLOT
    };
    /// Offset of value slot 0.
    pub(crate) const VALUES: usize = if Self::PAIRED {
        Self::KEYS + Self::KEY_SLOT
    } else {
        round_up(
            Self::KEYS + BUCKET_SLOTS * Self::KEY_SLOT,
            Self::VALUE_ALIGN,
        )
    };
    /// Distance between consecutive value slots.
    pub(crate) const VALUE_STRIDE: usize = if Self::PAIRED {
        Self::KEY_SLOT + Self::VALUE_SLOT
    } else {
        Self::VALUE_SLOT
    };
    /// Alignment of a bucket.
    pub(crate) const ALIGN: usize = max(8, max(Self::KEY_ALIGN, Self::VALUE_ALIGN));
    /// Size of a bucket, a multiple of its alignment (the stride of a bucket array).
    pub(crate) const SIZE: usize = round_up(
        Self::KEYS
            + BUCKET_SLOTS * (Self::KEY_SLOT + Self::VALUE_SLOT)
            + if Self::PAIRED {
                0
            } else {
                Self::VALUES - Self::KEYS - BUCKET_SLOTS * Self::KEY_SLOT
            },
        Self::ALIGN,
    );
}

// ---------------------------------------------------------------------------------------------
// Bucket pointers.
// ---------------------------------------------------------------------------------------------

/// A pointer to one bucket. Copyable; every access is `unsafe` and requires that the pointer is
/// to a bucket of `Layout::<K, V>::SIZE` bytes, aligned to `Layout::<K, V>::ALIGN`, inside a live
/// allocation (an *allocated* bucket); reads of the header also require it to be *initialised*
/// (its header written), and key/value accesses require the slot to be live.
pub(crate) struct BucketPtr<K, V> {
    ptr: *mut u8,
    _marker: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Clone for BucketPtr<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for BucketPtr<K, V> {}

impl<K, V> PartialEq for BucketPtr<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}

impl<K, V> BucketPtr<K, V> {
    /// Wraps a raw bucket address (possibly null).
    #[inline(always)]
    pub(crate) fn from_raw(ptr: *mut u8) -> Self {
        BucketPtr {
            ptr,
            _marker: PhantomData,
        }
    }

    /// The null bucket pointer (end of a chain).
    #[inline(always)]
    pub(crate) fn null() -> Self {
        Self::from_raw(ptr::null_mut())
    }

    /// The raw address.
    #[inline(always)]
    pub(crate) fn as_raw(self) -> *mut u8 {
        self.ptr
    }

    /// Whether this is the null pointer.
    #[inline(always)]
    pub(crate) fn is_null(self) -> bool {
        self.ptr.is_null()
    }

    /// Bucket `index` of the array starting at `base`.
    ///
    /// # Safety
    /// `base` points to an array of more than `index` buckets.
    #[inline(always)]
    pub(crate) unsafe fn at(base: *mut u8, index: usize) -> Self {
        // SAFETY: the caller promises the array holds bucket `index`, so the offset stays inside
        // the allocation.
        Self::from_raw(unsafe { base.add(index * Layout::<K, V>::SIZE) })
    }

    /// Asks the CPU to start loading the bucket's slot lines now, while the header line (which
    /// says which slot to read) is still on its way: the loads overlap instead of queueing
    /// behind each other. A hint only: never faults, whatever the address.
    #[inline(always)]
    pub(crate) fn prefetch_slots(self) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let mut offset = 64;
            while offset < Layout::<K, V>::SIZE {
                // SAFETY: prefetch is a hint that never dereferences or faults; `wrapping_add`
                // makes no claim about the address.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(self.ptr.wrapping_add(offset).cast::<i8>()) };
                offset += 64;
            }
        }
    }

    /// Writes an empty header: all slots `EMPTY_REST`, no overflow.
    ///
    /// # Safety
    /// The bucket is allocated.
    #[inline(always)]
    pub(crate) unsafe fn init(self) {
        // SAFETY: an allocated bucket has 16 writable, 8-aligned header bytes.
        unsafe {
            self.ptr.cast::<u64>().write(0);
            self.ptr.add(8).cast::<*mut u8>().write(ptr::null_mut());
        }
    }

    /// The eight tophash bytes as one little-endian word (byte `i` is slot `i`).
    ///
    /// # Safety
    /// The bucket is initialised.
    #[inline(always)]
    pub(crate) unsafe fn tophash_word(self) -> u64 {
        // SAFETY: the header is initialised and 8-aligned.
        u64::from_le(unsafe { self.ptr.cast::<u64>().read() })
    }

    /// Overwrites all eight tophash bytes (byte `i` of `word` is slot `i`).
    ///
    /// # Safety
    /// The bucket is allocated, and the new tags describe its slots truthfully.
    #[inline(always)]
    pub(crate) unsafe fn set_tophash_word(self, word: u64) {
        // SAFETY: the header is 8-aligned and writable.
        unsafe { self.ptr.cast::<u64>().write(word.to_le()) }
    }

    /// The tophash of slot `i`.
    ///
    /// # Safety
    /// The bucket is initialised and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn tophash(self, i: usize) -> u8 {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: byte `i` of the initialised header.
        unsafe { self.ptr.add(i).read() }
    }

    /// Sets the tophash of slot `i`.
    ///
    /// # Safety
    /// The bucket is initialised and `i < 8`.
    #[inline(always)]
    pub(crate) unsafe fn set_tophash(self, i: usize, top: u8) {
        debug_assert!(i < BUCKET_SLOTS);
        // SAFETY: byte `i` of the initialised header.
        unsafe { self.ptr.add(i).write(top) }
    }

    /// The next bucket of the chain, or null.
    ///
    /// # Safety
    /// The bucket is initialised.
    #[inline(always)]
    pub(crate) unsafe fn overflow(self) -> Self {
        // SAFETY: the overflow field is initialised and pointer-aligned (offset 8 of an
        // 8-aligned bucket).
        Self::from_raw(unsafe { self.ptr.add(8).cast::<*mut u8>().read() })
    }

    /// Links `next` as this bucket's overflow.
    ///
    /// # Safety
    /// The bucket is allocated.
    #[inline(always)]
    pub(crate) unsafe fn set_overflow(self, next: Self) {
        // SAFETY: as in `overflow`.
        unsafe { self.ptr.add(8).cast::<*mut u8>().write(next.ptr) }
    }

    /// The address of key slot `i` (which holds a `K`, or a `*mut K` when keys are boxed).
    #[inline(always)]
    fn key_slot(self, i: usize) -> *mut u8 {
        self.ptr
            .wrapping_add(Layout::<K, V>::KEYS + i * Layout::<K, V>::KEY_STRIDE)
    }

    /// The address of value slot `i`.
    #[inline(always)]
    fn value_slot(self, i: usize) -> *mut u8 {
        self.ptr
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
            // SAFETY: a live boxed slot holds the pointer returned by `Box::into_raw`.
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

    /// Moves `key` and `value` into slot `i` (boxing them if their type is boxed) and sets its
    /// tophash. Allocates for boxed types; the slot is live afterwards.
    ///
    /// # Safety
    /// The bucket is initialised, `i < 8` and slot `i` is empty.
    #[inline(always)]
    pub(crate) unsafe fn write(self, i: usize, top: u8, key: K, value: V) {
        // SAFETY: slot `i` is empty, so its memory is ours to write; slots are aligned for
        // their type by `Layout`.
        unsafe {
            if Layout::<K, V>::KEY_BOXED {
                self.key_slot(i)
                    .cast::<*mut K>()
                    .write(Box::into_raw(Box::new(key)));
            } else {
                self.key_slot(i).cast::<K>().write(key);
            }
            if Layout::<K, V>::VALUE_BOXED {
                self.value_slot(i)
                    .cast::<*mut V>()
                    .write(Box::into_raw(Box::new(value)));
            } else {
                self.value_slot(i).cast::<V>().write(value);
            }
            self.set_tophash(i, top);
        }
    }

    /// Moves the entry of slot `i` out. The slot's tophash is left unchanged: the caller marks it.
    ///
    /// # Safety
    /// Slot `i` is live; afterwards it must be treated as empty.
    #[inline(always)]
    pub(crate) unsafe fn take(self, i: usize) -> (K, V) {
        // SAFETY: the slot is live, so both slots hold initialised data (or live boxes), which
        // the caller gives up.
        unsafe {
            let key = if Layout::<K, V>::KEY_BOXED {
                *Box::from_raw(self.key_slot(i).cast::<*mut K>().read())
            } else {
                self.key_slot(i).cast::<K>().read()
            };
            let value = if Layout::<K, V>::VALUE_BOXED {
                *Box::from_raw(self.value_slot(i).cast::<*mut V>().read())
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
    pub(crate) unsafe fn drop_entry(self, i: usize) {
        if core::mem::needs_drop::<K>()
            || core::mem::needs_drop::<V>()
            || Layout::<K, V>::KEY_BOXED
            || Layout::<K, V>::VALUE_BOXED
        {
            // SAFETY: forwarded to the caller. Dropping the tuple drops the value even when the
            // key's destructor panics.
            drop(unsafe { self.take(i) });
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
            self.set_tophash(i, from.tophash(from_i));
        }
    }
}

/// Whether the chain headed by `head` was evacuated (old array only).
///
/// # Safety
/// `head` is initialised.
#[inline(always)]
pub(crate) unsafe fn is_evacuated<K, V>(head: BucketPtr<K, V>) -> bool {
    // SAFETY: forwarded.
    is_evacuated_mark(unsafe { head.tophash(0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(bytes: [u8; 8]) -> u64 {
        u64::from_le_bytes(bytes)
    }

    fn slots(m: SlotMask) -> Vec<usize> {
        m.collect()
    }

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
    fn live_and_empty_masks_are_exact_for_every_byte() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut bytes = [EMPTY_REST; 8];
                bytes[pos] = b;
                let live = slots(match_live(word(bytes)));
                assert_eq!(live.contains(&pos), b >= MIN_TOPHASH, "byte {b} at {pos}");
                let empty = slots(match_empty(word(bytes)));
                assert_eq!(empty.contains(&pos), b < MIN_TOPHASH);
            }
        }
    }

    #[test]
    fn tag_match_finds_every_true_match() {
        let bytes = [7, 200, 7, EMPTY_ONE, 9, 7, EMPTY_REST, 255];
        let found = slots(match_tag(word(bytes), 7));
        for i in [0, 2, 5] {
            assert!(found.contains(&i));
        }
        assert!(slots(match_tag(word(bytes), 255)).contains(&7));
        assert!(match_tag(word([5; 8]), 6).is_empty());
    }

    #[test]
    fn layout_puts_slots_after_the_header() {
        // Paired: (key, value) pairs after the header.
        const { assert!(Layout::<u64, u64>::PAIRED) };
        assert_eq!(Layout::<u64, u64>::KEYS, 16);
        assert_eq!(Layout::<u64, u64>::VALUES, 16 + 8);
        assert_eq!(Layout::<u64, u64>::KEY_STRIDE, 16);
        assert_eq!(Layout::<u64, u64>::SIZE, 144);
        assert_eq!(Layout::<u8, u8>::SIZE, 32);
        // Go's two arrays when pairs would pad.
        const { assert!(!Layout::<u64, u8>::PAIRED) };
        assert_eq!(Layout::<u64, u8>::VALUES, 16 + 64);
        assert_eq!(Layout::<u64, u8>::SIZE, 88);
        assert_eq!(Layout::<(), ()>::SIZE, 16);
        const { assert!(Layout::<[u8; 129], ()>::KEY_BOXED) };
        const { assert!(!Layout::<[u8; 128], ()>::KEY_BOXED) };
        const { assert!(!Layout::<[u8; 129], u8>::PAIRED) };
        assert_eq!(Layout::<[u8; 129], u8>::VALUES, 16 + 64);
    }
}
