//! `gomap::frozen`, read as a specification: what goes in comes out, from memory, from a file and
//! from a memory map, for every kind of key and value; what the header promises (byte order,
//! layout, alignment) is enforced; duplicates are refused.

mod common;

use std::borrow::Borrow;
use std::collections::HashMap as StdHashMap;
use std::fmt::Debug;
use std::hash::Hash;

use common::{scaled, Rng};
use gomap::frozen::{self, Error, FrozenMap, Item, Kind, Options, Pair};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Builds a frozen map of `n` entries made by `make`, and checks it against std's map: every key
/// found with its value, `misses` absent keys not found, `iter`/`keys`/`values`/`len` agreeing,
/// `verify` passing, the snapshot holding `n` live slots in `2^B` chains.
fn round_trip<K, V, KO, VO>(n: usize, make: impl Fn(u64) -> (KO, VO), miss: impl Fn(u64) -> KO)
where
    K: Item + ?Sized + Debug + Hash + Eq,
    V: Item + ?Sized + Debug + PartialEq,
    KO: Borrow<K> + Hash + Eq + Clone + Debug,
    VO: Borrow<V> + Clone,
{
    let want: StdHashMap<KO, VO> = (0..n as u64).map(&make).collect();
    assert_eq!(want.len(), n, "the generator makes distinct keys");
    let bytes =
        FrozenMap::<K, V>::build(want.iter().map(|(k, v)| (k.clone(), v.clone()))).expect("build");
    let map = FrozenMap::<K, V>::from_bytes(&bytes).expect("from_bytes");
    map.verify().expect("verify of a fresh build");
    assert_eq!(map.len(), n);
    assert_eq!(map.is_empty(), n == 0);
    for (k, v) in &want {
        assert_eq!(map.get(k.borrow()), Some(v.borrow()), "get({k:?})");
        assert!(map.contains_key(k.borrow()));
        assert_eq!(
            map.get_key_value(k.borrow()),
            Some((k.borrow(), v.borrow()))
        );
    }
    for i in 0..(n as u64).clamp(100, 10_000) {
        let k = miss(i);
        assert!(
            !want.contains_key::<KO>(&k),
            "miss generator made a present key"
        );
        assert_eq!(map.get(k.borrow()), None, "absent key {k:?} found");
    }
    assert_eq!(map.iter().count(), n);
    assert_eq!(map.keys().count(), n);
    assert_eq!(map.values().count(), n);
    // Every entry iter yields is one of the input's: each found by get with the same value,
    // and as many as the input's (which has distinct keys).
    let input: std::collections::HashSet<&K> = want.keys().map(|k| k.borrow()).collect();
    for (k, v) in map.iter() {
        assert!(input.contains(k), "iter yielded {k:?}, not in the input");
        assert_eq!(map.get(k), Some(v), "iter yielded {k:?} => {v:?}");
    }
    let snap = map.snapshot();
    assert_eq!(snap.buckets.len(), 1 << snap.log2_buckets);
    assert!(snap.old.is_none());
    let live: usize = snap.buckets.iter().map(|c| c.live()).sum();
    assert_eq!(live, n, "snapshot live slots");
    let info = map.info();
    assert_eq!(info.len, n as u64);
    assert_eq!(info.key_kind, K::KIND);
    assert_eq!(info.value_kind, V::KIND);
    assert_eq!(frozen::info(&bytes).expect("info"), *info);
    // The format's load: at most 4 entries per chain on average, and the fewest chains that
    // allow it.
    assert!(n as u64 <= 4 << info.log2_buckets);
    assert!(info.log2_buckets == 0 || n as u64 > 4 << (info.log2_buckets - 1));
    // Written to a Write, the bytes are the same (given the same seed).
    let seed = info.seed;
    let mut written = Vec::new();
    let len = FrozenMap::<K, V>::write(
        want.iter().map(|(k, v)| (k.clone(), v.clone())),
        &Options::with_seed(seed),
        &mut written,
    )
    .expect("write");
    assert_eq!(len as usize, written.len());
    let rebuilt = FrozenMap::<K, V>::build_with(
        want.iter().map(|(k, v)| (k.clone(), v.clone())),
        &Options::with_seed(seed),
    )
    .expect("build_with");
    assert_eq!(&written[..], &rebuilt[..], "write and build_with agree");
}

