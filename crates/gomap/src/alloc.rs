//! Memory for buckets: bucket arrays with their spare overflow blocks, and handing pages back.
//!
//! An array of `n = 2^B` buckets is one allocation, split hot from cold:
//!
//! ```text
//!  0        64        64 + 8n     64 + 16n (rounded to 64)               (rounded)
//!  +--------+---------+-----------+--------------------------------------+----------------------+
//!  | Info   | tags    | links     | slots: n x Layout::SLOTS_SIZE        | spare overflow blocks|
//!  +--------+---------+-----------+--------------------------------------+----------------------+
//! ```
//!
//! - **tags** (8 bytes a bucket) are what every lookup scans: 8 buckets' tags share a cache line,
//!   so at 1M u64 entries they are 1.3 MB and stay in cache, where Go's 144-byte buckets spread
//!   them over a 37 MB array. A miss normally touches one tags line and nothing else.
//! - **links** (8 bytes a bucket) are read only when a bucket's tags hold no `EMPTY_REST`, that
//!   is when the bucket is full and its chain may go on.
//! - **slots** hold the keys and values, read only after a tag matched.
//! - **spare overflow blocks**, as Go's `makeBucketArray` preallocates them: Go's `2^(B-4)` for
//!   an array installed by a load-triggered grow, or enough for the load the array was reserved
//!   for (`with_capacity`, `reserve`), so that inserts up to a reserved capacity do not call the
//!   allocator (std's promise). When the spares run out (only when keys collide far beyond
//!   chance, or past the reserved load), a *chunk* of further blocks is allocated, half as many
//!   again as the array already has, so even then allocator calls are rare.
//!
//! Overflow blocks are never freed one by one: a block given back goes on the array's free list,
//! and all of an array's blocks die with it. The array's [`Info`] (its first 64 bytes) holds that
//! pool and the array's overflow count.
//!
//! The code here is not generic over the key and value types: it takes a [`Shape`], so it is
//! compiled once per allocator type, not once per map type. Every allocation goes through the
//! map's allocator `A` (allocator-api2's `Allocator`, `Global` by default).
//!
//! Page release ([`release_pages`]) only touches memory of the global allocator
//! ([`may_release`]): another allocator's memory may be a bump arena, a huge-page or locked
//! mapping, or shared, where handing pages to the OS behind its back is not ours to do.

#![allow(
    clippy::cast_ptr_alignment,
    reason = "arrays are allocated aligned to at least 64; every offset cast to a type is aligned for it"
)]

use core::alloc::Layout as AllocLayout;
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{Allocator, Global};

use crate::bucket::{round_up, Layout};
use crate::TryReserveError;

/// What the allocation code needs to know about a map's types: the sizes and alignments from
/// [`Layout`], as plain numbers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    /// Bytes of a bucket's slots (the stride of the slot array).
    pub(crate) slots_size: usize,
    /// Alignment of a bucket's slots.
    pub(crate) slots_align: usize,
    /// Bytes of an overflow block.
    pub(crate) ovf_size: usize,
    /// Alignment of an overflow block.
    pub(crate) ovf_align: usize,
}

impl Shape {
    /// The shape of a map of `K`s and `V`s.
    pub(crate) const fn of<K, V>() -> Shape {
        Shape {
            slots_size: Layout::<K, V>::SLOTS_SIZE,
            slots_align: Layout::<K, V>::SLOTS_ALIGN,
            ovf_size: Layout::<K, V>::OVF_SIZE,
            ovf_align: Layout::<K, V>::OVF_ALIGN,
        }
    }

    /// Alignment of a whole array (and of a chunk).
    const fn align(&self) -> usize {
        let a = if self.slots_align > 64 {
            self.slots_align
        } else {
            64
        };
        if self.ovf_align > a {
            self.ovf_align
        } else {
            a
        }
    }
}

/// Bytes before the tags: the [`Info`] block.
const INFO: usize = 64;

/// The bookkeeping at the start of every array: its overflow pool and overflow count.
#[repr(C)]
struct Info {
    /// Spare blocks allocated with the array.
    spares: usize,
    /// The next block never handed out, in the region being bumped through.
    bump: *mut u8,
    /// The end of that region.
    bump_end: *mut u8,
    /// Blocks given back, linked through their link field.
    free: *mut u8,
    /// Chunks allocated later, oldest first, linked through their header.
    chunks: *mut u8,
    /// The chunk `bump` is in (null: the array's own spares).
    cur_chunk: *mut u8,
    /// Overflow blocks linked into this array's chains.
    noverflow: usize,
    /// Blocks not linked into a chain (free, or not handed out yet).
    available: usize,
}

