//! One shard of a [`SyncMap`](super::SyncMap): one published table that readers probe without a
//! lock and that the lock holder appends new keys to in place; a removed key's node stays in the
//! table (value null) until a *migration* leaves it out (expunges it) while it copies the live
//! nodes into the next table, a few slots per insert, as gomap's own table evacuates.
//!
//! All the unsafe code of the sync module lives here. The invariants, which every `SAFETY`
//! comment below leans on:
//!
//! 1. **Nodes.** A [`Node`] is a slot of the shard's [`Arena`] holding a key, its hash, and an
//!    atomic pointer to the value: null (removed), [`expunged`] (removed for good: left out of
//!    the next table by a migration, or by `clear`), the node's own inline value, or a `Box<V>`
//!    owned by the node. A node is dropped (and its slot returned to the arena) only through the
//!    epoch collector (`defer_free_node`) after it is unreachable from the published table, or
//!    directly by the shard's `Drop`, which owns it exclusively. The arena's memory outlives
//!    every node: it is shared (`Arc`) by the shard and every pending free.
//! 2. **Ownership of node pointers.** Every live node is owned by exactly one of: the published
//!    table (the nodes in it whose value is not `expunged`), the expunged list (nodes of the
//!    published table that the running migration expunged), or the retire stack (nodes of an
//!    unpublished table, unreachable, waiting to be handed to the collector). The next table of
//!    a migration owns nothing: every node in it is in the published table too.
//! 3. **Tables.** A slot of a table is written once, under the lock, and never changed; only the
//!    lock holder appends, and a table is never more than 3/4 full. The published table is
//!    replaced only under the lock, by the finished next table, and the old one is handed to
//!    the collector, which buries its slot memory in the arena (never nodes: those are owned
//!    as invariant 2 says).
//! 4. **Authority.** A key has at most one node that is not `expunged` in the published table,
//!    and that node is its state (its value, or null: removed). While a migration runs, every
//!    node added goes into both tables, tagged in the published one (so the migration does not
//!    copy it twice).
//! 5. **Counting.** Additions (a new key, or a removed node revived: both take the lock) are
//!    counted under the lock, removals after the compare-and-swap that removes a value, so under
//!    the lock `added - removed` never reads less than the live nodes: a migration sizes the
//!    next table from it and from the at most `cap / MIGRATE + 1` additions it lives through.
//! 6. **No user code under the mutex.** Inside the lock we only touch `u64` hashes, node
//!    pointers and atomics; `Hash`, `Eq`, `Clone`, `Drop` and closures run outside it. Nothing is
//!    dropped under the lock except our own structures (plain integers and pointers).

use core::ptr::{self, NonNull};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use super::prims::{take_ptr, AtomicIsize, AtomicPtr, AtomicU64, Mutex, MutexGuard};

use crossbeam_epoch::Guard;
use equivalent::Equivalent;

use super::arena::{Arena, Bump};
use super::index::{prefetch_home, Table, TAG};
use std::sync::Arc;

/// Unreachable nodes handed to the collector per locked operation.
const STEP: usize = 4;

/// Published-table slots a migration visits per addition (new key or revival). A migration
/// starts just past 5/8 full and ends after `cap / MIGRATE` additions, which add at most that
/// many slots: the table stays under 3/4 full (under loom, with 8-slot tables, under 7/8).
#[cfg(not(loom))]
const MIGRATE: usize = 8;
#[cfg(loom)]
const MIGRATE: usize = 4;

/// The load that starts a migration, as `LOAD_NUM / LOAD_DEN` of the slots (dead ones
/// included).
const LOAD_NUM: usize = 5;
const LOAD_DEN: usize = 8;

/// The next table holds its live nodes and the migration's additions at no more than
/// `1 / ROOM` of its slots, so that at least an eighth of it is left for additions before the
/// next migration starts. Sized for 5/8 instead, a map whose keys come and go at a steady size
/// could land a migration just under the next trigger and migrate all the time (8 slot visits
/// per addition instead of about 2); a growing map gets the same doubling either way. The cost:
/// a churning map's tables may be twice as large (1M keys replaced one by one: 4.2M slots,
/// 32 MiB, instead of 2.1M).
const ROOM: usize = 2;

