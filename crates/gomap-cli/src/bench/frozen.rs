//! `gomap bench --frozen`: gomap's frozen maps against the tables Rust users write to disk
//! (odht, rkyv's archived `HashMap` validated and unchecked, fst) and against in-memory gomap and
//! hashbrown, for `u64 -> u64` and `String -> u64` (the 16-hex-digit keys of `gomap bench`).
//!
//! Per table and size: the build time (from the keys to the finished bytes or map, once), the
//! open time (`from_bytes` and its counterparts; rkyv's validated `access` is its O(n) check),
//! `verify` where there is one, bytes per entry (the file, or the heap of an in-memory map),
//! and warm hit and miss lookups: the repetitions interleave the tables (the starting one
//! rotates), each timing lookups of up to 1M shuffled present keys and 1M absent ones (20K for
//! fst, whose lookups cost about a microsecond), summing the values found; the median is shown.
//! The peak heap of the frozen build, relative to its output, is printed too.

use std::collections::HashMap as StdHashMap;
use std::hash::Hash;
use std::hint::black_box;
use std::time::Instant;

use gomap::frozen::{AlignedBytes, FrozenMap, Item};
use rkyv::rancor;

use super::BenchArgs;
use crate::alloc_counter;
use crate::keys;

/// A key type of the frozen benchmark.
trait FKey: Clone + Hash + Eq + Ord + 'static {
    const NAME: &'static str;
    /// The key as gomap::frozen stores it.
    type Frozen: Item + ?Sized;
    /// odht's fixed-size encoding.
    type Odht: odht::Config<Key = Self::OdhtBytes, Value = u64>;
    type OdhtBytes;
    fn make(k: u64) -> Self;
    fn frozen(&self) -> &Self::Frozen;
    fn odht(&self) -> Self::OdhtBytes;
    /// fst's byte string (sorting as the keys do).
    fn with_fst_key<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
    fn rkyv_bytes(map: &StdHashMap<Self, u64>) -> rkyv::util::AlignedVec;
    fn rkyv_get(bytes: &[u8], keys: &[Self]) -> u64;
    fn rkyv_validate(bytes: &[u8]) -> bool;
}

macro_rules! odht_config {
    ($name:ident, $n:literal) => {
        struct $name;
        impl odht::Config for $name {
            type Key = [u8; $n];
            type Value = u64;
            type EncodedKey = [u8; $n];
            type EncodedValue = [u8; 8];
            type H = odht::FxHashFn;
            #[inline]
            fn encode_key(k: &[u8; $n]) -> [u8; $n] {
                *k
            }
            #[inline]
            fn encode_value(v: &u64) -> [u8; 8] {
                v.to_le_bytes()
            }
            #[inline]
            fn decode_key(k: &[u8; $n]) -> [u8; $n] {
                *k
            }
            #[inline]
            fn decode_value(v: &[u8; 8]) -> u64 {
                u64::from_le_bytes(*v)
            }
        }
    };
}
odht_config!(OdhtU64, 8);
odht_config!(OdhtStr, 16);

impl FKey for u64 {
    const NAME: &'static str = "u64";
    type Frozen = u64;
    type Odht = OdhtU64;
    type OdhtBytes = [u8; 8];
    fn make(k: u64) -> u64 {
        k
    }
    #[inline]
    fn frozen(&self) -> &u64 {
        self
    }
    #[inline]
    fn odht(&self) -> [u8; 8] {
        self.to_le_bytes()
    }
    #[inline]
    fn with_fst_key<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(&self.to_be_bytes())
    }
    fn rkyv_bytes(map: &StdHashMap<u64, u64>) -> rkyv::util::AlignedVec {
        rkyv::to_bytes::<rancor::Error>(map).expect("rkyv serialises a HashMap")
    }
    fn rkyv_get(bytes: &[u8], keys: &[u64]) -> u64 {
        // SAFETY: `bytes` are what `rkyv_bytes` wrote for this type (and were validated once
        // by the open measurement).
        let map = unsafe { rkyv::access_unchecked::<rkyv::Archived<StdHashMap<u64, u64>>>(bytes) };
        keys.iter().fold(0u64, |acc, k| {
            let v = map.get(&rkyv::rend::u64_le::from_native(*k));
            acc.wrapping_add(v.map_or(0, |v| v.to_native()))
        })
    }
    fn rkyv_validate(bytes: &[u8]) -> bool {
        rkyv::access::<rkyv::Archived<StdHashMap<u64, u64>>, rancor::Error>(bytes).is_ok()
    }
}

