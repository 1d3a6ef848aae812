//! Memory for buckets: bucket arrays, and a pool of overflow buckets carved from slabs.
//!
//! Go preallocates `2^(B-4)` spare overflow buckets after the bucket array and bumps a pointer
//! through them. gomap keeps overflow buckets in a pool owned by the table instead: buckets are
//! carved from slabs that grow geometrically, and the overflow buckets of an old chain go back to
//! the pool's free list as soon as the chain is evacuated, so the new array reuses them rather than
//! calling the allocator. A slab's first bucket is its header (slot count and link to the next
//! slab); the slabs are freed together when the table is cleared, rebuilt or dropped.

#![allow(
    clippy::cast_ptr_alignment,
    reason = "slabs are bucket arrays, aligned to `Layout::ALIGN` >= 8"
)]

use core::marker::PhantomData;
use core::ptr;
use std::alloc::{self, Layout as AllocLayout};

use crate::bucket::{BucketPtr, Layout};
use crate::TryReserveError;

/// The allocation layout of `n` buckets.
pub(crate) fn array_layout<K, V>(n: usize) -> Result<AllocLayout, TryReserveError> {
    let size = n
        .checked_mul(Layout::<K, V>::SIZE)
        .ok_or(TryReserveError::CapacityOverflow)?;
    AllocLayout::from_size_align(size, Layout::<K, V>::ALIGN)
        .map_err(|_| TryReserveError::CapacityOverflow)
}

/// Allocates an array of `n >= 1` buckets. With `init`, every bucket is initialised (empty);
/// otherwise none is.
///
/// Initialising writes only the 16-byte headers of a small array; a large one (1 MiB and up)
/// comes from `alloc_zeroed` instead, which for a fresh mapping costs nothing up front (the
/// kernel's pages are already zero) and spreads the cost over first touches.
pub(crate) fn alloc_array<K, V>(n: usize, init: bool) -> Result<*mut u8, TryReserveError> {
    let layout = array_layout::<K, V>(n)?;
    debug_assert!(layout.size() > 0, "a bucket has a 16-byte header");
    let zeroed = init && layout.size() >= 1 << 20;
    // SAFETY: the layout has a non-zero size (every bucket has a header).
    let ptr = unsafe {
        if zeroed {
            alloc::alloc_zeroed(layout)
        } else {
            alloc::alloc(layout)
        }
    };
    if ptr.is_null() {
        return Err(TryReserveError::AllocError { layout });
    }
    if init && !zeroed {
        for j in 0..n {
            // SAFETY: `j < n`, inside the array just allocated.
            unsafe { BucketPtr::<K, V>::at(ptr, j).init() };
        }
    }
    Ok(ptr)
}

/// Frees an array from [`alloc_array`].
///
/// # Safety
/// `ptr` came from `alloc_array::<K, V>(n, _)` and is not used afterwards.
pub(crate) unsafe fn free_array<K, V>(ptr: *mut u8, n: usize) {
    let layout = array_layout::<K, V>(n).expect("layout was valid when allocated");
    // SAFETY: the caller promises `ptr` was allocated with this layout.
    unsafe { alloc::dealloc(ptr, layout) }
}

/// Granularity of [`release_pages`]: a multiple of every common page size (4, 16 and 64 KiB).
const RELEASE_ALIGN: usize = 64 << 10;

/// `p` rounded down to the granularity of [`release_pages`] (where the previous piece ended).
pub(crate) fn release_floor(p: *mut u8) -> *mut u8 {
    p.wrapping_sub(p as usize % RELEASE_ALIGN)
}

/// Hands the whole pages inside `start..end` back to the operating system (Linux:
/// `madvise(MADV_DONTNEED)`); elsewhere does nothing. The memory stays allocated and reads as
/// zeros (or stale data) afterwards: the caller must never read it again, only free it.
///
/// Why: freeing a large array whose pages were all touched unmaps them all at once (measured here:
/// 5 ms for 151 MB, 18 ms for 302 MB), a stall at the end of every large grow. Released a piece at
/// a time as evacuation passes, the final free finds almost nothing left to unmap.
///
/// # Safety
/// `start..end` lies inside one live allocation that the caller owns and will not read again.
pub(crate) unsafe fn release_pages(start: *mut u8, end: *mut u8) {
    let from = (start as usize).div_ceil(RELEASE_ALIGN) * RELEASE_ALIGN;
    let to = (end as usize) / RELEASE_ALIGN * RELEASE_ALIGN;
    if from >= to {
        return;
    }
    #[cfg(target_os = "linux")]
    // SAFETY: whole pages inside an allocation the caller owns and never reads again; the result
    // is ignored because a refused hint changes nothing (the memory is freed later anyway).
    unsafe {
        libc::madvise(
            start
                .wrapping_add(from - start as usize)
                .cast::<libc::c_void>(),
            to - from,
            libc::MADV_DONTNEED,
        );
    }
}

