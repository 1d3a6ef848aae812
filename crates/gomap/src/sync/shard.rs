//! One shard of a [`SyncMap`](super::SyncMap): Go's read map / dirty map pair, with the dirty map
//! rebuilt incrementally and absent keys answered from a per-read-map filter.
//!
//! All the unsafe code of the sync module lives here. The invariants, which every `SAFETY`
//! comment below leans on:
//!
//! 1. **Nodes.** A [`Node`] is a slot of the shard's [`Arena`] holding a key, its hash, and an
//!    atomic pointer to the value: null (removed), [`expunged`] (removed and left out of the
//!    dirty map), the node's own inline value, or a `Box<V>` owned by the node. A node is
//!    dropped (and its slot returned to the arena) only through the epoch collector
//!    (`defer_free_node`) after it is unreachable from the shard's published read map and from
//!    the dirty map, or directly by the shard's `Drop`, which owns it exclusively. The arena's
//!    memory outlives every node: it is shared (`Arc`) by the shard and every pending free.
//! 2. **Ownership of node pointers.** Every live node is owned by exactly one of: the dirty map's
//!    node list (`dirty.index.nodes`), the unvisited tail of the read map's node list (from the
//!    rebuild cursor on), the expunged list (nodes of the read map expunged by the rebuild, still
//!    reachable through it), or the retire stack (unreachable, waiting to be handed to the epoch
//!    collector).
//! 3. **The read map** is immutable once published through `Shard::read`; it is replaced only
//!    under the dirty mutex, and the old one is handed to the epoch collector (its drop frees the
//!    index and lists, never nodes).
//! 4. **Authority.** For each key, the node in the read map is authoritative unless its value is
//!    `expunged`; then the dirty map's node (if any) is. At most one non-expunged node per key
//!    exists in a shard.
//! 5. **No user code under the mutex.** Inside the lock we only touch `u64` hashes, node
//!    pointers and atomics; `Hash`, `Eq`, `Clone`, `Drop` and closures run outside it. Nothing is
//!    dropped under the lock except our own index structures (plain integers and pointers).

use core::ptr::{self, NonNull};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::prims::{take_ptr, AtomicIsize, AtomicPtr, AtomicU64, Mutex, MutexGuard};

use crossbeam_epoch::Guard;
use equivalent::Equivalent;

use super::arena::{Arena, Bump};
use super::index::Grow;
use std::sync::Arc;

/// How many read-map nodes one locked operation copies into the dirty map (and how many retired
/// nodes it hands to the collector). Promotion waits for the copy to finish, and needs at least
/// `len` misses, so 4 per locked operation is always enough to finish in time.
const STEP: usize = 4;

/// How many nodes `settle` (before `iter`, `retain`, `snapshot`) copies per lock acquisition.
const SETTLE_STEP: usize = 1024;

/// Entries per chunk of a [`SegList`].
const CHUNK: usize = 1024;

/// The value pointer of a removed node that the rebuild left out of the dirty map.
static EXPUNGED_MARK: u8 = 0;

/// The `expunged` sentinel, as a `*mut V`. It is never dereferenced, only compared; no `Box<V>`
/// (not even of a zero-sized `V`, whose pointers are small aligned integers) has the address of
/// a static.
#[inline]
pub(crate) fn expunged<V>() -> *mut V {
    (&raw const EXPUNGED_MARK).cast_mut().cast()
}

