//! The allocator parameter, checked at both allocators: a map in a counting allocator `Arena`
//! makes every one of its allocations there (the global allocator, counted too, sees none while
//! the map is used), and every byte it took returns to it with the layout it was taken with,
//! whatever way the map is emptied or dropped: mid-grow, after `clear`, `shrink_to`, `clone`,
//! `into_iter`, `drain`, and after a `Hash` or `Clone` that panicked. The differential
//! specification (`tests/common/ops.rs`) runs on such a map too.
//!
//! `Arena` is zero-sized and keeps its books in thread-locals (the harness runs each test on its
//! own thread), so it is `Default` and `Clone` like a real handle to an allocator.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::{Cell, RefCell};
use std::collections::HashMap as StdHashMap;
use std::ptr::NonNull;

use common::ops::{apply, assert_same, Model, Op};
use common::{insert_until_big_grow, panics, quiet_expected_panics, Checker, Rng, Tracker};
use gomap::allocator::{AllocError, Allocator, Global};
use gomap::{HashMap, HashSet};

// ---------------------------------------------------------------------------------------------
// The global allocator, counting the calls of threads that asked for it.
// ---------------------------------------------------------------------------------------------

struct CountingGlobal;

thread_local! {
    static COUNT_GLOBAL: Cell<bool> = const { Cell::new(false) };
    static GLOBAL_CALLS: Cell<usize> = const { Cell::new(0) };
}