fn sizes() -> Vec<usize> {
    let mut v = vec![
        0, 1, 2, 4, 5, 7, 8, 9, 13, 14, 15, 16, 17, 63, 64, 65, 100, 1000, 4096, 4097, 6656, 6657,
    ];
    v.push(scaled(100_000));
    v.push(scaled(1_000_000));
    v
}

#[test]
fn u64_to_u64_round_trips_at_every_size() {
    for n in sizes() {
        round_trip::<u64, u64, _, _>(
            n,
            |i| (common::mix64(i), i),
            |i| common::mix64((i + 1) << 40),
        );
    }
}

#[test]
fn str_to_u64_round_trips() {
    for n in sizes() {
        round_trip::<str, u64, _, _>(n, |i| (format!("key-{i}"), i * 3), |i| format!("miss-{i}"));
    }
}

#[test]
fn u64_to_str_and_bytes_to_bytes_round_trip() {
    for n in [0, 1, 9, 500, scaled(20_000)] {
        round_trip::<u64, str, _, _>(n, |i| (i, "v".repeat(i as usize % 7)), |i| i + (1 << 50));
        round_trip::<[u8], [u8], _, _>(
            n,
            |i| {
                let mut key = i.to_string().into_bytes();
                key.resize(key.len() + (i % 3) as usize, 0);
                (key, vec![i as u8; (i % 3) as usize])
            },
            |i| (i + (1 << 60)).to_be_bytes().to_vec(),
        );
        round_trip::<str, str, _, _>(
            n,
            |i| (format!("{i:x}"), format!("{i}")),
            |i| format!("z{i}"),
        );
    }
}

/// A user's fixed-size type: `#[repr(C)]`, no padding, zerocopy's derives.
#[derive(FromBytes, IntoBytes, Immutable, KnownLayout, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(C)]
struct Point {
    x: i32,
    y: i32,
    z: u64,
}

#[test]
fn small_and_struct_types_round_trip() {
    for n in [0, 1, 8, 9, 300, 5000] {
        round_trip::<u8, u8, _, _>(
            n.min(200),
            |i| (i as u8, !(i as u8)),
            |i| 200 + (i % 56) as u8,
        );
        round_trip::<u32, [u8; 3], _, _>(
            n,
            |i| (i as u32, [i as u8, 1, 2]),
            |i| (i as u32) | 1 << 31,
        );
        round_trip::<Point, i16, _, _>(
            n,
            |i| {
                (
                    Point {
                        x: i as i32,
                        y: -(i as i32),
                        z: i * i,
                    },
                    i as i16,
                )
            },
            |i| Point {
                x: 0,
                y: 1,
                z: i + (1 << 40),
            },
        );
    }
}

#[test]
fn entries_is_the_whole_array_zero_copy() {
    let bytes = FrozenMap::<u64, u32>::build((0..1000u64).map(|i| (i, i as u32 + 7))).unwrap();
    let map = FrozenMap::<u64, u32>::from_bytes(&bytes).unwrap();
    let entries: &[Pair<u64, u32>] = map.entries();
    assert_eq!(entries.len(), 1000);
    let range = bytes.as_ptr_range();
    assert!(
        range.contains(&entries.as_ptr().cast()),
        "entries point into the bytes"
    );
    let mut keys: Vec<u64> = entries.iter().map(|p| p.key).collect();
    keys.sort_unstable();
    assert_eq!(keys, (0..1000).collect::<Vec<_>>());
    assert!(entries.iter().all(|p| p.value == p.key as u32 + 7));
    let iter_order: Vec<u64> = map.keys().copied().collect();
    assert_eq!(
        iter_order,
        entries.iter().map(|p| p.key).collect::<Vec<_>>()
    );
}