/// The smallest table.
#[cfg(not(loom))]
const MIN_CAP: usize = 16;
#[cfg(loom)]
const MIN_CAP: usize = 8;

/// Entries per chunk of a [`SegList`].
const CHUNK: usize = 1024;

/// The value pointer of a node removed for good (left out of the next table).
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
    /// Removed for good: left out of the next table (a new node will hold the key).
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

    fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.chunks.iter().flatten().copied()
    }
}

/// The nodes whose slots carry one hash's tag in a table: compared with the key outside the
/// lock, and recounted under it. Almost always none or one (more on a 16-bit tag collision
/// within one probe, about once in 65536 probed slots).
pub(crate) struct Cands<K, V> {
    first: Option<NodePtr<K, V>>,
    /// Any further ones (allocates only on a tag collision).
    more: Vec<NodePtr<K, V>>,
}

impl<K, V> PartialEq for Cands<K, V> {
    /// The same nodes in the same order (one table's probe order, which appends do not change).
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

/// What [`Shard::locate`] found.
pub(crate) enum Located<'g, K, V> {
    /// The key's node when it was looked at (its value may be removed; it may become expunged
    /// later, in which case the caller locates again).
    Node(&'g Node<K, V>),
    /// The key was absent; `Proof` lets an insert check under the lock that it still is.
    Absent(Proof<K, V>),
}

/// The state in which a key was seen absent: the published table and the nodes of its hash in
/// it (each of another key, or expunged).
pub(crate) struct Proof<K, V> {
    table: *const Table<Node<K, V>>,
    cands: Cands<K, V>,
}

/// The lock holder's state: what every addition touches, small enough to share one cache line
/// with the mutex word and the addition counter ([`Hot`]); the rest behind a box, touched only
/// while there is work in it. With two threads inserting, every line an insert writes travels
/// between the cores; a 136-byte writer state spread over three lines made two threads slower
/// than one in `gomap bench --concurrent`'s grow.
struct Writer<K, V> {
    /// Slots used in the published table (dead nodes included).
    used: usize,
    /// Where the next node is allocated.
    bump: Bump,
    /// A migration runs, or unreachable nodes wait for the collector (`cold` has work).
    busy: bool,
    cold: Box<Cold<K, V>>,
}

/// The writer state that only migrations and retiring touch.
struct Cold<K, V> {
    /// The running migration, if any.
    next: Option<Next<K, V>>,
    /// Nodes the running migration expunged (still in the published table).
    expunged: SegList<NodePtr<K, V>>,
    /// Unreachable nodes, handed to the collector a few per locked operation.
    retire: SegList<NodePtr<K, V>>,
}

impl<K, V> Cold<K, V> {
    fn new() -> Self {
        Cold {
            next: None,
            expunged: SegList::new(),
            retire: SegList::new(),
        }
    }

    fn busy(&self) -> bool {
        self.next.is_some() || self.retire.len > 0
    }
}

/// The mutex and the addition counter, on one cache line of their own.
#[repr(C, align(64))]
struct Hot<K, V> {
    writer: Mutex<Writer<K, V>>,
    /// Additions (new keys, revivals): written only by the lock holder, with a load and a store
    /// (no read-modify-write: one locked instruction fewer per insert); read by anyone.
    added: AtomicIsize,
}

/// A migration: the next table, filled as the published one's slots are visited.
struct Next<K, V> {
    table: Box<Table<Node<K, V>>>,
    used: usize,
    /// Published-table slots below this one are visited.
    cursor: usize,
}

/// One shard: the published table, the writer state and the live-entry count.
#[repr(C)]
pub(crate) struct Shard<K, V> {
    /// Alone on its cache line: every read loads it, so the lock word and the counter that
    /// writers change must not share its line (they would evict it from the readers' caches).
    table: Line<Published<K, V>>,
    hot: Hot<K, V>,
    /// Removals: counted lock-free, after the compare-and-swap that removed a value.
    removed: AtomicIsize,
    /// The node memory (shared with the deferred frees still pending).
    arena: Arc<Arena>,
}

/// The published table, and the where-and-how-big of its slots as a plain number
/// ([`Table::hint`]) that readers may use before they pin (for a prefetch only).
struct Published<K, V> {
    ptr: AtomicPtr<Table<Node<K, V>>>,
    hint: AtomicU64,
}

impl<K, V> Published<K, V> {
    fn new(t: *mut Table<Node<K, V>>) -> Self {
        // SAFETY: `t` is a fresh table, ours.
        let hint = unsafe { (*t).hint() };
        Published {
            ptr: AtomicPtr::new(t),
            hint: AtomicU64::new(hint),
        }
    }