const _: () = assert!(core::mem::size_of::<Info>() <= INFO);

/// A chunk's header: the next chunk, its block count and allocation size.
#[repr(C)]
struct ChunkHeader {
    next: *mut u8,
    blocks: usize,
    size: usize,
}

/// Where the parts of an array of `n` buckets with `spares` spare blocks lie.
struct Offsets {
    slots: usize,
    spares: usize,
    layout: AllocLayout,
}

fn offsets(shape: &Shape, n: usize, spares: usize) -> Result<Offsets, TryReserveError> {
    let overflow = || TryReserveError::CapacityOverflow;
    let meta = n
        .checked_mul(16)
        .and_then(|m| m.checked_add(INFO))
        .ok_or_else(overflow)?;
    let slots = round_up(meta, shape.align());
    let slot_bytes = n.checked_mul(shape.slots_size).ok_or_else(overflow)?;
    let spares_at = slots
        .checked_add(slot_bytes)
        .map(|e| round_up(e, shape.ovf_align.max(64)))
        .ok_or_else(overflow)?;
    let size = spares
        .checked_mul(shape.ovf_size)
        .and_then(|s| s.checked_add(spares_at))
        .ok_or_else(overflow)?;
    let layout = AllocLayout::from_size_align(size, shape.align()).map_err(|_| overflow())?;
    Ok(Offsets {
        slots,
        spares: spares_at,
        layout,
    })
}

/// An allocated bucket array: the addresses of its tags and slots (its links follow the tags).
/// The table knows its bucket count. Copyable; it does not own the memory by itself.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawArray {
    pub(crate) tags: *mut u64,
    pub(crate) slots: *mut u8,
}

impl RawArray {
    /// No array.
    pub(crate) const NULL: RawArray = RawArray {
        tags: ptr::null_mut(),
        slots: ptr::null_mut(),
    };

    /// Whether this is [`RawArray::NULL`].
    #[inline(always)]
    pub(crate) fn is_null(self) -> bool {
        self.tags.is_null()
    }

    /// The links of an array of `n` buckets.
    #[inline(always)]
    pub(crate) fn links(self, n: usize) -> *mut *mut u8 {
        self.tags.wrapping_add(n).cast::<*mut u8>()
    }

    fn base(self) -> *mut u8 {
        self.tags.cast::<u8>().wrapping_sub(INFO)
    }

    fn info(self) -> *mut Info {
        self.base().cast::<Info>()
    }
}

/// Allocates an array of `n >= 1` buckets with `spares` spare overflow blocks. With `init`, every
/// bucket is initialised (empty); otherwise none is (a grow initialises each destination when
/// its source moves, so starting a grow is O(1)).
///
/// Initialising writes only the tags and links (16 bytes a bucket) of a small array; a large
/// one (1 MiB and up) comes from `alloc_zeroed` instead, which for a fresh mapping costs nothing
/// up front (the kernel's pages are already zero) and spreads the cost over first touches.
pub(crate) fn alloc_array<A: Allocator>(
    alloc: &A,
    shape: &Shape,
    n: usize,
    spares: usize,
    init: bool,
) -> Result<RawArray, TryReserveError> {
    let off = offsets(shape, n, spares)?;
    // Only the global allocator's `allocate_zeroed` is known to be free for fresh memory (calloc
    // of a new mapping); another's may zero the whole block by hand.
    let zeroed = init && off.layout.size() >= 1 << 20 && is_global::<A>();
    let block = if zeroed {
        alloc.allocate_zeroed(off.layout)
    } else {
        alloc.allocate(off.layout)
    };
    let base = match block {
        Ok(block) => block.cast::<u8>().as_ptr(),
        Err(_) => return Err(TryReserveError::AllocError { layout: off.layout }),
    };
    let arr = RawArray {
        // SAFETY: INFO and `off.slots` lie inside the allocation just made.
        tags: unsafe { base.add(INFO) }.cast::<u64>(),
        // SAFETY: as above.
        slots: unsafe { base.add(off.slots) },
    };
    if init && !zeroed {
        // SAFETY: the tags and links are the 16n bytes after INFO, inside the allocation; all
        // zero is empty tags and null links.
        unsafe { ptr::write_bytes(arr.tags.cast::<u8>(), 0, 16 * n) };
    }
    // SAFETY: the Info block is the first INFO bytes of the allocation, aligned to 64; the spare
    // region is `spares` blocks at `off.spares`.
    unsafe {
        let spare_start = base.add(off.spares);
        arr.info().write(Info {
            spares,
            bump: spare_start,
            bump_end: spare_start.add(spares * shape.ovf_size),
            free: ptr::null_mut(),
            chunks: ptr::null_mut(),
            cur_chunk: ptr::null_mut(),
            noverflow: 0,
            available: spares,
        });
    }
    Ok(arr)
}

