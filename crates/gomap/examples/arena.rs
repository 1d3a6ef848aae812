//! Building a map of 1M `u64 -> u64` entries in a bumpalo arena, against the global allocator:
//! the time to build it, the time to free it, and the calls the build makes into the global
//! allocator (counted by the `#[global_allocator]` below).
//!
//! ```text
//! cargo run --release -p gomap --example arena [N]
//! ```
//!
//! The arena is sized before the build from a first, untimed build (bumpalo's own chunks come
//! from the global allocator, so an arena that had to grow would call it). In the arena, a grow
//! cannot give the old bucket array back (a bump allocator frees only its last block), so the
//! arena ends up holding every array the map went through (below: 128 MiB against the 36.6 MiB
//! of a presized build); `with_capacity_in` allocates the final array once. Building in the
//! arena is as fast as in the global allocator and makes no call to it; freeing it unmaps all it
//! holds at once.
//!
//! Measured output (a shared 2-core x86_64 box, 2026-12-01, `nice -n -15`, under the bench lock):
//!
//! ```text
//! 1000000 u64 -> u64 inserts of distinct random keys; median of 5 runs
//! allocator                           build ms ns/insert   free ms  global calls  arena MiB
//! global, HashMap::with_hasher           238.0     238.0      4.00           149          -
//! global, with_capacity_and_hasher        64.0      64.0      3.59             1          -
//! bumpalo, with_hasher_in                208.4     208.4      7.66             0      128.0
//! bumpalo, with_capacity_and_hasher_in      66.3      66.3      3.87             0       36.6
//! (global calls: the most any one build made, counted by a #[global_allocator])
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bumpalo::Bump;
use gomap::{DefaultHashBuilder, HashMap};

/// The system allocator, counting every call.
struct Counting;

static CALLS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; counting is
// an atomic add.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded as received; `ptr` came from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CALLS.fetch_add(1, Relaxed);
        // SAFETY: forwarded as received.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// splitmix64: distinct pseudo-random keys.
fn keys(n: usize) -> Vec<u64> {
    let mut s = 0x5eed_u64;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

/// Runs `f`, returning its result, its time and the global allocator calls it made.
fn measure<R>(f: impl FnOnce() -> R) -> (R, Duration, usize) {
    let calls = CALLS.load(Relaxed);
    let start = Instant::now();
    let r = f();
    let t = start.elapsed();
    (r, t, CALLS.load(Relaxed) - calls)
}

/// One build: the map is filled with `keys` through `make`, then dropped (with its arena).
struct Run {
    build: Duration,
    build_calls: usize,
    free: Duration,
    arena_bytes: usize,
}

/// Fills a map in `bump` with `keys` (room for all of them first when `presized`).
fn build_in<'b>(
    bump: &'b Bump,
    keys: &[u64],
    hasher: &DefaultHashBuilder,
    presized: bool,
) -> HashMap<u64, u64, DefaultHashBuilder, &'b Bump> {
    let mut map = if presized {
        HashMap::with_capacity_and_hasher_in(keys.len(), hasher.clone(), bump)
    } else {
        HashMap::with_hasher_in(hasher.clone(), bump)
    };
    for &k in keys {
        map.insert(k, k);
    }
    map
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("N, a number of entries"))
        .unwrap_or(1_000_000);
    let keys = keys(n);
    let hasher = DefaultHashBuilder::default();
    let _ = hasher.hash_one(0u64); // the hasher's first use may set up thread-locals
    const REPS: usize = 5;

    let global = |presized: bool| -> Run {
        let (map, build, build_calls) = measure(|| {
            let mut map = if presized {
                HashMap::with_capacity_and_hasher(n, hasher.clone())
            } else {
                HashMap::with_hasher(hasher.clone())
            };
            for &k in &keys {
                map.insert(k, k);
            }
            map
        });
        assert_eq!(map.len(), n);
        let ((), free, _) = measure(|| drop(map));
        Run {
            build,
            build_calls,
            free,
            arena_bytes: 0,
        }
    };

    let arena = |presized: bool| -> Run {
        // An untimed build learns the arena's size; the timed one gets an arena that big.
        let probe = Bump::new();
        drop(build_in(&probe, &keys, &hasher, presized));
        let bump = Bump::with_capacity(probe.allocated_bytes());
        drop(probe);
        let (map, build, build_calls) = measure(|| build_in(&bump, &keys, &hasher, presized));
        assert_eq!(map.len(), n);
        let arena_bytes = bump.allocated_bytes();
        let start = Instant::now();
        drop(map);
        drop(bump);
        let free = start.elapsed();
        Run {
            build,
            build_calls,
            free,
            arena_bytes,
        }
    };

    println!("{n} u64 -> u64 inserts of distinct random keys; median of {REPS} runs");
    println!(
        "{:<34} {:>9} {:>9} {:>9} {:>13} {:>10}",
        "allocator", "build ms", "ns/insert", "free ms", "global calls", "arena MiB"
    );
    let variants: [(&str, &dyn Fn() -> Run); 4] = [
        ("global, HashMap::with_hasher", &|| global(false)),
        ("global, with_capacity_and_hasher", &|| global(true)),
        ("bumpalo, with_hasher_in", &|| arena(false)),
        ("bumpalo, with_capacity_and_hasher_in", &|| arena(true)),
    ];
    for (name, run) in variants {
        let runs: Vec<Run> = (0..REPS).map(|_| run()).collect();
        let build = median(runs.iter().map(|r| r.build).collect());
        let free = median(runs.iter().map(|r| r.free).collect());
        let calls = runs.iter().map(|r| r.build_calls).max().unwrap_or(0);
        let bytes = runs[0].arena_bytes;
        println!(
            "{:<34} {:>9.1} {:>9.1} {:>9.2} {:>13} {:>10}",
            name,
            build.as_secs_f64() * 1e3,
            build.as_secs_f64() * 1e9 / n as f64,
            free.as_secs_f64() * 1e3,
            calls,
            if bytes == 0 {
                "-".to_string()
            } else {
                format!("{:.1}", bytes as f64 / (1 << 20) as f64)
            },
        );
    }
    println!("(global calls: the most any one build made, counted by a #[global_allocator])");
}
