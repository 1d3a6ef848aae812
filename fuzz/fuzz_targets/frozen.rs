//! Fuzzes `gomap::frozen` on arbitrary bytes: `from_bytes`, lookups of present-looking and
//! absent keys, iteration, the snapshot and `verify`, for a fixed-size and a `str` map. Nothing
//! may panic, hang or read out of bounds; a map that verifies must find what it lists.
//!
//! The first input byte picks the types; the rest are the file. Inputs that pass the header
//! checksum are rare for random bytes, so the second mode (byte 0 odd) takes the input as edits
//! to a valid file and reseals its checksums, reaching the structural checks and the bounded
//! probes.

#![no_main]

use gomap::frozen::{AlignedBytes, FrozenMap, Item, Options};
use libfuzzer_sys::fuzz_target;

fn exercise<K, V>(bytes: &[u8], probes: &[&K])
where
    K: Item + ?Sized,
    V: Item + ?Sized + PartialEq + std::fmt::Debug,
{
    let aligned = AlignedBytes::copy_from(bytes);
    let Ok(map) = FrozenMap::<K, V>::from_bytes(&aligned) else {
        return;
    };
    for k in probes {
        let _ = map.get(k);
    }
    let listed: Vec<_> = map.iter().collect();
    for (k, _) in listed.iter().take(64) {
        let _ = map.get(k);
    }
    let _ = map.snapshot();
    if map.verify().is_ok() {
        for (k, v) in &listed {
            assert_eq!(map.get(k), Some(*v));
        }
    }
}

fn reseal(bytes: &mut [u8]) {
    if bytes.len() >= 152 {
        let body = xxh3(&bytes[152..]);
        bytes[136..144].copy_from_slice(&body.to_le_bytes());
        let head = xxh3(&bytes[..144]);
        bytes[144..152].copy_from_slice(&head.to_le_bytes());
    }
}

/// The format's checksum: XXH3-64, seed 0.
fn xxh3(b: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(b)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let u64_probes: Vec<u64> = (0..64).map(|i| i * 7).collect();
    let u64_refs: Vec<&u64> = u64_probes.iter().collect();
    let str_probes: Vec<String> = (0..64).map(|i| format!("k{i}")).collect();
    let str_refs: Vec<&str> = str_probes.iter().map(String::as_str).collect();
    if mode & 1 == 0 {
        if mode & 2 == 0 {
            exercise::<u64, u64>(rest, &u64_refs);
        } else {
            exercise::<str, str>(rest, &str_refs);
        }
        return;
    }
    // Edits to a valid file: (offset u16, byte) triples.
    let is_str = mode & 2 != 0;
    let n = 1 + (mode >> 2) as u64 * 4;
    let base = if is_str {
        FrozenMap::<str, str>::build_with(
            (0..n).map(|i| (format!("k{i}"), format!("v{i}"))),
            &Options::with_seed(1),
        )
    } else {
        FrozenMap::<u64, u64>::build_with((0..n).map(|i| (i * 7, i)), &Options::with_seed(1))
    }
    .expect("a valid build");
    let mut file = base.to_vec();
    for edit in rest.chunks_exact(3) {
        let at = u16::from_le_bytes([edit[0], edit[1]]) as usize % file.len();
        file[at] = edit[2];
    }
    reseal(&mut file);
    if is_str {
        exercise::<str, str>(&file, &str_refs);
    } else {
        exercise::<u64, u64>(&file, &u64_refs);
    }
});
