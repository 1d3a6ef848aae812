//! Why `gomap::frozen`'s 10M-entry hit lookups trail odht's: the measurements behind the
//! "Lookup cost" section of `gomap::frozen`'s module docs, in one process, interleaved.
//!
//! ```text
//! cargo build --release -p gomap-cli --example frozen_probe
//! nice -n -15 target/release/examples/frozen_probe [N] [REPS]     # default 10000000 7
//! nice -n -15 target/release/examples/frozen_probe --chase        # latency by working set
//! ONLY=THP target/release/examples/frozen_probe ...               # only the variants so named
//! ```
//!
//! Variants, each timing 1M shuffled present `u64` keys (the keys of `gomap bench`), median of
//! REPS interleaved passes: gomap::frozen and odht as `gomap bench --frozen` holds them (heap,
//! 4 KiB pages), the same bytes copied to transparent huge pages, and three odht controls on
//! huge pages: format v2's folded-multiply hash instead of FxHash, eight extra ALU
//! instructions per lookup, and a 40% load factor (control bytes past the L3).

use std::alloc::Layout;
use std::hint::black_box;
use std::time::Instant;

use gomap::frozen::FrozenMap;

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// gomap::frozen format v2's hash of an 8-byte key (the folded multiply), truncated as odht wants it.
#[derive(PartialEq, Eq)]
struct Fold8;
impl odht::HashFn for Fold8 {
    #[inline]
    fn hash(bytes: &[u8]) -> u32 {
        let k = u64::from_le_bytes(bytes.try_into().expect("8-byte keys"));
        let p = ((k ^ 0x5eed) as u128) * 0x9E37_79B9_7F4A_7C15u128;
        ((p as u64) ^ ((p >> 64) as u64)) as u32
    }
}

macro_rules! odht_u64 {
    ($name:ident, $hash:ty) => {
        struct $name;
        impl odht::Config for $name {
            type Key = [u8; 8];
            type Value = u64;
            type EncodedKey = [u8; 8];
            type EncodedValue = [u8; 8];
            type H = $hash;
            #[inline]
            fn encode_key(k: &[u8; 8]) -> [u8; 8] {
                *k
            }
            #[inline]
            fn encode_value(v: &u64) -> [u8; 8] {
                v.to_le_bytes()
            }
            #[inline]
            fn decode_key(k: &[u8; 8]) -> [u8; 8] {
                *k
            }
            #[inline]
            fn decode_value(v: &[u8; 8]) -> u64 {
                u64::from_le_bytes(*v)
            }
        }
    };
}
odht_u64!(OdhtFx, odht::FxHashFn);
odht_u64!(OdhtFold8, Fold8);

/// A zeroed buffer aligned to 2 MiB, advised for transparent huge pages (THP is `madvise` here).
struct Huge {
    ptr: *mut u8,
    layout: Layout,
    len: usize,
}

impl Huge {
    fn zeroed(len: usize) -> Huge {
        let layout = Layout::from_size_align(len.max(1).next_multiple_of(1 << 21), 1 << 21)
            .expect("a valid layout");
        // SAFETY: the layout's size is non-zero.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        assert!(!ptr.is_null(), "out of memory");
        // SAFETY: `ptr..ptr + layout.size()` is the allocation just made; madvise only advises.
        let rc = unsafe { libc::madvise(ptr.cast(), layout.size(), libc::MADV_HUGEPAGE) };
        assert_eq!(rc, 0, "madvise(MADV_HUGEPAGE)");
        Huge { ptr, layout, len }
    }

    fn copy_of(bytes: &[u8]) -> Huge {
        let mut h = Huge::zeroed(bytes.len());
        h.as_mut().copy_from_slice(bytes);
        h
    }