/// A folded 64x64->128-bit multiply: spreads a user hash for the shard's own indexes.
#[inline]
pub(crate) fn fold(h: u64, c: u64) -> u64 {
    let m = (h as u128) * (c as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

/// A key, its hash and its value slot.
///
/// A value type without drop glue starts out *inline*, in the node's own `inline` field, so that
/// the first value costs no allocation and a read hit touches one line fewer; later values are
/// boxes. An inline value needs no drop, so replacing it frees nothing: its bytes live as long as
/// the node. (Types with drop glue always use boxes: their old values must be dropped when
/// replaced.)
pub(crate) struct Node<K, V> {
    pub(crate) hash: u64,
    pub(crate) key: K,
    value: AtomicPtr<V>,
    inline: core::mem::MaybeUninit<V>,
}

/// Whether a node keeps its first value inline.
const fn inline_values<V>() -> bool {
    !core::mem::needs_drop::<V>()
}

impl<K, V> Drop for Node<K, V> {
    fn drop(&mut self) {
        let v = take_ptr(&mut self.value);
        if !v.is_null() && v != expunged() && v != self.inline_ptr() {
            // SAFETY: a non-null, non-expunged, non-inline value pointer is a `Box<V>` owned by
            // the node (invariant 1); the node is being dropped, so nobody else can reach it.
            drop(unsafe { Box::from_raw(v) });
        }
    }
}

/// What a node's value slot holds, as seen by one load.
pub(crate) enum Slot<'g, V> {
    /// Removed (null).
    Removed,
    /// Removed and left out of the dirty map: the key's authority moved to the dirty map.
    Expunged,
    /// A value, and its pointer (for a later compare-and-swap).
    Present(&'g V, *mut V),
}

impl<K, V> Node<K, V> {
    /// The address of the inline value slot (used only when [`inline_values`] holds).
    #[inline]
    fn inline_ptr(&self) -> *mut V {
        self.inline.as_ptr().cast_mut()
    }

    /// Hands `old`, a value pointer this thread swapped out of this node, to the collector (an
    /// inline value needs nothing: no drop glue, and its bytes live as long as the node).
    ///
    /// # Safety
    /// `old` was the node's value (not null, not expunged) and the caller's swap removed it, so
    /// no one else retires it. `V: Send + 'static`.
    pub(crate) unsafe fn retire(&self, guard: &Guard, old: *mut V) {
        if old != self.inline_ptr() {
            // SAFETY: a boxed value, swapped out by the caller alone (its promise).
            unsafe { defer_free(guard, old) };
        }
    }

    /// The current state of the value slot. The reference lives as long as the guard: a value is
    /// freed only through the collector, after it was unlinked.
    #[inline]
    pub(crate) fn load<'g>(&'g self, _guard: &'g Guard) -> Slot<'g, V> {
        let p = self.value.load(Ordering::Acquire);
        if p.is_null() {
            Slot::Removed
        } else if p == expunged() {
            Slot::Expunged
        } else {
            // SAFETY: a present pointer is a live `Box<V>` (invariant 1); it is handed to the
            // collector only after it is swapped out of the slot, and the collector frees it only
            // once every guard pinned before that (ours included) is gone.
            Slot::Present(unsafe { &*p }, p)
        }
    }

    /// Replaces `current` (null or a value pointer) with `new` (null or an owned box), if the
    /// slot still holds `current`. Returns the pointer actually found on failure.
    #[inline]
    pub(crate) fn cas(&self, current: *mut V, new: *mut V) -> Result<(), *mut V> {
        self.value
            .compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| ())
    }
}

/// A node pointer. Copy; equality is identity.
pub(crate) struct NodePtr<K, V>(NonNull<Node<K, V>>);

impl<K, V> Clone for NodePtr<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K, V> Copy for NodePtr<K, V> {}
impl<K, V> PartialEq for NodePtr<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K, V> NodePtr<K, V> {
    /// The node, for as long as the guard is held.
    #[inline]
    fn get(self, _guard: &Guard) -> &Node<K, V> {
        // SAFETY: node pointers held by an index or list are live (invariant 1): a node is freed
        // only by the collector after it was unlinked from every index, or by exclusive owners.
        // Readers reach it only through a published index while pinned, so it outlives `_guard`.
        unsafe { self.0.as_ref() }
    }
}

/// A list that grows by fixed chunks: push is O(1) in the worst case (no reallocation of the
/// entries, only of the small chunk table), unlike `Vec`'s doubling copy.
pub(crate) struct SegList<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> SegList<T> {
    const fn new() -> Self {
        SegList {
            chunks: Vec::new(),
            len: 0,
        }
    }

    fn push(&mut self, t: T) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < c.capacity() => c.push(t),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(t);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    fn pop(&mut self) -> Option<T> {
        loop {
            let c = self.chunks.last_mut()?;
            if let Some(t) = c.pop() {
                self.len -= 1;
                return Some(t);
            }
            self.chunks.pop();
        }
    }

    /// Moves `other`'s chunks to the end of `self`: O(chunks).
    fn append(&mut self, other: &mut SegList<T>) {
        self.len += other.len;
        other.len = 0;
        self.chunks.append(&mut other.chunks);
    }

    /// The entry at `cursor` (chunk, offset), if any, and the cursor past it.
    fn at(&self, cursor: (usize, usize)) -> Option<(T, (usize, usize))> {
        let (mut ci, mut oi) = cursor;
        loop {
            let c = self.chunks.get(ci)?;
            if let Some(&t) = c.get(oi) {
                return Some((t, (ci, oi + 1)));
            }
            ci += 1;
            oi = 0;
        }
    }

    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.chunks.iter().flatten().copied()
    }

    fn iter_from(&self, cursor: (usize, usize)) -> impl Iterator<Item = T> + '_ {
        let (ci, oi) = cursor;
        self.chunks
            .iter()
            .skip(ci)
            .enumerate()
            .flat_map(move |(i, c)| c[if i == 0 { oi.min(c.len()) } else { 0 }..].iter())
            .copied()
    }
}