/// Frees an array and its chunks.
///
/// # Safety
/// `arr` came from `alloc_array(alloc, shape, n, ..)` (this allocator, or one its memory may be
/// given back to) and is not used afterwards.
pub(crate) unsafe fn free_array<A: Allocator>(alloc: &A, shape: &Shape, arr: RawArray, n: usize) {
    // SAFETY: the caller promises the array is live; its Info and chunk headers are initialised,
    // and each chunk and the array were allocated with the layouts recomputed here.
    unsafe {
        let info = &*arr.info();
        let mut chunk = info.chunks;
        while !chunk.is_null() {
            let hdr = chunk.cast::<ChunkHeader>().read();
            alloc.deallocate(
                NonNull::new_unchecked(chunk),
                AllocLayout::from_size_align_unchecked(hdr.size, shape.align()),
            );
            chunk = hdr.next;
        }
        let off = offsets(shape, n, info.spares).expect("layout was valid when allocated");
        alloc.deallocate(NonNull::new_unchecked(arr.base()), off.layout);
    }
}

/// Bytes of heap memory the array holds, chunks included.
///
/// # Safety
/// `arr` is a live array of `n` buckets.
pub(crate) unsafe fn array_bytes(shape: &Shape, arr: RawArray, n: usize) -> usize {
    // SAFETY: forwarded; Info and chunk headers are initialised.
    unsafe {
        let info = &*arr.info();
        let mut bytes = offsets(shape, n, info.spares).map_or(0, |o| o.layout.size());
        let mut chunk = info.chunks;
        while !chunk.is_null() {
            let hdr = &*chunk.cast::<ChunkHeader>();
            bytes += hdr.size;
            chunk = hdr.next;
        }
        bytes
    }
}

/// Overflow blocks linked into the array's chains.
///
/// # Safety
/// `arr` is a live array.
#[inline]
pub(crate) unsafe fn noverflow(arr: RawArray) -> usize {
    // SAFETY: forwarded.
    unsafe { (*arr.info()).noverflow }
}

/// Spare blocks the array was allocated with (a clone gets as many).
///
/// # Safety
/// `arr` is a live array.
pub(crate) unsafe fn spares(arr: RawArray) -> usize {
    // SAFETY: forwarded.
    unsafe { (*arr.info()).spares }
}

/// Notes that `k` overflow blocks left the array's chains without being given back (their
/// chains were evacuated; the blocks die with the array).
///
/// # Safety
/// `arr` is a live array with at least `k` linked blocks.
pub(crate) unsafe fn forget_overflow(arr: RawArray, k: usize) {
    // SAFETY: forwarded.
    unsafe { (*arr.info()).noverflow -= k };
}

/// An initialised (empty, unlinked) overflow block of the array, counted as linked. Takes a
/// block given back, else the next spare, else allocates a chunk.
///
/// # Safety
/// `arr` is a live array allocated by `alloc`.
pub(crate) unsafe fn take_block<A: Allocator>(alloc: &A, shape: &Shape, arr: RawArray) -> *mut u8 {
    // SAFETY: forwarded; Info is initialised; free-list blocks are initialised blocks of this
    // array, and bumped blocks lie inside a region of this array or of one of its chunks.
    unsafe {
        let info = &mut *arr.info();
        let block = if !info.free.is_null() {
            let b = info.free;
            info.free = b.add(8).cast::<*mut u8>().read();
            b
        } else {
            if info.bump == info.bump_end {
                next_region(alloc, shape, info);
            }
            let b = info.bump;
            info.bump = b.add(shape.ovf_size);
            b
        };
        info.available -= 1;
        info.noverflow += 1;
        block.cast::<u64>().write(0);
        block.add(8).cast::<*mut u8>().write(ptr::null_mut());
        block
    }
}