    fn as_mut(&mut self) -> &mut [u8] {
        // SAFETY: `len <= layout.size()` bytes, allocated, zero-initialised, owned by `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    fn as_ref(&self) -> &[u8] {
        // SAFETY: as in `as_mut`, borrowed shared.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Huge {
    fn drop(&mut self) {
        // SAFETY: allocated in `zeroed` with this layout, freed once.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) }
    }
}

fn odht_table<C: odht::Config<Key = [u8; 8], Value = u64>>(
    keys: &[u64],
    slots_for: usize,
) -> odht::HashTableOwned<C> {
    let mut t = odht::HashTableOwned::<C>::with_capacity(slots_for, 87);
    for (i, k) in keys.iter().enumerate() {
        t.insert(&k.to_le_bytes(), &(i as u64));
    }
    t
}

fn frozen_sum(bytes: &[u8], keys: &[u64]) -> u64 {
    let m = FrozenMap::<u64, u64>::from_bytes(bytes).expect("our own file");
    keys.iter()
        .fold(0u64, |a, k| a.wrapping_add(m.get(k).copied().unwrap_or(0)))
}

fn odht_sum<C: odht::Config<Key = [u8; 8], Value = u64>>(bytes: &[u8], keys: &[u64]) -> u64 {
    let t = odht::HashTable::<C, &[u8]>::from_raw_bytes(bytes).expect("odht's own bytes");
    keys.iter().fold(0u64, |a, k| {
        a.wrapping_add(t.get(&k.to_le_bytes()).unwrap_or(0))
    })
}

/// odht with about 8 more (independent) ALU instructions per lookup.
fn odht_padded_sum(bytes: &[u8], keys: &[u64]) -> u64 {
    let t = odht::HashTable::<OdhtFx, &[u8]>::from_raw_bytes(bytes).expect("odht's own bytes");
    keys.iter().fold(0u64, |a, &k| {
        let pad = ((k ^ (k >> 13)).wrapping_mul(0x12345) ^ (k >> 7))
            .rotate_left(9)
            .wrapping_add(k >> 3);
        a.wrapping_add(t.get(&k.to_le_bytes()).unwrap_or(0))
            .wrapping_add(pad)
    })
}

/// Dependent-load latency over a random cyclic walk of `mb` MiB of cache lines, huge pages.
fn chase() {
    for mb in [2usize, 4, 8, 16, 24, 32, 64, 128, 256] {
        let lines = (mb << 20) / 64;
        let mut buf = Huge::zeroed(lines * 64);
        let mut order: Vec<usize> = (0..lines).collect();
        let mut s = 12345u64;
        for i in (1..lines).rev() {
            order.swap(i, (splitmix64(&mut s) % (i as u64 + 1)) as usize);
        }
        let words = buf.as_mut();
        for i in 0..lines {
            let (from, to) = (order[i] * 64, order[(i + 1) % lines] * 64);
            words[from..from + 8].copy_from_slice(&(to as u64).to_le_bytes());
        }
        let words = buf.as_ref();
        let next =
            |at: usize| u64::from_le_bytes(words[at..at + 8].try_into().expect("8 bytes")) as usize;
        let mut at = 0;
        for _ in 0..lines {
            at = next(at);
        }
        let steps = 2_000_000;
        let t = Instant::now();
        for _ in 0..steps {
            at = next(at);
        }
        let ns = t.elapsed().as_nanos() as f64 / steps as f64;
        println!(
            "{mb:>4} MiB: {ns:6.1} ns per dependent load ({})",
            black_box(at) % 2
        );
    }
}

type Run<'a> = (&'static str, Box<dyn Fn(&[u64]) -> u64 + 'a>);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "--chase") {
        return chase();
    }
    let n: usize = args.get(1).map_or(10_000_000, |s| s.parse().expect("N"));
    let reps: usize = args.get(2).map_or(7, |s| s.parse().expect("REPS"));
    let mut s = 0x0123_4567_89AB_CDEFu64;
    let keys: Vec<u64> = (0..n).map(|_| splitmix64(&mut s)).collect();
    let mut look = keys.clone();
    let mut sh = 0xDEAD_BEEF_CAFE_F00Du64;
    for i in (1..look.len()).rev() {
        look.swap(i, (splitmix64(&mut sh) % (i as u64 + 1)) as usize);
    }
    look.truncate(1_000_000);

    let frozen = FrozenMap::<u64, u64>::build(keys.iter().zip(0u64..)).expect("distinct keys");
    let info = *FrozenMap::<u64, u64>::from_bytes(&frozen)
        .expect("our own file")
        .info();
    let odht = odht_table::<OdhtFx>(&keys, n);
    let odht_fold8 = odht_table::<OdhtFold8>(&keys, n);
    // 0.87 * slots / 0.40: twice the slots, so the control bytes no longer fit the L3.
    let odht_big = odht_table::<OdhtFx>(&keys, n * 87 / 40);
    drop(keys);
    let frozen_thp = Huge::copy_of(&frozen);
    let odht_thp = Huge::copy_of(odht.raw_bytes());
    let fold8_thp = Huge::copy_of(odht_fold8.raw_bytes());
    let big_thp = Huge::copy_of(odht_big.raw_bytes());
    let buckets = (1usize << info.log2_buckets) + info.overflow_buckets as usize;
    println!(
        "n = {n}: gomap::frozen {:.1} MB ({:.1} MB bucket records, {:.2} entries per head bucket), odht {:.1} MB ({:.1} MB control bytes), odht 40% {:.1} MB",
        frozen.len() as f64 / 1e6,
        (buckets * 16) as f64 / 1e6,
        n as f64 / (1u64 << info.log2_buckets) as f64,
        odht.raw_bytes().len() as f64 / 1e6,
        odht.raw_bytes().len() as f64 / 17e6,
        odht_big.raw_bytes().len() as f64 / 1e6,
    );
    let runs: Vec<Run> = vec![
        ("gomap::frozen (heap)", Box::new(|k| frozen_sum(&frozen, k))),
        (
            "odht (heap)",
            Box::new(|k| odht_sum::<OdhtFx>(odht.raw_bytes(), k)),
        ),
        (
            "gomap::frozen THP",
            Box::new(|k| frozen_sum(frozen_thp.as_ref(), k)),
        ),
        (
            "odht THP",
            Box::new(|k| odht_sum::<OdhtFx>(odht_thp.as_ref(), k)),
        ),
        (
            "odht THP + fold8 hash",
            Box::new(|k| odht_sum::<OdhtFold8>(fold8_thp.as_ref(), k)),
        ),
        (
            "odht THP + 8 instructions",
            Box::new(|k| odht_padded_sum(odht_thp.as_ref(), k)),
        ),
        (
            "odht THP 40% load",
            Box::new(|k| odht_sum::<OdhtFx>(big_thp.as_ref(), k)),
        ),
    ];
    let only = std::env::var("ONLY").ok();
    let runs: Vec<Run> = runs
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| name.contains(o)))
        .collect();
    let want: Vec<u64> = runs.iter().map(|(_, f)| f(&look)).collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
    for rep in 0..reps {
        for j in 0..runs.len() {
            let i = (j + rep) % runs.len();
            let t = Instant::now();
            let sum = black_box(runs[i].1(black_box(&look)));
            times[i].push(t.elapsed().as_nanos() as f64 / look.len() as f64);
            assert_eq!(sum, want[i], "{}", runs[i].0);
        }
    }
    for ((name, _), t) in runs.iter().zip(&mut times) {
        t.sort_by(f64::total_cmp);
        println!(
            "{name:<27} hit median {:6.1} ns  min {:6.1} ns",
            t[t.len() / 2],
            t[0]
        );
    }
}