/// The nodes sharing one 64-bit hash, as found under the lock: compared with the key outside it.
/// Almost always none or one (more only on a full 64-bit hash collision).
pub(crate) struct Cands<K, V> {
    first: Option<NodePtr<K, V>>,
    /// Any further ones (allocates only on a full-hash collision).
    more: Vec<NodePtr<K, V>>,
}

impl<K, V> PartialEq for Cands<K, V> {
    /// The same set (the order may differ: a growth of the index may have moved them).
    fn eq(&self, other: &Self) -> bool {
        self.more.len() == other.more.len()
            && self.first.is_some() == other.first.is_some()
            && self.iter().all(|p| other.iter().any(|q| q == p))
    }
}

impl<K, V> Cands<K, V> {
    const fn none() -> Self {
        Cands {
            first: None,
            more: Vec::new(),
        }
    }
    fn iter(&self) -> impl Iterator<Item = NodePtr<K, V>> + '_ {
        self.first.into_iter().chain(self.more.iter().copied())
    }
}

/// A hash -> nodes index (a flat table of `(hash, node)` slots: [`Grow`]), and the list of
/// its nodes in insertion order.
struct Index<K, V> {
    table: Grow<Node<K, V>>,
    nodes: SegList<NodePtr<K, V>>,
}

impl<K, V> Index<K, V> {
    const fn new() -> Self {
        Index {
            table: Grow::new(),
            nodes: SegList::new(),
        }
    }

    fn add(&mut self, p: NodePtr<K, V>, hash: u64) {
        self.table.add(hash, p.0.as_ptr());
        self.nodes.push(p);
    }

    /// An empty index whose table already has room for `n` entries (no growth until then).
    fn with_capacity(n: usize) -> Self {
        Index {
            table: Grow::with_capacity(n),
            nodes: SegList::new(),
        }
    }

    fn candidates(&self, hash: u64) -> Cands<K, V> {
        let mut all = self.table.matches(hash).map(|p| {
            NodePtr(NonNull::new(p.cast_mut()).expect("stored node pointers are not null"))
        });
        Cands {
            first: all.next(),
            more: all.collect(),
        }
    }

    fn len(&self) -> usize {
        self.nodes.len
    }
}

/// A published read map: immutable, read without a lock.
pub(crate) struct ReadMap<K, V> {
    index: Index<K, V>,
    /// One bit per slot: set when a key that this read map cannot answer for (new, or replacing
    /// an expunged node) enters the dirty map while this read map is published.
    filter: Box<[AtomicU64]>,
    filter_mask: u64,
}

impl<K, V> ReadMap<K, V> {
    fn new(index: Index<K, V>) -> Self {
        // Up to about len new keys arrive before the next promotion: 4 bits per key keeps the
        // false-positive rate of an absent lookup under 25%. The words come from a zeroed
        // allocation: the OS hands large ones out as untouched zero pages.
        let bits = (index.len() * 4).next_power_of_two().max(512);
        let words = bits / 64;
        let filter: Box<[AtomicU64]> = (0..words).map(|_| AtomicU64::new(0)).collect();
        ReadMap {
            index,
            filter,
            filter_mask: (bits - 1) as u64,
        }
    }

    #[inline]
    fn filter_bit(&self, hash: u64) -> (usize, u64) {
        let b = fold(hash, 0xc2b2_ae3d_27d4_eb4f) & self.filter_mask;
        ((b >> 6) as usize, 1u64 << (b & 63))
    }

    /// Whether a key with `hash` may have entered the dirty map since this map was published.
    #[inline]
    fn may_be_dirty(&self, hash: u64) -> bool {
        let (w, bit) = self.filter_bit(hash);
        // Relaxed is enough: the bit is set before the insert that it announces becomes
        // visible, so an insert that happens-before this load is seen (write-read coherence).
        self.filter[w].load(Ordering::Relaxed) & bit != 0
    }

