//! `gomap::frozen` on bad bytes: every truncation refused, random flips and splices refused by
//! `from_bytes`/`verify` or answered by lookups that terminate, the inputs that hang other
//! on-disk tables (tags all full, a cyclic chain) answered, and a bounded mutation test of the
//! structure behind valid checksums.
//!
//! The layout these tests edit is the one `gomap::frozen` documents: a 152-byte header (body
//! checksum at 136, header checksum at 144), bucket headers of 16 bytes from offset 192
//! (`tophash[8]`, `first: u32`, `overflow: u32`).

mod common;

use common::{scaled, Rng};
use gomap::frozen::{AlignedBytes, Error, FrozenMap, Item};

const BUCKETS_AT: usize = 192;

/// Recomputes both checksums after an edit, so the edit reaches the structural checks.
fn reseal(bytes: &mut [u8]) {
    let body = xxhash_rust::xxh3::xxh3_64(&bytes[152..]);
    bytes[136..144].copy_from_slice(&body.to_le_bytes());
    let head = xxhash_rust::xxh3::xxh3_64(&bytes[..144]);
    bytes[144..152].copy_from_slice(&head.to_le_bytes());
}

fn u64_map(n: u64) -> AlignedBytes {
    FrozenMap::<u64, u64>::build_with(
        (0..n).map(|i| (i * 7, i)),
        &gomap::frozen::Options::with_seed(3),
    )
    .unwrap()
}

fn str_map(n: u64) -> AlignedBytes {
    FrozenMap::<str, str>::build_with(
        (0..n).map(|i| (format!("key{i}"), format!("value{i}"))),
        &gomap::frozen::Options::with_seed(3),
    )
    .unwrap()
}

/// Everything a reader may do with a map it opened, on keys present and absent; returns
/// whether `verify` accepted it. Any hang, panic or out-of-bounds read fails the test (a hang by
/// the harness's timeout).
fn exercise<K: Item + ?Sized, V: Item + ?Sized + PartialEq + std::fmt::Debug>(
    bytes: &[u8],
    probes: &[&K],
) -> bool {
    let Ok(map) = FrozenMap::<K, V>::from_bytes(bytes) else {
        return false;
    };
    for k in probes {
        let _ = map.get(k);
        let _ = map.contains_key(k);
    }
    let listed: Vec<(&K, &V)> = map.iter().collect();
    let _ = map.snapshot();
    let verified = map.verify().is_ok();
    if verified {
        // What verify promises: every entry iter yields is what get answers.
        for (k, v) in &listed {
            assert_eq!(
                map.get(k),
                Some(*v),
                "a verified map must find what it lists"
            );
        }
        assert_eq!(listed.len(), map.len());
    }
    verified
}

#[test]
fn every_truncation_is_refused() {
    for bytes in [u64_map(40), u64_map(0)] {
        for cut in 0..bytes.len() {
            let short = AlignedBytes::copy_from(&bytes[..cut]);
            assert!(
                FrozenMap::<u64, u64>::from_bytes(&short).is_err(),
                "a {cut}-byte prefix of a {}-byte file was accepted",
                bytes.len()
            );
        }
    }
    let bytes = str_map(30);
    for cut in 0..bytes.len() {
        let short = AlignedBytes::copy_from(&bytes[..cut]);
        let err = FrozenMap::<str, str>::from_bytes(&short).unwrap_err();
        if cut >= 152 {
            assert!(matches!(err, Error::Truncated { .. }), "cut {cut}: {err}");
        }
    }
    // One byte too many is refused too: the header says where the map ends.
    let mut long = AlignedBytes::zeroed(bytes.len() + 1);
    long[..bytes.len()].copy_from_slice(&bytes);
    assert!(FrozenMap::<str, str>::from_bytes(&long).is_err());
}

