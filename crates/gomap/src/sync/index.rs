//! The shard's hash index: a flat open-addressing table of `(hash, node pointer)` slots, 16
//! bytes each, linear probing, grown incrementally. Built under the shard's lock while it is the
//! dirty map's index, then published as-is in a read map, after which it is never written again
//! (invariant 3 of [`shard`](super::shard)): readers probe it without any synchronisation.
//!
//! A read hit probes one slot line (the slot at the key's home position, or the next ones: at
//! most 5/8 of the slots are used) and then the node.
//!
//! Large tables are fresh anonymous mappings, not heap blocks: the allocator may hand out a
//! recycled heap block that `calloc` must clear (an O(n) memset in one call), while a mapping's
//! zero pages are faulted in one 4 KiB page at a time by the writes that touch them. They are
//! deliberately *not* advised for transparent huge pages: on the measuring machine a huge-page
//! fault took ~9 ms (direct compaction), which broke the 1 ms bound on a single insert.

use core::ptr::NonNull;

/// The largest fraction of used slots, as `num / den`: growth starts past it.
const LOAD_NUM: usize = 5;
const LOAD_DEN: usize = 8;

/// Old slots moved into the new table per insert while a growth is in progress. A growth starts
/// at `cap * 5/8` entries and the next at `2 cap * 5/8`: `cap / MIGRATE` inserts finish it long
/// before (`cap / 8 < cap * 5/8`).
const MIGRATE: usize = 8;

/// The smallest non-empty table.
const MIN_CAP: usize = 16;

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

/// One slot: a full 64-bit hash and a pointer, null when the slot is empty.
#[repr(C)]
struct Slot<P> {
    hash: u64,
    ptr: *const P,
}

/// A flat table of slots with a power-of-two capacity (0: no memory at all).
pub(crate) struct Flat<P> {
    mem: Option<ZeroMem>,
    slots: *mut Slot<P>,
    mask: usize,
    shift: u32,
    len: usize,
}

/// The probe start: the high bits of a multiplicative spread of the hash (its low and high bits
/// both reach them, so weak user hashes spread too).
#[inline]
fn spread(hash: u64) -> u64 {
    super::shard::fold(hash, 0x9e37_79b9_7f4a_7c15)
}

impl<P> Flat<P> {
    pub(crate) const fn empty() -> Self {
        Flat {
            mem: None,
            slots: core::ptr::null_mut(),
            mask: 0,
            shift: 64,
            len: 0,
        }
    }

    fn with_cap(cap: usize) -> Self {
        debug_assert!(cap.is_power_of_two() && cap >= MIN_CAP);
        let mem = ZeroMem::new(cap * size_of::<Slot<P>>(), 64);
        // A zeroed slot is an empty one (hash 0, null pointer); the memory is 64-aligned.
        #[allow(clippy::cast_ptr_alignment)]
        let slots = mem.ptr().as_ptr().cast::<Slot<P>>();
        Flat {
            mem: Some(mem),
            slots,
            mask: cap - 1,
            shift: 64 - cap.trailing_zeros(),
            len: 0,
        }
    }

    fn cap(&self) -> usize {
        if self.mem.is_some() {
            self.mask + 1
        } else {
            0
        }
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        (spread(hash) >> self.shift) as usize
    }

    #[inline]
    fn slot(&self, i: usize) -> &Slot<P> {
        debug_assert!(i <= self.mask && self.mem.is_some());
        // SAFETY: `i <= mask < cap` and the table has `cap` initialised (zeroed or written)
        // slots.
        unsafe { &*self.slots.add(i) }
    }