    /// Sets the bit of `hash`. Called under the shard's lock only (every writer of the filter
    /// holds it), so a load and a store suffice: no read-modify-write.
    fn mark_dirty(&self, hash: u64) {
        let (w, bit) = self.filter_bit(hash);
        let word = self.filter[w].load(Ordering::Relaxed);
        if word & bit == 0 {
            self.filter[w].store(word | bit, Ordering::Relaxed);
        }
    }

    /// The node for `key` (any state), comparing keys with the caller's `Eq`: no lock held.
    #[inline]
    fn find<'g, Q>(&'g self, hash: u64, key: &Q, _guard: &'g Guard) -> Option<&'g Node<K, V>>
    where
        Q: ?Sized + Equivalent<K>,
    {
        self.index.table.table().find_map(hash, |p| {
            // SAFETY: a published index holds live nodes (invariant 1): a node is freed only by
            // the collector after it was unlinked from every index, and we are pinned.
            let n = unsafe { &*p };
            key.equivalent(&n.key).then_some(n)
        })
    }

    /// Whether a node of this hash is in the map (of any key).
    #[inline]
    fn has_hash(&self, hash: u64) -> bool {
        self.index.table.table().matches(hash).next().is_some()
    }
}

/// The state behind the shard's mutex.
struct Dirty<K, V> {
    index: Index<K, V>,
    /// Rebuild cursor into the read map's node list; `None` once every node was visited.
    cursor: Option<(usize, usize)>,
    /// Nodes added since the last promotion that the read map does not hold.
    fresh: usize,
    /// Locked operations (weighted) since the last promotion.
    misses: usize,
    /// Read-map nodes expunged by this rebuild (still reachable through the read map).
    expunged: SegList<NodePtr<K, V>>,
    /// Unreachable nodes, handed to the collector a few per locked operation.
    retire: SegList<NodePtr<K, V>>,
    /// Where the next node is allocated.
    bump: Bump,
}

/// What [`Shard::locate`] found.
pub(crate) enum Located<'g, K, V> {
    /// The authoritative node of the key when it was looked at (its value may be removed; it may
    /// become expunged later, in which case the caller locates again).
    Node(&'g Node<K, V>),
    /// The key was absent; `Proof` lets an insert check under the lock that it still is.
    Absent(Proof<K, V>),
}

/// The state in which a key was seen absent: the read map and the dirty candidates of its hash.
pub(crate) struct Proof<K, V> {
    read: *const ReadMap<K, V>,
    cands: Cands<K, V>,
}

/// A node not yet in a map: the key, hash and value of an insert. The node itself is built in
/// the shard's arena by [`Shard::insert_new`], under the lock (moving bytes only).
pub(crate) struct Pending<K, V> {
    hash: u64,
    key: K,
    value: PendingValue<V>,
}

/// A pending value: by value when the node will hold it inline ([`inline_values`]), else
/// already boxed (outside the lock).
enum PendingValue<V> {
    Inline(V),
    Boxed(OwnedBox<V>),
}

/// A `Box<V>` as a raw pointer (so that publishing it does not alias a live `Box`); freed on drop
/// unless [`OwnedBox::into_raw`] gave it away.
struct OwnedBox<V>(NonNull<V>);

impl<V> OwnedBox<V> {
    fn new(v: V) -> Self {
        OwnedBox(NonNull::from(Box::leak(Box::new(v))))
    }
    fn as_ptr(&self) -> *mut V {
        self.0.as_ptr()
    }
    fn into_raw(self) -> *mut V {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }
}