/// Freed overflow buckets kept for reuse: enough to absorb an evacuation's give-and-take
/// without calling the allocator, few enough that memory follows what is in use.
const MAX_FREE: usize = 256;

/// Where overflow buckets come from: the global allocator, one bucket at a time, behind a small
/// free list.
///
/// Go preallocates `2^(B-4)` spare overflow buckets after the bucket array and bumps a pointer
/// through them. gomap first carved them from slabs, reused across grows; but a slab can only be
/// freed whole, so the pool kept its peak: at 10M u64 entries it held 31.8 MB for the 16.3 MB of
/// overflow buckets in use (3.2 bytes per entry, 10% of the map). One allocation per overflow
/// bucket costs ~20 ns, paid about once per 25 inserts, and lets memory follow use exactly.
pub(crate) struct OverflowPool<K, V> {
    /// Freed overflow buckets, linked through their overflow field.
    free: *mut u8,
    /// Buckets on the free list.
    free_len: usize,
    /// Buckets allocated and not yet returned to the allocator (in chains or on the free list).
    allocated: usize,
    _marker: PhantomData<fn() -> (K, V)>,
}

impl<K, V> OverflowPool<K, V> {
    /// An empty pool that owns no memory.
    pub(crate) const fn new() -> Self {
        OverflowPool {
            free: ptr::null_mut(),
            free_len: 0,
            allocated: 0,
            _marker: PhantomData,
        }
    }

    /// Bytes of memory held by overflow buckets (in chains or on the free list).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.allocated * Layout::<K, V>::SIZE
    }

    /// An initialised, empty overflow bucket.
    pub(crate) fn take(&mut self) -> BucketPtr<K, V> {
        let bucket = if self.free.is_null() {
            let p = alloc_array::<K, V>(1, false).unwrap_or_else(|e| e.handle());
            self.allocated += 1;
            BucketPtr::from_raw(p)
        } else {
            let b = BucketPtr::<K, V>::from_raw(self.free);
            // SAFETY: buckets on the free list are initialised (their link is the header's
            // overflow field).
            self.free = unsafe { b.overflow() }.as_raw();
            self.free_len -= 1;
            b
        };
        // SAFETY: `bucket` is an allocated bucket that nothing else references.
        unsafe { bucket.init() };
        bucket
    }

    /// Returns an overflow bucket to the pool. Its slots must hold nothing live.
    ///
    /// # Safety
    /// `bucket` came from [`take`](Self::take) of this pool and is no longer linked anywhere.
    pub(crate) unsafe fn give_back(&mut self, bucket: BucketPtr<K, V>) {
        if self.free_len < MAX_FREE {
            // SAFETY: the bucket is allocated; its overflow field becomes the free-list link.
            unsafe { bucket.set_overflow(BucketPtr::from_raw(self.free)) };
            self.free = bucket.as_raw();
            self.free_len += 1;
        } else {
            // SAFETY: allocated by `take` as a one-bucket array, and no longer referenced.
            unsafe { free_array::<K, V>(bucket.as_raw(), 1) };
            self.allocated -= 1;
        }
    }

    /// Frees the buckets on the free list.
    pub(crate) fn release_free(&mut self) {
        while !self.free.is_null() {
            let b = BucketPtr::<K, V>::from_raw(self.free);
            // SAFETY: free-list buckets are initialised, allocated by `take`, and unreferenced.
            unsafe {
                self.free = b.overflow().as_raw();
                free_array::<K, V>(b.as_raw(), 1);
            }
            self.allocated -= 1;
        }
        self.free_len = 0;
    }
}

impl<K, V> Drop for OverflowPool<K, V> {
    fn drop(&mut self) {
        self.release_free();
        debug_assert_eq!(self.allocated, 0, "overflow buckets still linked at drop");
    }
}