    fn load(&self, order: Ordering) -> *mut Table<Node<K, V>> {
        self.ptr.load(order)
    }

    /// Publishes `t` (under the shard's lock) and returns the table it replaces.
    fn swap(&self, t: *mut Table<Node<K, V>>) -> *mut Table<Node<K, V>> {
        // SAFETY: `t` is a live table handed to us by the lock holder.
        let hint = unsafe { (*t).hint() };
        let old = self.ptr.swap(t, Ordering::AcqRel);
        self.hint.store(hint, Ordering::Relaxed);
        old
    }
}

/// A node pointer with the tag bit cleared (byte offsets keep the pointer's provenance).
#[inline]
fn untag<K, V>(p: *mut Node<K, V>) -> *mut Node<K, V> {
    p.wrapping_byte_sub(p as usize & TAG)
}

/// Whether a slot pointer carries the tag.
#[inline]
fn tagged<K, V>(p: *mut Node<K, V>) -> bool {
    p as usize & TAG != 0
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

/// Runs `run(owned)` through the collector, once no guard pinned now is left: the one place
/// the sync module hands work to `defer_unchecked`. `owned` holds the raw pointers (and shared
/// handles) that `run` frees.
///
/// # Safety
/// Whatever `owned` points to is unreachable for any thread that pins after this call and is
/// freed only by `run`, and running `run` on any thread, at any later time, is sound.
unsafe fn defer<T>(guard: &Guard, owned: T, run: fn(T)) {
    // SAFETY: the closure owns `owned` and a function pointer, nothing borrowed from the stack;
    // the caller promises the rest.
    unsafe { guard.defer_unchecked(move || run(owned)) };
}

/// Drops a node's contents and returns its slot to the arena, through the collector, once no
/// guard pinned now is left. A panic in a key's or value's drop is caught there.
///
/// # Safety
/// `p` is a node of `arena`, unreachable for any thread that pins after this call, and freed
/// only here. `K` and `V` are `Send + 'static`.
unsafe fn defer_free_node<K, V>(guard: &Guard, arena: &Arc<Arena>, p: *mut Node<K, V>) {
    let free = |(p, arena): (*mut Node<K, V>, Arc<Arena>)| {
        // SAFETY: the collector runs this once, after every guard that could still see the
        // node is gone; the node is initialised and dropped only here (the caller's promise).
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { ptr::drop_in_place(p) }));
        // SAFETY: the slot belongs to this arena, its contents are dropped, and it is pushed
        // once.
        unsafe { arena.push_free(p.cast()) };
    };
    // SAFETY: the caller promises that the node is unlinked, freed only here, and safe to drop
    // on any thread at any later time.
    unsafe { defer(guard, (p, Arc::clone(arena)), free) };
}