impl<V> Drop for OwnedBox<V> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` and was not given away (`into_raw` forgets
        // `self`), so we own the box.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

impl<K, V> Pending<K, V> {
    pub(crate) fn new(hash: u64, key: K, value: V) -> Self {
        let value = if inline_values::<V>() {
            PendingValue::Inline(value)
        } else {
            PendingValue::Boxed(OwnedBox::new(value))
        };
        Pending { hash, key, value }
    }

    pub(crate) fn node_hash(&self) -> u64 {
        self.hash
    }

    pub(crate) fn key(&self) -> &K {
        &self.key
    }

    /// The value as a box, for a compare-and-swap into an existing node (an inline value is
    /// moved into a box first, once); on success the caller calls [`Pending::value_moved`].
    pub(crate) fn boxed_value_ptr(&mut self) -> *mut V {
        if let PendingValue::Inline(v) = &mut self.value {
            // SAFETY: the value is read out and its place overwritten right away without being
            // dropped; `OwnedBox::new` cannot unwind in between (allocation failure aborts).
            unsafe {
                let v = ptr::read(v);
                ptr::write(&mut self.value, PendingValue::Boxed(OwnedBox::new(v)));
            }
        }
        match &self.value {
            PendingValue::Boxed(b) => b.as_ptr(),
            PendingValue::Inline(_) => unreachable!("boxed just above"),
        }
    }

    /// The boxed value now belongs to a node: forget it, and drop the key (outside any lock).
    pub(crate) fn value_moved(self) {
        if let PendingValue::Boxed(b) = self.value {
            b.into_raw();
        }
    }
}

/// What [`Shard::insert_new`] built: the node, and the value pointer it was given.
pub(crate) type Inserted<'g, K, V> = (&'g Node<K, V>, *mut V);

/// One shard: the published read map, the dirty state and the live-entry count.
pub(crate) struct Shard<K, V> {
    /// Alone on its cache line: every read loads it, so the lock word and the counter that
    /// writers change must not share its line (they would evict it from the readers' caches).
    read: Line<AtomicPtr<ReadMap<K, V>>>,
    dirty: Mutex<Dirty<K, V>>,
    len: AtomicIsize,
    /// The node memory (shared with the deferred frees still pending).
    arena: Arc<Arena>,
}

/// A value alone on its own 128-byte block (two cache lines: the adjacent-line prefetcher pairs
/// them).
#[repr(align(128))]
struct Line<T>(T);

impl<T> core::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Drops a node's contents and returns its slot to the arena, through the collector, once no
/// guard pinned now is left. A panic in a key's or value's drop is caught there.
///
/// # Safety
/// `p` is a node of `arena`, unreachable for any thread that pins after this call, and freed
/// only here. `K` and `V` are `Send + 'static`.
unsafe fn defer_free_node<K, V>(guard: &Guard, arena: &Arc<Arena>, p: *mut Node<K, V>) {
    struct Owned<K, V>(*mut Node<K, V>, Arc<Arena>);
    let owned = Owned(p, Arc::clone(arena));
    let free = move || {
        let owned = owned;
        // SAFETY: the collector runs this once, after every guard that could still see the
        // node is gone; the node is initialised and dropped only here (the caller's promise).
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::drop_in_place(owned.0) }));
        // SAFETY: the slot belongs to this arena, its contents are dropped, and it is pushed
        // once.
        unsafe { owned.1.push_free(owned.0.cast()) };
    };
    // SAFETY: the closure owns nothing borrowed from the stack, and the caller promises that the
    // node is unlinked, freed only here, and safe to drop on any thread at any later time.
    unsafe { guard.defer_unchecked(free) };
}

/// Frees a box through the collector, once no guard pinned now is left. A panic in `T`'s drop
/// is caught there (the panic hook still reports it): it must not unwind through the collector.
///
/// # Safety
/// `p` comes from `Box::into_raw`, is unreachable for any thread that pins after this call, and
/// is not freed otherwise. `T: Send + 'static` (so it may be dropped on another thread, later).
unsafe fn defer_free<T>(guard: &Guard, p: *mut T) {
    struct Owned<T>(*mut T);
    let owned = Owned(p);
    let free = move || {
        let owned = owned;
        // SAFETY: the collector runs this once, after every guard that could still see `p` is
        // gone; `p` is a box freed only here (the caller's promise).
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(owned.0) })));
    };
    // SAFETY: the closure owns nothing borrowed from the stack, and the caller promises that `p`
    // is unlinked, freed only here, and safe to drop on any thread at any later time.
    unsafe { guard.defer_unchecked(free) };
}