#[test]
fn freeze_writes_a_gomap_hashmap() {
    let mut live: gomap::HashMap<String, u64> = gomap::HashMap::new();
    for i in 0..scaled(50_000) as u64 {
        live.insert(format!("k{i}"), i);
    }
    let mut out = Vec::new();
    let n = live
        .freeze::<str, u64>(&Options::default(), &mut out)
        .unwrap();
    assert_eq!(n as usize, out.len());
    let bytes = frozen::AlignedBytes::copy_from(&out);
    let map = FrozenMap::<str, u64>::from_bytes(&bytes).unwrap();
    map.verify().unwrap();
    assert_eq!(map.len(), live.len());
    for (k, v) in &live {
        assert_eq!(map.get(k), Some(v));
    }
    let nums: gomap::HashMap<u64, u64> = (0..1000u64).map(|i| (i, i + 1)).collect();
    let bytes = nums
        .freeze_to_bytes::<u64, u64>(&Options::with_seed(1))
        .unwrap();
    let map = FrozenMap::<u64, u64>::from_bytes(&bytes).unwrap();
    assert!(nums.iter().all(|(k, v)| map.get(k) == Some(v)));
}

#[test]
fn a_fixed_seed_gives_identical_bytes_whatever_the_input_order() {
    let a = FrozenMap::<str, u32>::build_with(
        (0..500u32).map(|i| (i.to_string(), i)),
        &Options::with_seed(42),
    )
    .unwrap();
    let b = FrozenMap::<str, u32>::build_with(
        (0..500u32).rev().map(|i| (i.to_string(), i)),
        &Options::with_seed(42),
    );
    // The arena keeps the input order, so only fixed-size maps are order-independent.
    assert!(b.is_ok());
    let c = FrozenMap::<u32, u32>::build_with((0..500u32).map(|i| (i, i)), &Options::with_seed(42));
    let d = FrozenMap::<u32, u32>::build_with(
        (0..500u32).rev().map(|i| (i, i)),
        &Options::with_seed(42),
    );
    assert_eq!(&c.unwrap()[..], &d.unwrap()[..]);
    assert_eq!(frozen::info(&a).unwrap().seed, 42);
}

#[test]
fn duplicate_keys_are_refused() {
    let err = FrozenMap::<str, u32>::build([("a", 1), ("b", 2), ("a", 3)]).unwrap_err();
    match err {
        Error::DuplicateKey(k) => assert_eq!(&*k, b"a"),
        e => panic!("expected DuplicateKey, got {e}"),
    }
    assert!(
        err_text(FrozenMap::<u64, u32>::build([(5u64, 1u32), (5, 1)])).contains("duplicate key")
    );
}

fn err_text<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_file_must_hold_the_types_asked_for() {
    let bytes = FrozenMap::<u64, u64>::build([(1u64, 2u64)]).unwrap();
    assert!(matches!(
        FrozenMap::<u32, u64>::from_bytes(&bytes),
        Err(Error::Layout { .. })
    ));
    assert!(matches!(
        FrozenMap::<str, u64>::from_bytes(&bytes),
        Err(Error::Layout { .. })
    ));
    assert!(matches!(
        FrozenMap::<u64, [u8]>::from_bytes(&bytes),
        Err(Error::Layout { .. })
    ));
    // Same layout, other type: read as raw bits, by design (the layout is what is checked).
    assert_eq!(
        FrozenMap::<u64, i64>::from_bytes(&bytes).unwrap().get(&1),
        Some(&2)
    );
    let info = frozen::info(&bytes).unwrap();
    assert_eq!((info.key_kind, info.value_kind), (Kind::Fixed, Kind::Fixed));
    assert_eq!((info.key_size, info.value_size), (8, 8));
}