#[test]
fn random_byte_flips_are_refused_or_answered() {
    let mut rng = Rng::new(11);
    let base = u64_map(300);
    let probes: Vec<u64> = (0..600).map(|i| i * 7 / 2).collect();
    let probe_refs: Vec<&u64> = probes.iter().collect();
    let sbase = str_map(200);
    let sprobes: Vec<String> = (0..400).map(|i| format!("key{}", i / 2)).collect();
    let sprobe_refs: Vec<&str> = sprobes.iter().map(String::as_str).collect();
    for round in 0..scaled(4000) {
        let (bytes, is_str) = if round % 2 == 0 {
            (&base, false)
        } else {
            (&sbase, true)
        };
        let mut m = AlignedBytes::copy_from(bytes);
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len() as u64) as usize;
            m[at] ^= 1 << rng.below(8);
        }
        // Unsealed: the checksums must notice any change.
        let verified = if is_str {
            exercise::<str, str>(&m, &sprobe_refs)
        } else {
            exercise::<u64, u64>(&m, &probe_refs)
        };
        assert!(
            !verified || m[..] == bytes[..],
            "verify accepted a flipped file"
        );
        // Sealed: the structure checks and the bounded lookups must cope on their own.
        reseal(&mut m);
        if is_str {
            exercise::<str, str>(&m, &sprobe_refs);
        } else {
            exercise::<u64, u64>(&m, &probe_refs);
        }
    }
}

#[test]
fn random_splices_are_refused_or_answered() {
    let mut rng = Rng::new(12);
    let base = str_map(300);
    let sprobes: Vec<String> = (0..600).map(|i| format!("key{}", i / 2)).collect();
    let refs: Vec<&str> = sprobes.iter().map(String::as_str).collect();
    for _ in 0..scaled(3000) {
        let mut m = AlignedBytes::copy_from(&base);
        let len = 1 + rng.below(64) as usize;
        let from = rng.below((m.len() - len) as u64) as usize;
        let to = rng.below((m.len() - len) as u64) as usize;
        m.copy_within(from..from + len, to);
        if rng.chance(50) {
            reseal(&mut m);
        }
        exercise::<str, str>(&m, &refs);
    }
}

/// Overwrites bucket `i`'s header.
fn set_bucket(bytes: &mut [u8], i: usize, tophash: [u8; 8], first: u32, overflow: u32) {
    let at = BUCKETS_AT + 16 * i;
    bytes[at..at + 8].copy_from_slice(&tophash);
    bytes[at + 8..at + 12].copy_from_slice(&first.to_le_bytes());
    bytes[at + 12..at + 16].copy_from_slice(&overflow.to_le_bytes());
}

fn buckets_of(bytes: &[u8]) -> usize {
    let info = gomap::frozen::info(bytes).unwrap();
    (1usize << info.log2_buckets) + info.overflow_buckets as usize
}

#[test]
fn regression_every_tag_full_and_no_empty_rest_terminates() {
    // odht and rkyv loop forever looking up an absent key when every control byte is full.
    for n in [0u64, 1, 100, 10_000] {
        let mut m = u64_map(n);
        for i in 0..buckets_of(&m) {
            set_bucket(&mut m, i, [0xff; 8], 0, 0);
        }
        reseal(&mut m);
        let map = FrozenMap::<u64, u64>::from_bytes(&m).unwrap();
        for k in 0..1000u64 {
            // Terminates, whatever it answers.
            let _ = map.get(&(k * 1_000_003));
        }
        if n > 0 {
            assert!(map.verify().is_err());
        }
    }
}