/// Moves `bump` to the next chunk, allocating one when there is none.
///
/// # Safety
/// `info` is a live array's Info, the array allocated by `alloc`, whose bump region is used up.
#[cold]
unsafe fn next_region<A: Allocator>(alloc: &A, shape: &Shape, info: &mut Info) {
    // SAFETY: chunk headers are initialised; the chunk's blocks follow its header.
    unsafe {
        let next = if info.cur_chunk.is_null() {
            info.chunks
        } else {
            (*info.cur_chunk.cast::<ChunkHeader>()).next
        };
        let chunk = if next.is_null() {
            // Half as many blocks again as the array has, at least 16: few calls, bounded waste.
            let total = info.available + info.noverflow;
            append_chunk(alloc, shape, info, (total / 2).max(16)).unwrap_or_else(|e| e.handle())
        } else {
            next
        };
        let hdr = &*chunk.cast::<ChunkHeader>();
        info.cur_chunk = chunk;
        info.bump = chunk.add(chunk_header_size(shape));
        info.bump_end = info.bump.add(hdr.blocks * shape.ovf_size);
    }
}

fn chunk_header_size(shape: &Shape) -> usize {
    shape.align()
}

/// Allocates a chunk of `blocks` blocks and links it last; they count as available.
///
/// # Safety
/// `info` is a live array's Info, the array allocated by `alloc`.
unsafe fn append_chunk<A: Allocator>(
    alloc: &A,
    shape: &Shape,
    info: &mut Info,
    blocks: usize,
) -> Result<*mut u8, TryReserveError> {
    let size = blocks
        .checked_mul(shape.ovf_size)
        .and_then(|b| b.checked_add(chunk_header_size(shape)))
        .ok_or(TryReserveError::CapacityOverflow)?;
    let layout = AllocLayout::from_size_align(size, shape.align())
        .map_err(|_| TryReserveError::CapacityOverflow)?;
    let chunk = match alloc.allocate(layout) {
        Ok(block) => block.cast::<u8>().as_ptr(),
        Err(_) => return Err(TryReserveError::AllocError { layout }),
    };
    // SAFETY: the header fits at the chunk's aligned start; existing headers are initialised.
    unsafe {
        chunk.cast::<ChunkHeader>().write(ChunkHeader {
            next: ptr::null_mut(),
            blocks,
            size,
        });
        let mut link = &mut info.chunks;
        while !link.is_null() {
            link = &mut (*link.cast::<ChunkHeader>()).next;
        }
        *link = chunk;
    }
    info.available += blocks;
    Ok(chunk)
}

/// Makes sure at least `want` blocks are available without a further allocation: allocates one
/// chunk for the difference (`reserve`'s promise that the next inserts do not allocate).
///
/// # Safety
/// `arr` is a live array allocated by `alloc`.
pub(crate) unsafe fn ensure_blocks<A: Allocator>(
    alloc: &A,
    shape: &Shape,
    arr: RawArray,
    want: usize,
) -> Result<(), TryReserveError> {
    // SAFETY: forwarded.
    let info = unsafe { &mut *arr.info() };
    if info.available < want {
        // SAFETY: forwarded.
        unsafe { append_chunk(alloc, shape, info, want - info.available)? };
    }
    Ok(())
}

/// Gives an overflow block back to the array's free list.
///
/// # Safety
/// `block` came from `take_block` on this array and is no longer linked anywhere.
pub(crate) unsafe fn give_back_block(arr: RawArray, block: *mut u8) {
    // SAFETY: forwarded; the block's link field becomes the free-list link.
    unsafe {
        let info = &mut *arr.info();
        block.add(8).cast::<*mut u8>().write(info.free);
        info.free = block;
        info.available += 1;
        info.noverflow -= 1;
    }
}

