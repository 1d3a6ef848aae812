//! The shard's hash index: a flat open-addressing table of 8-byte slots, linear probing. A slot
//! is one word: a 16-bit tag of the key's hash in the top bits and the node pointer (at most 48
//! bits; bit 0 the owner's tag) below, or 0 (empty). Readers probe it with no lock while the
//! shard's lock holder appends to it: a slot is written once (one `Release` store) and never
//! changed or cleared afterwards, so a reader that loads a non-empty slot (`Acquire`) sees the
//! node written before it, and a probe ends at the first empty slot it sees. The shard never
//! fills a table past 3/4, so every probe meets an empty slot. A table is replaced, never grown
//! in place: see [`shard`](super::shard)'s migration.
//!
//! A read hit probes one slot line (the slot at the key's home position, or the next ones) and
//! then the node. The slots were 16 bytes (the full hash and the pointer) until 2026-12; at 8
//! bytes the table is half the size, so more of it stays in the cache: a read hit at 1M keys
//! went from 85-98 to 70-75 ns under a held guard, and from 116-123 to 91-97 ns with a pin per
//! lookup (`examples/sync_probe.rs`, three interleaved runs of each build; its safe-code models
//! of the two layouts: about 71 and 57 ns). The tag is 16 bits of the hash that the probe's start does not use (bits 16..32 of the
//! spread hash; the start is its top bits), so a slot of another hash passes the tag test once in
//! 65536 probes whatever the table's size. What the tag cannot give is the hash itself: a
//! migration reads each node's hash to place it in the next table (it reads the node anyway, to
//! drop removed ones).
//!
//! Large tables are fresh anonymous mappings, not heap blocks: the allocator may hand out a
//! recycled heap block that `calloc` must clear (an O(n) memset in one call), while a mapping's
//! zero pages are faulted in one 4 KiB page at a time by the writes that touch them. They are
//! deliberately *not* advised for transparent huge pages: on the measuring machine a huge-page
//! fault took ~9 ms (direct compaction), which broke the 1 ms bound on a single insert.

use core::ptr::NonNull;
use std::sync::atomic::Ordering;

use super::prims::AtomicU64;

/// Tables at least this large are fresh `mmap`s (Linux), 2 MiB aligned.
#[cfg(all(target_os = "linux", not(loom)))]
const HUGE: usize = 2 << 20;

/// Zeroed memory, aligned to `align` (at most 2 MiB); a fresh mapping when large (Linux), whose
/// untouched pages are mapped lazily by the kernel, so allocating is O(1) in the size and the
/// first write of each page pays its zeroing.
pub(crate) struct ZeroMem {
    ptr: NonNull<u8>,
    bytes: usize,
    align: usize,
}

// SAFETY: a `ZeroMem` owns plain bytes (no values of any type); moving or sharing the owner
// between threads is sound, and whoever writes through the pointer synchronises on its own.
unsafe impl Send for ZeroMem {}
// SAFETY: as above: `&ZeroMem` only hands out the pointer.
unsafe impl Sync for ZeroMem {}

impl ZeroMem {
    /// `bytes` zeroed bytes (`bytes > 0`) aligned to `align` (a power of two, at most 2 MiB).
    /// Aborts through `handle_alloc_error` when out of memory.
    pub(crate) fn new(bytes: usize, align: usize) -> Self {
        debug_assert!(bytes > 0 && align.is_power_of_two() && align <= 2 << 20);
        #[cfg(all(target_os = "linux", not(loom)))]
        if bytes >= HUGE {
            let len = bytes.next_multiple_of(HUGE);
            // SAFETY: an anonymous private mapping asks for fresh memory and touches nothing of
            // ours; the result is checked against MAP_FAILED below.
            let raw = unsafe {
                libc::mmap(
                    core::ptr::null_mut(),
                    len + HUGE,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if raw == libc::MAP_FAILED {
                std::alloc::handle_alloc_error(Self::layout(bytes, align));
            }
            let start = raw as usize;
            let aligned = start.next_multiple_of(HUGE);
            // SAFETY: [start, aligned) and [aligned + len, start + len + HUGE) are the parts of
            // our own fresh mapping outside the aligned window we keep; nobody else uses them.
            unsafe {
                if aligned > start {
                    libc::munmap(raw, aligned - start);
                }
                let tail = start + len + HUGE - (aligned + len);
                if tail > 0 {
                    libc::munmap((aligned + len) as *mut libc::c_void, tail);
                }
            }
            return ZeroMem {
                ptr: NonNull::new(aligned as *mut u8).expect("mmap returned a non-null window"),
                bytes: len,
                align,
            };
        }
        let layout = Self::layout(bytes, align);
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc_zeroed(layout) };
        let Some(ptr) = NonNull::new(p) else {
            std::alloc::handle_alloc_error(layout)
        };
        ZeroMem { ptr, bytes, align }
    }

    fn layout(bytes: usize, align: usize) -> std::alloc::Layout {
        std::alloc::Layout::from_size_align(bytes, align).expect("a table size fits a layout")
    }

    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }
}