#[test]
fn regression_a_cyclic_overflow_chain_terminates() {
    // Random keys, so that some chains overflow (an arithmetic progression of keys, as in
    // `u64_map`, spreads over the chains too evenly for that under the multiplicative hash).
    let mix = |i: u64| {
        let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut m = FrozenMap::<u64, u64>::build_with(
        (0..scaled(400_000) as u64).map(|i| (mix(i), i)),
        &gomap::frozen::Options::with_seed(3),
    )
    .unwrap();
    let info = gomap::frozen::info(&m).unwrap();
    assert!(info.overflow_buckets > 0, "the test needs overflow buckets");
    let main = 1usize << info.log2_buckets;
    let total = buckets_of(&m);
    // Every bucket full of a tag no key has, each pointing at itself, and the last overflow
    // bucket back at bucket 1: every chain is a cycle.
    for i in 0..total {
        let next = if i == total - 1 { 1 } else { i as u32 };
        set_bucket(&mut m, i, [0x77; 8], 0, next.max(1));
    }
    reseal(&mut m);
    let map = FrozenMap::<u64, u64>::from_bytes(&m).unwrap();
    for k in 0..2000u64 {
        let _ = map.get(&k);
    }
    let snap = map.snapshot();
    assert_eq!(snap.buckets.len(), main);
    assert!(snap
        .buckets
        .iter()
        .all(|c| c.tophash.len() <= info.max_chain as usize));
    assert!(matches!(map.verify(), Err(Error::Corrupt { .. })));
}

#[test]
fn header_counts_that_lie_are_refused_in_o1() {
    let base = u64_map(1000);
    // (offset, new little-endian u64 or u32 value, width)
    let edits: [(usize, u64, usize); 8] = [
        (60, 0, 4),        // longest chain 0
        (60, 1 << 30, 4),  // longest chain beyond the overflow count
        (64, 1 << 40, 8),  // entry count past 2^32
        (64, 999, 8),      // entry count that disagrees with the entries section
        (72, 1 << 33, 8),  // overflow count past the bucket limit
        (34, 40, 1),       // B too large
        (88, 16, 8),       // buckets length
        (128, 1 << 62, 8), // file length
    ];
    for (at, value, width) in edits {
        let mut m = AlignedBytes::copy_from(&base);
        m[at..at + width].copy_from_slice(&value.to_le_bytes()[..width]);
        reseal(&mut m);
        assert!(
            FrozenMap::<u64, u64>::from_bytes(&m).is_err(),
            "header edit at {at} to {value} accepted"
        );
    }
}

#[test]
fn bounded_mutation_test_of_the_structure() {
    // Mutations aimed at the structure (tags, first indices, overflow links, spans), each
    // resealed so only the structural checks stand between it and the reader.
    let mut rng = Rng::new(13);
    let base = str_map(2000);
    let info = gomap::frozen::info(&base).unwrap();
    let total = buckets_of(&base);
    let entries_at = (BUCKETS_AT + 16 * total).next_multiple_of(64);
    let probes: Vec<String> = (0..300).map(|i| format!("key{}", i * 7)).collect();
    let refs: Vec<&str> = probes.iter().map(String::as_str).collect();
    let mut refused = 0;
    let rounds = scaled(3000);
    for _ in 0..rounds {
        let mut m = AlignedBytes::copy_from(&base);
        let bucket = BUCKETS_AT + 16 * rng.below(total as u64) as usize;
        let entry = entries_at + 16 * rng.below(info.len) as usize;
        let interesting = [
            0u32,
            1,
            7,
            8,
            9,
            info.len as u32,
            u32::MAX,
            rng.next_u64() as u32,
        ];
        let v = interesting[rng.below(interesting.len() as u64) as usize];
        match rng.below(6) {
            0 => m[bucket + rng.below(8) as usize] = rng.below(256) as u8,
            1 => m[bucket + 8..bucket + 12].copy_from_slice(&v.to_le_bytes()),
            2 => m[bucket + 12..bucket + 16].copy_from_slice(&v.to_le_bytes()),
            3 => m[entry..entry + 4].copy_from_slice(&v.to_le_bytes()),
            4 => m[entry + 4..entry + 8].copy_from_slice(&v.to_le_bytes()),
            _ => {
                let other = entries_at + 16 * rng.below(info.len) as usize;
                m.copy_within(other..other + 16, entry);
            }
        }
        let changed = m[..] != base[..];
        reseal(&mut m);
        if !exercise::<str, str>(&m, &refs) && changed {
            refused += 1;
        }
    }
    // Most of these edits break an invariant; the rest (a span copied onto an equal one, a
    // tag set to its own value) leave the map as it was.
    assert!(
        refused > rounds / 2,
        "only {refused} of {rounds} mutations were noticed"
    );
}