/// Hands a replaced table to the collector, which buries its slot memory in `arena` (see
/// `arena`'s docs: freed by a later addition, not by the collector) once no guard pinned now is
/// left.
///
/// # Safety
/// `t` comes from `Box::into_raw`, is unreachable for any thread that pins after this call, and
/// is not freed otherwise.
unsafe fn defer_free_table<K, V>(guard: &Guard, arena: &Arc<Arena>, t: *mut Table<Node<K, V>>) {
    let free = |(t, arena): (*mut Table<Node<K, V>>, Arc<Arena>)| {
        // SAFETY: the collector runs this once, after every guard that could still see the
        // table is gone; it is a box freed only here (the caller's promise). A table's drop
        // frees its slot memory only (no node, no user code).
        let table = unsafe { Box::from_raw(t) };
        if let Some(mem) = table.into_mem() {
            arena.bury(mem);
        }
    };
    // SAFETY: the table holds integers and pointers and the arena is shared, so freeing them
    // anywhere later is sound; the caller promises that the table is unlinked and freed only
    // here.
    unsafe { defer(guard, (t, Arc::clone(arena)), free) };
}

/// Frees a box through the collector, once no guard pinned now is left. A panic in `T`'s drop
/// is caught there (the panic hook still reports it): it must not unwind through the collector.
///
/// # Safety
/// `p` comes from `Box::into_raw`, is unreachable for any thread that pins after this call, and
/// is not freed otherwise. `T: Send + 'static` (so it may be dropped on another thread, later).
unsafe fn defer_free<T>(guard: &Guard, p: *mut T) {
    let free = |p: *mut T| {
        // SAFETY: the collector runs this once, after every guard that could still see `p` is
        // gone; `p` is a box freed only here (the caller's promise).
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { Box::from_raw(p) })));
    };
    // SAFETY: the caller promises that `p` is unlinked, freed only here, and safe to drop on
    // any thread at any later time.
    unsafe { defer(guard, p, free) };
}

impl<K, V> Shard<K, V> {
    pub(crate) fn new() -> Self {
        Shard {
            table: Line(Published::new(Box::into_raw(Box::new(Table::new(0))))),
            hot: Hot {
                writer: Mutex::new(Writer {
                    used: 0,
                    bump: Bump::new(),
                    busy: false,
                    cold: Box::new(Cold::new()),
                }),
                added: AtomicIsize::new(0),
            },
            removed: AtomicIsize::new(0),
            arena: Arc::new(Arena::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Writer<K, V>> {
        // No user code runs under the lock, so it cannot be poisoned by one; take it anyway.
        self.hot
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    #[inline]
    fn table<'g>(&self, _guard: &'g Guard) -> &'g Table<Node<K, V>> {
        // SAFETY: the table pointer is never null and always points to the published table,
        // which is freed only through the collector after it was replaced (invariant 3), and
        // we are pinned.
        unsafe { &*self.table.load(Ordering::Acquire) }
    }

    /// Starts loading `hash`'s home slot in the published table, without a pin (a hint: the
    /// table may be replaced meanwhile; see [`prefetch_home`]).
    #[inline]
    pub(crate) fn prefetch_home(&self, hash: u64) {
        prefetch_home(self.table.hint.load(Ordering::Relaxed), hash);
    }

    /// Live entries (clamped: concurrent inserts and removes may pass each other).
    pub(crate) fn len(&self) -> usize {
        self.live().max(0) as usize
    }

    /// `added - removed`: under the lock, never less than the live nodes (invariant 5).
    fn live(&self) -> isize {
        // `removed` first: a removal counted is one whose addition was counted before it, so
        // reading it first cannot make the difference smaller than the live count.
        let removed = self.removed.load(Ordering::Acquire);
        self.hot.added.load(Ordering::Acquire) - removed
    }

    /// Counts an addition; only under the lock.
    fn count_added(&self, _w: &mut Writer<K, V>, n: isize) {
        let now = self.hot.added.load(Ordering::Relaxed);
        self.hot.added.store(now + n, Ordering::Release);
    }

    /// Counts a value removed by a lock-free compare-and-swap (after it).
    pub(crate) fn count_removed(&self) {
        self.removed.fetch_add(1, Ordering::Release);
    }

    /// The node of `key` in `table` that is not expunged, comparing keys with the caller's `Eq`
    /// (no lock held).
    #[inline]
    fn find<'g, Q>(
        table: &'g Table<Node<K, V>>,
        hash: u64,
        key: &Q,
        guard: &'g Guard,
    ) -> Option<&'g Node<K, V>>
    where
        Q: ?Sized + Equivalent<K>,
    {
        table.find_map(hash, |p| {
            // SAFETY: a published table holds live nodes (invariant 1): a node is freed only by
            // the collector after it was unlinked from the published table, and we are pinned.
            let n = unsafe { &*p };
            (key.equivalent(&n.key) && !matches!(n.load(guard), Slot::Expunged)).then_some(n)
        })
    }

    /// The value of `key`: the read path, lock-free and inlined so that consecutive lookups
    /// overlap their cache misses. `None`: absent or removed.
    #[inline]
    pub(crate) fn read_value<'g, Q>(&self, hash: u64, key: &Q, guard: &'g Guard) -> Option<&'g V>
    where
        K: 'g,
        V: 'g,
        Q: ?Sized + Equivalent<K>,
    {
        // One probe and one load of the value pointer: an expunged node is passed over (a newer
        // node of the key may follow it in the probe), a removed one ends the lookup (a key has
        // at most one node that is not expunged, invariant 4).
        let table = self.table(guard);
        table
            .find_map(hash, |p| {
                // SAFETY: as in `find`.
                let n = unsafe { &*p };
                if !key.equivalent(&n.key) {
                    return None;
                }
                match n.load(guard) {
                    Slot::Present(v, _) => Some(Some(v)),
                    Slot::Removed => Some(None),
                    Slot::Expunged => None,
                }
            })
            .flatten()
    }