impl Drop for ZeroMem {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", not(loom)))]
        if self.bytes >= HUGE {
            // SAFETY: the window [ptr, ptr + bytes) is the mapping made in `new`, ours alone.
            unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.bytes) };
            return;
        }
        // SAFETY: allocated in `new` with this very layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::layout(self.bytes, self.align)) };
    }
}

/// One slot: `tag << 48 | pointer`, or 0 (empty).
type Slot = AtomicU64;

/// The pointer bits of a slot.
const PTR_BITS: u32 = 48;
const PTR_MASK: u64 = (1 << PTR_BITS) - 1;

/// A table of `cap` slots (a power of two, or 0: no memory, every probe empty), holding pointers
/// to `P`. Bit 0 of a pointer is the owner's tag (pointees are at least 2-aligned); [`Table`]
/// hands it back untouched.
pub(crate) struct Table<P> {
    slots: *const Slot,
    mask: usize,
    shift: u32,
    /// Zeroed pages (a zeroed slot is an empty one); under loom, loom's atomics.
    #[cfg(not(loom))]
    _mem: Option<ZeroMem>,
    #[cfg(loom)]
    _mem: Box<[Slot]>,
    _p: core::marker::PhantomData<*mut P>,
}

// SAFETY: a table holds integers (tags and pointer addresses) in atomics; the pointees are the
// owner's business (the shard synchronises on them itself).
unsafe impl<P> Send for Table<P> {}
// SAFETY: as above; every access to the slots goes through atomics.
unsafe impl<P> Sync for Table<P> {}

/// The probe start: the high bits of a multiplicative spread of the hash (its low and high bits
/// both reach them, so weak user hashes spread too).
#[inline]
fn spread(hash: u64) -> u64 {
    super::shard::fold(hash, 0x9e37_79b9_7f4a_7c15)
}

/// A slot's tag for `hash`, in place: bits 16..32 of the spread hash, which the probe start (its
/// top bits, at most 32 of them) does not use.
#[inline]
fn tag(hash: u64) -> u64 {
    (spread(hash) >> 16 & 0xffff) << PTR_BITS
}

/// The tag bit of a slot pointer.
pub(crate) const TAG: usize = 1;

impl<P> Table<P> {
    /// A table of `cap` empty slots (`cap` a power of two, or 0). O(1) for large tables: fresh
    /// zero pages.
    pub(crate) fn new(cap: usize) -> Self {
        debug_assert!(cap == 0 || cap.is_power_of_two());
        #[cfg(not(loom))]
        {
            let mem = (cap > 0).then(|| ZeroMem::new(cap * size_of::<Slot>(), 64));
            // A zeroed slot is an empty one (an atomic's zero is 0); 64-aligned.
            #[allow(clippy::cast_ptr_alignment)]
            let slots = mem.as_ref().map_or(core::ptr::null(), |m| {
                m.ptr().as_ptr().cast::<Slot>().cast_const()
            });
            Table {
                slots,
                mask: cap.wrapping_sub(1),
                shift: 64 - cap.max(1).trailing_zeros(),
                _mem: mem,
                _p: core::marker::PhantomData,
            }
        }
        #[cfg(loom)]
        {
            let mem: Box<[Slot]> = (0..cap).map(|_| AtomicU64::new(0)).collect();
            Table {
                // Null for no slots, as without loom (an empty box's pointer is dangling).
                slots: if cap == 0 {
                    core::ptr::null()
                } else {
                    mem.as_ptr()
                },
                mask: cap.wrapping_sub(1),
                shift: 64 - cap.max(1).trailing_zeros(),
                _mem: mem,
                _p: core::marker::PhantomData,
            }
        }
    }

    /// The table's slot memory, to be freed by the caller when it chooses (see
    /// `Arena::bury`); `None` for a table without slots, or under loom (whose slots are
    /// atomics in a box, freed here).
    pub(crate) fn into_mem(self) -> Option<ZeroMem> {
        #[cfg(not(loom))]
        {
            self._mem
        }
        #[cfg(loom)]
        {
            None
        }
    }