/// Forgets every overflow block of the array (all chains are being reset): the pool starts
/// over from its first spare. O(chunks).
///
/// # Safety
/// `arr` is a live array of `n` buckets whose chains no longer link any block.
pub(crate) unsafe fn reset_blocks(shape: &Shape, arr: RawArray, n: usize) {
    // SAFETY: forwarded; Info and chunk headers are initialised.
    unsafe {
        let info = &mut *arr.info();
        let off = offsets(shape, n, info.spares).expect("layout was valid when allocated");
        let start = arr.base().add(off.spares);
        info.bump = start;
        info.bump_end = start.add(info.spares * shape.ovf_size);
        info.free = ptr::null_mut();
        info.cur_chunk = ptr::null_mut();
        info.noverflow = 0;
        let mut total = info.spares;
        let mut chunk = info.chunks;
        while !chunk.is_null() {
            let hdr = &*chunk.cast::<ChunkHeader>();
            total += hdr.blocks;
            chunk = hdr.next;
        }
        info.available = total;
    }
}

/// The memory regions of an array's overflow blocks that may have been touched, for handing
/// them back piece by piece: the spare region, then each chunk. `visit(start, end)`.
///
/// # Safety
/// `arr` is a live array of `n` buckets.
pub(crate) unsafe fn overflow_regions(
    shape: &Shape,
    arr: RawArray,
    n: usize,
    mut visit: impl FnMut(*mut u8, *mut u8),
) {
    // SAFETY: forwarded.
    unsafe {
        let info = &*arr.info();
        let off = offsets(shape, n, info.spares).expect("layout was valid when allocated");
        let start = arr.base().add(off.spares);
        visit(start, start.add(info.spares * shape.ovf_size));
        let mut chunk = info.chunks;
        while !chunk.is_null() {
            let hdr = &*chunk.cast::<ChunkHeader>();
            visit(chunk.add(chunk_header_size(shape)), chunk.add(hdr.size));
            chunk = hdr.next;
        }
    }
}

/// How many spare overflow blocks an array of `2^b` buckets gets when it is sized to hold `load`
/// entries with no allocation: the expected overflow of `load` random keys (bucket loads are
/// Poisson), plus four standard deviations, and never more than `load / 8` (a chain filled in
/// order holds 8 entries per overflow block). Without a load to reserve for (a load-triggered
/// grow), Go's `2^(b-4)`.
pub(crate) fn spares_for(b: u8, load: Option<usize>) -> usize {
    let n = 1usize << b;
    let Some(load) = load else {
        return if b >= 4 { n >> 4 } else { 0 };
    };
    let lambda = load as f64 / n as f64;
    // E[ovf] and E[ovf^2] per bucket, where a bucket with k > 8 entries needs ceil((k-8)/8).
    let (mut p, mut e1, mut e2) = (fmath::exp(-lambda), 0.0f64, 0.0f64);
    for k in 1..=200u32 {
        p *= lambda / k as f64;
        if k > 8 {
            let o = (k - 8).div_ceil(8) as f64;
            e1 += p * o;
            e2 += p * o * o;
        }
        if k > 8 && p < 1e-18 {
            break;
        }
    }
    let mean = e1 * n as f64;
    let sd = fmath::sqrt((e2 - e1 * e1).max(0.0) * n as f64);
    let want = fmath::ceil(mean + 4.0 * sd) as usize + 2;
    want.min(load / 8)
}

/// Whether memory from allocator `A` may be handed back to the OS page by page while it stays
/// allocated ([`release_pages`]): only the global allocator's, whose memory is the process's
/// own anonymous mappings. A compile-time constant in practice (both names are constants).
#[inline]
pub(crate) fn may_release<A: Allocator>() -> bool {
    cfg!(all(target_os = "linux", feature = "std")) && is_global::<A>()
}

/// Whether `A` is allocator-api2's `Global` (std's global allocator). Stable Rust cannot
/// specialise on a type that need not be `'static`, so this compares type names: a zero-sized
/// type named like `Global` is `Global`.
#[inline]
pub(crate) fn is_global<A: Allocator>() -> bool {
    core::mem::size_of::<A>() == 0
        && core::any::type_name::<A>() == core::any::type_name::<Global>()
}

/// The few `f64` functions `spares_for` needs: std's, or without std (core has no libm) small
/// portable versions (relative error below 1e-12 here), plenty for sizing spares.
mod fmath {
    #[cfg(feature = "std")]
    pub(super) fn exp(x: f64) -> f64 {
        x.exp()
    }
    #[cfg(feature = "std")]
    pub(super) fn sqrt(x: f64) -> f64 {
        x.sqrt()
    }
    #[cfg(feature = "std")]
    pub(super) fn ceil(x: f64) -> f64 {
        x.ceil()
    }