impl FKey for String {
    const NAME: &'static str = "str";
    type Frozen = str;
    type Odht = OdhtStr;
    type OdhtBytes = [u8; 16];
    fn make(k: u64) -> String {
        keys::hex16(k)
    }
    #[inline]
    fn frozen(&self) -> &str {
        self
    }
    #[inline]
    fn odht(&self) -> [u8; 16] {
        // The keys are 16 hex digits: odht needs a fixed size, and these fit exactly.
        self.as_bytes().try_into().expect("16-digit keys")
    }
    #[inline]
    fn with_fst_key<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
    fn rkyv_bytes(map: &StdHashMap<String, u64>) -> rkyv::util::AlignedVec {
        rkyv::to_bytes::<rancor::Error>(map).expect("rkyv serialises a HashMap")
    }
    fn rkyv_get(bytes: &[u8], keys: &[String]) -> u64 {
        // SAFETY: as for u64: the bytes are rkyv's own output for this type.
        let map =
            unsafe { rkyv::access_unchecked::<rkyv::Archived<StdHashMap<String, u64>>>(bytes) };
        keys.iter().fold(0u64, |acc, k| {
            acc.wrapping_add(map.get(k.as_str()).map_or(0, |v| v.to_native()))
        })
    }
    fn rkyv_validate(bytes: &[u8]) -> bool {
        rkyv::access::<rkyv::Archived<StdHashMap<String, u64>>, rancor::Error>(bytes).is_ok()
    }
}

/// One table under test, built.
enum Table<K: FKey> {
    Frozen(AlignedBytes),
    Odht(odht::HashTableOwned<K::Odht>),
    RkyvValidated(rkyv::util::AlignedVec),
    RkyvUnchecked(rkyv::util::AlignedVec),
    Fst(fst::Map<Vec<u8>>),
    Gomap(gomap::HashMap<K, u64>),
    Hashbrown(hashbrown::HashMap<K, u64>),
}

impl<K: FKey> Table<K> {
    fn name(&self) -> &'static str {
        match self {
            Table::Frozen(_) => "gomap::frozen",
            Table::Odht(_) => "odht",
            Table::RkyvValidated(_) => "rkyv (validated)",
            Table::RkyvUnchecked(_) => "rkyv (unchecked)",
            Table::Fst(_) => "fst",
            Table::Gomap(_) => "gomap (memory)",
            Table::Hashbrown(_) => "hashbrown (memory)",
        }
    }

    /// The wrapping sum of the values of `keys` (absent: 0).
    fn lookups(&self, keys: &[K]) -> u64 {
        match self {
            Table::Frozen(bytes) => {
                let map = FrozenMap::<K::Frozen, u64>::from_bytes(bytes).expect("our own file");
                keys.iter().fold(0u64, |acc, k| {
                    acc.wrapping_add(map.get(k.frozen()).copied().unwrap_or(0))
                })
            }
            Table::Odht(t) => {
                let t = odht::HashTable::<K::Odht, &[u8]>::from_raw_bytes(t.raw_bytes())
                    .expect("odht's own bytes");
                keys.iter().fold(0u64, |acc, k| {
                    acc.wrapping_add(t.get(&k.odht()).unwrap_or(0))
                })
            }
            Table::RkyvValidated(b) | Table::RkyvUnchecked(b) => K::rkyv_get(b, keys),
            Table::Fst(m) => keys.iter().fold(0u64, |acc, k| {
                acc.wrapping_add(k.with_fst_key(|b| m.get(b)).unwrap_or(0))
            }),
            Table::Gomap(m) => keys.iter().fold(0u64, |acc, k| {
                acc.wrapping_add(m.get(k).copied().unwrap_or(0))
            }),
            Table::Hashbrown(m) => keys.iter().fold(0u64, |acc, k| {
                acc.wrapping_add(m.get(k).copied().unwrap_or(0))
            }),
        }
    }

    /// Lookups per timed pass: fst's cost about a microsecond each.
    fn sample(&self, n: usize) -> usize {
        match self {
            Table::Fst(_) => n.min(20_000),
            _ => n.min(1_000_000),
        }
    }
}