    /// The number of slots.
    pub(crate) fn cap(&self) -> usize {
        if self.slots.is_null() {
            0
        } else {
            self.mask + 1
        }
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        (spread(hash) >> self.shift) as usize & self.mask
    }

    #[inline]
    fn slot(&self, i: usize) -> &Slot {
        debug_assert!(i < self.cap());
        // SAFETY: `i < cap` (callers mask it) and the table has `cap` initialised slots.
        unsafe { &*self.slots.add(i) }
    }

    /// The tagged pointer in slot `i` (`i < cap`; null: empty), with `Acquire`: what was
    /// written before it was stored is visible.
    #[inline]
    pub(crate) fn at(&self, i: usize) -> *mut P {
        (self.slot(i).load(Ordering::Acquire) & PTR_MASK) as usize as *mut P
    }

    /// Hints the CPU to start loading the pointee of slot `i` (`i < cap`), if any. Never
    /// dereferences it: a hint.
    #[inline]
    pub(crate) fn prefetch_at(&self, i: usize) {
        let w = self.slot(i).load(Ordering::Relaxed);
        // Not for empty slots: a prefetch of an unmapped address may cost a page walk.
        if w != 0 {
            prefetch((w & PTR_MASK) as usize as *const u8);
        }
    }

    /// Where this table's slots are and how many index bits it has, in one word for
    /// [`prefetch_home`] (the address, and the bits in the top byte; 0 for no slots): a plain
    /// number that stays harmless after the table is freed.
    pub(crate) fn hint(&self) -> u64 {
        let addr = self.slots as usize as u64;
        if addr == 0 || addr >> 56 != 0 {
            return 0;
        }
        addr | u64::from(64 - self.shift) << 56
    }
}

/// Hints the CPU to start loading the home slot of `hash` in the table that `hint` (from
/// [`Table::hint`], possibly of a table freed since) describes. Reads no memory, so it needs no
/// pin: readers call it before pinning, so that the slot's cache miss overlaps the pin (whose
/// locked instruction makes later loads wait) and the previous lookup's misses.
#[inline]
pub(crate) fn prefetch_home(hint: u64, hash: u64) {
    let bits = (hint >> 56) as u32;
    if bits != 0 {
        let i = (spread(hash) >> (64 - bits)) as usize;
        let slots = (hint & ((1 << 56) - 1)) as usize as *const u8;
        prefetch(slots.wrapping_add(i * size_of::<Slot>()));
    }
}

/// Hints the CPU to load the cache line holding `p`. Any address is allowed.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(all(target_arch = "x86_64", not(loom)))]
    // SAFETY: a prefetch reads nothing the program can observe and never faults, whatever the
    // address (SSE, part of the x86-64 baseline).
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(all(target_arch = "x86_64", not(loom))))]
    let _ = p;
}

impl<P> Table<P> {
    /// The first `f(pointer)` that is `Some`, over the slots whose tag is `hash`'s, in probe
    /// order (ending at the first empty slot): every slot holding `hash`, and once in 65536
    /// another one. The pointers are handed over with the owner's tag bit cleared. Lock-free;
    /// sees every slot stored before it started, and may see later ones.
    #[inline]
    pub(crate) fn find_map<R>(
        &self,
        hash: u64,
        mut f: impl FnMut(*mut P) -> Option<R>,
    ) -> Option<R> {
        if self.slots.is_null() {
            return None;
        }
        let tag = tag(hash);
        let mut i = self.home(hash);
        loop {
            let w = self.slot(i).load(Ordering::Acquire);
            if w == 0 {
                return None;
            }
            if w & !PTR_MASK == tag {
                if let Some(r) = f((w & PTR_MASK & !(TAG as u64)) as usize as *mut P) {
                    return Some(r);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Stores `p` (non-null, possibly tagged) under `hash` in the first empty slot of its probe.
    /// Only the shard's lock holder calls this, and it keeps the table under 3/4 full, so an
    /// empty slot exists.
    ///
    /// # Panics
    /// If `p`'s address does not fit 48 bits (no 64-bit platform's user space reaches past them
    /// unless a program maps memory there on purpose).
    pub(crate) fn put(&self, hash: u64, p: *mut P) {
        let addr = p as usize as u64;
        assert!(
            addr >> PTR_BITS == 0,
            "gomap::sync: a node's address does not fit 48 bits"
        );
        debug_assert!(addr != 0 && self.cap() > 0);
        let mut i = self.home(hash);
        loop {
            let s = self.slot(i);
            // Only the lock holder writes slots: its own earlier stores are what it reads.
            if s.load(Ordering::Relaxed) == 0 {
                s.store(tag(hash) | addr, Ordering::Release);
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}