    /// Finds the node of `key`, lock-free: `Node` (any state but expunged when found), or
    /// `Absent` with the proof an insert needs.
    pub(crate) fn locate<'g, Q>(&self, hash: u64, key: &Q, guard: &'g Guard) -> Located<'g, K, V>
    where
        Q: ?Sized + Equivalent<K>,
    {
        let table = self.table(guard);
        // The proof is the very set of nodes whose keys were compared: a node added after the
        // probe is then one the lock holder's recount sees and the proof lacks.
        let cands = Self::candidates(table, hash);
        for p in cands.iter() {
            // SAFETY: a node of the published table, live while we are pinned (invariant 1).
            let n = unsafe { &*p.0.as_ptr() };
            if key.equivalent(&n.key) && !matches!(n.load(guard), Slot::Expunged) {
                return Located::Node(n);
            }
        }
        Located::Absent(Proof { table, cands })
    }

    /// Every node whose slot carries `hash`'s tag in `table` (every node stored with `hash`, and
    /// rarely another), in probe order.
    fn candidates(table: &Table<Node<K, V>>, hash: u64) -> Cands<K, V> {
        let mut cands = Cands::none();
        table.find_map(hash, |p| {
            let p = NodePtr(NonNull::new(p).expect("stored node pointers are not null"));
            match cands.first {
                None => cands.first = Some(p),
                Some(_) => cands.more.push(p),
            }
            None::<()>
        });
        cands
    }

    /// The node of `key` that is not expunged, lock-free (for updates of existing keys).
    #[inline]
    pub(crate) fn node<'g, Q>(&self, hash: u64, key: &Q, guard: &'g Guard) -> Option<&'g Node<K, V>>
    where
        Q: ?Sized + Equivalent<K>,
    {
        Self::find(self.table(guard), hash, key, guard)
    }

    /// Inserts the pending key and value if the key is still absent as `proof` saw it (else
    /// hands them back): builds the node in the arena and appends it, under the lock (moving
    /// bytes, no user code). Returns the node and the value pointer it was given.
    pub(crate) fn insert_new<'g>(
        &self,
        pending: Pending<K, V>,
        proof: &Proof<K, V>,
        guard: &'g Guard,
    ) -> Result<Inserted<'g, K, V>, Pending<K, V>> {
        let hash = pending.hash;
        let mut w = self.lock();
        let now = self.table.load(Ordering::Relaxed);
        // SAFETY: the published table is stable while we hold the lock (invariant 3).
        let mut table = unsafe { &*now };
        if !ptr::eq(now, proof.table) || Self::candidates(table, hash) != proof.cands {
            return Err(pending);
        }
        if table.cap() == 0 {
            // The first key (or the first after `clear`): publish the smallest table. The empty
            // one held no node, so the proof holds in the new one too.
            let fresh = Box::into_raw(Box::new(Table::new(MIN_CAP)));
            let old = self.table.swap(fresh);
            // SAFETY: `old` is unlinked; pinned readers may still probe it (it has no slots),
            // so the collector frees it after them; its drop frees nothing else.
            unsafe { defer_free(guard, old) };
            // SAFETY: just published; replaced only under the lock, which we hold.
            table = unsafe { &*fresh };
        }
        let slot = w
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
        let next = if w.busy { w.cold.next.as_mut() } else { None };
        match next {
            Some(next) => {
                table.put(hash, slot.wrapping_byte_add(TAG));
                next.table.put(hash, slot);
                next.used += 1;
            }
            None => table.put(hash, slot),
        }
        w.used += 1;
        self.count_added(&mut w, 1);
        self.work(&mut w, table, guard);
        drop(w);
        self.arena.release_one();
        // SAFETY: just published; freed only through the collector, and we are pinned.
        Ok((unsafe { &*slot }, value_ptr))
    }

    /// Stores `new` (a boxed value) in `node` if it is removed (null), under the lock: a
    /// revival counts as an addition (invariant 5). Returns the value pointer found instead on
    /// failure (a value, or `expunged`: then the caller locates again).
    pub(crate) fn revive(
        &self,
        node: &Node<K, V>,
        new: *mut V,
        guard: &Guard,
    ) -> Result<(), *mut V> {
        let mut w = self.lock();
        node.cas(ptr::null_mut(), new)?;
        self.count_added(&mut w, 1);
        // SAFETY: the published table is stable while we hold the lock (invariant 3).
        let table = unsafe { &*self.table.load(Ordering::Relaxed) };
        self.work(&mut w, table, guard);
        drop(w);
        self.arena.release_one();
        Ok(())
    }

    /// Bounded work after an addition, under the lock: hand a few unreachable nodes to the
    /// collector, and start, advance (by [`MIGRATE`] slots) or finish a migration.
    fn work(&self, w: &mut Writer<K, V>, table: &Table<Node<K, V>>, guard: &Guard) {
        let cap = table.cap();
        if !w.busy && w.used * LOAD_DEN <= cap * LOAD_NUM {
            return;
        }
        let cold = &mut *w.cold;
        for _ in 0..STEP {
            let Some(p) = cold.retire.pop() else { break };
            // SAFETY: nodes on the retire stack are unreachable from the published table (they
            // were expunged from a table that has since been replaced), and owned only by the
            // stack (invariant 2).
            unsafe { defer_free_node(guard, &self.arena, p.0.as_ptr()) };
        }
        if cold.next.is_none() && w.used * LOAD_DEN > cap * LOAD_NUM {
            // Live nodes (at most `len`, invariant 5) plus the additions this migration lives
            // through, at no more than half of the next table (see `ROOM`).
            let live = (self.live().max(0) as usize).min(w.used);
            let need = (live + cap / MIGRATE + 2) * ROOM;
            cold.next = Some(Next {
                table: Box::new(Table::new(need.next_power_of_two().max(MIN_CAP))),
                used: 0,
                cursor: 0,
            });
        }
        self.migrate(w, table, guard);
        w.busy = w.cold.busy();
    }

    /// Visits up to [`MIGRATE`] slots of the published table: a removed node is expunged (left
    /// out), a live one copied into the next table; publishes the next table when every slot
    /// was visited.
    fn migrate(&self, w: &mut Writer<K, V>, table: &Table<Node<K, V>>, guard: &Guard) {
        let cold = &mut *w.cold;
        let Some(next) = &mut cold.next else { return };
        let end = (next.cursor + MIGRATE).min(table.cap());
        // The nodes of the next visit's slots start loading now, so that each visit waits for
        // about one cache miss rather than one per node (a slot holds no hash: the node does).
        for i in end..(end + MIGRATE).min(table.cap()) {
            table.prefetch_at(i);
        }
        while next.cursor < end {
            let p = table.at(next.cursor);
            next.cursor += 1;
            if p.is_null() || tagged(p) {
                continue; // empty, or added during this migration: already in the next table
            }
            // SAFETY: a node of the published table, live (invariant 1); we hold the lock.
            let node = unsafe { &*p };
            // A removed node is expunged, a live one copied. One plain load decides (no locked
            // instruction per live node, whose misses then overlap): only the lock holder, which
            // we are, turns a removed node's null into anything (revivals take the lock), so a
            // null stays null until we store the mark; lock-free writers that find the node
            // expunged locate again. A live node may be removed right after we look: it is then
            // copied as a removed node, and the next migration leaves it out.
            let v = node.value.load(Ordering::Acquire);
            if v.is_null() {
                node.value.store(expunged(), Ordering::Release);
                cold.expunged
                    .push(NodePtr(NonNull::new(p).expect("not null")));
            } else if v != expunged() {
                next.table.put(node.hash, p);
                next.used += 1;
            }
        }
        if next.cursor < table.cap() {
            return;
        }
        let Next {
            table: fresh, used, ..
        } = cold.next.take().expect("a migration is running");
        let old = self.table.swap(Box::into_raw(fresh));
        w.used = used;
        // The old table is unlinked: its expunged nodes are reachable from nothing new.
        cold.retire.append(&mut cold.expunged);
        // SAFETY: `old` was the published table and is replaced; readers that still hold it
        // are pinned, so the collector frees it after them, once.
        unsafe { defer_free_table(guard, &self.arena, old) };
    }

    /// The shard's table figures, read under its lock: (slots, used slots, next table's slots
    /// if a migration runs, slots it visited).
    pub(crate) fn table_stats(&self) -> (usize, usize, Option<(usize, usize)>) {
        let w = self.lock();
        // SAFETY: the published table is stable while we hold the lock (invariant 3).
        let cap = unsafe { (*self.table.load(Ordering::Relaxed)).cap() };
        (
            cap,
            w.used,
            w.cold.next.as_ref().map(|n| (n.table.cap(), n.cursor)),
        )
    }

    /// The nodes of the published table that are not expunged (each once), lock-free: every
    /// node present throughout the walk, maybe some added during it.
    pub(crate) fn read_nodes<'g>(
        &'g self,
        guard: &'g Guard,
    ) -> impl Iterator<Item = &'g Node<K, V>> + 'g {
        let table = self.table(guard);
        (0..table.cap()).filter_map(move |i| {
            let p = table.at(i);
            // SAFETY: nodes of a published table are live while we are pinned (invariant 1).
            (!p.is_null()).then(|| unsafe { &*untag(p) })
        })
    }

    /// Empties the shard: O(1) under the lock, then every node's value is swapped out and the
    /// nodes handed to the collector, outside it.
    ///
    /// # Safety
    /// `K` and `V` are `Send + 'static`.
    pub(crate) unsafe fn clear(&self, guard: &Guard) {
        let fresh = Box::into_raw(Box::new(Table::new(0)));
        let (old, next, expunged_list, retire) = {
            let mut w = self.lock();
            let old = self.table.swap(fresh);
            w.used = 0;
            w.busy = false;
            let next = w.cold.next.take();
            let expunged_list = core::mem::replace(&mut w.cold.expunged, SegList::new());
            let retire = core::mem::replace(&mut w.cold.retire, SegList::new());
            (old, next, expunged_list, retire)
        };
        drop(next); // never published: nobody reads it, and it owns no node (invariant 2)
                    // SAFETY: `old` is unlinked (replaced under the lock) and still alive: we are pinned.
        let table = unsafe { &*old };
        let mut removed = 0isize;
        for i in 0..table.cap() {
            let p = untag(table.at(i));
            if p.is_null() {
                continue;
            }
            // SAFETY: a node of the old table, alive while we are pinned.
            let node = unsafe { &*p };
            // Writers that still hold the node see `expunged` and locate again in the new
            // table. A node already expunged is owned by the expunged list (invariant 2).
            let v = node.value.swap(expunged(), Ordering::AcqRel);
            if v == expunged() {
                continue;
            }
            if !v.is_null() {
                removed += 1;
                // SAFETY: `v` was the node's value, now swapped out by us alone; `K` and `V`
                // are `Send + 'static` (this function's contract).
                unsafe { node.retire(guard, v) };
            }
            // SAFETY: unreachable from the new table; owned by the old table, once (inv. 2).
            unsafe { defer_free_node(guard, &self.arena, p) };
        }
        for p in expunged_list.iter().chain(retire.iter()) {
            // SAFETY: owned by these lists only (invariant 2), unreachable from the new table.
            unsafe { defer_free_node(guard, &self.arena, p.0.as_ptr()) };
        }
        self.removed.fetch_add(removed, Ordering::Release);
        // Only integers and pointers: dropping the lists frees no node.
        drop((expunged_list, retire));
        // SAFETY: as above: the old table is unlinked; its drop frees no nodes.
        unsafe { defer_free(guard, old) };
    }
}

