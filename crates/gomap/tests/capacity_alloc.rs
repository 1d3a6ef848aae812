//! std's promise on capacity, counted at the allocator: after `with_capacity(n)`, `reserve(n)` or
//! `try_reserve(n)`, the next `n` inserts of ordinary keys (random `u64`s here) make no
//! allocation or reallocation. So `try_reserve` protects the inserts after it from an
//! out-of-memory abort, and allocation stays off the insert path.
//!
//! Nor do they free anything, with one exception that incremental growth brings: a `reserve`
//! on a map that holds entries may start a grow that those inserts carry on (that is what keeps
//! `reserve` O(1)), and the insert that moves the last old chain hands the old array back.
//!
//! A counting `#[global_allocator]` counts, per thread, the calls made while a thread has asked
//! for counting (the test harness runs each test on its own thread).
//! `GOMAP_TEST_SCALE=small` leaves out the sizes above 10,000.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use common::Rng;
use gomap::HashMap;

/// The system allocator, counting the calls of threads that turned counting on.
struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

/// Counts a call in `counter` if this thread is counting.
fn note(counter: &'static std::thread::LocalKey<Cell<usize>>) {
    // `try_with`: the allocator is also called while thread-locals are being torn down.
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are this allocator's; the counting touches only const-initialised thread-locals,
// which never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        // SAFETY: forwarded as received; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        // SAFETY: as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(&ALLOCS);
        // SAFETY: as in `alloc`; `ptr` came from this allocator, which is `System`'s.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(&FREES);
        // SAFETY: as in `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The allocator calls this thread makes while running `f`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Calls {
    /// `alloc`, `alloc_zeroed` and `realloc`.
    allocs: usize,
    /// `dealloc`.
    frees: usize,
}

fn allocator_calls(f: impl FnOnce()) -> Calls {
    ALLOCS.with(|c| c.set(0));
    FREES.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    Calls {
        allocs: ALLOCS.with(Cell::get),
        frees: FREES.with(Cell::get),
    }
}

/// The sizes to check.
fn sizes() -> Vec<usize> {
    let max = if common::small() { 10_000 } else { 1_000_000 };
    [0, 1, 7, 100, 1000, 100_000, 1_000_000]
        .into_iter()
        .filter(|&n| n <= max)
        .collect()
}

/// `n` random keys, made before counting starts.
fn random_keys(seed: u64, n: usize) -> Vec<u64> {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| rng.next_u64()).collect()
}

/// A way of asking for room for `n` more entries, and its name.
type Presizer = (&'static str, fn(&mut HashMap<u64, u64>, usize));

fn presizers() -> Vec<Presizer> {
    vec![
        ("with_capacity", |m, n| *m = HashMap::with_capacity(n)),
        ("reserve", |m, n| m.reserve(n)),
        ("try_reserve", |m, n| {
            m.try_reserve(n).expect("the test's sizes fit in memory")
        }),
    ]
}

/// For each way of presizing and each size: a map already holding `held` entries asks for room
/// for `n` more (`with_capacity`, which builds a new map, only when `held == 0`), then `n`
/// random keys go in while the allocator calls are counted. Returns the cases that called it,
/// with the count.
fn calls_after_presizing(held: usize) -> Vec<String> {
    let mut failures = Vec::new();
    for (how, presize) in presizers() {
        if held > 0 && how == "with_capacity" {
            continue;
        }
        for n in sizes() {
            let mut map: HashMap<u64, u64> = HashMap::new();
            for (i, k) in random_keys(1, held).into_iter().enumerate() {
                map.insert(k, i as u64);
            }
            presize(&mut map, n);
            let growing = map.stats().growing;
            let before = map.len();
            assert!(map.capacity() >= before + n, "{how}({n}): capacity()");
            let keys = random_keys(2 + n as u64, n);
            let calls = allocator_calls(|| {
                for &k in &keys {
                    map.insert(k, k);
                }
            });
            assert_eq!(map.len(), before + n, "{how}({n}): the keys are distinct");
            if calls.allocs > 0 || (calls.frees > 0 && !growing) {
                failures.push(format!(
                    "{how}({n}): {calls:?} (growing after {how}: {growing})"
                ));
            }
        }
    }
    failures
}

#[test]
fn the_counting_allocator_sees_the_maps_allocations() {
    // Without this, a map that allocated outside the global allocator would pass for free.
    let calls = allocator_calls(|| {
        let mut map: HashMap<u64, u64> = HashMap::new();
        for k in 0..100 {
            map.insert(k, k);
        }
    });
    assert!(
        calls.allocs > 0 && calls.frees > 0,
        "a map grown from empty to 100 entries and dropped allocates and frees: {calls:?}"
    );
}

#[test]
fn n_inserts_after_presizing_an_empty_map_for_n_make_no_allocator_call() {
    let failures = calls_after_presizing(0);
    assert!(
        failures.is_empty(),
        "inserts called the allocator: {failures:?}"
    );
}

#[test]
fn n_inserts_after_reserving_n_more_in_a_filled_map_allocate_nothing() {
    let failures = calls_after_presizing(5000);
    assert!(
        failures.is_empty(),
        "inserts called the allocator: {failures:?}"
    );
}