fn note_global() {
    // `try_with`: the allocator is also called while thread-locals are being torn down.
    if COUNT_GLOBAL.try_with(Cell::get).unwrap_or(false) {
        let _ = GLOBAL_CALLS.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the counting
// touches only const-initialised thread-locals, which never allocate.
unsafe impl GlobalAlloc for CountingGlobal {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_global();
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_global();
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_global();
        // SAFETY: forwarded as received; `ptr` came from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_global();
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingGlobal = CountingGlobal;

/// Global allocator calls this thread makes while running `f`.
fn global_calls<R>(f: impl FnOnce() -> R) -> (R, usize) {
    GLOBAL_CALLS.with(|c| c.set(0));
    COUNT_GLOBAL.with(|c| c.set(true));
    let r = f();
    COUNT_GLOBAL.with(|c| c.set(false));
    (r, GLOBAL_CALLS.with(Cell::get))
}

// ---------------------------------------------------------------------------------------------
// The map's allocator: counts, and checks every free against what it handed out.
// ---------------------------------------------------------------------------------------------

/// An allocator that serves from `System` and keeps a ledger of live blocks (address -> layout)
/// in memory it maps itself, so the ledger never calls the global allocator.
#[derive(Clone, Copy, Default, Debug)]
struct Arena;

#[derive(Default)]
struct Books {
    allocs: usize,
    frees: usize,
    live_bytes: usize,
    /// Live blocks; a `Vec` with room reserved up front by `Books::ledger`.
    live: Vec<(usize, Layout)>,
    /// A free whose layout did not match the allocation, or of an unknown address.
    bad_frees: usize,
}

thread_local! {
    static BOOKS: RefCell<Books> = RefCell::new(Books::default());
}

impl Books {
    /// Resets the books (outside any counted region: it may allocate the ledger).
    fn reset() {
        BOOKS.with(|b| {
            let mut b = b.borrow_mut();
            *b = Books::default();
            b.live.reserve(1 << 20);
        });
    }

    fn get<R>(f: impl FnOnce(&Books) -> R) -> R {
        BOOKS.with(|b| f(&b.borrow()))
    }

    /// Asserts that every byte the arena handed out came back, each with its own layout.
    #[track_caller]
    fn assert_all_returned() {
        Books::get(|b| {
            assert!(b.allocs > 0, "the map allocated from its allocator");
            assert_eq!(
                b.bad_frees, 0,
                "every free matched an allocation and its layout"
            );
            assert_eq!(b.allocs, b.frees, "as many frees as allocations");
            assert_eq!(b.live_bytes, 0, "every byte returned");
            assert!(b.live.is_empty());
        });
    }
}

// SAFETY: blocks come from `System` with the requested layout and stay valid until `deallocate`
// hands them back; `Arena` is a ZST, so every copy of it serves every block.
unsafe impl Allocator for Arena {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        assert!(layout.size() > 0, "gomap never asks for zero bytes");
        // SAFETY: a non-zero size.
        let p = NonNull::new(unsafe { System.alloc(layout) }).ok_or(AllocError)?;
        BOOKS.with(|b| {
            let mut b = b.borrow_mut();
            assert!(b.live.len() < b.live.capacity(), "ledger full");
            b.allocs += 1;
            b.live_bytes += layout.size();
            b.live.push((p.as_ptr() as usize, layout));
        });
        Ok(NonNull::slice_from_raw_parts(p, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        BOOKS.with(|b| {
            let mut b = b.borrow_mut();
            b.frees += 1;
            let addr = ptr.as_ptr() as usize;
            match b.live.iter().rposition(|&(a, _)| a == addr) {
                Some(i) if b.live[i].1 == layout => {
                    b.live.swap_remove(i);
                    b.live_bytes -= layout.size();
                }
                _ => b.bad_frees += 1,
            }
        });
        // SAFETY: the caller's contract: `ptr` came from `allocate` with `layout`.
        unsafe { System.dealloc(ptr.as_ptr(), layout) };
    }
}

type ArenaMap<K, V> = HashMap<K, V, gomap::DefaultHashBuilder, Arena>;

/// A key larger than `MAX_INLINE`, so the map stores it out of line.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Big([u64; 20]);

fn big(i: u64) -> Big {
    Big([i; 20])
}

// ---------------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_map_in_an_allocator_never_calls_the_global_one_and_returns_every_byte() {
    Books::reset();
    warm_up_the_hasher();
    let ((), calls) = global_calls(|| {
        let mut map: ArenaMap<u64, u64> = HashMap::new_in(Arena);
        for i in 0..100_000 {
            map.insert(i, i);
        }
        for i in (0..100_000).step_by(2) {
            assert_eq!(map.remove(&i), Some(i));
        }
        map.shrink_to(1000);
        map.reserve(50_000);
        let copy = map.clone();
        assert_eq!(copy.len(), map.len());
        assert_eq!(copy.into_iter().take(10).count(), 10);
        assert_eq!(map.drain().take(5).count(), 5);
        assert!(map.is_empty());
        for i in 0..1000 {
            map.insert(i, i);
        }
        map.clear();
        map.shrink_to_fit();
        assert_eq!(map.capacity(), 0);
    });
    assert_eq!(
        calls, 0,
        "global allocator calls while a map in `Arena` was used"
    );
    Books::assert_all_returned();
}

#[test]
fn the_growth_state_and_overflow_chunks_come_from_the_maps_allocator() {
    Books::reset();
    warm_up_the_hasher();
    // A constant hash: every key in one chain, so overflow blocks run out of spares and chunks
    // are allocated.
    let (chained, calls) = global_calls(|| {
        let mut map: HashMap<u64, u64, _, Arena> =
            HashMap::with_hasher_in(common::BadHasher(common::Badness::Constant), Arena);
        for i in 0..2000 {
            map.insert(i, i);
        }
        map
    });
    assert_eq!(calls, 0);
    assert!(chained.stats().overflow_buckets > 100);
    // 13 * 2^9 + 1 keys: the insert that starts the grow from 2^10 buckets (load factor 6.5).
    let (growing, calls) = global_calls(|| {
        let mut map: ArenaMap<u64, u64> = HashMap::new_in(Arena);
        for i in 0..13 * 512 + 1 {
            map.insert(i, i);
        }
        map
    });
    assert_eq!(calls, 0);
    let s = growing.stats();
    assert!(s.growing && s.old_buckets == 1 << 10, "{s:?}");
    // Dropped mid-grow: both arrays and the growth box go back.
    let ((), calls) = global_calls(|| drop((chained, growing)));
    assert_eq!(calls, 0);
    Books::assert_all_returned();
}

/// Makes the default hasher's first use on this thread (its thread-local seed state may
/// allocate once) before the global allocator is counted: those calls are the hasher's.
fn warm_up_the_hasher() {
    use std::hash::BuildHasher;
    let _ = gomap::DefaultHashBuilder::default().hash_one(1u64);
}

#[test]
fn out_of_line_keys_and_values_are_boxed_in_the_maps_allocator() {
    Books::reset();
    warm_up_the_hasher();
    let ((), calls) = global_calls(|| {
        let mut map: ArenaMap<Big, Big> = HashMap::new_in(Arena);
        for i in 0..3000 {
            map.insert(big(i), big(i + 1));
        }
        assert_eq!(map.get(&big(7)), Some(&big(8)));
        let copy = map.clone();
        for i in 0..1000 {
            map.remove(&big(i));
        }
        assert_eq!(copy.into_iter().count(), 3000);
        assert_eq!(map.drain().count(), 2000);
        let mut set: HashSet<Big, gomap::DefaultHashBuilder, Arena> = HashSet::new_in(Arena);
        for i in 0..500 {
            set.insert(big(i));
        }
        set.retain(|b| b.0[0] % 3 == 0);
        assert_eq!(set.extract_if(|b| b.0[0] % 2 == 0).count(), 84);
    });
    assert_eq!(calls, 0);
    Books::assert_all_returned();
}

#[test]
fn every_byte_returns_after_a_hash_that_panics_mid_grow() {
    quiet_expected_panics();
    Books::reset();
    let tracker = Tracker::new();
    {
        let mut map: HashMap<common::Tracked, u64, _, Arena> = HashMap::new_in(Arena);
        let mut id = 0;
        insert_until_big_grow(&mut map, 64, || {
            id += 1;
            (tracker.make(id), id)
        });
        // Every key's Hash panics now: the next insert panics in its evacuation work.
        tracker.panic_in_hash_for(Some((0..=id).collect()));
        assert!(panics(|| map.insert(tracker.make(0), 0)));
        tracker.panic_in_hash_for(None);
        // The map is intact and keeps growing.
        for i in 0..2000 {
            map.insert(tracker.make(id + 1 + i), i);
        }
    }
    tracker.assert_live(0);
    Books::assert_all_returned();
}

#[test]
fn every_byte_returns_after_a_hash_that_panics_evacuating_a_long_chain() {
    quiet_expected_panics();
    Books::reset();
    let tracker = Tracker::new();
    {
        // One chain holds every key: an evacuation's log of replaced tag words spills to a
        // buffer from the map's allocator, which the rollback must free.
        let mut map: HashMap<common::Tracked, u64, _, Arena> =
            HashMap::with_hasher_in(common::BadHasher(common::Badness::Constant), Arena);
        // 13 * 16 keys fill 2^5 buckets to the load factor; the next key starts a doubling grow
        // whose first evacuation rehashes the one chain, 26 buckets long.
        for id in 1..=13 * 16 {
            map.insert(tracker.make(id), id);
        }
        map.finish_growth();
        assert_eq!(map.stats().log2_buckets, 5);
        // Keys of the chain's second half panic in `Hash`: the evacuation has logged more than
        // 8 buckets' words when it unwinds.
        tracker.panic_in_hash_for(Some((150..=13 * 16).collect()));
        assert!(panics(|| map.insert(tracker.make(1000), 0)));
        tracker.panic_in_hash_for(None);
        map.finish_growth();
        assert_eq!(map.len(), 13 * 16);
    }
    tracker.assert_live(0);
    Books::assert_all_returned();
}

#[test]
fn every_byte_returns_after_a_clone_that_panics() {
    quiet_expected_panics();
    Books::reset();
    let tracker = Tracker::new();
    {
        let mut map: HashMap<common::Tracked, Big, _, Arena> = HashMap::new_in(Arena);
        for i in 0..1500 {
            map.insert(tracker.make(i), big(i));
        }
        tracker.panic_in_clone_after(Some(700));
        assert!(panics(|| map.clone()));
        tracker.panic_in_clone_after(None);
        assert_eq!(map.len(), 1500);
    }
    tracker.assert_live(0);
    Books::assert_all_returned();
}

#[test]
fn a_map_in_the_global_allocator_reports_it() {
    Books::reset();
    let map: HashMap<u8, u8> = HashMap::new();
    let _: &Global = map.allocator();
    let set: HashSet<u8, _, Arena> = HashSet::with_capacity_in(10, Arena);
    let _: &Arena = set.allocator();
    assert!(set.capacity() >= 10);
}

#[test]
fn random_ops_in_a_counting_allocator_match_std_and_return_every_byte() {
    Books::reset();
    let mut rng = Rng::new(0xa11c);
    for round in 0..common::scaled(40) {
        let space = [16u64, 300, 5000][round % 3];
        let mut g: HashMap<u32, u32, _, Arena> =
            HashMap::with_hasher_in(std::collections::hash_map::RandomState::new(), Arena);
        let mut m = Model::new();
        let mut checker = Checker::new();
        for _ in 0..600 {
            let k = rng.below(space) as u32;
            let v = rng.next_u64() as u32;
            let op = match rng.below(14) {
                0..=5 => Op::Insert(k, v),
                6 | 7 => Op::Remove(k),
                8 => Op::Clone,
                9 => Op::ShrinkTo(rng.below(space) as usize),
                10 => Op::Reserve(rng.below(2 * space) as usize),
                11 => Op::IntoIterSome(rng.below(20) as usize),
                12 => Op::DrainSome(rng.below(20) as usize),
                _ => Op::Extend((0..rng.below(40)).map(|i| (k + i as u32, v)).collect()),
            };
            let step = apply(&op, &mut g, &mut m);
            checker.check(&g, step);
        }
        assert_same(&g, &m);
        let _: StdHashMap<u32, u32> = g.into_iter().collect();
    }
    Books::assert_all_returned();
}

/// Compiles only if `T` has the auto traits std's and hashbrown's maps have.
fn assert_auto_traits<
    T: Send + Sync + Unpin + std::panic::UnwindSafe + std::panic::RefUnwindSafe,
>() {
}

#[test]
fn the_allocator_parameter_keeps_auto_traits_and_variance() {
    assert_auto_traits::<HashMap<u64, String, gomap::DefaultHashBuilder, Arena>>();
    assert_auto_traits::<HashSet<u64, gomap::DefaultHashBuilder, Arena>>();
    assert_auto_traits::<gomap::HashTable<u64, Arena>>();
    assert_auto_traits::<gomap::hash_map::IntoIter<u64, String, Arena>>();
    assert_auto_traits::<gomap::hash_set::IntoIter<u64, Arena>>();
    // Covariant in the key, value and allocator, as std's and hashbrown's maps are.
    fn shorten<'a>(
        m: HashMap<&'static str, &'static str, gomap::DefaultHashBuilder, &'static Arena>,
    ) -> HashMap<&'a str, &'a str, gomap::DefaultHashBuilder, &'a Arena> {
        m
    }
    static ARENA: Arena = Arena;
    Books::reset();
    let mut m = HashMap::with_hasher_in(gomap::DefaultHashBuilder::default(), &ARENA);
    m.insert("k", "v");
    assert_eq!(shorten(m).get("k"), Some(&"v"));
    Books::assert_all_returned();
}