impl<K, V> Shard<K, V> {
    pub(crate) fn new() -> Self {
        Shard {
            read: Line(AtomicPtr::new(Box::into_raw(Box::new(ReadMap::new(
                Index::new(),
            ))))),
            dirty: Mutex::new(Dirty {
                index: Index::new(),
                cursor: None,
                fresh: 0,
                misses: 0,
                expunged: SegList::new(),
                retire: SegList::new(),
                bump: Bump::new(),
            }),
            len: AtomicIsize::new(0),
            arena: Arc::new(Arena::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Dirty<K, V>> {
        // No user code runs under the lock, so it cannot be poisoned by one; take it anyway.
        self.dirty.lock().unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    fn read_map<'g>(&self, _guard: &'g Guard) -> &'g ReadMap<K, V> {
        // SAFETY: the read pointer is never null and always points to a published read map,
        // which is freed only through the collector after it was replaced (invariant 3).
        unsafe { &*self.read.load(Ordering::Acquire) }
    }

    /// Live entries (clamped: concurrent inserts and removes may pass each other).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed).max(0) as usize
    }

    pub(crate) fn added(&self) {
        self.len.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn removed(&self) {
        self.len.fetch_sub(1, Ordering::Relaxed);
    }

    /// The read path's fast case: the value of `key` when the read map has its node holding one.
    /// `None` means "ask [`Shard::locate`]" (absent, removed, expunged or only in the dirty
    /// map). Kept small and inlined so that consecutive lookups overlap their cache misses: the
    /// general `locate`, called for every read, cost about 80 instructions per hit and as much
    /// time as two cache misses in series (1M keys, a held guard: 78 ns against 22 for
    /// gomap's `HashMap::get`).
    #[inline]
    pub(crate) fn read_value<'g, Q>(&self, hash: u64, key: &Q, guard: &'g Guard) -> Option<&'g V>
    where
        K: 'g,
        V: 'g,
        Q: ?Sized + Equivalent<K>,
    {
        match self.read_map(guard).find(hash, key, guard)?.load(guard) {
            Slot::Present(v, _) => Some(v),
            Slot::Removed | Slot::Expunged => None,
        }
    }

    /// Finds the authoritative node of `key`. With `readonly`, an absent key is reported without
    /// a lock when the read map's filter rules out the dirty map (and `Absent`'s proof is then
    /// empty: not for inserting). Without it, a key whose hash the read map lacks is reported
    /// absent without a lock, for [`Shard::insert_new`] to confirm, unless `confirmed_by_lock`
    /// (a retry after `insert_new` found the dirty map holding that hash).
    pub(crate) fn locate<'g, Q>(
        &self,
        hash: u64,
        key: &Q,
        readonly: bool,
        confirmed_by_lock: bool,
        guard: &'g Guard,
    ) -> Located<'g, K, V>
    where
        Q: ?Sized + Equivalent<K>,
    {
        loop {
            let read = self.read_map(guard);
            match read.find(hash, key, guard) {
                Some(n) if !matches!(n.load(guard), Slot::Expunged) => return Located::Node(n),
                Some(_) => {}
                None if !readonly && !confirmed_by_lock && !read.has_hash(hash) => {
                    // No node of this hash in the read map: if the dirty map has none either
                    // (checked by the insert, under the lock), the key is absent.
                    return Located::Absent(Proof {
                        read,
                        cands: Cands::none(),
                    });
                }
                None => {}
            }
            if readonly && !read.may_be_dirty(hash) {
                return Located::Absent(Proof {
                    read,
                    cands: Cands::none(),
                });
            }
            let (now, cands) = {
                let mut d = self.lock();
                d.misses += 1;
                self.work(&mut d, STEP, guard);
                (self.read.load(Ordering::Relaxed), d.index.candidates(hash))
            };
            if !ptr::eq(now, read) {
                continue; // promoted meanwhile: look in the new read map
            }
            if let Some(n) = cands
                .iter()
                .map(|p| p.get(guard))
                .find(|n| key.equivalent(&n.key))
            {
                return Located::Node(n);
            }
            return Located::Absent(Proof { read: now, cands });
        }
    }

