//! Node memory of one shard: nodes are carved out of chunks ([`ZeroMem`]) instead of one heap
//! allocation each, so that an insert allocates nothing in the common case and nodes sit densely
//! (no allocator header between them: fewer pages, fewer TLB misses for a read hit).
//!
//! - The chunks belong to an [`Arena`] shared (`Arc`) by the shard and by every deferred free
//!   that is still waiting in the epoch collector, so the memory outlives both.
//! - A node is allocated under the shard's lock only ([`Bump::alloc`]): from the shard's private
//!   free list, else from the arena's shared free list (taken whole, with one swap), else bumped
//!   from the current chunk, else from a new chunk (twice the last, up to 2 MiB).
//! - A freed node (contents dropped by the collector, see `shard::defer_free_node`) is pushed on
//!   the shared free list: a Treiber stack with pushes from any thread and a single consumer (the
//!   lock holder) that only ever takes the whole stack, so there is no ABA.
//! - Chunks are returned to the OS when the map and every pending deferred free are gone; a map
//!   that shrinks keeps its node memory for its next inserts.
//! - The slot memory of a replaced table is *buried* here by the collector rather than freed
//!   where the collector runs: the shard's next additions free one each, after they let go of
//!   its lock ([`Arena::release_one`]). Shards fill alike, so their migrations end close
//!   together, and the collector runs a thread's deferred frees 64 at a time: freeing 64
//!   tables of 128-256 KiB there (each a `munmap`) made single inserts of `gomap bench
//!   --concurrent`'s grow take 1.1-1.5 ms, at about 3.1M keys. A shard that stops adding keeps
//!   the memory of the tables it replaced last (usually one: each addition frees one) until
//!   its next additions, or until the map is dropped.

use core::ptr;

use super::index::ZeroMem;
use super::prims::{AtomicPtr, AtomicUsize, Mutex};
use std::sync::atomic::Ordering;
use std::sync::PoisonError;

/// The first chunk's node count; each next chunk doubles it, up to [`MAX_CHUNK_BYTES`].
const FIRST_CHUNK: u32 = 32;
const MAX_CHUNK_BYTES: usize = 2 << 20;

/// A free node slot: its first word links to the next free one.
struct Free {
    next: *mut Free,
}

/// The shared part: the chunks and the free list that the collector pushes on.
pub(crate) struct Arena {
    free: AtomicPtr<Free>,
    /// How many tables' memory is buried (read by every addition: a plain load when none).
    buried: AtomicUsize,
    graves: Mutex<Vec<ZeroMem>>,
    chunks: Mutex<Vec<ZeroMem>>,
}

impl Arena {
    pub(crate) fn new() -> Self {
        Arena {
            free: AtomicPtr::new(ptr::null_mut()),
            buried: AtomicUsize::new(0),
            graves: Mutex::new(Vec::new()),
            chunks: Mutex::new(Vec::new()),
        }
    }

    /// Keeps a replaced table's slot memory, no longer read by anyone, for
    /// [`release_one`](Self::release_one) to free. O(1) amortized.
    pub(crate) fn bury(&self, mem: ZeroMem) {
        self.graves
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mem);
        self.buried.fetch_add(1, Ordering::Release);
    }

    /// How many tables' memory waits here (for tests).
    #[cfg(test)]
    pub(crate) fn buried(&self) -> usize {
        self.buried.load(Ordering::Relaxed)
    }

    /// Frees one buried table's memory, if any: called after an addition, outside the shard's
    /// lock. O(1) (one `free`, or `munmap` of at most a table), one load when none is buried.
    pub(crate) fn release_one(&self) {
        if self.buried.load(Ordering::Relaxed) == 0 {
            return;
        }
        let mem = self
            .graves
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if mem.is_some() {
            self.buried.fetch_sub(1, Ordering::Relaxed);
        }
        drop(mem); // after the lock: the free is the slow part
    }

    /// Returns a node slot whose contents were dropped.
    ///
    /// # Safety
    /// `p` is a slot of this arena (allocated by a [`Bump`] over it), unreachable by every
    /// thread, its contents already dropped, and not pushed twice.
    pub(crate) unsafe fn push_free(&self, p: *mut u8) {
        // The slot is aligned for a node, which holds a `u64`: enough for a pointer.
        #[allow(clippy::cast_ptr_alignment)]
        let f = p.cast::<Free>();
        let mut head = self.free.load(Ordering::Relaxed);
        loop {
            // SAFETY: the slot is ours (the caller's promise), at least a word large and
            // aligned for a pointer (node slots are: a node holds a `u64` hash).
            unsafe { ptr::write(f, Free { next: head }) };
            match self
                .free
                .compare_exchange_weak(head, f, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(h) => head = h,
            }
        }
    }
}

/// The lock holder's side: the private free list and the bump position in the current chunk.
pub(crate) struct Bump {
    free: *mut Free,
    next: *mut u8,
    /// `u32`s: the bump shares one cache line with the shard's mutex (see `shard::Hot`).
    left: u32,
    chunk_nodes: u32,
}

impl Bump {
    pub(crate) const fn new() -> Self {
        Bump {
            free: ptr::null_mut(),
            next: ptr::null_mut(),
            left: 0,
            chunk_nodes: FIRST_CHUNK,
        }
    }

    /// Uninitialised memory for one node of `size` bytes aligned to `align` (the same for every
    /// call on this arena). O(1): a pop, a bump, or a new chunk (a zeroed mapping).
    pub(crate) fn alloc(&mut self, arena: &Arena, size: usize, align: usize) -> *mut u8 {
        // A load first: the swap is a locked instruction, and the shared list is empty in a
        // growing map (every insert would pay it for nothing).
        if self.free.is_null() && !arena.free.load(Ordering::Relaxed).is_null() {
            self.free = arena.free.swap(ptr::null_mut(), Ordering::Acquire);
        }
        if !self.free.is_null() {
            let f = self.free;
            // SAFETY: slots on the free lists are free node slots whose link was written by
            // `push_free` (made visible by the Acquire swap) or by us; we own the private list.
            self.free = unsafe { (*f).next };
            return f.cast();
        }
        let stride = size.next_multiple_of(align);
        if self.left == 0 {
            let nodes = self.chunk_nodes as usize;
            let mem = ZeroMem::new(nodes * stride, align.max(64));
            self.next = mem.ptr().as_ptr();
            // At most 2 MiB / stride nodes: a `u32`.
            self.left = nodes as u32;
            if nodes * stride * 2 <= MAX_CHUNK_BYTES {
                self.chunk_nodes *= 2;
            }
            arena
                .chunks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(mem);
        }
        let p = self.next;
        self.left -= 1;
        // SAFETY: `left` more slots of `stride` bytes follow `p` inside the current chunk (or
        // `p` is the last one and the pointer goes one past the chunk's end, never read).
        self.next = unsafe { p.add(stride) };
        p
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_buried_table_is_freed_by_the_next_release_and_release_without_one_does_nothing() {
        let arena = Arena::new();
        arena.release_one();
        arena.bury(ZeroMem::new(4096, 64));
        arena.bury(ZeroMem::new(1 << 20, 64));
        assert_eq!(arena.buried.load(Ordering::Relaxed), 2);
        arena.release_one();
        assert_eq!(arena.buried.load(Ordering::Relaxed), 1);
        arena.release_one();
        arena.release_one();
        assert_eq!(arena.buried.load(Ordering::Relaxed), 0);
        assert!(arena.graves.lock().unwrap().is_empty());
    }
}