impl<K, V> Drop for Shard<K, V> {
    fn drop(&mut self) {
        let table = take_ptr(&mut self.table.0.ptr);
        // Exclusive already (`&mut self`); `lock` rather than `get_mut` works with loom too.
        let mut w = self.lock();
        let w = &mut *w;
        // SAFETY: we own the shard exclusively; the table is live until we free it below.
        let table = unsafe { Box::from_raw(table) };
        let cold = &mut *w.cold;
        let mut owned: Vec<NodePtr<K, V>> =
            cold.expunged.iter().chain(cold.retire.iter()).collect();
        for i in 0..table.cap() {
            let p = untag(table.at(i));
            if p.is_null() {
                continue;
            }
            // SAFETY: a live node of our table; nobody else can reach it (`&mut self`).
            if unsafe { (*p).value.load(Ordering::Relaxed) } != expunged() {
                owned.push(NodePtr(NonNull::new(p).expect("not null")));
            }
        }
        drop(table);
        cold.next = None;
        let mut first_panic = None;
        for p in owned {
            let r = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: every node is owned exactly once (invariant 2) and no reader exists
                // (we have `&mut self`); nodes are dropped here and nowhere else (their memory
                // is the arena's, freed with it).
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

#[cfg(all(test, not(loom), target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_table_is_buried_by_the_collector_and_freed_by_a_later_addition() {
        let map: crate::sync::SyncMap<u64, u64> = (0..100_000).map(|i| (i, i)).collect();
        let buried = |m: &crate::sync::SyncMap<u64, u64>| -> usize {
            m.shards.iter().map(|s| s.0.arena.buried()).sum()
        };
        // The collector runs the deferred frees once no thread (other tests' included) is
        // pinned in an older epoch: flush until it has.
        for _ in 0..100_000 {
            crate::sync::reclaim();
            if buried(&map) > 0 {
                break;
            }
            std::thread::yield_now();
        }
        let before = buried(&map);
        assert!(
            before > 0,
            "growth replaced tables: some wait in their arenas"
        );
        // Each addition frees at most one of its shard's; far fewer additions than keys, so
        // hardly any new migration ends (and buries a table) meanwhile.
        for i in 100_000..110_000 {
            map.insert(i, i);
        }
        assert!(buried(&map) < before, "additions freed buried tables");
    }

    #[test]
    fn the_writer_state_shares_one_cache_line_with_the_mutex_and_the_counter() {
        assert_eq!(size_of::<Hot<u64, u64>>(), 64);
        assert_eq!(size_of::<Hot<String, Vec<u8>>>(), 64);
    }
}