    /// Every pointer stored with `hash`, in probe order. A table with a free slot always ends
    /// the probe (at most 5/8 are used).
    #[inline]
    pub(crate) fn matches(&self, hash: u64) -> impl Iterator<Item = *const P> + '_ {
        let mut i = if self.len == 0 {
            None
        } else {
            Some(self.home(hash))
        };
        core::iter::from_fn(move || loop {
            let at = i?;
            let s = self.slot(at);
            if s.ptr.is_null() {
                i = None;
                return None;
            }
            i = Some((at + 1) & self.mask);
            if s.hash == hash {
                return Some(s.ptr);
            }
        })
    }

    /// The first `f(pointer)` that is `Some`, over the pointers stored with `hash` in probe
    /// order: [`Flat::matches`] as one tight loop, for the read path.
    #[inline]
    pub(crate) fn find_map<R>(
        &self,
        hash: u64,
        mut f: impl FnMut(*const P) -> Option<R>,
    ) -> Option<R> {
        if self.len == 0 {
            return None;
        }
        let mut i = self.home(hash);
        loop {
            let s = self.slot(i);
            if s.ptr.is_null() {
                return None;
            }
            if s.hash == hash {
                if let Some(r) = f(s.ptr) {
                    return Some(r);
                }
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Stores `(hash, p)` in the first free slot of its probe. The caller keeps the load under
    /// 5/8.
    fn put(&mut self, hash: u64, p: *const P) {
        debug_assert!(!p.is_null() && self.len + 1 < self.cap());
        let mut i = self.home(hash);
        loop {
            // SAFETY: `i <= mask`, in bounds; we hold the table exclusively (`&mut self`).
            let s = unsafe { &mut *self.slots.add(i) };
            if s.ptr.is_null() {
                *s = Slot { hash, ptr: p };
                self.len += 1;
                return;
            }
            i = (i + 1) & self.mask;
        }
    }
}

/// A growable index: the current table and, during a growth, the old one with the position up
/// to which its slots were copied over. Published only when no growth is in progress.
pub(crate) struct Grow<P> {
    cur: Flat<P>,
    old: Flat<P>,
    /// Old slots below this position are copied into `cur`; `None` when not growing.
    migrated: Option<usize>,
}

impl<P> Grow<P> {
    pub(crate) const fn new() -> Self {
        Grow {
            cur: Flat::empty(),
            old: Flat::empty(),
            migrated: None,
        }
    }

    /// An index with room for `n` entries before its first growth. O(1) (a zeroed mapping).
    pub(crate) fn with_capacity(n: usize) -> Self {
        let mut g = Self::new();
        if n > 0 {
            let cap = (n * LOAD_DEN / LOAD_NUM + 1)
                .next_power_of_two()
                .max(MIN_CAP);
            g.cur = Flat::with_cap(cap);
        }
        g
    }

    /// Whether a growth is still copying slots (the index must not be published then).
    pub(crate) fn growing(&self) -> bool {
        self.migrated.is_some()
    }

    /// The published table (readers probe only this one: see [`Grow::growing`]).
    #[inline]
    pub(crate) fn table(&self) -> &Flat<P> {
        debug_assert!(!self.growing());
        &self.cur
    }

    /// Copies up to `step` old slots into the current table. O(step).
    pub(crate) fn migrate(&mut self, step: usize) {
        let Some(mut at) = self.migrated else { return };
        let end = (at + step).min(self.old.cap());
        while at < end {
            let s = self.old.slot(at);
            let (hash, ptr) = (s.hash, s.ptr);
            if !ptr.is_null() {
                self.cur.put(hash, ptr);
            }
            at += 1;
        }
        if at == self.old.cap() {
            self.migrated = None;
            self.old = Flat::empty();
        } else {
            self.migrated = Some(at);
        }
    }

    /// Adds `(hash, p)` (the caller made sure no equal key is present). O(1): at most
    /// [`MIGRATE`] slots copied, or a zeroed allocation when a growth starts.
    pub(crate) fn add(&mut self, hash: u64, p: *const P) {
        self.migrate(MIGRATE);
        if (self.cur.len + 1) * LOAD_DEN > self.cur.cap() * LOAD_NUM {
            // Finished long ago by the arithmetic at `MIGRATE`; kept for robustness.
            while self.growing() {
                self.migrate(MIGRATE);
            }
            let cap = (self.cur.cap() * 2).max(MIN_CAP);
            self.old = core::mem::replace(&mut self.cur, Flat::with_cap(cap));
            self.migrated = Some(0);
            self.migrate(MIGRATE);
        }
        self.cur.put(hash, p);
    }

    /// Every pointer stored with `hash`: the current table's, then the old table's not yet
    /// copied. O(1) expected.
    pub(crate) fn matches(&self, hash: u64) -> impl Iterator<Item = *const P> + '_ {
        let from = self.migrated;
        let old = from.into_iter().flat_map(move |from| {
            let t = &self.old;
            let mut i = if t.len == 0 { None } else { Some(t.home(hash)) };
            core::iter::from_fn(move || loop {
                let at = i?;
                let s = t.slot(at);
                if s.ptr.is_null() {
                    i = None;
                    return None;
                }
                i = Some((at + 1) & t.mask);
                if s.hash == hash && at >= from {
                    return Some(s.ptr);
                }
            })
        });
        self.cur.matches(hash).chain(old)
    }
}