    /// Inserts the pending key and value if the key is still absent as `proof` saw it (else hands
    /// them back): builds the node in the arena, under the lock (moving bytes, no user code).
    /// Returns the node and the value pointer it was given.
    pub(crate) fn insert_new<'g>(
        &self,
        pending: Pending<K, V>,
        proof: &Proof<K, V>,
        guard: &'g Guard,
    ) -> Result<Inserted<'g, K, V>, Pending<K, V>> {
        let hash = pending.hash;
        let mut d = self.lock();
        let now = self.read.load(Ordering::Relaxed);
        if !ptr::eq(now, proof.read) || d.index.candidates(hash) != proof.cands {
            return Err(pending);
        }
        let slot = d
            .bump
            .alloc(
                &self.arena,
                size_of::<Node<K, V>>(),
                core::mem::align_of::<Node<K, V>>(),
            )
            .cast::<Node<K, V>>();
        let Pending { hash, key, value } = pending;
        // SAFETY: `slot` is fresh arena memory for one node (size and alignment as asked), ours
        // alone; the inline field's address is stable there, so the value pointer may name it.
        let value_ptr = unsafe {
            let (value, inline, ptr) = match value {
                PendingValue::Inline(v) => {
                    let p = ptr::addr_of_mut!((*slot).inline).cast::<V>();
                    (AtomicPtr::new(p), core::mem::MaybeUninit::new(v), p)
                }
                PendingValue::Boxed(b) => {
                    let p = b.into_raw();
                    (AtomicPtr::new(p), core::mem::MaybeUninit::uninit(), p)
                }
            };
            ptr::write(
                slot,
                Node {
                    hash,
                    key,
                    value,
                    inline,
                },
            );
            ptr
        };
        let p = NodePtr(NonNull::new(slot).expect("arena memory is not null"));
        // SAFETY: `now` is the published read map, stable while we hold the lock.
        let read = unsafe { &*now };
        // Announce the key before it can be found, so that a lock-free absent lookup that
        // happens after this insert sees the bit.
        read.mark_dirty(hash);
        d.index.add(p, hash);
        d.fresh += 1;
        d.misses += 2;
        self.len.fetch_add(1, Ordering::Relaxed);
        self.work(&mut d, STEP, guard);
        drop(d);
        Ok((p.get(guard), value_ptr))
    }

    /// Bounded background work under the lock: copy up to `step` read-map nodes into the dirty
    /// map, retire up to `step` unreachable nodes, and promote when it is due.
    fn work(&self, d: &mut Dirty<K, V>, step: usize, guard: &Guard) {
        if let Some(mut cursor) = d.cursor {
            // SAFETY: the read map is stable under the lock (invariant 3).
            let read = unsafe { &*self.read.load(Ordering::Relaxed) };
            for _ in 0..step {
                let Some((p, next)) = read.index.nodes.at(cursor) else {
                    d.cursor = None;
                    break;
                };
                cursor = next;
                d.cursor = Some(cursor);
                let node = p.get(guard);
                // A removed node is expunged (left out), any other is copied. A writer that
                // races with the expunge either revives the node first (then it is copied) or
                // sees `expunged` and goes to the dirty map.
                match node.cas(ptr::null_mut(), expunged()) {
                    Ok(()) => d.expunged.push(p),
                    Err(found) => {
                        debug_assert!(found != expunged::<V>());
                        d.index.add(p, node.hash);
                    }
                }
            }
            if read.index.nodes.at(cursor).is_none() {
                d.cursor = None;
            }
        }
        for _ in 0..step {
            let Some(p) = d.retire.pop() else { break };
            // SAFETY: nodes on the retire stack are unreachable from the published read map
            // and from the dirty map (they were expunged from a read map that has since been
            // replaced), and owned only by the stack (invariant 2).
            unsafe { defer_free_node(guard, &self.arena, p.0.as_ptr()) };
        }
        d.index.table.migrate(step * 4);
        if d.cursor.is_none()
            && !d.index.table.growing()
            && d.fresh > 0
            && d.misses >= d.index.len()
        {
            self.promote(d, guard);
        }
    }

    /// Publishes the dirty map as the read map and starts rebuilding a new dirty map from it.
    /// O(1) apart from the new filter's zeroed allocation.
    fn promote(&self, d: &mut Dirty<K, V>, guard: &Guard) {
        // The next dirty map starts with room for this one's nodes, which the rebuild copies
        // into it: no chain of small growths (each a fresh table and its page faults).
        let room = d.index.len();
        let index = core::mem::replace(&mut d.index, Index::with_capacity(room));
        let empty = index.len() == 0;
        let new = Box::into_raw(Box::new(ReadMap::new(index)));
        let old = self.read.swap(new, Ordering::AcqRel);
        d.cursor = if empty { None } else { Some((0, 0)) };
        d.fresh = 0;
        d.misses = 0;
        // The old read map is unlinked now: its expunged nodes are reachable from nothing new.
        d.retire.append(&mut d.expunged);
        // SAFETY: `old` was the published read map and is replaced; readers that still hold it
        // are pinned, and the collector frees it after them. Its drop frees no nodes.
        unsafe { defer_free(guard, old) };
    }

    /// Finishes the rebuild and promotes if the dirty map holds keys the read map does not, so
    /// that the read map holds every key. O(n), in steps of [`SETTLE_STEP`] per lock.
    pub(crate) fn settle(&self, guard: &Guard) {
        loop {
            let mut d = self.lock();
            self.work(&mut d, SETTLE_STEP, guard);
            if d.cursor.is_none() && !d.index.table.growing() {
                if d.fresh > 0 {
                    self.promote(&mut d, guard);
                }
                return;
            }
        }
    }

    /// The live nodes of the read map (call [`Shard::settle`] first to include every key).
    pub(crate) fn read_nodes<'g>(
        &'g self,
        guard: &'g Guard,
    ) -> impl Iterator<Item = &'g Node<K, V>> + 'g {
        self.read_map(guard)
            .index
            .nodes
            .iter()
            .map(move |p| p.get(guard))
    }

    /// Empties the shard: O(1) under the lock, then every node's value is swapped out and the
    /// nodes handed to the collector, outside it.
    ///
    /// # Safety
    /// `K` and `V` are `Send + 'static`.
    pub(crate) unsafe fn clear(&self, guard: &Guard) {
        let fresh = Box::into_raw(Box::new(ReadMap::new(Index::new())));
        let (old, index, cursor, expunged_list, retire) = {
            let mut d = self.lock();
            let old = self.read.swap(fresh, Ordering::AcqRel);
            let index = core::mem::replace(&mut d.index, Index::new());
            let cursor = d.cursor.take();
            d.fresh = 0;
            d.misses = 0;
            let expunged_list = core::mem::replace(&mut d.expunged, SegList::new());
            let retire = core::mem::replace(&mut d.retire, SegList::new());
            (old, index, cursor, expunged_list, retire)
        };
        // SAFETY: `old` is unlinked (replaced under the lock) and still alive: we are pinned.
        let old_read = unsafe { &*old };
        let unvisited = cursor.map(|c| old_read.index.nodes.iter_from(c));
        let owned = index
            .nodes
            .iter()
            .chain(unvisited.into_iter().flatten())
            .chain(expunged_list.iter())
            .chain(retire.iter());
        let mut removed = 0isize;
        for p in owned {
            let node = p.get(guard);
            // Writers that still hold the node see `expunged` and retry in the new maps.
            let v = node.value.swap(expunged(), Ordering::AcqRel);
            if !v.is_null() && v != expunged() {
                removed += 1;
                // SAFETY: `v` was the node's value, now swapped out by us alone; `K` and `V`
                // are `Send + 'static` (this function's contract).
                unsafe { node.retire(guard, v) };
            }
            // SAFETY: every owned node is unreachable from the new maps; owned once (invariant 2).
            unsafe { defer_free_node(guard, &self.arena, p.0.as_ptr()) };
        }
        self.len.fetch_sub(removed, Ordering::Relaxed);
        // Only integers and pointers: dropping the lists frees no node.
        drop((index, expunged_list, retire));
        // SAFETY: as above: the old read map is unlinked; its drop frees no nodes.
        unsafe { defer_free(guard, old) };
    }
}

impl<K, V> Drop for Shard<K, V> {
    fn drop(&mut self) {
        let read = take_ptr(&mut self.read.0);
        // Exclusive already (`&mut self`); `lock` rather than `get_mut` works with loom too.
        let mut d = self.lock();
        let d = &mut *d;
        // SAFETY: we own the shard exclusively; the read map is live until we free it below.
        let read = unsafe { Box::from_raw(read) };
        let unvisited = d.cursor.map(|c| read.index.nodes.iter_from(c));
        let owned: Vec<NodePtr<K, V>> = d
            .index
            .nodes
            .iter()
            .chain(unvisited.into_iter().flatten())
            .chain(d.expunged.iter())
            .chain(d.retire.iter())
            .collect();
        drop(read);
        let mut first_panic = None;
        for p in owned {
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: every node is owned exactly once by the lists above (invariant 2) and
                // no reader exists (we have `&mut self`); nodes are dropped here and nowhere
                // else (their memory is the arena's, freed with it).
                unsafe { ptr::drop_in_place(p.0.as_ptr()) }
            }));
            if let Err(e) = r {
                first_panic.get_or_insert(e);
            }
        }
        if let Some(e) = first_panic {
            resume_unwind(e);
        }
    }
}