    /// `e^x` for `x <= 0` (the only use): `e^(x / 2^k)` by its Taylor series, squared `k` times.
    #[cfg(not(feature = "std"))]
    pub(super) fn exp(x: f64) -> f64 {
        let mut k = 0;
        let mut y = x;
        while y < -0.5 {
            y /= 2.0;
            k += 1;
        }
        let (mut term, mut sum) = (1.0f64, 1.0f64);
        for i in 1..20 {
            term *= y / i as f64;
            sum += term;
        }
        for _ in 0..k {
            sum *= sum;
        }
        sum
    }

    /// `sqrt(x)` for `x >= 0`: Newton's method from a power-of-two start.
    #[cfg(not(feature = "std"))]
    pub(super) fn sqrt(x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let mut r = if x >= 1.0 { x } else { 1.0 };
        for _ in 0..200 {
            let next = 0.5 * (r + x / r);
            if next >= r {
                break;
            }
            r = next;
        }
        r
    }

    /// The smallest integer `>= x`, for `0 <= x < 2^63`.
    #[cfg(not(feature = "std"))]
    pub(super) fn ceil(x: f64) -> f64 {
        let t = x as u64 as f64;
        if t < x {
            t + 1.0
        } else {
            t
        }
    }
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
/// `start..end` lies inside one live allocation of the global allocator (see [`may_release`])
/// that the caller owns and will not read again.
pub(crate) unsafe fn release_pages(start: *mut u8, end: *mut u8) {
    let from = (start as usize).div_ceil(RELEASE_ALIGN) * RELEASE_ALIGN;
    let to = (end as usize) / RELEASE_ALIGN * RELEASE_ALIGN;
    #[cfg(all(target_os = "linux", feature = "std"))]
    if from < to {
        // SAFETY: whole pages inside an allocation the caller owns and never reads again; the
        // result is ignored because a refused hint changes nothing (the memory is freed later
        // anyway).
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
    #[cfg(not(all(target_os = "linux", feature = "std")))]
    let _ = (from, to, start, end);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_spares_cover_the_expected_overflow() {
        // 1M keys in 2^18 buckets (3.8 per bucket): overflow is rare.
        let s = spares_for(18, Some(1_000_000));
        assert!(s > 0 && s < 20_000, "{s}");
        // At the load limit (6.5 per bucket) about a fifth of the buckets overflow.
        let n = 1 << 16;
        let s = spares_for(16, Some(n * 13 / 2));
        assert!(s > n / 5 && s < n / 3, "{s}");
        // Never more than load / 8, nor any for a map that fits one bucket.
        assert_eq!(spares_for(0, Some(8)), 1);
        assert_eq!(spares_for(0, Some(7)), 0);
        // Go's rule without a load.
        assert_eq!(spares_for(3, None), 0);
        assert_eq!(spares_for(10, None), 64);
    }

    #[test]
    fn blocks_come_from_spares_then_the_free_list_then_chunks() {
        let shape = Shape::of::<u64, u64>();
        let arr = alloc_array(&Global, &shape, 4, 2, true).unwrap();
        // SAFETY: a live array; blocks are given back only after being taken.
        unsafe {
            let a = take_block(&Global, &shape, arr);
            let b = take_block(&Global, &shape, arr);
            assert_eq!(b as usize - a as usize, shape.ovf_size);
            assert_eq!(noverflow(arr), 2);
            give_back_block(arr, a);
            assert_eq!(take_block(&Global, &shape, arr), a);
            let bytes = array_bytes(&shape, arr, 4);
            let c = take_block(&Global, &shape, arr); // from a new chunk
            assert!(array_bytes(&shape, arr, 4) > bytes);
            assert_eq!(noverflow(arr), 3);
            assert_eq!(c.cast::<u64>().read(), 0);
            ensure_blocks(&Global, &shape, arr, 100).unwrap();
            for _ in 0..100 {
                take_block(&Global, &shape, arr);
            }
            reset_blocks(&shape, arr, 4);
            assert_eq!(noverflow(arr), 0);
            free_array(&Global, &shape, arr, 4);
        }
    }
}