#[test]
fn misaligned_bytes_are_refused_not_misread() {
    let bytes = FrozenMap::<u64, u64>::build((0..10u64).map(|i| (i, i))).unwrap();
    let mut shifted = frozen::AlignedBytes::zeroed(bytes.len() + 1);
    shifted[1..].copy_from_slice(&bytes);
    assert!(matches!(
        FrozenMap::<u64, u64>::from_bytes(&shifted[1..]),
        Err(Error::Misaligned { align: 8 })
    ));
    // Types of alignment 1 read from anywhere.
    let bytes = FrozenMap::<str, [u8; 2]>::build([("a", [1u8, 2])]).unwrap();
    let mut shifted = frozen::AlignedBytes::zeroed(bytes.len() + 1);
    shifted[1..].copy_from_slice(&bytes);
    let map = FrozenMap::<str, [u8; 2]>::from_bytes(&shifted[1..]).unwrap();
    assert_eq!(map.get("a"), Some(&[1, 2]));
}

/// Recomputes both checksums after an edit, as a writer on another machine would have.
fn reseal(bytes: &mut [u8]) {
    let body = xxhash_rust::xxh3::xxh3_64(&bytes[152..]);
    bytes[136..144].copy_from_slice(&body.to_le_bytes());
    let head = xxhash_rust::xxh3::xxh3_64(&bytes[..144]);
    bytes[144..152].copy_from_slice(&head.to_le_bytes());
}

#[test]
fn a_big_endian_writer_is_simulated_fixed_items_refused_str_and_bytes_handled() {
    // A big-endian writer stores the mark 0x01020304 as bytes 01 02 03 04; its structure is
    // little-endian like everyone's, so only fixed-size items differ.
    let big_endian_mark = 0x0102_0304u32.to_be_bytes();
    let u = FrozenMap::<u64, u64>::build([(1u64, 1u64)]).unwrap();
    let mut swapped = frozen::AlignedBytes::copy_from(&u);
    swapped[12..16].copy_from_slice(&big_endian_mark);
    reseal(&mut swapped);
    assert!(matches!(
        FrozenMap::<u64, u64>::from_bytes(&swapped),
        Err(Error::ForeignEndian)
    ));

    let pairs: Vec<(String, Vec<u8>)> = (0..300)
        .map(|i| (format!("k{i}"), vec![i as u8; 3]))
        .collect();
    let s = FrozenMap::<str, [u8]>::build(pairs.iter().map(|(k, v)| (k.as_str(), v.as_slice())))
        .unwrap();
    let mut swapped = frozen::AlignedBytes::copy_from(&s);
    swapped[12..16].copy_from_slice(&big_endian_mark);
    reseal(&mut swapped);
    let map = FrozenMap::<str, [u8]>::from_bytes(&swapped).expect("str/[u8] maps are portable");
    map.verify().unwrap();
    for (k, v) in &pairs {
        assert_eq!(map.get(k), Some(v.as_slice()));
    }
    // A byte-swapped header (every field reversed) is not a frozen map of any version we know.
    let mut garbage = frozen::AlignedBytes::copy_from(&u);
    garbage[8..12].reverse();
    assert!(FrozenMap::<u64, u64>::from_bytes(&garbage).is_err());
}