/// What was measured of one table at one size.
struct Row {
    name: &'static str,
    build_ms: f64,
    open: Option<f64>,
    verify_ms: Option<f64>,
    bytes_per_entry: f64,
    hit: Vec<f64>,
    miss: Vec<f64>,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// Times `f` (run `times` times), in nanoseconds per run.
fn time_ns(times: usize, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    for _ in 0..times {
        f();
    }
    t.elapsed().as_nanos() as f64 / times as f64
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

/// Builds every table of `n` keys, measuring build, open, verify and size.
fn build_all<K: FKey>(hit: &[K]) -> Vec<(Table<K>, Row)> {
    let n = hit.len();
    let row = |name, build_ms, open, verify_ms, bytes: usize| Row {
        name,
        build_ms,
        open,
        verify_ms,
        bytes_per_entry: bytes as f64 / n as f64,
        hit: Vec::new(),
        miss: Vec::new(),
    };
    let mut out = Vec::new();
    let pairs = || hit.iter().enumerate().map(|(i, k)| (k.frozen(), i as u64));

    // gomap::frozen.
    let before = alloc_counter::live_bytes();
    alloc_counter::reset_peak();
    let t = Instant::now();
    let bytes = FrozenMap::<K::Frozen, u64>::build(pairs()).expect("distinct keys");
    let build = ms(t);
    let peak = alloc_counter::peak_bytes().saturating_sub(before);
    eprintln!(
        "  gomap::frozen {} n={n}: build peak heap {:.2}x the output",
        K::NAME,
        peak as f64 / bytes.len() as f64
    );
    let open = time_ns(1000, || {
        black_box(FrozenMap::<K::Frozen, u64>::from_bytes(black_box(&bytes)).is_ok());
    });
    let t = Instant::now();
    FrozenMap::<K::Frozen, u64>::from_bytes(&bytes)
        .and_then(|m| m.verify())
        .expect("a fresh build verifies");
    let verify = ms(t);
    let len = bytes.len();
    out.push((
        Table::Frozen(bytes),
        row("", build, Some(open), Some(verify), len),
    ));

    // odht, at its default load factor (87%).
    let t = Instant::now();
    let mut o = odht::HashTableOwned::<K::Odht>::with_capacity(n, 87);
    for (i, k) in hit.iter().enumerate() {
        o.insert(&k.odht(), &(i as u64));
    }
    let build = ms(t);
    let open = time_ns(1000, || {
        black_box(
            odht::HashTable::<K::Odht, &[u8]>::from_raw_bytes(black_box(o.raw_bytes())).is_ok(),
        );
    });
    let len = o.raw_bytes().len();
    out.push((Table::Odht(o), row("", build, Some(open), None, len)));

    // rkyv: a std HashMap archived; validated access is O(n), unchecked O(1).
    let t = Instant::now();
    let std_map: StdHashMap<K, u64> = hit.iter().cloned().zip(0u64..).collect();
    let archived = K::rkyv_bytes(&std_map);
    let build = ms(t);
    drop(std_map);
    let t = Instant::now();
    assert!(K::rkyv_validate(&archived), "rkyv validates its own bytes");
    let validate = ms(t);
    let len = archived.len();
    out.push((
        Table::RkyvValidated(archived.clone()),
        row("", build, Some(validate * 1e6), Some(validate), len),
    ));
    out.push((
        Table::RkyvUnchecked(archived),
        row("", build, Some(0.0), None, len),
    ));

    // fst: keys sorted, then streamed into the automaton.
    let t = Instant::now();
    let mut sorted: Vec<(&K, u64)> = hit.iter().zip(0u64..).collect();
    sorted.sort_unstable();
    let mut b = fst::MapBuilder::memory();
    for (k, v) in sorted {
        k.with_fst_key(|bytes| b.insert(bytes, v))
            .expect("sorted distinct keys");
    }
    let fst_bytes = b.into_inner().expect("fst builds in memory");
    let build = ms(t);
    let open = time_ns(1000, || {
        black_box(fst::Map::new(black_box(&fst_bytes[..])).is_ok());
    });
    let len = fst_bytes.len();
    let m = fst::Map::new(fst_bytes).expect("fst's own bytes");
    out.push((Table::Fst(m), row("", build, Some(open), None, len)));

    // In memory: inserts into an empty map; the heap it holds afterwards.
    let (g, build, heap) = in_memory(hit, gomap::HashMap::new(), gomap::HashMap::insert);
    out.push((Table::Gomap(g), row("", build, None, None, heap)));
    let (h, build, heap) = in_memory(hit, hashbrown::HashMap::new(), hashbrown::HashMap::insert);
    out.push((Table::Hashbrown(h), row("", build, None, None, heap)));

    for (t, r) in &mut out {
        r.name = t.name();
    }
    out
}

/// Inserts `hit` (value = index) into `map`: the map, the build time in ms and its heap bytes.
fn in_memory<K: FKey, M>(
    hit: &[K],
    mut map: M,
    insert: impl Fn(&mut M, K, u64) -> Option<u64>,
) -> (M, f64, usize) {
    let before = alloc_counter::live_bytes();
    let t = Instant::now();
    for (i, k) in hit.iter().enumerate() {
        insert(&mut map, k.clone(), i as u64);
    }
    let build = ms(t);
    (map, build, alloc_counter::live_bytes() - before)
}

fn run_size<K: FKey>(n: usize, reps: usize) -> Vec<Row> {
    let (hit_u, miss_u) = keys::gen_keys(n);
    let hit: Vec<K> = hit_u.iter().map(|&k| K::make(k)).collect();
    let lookup_hit: Vec<K> = keys::shuffled(&hit).into_iter().take(1_000_000).collect();
    let lookup_miss: Vec<K> = miss_u.iter().take(1_000_000).map(|&k| K::make(k)).collect();
    drop(miss_u);
    let mut tables = build_all(&hit);
    drop(hit);
    let expect_hit: u64 = {
        // The values are the keys' indices; every table must agree on the sum.
        let (t, _) = &tables[0];
        t.lookups(&lookup_hit[..t.sample(n)])
    };
    // One warm-up pass each, then the interleaved repetitions.
    for (t, _) in &tables {
        black_box(t.lookups(&lookup_hit[..t.sample(n)]));
        black_box(t.lookups(&lookup_miss[..t.sample(n)]));
    }
    let count = tables.len();
    for rep in 0..reps {
        for j in 0..count {
            let (t, r) = &mut tables[(j + rep) % count];
            let s = t.sample(n);
            let start = Instant::now();
            let sum = black_box(t.lookups(black_box(&lookup_hit[..s])));
            r.hit.push(start.elapsed().as_nanos() as f64 / s as f64);
            if s == n.min(1_000_000) {
                assert_eq!(sum, expect_hit, "{} disagrees on the hit sum", r.name);
            }
            let start = Instant::now();
            let sum = black_box(t.lookups(black_box(&lookup_miss[..s])));
            r.miss.push(start.elapsed().as_nanos() as f64 / s as f64);
            assert_eq!(sum, 0, "{} found an absent key", r.name);
        }
    }
    tables.into_iter().map(|(_, r)| r).collect()
}

fn fmt_open(ns: Option<f64>) -> String {
    match ns {
        None => "-".into(),
        Some(ns) if ns < 1e3 => format!("{ns:.0} ns"),
        Some(ns) if ns < 1e6 => format!("{:.1} us", ns / 1e3),
        Some(ns) => format!("{:.1} ms", ns / 1e6),
    }
}

fn print_rows(keys: &str, n: usize, rows: &mut [Row]) {
    println!("\n{keys} -> u64, n = {n}");
    println!(
        "{:<20} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>11} {:>11}",
        "table",
        "build ms",
        "open",
        "verify ms",
        "hit ns",
        "miss ns",
        "B/entry",
        "hit/frozen",
        "miss/frozen"
    );
    let medians: Vec<(f64, f64)> = rows
        .iter_mut()
        .map(|r| (median(&mut r.hit), median(&mut r.miss)))
        .collect();
    let (fh, fm) = medians[0];
    for (r, (h, m)) in rows.iter().zip(&medians) {
        println!(
            "{:<20} {:>10.1} {:>10} {:>10} {:>9.1} {:>9.1} {:>9.1} {:>11.2} {:>11.2}",
            r.name,
            r.build_ms,
            fmt_open(r.open),
            r.verify_ms.map_or("-".into(), |v| format!("{v:.1}")),
            h,
            m,
            r.bytes_per_entry,
            h / fh,
            m / fm
        );
    }
}

/// `gomap bench --frozen`.
pub(crate) fn run(args: &BenchArgs) -> Result<(), String> {
    let sizes = args.n.clone();
    let reps = args.reps.unwrap_or(5).max(1);
    // --keys: u64, str or all (the default), comma-separated.
    let (mut u64_keys, mut str_keys) = (false, false);
    for k in args.keys.split(',').map(str::trim) {
        match k {
            "u64" => u64_keys = true,
            "str" => str_keys = true,
            "all" => (u64_keys, str_keys) = (true, true),
            other => return Err(format!("unknown key type {other:?} (u64, str or all)")),
        }
    }
    println!(
        "gomap bench --frozen: sizes {:?}, {reps} interleaved repetitions (median shown); lookups of up to 1M keys per pass (fst: 20K)",
        sizes
    );
    for &n in &sizes {
        if u64_keys {
            let mut rows = run_size::<u64>(n, reps);
            print_rows("u64", n, &mut rows);
        }
        if str_keys {
            let mut rows = run_size::<String>(n, reps);
            print_rows("str", n, &mut rows);
        }
    }
    Ok(())
}