#[test]
fn files_read_back_and_memory_map() {
    let dir = std::env::temp_dir().join(format!("gomap-frozen-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("words.gmf");
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    FrozenMap::<str, u32>::write(
        (0..2000u32).map(|i| (format!("w{i}"), i)),
        &Options::default(),
        file,
    )
    .unwrap();
    let read = frozen::read(&path).unwrap();
    let map = FrozenMap::<str, u32>::from_bytes(&read).unwrap();
    map.verify().unwrap();
    assert_eq!(map.get("w1999"), Some(&1999));
    // SAFETY: the file is this test's own and nothing writes it while it is mapped.
    let mapped = unsafe { frozen::open(&path) }.unwrap();
    let map = FrozenMap::<str, u32>::from_bytes(&mapped).unwrap();
    map.verify().unwrap();
    assert_eq!(map.get("w7"), Some(&7));
    assert_eq!(map.get("w2000"), None);
    // An empty file is refused, whether mapped or read.
    std::fs::write(&path, b"").unwrap();
    assert!(FrozenMap::<str, u32>::from_bytes(&frozen::read(&path).unwrap()).is_err());
    // SAFETY: as above.
    if let Ok(mapped) = unsafe { frozen::open(&path) } {
        assert!(FrozenMap::<str, u32>::from_bytes(&mapped).is_err());
    }
    assert!(matches!(
        frozen::read(dir.join("missing")),
        Err(Error::Io(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn random_inputs_match_std_differentially() {
    let mut rng = Rng::new(7);
    for round in 0..20 {
        // Keys from a range of 2^(8 + round): dense at first, sparse later.
        let n = rng.below(3000).min(1 << (7 + round)) as usize;
        let mut want = StdHashMap::new();
        while want.len() < n {
            want.insert(rng.below(1 << (8 + round)), rng.next_u64());
        }
        let bytes = FrozenMap::<u64, u64>::build(&want).unwrap();
        let map = FrozenMap::<u64, u64>::from_bytes(&bytes).unwrap();
        map.verify().unwrap();
        for _ in 0..2000 {
            let k = rng.below(1 << (8 + round));
            assert_eq!(map.get(&k), want.get(&k));
        }
    }
}

/// A named family of `u64` keys: `key(i)` for `i` in `0..n`.
type KeyFamily = (&'static str, fn(u64) -> u64);

#[test]
fn structured_u64_keys_spread_over_the_chains() {
    // The 8-byte hash (format v3) takes the chain and the tag from middle bits of one
    // 64x64->128 product. Key families that differ only in their low, high or scattered bits
    // spread like random keys (which overflow ~0.4% of the heads at this load, chains of 2).
    let n = scaled(200_000) as u64;
    let spread: [KeyFamily; 6] = [
        ("sequential", |i| i),
        ("stride 7", |i| i * 7),
        ("shifted by 20", |i| i << 20),
        ("shifted by 44", |i| i << 44),
        ("byte-reversed", |i| i.swap_bytes()),
        ("stride 2^20 + 1", |i| i.wrapping_mul((1 << 20) + 1)),
    ];
    // Known resonances of a single multiply (measured for n = 200K): keys that are multiples
    // of 2^31..2^35 land in ~14% of the heads in v2 and v3 alike (v2's xor of the halves
    // adds nothing there: the low half's low 32 bits are 0), and multiples of 2^6 overflow
    // 2.7% of the heads in v3 (v2: 0.1%). Slower chains, never wrong answers: checked below.
    let resonant: [KeyFamily; 2] = [("shifted by 32", |i| i << 32), ("shifted by 6", |i| i << 6)];
    for seed in [0u64, 3, u64::MAX, 0x1234_5678_90ab_cdef] {
        for (family, resonates) in [(&spread[..], false), (&resonant[..], true)] {
            for &(name, key) in family {
                let bytes = FrozenMap::<u64, u64>::build_with(
                    (0..n).map(|i| (key(i), i)),
                    &Options::with_seed(seed),
                )
                .expect("distinct keys");
                let map = FrozenMap::<u64, u64>::from_bytes(&bytes).expect("our own file");
                let info = *map.info();
                let heads = 1u64 << info.log2_buckets;
                for i in (0..n).step_by(97) {
                    assert_eq!(map.get(&key(i)), Some(&i), "{name}, seed {seed}: key {i}");
                }
                if resonates {
                    assert!(info.max_chain <= 5, "{name}, seed {seed}: {info:?}");
                } else {
                    assert!(
                        info.overflow_buckets * 50 <= heads && info.max_chain <= 3,
                        "{name}, seed {seed}: {} overflow buckets over {heads} heads, longest {}",
                        info.overflow_buckets,
                        info.max_chain
                    );
                }
            }
        }
    }
}
